// Prompts: full-text search over prompts and completions with filters,
// highlighted snippets, newest first with paging; a call opens with its
// prompt as chat messages, the completion beside it, and its numbers.
import { h, replace, append, highlighted, copyButton } from '../lib/dom.js';
import { Session, llmCalls, llmCall } from '../lib/api.js';
import { fmt, fmtInt } from '../lib/format.js';
import { fmtDateTime } from '../lib/time.js';

const SEARCH_KEYS = ['q', 'user', 'session', 'template', 'status', 'mincost', 'maxcost'];
const PAGE = 50;

function text(v) {
  if (v == null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    // content parts: [{type:'text', text|content}, ...]
    if (v.every((x) => x && typeof x === 'object' && (typeof x.text === 'string' || typeof x.content === 'string')))
      return v.map((x) => x.text ?? x.content).join('\n');
  }
  return JSON.stringify(v, null, 2);
}

/** The chat messages of the prompt, and the output messages (split off the end of messages). */
export function splitMessages(call) {
  const msgs = Array.isArray(call.messages) ? call.messages.filter((m) => m && typeof m === 'object') : [];
  let nOut = 0;
  try {
    const c = JSON.parse(call.completion || '');
    if (Array.isArray(c) && c.length && c.every((m) => m && typeof m === 'object' && m.role)) nOut = c.length;
  } catch { /* plain text completion */ }
  if (!nOut && msgs.length && call.completion && msgs[msgs.length - 1].role === 'assistant' && text(msgs[msgs.length - 1].content) === call.completion) nOut = 1;
  nOut = Math.min(nOut, msgs.length);
  return { input: msgs.slice(0, msgs.length - nOut), output: msgs.slice(msgs.length - nOut) };
}

function messageEl(m) {
  const role = String(m.role || 'message');
  const extra = Object.entries(m).filter(([k]) => k !== 'role' && k !== 'content');
  return h('div', { class: 'msg role-' + role.replace(/[^a-z_-]/gi, '') },
    h('div', { class: 'msg-role' }, role),
    h('pre', { class: 'msg-text' }, text(m.content)),
    extra.length ? h('pre', { class: 'msg-extra muted' }, JSON.stringify(Object.fromEntries(extra), null, 2)) : null);
}

const dash = (v) => (v == null || v === '' ? '—' : v);

