// api.js - JSON over loupe's HTTP API: a session per page render (one
// AbortController, identical GETs shared), Prometheus / LLM / Jaeger helpers.

export class ApiError extends Error {
  constructor(msg, status) { super(msg); this.status = status; }
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v == null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => u.append(k, x));
    else u.append(k, String(v));
  }
  const s = u.toString();
  return s ? '?' + s : '';
}

async function getJSON(url, signal) {
  let r;
  try {
    r = await fetch(url, { signal, headers: { accept: 'application/json' } });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('cannot reach loupe: ' + e.message, 0);
  }
  let body = null;
  try { body = await r.json(); } catch { /* not JSON */ }
  // an API error says errorType; a call record's own status may be "error" too
  if (!r.ok || (body && body.status === 'error' && body.errorType)) {
    const msg = (body && (body.error || (body.errors && body.errors[0] && body.errors[0].msg))) || r.statusText;
    throw new ApiError(`${r.status} ${msg}`, r.status);
  }
  if (!body) throw new ApiError('not JSON: ' + url, r.status);
  return body;
}

/** A set of requests that belong together: abort() cancels them all. */
export class Session {
  constructor() {
    this.ctl = new AbortController();
    this.cache = new Map();
  }
  get signal() { return this.ctl.signal; }
  get aborted() { return this.ctl.signal.aborted; }
  abort() { this.ctl.abort(); }
  get(path, params) {
    const url = path + qs(params);
    let p = this.cache.get(url);
    if (!p) {
      p = getJSON(url, this.ctl.signal);
      this.cache.set(url, p);
    }
    return p;
  }
}

/** Prometheus range query -> [{metric, values: [[t, v]]}]. */
export async function promRange(sess, query, r) {
  const b = await sess.get('/api/v1/query_range', { query, start: r.start, end: r.end, step: r.step });
  return b.data.result;
}

/** Prometheus instant query -> [{metric, value: [t, v]}] (scalars as one unlabelled sample). */
export async function promInstant(sess, query, time) {
  const b = await sess.get('/api/v1/query', { query, time });
  const d = b.data;
  if (d.resultType === 'scalar') return [{ metric: {}, value: d.result }];
  return d.result;
}

/** Prometheus sample value string -> number, or null for NaN / Inf. */
export function num(v) {
  const x = parseFloat(v);
  return Number.isFinite(x) ? x : null;
}

/** PromQL string literal of v. */
export function promStr(v) {
  return '"' + String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

export const llmTop = (sess, p) => sess.get('/api/v1/llm/top', p).then((b) => b.data || []);
export const llmCalls = (sess, p) => sess.get('/api/v1/llm/calls', p);
export const llmCall = (sess, id) => sess.get('/api/v1/llm/calls/' + encodeURIComponent(id));
export const jaegerTraces = (sess, p) => sess.get('/api/traces', p).then((b) => b.data || []);
export const jaegerTrace = (sess, id) => sess.get('/api/traces/' + encodeURIComponent(id)).then((b) => (b.data || [])[0]);
export const jaegerServices = (sess) => sess.get('/api/services').then((b) => b.data || []);
export const labelValues = (sess, name, match) =>
  sess.get('/api/v1/label/' + encodeURIComponent(name) + '/values', { 'match[]': match }).then((b) => b.data || []);
