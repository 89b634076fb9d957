#!/usr/bin/env node
// query.mjs - latency of loupe's LLM-call search over the stored workload.
//
//   node query.mjs --meta DIR/meta.json --url http://127.0.0.1:9090 [--runs 200] [--warmup 20]
//                  [--seed 7] [--range] [--limit N]
//
// One request at a time (keep-alive), timed from sending to the last byte of the
// answer.  Per kind: `warmup` untimed requests, then `runs` timed ones with
// parameters drawn (seeded) from what the generator stored:
//   user_id      ?user_id=<random existing user> (uniform over the users)
//   session_id   ?session_id=<random existing session>
//   q_common / q_medium / q_rare / q_cjk / q_phrase
//                ?q=<term> for the generator's query terms (meta.json says how many user
//                messages contain each; system prompts and completions contain them too)
//   user_id+q    ?user_id=<random user>&q=<common term>
//   top          /api/v1/llm/top?by=user|model|template&metric=cost|tokens|calls (rotating)
// --range adds start/end covering the workload (by default no time range is sent);
// --limit adds limit=N (by default the server's default page size).
// --budget-s (90): a kind whose warm-up + runs take longer stops early (after >= 3 warm-up
// and >= 20 timed runs); its n says how many were timed.
// Prints one JSON object on stdout: per kind n, p50/p95/p99/max ms, answers with
// no calls, non-2xx answers, mean calls per answer and mean answer bytes.
import fs from 'node:fs';
import http from 'node:http';
import { rng, hash32 } from './gen.mjs';

const o = { meta: null, url: 'http://127.0.0.1:9090', runs: 200, warmup: 20, seed: 7, range: false, limit: 0, kinds: '', budget: 90 };
const argv = process.argv.slice(2);
for (let k = 0; k < argv.length; k++) {
  const a = argv[k];
  if (a === '--range') { o.range = true; continue; }
  const v = argv[++k];
  if (a === '--meta') o.meta = v; else if (a === '--url') o.url = v; else if (a === '--runs') o.runs = +v;
  else if (a === '--warmup') o.warmup = +v; else if (a === '--seed') o.seed = +v; else if (a === '--limit') o.limit = +v;
  else if (a === '--kinds') o.kinds = v; else if (a === '--budget-s') o.budget = +v;
  else { console.error('unknown argument ' + a); process.exit(2); }
}
if (!o.meta) { console.error('usage: query.mjs --meta meta.json [--url URL] [--runs N]'); process.exit(2); }
const meta = JSON.parse(fs.readFileSync(o.meta, 'utf8'));
const r = rng(hash32(o.seed, 99), 99);
const pick = (arr) => arr[Math.floor(r() * arr.length)];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function common() {
  const p = new URLSearchParams();
  if (o.range) { p.set('start', String(meta.t_start - 60)); p.set('end', String(meta.t_end + 60)); }
  if (o.limit) p.set('limit', String(o.limit));
  return p;
}
const T = meta.query_terms;
const tops = [['user', 'cost'], ['model', 'tokens'], ['template', 'calls'], ['route', 'calls']];
let topK = 0;
const KINDS = {
  user_id: () => { const p = common(); p.set('user_id', pick(meta.users).id); return '/api/v1/llm/calls?' + p; },
  session_id: () => { const p = common(); p.set('session_id', pick(meta.sessions).id); return '/api/v1/llm/calls?' + p; },
  q_common: () => { const p = common(); p.set('q', T.common.q); return '/api/v1/llm/calls?' + p; },
  q_medium: () => { const p = common(); p.set('q', T.medium.q); return '/api/v1/llm/calls?' + p; },
  q_rare: () => { const p = common(); p.set('q', T.rare.q); return '/api/v1/llm/calls?' + p; },
  q_cjk: () => { const p = common(); p.set('q', T.cjk.q); return '/api/v1/llm/calls?' + p; },
  q_phrase: () => { const p = common(); p.set('q', T.phrase.q); return '/api/v1/llm/calls?' + p; },
  'user_id+q': () => { const p = common(); p.set('user_id', pick(meta.users).id); p.set('q', T.common.q); return '/api/v1/llm/calls?' + p; },
  top: () => {
    const [by, metric] = tops[topK++ % tops.length];
    const p = new URLSearchParams({ by, metric });
    if (o.range) { p.set('start', String(meta.t_start - 60)); p.set('end', String(meta.t_end + 60)); }
    return '/api/v1/llm/top?' + p;
  },
};

function get(path) {
  return new Promise((resolve) => {
    const t = process.hrtime.bigint();
    const req = http.get(new URL(path, o.url), { agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t) / 1e6, status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.on('error', (e) => resolve({ ms: Number(process.hrtime.bigint() - t) / 1e6, status: 0, body: Buffer.from(e.message) }));
  });
}

const out = { url: o.url, runs: o.runs, warmup: o.warmup, range: o.range, limit: o.limit || null, kinds: {} };
const kinds = o.kinds ? o.kinds.split(',') : Object.keys(KINDS);
for (const kind of kinds) {
  const mk = KINDS[kind];
  const tEnd = Date.now() + o.budget * 1000;
  for (let k = 0; k < o.warmup && (k < 3 || Date.now() < tEnd); k++) await get(mk());
  const lat = [];
  let empty = 0, bad = 0, calls = 0, bytes = 0, lastErr = '';
  for (let k = 0; k < o.runs && (k < 20 || Date.now() < tEnd); k++) {
    const res = await get(mk());
    lat.push(res.ms);
    bytes += res.body.length;
    if (res.status < 200 || res.status >= 300) { bad++; lastErr = `HTTP ${res.status} ${res.body.toString('utf8', 0, 200)}`; continue; }
    try {
      const j = JSON.parse(res.body);
      const n = Array.isArray(j.calls) ? j.calls.length : Array.isArray(j.rows) ? j.rows.length : Array.isArray(j.data) ? j.data.length : Array.isArray(j) ? j.length : 0;
      calls += n;
      if (!n) empty++;
    } catch (e) { bad++; lastErr = 'bad JSON: ' + e.message; }
  }
  lat.sort((a, b) => a - b);
  const q = (p) => +lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(3);
  out.kinds[kind] = { n: lat.length, p50_ms: q(0.5), p95_ms: q(0.95), p99_ms: q(0.99), max_ms: +lat[lat.length - 1].toFixed(3),
    empty, errors: bad, avg_items: +(calls / Math.max(1, lat.length - bad)).toFixed(1), avg_bytes: Math.round(bytes / lat.length), ...(lastErr ? { last_error: lastErr } : {}) };
  process.stderr.write(`query: ${kind.padEnd(11)} p50 ${q(0.5).toFixed(2)} ms  p95 ${q(0.95).toFixed(2)} ms  items ${out.kinds[kind].avg_items}  empty ${empty}  errors ${bad}\n`);
}
agent.destroy();
process.stdout.write(JSON.stringify(out) + '\n');
