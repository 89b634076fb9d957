// flows.test.mjs - the investigation flows on demo data, through the UI's own
// links and forms: a user id -> that user's calls (Prompts filtered by user)
// -> one call (prompt as chat messages, the completion) -> its trace (Traces
// waterfall with the LLM span under its agent span) -> back; the Traces page
// finds a user's traces and opens one by id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, newPage, open, rerender, assertPanel, takeProblems, hashParams, getJSON, stopLoupe, T, SLOW,
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

/* The text the UI shows for a message's content (string, or content parts). */
function contentText(c) {
  if (c == null) return '';
  if (typeof c === 'string') return c;
  if (Array.isArray(c) && c.every((x) => x && (typeof x.text === 'string' || typeof x.content === 'string'))) return c.map((x) => x.text ?? x.content).join('\n');
  return JSON.stringify(c, null, 2);
}

const detailMessages = (side) => page.$$eval(`[data-panel="call-detail"] .side.${side} .msg`, (els) => els.map((e) => ({
  role: e.querySelector('.msg-role').textContent, text: e.querySelector('.msg-text').textContent,
})));

test('user -> their calls -> a call -> its trace (LLM span under the agent span) -> back', async () => {
  const { userId, agentTraceId } = demo.known;
  // the agent's final LLM call: its completion is the answer text
  const agentCalls = (await getJSON(loupe.url, `/api/v1/llm/calls?trace_id=${agentTraceId}`)).calls;
  assert.ok(agentCalls.length >= 2, 'the agent trace has several LLM calls');
  const target = agentCalls[0]; // newest first
  const full = await getJSON(loupe.url, `/api/v1/llm/calls/${target.id}`);
  const jt = (await getJSON(loupe.url, `/api/traces/${agentTraceId}`)).data[0];
  const span = jt.spans.find((s) => s.spanID === target.span_id);
  const parentId = span.references.find((r) => r.refType === 'CHILD_OF').spanID;
  const parent = jt.spans.find((s) => s.spanID === parentId);
  assert.equal(parent.tags.find((t) => t.key === 'gen_ai.operation.name')?.value, 'invoke_agent', 'the demo: an LLM span under an agent span');

  takeProblems(page);
  // 1. the user's calls, through the Prompts page's user field
  await open(page, '#/prompts');
  await page.fill('main form.search input[name="user"]', userId);
  await rerender(page, () => page.press('main form.search input[name="user"]', 'Enter'));
  assert.equal(hashParams(page.url()).user, userId);
  await assertPanel(page, 'call-results', 'data');
  const listed = await page.$$eval('[data-panel="call-results"] [data-call-id]', (els) => els.map((e) => ({
    id: e.dataset.callId, user: e.querySelector('.call-head b')?.textContent,
  })));
  const api = (await getJSON(loupe.url, `/api/v1/llm/calls?user_id=${userId}&limit=50`)).calls;
  assert.ok(listed.length > 0 && listed.every((x) => x.user === userId), `only the user's calls: ${JSON.stringify(listed.slice(0, 5))}`);
  assert.deepEqual(listed.map((x) => x.id), api.slice(0, listed.length).map((c) => String(c.id)), 'the user\'s newest calls, in order');
  // the list pages by 50: "Load more" until the agent call is there
  for (let i = 0; i < 10 && !(await page.$(`[data-panel="call-results"] [data-call-id="${target.id}"]`)); i++) {
    const n = await page.$$eval('[data-panel="call-results"] [data-call-id]', (els) => els.length);
    await page.click('[data-panel="call-results"] button.more');
    await page.waitForFunction((k) => document.querySelectorAll('[data-panel="call-results"] [data-call-id]').length > k, n, { timeout: T });
  }
  assert.ok(await page.$(`[data-panel="call-results"] [data-call-id="${target.id}"]`), `the agent call ${target.id} is listed`);

  // 2. the call: prompt as chat messages, the completion beside it
  await rerender(page, () => page.click(`[data-panel="call-results"] [data-call-id="${target.id}"]`));
  const q = hashParams(page.url());
  assert.deepEqual([q.page, q.call, q.user], ['prompts', String(target.id), userId]);
  await assertPanel(page, 'call-detail', 'data');
  const nOut = JSON.parse(full.completion).length;
  const inMsgs = full.messages.slice(0, full.messages.length - nOut);
  const outMsgs = full.messages.slice(full.messages.length - nOut);
  assert.ok(inMsgs.length >= 2 && inMsgs[0].role === 'system' && inMsgs.some((m) => m.role === 'user'));
  assert.deepEqual(await detailMessages('prompt'), inMsgs.map((m) => ({ role: m.role, text: contentText(m.content) })));
  assert.deepEqual(await detailMessages('completion'), outMsgs.map((m) => ({ role: m.role, text: contentText(m.content) })));
  assert.ok((await detailMessages('prompt')).some((m) => m.text === demo.known.agentQuestion), 'the user question is a prompt message');
  assert.ok((await detailMessages('completion'))[0].text.startsWith('Summary: '), 'the answer is the completion');
  const meta = await page.$eval('[data-panel="call-detail"] dl.call-meta', (e) => e.textContent);
  for (const s of [full.route, full.user_id, full.template, full.session_id]) assert.ok(meta.includes(s), `call meta shows ${s}`);

  // 3. its trace: the waterfall with the LLM span selected under its agent span
  await rerender(page, () => page.click('[data-panel="call-detail"] dl.call-meta a:text("open trace")'));
  const tq = hashParams(page.url());
  assert.deepEqual([tq.page, tq.trace, tq.span], ['traces', agentTraceId, target.span_id]);
  await assertPanel(page, 'trace-view', 'data');
  const rows = await page.$$eval('[data-panel="trace-view"] .wf-row', (els) => els.map((e) => ({
    id: e.dataset.spanId, kind: e.querySelector('.badge').textContent, sel: e.classList.contains('sel'),
    indent: parseFloat(e.querySelector('.wf-name').style.paddingLeft) || 0,
  })));
  assert.equal(rows.length, jt.spans.length, 'one waterfall row per span');
  const li = rows.findIndex((r) => r.id === target.span_id), ai = rows.findIndex((r) => r.id === parentId);
  assert.ok(li >= 0 && ai >= 0 && ai < li, 'the agent span is above the LLM span');
  assert.deepEqual([rows[li].kind, rows[li].sel], ['llm', true]);
  assert.equal(rows[ai].kind, 'agent');
  assert.ok(rows[li].indent > rows[ai].indent, 'the LLM span is nested under the agent span');
  const detail = await page.$eval('[data-panel="trace-view"] .span-detail', (e) => ({ id: e.dataset.spanId, text: e.textContent }));
  assert.equal(detail.id, target.span_id);
  assert.ok(detail.text.includes('gen_ai.request.model') && detail.text.includes(full.model), 'the span attributes are shown');

  // clicking the agent span selects it (same trace)
  await rerender(page, () => page.click(`[data-panel="trace-view"] .wf-row[data-span-id="${parentId}"]`));
  assert.equal(hashParams(page.url()).span, parentId);
  assert.equal(await page.$eval('[data-panel="trace-view"] .span-detail', (e) => e.dataset.spanId), parentId);
  assert.ok((await page.$eval('[data-panel="trace-view"] .span-detail', (e) => e.textContent)).includes('invoke_agent'));

  // 4. back: the browser's back button returns to the call (selecting a span
  // replaces the history entry)
  await rerender(page, () => page.goBack());
  const bq = hashParams(page.url());
  assert.deepEqual([bq.page, bq.call], ['prompts', String(target.id)]);
  await assertPanel(page, 'call-detail', 'data');
  // ... and "back to results" returns to the user's list
  await rerender(page, () => page.click('[data-panel="call-detail"] a.calls-link'));
  const rq = hashParams(page.url());
  assert.deepEqual([rq.page, rq.user, rq.call], ['prompts', userId, undefined]);
  await assertPanel(page, 'call-results', 'data');
  assert.deepEqual(takeProblems(page), []);
});

