// Traces: find traces (user, session, trace id, service, time, min duration,
// errors only) and open one as a span waterfall with the selected span's
// attributes, events and logs.
import { h, replace, copyButton } from '../lib/dom.js';
import { Session, jaegerTraces, jaegerTrace, jaegerServices, llmCalls } from '../lib/api.js';
import { fmt, fmtInt } from '../lib/format.js';
import { fmtDateTime, durationMs } from '../lib/time.js';

const OWN = ['user', 'session', 'service', 'mindur', 'errors', 'trace', 'span'];
const tag = (sp, k) => { const t = (sp.tags || []).find((x) => x.key === k); return t ? t.value : undefined; };
const isErr = (sp) => tag(sp, 'error') === true || tag(sp, 'error') === 'true' || tag(sp, 'otel.status_code') === 'ERROR';

/** agent / llm / tool / other, from the GenAI and OpenInference kind attributes. */
export function spanKind(sp) {
  const op = String(tag(sp, 'gen_ai.operation.name') || '').toLowerCase();
  const oi = String(tag(sp, 'openinference.span.kind') || tag(sp, 'traceloop.span.kind') || '').toLowerCase();
  if (op === 'invoke_agent' || op === 'create_agent' || oi === 'agent' || oi === 'workflow') return 'agent';
  if (op === 'execute_tool' || oi === 'tool') return 'tool';
  if (op || oi === 'llm' || oi === 'embedding' || tag(sp, 'gen_ai.request.model') || tag(sp, 'llm.model_name')) return 'llm';
  return 'other';
}

function parentOf(sp) {
  const r = (sp.references || []).find((x) => x.refType === 'CHILD_OF') || (sp.references || [])[0];
  return r ? r.spanID : null;
}

/** Spans in display order with depth: children under parents, by start time. */
export function layout(trace) {
  const spans = trace.spans || [];
  const byId = new Map(spans.map((s) => [s.spanID, s]));
  const kids = new Map();
  const roots = [];
  for (const s of spans) {
    const p = parentOf(s);
    if (p && byId.has(p) && p !== s.spanID) (kids.get(p) || kids.set(p, []).get(p)).push(s);
    else roots.push(s);
  }
  const out = [];
  const seen = new Set();
  const walk = (s, depth) => {
    if (seen.has(s.spanID)) return;
    seen.add(s.spanID);
    out.push({ span: s, depth });
    (kids.get(s.spanID) || []).sort((a, b) => a.startTime - b.startTime).forEach((c) => walk(c, depth + 1));
  };
  roots.sort((a, b) => a.startTime - b.startTime).forEach((r) => walk(r, 0));
  const t0 = Math.min(...spans.map((s) => s.startTime));
  const t1 = Math.max(...spans.map((s) => s.startTime + s.duration));
  return { rows: out, t0, t1, roots };
}

function summary(tr) {
  const { t0, t1, roots } = layout(tr);
  const root = roots[0] || tr.spans[0];
  const svc = (sp) => (tr.processes && tr.processes[sp.processID] ? tr.processes[sp.processID].serviceName : '');
  return {
    id: tr.traceID, start: t0, dur: t1 - t0, root: root ? root.operationName : '(no spans)', service: root ? svc(root) : '',
    spans: tr.spans.length, errors: tr.spans.filter(isErr).length, llm: tr.spans.filter((s) => spanKind(s) === 'llm').length,
    services: [...new Set(tr.spans.map(svc).filter(Boolean))],
  };
}

function valueText(v) {
  if (v == null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v, null, 2);
  return String(v);
}

function kvTable(items) {
  return h('table', { class: 'kv' }, h('tbody', null, items.map(({ key, value }) => {
    const s = valueText(value);
    return h('tr', null, h('th', null, key), h('td', null, s.length > 120 || s.includes('\n') ? h('pre', { class: 'wrap' }, s) : s));
  })));
}

