// otlp_genai.test.mjs - one real SDK span per LLM attribute family (OTel
// GenAI current and deprecated, OpenInference, OpenLLMetry, Langfuse, vLLM,
// the seed app's llm.*), each read back as a call record with the fields
// that family carries; an agent -> LLM -> tool trace has exactly one call;
// an error span is a call with status "error".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startLoupe, tracing, logging, baseSec, hr, under, SpanKind, SpanStatusCode, jaegerTrace, spanOf, sameId, callOfSpan,
  callsOfTrace, eventually, promQuery,
  stopLoupe,
} from './lib/otel.mjs';

let l;
/* the SDK's idle keep-alive connections would hold loupe's HTTP workers (see
 * the keep-alive test in otlp_bad_input); this file tests something else */
const NOKA = { keepAlive: false };
const FIX = new Map(); // family -> { traceId, spanId, expect, promptHas, completionHas }

function fixture(tracer, family, name, attributes, { kind = SpanKind.CLIENT, events = [], expect, promptHas = [], completionHas = [], status, exception, durMs = 900 } = {}) {
  const B = baseSec();
  const span = tracer.startSpan(name, { kind, startTime: hr(B, 0), attributes });
  for (const [evName, evAttrs, ms] of events) span.addEvent(evName, evAttrs, hr(B, ms));
  if (exception) span.recordException(exception, hr(B, durMs - 1));
  if (status) span.setStatus(status);
  span.end(hr(B, durMs));
  FIX.set(family, { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, expect, promptHas, completionHas, latency: durMs });
  return span;
}

const CURRENT_IN = JSON.stringify([
  { role: 'system', parts: [{ type: 'text', content: 'Answer in one word.' }] },
  { role: 'user', parts: [{ type: 'text', content: 'What is the capital of France?' }] },
]);
const CURRENT_OUT = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Paris' }], finish_reason: 'stop' }]);

let agentIds;

