// lib/testfile.mjs - Prometheus's PromQL test-file format (promql/test.go of
// Prometheus v2.42), parsed and compared the way that file does it.
//
//   load <gap>                     series lines follow, one per line, until a blank line:
//     metric{a="b"} 0+10x10 _ stale 1e3 -Inf
//   clear                          start again from empty storage
//   eval[_fail|_ordered] instant at <duration> <expr>
//     {labels} value               expected vector elements (order matters only for _ordered)
//     value                        or one scalar
//
// Lines are trimmed; a line starting with '#' counts as a blank line (so it
// also ends a load or eval block).  Sample values are kept as their 8 raw
// bytes (little-endian), so `stale` stays the exact staleness marker.

export const STALE_NAN_BITS = 0x7ff0000000000002n;
/* Go's math.NaN() (what `NaN` in a test file appends): 0x7FF8000000000001. */
export const GO_NAN_BITS = 0x7ff8000000000001n;

/* model.ParseDuration of prometheus/common: "1h30m", "5m", "0", ... -> milliseconds, or null. */
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 24 * 3600e3, 7 * 24 * 3600e3, 24 * 3600e3, 3600e3, 60e3, 1e3, 1];
export function parseDuration(s) {
  if (s === '0') return 0;
  if (s === '' || s === undefined) return null;
  const m = DURATION_RE.exec(s);
  if (!m) return null;
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNIT_MS[i];
  return ms;
}

/* The evaluation time of `eval instant at X`: a Prometheus duration, or (an
 * extension of this runner, not accepted by Prometheus's own framework) a
 * plain number of seconds. */
export function parseEvalTime(s) {
  const d = parseDuration(s);
  if (d !== null) return d;
  if (/^\d+(?:\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  return null;
}

/* strconv.ParseInt(s, 0, 64) then strconv.ParseFloat(s, 64), like Go's
 * parseNumber in promql/test.go and parser.number().  Returns null on failure. */
export function goParseNumber(s) {
  const i = goParseInt0(s);
  if (i !== null) return i;
  return goParseFloat(s);
}

function goParseInt0(s) {
  let m = /^([+-]?)(0[xX][0-9a-fA-F](?:_?[0-9a-fA-F])*|0[bB][01](?:_?[01])*|0[oO][0-7](?:_?[0-7])*|0_?[0-7](?:_?[0-7])*|[1-9](?:_?\d)*|0)$/.exec(s);
  if (!m) return null;
  let body = m[2].replace(/_/g, '');
  let big;
  if (/^0[xX]/.test(body)) big = BigInt(body);
  else if (/^0[bB]/.test(body)) big = BigInt(body);
  else if (/^0[oO]/.test(body)) big = BigInt(body);
  else if (/^0[0-7]+$/.test(body)) big = BigInt('0o' + body.slice(1));
  else big = BigInt(body);
  if (m[1] === '-') big = -big;
  if (big > 0x7fffffffffffffffn || big < -0x8000000000000000n) return null; // range error -> ParseFloat
  return Number(big);
}

function goParseFloat(s) {
  let m = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (m) {
    if (m[2].toLowerCase() === 'nan') return m[1] ? null : NaN;
    return m[1] === '-' ? -Infinity : Infinity;
  }
  // decimal: digits, optional fraction, optional exponent (underscores only with a base prefix in Go)
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) return Number(s);
  // hexadecimal float: 0x1.8p3
  m = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?\d+)$/.exec(s);
  if (m) {
    const int = m[2].replace(/_/g, ''), frac = (m[3] || '').replace(/_/g, '');
    if (!int && !frac) return null;
    let v = 0;
    for (const c of int) v = v * 16 + parseInt(c, 16);
    let scale = 1 / 16;
    for (const c of frac) { v += parseInt(c, 16) * scale; scale /= 16; }
    v *= 2 ** Number(m[4]);
    return m[1] === '-' ? -v : v;
  }
  return null;
}

export function bitsToBuf(bits) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(bits, 0);
  return b;
}
export function floatToBuf(v) {
  if (Number.isNaN(v)) return bitsToBuf(GO_NAN_BITS);
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v, 0);
  return b;
}

