// durability.test.mjs - a 2xx means durable: remote-write in a loop, kill -9
// at random moments (also right after and during a flush, and during
// recovery), restart on the same data directory, and every acknowledged
// request is there, exactly.  Graceful stop (SIGTERM) under load keeps
// everything, exits 0 within 10 s and leaves no WAL behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Loupe, SLOW, seriesKey, tmpDir, until, withDeadline } from './lib/loupe.mjs';
import { remoteWrite } from './lib/remote_write.mjs';
import { floatId } from './lib/check.mjs';

const BASE = 1_700_000_000_000;
const POOL = 200;         // series reused across requests
const PER_REQUEST = 20;   // series per request
const SAMPLES = 5;        // samples per series per request
const WRITERS = 3;        // concurrent senders

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = (lo, hi) => lo + Math.random() * (hi - lo);

/* What was sent and what was acknowledged, sample by sample. */
class Model {
  constructor() {
    this.next = 0;
    this.sent = new Map();   // seriesKey -> Map(ts -> value)
    this.acked = [];         // request descriptions that got a 2xx
    this.failed = 0;
  }

  request() {
    const r = this.next++;
    const series = [];
    const picked = new Set();
    while (picked.size < PER_REQUEST) picked.add(Math.floor(Math.random() * POOL));
    for (const i of picked) {
      const samples = [];
      for (let j = 0; j < SAMPLES; j++) samples.push([BASE + r * 10 + j, Math.round(Math.random() * 1e6) / 100]);
      series.push({ labels: { __name__: 'dur_samples', i: String(i), pool: 'shared' }, samples });
    }
    // every tenth request also creates a series of its own
    if (r % 10 === 0) series.push({ labels: { __name__: 'dur_new_series', req: String(r) }, samples: [[BASE + r * 10, r]] });
    for (const s of series) {
      const k = seriesKey(s.labels);
      if (!this.sent.has(k)) this.sent.set(k, new Map());
      for (const [t, v] of s.samples) this.sent.get(k).set(t, v);
    }
    return { r, series };
  }

  /* Sends requests until stop() or until loupe goes away. */
  run(url) {
    this.stopped = false;
    const one = async () => {
      while (!this.stopped) {
        const req = this.request();
        let res;
        try {
          res = await remoteWrite(url, req.series);
        } catch {
          this.failed++;
          return; // connection refused or reset: loupe is gone
        }
        if (res.status >= 200 && res.status < 300) this.acked.push(req);
        else this.failed++;
      }
    };
    this.writers = Promise.all(Array.from({ length: WRITERS }, one));
    return this;
  }

  async stop() {
    this.stopped = true;
    await this.writers;
  }

  /* Every acknowledged sample is in the export with its value; nothing in the
   * export was never sent (no corruption, no invented samples). */
  async verify(loupe, what) {
    const got = new Map();
    for (const s of await loupe.export('{__name__=~"dur_.*"}')) {
      const m = new Map();
      for (let i = 0; i < s.timestamps.length; i++) m.set(s.timestamps[i], s.values[i]);
      assert.equal(m.size, s.timestamps.length, `${what}: duplicate timestamps in ${JSON.stringify(s.metric)}`);
      for (let i = 1; i < s.timestamps.length; i++)
        assert.ok(s.timestamps[i - 1] < s.timestamps[i], `${what}: timestamps sorted in ${JSON.stringify(s.metric)}`);
      got.set(seriesKey(s.metric), m);
    }
    let missing = 0;
    let firstMissing;
    for (const req of this.acked)
      for (const s of req.series) {
        const m = got.get(seriesKey(s.labels));
        for (const [t, v] of s.samples) {
          if (!m || !m.has(t) || floatId(m.get(t)) !== floatId(v)) {
            missing++;
            firstMissing ??= `request ${req.r}: ${JSON.stringify(s.labels)} @${t}=${v}, got ${m ? m.get(t) : 'no series'}`;
          }
        }
      }
    assert.equal(missing, 0, `${what}: ${missing} acknowledged samples missing or wrong, e.g. ${firstMissing}`);
    for (const [k, m] of got) {
      const sent = this.sent.get(k);
      assert.ok(sent, `${what}: series never sent: ${k}`);
      for (const [t, v] of m)
        assert.ok(sent.has(t) && floatId(sent.get(t)) === floatId(v), `${what}: ${k} @${t}=${v} was never sent`);
    }
    return { acked: this.acked.length, series: got.size };
  }
}

