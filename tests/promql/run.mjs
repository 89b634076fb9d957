#!/usr/bin/env node
// tests/promql/run.mjs - runs PromQL test files (the load/eval format of
// Prometheus's promql/testdata) against a real server over HTTP.
//
//   node tests/promql/run.mjs [--target loupe|prometheus] [--bin PATH] [--min-pass N]
//                             [--record] [--range-check] [--jobs N] [--verbose] FILE.test...
//
// Every section of a file (the commands up to a `clear`) runs on a fresh
// server with an empty data dir: `load` blocks are remote-written (samples at
// unix time 0 + k*gap, `stale` as the exact staleness-marker bits, `_` as no
// sample), every `eval` is one GET /api/v1/query?query=EXPR&time=T, compared
// with the expected result as Prometheus's promql/test.go does (label sets
// equal, order only for eval_ordered, values within a relative 1e-6, NaN ==
// NaN; eval_fail wants an error answer).  --range-check also does that
// framework's second check: the same expression as a range query from T-1m to
// T+1m, step 1m, whose middle step must match too.
//
// --record (against Prometheus) rewrites each eval's expected lines in the
// files from the server's answers.  Exit status 0 only if every case passes
// (or at least --min-pass of them do).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function usage(msg) {
  if (msg) console.error(`run.mjs: ${msg}`);
  console.error('usage: node tests/promql/run.mjs [--target loupe|prometheus] [--bin PATH] [--min-pass N] [--record]\n' +
    '                                [--range-check] [--jobs N] [--verbose] FILE.test...');
  process.exit(2);
}

const opt = { target: 'loupe', bin: null, minPass: null, record: false, rangeCheck: false, jobs: Math.min(2, os.cpus().length), verbose: false, files: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
  if (a === '--target') opt.target = val();
  else if (a === '--bin') opt.bin = val();
  else if (a === '--min-pass') opt.minPass = Number(val());
  else if (a === '--record') opt.record = true;
  else if (a === '--range-check') opt.rangeCheck = true;
  else if (a === '--jobs') opt.jobs = Math.max(1, Number(val()));
  else if (a === '--verbose' || a === '-v') opt.verbose = true;
  else if (a === '--help' || a === '-h') usage();
  else if (a.startsWith('-')) usage(`unknown flag ${a}`);
  else opt.files.push(a);
}
if (!opt.files.length) usage('no test files given');
if (!['loupe', 'prometheus'].includes(opt.target)) usage(`unknown target ${opt.target}`);
if (opt.minPass !== null && !(opt.minPass >= 0)) usage('--min-pass needs a number');
// loupe.mjs reads LOUPE_BIN when it is first imported: set it before importing the libraries.
if (opt.bin) process.env.LOUPE_BIN = path.resolve(opt.bin);

const { parseTestFile, compareResult, decodeResult, formatResultLines, formatExpectedLines } = await import('./lib/testfile.mjs');
const { makeTarget, apiGet } = await import('./lib/targets.mjs');
const { loadSeries, selfCheck } = await import('./lib/write.mjs');

selfCheck();
if (opt.record && opt.target !== 'prometheus') console.error('run.mjs: warning: --record writes the answers of the target; the expected values are meant to come from --target prometheus');

function fmtTime(ms) {
  const neg = ms < 0;
  const a = Math.abs(ms);
  return `${neg ? '-' : ''}${Math.trunc(a / 1000)}.${String(a % 1000).padStart(3, '0')}`;
}

/* Evaluates one eval command; returns { pass, msg, actual (lines), result }. */
async function runEval(url, cmd) {
  const r = await apiGet(url, '/api/v1/query', { query: cmd.expr, time: fmtTime(cmd.time) }, { timeoutMs: 30000 });
  const j = r.json;
  if (!j || (j.status !== 'success' && j.status !== 'error')) {
    return { pass: false, msg: `HTTP ${r.status}: ${r.body.slice(0, 300)}`, actual: [] };
  }
  if (j.status === 'error') {
    // Only a query error counts for eval_fail: Prometheus answers bad_data (HTTP
    // 400) or execution (422); a 404 or 500 is no answer to the query.
    const queryError = (j.errorType === 'bad_data' && r.status === 400) || (j.errorType === 'execution' && r.status === 422);
    if (cmd.fail && queryError) return { pass: true, actual: [`error: ${j.errorType}: ${j.error}`], error: j.error };
    const msg = cmd.fail ? `expected a query error (bad_data/400 or execution/422), got ${j.errorType}/${r.status}: ${j.error}`
      : `error evaluating query: ${j.errorType}: ${j.error}`;
    return { pass: false, msg, actual: [`error (HTTP ${r.status}): ${j.error}`], error: j.error };
  }
  let res;
  try { res = decodeResult(j.data); } catch (e) { return { pass: false, msg: e.message, actual: [] }; }
  const actual = formatResultLines(res, { keepOrder: true });
  if (cmd.fail) return { pass: false, msg: 'expected an error but got none', actual, result: res };
  let msg = compareResult(cmd, res);
  if (!msg && opt.rangeCheck && !cmd.ordered) msg = await rangeCheck(url, cmd, res);
  return { pass: !msg, msg, actual, result: res };
}

