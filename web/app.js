// app.js - the shell: routes (#/<page>?<state>), the URL as the only state,
// header controls (time range, refresh, auto-refresh, model / route filters).
import { h, replace, safeHref } from './lib/dom.js';
import { Session, labelValues } from './lib/api.js';
import { mountDashboard } from './lib/panels.js';
import { PRESETS, REFRESH, DEFAULT_FROM, resolveRange, rangeLabel, durationMs, parseTime, toLocalInput, fromLocalInput } from './lib/time.js';
import health from './pages/health.js';
import cost from './pages/cost.js';
import behavior from './pages/behavior.js';
import * as traces from './pages/traces.js';
import * as prompts from './pages/prompts.js';

const PAGES = [
  ['health', 'Service Health', health],
  ['cost', 'Cost', cost],
  ['behavior', 'Model Behavior', behavior],
  ['traces', 'Traces', traces],
  ['prompts', 'Prompts', prompts],
];
const GLOBAL = ['from', 'to', 'refresh', 'model', 'route'];

/** The hash -> {page, params}. */
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const i = raw.indexOf('?');
  const page = (i < 0 ? raw : raw.slice(0, i)) || 'health';
  const params = Object.fromEntries(new URLSearchParams(i < 0 ? '' : raw.slice(i + 1)));
  return { page: PAGES.some(([id]) => id === page) ? page : 'health', params };
}

/** '#/page?...' from params (empty values dropped, globals first). */
export function hrefFor(page, params) {
  const u = new URLSearchParams();
  const keys = Object.keys(params).sort((a, b) => (GLOBAL.indexOf(a) + 1 || 99) - (GLOBAL.indexOf(b) + 1 || 99));
  for (const k of keys) if (params[k] != null && params[k] !== '') u.set(k, params[k]);
  const s = u.toString();
  return '#/' + page + (s ? '?' + s : '');
}

let cur = parseHash();

const globalsOf = (p) => Object.fromEntries(GLOBAL.filter((k) => p[k]).map((k) => [k, p[k]]));

/** Changes the URL: patch merges into the current params (null removes). */
function navigate(patch, { page = cur.page, replace: rep = false, keepPage = true } = {}) {
  const base = page === cur.page && keepPage ? { ...cur.params } : globalsOf(cur.params);
  const next = { ...base, ...patch };
  for (const k of Object.keys(next)) if (next[k] == null || next[k] === '') delete next[k];
  const href = hrefFor(page, next);
  if (href === location.hash) return;
  if (rep) {
    history.replaceState(null, '', href);
    onRoute();
  } else {
    location.hash = href;
  }
}

// ------------------------------------------------------------ header

const nav = h('nav', { class: 'nav' }, PAGES.map(([id, title]) => h('a', { href: '#/' + id, 'data-nav': id }, title)));
const timeSel = h('select', { class: 'time-select', 'aria-label': 'time range', title: 'time range' },
  PRESETS.map(([k, label]) => h('option', { value: 'now-' + k }, label)), h('option', { value: 'custom' }, 'Custom…'));
const fromIn = h('input', { type: 'datetime-local', 'aria-label': 'from' });
const toIn = h('input', { type: 'datetime-local', 'aria-label': 'to' });
const customBox = h('form', { class: 'custom-range', hidden: true },
  fromIn, h('span', { class: 'muted' }, '→'), toIn, h('button', { type: 'submit' }, 'Apply'));
const refreshBtn = h('button', { type: 'button', class: 'refresh', title: 'refresh now' }, '↻ Refresh');
const autoSel = h('select', { 'aria-label': 'auto-refresh', title: 'auto-refresh' },
  REFRESH.map(([v, l]) => h('option', { value: v }, v ? 'every ' + l : 'Auto-refresh off')));
const modelSel = h('select', { 'aria-label': 'model filter', 'data-filter': 'model' });
const routeSel = h('select', { 'aria-label': 'route filter', 'data-filter': 'route' });
const clearBtn = h('button', { type: 'button', class: 'linkish', hidden: true }, 'clear filters');
const rangeText = h('span', { class: 'range-label muted' });
const filterNote = h('span', { class: 'muted filter-note' });

timeSel.addEventListener('change', () => {
  if (timeSel.value === 'custom') {
    const r = resolveRange(cur.params.from, cur.params.to);
    fromIn.value = toLocalInput(r.from);
    toIn.value = toLocalInput(r.to);
    customBox.hidden = false;
    fromIn.focus();
  } else {
    navigate({ from: timeSel.value, to: 'now' });
  }
});
customBox.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = fromLocalInput(fromIn.value), t = fromLocalInput(toIn.value);
  if (f && t && Date.parse(t) > Date.parse(f)) navigate({ from: f, to: t });
  else {
    toIn.setCustomValidity('"to" must be after "from"');
    toIn.reportValidity();
    toIn.setCustomValidity('');
  }
});
refreshBtn.addEventListener('click', () => refresh());
autoSel.addEventListener('change', () => navigate({ refresh: autoSel.value }, { replace: true }));
modelSel.addEventListener('change', () => navigate({ model: modelSel.value }));
routeSel.addEventListener('change', () => navigate({ route: routeSel.value }));
clearBtn.addEventListener('click', () => navigate({ model: null, route: null }));

const main = h('main', { id: 'page' });
document.body.append(
  h('header', { class: 'top' },
    h('a', { class: 'brand', href: '#/health' }, 'loupe'), nav,
    h('div', { class: 'controls' }, timeSel, customBox, refreshBtn, autoSel)),
  h('div', { class: 'filters' },
    h('label', null, 'Model ', modelSel), h('label', null, 'Route ', routeSel), clearBtn, filterNote, rangeText),
  main);