before(async () => {
  l = await startLoupe();
  const tr = tracing('http/protobuf', l, { 'service.name': 'genai-fixtures', 'service.version': '1.0.0' }, NOKA);
  const t = tr.tracer;

  fixture(t, 'otel-current', 'chat gpt-4o-mini', {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.usage.input_tokens': 1200, 'gen_ai.usage.output_tokens': 80, 'gen_ai.usage.cache_read.input_tokens': 1000,
    'gen_ai.input.messages': CURRENT_IN, 'gen_ai.output.messages': CURRENT_OUT,
    'gen_ai.response.finish_reasons': ['stop'], 'gen_ai.conversation.id': 'conv-current', 'user.id': 'u-current',
    'gen_ai.response.id': 'chatcmpl-1',
  }, {
    expect: { provider: 'openai', model: 'gpt-4o-mini-2024-07-18', user_id: 'u-current', session_id: 'conv-current',
      input_tokens: 1200, output_tokens: 80, cached_input_tokens: 1000, ttft_ms: null, route: 'cloud', status: 'ok',
      error: null, finish_reason: 'stop' },
    promptHas: ['What is the capital of France?', 'Answer in one word.'], completionHas: ['Paris'],
  });

  fixture(t, 'otel-deprecated-events', 'chat claude-3-5-sonnet', {
    'gen_ai.system': 'anthropic', 'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'claude-3-5-sonnet-20241022', 'gen_ai.response.model': 'claude-3-5-sonnet-20241022',
    'gen_ai.usage.prompt_tokens': 300, 'gen_ai.usage.completion_tokens': 50, 'user.id': 'u-dep', 'session.id': 's-dep',
  }, {
    events: [
      ['gen_ai.system.message', { 'gen_ai.system': 'anthropic', content: 'Be brief.' }, 1],
      ['gen_ai.user.message', { 'gen_ai.system': 'anthropic', content: 'Summarise the Iliad' }, 2],
      // span events cannot nest: the body as JSON in gen_ai.event.content (Semantic Kernel, Azure SDKs)
      ['gen_ai.choice', { 'gen_ai.system': 'anthropic', 'gen_ai.event.content':
        JSON.stringify({ index: 0, finish_reason: 'end_turn', message: { role: 'assistant', content: 'Wrath, war, Troy.' } }) }, 800],
    ],
    expect: { provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', user_id: 'u-dep', session_id: 's-dep',
      input_tokens: 300, output_tokens: 50, status: 'ok', error: null, finish_reason: 'end_turn' },
    promptHas: ['Summarise the Iliad'], completionHas: ['Wrath, war, Troy.'],
  });

  fixture(t, 'otel-deprecated-content', 'openai.chat', {
    'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-3.5-turbo-0125',
    'gen_ai.usage.prompt_tokens': 12, 'gen_ai.usage.completion_tokens': 3,
  }, {
    events: [
      ['gen_ai.content.prompt', { 'gen_ai.prompt': JSON.stringify([{ role: 'user', content: 'Say hi to Zanzibar' }]) }, 1],
      ['gen_ai.content.completion', { 'gen_ai.completion': JSON.stringify([{ role: 'assistant', content: 'Hi there, Zanzibar' }]) }, 800],
    ],
    expect: { provider: 'openai', model: 'gpt-3.5-turbo-0125', input_tokens: 12, output_tokens: 3, status: 'ok' },
    promptHas: ['Say hi to Zanzibar'], completionHas: ['Hi there, Zanzibar'],
  });

  fixture(t, 'openinference', 'ChatCompletion', {
    'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-2024-08-06', 'llm.provider': 'openai', 'llm.system': 'openai',
    'llm.token_count.prompt': 500, 'llm.token_count.completion': 20, 'llm.token_count.total': 520,
    'llm.token_count.prompt_details.cache_read': 200,
    'llm.input_messages.0.message.role': 'system', 'llm.input_messages.0.message.content': 'You translate.',
    'llm.input_messages.1.message.role': 'user', 'llm.input_messages.1.message.content': 'Translate good morning to French',
    'llm.output_messages.0.message.role': 'assistant', 'llm.output_messages.0.message.content': 'Bonjour',
    'input.value': JSON.stringify({ messages: [{ role: 'user', content: 'Translate good morning to French' }] }),
    'input.mime_type': 'application/json', 'output.value': 'Bonjour', 'output.mime_type': 'text/plain',
    'llm.prompt_template.template': 'Translate {text} to French', 'llm.prompt_template.variables': JSON.stringify({ text: 'good morning' }),
    'llm.prompt_template.version': 'v3', 'session.id': 'sess-oi', 'user.id': 'u-oi',
  }, {
    expect: { provider: 'openai', model: 'gpt-4o-2024-08-06', user_id: 'u-oi', session_id: 'sess-oi',
      input_tokens: 500, output_tokens: 20, cached_input_tokens: 200, template: 'Translate {text} to French', status: 'ok', error: null },
    promptHas: ['Translate good morning to French'], completionHas: ['Bonjour'],
  });

  fixture(t, 'openllmetry', 'openai.chat', {
    'gen_ai.system': 'openai', 'llm.request.type': 'chat',
    'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.prompt.0.role': 'system', 'gen_ai.prompt.0.content': 'You are a poet.',
    'gen_ai.prompt.1.role': 'user', 'gen_ai.prompt.1.content': 'Write a haiku about Lisbon',
    'gen_ai.completion.0.role': 'assistant', 'gen_ai.completion.0.content': 'Yellow tram climbing', 'gen_ai.completion.0.finish_reason': 'stop',
    'gen_ai.usage.prompt_tokens': 40, 'gen_ai.usage.completion_tokens': 10, 'llm.usage.total_tokens': 50,
    'traceloop.association.properties.user_id': 'carol', 'traceloop.association.properties.session_id': 'sess-carol',
  }, {
    expect: { provider: 'openai', model: 'gpt-4o-mini-2024-07-18', user_id: 'carol', session_id: 'sess-carol',
      input_tokens: 40, output_tokens: 10, status: 'ok', error: null, finish_reason: 'stop' },
    promptHas: ['Write a haiku about Lisbon', 'You are a poet.'], completionHas: ['Yellow tram climbing'],
  });

  fixture(t, 'langfuse', 'generation', {
    'langfuse.observation.type': 'generation', 'langfuse.observation.model.name': 'claude-3-haiku-20240307',
    'langfuse.observation.usage_details': JSON.stringify({ input: 70, output: 30 }),
    'langfuse.observation.input': JSON.stringify([{ role: 'user', content: 'Name three colours' }]),
    'langfuse.observation.output': JSON.stringify({ role: 'assistant', content: 'Red, green, blue' }),
    'langfuse.user.id': 'dave', 'langfuse.session.id': 'sess-dave',
  }, {
    kind: SpanKind.INTERNAL,
    expect: { model: 'claude-3-haiku-20240307', user_id: 'dave', session_id: 'sess-dave', input_tokens: 70, output_tokens: 30,
      status: 'ok', error: null },
    promptHas: ['Name three colours'], completionHas: ['Red, green, blue'],
  });

  // vLLM's tracer is named vllm.llm_engine: the provider comes from the scope
  fixture(tr.provider.getTracer('vllm.llm_engine'), 'vllm', 'llm_request', {
    'gen_ai.response.model': 'meta-llama/Llama-3.1-8B-Instruct', 'gen_ai.request.id': 'cmpl-4f2a',
    'gen_ai.request.temperature': 0.7, 'gen_ai.request.top_p': 0.9, 'gen_ai.request.max_tokens': 256, 'gen_ai.request.n': 1,
    'gen_ai.usage.num_sequences': 1, 'gen_ai.usage.prompt_tokens': 256, 'gen_ai.usage.completion_tokens': 64,
    'gen_ai.latency.time_in_queue': 0.002, 'gen_ai.latency.time_to_first_token': 0.125, 'gen_ai.latency.e2e': 1.5,
    'gen_ai.latency.time_in_scheduler': 0.001, 'gen_ai.latency.time_in_model_forward': 1.2,
    'gen_ai.latency.time_in_model_execute': 1.3,
  }, {
    kind: SpanKind.SERVER, durMs: 1500,
    expect: { model: 'meta-llama/Llama-3.1-8B-Instruct', provider: 'vllm', route: 'local', input_tokens: 256, output_tokens: 64,
      ttft_ms: 125, status: 'ok', error: null },
  });

  fixture(t, 'seed-app', 'llm.call', {
    'llm.model': 'gpt-4o', 'llm.route': 'local', 'llm.user_id': 'erin', 'llm.input_tokens': 1000,
    'llm.output_tokens': 200, 'llm.cost_usd': 0.0123, 'llm.ttft_ms': 87.5,
  }, {
    expect: { model: 'gpt-4o', route: 'local', user_id: 'erin', input_tokens: 1000, output_tokens: 200, ttft_ms: 87.5,
      cost_usd: 0.0123, cost_source: 'span', status: 'ok', error: null },
  });

  fixture(t, 'error', 'chat gpt-4o', {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o',
    'error.type': 'RateLimitError', 'user.id': 'u-err',
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'This one fails' }] }]),
  }, {
    status: { code: SpanStatusCode.ERROR, message: 'Rate limit reached for gpt-4o' },
    exception: { name: 'RateLimitError', message: 'Rate limit reached for gpt-4o', stack: 'RateLimitError: Rate limit reached for gpt-4o' },
    expect: { provider: 'openai', model: 'gpt-4o', user_id: 'u-err', status: 'error', output_tokens: null },
    promptHas: ['This one fails'],
  });

  // agent -> LLM -> tool: three spans, one call
  const B = baseSec();
  const agent = t.startSpan('invoke_agent planner', { kind: SpanKind.INTERNAL, startTime: hr(B, 0), attributes: {
    'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.provider.name': 'openai', 'user.id': 'u-agent' } });
  const llm = t.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, startTime: hr(B, 10), attributes: {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o',
    'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 5, 'user.id': 'u-agent',
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Weather in Oslo?' }] }]),
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Oslo' } }], finish_reason: 'tool_call' }]),
  } }, under(agent));
  const tool = t.startSpan('execute_tool get_weather', { kind: SpanKind.INTERNAL, startTime: hr(B, 400), attributes: {
    'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'call_1',
    'gen_ai.tool.type': 'function' } }, under(llm));
  tool.end(hr(B, 450));
  llm.end(hr(B, 500));
  agent.end(hr(B, 600));
  agentIds = { traceId: agent.spanContext().traceId, agent: agent.spanContext().spanId, llm: llm.spanContext().spanId,
    tool: tool.spanContext().spanId };

  await tr.flush();
  await tr.shutdown();
});
after(() => stopLoupe(l));

