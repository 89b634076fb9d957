// lib/compare.mjs - compares two Prometheus HTTP API answers to the same query.

function num(s) {
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}
function key(metric) {
  return JSON.stringify(Object.entries(metric || {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
function fmtLabels(metric) {
  const e = Object.entries(metric || {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const name = metric?.__name__;
  const rest = e.filter(([k]) => k !== '__name__').map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  return `${name ?? ''}{${rest}}`;
}
export function valuesEqual(a, b, rtol = 1e-9) {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= rtol * Math.max(Math.abs(a), Math.abs(b));
}
function fmtT(t) { return new Date(Math.round(t * 1000)).toISOString().replace('.000Z', 'Z'); }

/* Normalises an API answer: { error } or { type, series: [{ metric, points: [[t, v, raw]] }] }. */
export function normalise(r) {
  const j = r.json;
  if (!j) return { error: `HTTP ${r.status}: ${r.body.slice(0, 200)}` };
  if (j.status !== 'success') return { error: `${j.errorType}: ${j.error}`, errorType: j.errorType, status: r.status };
  const d = j.data;
  switch (d.resultType) {
    case 'matrix': return { type: 'matrix', series: d.result.map((s) => ({ metric: s.metric, points: s.values.map(([t, v]) => [t, num(v), v]) })) };
    case 'vector': return { type: 'vector', series: d.result.map((s) => ({ metric: s.metric, points: [[s.value[0], num(s.value[1]), s.value[1]]] })) };
    case 'scalar': return { type: 'scalar', series: [{ metric: {}, points: [[d.result[0], num(d.result[1]), d.result[1]]] }] };
    case 'string': return { type: 'string', series: [{ metric: {}, points: [[d.result[0], NaN, d.result[1]]] }], string: d.result[1] };
    default: return { error: `unknown resultType ${d.resultType}` };
  }
}

/* Differences between the reference (a) and the candidate (b) answers, as text lines (empty: equal). */
export function compare(a, b, { ordered = false, rtol = 1e-9, maxDiffs = 5 } = {}) {
  const out = [];
  if (a.error || b.error) {
    if (a.error && b.error) {
      if (a.errorType !== b.errorType || a.status !== b.status) out.push(`both failed, differently: reference ${a.status} ${a.error} | other ${b.status} ${b.error}`);
      return out;
    }
    out.push(a.error ? `reference failed (${a.error}) but the other answered` : `the other failed: ${b.error}`);
    return out;
  }
  if (a.type !== b.type) return [`resultType ${b.type}, want ${a.type}`];
  if (a.type === 'string') return a.string === b.string ? [] : [`string ${JSON.stringify(b.string)}, want ${JSON.stringify(a.string)}`];
  const A = new Map(a.series.map((s) => [key(s.metric), s]));
  const B = new Map(b.series.map((s) => [key(s.metric), s]));
  if (A.size !== a.series.length) out.push(`reference has duplicate series (${a.series.length - A.size})`);
  if (B.size !== b.series.length) out.push(`the other has duplicate label sets (${b.series.length} series, ${B.size} distinct)`);
  const missing = [...A.keys()].filter((k) => !B.has(k));
  const extra = [...B.keys()].filter((k) => !A.has(k));
  if (missing.length) out.push(`${missing.length} of ${A.size} series missing, e.g. ${missing.slice(0, 3).map((k) => fmtLabels(A.get(k).metric)).join(' ')}`);
  if (extra.length) out.push(`${extra.length} unexpected series, e.g. ${extra.slice(0, 3).map((k) => fmtLabels(B.get(k).metric)).join(' ')}`);
  if (ordered && !missing.length && !extra.length) {
    /* sort() orders by value; among equal values the order is unspecified
     * (Go's sort.Sort is not stable), so compare runs of equal values as sets */
    const runs = (ser) => {
      const r = [];
      for (const s of ser) {
        const v = s.points[0][2];
        if (r.length && r[r.length - 1].v === v) r[r.length - 1].keys.push(key(s.metric));
        else r.push({ v, keys: [key(s.metric)] });
      }
      return r.map((x) => `${x.v}:${x.keys.sort().join('|')}`).join('\n');
    };
    if (runs(a.series) !== runs(b.series)) out.push('series in a different order (the expression sorts)');
  }
  let pointDiffs = 0;
  const examples = [];
  for (const [k, sa] of A) {
    const sb = B.get(k);
    if (!sb) continue;
    const pa = new Map(sa.points.map((p) => [Math.round(p[0] * 1000), p]));
    const pb = new Map(sb.points.map((p) => [Math.round(p[0] * 1000), p]));
    for (const [t, p] of pa) {
      const q = pb.get(t);
      if (!q) { pointDiffs++; if (examples.length < maxDiffs) examples.push(`${fmtLabels(sa.metric)} @ ${fmtT(t / 1000)}: missing, want ${p[2]}`); continue; }
      if (!valuesEqual(p[1], q[1], rtol)) { pointDiffs++; if (examples.length < maxDiffs) examples.push(`${fmtLabels(sa.metric)} @ ${fmtT(t / 1000)}: ${q[2]}, want ${p[2]}`); }
    }
    for (const [t, q] of pb) {
      if (!pa.has(t)) { pointDiffs++; if (examples.length < maxDiffs) examples.push(`${fmtLabels(sb.metric)} @ ${fmtT(t / 1000)}: unexpected point ${q[2]}`); }
    }
  }
  if (pointDiffs) out.push(`${pointDiffs} differing points, first ones:`, ...examples.map((e) => `  ${e}`));
  return out;
}

