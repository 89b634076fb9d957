// otlp_bad_input.test.mjs - hostile and malformed OTLP/HTTP requests (raw
// fetch, not the SDK): each gets a 4xx with a message in the request's
// format, stores nothing, and leaves loupe ready.  A batch with one valid
// span and one without a trace id is a 200 with partial_success, and the
// valid span is stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib from 'node:zlib';
import {
  startLoupe, otlpPost, rawTracesPb, rawTracesJson, randomHex, PB, baseSec, jaegerTrace, eventually,
  stopLoupe,
} from './lib/otel.mjs';
import { pbBytes, pbTag, pbVarint } from './lib/remote_write.mjs';
import { withDeadline } from './lib/loupe.mjs';

const DECOMP_LIMIT = 4 << 20;
let l;
before(async () => { l = await startLoupe({ args: ['--max-decompressed-bytes', String(DECOMP_LIMIT)] }); });
after(() => stopLoupe(l));

const PBH = { 'Content-Type': 'application/x-protobuf' };
const JSONH = { 'Content-Type': 'application/json' };

function span(name, attrs) {
  const B = BigInt(baseSec()) * 1_000_000_000n;
  return { traceId: randomHex(16), spanId: randomHex(8), name, startNs: B, endNs: B + 5_000_000n, attrs };
}

const stored = () => l.metric('loupe_otlp_items_stored_total', {});

/* Asserts r is a 4xx error with a message, in the format the request used. */
function assertError(r, status, fmt) {
  assert.equal(r.status, status, `status ${r.status}: ${r.text.slice(0, 300)}`);
  const ct = r.headers.get('content-type') || '';
  if (fmt === 'pb') {
    assert.match(ct, /^application\/(x-)?protobuf/, `content-type ${ct}`);
    const st = PB.RpcStatus.decode(r.body);
    assert.ok(st.message.length > 0, 'google.rpc.Status.message');
    assert.ok(st.code > 0, 'google.rpc.Status.code');
  } else if (fmt === 'json') {
    assert.match(ct, /^application\/json/, `content-type ${ct}`);
    const j = JSON.parse(r.text);
    assert.ok(typeof j.message === 'string' && j.message.length > 0, `message in ${r.text}`);
  } else {
    assert.ok(r.text.length > 0, 'an error message');
  }
}

async function assertNothingStored(traceIds, storedBefore) {
  assert.equal(await stored(), storedBefore, 'loupe_otlp_items_stored_total unchanged');
  for (const id of traceIds) {
    const r = await l.json(`/api/traces/${id}`);
    assert.equal(r.status, 404, `trace ${id}: ${r.status} ${r.body.slice(0, 200)}`);
  }
  const calls = await l.json('/api/v1/llm/calls?limit=1000');
  assert.equal(calls.status, 200);
  assert.deepEqual(calls.json.calls, [], 'no calls');
  assert.equal((await l.get('/readyz')).status, 200, 'still ready');
}

/* A span with LLM attributes, so a stored one would also be a call. */
const llmSpan = (name) => span(name, { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 5, 'gen_ai.usage.output_tokens': 1 });

/* Hand-made protobuf: a request whose span has `spanBytes` (already encoded Span fields). */
function pbRequestWithSpan(spanBytes) {
  return pbBytes(1, pbBytes(2, pbBytes(2, spanBytes)));
}
function fixed64(field, n) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return Buffer.concat([pbTag(field, 1), b]);
}
function pbSpanFields(s, { name = Buffer.from(s.name), traceId = Buffer.from(s.traceId, 'hex'), extra = Buffer.alloc(0) } = {}) {
  return Buffer.concat([pbBytes(1, traceId), pbBytes(2, Buffer.from(s.spanId, 'hex')), pbBytes(5, name),
    fixed64(7, s.startNs), fixed64(8, s.endNs), extra]);
}

