// otlp_exporters.test.mjs - the real OpenTelemetry JS SDK with each of its
// OTLP exporters (http/json, http/protobuf, grpc; plain and gzip) sends
// traces, metrics and logs to loupe, and everything reads back exactly:
// traces through the Jaeger API, the LLM span through the call API, metrics
// through PromQL, logs as the logs of their span in the Jaeger trace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SeverityNumber } from '@opentelemetry/api-logs';
import {
  KINDS, startLoupe, tracing, metering, logging, baseSec, hr, usOf, under, SpanKind, SpanStatusCode, ValueType,
  jaegerTrace, tagMap, sameId, spanOf, callsOfTrace, callById, promOne, promQuery, priceOf, costOf, closeTo,
  stopLoupe,
} from './lib/otel.mjs';

let l;
before(async () => { l = await startLoupe(); });
after(() => stopLoupe(l));

const slug = (kind, gz) => `${kind.replace('/', '-')}${gz ? '-gz' : ''}`;

/* Text that shows any re-encoding: quotes, escapes, newline/tab, astral
 * and CJK characters, a combining accent, U+2028, a "</script>". */
const TRICKY = 'He said "héllo"\n\tpath C:\\tmp 🦜 日本語 e\u0301 \u2028 </script>';

function assertTag(tags, key, type, value) {
  const t = tags.get(key);
  assert.ok(t, `tag ${key} missing; have ${[...tags.keys()].join(', ')}`);
  assert.deepEqual(t, { type, value }, `tag ${key}`);
}

/* An array attribute: Jaeger has no array type; Jaeger's OTLP translator
 * writes arrays as their JSON text in a string tag. */
function assertArrayTag(tags, key, arr) {
  const t = tags.get(key);
  assert.ok(t, `tag ${key} missing`);
  assert.equal(t.type, 'string', `tag ${key} type`);
  assert.deepEqual(JSON.parse(t.value), arr, `tag ${key}`);
}

function fieldMap(log) {
  return tagMap(log.fields);
}

const TRACE_VARIANTS = [];
for (const kind of KINDS) for (const gz of [false, true]) TRACE_VARIANTS.push([kind, gz]);

