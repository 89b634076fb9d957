// grpc.test.mjs - OTLP/gRPC on the real binary with a real client (grpc-js):
// the three Export methods, gzip, status codes for unknown methods, garbage
// and oversized messages, 50 concurrent calls, a 4 MB message, HTTP/1.1 on
// the gRPC port, and loupe still serving (and counting) afterwards.
//
// The gRPC message limit is --max-request-bytes (8 MiB here).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OTLP, client, grpc, unary, unknownFieldMessage } from './lib/grpc_helper.mjs';
import { Loupe, freePort } from './lib/loupe.mjs';

const S = grpc.status;

describe('OTLP/gRPC receiver', () => {
  let loupe;
  let addr;
  let c;
  before(async () => {
    addr = `127.0.0.1:${await freePort()}`;
    loupe = new Loupe({ args: ['--otlp-grpc', addr, '--max-request-bytes', '8MiB'] });
    await loupe.start();
    c = client(addr);
  });
  after(async () => {
    c?.close();
    if (loupe) {
      const st = await loupe.stop();
      loupe.cleanup();
      assert.equal(st.code, 0, `loupe exit status ${JSON.stringify(st)}\n${loupe.log}`);
    }
  });

  test('an empty Export request is OK on all three services', async () => {
    for (const method of Object.values(OTLP)) {
      const r = await unary(c, method, Buffer.alloc(0));
      assert.equal(r.err, null, `${method}: ${r.err?.details}`);
      assert.ok(Buffer.isBuffer(r.resp));
    }
  });

  test('gzip-compressed calls work', async () => {
    const gz = client(addr, { 'grpc.default_compression_algorithm': 2 });
    try {
      for (const body of [Buffer.alloc(0), unknownFieldMessage(1 << 20)]) {
        const r = await unary(gz, OTLP.traces, body);
        assert.equal(r.err, null, r.err?.details);
      }
    } finally {
      gz.close();
    }
  });

  test('an unknown method is UNIMPLEMENTED', async () => {
    let r = await unary(c, '/opentelemetry.proto.collector.trace.v1.TraceService/Nope', Buffer.alloc(0));
    assert.equal(r.err?.code, S.UNIMPLEMENTED);
    r = await unary(c, '/no.Such/Service', Buffer.alloc(0));
    assert.equal(r.err?.code, S.UNIMPLEMENTED);
  });

  test('a message that is not protobuf is INVALID_ARGUMENT, with a message', async () => {
    for (const method of Object.values(OTLP)) {
      // field 1, length 100, but one byte follows
      const r = await unary(c, method, Buffer.from([0x0a, 0x64, 0x01]));
      assert.equal(r.err?.code, S.INVALID_ARGUMENT, method);
      assert.ok(r.err.details.length > 0);
    }
  });

  test('a message over the limit is RESOURCE_EXHAUSTED', async () => {
    const r = await unary(c, OTLP.traces, unknownFieldMessage(9 << 20));
    assert.equal(r.err?.code, S.RESOURCE_EXHAUSTED);
    assert.match(r.err.details, /larger than max/);
  });

  test('a 4 MB message', async () => {
    const r = await unary(c, OTLP.traces, unknownFieldMessage(4_000_000));
    assert.equal(r.err, null, r.err?.details);
  });

  test('50 concurrent calls', async () => {
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => unary(c, Object.values(OTLP)[i % 3],
      unknownFieldMessage(1000 + i))));
    for (const r of rs) assert.equal(r.err, null, r.err?.details);
  });

  test('HTTP/1.1 on the gRPC port gets a 505 that says why', async () => {
    const r = await fetch(`http://${addr}/v1/traces`, { method: 'POST', body: 'x' });
    assert.equal(r.status, 505);
    assert.match(await r.text(), /HTTP\/2/);
  });

  test('still serving afterwards, and counted in /metrics', async () => {
    const r = await unary(c, OTLP.logs, Buffer.alloc(0));
    assert.equal(r.err, null);
    assert.equal((await loupe.get('/readyz')).status, 200);
    assert.ok(await loupe.metric('loupe_grpc_requests_total', { method: OTLP.traces, code: 'OK' }) >= 20);
    assert.ok(await loupe.metric('loupe_grpc_requests_total', { method: OTLP.traces, code: 'INVALID_ARGUMENT' }) >= 1);
    assert.ok(await loupe.metric('loupe_grpc_requests_total', { method: 'other', code: 'UNIMPLEMENTED' }) >= 2);
    assert.ok(await loupe.metric('loupe_grpc_requests_total', { code: 'RESOURCE_EXHAUSTED' }) >= 1);
  });
});