const CASES = [
  { what: 'truncated protobuf', status: 400, fmt: 'pb', make: () => {
    const s = llmSpan('bad-truncated');
    const b = rawTracesPb([s]);
    return { ids: [s.traceId], body: b.subarray(0, b.length - 7), headers: PBH };
  } },
  { what: 'protobuf cut inside a length prefix', status: 400, fmt: 'pb', make: () => {
    const s = llmSpan('bad-cut-prefix');
    return { ids: [s.traceId], body: Buffer.concat([rawTracesPb([s]), Buffer.from([0x0a, 0xff])]), headers: PBH };
  } },
  { what: 'protobuf with a wrong wire type (resource_spans as varint)', status: 400, fmt: 'pb', make: () =>
    ({ ids: [], body: Buffer.concat([pbTag(1, 0), pbVarint(5)]), headers: PBH }) },
  { what: 'invalid UTF-8 in a protobuf span name', status: 400, fmt: 'pb', make: () => {
    const s = llmSpan('x');
    return { ids: [s.traceId], body: pbRequestWithSpan(pbSpanFields(s, { name: Buffer.from([0x66, 0xff, 0xfe, 0x6f]) })), headers: PBH };
  } },
  { what: 'invalid UTF-8 in a protobuf attribute value', status: 400, fmt: 'pb', make: () => {
    const s = llmSpan('bad-utf8-attr');
    const attr = pbBytes(9, Buffer.concat([pbBytes(1, 'k'), pbBytes(2, pbBytes(1, Buffer.from([0xc3, 0x28])))]));
    return { ids: [s.traceId], body: pbRequestWithSpan(pbSpanFields(s, { extra: attr })), headers: PBH };
  } },
  { what: 'a 15-byte trace id', status: 400, fmt: 'pb', make: () => {
    const s = llmSpan('bad-trace-id-len');
    return { ids: [], body: pbRequestWithSpan(pbSpanFields(s, { traceId: Buffer.alloc(15, 7) })), headers: PBH };
  } },
  { what: 'wrong JSON types ("spans": 5)', status: 400, fmt: 'json', make: () =>
    ({ ids: [], body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: 5 }] }] }), headers: JSONH }) },
  { what: 'wrong JSON types (resourceSpans an object, a valid span inside)', status: 400, fmt: 'json', make: () => {
    const s = llmSpan('bad-json-shape');
    const j = JSON.parse(rawTracesJson([s]));
    return { ids: [s.traceId], body: JSON.stringify({ resourceSpans: j.resourceSpans[0] }), headers: JSONH };
  } },
  { what: 'wrong JSON types (name a number, next to a valid span)', status: 400, fmt: 'json', make: () => {
    const a = llmSpan('bad-json-valid'), b = llmSpan('bad-json-name');
    const j = JSON.parse(rawTracesJson([a, b]));
    j.resourceSpans[0].scopeSpans[0].spans[1].name = 42;
    return { ids: [a.traceId, b.traceId], body: JSON.stringify(j), headers: JSONH };
  } },
  { what: 'a JSON trace id that is not hex', status: 400, fmt: 'json', make: () => {
    const s = llmSpan('bad-json-hex');
    return { ids: [], body: rawTracesJson([s]).replace(s.traceId, 'zz' + s.traceId.slice(2)), headers: JSONH };
  } },
  { what: 'JSON syntax error', status: 400, fmt: 'json', make: () => {
    const s = llmSpan('bad-json-syntax');
    return { ids: [s.traceId], body: rawTracesJson([s]).slice(0, -3), headers: JSONH };
  } },
  { what: 'gzip bomb (a few KB inflating past the limit)', status: 413, fmt: 'pb', make: () => {
    const s = llmSpan('bad-gzip-bomb');
    // a valid request padded with an unknown field holding zeros: only the size is wrong
    const body = Buffer.concat([rawTracesPb([s]), pbBytes(99, Buffer.alloc(DECOMP_LIMIT * 2))]);
    const gz = zlib.gzipSync(body, { level: 9 });
    assert.ok(gz.length < 16 * 1024, `bomb is ${gz.length} bytes`);
    return { ids: [s.traceId], body: gz, headers: { ...PBH, 'Content-Encoding': 'gzip' } };
  } },
  { what: 'Content-Encoding gzip on bytes that are not gzip', status: 400, fmt: 'pb', make: () => {
    const s = llmSpan('bad-not-gzip');
    return { ids: [s.traceId], body: rawTracesPb([s]), headers: { ...PBH, 'Content-Encoding': 'gzip' } };
  } },
  { what: 'truncated gzip', status: 400, fmt: 'json', make: () => {
    const s = llmSpan('bad-trunc-gzip');
    const gz = zlib.gzipSync(rawTracesJson([s]));
    return { ids: [s.traceId], body: gz.subarray(0, gz.length - 10), headers: { ...JSONH, 'Content-Encoding': 'gzip' } };
  } },
  { what: 'oversized attribute value (2 MiB, the limit is 1 MiB)', status: [400, 413], fmt: 'pb', make: () => {
    const s = llmSpan('bad-big-attr');
    s.attrs = { ...s.attrs, 'gen_ai.prompt': 'p'.repeat(2 << 20) };
    return { ids: [s.traceId], body: rawTracesPb([s]), headers: PBH };
  } },
  { what: 'unsupported content type (text/plain)', status: 415, fmt: 'text', make: () => {
    const s = llmSpan('bad-ctype');
    return { ids: [s.traceId], body: rawTracesJson([s]), headers: { 'Content-Type': 'text/plain' } };
  } },
  { what: 'no content type', status: 415, fmt: 'text', make: () => {
    const s = llmSpan('bad-no-ctype');
    return { ids: [s.traceId], body: new Blob([rawTracesPb([s])]), headers: {} };
  } },
  { what: 'unsupported Content-Encoding (br)', status: 415, fmt: 'pb', make: () => {
    const s = llmSpan('bad-br');
    return { ids: [s.traceId], body: zlib.brotliCompressSync(rawTracesPb([s])), headers: { ...PBH, 'Content-Encoding': 'br' } };
  } },
];

