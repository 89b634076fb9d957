// grpc_echo.test.mjs - the gRPC server alone (src/server/grpc*.c) behind the
// test methods of tests/grpc_echo, driven by grpc-js, node:http2 and raw TCP:
// framing, compression, limits, concurrency, hostile input, graceful stop.
// Skipped when the grpc_echo program is not built (GRPC_ECHO_BIN).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import {
  H2_PREFACE, H2_SETTINGS, OTLP, client, echoBuilt, frame, grpc, rawBytes, rawCall, rawStatus, startEcho, unary,
} from './lib/grpc_helper.mjs';
import { SLOW, parseMetricsText } from './lib/loupe.mjs';

const skip = echoBuilt() ? false : 'grpc_echo is not built (add_subdirectory(tests/grpc_echo))';
const S = grpc.status;

/* Stops grpc_echo and checks it exited cleanly: status 0 (no leak report),
 * no sanitizer complaint. */
async function stopOk(echo) {
  const st = await echo.stop();
  assert.deepEqual(st, { code: 0, signal: null }, echo.log);
  assert.doesNotMatch(echo.log, /runtime error|AddressSanitizer|LeakSanitizer/);
  assert.match(echo.log, /grpc_echo: stopped/);
}

async function metrics(c) {
  const { err, resp } = await unary(c, '/test.Echo/Metrics', Buffer.alloc(0));
  assert.equal(err, null);
  return parseMetricsText(resp.toString());
}

