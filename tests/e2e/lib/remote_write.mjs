// lib/remote_write.mjs - encodes Prometheus remote-write 1.0 requests
// (protobuf WriteRequest + snappy block format) with protobufjs and snappyjs,
// independently of loupe's own C decoder.
import protobuf from 'protobufjs';
import snappy from 'snappyjs';

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 },
                                  metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 } } },
        TimeSeries: { fields: { labels: { rule: 'repeated', type: 'Label', id: 1 },
                                samples: { rule: 'repeated', type: 'Sample', id: 2 } } },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        MetricMetadata: { fields: { type: { type: 'int32', id: 1 }, metricFamilyName: { type: 'string', id: 2 },
                                    help: { type: 'string', id: 4 }, unit: { type: 'string', id: 5 } } },
      },
    },
  },
});
export const WriteRequest = root.lookupType('prometheus.WriteRequest');

/* series: [{ labels: {__name__: 'x', a: 'b'} | [[name, value], ...], samples: [[ts_ms, value], ...] }]
 * Labels given as an object are sent sorted by name; as an array, in the order given. */
export function encodeWrite(series, metadata = []) {
  const msg = {
    timeseries: series.map((s) => ({
      labels: (Array.isArray(s.labels) ? s.labels : Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        .map(([name, value]) => ({ name, value })),
      samples: s.samples.map(([timestamp, value]) => ({ timestamp, value })),
    })),
    metadata,
  };
  return Buffer.from(WriteRequest.encode(WriteRequest.fromObject(msg)).finish());
}

export function snappyCompress(buf) {
  return Buffer.from(snappy.compress(buf));
}

export async function remoteWrite(baseUrl, series, { metadata = [], raw, headers = {} } = {}) {
  const body = raw ?? snappyCompress(encodeWrite(series, metadata));
  const r = await fetch(`${baseUrl}/api/v1/write`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy',
      'X-Prometheus-Remote-Write-Version': '0.1.0', ...headers },
    body,
  });
  return { status: r.status, text: await r.text(), headers: r.headers };
}

/* Bit-exact float64 helpers: NaN payloads survive only as raw bits. */
export function f64FromBits(hex) {
  const b = Buffer.from(hex.padStart(16, '0'), 'hex');
  return b.readDoubleBE(0);
}
export function bitsOf(x) {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x, 0);
  return b.toString('hex');
}
export const STALE_NAN_HEX = '7ff0000000000002';

/* ---- hand-made protobuf, for requests protobufjs refuses to produce
 * (invalid UTF-8, wrong wire types, truncation).  Strings may be Buffers. ---- */
export function pbVarint(n) {
  let x = BigInt.asUintN(64, BigInt(n));
  const out = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x) b |= 0x80;
    out.push(b);
  } while (x);
  return Buffer.from(out);
}
export function pbTag(field, wireType) {
  return pbVarint((field << 3) | wireType);
}
/* length-delimited field (wire type 2) */
export function pbBytes(field, payload) {
  const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  return Buffer.concat([pbTag(field, 2), pbVarint(p.length), p]);
}
export function pbLabel(name, value) {
  return pbBytes(1, Buffer.concat([pbBytes(1, name), pbBytes(2, value)]));
}
export function pbSample(ts, value) {
  const v = Buffer.alloc(8);
  v.writeDoubleLE(value, 0);
  return pbBytes(2, Buffer.concat([pbTag(1, 1), v, pbTag(2, 0), pbVarint(ts)]));
}
/* One TimeSeries field of a WriteRequest: labels [[name, value], ...] in the
 * order given, samples [[ts, value], ...]. */
export function pbTimeSeries(labels, samples) {
  return pbBytes(1, Buffer.concat([...labels.map(([n, v]) => pbLabel(n, v)), ...samples.map(([t, v]) => pbSample(t, v))]));
}

/* A snappy block whose header declares `declared` uncompressed bytes,
 * followed by one literal of `literal` (the rest of the stream is absent). */
export function snappyWithDeclaredLength(declared, literal = Buffer.from('x')) {
  const n = literal.length - 1;
  const tag = n < 60 ? Buffer.from([n << 2]) : Buffer.from([60 << 2, n]);
  return Buffer.concat([pbVarint(declared), tag, literal]);
}
