// bad_requests.test.mjs - malformed and oversized remote-write requests: each
// gets a 4xx with a message, nothing of the request is stored (not even the
// valid series beside the bad one), and loupe stays ready and keeps working.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Loupe } from './lib/loupe.mjs';
import {
  encodeWrite, pbBytes, pbSample, pbTag, pbTimeSeries, pbVarint, remoteWrite, snappyCompress,
  snappyWithDeclaredLength, WriteRequest,
} from './lib/remote_write.mjs';
import { assertExport } from './lib/check.mjs';

const MAX_DECOMPRESSED = 4 << 20;
const MAX_REQUEST = 2 << 20;
const T = 1_700_000_000_000;
let loupe;

before(async () => {
  loupe = new Loupe({ args: ['--retention-days', '0', '--max-decompressed-bytes', '4MiB',
    '--max-request-bytes', '2MiB'] });
  await loupe.start();
});
after(async () => {
  if (loupe) {
    const st = await loupe.stop();
    loupe.cleanup();
    assert.equal(st.code, 0, `loupe exit status ${JSON.stringify(st)}\n${loupe.log}`);
  }
});

/* Two valid series around the bad part, so "nothing stored" is checked on
 * both sides of it; metadata rides along too. */
function companions(tag) {
  return {
    before: pbTimeSeries([['__name__', `bad_companion_${tag}`], ['side', 'before']], [[T, 1], [T + 1000, 2]]),
    after: pbTimeSeries([['__name__', `bad_companion_${tag}`], ['side', 'after']], [[T, 3]]),
    samples: 3,
    // a WriteRequest holding only metadata: concatenated, its fields merge into the request
    metadata: Buffer.from(WriteRequest.encode(WriteRequest.fromObject(
      { metadata: [{ type: 1, metricFamilyName: `bad_companion_${tag}`, help: 'x' }] })).finish()),
  };
}

/* A WriteRequest of [valid, bad series, valid, metadata], snappy-compressed. */
function withBadSeries(tag, labels, samples = [[T, 42]]) {
  const c = companions(tag);
  return { body: snappyCompress(Buffer.concat([c.before, pbTimeSeries(labels, samples), c.after, c.metadata])),
    samples: c.samples + samples.length };
}

const manyLabels = () => {
  const ls = [['__name__', 'bad_many_labels']];
  for (let i = 0; i < 100_000; i++) ls.push([`l${i.toString(36)}`, 'v']);
  return ls;
};

/* status: the expected code; names: text the message must contain (the
 * offending series); counted: the request's samples show up in
 * loupe_samples_rejected_total (only where loupe could decode them). */
