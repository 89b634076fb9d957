#!/usr/bin/env node
// generate.mjs - demo traffic for loupe over the real protocols:
//   * OTLP/HTTP protobuf traces and logs from the OpenTelemetry JS SDK
//     (BasicTracerProvider / LoggerProvider + the OTLP proto exporters), with
//     OTel GenAI attributes: chat / embeddings calls, agents (invoke_agent ->
//     chat -> execute_tool), errors, cache hits, TTFT, prompts and answers;
//   * Prometheus remote-write 1.0 (protobuf + snappy) of vLLM and DCGM
//     exporter metrics.
// First a backfill of the last --days days, sent in time order, then (with
// --live) live traffic until SIGINT/SIGTERM.  Deterministic for a --seed
// (the wall clock only decides where "now" is).
//
//   node demo/generate.mjs --http-url http://127.0.0.1:9090 --otlp-url http://127.0.0.1:4318 --days 7 --live
//
// Library use (UI tests):  import { generate } from '../../demo/generate.mjs';
//   const s = await generate({ httpUrl, otlpUrl, days: 2, calls: 3000, seed: 7 });
//   s.known.userId, s.known.traceId, s.known.agentTraceId, s.known.callText, ...
import { trace, ROOT_CONTEXT, SpanKind, SpanStatusCode, diag } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import snappy from 'snappyjs';
import { pathToFileURL } from 'node:url';
import { SYSTEM, QA, DOC_PASSAGES, EXTRA, TOOL_RESULTS, ERRORS, SLOTS, DIFF_FILES, DIFF_LINES, PAGE_SENTENCES } from './corpus.mjs';

const SEC = 1000, MIN = 60 * SEC, HOUR = 60 * MIN, DAY = 24 * HOUR;

/* ------------------------------------------------------------------ PRNG */

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) { this.u = mulberry32(seed); }
  int(lo, hi) { return lo + Math.floor(this.u() * (hi - lo + 1)); } // inclusive
  chance(p) { return this.u() < p; }
  pick(a) { return a[Math.floor(this.u() * a.length)]; }
  weighted(pairs) { // [[value, weight], ...]
    let s = 0;
    for (const [, w] of pairs) s += w;
    let x = this.u() * s;
    for (const [v, w] of pairs) if ((x -= w) < 0) return v;
    return pairs[pairs.length - 1][0];
  }
  normal() {
    const u = 1 - this.u(), v = this.u();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  lognormal(median, sigma) { return median * Math.exp(sigma * this.normal()); }
  poisson(lam) {
    if (lam <= 0) return 0;
    if (lam > 30) return Math.max(0, Math.round(lam + Math.sqrt(lam) * this.normal()));
    const L = Math.exp(-lam);
    let k = 0, p = 1;
    do { k++; p *= this.u(); } while (p > L);
    return k - 1;
  }
  hex(n) {
    let s = '';
    while (s.length < n) s += ((this.u() * 4294967296) >>> 0).toString(16).padStart(8, '0');
    return s.slice(0, n);
  }
  alnum(n) {
    const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += A[Math.floor(this.u() * A.length)];
    return s;
  }
}

/* ------------------------------------------------------------------ helpers */

const hr = (ms) => {
  const s = Math.floor(ms / 1000);
  const ns = Math.round((ms - s * 1000) * 1e6);
  return ns >= 1e9 ? [s + 1, ns - 1e9] : [s, ns];
};
const hrMs = (h) => h[0] * 1000 + h[1] / 1e6;
const clamp = (x, lo, hi) => (x < lo ? lo : x > hi ? hi : x);
const sleep = (ms, signal) => new Promise((r) => {
  if (signal?.aborted) return r();
  const onAbort = () => { clearTimeout(t); r(); };
  const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); r(); }, ms);
  signal?.addEventListener('abort', onAbort, { once: true });
});
const CJK = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/g;
/* rough token count: CJK characters ~1 token each, other text ~4 chars per token */
function tok(s) {
  const cjk = (s.match(CJK) || []).length;
  return Math.max(1, Math.ceil((s.length - cjk) / 4 + cjk * 1.1));
}
function erf(x) { // Abramowitz-Stegun 7.1.26
  const s = Math.sign(x); x = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return s * y;
}
const lognormCdf = (x, median, sigma) => (x <= 0 ? 0 : 0.5 * (1 + erf(Math.log(x / median) / (sigma * Math.SQRT2))));

/* ------------------------------------------------------------------ traffic shape */

/* Relative request rate at time ms (UTC): EU and US business hours, a small
 * APAC bump, quieter weekends; peak ~1. */
function diurnal(ms) {
  const h = (ms % DAY) / HOUR;
  const g = (c, w) => { let d = Math.abs(h - c); if (d > 12) d = 24 - d; return Math.exp(-0.5 * (d / w) ** 2); };
  const wd = new Date(ms).getUTCDay();
  const weekly = wd === 0 || wd === 6 ? 0.5 : 1;
  return (0.12 + 0.5 * g(10, 2.8) + 0.62 * g(16, 3.2) + 0.18 * g(2.5, 2.2)) * weekly;
}

/* Incidents, at fixed offsets from the day of `end`:
 *   llama: the local llama pool is overloaded (queue, KV cache full, TTFT up, timeouts);
 *   openai: gpt-4o rate limited; anthropic: overloaded. */
function incidents(end) {
  const d0 = Math.floor(end / DAY) * DAY;
  return {
    llama: { start: d0 - 2 * DAY + 14 * HOUR, end: d0 - 2 * DAY + 15 * HOUR + 10 * MIN },
    openai: { start: d0 - 4 * DAY + 16 * HOUR + 20 * MIN, end: d0 - 4 * DAY + 17 * HOUR + 5 * MIN },
    anthropic: { start: d0 - 5 * DAY + 11 * HOUR, end: d0 - 5 * DAY + 11 * HOUR + 25 * MIN },
    qwenRestart: d0 - 3 * DAY + 10 * HOUR + 5 * MIN,
  };
}
/* 0..1: trapezoid with 8-minute ramps */
function intensity(inc, t) {
  if (!inc || t < inc.start || t > inc.end) return 0;
  return Math.min(1, (t - inc.start) / (8 * MIN), (inc.end - t) / (8 * MIN));
}

/* ------------------------------------------------------------------ models, services */

const MODELS = {
  'gpt-4o': { provider: 'openai', server: 'api.openai.com', port: 443, ttft: 0.45, tps: 85, idPrefix: 'chatcmpl-' },
  'gpt-4o-mini': { provider: 'openai', server: 'api.openai.com', port: 443, ttft: 0.33, tps: 115, idPrefix: 'chatcmpl-' },
  'claude-sonnet-4': { provider: 'anthropic', server: 'api.anthropic.com', port: 443, ttft: 0.85, tps: 62, idPrefix: 'msg_' },
  'gemini-2.5-flash': { provider: 'gcp.gemini', server: 'generativelanguage.googleapis.com', port: 443, ttft: 0.38, tps: 175, idPrefix: '' },
  'llama-3.1-8b-instruct': { provider: 'vllm', server: 'vllm-llama.inference.svc.cluster.local', port: 8000, ttft: 0.075, tps: 78, idPrefix: 'chatcmpl-', local: 'llama' },
  'qwen2.5-7b': { provider: 'vllm', server: 'vllm-qwen.inference.svc.cluster.local', port: 8000, ttft: 0.09, tps: 70, idPrefix: 'chatcmpl-', local: 'qwen' },
  'text-embedding-3-small': { provider: 'openai', server: 'api.openai.com', port: 443 },
};

/* flow: how a request of the service looks; weight: share of requests. */
const SERVICES = {
  'support-bot': { version: '2.14.1', weight: 0.30, flow: 'support', route: '/api/support/chat', stream: true },
  'docs-assistant': { version: '1.8.0', weight: 0.17, flow: 'rag', route: '/api/docs/ask', stream: true,
    models: [['claude-sonnet-4', 0.55], ['gemini-2.5-flash', 0.45]], template: 'docs-rag-answer' },
  'research-agent': { version: '0.9.3', weight: 0.06, flow: 'agent', route: '/api/agents/research/runs',
    template: 'research-agent', model: 'gpt-4o', agent: 'Scout', tools: ['web_search', 'fetch_url', 'fetch_url', 'calculator'] },
  'code-review-bot': { version: '1.2.0', weight: 0.06, flow: 'agent', route: '/webhooks/github/pull_request',
    template: 'code-review', model: 'claude-sonnet-4', agent: 'Reviewer', tools: ['get_diff', 'run_tests', 'search_code'] },
  'analytics-copilot': { version: '3.1.0', weight: 0.12, flow: 'single', route: '/api/sql/generate', stream: false,
    template: 'sql-copilot', models: [['gemini-2.5-flash', 0.7], ['gpt-4o', 0.3]], temperature: 0 },
  'localization-svc': { version: '1.0.7', weight: 0.09, flow: 'single', route: '/v1/translate', stream: false,
    template: 'ui-translate', models: [['qwen2.5-7b', 1]], temperature: 0.1, user: 'svc-l10n-ci', noFill: true },
  'support-batch': { version: '2.14.1', weight: 0.09, flow: 'batch', template: 'ticket-summarizer',
    models: [['llama-3.1-8b-instruct', 1]], temperature: 0.2, user: 'svc-support-batch' },
  'sales-assistant': { version: '0.4.2', weight: 0.11, flow: 'single', route: '/api/email/draft', stream: true,
    template: 'sales-email-drafter', models: [['gpt-4o-mini', 0.5], ['llama-3.1-8b-instruct', 0.5]], temperature: 0.7 },
};
const SERVICE_MIX = Object.entries(SERVICES).map(([k, v]) => [k, v.weight]);
const LLM_CALLS_PER_TRACE = 1.6; // average, to size the backfill

