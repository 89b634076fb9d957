// lib/loupe.mjs - start/stop the real loupe binary for end-to-end tests.
//
// LOUPE_BIN selects the binary (release or ASan build).  Every instance gets
// a fresh data directory (unless one is given) and free loopback ports.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const BIN = process.env.LOUPE_BIN || path.resolve(import.meta.dirname, '../../../build/loupe');
export const ASAN = !!process.env.LOUPE_ASAN;
/* ASan builds are several times slower: deadlines scale with this. */
export const SLOW = ASAN ? 4 : 1;

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function tmpDir(prefix = 'loupe-e2e-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/* Polls fn until it returns a truthy value or the deadline passes.  An error
 * fn throws is retried, unless it has `fatal` set (see fatal()). */
export async function until(fn, { timeoutMs = 10000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs * SLOW;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      if (e?.fatal) throw e;
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/* An error that stops until() at once. */
export function fatal(message) {
  const e = new Error(message);
  e.fatal = true;
  return e;
}

/* process.env without LOUPE_* (the test runner's LOUPE_BIN, LOUPE_ASAN, or a
 * developer's settings must not configure the loupe under test). */
export function hermeticEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('LOUPE_')) delete env[k];
  return env;
}

/* Parses Prometheus text exposition into [{ name, labels: {..}, value }]. */
export function parseMetricsText(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[2]) for (const l of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/* A value of /api/v1/export ("NaN", "+Inf", "-Inf" or a JSON number) as a float64. */
export function exportValue(v) {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  throw new Error(`unexpected export value ${JSON.stringify(v)}`);
}

/* Canonical string of a label set (sorted by name), for maps keyed by series. */
export function seriesKey(labels) {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    for (const x of Array.isArray(v) ? v : [v]) q.append(k, String(x));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/* p's value, or 'timeout' when ms (scaled by SLOW) pass first; the timer
 * does not outlive p. */
export async function withDeadline(p, ms) {
  let timer;
  const t = new Promise((r) => { timer = setTimeout(() => r('timeout'), ms * SLOW); });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

export class Loupe {
  constructor(opts = {}) {
    this.opts = opts;
    this.dataDir = opts.dataDir || tmpDir();
    this.args = opts.args || [];
    this.env = opts.env || {};
    this.log = '';
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    this.port = this.opts.port || (await freePort());
    const args = ['--data', this.dataDir, '--http', `127.0.0.1:${this.port}`, '--otlp-http', 'off',
      '--otlp-grpc', 'off', ...this.args];
    this.proc = spawn(BIN, args, {
      env: { ...hermeticEnv(), ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    this.closed = new Promise((resolve) => this.proc.on('close', resolve)); // exited, and its output read
    this.proc.stdout.on('data', (d) => { this.log += d; });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    await until(async () => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        await withDeadline(this.closed, 2000);
        throw fatal(`loupe exited (${this.proc.exitCode ?? this.proc.signalCode}): ${this.log}`);
      }
      const r = await fetch(`${this.url}/readyz`);
      return r.status === 200;
    }, { timeoutMs: 15000, what: 'loupe /readyz' });
    return this;
  }

  /* Graceful stop (SIGTERM); resolves with the exit status. */
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return this.exited;
    this.proc.kill('SIGTERM');
    return this.exited;
  }

  async kill9() {
    if (!this.proc || this.proc.exitCode !== null) return this.exited;
    this.proc.kill('SIGKILL');
    return this.exited;
  }

  async get(p) {
    return fetch(this.url + p);
  }

  async json(p, init) {
    const r = await fetch(this.url + p, init);
    const body = await r.text();
    let j;
    try { j = JSON.parse(body); } catch { j = undefined; }
    return { status: r.status, body, json: j, headers: r.headers };
  }

  async flush() {
    const r = await fetch(`${this.url}/api/v1/admin/flush`, { method: 'POST' });
    if (r.status !== 200) throw new Error(`flush failed: ${r.status} ${await r.text()}`);
  }

  /* labels: the exact text between the braces (string), or an object: then
   * the sum over every series of name whose labels include those. 0 if absent. */
  async metric(name, labels = '') {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    if (typeof labels === 'object') {
      let sum = 0;
      for (const m of parseMetricsText(text))
        if (m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v)) sum += m.value;
      return sum;
    }
    const want = labels ? `${name}{${labels}} ` : `${name} `;
    for (const line of text.split('\n')) if (line.startsWith(want)) return Number(line.slice(want.length));
    return 0;
  }

  async metrics() {
    return parseMetricsText(await (await fetch(`${this.url}/metrics`)).text());
  }

  /* GET /api/v1/export: [{ metric, values (float64s), timestamps }], sorted by
   * series.  Throws unless 200. */
  async export(match, { start, end } = {}) {
    const r = await fetch(`${this.url}/api/v1/export${query({ 'match[]': match, start, end })}`);
    const body = await r.text();
    if (r.status !== 200) throw new Error(`export: ${r.status} ${body}`);
    const out = [];
    for (const line of body.split('\n')) {
      if (!line.trim()) continue;
      const j = JSON.parse(line);
      out.push({ metric: j.metric, values: j.values.map(exportValue), timestamps: j.timestamps, rawValues: j.values });
    }
    return out.sort((a, b) => (seriesKey(a.metric) < seriesKey(b.metric) ? -1 : 1));
  }

  /* GET /api/v1/series: the label sets (data); throws unless status success. */
  async series(match, { start, end } = {}) {
    const r = await this.json(`/api/v1/series${query({ 'match[]': match, start, end })}`);
    if (r.status !== 200 || r.json?.status !== 'success') throw new Error(`series: ${r.status} ${r.body}`);
    return r.json.data;
  }

  cleanup() {
    if (!this.opts.keepData) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
