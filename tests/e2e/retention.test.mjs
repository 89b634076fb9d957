// retention.test.mjs - retention by age at ingest: samples older than the
// window are dropped and counted (loupe_samples_rejected_total{reason="too_old"},
// X-Loupe-Dropped), the rest of the request is stored; retention 0 keeps
// every timestamp, even t=0.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Loupe, SLOW, withDeadline } from './lib/loupe.mjs';
import { remoteWrite } from './lib/remote_write.mjs';
import { assertExport } from './lib/check.mjs';

const H = 3_600_000;
const D = 24 * H;

async function withLoupe(t, args, fn) {
  const loupe = new Loupe({ args });
  t.after(async () => {
    await loupe.kill9();
    loupe.cleanup();
  });
  await loupe.start();
  return fn(loupe);
}

function droppedHeader(r) {
  const h = r.headers.get('x-loupe-dropped');
  if (h === null) return 0;
  const m = /^(\d+)\b/.exec(h);
  assert.ok(m, `X-Loupe-Dropped says how many: ${h}`);
  return Number(m[1]);
}

async function counts(loupe) {
  return {
    received: await loupe.metric('loupe_samples_received_total', { source: 'remote_write' }),
    stored: await loupe.metric('loupe_samples_stored_total', { source: 'remote_write' }),
    tooOld: await loupe.metric('loupe_samples_rejected_total', { source: 'remote_write', reason: 'too_old' }),
  };
}

test('--retention-days 1: older samples dropped and counted, the rest of the request stored', async (t) => {
  await withLoupe(t, ['--retention-days', '1'], async (loupe) => {
    const now = Date.now();
    const mixed = { labels: { __name__: 'ret_mixed', job: 'r' },
      samples: [[now - 3 * D, 1], [now - D - H, 2], [now - D + H, 3], [now - H, 4], [now, 5]] };
    const allOld = { labels: { __name__: 'ret_all_old', job: 'r' }, samples: [[now - 2 * D, 1], [now - 400 * D, 2]] };
    const allNew = { labels: { __name__: 'ret_all_new', job: 'r' }, samples: [[now - 20 * H, 1], [now - 1000, 2]] };
    const c0 = await counts(loupe);
    // out of order on purpose: old samples after new ones
    const r = await remoteWrite(loupe.url, [allNew, { ...mixed, samples: [...mixed.samples].reverse() }, allOld]);
    assert.equal(r.status, 204, r.text);
    assert.equal(droppedHeader(r), 4, 'X-Loupe-Dropped');
    const c1 = await counts(loupe);
    assert.equal(c1.received - c0.received, 9, 'received');
    assert.equal(c1.tooOld - c0.tooOld, 4, 'rejected{reason="too_old"}');
    assert.equal(c1.stored - c0.stored, 5, 'stored');

    const kept = [allNew, { labels: mixed.labels, samples: mixed.samples.slice(2) }];
    const check = async (what) => {
      assertExport(await loupe.export('{job="r"}'), kept, what);
      assert.deepEqual(await loupe.series('{job="r"}'), [allNew.labels, mixed.labels], `${what}: a series with only dropped samples does not exist`);
      const names = await loupe.json('/api/v1/label/__name__/values');
      assert.ok(!names.json.data.includes('ret_all_old'), `${what}: ${names.body}`);
    };
    await check('from the head');

    // a request of nothing but old samples is a success that stores nothing
    const r2 = await remoteWrite(loupe.url, [{ labels: { __name__: 'ret_all_old', job: 'r' }, samples: [[now - 5 * D, 7]] }]);
    assert.equal(r2.status, 204, r2.text);
    assert.equal(droppedHeader(r2), 1);
    const c2 = await counts(loupe);
    assert.equal(c2.tooOld - c1.tooOld, 1);
    assert.equal(c2.stored, c1.stored);

    // a request with nothing too old carries no X-Loupe-Dropped
    const r3 = await remoteWrite(loupe.url, [{ labels: allNew.labels, samples: [[now - 10 * H, 9]] }]);
    assert.equal(r3.status, 204, r3.text);
    assert.equal(r3.headers.get('x-loupe-dropped'), null);
    kept[0] = { labels: allNew.labels, samples: [...allNew.samples, [now - 10 * H, 9]] };
    await check('after more writes');

    await loupe.flush();
    await check('after flush');
    assert.equal(await loupe.metric('loupe_samples_rejected_total', { reason: 'too_old' }), c2.tooOld,
      'only too_old rejections');
  });
});