const LANGS = [['en', 0.7], ['ja', 0.07], ['zh', 0.07], ['de', 0.06], ['ko', 0.04], ['es', 0.03], ['fr', 0.03]];

/* ------------------------------------------------------------------ vLLM + DCGM metrics */

const TTFT_LE = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
const ITL_LE = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const E2E_LE = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

/* Two llama replicas on a newer vLLM (new and deprecated metric names), one
 * qwen replica on an older vLLM (old names only); one idle GPU. */
const VLLM = [
  { model: 'llama-3.1-8b-instruct', instance: 'vllm-llama-0:8000', pod: 'vllm-llama-0', newNames: true, rps: 2.6, cap: 22, host: 'gpu-node-a', gpu: 0, local: 'llama' },
  { model: 'llama-3.1-8b-instruct', instance: 'vllm-llama-1:8000', pod: 'vllm-llama-1', newNames: true, rps: 2.6, cap: 22, host: 'gpu-node-a', gpu: 1, local: 'llama' },
  { model: 'qwen2.5-7b', instance: 'vllm-qwen-0:8000', pod: 'vllm-qwen-0', newNames: false, rps: 1.3, cap: 14, host: 'gpu-node-b', gpu: 0, local: 'qwen' },
];
const GPUS = [
  { host: 'gpu-node-a', gpu: 0, model: 'NVIDIA A100-SXM4-80GB', mib: 81920, instance: '10.0.3.11:9400', pod: 'vllm-llama-0' },
  { host: 'gpu-node-a', gpu: 1, model: 'NVIDIA A100-SXM4-80GB', mib: 81920, instance: '10.0.3.11:9400', pod: 'vllm-llama-1' },
  { host: 'gpu-node-b', gpu: 0, model: 'NVIDIA L40S', mib: 46068, instance: '10.0.3.12:9400', pod: 'vllm-qwen-0' },
  { host: 'gpu-node-b', gpu: 1, model: 'NVIDIA L40S', mib: 46068, instance: '10.0.3.12:9400', pod: null },
];

/* remote-write protobuf by hand (prometheus.WriteRequest, remote.proto) */
function varintLen(n) { let l = 1; while (n >= 128) { n = Math.floor(n / 128); l++; } return l; }
function putVarint(buf, off, n) {
  while (n >= 128) { buf[off++] = (n % 128) | 128; n = Math.floor(n / 128); }
  buf[off++] = n;
  return off;
}
function pbField(field, payload) { // length-delimited
  const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  const out = Buffer.alloc(1 + varintLen(p.length) + p.length);
  out[0] = (field << 3) | 2;
  const o = putVarint(out, 1, p.length);
  p.copy(out, o);
  return out;
}
function labelBytes(labels) {
  const names = Object.keys(labels).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.concat(names.map((n) => pbField(1, Buffer.concat([pbField(1, n), pbField(2, String(labels[n]))]))));
}
/* series: [{lb: labelBytes, samples: [[ts, v], ...]}], metadata: Buffer (field-3 entries) */
export function encodeWriteRequest(series, metadata) {
  let total = metadata ? metadata.length : 0;
  const sizes = series.map((s) => {
    let n = s.lb.length;
    for (const [ts] of s.samples) { const m = 10 + varintLen(ts); n += 1 + varintLen(m) + m; }
    total += 1 + varintLen(n) + n;
    return n;
  });
  const buf = Buffer.allocUnsafe(total);
  let o = 0;
  series.forEach((s, i) => {
    buf[o++] = 0x0a;
    o = putVarint(buf, o, sizes[i]);
    s.lb.copy(buf, o); o += s.lb.length;
    for (const [ts, v] of s.samples) {
      const m = 10 + varintLen(ts);
      buf[o++] = 0x12;
      o = putVarint(buf, o, m);
      buf[o++] = 0x09;
      buf.writeDoubleLE(v, o); o += 8;
      buf[o++] = 0x10;
      o = putVarint(buf, o, ts);
    }
  });
  if (metadata) { metadata.copy(buf, o); o += metadata.length; }
  return buf;
}
function metadataBytes(entries) { // [name, type, help, unit]
  const T = { counter: 1, gauge: 2, histogram: 3 };
  return Buffer.concat(entries.map(([name, type, help, unit]) => {
    const parts = [Buffer.from([0x08, T[type]]), pbField(2, name), pbField(4, help)];
    if (unit) parts.push(pbField(5, unit));
    return pbField(3, Buffer.concat(parts));
  }));
}

const METADATA = [
  ['vllm:time_to_first_token_seconds', 'histogram', 'Histogram of time to first token in seconds.', ''],
  ['vllm:inter_token_latency_seconds', 'histogram', 'Histogram of inter-token latency in seconds.', ''],
  ['vllm:time_per_output_token_seconds', 'histogram', 'Histogram of time per output token in seconds. DEPRECATED: use vllm:inter_token_latency_seconds.', ''],
  ['vllm:e2e_request_latency_seconds', 'histogram', 'Histogram of e2e request latency in seconds.', ''],
  ['vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.', ''],
  ['vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.', ''],
  ['vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.', ''],
  ['vllm:gpu_cache_usage_perc', 'gauge', 'GPU KV-cache usage. 1 means 100 percent usage. DEPRECATED: use vllm:kv_cache_usage_perc.', ''],
  ['vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.', ''],
  ['vllm:generation_tokens_total', 'counter', 'Number of generation tokens processed.', ''],
  ['vllm:request_success_total', 'counter', 'Count of successfully processed requests.', ''],
  ['DCGM_FI_DEV_FB_USED', 'gauge', 'Framebuffer memory used (in MiB).', ''],
  ['DCGM_FI_DEV_FB_FREE', 'gauge', 'Framebuffer memory free (in MiB).', ''],
  ['DCGM_FI_PROF_SM_ACTIVE', 'gauge', 'The ratio of cycles an SM has at least 1 warp assigned (in %).', ''],
  ['DCGM_FI_DEV_GPU_UTIL', 'gauge', 'GPU utilization (in %).', ''],
];