for (const c of CASES) {
  test(`bad input: ${c.what} -> ${c.status}, nothing stored, still ready`, async () => {
    const before = await stored();
    const { ids, body, headers } = c.make();
    const r = await otlpPost(`${l.otlpUrl}/v1/traces`, body, headers);
    if (Array.isArray(c.status)) {
      assert.ok(c.status.includes(r.status), `status ${r.status}, want one of ${c.status}: ${r.text.slice(0, 300)}`);
      assertError(r, r.status, c.fmt);
    } else {
      assertError(r, c.status, c.fmt);
    }
    await assertNothingStored(ids, before);
  });
}

test('bad input: truncated protobuf on /v1/metrics and /v1/logs -> 400, nothing stored', async () => {
  const before = await stored();
  for (const sig of ['metrics', 'logs']) {
    // resource_metrics / resource_logs (field 1) claiming 50 bytes, holding 3
    const body = Buffer.concat([pbTag(1, 2), pbVarint(50), Buffer.from([0x0a, 0x01, 0x00])]);
    const r = await otlpPost(`${l.otlpUrl}/v1/${sig}`, body, PBH);
    assertError(r, 400, 'pb');
    const j = await otlpPost(`${l.otlpUrl}/v1/${sig}`, '{"resourceMetrics": 5, "resourceLogs": 5}', JSONH);
    assertError(j, 400, 'json');
  }
  await assertNothingStored([], before);
});

test('bad input: methods other than POST -> 405', async () => {
  for (const method of ['GET', 'PUT', 'DELETE']) {
    for (const sig of ['traces', 'metrics', 'logs']) {
      const r = await fetch(`${l.otlpUrl}/v1/${sig}`, { method, headers: method === 'PUT' ? PBH : {}, body: method === 'PUT' ? Buffer.alloc(0) : undefined });
      assert.equal(r.status, 405, `${method} /v1/${sig}: ${r.status}`);
      assert.ok((await r.text()).length > 0, 'a message');
    }
  }
  assert.equal((await l.get('/readyz')).status, 200);
});

test('partial success (JSON): a span with an empty trace id is rejected, the valid one stored', async () => {
  const good = span('partial-good-json'), bad = span('partial-bad-json');
  const j = JSON.parse(rawTracesJson([good, bad]));
  j.resourceSpans[0].scopeSpans[0].spans[1].traceId = '';
  const r = await otlpPost(`${l.otlpUrl}/v1/traces`, JSON.stringify(j), JSONH);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const resp = JSON.parse(r.text);
  assert.equal(Number(resp.partialSuccess?.rejectedSpans), 1, r.text);
  assert.ok(resp.partialSuccess.errorMessage?.length > 0, 'errorMessage says why');
  const jt = await jaegerTrace(l, good.traceId, 1);
  assert.equal(jt.spans[0].operationName, 'partial-good-json');
});