test('--retention-days 1: dropped samples stay dropped over a restart', async (t) => {
  await withLoupe(t, ['--retention-days', '1'], async (loupe) => {
    const now = Date.now();
    const s = { labels: { __name__: 'ret_restart' }, samples: [[now - 2 * D, 1], [now - H, 2]] };
    const r = await remoteWrite(loupe.url, [s]);
    assert.equal(r.status, 204, r.text);
    assert.equal(droppedHeader(r), 1);
    const st = await loupe.stop();
    assert.equal(st.code, 0, loupe.log);
    const again = new Loupe({ dataDir: loupe.dataDir, args: ['--retention-days', '1'] });
    try {
      await again.start();
      assertExport(await again.export('ret_restart'), [{ labels: s.labels, samples: [[now - H, 2]] }]);
    } finally {
      await again.kill9();
    }
  });
});

test('default retention (30 days)', async (t) => {
  await withLoupe(t, [], async (loupe) => {
    const now = Date.now();
    const s = { labels: { __name__: 'ret_default' }, samples: [[now - 31 * D, 1], [now - 29 * D, 2], [now, 3]] };
    const r = await remoteWrite(loupe.url, [s]);
    assert.equal(r.status, 204, r.text);
    assert.equal(droppedHeader(r), 1);
    assertExport(await loupe.export('ret_default'), [{ labels: s.labels, samples: s.samples.slice(1) }]);
  });
});

test('--retention-days 0: every timestamp is accepted, t=0 included', async (t) => {
  await withLoupe(t, ['--retention-days', '0'], async (loupe) => {
    // (each series spans a short time: wide spans are the next tests' subject)
    const s = { labels: { __name__: 'ret_epoch', job: 'r0' }, samples: [[0, 1], [1, 2], [86_400_000, 3]] };
    const y2k = { labels: { __name__: 'ret_epoch', job: 'y2k' }, samples: [[946_684_800_000, 4]] };
    const now = { labels: { __name__: 'ret_epoch', job: 'now' }, samples: [[Date.now(), 5]] };
    const c0 = await counts(loupe);
    const r = await remoteWrite(loupe.url, [s, y2k, now]);
    assert.equal(r.status, 204, r.text);
    assert.equal(r.headers.get('x-loupe-dropped'), null);
    const c1 = await counts(loupe);
    assert.equal(c1.stored - c0.stored, 5);
    assert.equal(c1.tooOld, 0);
    assertExport(await loupe.export('ret_epoch'), [s, y2k, now]);
    assertExport(await loupe.export('ret_epoch', { start: 0, end: 0 }), [{ labels: s.labels, samples: [[0, 1]] }]);
    assertExport(await loupe.export('ret_epoch', { start: '1970-01-01T00:00:00Z', end: '1970-01-02T00:00:00Z' }), [s]);
    assert.deepEqual(await loupe.series('ret_epoch', { start: 0, end: 1 }), [s.labels]);
    await loupe.flush();
    assertExport(await loupe.export('ret_epoch'), [s, y2k, now], 'after flush');
  });
});

/* With retention 0, data at t=0 next to current data is legitimate (tests
 * load data at t=0).  A few hundred samples must compact in seconds, however
 * wide the time span they cover. */
function wideSeries(n) {
  const now = Date.now();
  const out = [];
  for (let i = 0; i < n; i++) out.push({ labels: { __name__: 'ret_wide', i: String(i) }, samples: [[i, 1], [now - i, 2]] });
  return out;
}

test('--retention-days 0: samples from 1970 to now flush in time', async (t) => {
  await withLoupe(t, ['--retention-days', '0'], async (loupe) => {
    const series = wideSeries(200);
    const r = await remoteWrite(loupe.url, series);
    assert.equal(r.status, 204, r.text);
    const t0 = Date.now();
    const done = await withDeadline(loupe.flush().then(() => 'flushed'), 5_000);
    assert.equal(done, 'flushed', `POST /api/v1/admin/flush of 400 samples spanning 1970..now still running after ${Date.now() - t0} ms`);
    assertExport(await loupe.export('ret_wide'), series);
  });
});

test('--retention-days 0: samples from 1970 to now, graceful stop within 10 s', async (t) => {
  await withLoupe(t, ['--retention-days', '0'], async (loupe) => {
    const series = wideSeries(200);
    const r = await remoteWrite(loupe.url, series);
    assert.equal(r.status, 204, r.text);
    const t0 = Date.now();
    const st = await withDeadline(loupe.stop(), 10_000);
    assert.notEqual(st, 'timeout', `loupe still running ${Date.now() - t0} ms after SIGTERM`);
    assert.equal(st.code, 0, loupe.log);
    const again = new Loupe({ dataDir: loupe.dataDir, args: ['--retention-days', '0'] });
    try {
      await again.start();
      assertExport(await again.export('ret_wide'), series);
    } finally {
      await again.kill9();
    }
  });
});