/* promql/test.go's range-mode check: the middle step of a range query T-1m..T+1m. */
async function rangeCheck(url, cmd, instant) {
  const r = await apiGet(url, '/api/v1/query_range', { query: cmd.expr, start: fmtTime(cmd.time - 60000),
    end: fmtTime(cmd.time + 60000), step: '60' });
  const j = r.json;
  if (!j || j.status !== 'success') return `range mode: ${j ? `${j.errorType}: ${j.error}` : `HTTP ${r.status}: ${r.body.slice(0, 200)}`}`;
  let res;
  try { res = decodeResult(j.data); } catch (e) { return `range mode: ${e.message}`; }
  if (res.type !== 'matrix') return `range mode: resultType ${res.type}, want matrix`;
  const at = cmd.time / 1000;
  const vector = [];
  for (const s of res.matrix) {
    const p = s.values.find(([t]) => Math.round(t * 1000) === cmd.time);
    if (p) vector.push({ labels: s.labels, value: p[1] });
  }
  let m;
  if (instant.type === 'scalar') {
    if (!vector.length) return `range mode: no point at ${at}`;
    m = compareResult(cmd, { type: 'scalar', scalar: vector[0].value });
  } else {
    m = compareResult(cmd, { type: 'vector', vector });
  }
  return m && `range mode: ${m}`;
}

/* Runs one file; returns { file, pass, fail, out (text), failures, loadErrors, recorded }. */
async function runFile(file, pool) {
  const text = fs.readFileSync(file, 'utf8');
  const name = path.basename(file);
  const out = [];
  let parsed;
  try { parsed = parseTestFile(text, name); } catch (e) {
    return { file, name, pass: 0, fail: 0, total: 0, out: [`ERROR ${e.message}`], parseError: true, loadErrors: 1 };
  }
  const { cmds, raw } = parsed;
  const total = cmds.filter((c) => c.kind === 'eval').length;
  let pass = 0, fail = 0, loadErrors = 0;
  const records = [];
  let target = null;
  const t0 = Date.now();
  /* After a failed request: if the server is gone, report it (with its log)
   * and go on with a fresh one, so the rest of the section fails on its own
   * merits instead of on connection errors. */
  const replaceIfDead = async (cmd) => {
    const dead = target.exitStatus();
    if (!dead) return false;
    out.push(`SERVER DIED ${name}:${cmd.line}: ${target.name} ${dead}; log tail:`,
      ...String(target.log).trim().split('\n').slice(-15).map((l) => `     | ${l}`));
    loadErrors++;
    target.stop().catch(() => {});
    target = await pool.get();
    return true;
  };
  try {
    for (const cmd of cmds) {
      if (cmd.kind === 'clear') {
        if (target) { const t = target; target = null; t.stop().catch(() => {}); }
        continue;
      }
      if (!target) target = await pool.get();
      if (cmd.kind === 'load') {
        try {
          const r = await loadSeries(target.url, cmd.series);
          if (opt.verbose) out.push(`  load ${name}:${cmd.line}: ${r.samples} samples in ${r.requests} requests`);
        } catch (e) {
          loadErrors++;
          out.push(`LOAD ERROR ${name}:${cmd.line}: ${e.cause?.message || e.message}`);
          await replaceIfDead(cmd);
        }
        continue;
      }
      let r;
      try { r = await runEval(target.url, cmd); } catch (e) {
        r = { pass: false, msg: `request failed: ${e.cause?.message || e.message}`, actual: [] };
        if (await replaceIfDead(cmd)) r.msg += `; the ${target.name} server died`;
      }
      if (r.pass) pass++;
      else {
        fail++;
        const kw = cmd.fail ? 'eval_fail' : cmd.ordered ? 'eval_ordered' : 'eval';
        out.push(`FAIL ${name}:${cmd.line}: ${kw} instant at ${cmd.atText} ${cmd.expr}`);
        out.push(`     ${r.msg}`);
        const exp = cmd.fail ? ['<an error>'] : formatExpectedLines(cmd);
        out.push('     expected:' + (exp.length ? '' : ' <empty vector>'));
        for (const l of exp.slice(0, 20)) out.push(`       ${l}`);
        if (exp.length > 20) out.push(`       ... ${exp.length - 20} more`);
        out.push('     actual:' + (r.actual.length ? '' : ' <empty vector>'));
        for (const l of r.actual.slice(0, 20)) out.push(`       ${l}`);
        if (r.actual.length > 20) out.push(`       ... ${r.actual.length - 20} more`);
      }
      if (opt.record) records.push({ cmd, r });
    }
  } finally {
    if (target) await target.stop().catch(() => {});
  }
  let recorded = 0;
  if (opt.record) recorded = rewrite(file, raw, records, out);
  return { file, name, pass, fail, total, out, loadErrors, recorded, ms: Date.now() - t0 };
}

