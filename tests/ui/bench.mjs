#!/usr/bin/env node
// bench.mjs - how fast the UI draws and how much it weighs (not part of the
// test suite).  Starts a loupe (LOUPE_BIN, embedded UI; UI_WEB_DIR to serve
// web/ from disk), fills it with `--days` days of demo data, then:
//   * for each page and time range: the time from navigation start to
//     document.body.dataset.ready === "1" (performance.now() when the
//     attribute flips), median / min / max of --loads loads, each in a fresh
//     browser context (cold cache), after one warm-up load; target < 1.5 s;
//   * the gzipped size of the UI's own JS + CSS: every /*.js, /lib/*.js,
//     /pages/*.js and /style.css the pages load, fetched with
//     Accept-Encoding: gzip, Content-Length summed (/vendor/uplot/* excluded);
//     target < 100 KB.
//
//   LOUPE_BIN=build/loupe node tests/ui/bench.mjs [--days 7] [--loads 5] [--url http://127.0.0.1:9090]
// --url measures an already running loupe (no demo data is loaded).
import http from 'node:http';
import { launchBrowser, startLoupe, stopLoupe, PAGES } from './lib/ui.mjs';
import { generate } from '../../demo/generate.mjs';

const READY_TARGET_MS = 1500;
const SIZE_TARGET = 100 * 1024;

function args(argv) {
  const a = { days: 7, loads: 5, url: null, ranges: ['now-1h', 'now-24h', 'now-7d'] };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === '--days') a.days = Number(argv[++i]);
    else if (f === '--loads') a.loads = Number(argv[++i]);
    else if (f === '--url') a.url = argv[++i];
    else if (f === '--ranges') a.ranges = argv[++i].split(',');
    else if (f === '-h' || f === '--help') { console.log('usage: node tests/ui/bench.mjs [--days N] [--loads N] [--url URL] [--ranges now-1h,now-7d]'); process.exit(0); }
    else throw new Error(`unknown flag ${f}`);
  }
  return a;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

/* Records performance.now() when body[data-ready] becomes "1" (from the
 * start of the navigation), before the page's own scripts run. */
const READY_PROBE = () => {
  const watch = () => {
    const mark = () => { if (document.body.dataset.ready === '1' && window.__readyAt == null) window.__readyAt = performance.now(); };
    new MutationObserver(mark).observe(document.body, { attributes: true, attributeFilter: ['data-ready'] });
    mark();
  };
  if (document.body) watch();
  else document.addEventListener('DOMContentLoaded', watch);
};

async function timeLoad(browser, url) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    const page = await ctx.newPage();
    const assets = new Set();
    page.on('request', (r) => assets.add(new URL(r.url()).pathname));
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(READY_PROBE);
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__readyAt != null, null, { timeout: 120000, polling: 20 });
    const ms = await page.evaluate(() => window.__readyAt);
    const states = await page.evaluate(() => [...document.querySelectorAll('[data-panel]')].map((e) => e.dataset.state));
    return { ms, assets, errors, states };
  } finally {
    await ctx.close();
  }
}