const FAMILIES = ['otel-current', 'otel-deprecated-events', 'otel-deprecated-content', 'openinference', 'openllmetry',
  'langfuse', 'vllm', 'seed-app', 'error'];

for (const family of FAMILIES) {
  test(`${family}: the span is one call record with the family's fields`, async () => {
    const f = FIX.get(family);
    const calls = await callsOfTrace(l, f.traceId, 1);
    const [c, full] = await callOfSpan(l, f.traceId, f.spanId);
    assert.equal(calls[0].id, c.id);
    assert.equal(c.trace_id, f.traceId);
    assert.equal(c.service, 'genai-fixtures');
    assert.equal(c.latency_ms, f.latency);
    for (const [k, v] of Object.entries(f.expect)) {
      if (v === undefined) continue;
      assert.deepEqual(c[k], v, `${family}: ${k} = ${JSON.stringify(c[k])}, want ${JSON.stringify(v)}`);
      assert.deepEqual(full[k], v, `${family}: ${k} of /calls/<id>`);
    }
    for (const s of f.promptHas) assert.ok(typeof full.prompt === 'string' && full.prompt.includes(s), `${family}: prompt ${JSON.stringify(full.prompt)} lacks ${JSON.stringify(s)}`);
    for (const s of f.completionHas) assert.ok(typeof full.completion === 'string' && full.completion.includes(s), `${family}: completion ${JSON.stringify(full.completion)} lacks ${JSON.stringify(s)}`);
    if (f.promptHas.length) assert.ok(c.prompt_preview?.length > 0, `${family}: prompt_preview`);
    if (f.completionHas.length) assert.ok(c.completion_preview?.length > 0, `${family}: completion_preview`);
    if (family === 'error') {
      assert.equal(typeof c.error, 'string');
      assert.match(c.error, /rate ?limit/i, `error ${JSON.stringify(c.error)}`);
    }
  });
}