export function mount(root, ctx) {
  const p = ctx.params;
  const inp = (name, ph, val, size) => h('input', { type: 'text', name, placeholder: ph, value: val || '', size: size || null, spellcheck: false, autocomplete: 'off' });
  const qIn = h('input', { type: 'search', name: 'q', placeholder: 'search prompts and completions', value: p.q || '', class: 'q' });
  const userIn = inp('user', 'user id', p.user, 12);
  const minIn = inp('mincost', 'min $', p.mincost, 6);
  const maxIn = inp('maxcost', 'max $', p.maxcost, 6);
  const statusSel = h('select', { name: 'status', 'aria-label': 'status' },
    h('option', { value: '' }, 'any status'), h('option', { value: 'ok' }, 'ok'), h('option', { value: 'error' }, 'error'));
  statusSel.value = p.status || '';
  const chips = h('span', { class: 'chips' },
    ['session', 'template'].filter((k) => p[k]).map((k) => h('a', { class: 'chip', href: ctx.link('prompts', { ...own(p), [k]: '' }), title: 'remove filter' }, `${k}: ${p[k]} ×`)));
  const form = h('form', { class: 'search', role: 'search' }, qIn, userIn, minIn, maxIn, statusSel, chips,
    h('button', { type: 'submit', class: 'primary' }, 'Search'));
  const list = h('div', { class: 'calls' });
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Load more');
  const count = h('span', { class: 'muted' });
  const results = h('section', { class: 'panel span-12', 'data-panel': 'call-results', 'data-state': 'loading' },
    h('header', null, h('h2', null, 'LLM calls'), count, h('span', { class: 'muted' }, ' newest first')),
    h('div', { class: 'panel-body' }, list, more));
  const detail = h('section', { class: 'panel span-12 call-detail', 'data-panel': 'call-detail', 'data-state': 'empty', hidden: true });
  replace(root, h('h1', { class: 'page-title' }, 'Prompts'), form, h('div', { class: 'panels' }, detail, results));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    for (const el of [minIn, maxIn]) {
      if (el.value.trim() && !Number.isFinite(+el.value.trim())) { el.setCustomValidity('a number'); el.reportValidity(); el.setCustomValidity(''); return; }
    }
    ctx.navigate({ q: qIn.value.trim(), user: userIn.value.trim(), mincost: minIn.value.trim(), maxcost: maxIn.value.trim(), status: statusSel.value, call: '' });
  });

  function own(q) { return Object.fromEntries([...SEARCH_KEYS, 'call'].filter((k) => q[k]).map((k) => [k, q[k]])); }

  let sess = new Session();
  let listSess = null;
  let cursor = null;
  let shown = 0;
  let gen = 0;
  let cur = ctx;

  function params(c, cur2) {
    const q = c.params, r = c.range;
    return { q: q.q, user_id: q.user, session_id: q.session, template: q.template, status: q.status, min_cost: q.mincost, max_cost: q.maxcost,
      model: c.filters.model, route: c.filters.route, start: Math.floor(r.from / 1000), end: Math.ceil(r.to / 1000), limit: PAGE, cursor: cur2 };
  }

  function callItem(c, x) {
    const snip = x.snippet != null ? highlighted(x.snippet, x.highlights) : x.prompt_preview || '';
    const tok = x.input_tokens != null || x.output_tokens != null ? `${fmtInt(x.input_tokens)} → ${fmtInt(x.output_tokens)} tok` : '';
    return h('a', { class: 'call' + (x.status === 'error' ? ' err' : ''), href: c.link('prompts', { ...own(c.params), call: x.id }), 'data-call-id': x.id },
      h('div', { class: 'call-head' },
        h('span', { class: 'nowrap muted' }, fmtDateTime(Date.parse(x.time))),
        h('strong', null, dash(x.model)), x.route ? h('span', { class: 'badge' }, x.route) : null,
        x.user_id ? h('span', null, 'user ', h('b', null, x.user_id)) : null,
        x.status === 'error' ? h('span', { class: 'badge bad' }, x.error || 'error') : null,
        h('span', { class: 'call-nums' }, tok, ' · ', x.cost_usd == null ? 'unpriced' : fmt(x.cost_usd, '$'), ' · ', fmt(x.latency_ms, 'ms'))),
      h('div', { class: 'call-snippet' }, snip),
      x.snippet == null && x.completion_preview ? h('div', { class: 'call-completion muted' }, '↳ ', x.completion_preview) : null);
  }

  async function loadList(c, append_) {
    if (listSess) listSess.abort();
    const s = (listSess = new Session());
    results.dataset.state = 'loading';
    if (!append_) { cursor = null; shown = 0; if (!list.firstChild) replace(list, h('div', { class: 'loading' }, 'Searching…')); }
    more.disabled = true;
    try {
      const b = await llmCalls(s, params(c, append_ ? cursor : ''));
      if (s.aborted) return;
      if (!append_) replace(list);
      const calls = b.calls || [];
      shown += calls.length;
      append(list, calls.map((x) => callItem(c, x)));
      cursor = b.next_cursor || null;
      more.hidden = !cursor;
      more.disabled = false;
      count.textContent = ` ${shown}${cursor ? '+' : ''} `;
      if (!shown) {
        results.dataset.state = 'empty';
        replace(list, h('div', { class: 'empty' }, h('p', null, c.params.q ? 'No call matches this search in this time range.' : 'No LLM calls in this time range.'),
          h('p', { class: 'muted' }, 'No data yet? Point an OTel SDK at :4318: OTEL_EXPORTER_OTLP_ENDPOINT=http://' + (location.hostname || 'localhost') + ':4318')));
      } else {
        results.dataset.state = 'data';
      }
    } catch (e) {
      if (e.name === 'AbortError' || s.aborted) return;
      results.dataset.state = 'error';
      replace(list, h('div', { class: 'error' }, 'Search failed: ' + e.message));
    }
  }
  more.addEventListener('click', () => loadList(cur, true));

  function stat(label, value, cls) { return [h('dt', null, label), h('dd', { class: cls || null }, value)]; }

  function drawCall(c, x) {
    const { input, output } = splitMessages(x);
    const promptSide = input.length ? input.map(messageEl) : [h('pre', { class: 'msg-text' }, x.prompt == null ? '(no prompt recorded)' : x.prompt)];
    // output messages that carry no text (a tool call only) show the raw completion instead of an empty box
    const outText = output.some((m) => text(m.content) !== '');
    const complSide = output.length && outText ? output.map(messageEl) : [h('pre', { class: 'msg-text' }, x.completion == null ? '(no completion recorded)' : x.completion)];
    const traceLink = x.trace_id ? h('a', { href: c.link('traces', { trace: x.trace_id, span: x.span_id || '' }) }, 'open trace →') : '—';
    const attrs = x.attributes && typeof x.attributes === 'object' ? Object.entries(x.attributes) : [];
    detail.dataset.state = 'data';
    replace(detail,
      h('header', null, h('h2', null, dash(x.model), ' ', h('span', { class: 'muted' }, `call ${x.id}`)),
        x.status === 'error' ? h('span', { class: 'badge bad' }, x.error || 'error') : h('span', { class: 'badge ok' }, 'ok'),
        h('a', { class: 'calls-link', href: c.link('prompts', { ...own(c.params), call: '' }) }, '← back to results')),
      h('dl', { class: 'meta call-meta' },
        stat('time', fmtDateTime(Date.parse(x.time))), stat('service', dash(x.service)),
        stat('provider', dash(x.provider)), stat('route', dash(x.route)),
        stat('user', x.user_id ? h('a', { href: c.link('prompts', { user: x.user_id }) }, x.user_id) : '—'),
        stat('session', x.session_id ? h('a', { href: c.link('prompts', { session: x.session_id }) }, x.session_id) : '—'),
        stat('template', dash(x.template)),
        stat('input tokens', fmtInt(x.input_tokens) + (x.cached_input_tokens ? ` (${fmtInt(x.cached_input_tokens)} cached)` : '')),
        stat('output tokens', fmtInt(x.output_tokens) + (x.reasoning_tokens ? ` (${fmtInt(x.reasoning_tokens)} reasoning)` : '')),
        stat('cost', x.cost_usd == null ? 'unpriced' : fmt(x.cost_usd, '$') + (x.cost_source ? ` (${x.cost_source === 'span' ? 'from span' : 'price table'})` : ''), x.cost_usd == null ? 'warn' : null),
        stat('latency', fmt(x.latency_ms, 'ms')), stat('TTFT', fmt(x.ttft_ms, 'ms')),
        stat('finish reason', dash(x.finish_reason)),
        stat('trace', [traceLink, ' ', x.trace_id ? copyButton(() => x.trace_id, 'copy id') : null])),
      h('div', { class: 'side-by-side' },
        h('div', { class: 'side prompt' }, h('h3', null, 'Prompt ', copyButton(() => x.prompt || '')), promptSide),
        h('div', { class: 'side completion' }, h('h3', null, 'Completion ', copyButton(() => x.completion || '')), complSide)),
      h('details', { class: 'raw' }, h('summary', null, 'Raw prompt and completion'),
        h('div', { class: 'side-by-side' }, h('pre', { class: 'msg-text' }, x.prompt ?? ''), h('pre', { class: 'msg-text' }, x.completion ?? ''))),
      h('details', { class: 'attrs', open: attrs.length <= 20 }, h('summary', null, `Attributes (${attrs.length})`),
        h('table', { class: 'kv' }, h('tbody', null, attrs.map(([k, v]) => {
          const s = typeof v === 'string' ? v : JSON.stringify(v);
          return h('tr', null, h('th', null, k), h('td', null, s.length > 120 ? h('pre', { class: 'wrap' }, s) : s));
        })))));
  }

  async function loadCall(c) {
    const id = c.params.call;
    if (!id) { detail.hidden = true; detail.dataset.state = 'empty'; results.hidden = false; return; }
    detail.hidden = false;
    results.hidden = true;
    detail.dataset.state = 'loading';
    replace(detail, h('div', { class: 'loading' }, 'Loading call…'));
    sess.abort();
    const s = (sess = new Session());
    try {
      const x = await llmCall(s, id);
      if (!s.aborted) drawCall(c, x);
    } catch (e) {
      if (e.name === 'AbortError') return;
      detail.dataset.state = 'error';
      replace(detail, h('header', null, h('h2', null, 'Call ' + id), h('a', { class: 'calls-link', href: c.link('prompts', { ...own(c.params), call: '' }) }, '← back to results')),
        h('div', { class: 'error' }, e.status === 404 ? 'Call not found: ' + id : e.message));
    }
  }

  let listDone = null;
  async function run(c, what) {
    const my = ++gen;
    cur = c;
    if (what.list || !listDone) listDone = loadList(c, false);
    await Promise.all([listDone, loadCall(c)]);
    if (my === gen) c.onReady();
  }

  let last = ctx;
  run(ctx, { list: true });
  return {
    update(c) {
      const prev = last.params;
      last = c;
      const keys = [...SEARCH_KEYS, 'from', 'to', 'model', 'route'];
      if (keys.some((k) => (prev[k] || '') !== (c.params[k] || ''))) return false;
      run(c, { list: false });
      return true;
    },
    refresh(c) { last = c; run(c, { list: true }); },
    destroy() { gen++; sess.abort(); if (listSess) listSess.abort(); },
  };
}
