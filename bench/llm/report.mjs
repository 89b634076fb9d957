#!/usr/bin/env node
// report.mjs - table of a bench/llm run (run.sh writes the inputs into one results dir).
//   node report.mjs --res WORK/results/STAMP [--stamp S] [--latest bench/llm/LATEST.md] [--no-latest]
// Prints the table and replaces this size's section of LATEST.md.
import fs from 'node:fs';
import path from 'node:path';
import { execSync } from 'node:child_process';

const o = { res: null, stamp: '', latest: null, write: true, builtFrom: '' };
const argv = process.argv.slice(2);
for (let k = 0; k < argv.length; k++) {
  const a = argv[k];
  if (a === '--no-latest') { o.write = false; continue; }
  const v = argv[++k];
  if (a === '--res') o.res = v; else if (a === '--stamp') o.stamp = v; else if (a === '--latest') o.latest = v; else if (a === '--built-from') o.builtFrom = v;
}
const rd = (f) => { try { return JSON.parse(fs.readFileSync(path.join(o.res, f), 'utf8')); } catch { return {}; } };
const meta = rd('meta.json'), base = rd('baseline.json'), send = rd('send.json'), lp = rd('loupe.json'), qr = rd('query.json');

const fmt = (x, d = 0) => x == null || Number.isNaN(x) ? 'n/a' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const ratio = (a, b) => a == null || b == null || !b ? null : a / b;
const verdict = (ok) => ok == null ? 'N/A' : ok ? 'PASS' : 'FAIL';

const calls = meta.calls;
const acked = send.acked_calls ?? null;
const failedReq = (send.failed_requests || 0) + (send.rejected_calls ? 1 : 0);
const loupeRate = send.calls_per_s ?? null;
const baseRate = base.rows_per_s_sqlite ?? null;
const baseRateTotal = base.rows_per_s_total ?? null;
const ingestRatio = ratio(loupeRate, baseRate);
const rawPerCall = meta.raw_json_bytes_per_call;
const stored = acked || calls;
const diskPerCall = lp.records_bytes ? lp.records_bytes / stored : null;
const diskRatio = ratio(diskPerCall, rawPerCall);
const basePerRow = base.bytes_per_row ?? null;
const K = qr.kinds || {};
const qKinds = Object.keys(K).filter((k) => k.startsWith('q_'));

const rows = [];
rows.push(['ingest calls/s (OTLP/HTTP protobuf, ' + (send.concurrency ?? '?') + ' in flight)', fmt(loupeRate), fmt(baseRate) + ' (SQLite time; whole loop ' + fmt(baseRateTotal) + ')',
  ingestRatio == null ? 'n/a' : ingestRatio.toFixed(2) + '×', '≥ 0.5×', verdict(ingestRatio == null ? null : ingestRatio >= 0.5 && !failedReq)]);
rows.push(['disk bytes/call (records.db + -wal after flush)', fmt(diskPerCall, 1), fmt(basePerRow, 1),
  diskRatio == null ? 'n/a' : diskRatio.toFixed(3) + '× raw JSON (' + fmt(rawPerCall, 1) + ' B)', '≤ 0.3× raw JSON', verdict(diskRatio == null ? null : diskRatio <= 0.3)]);
const qrow = (kind, target) => {
  const k = K[kind];
  if (!k) return null;
  const bq = kind === 'user_id' ? base.queries?.user_id : kind.startsWith('q_') ? base.queries?.['q:' + meta.query_terms?.[kind.slice(2)]?.q] : null;
  const ok = target == null ? null : k.errors ? false : k.p95_ms < target;
  return [`\`${kind}\` p50 / p95 ms (${k.n < (qr.runs || 0) ? k.n + ' runs, ' : ''}${k.avg_items} items/answer${k.empty ? ', ' + k.empty + ' empty' : ''}${k.errors ? ', ' + k.errors + ' errors' : ''})`,
    `${fmt(k.p50_ms, 2)} / ${fmt(k.p95_ms, 2)}`, bq ? `${fmt(bq.p50_ms, 2)} / ${fmt(bq.p95_ms, 2)} (${bq.avg_rows} rows)` : '', '', target == null ? '' : `p95 < ${target} ms`, target == null ? '' : verdict(ok)];
};
for (const [kind, t] of [['user_id', 10], ...qKinds.map((k) => [k, 50]), ['session_id', null], ['user_id+q', null], ['top', null]]) {
  const r = qrow(kind, t);
  if (r) rows.push(r);
}
if (!Object.keys(K).length) rows.push(['queries', 'n/a' + (qr.error ? ': ' + qr.error : ''), '', '', '', 'N/A']);

const info = [];
info.push(`calls sent ${fmt(calls)} in ${fmt(send.batches)} requests of ${meta.batch}; acknowledged ${fmt(acked)}, rejected ${fmt(send.rejected_calls || 0)}, failed requests ${fmt(send.failed_requests || 0)}, retries ${fmt(send.retries || 0)}` +
  (send.last_error ? ` (last error: ${send.last_error.slice(0, 160)})` : '') + (lp.stored_calls_top != null ? `; stored per /api/v1/llm/top: ${fmt(lp.stored_calls_top)}` : ''));
