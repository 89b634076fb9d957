#!/usr/bin/env node
// send.mjs - replays gen.mjs's pre-encoded OTLP/HTTP protobuf batches (batches.bin)
// to POST /v1/traces with N requests in flight; counts acknowledged calls and
// failures and prints one JSON line of figures on stdout.
//
//   node send.mjs --in DIR --url http://127.0.0.1:4318 [--concurrency 4] [--retries 5] [--limit-batches N]
//
// Bodies are read from the file as they are sent (pread of one batch, from the
// page cache after generation), so memory stays flat at 1 M calls.
// calls/s = calls acknowledged (2xx, minus partial_success.rejected_spans) / wall
// time from the first request to the last response.  429/502/503/504 and
// connection errors are retried (as an OTLP exporter does) with 50 ms..2 s backoff;
// a batch that still fails, or gets another status, is counted as failed.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const o = { in: null, url: 'http://127.0.0.1:4318', concurrency: 4, retries: 5, limitBatches: 0, progress: 10 };
const argv = process.argv.slice(2);
for (let k = 0; k < argv.length; k++) {
  const a = argv[k], v = argv[++k];
  if (a === '--in') o.in = v; else if (a === '--url') o.url = v;
  else if (a === '--concurrency') o.concurrency = +v; else if (a === '--retries') o.retries = +v;
  else if (a === '--limit-batches') o.limitBatches = +v; else if (a === '--progress') o.progress = +v;
  else { console.error('unknown argument ' + a); process.exit(2); }
}
if (!o.in) { console.error('usage: send.mjs --in DIR [--url URL] [--concurrency N]'); process.exit(2); }

// index of batches: offsets, lengths and call counts
const file = path.join(o.in, 'batches.bin');
const fd = fs.openSync(file, 'r');
const size = fs.fstatSync(fd).size;
const idx = [];
{
  const h = Buffer.alloc(8);
  for (let off = 0; off < size;) {
    fs.readSync(fd, h, 0, 8, off);
    const len = h.readUInt32LE(0), n = h.readUInt32LE(4);
    idx.push({ off: off + 8, len, n });
    off += 8 + len;
  }
}
if (o.limitBatches) idx.length = Math.min(idx.length, o.limitBatches);
const totalCalls = idx.reduce((a, b) => a + b.n, 0);

const u = new URL('/v1/traces', o.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });

// ExportTraceServiceResponse { partial_success = 1 { rejected_spans = 1 (int64), error_message = 2 } }
function rejectedSpans(buf) {
  let p = 0, rejected = 0, msg = '';
  const varint = (b) => { let v = 0, m = 1; for (;;) { const x = b[p++]; v += (x & 0x7f) * m; if (x < 0x80) return v; m *= 128; } };
  try {
    while (p < buf.length) {
      const t = varint(buf);
      if (t >> 3 === 1 && (t & 7) === 2) {
        const len = varint(buf), end = p + len;
        while (p < end) {
          const t2 = varint(buf);
          if ((t2 & 7) === 0) { const v = varint(buf); if (t2 >> 3 === 1) rejected = v; }
          else if ((t2 & 7) === 2) { const l = varint(buf); if (t2 >> 3 === 2) msg = buf.toString('utf8', p, p + l); p += l; }
          else return { rejected, msg };
        }
      } else return { rejected, msg };
    }
  } catch { /* malformed: ignore */ }
  return { rejected, msg };
}

function post(body) {
  return new Promise((resolve) => {
    const req = http.request(u, { method: 'POST', agent, headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', (e) => resolve({ status: 0, err: e.message }));
    });
    req.on('error', (e) => resolve({ status: 0, err: e.message }));
    req.end(body);
  });
}

const st = { requests: 0, ok_requests: 0, failed_requests: 0, retries: 0, acked_calls: 0, rejected_calls: 0, failed_calls: 0, statuses: {}, last_error: '' };
const lat = [];
let next = 0;
const t0 = process.hrtime.bigint();
let lastProgress = Date.now();

async function worker() {
  const rd = Buffer.allocUnsafe(4 << 20);
  for (;;) {
    const k = next++;
    if (k >= idx.length) return;
    const b = idx[k];
    const body = b.len <= rd.length ? rd.subarray(0, b.len) : Buffer.allocUnsafe(b.len);
    fs.readSync(fd, body, 0, b.len, b.off);
    let res;
    for (let attempt = 0; ; attempt++) {
      const s = process.hrtime.bigint();
      res = await post(body);
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      st.requests++;
      st.statuses[res.status] = (st.statuses[res.status] || 0) + 1;
      const retryable = res.status === 0 || res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504;
      if (!retryable || attempt >= o.retries) break;
      st.retries++;
      await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
    }
    if (res.status >= 200 && res.status < 300) {
      const { rejected, msg } = rejectedSpans(res.body);
      st.ok_requests++;
      st.acked_calls += b.n - rejected;
      st.rejected_calls += rejected;
      if (rejected || msg) st.last_error = 'partial_success: ' + msg;
    } else {
      st.failed_requests++;
      st.failed_calls += b.n;
      st.last_error = `HTTP ${res.status} ${res.err || res.body.toString('utf8', 0, Math.min(300, res.body.length))}`;
    }
    if (o.progress && Date.now() - lastProgress > o.progress * 1000) {
      lastProgress = Date.now();
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      process.stderr.write(`send: ${st.acked_calls}/${totalCalls} calls acked, ${(st.acked_calls / s).toFixed(0)} calls/s, ${st.failed_requests} failed requests\n`);
    }
  }
}

await Promise.all(Array.from({ length: o.concurrency }, worker));
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
agent.destroy();
lat.sort((a, b) => a - b);
const q = (p) => lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : null;
const cpu = process.cpuUsage();
const out = {
  sender_cpu_s: (cpu.user + cpu.system) / 1e6,
  calls: totalCalls, batches: idx.length, concurrency: o.concurrency, bytes: idx.reduce((a, b) => a + b.len, 0),
  wall_s: wall, calls_per_s: st.acked_calls / wall, ...st,
  request_ms_p50: q(0.5), request_ms_p95: q(0.95), request_ms_max: lat.length ? lat[lat.length - 1] : null,
};
process.stdout.write(JSON.stringify(out) + '\n');
