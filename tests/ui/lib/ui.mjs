// lib/ui.mjs - the web UI under test: a loupe (tests/e2e/lib/loupe.mjs) and
// Debian's Chromium driven by playwright-core, with pages that record every
// request, console error and page error, and waits on the UI's own markers
// (document.body.dataset.ready, [data-panel][data-state]).
//
// Environment: LOUPE_BIN (the binary), LOUPE_ASAN=1 (longer deadlines),
// UI_WEB_DIR (serve web/ from disk with --web-dir, for UI development),
// CHROMIUM (default /usr/bin/chromium), UI_SCREENSHOTS (directory for the
// page screenshots, default docs/screenshots; "off" skips writing them).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Loupe, SLOW, until } from '../../e2e/lib/loupe.mjs';

export { SLOW, until };
export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const SCREENSHOT_DIR = process.env.UI_SCREENSHOTS === 'off' ? null
  : path.resolve(ROOT, process.env.UI_SCREENSHOTS || 'docs/screenshots');

/* Deadlines (ms) for one UI condition; the ASan build is several times slower. */
export const T = 20000 * SLOW;

export const PAGES = ['health', 'cost', 'behavior', 'traces', 'prompts'];

/* A loupe serving the UI (embedded, or UI_WEB_DIR from disk). */
export async function startLoupe(args = []) {
  const extra = process.env.UI_WEB_DIR ? ['--web-dir', path.resolve(process.env.UI_WEB_DIR)] : [];
  return new Loupe({ args: [...extra, ...args] }).start();
}

export async function stopLoupe(l) {
  if (!l) return;
  await l.stop();
  l.cleanup();
}

/* Headless Chromium; playwright gives every launch a fresh temporary profile
 * (it refuses a --user-data-dir argument) and deletes it on close. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30000 * SLOW,
  });
}

/* A fresh context + page on loupe's origin.  page.log holds what went wrong
 * (console errors, page errors, failed requests, requests outside loupe's
 * origin); page.requests every request URL since the last resetRequests(). */
export async function newPage(browser, base, { width = 1440, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, timezoneId: 'UTC', locale: 'en-US' });
  const page = await context.newPage();
  page.setDefaultTimeout(T);
  const origin = new URL(base).origin;
  page.problems = [];
  page.requests = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(`console error: ${m.text()} (${m.location()?.url || ''})`);
  });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const u = r.url();
    page.requests.push(u);
    if (u.startsWith('data:') || u.startsWith('blob:')) return;
    if (new URL(u).origin !== origin) page.problems.push(`request outside loupe: ${r.method()} ${u}`);
  });
  page.on('requestfailed', (r) => {
    // an aborted fetch is the UI cancelling a superseded query: not a failure
    const f = r.failure()?.errorText || '';
    if (!/ERR_ABORTED/.test(f)) page.problems.push(`request failed: ${r.url()} ${f}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) page.problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.base = base;
  return page;
}

export function takeProblems(page) {
  const p = page.problems;
  page.problems = [];
  return p;
}

export function resetRequests(page) {
  page.requests = [];
}

/* API requests (path + query) made since the last resetRequests(), sorted. */
export function apiRequests(page) {
  return page.requests.map((u) => new URL(u)).filter((u) => u.pathname.startsWith('/api/'))
    .map((u) => u.pathname + u.search).sort();
}

/* Waits until the page says it is drawn: body[data-ready="1"], no panel
 * loading, and (when given) location.hash equal to hash. */
export async function waitReady(page, hash) {
  await page.waitForFunction((h) =>
    document.body && document.body.dataset.ready === '1'
    && !document.querySelector('[data-panel][data-state="loading"]')
    && (h == null || location.hash === h), hash ?? null, { timeout: T, polling: 50 });
}

/* Marks the page not ready, runs act (which must make the UI re-render),
 * and waits until it is ready again. */
export async function rerender(page, act, hash) {
  await page.evaluate(() => { document.body.dataset.ready = '0'; });
  await act();
  await waitReady(page, hash);
}

/* Loads base + '/' + hash as a new document (never a same-document hash
 * change) and waits until drawn. */
export async function open(page, hash = '') {
  if (page.url() !== 'about:blank') await page.goto('about:blank');
  await page.goto(page.base + '/' + hash, { waitUntil: 'load' });
  await waitReady(page);
}

/* { panelId: state } for every [data-panel] on the page. */
export function panelStates(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-panel]')]
    .map((e) => [e.dataset.panel, e.dataset.state])));
}

/* The hash route's params as an object (#/page?a=1 -> {page, a}). */
export function hashParams(url) {
  const hash = new URL(url).hash.replace(/^#\/?/, '');
  const i = hash.indexOf('?');
  return { page: i < 0 ? hash : hash.slice(0, i), ...Object.fromEntries(new URLSearchParams(i < 0 ? '' : hash.slice(i + 1))) };
}

export async function screenshot(page, name) {
  if (!SCREENSHOT_DIR) return null;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, name + '.png');
  // charts are canvases drawn on resize: let layout settle for two frames
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/* ------------------------------------------------------------ OTLP/JSON */

export const hex = (n, len) => n.toString(16).padStart(len, '0').slice(-len);
const attrValue = (v) => {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Number.isInteger(v)) return { intValue: String(v) };
  if (typeof v === 'number') return { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(attrValue) } };
  throw new Error('attr value ' + v);
};
export const attrs = (o) => Object.entries(o).map(([key, v]) => ({ key, value: attrValue(v) }));

/* POSTs spans as OTLP/JSON to loupe's /v1/traces.  spans: [{traceId, spanId,
 * parentSpanId?, name, kind?, startMs, endMs, attributes, status?, events?}]. */
export async function postSpans(base, resource, spans) {
  const body = {
    resourceSpans: [{
      resource: { attributes: attrs(resource) },
      scopeSpans: [{
        scope: { name: 'loupe-ui-tests' },
        spans: spans.map((s) => ({
          traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || '', name: s.name, kind: s.kind ?? 3,
          startTimeUnixNano: String(BigInt(Math.round(s.startMs)) * 1000000n),
          endTimeUnixNano: String(BigInt(Math.round(s.endMs)) * 1000000n),
          attributes: attrs(s.attributes || {}),
          events: (s.events || []).map((e) => ({ name: e.name, timeUnixNano: String(BigInt(Math.round(e.ms)) * 1000000n), attributes: attrs(e.attributes || {}) })),
          status: s.status || {},
        })),
      }],
    }],
  };
  const r = await fetch(base + '/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`POST /v1/traces: ${r.status} ${text}`);
  const j = JSON.parse(text || '{}');
  if (j.partialSuccess && (j.partialSuccess.rejectedSpans | 0) > 0) throw new Error(`POST /v1/traces: partial success ${text}`);
  return j;
}

export async function getJSON(base, p) {
  const r = await fetch(base + p);
  const t = await r.text();
  if (r.status !== 200) throw new Error(`GET ${p}: ${r.status} ${t}`);
  return JSON.parse(t);
}

/* Asserts panel id's data-state; the message carries the panel's text. */
export async function assertPanel(page, id, state, what = '') {
  const r = await page.$eval(`[data-panel="${id}"]`, (e) => ({ state: e.dataset.state, text: e.textContent.slice(0, 300) }));
  if (r.state !== state) throw new Error(`${what ? what + ': ' : ''}panel ${id} is "${r.state}", want "${state}": ${r.text}`);
}
