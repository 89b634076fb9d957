// lib/check.mjs - exact comparisons of what loupe returns with what was sent.
import assert from 'node:assert/strict';
import { seriesKey } from './loupe.mjs';
import { bitsOf } from './remote_write.mjs';

/* float64 as comparable text: its bit pattern, or "NaN" for every NaN (the
 * JSON export cannot carry NaN payloads). */
export function floatId(v) {
  return Number.isNaN(v) ? 'NaN' : bitsOf(v);
}

/* The export expected for `series` ([{labels: {..}, samples: [[ts, v], ...]}]):
 * one entry per label set, samples sorted by time, a later write of the same
 * timestamp replacing the earlier one. */
export function expectedExport(series) {
  const by = new Map();
  for (const s of series) {
    const labels = Object.fromEntries(Object.entries(s.labels).filter(([, v]) => v !== ''));
    const k = seriesKey(labels);
    if (!by.has(k)) by.set(k, { labels, samples: new Map() });
    for (const [t, v] of s.samples) by.get(k).samples.set(t, v);
  }
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => {
    const samples = [...s.samples.entries()].sort(([a], [b]) => a - b);
    return { labels: s.labels, timestamps: samples.map(([t]) => t), values: samples.map(([, v]) => v) };
  });
}

/* got: Loupe#export() result; want: as for expectedExport.  Labels, timestamps
 * and the bits of every value must match exactly. */
export function assertExport(got, want, msg = 'export') {
  const exp = expectedExport(want);
  assert.deepEqual(got.map((s) => s.metric), exp.map((s) => s.labels), `${msg}: series`);
  for (let i = 0; i < exp.length; i++) {
    const name = JSON.stringify(exp[i].labels);
    assert.deepEqual(got[i].timestamps, exp[i].timestamps, `${msg}: timestamps of ${name}`);
    assert.deepEqual(got[i].values.map(floatId), exp[i].values.map(floatId), `${msg}: values of ${name}`);
  }
}
