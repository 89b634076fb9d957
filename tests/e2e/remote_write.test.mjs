// remote_write.test.mjs - remote-write 1.0 into loupe, read back through the
// Prometheus-style read endpoints and /api/v1/export, exactly; command line
// and configuration precedence.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, Loupe, hermeticEnv, tmpDir } from './lib/loupe.mjs';
import { remoteWrite, f64FromBits, STALE_NAN_HEX } from './lib/remote_write.mjs';
import { assertExport } from './lib/check.mjs';

const T = 1_700_000_000_000; // 2023-11-14T22:13:20Z, a round base time (ms)
let loupe;

before(async () => {
  // retention 0: every timestamp is accepted, so fixed times can be used
  loupe = new Loupe({ args: ['--retention-days', '0'] });
  await loupe.start();
});
after(async () => {
  if (loupe) {
    const st = await loupe.stop();
    loupe.cleanup();
    assert.equal(st.code, 0, `loupe exit status ${JSON.stringify(st)}\n${loupe.log}`);
  }
});

async function write(series, opts) {
  const r = await remoteWrite(loupe.url, series, opts);
  assert.equal(r.status, 204, `remote write: ${r.status} ${r.text}`);
  return r;
}

/* n random float64 bit patterns, NaNs excluded (export can't carry payloads) */
function randomFloats(n) {
  const out = [];
  while (out.length < n) {
    const v = f64FromBits(crypto.randomBytes(8).toString('hex'));
    if (!Number.isNaN(v)) out.push(v);
  }
  return out;
}

test('good path: several series read back exactly, before and after compaction', async () => {
  const floats = randomFloats(2000);
  let t = T;
  const irregular = floats.map((v) => [(t += 1 + Math.floor(Math.random() * 30000)), v]);
  const series = [
    { labels: { __name__: 'rw_good_requests_total', job: 'api', instance: '10.0.0.1:8080', code: '200' },
      samples: [[T, 1], [T + 15000, 5], [T + 30000, 12], [T + 45000, 12], [T + 60000, 0], [T + 75000, 3]] },
    { labels: { __name__: 'rw_good_requests_total', job: 'api', instance: '10.0.0.2:8080', code: '500' },
      samples: [[T, 0], [T + 15000, 0], [T + 30000, 1]] },
    { labels: { __name__: 'rw_good_latency_seconds', job: 'api', quantile: '0.99' },
      samples: [[T, 0.1234567890123], [T + 15000, 1e-300], [T + 30000, -2.5e300], [T + 45000, 0.1 + 0.2]] },
    { labels: { __name__: 'rw_good_edge_values', job: 'api', note: 'ünïcødé ☃ "quoted" \\ back\nslash\t{}=,' },
      samples: [[T, -0], [T + 1, 5e-324], [T + 2, 1.7976931348623157e308], [T + 3, -1.7976931348623157e308],
        [T + 4, 2.2250738585072014e-308], [T + 5, 2 ** 53 + 2], [T + 6, -(2 ** 63)], [T + 7, 0]] },
    { labels: { __name__: 'rw_good_random_bits', job: 'api' }, samples: irregular },
  ];
  // two requests: the first three series, then the rest
  await write(series.slice(0, 3));
  await write(series.slice(3));
  const sel = '{__name__=~"rw_good_.*"}';
  assertExport(await loupe.export(sel), series, 'from the head');
  const got = await loupe.series(sel);
  assert.equal(got.length, series.length);
  await loupe.flush();
  assertExport(await loupe.export(sel), series, 'after flush');
});

test("metric names with ':' (vLLM)", async () => {
  const series = [
    { labels: { __name__: 'vllm:num_requests_running', model_name: 'llama-3-8b' }, samples: [[T, 3], [T + 1000, 4]] },
    { labels: { __name__: 'vllm:gpu_cache_usage_perc', model_name: 'llama-3-8b' }, samples: [[T, 0.25]] },
  ];
  await write(series);
  // a ':' name is usable as a bare metric-name selector too
  assertExport(await loupe.export('vllm:num_requests_running'), [series[0]]);
  assertExport(await loupe.export('vllm:num_requests_running{model_name="llama-3-8b"}'), [series[0]]);
  assertExport(await loupe.export('{__name__=~"vllm:.*"}'), series);
  const values = await loupe.json('/api/v1/label/__name__/values');
  assert.equal(values.status, 200);
  assert.ok(values.json.data.includes('vllm:num_requests_running'), values.body);
  assert.ok(values.json.data.includes('vllm:gpu_cache_usage_perc'), values.body);
});

