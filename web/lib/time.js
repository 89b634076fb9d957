// time.js - time expressions of the URL (now, now-24h, unix ms, ISO 8601),
// presets, and the query step for a range.

const UNIT_MS = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

export const PRESETS = [
  ['15m', 'Last 15 minutes'], ['1h', 'Last hour'], ['6h', 'Last 6 hours'],
  ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days'],
];
export const REFRESH = [['', 'Off'], ['10s', '10s'], ['30s', '30s'], ['1m', '1m'], ['5m', '5m']];
export const DEFAULT_FROM = 'now-1h';

/** "15m" -> ms, or NaN. */
export function durationMs(s) {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/.exec(String(s || '').trim());
  return m ? +m[1] * UNIT_MS[m[2]] : NaN;
}

/** A time expression -> unix ms, or NaN.  now, now-6h, 1700000000000, 2024-05-01T10:00:00Z. */
export function parseTime(expr, now = Date.now()) {
  const s = String(expr || '').trim();
  if (s === 'now') return now;
  const rel = /^now-(\d+(?:\.\d+)?)(s|m|h|d|w)$/.exec(s);
  if (rel) return now - +rel[1] * UNIT_MS[rel[2]];
  if (/^\d{10,16}$/.test(s)) return +s;
  if (/^\d{4}-\d\d-\d\d/.test(s)) return Date.parse(s);
  return NaN;
}

export const isRelative = (expr) => /^now(-\d+(?:\.\d+)?[smhdw])?$/.test(String(expr || ''));

const STEPS = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** The smallest nice step (s) that keeps a range under maxPoints points. */
export function pickStep(rangeMs, maxPoints = 300) {
  const want = rangeMs / 1000 / maxPoints;
  for (const s of STEPS) if (s >= want) return s;
  return Math.ceil(want / 86400) * 86400;
}

/** "5m"-style PromQL duration from seconds. */
export function promDur(sec) {
  sec = Math.max(1, Math.round(sec));
  if (sec % 86400 === 0) return sec / 86400 + 'd';
  if (sec % 3600 === 0) return sec / 3600 + 'h';
  if (sec % 60 === 0) return sec / 60 + 'm';
  return sec + 's';
}

/**
 * Resolves the URL's from/to into a query range: {from, to (ms), start, end
 * (s, aligned to the step so refreshes keep points stable), step (s),
 * rate (PromQL window for rate()), range (PromQL window = the whole range),
 * valid, label}.
 */
export function resolveRange(fromExpr, toExpr, now = Date.now()) {
  let from = parseTime(fromExpr || DEFAULT_FROM, now);
  let to = parseTime(toExpr || 'now', now);
  let valid = true;
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    valid = false;
    from = now - 3600e3;
    to = now;
  }
  const step = pickStep(to - from);
  const end = Math.ceil(to / 1000 / step) * step;
  const start = Math.max(0, Math.floor(from / 1000 / step) * step);
  const rate = promDur(Math.max(2 * step, 300));
  const range = promDur(Math.max(60, Math.round((to - from) / 1000)));
  return { from, to, start, end, step, rate, range, valid, days: (to - from) / 86400e3 };
}

export function rangeLabel(fromExpr, toExpr) {
  const f = fromExpr || DEFAULT_FROM, t = toExpr || 'now';
  if (t === 'now' && f.startsWith('now-')) {
    const p = PRESETS.find(([k]) => 'now-' + k === f);
    return p ? p[1] : 'Last ' + f.slice(4);
  }
  return fmtDateTime(parseTime(f)) + ' → ' + fmtDateTime(parseTime(t));
}

const pad = (n) => String(n).padStart(2, '0');

/** Local "YYYY-MM-DD HH:MM:SS". */
export function fmtDateTime(ms) {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Value for <input type="datetime-local"> (local time, minutes). */
export function toLocalInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** <input type="datetime-local"> value -> ISO UTC string for the URL. */
export function fromLocalInput(v) {
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : '';
}

/** "3 min ago" style for recent times, else the date. */
export function fmtAgo(ms, now = Date.now()) {
  const d = (now - ms) / 1000;
  if (d < 0 || d > 86400 * 2) return fmtDateTime(ms);
  if (d < 60) return Math.round(d) + ' s ago';
  if (d < 3600) return Math.round(d / 60) + ' min ago';
  return Math.round(d / 3600) + ' h ago';
}