test('otel-current: messages parsed from parts', async () => {
  const f = FIX.get('otel-current');
  const [, full] = await callOfSpan(l, f.traceId, f.spanId);
  assert.equal(full.prompt, CURRENT_IN);
  assert.equal(full.completion, CURRENT_OUT);
  assert.deepEqual(full.messages.map((m) => [m.role, m.content]), [
    ['system', 'Answer in one word.'], ['user', 'What is the capital of France?'], ['assistant', 'Paris'],
  ]);
});

test('agent -> LLM -> tool: three spans with the right parents, only the LLM span is a call', async () => {
  const jt = await jaegerTrace(l, agentIds.traceId, 3);
  const a = spanOf(jt, agentIds.agent), m = spanOf(jt, agentIds.llm), tl = spanOf(jt, agentIds.tool);
  assert.deepEqual(a.references ?? [], []);
  assert.deepEqual(m.references.map((r) => [r.refType, sameId(r.spanID, agentIds.agent)]), [['CHILD_OF', true]]);
  assert.deepEqual(tl.references.map((r) => [r.refType, sameId(r.spanID, agentIds.llm)]), [['CHILD_OF', true]]);
  assert.equal(a.operationName, 'invoke_agent planner');
  assert.equal(tl.operationName, 'execute_tool get_weather');
  const calls = await callsOfTrace(l, agentIds.traceId, 1);
  assert.equal(calls[0].span_id, agentIds.llm);
  assert.equal(calls[0].model, 'gpt-4o');
  assert.equal(calls[0].input_tokens, 50);
  assert.equal(calls[0].output_tokens, 5);
  assert.equal(calls[0].user_id, 'u-agent');
});