test('unsorted labels are sorted and name the same series', async () => {
  await write([{ labels: [['zone', 'eu'], ['__name__', 'rw_unsorted'], ['app', 'x']], samples: [[T, 1]] }]);
  await write([{ labels: [['app', 'x'], ['zone', 'eu'], ['__name__', 'rw_unsorted']], samples: [[T + 1000, 2]] }]);
  await write([{ labels: { __name__: 'rw_unsorted', app: 'x', zone: 'eu' }, samples: [[T + 2000, 3]] }]);
  const got = await loupe.export('rw_unsorted');
  assert.equal(got.length, 1, 'one series, whatever the label order on the wire');
  assert.deepEqual(Object.keys(got[0].metric), ['__name__', 'app', 'zone'], 'labels come back sorted by name');
  assertExport(got, [{ labels: { __name__: 'rw_unsorted', app: 'x', zone: 'eu' }, samples: [[T, 1], [T + 1000, 2], [T + 2000, 3]] }]);
  assert.deepEqual(await loupe.series('rw_unsorted'), [{ __name__: 'rw_unsorted', app: 'x', zone: 'eu' }]);
});

test('empty-valued labels are dropped', async () => {
  await write([{ labels: [['__name__', 'rw_empty_label'], ['a', '1'], ['rw_gone', '']], samples: [[T, 1]] }]);
  await write([{ labels: { __name__: 'rw_empty_label', a: '1' }, samples: [[T + 1000, 2]] }]);
  assert.deepEqual(await loupe.series('rw_empty_label'), [{ __name__: 'rw_empty_label', a: '1' }]);
  assertExport(await loupe.export('rw_empty_label'), [{ labels: { __name__: 'rw_empty_label', a: '1' }, samples: [[T, 1], [T + 1000, 2]] }]);
  const labels = await loupe.json('/api/v1/labels');
  assert.ok(!labels.json.data.includes('rw_gone'), `no label name rw_gone: ${labels.body}`);
});

test('a request carrying only metadata is accepted and shows in /api/v1/metadata', async () => {
  const metadata = [
    { type: 1, metricFamilyName: 'rw_meta_requests_total', help: 'Requests handled, by code.', unit: '' },
    { type: 2, metricFamilyName: 'rw_meta_queue_depth', help: 'Requests waiting.', unit: 'requests' },
    { type: 3, metricFamilyName: 'rw_meta_latency_seconds', help: 'Latency "quoted" ünï.', unit: 'seconds' },
  ];
  await write([], { metadata });
  const all = await loupe.json('/api/v1/metadata');
  assert.equal(all.status, 200);
  assert.equal(all.json.status, 'success');
  assert.deepEqual(all.json.data.rw_meta_requests_total, [{ type: 'counter', help: 'Requests handled, by code.', unit: '' }]);
  assert.deepEqual(all.json.data.rw_meta_queue_depth, [{ type: 'gauge', help: 'Requests waiting.', unit: 'requests' }]);
  assert.deepEqual(all.json.data.rw_meta_latency_seconds, [{ type: 'histogram', help: 'Latency "quoted" ünï.', unit: 'seconds' }]);
  const one = await loupe.json('/api/v1/metadata?metric=rw_meta_queue_depth');
  assert.deepEqual(one.json, { status: 'success', data: { rw_meta_queue_depth: [{ type: 'gauge', help: 'Requests waiting.', unit: 'requests' }] } });
  const lim = await loupe.json('/api/v1/metadata?limit=1');
  assert.equal(Object.keys(lim.json.data).length, 1);
  // metadata creates no series
  assert.deepEqual(await loupe.series('{__name__=~"rw_meta_.*"}'), []);
});

test('the same series and timestamp written twice keeps the last value', async () => {
  const labels = { __name__: 'rw_overwrite', case: 'requests' };
  await write([{ labels, samples: [[T, 1], [T + 1000, 10]] }]);
  await write([{ labels, samples: [[T, 2]] }]);
  assertExport(await loupe.export('rw_overwrite{case="requests"}'), [{ labels, samples: [[T, 2], [T + 1000, 10]] }]);

  // once the first value is compacted into a chunk
  const l2 = { __name__: 'rw_overwrite', case: 'compacted' };
  await write([{ labels: l2, samples: [[T, 1], [T + 1000, 10], [T + 2000, 20]] }]);
  await loupe.flush();
  await write([{ labels: l2, samples: [[T + 1000, 11]] }]);
  const want = [{ labels: l2, samples: [[T, 1], [T + 1000, 11], [T + 2000, 20]] }];
  assertExport(await loupe.export('rw_overwrite{case="compacted"}'), want, 'head over chunk');
  await loupe.flush();
  assertExport(await loupe.export('rw_overwrite{case="compacted"}'), want, 'after both are compacted');
});

