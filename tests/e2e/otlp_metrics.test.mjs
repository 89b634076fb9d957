// otlp_metrics.test.mjs - delta and cumulative temporality: two SDK meter
// providers (one per temporality, one exporter kind each) record the same
// observations in two export rounds; the series loupe makes of them
// (counter -> _total, histogram -> _bucket/_sum/_count) are the same,
// exactly, after each round.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLoupe, metering, AggregationTemporalityPreference, promQuery, eventually, stopLoupe } from './lib/otel.mjs';

let l;
before(async () => { l = await startLoupe(); });
after(() => stopLoupe(l));

/* Values that are exact in binary, so sums do not depend on the order of
 * additions (the SDK adds for cumulative, loupe for delta). */
const ROUNDS = [
  { counter: [[2, 'x'], [3, 'x']], hist: [1.5, 6] },
  { counter: [[10, 'x'], [1, 'y']], hist: [0.25, 100] },
];
const WANT = [
  { x: 5, y: undefined, buckets: { 1: 0, 5: 1, 10: 2, '+Inf': 2 }, sum: 7.5, count: 2 },
  { x: 15, y: 1, buckets: { 1: 1, 5: 2, 10: 3, '+Inf': 4 }, sum: 107.75, count: 4 },
];

async function snapshot(job, time) {
  const q = async (s) => promQuery(l, s, time);
  const val = (r) => (r.length === 1 ? r[0].value : r.length === 0 ? undefined : `${r.length} series`);
  const buckets = await q(`tmp_latency_bucket{job="${job}"}`);
  return {
    x: val(await q(`tmp_requests_total{job="${job}",k="x"}`)),
    y: val(await q(`tmp_requests_total{job="${job}",k="y"}`)),
    buckets: Object.fromEntries(buckets.map((b) => [b.metric.le, b.value])),
    sum: val(await q(`tmp_latency_sum{job="${job}"}`)),
    count: val(await q(`tmp_latency_count{job="${job}"}`)),
  };
}

const CASES = [['http/protobuf', 'delta', AggregationTemporalityPreference.DELTA],
  ['http/json', 'cumulative', AggregationTemporalityPreference.CUMULATIVE],
  ['grpc', 'delta', AggregationTemporalityPreference.DELTA]];

test('delta and cumulative temporality give the same series, round by round', async () => {
  const sdks = CASES.map(([kind, name, temporality]) => {
    const m = metering(kind, l, { 'service.name': `temporality-${name}-${kind.replace('/', '-')}` }, { temporality, exporterOptions: { keepAlive: false } });
    return {
      name: `${kind} ${name}`, m, job: `temporality-${name}-${kind.replace('/', '-')}`,
      counter: m.meter.createCounter('tmp_requests'),
      hist: m.meter.createHistogram('tmp_latency', { advice: { explicitBucketBoundaries: [1, 5, 10] } }),
    };
  });
  const times = [];
  for (const [i, round] of ROUNDS.entries()) {
    for (const s of sdks) {
      for (const [v, k] of round.counter) s.counter.add(v, { k });
      for (const v of round.hist) s.hist.record(v);
      await s.m.flush();
    }
    // the samples carry the SDK's collection time, which is before now
    times.push(Date.now() / 1000);
    for (const s of sdks) {
      const got = await eventually(async () => {
        const g = await snapshot(s.job, times[i]);
        assert.deepEqual(g, WANT[i]);
        return g;
      }, 5000, `${s.name} round ${i + 1}`).catch(async (e) => {
        throw new Error(`${s.name}, round ${i + 1}: ${JSON.stringify(await snapshot(s.job, times[i]))}, want ${JSON.stringify(WANT[i])} (${e.message})`);
      });
      assert.deepEqual(got, WANT[i]);
    }
  }
  // the first round, read again after the second: history is not rewritten
  for (const s of sdks) assert.deepEqual(await snapshot(s.job, times[0]), WANT[0], `${s.name}: round 1 afterwards`);
  for (const s of sdks) await s.m.shutdown();
});