/* Go's strconv.Unquote / strutil.Unquote for "..", '..' and `..` strings. */
export function goUnquote(q) {
  const quote = q[0];
  if (q.length < 2 || q[q.length - 1] !== quote) throw new Error(`bad string ${q}`);
  const s = q.slice(1, -1);
  if (quote === '`') {
    if (s.includes('`')) throw new Error(`bad raw string ${q}`);
    return s;
  }
  if (quote !== '"' && quote !== "'") throw new Error(`bad string ${q}`);
  const bytes = [];
  const pushStr = (str) => { for (const b of Buffer.from(str, 'utf8')) bytes.push(b); };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === quote) throw new Error(`unescaped quote in ${q}`);
    if (c === '\n') throw new Error(`newline in ${q}`);
    if (c !== '\\') {
      const cp = s.codePointAt(i);
      pushStr(String.fromCodePoint(cp));
      if (cp > 0xffff) i++;
      continue;
    }
    const e = s[++i];
    const simple = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
    if (e in simple) bytes.push(simple[e]);
    else if (e === quote) bytes.push(e.charCodeAt(0));
    else if (e === 'x') { bytes.push(parseInt(hexDigits(s, i + 1, 2, q), 16)); i += 2; }
    else if (e === 'u') { pushStr(String.fromCodePoint(parseInt(hexDigits(s, i + 1, 4, q), 16))); i += 4; }
    else if (e === 'U') { pushStr(String.fromCodePoint(parseInt(hexDigits(s, i + 1, 8, q), 16))); i += 8; }
    else if (e >= '0' && e <= '7') {
      const o = s.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o)) throw new Error(`bad octal escape in ${q}`);
      const v = parseInt(o, 8);
      if (v > 255) throw new Error(`bad octal escape in ${q}`);
      bytes.push(v);
      i += 2;
    } else throw new Error(`unknown escape \\${e} in ${q}`);
  }
  return Buffer.from(bytes).toString('utf8');
}
function hexDigits(s, i, n, q) {
  const h = s.slice(i, i + n);
  if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) throw new Error(`bad escape in ${q}`);
  return h;
}

