// xss.test.mjs - prompt, completion, user id, session id, model, route,
// template, error type, span name, service name, attribute keys and chat
// roles are untrusted: calls whose every such field is an HTML / URL / quote
// payload (sent as OTLP/HTTP JSON) must render as literal text on every page
// (Prompts list with search snippets and detail, Traces list and attributes,
// the dashboards' tables, legends and filter menus), never as markup, never
// as a javascript: link, and window.__xss must stay undefined.  The page
// itself comes with a Content-Security-Policy that allows no inline script.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  launchBrowser, newPage, open, rerender, panelStates, assertPanel, takeProblems, hashParams, postSpans, getJSON, startLoupe, stopLoupe, SLOW,
} from './lib/ui.mjs';

const P = {
  script: '<script>window.__xss=1</script>',
  img: '<img src=x onerror="window.__xss=1">',
  js: 'javascript:window.__xss=1',
  svg: '"><svg onload=window.__xss=1>',
};
const ALL = Object.values(P);

let loupe, browser, page;
const calls = []; // { name, traceId, agentSpanId, llmSpanId, fields, id }

const randHex = (bytes) => crypto.randomBytes(bytes).toString('hex');
const msgs = (arr) => JSON.stringify(arr.map(([role, content]) => ({ role, parts: [{ type: 'text', content }] })));

/* One trace per payload: an agent span (named with the payload) over an LLM
 * span whose every text field carries it. */
