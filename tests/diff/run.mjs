#!/usr/bin/env node
// tests/diff/run.mjs - differential test of loupe's PromQL against Prometheus 2.42.
//
//   node tests/diff/run.mjs [--bin PATH] [--self-test] [--queries FILE] [--only REGEX]
//                           [--end-ms MS] [--max-diffs N] [--keep] [--verbose]
//
// Starts a real Prometheus 2.42 (/usr/bin/prometheus) and loupe (--bin, else
// LOUPE_BIN, else build/loupe) on free loopback ports with fresh temp dirs,
// builds the anchors workload generator (../shared/anchors/gen/gen.c) in a
// temp dir, generates the `small` workload with a fixed --end-ms (the same
// bytes on every run), remote-writes the same request bodies to both, then
// runs every expression of tests/diff/queries.txt against both as
//   - a range query over the whole workload (start/end aligned to 60 s, step 60 s),
//   - a range query at odd times (start not aligned, step 37 s),
//   - an instant query at the end of the range, and one at an unaligned time,
// and compares the answers: same result type, same label sets (name
// included), for each series the same timestamps, values equal within 1e-9
// relative (NaN equals NaN, infinities by sign), errors on both sides or on
// neither.  Series order only counts for instant queries whose expression is
// a sort()/sort_desc().  Reports the differing queries with their first
// differing points; exit status 0 only if there are none.
//
// --self-test compares Prometheus with a second Prometheus instance instead
// of loupe: it validates this harness and must report 0 differences.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function usage(msg) {
  if (msg) console.error(`diff/run.mjs: ${msg}`);
  console.error('usage: node tests/diff/run.mjs [--bin PATH] [--self-test] [--queries FILE] [--only REGEX] [--end-ms MS]\n' +
    '                              [--max-diffs N] [--rtol X] [--keep] [--verbose]');
  process.exit(2);
}

const HERE = import.meta.dirname;
const opt = { bin: null, selfTest: false, queries: path.join(HERE, 'queries.txt'), only: null, endMs: 1700000000000,
  maxDiffs: 5, rtol: 1e-9, keep: false, verbose: false, size: 'small', seed: 42 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
  if (a === '--bin') opt.bin = val();
  else if (a === '--self-test') opt.selfTest = true;
  else if (a === '--queries') opt.queries = val();
  else if (a === '--only') opt.only = new RegExp(val());
  else if (a === '--end-ms') opt.endMs = Number(val());
  else if (a === '--max-diffs') opt.maxDiffs = Number(val());
  else if (a === '--rtol') opt.rtol = Number(val());
  else if (a === '--size') opt.size = val();
  else if (a === '--seed') opt.seed = Number(val());
  else if (a === '--keep') opt.keep = true;
  else if (a === '--verbose' || a === '-v') opt.verbose = true;
  else if (a === '--help' || a === '-h') usage();
  else usage(`unknown argument ${a}`);
}
if (opt.bin) process.env.LOUPE_BIN = path.resolve(opt.bin);

const { Prometheus, LoupeTarget, apiGet, removeAtExit } = await import('../promql/lib/targets.mjs');
const { buildGenerator, generate, readManifest, loadBodies, replay } = await import('./lib/workload.mjs');
const { normalise, compare } = await import('./lib/compare.mjs');

/* ---------------------------------------------------------------- queries */

function readQueries(file) {
  const out = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    out.push({ expr: t, line: i + 1 });
  });
  return out;
}

function isEmpty(n) { return !n.error && n.series.length === 0; }
function points(n) { return n.error ? 0 : n.series.reduce((s, x) => s + x.points.length, 0); }