test('call search: q over prompt text, user_id and session_id filters', async () => {
  const byQ = await eventually(async () => {
    const r = await l.json('/api/v1/llm/calls?q=Iliad');
    assert.equal(r.status, 200, r.body);
    return r.json;
  });
  assert.deepEqual(byQ.calls.map((c) => c.span_id), [FIX.get('otel-deprecated-events').spanId]);
  assert.equal(typeof byQ.calls[0].snippet, 'string');
  assert.ok(byQ.calls[0].snippet.includes('Iliad'), `snippet ${byQ.calls[0].snippet}`);
  const byUser = await l.json('/api/v1/llm/calls?user_id=carol');
  assert.deepEqual(byUser.json.calls.map((c) => c.span_id), [FIX.get('openllmetry').spanId]);
  const bySession = await l.json('/api/v1/llm/calls?session_id=sess-oi');
  assert.deepEqual(bySession.json.calls.map((c) => c.span_id), [FIX.get('openinference').spanId]);
  const all = await l.json('/api/v1/llm/calls?limit=1000');
  assert.equal(all.json.calls.length, FAMILIES.length + 1, 'one call per fixture plus the agent trace\'s LLM span');
});

test('derived series: request, token and TTFT series from the calls alone', async () => {
  const S = 'service="genai-fixtures"';
  const total = async (q) => {
    const r = await promQuery(l, `sum(last_over_time(${q}[1h]))`);
    return r.length ? r[0].value : 0;
  };
  await eventually(async () => (await total(`loupe_llm_requests_total{${S}}`)) === FAMILIES.length + 1, 5000, 'derived requests');
  assert.equal(await total(`loupe_llm_requests_total{${S},status="error"}`), 1);
  assert.equal(await total(`loupe_llm_requests_total{${S},status="ok"}`), FAMILIES.length);
  assert.equal(await total(`loupe_llm_requests_total{${S},model="gpt-4o-mini-2024-07-18",provider="openai",route="cloud"}`), 2);
  assert.equal(await total(`loupe_llm_input_tokens_total{${S}}`), 1200 + 300 + 12 + 500 + 40 + 70 + 256 + 1000 + 50);
  assert.equal(await total(`loupe_llm_output_tokens_total{${S}}`), 80 + 50 + 3 + 20 + 10 + 30 + 64 + 200 + 5);
  assert.equal(await total(`loupe_llm_cached_input_tokens_total{${S}}`), 1000 + 200);
  assert.equal(await total(`loupe_llm_time_to_first_token_seconds_count{${S}}`), 2);
  assert.equal(await total(`loupe_llm_time_to_first_token_seconds_bucket{${S},model="gpt-4o",le="0.1"}`), 1);
  assert.equal(await total(`loupe_llm_time_to_first_token_seconds_bucket{${S},model="meta-llama/Llama-3.1-8B-Instruct",le="0.1"}`), 0);
  assert.equal(await total(`loupe_llm_time_to_first_token_seconds_bucket{${S},model="meta-llama/Llama-3.1-8B-Instruct",le="0.25"}`), 1);
  assert.equal(await total(`loupe_llm_request_duration_seconds_count{${S}}`), FAMILIES.length + 1);
  assert.equal(await total(`loupe_llm_request_duration_seconds_bucket{${S},model="meta-llama/Llama-3.1-8B-Instruct",le="1"}`), 0);
  assert.equal(await total(`loupe_llm_request_duration_seconds_bucket{${S},model="meta-llama/Llama-3.1-8B-Instruct",le="2"}`), 1);
  assert.equal(await total(`loupe_llm_cost_usd_total{${S},model="gpt-4o",route="local"}`), 0.0123);
});

