// format.js - numbers with units: $, ms, s, tokens, %, /s, bytes, count.

const SI = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];

function trim(x, digits) {
  const s = x.toFixed(digits);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** 3 significant digits, no exponent for everyday magnitudes. */
function sig(x) {
  const a = Math.abs(x);
  if (a === 0) return '0';
  if (a >= 100) return trim(x, 0);
  if (a >= 10) return trim(x, 1);
  if (a >= 1) return trim(x, 2);
  if (a >= 0.001) return trim(x, 3 - Math.floor(Math.log10(a)) - 1);
  return x.toExponential(1);
}

export function fmtShort(x) {
  if (x == null || !Number.isFinite(x)) return '—';
  for (const [v, s] of SI) if (Math.abs(x) >= v) return sig(x / v) + s;
  return sig(x);
}

export function fmtUSD(x) {
  if (x == null || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a === 0) return '$0';
  if (a >= 1000) return '$' + fmtShort(x);
  if (a >= 1) return '$' + x.toFixed(2);
  if (a >= 0.01) return '$' + trim(x, 4);
  return '$' + String(Number(x.toPrecision(2)));
}

/** A rate per second, shown per minute or per hour when small. */
function fmtRate(x, what) {
  const a = Math.abs(x);
  if (a === 0 || a >= 0.1) return fmtShort(x) + what + '/s';
  if (a * 60 >= 0.1) return fmtShort(x * 60) + what + '/min';
  return fmtShort(x * 3600) + what + '/h';
}

export function fmtSeconds(x) {
  if (x == null || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a === 0) return '0';
  if (a < 1e-3) return sig(x * 1e6) + ' µs';
  if (a < 1) return sig(x * 1e3) + ' ms';
  if (a < 120) return sig(x) + ' s';
  if (a < 7200) return sig(x / 60) + ' min';
  return sig(x / 3600) + ' h';
}

export function fmtBytes(x) {
  if (x == null || !Number.isFinite(x)) return '—';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(x) >= 1024 && i < u.length - 1) { x /= 1024; i++; }
  return sig(x) + ' ' + u[i];
}

/** Formats value x in unit u. */
export function fmt(x, u) {
  if (x == null || !Number.isFinite(x)) return '—';
  switch (u) {
    case '$': return fmtUSD(x);
    case 's': return fmtSeconds(x);
    case 'ms': return fmtSeconds(x / 1000);
    case 'tokens': return fmtShort(x) + ' tok';
    case 'tokens/s': return fmtRate(x, ' tok');
    case '%': return sig(x) + '%';
    case '/s': return fmtRate(x, '');
    case 'bytes': return fmtBytes(x);
    default: return fmtShort(x);
  }
}

/** Short axis labels (no unit words except $ and %). */
export function fmtAxis(x, u) {
  if (x == null || !Number.isFinite(x)) return '';
  switch (u) {
    case '$': return fmtUSD(x);
    case 's': return fmtSeconds(x);
    case 'ms': return fmtSeconds(x / 1000);
    case '%': return sig(x) + '%';
    case 'bytes': return fmtBytes(x);
    default: return fmtShort(x);
  }
}

/** Labels for all ticks of an axis (rates share one per-s / per-min / per-h unit). */
export function fmtAxisTicks(vals, u) {
  if (u === '/s' || u === 'tokens/s') {
    const m = Math.max(...vals.map((v) => Math.abs(v || 0)));
    const [k, suf] = m === 0 || m >= 0.1 ? [1, '/s'] : m * 60 >= 0.1 ? [60, '/min'] : [3600, '/h'];
    return vals.map((v) => (v == null ? '' : fmtShort(v * k) + suf));
  }
  return vals.map((v) => fmtAxis(v, u));
}

export const fmtInt = (x) => (x == null || !Number.isFinite(+x) ? '—' : Math.round(+x).toLocaleString('en-US'));
