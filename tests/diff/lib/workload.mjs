// lib/workload.mjs - the anchors benchmark workload (../shared/anchors): builds
// its generator from a copy of gen/gen.c, generates a workload with a fixed
// --end-ms (so every run sends the same bytes), and replays the request bodies
// to remote-write receivers the way anchors/tools/send.js does (worker w sends
// every request whose slot % concurrency == w, in file = time order, so each
// series' samples arrive in order).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export const ANCHORS = process.env.ANCHORS_DIR || path.resolve(import.meta.dirname, '../../../../shared/anchors');

const REC = 32; // index.bin record: u32 file, u32 slot, u32 batch, u32 nsamples, u64 offset, u32 length, u32 nseries (LE)

export function buildGenerator(dir) {
  const src = path.join(ANCHORS, 'gen', 'gen.c');
  if (!fs.existsSync(src)) throw new Error(`anchors generator not found at ${src} (set ANCHORS_DIR)`);
  fs.copyFileSync(src, path.join(dir, 'gen.c'));
  const bin = path.join(dir, 'gen');
  execFileSync(process.env.CC || 'cc', ['-O2', '-o', bin, path.join(dir, 'gen.c'), '-lsnappy', '-lm'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return bin;
}

export function generate(gen, out, { size = 'small', seed = 42, endMs }) {
  const args = ['--size', size, '--seed', String(seed), '--out', out];
  if (endMs !== undefined) args.push('--end-ms', String(endMs));
  return execFileSync(gen, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function readManifest(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
}

export function readIndex(dir) {
  const b = fs.readFileSync(path.join(dir, 'index.bin'));
  if (b.length % REC) throw new Error('index.bin has a partial record');
  const out = [];
  for (let o = 0; o < b.length; o += REC) {
    out.push({
      file: b.readUInt32LE(o), slot: b.readUInt32LE(o + 4), batch: b.readUInt32LE(o + 8), nsamples: b.readUInt32LE(o + 12),
      offset: Number(b.readBigUInt64LE(o + 16)), length: b.readUInt32LE(o + 24), nseries: b.readUInt32LE(o + 28),
    });
  }
  return out;
}

/* The request bodies in index order: [{ body: Buffer (snappy), slot, nsamples }]. */
export function loadBodies(dir) {
  const m = readManifest(dir);
  const files = [];
  for (let f = 0; f < m.files; f++) files.push(fs.readFileSync(path.join(dir, `bodies-${String(f).padStart(3, '0')}.bin`)));
  return readIndex(dir).map((r) => ({ body: files[r.file].subarray(r.offset, r.offset + r.length), slot: r.slot, nsamples: r.nsamples }));
}

function post(url, agent, body) {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST', agent,
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy',
        'X-Prometheus-Remote-Write-Version': '0.1.0', 'Content-Length': body.length },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8').slice(0, 300) }));
      res.on('error', (e) => resolve({ status: 0, text: String(e) }));
    });
    req.setTimeout(120000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, text: String(e.message || e) }));
    req.end(body);
  });
}

/* Sends every body to baseUrl/api/v1/write; resolves with { ok, failed, samples, examples, seconds }. */
export async function replay(baseUrl, bodies, { concurrency = 4 } = {}) {
  const url = `${baseUrl}/api/v1/write`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const queues = Array.from({ length: concurrency }, () => []);
  for (const b of bodies) queues[b.slot % concurrency].push(b);
  const r = { ok: 0, failed: 0, samples: 0, examples: [] };
  const t0 = Date.now();
  await Promise.all(queues.map(async (q) => {
    for (const b of q) {
      const x = await post(url, agent, b.body);
      if (x.status >= 200 && x.status < 300) { r.ok++; r.samples += b.nsamples; } else {
        r.failed++;
        if (r.examples.length < 3) r.examples.push(`${x.status} ${x.text.trim()}`);
      }
    }
  }));
  agent.destroy();
  r.seconds = (Date.now() - t0) / 1000;
  return r;
}
