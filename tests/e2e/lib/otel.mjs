// lib/otel.mjs - the real OpenTelemetry JS SDK and its OTLP exporters
// (http/json, http/protobuf, grpc) pointed at a loupe, plus readers for what
// loupe answers (Jaeger traces, LLM call records, PromQL values).
import fs from 'node:fs';
import path from 'node:path';
import { context, trace, ROOT_CONTEXT, SpanKind, SpanStatusCode, ValueType, diag } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter as TraceJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TraceProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as TraceGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPMetricExporter as MetricJson, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as MetricGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPLogExporter as LogJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as LogGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { Loupe, freePort, until } from './loupe.mjs';
import protobuf from 'protobufjs';

export { context, trace, ROOT_CONTEXT, SpanKind, SpanStatusCode, ValueType, AggregationTemporalityPreference };
export { ProtobufTraceSerializer, InMemorySpanExporter, BasicTracerProvider, SimpleSpanProcessor, resourceFromAttributes };

export const KINDS = ['http/json', 'http/protobuf', 'grpc'];

/* A loupe with its OTLP/HTTP and OTLP/gRPC listeners on free loopback ports
 * (Loupe turns them off; later flags win, so they are turned on again here).
 * l.otlpUrl: base of /v1/*; l.grpcUrl: for the gRPC exporters.  The ports
 * stay the same across restarts of the same object. */
export async function startLoupe(opts = {}) {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const l = new Loupe({
    ...opts,
    args: ['--otlp-http', `127.0.0.1:${httpPort}`, '--otlp-grpc', `127.0.0.1:${grpcPort}`, ...(opts.args || [])],
  });
  l.otlpUrl = `http://127.0.0.1:${httpPort}`;
  l.grpcUrl = `http://127.0.0.1:${grpcPort}`;
  await l.start();
  return l;
}

/* Polls fn until it returns a truthy value (or throws no more) within
 * timeoutMs (scaled for ASan builds); returns that value. */
export function eventually(fn, timeoutMs = 5000, what = 'condition') {
  return until(fn, { timeoutMs, what });
}

/* ------------------------------------------------------------ SDK plumbing */

/* Wraps exporter.export so every result is remembered: the SDK only logs a
 * failed export, a test must fail on one. */
function recording(exporter) {
  const results = [];
  const orig = exporter.export.bind(exporter);
  exporter.pending = 0;
  exporter.export = (items, cb) => {
    exporter.pending++;
    orig(items, (res) => { exporter.pending--; results.push(res); cb(res); });
  };
  exporter.results = results;
  return exporter;
}

/* Waits for the exports under way (some processors' forceFlush does not),
 * then throws unless every export succeeded. */
async function settle(what, exporter) {
  await until(() => exporter.pending === 0, { timeoutMs: 30000, intervalMs: 5, what: `${what}: exports to finish` });
  checkResults(what, exporter.results);
}

function checkResults(what, results) {
  const bad = results.filter((r) => r.code !== 0);
  if (bad.length) throw new Error(`${what}: ${bad.length} of ${results.length} exports failed: ${bad.map((r) => r.error?.message ?? r.error).join('; ')}`);
  if (!results.length) throw new Error(`${what}: nothing was exported`);
}

/* extra: exporter options; {keepAlive: false} closes HTTP connections after
 * each export (the SDK keeps them open by default), for files that test
 * something else than many idle clients. */
function exporterOpts(kind, l, signal, { keepAlive, ...extra } = {}) {
  if (kind === 'grpc') return { url: l.grpcUrl, ...extra };
  const agent = keepAlive === false ? { httpAgentOptions: { keepAlive: false } } : {};
  return { url: `${l.otlpUrl}/v1/${signal}`, ...agent, ...extra };
}

export function traceExporter(kind, l, extra) {
  const C = { 'http/json': TraceJson, 'http/protobuf': TraceProto, grpc: TraceGrpc }[kind];
  return recording(new C(exporterOpts(kind, l, 'traces', extra)));
}
export function metricExporter(kind, l, extra) {
  const C = { 'http/json': MetricJson, 'http/protobuf': MetricProto, grpc: MetricGrpc }[kind];
  return recording(new C(exporterOpts(kind, l, 'metrics', extra)));
}
export function logExporter(kind, l, extra) {
  const C = { 'http/json': LogJson, 'http/protobuf': LogProto, grpc: LogGrpc }[kind];
  return recording(new C(exporterOpts(kind, l, 'logs', extra)));
}

/* { provider, tracer, flush() }: flush() exports everything ended so far and
 * throws unless every export succeeded. exporterOptions: e.g. {compression:'gzip'}. */