info.push(`sender wall ${fmt(send.wall_s, 1)} s, request p50 ${fmt(send.request_ms_p50, 1)} ms / p95 ${fmt(send.request_ms_p95, 1)} ms; protobuf ${fmt(meta.protobuf_bytes / 1e6, 1)} MB (${fmt(meta.protobuf_bytes / calls, 0)} B/call)`);
info.push(`loupe CPU ${fmt(lp.cpu_s_ingest, 1)} s during ingest (${fmt(lp.cpu_s_ingest / (stored / 1000), 3)} CPU-s per 1k calls), flush ${fmt(lp.flush_s, 1)} s (HTTP ${lp.flush_http}, ${fmt(lp.cpu_s_flush, 1)} CPU-s), VmHWM after ingest ${fmt(lp.vmhwm_bytes_after_ingest / 1048576, 0)} MiB`);
info.push(`loupe records.db + -wal ${fmt(lp.records_bytes)} B (du ${fmt(lp.records_du_bytes)} B); whole data dir du ${fmt(lp.data_dir_du_bytes)} B; files: ${Object.entries(lp.files || {}).map(([f, s]) => `${f} ${fmt(s)}`).join(', ')}`);
const otherIngest = lp.machine_busy_cpu_s_ingest != null && send.wall_s ? Math.max(0, lp.machine_busy_cpu_s_ingest - lp.cpu_s_ingest - (send.sender_cpu_s || 0)) / send.wall_s : null;
info.push(`baseline: ${fmt(base.rows)} rows in ${fmt(base.seconds_total, 1)} s (${fmt(base.seconds_sqlite, 1)} s in SQLite, ${fmt(base.cpu_s, 1)} CPU-s), db ${fmt(base.db_bytes)} B after checkpoint`);
info.push(`other load (cores): before the baseline ${base.other_load_cores ?? 'n/a'}, during it ${fmt(base.other_cores_during, 2)}; before loupe ${lp.other_load_cores ?? 'n/a'}, during ingest ${fmt(otherIngest, 2)} (machine busy minus loupe and the sender, whose CPU was ${fmt(send.sender_cpu_s, 1)} s)` +
  ((base.other_cores_during > 0.25 || otherIngest > 0.25) ? ' — WARNING: over 0.25 cores of other load, figures are disturbed' : ''));
info.push(`raw JSON ${fmt(meta.raw_json_bytes)} B = ${fmt(rawPerCall, 1)} B/call (${fmt(meta.raw_json_bytes_with_message_attrs / calls, 1)} B/call if the message attributes were counted again inside attributes); ${fmt(meta.error_calls)} error calls, ${fmt(meta.cjk_calls)} CJK calls, ${meta.users?.length} users, ${meta.templates} system prompts`);
info.push('query terms (user messages containing them): ' + Object.entries(meta.query_terms || {}).map(([k, v]) => `${k} "${v.q}" ${fmt(v.user_message_matches)}`).join(', ') +
  `; ${qr.runs ?? '?'} timed runs per kind after ${qr.warmup ?? '?'} warm-up, one at a time, ${qr.range ? 'with' : 'without'} start/end, ${qr.limit ? 'limit=' + qr.limit : 'server default limit'}; baseline column: the same searches in the baseline db (LIMIT 50, newest first, 50 runs)`);

try {
  const lines = fs.readFileSync(path.join(o.res, 'dbstat.txt'), 'utf8').trim().split('\n').map((l) => l.split('|')).filter((x) => x.length === 2);
  if (lines.length) info.push('records.db by table/index (dbstat), bytes per call: ' + lines.slice(0, 12).map(([n, b]) => `${n} ${fmt(+b / stored, 0)}`).join(', ') +
    (lines.length > 12 ? `, ${lines.length - 12} more ${fmt(lines.slice(12).reduce((a, [, b]) => a + +b, 0) / stored, 0)}` : ''));
} catch { }
let rev = '';
try { rev = execSync('git -C "' + path.dirname(new URL(import.meta.url).pathname) + '" rev-parse --short HEAD', { encoding: 'utf8' }).trim(); } catch { }
const title = `${fmt(calls)} calls — ${o.stamp || new Date().toISOString()} (${lp.version || 'loupe ?'}, ${o.builtFrom || 'repo HEAD ' + rev})`;
let md = `### ${title}\n\n| figure | loupe | SQLite + FTS5 baseline | ratio | target | |\n|---|---:|---:|---:|---|---|\n`;
for (const r of rows) md += '| ' + r.join(' | ') + ' |\n';
md += '\n' + info.map((s) => '- ' + s).join('\n') + '\n';
process.stdout.write('\n' + md + '\n');
fs.writeFileSync(path.join(o.res, 'report.md'), md);
fs.writeFileSync(path.join(o.res, 'all.json'), JSON.stringify({ meta: { ...meta, users: undefined, sessions: undefined }, baseline: base, send, loupe: lp, query: qr }, null, 1));

if (o.write && o.latest) {
  const begin = `<!-- calls:${calls} -->`, end = `<!-- /calls:${calls} -->`;
  let cur = '';
  try { cur = fs.readFileSync(o.latest, 'utf8'); } catch { }
  if (!cur) cur = '# bench/llm: latest figures\n\nWritten by `bench/llm/run.sh` (one section per CALLS; see README.md for what is measured).\n\n';
  const sec = `${begin}\n${md}${end}\n`;
  const i = cur.indexOf(begin), j = cur.indexOf(end);
  cur = i >= 0 && j > i ? cur.slice(0, i) + sec + cur.slice(j + end.length + 1) : cur + '\n' + sec;
  fs.writeFileSync(o.latest, cur);
}