const cases = [
  { tag: 'truncated', status: 400, what: 'truncated protobuf', make: () => {
    const c = companions('truncated');
    const pb = Buffer.concat([c.before, pbTimeSeries([['__name__', 'bad_truncated']], [[T, 1], [T + 1, 2]])]);
    return { body: snappyCompress(pb.subarray(0, pb.length - 5)) };
  } },
  { tag: 'truncated_len', status: 400, what: 'length prefix beyond the end', make: () => {
    const c = companions('truncated_len');
    return { body: snappyCompress(Buffer.concat([c.before, pbTag(1, 2), pbVarint(1000), Buffer.from('abc')])) };
  } },
  { tag: 'bad_snappy', status: 400, what: 'bad snappy', make: () => {
    const c = companions('bad_snappy');
    const good = snappyCompress(Buffer.concat([c.before, c.after]));
    const body = Buffer.from(good);
    body.fill(0xff, 3); // keep the length header, garble the stream
    return { body };
  } },
  { tag: 'not_snappy', status: 400, what: 'uncompressed protobuf sent as snappy', make: () => {
    const c = companions('not_snappy');
    return { body: Buffer.concat([c.before, c.after]) };
  } },
  { tag: 'snappy_short', status: 400, what: 'snappy stream shorter than it declares', make: () => {
    const c = companions('snappy_short');
    return { body: snappyWithDeclaredLength(1000, Buffer.concat([c.before]).subarray(0, 50)) };
  } },
  { tag: 'declared_huge', status: 413, what: 'snappy header declaring 4 GiB', make: () =>
    ({ body: snappyWithDeclaredLength(0xffffffff, Buffer.from('bad_companion_declared_huge')) }) },
  { tag: 'declared_over', status: 413, what: 'snappy header declaring limit + 1', make: () =>
    ({ body: snappyWithDeclaredLength(MAX_DECOMPRESSED + 1, Buffer.from('bad_companion_declared_over')) }) },
  { tag: 'decompresses_over', status: 413, what: 'valid snappy decompressing past the limit', make: () => {
    const c = companions('decompresses_over');
    return { body: snappyCompress(Buffer.concat([c.before,
      pbTimeSeries([['__name__', 'bad_decompresses_over'], ['v', 'x'.repeat(MAX_DECOMPRESSED)]], [[T, 1]]), c.after])) };
  } },
  { tag: 'body_over', status: 413, what: 'body over --max-request-bytes', make: () => {
    const c = companions('body_over');
    const pb = [c.before];
    // incompressible label values, so the snappy body itself is large
    for (let i = 0; i < 40; i++)
      pb.push(pbTimeSeries([['__name__', 'bad_body_over'], ['i', String(i)], ['v', crypto.randomBytes(40_000).toString('base64')]], [[T, 1]]));
    const body = snappyCompress(Buffer.concat([...pb, c.after]));
    assert.ok(body.length > MAX_REQUEST && body.length < MAX_DECOMPRESSED);
    return { body };
  } },
  { tag: 'body_over_chunked', status: 413, what: 'chunked body over --max-request-bytes', chunked: true, make: () => {
    const c = companions('body_over_chunked');
    const pb = [c.before];
    for (let i = 0; i < 40; i++)
      pb.push(pbTimeSeries([['__name__', 'bad_body_over'], ['i', String(i)], ['v', crypto.randomBytes(40_000).toString('base64')]], [[T, 1]]));
    return { body: snappyCompress(Buffer.concat([...pb, c.after])) };
  } },
  { tag: 'dup', status: 400, counted: true, names: 'bad_dup_labels', what: 'duplicate label names',
    make: () => withBadSeries('dup', [['__name__', 'bad_dup_labels'], ['a', '1'], ['a', '2']]) },
  { tag: 'dup_same', status: 400, counted: true, names: 'bad_dup_same', what: 'the same label twice',
    make: () => withBadSeries('dup_same', [['__name__', 'bad_dup_same'], ['a', '1'], ['a', '1']]) },
  { tag: 'dup_name', status: 400, counted: true, names: 'bad_dup_name', what: 'two __name__ labels',
    make: () => withBadSeries('dup_name', [['__name__', 'bad_dup_name'], ['__name__', 'bad_dup_name2']]) },
  { tag: 'empty_name', status: 400, counted: true, names: 'bad_empty_label_name', what: 'empty label name',
    make: () => withBadSeries('empty_name', [['__name__', 'bad_empty_label_name'], ['', 'v']]) },
  { tag: 'no_name', status: 400, counted: true, names: 'nameless_job', what: 'missing __name__',
    make: () => withBadSeries('no_name', [['job', 'nameless_job'], ['instance', 'x']]) },
  { tag: 'empty_metric_name', status: 400, counted: true, names: 'nameless_job2', what: 'empty __name__',
    make: () => withBadSeries('empty_metric_name', [['__name__', ''], ['job', 'nameless_job2']]) },
  { tag: 'utf8_value', status: 400, counted: true, names: 'bad_utf8_value', what: 'invalid UTF-8 in a label value',
    make: () => withBadSeries('utf8_value', [['__name__', 'bad_utf8_value'], ['a', Buffer.from([0x61, 0xff, 0xfe, 0x62])]]) },
  { tag: 'utf8_surrogate', status: 400, counted: true, names: 'bad_utf8_surrogate', what: 'UTF-16 surrogate encoded in a label value',
    make: () => withBadSeries('utf8_surrogate', [['__name__', 'bad_utf8_surrogate'], ['a', Buffer.from([0xed, 0xa0, 0x80])]]) },
  { tag: 'utf8_overlong', status: 400, counted: true, names: 'bad_utf8_overlong', what: 'overlong UTF-8 in a label value',
    make: () => withBadSeries('utf8_overlong', [['__name__', 'bad_utf8_overlong'], ['a', Buffer.from([0xc0, 0xaf])]]) },
  { tag: 'utf8_cut', status: 400, counted: true, names: 'bad_utf8_cut', what: 'UTF-8 sequence cut short',
    make: () => withBadSeries('utf8_cut', [['__name__', 'bad_utf8_cut'], ['a', Buffer.from([0x61, 0xe2, 0x82])]]) },
  { tag: 'utf8_label_name', status: 400, counted: true, names: 'bad_utf8_label_name', what: 'invalid UTF-8 in a label name',
    make: () => withBadSeries('utf8_label_name', [['__name__', 'bad_utf8_label_name'], [Buffer.from([0xc3, 0x28]), 'v']]) },
  { tag: 'utf8_metric_name', status: 400, counted: true, names: 'utf8_metric_job', what: 'invalid UTF-8 in __name__',
    make: () => withBadSeries('utf8_metric_name', [['__name__', Buffer.from([0x62, 0x80])], ['job', 'utf8_metric_job']]) },
  { tag: 'mb_value', status: 400, counted: true, names: 'bad_1mb_value', what: 'a 1 MB label value',
    make: () => withBadSeries('mb_value', [['__name__', 'bad_1mb_value'], ['a', 'y'.repeat(1_000_000)]]) },
  { tag: 'many_labels', status: 400, counted: true, names: 'bad_many_labels', what: '100k labels in one series',
    make: () => withBadSeries('many_labels', manyLabels()) },
  { tag: 'wire_type_ts', status: 400, what: 'wrong wire type for WriteRequest.timeseries', make: () => {
    const c = companions('wire_type_ts');
    return { body: snappyCompress(Buffer.concat([c.before, pbTag(1, 0), pbVarint(5), c.after])) };
  } },
  { tag: 'wire_type_label', status: 400, what: 'wrong wire type for TimeSeries.labels', make: () => {
    const c = companions('wire_type_label');
    return { body: snappyCompress(Buffer.concat([c.before, pbBytes(1, Buffer.concat([pbTag(1, 0), pbVarint(3), pbSample(T, 1)])), c.after])) };
  } },
  { tag: 'wire_type_sample', status: 400, what: 'wrong wire type for Sample.value', make: () => {
    const c = companions('wire_type_sample');
    const sample = pbBytes(2, Buffer.concat([pbTag(1, 0), pbVarint(7), pbTag(2, 0), pbVarint(T)]));
    const ts = pbBytes(1, Buffer.concat([pbBytes(1, Buffer.concat([pbBytes(1, '__name__'), pbBytes(2, 'bad_wire_sample')])), sample]));
    return { body: snappyCompress(Buffer.concat([c.before, ts, c.after])) };
  } },
];