export function tracing(kind, l, resourceAttrs, exporterOptions) {
  const exporter = traceExporter(kind, l, exporterOptions);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resourceAttrs),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('loupe-e2e', '1.2.3');
  return {
    provider, tracer, exporter,
    async flush() { await provider.forceFlush(); await settle(`traces over ${kind}`, exporter); },
    shutdown: () => provider.shutdown(),
  };
}

/* { provider, meter, flush() }; temporality: AggregationTemporalityPreference.* */
export function metering(kind, l, resourceAttrs, { temporality, exporterOptions } = {}) {
  const exporter = metricExporter(kind, l, { temporalityPreference: temporality, ...exporterOptions });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, exportTimeoutMillis: 30_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes(resourceAttrs), readers: [reader] });
  return {
    provider, exporter, meter: provider.getMeter('loupe-e2e-meter', '0.1.0'),
    async flush() { await provider.forceFlush(); await settle(`metrics over ${kind}`, exporter); },
    shutdown: () => provider.shutdown(),
  };
}

export function logging(kind, l, resourceAttrs, exporterOptions) {
  const exporter = logExporter(kind, l, exporterOptions);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(resourceAttrs),
    processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 3_600_000, maxExportBatchSize: 512 })],
  });
  return {
    provider, exporter, logger: provider.getLogger('loupe-e2e-logger', '0.0.1'),
    async flush() { await provider.forceFlush(); await settle(`logs over ${kind}`, exporter); },
    shutdown: () => provider.shutdown(),
  };
}

/* ------------------------------------------------------------ time */

/* Exact times: whole microseconds, recent (inside any retention), as the
 * SDK's HrTime. base(): a second ~10 minutes ago; t(base, ms) adds ms. */
export function baseSec() {
  return Math.floor(Date.now() / 1000) - 600;
}
/* HrTime of base seconds + ms (ms may be fractional; sub-µs is dropped). */
export function hr(sec, ms = 0) {
  const us = Math.round(ms * 1000);
  const s = sec + Math.floor(us / 1e6);
  return [s, (us % 1e6) * 1000];
}
export function usOf([s, ns]) {
  return s * 1e6 + ns / 1000;
}
export function nsOf([s, ns]) {
  return BigInt(s) * 1_000_000_000n + BigInt(ns);
}
export function rfc3339Of([s, ns]) {
  return new Date(s * 1000 + ns / 1e6).toISOString();
}

/* A child context of span, for tracer.startSpan(name, opts, ctx). */
export function under(span) {
  return trace.setSpan(ROOT_CONTEXT, span);
}

/* ------------------------------------------------------------ reading loupe */

async function getJson(l, p, want = 200) {
  const r = await l.json(p);
  if (r.status !== want) throw new Error(`GET ${p}: ${r.status} ${r.body.slice(0, 500)}`);
  return r.json;
}

/* The Jaeger trace (data[0]) once it has n spans (or any, n undefined). */
export async function jaegerTrace(l, traceId, n, timeoutMs = 5000) {
  return eventually(async () => {
    const r = await l.json(`/api/traces/${traceId}`);
    if (r.status !== 200) throw new Error(`/api/traces/${traceId}: ${r.status} ${r.body.slice(0, 300)}`);
    const t = r.json?.data?.[0];
    if (!t) throw new Error(`/api/traces/${traceId}: no data: ${r.body.slice(0, 300)}`);
    if (n !== undefined && t.spans.length !== n) throw new Error(`/api/traces/${traceId}: ${t.spans.length} spans, want ${n}`);
    return t;
  }, timeoutMs, `trace ${traceId}`);
}

/* tags [{key,type,value}] as a Map key -> {type, value}; throws on a duplicate key. */
export function tagMap(tags) {
  const m = new Map();
  for (const t of tags || []) {
    if (m.has(t.key)) throw new Error(`duplicate tag ${t.key}`);
    m.set(t.key, { type: t.type, value: t.value });
  }
  return m;
}

/* Jaeger ids may drop leading zeros ("%x" of the high half): compare padded. */
export function sameId(a, b) {
  return typeof a === 'string' && a.toLowerCase().padStart(b.length, '0') === b.toLowerCase();
}

export function spanOf(jt, spanId) {
  const s = jt.spans.find((x) => sameId(x.spanID, spanId));
  if (!s) throw new Error(`span ${spanId} not in trace (${jt.spans.map((x) => x.spanID).join(',')})`);
  return s;
}