describe('gRPC server (grpc_echo)', { skip }, () => {
  let echo;
  let c;
  before(async () => {
    echo = await startEcho(['--threads', '8', '--max-message', String(8 << 20), '--max-decompressed',
      String(16 << 20)]);
    c = client(echo.addr);
  });
  after(async () => {
    c?.close();
    if (echo) await stopOk(echo);
  });

  test('unary echo, empty message, and a 4 MiB message', async () => {
    let r = await unary(c, '/test.Echo/Echo', Buffer.from('hello'));
    assert.equal(r.err, null);
    assert.equal(r.resp.toString(), 'hello');
    r = await unary(c, '/test.Echo/Echo', Buffer.alloc(0));
    assert.equal(r.err, null);
    assert.equal(r.resp.length, 0);
    const big = Buffer.alloc(4 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = i / 4096;
    r = await unary(c, '/test.Echo/Echo', big);
    assert.equal(r.err, null);
    assert.ok(r.resp.equals(big));
  });

  test('gzip and deflate from grpc-js', async () => {
    for (const alg of [2, 1]) { // grpc.compressionAlgorithms: 1 deflate, 2 gzip
      const z = client(echo.addr, { 'grpc.default_compression_algorithm': alg });
      const msg = Buffer.alloc(300000, 'abc');
      const r = await unary(z, '/test.Echo/Echo', msg);
      z.close();
      assert.equal(r.err, null, `algorithm ${alg}`);
      assert.ok(r.resp.equals(msg));
    }
  });

  test('decompression bomb: RESOURCE_EXHAUSTED', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 << 20)); // 64 MiB of zeros, ~64 KiB compressed
    const r = await rawCall(echo.addr, { path: '/test.Echo/Echo', headers: { 'grpc-encoding': 'gzip' },
      body: frame(bomb, 1) });
    assert.deepEqual(rawStatus(r), { code: S.RESOURCE_EXHAUSTED,
      message: `grpc: decompressed message larger than ${16 << 20} bytes` });
  });

  test('status codes and percent-encoded messages', async () => {
    let r = await unary(c, '/test.Echo/Fail', Buffer.from('x'));
    assert.equal(r.err.code, S.INVALID_ARGUMENT);
    assert.equal(r.err.details, 'bad input: 100% wrong, café\nline 2');
    r = await unary(c, '/test.Echo/NoSuchMethod', Buffer.from('x'));
    assert.equal(r.err.code, S.UNIMPLEMENTED);
    assert.match(r.err.details, /unknown method \/test.Echo\/NoSuchMethod/);
    r = await unary(c, '/test.Echo/IoError', Buffer.from('x'));
    assert.equal(r.err.code, S.UNAVAILABLE); // LOUPE_EIO: retryable for OTLP clients
    r = await unary(c, '/test.Echo/Small', Buffer.alloc(2000)); // this method's limit: 1024
    assert.equal(r.err.code, S.RESOURCE_EXHAUSTED);
    r = await unary(c, '/test.Echo/Echo', Buffer.alloc((8 << 20) + 1));
    assert.equal(r.err.code, S.RESOURCE_EXHAUSTED);
    assert.match(r.err.details, /larger than max \(8388609 vs\. 8388608\)/);
  });

  test('OTLP stand-in: empty request OK, garbage INVALID_ARGUMENT', async () => {
    let r = await unary(c, OTLP.traces, Buffer.alloc(0));
    assert.equal(r.err, null);
    r = await unary(c, OTLP.logs, Buffer.from([0x0a, 0x64, 0x01]));
    assert.equal(r.err.code, S.INVALID_ARGUMENT);
    assert.match(r.err.details, /malformed protobuf/);
  });

  test('framing and encoding errors (raw HTTP/2)', async () => {
    const cases = [
      [{ body: Buffer.alloc(0) }, S.INTERNAL, /no request message/],
      [{ body: Buffer.from([0, 0, 0]) }, S.INTERNAL, /truncated message prefix/],
      [{ body: frame(Buffer.from('abc'), 0, 9) }, S.INTERNAL, /truncated message \(3 of 9 bytes\)/],
      [{ body: Buffer.concat([frame(Buffer.from('a')), frame(Buffer.from('b'))]) }, S.INTERNAL, /more than one/],
      [{ body: frame(Buffer.from('a'), 7) }, S.INTERNAL, /invalid compressed flag/],
      [{ body: frame(Buffer.from('a'), 1) }, S.INTERNAL, /compressed flag set with identity/],
      [{ body: frame(Buffer.from('a'), 1), headers: { 'grpc-encoding': 'snappy' } }, S.UNIMPLEMENTED,
        /unsupported grpc-encoding/],
      [{ body: frame(Buffer.from('not gzip'), 1), headers: { 'grpc-encoding': 'gzip' } }, S.INTERNAL,
        /invalid gzip data/],
      [{ body: frame(Buffer.concat([zlib.gzipSync('x'), Buffer.from('tail')]), 1), headers: { 'grpc-encoding': 'gzip' } },
        S.INTERNAL, /bytes after the end/],
    ];
    for (const [req, code, msg] of cases) {
      const r = await rawCall(echo.addr, { path: '/test.Echo/Echo', ...req });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/grpc');
      const st = rawStatus(r);
      assert.equal(st.code, code, JSON.stringify(req));
      assert.match(st.message, msg);
    }
    const unimpl = await rawCall(echo.addr, { path: '/test.Echo/Echo', headers: { 'grpc-encoding': 'zstd' },
      body: frame(Buffer.from('a'), 1) });
    assert.equal(unimpl.headers['grpc-accept-encoding'], 'identity,deflate,gzip');
    // An uncompressed message under an unknown grpc-encoding is fine.
    const ok = await rawCall(echo.addr, { path: '/test.Echo/Echo', headers: { 'grpc-encoding': 'zstd' },
      body: frame(Buffer.from('plain')) });
    assert.equal(rawStatus(ok).code, 0);
    assert.ok(ok.data.equals(frame(Buffer.from('plain'))));
  });

  test('not gRPC: 415 for a content-type, 405 for a method', async () => {
    let r = await rawCall(echo.addr, { path: '/test.Echo/Echo', headers: { 'content-type': 'application/json' },
      body: frame(Buffer.from('a')) });
    assert.equal(r.status, 415);
    r = await rawCall(echo.addr, { method: 'GET', path: '/test.Echo/Echo' });
    assert.equal(r.status, 405);
    r = await rawCall(echo.addr, { path: '/test.Echo/Echo', headers: { 'content-type': 'application/grpc+proto' },
      body: frame(Buffer.from('a')) });
    assert.equal(rawStatus(r).code, 0);
  });

  test('an oversized message is refused before it is sent', async () => {
    // Only the prefix (declaring 1 GB) and 10 bytes go out; the stream stays open.
    const r = await rawCall(echo.addr, { path: '/test.Echo/Echo', body: frame(Buffer.alloc(10), 0, 1e9), end: false });
    assert.equal(rawStatus(r).code, S.RESOURCE_EXHAUSTED);
    assert.match(rawStatus(r).message, /larger than max \(1000000000 vs\. 8388608\)/);
  });

  test('50 concurrent slow calls run in parallel on one connection', async () => {
    const t0 = Date.now();
    const rs = await Promise.all(Array.from({ length: 50 }, () => unary(c, '/test.Echo/Slow', Buffer.from('300'))));
    for (const r of rs) assert.equal(r.err, null);
    // 8 workers: 50 calls of 300 ms take ~7 rounds (2.1 s), not 15 s in series.
    assert.ok(Date.now() - t0 < 6000 * SLOW, `${Date.now() - t0} ms`);
  });

  test('a cancelled call does not disturb the others', async () => {
    const p = new Promise((resolve) => {
      const call = c.makeUnaryRequest('/test.Echo/Slow', (b) => b, (b) => b, Buffer.from('500'), (err) => resolve(err));
      setTimeout(() => call.cancel(), 100);
    });
    assert.equal((await p).code, S.CANCELLED);
    const r = await unary(c, '/test.Echo/Echo', Buffer.from('after'));
    assert.equal(r.resp.toString(), 'after');
    await new Promise((r2) => setTimeout(r2, 600)); // the handler finishes, its result is dropped
    const m = await metrics(c);
    const cancelled = m.find((x) => x.name === 'loupe_grpc_requests_total' && x.labels.code === 'CANCELLED');
    assert.ok(cancelled && cancelled.value >= 1);
  });

  test('HTTP/1.1 gets a 505 that explains the port', async () => {
    const r = await fetch(`http://${echo.addr}/v1/traces`, { method: 'POST', body: 'x' });
    assert.equal(r.status, 505);
    assert.match(await r.text(), /needs HTTP\/2/);
  });

  test('garbage and bad frames close the connection; the server lives on', async () => {
    let r = await rawBytes(echo.port, Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0x80]));
    assert.equal(r.closed, true);
    assert.equal(r.data.length, 0);
    // A valid preface, then a DATA frame on stream 0 and noise: GOAWAY, close.
    r = await rawBytes(echo.port, Buffer.concat([H2_PREFACE, H2_SETTINGS, Buffer.from([0, 0, 4, 0, 0, 0, 0, 0, 0,
      1, 2, 3, 4]), Buffer.alloc(100, 0xee)]));
    assert.equal(r.closed, true);
    assert.ok(r.data.includes(Buffer.from([7, 0, 0, 0, 0, 0])), 'a GOAWAY frame'); // type 7, flags 0, stream 0
    // A HEADERS frame whose HPACK block is nonsense.
    r = await rawBytes(echo.port, Buffer.concat([H2_PREFACE, H2_SETTINGS,
      Buffer.from([0, 0, 6, 1, 5, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]));
    assert.equal(r.closed, true);
    const ok = await unary(c, '/test.Echo/Echo', Buffer.from('still here'));
    assert.equal(ok.resp.toString(), 'still here');
  });

  test('metrics count calls by method and code', async () => {
    const m = await metrics(c);
    const get = (method, code) => m.find((x) => x.name === 'loupe_grpc_requests_total' && x.labels.method === method
      && x.labels.code === code)?.value ?? 0;
    assert.ok(get('/test.Echo/Echo', 'OK') >= 3);
    assert.ok(get('/test.Echo/Fail', 'INVALID_ARGUMENT') >= 1);
    assert.ok(get('other', 'UNIMPLEMENTED') >= 1); // never the client's path
    assert.ok(get('/test.Echo/Slow', 'OK') >= 50);
  });
});