for (const [kind, gz] of TRACE_VARIANTS) {
  test(`traces over ${kind}${gz ? ' with gzip' : ''}: Jaeger trace and LLM call exact`, async () => {
    const svc = `exp-traces-${slug(kind, gz)}`;
    const tr = tracing(kind, l, { 'service.name': svc, 'service.namespace': 'e2e', 'service.instance.id': 'inst-1',
      'deployment.environment.name': 'test' }, gz ? { compression: 'gzip' } : undefined);
    const B = baseSec();
    const inputMessages = JSON.stringify([
      { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
      { role: 'user', parts: [{ type: 'text', content: `Translate: ${TRICKY}` }] },
    ]);
    const outputMessages = JSON.stringify([
      { role: 'assistant', parts: [{ type: 'text', content: `Traduit: ${TRICKY}` }], finish_reason: 'stop' },
    ]);

    const root = tr.tracer.startSpan('POST /chat', { kind: SpanKind.SERVER, startTime: hr(B, 0), attributes: {
      'http.route': '/chat', 'http.response.status_code': 200, 'app.ratio': 0.25, 'app.cached': true,
      'app.tags': ['a', 'b'], 'app.ints': [1, 2, 3], 'app.max_safe': 9007199254740991, 'app.text': TRICKY,
    } });
    root.addEvent('cache.lookup', { 'cache.hit': false, 'cache.keys': 3 }, hr(B, 5));
    const llm = tr.tracer.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, startTime: hr(B, 10), attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 45, 'gen_ai.usage.cache_read.input_tokens': 100,
      'gen_ai.input.messages': inputMessages, 'gen_ai.output.messages': outputMessages,
      'gen_ai.response.finish_reasons': ['stop'], 'gen_ai.conversation.id': `conv-${svc}`, 'user.id': 'alice',
    } }, under(root));
    llm.end(hr(B, 10 + 1234.5));
    const tool = tr.tracer.startSpan('execute_tool get_weather', { kind: SpanKind.INTERNAL, startTime: hr(B, 1300) }, under(root));
    tool.recordException({ name: 'WeatherError', message: 'upstream 503', stack: 'WeatherError: upstream 503\n    at get_weather (tool.js:1:1)' }, hr(B, 1350));
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'weather service down' });
    tool.end(hr(B, 1400));
    root.setStatus({ code: SpanStatusCode.OK });
    root.end(hr(B, 2000));
    await tr.flush();
    await tr.shutdown();

    const traceId = root.spanContext().traceId;
    const ids = { root: root.spanContext().spanId, llm: llm.spanContext().spanId, tool: tool.spanContext().spanId };

    // ---- Jaeger
    const jt = await jaegerTrace(l, traceId, 3);
    assert.ok(sameId(jt.traceID, traceId), `traceID ${jt.traceID}`);
    const jr = spanOf(jt, ids.root), jl = spanOf(jt, ids.llm), jtool = spanOf(jt, ids.tool);
    for (const s of jt.spans) assert.ok(sameId(s.traceID, traceId), `span traceID ${s.traceID}`);

    assert.equal(jr.operationName, 'POST /chat');
    assert.deepEqual(jr.references ?? [], [], 'root has no references');
    assert.equal(jr.startTime, usOf(hr(B, 0)));
    assert.equal(jr.duration, 2_000_000);
    const rt = tagMap(jr.tags);
    assertTag(rt, 'http.route', 'string', '/chat');
    assertTag(rt, 'http.response.status_code', 'int64', 200);
    assertTag(rt, 'app.ratio', 'float64', 0.25);
    assertTag(rt, 'app.cached', 'bool', true);
    assertTag(rt, 'app.max_safe', 'int64', 9007199254740991);
    assertTag(rt, 'app.text', 'string', TRICKY);
    assertArrayTag(rt, 'app.tags', ['a', 'b']);
    assertArrayTag(rt, 'app.ints', [1, 2, 3]);
    assertTag(rt, 'span.kind', 'string', 'server');
    assertTag(rt, 'otel.status_code', 'string', 'OK');
    assert.ok(!rt.has('error'), 'an OK span has no error tag');
    assertTag(rt, 'otel.scope.name', 'string', 'loupe-e2e');
    assertTag(rt, 'otel.scope.version', 'string', '1.2.3');
    assert.equal(jr.logs.length, 1, 'root: one event');
    assert.equal(jr.logs[0].timestamp, usOf(hr(B, 5)));
    const ev = fieldMap(jr.logs[0]);
    assertTag(ev, 'event', 'string', 'cache.lookup');
    assertTag(ev, 'cache.hit', 'bool', false);
    assertTag(ev, 'cache.keys', 'int64', 3);

    const proc = jt.processes[jr.processID];
    assert.ok(proc, `process ${jr.processID} of root`);
    assert.equal(proc.serviceName, svc);
    const pt = tagMap(proc.tags);
    assertTag(pt, 'service.instance.id', 'string', 'inst-1');
    assertTag(pt, 'service.namespace', 'string', 'e2e');
    for (const s of jt.spans) assert.equal(jt.processes[s.processID]?.serviceName, svc);

    assert.equal(jl.operationName, 'chat gpt-4o');
    assert.equal(jl.references.length, 1);
    assert.equal(jl.references[0].refType, 'CHILD_OF');
    assert.ok(sameId(jl.references[0].spanID, ids.root), 'llm parent');
    assert.ok(sameId(jl.references[0].traceID, traceId));
    assert.equal(jl.startTime, usOf(hr(B, 10)));
    assert.equal(jl.duration, 1_234_500);
    const lt = tagMap(jl.tags);
    assertTag(lt, 'span.kind', 'string', 'client');
    assertTag(lt, 'gen_ai.request.model', 'string', 'gpt-4o');
    assertTag(lt, 'gen_ai.usage.input_tokens', 'int64', 120);
    assertTag(lt, 'gen_ai.input.messages', 'string', inputMessages);
    assertArrayTag(lt, 'gen_ai.response.finish_reasons', ['stop']);

    assert.equal(jtool.references.length, 1);
    assert.equal(jtool.references[0].refType, 'CHILD_OF');
    assert.ok(sameId(jtool.references[0].spanID, ids.root), 'tool parent');
    assert.equal(jtool.duration, 100_000);
    const tt = tagMap(jtool.tags);
    assertTag(tt, 'error', 'bool', true);
    assertTag(tt, 'otel.status_code', 'string', 'ERROR');
    assertTag(tt, 'otel.status_description', 'string', 'weather service down');
    assertTag(tt, 'span.kind', 'string', 'internal');
    assert.equal(jtool.logs.length, 1);
    assert.equal(jtool.logs[0].timestamp, usOf(hr(B, 1350)));
    const ex = fieldMap(jtool.logs[0]);
    assertTag(ex, 'event', 'string', 'exception');
    assertTag(ex, 'exception.type', 'string', 'WeatherError');
    assertTag(ex, 'exception.message', 'string', 'upstream 503');
    assertTag(ex, 'exception.stacktrace', 'string', 'WeatherError: upstream 503\n    at get_weather (tool.js:1:1)');

    // ---- the LLM call: only the LLM span is one
    const [c] = await callsOfTrace(l, traceId, 1);
    assert.equal(c.trace_id, traceId);
    assert.equal(c.span_id, ids.llm);
    assert.equal(Date.parse(c.time), (B * 1000) + 10, `time ${c.time}`);
    assert.equal(c.service, svc);
    assert.equal(c.user_id, 'alice');
    assert.equal(c.session_id, `conv-${svc}`);
    assert.equal(c.provider, 'openai');
    assert.equal(c.model, 'gpt-4o-2024-08-06');
    assert.equal(c.status, 'ok');
    assert.equal(c.error, null);
    assert.equal(c.input_tokens, 120);
    assert.equal(c.output_tokens, 45);
    assert.equal(c.cached_input_tokens, 100);
    assert.equal(c.reasoning_tokens, null);
    assert.equal(c.latency_ms, 1234.5);
    assert.equal(c.ttft_ms, null);
    assert.equal(c.finish_reason, 'stop');
    const price = priceOf('gpt-4o');
    if (price) {
      const want = costOf(price, { input: 120, output: 45, cached: 100 });
      assert.ok(closeTo(c.cost_usd, want), `cost_usd ${c.cost_usd}, want ${want}`);
      assert.equal(c.cost_source, 'price_table');
    } else {
      assert.equal(c.cost_usd, null);
      assert.equal(c.cost_source, null);
    }
    for (const k of ['prompt_preview', 'completion_preview']) assert.equal(typeof c[k], 'string', k);

    const full = await callById(l, c.id);
    assert.equal(full.id, c.id);
    assert.equal(full.trace_id, traceId);
    assert.equal(full.prompt, inputMessages, 'prompt byte-exact');
    assert.equal(full.completion, outputMessages, 'completion byte-exact');
    assert.deepEqual(full.messages.map((m) => [m.role, m.content]), [
      ['system', 'You are terse.'], ['user', `Translate: ${TRICKY}`], ['assistant', `Traduit: ${TRICKY}`],
    ]);
    assert.equal(full.attributes['gen_ai.request.model'], 'gpt-4o');
    assert.equal(full.attributes['gen_ai.usage.cache_read.input_tokens'], 100);
  });
}