async function counters() {
  const ms = await loupe.metrics();
  const sum = (name, labels = {}) => ms.filter((m) => m.name === name &&
    Object.entries(labels).every(([k, v]) => m.labels[k] === v)).reduce((a, m) => a + m.value, 0);
  return {
    stored: sum('loupe_samples_stored_total', { source: 'remote_write' }),
    rejected: sum('loupe_samples_rejected_total', { source: 'remote_write' }),
    byCode: (code) => sum('loupe_http_requests_total', { route: '/api/v1/write', code: String(code) }),
  };
}

async function post(body, chunked) {
  const init = { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy',
    'X-Prometheus-Remote-Write-Version': '0.1.0' } };
  if (chunked) {
    // a stream: sent with Transfer-Encoding: chunked, no Content-Length
    init.body = new ReadableStream({ start(c) {
      for (let i = 0; i < body.length; i += 65536) c.enqueue(body.subarray(i, i + 65536));
      c.close();
    } });
    init.duplex = 'half';
  } else {
    init.body = body;
  }
  try {
    const r = await fetch(`${loupe.url}/api/v1/write`, init);
    return { status: r.status, text: await r.text(), ctype: r.headers.get('content-type') || '' };
  } catch (e) {
    // a server may answer 413 and close before the whole body is sent
    return { status: 0, text: String(e.cause || e) };
  }
}

function errorMessage(r) {
  if (/json/.test(r.ctype)) {
    const j = JSON.parse(r.text);
    assert.equal(j.status, 'error');
    return j.error;
  }
  return r.text;
}