test('the same timestamp twice in one request keeps the later one', async () => {
  const labels = { __name__: 'rw_overwrite', case: 'in_request' };
  await write([{ labels, samples: [[T, 1], [T + 1000, 5], [T, 2]] }]);
  assertExport(await loupe.export('rw_overwrite{case="in_request"}'), [{ labels, samples: [[T, 2], [T + 1000, 5]] }]);
});

test('samples are accepted in any order (backfill) and read back sorted', async () => {
  const labels = { __name__: 'rw_backfill', pod: 'late' };
  const all = [];
  for (let i = 0; i < 300; i++) all.push([T + i * 15000, i * 1.5]);
  const shuffled = [...all].sort(() => Math.random() - 0.5);
  await write([{ labels, samples: shuffled.slice(0, 100) }]);
  await write([{ labels, samples: shuffled.slice(100, 200) }]);
  await loupe.flush();
  // older than everything compacted, interleaved with it, and newer
  await write([{ labels, samples: shuffled.slice(200) }]);
  await write([{ labels, samples: [[T - 3600_000, -1], [T + 7, 0.5]] }]);
  const want = [{ labels, samples: [...all, [T - 3600_000, -1], [T + 7, 0.5]] }];
  assertExport(await loupe.export('rw_backfill'), want);
  await loupe.flush();
  assertExport(await loupe.export('rw_backfill'), want, 'after flush');
});

test('NaN, +Inf, -Inf and the staleness marker', async () => {
  const labels = { __name__: 'rw_special_values' };
  const stale = f64FromBits(STALE_NAN_HEX);
  await write([{ labels, samples: [[T, NaN], [T + 1, Infinity], [T + 2, -Infinity], [T + 3, stale], [T + 4, 1]] }]);
  const check = async (what) => {
    const got = await loupe.export('rw_special_values');
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].rawValues, ['NaN', '+Inf', '-Inf', 'NaN', 1], what);
    assert.deepEqual(got[0].timestamps, [T, T + 1, T + 2, T + 3, T + 4], what);
  };
  await check('from the head');
  await loupe.flush();
  await check('after flush');
});

test('series, labels, label values, metadata and buildinfo answer in the Prometheus envelope', async () => {
  await write([
    { labels: { __name__: 'rw_ep_a', job: 'ep_job1', instance: 'i1' }, samples: [[T, 1]] },
    { labels: { __name__: 'rw_ep_a', job: 'ep_job2', instance: 'i2' }, samples: [[T, 2]] },
    { labels: { __name__: 'rw_ep_b', job: 'ep_job1', extra_ep_label: 'x' }, samples: [[T, 3]] },
  ]);
  const series = await loupe.json('/api/v1/series?match[]=' + encodeURIComponent('{__name__=~"rw_ep_.*"}'));
  assert.equal(series.status, 200);
  assert.match(series.headers.get('content-type'), /application\/json/);
  assert.deepEqual(series.json, { status: 'success', data: [
    { __name__: 'rw_ep_a', instance: 'i1', job: 'ep_job1' },
    { __name__: 'rw_ep_a', instance: 'i2', job: 'ep_job2' },
    { __name__: 'rw_ep_b', extra_ep_label: 'x', job: 'ep_job1' },
  ] });
  // POST with a form body answers the same
  const post = await loupe.json('/api/v1/series', { method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([['match[]', '{__name__=~"rw_ep_.*"}']]).toString() });
  assert.equal(post.status, 200, post.body);
  assert.deepEqual(post.json, series.json);

  const labels = await loupe.json('/api/v1/labels?match[]=rw_ep_b');
  assert.deepEqual(labels.json, { status: 'success', data: ['__name__', 'extra_ep_label', 'job'] });
  const allLabels = await loupe.json('/api/v1/labels');
  assert.equal(allLabels.json.status, 'success');
  for (const l of ['__name__', 'extra_ep_label', 'instance', 'job']) assert.ok(allLabels.json.data.includes(l), l);
  assert.deepEqual([...allLabels.json.data].sort(), allLabels.json.data, 'label names sorted');

  const values = await loupe.json('/api/v1/label/job/values?match[]=' + encodeURIComponent('{__name__=~"rw_ep_.*"}'));
  assert.deepEqual(values.json, { status: 'success', data: ['ep_job1', 'ep_job2'] });
  const values2 = await loupe.json('/api/v1/label/instance/values?match[]=rw_ep_a&match[]=rw_ep_b');
  assert.deepEqual(values2.json, { status: 'success', data: ['i1', 'i2'] });
  const none = await loupe.json('/api/v1/label/job/values?match[]=rw_ep_nothing');
  assert.deepEqual(none.json, { status: 'success', data: [] });

  const md = await loupe.json('/api/v1/metadata');
  assert.equal(md.status, 200);
  assert.equal(md.json.status, 'success');
  assert.equal(typeof md.json.data, 'object');

  const bi = await loupe.json('/api/v1/status/buildinfo');
  assert.equal(bi.status, 200);
  assert.equal(bi.json.status, 'success');
  assert.match(bi.json.data.version, /^\d+\.\d+\.\d+/);
  assert.equal(typeof bi.json.data.revision, 'string');
});