/* The LLM calls of a trace (list shape), once there are n. */
export async function callsOfTrace(l, traceId, n = 1, timeoutMs = 5000) {
  return eventually(async () => {
    const j = await getJson(l, `/api/v1/llm/calls?trace_id=${traceId}&limit=1000`);
    if (!Array.isArray(j.calls)) throw new Error(`no calls array: ${JSON.stringify(j).slice(0, 300)}`);
    if (j.calls.length !== n) throw new Error(`trace ${traceId}: ${j.calls.length} calls, want ${n}`);
    return j.calls;
  }, timeoutMs, `calls of ${traceId}`);
}

/* The full call record (with prompt, completion, messages, attributes). */
export async function callById(l, id) {
  return getJson(l, `/api/v1/llm/calls/${encodeURIComponent(id)}`);
}

/* The one call of span spanId in trace traceId: [listEntry, fullRecord]. */
export async function callOfSpan(l, traceId, spanId) {
  const calls = await eventually(async () => {
    const j = await getJson(l, `/api/v1/llm/calls?trace_id=${traceId}&limit=1000`);
    const c = j.calls.filter((x) => x.span_id === spanId);
    if (c.length !== 1) throw new Error(`trace ${traceId} span ${spanId}: ${c.length} calls (of ${j.calls.length})`);
    return c;
  }, 5000, `call of span ${spanId}`);
  const full = await callById(l, calls[0].id);
  return [calls[0], full];
}

/* PromQL instant query: [{metric, value: Number, raw}]. */
export async function promQuery(l, q, time) {
  const p = `/api/v1/query?query=${encodeURIComponent(q)}${time !== undefined ? `&time=${time}` : ''}`;
  const j = await getJson(l, p);
  if (j.status !== 'success') throw new Error(`${q}: ${JSON.stringify(j)}`);
  return j.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]), raw: r.value[1] }));
}

/* The one series q selects, once it exists: {metric, value}. */
export async function promOne(l, q, timeoutMs = 5000) {
  return eventually(async () => {
    const r = await promQuery(l, q);
    if (r.length !== 1) throw new Error(`${q}: ${r.length} series: ${JSON.stringify(r.map((x) => x.metric))}`);
    return r[0];
  }, timeoutMs, q);
}

/* ------------------------------------------------------------ pricing */

export const PRICING_PATH = path.resolve(import.meta.dirname, '../../../config/pricing.json');

/* The shipped price table (format in src/ingest/pricing.h): its model
 * entries as {match, regex, provider, input, output, cached} (USD per
 * million tokens; cached = cache_read, defaulting to the input price). */
export function loadPricing() {
  const j = JSON.parse(fs.readFileSync(PRICING_PATH, 'utf8'));
  return (j.models || []).map((m) => ({
    raw: m, name: m.match, match: m.match, regex: !!m.regex, provider: m.provider ?? '',
    input: m.input, output: m.output ?? m.input, cached: m.cache_read ?? m.input,
  }));
}

/* The table entry whose non-regex match is exactly name (case-insensitive),
 * preferring one for provider; undefined when there is none. */
export function priceOf(name, provider = 'openai') {
  const all = loadPricing().filter((m) => !m.regex && typeof m.match === 'string' && m.match.trim().toLowerCase() === name.toLowerCase());
  return all.find((m) => m.provider === provider) ?? all[0];
}

/* Cost in USD: uncached input at the input price, cached input once at the
 * cached price (the input price when the table has none), output at the
 * output price. */
export function costOf(p, { input = 0, output = 0, cached = 0 }) {
  const cachedPrice = p.cached ?? p.input;
  return ((input - cached) * p.input + cached * cachedPrice + output * p.output) / 1e6;
}

/* Relative equality for costs computed in a different order than loupe's. */
export function closeTo(got, want, rel = 1e-9) {
  return typeof got === 'number' && Math.abs(got - want) <= rel * Math.max(Math.abs(want), 1e-12);
}

/* ------------------------------------------------------------ raw OTLP */

/* POST a raw body to an OTLP/HTTP path: {status, headers, body (Buffer), text}. */
export async function otlpPost(url, body, headers = {}) {
  const r = await fetch(url, { method: 'POST', headers, body });
  const b = Buffer.from(await r.arrayBuffer());
  return { status: r.status, headers: r.headers, body: b, text: b.toString('utf8') };
}

/* Silences the SDK's own diagnostics (it logs failed exports; the tests
 * check export results themselves). */
diag.disable();

/* ------------------------------------------------------------ OTLP protobuf by hand */


/* The subset of the OTLP protos the raw tests need (field numbers from
 * opentelemetry-proto), with protobufjs, independent of the SDK and loupe. */
