#!/usr/bin/env node
// postcheck.js - checks loupe's data dir after the harness stopped loupe gracefully.
//
//  1. Breakdown of the data dir the harness counted ("disk = dir": apparent size
//     of every file): per file, and for every LMDB environment the pages in use
//     vs. free pages inside data.mdb (mdb_stat), since LMDB never shrinks its file.
//  2. Unless --no-export: restarts loupe on that data dir (which also exercises
//     recovery after a graceful stop), and for each metric name of the workload
//     reads /api/v1/export over the whole range and counts the stored samples:
//     non-stale (every value but NaN; the generator writes NaN only as the
//     Prometheus staleness marker) against metric_names.tsv, and all samples
//     (markers included) against manifest.json.  This stands in for the
//     harness's PromQL count check while loupe has no PromQL engine.
//
// Usage: node postcheck.js --bin LOUPE --data DIR --workload WL --out FILE [--no-export]
'use strict';
const fs = require('fs');
const path = require('path');
const http = require('http');
const net = require('net');
const { spawn, execFileSync } = require('child_process');

const o = { export: true };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const v = () => argv[++i];
  if (argv[i] === '--bin') o.bin = v();
  else if (argv[i] === '--data') o.data = v();
  else if (argv[i] === '--workload') o.workload = v();
  else if (argv[i] === '--out') o.out = v();
  else if (argv[i] === '--no-export') o.export = false;
  else { console.error(`postcheck: unknown argument ${argv[i]}`); process.exit(2); }
}
if (!o.data || !o.workload || !o.out || (o.export && !o.bin)) {
  console.error('usage: postcheck.js --bin LOUPE --data DIR --workload WL --out FILE [--no-export]');
  process.exit(2);
}

