// otlp_pricing.test.mjs - cost of LLM calls sent by the real SDK: a cost on
// the span wins over the price table; dated model names take their family's
// price (and gpt-4o-mini-* is not gpt-4o); cached input tokens are charged
// once, at the cached price; a model without a price is unpriced (null, and
// counted), never zero.  Expected costs come from the price table loupe
// ships (config/pricing.json), not from numbers written here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startLoupe, tracing, baseSec, hr, SpanKind, callOfSpan, priceOf, costOf, closeTo, loadPricing, promQuery, eventually,
  stopLoupe,
} from './lib/otel.mjs';

let l;
before(async () => { l = await startLoupe(); });
after(() => stopLoupe(l));

async function oneCall(attributes) {
  const tr = tracing('http/protobuf', l, { 'service.name': 'pricing' }, { keepAlive: false });
  const B = baseSec();
  const span = tr.tracer.startSpan('chat', { kind: SpanKind.CLIENT, startTime: hr(B, 0), attributes });
  span.end(hr(B, 500));
  await tr.flush();
  await tr.shutdown();
  const [c] = await callOfSpan(l, span.spanContext().traceId, span.spanContext().spanId);
  return c;
}

function mustPrice(name) {
  const p = priceOf(name);
  assert.ok(p, `config/pricing.json has no entry named ${name} (entries: ${loadPricing().map((m) => m.name).join(', ')})`);
  assert.equal(typeof p.input, 'number', `${name}: input price`);
  assert.equal(typeof p.output, 'number', `${name}: output price`);
  return p;
}

const genai = (model, input, output, cached) => ({
  'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': model,
  'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output,
  ...(cached !== undefined ? { 'gen_ai.usage.cache_read.input_tokens': cached } : {}),
});

test('the price table has distinct gpt-4o and gpt-4o-mini prices (else the tests below prove little)', () => {
  const a = mustPrice('gpt-4o'), b = mustPrice('gpt-4o-mini');
  assert.notEqual(a.input, b.input);
  assert.notEqual(a.output, b.output);
});

test('a cost sent on the span wins over the price table', async () => {
  const c = await oneCall({ 'llm.model': 'gpt-4o', 'llm.input_tokens': 1000, 'llm.output_tokens': 500, 'llm.cost_usd': 0.4242 });
  assert.equal(c.cost_usd, 0.4242);
  assert.equal(c.cost_source, 'span');
  assert.equal(c.model, 'gpt-4o');
});

test('a cost sent as 0 on the span is 0 from the span', async () => {
  const c = await oneCall({ 'llm.model': 'gpt-4o', 'llm.input_tokens': 1000, 'llm.output_tokens': 500, 'llm.cost_usd': 0 });
  assert.equal(c.cost_usd, 0);
  assert.equal(c.cost_source, 'span');
});

test('gpt-4o exact: tokens x the table price', async () => {
  const p = mustPrice('gpt-4o');
  const c = await oneCall(genai('gpt-4o', 1000, 500));
  const want = costOf(p, { input: 1000, output: 500 });
  assert.ok(closeTo(c.cost_usd, want), `cost ${c.cost_usd}, want ${want}`);
  assert.equal(c.cost_source, 'price_table');
});

test('gpt-4o-2024-08-06 is priced as gpt-4o', async () => {
  const p = priceOf('gpt-4o-2024-08-06') ?? mustPrice('gpt-4o');
  const c = await oneCall(genai('gpt-4o-2024-08-06', 2000, 300));
  assert.equal(c.model, 'gpt-4o-2024-08-06');
  const want = costOf(p, { input: 2000, output: 300 });
  assert.ok(closeTo(c.cost_usd, want), `cost ${c.cost_usd}, want ${want} (gpt-4o prices)`);
  assert.equal(c.cost_source, 'price_table');
});

test('gpt-4o-mini-2024-07-18 is priced as gpt-4o-mini, not gpt-4o', async () => {
  const p = priceOf('gpt-4o-mini-2024-07-18') ?? mustPrice('gpt-4o-mini');
  const c = await oneCall(genai('gpt-4o-mini-2024-07-18', 2000, 300));
  const want = costOf(p, { input: 2000, output: 300 });
  const wrong = costOf(mustPrice('gpt-4o'), { input: 2000, output: 300 });
  assert.ok(!closeTo(c.cost_usd, wrong), `priced as gpt-4o: ${c.cost_usd}`);
  assert.ok(closeTo(c.cost_usd, want), `cost ${c.cost_usd}, want ${want} (gpt-4o-mini prices)`);
});

test('cached input tokens are charged once, at the cached price', async () => {
  const p = mustPrice('gpt-4o');
  assert.equal(typeof p.cached, 'number', 'gpt-4o has a cached-input price in the table');
  assert.notEqual(p.cached, p.input);
  const c = await oneCall(genai('gpt-4o', 10000, 100, 8000));
  assert.equal(c.input_tokens, 10000);
  assert.equal(c.cached_input_tokens, 8000);
  const want = (2000 * p.input + 8000 * p.cached + 100 * p.output) / 1e6;
  assert.ok(closeTo(c.cost_usd, want), `cost ${c.cost_usd}, want ${want}`);
  const double = (10000 * p.input + 8000 * p.cached + 100 * p.output) / 1e6;
  assert.ok(!closeTo(c.cost_usd, double), 'cached tokens charged twice');
});

test('an unknown model is unpriced: cost null, source null, counted in /metrics', async () => {
  const before = await l.metric('loupe_llm_calls_unpriced_total', {});
  const c = await oneCall(genai('acme-llm-9000-unreleased', 1000, 100));
  assert.equal(c.model, 'acme-llm-9000-unreleased');
  assert.equal(c.cost_usd, null);
  assert.equal(c.cost_source, null);
  assert.equal(c.input_tokens, 1000);
  const after = await l.metric('loupe_llm_calls_unpriced_total', {});
  assert.equal(after - before, 1, 'loupe_llm_calls_unpriced_total grew by one');
  // and the derived series count it, with no cost
  const q = async (e) => (await promQuery(l, `sum(last_over_time(${e}{model="acme-llm-9000-unreleased"}[1h]))`))[0]?.value;
  assert.equal(await eventually(() => q('loupe_llm_unpriced_requests_total'), 5000, 'derived unpriced series'), 1);
  assert.equal(await q('loupe_llm_cost_usd_total'), undefined, 'no cost series for an unpriced model');
  assert.equal(await q('loupe_llm_requests_total'), 1);
});
