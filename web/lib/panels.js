// panels.js - runs a page's declarative panel list: one frame per panel
// (data-panel, data-state), queries in parallel, draws line / area / bars
// charts, stats, horizontal bars and tables, with loading, empty and error
// states; marks the page ready when every panel has finished.
import { h, replace } from './dom.js';
import { Session, promRange, promInstant, llmTop, llmCalls, num, promStr } from './api.js';
import { drawChart } from './chart.js';
import { fmt } from './format.js';

/** PromQL matchers for the page filters. */
function selectors(f) {
  const sel = [], vsel = [];
  if (f.model) { sel.push('model=' + promStr(f.model)); vsel.push('model_name=' + promStr(f.model)); }
  if (f.route) sel.push('route=' + promStr(f.route));
  return { sel: sel.join(','), vsel: vsel.join(',') };
}

/** Fills $sel, $vsel, $rate, $range, $step into a PromQL template. */
export function expand(expr, ctx, r) {
  const { sel, vsel } = selectors(ctx.filters);
  return expr
    .replace(/\$sel\b/g, sel).replace(/\$vsel\b/g, vsel)
    .replace(/\$rate\b/g, r.rate).replace(/\$range\b/g, r.range).replace(/\$step\b/g, r.step + 's')
    .replace(/\{\s*,/g, '{').replace(/,\s*\}/g, '}');
}

function legendOf(tpl, metric, fallback) {
  if (tpl) return tpl.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (m, k) => metric[k] ?? '').replace(/^\W+|\W+$/g, '') || fallback;
  const vals = Object.entries(metric).filter(([k]) => k !== '__name__').map(([, v]) => v);
  return vals.join(' · ') || fallback;
}

/** Matrix results of a panel's queries -> chart series on one x axis. */
async function loadSeries(p, ctx, sess, r) {
  const results = await Promise.all(p.queries.map((q) => promRange(sess, expand(q.expr, ctx, r), r)));
  const n = Math.floor((r.end - r.start) / r.step) + 1;
  const xs = Array.from({ length: n }, (_, i) => r.start + i * r.step);
  const series = [];
  results.forEach((res, qi) => {
    const q = p.queries[qi];
    for (const s of res) {
      const values = new Array(n).fill(null);
      for (const [t, v] of s.values) {
        const i = Math.round((t - r.start) / r.step);
        if (i >= 0 && i < n) values[i] = num(v);
      }
      if (values.every((v) => v == null)) continue;
      series.push({ label: legendOf(q.legend, s.metric, p.title), metric: s.metric, values, fill: q.fill });
    }
  });
  if (p.sort !== false && series.length > 1 && !p.queries.some((q) => q.legend && !q.legend.includes('{{'))) {
    const tot = (s) => s.values.reduce((a, v) => a + (v || 0), 0);
    series.sort((a, b) => tot(b) - tot(a));
  }
  return { xs, series };
}

const llmTime = (r) => ({ start: Math.floor(r.from / 1000), end: Math.ceil(r.to / 1000) });

/** A panel's data: {kind: 'chart'|'stat'|'items'|'rows', ...}, or null when empty. */
async function load(p, ctx, sess) {
  const r = p.range ? p.range(ctx.range) : ctx.range;
  const f = ctx.filters;
  if (p.llm) {
    const params = { ...llmTime(r), model: f.model, route: f.route, ...p.llm.params };
    const body = p.llm.api === 'top' ? await llmTop(sess, params) : await llmCalls(sess, params);
    const out = p.transform ? p.transform(body, ctx) : body;
    if (p.type === 'stat') return out == null ? null : { value: out };
    return out && out.length ? { rows: out } : null;
  }
  if (p.type === 'stat') {
    const res = await promInstant(sess, expand(p.queries[0].expr, ctx, r), Math.round(r.to / 1000));
    const v = res.length ? num(res[0].value[1]) : null;
    return v == null ? null : { value: v };
  }
  if (p.type === 'hbar') {
    const res = await promInstant(sess, expand(p.queries[0].expr, ctx, r), Math.round(r.to / 1000));
    const rows = res.map((s) => ({ label: legendOf(p.queries[0].legend, s.metric, p.title), metric: s.metric, value: num(s.value[1]) }))
      .filter((x) => x.value != null && x.value !== 0).sort((a, b) => b.value - a.value);
    return rows.length ? { rows } : null;
  }
  const d = await loadSeries(p, ctx, sess, r);
  return d.series.length ? { ...d, shift: p.shift } : null;
}

function emptyBody(p, ctx) {
  const kind = p.empty || 'otel';
  const f = ctx.filters;
  if (f.model || f.route) {
    const what = [f.model && 'model ' + f.model, f.route && 'route ' + f.route].filter(Boolean).join(', ');
    return h('div', { class: 'empty' }, h('p', null, `No data for ${what} in this time range.`),
      h('button', { type: 'button', class: 'linkish', onclick: () => ctx.setFilter({ model: null, route: null }) }, 'Clear the filters'));
  }
  if (kind === 'otel' && p.type === 'stat') return h('div', { class: 'empty' }, h('span', { class: 'stat-value muted' }, '—'), h('p', null, 'no data yet'));
  if (kind === 'otel') {
    const host = location.hostname || 'localhost';
    return h('div', { class: 'empty' },
      h('p', null, 'No data yet: point an OTel SDK at :4318.'),
      h('details', null, h('summary', null, 'Here is how'),
        h('pre', { class: 'snippet' },
          `export OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:4318\nexport OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf\nexport OTEL_SERVICE_NAME=my-llm-app\n# then run your app with the OTel SDK + GenAI instrumentation`)));
  }
  const msgs = {
    vllm: 'No vLLM metrics: remote-write vLLM\'s /metrics to loupe (POST /api/v1/write) to see this panel.',
    dcgm: 'No DCGM metrics: run dcgm-exporter on the GPU nodes and remote-write it to loupe.',
  };
  return h('div', { class: 'empty' }, h('p', null, msgs[kind] || kind));
}

