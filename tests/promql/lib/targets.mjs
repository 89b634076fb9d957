// lib/targets.mjs - the servers the PromQL harnesses query: a real Prometheus
// 2.42 (Debian's /usr/bin/prometheus) or loupe, each started on a free
// loopback port with a fresh, empty data directory.  Both speak remote-write
// 1.0 on /api/v1/write and the Prometheus HTTP API on /api/v1/*.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN as LOUPE_BIN, Loupe, freePort, until } from '../../e2e/lib/loupe.mjs';

export { LOUPE_BIN };

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN || '/usr/bin/prometheus';

/* Every process started here, so an interrupted run still stops them (by
 * PID), and every temp dir, so it still removes them. */
const live = new Set();
const dirs = new Set();
export function removeAtExit(dir) { dirs.add(dir); return dir; }
export function forgetAtExit(dir) { dirs.delete(dir); }
function reap() {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
  for (const d of dirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ } }
}
process.on('exit', reap);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { reap(); process.exit(130); });
// A closed stdout (`| head`) ends the run, still cleaning up.
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(1); });

function tmpDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/* Prometheus 2.42 as a remote-write receiver.
 *   blockDuration: --storage.tsdb.{min,max}-block-duration (hidden flags).  The
 *     PromQL test framework's storage uses 24h blocks, which gives the head a
 *     12 h appendable window (chunkRange/2) instead of 1 h; the suite loads
 *     sections up to ~83 h long, sometimes in several load commands.
 *   extraArgs: more flags. */
export class Prometheus {
  constructor({ blockDuration = '24h', extraArgs = [], evaluationInterval = '1m' } = {}) {
    this.dir = removeAtExit(tmpDir('loupe-promql-prom-'));
    this.blockDuration = blockDuration;
    this.extraArgs = extraArgs;
    this.evaluationInterval = evaluationInterval;
    this.log = '';
    this.name = 'prometheus';
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async start() {
    this.port = await freePort();
    const conf = path.join(this.dir, 'prometheus.yml');
    // No scrape jobs: data only arrives by remote write.  evaluation_interval is
    // the default step of subqueries without one (the test framework uses 1m).
    fs.writeFileSync(conf, `global:\n  scrape_interval: 15s\n  evaluation_interval: ${this.evaluationInterval}\nscrape_configs: []\n`);
    const args = [`--config.file=${conf}`, `--storage.tsdb.path=${path.join(this.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${this.port}`, '--web.enable-remote-write-receiver', '--web.enable-admin-api',
      '--log.level=warn', ...(this.blockDuration ? [`--storage.tsdb.min-block-duration=${this.blockDuration}`,
        `--storage.tsdb.max-block-duration=${this.blockDuration}`] : []), ...this.extraArgs];
    this.proc = spawn(PROMETHEUS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir });
    live.add(this.proc);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => { live.delete(this.proc); resolve({ code, signal }); }));
    this.proc.stdout.on('data', (d) => { this.log += d; });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    await until(async () => {
      if (this.proc.exitCode !== null) throw new Error(`prometheus exited: ${this.log}`);
      const r = await fetch(`${this.url}/-/ready`);
      await r.arrayBuffer();
      return r.status === 200;
    }, { timeoutMs: 30000, intervalMs: 20, what: 'prometheus /-/ready' });
    return this;
  }

  /* null while running, else a description of how the process ended. */
  exitStatus() {
    if (!this.proc || (this.proc.exitCode === null && this.proc.signalCode === null)) return null;
    return `exited with ${this.proc.signalCode || `status ${this.proc.exitCode}`}`;
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => { try { this.proc.kill('SIGKILL'); } catch { /* gone */ } }, 10000);
      await this.exited;
      clearTimeout(t);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    forgetAtExit(this.dir);
  }
}

/* loupe, through tests/e2e/lib/loupe.mjs's Loupe class (same flags, same
 * readiness check), plus --retention-days 0: the test data lives at unix time 0.
 * The binary is LOUPE_BIN (or build/loupe): loupe.mjs reads it when it is first
 * imported, so callers with a --bin flag set process.env.LOUPE_BIN before they
 * import this module (run.mjs does). */
export class LoupeTarget {
  constructor({ args = [] } = {}) {
    this.args = args;
    this.name = 'loupe';
  }

  get url() { return this.inner.url; }
  get log() { return this.inner?.log ?? ''; }

  async start() {
    if (!fs.existsSync(LOUPE_BIN)) throw new Error(`loupe binary ${LOUPE_BIN} not found (build it, or set LOUPE_BIN / --bin)`);
    // With the port given, Loupe.start() spawns before its first await, so the
    // process is known (and reaped at exit) even if the run ends during start-up.
    this.inner = new Loupe({ port: await freePort(), args: ['--retention-days', '0', ...this.args] });
    removeAtExit(this.inner.dataDir);
    const started = this.inner.start();
    const proc = this.inner.proc;
    if (proc) {
      live.add(proc);
      proc.on('exit', () => live.delete(proc));
    }
    await started;
    return this;
  }

  exitStatus() {
    const p = this.inner?.proc;
    if (!p || (p.exitCode === null && p.signalCode === null)) return null;
    return `exited with ${p.signalCode || `status ${p.exitCode}`}`;
  }

  async stop() {
    if (!this.inner) return;
    const t = setTimeout(() => { this.inner.kill9(); }, 10000);
    await this.inner.stop();
    clearTimeout(t);
    this.inner.cleanup();
    forgetAtExit(this.inner.dataDir);
  }
}

export function makeTarget(kind, opts = {}) {
  if (kind === 'prometheus') return new Prometheus(opts);
  if (kind === 'loupe') return new LoupeTarget(opts);
  throw new Error(`unknown target ${kind} (loupe | prometheus)`);
}

/* GET a Prometheus HTTP API path; resolves with { status, json, body }. */
export async function apiGet(baseUrl, p, params, { timeoutMs = 60000 } = {}) {
  const q = new URLSearchParams(params).toString();
  const ctl = new AbortController();
  const t = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const r = await fetch(`${baseUrl}${p}?${q}`, { signal: ctl.signal });
    const body = await r.text();
    let json;
    try { json = JSON.parse(body); } catch { json = undefined; }
    return { status: r.status, json, body };
  } finally {
    clearTimeout(t);
  }
}
