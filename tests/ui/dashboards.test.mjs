// dashboards.test.mjs - the five pages on demo data: every panel drawn with
// data (except the exact set that has none in the demo), no console or page
// error, no request outside loupe; a full-page screenshot of each; time
// range, model and route filters and page-own fields set through the UI
// controls survive a reload (same URL, same control values, same queries);
// the navigation links keep the shared state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, open, waitReady, rerender, panelStates, takeProblems, resetRequests, apiRequests,
  hashParams, screenshot, stopLoupe, assertPanel, getJSON, PAGES, T,
} from './lib/ui.mjs';
import { loupeWithDemo } from './lib/demo.mjs';

let loupe, demo, browser, page;

before(async () => {
  ({ loupe, demo } = await loupeWithDemo());
  browser = await launchBrowser();
  page = await newPage(browser, loupe.url);
});

after(async () => {
  await browser?.close();
  await stopLoupe(loupe);
});

/* The panels of each page and the state each must reach on the demo data. */
const EXPECTED = {
  health: {
    ttft: 'data', itl: 'data', 'request-rate': 'data', 'error-rate': 'data', 'error-classes': 'data',
    'kv-cache': 'data', 'queue-depth': 'data', 'gpu-memory': 'data', 'gpu-sm': 'data',
  },
  cost: {
    'total-cost': 'data', 'total-calls': 'data', 'total-tokens': 'data', 'unpriced-count': 'data',
    'cost-per-request': 'data', 'cost-by-model': 'data', 'cost-trend-30d': 'data', 'tokens-by-model-route': 'data',
    'cloud-local-share': 'data', 'cost-per-user': 'data',
    unpriced: 'empty', // every demo model has a price
  },
  behavior: {
    'output-tokens': 'data', 'cache-hit': 'data', 'route-mix': 'data', latency: 'data', 'top-users': 'data', 'top-templates': 'data',
  },
  // no trace / call selected: the detail panels are hidden and empty
  traces: { 'trace-results': 'data', 'trace-view': 'empty' },
  prompts: { 'call-results': 'data', 'call-detail': 'empty' },
};

/* Page-specific content checks beyond data-state. */
async function contentCheck(name) {
  if (name === 'traces') {
    const n = await page.$$eval('[data-panel="trace-results"] [data-trace-id]', (els) => els.length);
    assert.ok(n > 0, 'traces list has traces');
  }
  if (name === 'prompts') {
    const n = await page.$$eval('[data-panel="call-results"] [data-call-id]', (els) => els.length);
    assert.ok(n > 0, 'prompts list has calls');
  }
  if (EXPECTED[name]) {
    // charts are drawn: every data chart panel holds a canvas with a size
    const bad = await page.$$eval('[data-panel][data-state="data"].t-line, [data-panel][data-state="data"].t-area, [data-panel][data-state="data"].t-bars',
      (els) => els.filter((e) => { const c = e.querySelector('canvas'); return !c || c.width < 50 || c.height < 50; }).map((e) => e.dataset.panel));
    assert.deepEqual(bad, [], 'chart panels without a drawn canvas');
  }
}

for (const name of PAGES) {
  test(`${name}: every panel drawn, no errors, only loupe's origin, screenshot`, async () => {
    takeProblems(page);
    await open(page, `#/${name}`);
    assert.equal(hashParams(page.url()).page, name);
    assert.deepEqual(await panelStates(page), EXPECTED[name]);
    await contentCheck(name);
    const current = await page.$eval('nav [aria-current="page"]', (a) => a.dataset.nav);
    assert.equal(current, name, 'the nav marks the current page');
    // Traces and Prompts are pictured with their detail open: the agent
    // trace's waterfall, the golden support call's prompt and completion
    if (name === 'traces' || name === 'prompts') {
      const traceId = name === 'traces' ? demo.known.agentTraceId : demo.known.traceId;
      const calls = (await getJSON(loupe.url, `/api/v1/llm/calls?trace_id=${traceId}`)).calls;
      const c = name === 'traces' ? calls.at(-1) : calls.find((x) => x.template === demo.known.template);
      await open(page, name === 'traces' ? `#/traces?trace=${traceId}&span=${c.span_id}` : `#/prompts?call=${c.id}`);
      await assertPanel(page, name === 'traces' ? 'trace-view' : 'call-detail', 'data');
    }
    await screenshot(page, name);
    assert.deepEqual(takeProblems(page), []);
  });
}

/* Panel queries of the last render: API requests except the filter-option
 * lookups (label values), with or without their time parameters. */