/* Raw (compressed) bytes of a GET with Accept-Encoding: gzip. */
function gzSize(base, p) {
  return new Promise((resolve, reject) => {
    http.get(base + p, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      let n = 0;
      res.on('data', (d) => { n += d.length; });
      res.on('end', () => resolve({
        status: res.statusCode, encoding: res.headers['content-encoding'] || 'identity',
        length: res.headers['content-length'] != null ? Number(res.headers['content-length']) : n, bytes: n,
      }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

function table(rows, cols) {
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (r) => cols.map((c, i) => (typeof r[c] === 'number' || /^[\d.]+( ms| KB)?$/.test(String(r[c])) ? String(r[c]).padStart(w[i]) : String(r[c]).padEnd(w[i]))).join('  ');
  console.log(line(Object.fromEntries(cols.map((c) => [c, c]))));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const r of rows) console.log(line(r));
}

async function main() {
  const a = args(process.argv.slice(2));
  let loupe = null, base = a.url;
  if (!base) {
    loupe = await startLoupe();
    base = loupe.url;
    const t0 = Date.now();
    const s = await generate({ httpUrl: base, days: a.days, seed: 42, log: (m) => process.stderr.write(`[demo] ${m}\n`) });
    process.stderr.write(`[bench] ${a.days} days of demo data in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${s.calls} calls, ${s.spans} spans, ${s.samples} samples\n`);
    const f = await fetch(base + '/api/v1/admin/flush', { method: 'POST' });
    if (f.status !== 200) throw new Error(`flush: ${f.status}`);
  }
  const browser = await launchBrowser();
  const rows = [];
  const assets = new Set();
  try {
    for (const range of a.ranges) {
      for (const page of PAGES) {
        const url = `${base}/#/${page}?from=${range}&to=now`;
        await timeLoad(browser, url); // warm-up: loupe's caches, Chromium's code cache
        const ms = [];
        let last;
        for (let i = 0; i < a.loads; i++) {
          last = await timeLoad(browser, url);
          if (last.errors.length) throw new Error(`${url}: ${last.errors.join('; ')}`);
          ms.push(last.ms);
          for (const p of last.assets) assets.add(p);
        }
        const med = median(ms);
        const st = {};
        for (const s of last.states) st[s] = (st[s] || 0) + 1;
        rows.push({
          page, range, 'median ms': Math.round(med), 'min ms': Math.round(Math.min(...ms)), 'max ms': Math.round(Math.max(...ms)),
          panels: Object.entries(st).map(([k, v]) => `${v} ${k}`).join(', '), '< 1.5 s': med < READY_TARGET_MS ? 'yes' : 'NO',
        });
        process.stderr.write(`[bench] ${page} ${range}: ${ms.map((x) => x.toFixed(0)).join(' ')} ms\n`);
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`\nTime from navigation to body.dataset.ready (median of ${a.loads} cold loads, after a warm-up)\n`);
  table(rows, ['page', 'range', 'median ms', 'min ms', 'max ms', 'panels', '< 1.5 s']);

  const own = [...assets].filter((p) => /^\/[^/]+\.js$|^\/lib\/[^/]+\.js$|^\/pages\/[^/]+\.js$|^\/style\.css$/.test(p)).sort();
  const sizes = [];
  for (const p of own) {
    const r = await gzSize(base, p);
    if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status}`);
    sizes.push({ file: p, encoding: r.encoding, bytes: r.length });
  }
  const total = sizes.reduce((s, x) => s + x.bytes, 0);
  const vendor = [...assets].filter((p) => p.startsWith('/vendor/uplot/'));
  let vendorBytes = 0;
  for (const p of vendor) vendorBytes += (await gzSize(base, p)).length;
  console.log(`\nThe UI's own JS + CSS as served with Accept-Encoding: gzip (${own.length} files; /vendor/uplot/* excluded: ${vendor.length} files, ${(vendorBytes / 1024).toFixed(1)} KB)\n`);
  table([...sizes.map((x) => ({ file: x.file, encoding: x.encoding, KB: (x.bytes / 1024).toFixed(1) })),
    { file: 'total', encoding: '', KB: (total / 1024).toFixed(1) }], ['file', 'encoding', 'KB']);
  console.log(`\ntotal ${(total / 1024).toFixed(1)} KB gzipped: ${total < SIZE_TARGET ? 'under' : 'OVER'} the 100 KB target`);
  const slow = rows.filter((r) => r['< 1.5 s'] !== 'yes');
  console.log(slow.length ? `${slow.length} page loads over the 1.5 s target` : 'every page load under the 1.5 s target');
  if (loupe) await stopLoupe(loupe);
}

main().catch((e) => { console.error(e); process.exit(1); });