function statBody(p, d) {
  return h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, fmt(d.value, p.unit)));
}

function hbarBody(p, d, ctx) {
  const max = Math.max(...d.rows.map((x) => Math.abs(x.value)), 1e-300);
  const total = d.rows.reduce((a, x) => a + x.value, 0);
  return h('div', { class: 'hbars' }, d.rows.slice(0, p.limit || 12).map((x) => {
    const bar = h('span', { class: 'hb-bar' });
    bar.style.width = (100 * Math.abs(x.value) / max).toFixed(1) + '%';
    const filt = ctx.filterOf(x.metric);
    const label = filt ? h('button', { type: 'button', class: 'linkish', title: 'filter by ' + x.label, onclick: () => ctx.setFilter(filt) }, x.label) : h('span', null, x.label);
    return h('div', { class: 'hb' }, h('span', { class: 'hb-label', title: x.label }, label),
      h('span', { class: 'hb-track' }, bar),
      h('span', { class: 'hb-value' }, fmt(x.value, p.unit), p.share ? h('span', { class: 'muted' }, ' ' + (100 * x.value / total).toFixed(1) + '%') : null));
  }));
}

function tableBody(p, d, ctx) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
    h('thead', null, h('tr', null, p.columns.map((c) => h('th', { class: c.unit !== undefined ? 'num' : null }, c.label)))),
    h('tbody', null, d.rows.map((row) => h('tr', null, p.columns.map((c) => {
      const v = c.get ? c.get(row, ctx) : row[c.key];
      if (c.link) {
        const href = c.link(row, ctx);
        return h('td', null, href ? h('a', { href }, v ?? '(none)') : (v ?? '(none)'));
      }
      return h('td', { class: c.unit !== undefined ? 'num' : null }, c.unit !== undefined ? fmt(v, c.unit) : (v ?? '(none)'));
    }))))));
}

/** Draws one panel's body for its data; returns a cleanup function or null. */
function draw(p, d, body, ctx) {
  if (p.type === 'stat') { replace(body, statBody(p, d)); return null; }
  if (p.type === 'hbar') { replace(body, hbarBody(p, d, ctx)); return null; }
  if (p.type === 'table') { replace(body, tableBody(p, d, ctx)); return null; }
  const c = drawChart(body, {
    type: p.type, unit: p.unit, xs: d.xs, series: d.series, shift: d.shift, height: p.height,
    filterable: (s) => !!ctx.filterOf(s.metric),
    onSeriesClick: (s) => ctx.setFilter(ctx.filterOf(s.metric)),
    onZoom: p.range ? null : ctx.setTime,
  });
  return () => c.destroy();
}

/**
 * Mounts a dashboard into root.  ctx: {filters: {model, route}, range,
 * setFilter(patch), setTime(fromMs, toMs), filterOf(metric), callsLink(extra)}.
 * Returns {refresh(ctx), destroy()}; ctx.onReady() is called when every
 * panel has finished.
 */
export function mountDashboard(root, page, ctx) {
  const frames = page.panels.map((p) => {
    const body = h('div', { class: 'panel-body' }, h('div', { class: 'loading' }, 'Loading…'));
    const link = p.calls !== false && p.calls !== undefined ? h('a', { class: 'calls-link', href: '#', title: 'the LLM calls behind this panel' }, 'calls →') : null;
    const el = h('section', { class: `panel t-${p.type} span-${p.span || (p.type === 'stat' ? 3 : 6)}`, 'data-panel': p.id, 'data-state': 'loading' },
      h('header', null, h('h2', { title: p.help || null }, p.title), p.unit ? h('span', { class: 'unit' }, p.unit) : null, link),
      p.help ? h('p', { class: 'help' }, p.help) : null,
      body);
    return { p, el, body, link, cleanup: null };
  });
  replace(root, h('h1', { class: 'page-title' }, page.title), h('div', { class: 'panels' }, frames.map((f) => f.el)));
  let sess = null;
  let gen = 0;

  async function run(c) {
    ctx = c;
    const my = ++gen;
    if (sess) sess.abort();
    sess = new Session();
    const s = sess;
    await Promise.all(frames.map(async (f) => {
      if (f.link) f.link.setAttribute('href', ctx.callsLink(typeof f.p.calls === 'object' ? f.p.calls : {}));
      f.el.dataset.state = 'loading';
      let d, err;
      try { d = await load(f.p, ctx, s); } catch (e) { err = e; }
      if (my !== gen || s.aborted) return;
      if (f.cleanup) { f.cleanup(); f.cleanup = null; }
      if (err) {
        f.el.dataset.state = 'error';
        replace(f.body, h('div', { class: 'error' }, h('strong', null, 'Query failed: '), err.message));
        console.warn(`panel ${f.p.id}:`, err.message);
      } else if (!d) {
        f.el.dataset.state = 'empty';
        replace(f.body, emptyBody(f.p, ctx));
      } else {
        try {
          f.cleanup = draw(f.p, d, f.body, ctx);
          f.el.dataset.state = 'data';
        } catch (e) {
          f.el.dataset.state = 'error';
          replace(f.body, h('div', { class: 'error' }, 'Cannot draw: ' + e.message));
        }
      }
    }));
    if (my === gen) ctx.onReady();
  }
  run(ctx);
  return {
    refresh: run,
    destroy() { gen++; if (sess) sess.abort(); frames.forEach((f) => f.cleanup && f.cleanup()); },
  };
}