test('span -> its LLM call: the Traces page links an LLM span to the Prompts detail', async () => {
  const { traceId } = demo.known;
  const calls = (await getJSON(loupe.url, `/api/v1/llm/calls?trace_id=${traceId}`)).calls;
  assert.ok(calls.length >= 1);
  takeProblems(page);
  await open(page, `#/traces?trace=${traceId}&span=${calls[0].span_id}`);
  await assertPanel(page, 'trace-view', 'data');
  await rerender(page, () => page.click('[data-panel="trace-view"] .span-detail a.button'));
  const q = hashParams(page.url());
  assert.deepEqual([q.page, q.call], ['prompts', String(calls[0].id)]);
  await assertPanel(page, 'call-detail', 'data');
  const prompt = await detailMessages('prompt');
  assert.ok(prompt.some((m) => m.role === 'user' && m.text === demo.known.callQuestion), `the golden question: ${JSON.stringify(prompt.map((m) => m.role))}`);
  assert.deepEqual(takeProblems(page), []);
});

test('Traces: find by user id and by session id, then open a trace by id', async () => {
  const { userId, sessionId, traceId, cjkTraceId, agentTraceId } = demo.known;
  takeProblems(page);
  await open(page, '#/traces');
  await page.fill('main form.search input[name="user"]', userId);
  await rerender(page, () => page.click('main form.search button[type="submit"]'));
  assert.equal(hashParams(page.url()).user, userId);
  let ids = await page.$$eval('[data-panel="trace-results"] [data-trace-id]', (els) => els.map((e) => e.dataset.traceId));
  // the user's traces: those of their LLM calls in the range (the list holds the newest 20)
  const userTraces = new Set((await getJSON(loupe.url, `/api/v1/llm/calls?user_id=${userId}&start=${Math.floor(Date.now() / 1000) - 7200}&limit=1000`)).calls.map((c) => c.trace_id));
  assert.ok(ids.length > 0 && ids.every((id) => userTraces.has(id)), `only the user's traces: ${ids}`);

  // by session id: the demo's golden session has two traces
  await page.fill('main form.search input[name="user"]', '');
  await page.fill('main form.search input[name="session"]', sessionId);
  await rerender(page, () => page.click('main form.search button[type="submit"]'));
  assert.equal(hashParams(page.url()).session, sessionId);
  ids = await page.$$eval('[data-panel="trace-results"] [data-trace-id]', (els) => els.map((e) => e.dataset.traceId));
  assert.deepEqual(ids.sort(), [traceId, cjkTraceId].sort(), 'the session\'s traces');

  await open(page, '#/traces?session=' + encodeURIComponent(sessionId));
  await rerender(page, () => page.click(`[data-panel="trace-results"] [data-trace-id="${traceId}"] a`));
  assert.equal(hashParams(page.url()).trace, traceId);
  await assertPanel(page, 'trace-view', 'data');
  await open(page, `#/traces?trace=${agentTraceId}`);
  await assertPanel(page, 'trace-view', 'data');
  const kinds = await page.$$eval('[data-panel="trace-view"] .wf-row .badge', (els) => els.map((e) => e.textContent));
  assert.ok(kinds.includes('agent') && kinds.includes('llm') && kinds.includes('tool'), JSON.stringify(kinds));

  // by trace id, typed into the form
  await open(page, '#/traces');
  await page.fill('main form.search input[name="trace"]', traceId.toUpperCase());
  await rerender(page, () => page.click('main form.search button[type="submit"]'));
  assert.equal(hashParams(page.url()).trace, traceId);
  await assertPanel(page, 'trace-view', 'data');
  assert.ok((await page.$eval('[data-panel="trace-view"] header', (e) => e.textContent)).includes(traceId));

  // an unknown trace id: an error state, not a crash
  const unknown = '0123456789abcdef0123456789abcdef';
  await open(page, `#/traces?trace=${unknown}`);
  await assertPanel(page, 'trace-view', 'error');
  assert.ok((await page.$eval('[data-panel="trace-view"]', (e) => e.textContent)).includes(unknown));
  const problems = takeProblems(page).filter((p) => !p.includes(`/api/traces/${unknown}`));
  assert.deepEqual(problems, []);
});