/** Fills a filter select: "all" + the values known in the range + the current one. */
function fillSelect(sel, allLabel, values, current) {
  const vals = [...new Set([...(values || []), ...(current ? [current] : [])])].sort();
  replace(sel, h('option', { value: '' }, allLabel), vals.map((v) => h('option', { value: v }, v)));
  sel.value = current || '';
}

let optsKey = '';
let optsSess = null;
async function loadFilterOptions(r) {
  const key = `${Math.floor(r.start / 600)}:${Math.floor(r.end / 600)}`;
  if (key === optsKey) return;
  optsKey = key;
  if (optsSess) optsSess.abort();
  const s = (optsSess = new Session());
  const match = 'loupe_llm_requests_total';
  try {
    const [models, routes] = await Promise.all([
      s.get('/api/v1/label/model/values', { 'match[]': match, start: r.start, end: r.end }).then((b) => b.data),
      labelValues(s, 'route', match),
    ]);
    if (s.aborted) return;
    fillSelect(modelSel, 'All models', models, cur.params.model);
    fillSelect(routeSel, 'All routes', routes, cur.params.route);
  } catch (e) {
    if (e.name !== 'AbortError') console.warn('filter options:', e.message);
    optsKey = '';
  }
}

function syncHeader() {
  const p = cur.params;
  nav.querySelectorAll('a').forEach((a) => {
    const id = a.dataset.nav;
    a.setAttribute('href', safeHref(hrefFor(id, globalsOf(p))));
    if (id === cur.page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  const from = p.from || DEFAULT_FROM, to = p.to || 'now';
  const preset = to === 'now' && PRESETS.some(([k]) => 'now-' + k === from);
  if (preset) {
    timeSel.value = from;
    customBox.hidden = true;
  } else {
    timeSel.value = 'custom';
    customBox.hidden = false;
    const f = parseTime(from), t = parseTime(to);
    if (Number.isFinite(f)) fromIn.value = toLocalInput(f);
    if (Number.isFinite(t)) toIn.value = toLocalInput(t);
  }
  autoSel.value = REFRESH.some(([v]) => v === (p.refresh || '')) ? p.refresh || '' : '';
  fillSelect(modelSel, 'All models', [...modelSel.options].map((o) => o.value).filter(Boolean), p.model);
  fillSelect(routeSel, 'All routes', [...routeSel.options].map((o) => o.value).filter(Boolean), p.route);
  clearBtn.hidden = !(p.model || p.route);
  const r = resolveRange(p.from, p.to);
  rangeText.textContent = r.valid ? rangeLabel(p.from, p.to) : 'invalid time range in the URL: showing the last hour';
  filterNote.textContent = cur.page === 'traces' && (p.model || p.route) ? 'traces are found through the LLM calls that match' : '';
  document.title = PAGES.find(([id]) => id === cur.page)[1] + ' · loupe';
}

// ------------------------------------------------------------ pages

const isoSec = (ms) => new Date(Math.round(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

function makeCtx() {
  const p = cur.params;
  const range = resolveRange(p.from, p.to);
  const filters = { model: p.model || '', route: p.route || '' };
  return {
    params: p, page: cur.page, range, filters,
    navigate,
    setFilter: (patch) => navigate(patch),
    setTime: (fromMs, toMs) => navigate({ from: isoSec(fromMs), to: isoSec(toMs) }),
    filterOf: (m) => {
      const f = {};
      if (m && (m.model || m.model_name)) f.model = m.model || m.model_name;
      if (m && m.route) f.route = m.route;
      return Object.keys(f).length ? f : null;
    },
    link: (page, extra = {}) => hrefFor(page, { ...globalsOf(p), ...extra }),
    callsLink: (extra = {}) => hrefFor('prompts', { ...globalsOf(p), ...extra }),
    onReady: () => { document.body.dataset.ready = '1'; main.dataset.ready = '1'; },
  };
}

function notReady() {
  document.body.dataset.ready = '0';
  main.dataset.ready = '0';
}

let inst = null; // {page, update(ctx) -> handled, refresh(ctx), destroy()}

function mountPage(ctx) {
  const def = PAGES.find(([id]) => id === cur.page)[2];
  main.dataset.page = cur.page;
  if (def.panels) {
    const d = mountDashboard(main, def, ctx);
    return { page: cur.page, update: (c) => (d.refresh(c), true), refresh: d.refresh, destroy: d.destroy };
  }
  const m = def.mount(main, ctx);
  return { page: cur.page, update: m.update || (() => false), refresh: m.refresh || (() => {}), destroy: m.destroy || (() => {}) };
}

function onRoute() {
  cur = parseHash();
  syncHeader();
  const ctx = makeCtx();
  notReady();
  loadFilterOptions(ctx.range);
  if (inst && inst.page === cur.page && inst.update(ctx)) {
    scheduleAuto();
    return;
  }
  if (inst) inst.destroy();
  replace(main);
  window.scrollTo(0, 0);
  inst = mountPage(ctx);
  scheduleAuto();
}

function refresh() {
  if (!inst) return;
  notReady();
  optsKey = '';
  const ctx = makeCtx();
  loadFilterOptions(ctx.range);
  inst.refresh(ctx);
}

let timer = 0;
function scheduleAuto() {
  clearInterval(timer);
  const ms = durationMs(cur.params.refresh);
  if (ms >= 5000) timer = setInterval(() => { if (!document.hidden) refresh(); }, ms);
}

window.addEventListener('hashchange', onRoute);
onRoute();
