// otlp_durability.test.mjs - a 2xx on OTLP/HTTP means durable: concurrent
// senders stream span batches (SDK spans, the http/protobuf exporter's own
// serializer, one trace per request, one LLM span in each), loupe is killed
// with SIGKILL at a random moment, restarted on the same data directory,
// and every acknowledged span and call is there; a batch in flight at the
// kill is all there or not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SLOW, withDeadline } from './lib/loupe.mjs';
import {
  startLoupe, ProtobufTraceSerializer, InMemorySpanExporter, BasicTracerProvider, SimpleSpanProcessor,
  resourceFromAttributes, under, hr, baseSec, SpanKind, otlpPost, stopLoupe,
} from './lib/otel.mjs';

const WRITERS = 4;
const SPANS_PER_REQUEST = 10;
const CYCLES = 2;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = (lo, hi) => lo + Math.random() * (hi - lo);

/* Makes one request's body: a trace of SPANS_PER_REQUEST spans, the second
 * of them an LLM call. */
class Batches {
  constructor() {
    this.mem = new InMemorySpanExporter();
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'durability' }),
      spanProcessors: [new SimpleSpanProcessor(this.mem)],
    });
    this.tracer = this.provider.getTracer('durability');
    this.n = 0;
  }

  next() {
    const B = baseSec();
    const r = this.n++;
    const root = this.tracer.startSpan(`req ${r}`, { kind: SpanKind.SERVER, startTime: hr(B, 0), attributes: { req: r } });
    const spans = [root];
    const llm = this.tracer.startSpan('chat', { kind: SpanKind.CLIENT, startTime: hr(B, 1), attributes: {
      'llm.model': 'gpt-4o', 'llm.input_tokens': 100 + r, 'llm.output_tokens': 7, 'llm.user_id': `user-${r % 5}`, 'llm.cost_usd': 0.001,
    } }, under(root));
    spans.push(llm);
    for (let i = 2; i < SPANS_PER_REQUEST; i++)
      spans.push(this.tracer.startSpan(`step ${i}`, { startTime: hr(B, i), attributes: { i, note: 'x'.repeat(200) } }, under(root)));
    for (let i = spans.length - 1; i >= 0; i--) spans[i].end(hr(B, 50 + i));
    const finished = this.mem.getFinishedSpans();
    this.mem.reset();
    assert.equal(finished.length, SPANS_PER_REQUEST);
    return {
      r,
      traceId: root.spanContext().traceId,
      spanIds: spans.map((s) => s.spanContext().spanId).sort(),
      llmSpanId: llm.spanContext().spanId,
      inputTokens: 100 + r,
      body: Buffer.from(ProtobufTraceSerializer.serializeRequest(finished)),
    };
  }
}

class Senders {
  constructor(l, batches) {
    this.l = l;
    this.batches = batches;
    this.acked = [];
    this.inflight = new Set();
    this.failed = 0;
  }

  run() {
    this.stopped = false;
    const one = async () => {
      while (!this.stopped) {
        const b = this.batches.next();
        this.inflight.add(b);
        let res;
        try {
          res = await otlpPost(`${this.l.otlpUrl}/v1/traces`, b.body, { 'Content-Type': 'application/x-protobuf' });
        } catch {
          res = null;
        }
        if (res && res.status === 200) {
          this.inflight.delete(b);
          this.acked.push(b);
        } else {
          // killed (connection reset) or refused: unknown outcome; keep in inflight
          this.failed++;
          if (!res) return;
        }
      }
    };
    this.done = Promise.all(Array.from({ length: WRITERS }, one));
  }

  async stop() {
    this.stopped = true;
    await this.done;
  }
}

async function pool(items, n, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

/* Every acknowledged batch is there, whole; an unacknowledged one is all
 * there or absent. */
async function verify(l, acked, unknown, label) {
  await pool(acked, 8, async (b) => {
    const r = await l.json(`/api/traces/${b.traceId}`);
    assert.equal(r.status, 200, `${label}: acknowledged trace ${b.traceId} (request ${b.r}): ${r.status}`);
    const ids = r.json.data[0].spans.map((s) => s.spanID.padStart(16, '0')).sort();
    assert.deepEqual(ids, b.spanIds, `${label}: spans of acknowledged request ${b.r}`);
    const c = await l.json(`/api/v1/llm/calls?trace_id=${b.traceId}`);
    assert.equal(c.status, 200);
    assert.deepEqual(c.json.calls.map((x) => [x.span_id, x.input_tokens]), [[b.llmSpanId, b.inputTokens]],
      `${label}: call of acknowledged request ${b.r}`);
  });
  let present = 0;
  await pool([...unknown], 8, async (b) => {
    const r = await l.json(`/api/traces/${b.traceId}`);
    if (r.status === 404) return;
    assert.equal(r.status, 200);
    present++;
    assert.equal(r.json.data[0].spans.length, SPANS_PER_REQUEST, `${label}: request ${b.r} in flight at the kill is partly stored`);
  });
  return present;
}

test('kill -9 while spans stream in: every acknowledged span and call survives', async (t) => {
  const l = await startLoupe();
  const batches = new Batches();
  const acked = [];
  const unknown = new Set();
  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const s = new Senders(l, batches);
      s.run();
      // at a random moment after some requests were acknowledged
      const t0 = Date.now();
      while (s.acked.length < 20 && Date.now() - t0 < 20000 * SLOW) await sleep(10);
      assert.ok(s.acked.length >= 20, `cycle ${cycle}: only ${s.acked.length} requests acknowledged (${s.failed} failed): ${l.log.slice(-2000)}`);
      await sleep(rand(0, 400) * SLOW);
      const killed = await l.kill9();
      assert.equal(killed.signal, 'SIGKILL');
      await withDeadline(s.stop(), 15000);
      acked.push(...s.acked);
      for (const b of s.inflight) unknown.add(b);
      await l.start();
      const tv = Date.now();
      const present = await verify(l, acked, unknown, `after kill ${cycle + 1}`);
      t.diagnostic(`kill ${cycle + 1}: ${acked.length} requests acknowledged so far (${acked.length * SPANS_PER_REQUEST} spans), `
        + `${unknown.size} in flight of which ${present} stored whole; verified in ${Date.now() - tv} ms`);
      // the outcome of those is now known
      unknown.clear();
    }
    // and a graceful stop keeps all of it too
    const st = await l.stop();
    assert.equal(st.code, 0, `exit ${JSON.stringify(st)}: ${l.log.slice(-2000)}`);
    await l.start();
    await verify(l, acked, new Set(), 'after SIGTERM');
    assert.ok(acked.length >= 40);
  } finally {
    await stopLoupe(l);
  }
});