function panelQueries(page, { keepTimes }) {
  return [...new Set(apiRequests(page).filter((p) => !p.startsWith('/api/v1/label/')).map((p) => {
    if (keepTimes) return p;
    const u = new URL(p, 'http://x');
    for (const k of ['start', 'end', 'time']) u.searchParams.delete(k);
    return u.pathname + u.search;
  }))].sort();
}

async function controls() {
  return page.evaluate(() => ({
    time: document.querySelector('select.time-select').value,
    model: document.querySelector('select[data-filter="model"]').value,
    route: document.querySelector('select[data-filter="route"]').value,
    custom: document.querySelector('form.custom-range').hidden ? null
      : [...document.querySelectorAll('form.custom-range input')].map((i) => i.value),
    fields: Object.fromEntries([...document.querySelectorAll('main form.search [name]')].map((e) => [e.name, e.type === 'checkbox' ? e.checked : e.value])),
  }));
}

/* Reloads the page; the URL, the controls and the panel queries must be those
 * before the reload. */
async function assertSurvivesReload({ keepTimes }) {
  const url = page.url();
  const ctl = await controls();
  const queries = panelQueries(page, { keepTimes });
  assert.ok(queries.length > 0, 'the last render made queries');
  resetRequests(page);
  await page.evaluate(() => { document.body.dataset.ready = '0'; });
  await page.reload({ waitUntil: 'load' });
  await waitReady(page);
  assert.equal(page.url(), url, 'same URL after reload');
  assert.deepEqual(await controls(), ctl, 'same control values after reload');
  assert.deepEqual(panelQueries(page, { keepTimes }), queries, 'same panel queries after reload');
}

async function selectOption(selector, value) {
  await page.waitForFunction(([s, v]) => [...document.querySelector(s).options].some((o) => o.value === v), [selector, value], { timeout: T });
  await rerender(page, () => page.selectOption(selector, value));
}

test('time range, model and route filters: set through the controls, kept in the URL and across a reload', async () => {
  takeProblems(page);
  await open(page, '#/cost');
  const model = demo.known.model; // gpt-4o-mini, a cloud model
  await selectOption('select.time-select', 'now-24h');
  await selectOption('select[data-filter="model"]', model);
  await selectOption('select[data-filter="route"]', 'cloud');
  resetRequests(page);
  await rerender(page, () => page.click('button.refresh'));
  const p = hashParams(page.url());
  assert.deepEqual({ page: p.page, from: p.from, to: p.to, model: p.model, route: p.route },
    { page: 'cost', from: 'now-24h', to: 'now', model, route: 'cloud' });
  assert.deepEqual(await controls(), { time: 'now-24h', model, route: 'cloud', custom: null, fields: {} });

  // the panel queries carry the filters
  for (const q of panelQueries(page, { keepTimes: true })) {
    const u = new URL(q, 'http://x');
    if (u.pathname.startsWith('/api/v1/llm/')) {
      assert.equal(u.searchParams.get('model'), model, q);
      assert.equal(u.searchParams.get('route'), 'cloud', q);
    } else {
      const expr = u.searchParams.get('query');
      if (/loupe_llm_/.test(expr)) {
        assert.ok(expr.includes(`model="${model}"`) && expr.includes('route="cloud"'), `filtered PromQL: ${expr}`);
      }
    }
  }
  const states = await panelStates(page);
  assert.equal(states['total-cost'], 'data');
  assert.equal(states['cost-per-user'], 'data');
  await assertSurvivesReload({ keepTimes: false });

  // the nav keeps the shared state on every page
  for (const name of ['health', 'behavior', 'traces', 'prompts', 'cost']) {
    await rerender(page, () => page.click(`nav a[data-nav="${name}"]`));
    const q = hashParams(page.url());
    assert.deepEqual({ page: q.page, from: q.from, to: q.to, model: q.model, route: q.route },
      { page: name, from: 'now-24h', to: 'now', model, route: 'cloud' }, `nav to ${name}`);
    const c = await controls();
    assert.deepEqual([c.time, c.model, c.route], ['now-24h', model, 'cloud']);
  }

  // clearing the filters through the UI removes them from the URL
  await rerender(page, () => page.click('.filters button.linkish'));
  const cleared = hashParams(page.url());
  assert.equal(cleared.model, undefined);
  assert.equal(cleared.route, undefined);
  assert.equal(cleared.from, 'now-24h');
  assert.deepEqual(takeProblems(page), []);
});