/* Quotes a label value so that goUnquote (and Prometheus) read it back. */
export function quoteLabelValue(v) {
  let out = '"';
  for (const ch of v) {
    const cp = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/* ---------------------------------------------------------------- labels */

/* A label set is an array of [name, value] sorted by name (labels.New sorts). */
export function sortLabels(pairs) {
  return [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
export function labelsKey(pairs) {
  return JSON.stringify(pairs);
}
export function labelsFromObject(obj) {
  return sortLabels(Object.entries(obj));
}

// Keywords the lexer never reads as a metric name (see metric_identifier in generated_parser.y).
const NOT_METRIC_IDENTIFIER = new Set(['bool', 'on', 'ignoring', 'group_left', 'group_right', 'atan2', 'inf', 'nan', 'stale']);

export function formatLabels(pairs) {
  const name = pairs.find(([n]) => n === '__name__');
  const rest = pairs.filter(([n]) => n !== '__name__');
  if (name && /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name[1]) && !NOT_METRIC_IDENTIFIER.has(name[1].toLowerCase())) {
    if (!rest.length) return name[1];
    return name[1] + '{' + rest.map(([n, v]) => `${n}=${quoteLabelValue(v)}`).join(', ') + '}';
  }
  return '{' + pairs.map(([n, v]) => `${n}=${quoteLabelValue(v)}`).join(', ') + '}';
}

/* strconv.FormatFloat(v, 'f', -1, 64)-like text, as the HTTP API writes it. */
export function formatValue(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/* ---------------------------------------------------------------- series descriptions */

const NUM = String.raw`(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN])`;
const ITEM_RE = new RegExp(`^([+-]?)(${NUM})(?:([+-])(${NUM}))?(?:x(\\d+))?$`);

function seriesNumber(tok) {
  if (/^inf$/i.test(tok)) return Infinity;
  if (/^nan$/i.test(tok)) return NaN;
  const v = goParseNumber(tok);
  if (v === null) throw new Error(`error parsing number ${tok}`);
  return v;
}

/* One whitespace-separated item of a value sequence -> [{omitted} | {buf, value}]. */
function parseSeriesItem(tok) {
  if (tok === '_') return [{ omitted: true }];
  let m = /^_x(\d+)$/.exec(tok);
  if (m) return Array.from({ length: Number(m[1]) }, () => ({ omitted: true }));
  if (tok === 'stale') return [{ value: NaN, buf: bitsToBuf(STALE_NAN_BITS), stale: true }];
  m = /^stalex(\d+)$/.exec(tok); // lexed as one identifier by Prometheus: an error there
  if (m) throw new Error(`unexpected identifier ${tok} in series values`);
  m = ITEM_RE.exec(tok);
  if (!m) throw new Error(`bad series value ${JSON.stringify(tok)}`);
  let v = seriesNumber(m[2]);
  if (m[1] === '-') v = -v;
  const out = [];
  const push = (x) => out.push({ value: x, buf: floatToBuf(x) });
  if (m[5] === undefined) {
    if (m[3] !== undefined) throw new Error(`bad series value ${JSON.stringify(tok)}`);
    push(v);
    return out;
  }
  const n = Number(m[5]);
  if (m[3] === undefined) {
    for (let i = 0; i <= n; i++) push(v);
    return out;
  }
  let step = seriesNumber(m[4]);
  if (m[3] === '-') step = -step;
  for (let i = 0; i <= n; i++) { push(v); v += step; }
  return out;
}

/* parser.ParseSeriesDesc: `name{l="v", ...} values...` -> { labels, values }. */
export function parseSeriesDesc(line) {
  let i = 0;
  const pairs = [];
  let name = null;
  const ws = () => { while (i < line.length && /\s/.test(line[i])) i++; };
  ws();
  let m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line.slice(i));
  if (m) {
    name = m[0];
    if (NOT_METRIC_IDENTIFIER.has(name.toLowerCase())) throw new Error(`unexpected ${name} as metric name`);
    i += name.length;
  }
  if (line[i] === '{') {
    i++;
    for (;;) {
      ws();
      if (line[i] === '}') { i++; break; }
      const lm = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
      if (!lm) throw new Error(`expected label name at ${JSON.stringify(line.slice(i))}`);
      i += lm[0].length;
      ws();
      if (line[i] !== '=') throw new Error(`expected "=" after label ${lm[0]}`);
      i++;
      ws();
      const q = line[i];
      if (q !== '"' && q !== "'" && q !== '`') throw new Error(`expected string for label ${lm[0]}`);
      let j = i + 1;
      while (j < line.length && line[j] !== q) { if (line[j] === '\\' && q !== '`') j++; j++; }
      if (j >= line.length) throw new Error('unterminated string');
      pairs.push([lm[0], goUnquote(line.slice(i, j + 1))]);
      i = j + 1;
      ws();
      if (line[i] === ',') { i++; continue; }
      if (line[i] === '}') { i++; break; }
      throw new Error(`expected "," or "}" in label set at ${JSON.stringify(line.slice(i))}`);
    }
  }
  if (name !== null) {
    const k = pairs.findIndex(([n]) => n === '__name__');
    if (k >= 0) pairs.splice(k, 1);
    pairs.push(['__name__', name]);
  }
  if (i < line.length && !/\s/.test(line[i])) throw new Error(`unexpected ${JSON.stringify(line.slice(i))}`);
  const values = [];
  for (const tok of line.slice(i).trim().split(/\s+/).filter(Boolean)) values.push(...parseSeriesItem(tok));
  return { labels: sortLabels(pairs), values };
}

/* ---------------------------------------------------------------- files */

const EVAL_RE = /^eval(?:_(fail|ordered))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const LOAD_RE = /^load\s+(.+?)$/;

/* Parses a test file into commands:
 *   { kind: 'load', line, gapMs, series: [{ labels, samples: [[t, buf]] }] }
 *   { kind: 'clear', line }
 *   { kind: 'eval', line, time, expr, fail, ordered, scalar?: number,
 *     expected: [{ labels, value }], resultLines: [from, to) (0-based, raw lines) }
 * Line numbers are 1-based.  Throws on a syntax error, naming the line. */
export function parseTestFile(text, filename = '<input>') {
  const raw = text.split('\n');
  const lines = raw.map((l) => { const t = l.trim(); return t.startsWith('#') ? '' : t; });
  const cmds = [];
  const err = (i, msg) => new Error(`${filename}:${i + 1}: ${msg}`);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l) continue;
    const c = l.split(/[\t ]+/, 1)[0].toLowerCase();
    if (c === 'clear') {
      cmds.push({ kind: 'clear', line: i + 1 });
    } else if (c === 'load') {
      const m = LOAD_RE.exec(l);
      const gapMs = m ? parseDuration(m[1]) : null;
      if (gapMs === null) throw err(i, `invalid load command ${JSON.stringify(l)}`);
      const defs = new Map();
      const start = i;
      while (i + 1 < lines.length && lines[i + 1]) {
        i++;
        let d;
        try { d = parseSeriesDesc(lines[i]); } catch (e) { throw err(i, e.message); }
        const samples = [];
        let t = 0;
        for (const v of d.values) {
          if (!v.omitted) samples.push([t, v.buf]);
          t += gapMs;
        }
        defs.set(labelsKey(d.labels), { labels: d.labels, samples }); // a later line for the same series replaces it
      }
      cmds.push({ kind: 'load', line: start + 1, gapMs, series: [...defs.values()] });
    } else if (c.startsWith('eval')) {
      const m = EVAL_RE.exec(l);
      if (!m) throw err(i, `invalid evaluation command ${JSON.stringify(l)}`);
      const time = parseEvalTime(m[2]);
      if (time === null) throw err(i, `invalid evaluation time ${JSON.stringify(m[2])}`);
      const cmd = { kind: 'eval', line: i + 1, time, atText: m[2], expr: m[3], fail: m[1] === 'fail',
        ordered: m[1] === 'ordered', expected: [], scalar: undefined, resultLines: [i + 1, i + 1] };
      for (let j = 1; i + 1 < lines.length && lines[i + 1]; j++) {
        i++;
        const f = goParseNumber(lines[i]);
        if (f !== null) { cmd.scalar = f; break; }
        let d;
        try { d = parseSeriesDesc(lines[i]); } catch (e) { throw err(i, e.message); }
        if (d.values.length > 1) throw err(i, 'expecting multiple values in instant evaluation not allowed');
        cmd.expected.push({ labels: d.labels, value: d.values.length ? (d.values[0].omitted ? 0 : d.values[0].value) : undefined, pos: j });
      }
      cmd.resultLines[1] = i + 1;
      cmds.push(cmd);
    } else {
      throw err(i, `invalid command ${JSON.stringify(l)}`);
    }
  }
  return { cmds, raw };
}

/* ---------------------------------------------------------------- comparison */

const MIN_NORMAL = 2.2250738585072014e-308;
const EPSILON = 0.000001;

/* almostEqual of promql/test.go. */
export function almostEqual(a, b) {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || diff < MIN_NORMAL) return diff < EPSILON * MIN_NORMAL;
  return diff / (Math.abs(a) + Math.abs(b)) < EPSILON;
}

