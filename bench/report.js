#!/usr/bin/env node
// bench/report.js - loupe vs Prometheus vs VictoriaMetrics, from one anchors run.
//
// Reads the harness's results/SIZE/{prometheus,victoriametrics,loupe}/*.json
// (plus bench's own bench_mem.json and bench_postcheck.json there), prints a
// compact Markdown report with loupe/peer ratios and PASS/FAIL against the
// targets of issues 2 and 3, and writes it to OUT/results/SIZE-<timestamp>.md
// and .json and into OUT/LATEST.md (the section of that size).
//
// Usage: node bench/report.js [--anchors DIR] [--size small|large] [--info FILE] [--out BENCHDIR] [--no-write]
// Node standard library only.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const o = { anchors: path.join(__dirname, '.work', 'anchors'), size: 'small', info: null, out: __dirname, write: true };
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const v = () => a[++i];
    if (a[i] === '--anchors') o.anchors = path.resolve(v());
    else if (a[i] === '--size') o.size = v();
    else if (a[i] === '--info') o.info = v();
    else if (a[i] === '--out') o.out = path.resolve(v());
    else if (a[i] === '--no-write') o.write = false;
    else { console.error(`report.js: unknown argument ${a[i]}`); process.exit(2); }
  }
}

const rj = (f) => { try { return JSON.parse(fs.readFileSync(f, 'utf8')); } catch { return null; } };
const rt = (f) => { try { return fs.readFileSync(f, 'utf8').trim(); } catch { return ''; } };
const ok = (x) => x != null && Number.isFinite(x);
const fmt = (x, d = 1) => (ok(x) ? Number(x).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : 'n/a');
const int = (x) => (ok(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const mb = (bytes, d = 1) => (ok(bytes) ? `${fmt(bytes / 1e6, d)} MB` : 'n/a');
const mibKb = (kb) => (ok(kb) ? fmt(kb / 1024, 0) : 'n/a');
const ratio = (a, b) => (ok(a) && ok(b) && b !== 0 ? a / b : null);
const fx = (r) => (ok(r) ? `${fmt(r, 2)}×` : 'n/a');
const esc = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

const PEERS = ['prometheus', 'victoriametrics'];
const SYSTEMS = ['prometheus', 'victoriametrics', 'loupe'];
const LABEL = { prometheus: 'Prometheus', victoriametrics: 'VictoriaMetrics', loupe: 'loupe' };

const dir = path.join(o.anchors, 'results', o.size);
const wl = rj(path.join(dir, 'workload.json'));
if (!wl) {
  console.error(`report.js: no harness results in ${dir} (workload.json missing); run bench/run.sh ${o.size}`);
  process.exit(1);
}
const info = (o.info && rj(o.info)) || {};
let compareDirs = null, describe = null;
try { ({ compareDirs, describe } = require(path.join(o.anchors, 'tools', 'compare.js'))); } catch { /* no compare available */ }

// ---------------------------------------------------------------- per system
function why404(q) {
  // "n/a: loupe answered 404" style reason from the failed queries
  const failed = q.queries.filter((r) => !r.ok);
  const st = [...new Set(failed.map((r) => r.http_status || (/^HTTP (\d+)/.exec(r.error || '') || [])[1] || 'error'))];
  return st.map((s) => (/^\d+$/.test(String(s)) ? `answered ${s}` : String(s))).join(', ');
}

function load(name) {
  const d = path.join(dir, name);
  if (!fs.existsSync(d)) return { name, present: false };
  const t = {
    name, present: true,
    version: rt(path.join(d, 'version.txt')).split('\n').filter(Boolean).join('; '),
    ready: rj(path.join(d, 'proc_ready.json')), ingested: rj(path.join(d, 'proc_ingested.json')),
    flushed: rj(path.join(d, 'proc_flushed.json')), queried: rj(path.join(d, 'proc_queried.json')),
    final: rj(path.join(d, 'proc_final.json')), ingest: rj(path.join(d, 'ingest.json')),
    flush: rj(path.join(d, 'flush.json')), compact: rj(path.join(d, 'compact.json')),
    snap: rj(path.join(d, 'disk_snapshot.json')), vm: rj(path.join(d, 'disk_vm_metrics.json')),
    vmc: rj(path.join(d, 'disk_vm_metrics_compacted.json')), running: rj(path.join(d, 'disk_running.json')),
    stopped: rj(path.join(d, 'disk_stopped.json')), queries: rj(path.join(d, 'queries.json')),
    startup: rj(path.join(d, 'startup.json')), stop: rj(path.join(d, 'stop.json')),
    mem: rj(path.join(d, 'bench_mem.json')), post: rj(path.join(d, 'bench_postcheck.json')),
  };
  t.complete = !!(t.ingest && t.ingested && t.stopped);
  const f = {};
  t.f = f;
  if (t.ingest) {
    f.samples_ok = t.ingest.samples_ok;
    f.samples_sent = t.ingest.samples_total;
    f.failed_requests = t.ingest.failures.count;
    f.failed_by_status = t.ingest.failures.byStatus;
    f.ingest_wall_s = t.ingest.wall_seconds;
    f.ingest_samples_per_s = t.ingest.samples_per_second;
    f.request_ms_p50 = t.ingest.request_ms.p50;
    f.request_ms_p99 = t.ingest.request_ms.p99;
  }
  if (t.ready && t.ingested) f.cpu_ingest_s = t.ingested.cpu_seconds - t.ready.cpu_seconds;
  if (t.ingested && t.flushed) f.cpu_flush_s = t.flushed.cpu_seconds - t.ingested.cpu_seconds;
  if (t.queried && t.final) f.cpu_compact_s = t.final.cpu_seconds - t.queried.cpu_seconds;
  if (ok(f.cpu_ingest_s) && f.samples_ok) {
    f.cpu_s_per_m = f.cpu_ingest_s / (f.samples_ok / 1e6);
    f.cpu_s_per_m_incl = (f.cpu_ingest_s + (f.cpu_flush_s || 0) + (f.cpu_compact_s || 0)) / (f.samples_ok / 1e6);
  }
  if (t.ready && t.ingested && t.ingest && t.ingest.sender_cpu_seconds_process_total != null && t.ready.machine && t.ingested.machine) {
    const m0 = t.ready.machine, m1 = t.ingested.machine;
    const other = (m1.busy_seconds - m0.busy_seconds) - f.cpu_ingest_s - t.ingest.sender_cpu_seconds_process_total;
    f.other_load_cores = Math.max(0, other) / ((m1.time_ms - m0.time_ms) / 1000);
  }
  f.vmhwm_ingest_kb = t.ingested ? t.ingested.vmhwm_kb : null;
  f.vmhwm_whole_kb = (t.final || t.queried || t.flushed || {}).vmhwm_kb ?? null;
  if (t.mem) {
    f.rssanon_ingest_kb = t.mem.ingest.rssanon_kb || null;
    f.rssanon_whole_kb = t.mem.whole.rssanon_kb || null;
    f.rssfile_whole_kb = t.mem.whole.rssfile_kb || null;
    f.mem_interval_ms = t.mem.interval_ms;
    if (t.mem.machine_during_ingest) {
      f.steal_cores = t.mem.machine_during_ingest.steal_cores;
      f.other_top = (t.mem.machine_during_ingest.top_other_processes || []).filter((x) => x.cores >= 0.02).slice(0, 3);
    }
  }
  // disk: exactly as the harness's report.js counts it
  if (t.snap) {
    f.disk_bytes = t.snap.chunks_bytes + t.snap.index_bytes;
    f.disk_what = `TSDB snapshot of the head (${t.snap.blocks.length} block${t.snap.blocks.length === 1 ? '' : 's'}): chunks/ ${mb(t.snap.chunks_bytes)} + index ${mb(t.snap.index_bytes)}; ` +
      `meta.json, tombstones, WAL (${mb(t.snap.wal.apparent_bytes)}) and chunks_head/ (${mb(t.snap.chunks_head.apparent_bytes)}) not counted`;
    f.pre_bytes = t.snap.wal.apparent_bytes + t.snap.chunks_head.apparent_bytes;
    f.pre_what = 'WAL + chunks_head/ after the snapshot (the head index is in memory)';
  } else if (t.vm && t.stopped) {
    const dd = t.stopped.find((x) => x.path.endsWith('/data')), ii = t.stopped.find((x) => x.path.endsWith('/indexdb'));
    const cc = t.stopped.find((x) => x.path.endsWith('/cache'));
    f.disk_bytes = (dd ? dd.apparent_bytes : 0) + (ii ? ii.apparent_bytes : 0);
    f.disk_what = `data/ ${mb(dd && dd.apparent_bytes)} + indexdb/ ${mb(ii && ii.apparent_bytes)} after ${t.compact ? t.compact.method : 'merge'}` +
      `${t.vmc ? ` (${int(t.vmc._parts)} parts incl. indexdb)` : ''} and a graceful stop; cache/ (${mb(cc && cc.apparent_bytes)}) not counted`;
    f.pre_bytes = t.vm._data_size_bytes_total;
    f.pre_what = `vm_data_size_bytes right after force_flush (${int(t.vm._parts)} parts)`;
  } else if (t.stopped) {
    f.disk_bytes = t.stopped.reduce((a, x) => a + x.apparent_bytes, 0);
    f.disk_what = 'the whole data dir after a graceful stop (apparent size of every file)';
    if (t.post && t.post.disk) {
      const pd = t.post.disk;
      const tops = Object.entries(pd.by_top).map(([k, v]) => `${k} ${mb(v)}`).join(' + ');
      const env = pd.lmdb.filter((e) => ok(e.live_bytes)).map((e) => `${e.rel}: ${mb(e.live_bytes)} live pages, ${mb(e.high_water_bytes - e.live_bytes)} free pages`).join('; ');
      f.disk_what += `: ${tops} (${pd.files.length} files)` + (env ? `; inside LMDB ${env}` : '');
      f.lmdb_live_bytes = pd.lmdb.reduce((a, e) => a + (e.live_bytes || 0), 0);
      f.disk_files = pd.files;
    }
    if (t.running) {
      f.pre_bytes = t.running.reduce((a, x) => a + x.apparent_bytes, 0);
      f.pre_what = 'whole data dir after the flush, server running';
    }
  }
  if (ok(f.disk_bytes)) f.bytes_per_sample = f.disk_bytes / wl.samples;
  if (ok(f.pre_bytes)) f.bytes_per_sample_pre = f.pre_bytes / wl.samples;
  if (t.flush) f.flush = `${t.flush.method} → HTTP ${t.flush.http_status}, ${int(t.flush.ms)} ms`;
  // queries
  if (t.queries) {
    const q = t.queries;
    f.queries_total = q.queries.length;
    f.queries_ok = q.queries.filter((r) => r.ok).length;
    f.query_medians = Object.fromEntries(q.queries.filter((r) => r.ok).map((r) => [r.name, r.median_ms]));
    if (f.queries_ok) f.query_sum_ms = Object.values(f.query_medians).reduce((a, b) => a + b, 0);
    if (f.queries_ok < f.queries_total) f.query_na = `${f.queries_total - f.queries_ok}/${f.queries_total} failed: ${name} ${why404(q)}`;
    if (f.queries_ok === 0) f.query_na = `n/a: ${name} ${why404(q)}`;
    if (q.check) {
      const c = q.check;
      const errs = c.mismatches.filter((m) => m.got === null);
      f.check = { got: c.got, expected: c.expected, ok: c.ok, mismatches: c.mismatches.length };
      f.check_text = c.ok ? `${int(c.got)} / ${int(c.expected)} OK`
        : errs.length === c.mismatches.length && c.got === 0 ? `n/a: ${name} ${why404(q)} to the PromQL count queries`
          : `${int(c.got)} / ${int(c.expected)} MISMATCH in ${c.mismatches.length} metric names`;
    }
  }
  if (t.post && t.post.export_check) {
    const c = t.post.export_check;
    f.export_check = c;
    f.export_text = c.error ? `ERROR: ${c.error}`
      : `${int(c.non_stale_got)} / ${int(c.non_stale_expected)} non-stale, ${int(c.samples_got)} / ${int(c.samples_expected)} incl. staleness markers, ` +
        `${int(c.series_got)} / ${int(c.series_expected)} series: ${c.ok ? 'OK' : 'MISMATCH'} (after restart, ${int(c.restart_ms)} ms to ready)`;
  }
  return t;
}

const T = Object.fromEntries(SYSTEMS.map((n) => [n, load(n)]));
const F = (n) => (T[n] && T[n].present ? T[n].f : {});
const L = F('loupe');

// common query subset for query-sum ratios
function querySumCommon(a, b) {
  const A = F(a).query_medians, B = F(b).query_medians;
  if (!A || !B) return [null, null, 0];
  const common = Object.keys(A).filter((k) => k in B);
  if (!common.length) return [null, null, 0];
  return [common.reduce((s, k) => s + A[k], 0), common.reduce((s, k) => s + B[k], 0), common.length];
}

// ---------------------------------------------------------------- ratios
const METRICS = [
  // key, label, better ('higher'|'lower'), formatter
  ['ingest_samples_per_s', '**ingest samples/s**', 'higher', int],
  ['cpu_s_per_m', '**server CPU-s per million samples** (ingest window)', 'lower', (x) => fmt(x, 2)],
  ['cpu_s_per_m_incl', 'server CPU-s per million samples incl. flush + compaction', 'lower', (x) => fmt(x, 2)],
  ['vmhwm_ingest_kb', 'peak RSS, VmHWM after ingest (MiB)', 'lower', mibKb],
  ['vmhwm_whole_kb', '**peak RSS, VmHWM whole run** (MiB)', 'lower', mibKb],
  ['rssanon_ingest_kb', 'peak RssAnon during ingest (MiB, sampled)', 'lower', mibKb],
  ['rssanon_whole_kb', '**peak RssAnon whole run** (MiB, sampled)', 'lower', mibKb],
  ['bytes_per_sample', '**bytes/sample at rest**', 'lower', (x) => fmt(x, 3)],
  ['bytes_per_sample_pre', 'bytes/sample before compaction', 'lower', (x) => fmt(x, 3)],
  ['query_sum_ms', '**sum of query medians** (ms)', 'lower', (x) => fmt(x, 1)],
];
const ratios = { vs_victoriametrics: {}, vs_prometheus: {} };
for (const [k] of METRICS) {
  for (const p of PEERS) {
    let r;
    if (k === 'query_sum_ms') {
      const [a, b, n] = querySumCommon('loupe', p);
      r = n && n === F(p).queries_total ? ratio(a, b) : null;
    } else r = ratio(L[k], F(p)[k]);
    ratios[`vs_${p}`][k] = r;
  }
}

// ---------------------------------------------------------------- targets (issue 2, issue 3), vs VictoriaMetrics
const V = F('victoriametrics');
const valid = T.loupe.present && T.loupe.complete && L.failed_requests === 0 && L.samples_ok === L.samples_sent;
const invalidWhy = !T.loupe.present ? 'loupe not measured' : !T.loupe.complete ? 'loupe run incomplete'
  : L.failed_requests ? `${L.failed_requests} loupe requests failed` : L.samples_ok !== L.samples_sent ? 'not all samples acknowledged' : '';
function target(issue, what, key, op, factor, fmtv) {
  const lv = L[key], vv = V[key];
  const t = { issue, target: what, key, loupe: lv ?? null, victoriametrics: vv ?? null, limit: ok(vv) ? vv * factor : null };
  t.ratio = ratio(lv, vv);
  if (!ok(vv)) { t.verdict = 'N/A'; t.why = 'VictoriaMetrics figure missing'; }
  else if (!ok(lv)) { t.verdict = 'N/A'; t.why = key === 'query_sum_ms' && L.query_na ? L.query_na : 'loupe figure missing'; }
  else {
    const pass = op === '<=' ? lv <= t.limit : lv >= t.limit;
    t.verdict = pass ? 'PASS' : 'FAIL';
    if (pass && !valid) { t.verdict = 'FAIL'; t.why = invalidWhy; }
  }
  if (key === 'query_sum_ms' && ok(lv) && L.queries_ok !== L.queries_total) {
    t.verdict = 'N/A'; t.why = L.query_na;
  }
  t.text = [fmtv(lv), fmtv(t.limit)];
  return t;
}
const targets = [
  target(2, 'bytes/sample at rest ≤ 0.7 × VM', 'bytes_per_sample', '<=', 0.7, (x) => fmt(x, 3)),
  target(2, 'ingest samples/s ≥ 1.2 × VM', 'ingest_samples_per_s', '>=', 1.2, int),
  target(2, 'CPU-s per million samples ≤ 0.8 × VM', 'cpu_s_per_m', '<=', 0.8, (x) => fmt(x, 2)),
  target(2, 'peak RSS (VmHWM, whole run) ≤ VM', 'vmhwm_whole_kb', '<=', 1.0, (x) => (ok(x) ? `${mibKb(x)} MiB` : 'n/a')),
  target(3, 'sum of query medians ≤ 0.5 × VM', 'query_sum_ms', '<=', 0.5, (x) => (ok(x) ? `${fmt(x, 1)} ms` : 'n/a')),
];

// ---------------------------------------------------------------- query result comparison (tools/compare.js)
const compare = {};
if (compareDirs && T.prometheus.present && fs.existsSync(path.join(dir, 'prometheus', 'queries'))) {
  for (const n of ['victoriametrics', 'loupe']) {
    const od = path.join(dir, n, 'queries');
    if (!T[n].present || !fs.existsSync(od)) continue;
    try {
      const res = compareDirs(path.join(dir, 'prometheus', 'queries'), od, 1e-9);
      const counts = {};
      const groups = new Map();
      for (const [q, r] of Object.entries(res)) {
        counts[r.verdict] = (counts[r.verdict] || 0) + 1;
        const d = `${r.verdict}: ${describe(r)}`;
        const key = r.verdict === 'error' ? d : `${q}\u0000${d}`;
        if (!groups.has(key)) groups.set(key, { queries: [], text: d });
        groups.get(key).queries.push(q);
      }
      compare[n] = { counts, total: Object.keys(res).length, lines: [...groups.values()], per_query: Object.fromEntries(Object.entries(res).map(([q, r]) => [q, { verdict: r.verdict, describe: describe(r) }])) };
    } catch (e) {
      compare[n] = { error: String(e.message || e) };
    }
  }
}

// ---------------------------------------------------------------- render
const now = new Date();
const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const present = SYSTEMS.filter((n) => T[n].present);
const runlog = rt(path.join(dir, 'run.log'));
const busyWarnings = runlog.split('\n').filter((l) => /WARNING: machine still busy/.test(l));
const failedTargets = runlog.split('\n').filter((l) => /: FAILED|not ready|server died/.test(l));

function machine() {
  const cpu = (rt('/proc/cpuinfo').match(/^model name\s*:\s*(.+)$/m) || [])[1] || os.cpus()[0].model;
  return `${os.cpus().length} vCPU (${cpu}), ${fmt(os.totalmem() / 2 ** 30, 0)} GiB RAM, Debian ${rt('/etc/debian_version')}, Linux ${os.release()}, Node ${process.version}`;
}

const watcherCpu = present.map((n) => T[n].mem && T[n].mem.watcher_cpu_s_so_far).filter(ok).reduce((a, b) => Math.max(a, b), -1);
const watcherCpuOk = watcherCpu >= 0 ? watcherCpu : null;
const M = [];
M.push(`## ${o.size}: loupe vs Prometheus vs VictoriaMetrics (${now.toISOString().replace(/\.\d+Z$/, 'Z')})`);
M.push('');
M.push(`Workload (anchors \`gen.c\`, seed ${wl.seed}): ${int(wl.series)} series, ${int(wl.samples)} samples incl. ${int(wl.stale_markers)} staleness markers, ` +
  `${wl.hours} h of 15-s scrapes, ${int(wl.requests)} remote-write requests of ≤${wl.per_request} samples, sent ${T.loupe.ingest ? T.loupe.ingest.concurrency : (Object.values(T).find((t) => t.ingest) || { ingest: {} }).ingest.concurrency || '?'} in flight. ` +
  `Machine: ${machine()}.`);
M.push('');
M.push(`Systems: ${present.map((n) => `${LABEL[n]} = ${T[n].version || 'n/a'}`).join('; ')}.` +
  (T.loupe.present ? ` loupe build: ${info.loupe_build_type || '?'}, sanitizers ${info.loupe_sanitize || '?'}, ` +
    `built from ${info.loupe_source_dir || '?'}; repo at run time: ${info.repo_commit || '?'}${info.src_dirty ? ' (src/ had uncommitted changes)' : ''}.` : ''));
M.push('');
const missing = SYSTEMS.filter((n) => !T[n].present || !T[n].complete);
if (missing.length) M.push(`**Missing or incomplete:** ${missing.map((n) => LABEL[n]).join(', ')} — see \`${path.relative(process.cwd(), path.join(dir, 'run.log'))}\`.\n`);
const readyTimes = present.map((n) => T[n].ready && T[n].ready.time_ms).filter(ok);
if (readyTimes.length > 1 && Math.max(...readyTimes) - Math.min(...readyTimes) > 3600e3) {
  M.push('**Warning: these systems were measured more than an hour apart** (different runs, see "measured at"); ratios mix machine conditions.\n');
}
const loaded = present.filter((n) => ok(F(n).other_load_cores) && F(n).other_load_cores > 0.25);
if (loaded.length) M.push(`**Warning: other processes used CPU during ingest** (${loaded.map((n) => `${LABEL[n]} ${fmt(F(n).other_load_cores, 2)} cores`).join(', ')}); ` +
  'those figures are distorted on this 2-core machine (the harness counts hypervisor steal time as other load). Re-run when the machine is idle.\n');
if (failedTargets.length) M.push(`Harness log: ${failedTargets.map((l) => `\`${l.trim()}\``).join('; ')}\n`);

const cols = present.map((n) => LABEL[n]);
const hasL = T.loupe.present;
const rcols = hasL ? ['loupe/VM', 'loupe/Prom'] : [];
M.push(`| figure | ${cols.join(' | ')} | ${rcols.join(' | ')} |`);
M.push(`|---|${cols.map(() => '---:').join('|')}|${rcols.map(() => '---:').join('|')}|`);
for (const [k, label, better, f] of METRICS) {
  const cells = present.map((n) => {
    const v = F(n)[k];
    if (!ok(v) && k === 'query_sum_ms' && F(n).query_na) return F(n).query_na;
    if (k === 'query_sum_ms' && ok(v) && F(n).queries_ok < F(n).queries_total) return `${f(v)} (${F(n).queries_ok}/${F(n).queries_total} ok)`;
    return f(v);
  });
  const rc = hasL ? ['victoriametrics', 'prometheus'].map((p) => fx(ratios[`vs_${p}`][k])) : [];
  M.push(`| ${label} ${better === 'higher' ? '↑' : '↓'} | ${cells.join(' | ')} | ${rc.join(' | ')} |`);
}
const row = (label, fn) => M.push(`| ${label} | ${present.map((n) => { try { return esc(fn(F(n), T[n]) ?? 'n/a'); } catch { return 'n/a'; } }).join(' | ')} |${rcols.map(() => '').join('|')}|`);
row('measured at (UTC, server ready)', (f, t) => (t.ready ? new Date(t.ready.time_ms).toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, '') : 'n/a'));
row('samples acknowledged / sent', (f) => `${int(f.samples_ok)} / ${int(f.samples_sent)}`);
row('failed requests', (f) => `${f.failed_requests}${f.failed_requests ? ' ' + JSON.stringify(f.failed_by_status) : ''}`);
row('ingest wall time; request p50 / p99', (f) => `${fmt(f.ingest_wall_s, 2)} s; ${fmt(f.request_ms_p50, 1)} / ${fmt(f.request_ms_p99, 1)} ms`);
row('server CPU: ingest / flush / compaction', (f) => `${fmt(f.cpu_ingest_s, 2)} / ${fmt(f.cpu_flush_s, 2)} / ${fmt(f.cpu_compact_s, 2)} s`);
row('other load during ingest (steal; top other processes)', (f) => `${fmt(f.other_load_cores, 2)} cores` +
  (ok(f.steal_cores) ? ` (steal ${fmt(f.steal_cores, 2)}${f.other_top && f.other_top.length ? '; ' + f.other_top.map((x) => `${x.comm}[${x.pid}] ${fmt(x.cores, 2)}`).join(', ') : ''})` : ''));
row('stored-sample check (PromQL count, harness)', (f) => f.check_text || 'n/a');
if (hasL) row('stored-sample check (/api/v1/export, bench)', (f, t) => (t.name === 'loupe' ? f.export_text || 'not run' : '—'));
M.push('');
M.push('↑ higher is better, ↓ lower is better. Ratios are loupe ÷ peer for every figure (for ↑ figures a ratio above 1 favours loupe, for ↓ below 1).');
M.push('');

if (hasL) {
  M.push('### Targets (issue 2 and issue 3, loupe vs VictoriaMetrics in this run)');
  M.push('');
  M.push('| issue | target | loupe | limit | loupe/VM | verdict |');
  M.push('|---|---|---:|---:|---:|---|');
  for (const t of targets) M.push(`| ${t.issue} | ${t.target} | ${t.text[0]} | ${t.text[1]} | ${fx(t.ratio)} | **${t.verdict}**${t.why ? ` (${esc(t.why)})` : ''} |`);
  M.push('');
}

M.push('### What bytes/sample counts');
M.push('');
M.push(`Apparent file sizes divided by the ${int(wl.samples)} samples sent (staleness markers included), measured by the harness (\`tools/measure.js du\`):`);
M.push('');
for (const n of present) M.push(`- **${LABEL[n]}**: ${F(n).disk_what || 'n/a'} = ${mb(F(n).disk_bytes)}.` +
  (F(n).pre_what ? ` Before compaction: ${F(n).pre_what} = ${mb(F(n).pre_bytes)}.` : ''));
if (hasL && ok(L.lmdb_live_bytes) && L.lmdb_live_bytes > 0) M.push(`- For reference only (not the counted figure): loupe's live LMDB pages alone are ${fmt(L.lmdb_live_bytes / wl.samples, 3)} bytes/sample.`);
M.push('');

M.push('### Query results vs Prometheus (`tools/compare.js`, rtol 1e-9)');
M.push('');
if (!Object.keys(compare).length) M.push('n/a (no Prometheus query responses in this run)');
for (const [n, c] of Object.entries(compare)) {
  if (c.error) { M.push(`- **${LABEL[n]}**: compare failed: ${c.error}`); continue; }
  M.push(`- **${LABEL[n]}** vs Prometheus: ${Object.entries(c.counts).map(([v, k]) => `${k} ${v}`).join(', ')} of ${c.total} queries.`);
  if (n === 'loupe') {
    for (const g of c.lines) {
      if (g.text.startsWith('identical')) continue;
      M.push(`  - ${g.queries.length === c.total ? 'all queries' : g.queries.join(', ')}: ${g.text}`);
    }
  }
}
M.push('');
// per-query medians, when any system answered the queries
const qnames = [];
for (const n of present) for (const r of (T[n].queries ? T[n].queries.queries : [])) if (!qnames.includes(r.name)) qnames.push(r.name);
if (qnames.length && present.some((n) => F(n).queries_ok)) {
  M.push('<details><summary>median query latency per query, ms (first run in parentheses)</summary>');
  M.push('');
  M.push(`| query | ${cols.join(' | ')}${hasL ? ' | loupe/VM' : ''} |`);
  M.push(`|---|${cols.map(() => '---:').join('|')}${hasL ? '|---:' : ''}|`);
  for (const q of qnames) {
    const cell = (n) => {
      const r = T[n].queries && T[n].queries.queries.find((x) => x.name === q);
      return !r ? 'n/a' : r.ok ? `${fmt(r.median_ms, 1)} (${fmt(r.first_ms, 1)})` : `failed: ${esc(String(r.error).slice(0, 60))}`;
    };
    const med = (n) => { const r = T[n].queries && T[n].queries.queries.find((x) => x.name === q); return r && r.ok ? r.median_ms : null; };
    M.push(`| ${q} | ${present.map(cell).join(' | ')}${hasL ? ` | ${fx(ratio(med('loupe'), med('victoriametrics')))}` : ''} |`);
  }
  M.push('');
  M.push('</details>');
  M.push('');
}
M.push('Notes: CPU is the server\'s utime+stime from 1 s after readiness until the sender finished (the "incl." row adds the flush/snapshot and compaction steps, not the queries). ' +
  'VmHWM is the kernel\'s high-water mark of resident memory (anonymous + file-backed pages, so mmap\'d LMDB / TSDB pages count); ' +
  `RssAnon excludes file-backed pages and is the peak of /proc/PID/status sampled every ${L.mem_interval_ms || F('victoriametrics').mem_interval_ms || 100} ms by bench/tools/memwatch.js. ` +
  (watcherCpuOk != null ? `(The sampler itself used ${fmt(watcherCpuOk, 2)} CPU-s over the whole run.) ` : '') +
  (hasL && !L.queries_ok ? 'loupe has no PromQL engine yet, so its whole-run figures include no query work while the peers\' do. ' : '') +
  'VictoriaMetrics acknowledges writes before they reach disk; loupe acknowledges only committed samples. ' +
  (busyWarnings.length ? `**The machine was busy:** ${busyWarnings.map((l) => l.trim()).join('; ')}. ` : '') +
  `Harness: ${info.harness_source || o.anchors} (sha256 prefix ${info.harness_sha256 || '?'}), run on a copy in \`${path.relative(path.join(o.out, '..'), o.anchors) || o.anchors}\`; its full RESULTS.md is there.`);
M.push('');
const md = M.join('\n');

const json = {
  generated: now.toISOString(), size: o.size, info, machine: machine(),
  workload: { seed: wl.seed, series: wl.series, samples: wl.samples, stale_markers: wl.stale_markers, requests: wl.requests, per_request: wl.per_request, hours: wl.hours },
  systems: Object.fromEntries(present.map((n) => { const { disk_files, ...rest } = F(n); return [n, { version: T[n].version, complete: T[n].complete, ...rest }]; })),
  ratios, targets, compare: Object.fromEntries(Object.entries(compare).map(([n, c]) => [n, c.error ? c : { counts: c.counts, total: c.total, per_query: c.per_query }])),
  loupe_disk_files: L.disk_files || null,
  machine_busy_warnings: busyWarnings,
};

process.stdout.write(md + '\n');
if (o.write) {
  const rd = path.join(o.out, 'results');
  fs.mkdirSync(rd, { recursive: true });
  const base = path.join(rd, `${o.size}-${stamp}`);
  fs.writeFileSync(`${base}.md`, md + '\n');
  fs.writeFileSync(`${base}.json`, JSON.stringify(json, null, 2) + '\n');
  // LATEST.md: one section per size, each replaced by that size's latest run
  const latest = path.join(o.out, 'LATEST.md');
  const old = rt(latest);
  const sections = {};
  for (const s of ['large', 'small']) {
    const m = new RegExp(`<!-- bench:${s}:begin -->\\n([\\s\\S]*?)<!-- bench:${s}:end -->`).exec(old);
    if (m) sections[s] = m[1];
  }
  sections[o.size] = md + '\n';
  const out = ['# loupe bench: latest results', '',
    'Written by `bench/run.sh` (see bench/README.md); each size\'s section is replaced by its latest run. ' +
    'Full per-run reports (Markdown + JSON) go to bench/results/, which is not committed.', ''];
  for (const s of ['large', 'small']) if (sections[s]) out.push(`<!-- bench:${s}:begin -->`, sections[s].replace(/\n*$/, '\n'), `<!-- bench:${s}:end -->`, '');
  fs.writeFileSync(latest, out.join('\n'));
  console.error(`[bench] wrote ${path.relative(process.cwd(), base)}.md, .json and ${path.relative(process.cwd(), latest)}`);
}