function walk(dir, rel = '', out = []) {
  for (const e of fs.readdirSync(path.join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${e}` : e;
    const st = fs.lstatSync(path.join(dir, r));
    if (st.isDirectory()) walk(dir, r, out);
    else if (st.isFile()) out.push({ path: r, apparent_bytes: st.size, allocated_bytes: st.blocks * 512 });
  }
  return out;
}

function mdbStat(envDir) {
  try {
    const txt = execFileSync('mdb_stat', ['-ef', envDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const num = (re) => { const m = re.exec(txt); return m ? Number(m[1]) : null; };
    const pageSize = num(/Page size:\s+(\d+)/);
    const pagesUsed = num(/Number of pages used:\s+(\d+)/);
    const freePages = num(/Free pages:\s+(\d+)/);
    const r = { env: envDir, page_size: pageSize, pages_used: pagesUsed, free_pages: freePages };
    if (pageSize && pagesUsed != null) {
      r.high_water_bytes = pagesUsed * pageSize;
      if (freePages != null) r.live_bytes = (pagesUsed - freePages) * pageSize;
    }
    return r;
  } catch (e) {
    return { env: envDir, error: String(e.stderr || e.message || e).trim().slice(0, 300) };
  }
}

function diskBreakdown(data) {
  const files = walk(data);
  const total = files.reduce((a, f) => a + f.apparent_bytes, 0);
  const byTop = {};
  for (const f of files) {
    const top = f.path.includes('/') ? f.path.slice(0, f.path.indexOf('/')) + '/' : f.path;
    byTop[top] = (byTop[top] || 0) + f.apparent_bytes;
  }
  const envs = [...new Set(files.filter((f) => f.path.endsWith('data.mdb')).map((f) => path.dirname(f.path)))];
  const lmdb = envs.map((e) => ({ rel: e, ...mdbStat(path.join(data, e)) }));
  return { apparent_bytes: total, allocated_bytes: files.reduce((a, f) => a + f.allocated_bytes, 0), files, by_top: byTop, lmdb };
}

const freePort = () => new Promise((res, rej) => {
  const s = net.createServer();
  s.on('error', rej);
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});

function get(url, onLine) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let rest = '';
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        if (res.statusCode !== 200) { body += c; return; }
        rest += c;
        let i;
        while ((i = rest.indexOf('\n')) >= 0) { const l = rest.slice(0, i); rest = rest.slice(i + 1); if (l) onLine(l); }
      });
      res.on('end', () => { if (rest && res.statusCode === 200) onLine(rest); resolve({ status: res.statusCode, body }); });
      res.on('error', reject);
    });
    req.setTimeout(600000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function exportCheck(bin, data, wl) {
  const manifest = JSON.parse(fs.readFileSync(path.join(wl, 'manifest.json'), 'utf8'));
  const names = fs.readFileSync(path.join(wl, 'metric_names.tsv'), 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logf = path.join(path.dirname(data), 'postcheck-server.log');
  const logfd = fs.openSync(logf, 'w');
  const t0 = Date.now();
  const srv = spawn(bin, ['--data', data, '--http', `127.0.0.1:${port}`, '--otlp-http', 'off', '--otlp-grpc', 'off'],
    { stdio: ['ignore', logfd, logfd] });
  let exited = null;
  srv.on('exit', (code, sig) => { exited = { code, sig }; });
  const r = { server_log: logf, restart_ms: null, series_expected: manifest.series, samples_expected: manifest.samples };
  try {
    let ready = false;
    while (!ready && !exited && Date.now() - t0 < 300000) {
      try { ready = (await get(`${base}/readyz`, () => {})).status === 200; } catch { /* not yet listening */ }
      if (!ready) await sleep(100);
    }
    if (!ready) throw new Error(`loupe did not become ready on the kept data dir (${exited ? 'exited ' + JSON.stringify(exited) : 'timeout'}); see ${logf}`);
    r.restart_ms = Date.now() - t0;
    const start = Math.floor(manifest.min_ts_ms / 1000) - 60, end = Math.ceil(manifest.max_ts_ms / 1000) + 60;
    let series = 0, all = 0, nonStale = 0, expNonStale = 0;
    const mismatches = [];
    const ct0 = Date.now();
    for (const [name, , exp] of names) {
      const p = new URLSearchParams({ 'match[]': `{__name__="${name}"}`, start: String(start), end: String(end) });
      let n = 0, ns = 0, s = 0;
      const res = await get(`${base}/api/v1/export?${p}`, (line) => {
        const j = JSON.parse(line);
        s++;
        n += j.values.length;
        for (const v of j.values) if (v !== 'NaN') ns++;
      });
      if (res.status !== 200) throw new Error(`export of ${name}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      series += s; all += n; nonStale += ns; expNonStale += Number(exp);
      if (ns !== Number(exp)) mismatches.push({ name, expected: Number(exp), got: ns });
    }
    Object.assign(r, {
      ms: Date.now() - ct0,
      metric_names: names.length,
      series_got: series,
      samples_got: all,
      non_stale_expected: expNonStale,
      non_stale_got: nonStale,
      stale_markers_got: all - nonStale,
      stale_markers_expected: manifest.stale_markers,
      mismatches,
    });
    r.ok = mismatches.length === 0 && all === manifest.samples && series === manifest.series;
  } catch (e) {
    r.ok = false;
    r.error = String(e.message || e);
  } finally {
    if (!exited) {
      srv.kill('SIGTERM');
      for (let i = 0; i < 300 && !exited; i++) await sleep(100);
      if (!exited) srv.kill('SIGKILL');
    }
    fs.closeSync(logfd);
  }
  return r;
}

async function main() {
  const out = { disk: diskBreakdown(o.data) };
  if (o.export) {
    out.export_check = await exportCheck(o.bin, o.data, o.workload);
    const c = out.export_check;
    console.error(c.error ? `  export check: ERROR ${c.error}`
      : `  export check: ${c.series_got}/${c.series_expected} series, ${c.non_stale_got}/${c.non_stale_expected} non-stale samples, ` +
        `${c.samples_got}/${c.samples_expected} samples incl. staleness markers -> ${c.ok ? 'OK' : 'MISMATCH'} (restart ${c.restart_ms} ms, export ${c.ms} ms)`);
  }
  fs.writeFileSync(o.out, JSON.stringify(out, null, 2) + '\n');
}
main().catch((e) => { console.error(e); process.exit(1); });