test('kill -9 at random moments loses no acknowledged request', async (t) => {
  const dataDir = tmpDir('loupe-e2e-dur-');
  const model = new Model();
  let loupe;
  t.after(async () => {
    if (loupe) await loupe.kill9();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const start = async () => {
    loupe = new Loupe({ dataDir, keepData: true, args: ['--retention-days', '0'] });
    await loupe.start();
  };
  /* write for a while, do `moment`, kill -9, restart, verify */
  const round = async (what, moment) => {
    const t0 = Date.now();
    await start();
    model.run(loupe.url);
    const ackedBefore = model.acked.length;
    // let some requests through first
    await until(() => model.acked.length >= ackedBefore + 20, { timeoutMs: 10000, what: 'first acknowledgements' });
    const note = await moment();
    await loupe.kill9();
    await model.stop();
    const t1 = Date.now();
    await start();
    const t2 = Date.now();
    const v = await model.verify(loupe, what);
    t.diagnostic(`${what}: ${model.acked.length - ackedBefore} requests acknowledged this round, ${v.acked} in all, `
      + `${v.series} series${note ? `; ${note}` : ''} (writes ${t1 - t0} ms, restart ${t2 - t1} ms, verify ${Date.now() - t2} ms)`);
    await loupe.kill9();
  };

  for (let i = 0; i < 3; i++)
    await round(`random moment ${i + 1}`, async () => { await sleep(rand(0, 1500)); });
  await round('right after a flush', async () => {
    await sleep(rand(100, 600));
    await loupe.flush();
  });
  await round('during a flush', async () => {
    await sleep(rand(300, 800));
    let done = false;
    const f = loupe.flush().then(() => { done = true; }, () => {});
    await sleep(rand(0, 15));
    const note = done ? 'the flush had already finished' : 'the flush was in progress';
    return note;
  });
  await round('soon after a restart', async () => {
    // the previous rounds left a WAL to replay; now kill soon after ready
    await sleep(rand(0, 100));
  });

  // kill -9 while recovering, then a clean start
  await start();
  model.run(loupe.url);
  const backlog = model.acked.length + 200;
  await until(() => model.acked.length >= backlog, { timeoutMs: 20000, what: 'a backlog of writes' });
  await loupe.kill9();
  await model.stop();
  const replaying = new Loupe({ dataDir, keepData: true, args: ['--retention-days', '0'] });
  const starting = replaying.start().catch(() => {});
  await until(() => replaying.proc, { what: 'loupe spawned' });
  await sleep(rand(0, 30));
  await replaying.kill9();
  await starting;
  await start();
  const v = await model.verify(loupe, 'after a kill during recovery');
  t.diagnostic(`after a kill during recovery: ${v.acked} requests acknowledged in all, ${model.failed} failed`);
  const st = await loupe.stop();
  assert.equal(st.code, 0, `exit status ${JSON.stringify(st)}\n${loupe.log}`);
});

function walFiles(dataDir) {
  const wal = path.join(dataDir, 'wal');
  if (!fs.existsSync(wal)) return [];
  return fs.readdirSync(wal, { recursive: true });
}

test('graceful stop under load keeps everything, exits 0 within 10 s, leaves no WAL', async (t) => {
  const dataDir = tmpDir('loupe-e2e-graceful-');
  const model = new Model();
  let loupe;
  t.after(async () => {
    if (loupe) await loupe.kill9();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  for (let round = 1; round <= 2; round++) {
    loupe = new Loupe({ dataDir, keepData: true, args: ['--retention-days', '0'] });
    await loupe.start();
    if (round > 1) await model.verify(loupe, `restart ${round}`);
    model.run(loupe.url);
    await until(() => model.acked.length >= 50 * round, { timeoutMs: 10000, what: 'acknowledged writes' });
    await sleep(rand(0, 500));
    const t0 = Date.now();
    const exited = loupe.stop();
    const st = await withDeadline(exited, 10_000);
    const ms = Date.now() - t0;
    await model.stop();
    assert.notEqual(st, 'timeout', `loupe did not exit within ${10 * SLOW} s of SIGTERM\n${loupe.log}`);
    assert.equal(st.code, 0, `exit status ${JSON.stringify(st)}\n${loupe.log}`);
    t.diagnostic(`round ${round}: stopped in ${ms} ms with ${model.acked.length} requests acknowledged`);
    assert.deepEqual(walFiles(dataDir), [], 'no WAL segment left after a graceful stop');
  }
  loupe = new Loupe({ dataDir, keepData: true, args: ['--retention-days', '0'] });
  await loupe.start();
  await model.verify(loupe, 'after graceful restarts');
  const st = await loupe.stop();
  assert.equal(st.code, 0);
});