test('partial success (protobuf): a span with an all-zero trace id is rejected, the valid one stored', async () => {
  const good = span('partial-good-pb'), bad = span('partial-bad-pb');
  bad.traceId = '0'.repeat(32);
  const r = await otlpPost(`${l.otlpUrl}/v1/traces`, rawTracesPb([good, bad]), PBH);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^application\/x-protobuf/);
  const resp = PB.ExportTraceServiceResponse.decode(r.body);
  assert.equal(Number(resp.partialSuccess?.rejectedSpans), 1);
  assert.ok(resp.partialSuccess.errorMessage.length > 0);
  const jt = await jaegerTrace(l, good.traceId, 1);
  assert.equal(jt.spans[0].operationName, 'partial-good-pb');
});

test('a valid request: protobuf in, protobuf out; JSON in, JSON out; no partial_success', async () => {
  const a = span('ok-pb'), b = span('ok-json');
  const rp = await otlpPost(`${l.otlpUrl}/v1/traces`, rawTracesPb([a]), PBH);
  assert.equal(rp.status, 200);
  assert.match(rp.headers.get('content-type'), /^application\/x-protobuf/);
  const dp = PB.ExportTraceServiceResponse.decode(rp.body);
  assert.ok(!dp.partialSuccess || Number(dp.partialSuccess.rejectedSpans) === 0, JSON.stringify(dp.toJSON()));
  const rj = await otlpPost(`${l.otlpUrl}/v1/traces`, rawTracesJson([b]), { 'Content-Type': 'application/json; charset=utf-8' });
  assert.equal(rj.status, 200);
  assert.match(rj.headers.get('content-type'), /^application\/json/);
  const dj = JSON.parse(rj.text);
  assert.ok(!dj.partialSuccess || !Number(dj.partialSuccess.rejectedSpans ?? 0), rj.text);
  await jaegerTrace(l, a.traceId, 1);
  await jaegerTrace(l, b.traceId, 1);
  // gzip and deflate bodies decode to the same thing
  const c = span('ok-gzip'), d = span('ok-deflate');
  const rg = await otlpPost(`${l.otlpUrl}/v1/traces`, zlib.gzipSync(rawTracesPb([c])), { ...PBH, 'Content-Encoding': 'gzip' });
  assert.equal(rg.status, 200, rg.text);
  const rd = await otlpPost(`${l.otlpUrl}/v1/traces`, zlib.deflateSync(rawTracesJson([d])), { ...JSONH, 'Content-Encoding': 'deflate' });
  assert.equal(rd.status, 200, rd.text);
  await jaegerTrace(l, c.traceId, 1);
  await jaegerTrace(l, d.traceId, 1);
  await eventually(async () => (await l.get('/readyz')).status === 200);
});

test('idle keep-alive clients (as every OTLP/HTTP exporter keeps) do not starve other requests', async () => {
  // 40 connections that made one request each and stay open, idle
  const socks = [];
  try {
    for (let i = 0; i < 40; i++) {
      const s = net.connect(Number(new URL(l.otlpUrl).port), '127.0.0.1');
      s.on('error', () => {});
      await new Promise((r, j) => { s.once('connect', r); s.once('error', j); });
      socks.push(s);
      s.write(`GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`);
      const got = await withDeadline(new Promise((r) => s.once("data", r)), 10000);
      assert.notEqual(got, 'timeout', `connection ${i + 1} got no answer in 10 s while ${i} earlier ones sit idle`);
    }
    const sp = span('after-idle-clients');
    const r = await withDeadline(otlpPost(`${l.otlpUrl}/v1/traces`, rawTracesPb([sp]), PBH), 20000);
    assert.notEqual(r, 'timeout', 'an export behind 40 idle keep-alive connections got no answer in 20 s');
    assert.equal(r.status, 200);
    const q = await withDeadline(l.json(`/api/traces/${sp.traceId}`), 20000);
    assert.notEqual(q, 'timeout', 'a query behind 40 idle keep-alive connections got no answer in 20 s');
    assert.equal(q.status, 200);
  } finally {
    for (const s of socks) s.destroy();
  }
});