export function mount(root, ctx) {
  const p = ctx.params;
  const inp = (name, ph, val) => h('input', { type: 'text', name, placeholder: ph, value: val || '', spellcheck: false, autocomplete: 'off' });
  const userIn = inp('user', 'user id', p.user);
  const sessIn = inp('session', 'session id', p.session);
  const traceIn = inp('trace', 'trace id', p.trace);
  const svcSel = h('select', { name: 'service', 'aria-label': 'service' }, h('option', { value: '' }, 'All services'),
    p.service ? h('option', { value: p.service }, p.service) : null);
  svcSel.value = p.service || '';
  const durIn = inp('mindur', 'min duration, e.g. 2s', p.mindur);
  durIn.size = 14;
  const errIn = h('input', { type: 'checkbox', name: 'errors', checked: p.errors === '1' });
  const form = h('form', { class: 'search', role: 'search' },
    userIn, sessIn, traceIn, svcSel, durIn, h('label', { class: 'check' }, errIn, 'errors only'),
    h('button', { type: 'submit', class: 'primary' }, 'Find traces'));
  const results = h('section', { class: 'panel span-12', 'data-panel': 'trace-results', 'data-state': 'loading' },
    h('header', null, h('h2', null, 'Traces')), h('div', { class: 'panel-body' }));
  const view = h('section', { class: 'panel span-12 trace-view', 'data-panel': 'trace-view', 'data-state': 'empty', hidden: true });
  replace(root, h('h1', { class: 'page-title' }, 'Traces'), form, h('div', { class: 'panels' }, view, results));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const d = durIn.value.trim();
    if (d && !Number.isFinite(durationMs(d)) && !/^\d+(\.\d+)?(ms|us|µs)$/.test(d)) {
      durIn.setCustomValidity('a duration like 500ms, 2s or 1m');
      durIn.reportValidity();
      durIn.setCustomValidity('');
      return;
    }
    ctx.navigate({ user: userIn.value.trim(), session: sessIn.value.trim(), trace: traceIn.value.trim().toLowerCase(),
      service: svcSel.value, mindur: d, errors: errIn.checked ? '1' : '', span: '' });
  });

  // the service menu has its own session: run() aborts `sess` at every search
  const menuSess = new Session();
  let sess = new Session();
  jaegerServices(menuSess).then((svcs) => {
    const cur = svcSel.value;
    replace(svcSel, h('option', { value: '' }, 'All services'), [...new Set([...svcs, ...(cur ? [cur] : [])])].map((s) => h('option', { value: s }, s)));
    svcSel.value = cur;
  }).catch(() => {});

  let state = { search: null, trace: null };
  let gen = 0;

  async function search(c, s) {
    const q = c.params, r = c.range;
    const body = results.querySelector('.panel-body');
    results.dataset.state = 'loading';
    if (!body.firstChild) replace(body, h('div', { class: 'loading' }, 'Searching…'));
    const startUs = Math.floor(r.from) * 1000, endUs = Math.ceil(r.to) * 1000;
    let traces;
    if (c.filters.model || c.filters.route) {
      // model / route live on LLM calls: find the traces through them
      const b = await llmCalls(s, { model: c.filters.model, route: c.filters.route, user_id: q.user, session_id: q.session, service: q.service,
        start: Math.floor(r.from / 1000), end: Math.ceil(r.to / 1000), limit: 200, status: q.errors === '1' ? 'error' : '' });
      const ids = [...new Set((b.calls || []).map((x) => x.trace_id).filter(Boolean))].slice(0, 20);
      traces = ids.length ? await jaegerTraces(s, { traceID: ids }) : [];
      const min = q.mindur ? durationMs(q.mindur) * 1000 || 0 : 0;
      traces = traces.filter((t) => !min || summary(t).dur >= min);
    } else {
      traces = await jaegerTraces(s, { service: q.service, user_id: q.user, session_id: q.session, minDuration: q.mindur,
        tags: q.errors === '1' ? JSON.stringify({ error: 'true' }) : '', start: startUs, end: endUs, limit: 20 });
    }
    return traces.map(summary).sort((a, b) => b.start - a.start);
  }

  function drawResults(c, list) {
    const body = results.querySelector('.panel-body');
    if (!list.length) {
      results.dataset.state = 'empty';
      replace(body, h('div', { class: 'empty' }, h('p', null, 'No traces match in this time range.'),
        h('p', { class: 'muted' }, 'No data at all? Point an OTel SDK at :4318 (OTEL_EXPORTER_OTLP_ENDPOINT=http://' + (location.hostname || 'localhost') + ':4318).')));
      return;
    }
    results.dataset.state = 'data';
    const maxDur = Math.max(...list.map((t) => t.dur), 1);
    replace(body, h('table', { class: 'grid traces' },
      h('thead', null, h('tr', null, ['start', 'trace', 'services', 'spans', 'LLM', 'errors', 'duration'].map((x) => h('th', null, x)))),
      h('tbody', null, list.map((t) => {
        const bar = h('span', { class: 'mini-bar' });
        bar.style.width = Math.max(2, (100 * t.dur) / maxDur).toFixed(1) + '%';
        return h('tr', { class: (t.id === c.params.trace ? 'sel ' : '') + (t.errors ? 'has-error' : ''), 'data-trace-id': t.id },
          h('td', { class: 'nowrap' }, fmtDateTime(t.start / 1000)),
          h('td', null, h('a', { href: c.link('traces', { ...own(c.params), trace: t.id, span: '' }) }, t.root), h('div', { class: 'muted mono' }, t.id.slice(0, 16))),
          h('td', null, t.services.join(', ')),
          h('td', { class: 'num' }, fmtInt(t.spans)), h('td', { class: 'num' }, fmtInt(t.llm)),
          h('td', { class: 'num' + (t.errors ? ' bad' : '') }, fmtInt(t.errors)),
          h('td', { class: 'dur' }, h('span', { class: 'mini-track' }, bar), fmt(t.dur / 1e6, 's')));
      }))));
  }

  const own = (q) => Object.fromEntries(OWN.filter((k) => q[k]).map((k) => [k, q[k]]));

  async function loadTrace(c, s) {
    const tr = await jaegerTrace(s, c.params.trace);
    let calls = [];
    try { calls = (await llmCalls(s, { trace_id: c.params.trace, limit: 1000 })).calls || []; } catch { /* optional */ }
    return { id: c.params.trace, tr, calls: new Map(calls.map((x) => [x.span_id, x])) };
  }

  function drawTrace(c) {
    const t = state.trace;
    view.hidden = false;
    if (t.error) {
      view.dataset.state = 'error';
      replace(view, h('header', null, h('h2', null, 'Trace ' + c.params.trace)), h('div', { class: 'error' }, t.error));
      return;
    }
    const tr = t.tr;
    const { rows, t0, t1 } = layout(tr);
    const total = Math.max(t1 - t0, 1);
    const sel = rows.find((r) => r.span.spanID === c.params.span) || rows[0];
    const svc = (sp) => (tr.processes && tr.processes[sp.processID] ? tr.processes[sp.processID].serviceName : '');
    const wf = h('div', { class: 'waterfall', role: 'list' },
      h('div', { class: 'wf-head' }, h('span', null, 'span'), h('span', { class: 'wf-scale' },
        [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', null, fmt((f * total) / 1e6, 's'))))),
      rows.map(({ span, depth }) => {
        const kind = spanKind(span);
        const bar = h('span', { class: 'wf-bar k-' + kind + (isErr(span) ? ' err' : '') });
        const left = (100 * (span.startTime - t0)) / total, width = Math.max(0.2, (100 * span.duration) / total);
        bar.style.left = left.toFixed(3) + '%';
        bar.style.width = width.toFixed(3) + '%';
        const dur = h('span', { class: 'wf-dur' }, fmt(span.duration / 1e6, 's'));
        // the duration after the bar, else before it, else inside its right end
        if (left + width < 78) dur.style.left = `calc(${(left + width).toFixed(3)}% + 4px)`;
        else if (left > 22) dur.style.right = `calc(${(100 - left).toFixed(3)}% + 4px)`;
        else { dur.style.right = `calc(${(100 - left - width).toFixed(3)}% + 4px)`; dur.classList.add('in'); }
        const name = h('span', { class: 'wf-name' }, h('span', { class: 'badge k-' + kind }, kind), ' ', span.operationName,
          h('span', { class: 'muted' }, ' ' + svc(span)));
        name.style.paddingLeft = depth * 16 + 'px';
        const row = h('a', { class: 'wf-row' + (span === sel.span ? ' sel' : ''), role: 'listitem', 'data-span-id': span.spanID,
          href: c.link('traces', { ...own(c.params), span: span.spanID }) },
        name, h('span', { class: 'wf-track' }, bar, dur));
        row.addEventListener('click', (ev) => { ev.preventDefault(); c.navigate({ span: span.spanID }, { replace: true }); });
        return row;
      }));
    const sp = sel.span;
    const call = t.calls.get(sp.spanID);
    const proc = tr.processes && tr.processes[sp.processID];
    const details = h('div', { class: 'span-detail', 'data-span-id': sp.spanID },
      h('h3', null, sp.operationName),
      h('dl', { class: 'meta' },
        h('dt', null, 'service'), h('dd', null, svc(sp)),
        h('dt', null, 'kind'), h('dd', null, spanKind(sp) + ' / ' + (tag(sp, 'span.kind') || '')),
        h('dt', null, 'start'), h('dd', null, fmtDateTime(sp.startTime / 1000), h('span', { class: 'muted' }, ' +' + fmt((sp.startTime - t0) / 1e6, 's'))),
        h('dt', null, 'duration'), h('dd', null, fmt(sp.duration / 1e6, 's')),
        h('dt', null, 'span id'), h('dd', { class: 'mono' }, sp.spanID, ' ', copyButton(() => sp.spanID)),
        h('dt', null, 'status'), h('dd', { class: isErr(sp) ? 'bad' : null }, isErr(sp) ? 'error ' + (tag(sp, 'otel.status_description') || '') : 'ok')),
      call ? h('p', null, h('a', { class: 'button', href: c.link('prompts', { call: call.id }) }, 'Open LLM call (prompt and completion) →')) : null,
      h('h4', null, 'Attributes'), kvTable((sp.tags || []).map((x) => ({ key: x.key, value: x.value }))),
      h('h4', null, `Events and logs (${(sp.logs || []).length})`),
      (sp.logs || []).length ? (sp.logs || []).map((l) => h('div', { class: 'log' },
        h('div', { class: 'muted' }, fmtDateTime(l.timestamp / 1000), ' (+' + fmt((l.timestamp - sp.startTime) / 1e6, 's') + ' in span)'),
        kvTable((l.fields || []).map((x) => ({ key: x.key, value: x.value }))))) : h('p', { class: 'muted' }, 'none'),
      proc ? [h('h4', null, 'Resource'), kvTable([{ key: 'service.name', value: proc.serviceName }, ...(proc.tags || []).map((x) => ({ key: x.key, value: x.value }))])] : null,
      (sp.warnings || []).length ? h('p', { class: 'bad' }, (sp.warnings || []).join('; ')) : null);
    view.dataset.state = 'data';
    replace(view,
      h('header', null, h('h2', null, 'Trace ', h('span', { class: 'mono' }, tr.traceID)), copyButton(() => tr.traceID, 'copy id'),
        h('span', { class: 'muted' }, ` ${fmtDateTime(t0 / 1000)} · ${fmt(total / 1e6, 's')} · ${tr.spans.length} spans`),
        h('a', { class: 'calls-link', href: c.link('traces', { ...own(c.params), trace: '', span: '' }) }, 'close ×')),
      h('div', { class: 'trace-body' }, wf, details));
  }

  async function run(c, what) {
    const my = ++gen;
    sess.abort();
    const s = (sess = new Session());
    const jobs = [];
    if (what.search || !state.search) {
      jobs.push(search(c, s).then((list) => { if (my === gen) { state.search = list; drawResults(c, list); } })
        .catch((e) => {
          if (my !== gen || e.name === 'AbortError') return;
          results.dataset.state = 'error';
          replace(results.querySelector('.panel-body'), h('div', { class: 'error' }, 'Search failed: ' + e.message));
        }));
    }
    if (!c.params.trace) {
      view.hidden = true;
      view.dataset.state = 'empty';
    } else if (what.trace || !state.trace || state.trace.id !== c.params.trace) {
      view.hidden = false;
      view.dataset.state = 'loading';
      if (!state.trace || state.trace.id !== c.params.trace) replace(view, h('div', { class: 'loading' }, 'Loading trace…'));
      jobs.push(loadTrace(c, s).then((t) => { if (my === gen) { state.trace = t; drawTrace(c); } })
        .catch((e) => {
          if (my !== gen || e.name === 'AbortError') return;
          state.trace = { id: c.params.trace, error: e.status === 404 ? 'Trace not found: ' + c.params.trace : e.message };
          drawTrace(c);
        }));
    } else {
      drawTrace(c);
    }
    await Promise.all(jobs);
    if (my === gen) c.onReady();
  }

  let last = ctx;
  run(ctx, { search: true, trace: true });
  return {
    update(c) {
      const prev = last.params;
      last = c;
      const searchKeys = ['user', 'session', 'service', 'mindur', 'errors', 'from', 'to', 'model', 'route'];
      const searchChanged = searchKeys.some((k) => (prev[k] || '') !== (c.params[k] || ''));
      if (searchChanged) return false; // new search: remount (form values follow the URL)
      traceIn.value = c.params.trace || '';
      run(c, { search: false, trace: false });
      if (state.search) drawResults(c, state.search);
      return true;
    },
    refresh(c) { last = c; run(c, { search: true, trace: true }); },
    destroy() { gen++; sess.abort(); menuSess.abort(); },
  };
}