/* ---------------------------------------------------------------- main */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-diff-'));
if (!opt.keep) removeAtExit(tmp);
const t0 = Date.now();
const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`, ...a);
let ref, other;
let exitCode = 1;
try {
  const queries = readQueries(opt.queries).filter((q) => !opt.only || opt.only.test(q.expr));
  if (!queries.length) throw new Error('no queries');

  log(`building the generator and the ${opt.size} workload (seed ${opt.seed}, end ${opt.endMs}) in ${tmp}`);
  const gen = buildGenerator(tmp);
  const wl = path.join(tmp, 'workload');
  log(generate(gen, wl, { size: opt.size, seed: opt.seed, endMs: opt.endMs }));
  const m = readManifest(wl);
  const bodies = loadBodies(wl);

  ref = new Prometheus({ blockDuration: null });
  other = opt.selfTest ? new Prometheus({ blockDuration: null }) : new LoupeTarget();
  const otherName = opt.selfTest ? 'prometheus#2' : 'loupe';
  await Promise.all([ref.start(), other.start()]);
  log(`prometheus on ${ref.url}, ${otherName} on ${other.url}`);

  const [ra, rb] = await Promise.all([replay(ref.url, bodies), replay(other.url, bodies)]);
  for (const [n, r] of [['prometheus', ra], [otherName, rb]]) {
    log(`${n}: ${r.ok}/${bodies.length} requests accepted, ${r.samples} samples, ${r.seconds.toFixed(1)} s` +
      (r.failed ? `; ${r.failed} FAILED, e.g. ${r.examples[0]}` : ''));
  }
  if (ra.failed) throw new Error('Prometheus rejected requests: the reference is incomplete');

  const step = 60000;
  const startMs = Math.ceil(m.min_ts_ms / step) * step;
  const endMs = Math.floor(m.max_ts_ms / step) * step;
  const s = (ms) => (ms / 1000).toFixed(3);
  const modes = [
    { name: 'range', path: '/api/v1/query_range', params: { start: s(startMs), end: s(endMs), step: '60' } },
    { name: 'range-odd', path: '/api/v1/query_range', params: { start: s(startMs + 7500), end: s(endMs - 1234), step: '37' } },
    { name: 'instant-end', path: '/api/v1/query', params: { time: s(endMs) } },
    { name: 'instant-odd', path: '/api/v1/query', params: { time: s(startMs + 1234567) } },
  ];

  let diffQueries = 0, diffCases = 0, cases = 0, emptyBoth = 0, refErrors = 0, refPoints = 0;
  const emptyList = [];
  for (const q of queries) {
    const ordered = /^\s*sort(_desc)?\s*\(/.test(q.expr);
    let qDiff = false;
    let allEmpty = true;
    for (const mode of modes) {
      cases++;
      const params = { query: q.expr, ...mode.params };
      const [a, b] = await Promise.all([apiGet(ref.url, mode.path, params, { timeoutMs: 120000 }),
        apiGet(other.url, mode.path, params, { timeoutMs: 120000 }).catch((e) => ({ status: 0, body: String(e.message || e) }))]);
      if (process.env.LOUPE_DIFF_DUMP) console.log(mode.name, '\nPROM', a.body, '\nLOUPE', b.body);
      const na = normalise(a), nb = normalise(b);
      if (na.error) refErrors++;
      if (!isEmpty(na) && !na.error) allEmpty = false;
      refPoints += points(na);
      const d = compare(na, nb, { ordered: ordered && mode.name.startsWith('instant'), rtol: opt.rtol, maxDiffs: opt.maxDiffs });
      if (d.length) {
        diffCases++;
        if (!qDiff) console.log(`DIFF ${opt.queries === path.join(HERE, 'queries.txt') ? 'queries.txt' : opt.queries}:${q.line}: ${q.expr}`);
        qDiff = true;
        console.log(`  [${mode.name}] ${d[0]}`);
        for (const l of d.slice(1)) console.log(`    ${l}`);
      } else if (opt.verbose) {
        console.log(`same [${mode.name}] ${q.expr}: ${na.error ? `error ${na.error}` : `${na.type}, ${na.series.length} series, ${points(na)} points`}`);
      }
    }
    if (qDiff) diffQueries++;
    if (allEmpty) { emptyBoth++; emptyList.push(q.expr); }
  }
  if (emptyList.length) {
    console.log(`note: ${emptyList.length} queries have empty or error results from Prometheus in every mode${opt.verbose ? ':' : ' (--verbose lists them)'}`);
    if (opt.verbose) for (const e of emptyList) console.log(`  ${e}`);
  }
  log(`${queries.length} queries x ${modes.length} modes = ${cases} comparisons (${refPoints} reference points, ` +
    `${refErrors} reference errors): ${diffQueries} queries differ (${diffCases} comparisons)` +
    `${rb.failed ? `; ${rb.failed} write requests rejected by ${otherName}` : ''}`);
  exitCode = diffQueries || rb.failed ? 1 : 0;
  console.log(exitCode ? `FAIL: prometheus vs ${otherName}: ${diffQueries} of ${queries.length} queries differ` :
    `ok: prometheus vs ${otherName}: 0 differences in ${queries.length} queries`);
} catch (e) {
  console.error(`ERROR: ${e.stack || e}`);
  if (other?.log) console.error(`--- ${other.name} log (tail) ---\n${String(other.log).slice(-2000)}`);
  exitCode = 2;
} finally {
  await Promise.all([ref?.stop().catch(() => {}), other?.stop().catch(() => {})]);
  if (!opt.keep) fs.rmSync(tmp, { recursive: true, force: true });
  else console.log(`kept ${tmp}`);
}
process.exit(exitCode);