test('start and end select samples and series', async () => {
  const a = { labels: { __name__: 'rw_range', s: 'early' }, samples: [] };
  const b = { labels: { __name__: 'rw_range', s: 'late' }, samples: [] };
  for (let i = 0; i < 10; i++) a.samples.push([T + i * 1000, i]);
  for (let i = 0; i < 10; i++) b.samples.push([T + 100_000 + i * 1000, 100 + i]);
  await write([a, b]);
  const s = T / 1000;
  // unix seconds, inclusive at both ends
  assertExport(await loupe.export('rw_range', { start: s + 3, end: s + 6 }),
    [{ labels: a.labels, samples: a.samples.slice(3, 7) }]);
  // fractional seconds and RFC 3339
  assertExport(await loupe.export('rw_range', { start: s + 2.5, end: new Date(T + 101_000).toISOString() }),
    [{ labels: a.labels, samples: a.samples.slice(3) }, { labels: b.labels, samples: b.samples.slice(0, 2) }]);
  assertExport(await loupe.export('rw_range', { start: s + 105 }), [{ labels: b.labels, samples: b.samples.slice(5) }]);
  assertExport(await loupe.export('rw_range', { end: s + 0.5 }), [{ labels: a.labels, samples: a.samples.slice(0, 1) }]);
  assert.deepEqual(await loupe.export('rw_range', { start: s + 20, end: s + 90 }), []);

  assert.deepEqual(await loupe.series('rw_range', { start: s, end: s + 50 }), [a.labels]);
  assert.deepEqual(await loupe.series('rw_range', { start: s + 100, end: s + 200 }), [b.labels]);
  assert.deepEqual(await loupe.series('rw_range', { start: s + 20, end: s + 90 }), []);
  assert.deepEqual(await loupe.series('rw_range', { start: s + 5, end: s + 100 }), [a.labels, b.labels]);
  const lv = await loupe.json(`/api/v1/label/s/values?match[]=rw_range&start=${s + 100}&end=${s + 200}`);
  assert.deepEqual(lv.json, { status: 'success', data: ['late'] });

  const bad = await loupe.json('/api/v1/series?match[]=rw_range&start=yesterday');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.status, 'error');
  assert.equal(bad.json.errorType, 'bad_data');
  const reversed = await loupe.json(`/api/v1/series?match[]=rw_range&start=${s + 10}&end=${s}`);
  assert.equal(reversed.status, 400);
  assert.equal(reversed.json.errorType, 'bad_data');
});

test('several match[] select the union of their series, each once', async () => {
  const a = { labels: { __name__: 'rw_union_a', job: 'union' }, samples: [[T, 1]] };
  const b = { labels: { __name__: 'rw_union_b', job: 'union' }, samples: [[T, 2]] };
  const c = { labels: { __name__: 'rw_union_c', job: 'union_c' }, samples: [[T, 3]] };
  const d = { labels: { __name__: 'rw_union_d', job: 'union' }, samples: [[T, 4]] };
  await write([a, b, c, d]);
  const match = ['rw_union_a', '{__name__=~"rw_union_(a|b)"}', '{job="union_c"}'];
  assertExport(await loupe.export(match), [a, b, c]);
  assert.deepEqual(await loupe.series(match), [a.labels, b.labels, c.labels]);
  // negative and regex matchers, fully anchored
  assert.deepEqual(await loupe.series('{__name__=~"rw_union_.*",job!="union"}'), [c.labels]);
  assert.deepEqual(await loupe.series('{__name__=~"rw_union_.*",__name__!~"rw_union_[ab]"}'), [c.labels, d.labels]);
  assert.deepEqual(await loupe.series('{__name__=~"union_a"}'), [], 'regex matchers are anchored');
});