const kv = { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } };
export const otlpRoot = protobuf.Root.fromJSON({
  nested: {
    AnyValue: { oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
      fields: { stringValue: { type: 'string', id: 1 }, boolValue: { type: 'bool', id: 2 }, intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 }, arrayValue: { type: 'ArrayValue', id: 5 }, kvlistValue: { type: 'KeyValueList', id: 6 },
        bytesValue: { type: 'bytes', id: 7 } } },
    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    KeyValue: { fields: kv },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    Scope: { fields: { name: { type: 'string', id: 1 }, version: { type: 'string', id: 2 } } },
    Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
    Event: { fields: { timeUnixNano: { type: 'fixed64', id: 1 }, name: { type: 'string', id: 2 }, attributes: { rule: 'repeated', type: 'KeyValue', id: 3 } } },
    Span: { fields: {
      traceId: { type: 'bytes', id: 1 }, spanId: { type: 'bytes', id: 2 }, traceState: { type: 'string', id: 3 },
      parentSpanId: { type: 'bytes', id: 4 }, name: { type: 'string', id: 5 }, kind: { type: 'int32', id: 6 },
      startTimeUnixNano: { type: 'fixed64', id: 7 }, endTimeUnixNano: { type: 'fixed64', id: 8 },
      attributes: { rule: 'repeated', type: 'KeyValue', id: 9 }, events: { rule: 'repeated', type: 'Event', id: 11 },
      status: { type: 'Status', id: 15 } } },
    ScopeSpans: { fields: { scope: { type: 'Scope', id: 1 }, spans: { rule: 'repeated', type: 'Span', id: 2 } } },
    ResourceSpans: { fields: { resource: { type: 'Resource', id: 1 }, scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 } } },
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
    ExportTracePartialSuccess: { fields: { rejectedSpans: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } } },
    ExportTraceServiceResponse: { fields: { partialSuccess: { type: 'ExportTracePartialSuccess', id: 1 } } },
    ExportPartialSuccess: { fields: { rejected: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } } },
    ExportServiceResponse: { fields: { partialSuccess: { type: 'ExportPartialSuccess', id: 1 } } },
    RpcStatus: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } },
  },
});
export const PB = Object.fromEntries(['ExportTraceServiceRequest', 'ExportTraceServiceResponse', 'ExportServiceResponse', 'RpcStatus', 'Span']
  .map((n) => [n, otlpRoot.lookupType(n)]));

export function randomHex(bytes) {
  return Buffer.from(Array.from({ length: bytes }, () => Math.floor(Math.random() * 256))).toString('hex');
}

/* An OTLP span description for rawTraces*: { traceId, spanId (hex), name,
 * startNs, endNs (BigInt or string), attrs: {k: string|number|bool} }. */
function anyValue(v) {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Number.isInteger(v)) return { intValue: v };
  return { doubleValue: v };
}
export function rawTracesPb(spans, service = 'raw') {
  const msg = { resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
    scopeSpans: [{ scope: { name: 'raw' }, spans: spans.map((s) => ({
      traceId: Buffer.from(s.traceId, 'hex'), spanId: Buffer.from(s.spanId, 'hex'), name: s.name, kind: 3,
      startTimeUnixNano: String(s.startNs), endTimeUnixNano: String(s.endNs),
      attributes: Object.entries(s.attrs || {}).map(([key, v]) => ({ key, value: anyValue(v) })),
    })) }],
  }] };
  const T = PB.ExportTraceServiceRequest;
  return Buffer.from(T.encode(T.fromObject(msg)).finish());
}
export function rawTracesJson(spans, service = 'raw') {
  const jv = (v) => (typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v }
    : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v });
  return JSON.stringify({ resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
    scopeSpans: [{ scope: { name: 'raw' }, spans: spans.map((s) => ({
      traceId: s.traceId, spanId: s.spanId, name: s.name, kind: 3,
      startTimeUnixNano: String(s.startNs), endTimeUnixNano: String(s.endNs),
      attributes: Object.entries(s.attrs || {}).map(([key, v]) => ({ key, value: jv(v) })),
    })) }],
  }] });
}

/* Graceful stop for an after() hook: exit status 0 (an ASan/UBSan report
 * or a leak makes it nonzero) and no sanitizer report in the log. */
export async function stopLoupe(l) {
  if (!l) return;
  const st = await l.stop();
  l.cleanup();
  if (st.code !== 0 || /AddressSanitizer|LeakSanitizer|runtime error:/.test(l.log))
    throw new Error(`loupe exit status ${JSON.stringify(st)}\n${l.log.slice(-8000)}`);
}
