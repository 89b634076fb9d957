// lib/grpc_helper.mjs - gRPC clients for end-to-end tests: grpc-js generic
// unary calls (bytes in, bytes out), raw HTTP/2 requests (node:http2) for
// what grpc-js never sends (bad framing, odd encodings), raw TCP for what is
// not HTTP/2 at all, and the grpc_echo test program (tests/grpc_echo).
import grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import { SLOW, hermeticEnv } from './loupe.mjs';

export { grpc };

export const OTLP = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

export const ECHO_BIN = process.env.GRPC_ECHO_BIN
  || path.resolve(import.meta.dirname, '../../../build/tests/grpc_echo/grpc_echo');

/* A grpc-js client with its own connection (grpc-js shares one between
 * clients with equal targets and options unless told not to). */
export function client(addr, options = {}) {
  return new grpc.Client(addr, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, ...options });
}

/* One unary call with raw bytes: resolves { err, resp } (never rejects). */
export function unary(c, method, body, { deadlineMs = 30000 } = {}) {
  return new Promise((resolve) => {
    c.makeUnaryRequest(method, (b) => b, (b) => b, body, new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs * SLOW }, (err, resp) => resolve({ err, resp }));
  });
}

/* The 5-byte gRPC prefix + msg. */
export function frame(msg, compressed = 0, declaredLen = msg.length) {
  const p = Buffer.alloc(5);
  p[0] = compressed;
  p.writeUInt32BE(declaredLen, 1);
  return Buffer.concat([p, msg]);
}

/* A protobuf message holding n bytes in field 1000, which every decoder
 * must skip as unknown: a large message that is still valid. */
export function unknownFieldMessage(n) {
  const varint = (v) => {
    const out = [];
    while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v = Math.floor(v / 128); }
    out.push(v);
    return Buffer.from(out);
  };
  return Buffer.concat([varint((1000 << 3) | 2), varint(n), Buffer.alloc(n, 0x61)]);
}

/* A request over node:http2: resolves { status, headers, trailers, data }.
 * end: false sends body but leaves the stream open (the server must answer
 * anyway, e.g. to refuse an oversized message before it arrives). */
export function rawCall(addr, { method = 'POST', path: p, headers = {}, body = Buffer.alloc(0), end = true,
  timeoutMs = 10000 }) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${addr}`);
    const done = (err, v) => {
      clearTimeout(timer);
      session.destroy();
      if (err) reject(err); else resolve(v);
    };
    const timer = setTimeout(() => done(new Error('rawCall timed out')), timeoutMs * SLOW);
    session.on('error', (e) => done(e));
    const req = session.request({ ':method': method, ':path': p, 'content-type': 'application/grpc', te: 'trailers',
      ...headers }, { endStream: false });
    const out = { status: 0, headers: {}, trailers: {}, data: Buffer.alloc(0) };
    const chunks = [];
    req.on('response', (h) => {
      out.status = h[':status'];
      out.headers = h;
      /* A trailers-only answer ends the stream with its HEADERS: do not
       * wait for an END_STREAM our own side may never send. */
      if (h['grpc-status'] !== undefined && !end) done(null, out);
    });
    req.on('trailers', (t) => { out.trailers = t; });
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => { out.data = Buffer.concat(chunks); done(null, out); });
    req.on('error', (e) => done(e));
    if (end) req.end(body);
    else req.write(body);
  });
}

/* The gRPC status of a rawCall result (trailers, or trailers-only headers). */
export function rawStatus(r) {
  const s = r.trailers['grpc-status'] ?? r.headers['grpc-status'];
  const m = r.trailers['grpc-message'] ?? r.headers['grpc-message'];
  return { code: s === undefined ? undefined : Number(s), message: m === undefined ? undefined : decodeURIComponent(m) };
}

/* Sends bytes on a plain TCP connection and collects the answer until the
 * server closes (closed: true) or waitMs pass (closed: false). */
export function rawBytes(port, bytes, { waitMs = 3000 } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const chunks = [];
    const sock = net.connect(port, '127.0.0.1', () => { if (bytes.length) sock.write(bytes); });
    const finish = (closed) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ closed, data: Buffer.concat(chunks), ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => finish(false), waitMs * SLOW);
    sock.on('data', (d) => chunks.push(d));
    sock.on('close', () => finish(true));
    sock.on('error', () => {});
  });
}

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
/* An empty SETTINGS frame: what a client sends right after the preface. */
export const H2_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);

/* Starts grpc_echo with flags; resolves { addr, port, proc, log, stop() }. */
export function startEcho(args = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(ECHO_BIN, args, {
      env: { ...hermeticEnv(), ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const e = { proc, log: '' };
    e.exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
    e.stop = async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return e.exited;
    };
    proc.stderr.on('data', (d) => { e.log += d; });
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m && !e.port) {
        e.port = Number(m[1]);
        e.addr = `127.0.0.1:${e.port}`;
        resolve(e);
      }
    });
    proc.on('exit', (code) => { if (!e.port) reject(new Error(`grpc_echo exited (${code}): ${e.log}`)); });
  });
}

export const echoBuilt = () => fs.existsSync(ECHO_BIN);