for (const kind of KINDS) {
  test(`metrics over ${kind}: counter, int counter, up-down counter, histogram, gauge exact`, async () => {
    const s = slug(kind);
    const job = `e2e/exp-metrics-${s}`;
    const m = metering(kind, l, { 'service.name': `exp-metrics-${s}`, 'service.namespace': 'e2e',
      'service.instance.id': `inst-${s}` });
    const meter = m.meter;
    const requests = meter.createCounter('e2e_requests', { description: 'requests served' });
    requests.add(3, { route: '/a' });
    requests.add(4.5, { route: '/a' });
    requests.add(1, { route: '/b' });
    meter.createCounter('e2e_tokens', { valueType: ValueType.INT }).add(100, { model: 'm1' });
    meter.createCounter('e2e_tokens', { valueType: ValueType.INT }).add(23, { model: 'm1' });
    const inflight = meter.createUpDownCounter('e2e_inflight');
    inflight.add(5);
    inflight.add(-2);
    const lat = meter.createHistogram('e2e_latency', { advice: { explicitBucketBoundaries: [1, 5, 10] } });
    for (const v of [0.5, 2, 7, 20]) lat.record(v, { route: '/a' });
    const depth = meter.createGauge('e2e_queue_depth');
    depth.record(17, { queue: 'q1' });
    depth.record(42.25, { queue: 'q1' });
    await m.flush();
    await m.shutdown();

    const sel = (extra = '') => `{job="${job}"${extra}}`;
    const a = await promOne(l, `e2e_requests_total${sel(',route="/a"')}`);
    assert.equal(a.value, 7.5);
    assert.equal(a.metric.instance, `inst-${s}`);
    assert.equal(a.metric.job, job);
    const allowed = new Set(['__name__', 'job', 'instance', 'route', 'otel_scope_name', 'otel_scope_version']);
    for (const k of Object.keys(a.metric)) assert.ok(allowed.has(k), `unexpected label ${k} on ${JSON.stringify(a.metric)}`);
    assert.equal((await promOne(l, `e2e_requests_total${sel(',route="/b"')}`)).value, 1);
    assert.equal((await promOne(l, `e2e_tokens_total${sel(',model="m1"')}`)).value, 123);
    assert.equal((await promOne(l, `e2e_inflight${sel()}`)).value, 3);
    assert.equal((await promQuery(l, `e2e_inflight_total${sel()}`)).length, 0, 'a non-monotonic sum has no _total');
    assert.equal((await promOne(l, `e2e_queue_depth${sel(',queue="q1"')}`)).value, 42.25);
    assert.equal((await promOne(l, `e2e_latency_sum${sel(',route="/a"')}`)).value, 29.5);
    assert.equal((await promOne(l, `e2e_latency_count${sel(',route="/a"')}`)).value, 4);
    const buckets = await promQuery(l, `e2e_latency_bucket${sel(',route="/a"')}`);
    assert.deepEqual(Object.fromEntries(buckets.map((b) => [b.metric.le, b.value])), { 1: 1, 5: 2, 10: 3, '+Inf': 4 });
  });
}