/* A value string of the HTTP API ("1.5", "NaN", "+Inf", "-Inf") as a float64. */
export function apiValue(s) {
  if (typeof s === 'number') return s;
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  const v = Number(s);
  if (Number.isNaN(v)) throw new Error(`bad sample value ${JSON.stringify(s)}`);
  return v;
}

/* The HTTP API's data ({resultType, result}) as { type, vector?: [{labels, value}], scalar? }. */
export function decodeResult(data) {
  switch (data.resultType) {
    case 'vector':
      return { type: 'vector', vector: data.result.map((e) => ({ labels: labelsFromObject(e.metric), value: apiValue(e.value[1]) })) };
    case 'scalar':
      return { type: 'scalar', scalar: apiValue(data.result[1]) };
    case 'matrix':
      return { type: 'matrix', matrix: data.result.map((e) => ({ labels: labelsFromObject(e.metric), values: e.values.map(([t, v]) => [t, apiValue(v)]) })) };
    case 'string':
      return { type: 'string', string: data.result[1] };
    default:
      throw new Error(`unknown resultType ${data.resultType}`);
  }
}

/* compareResult of promql/test.go: null if the result matches, else a message. */
export function compareResult(cmd, res) {
  if (res.type === 'matrix') return 'received range result on instant evaluation';
  if (res.type === 'string') return `received a string result (${JSON.stringify(res.string)}); the test format cannot express one`;
  if (res.type === 'scalar') {
    if (cmd.scalar === undefined) return `expected a vector but got scalar ${formatValue(res.scalar)}`;
    if (!almostEqual(cmd.scalar, res.scalar)) return `expected scalar ${formatValue(cmd.scalar)} but got ${formatValue(res.scalar)}`;
    return null;
  }
  const exp = new Map(cmd.expected.map((e) => [labelsKey(e.labels), e]));
  const seen = new Set();
  for (let pos = 0; pos < res.vector.length; pos++) {
    const s = res.vector[pos];
    const k = labelsKey(s.labels);
    const e = exp.get(k);
    if (!e) return `unexpected metric ${formatLabels(s.labels)} in result`;
    if (cmd.ordered && e.pos !== pos + 1) return `expected metric ${formatLabels(s.labels)} at position ${e.pos} but was at ${pos + 1}`;
    if (e.value === undefined) return `no expected value for ${formatLabels(s.labels)}`;
    if (!almostEqual(e.value, s.value)) return `expected ${formatValue(e.value)} for ${formatLabels(s.labels)} but got ${formatValue(s.value)}`;
    seen.add(k);
  }
  if (cmd.scalar !== undefined) return `expected scalar ${formatValue(cmd.scalar)} but got a vector of ${res.vector.length} elements`;
  for (const [k, e] of exp) if (!seen.has(k)) return `expected metric ${formatLabels(e.labels)} with ${formatValue(e.value)} not found`;
  return null;
}

/* Text lines of a result, in the test format (vector sorted by labels unless keepOrder). */
export function formatResultLines(res, { keepOrder = false } = {}) {
  if (res.type === 'scalar') return [formatValue(res.scalar)];
  if (res.type !== 'vector') return [`<${res.type} result>`];
  const v = keepOrder ? res.vector : [...res.vector].sort((a, b) => (labelsKey(a.labels) < labelsKey(b.labels) ? -1 : 1));
  return v.map((s) => `${formatLabels(s.labels)} ${formatValue(s.value)}`);
}
export function formatExpectedLines(cmd) {
  if (cmd.scalar !== undefined) return [formatValue(cmd.scalar)];
  return cmd.expected.map((e) => `${formatLabels(e.labels)} ${e.value === undefined ? '<none>' : formatValue(e.value)}`);
}