test('a custom absolute range: set through the inputs, identical queries after a reload', async () => {
  takeProblems(page);
  await open(page, '#/health');
  await page.selectOption('select.time-select', 'custom');
  await page.waitForSelector('form.custom-range:not([hidden])');
  // the last two hours, whole minutes (datetime-local has minute precision; the context is UTC)
  const to = new Date(Math.floor(Date.now() / 60000) * 60000);
  const from = new Date(to.getTime() - 2 * 3600e3);
  const local = (d) => d.toISOString().slice(0, 16);
  await page.fill('form.custom-range input[aria-label="from"]', local(from));
  await page.fill('form.custom-range input[aria-label="to"]', local(to));
  resetRequests(page);
  await rerender(page, () => page.click('form.custom-range button[type="submit"]'));
  const p = hashParams(page.url());
  assert.equal(Date.parse(p.from), from.getTime(), `from in the URL: ${p.from}`);
  assert.equal(Date.parse(p.to), to.getTime(), `to in the URL: ${p.to}`);
  assert.equal((await controls()).time, 'custom');
  assert.deepEqual((await controls()).custom, [local(from), local(to)]);
  // every query asks for exactly that range
  for (const q of panelQueries(page, { keepTimes: true })) {
    const u = new URL(q, 'http://x');
    const s = Number(u.searchParams.get('start')), e = Number(u.searchParams.get('end')), t = Number(u.searchParams.get('time'));
    if (u.searchParams.has('time')) assert.ok(Math.abs(t - to.getTime() / 1000) <= 600, `instant query at the end of the range: ${q}`);
    else {
      assert.ok(s <= from.getTime() / 1000 && s > from.getTime() / 1000 - 600, `start: ${q}`);
      assert.ok(e >= to.getTime() / 1000 && e < to.getTime() / 1000 + 600, `end: ${q}`);
    }
  }
  assert.deepEqual(await panelStates(page), EXPECTED.health);
  await assertSurvivesReload({ keepTimes: true });
  assert.deepEqual(takeProblems(page), []);
});

test('Prompts and Traces search fields: kept in the URL and across a reload', async () => {
  takeProblems(page);
  await open(page, '#/prompts?from=now-24h&to=now');
  await page.fill('main form.search input[name="q"]', demo.known.callText);
  await page.fill('main form.search input[name="user"]', demo.known.userId);
  await page.selectOption('main form.search select[name="status"]', 'ok');
  resetRequests(page);
  await rerender(page, () => page.click('main form.search button[type="submit"]'));
  let p = hashParams(page.url());
  assert.deepEqual([p.q, p.user, p.status, p.from], [demo.known.callText, demo.known.userId, 'ok', 'now-24h']);
  const calls = panelQueries(page, { keepTimes: false }).filter((q) => q.startsWith('/api/v1/llm/calls?'));
  assert.equal(calls.length, 1, JSON.stringify(calls));
  const u = new URL(calls[0], 'http://x');
  assert.deepEqual([u.searchParams.get('q'), u.searchParams.get('user_id'), u.searchParams.get('status')], [demo.known.callText, demo.known.userId, 'ok']);
  assert.equal((await panelStates(page))['call-results'], 'data');
  // every hit is the user's, and the search term is highlighted
  const users = await page.$$eval('[data-panel="call-results"] [data-call-id]', (els) => els.map((e) => e.querySelector('.call-head b')?.textContent));
  assert.ok(users.length > 0 && users.every((x) => x === demo.known.userId), JSON.stringify(users));
  const marks = await page.$$eval('[data-panel="call-results"] mark', (els) => els.map((e) => e.textContent.toLowerCase()));
  assert.ok(marks.some((m) => demo.known.callText.toLowerCase().includes(m)), `highlights: ${JSON.stringify(marks)}`);
  await assertSurvivesReload({ keepTimes: false });

  await open(page, '#/traces');
  await page.fill('main form.search input[name="user"]', demo.known.userId);
  await page.check('main form.search input[name="errors"]');
  resetRequests(page);
  await rerender(page, () => page.click('main form.search button[type="submit"]'));
  p = hashParams(page.url());
  assert.deepEqual([p.page, p.user, p.errors], ['traces', demo.known.userId, '1']);
  const rows = await page.$$eval('[data-panel="trace-results"] [data-trace-id]', (els) => els.map((e) => [e.dataset.traceId, e.classList.contains('has-error')]));
  assert.ok(rows.some(([id]) => id === demo.known.errorTraceId), `the known user's failed trace is listed: ${JSON.stringify(rows)}`);
  assert.ok(rows.every(([, err]) => err), `only traces with errors: ${JSON.stringify(rows)}`);
  await assertSurvivesReload({ keepTimes: false });
  assert.deepEqual(takeProblems(page), []);
});