/* --record: replaces each eval's expected lines by the server's answer. */
function rewrite(file, raw, records, out) {
  const lines = [...raw];
  let changed = 0;
  for (const { cmd, r } of [...records].reverse()) {
    if (cmd.fail) {
      if (!r.pass) out.push(`RECORD ${path.basename(file)}:${cmd.line}: eval_fail got no error; left as is`);
      continue;
    }
    if (!r.result) {
      out.push(`RECORD ${path.basename(file)}:${cmd.line}: query failed (${r.msg}); left as is`);
      continue;
    }
    if (r.result.type !== 'vector' && r.result.type !== 'scalar') {
      out.push(`RECORD ${path.basename(file)}:${cmd.line}: ${r.result.type} result cannot be recorded; left as is`);
      continue;
    }
    const [from, to] = cmd.resultLines;
    const old = lines.slice(from, to);
    const indent = (old.find((l) => l.trim()) || '  ').match(/^\s*/)[0] || '  ';
    const fresh = formatResultLines(r.result, { keepOrder: cmd.ordered }).map((l) => indent + l);
    if (r.pass) continue; // within Prometheus's tolerance: keep the text as written
    lines.splice(from, to - from, ...fresh);
    changed++;
  }
  if (changed) fs.writeFileSync(file, lines.join('\n'));
  return changed;
}

/* Fresh servers, one started ahead per worker so restarts overlap with work. */
class Pool {
  constructor() { this.spare = null; }
  start() {
    const t = makeTarget(opt.target);
    const p = t.start().then(() => t);
    p.catch(() => {});
    return p;
  }
  async get() {
    const p = this.spare || this.start();
    this.spare = this.start();
    try { return await p; } catch { return await this.start(); } // one more try; a second failure ends the file
  }
  async close() {
    if (this.spare) { const s = this.spare; this.spare = null; try { await (await s).stop(); } catch { /* failed start */ } }
  }
}

const t0 = Date.now();
const queue = opt.files.map((f, i) => ({ f, i }));
const results = new Array(opt.files.length);
let printed = 0;
function flushPrinted() {
  while (printed < results.length && results[printed]) {
    const r = results[printed++];
    for (const l of r.out) console.log(l);
    const status = r.fail || r.loadErrors ? 'FAIL' : 'ok';
    console.log(`${status.padEnd(4)} ${r.name}: ${r.pass}/${r.total} passed${r.loadErrors ? `, ${r.loadErrors} load or server errors` : ''}` +
      `${opt.record ? `, ${r.recorded} evals re-recorded` : ''} (${(r.ms / 1000 || 0).toFixed(1)} s)`);
  }
}
await Promise.all(Array.from({ length: Math.min(opt.jobs, queue.length) }, async () => {
  const pool = new Pool();
  try {
    while (queue.length) {
      const { f, i } = queue.shift();
      try { results[i] = await runFile(f, pool); } catch (e) {
        let total = 0;
        try { total = parseTestFile(fs.readFileSync(f, 'utf8')).cmds.filter((c) => c.kind === 'eval').length; } catch { /* counted as 0 */ }
        results[i] = { file: f, name: path.basename(f), pass: 0, fail: total, total, out: [`ERROR ${f}: ${e.stack || e}`], loadErrors: 1 };
      }
      flushPrinted();
    }
  } finally {
    await pool.close();
  }
}));
flushPrinted();

const sum = (k) => results.reduce((a, r) => a + (r[k] || 0), 0);
const passN = sum('pass'), total = sum('total'), loadErrors = sum('loadErrors');
console.log(`\n${opt.target}: ${passN}/${total} eval cases passed, ${total - passN} failed, in ${results.length} files` +
  `${loadErrors ? `; ${loadErrors} load, parse or server errors` : ''} (${((Date.now() - t0) / 1000).toFixed(1)} s)` +
  `${opt.minPass !== null ? `; need >= ${opt.minPass}` : ''}`);
const ok = opt.minPass !== null ? passN >= opt.minPass : passN === total && loadErrors === 0;
process.exit(ok ? 0 : 1);