test('errors: 400 bad_data without match[], for a bad selector; 404 JSON for unknown API paths', async () => {
  for (const [p, init] of [
    ['/api/v1/series', undefined],
    ['/api/v1/series', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' }],
    ['/api/v1/export', undefined],
    ['/api/v1/series?match[]=' + encodeURIComponent('{__name__=~"("}'), undefined],
    ['/api/v1/series?match[]=' + encodeURIComponent('{job="x"'), undefined],
  ]) {
    const r = await loupe.json(p, init);
    assert.equal(r.status, 400, `${p}: ${r.body}`);
    assert.match(r.headers.get('content-type'), /application\/json/);
    assert.equal(r.json?.status, 'error', r.body);
    assert.equal(r.json.errorType, 'bad_data', r.body);
    assert.ok(r.json.error.length > 0);
  }
  for (const p of ['/api/v1/no_such_endpoint', '/api/v2/write', '/api/v1/label/job/nothing']) {
    const r = await loupe.json(p);
    assert.equal(r.status, 404, `${p}: ${r.body}`);
    assert.equal(r.json?.status, 'error', `${p}: ${r.body}`);
    assert.equal(typeof r.json.errorType, 'string');
    assert.equal(typeof r.json.error, 'string');
  }
});

test('--help and --version exit 0 and say something sensible', () => {
  const help = spawnSync(BIN, ['--help'], { env: hermeticEnv(), encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  for (const f of ['--data', '--http', '--otlp-http', '--otlp-grpc', '--config', '--retention-days', '--version'])
    assert.ok(help.stdout.includes(f), `--help mentions ${f}`);
  assert.match(help.stdout, /LOUPE_RETENTION_DAYS/);
  const ver = spawnSync(BIN, ['--version'], { env: hermeticEnv(), encoding: 'utf8' });
  assert.equal(ver.status, 0, ver.stderr);
  assert.match(ver.stdout, /^loupe \d+\.\d+\.\d+/);
  const bad = spawnSync(BIN, ['--no-such-flag', '1'], { env: hermeticEnv(), encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr + bad.stdout, /no-such-flag/);
});

test('retention_days: --config file < LOUPE_RETENTION_DAYS < --retention-days', async () => {
  const dir = tmpDir('loupe-e2e-cfg-');
  const cfg = path.join(dir, 'loupe.json');
  fs.writeFileSync(cfg, JSON.stringify({ retention_days: 3 }));
  const now = Date.now();
  const D = 86_400_000;
  const ages = [0.5, 1.5, 2.5, 3.5]; // days
  const labels = { __name__: 'rw_precedence' };
  // how many of the four samples each setup drops, and which it keeps
  const cases = [
    { what: 'config file (3 days)', args: ['--config', cfg], env: {}, keep: 3 },
    { what: 'config via LOUPE_CONFIG (3 days)', args: [], env: { LOUPE_CONFIG: cfg }, keep: 3 },
    { what: 'env over config (2 days)', args: ['--config', cfg], env: { LOUPE_RETENTION_DAYS: '2' }, keep: 2 },
    { what: 'flag over env and config (1 day)', args: ['--config', cfg, '--retention-days', '1'], env: { LOUPE_RETENTION_DAYS: '2' }, keep: 1 },
  ];
  try {
    // independent instances: run side by side
    const results = await Promise.allSettled(cases.map(async (c) => {
      const l = new Loupe({ args: c.args, env: c.env });
      try {
        await l.start();
        const samples = ages.map((d, i) => [now - Math.round(d * D), i]);
        const r = await remoteWrite(l.url, [{ labels, samples }]);
        assert.equal(r.status, 204, `${c.what}: ${r.text}`);
        const dropped = ages.length - c.keep;
        assert.match(r.headers.get('x-loupe-dropped') || '0', new RegExp(`^${dropped}\\b`), c.what);
        assert.equal(await l.metric('loupe_samples_rejected_total', { reason: 'too_old' }), dropped, c.what);
        assertExport(await l.export('rw_precedence'), [{ labels, samples: samples.slice(0, c.keep) }], c.what);
      } finally {
        await l.stop();
        l.cleanup();
      }
    }));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