describe('gRPC server limits and lifecycle (grpc_echo)', { skip }, () => {
  test('idle connections are closed; stalled uploads too', async () => {
    const echo = await startEcho(['--idle-ms', '400']);
    try {
      let r = await rawBytes(echo.port, Buffer.concat([H2_PREFACE, H2_SETTINGS]), { waitMs: 5000 });
      assert.equal(r.closed, true);
      assert.ok(r.ms >= 300 && r.ms < 3000 * SLOW, `${r.ms} ms`);
      r = await rawBytes(echo.port, Buffer.from('PRI * HT'), { waitMs: 5000 }); // half a preface
      assert.equal(r.closed, true);
      // A call whose body never ends: RST/GOAWAY after the idle time, not a hang.
      const st = await rawCall(echo.addr, { path: '/test.Echo/Echo', body: Buffer.from([0, 0, 0]), end: false,
        timeoutMs: 5000 });
      assert.deepEqual(rawStatus(st), { code: S.UNAVAILABLE, message: 'request stalled: closing the idle connection' });
      // A slow handler is not idleness.
      const c = client(echo.addr);
      const slow = await unary(c, '/test.Echo/Slow', Buffer.from('1200'));
      assert.equal(slow.err, null);
      c.close();
    } finally {
      await stopOk(echo);
    }
  });

  test('connections beyond the limit are closed at once', async () => {
    const echo = await startEcho(['--connections', '2']);
    try {
      const hold = [rawBytes(echo.port, Buffer.concat([H2_PREFACE, H2_SETTINGS]), { waitMs: 1500 }),
        rawBytes(echo.port, Buffer.concat([H2_PREFACE, H2_SETTINGS]), { waitMs: 1500 })];
      await new Promise((r) => setTimeout(r, 300));
      const third = await rawBytes(echo.port, Buffer.concat([H2_PREFACE, H2_SETTINGS]), { waitMs: 1000 });
      assert.equal(third.closed, true);
      assert.equal(third.data.length, 0);
      for (const h of await Promise.all(hold)) assert.equal(h.closed, false);
    } finally {
      await stopOk(echo);
    }
  });

  test('graceful stop: calls in flight finish, then the process exits', async () => {
    const echo = await startEcho(['--threads', '2']);
    const c = client(echo.addr);
    const calls = [unary(c, '/test.Echo/Slow', Buffer.from('800')), unary(c, '/test.Echo/Slow', Buffer.from('800'))];
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const exited = echo.stop();
    for (const r of await Promise.all(calls)) assert.equal(r.err, null);
    assert.deepEqual(await exited, { code: 0, signal: null }, echo.log);
    assert.ok(Date.now() - t0 < 5000 * SLOW);
    c.close();
  });

  test('listens on IPv6 and on every interface', async () => {
    for (const listen of ['[::1]:0', ':0']) {
      const echo = await startEcho(['--listen', listen]);
      try {
        const c = client(`[::1]:${echo.port}`);
        const r = await unary(c, '/test.Echo/Echo', Buffer.from('v6'), { deadlineMs: 5000 });
        c.close();
        assert.equal(r.err, null, listen);
        if (listen === ':0') {
          const c4 = client(`127.0.0.1:${echo.port}`);
          const r4 = await unary(c4, '/test.Echo/Echo', Buffer.from('v4'), { deadlineMs: 5000 });
          c4.close();
          assert.equal(r4.err, null);
        }
      } finally {
        await stopOk(echo);
      }
    }
  });
});