class MetricsSim {
  constructor(seed, end) {
    this.rng = new Rng(seed ^ 0x6d657472);
    this.inc = incidents(end);
    this.inst = VLLM.map((v) => this.#instance(v));
    this.gpus = GPUS.map((g) => this.#gpu(g));
    this.series = [...this.inst.flatMap((i) => i.all), ...this.gpus.flatMap((g) => g.all)];
    this.meta = metadataBytes(METADATA);
  }
  #s(labels) { return { lb: labelBytes(labels), samples: [], labels }; }
  #hist(name, base, les) {
    return { name, buckets: [...les, Infinity].map((le) => ({ le, v: 0, s: this.#s({ ...base, __name__: `${name}_bucket`, le: le === Infinity ? '+Inf' : String(le) }) })),
      sum: { v: 0, s: this.#s({ ...base, __name__: `${name}_sum` }) }, count: { v: 0, s: this.#s({ ...base, __name__: `${name}_count` }) } };
  }
  #instance(v) {
    const base = { model_name: v.model, instance: v.instance, job: 'vllm', namespace: 'inference', pod: v.pod };
    const i = { ...v, base, down: false, running: 0, waiting: 0 };
    i.ttft = this.#hist('vllm:time_to_first_token_seconds', base, TTFT_LE);
    i.tpot = this.#hist('vllm:time_per_output_token_seconds', base, ITL_LE);
    i.e2e = this.#hist('vllm:e2e_request_latency_seconds', base, E2E_LE);
    i.hists = [i.ttft, i.tpot, i.e2e];
    if (v.newNames) { i.itl = this.#hist('vllm:inter_token_latency_seconds', base, ITL_LE); i.hists.push(i.itl); }
    const g = (n) => this.#s({ ...base, __name__: n });
    i.gRunning = g('vllm:num_requests_running');
    i.gWaiting = g('vllm:num_requests_waiting');
    i.gKv = [g('vllm:gpu_cache_usage_perc')];
    if (v.newNames) i.gKv.push(g('vllm:kv_cache_usage_perc'));
    i.cPrompt = { v: 0, s: g('vllm:prompt_tokens_total') };
    i.cGen = { v: 0, s: g('vllm:generation_tokens_total') };
    i.cOk = { v: 0, s: this.#s({ ...base, __name__: 'vllm:request_success_total', finished_reason: 'stop' }) };
    i.counters = [i.cPrompt, i.cGen, i.cOk];
    i.all = [...i.hists.flatMap((h) => [...h.buckets.map((b) => b.s), h.sum.s, h.count.s]), i.gRunning, i.gWaiting, ...i.gKv, ...i.counters.map((c) => c.s)];
    return i;
  }
  #gpu(g) {
    const ur = new Rng(GPUS.indexOf(g) + 1234);
    const uuid = `GPU-${ur.hex(8)}-${ur.hex(4)}-${ur.hex(4)}-${ur.hex(4)}-${ur.hex(12)}`;
    const base = { gpu: String(g.gpu), UUID: uuid, device: `nvidia${g.gpu}`, modelName: g.model, Hostname: g.host, job: 'dcgm-exporter', instance: g.instance,
      DCGM_FI_DRIVER_VERSION: '550.90.07', ...(g.pod ? { namespace: 'inference', pod: g.pod, container: 'vllm' } : {}) };
    const s = (n) => this.#s({ ...base, __name__: n });
    const x = { ...g, used: s('DCGM_FI_DEV_FB_USED'), free: s('DCGM_FI_DEV_FB_FREE'), sm: s('DCGM_FI_PROF_SM_ACTIVE'), util: s('DCGM_FI_DEV_GPU_UTIL') };
    x.all = [x.used, x.free, x.sm, x.util];
    return x;
  }
  /* advance the simulation by dt seconds ending at t (ms) and append one sample per series */
  step(t, dt) {
    const r = this.rng;
    const d = diurnal(t) * (1 + 0.02 * ((t - this.inc.qwenRestart) / DAY));
    for (const i of this.inst) {
      const restart = i.local === 'qwen' && t >= this.inc.qwenRestart && t < this.inc.qwenRestart + 2 * MIN;
      if (restart) { // pod restarted: no scrape, counters reset
        i.down = true;
        for (const h of i.hists) { for (const b of h.buckets) b.v = 0; h.sum.v = 0; h.count.v = 0; }
        for (const c of i.counters) c.v = 0;
        continue;
      }
      const inc = i.local === 'llama' ? intensity(this.inc.llama, t) : 0;
      const rps = i.rps * (0.15 + 0.85 * d) * (1 + 2.2 * inc) * (1 + 0.08 * r.normal());
      const n = r.poisson(Math.max(0, rps) * dt);
      const conc = Math.max(0, rps) * 3.6 * (1 + 0.8 * inc); // in flight: rate x e2e latency
      const running = Math.min(i.cap, conc * (1 + 0.08 * r.normal()));
      const waiting = Math.max(0, conc - i.cap) * (1 + 1.5 * inc) + (r.chance(0.03) ? r.int(1, 3) : 0);
      i.running = Math.max(0, Math.round(running));
      i.waiting = Math.round(waiting);
      const load = i.running / i.cap;
      const ttftMed = 0.045 * (1 + 1.2 * load) * (1 + i.waiting / 8);
      const itlMed = 0.014 * (1 + 0.9 * load);
      const genPer = 220, promptPer = 760;
      const gen = Math.round(n * genPer * (1 + 0.1 * r.normal()));
      const e2eMed = ttftMed + genPer * itlMed;
      const obs = [[i.ttft, n, ttftMed, 0.7], [i.e2e, n, e2eMed, 0.6], [i.tpot, n, itlMed, 0.3]];
      if (i.itl) obs.push([i.itl, gen, itlMed, 0.35]);
      for (const [h, cnt, med, sig] of obs) {
        if (cnt <= 0) continue;
        for (const b of h.buckets) b.v += b.le === Infinity ? cnt : Math.round(cnt * lognormCdf(b.le, med, sig));
        h.sum.v += cnt * med * Math.exp(sig * sig / 2);
        h.count.v += cnt;
      }
      i.cPrompt.v += Math.round(n * promptPer * (1 + 0.1 * r.normal()));
      i.cGen.v += Math.max(0, gen);
      i.cOk.v += n;
      const kv = clamp(0.03 + 0.85 * load + 0.12 * inc + 0.02 * r.normal(), 0, 1);
      for (const h of i.hists) {
        for (const b of h.buckets) b.s.samples.push([t, b.v]);
        h.sum.s.samples.push([t, h.sum.v]);
        h.count.s.samples.push([t, h.count.v]);
      }
      i.gRunning.samples.push([t, i.running]);
      i.gWaiting.samples.push([t, i.waiting]);
      for (const g of i.gKv) g.samples.push([t, Math.round(kv * 1e4) / 1e4]);
      for (const c of i.counters) c.s.samples.push([t, c.v]);
      i.down = false;
      i.load = load;
    }
    for (const g of this.gpus) {
      const i = this.inst.find((x) => x.pod === g.pod);
      const reserved = 562;
      let used, sm;
      if (!i || i.down) { used = r.int(0, 3); sm = 0; } else {
        used = Math.round(g.mib * 0.9 + 180 + 40 * r.u());
        sm = clamp(0.06 + 0.85 * (i.load ?? 0) + 0.04 * r.normal(), 0, 0.99);
      }
      const util = Math.round(clamp(sm * 118 + 3 * r.normal(), 0, 100));
      g.used.samples.push([t, used]);
      g.free.samples.push([t, g.mib - used - reserved]);
      g.sm.samples.push([t, Math.round(sm * 1e4) / 1e4]);
      g.util.samples.push([t, g.pod ? util : 0]);
    }
  }
  /* the samples appended since the last take(), as a remote-write body */
  take(withMetadata) {
    const series = this.series.filter((s) => s.samples.length);
    const body = encodeWriteRequest(series, withMetadata ? this.meta : null);
    let n = 0;
    for (const s of series) { n += s.samples.length; s.samples = []; }
    return { body, samples: n };
  }
}

async function remoteWrite(url, raw, log) {
  const body = Buffer.from(snappy.compress(raw));
  for (let attempt = 0; ; attempt++) {
    let r, text;
    try {
      r = await fetch(`${url}/api/v1/write`, { method: 'POST', body, headers: {
        'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0',
        'User-Agent': 'loupe-demo/1.0' } });
      text = await r.text();
    } catch (e) { text = e.message; }
    if (r && r.status >= 200 && r.status < 300) return;
    if (r && r.status >= 400 && r.status < 500 && r.status !== 429) throw new Error(`remote-write: ${r.status} ${text}`);
    if (attempt >= 8) throw new Error(`remote-write: ${r?.status ?? 'network'} ${text}`);
    log?.(`remote-write: ${r?.status ?? 'network error'} ${text.slice(0, 200)}; retrying`);
    await sleep(Number(r?.headers.get('retry-after') || 0) * 1000 || 500 * 2 ** attempt);
  }
}

/* ------------------------------------------------------------------ OTLP plumbing */

class Collect { // span and log processor: keeps what ended, the caller exports in order
  constructor(sink) { this.sink = sink; }
  onStart() {}
  onEnd(s) { this.sink.push(s); }
  onEmit(rec) { this.sink.push(rec); }
  forceFlush() { return Promise.resolve(); }
  shutdown() { return Promise.resolve(); }
}

function exportOnce(exporter, items) {
  return new Promise((resolve) => exporter.export(items, resolve));
}
async function exportRetry(exporter, items, what, log) {
  for (let attempt = 0; ; attempt++) {
    const res = await exportOnce(exporter, items);
    if (res.code === 0) return;
    if (attempt >= 5) throw new Error(`${what} export failed: ${res.error?.message ?? res.error}`);
    log?.(`${what} export failed (${res.error?.message ?? res.error}); retrying`);
    await sleep(500 * 2 ** attempt);
  }
}

/* ------------------------------------------------------------------ the generator */

class Demo {
  constructor(o) {
    this.o = o;
    this.rng = new Rng(o.seed);
    this.idRng = { r: new Rng(o.seed ^ 0x1d5eed) };
    this.spans = [];
    this.logs = [];
    this.stats = { traces: 0, spans: 0, calls: 0, errors: 0, logs: 0, samples: 0, byModel: {}, byTemplate: {} };
    const ids = { generateTraceId: () => this.idRng.r.hex(32), generateSpanId: () => this.idRng.r.hex(16) };
    this.traceExporter = new OTLPTraceExporter({ url: `${o.otlpUrl}/v1/traces`, timeoutMillis: 120000 });
    this.logExporter = new OTLPLogExporter({ url: `${o.otlpUrl}/v1/logs`, timeoutMillis: 120000 });
    this.tracers = {};
    this.loggers = {};
    let podN = 0;
    for (const [name, svc] of Object.entries(SERVICES)) {
      const pr = new Rng(o.seed * 31 + ++podN);
      const pod = `${name}-${pr.hex(9)}-${pr.alnum(5).toLowerCase()}`;
      const resource = resourceFromAttributes({
        'service.name': name, 'service.version': svc.version, 'service.namespace': 'llm-apps',
        'service.instance.id': pod, 'deployment.environment.name': 'production',
        'k8s.namespace.name': 'llm-apps', 'k8s.pod.name': pod, 'k8s.cluster.name': 'prod-eu-1',
        'cloud.provider': 'acme', 'cloud.region': 'eu-central-1',
      });
      const tp = new BasicTracerProvider({ resource, idGenerator: ids, spanProcessors: [new Collect(this.spans)] });
      this.tracers[name] = tp.getTracer(svc.flow === 'agent' ? 'openai-agents' : 'acme-llm-gateway', '1.4.0');
      const lp = new LoggerProvider({ resource, processors: [new Collect(this.logs)] });
      this.loggers[name] = lp.getLogger(name, svc.version);
    }
    this.users = [];
    const ur = new Rng(o.seed ^ 0x75736572);
    for (let k = 0; k < o.users; k++) {
      this.users.push({ id: `u-${ur.hex(8)}`, lang: ur.weighted(LANGS), name: ur.pick(SLOTS.name), company: ur.pick(SLOTS.company),
        region: ur.pick(SLOTS.region), plan: ur.weighted([['Starter', 3], ['Team', 5], ['Enterprise', 2]]), w: 1 / (k + 1) ** 0.85 });
    }
    this.userCum = [];
    let c = 0;
    for (const u of this.users) this.userCum.push((c += u.w));
    this.sessions = new Map(); // user|service -> session
    // tool results: the short ones from the corpus, diffs and pages made longer
    const tr = new Rng(o.seed ^ 0x7001);
    this.toolResults = { ...TOOL_RESULTS };
    this.toolResults.get_diff = TOOL_RESULTS.get_diff.flatMap((base) => [0, 1, 2].map(() => {
      let d = base;
      for (let h = tr.int(4, 12); h > 0; h--) {
        const f = tr.pick(DIFF_FILES), at = tr.int(10, 400);
        d += `\ndiff --git a/${f} b/${f}\n@@ -${at},${tr.int(4, 12)} +${at},${tr.int(6, 20)} @@\n`;
        for (let l = tr.int(6, 18); l > 0; l--) d += `${tr.pick(DIFF_LINES)}\n`;
      }
      return d;
    }));
    this.toolResults.fetch_url = TOOL_RESULTS.fetch_url.flatMap((base) => [0, 1].map(() => {
      let p = base;
      for (let k = tr.int(8, 20); k > 0; k--) p += ` ${tr.pick(PAGE_SENTENCES)}`;
      return p;
    }));
  }

  /* ---------------------------------------------------------------- pieces of a request */

  pickUser(r) {
    const x = r.u() * this.userCum[this.userCum.length - 1];
    let lo = 0, hi = this.userCum.length - 1;
    while (lo < hi) { const m = (lo + hi) >> 1; if (this.userCum[m] < x) lo = m + 1; else hi = m; }
    return this.users[lo];
  }

  session(r, user, service, t) {
    const key = `${user.id}|${service}`;
    let s = this.sessions.get(key);
    if (!s || t - s.last > 30 * MIN || !r.chance(0.72)) {
      s = { id: `conv_${r.hex(20)}`, history: [], turn: 0, model: null, template: null,
        vars: this.vars(r, user), cacheWritten: false };
      this.sessions.set(key, s);
    }
    s.last = t;
    return s;
  }

  vars(r, user) {
    return { name: user?.name ?? r.pick(SLOTS.name), company: user?.company ?? r.pick(SLOTS.company), region: user?.region ?? r.pick(SLOTS.region),
      plan: user?.plan ?? 'Team', cluster: r.pick(SLOTS.cluster), bucket: r.pick(SLOTS.bucket), invoice: `INV-${r.int(10000, 99999)}`,
      num: String(r.int(100, 9999)), day: r.pick(SLOTS.day), k8s: r.pick(SLOTS.k8s), repo: r.pick(SLOTS.repo) };
  }

  fill(text, v) {
    return text.replace(/\{(name|company|region|plan|cluster|bucket|invoice|num|day|k8s|repo)\}/g, (_, k) => v[k]);
  }

  pickQA(r, template, lang) {
    const pool = QA[template];
    const own = pool.filter((p) => (p[2] ?? 'en') === lang);
    if (lang !== 'en' && own.length && r.chance(0.85)) return r.pick(own);
    const en = pool.filter((p) => !p[2]);
    return r.pick(en.length ? en : pool);
  }

  /* A model call's attributes, timing and outcome; returns the span spec. */
  llmCall(r, { t, model, template, service, user, sess, messages, output, outputParts, finish = 'stop', stream, temperature = 0.3,
    maxTokens = 1024, systemSeparate, errorForce, noError, extraAttrs }) {
    const m = MODELS[model];
    const inc = incidents(this.o.end);
    let sysText = '';
    let inMsgs = messages;
    if (systemSeparate && messages[0]?.role === 'system') { sysText = messages[0].parts[0].content; inMsgs = messages.slice(1); }
    const inputTokens = messages.reduce((a, x) => a + 4 + x.parts.reduce((b, p) => b + tok(p.content ?? p.response ?? JSON.stringify(p.arguments ?? '')), 0), 0);
    // errors
    let err = null;
    const llamaInc = m.local === 'llama' ? intensity(inc.llama, t) : 0;
    let pErr = m.local ? 0.005 : 0.012;
    if (model === 'gpt-4o') pErr += 0.5 * intensity(inc.openai, t);
    if (m.provider === 'anthropic') pErr += 0.35 * intensity(inc.anthropic, t);
    pErr += 0.3 * llamaInc;
    if (errorForce || (!noError && r.chance(pErr))) {
      const list = ERRORS[m.provider];
      if (errorForce) err = list.find((e) => e[0] === errorForce) ?? list[0];
      else if (model === 'gpt-4o' && intensity(inc.openai, t) > 0) err = list[0];
      else if (m.provider === 'anthropic' && intensity(inc.anthropic, t) > 0) err = list[1];
      else if (llamaInc > 0) err = list[0];
      else err = r.weighted(list.map((e, k) => [e, k === 0 ? 3 : 1]));
    }
    // timing
    const slow = 1 + 22 * llamaInc * (0.5 + r.u()) + (m.provider === 'anthropic' ? 2 * intensity(inc.anthropic, t) : 0);
    const ttft = m.ttft * slow * Math.exp(0.35 * r.normal()) * (1 + inputTokens / 20000);
    let outText = output;
    let outputTokens = output != null ? Math.max(1, Math.round(tok(output) * (0.92 + 0.16 * r.u()))) : 0;
    if (outputParts) outputTokens = Math.max(12, Math.round(tok(JSON.stringify(outputParts)) * 0.8));
    const gen = outputTokens / (m.tps * (1 / (1 + 0.5 * llamaInc)) * Math.exp(0.15 * r.normal()));
    let dur = (ttft + gen) * 1000 + r.int(15, 60);
    if (err) {
      const [type] = err;
      dur = type === 'timeout' ? 60000 + r.int(0, 400) : type === 'APITimeoutError' ? 600000 / 10 + r.int(0, 2000)
        : type === 'DeadlineExceeded' ? 30000 + r.int(0, 300) : r.int(80, 900);
    }
    // cache: a repeated system prompt (and earlier turns) in the same session, or a warm shared prefix
    let cached = 0, cacheWrite = 0;
    if (!m.local && !err && sess && SYSTEM[template]) {
      const prefix = tok(SYSTEM[template]) + sess.history.reduce((a, [q, ans]) => a + tok(q) + tok(ans) + 8, 0);
      if (m.provider === 'anthropic') {
        if (sess.cacheWritten) cached = prefix; else { cacheWrite = tok(SYSTEM[template]); sess.cacheWritten = true; }
      } else if (sess.turn > 0 || r.chance(0.3)) cached = Math.min(inputTokens - 1, Math.floor(prefix / 64) * 64);
    }
    const responseId = m.idPrefix === 'msg_' ? `msg_01${r.alnum(22)}` : m.idPrefix ? `${m.idPrefix}${r.alnum(29)}` : r.alnum(27);
    const attrs = {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': m.provider, 'gen_ai.request.model': model,
      'gen_ai.request.temperature': temperature, 'gen_ai.request.max_tokens': maxTokens,
      'server.address': m.server, 'server.port': m.port,
      'gen_ai.prompt.name': template,
      'gen_ai.input.messages': JSON.stringify(inMsgs),
      ...(sysText ? { 'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: sysText }]) } : {}),
      ...(user ? { 'user.id': user } : {}),
      ...(sess ? { 'gen_ai.conversation.id': sess.id, 'session.id': sess.id } : {}),
      ...extraAttrs,
    };
    const spec = { name: `chat ${model}`, kind: SpanKind.CLIENT, start: t, end: t + dur, attrs, events: [], logs: [] };
    if (err) {
      const [type, msg, code] = err;
      const message = msg.replace('{model}', model);
      attrs['error.type'] = type;
      attrs['gen_ai.usage.input_tokens'] = inputTokens; // the client's count of the prompt it sent
      if (code) attrs['http.response.status_code'] = code;
      spec.status = { code: SpanStatusCode.ERROR, message };
      spec.exception = { name: type, message, stack: `${m.provider === 'vllm' ? 'openai' : m.provider}.${type}: ${message}\n    at ${service}/llm/client.py:142 in create\n    at ${service}/handlers.py:88 in handle`, t: t + dur - 1 };
      spec.logs.push({ t: t + dur, sev: SeverityNumber.ERROR, text: 'ERROR', body: `LLM request failed: ${type}: ${message}`,
        attrs: { 'error.type': type, 'app.llm.model': model, 'code.function.name': 'create_chat_completion' } });
      spec.error = type;
    } else {
      Object.assign(attrs, {
        'gen_ai.response.model': model, 'gen_ai.response.id': responseId,
        'gen_ai.response.finish_reasons': [finish],
        'gen_ai.usage.input_tokens': inputTokens, 'gen_ai.usage.output_tokens': outputTokens,
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: outputParts ?? [{ type: 'text', content: outText }], finish_reason: finish }]),
      });
      if (cached) attrs['gen_ai.usage.cache_read.input_tokens'] = cached;
      if (cacheWrite) attrs['gen_ai.usage.cache_creation.input_tokens'] = cacheWrite;
      if (stream) attrs['gen_ai.response.time_to_first_chunk'] = Math.round(ttft * 1e4) / 1e4;
    }
    this.stats.calls++;
    if (err) this.stats.errors++;
    this.stats.byModel[model] = (this.stats.byModel[model] ?? 0) + 1;
    this.stats.byTemplate[template] = (this.stats.byTemplate[template] ?? 0) + 1;
    return spec;
  }

  embeddingCall(r, t, text, user) {
    const n = tok(text);
    this.stats.calls++;
    this.stats.byModel['text-embedding-3-small'] = (this.stats.byModel['text-embedding-3-small'] ?? 0) + 1;
    return { name: 'embeddings text-embedding-3-small', kind: SpanKind.CLIENT, start: t, end: t + r.int(60, 240), events: [], logs: [], attrs: {
      'gen_ai.operation.name': 'embeddings', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.response.model': 'text-embedding-3-small', 'gen_ai.usage.input_tokens': n, 'gen_ai.embeddings.dimension.count': 1536,
      'gen_ai.request.encoding_formats': ['float'], 'server.address': 'api.openai.com', 'server.port': 443, ...(user ? { 'user.id': user } : {}) } };
  }

  rootSpec(r, service, t, user, extra = {}) {
    const svc = SERVICES[service];
    return { name: `POST ${svc.route}`, kind: SpanKind.SERVER, start: t, end: t, events: [], logs: [], attrs: {
      'http.request.method': 'POST', 'http.route': svc.route, 'url.path': svc.route, 'url.scheme': 'https',
      'server.address': `${service}.acme.internal`, 'network.protocol.version': '1.1',
      'client.address': `10.${r.int(1, 30)}.${r.int(0, 255)}.${r.int(1, 254)}`,
      'user_agent.original': r.pick(['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36', 'acme-cli/2.3.1', 'python-httpx/0.27.0']),
      ...(user ? { 'enduser.id': user } : {}), ...extra } };
  }

  /* finish a root span over its children; an unrecovered error fails the request */
  closeRoot(r, root, children, failed) {
    root.end = Math.max(root.end, ...children.map((c) => c.end)) + r.int(2, 25);
    root.attrs['http.response.status_code'] = failed ? 502 : 200;
    if (failed) { root.status = { code: SpanStatusCode.ERROR, message: 'upstream model call failed' }; root.attrs['error.type'] = '502'; }
  }

  /* model call with one retry on rate limiting / overload; returns [specs, failed] */
  callWithRetry(r, args) {
    const out = [];
    let a = { ...args };
    for (let attempt = 1; ; attempt++) {
      const c = this.llmCall(r, a);
      out.push(c);
      if (!c.error) return [out, false];
      const retryable = /RateLimit|Overloaded|ResourceExhausted|ServiceUnavailable/.test(c.error);
      if (!retryable || args.errorForce || attempt >= 3 || !r.chance(0.7)) return [out, true];
      const backoff = r.int(400, 1500) * attempt;
      c.logs.push({ t: c.end + 1, sev: SeverityNumber.WARN, text: 'WARN', body: `retrying model call in ${backoff} ms (attempt ${attempt + 1} of 3)`,
        attrs: { 'retry.attempt': attempt + 1 } });
      a = { ...args, t: c.end + backoff, errorForce: undefined };
    }
  }

  msg(role, content) { return { role, parts: [{ type: 'text', content }] }; }

  /* ---------------------------------------------------------------- request shapes (relative plan from t) */

  flowSupport(r, t, user, golden) {
    const service = 'support-bot';
    const template = golden?.template ?? (r.chance(0.74) ? 'support-triage' : 'billing-refunds');
    const sess = golden?.sess ?? this.session(r, user, service, t);
    const [q0, a0, lang] = golden?.qa ?? this.pickQA(r, template, user.lang);
    const q = this.fill(q0, sess.vars), a = this.fill(a0, sess.vars);
    const root = this.rootSpec(r, service, t, user.id, { 'app.tenant.plan': user.plan });
    const specs = [root];
    // intent classification on the local llama
    const intent = classify(q);
    const clsOut = JSON.stringify({ intent, confidence: Math.round((0.72 + 0.27 * r.u()) * 100) / 100, language: lang ?? 'en', urgent: /502|down|outage|故障|Störung/.test(q) });
    const cls = this.llmCall(r, { t: t + r.int(3, 12), model: 'llama-3.1-8b-instruct', template: 'intent-classifier', service, user: user.id, sess: null,
      messages: [this.msg('system', SYSTEM['intent-classifier']), this.msg('user', q)], output: clsOut, temperature: 0, maxTokens: 64, stream: false,
      noError: !!golden });
    cls.parent = 0; specs.push(cls);
    let t1 = cls.end + r.int(2, 10);
    if (cls.error) t1 += 5; // fall back to the default flow
    const model = golden?.model ?? (template === 'billing-refunds' || r.chance(0.8) ? 'gpt-4o-mini' : 'gpt-4o');
    const history = sess.history.flatMap(([hq, ha]) => [this.msg('user', hq), this.msg('assistant', ha)]);
    const extra = r.chance(0.2) && EXTRA[template]?.length ? `\n\n${r.pick(EXTRA[template])}` : '';
    const [calls, failed] = this.callWithRetry(r, { t: t1, model, template, service, user: user.id, sess,
      messages: [this.msg('system', SYSTEM[template]), ...history, this.msg('user', q)], output: a + extra, stream: true, temperature: 0.3,
      errorForce: golden?.errorForce, noError: !!golden && !golden.errorForce });
    for (const c of calls) { c.parent = 0; specs.push(c); }
    if (!failed) { sess.history.push([q, a + extra]); if (sess.history.length > 3) sess.history.shift(); sess.turn++; }
    this.closeRoot(r, root, specs.slice(1), failed);
    return { service, specs, text: q };
  }

  flowRag(r, t, user) {
    const service = 'docs-assistant', svc = SERVICES[service], template = svc.template;
    const sess = this.session(r, user, service, t);
    sess.model ??= r.weighted(svc.models);
    const [q0, a0] = this.pickQA(r, template, user.lang);
    const q = this.fill(q0, sess.vars), a = this.fill(a0, sess.vars);
    const root = this.rootSpec(r, service, t, user.id);
    const specs = [root];
    const emb = this.embeddingCall(r, t + r.int(2, 8), q, user.id); emb.parent = 0; specs.push(emb);
    const vs = { name: 'qdrant.search docs-v3', kind: SpanKind.CLIENT, start: emb.end + 1, end: emb.end + 1 + r.int(8, 45), parent: 0, events: [], logs: [],
      attrs: { 'db.system.name': 'qdrant', 'db.operation.name': 'search', 'db.collection.name': 'docs-v3', 'server.address': 'qdrant.search.svc.cluster.local', 'server.port': 6333, 'db.response.returned_rows': 4 } };
    specs.push(vs);
    const ctx = [];
    for (let k = 0; k < 4; k++) ctx.push(`[${k + 1}] ${r.pick(DOC_PASSAGES)}`);
    const user1 = `Context:\n${ctx.join('\n')}\n\nQuestion: ${q}`;
    const extra = r.chance(0.25) ? `\n\n${EXTRA[template][0]}` : '';
    const [calls, failed] = this.callWithRetry(r, { t: vs.end + r.int(1, 5), model: sess.model, template, service, user: user.id, sess,
      messages: [this.msg('system', SYSTEM[template]), this.msg('user', user1)], output: a + extra, stream: true, temperature: 0.2, systemSeparate: true });
    for (const c of calls) { c.parent = 0; specs.push(c); }
    if (!failed) sess.turn++;
    this.closeRoot(r, root, specs.slice(1), failed);
    return { service, specs };
  }

  flowSingle(r, t, user, service) {
    const svc = SERVICES[service], template = svc.template;
    const uid = svc.user ?? user.id;
    const sess = svc.user ? null : this.session(r, user, service, t);
    const model = sess ? (sess.model ??= r.weighted(svc.models)) : r.weighted(svc.models);
    const vars = sess?.vars ?? this.vars(r, null);
    const [q0, a0] = this.pickQA(r, template, svc.noFill ? 'en' : user.lang);
    const q = svc.noFill ? q0 : this.fill(q0, vars), a = svc.noFill ? a0 : this.fill(a0, vars);
    const root = this.rootSpec(r, service, t, uid);
    const specs = [root];
    const [calls, failed] = this.callWithRetry(r, { t: t + r.int(3, 15), model, template, service, user: uid, sess,
      messages: [this.msg('system', SYSTEM[template]), this.msg('user', q)], output: a, stream: svc.stream, temperature: svc.temperature ?? 0.3 });
    for (const c of calls) { c.parent = 0; specs.push(c); }
    if (sess && !failed) sess.turn++;
    this.closeRoot(r, root, specs.slice(1), failed);
    return { service, specs };
  }

  flowBatch(r, t) {
    const service = 'support-batch', svc = SERVICES[service], template = svc.template;
    const vars = this.vars(r, null);
    const [q0, a0] = r.pick(QA[template]);
    const q = this.fill(q0, vars), a = this.fill(a0, vars);
    const ticket = q.match(/Ticket #(\d+)/)?.[1];
    const root = { name: 'tickets.summarize process', kind: SpanKind.CONSUMER, start: t, end: t, events: [], logs: [], attrs: {
      'messaging.system': 'kafka', 'messaging.operation.type': 'process', 'messaging.destination.name': 'tickets.summarize',
      'messaging.consumer.group.name': 'support-batch', 'app.ticket.id': ticket } };
    const specs = [root];
    const [calls, failed] = this.callWithRetry(r, { t: t + r.int(1, 6), model: 'llama-3.1-8b-instruct', template, service, user: svc.user, sess: null,
      messages: [this.msg('system', SYSTEM[template]), this.msg('user', q)], output: a, stream: false, temperature: 0.2, maxTokens: 256 });
    for (const c of calls) { c.parent = 0; specs.push(c); }
    root.end = Math.max(...specs.slice(1).map((c) => c.end)) + r.int(5, 30);
    if (failed) root.status = { code: SpanStatusCode.ERROR, message: 'summarization failed, message sent to DLQ' };
    return { service, specs };
  }

  flowAgent(r, t, user, service, golden) {
    const svc = SERVICES[service], template = svc.template, model = svc.model;
    const sess = golden?.sess ?? this.session(r, user, service, t);
    const [q0, a0] = golden?.qa ?? this.pickQA(r, template, 'en');
    const q = this.fill(q0, sess.vars), a = this.fill(a0, sess.vars);
    const root = this.rootSpec(r, service, t, user.id);
    const agentId = `asst_${new Rng(service.length * 977).alnum(24)}`;
    const agent = { name: `invoke_agent ${svc.agent}`, kind: SpanKind.INTERNAL, start: t + r.int(2, 8), end: 0, parent: 0, events: [], logs: [], attrs: {
      'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': svc.agent, 'gen_ai.agent.id': agentId,
      'gen_ai.agent.description': service === 'research-agent' ? 'Researches market and technical questions with web tools' : 'Reviews pull requests',
      'gen_ai.provider.name': MODELS[model].provider, 'gen_ai.request.model': model, 'gen_ai.conversation.id': sess.id, 'user.id': user.id } };
    const specs = [root, agent];
    const nTools = golden ? 2 : r.int(1, svc.tools.length);
    const messages = [this.msg('system', SYSTEM[template]), this.msg('user', q)];
    let cur = agent.start + r.int(1, 5);
    let inTok = 0, outTok = 0, failed = false;
    for (let k = 0; k <= nTools; k++) {
      const last = k === nTools;
      const tool = svc.tools[k];
      const callId = `call_${r.alnum(24)}`;
      const args = toolArgs(tool, q, sess.vars, r);
      const extra = last && EXTRA[template]?.length ? r.pick([[], [r.pick(EXTRA[template])], EXTRA[template]]).map((x) => `\n\n${x}`).join('') : '';
      const c = this.llmCall(r, { t: cur, model, template, service, user: user.id, sess, messages: [...messages],
        output: last ? a + extra : null, outputParts: last ? null : [{ type: 'tool_call', id: callId, name: tool, arguments: args }],
        finish: last ? 'stop' : 'tool_call', stream: false, temperature: 0.2, maxTokens: 4096, noError: !!golden });
      c.parent = 1; specs.push(c);
      cur = c.end + r.int(1, 6);
      if (c.error) { failed = true; break; }
      inTok += c.attrs['gen_ai.usage.input_tokens']; outTok += c.attrs['gen_ai.usage.output_tokens'];
      if (last) break;
      // the tool
      const result = r.pick(this.toolResults[tool]);
      const toolFail = !golden && tool === 'fetch_url' && r.chance(0.06);
      const dur = tool === 'run_tests' ? r.int(8000, 40000) : tool === 'fetch_url' ? (toolFail ? 10000 : r.int(300, 2500)) : tool === 'calculator' ? r.int(1, 5) : r.int(150, 1200);
      const ts = { name: `execute_tool ${tool}`, kind: SpanKind.INTERNAL, start: cur, end: cur + dur, parent: 1, events: [], logs: [], attrs: {
        'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool, 'gen_ai.tool.call.id': callId, 'gen_ai.tool.type': 'function',
        'gen_ai.tool.description': toolDescription(tool), 'gen_ai.tool.call.arguments': JSON.stringify(args),
        ...(toolFail ? {} : { 'gen_ai.tool.call.result': result }) } };
      if (toolFail) {
        ts.status = { code: SpanStatusCode.ERROR, message: 'TimeoutError: fetch timed out after 10000 ms' };
        ts.attrs['error.type'] = 'TimeoutError';
        ts.exception = { name: 'TimeoutError', message: 'fetch timed out after 10000 ms', t: ts.end };
      }
      ts.logs.push({ t: ts.end, sev: toolFail ? SeverityNumber.WARN : SeverityNumber.INFO, text: toolFail ? 'WARN' : 'INFO',
        body: toolFail ? `tool ${tool} failed: timeout after 10000 ms` : `tool ${tool} returned ${result.length} bytes in ${dur} ms`, attrs: { 'gen_ai.tool.name': tool } });
      specs.push(ts);
      if (tool === 'fetch_url' || tool === 'web_search') { // the tool's own HTTP call
        const url = tool === 'fetch_url' ? args.url : 'https://api.search.example/v1/search';
        const u = new URL(url);
        specs.push({ name: 'GET', kind: SpanKind.CLIENT, start: ts.start + 2, end: ts.end - 1, parentSpec: ts, events: [], logs: [], attrs: {
          'http.request.method': 'GET', 'url.full': url, 'server.address': u.hostname, 'server.port': 443,
          ...(toolFail ? { 'error.type': 'TimeoutError' } : { 'http.response.status_code': 200 }) },
          ...(toolFail ? { status: { code: SpanStatusCode.ERROR } } : {}) });
      }
      messages.push({ role: 'assistant', parts: [{ type: 'tool_call', id: callId, name: tool, arguments: args }] });
      messages.push({ role: 'tool', parts: [{ type: 'tool_call_response', id: callId, response: toolFail ? 'error: timeout' : result }] });
      cur = ts.end + r.int(1, 6);
    }
    agent.end = cur;
    agent.attrs['gen_ai.usage.input_tokens'] = inTok;
    agent.attrs['gen_ai.usage.output_tokens'] = outTok;
    if (failed) { agent.status = { code: SpanStatusCode.ERROR, message: 'agent run failed' }; agent.attrs['error.type'] = 'AgentRunError'; }
    else sess.turn++;
    this.closeRoot(r, root, specs.slice(1), failed);
    return { service, specs, text: q };
  }

  /* one request ending at `end` (ms): build the plan, shift it, make the SDK spans */
  request(r, end, kind) {
    const user = this.pickUser(r);
    const service = kind ?? r.weighted(SERVICE_MIX);
    const flow = SERVICES[service].flow;
    const plan = flow === 'support' ? this.flowSupport(r, 0, user) : flow === 'rag' ? this.flowRag(r, 0, user)
      : flow === 'agent' ? this.flowAgent(r, 0, user, service) : flow === 'batch' ? this.flowBatch(r, 0) : this.flowSingle(r, 0, user, service);
    return this.materialize(plan, end);
  }

  materialize(plan, end) {
    const { service, specs } = plan;
    const span0 = Math.max(...specs.map((s) => s.end));
    const shift = end - span0;
    const tracer = this.tracers[service], logger = this.loggers[service];
    const made = [];
    for (const s of specs) {
      const parent = s.parentSpec ? made[specs.indexOf(s.parentSpec)] : s.parent !== undefined ? made[s.parent] : null;
      const ctx = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
      const sp = tracer.startSpan(s.name, { kind: s.kind, startTime: hr(s.start + shift), attributes: s.attrs }, ctx);
      made.push(sp);
    }
    specs.forEach((s, k) => {
      const sp = made[k];
      if (s.exception) sp.recordException({ name: s.exception.name, message: s.exception.message, stack: s.exception.stack }, hr(s.exception.t + shift));
      if (s.status) sp.setStatus(s.status);
      for (const l of s.logs) {
        logger.emit({ timestamp: hr(l.t + shift), observedTimestamp: hr(l.t + shift + 3), severityNumber: l.sev, severityText: l.text,
          body: l.body, attributes: l.attrs, context: trace.setSpan(ROOT_CONTEXT, sp) });
        this.stats.logs++;
      }
    });
    for (let k = specs.length - 1; k >= 0; k--) made[k].end(hr(specs[k].end + shift));
    this.stats.traces++;
    this.stats.spans += specs.length;
    return { traceId: made[0].spanContext().traceId, spans: made.map((m) => m.spanContext().spanId), start: specs[0].start + shift, end, service };
  }

  /* ---------------------------------------------------------------- golden requests (fixed texts and ids for tests) */

  goldens(end) {
    const g = new Rng(this.o.seed ^ 0x601de4);
    // a moderately active user (not the heaviest), so that the golden requests
    // are among their newest ones
    const user = this.users[Math.min(40, this.users.length - 1)];
    const sess = { id: `conv_${g.hex(20)}`, history: [], turn: 0, vars: { ...this.vars(g, user), cluster: 'staging-web' }, cacheWritten: false, last: 0 };
    const out = [];
    const withIds = (fn) => { const keep = this.idRng.r; this.idRng.r = g; try { return fn(); } finally { this.idRng.r = keep; } };
    out.push({ at: end - 9 * MIN, key: 'traceId', fn: () => withIds(() => this.materialize(this.flowSupport(g, 0, user, { sess, template: 'support-triage', model: 'gpt-4o-mini',
      qa: [GOLDEN.question, GOLDEN.answer] }), end - 9 * MIN)) });
    out.push({ at: end - 7 * MIN, key: 'cjkTraceId', fn: () => withIds(() => this.materialize(this.flowSupport(g, 0, user, { sess, template: 'support-triage', model: 'gpt-4o-mini',
      qa: [GOLDEN.cjkQuestion, GOLDEN.cjkAnswer, 'zh'] }), end - 7 * MIN)) });
    out.push({ at: end - 5 * MIN, key: 'agentTraceId', fn: () => withIds(() => this.materialize(this.flowAgent(g, 0, user, 'research-agent',
      { sess: { ...sess, id: `conv_${g.hex(20)}` }, qa: [GOLDEN.agentQuestion, GOLDEN.agentAnswer] }), end - 5 * MIN)) });
    out.push({ at: end - 3 * MIN, key: 'errorTraceId', fn: () => withIds(() => {
      const plan = this.flowSupport(g, 0, user, { sess: { ...sess, id: `conv_${g.hex(20)}`, history: [] }, template: 'support-triage', model: 'gpt-4o',
        qa: [GOLDEN.errorQuestion, 'unused'], errorForce: 'RateLimitError' });
      return this.materialize(plan, end - 3 * MIN);
    }) });
    return { user, sess, list: out };
  }

  /* ---------------------------------------------------------------- schedule */

  /* requests per second at t: live rate x diurnal x growth, thinned in the past
   * (factor k beyond the dense window) to keep the backfill small */
  rate(t, k) {
    const age = this.o.end - t;
    const dense = this.o.denseMs, ramp = this.o.rampMs;
    let f = 1;
    if (age > dense + ramp) f = k;
    else if (age > dense) f = Math.exp(Math.log(k) * (age - dense) / ramp);
    const growth = 1 + 0.03 * (t - this.o.end) / DAY;
    return this.o.liveRate * diurnal(t) * growth * f;
  }
  batchRate(t) { // nightly ticket summarisation at 02:00-02:30 UTC, plus a trickle
    const h = (t % DAY) / HOUR;
    return h >= 2 && h < 2.5 ? 1.2 : 0;
  }
  solveThinning(start, end, targetTraces) {
    const total = (k) => { let s = 0; for (let t = start; t < end; t += 5 * MIN) s += this.rate(t + 2.5 * MIN, k) * 300; return s; };
    const batch = (() => { let s = 0; for (let t = start; t < end; t += 5 * MIN) s += this.batchRate(t + 2.5 * MIN) * 300; return s; })();
    if (total(1) + batch <= targetTraces) return { k: 1, batchScale: 1 };
    let lo = 1e-5, hi = 1;
    for (let it = 0; it < 50; it++) { const m = Math.sqrt(lo * hi); if (total(m) + batch * m * 8 < targetTraces) lo = m; else hi = m; }
    return { k: lo, batchScale: Math.min(1, lo * 8) };
  }
}

const GOLDEN = {
  question: 'Our blue-falcon canary in staging-web answers HTTP 418 since Tuesday\'s deploy, is that coming from your ingress?',
  answer: 'Hi {name}. No, the managed ingress never generates 418 responses; it passes through whatever the backend returns. The blue-falcon canary pods return 418 themselves: their readiness probe hits /brew, which your app answers with 418 when the feature flag "teapot-mode" is on.\n\n1. Check the flag in staging-web: `kubectl get configmap blue-falcon-flags -o yaml`.\n2. Turn teapot-mode off or point the probe at /healthz.\n\nNext step: fix the probe path and redeploy the canary.',
  cjkQuestion: '我們的藍鷹金絲雀部署一直回傳 418，請問是不是你們的 Ingress 造成的？',
  cjkAnswer: '您好！託管的 Ingress 不會產生 418 回應，它只會轉發後端的回應。藍鷹金絲雀的 Pod 自己回傳了 418：就緒探針打到 /brew，而功能旗標「teapot-mode」開啟時應用程式會回 418。\n\n1. 檢查旗標：`kubectl get configmap blue-falcon-flags -o yaml`。\n2. 關閉 teapot-mode，或把探針改為 /healthz。\n\n下一步：修正探針路徑並重新部署。',
  agentQuestion: 'Estimate the yearly cost of running the blue-falcon inference fleet (6 x L40S, 24/7) at current list prices, and compare it with a 3-year reservation.',
  agentAnswer: 'Summary: Six L40S GPUs running all year cost about 98,300 USD at on-demand list prices; a 3-year reservation brings this to roughly 55,700 USD per year, 43% less. Power and egress are not included.\n\n| Option | USD/GPU-hour | GPUs | Hours/year | USD/year |\n|---|---|---|---|---|\n| On-demand | 1.87 | 6 | 8,760 | 98,287 |\n| 3-year reserved | 1.06 | 6 | 8,760 | 55,714 |\n\nCaveats: list prices in eu-central-1 checked today; reserved pricing requires an upfront commitment.',
  errorQuestion: 'The blue-falcon export job failed with a quota error at midnight, can you check what limit we hit?',
};

function classify(q) {
  const tests = [
    [/MFA|log ?in|ログイン|驗證|two-factor/i, 'login_mfa'], [/502|outage|故障|Störung|down/i, 'outage'],
    [/refund|charged twice|doppelt|erstatten/i, 'refund'], [/bill|invoice|請求|Rechnung|VAT|credits|prepaid/i, 'billing'],
    [/quota|limit|cuota/i, 'quota_limits'], [/upgrade|업그레이드|Kubernetes/i, 'kubernetes_upgrade'],
    [/bucket|AccessDenied|registre|registry/i, 'storage_access'], [/slow|langsam|performance/i, 'performance'],
    [/cancel|downgrade/i, 'cancellation'], [/support for|add support|feature/i, 'feature_request'],
  ];
  for (const [re, intent] of tests) if (re.test(q)) return intent;
  return 'other';
}

function toolArgs(tool, q, v, r) {
  switch (tool) {
    case 'web_search': return { query: q.replace(/[?.]$/, '').slice(0, 90), num_results: 5 };
    case 'fetch_url': return { url: r.pick(['https://aws.amazon.com/ec2/pricing/on-demand/', 'https://www.iea.org/reports/energy-and-ai',
      'https://eur-lex.europa.eu/eli/reg/2024/1689/oj', 'https://acme.cloud/pricing/storage', 'https://cloud.google.com/compute/vm-instance-pricing']) };
    case 'calculator': return { expression: r.pick(['2.552 * 730', '40960 * 0.016 * 12', '40960 * 0.01', '2.349 * 730', '(2.552 - 2.349) / 2.4']) };
    case 'get_diff': return { pr: Number(v.num), repo: v.repo };
    case 'run_tests': return { target: r.pick(['./refunds/...', './auth/...', './reports/...', './api/...']), race: true };
    case 'search_code': return { query: r.pick(['SaveKey(', 'sessions.revoke', 'time.Local', 'bucketLock']), repo: v.repo };
    default: return {};
  }
}
function toolDescription(tool) {
  return { web_search: 'Search the web; returns the top results', fetch_url: 'Fetch the main text of a web page', calculator: 'Evaluate an arithmetic expression',
    get_diff: 'Get the unified diff of a pull request', run_tests: 'Run the test suite for a package pattern', search_code: 'Search the repository' }[tool];
}

/* ------------------------------------------------------------------ orchestration */

async function waitReady(url, signal, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { const r = await fetch(`${url}/readyz`); if (r.status === 200) return; } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`${url}/readyz: loupe is not ready`);
    if (signal?.aborted) throw new Error('aborted');
    await sleep(200, signal);
  }
}

/* Newest LLM call time (ms) in loupe, or null. */
async function newestCall(url) {
  try {
    const r = await fetch(`${url}/api/v1/llm/calls?limit=1`);
    if (r.status !== 200) return null;
    const j = await r.json();
    const t = j.calls?.[0]?.time;
    return t ? Date.parse(t) : null;
  } catch { return null; }
}

/**
 * Fills a loupe with demo data: a backfill of the last `days` days in time
 * order, then (live: true) live traffic until `signal` aborts.
 * Options: httpUrl (remote-write, readiness; default http://127.0.0.1:9090),
 * otlpUrl (OTLP/HTTP base; default httpUrl), days (7), seed (42), calls
 * (LLM calls in the backfill, ~36000 for 7 days, scaled for fewer days),
 * metricsStep (backfill metric resolution in s, 60), recentMetricsStep (15) over
 * the last recentMetricsHours (24) of the backfill, liveMetricsStep (15),
 * liveRate (requests/s at the daily peak, 1.5), users (300), now (ms; the end
 * of the backfill, default Date.now()), backfill ('always' | 'auto': only
 * from the newest call already stored | 'never'), metrics/traces (true),
 * live (false), signal (AbortSignal), log (fn(string)), onBackfill (fn(summary)).
 * Resolves with a summary: counts, time range, and `known` ids and texts
 * (userId, sessionId, traceId, agentTraceId, errorTraceId, cjkTraceId,
 * callText, cjkText, ...) of requests placed a few minutes before `now`.
 */
export async function generate(opts = {}) {
  const o = {
    httpUrl: 'http://127.0.0.1:9090', days: 7, seed: 42, metricsStep: 60, recentMetricsStep: 15, recentMetricsHours: 24,
    liveMetricsStep: 15, liveRate: 1.5, users: 300,
    backfill: 'always', metrics: true, traces: true, live: false, log: () => {}, ...opts,
  };
  o.otlpUrl ??= o.httpUrl;
  o.calls ??= Math.round(36000 * Math.min(1, o.days / 7) ** 0.8);
  o.end = Math.floor((o.now ?? Date.now()) / 1000) * 1000;
  o.denseMs = Math.min(10 * MIN, o.days * DAY / 20);
  o.rampMs = Math.min(8 * HOUR, o.days * DAY / 6);
  const log = o.log;
  const t0 = Date.now();
  await waitReady(o.httpUrl, o.signal);
  if (o.otlpUrl !== o.httpUrl) await waitReady(o.otlpUrl, o.signal);

  let start = o.end - o.days * DAY;
  if (o.backfill === 'never') start = o.end;
  else if (o.backfill === 'auto') {
    const newest = await newestCall(o.httpUrl);
    if (newest && newest > start) { start = Math.min(o.end, newest + 1000); log(`loupe already has calls up to ${new Date(newest).toISOString()}: backfilling from there`); }
  }
  const d = new Demo(o);
  const fullRange = start <= o.end - o.days * DAY + 1000;
  const { k, batchScale } = d.solveThinning(start, o.end, o.calls / LLM_CALLS_PER_TRACE);
  const golden = d.goldens(o.end);
  const known = { userId: golden.user.id, sessionId: golden.sess.id, service: 'support-bot', template: 'support-triage', model: 'gpt-4o-mini',
    callText: 'blue-falcon', callQuestion: GOLDEN.question, cjkText: '藍鷹金絲雀', cjkQuestion: GOLDEN.cjkQuestion,
    agentQuestion: GOLDEN.agentQuestion, errorType: 'RateLimitError', agentName: 'Scout' };
  const goldenList = fullRange ? golden.list.filter((x) => x.at > start) : [];

  // ---- backfill: traces and metrics concurrently, each in time order
  const tracesJob = (async () => {
    if (!o.traces) return;
    const r = d.rng;
    const BATCH = 1500;
    let pending = Promise.resolve();
    let lastLog = Date.now();
    const flush = async (force) => {
      if (!force && d.spans.length < BATCH) return;
      const spans = d.spans.splice(0).sort((a, b) => hrMs(a.endTime) - hrMs(b.endTime));
      const logs = d.logs.splice(0);
      await pending;
      pending = (async () => {
        if (spans.length) await exportRetry(d.traceExporter, spans, 'traces', log);
        if (logs.length) await exportRetry(d.logExporter, logs, 'logs', log);
      })();
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`backfill: ${d.stats.calls} LLM calls, ${d.stats.spans} spans, up to ${new Date(hrMs(spans[spans.length - 1]?.endTime ?? [0, 0])).toISOString()}`);
      }
    };
    for (let m = start; m < o.end; m += MIN) {
      if (o.signal?.aborted) break;
      const hi = Math.min(m + MIN, o.end);
      const lam = d.rate((m + hi) / 2, k) * (hi - m) / 1000;
      const lamB = d.batchRate((m + hi) / 2) * batchScale * (hi - m) / 1000;
      const ev = [];
      for (let n = r.poisson(lam); n > 0; n--) ev.push([m + r.u() * (hi - m), null]);
      for (let n = r.poisson(lamB); n > 0; n--) ev.push([m + r.u() * (hi - m), 'support-batch']);
      ev.sort((a, b) => a[0] - b[0]);
      for (const [t, kind] of ev) {
        while (goldenList.length && goldenList[0].at <= t) { const gl = goldenList.shift(); known[gl.key] = gl.fn().traceId; }
        d.request(r, Math.round(t), kind);
      }
      await flush(false);
    }
    while (goldenList.length) { const gl = goldenList.shift(); known[gl.key] = gl.fn().traceId; }
    await flush(true);
    await pending;
  })();

  const sim = new MetricsSim(o.seed, o.end);
  const metricsJob = (async () => {
    if (!o.metrics) return;
    // o.metricsStep for the old part, o.recentMetricsStep over the last recentMetricsHours
    const oldStep = o.metricsStep * 1000, newStep = o.recentMetricsStep * 1000;
    const recentFrom = o.end - o.recentMetricsHours * HOUR;
    let first = true;
    let pending = Promise.resolve();
    let t = Math.ceil(start / oldStep) * oldStep, prev = t - oldStep, batchStart = t;
    for (; t <= o.end; prev = t, t += t >= recentFrom ? newStep : oldStep) {
      if (o.signal?.aborted) break;
      sim.step(t, (t - prev) / 1000);
      if (t - batchStart >= 2 * HOUR - 1) {
        batchStart = t + 1;
        const { body, samples } = sim.take(first); first = false;
        d.stats.samples += samples;
        await pending;
        pending = remoteWrite(o.httpUrl, body, log);
      }
    }
    const { body, samples } = sim.take(first);
    d.stats.samples += samples;
    await pending;
    if (samples) await remoteWrite(o.httpUrl, body, log);
    sim.last = prev;
  })();

  await Promise.all([tracesJob, metricsJob]);
  const backfillSeconds = (Date.now() - t0) / 1000;
  const summary = () => ({
    seed: o.seed, start: new Date(start).toISOString(), end: new Date(o.end).toISOString(), days: o.days,
    backfillSeconds, calls: d.stats.calls, errors: d.stats.errors, traces: d.stats.traces, spans: d.stats.spans, logs: d.stats.logs,
    samples: d.stats.samples, series: sim.series.length, users: d.users.length,
    services: Object.keys(SERVICES), models: Object.keys(MODELS), templates: Object.keys(SYSTEM),
    byModel: { ...d.stats.byModel }, byTemplate: { ...d.stats.byTemplate }, known: { ...known },
  });
  const s = summary();
  log(`backfill done in ${backfillSeconds.toFixed(1)} s: ${s.calls} LLM calls (${s.errors} errors), ${s.traces} traces, ${s.spans} spans, ${s.logs} logs, ${s.samples} samples`);
  o.onBackfill?.(s);
  if (!o.live) return s;

  // ---- live: requests ending now, metrics every liveMetricsStep seconds
  log(`live: ~${o.liveRate} requests/s at the daily peak, metrics every ${o.liveMetricsStep} s; Ctrl-C to stop`);
  const r = d.rng;
  let last = o.end;
  let mLast = sim.last ?? o.end;
  const mStep = o.liveMetricsStep * 1000;
  let lastMeta = Date.now(), lastLog = Date.now();
  while (!o.signal?.aborted) {
    const now = Date.now();
    // requests that ended in (last, now]
    if (o.traces) {
      const lam = d.rate(now, 1) * (now - last) / 1000 + d.batchRate(now) * (now - last) / 1000;
      const ev = [];
      for (let n = r.poisson(lam); n > 0; n--) ev.push(last + r.u() * (now - last));
      ev.sort((a, b) => a - b);
      for (const t of ev) d.request(r, Math.round(t), d.batchRate(t) > 0 && r.chance(0.3) ? 'support-batch' : null);
      const spans = d.spans.splice(0).sort((a, b) => hrMs(a.endTime) - hrMs(b.endTime));
      const logs = d.logs.splice(0);
      try {
        if (spans.length) await exportRetry(d.traceExporter, spans, 'traces', log);
        if (logs.length) await exportRetry(d.logExporter, logs, 'logs', log);
      } catch (e) { log(`live: ${e.message}`); }
    }
    last = now;
    if (o.metrics) {
      let any = false;
      for (let t = Math.floor(mLast / mStep) * mStep + mStep; t <= now; t += mStep) {
        sim.step(t, (t - mLast) / 1000);
        mLast = t; any = true;
      }
      if (any) {
        const meta = Date.now() - lastMeta > 10 * MIN;
        if (meta) lastMeta = Date.now();
        const { body, samples } = sim.take(meta);
        d.stats.samples += samples;
        try { await remoteWrite(o.httpUrl, body, log); } catch (e) { log(`live: ${e.message}`); }
      }
    }
    if (Date.now() - lastLog > 60000) {
      lastLog = Date.now();
      log(`live: ${d.stats.calls} LLM calls, ${d.stats.samples} samples so far`);
    }
    await sleep(1000 - (Date.now() % 1000), o.signal);
  }
  return summary();
}

/* ------------------------------------------------------------------ CLI */

function parseArgs(argv) {
  const a = { live: true };
  const need = (i) => { if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`); return argv[i + 1]; };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const [name, inline] = f.includes('=') ? [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] : [f, undefined];
    const val = () => (inline !== undefined ? inline : need(i++));
    switch (name) {
      case '--http-url': a.httpUrl = val(); break;
      case '--otlp-url': a.otlpUrl = val(); break;
      case '--days': a.days = Number(val()); break;
      case '--seed': a.seed = Number(val()); break;
      case '--calls': a.calls = Number(val()); break;
      case '--users': a.users = Number(val()); break;
      case '--metrics-step': a.metricsStep = Number(val()); break;
      case '--live-metrics-step': a.liveMetricsStep = Number(val()); break;
      case '--recent-metrics-step': a.recentMetricsStep = Number(val()); break;
      case '--recent-metrics-hours': a.recentMetricsHours = Number(val()); break;
      case '--live-rate': a.liveRate = Number(val()); break;
      case '--backfill': a.backfill = val(); break;
      case '--live': a.live = true; break;
      case '--once': a.live = false; break;
      case '--no-metrics': a.metrics = false; break;
      case '--json': a.json = true; break;
      case '--quiet': a.quiet = true; break;
      case '-h': case '--help': a.help = true; break;
      default: throw new Error(`unknown flag ${f} (see --help)`);
    }
  }
  return a;
}

const HELP = `usage: node demo/generate.mjs [flags]
  --http-url URL         loupe HTTP base for remote-write and readiness (default http://127.0.0.1:9090)
  --otlp-url URL         OTLP/HTTP base, /v1/traces and /v1/logs are appended (default http://127.0.0.1:4318)
  --days N               days of history to backfill, sent in time order first (default 7)
  --calls N              LLM calls in the backfill (default ~36000 for 7 days)
  --seed N               PRNG seed: same seed, same data (default 42)
  --users N              distinct users (default 300)
  --metrics-step S       backfill resolution of the vLLM/DCGM metrics in seconds (default 60)
  --recent-metrics-step S  resolution over the last --recent-metrics-hours of the backfill (default 15 s, 24 h)
  --live-metrics-step S  live metrics interval in seconds (default 15)
  --live-rate R          live requests per second at the daily peak (default 1.5; ~1.6 LLM calls each)
  --backfill MODE        always | auto (only after the newest call loupe already has) | never (default always)
  --live                 after the backfill, keep sending until SIGINT/SIGTERM (default)
  --once                 backfill only, then exit
  --no-metrics           traces and logs only
  --json                 print the summary as JSON on stdout after the backfill
  --quiet                no progress on stderr`;

async function main() {
  let a;
  try { a = parseArgs(process.argv.slice(2)); } catch (e) { console.error(e.message); process.exit(2); }
  if (a.help) { console.log(HELP); return; }
  diag.disable();
  const ac = new AbortController();
  let stops = 0;
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { if (++stops > 1) process.exit(130); ac.abort(); });
  const log = a.quiet ? () => {} : (m) => console.error(`[demo ${new Date().toISOString().slice(11, 19)}] ${m}`);
  const { json, quiet, help, ...opts } = a;
  opts.otlpUrl ??= 'http://127.0.0.1:4318';
  try {
    await generate({ ...opts, signal: ac.signal, log, onBackfill: (s) => {
      if (json) console.log(JSON.stringify(s, null, 2));
      else if (!quiet) {
        if (s.known.traceId) log(`known user ${s.known.userId}, trace ${s.known.traceId}, agent trace ${s.known.agentTraceId}, error trace ${s.known.errorTraceId}; search "${s.known.callText}"`);
      }
    } });
  } catch (e) {
    if (ac.signal.aborted) return;
    console.error(`demo: ${e.message}`);
    process.exit(1);
  }
  log('stopped');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