/* gen_ai.client.inference.operation.details: the whole call as a log event
 * (opt-in in OTel GenAI; instrumentations emit it beside their span). */
async function detailsEvent({ spanAttrs, service, spansFirst = false }) {
  const res = { 'service.name': service };
  const tr = tracing('http/protobuf', l, res, NOKA);
  const lg = logging('http/protobuf', l, res, NOKA);
  const B = baseSec();
  const span = tr.tracer.startSpan('chat gpt-4o-mini', { kind: SpanKind.CLIENT, startTime: hr(B, 0), attributes: spanAttrs });
  lg.logger.emit({
    eventName: 'gen_ai.client.inference.operation.details', timestamp: hr(B, 700), severityNumber: 9, context: under(span),
    attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 33, 'gen_ai.usage.output_tokens': 4, 'user.id': 'u-logs',
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Ping from a log event' }] }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Pong' }], finish_reason: 'stop' }]),
    },
  });
  span.end(hr(B, 800));
  for (const p of spansFirst ? [tr, lg] : [lg, tr]) await p.flush();
  await lg.shutdown();
  await tr.shutdown();
  return span.spanContext();
}

test('a gen_ai.client.inference.operation.details log event in a plain span is one call', async () => {
  const sc = await detailsEvent({ spanAttrs: { 'http.route': '/x' }, service: 'genai-logs' });
  const calls = await callsOfTrace(l, sc.traceId, 1);
  const [c, full] = await callOfSpan(l, sc.traceId, sc.spanId);
  assert.equal(calls[0].id, c.id);
  assert.equal(c.model, 'gpt-4o-mini');
  assert.equal(c.provider, 'openai');
  assert.equal(c.user_id, 'u-logs');
  assert.equal(c.service, 'genai-logs');
  assert.equal(c.input_tokens, 33);
  assert.equal(c.output_tokens, 4);
  assert.ok(full.prompt.includes('Ping from a log event'), full.prompt);
  assert.ok(full.completion.includes('Pong'), full.completion);
});

for (const spansFirst of [false, true]) {
  test(`a span that is a call plus its details log event (${spansFirst ? 'span' : 'log'} sent first): one call, counted once`, async () => {
    const service = `genai-both-${spansFirst ? 'span-first' : 'log-first'}`;
    const sc = await detailsEvent({ service, spansFirst, spanAttrs: {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 33, 'gen_ai.usage.output_tokens': 4, 'user.id': 'u-logs' } });
    await jaegerTrace(l, sc.traceId, 1);
    const r = await l.json(`/api/v1/llm/calls?trace_id=${sc.traceId}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.calls.map((c) => [c.span_id, c.input_tokens, c.output_tokens]), [[sc.spanId, 33, 4]],
      'one call per model call, not one for the span and one for its log event');
    assert.equal(r.json.calls[0].latency_ms, 800, 'the call keeps the span\'s latency');
    const total = async (q) => (await promQuery(l, `sum(last_over_time(${q}{service="${service}"}[1h]))`))[0]?.value;
    assert.equal(await eventually(() => total('loupe_llm_requests_total'), 5000, 'derived requests'), 1, 'derived requests counted once');
    assert.equal(await total('loupe_llm_input_tokens_total'), 33, 'derived input tokens counted once');
  });
}
