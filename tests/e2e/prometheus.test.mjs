// prometheus.test.mjs - a real Prometheus (Debian's /usr/bin/prometheus)
// scrapes a target whose values change on every scrape and remote-writes to
// loupe; every sample Prometheus stored, read through Prometheus's own API,
// must be in loupe's export with the same labels, timestamp and value.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Loupe, SLOW, freePort, seriesKey, tmpDir, until, withDeadline } from './lib/loupe.mjs';
import { floatId } from './lib/check.mjs';

const PROMETHEUS = process.env.PROMETHEUS_BIN || '/usr/bin/prometheus';
const JOB = 'e2e_target';
const SCRAPES = 10;

/* The target: counters, gauges, a histogram, a summary, odd label values, a
 * series present only on every other scrape (so Prometheus writes staleness
 * markers), a gauge that is sometimes NaN or ±Inf. */
function exposition(n) {
  const r = () => Math.random();
  const lines = [];
  const c = exposition.state ??= { reqs: [0, 0, 0], bytes: 0, buckets: [0, 0, 0, 0], sum: 0, count: 0 };
  c.reqs = c.reqs.map((v) => v + Math.floor(r() * 10));
  c.bytes += r() * 1e6;
  const obs = Array.from({ length: 5 }, () => r() * 2);
  for (const o of obs) {
    [0.1, 0.5, 1].forEach((le, i) => { if (o <= le) c.buckets[i]++; });
    c.buckets[3]++;
    c.sum += o;
    c.count++;
  }
  lines.push('# HELP e2e_requests_total Requests handled, by code.', '# TYPE e2e_requests_total counter');
  ['200', '404', '500'].forEach((code, i) => lines.push(`e2e_requests_total{code="${code}",path="/api/v1/chat"} ${c.reqs[i]}`));
  lines.push('# HELP e2e_bytes_total Bytes sent.', '# TYPE e2e_bytes_total counter', `e2e_bytes_total ${c.bytes}`);
  lines.push('# HELP e2e_temperature_celsius A gauge that goes up and down.', '# TYPE e2e_temperature_celsius gauge');
  lines.push(`e2e_temperature_celsius{room="kitchen"} ${(r() - 0.5) * 80}`);
  lines.push(`e2e_temperature_celsius{room="w\\"eird \\\\ ünï\\ncode"} ${r() * 1e-9}`);
  lines.push('# TYPE e2e_special gauge', `e2e_special ${['NaN', '+Inf', '-Inf', '0', String(r())][n % 5]}`);
  lines.push('# HELP vllm:num_requests_running Requests on the GPU.', '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{model_name="llama"} ${n % 7}`);
  lines.push('# HELP e2e_request_duration_seconds Latency.', '# TYPE e2e_request_duration_seconds histogram');
  ['0.1', '0.5', '1', '+Inf'].forEach((le, i) => lines.push(`e2e_request_duration_seconds_bucket{le="${le}"} ${c.buckets[i]}`));
  lines.push(`e2e_request_duration_seconds_sum ${c.sum}`, `e2e_request_duration_seconds_count ${c.count}`);
  lines.push('# HELP e2e_rpc_seconds RPC latency.', '# TYPE e2e_rpc_seconds summary');
  lines.push(`e2e_rpc_seconds{quantile="0.5"} ${r()}`, `e2e_rpc_seconds{quantile="0.99"} ${1 + r()}`);
  lines.push(`e2e_rpc_seconds_sum ${c.sum * 2}`, `e2e_rpc_seconds_count ${c.count}`);
  if (n % 2 === 0) lines.push('# TYPE e2e_flapping gauge', `e2e_flapping{pod="p-${n % 4}"} ${n}`);
  return lines.join('\n') + '\n';
}

function promValue(s) {
  if (s === 'NaN') return NaN;
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

test('every sample a real Prometheus stored is in loupe, exactly', async (t) => {
  if (!fs.existsSync(PROMETHEUS)) {
    t.skip(`${PROMETHEUS} is not installed (Debian package "prometheus")`);
    return;
  }
  const dir = tmpDir('loupe-e2e-prom-');
  let scrapes = 0;
  const target = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(exposition(scrapes++));
  });
  const loupe = new Loupe();
  let prom;
  let promLog = '';
  t.after(async () => {
    if (prom && prom.exitCode === null && prom.signalCode === null) {
      const exited = new Promise((r) => prom.once('exit', r));
      prom.kill('SIGTERM');
      if ((await withDeadline(exited, 10_000)) === 'timeout') prom.kill('SIGKILL');
    }
    target.close();
    await loupe.stop();
    loupe.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  await loupe.start();
  const targetPort = await freePort();
  await new Promise((r) => target.listen(targetPort, '127.0.0.1', r));
  const promPort = await freePort();
  const promUrl = `http://127.0.0.1:${promPort}`;
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), `
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: ${JOB}
    static_configs:
      - targets: ['127.0.0.1:${targetPort}']
remote_write:
  - url: ${loupe.url}/api/v1/write
    queue_config:
      batch_send_deadline: 1s
      min_backoff: 50ms
      max_backoff: 1s
    metadata_config:
      send: true
      send_interval: 2s
`);
  prom = spawn(PROMETHEUS, [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  prom.stdout.on('data', (d) => { promLog += d; });
  prom.stderr.on('data', (d) => { promLog += d; });

  await until(async () => {
    if (prom.exitCode !== null) throw new Error(`prometheus exited: ${promLog}`);
    return (await fetch(`${promUrl}/-/ready`)).status === 200;
  }, { timeoutMs: 30000, what: 'Prometheus ready' });
  await until(() => scrapes >= SCRAPES, { timeoutMs: 60000, intervalMs: 200, what: `${SCRAPES} scrapes` });

  // What Prometheus stored up to a few seconds ago: raw samples of every
  // series of the job, its own up/scrape_* series included.
  const at = (Date.now() - 3000) / 1000;
  const q = new URLSearchParams({ query: `{job="${JOB}"}[10m]`, time: at.toFixed(3) });
  const pr = await (await fetch(`${promUrl}/api/v1/query?${q}`)).json();
  assert.equal(pr.status, 'success', JSON.stringify(pr));
  assert.equal(pr.data.resultType, 'matrix');
  const want = new Map();
  let nsamples = 0;
  for (const s of pr.data.result) {
    const m = new Map(s.values.map(([ts, v]) => [Math.round(ts * 1000), promValue(v)]));
    want.set(seriesKey(s.metric), { metric: s.metric, samples: m });
    nsamples += m.size;
  }
  const names = new Set(pr.data.result.map((s) => s.metric.__name__));
  for (const n of ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'e2e_requests_total',
    'e2e_request_duration_seconds_bucket', 'e2e_rpc_seconds', 'vllm:num_requests_running', 'e2e_flapping', 'e2e_special'])
    assert.ok(names.has(n), `Prometheus has ${n}`);
  assert.ok(nsamples >= 5 * want.size, `Prometheus stored several scrapes (${nsamples} samples in ${want.size} series)`);

  // Poll until loupe has caught up, then compare exactly.
  let lastProblem = '';
  const compare = async () => {
    const got = new Map();
    for (const s of await loupe.export(`{job="${JOB}"}`, { end: at.toFixed(3) }))
      got.set(seriesKey(s.metric), new Map(s.timestamps.map((ts, i) => [ts, s.values[i]])));
    for (const [k, w] of want) {
      const g = got.get(k);
      if (!g) return (lastProblem = `series ${k} missing`) && false;
      for (const [ts, v] of w.samples) {
        if (!g.has(ts)) return (lastProblem = `${k} @${ts} missing`) && false;
        // a value mismatch will not heal: fail at once
        assert.equal(floatId(g.get(ts)), floatId(v), `${k} @${ts}: loupe ${g.get(ts)}, Prometheus ${v}`);
      }
    }
    return got;
  };
  const got = await until(compare, { timeoutMs: 30000, intervalMs: 250, what: 'loupe to have every sample Prometheus stored' })
    .catch((e) => { throw new Error(`${e.message}; last: ${lastProblem}\nPrometheus log:\n${promLog}`); });

  // and nothing else: loupe's extra samples for the job can only be
  // staleness markers (Prometheus's query API hides those)
  for (const [k, g] of got) {
    const w = want.get(k);
    for (const [ts, v] of g)
      if (!w || !w.samples.has(ts)) assert.ok(Number.isNaN(v), `loupe has ${k} @${ts}=${v}, Prometheus does not`);
  }
  const flapping = [...got.keys()].filter((k) => k.includes('e2e_flapping'));
  assert.ok(flapping.some((k) => [...got.get(k).values()].some(Number.isNaN)), 'staleness markers arrived for e2e_flapping');
  t.diagnostic(`${want.size} series, ${nsamples} samples from ${scrapes} scrapes compared`);

  // metadata Prometheus sends every 2 s
  const md = await until(async () => {
    const r = await loupe.json('/api/v1/metadata');
    return r.json?.data?.e2e_requests_total && r.json.data.e2e_request_duration_seconds && r.json.data;
  }, { timeoutMs: 20000, intervalMs: 250, what: 'metadata from Prometheus' });
  assert.deepEqual(md.e2e_requests_total, [{ type: 'counter', help: 'Requests handled, by code.', unit: '' }]);
  assert.deepEqual(md.e2e_request_duration_seconds, [{ type: 'histogram', help: 'Latency.', unit: '' }]);
  assert.equal(md['vllm:num_requests_running']?.[0]?.type, 'gauge');
});
