// lib/write.mjs - remote-write requests whose sample values are given as raw
// 8-byte float64s, so NaN payloads (the staleness marker 0x7ff0000000000002,
// Go's NaN 0x7ff8000000000001) reach the server bit for bit.  protobufjs (and
// JavaScript numbers in general) may canonicalise NaN bits, so the Sample
// messages are written by hand with the helpers of tests/e2e/lib/remote_write.mjs;
// selfCheck() verifies the hand-made encoding against encodeWrite (protobufjs).
import { encodeWrite, pbBytes, pbTag, pbVarint, remoteWrite, snappyCompress } from '../../e2e/lib/remote_write.mjs';

/* WriteRequest bytes: series = [{ labels: [[name, value], ...] (sent as given), samples: [[ts_ms, Buffer(8) LE]] }]. */
export function encodeRawWrite(series) {
  const parts = [];
  for (const s of series) {
    const fields = [];
    for (const [n, v] of s.labels) fields.push(pbBytes(1, Buffer.concat([pbBytes(1, n), pbBytes(2, v)])));
    for (const [t, buf] of s.samples) {
      if (buf.length !== 8) throw new Error('sample value must be 8 bytes');
      fields.push(pbBytes(2, Buffer.concat([pbTag(1, 1), buf, pbTag(2, 0), pbVarint(t)])));
    }
    parts.push(pbBytes(1, Buffer.concat(fields)));
  }
  return Buffer.concat(parts);
}

export function selfCheck() {
  const series = [{ labels: [['__name__', 'x'], ['a', 'é"\\']], samples: [[0, 1.5], [300000, -2e-300], [600000, Infinity]] }];
  const want = encodeWrite(series.map((s) => ({ labels: s.labels, samples: s.samples })));
  const raw = encodeRawWrite(series.map((s) => ({ labels: s.labels, samples: s.samples.map(([t, v]) => {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v, 0);
    return [t, b];
  }) })));
  if (!want.equals(raw)) throw new Error('hand-made remote-write encoding differs from protobufjs encodeWrite');
}

/* Sends one raw-encoded request; resolves with { status, text }. */
export async function writeRaw(baseUrl, series) {
  return remoteWrite(baseUrl, null, { raw: snappyCompress(encodeRawWrite(series)) });
}

/* Writes series = [{ labels, samples: [[t, buf]] }] in requests of at most
 * maxSamples samples, in global timestamp order: every request holds samples
 * no older than those of the requests before it, and within a request each
 * series' samples are in time order and series are ordered by their first
 * sample.  That is what Prometheus's TSDB needs to accept everything without
 * an out-of-order window (its head only takes samples newer than
 * maxTime - chunkRange/2, decided when a request starts).  Labels with empty
 * values are dropped (Prometheus's TSDB drops them too).  Throws on a non-2xx answer. */
export async function loadSeries(baseUrl, series, { maxSamples = 10000 } = {}) {
  const all = [];
  series.forEach((s, si) => { for (const [t, buf] of s.samples) all.push({ si, t, buf }); });
  all.sort((a, b) => a.t - b.t || a.si - b.si);
  let requests = 0;
  for (let i = 0; i < all.length; i += maxSamples) {
    const chunk = all.slice(i, i + maxSamples);
    const bySeries = new Map();
    for (const x of chunk) {
      let e = bySeries.get(x.si);
      if (!e) bySeries.set(x.si, (e = { labels: series[x.si].labels.filter(([, v]) => v !== ''), samples: [] }));
      e.samples.push([x.t, x.buf]);
    }
    const r = await writeRaw(baseUrl, [...bySeries.values()]);
    requests++;
    if (r.status < 200 || r.status >= 300) throw new Error(`remote write failed: HTTP ${r.status} ${r.text.trim().slice(0, 300)}`);
  }
  return { samples: all.length, requests };
}