for (const kind of KINDS) {
  test(`logs over ${kind}: a span's log records are that span's logs in the Jaeger trace`, async () => {
    const s = slug(kind);
    const res = { 'service.name': `exp-logs-${s}`, 'service.namespace': 'e2e' };
    const tr = tracing(kind, l, res);
    const lg = logging(kind, l, res);
    const B = baseSec();
    const span = tr.tracer.startSpan('handle', { startTime: hr(B, 0) });
    const other = tr.tracer.startSpan('other', { startTime: hr(B, 0) }, under(span));
    const body1 = `cache miss for key «k1» ${TRICKY}`;
    lg.logger.emit({ timestamp: hr(B, 20), severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: body1,
      attributes: { 'log.attr': 'v1', 'log.n': 7 }, context: under(span) });
    lg.logger.emit({ timestamp: hr(B, 80), severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'done',
      context: under(span) });
    lg.logger.emit({ timestamp: hr(B, 30), severityNumber: SeverityNumber.ERROR, body: 'in the child', context: under(other) });
    lg.logger.emit({ timestamp: hr(B, 40), body: 'outside any span' });
    other.end(hr(B, 50));
    span.end(hr(B, 100));
    await lg.flush();
    await tr.flush();
    await lg.shutdown();
    await tr.shutdown();

    const jt = await jaegerTrace(l, span.spanContext().traceId, 2);
    const js = spanOf(jt, span.spanContext().spanId);
    const jo = spanOf(jt, other.spanContext().spanId);
    const bodyOf = (log) => log.fields.find((f) => f.value === body1 || f.value === 'done' || f.value === 'in the child')?.value;
    const got = js.logs.map((x) => [x.timestamp, bodyOf(x)]).sort((x, y) => x[0] - y[0]);
    assert.deepEqual(got, [[usOf(hr(B, 20)), body1], [usOf(hr(B, 80)), 'done']], `logs of the span: ${JSON.stringify(js.logs)}`);
    const first = fieldMap(js.logs.find((x) => x.timestamp === usOf(hr(B, 20))));
    assertTag(first, 'log.attr', 'string', 'v1');
    assertTag(first, 'log.n', 'int64', 7);
    assert.deepEqual(jo.logs.map((x) => [x.timestamp, bodyOf(x)]), [[usOf(hr(B, 30)), 'in the child']]);
  });
}

test('the main HTTP port serves OTLP/HTTP too', async () => {
  const tr = tracing('http/protobuf', { otlpUrl: l.url }, { 'service.name': 'exp-main-port' });
  const B = baseSec();
  const span = tr.tracer.startSpan('on-main-port', { startTime: hr(B, 0) });
  span.end(hr(B, 1));
  await tr.flush();
  await tr.shutdown();
  const jt = await jaegerTrace(l, span.spanContext().traceId, 1);
  assert.equal(jt.spans[0].operationName, 'on-main-port');
});

test("Langfuse's OTLP path (/api/public/otel/v1/traces) takes the same spans", async () => {
  const tr = tracing('http/protobuf', { otlpUrl: `${l.otlpUrl}/api/public/otel` }, { 'service.name': 'exp-langfuse-path' });
  const B = baseSec();
  const span = tr.tracer.startSpan('generation', { startTime: hr(B, 0), attributes: {
    'langfuse.observation.type': 'generation', 'langfuse.observation.model.name': 'gpt-4o-mini',
    'langfuse.observation.usage_details': JSON.stringify({ input: 9, output: 2 }), 'langfuse.user.id': 'lf-user' } });
  span.end(hr(B, 10));
  await tr.flush();
  await tr.shutdown();
  const [c] = await callsOfTrace(l, span.spanContext().traceId, 1);
  assert.deepEqual([c.model, c.user_id, c.input_tokens, c.output_tokens], ['gpt-4o-mini', 'lf-user', 9, 2]);
});