function fixture(name, p, i, now) {
  const traceId = randHex(16), agentSpanId = randHex(8), llmSpanId = randHex(8);
  const t0 = now - (10 - i) * 60e3;
  const fields = {
    model: name === 'js' ? p : `gpt-x ${p}`,
    user: name === 'js' ? p : `user ${p}`,
    session: `${p}`,
    template: `tpl ${p}`,
    route: name === 'svg' ? p : 'cloud',
    system: `xsscanary ${name} system ${p} end`,
    question: `xsscanary ${name} question ${p} end`,
    answer: `answer ${p} end`,
  };
  const llmAttrs = {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': fields.model, 'gen_ai.response.model': fields.model,
    'gen_ai.usage.input_tokens': 100 + i, 'gen_ai.usage.output_tokens': 20 + i,
    'gen_ai.input.messages': msgs([['system', fields.system], ['user', fields.question], [`role ${p}`, `odd role ${p}`]]),
    'gen_ai.output.messages': msgs([['assistant', fields.answer]]),
    'user.id': fields.user, 'session.id': fields.session, 'gen_ai.prompt.name': fields.template, 'llm.route': fields.route,
    'gen_ai.response.finish_reasons': [p],
    [`attr.${name}.${p}`]: p,
  };
  if (name === 'img') llmAttrs['error.type'] = `Err ${p}`;
  return {
    name, traceId, agentSpanId, llmSpanId, fields,
    spans: [
      { traceId, spanId: agentSpanId, name: `agent ${p}`, kind: 1, startMs: t0, endMs: t0 + 3000,
        attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': p, 'user.id': fields.user } },
      { traceId, spanId: llmSpanId, parentSpanId: agentSpanId, name: `chat ${p}`, kind: 3, startMs: t0 + 100, endMs: t0 + 2100,
        attributes: llmAttrs, status: name === 'img' ? { code: 2, message: `failed ${p}` } : {},
        events: [{ name: `event ${p}`, ms: t0 + 200, attributes: { [`ev ${p}`]: p } }] },
    ],
  };
}

before(async () => {
  loupe = await startLoupe();
  const now = Date.now();
  let i = 0;
  for (const [name, p] of Object.entries(P)) {
    const f = fixture(name, p, i++, now);
    await postSpans(loupe.url, { 'service.name': `svc ${p}`, 'service.version': p }, f.spans);
    calls.push(f);
  }
  for (const c of calls) {
    const r = await getJSON(loupe.url, `/api/v1/llm/calls?trace_id=${c.traceId}`);
    assert.equal(r.calls.length, 1, `one call for ${c.name}`);
    c.id = String(r.calls[0].id);
    c.preview = r.calls[0].prompt_preview;
    assert.ok(c.preview && ALL.some((p) => c.preview.includes(p)), `the preview has the payload: ${c.preview}`);
  }
  browser = await launchBrowser();
  page = await newPage(browser, loupe.url);
});

after(async () => {
  await browser?.close();
  await stopLoupe(loupe);
});

/* Nothing of the payloads became markup or a live link, nothing ran. */
async function assertInert(where) {
  const r = await page.evaluate((base) => {
    const bad = [];
    if (window.__xss !== undefined) bad.push('window.__xss is set');
    for (const s of document.querySelectorAll('script')) {
      if (!s.src || new URL(s.src).origin !== base) bad.push('script: ' + s.outerHTML.slice(0, 120));
    }
    for (const e of document.querySelectorAll('img, svg, iframe, object, embed, math')) bad.push('element: ' + e.outerHTML.slice(0, 120));
    for (const e of document.querySelectorAll('*')) {
      for (const a of e.attributes) {
        if (/^on/i.test(a.name)) bad.push(`event attribute ${a.name} on <${e.tagName.toLowerCase()}>`);
        if (/^(href|src|action|formaction|xlink:href)$/i.test(a.name) && /^\s*(javascript|data|vbscript):/i.test(a.value)) bad.push(`${a.name}=${a.value}`);
      }
    }
    for (const a of document.querySelectorAll('a[href]')) {
      const h = a.getAttribute('href');
      if (!(h === '#' || h.startsWith('#/'))) bad.push('link outside the UI: ' + h);
    }
    return bad;
  }, new URL(loupe.url).origin);
  assert.deepEqual(r, [], `injection on ${where}`);
}

const text = (sel) => page.$eval(sel, (e) => e.textContent);

function assertHasAll(haystack, needles, where) {
  for (const n of needles) assert.ok(haystack.includes(n), `${where} shows ${JSON.stringify(n)} literally`);
}

test('Prompts search: payloads in the list and the snippets are text', async () => {
  takeProblems(page);
  await open(page, '#/prompts?q=xsscanary');
  await assertPanel(page, 'call-results', 'data', 'search xsscanary');
  const ids = await page.$$eval('[data-panel="call-results"] [data-call-id]', (els) => els.map((e) => e.dataset.callId));
  for (const c of calls) {
    const item = `[data-panel="call-results"] [data-call-id="${c.id}"]`;
    assert.ok(await page.$(item), `call ${c.name} found`);
    const t = await text(item);
    assertHasAll(t, [c.fields.model, c.fields.user], `search result for ${c.name}`);
    assert.ok(t.includes(P[c.name]), `the snippet for ${c.name} shows its payload: ${t}`);
    assert.ok(await page.$(`${item} mark`), `the snippet for ${c.name} highlights the term`);
  }
  await assertInert('Prompts search');
  assert.deepEqual(ids.sort(), calls.map((c) => c.id).sort());

  // the unfiltered list: previews
  await open(page, '#/prompts');
  const t = await text('[data-panel="call-results"]');
  for (const c of calls) assertHasAll(t, [c.fields.model, c.fields.user, c.preview], 'call list');
  await assertInert('Prompts list');
  assert.deepEqual(takeProblems(page), []);
});

test('Prompts detail: messages, completion, metadata and attributes are text', async () => {
  takeProblems(page);
  // the failed call (img) last: a failure there does not hide the others
  for (const c of [...calls].sort((a, b) => (a.name === 'img') - (b.name === 'img'))) {
    await open(page, `#/prompts?call=${c.id}`);
    await assertPanel(page, 'call-detail', 'data', `call ${c.id} (${c.name})`);
    const prompt = await page.$$eval('[data-panel="call-detail"] .side.prompt .msg', (els) => els.map((e) => [e.querySelector('.msg-role').textContent, e.querySelector('.msg-text').textContent]));
    const p = P[c.name];
    assert.deepEqual(prompt, [['system', c.fields.system], ['user', c.fields.question], [`role ${p}`, `odd role ${p}`]]);
    const compl = await page.$$eval('[data-panel="call-detail"] .side.completion .msg', (els) => els.map((e) => [e.querySelector('.msg-role').textContent, e.querySelector('.msg-text').textContent]));
    assert.deepEqual(compl, [['assistant', c.fields.answer]]);
    const all = await text('[data-panel="call-detail"]');
    assertHasAll(all, [c.fields.model, c.fields.user, c.fields.session, c.fields.template, `attr.${c.name}.${p}`], `detail of ${c.name}`);
    if (c.fields.route !== 'cloud') assertHasAll(all, [c.fields.route], `detail of ${c.name}`);
    if (c.name === 'img') assertHasAll(all, [`Err ${p}`], 'error type');
    // user and session are links: to the UI's own page, the value only as an encoded parameter
    const links = await page.$$eval('[data-panel="call-detail"] dl.call-meta a', (els) => els.map((e) => [e.textContent, e.getAttribute('href')]));
    for (const v of [c.fields.user, c.fields.session]) {
      const l = links.find(([t]) => t === v);
      assert.ok(l, `${v} is shown as a link: ${JSON.stringify(links)}`);
      assert.ok(l[1].startsWith('#/prompts?'), l[1]);
      assert.ok(Object.values(hashParams(loupe.url + '/' + l[1])).includes(v), `the link filters by the value: ${l[1]}`);
    }
    await assertInert(`Prompts detail ${c.name}`);
  }
  assert.deepEqual(takeProblems(page), []);
});

test('Traces: span names, services and attributes are text', async () => {
  takeProblems(page);
  await open(page, '#/traces');
  const list = await text('[data-panel="trace-results"]');
  for (const c of calls) assertHasAll(list, [`agent ${P[c.name]}`, `svc ${P[c.name]}`], 'trace list');
  await assertInert('Traces list');
  for (const c of calls) {
    const p = P[c.name];
    await open(page, `#/traces?trace=${c.traceId}&span=${c.llmSpanId}`);
    await assertPanel(page, 'trace-view', 'data', c.name);
    const wf = await text('[data-panel="trace-view"] .waterfall');
    assertHasAll(wf, [`agent ${p}`, `chat ${p}`, `svc ${p}`], `waterfall ${c.name}`);
    const d = await text('[data-panel="trace-view"] .span-detail');
    assertHasAll(d, [`chat ${p}`, `attr.${c.name}.${p}`, c.fields.model, c.fields.user, `event ${p}`, `ev ${p}`, `svc ${p}`], `span detail ${c.name}`);
    // the attribute value cell is exactly the payload
    const cell = await page.$$eval('[data-panel="trace-view"] .span-detail table.kv tr', (trs, k) =>
      trs.filter((tr) => tr.querySelector('th')?.textContent === k).map((tr) => tr.querySelector('td').textContent), `attr.${c.name}.${p}`);
    assert.deepEqual(cell, [p]);
    await assertInert(`Traces ${c.name}`);
  }
  await open(page, '#/traces');
  // the service menu (filled after the page is ready)
  await page.waitForFunction((n) => document.querySelectorAll('main form.search select[name="service"] option').length > n, calls.length, { timeout: 3000 * SLOW })
    .catch(() => {});
  const opts = await page.$$eval('main form.search select[name="service"] option', (els) => els.map((e) => e.textContent));
  for (const c of calls) assert.ok(opts.includes(`svc ${P[c.name]}`), `service menu: ${JSON.stringify(opts)}`);
  await assertInert('Traces service menu');
  assert.deepEqual(takeProblems(page), []);
});

test('dashboards: payload models, users, templates, routes and errors in tables, bars, legends and menus are text', async () => {
  takeProblems(page);
  for (const name of ['health', 'cost', 'behavior']) {
    await open(page, `#/${name}`);
    const states = await panelStates(page);
    assert.ok(!Object.values(states).includes('error'), `${name}: ${JSON.stringify(states)}`);
    await assertInert(name);
  }
  // the filter menus hold the payload models and routes as option text
  const models = await page.$$eval('select[data-filter="model"] option', (els) => els.map((e) => e.textContent));
  for (const c of calls) assert.ok(models.includes(c.fields.model), `model menu: ${JSON.stringify(models)}`);
  const routes = await page.$$eval('select[data-filter="route"] option', (els) => els.map((e) => e.textContent));
  assert.ok(routes.includes(P.svg), `route menu: ${JSON.stringify(routes)}`);

  // tables: Model Behavior's top users and templates link to the Prompts page
  const users = await text('[data-panel="top-users"]');
  const tpls = await text('[data-panel="top-templates"]');
  for (const c of calls) { assertHasAll(users, [c.fields.user], 'top users'); assertHasAll(tpls, [c.fields.template], 'top templates'); }

  // Cost: every payload model is unpriced, listed with a link
  await open(page, '#/cost');
  await assertPanel(page, 'unpriced', 'data');
  const unpriced = await text('[data-panel="unpriced"]');
  for (const c of calls) assertHasAll(unpriced, [c.fields.model], 'unpriced table');
  await assertInert('cost');

  // Health: the error class
  await open(page, '#/health');
  assertHasAll(await text('[data-panel="error-classes"]'), [`Err ${P.img}`], 'errors by class');

  // a payload model chosen in the filter menu: escaped in PromQL, no panel fails
  for (const name of ['health', 'cost']) {
    await open(page, `#/${name}`);
    for (const c of calls) {
      await rerender(page, () => page.selectOption('select[data-filter="model"]', c.fields.model));
      assert.equal(hashParams(page.url()).model, c.fields.model);
      const states = await panelStates(page);
      assert.ok(!Object.values(states).includes('error'), `${name} filtered by ${c.fields.model}: ${JSON.stringify(states)}`);
      if (name === 'cost') {
        await assertPanel(page, 'total-calls', 'data');
        assert.equal((await text('[data-panel="total-calls"] .stat-value')).trim(), '1', `one call of ${c.fields.model}`);
      }
      await assertInert(`${name} filtered by ${c.name}`);
    }
  }
  assert.deepEqual(takeProblems(page), []);
});

test('a payload in the URL itself is text', async () => {
  takeProblems(page);
  const q = encodeURIComponent(P.svg + P.script);
  await open(page, `#/prompts?q=${q}&user=${encodeURIComponent(P.js)}&from=${encodeURIComponent(P.img)}`);
  assert.equal(await page.$eval('main form.search input[name="q"]', (e) => e.value), P.svg + P.script);
  await assertInert('Prompts with payload parameters');
  await open(page, `#/traces?user=${encodeURIComponent(P.img)}&trace=${encodeURIComponent(P.svg)}`);
  await assertInert('Traces with payload parameters');
  await open(page, `#/cost?model=${encodeURIComponent(P.svg)}&route=${encodeURIComponent(P.script)}`);
  await assertInert('Cost with payload filters');
  // the payload trace id is refused by the API (400): expected
  const problems = takeProblems(page).filter((p) => !/(HTTP 40[04]: |status of 40[04] .*)\S*\/api\/traces\/%22%3E%3Csvg/.test(p));
  assert.deepEqual(problems, []);
});

test('the page is served with a strict Content-Security-Policy', async () => {
  const r = await fetch(loupe.url + '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /text\/html/);
  const csp = r.headers.get('content-security-policy') || '';
  const dirs = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map((d) => [d[0], d.slice(1)]));
  assert.deepEqual(dirs['script-src'], ["'self'"], `script-src 'self' only: ${csp}`);
  for (const [k, v] of Object.entries(dirs)) {
    assert.ok(!v.includes("'unsafe-inline'") && !v.includes("'unsafe-eval'"), `${k} without unsafe-*: ${csp}`);
  }
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
});