test('a failed call: its detail shows the call with its error', async () => {
  const { errorTraceId, errorType } = demo.known;
  const c = (await getJSON(loupe.url, `/api/v1/llm/calls?trace_id=${errorTraceId}&status=error`)).calls[0];
  assert.ok(c && c.status === 'error', 'the demo has a failed call in the error trace');
  takeProblems(page);
  await open(page, `#/prompts?status=error&user=${encodeURIComponent(demo.known.userId)}`);
  await assertPanel(page, 'call-results', 'data');
  await rerender(page, () => page.click(`[data-panel="call-results"] [data-call-id="${c.id}"]`));
  await assertPanel(page, 'call-detail', 'data', `failed call ${c.id}`);
  assert.equal(await page.$eval('[data-panel="call-detail"] header .badge', (e) => e.textContent), errorType);
  const prompt = await detailMessages('prompt');
  assert.ok(prompt.some((m) => m.role === 'user' && m.text.includes('quota error')), `the question: ${JSON.stringify(prompt)}`);
  assert.deepEqual(takeProblems(page), []);
});

test('Traces: the service menu lists the services and finds their traces', async () => {
  const services = (await getJSON(loupe.url, '/api/services')).data;
  assert.ok(services.includes('research-agent'));
  takeProblems(page);
  await open(page, '#/traces');
  const sel = 'main form.search select[name="service"]';
  // the menu is filled after the page is ready
  await page.waitForFunction((s) => [...document.querySelector(s).options].some((o) => o.value === 'research-agent'), sel, { timeout: 3000 * SLOW }).catch(() => {});
  const opts = await page.$$eval(`${sel} option`, (els) => els.map((e) => e.value));
  assert.deepEqual(opts.filter(Boolean).sort(), [...services].sort(), 'the service menu');
  await page.selectOption(sel, 'research-agent');
  await rerender(page, () => page.click('main form.search button[type="submit"]'));
  assert.equal(hashParams(page.url()).service, 'research-agent');
  const svcs = await page.$$eval('[data-panel="trace-results"] [data-trace-id] td:nth-child(3)', (els) => els.map((e) => e.textContent));
  assert.ok(svcs.length > 0 && svcs.every((s) => s.split(', ').includes('research-agent')), JSON.stringify(svcs));
  assert.equal(await page.$eval(sel, (e) => e.value), 'research-agent');
  assert.deepEqual(takeProblems(page), []);
});