for (const c of cases) {
  test(`${c.what} → ${c.status}, nothing stored, still ready`, async () => {
    const { body, samples } = c.make();
    const before = await counters();
    const r = await post(body, c.chunked);
    assert.equal(r.status, c.status, `status: ${r.status} ${r.text.slice(0, 500)}`);
    const msg = errorMessage(r).trim();
    assert.ok(msg.length > 0, 'the answer says what is wrong');
    assert.ok(msg.length < 4096, `the message stays short (${msg.length} bytes)`);
    if (c.names) assert.ok(msg.includes(c.names), `the message names the series: ${msg}`);

    // nothing of the request was stored
    const sel = `{__name__=~"bad_companion_${c.tag}|bad_.*"}`;
    assert.deepEqual(await loupe.series(sel), [], 'no series of the request');
    assert.deepEqual(await loupe.export(sel), [], 'no samples of the request');
    const md = await loupe.json(`/api/v1/metadata?metric=bad_companion_${c.tag}`);
    assert.deepEqual(md.json?.data, {}, 'no metadata of the request');

    const after = await counters();
    assert.equal(after.stored, before.stored, 'loupe_samples_stored_total unchanged');
    assert.equal(after.byCode(c.status), before.byCode(c.status) + 1, `loupe_http_requests_total{code="${c.status}"} + 1`);
    if (c.counted) assert.equal(after.rejected, before.rejected + samples, 'loupe_samples_rejected_total counts the request');
    else assert.ok(after.rejected >= before.rejected);

    // still ready, still accepting
    assert.equal((await loupe.get('/readyz')).status, 200);
    const good = [{ labels: { __name__: 'good_after', case: c.tag }, samples: [[T, 1], [T + 1000, 2]] }];
    const w = await remoteWrite(loupe.url, good);
    assert.equal(w.status, 204, w.text);
    assertExport(await loupe.export(`good_after{case="${c.tag}"}`), good);
    assert.equal((await counters()).stored, after.stored + 2);
  });
}

test('an empty WriteRequest is fine (nothing to store); an empty body is not a crash', async () => {
  for (const body of [snappyCompress(Buffer.alloc(0)), snappyCompress(encodeWrite([]))]) {
    const r = await remoteWrite(loupe.url, null, { raw: body });
    assert.equal(r.status, 204, r.text);
  }
  const r = await remoteWrite(loupe.url, null, { raw: Buffer.alloc(0) });
  assert.ok(r.status === 204 || r.status === 400, `${r.status} ${r.text}`);
  assert.equal((await loupe.get('/readyz')).status, 200);
});

test('an unsupported Content-Encoding is refused', async () => {
  const body = snappyCompress(encodeWrite([{ labels: { __name__: 'bad_encoding' }, samples: [[T, 1]] }]));
  const r = await remoteWrite(loupe.url, null, { raw: body, headers: { 'Content-Encoding': 'br' } });
  assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text}`);
  assert.deepEqual(await loupe.series('bad_encoding'), []);
});

test('known series beside an invalid one get none of the request\'s samples', async () => {
  const known = { __name__: 'known_series', job: 'k' };
  let w = await remoteWrite(loupe.url, [{ labels: known, samples: [[T, 1]] }]);
  assert.equal(w.status, 204, w.text);
  const before = await counters();
  const body = snappyCompress(Buffer.concat([
    pbTimeSeries([['__name__', 'known_series'], ['job', 'k']], [[T + 1000, 2]]),
    pbTimeSeries([['__name__', 'bad_beside_known'], ['x', '1'], ['x', '2']], [[T, 1]]),
    // the same known series again, labels out of order
    pbTimeSeries([['job', 'k'], ['__name__', 'known_series']], [[T + 2000, 3]]),
  ]));
  const r = await post(body);
  assert.equal(r.status, 400, r.text);
  assert.ok(r.text.includes('bad_beside_known'), r.text);
  assertExport(await loupe.export('known_series'), [{ labels: known, samples: [[T, 1]] }]);
  const after = await counters();
  assert.equal(after.stored, before.stored);
  assert.equal(after.rejected, before.rejected + 3);
  w = await remoteWrite(loupe.url, [{ labels: known, samples: [[T + 3000, 4]] }]);
  assert.equal(w.status, 204, w.text);
  assertExport(await loupe.export('known_series'), [{ labels: known, samples: [[T, 1], [T + 3000, 4]] }]);
});
