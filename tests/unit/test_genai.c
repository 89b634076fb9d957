/* test_genai.c - semantic conventions -> LLM call (ingest/genai.h): one
 * hand-built span per family (OTel GenAI current and deprecated, events,
 * OpenInference, OpenLLMetry, Langfuse, vLLM, the seed app), agent -> LLM
 * -> tool traces, errors, precedence between families, routes, hostile
 * JSON, and whole-call log records.  Every field of the record is checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/genai.h"
#include "ingest/pricing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Woverride-init" /* WANT() defaults, then the test's values */

/* ------------------------------------------------------------ builders */

#define SL(s) { (const uint8_t *)(s), sizeof(s) - 1 }
#define VS(v) { .type = OTLP_STRING, .u = { .s = SL(v) } }
#define KS(k, v) { SL(k), VS(v) }
#define KI(k, v) { SL(k), { .type = OTLP_INT, .u = { .i = (v) } } }
#define KD(k, v) { SL(k), { .type = OTLP_DOUBLE, .u = { .d = (v) } } }
#define KA(k, xs) { SL(k), { .type = OTLP_ARRAY, .u = { .arr = { xs, sizeof xs / sizeof xs[0] } } } }
#define KV(k, xs) { SL(k), { .type = OTLP_KVLIST, .u = { .kv = { xs, sizeof xs / sizeof xs[0] } } } }
#define N(a) (sizeof a / sizeof a[0])

#define T0 1700000000000000000ULL /* ns */
#define MS 1000000ULL

static otlp_attr g_res_attrs[] = { KS("service.name", "chat-api") };
static otlp_resource g_res = { .attrs = { g_res_attrs, 1 } };
static otlp_scope g_scope = { .name = SL("my.instrumentation") };

static otlp_span span_of(otlp_attr *a, size_t n)
{
    otlp_span s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 16; i++)
        s.trace_id[i] = (uint8_t)(0xa0 + i);
    for (int i = 0; i < 8; i++)
        s.span_id[i] = (uint8_t)(0x10 + i);
    s.has_trace_id = s.has_span_id = 1;
    s.name = (slice)SL("chat gpt-4o");
    s.kind = 3;
    s.start_ns = T0;
    s.end_ns = T0 + 1500 * MS;
    s.attrs.a = a;
    s.attrs.n = n;
    s.resource = &g_res;
    s.scope = &g_scope;
    return s;
}

static arena *g_a;
static pricing *g_p;

static int setup(void **state)
{
    (void)state;
    err_ctx e = { 0 };
    g_a = arena_create(4096);
    if (pricing_create(slice_make(NULL, 0), NULL, &g_p, &e))
        fail_msg("pricing_create: %s", e.msg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pricing_destroy(g_p);
    arena_destroy(g_a);
    return 0;
}

/* genai_span_call with the defaults and the default price table. */
static int call_of(const otlp_span *s, rec_call *c)
{
    err_ctx e = { 0 };
    int rc = genai_span_call(NULL, g_p, s, g_a, c, &e);
    if (rc < 0)
        fail_msg("genai_span_call: %d %s", rc, e.msg);
    return rc;
}

/* ------------------------------------------------------------ expectations */

typedef struct want {
    const char *service, *user, *session, *provider, *model, *route, *tmpl, *error, *finish;
    const char *prompt, *completion, *messages;
    int status;
    int64_t in, out, cached, cwrite, reasoning;
    double cost;
    int cost_source;
    double latency, ttft;
} expect;

#define WANT(...)                                                                                                      \
    ((expect){ .service = "chat-api", .status = REC_STATUS_OK, .in = -1, .out = -1, .cached = -1, .cwrite = -1,        \
             .reasoning = -1, .cost = NAN, .latency = 1500, .ttft = NAN, __VA_ARGS__ })

static void eq_s(slice got, const char *want, const char *what, int line)
{
    if (!want)
        want = "";
    if (!slice_eq_cstr(got, want))
        fail_msg("line %d: %s: got \"%.*s\", want \"%s\"", line, what, (int)got.n, got.p ? (const char *)got.p : "",
                 want);
}

static void eq_d(double got, double want, const char *what, int line)
{
    if (isnan(want) ? !isnan(got) : !(fabs(got - want) <= 1e-12 + 1e-9 * fabs(want)))
        fail_msg("line %d: %s: got %.12g, want %.12g", line, what, got, want);
}

static void eq_i(int64_t got, int64_t want, const char *what, int line)
{
    if (got != want)
        fail_msg("line %d: %s: got %lld, want %lld", line, what, (long long)got, (long long)want);
}

static void check(const rec_call *c, expect w, int line)
{
    eq_s(c->service, w.service, "service", line);
    eq_s(c->user_id, w.user, "user_id", line);
    eq_s(c->session_id, w.session, "session_id", line);
    eq_s(c->provider, w.provider, "provider", line);
    eq_s(c->model, w.model, "model", line);
    eq_s(c->route, w.route, "route", line);
    eq_s(c->template_name, w.tmpl, "template_name", line);
    eq_i(c->status, w.status, "status", line);
    eq_s(c->error, w.error, "error", line);
    eq_s(c->finish_reason, w.finish, "finish_reason", line);
    eq_i(c->input_tokens, w.in, "input_tokens", line);
    eq_i(c->output_tokens, w.out, "output_tokens", line);
    eq_i(c->cached_input_tokens, w.cached, "cached_input_tokens", line);
    eq_i(c->cache_write_tokens, w.cwrite, "cache_write_tokens", line);
    eq_i(c->reasoning_tokens, w.reasoning, "reasoning_tokens", line);
    eq_d(c->cost_usd, w.cost, "cost_usd", line);
    eq_i(c->cost_source, w.cost_source, "cost_source", line);
    eq_d(c->latency_ms, w.latency, "latency_ms", line);
    eq_d(c->ttft_ms, w.ttft, "ttft_ms", line);
    eq_s(c->prompt, w.prompt, "prompt", line);
    eq_s(c->completion, w.completion, "completion", line);
    eq_s(c->messages_json, w.messages, "messages_json", line);
}
#define CHECK(c, ...) check(c, WANT(__VA_ARGS__), __LINE__)

/* ------------------------------------------------------------ families */

static void test_seed_app(void **state)
{
    (void)state;
    otlp_attr a[] = {
        KS("llm.model", "gpt-4o-mini"),   KS("llm.route", "cloud"),        KS("llm.user_id", "user-42"),
        KI("llm.input_tokens", 1200),     KI("llm.output_tokens", 300),    KD("llm.cost_usd", 0.00036),
        KD("llm.ttft_ms", 212.5),         KS("llm.provider", "openai"),    KS("llm.template", "support-v2"),
        KS("llm.session_id", "sess-9"),   KS("llm.prompt", "How do I reset my password?"),
        KS("llm.completion", "Open Settings, then Security."),
        KS("http.method", "POST"),
    };
    otlp_span s = span_of(a, N(a));
    rec_call c;
    assert_int_equal(call_of(&s, &c), 1);
    CHECK(&c, .user = "user-42", .session = "sess-9", .provider = "openai", .model = "gpt-4o-mini", .route = "cloud",
          .tmpl = "support-v2", .in = 1200, .out = 300, .cost = 0.00036, .cost_source = 1, .ttft = 212.5,
          .prompt = "How do I reset my password?", .completion = "Open Settings, then Security.");
    assert_memory_equal(c.trace_id, s.trace_id, 16);
    assert_memory_equal(c.span_id, s.span_id, 8);
    assert_int_equal(c.start_ns, (int64_t)T0);
    assert_int_equal(c.end_ns, (int64_t)(T0 + 1500 * MS));
}

static void test_otel_current(void **state)
{
    (void)state;
    static otlp_value reasons[] = { VS("stop") };
    otlp_attr a[] = {
        KS("gen_ai.provider.name", "openai"),
        KS("gen_ai.operation.name", "chat"),
        KS("gen_ai.request.model", "gpt-4o"),
        KS("gen_ai.response.model", "gpt-4o-2024-08-06"),
        KS("gen_ai.response.id", "chatcmpl-123"),
        KI("gen_ai.usage.input_tokens", 1000),
        KI("gen_ai.usage.output_tokens", 200),
        KI("gen_ai.usage.cache_read.input_tokens", 400),
        KA("gen_ai.response.finish_reasons", reasons),
        KS("gen_ai.conversation.id", "conv-1"),
        KD("gen_ai.response.time_to_first_chunk", 0.25),
        KS("server.address", "api.openai.com"),
        KS("user.id", "alice"),
        KS("gen_ai.system_instructions", "[{\"type\":\"text\",\"content\":\"You are a helpful bot.\"}]"),
        KS("gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Weather in Paris?\"}]}]"),
        KS("gen_ai.output.messages",
           "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Rainy, \"},"
           "{\"type\":\"tool_call\",\"id\":\"c1\",\"name\":\"get_weather\"},"
           "{\"type\":\"text\",\"content\":\"57F.\"}],\"finish_reason\":\"stop\"}]"),
    };
    otlp_span s = span_of(a, N(a));
    rec_call c;
    assert_int_equal(call_of(&s, &c), 1);
    /* priced by the response model: (600 * 2.5 + 400 * 1.25 + 200 * 10) / 1e6 */
    CHECK(&c, .user = "alice", .session = "conv-1", .provider = "openai", .model = "gpt-4o-2024-08-06",
          .route = "cloud", .finish = "stop", .in = 1000, .out = 200, .cached = 400, .cost = 0.004, .cost_source = 2,
          .ttft = 250, .prompt = "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Weather in Paris?\"}]}]",
          .completion = "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Rainy, \"},"
                        "{\"type\":\"tool_call\",\"id\":\"c1\",\"name\":\"get_weather\"},"
                        "{\"type\":\"text\",\"content\":\"57F.\"}],\"finish_reason\":\"stop\"}]",
          .messages = "[{\"role\":\"system\",\"content\":\"You are a helpful bot.\"},"
                      "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                      "{\"role\":\"assistant\",\"content\":\"Rainy, 57F.\"}]");
}

static void test_otel_deprecated_events(void **state)
{
    (void)state;
    otlp_attr a[] = {
        KS("gen_ai.system", "anthropic"),
        KS("gen_ai.request.model", "claude-3-5-sonnet-20241022"),
        KI("gen_ai.usage.prompt_tokens", 1000),
        KI("gen_ai.usage.completion_tokens", 100),
        KI("gen_ai.usage.cache_read_input_tokens", 600),
        KI("gen_ai.usage.cache_creation_input_tokens", 200),
    };
    otlp_attr ev_sys[] = { KS("gen_ai.system", "anthropic"), KS("content", "Be terse.") };
    otlp_attr ev_user[] = { KS("gen_ai.event.content", "{\"content\":\"Capital of France?\"}") };
    otlp_attr ev_choice[] = { KS("gen_ai.event.content", "{\"index\":0,\"finish_reason\":\"end_turn\","
                                                         "\"message\":{\"role\":\"assistant\",\"content\":\"Paris.\"}}") };
    otlp_event ev[] = {
        { T0 + 1 * MS, SL("gen_ai.system.message"), { ev_sys, N(ev_sys) } },
        { T0 + 1 * MS, SL("gen_ai.user.message"), { ev_user, N(ev_user) } },
        { T0 + 900 * MS, SL("gen_ai.choice"), { ev_choice, N(ev_choice) } },
    };
    otlp_span s = span_of(a, N(a));
    s.events = ev;
    s.nevents = N(ev);
    rec_call c;
    assert_int_equal(call_of(&s, &c), 1);
    /* (200 * 3 + 600 * 0.3 + 200 * 3.75 + 100 * 15) / 1e6 */
    CHECK(&c, .provider = "anthropic", .model = "claude-3-5-sonnet-20241022", .route = "cloud", .finish = "end_turn",
          .in = 1000, .out = 100, .cached = 600, .cwrite = 200, .cost = 0.00303, .cost_source = 2,
          .prompt = "[{\"role\":\"system\",\"content\":\"Be terse.\"},{\"role\":\"user\",\"content\":\"Capital of France?\"}]",
          .completion = "[{\"role\":\"assistant\",\"content\":\"Paris.\"}]",
          .messages = "[{\"role\":\"system\",\"content\":\"Be terse.\"},{\"role\":\"user\",\"content\":\"Capital of France?\"},"
                      "{\"role\":\"assistant\",\"content\":\"Paris.\"}]");
}

static void test_content_events(void **state)
{
    (void)state;
    otlp_attr a[] = { KS("gen_ai.system", "openai"), KS("gen_ai.request.model", "gpt-3.5-turbo"),
                      KS("gen_ai.operation.name", "chat") };
    otlp_attr evp[] = { KS("gen_ai.prompt", "[{\"role\":\"user\",\"content\":\"hi\"}]") };
    otlp_attr evc[] = { KS("gen_ai.completion", "hello there") };
    otlp_attr evk[] = { KI("index", 0) };
    otlp_event ev[] = {
        { T0 + 1 * MS, SL("gen_ai.content.prompt"), { evp, 1 } },
        { T0 + 120 * MS, SL("gen_ai.content.completion.chunk"), { evk, 1 } },
        { T0 + 400 * MS, SL("gen_ai.content.completion"), { evc, 1 } },
    };
    otlp_span s = span_of(a, N(a));
    s.events = ev;
    s.nevents = N(ev);
    rec_call c;
    assert_int_equal(call_of(&s, &c), 1);
    /* no usage: unpriced; plain-text completion yields no message */
    CHECK(&c, .provider = "openai", .model = "gpt-3.5-turbo", .route = "cloud", .ttft = 120,
          .prompt = "[{\"role\":\"user\",\"content\":\"hi\"}]", .completion = "hello there",
          .messages = "[{\"role\":\"user\",\"content\":\"hi\"}]");
}

static void test_openinference(void **state)
{
    (void)state;
    const char *req = "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"system\",\"content\":\"S\"}]}";
    otlp_attr a[] = {
        KS("openinference.span.kind", "LLM"),
        KS("llm.model_name", "gpt-4.1-2025-04-14"),
        KS("llm.provider", "openai"),
        KS("llm.system", "openai"),
        KI("llm.token_count.prompt", 2000),
        KI("llm.token_count.completion", 500),
        KI("llm.token_count.total", 2500),
        KI("llm.token_count.prompt_details.cache_read", 1000),
        KI("llm.token_count.completion_details.reasoning", 100),
        KS("llm.output_messages.0.message.content", "Done: 42."),
        KS("llm.input_messages.1.message.contents.1.message_content.text", "Part B"),
        KS("llm.input_messages.0.message.role", "system"),
        KS("llm.input_messages.0.message.content", "You answer with numbers."),
        KS("llm.input_messages.1.message.role", "user"),
        KS("llm.input_messages.1.message.contents.0.message_content.type", "text"),
        KS("llm.input_messages.1.message.contents.0.message_content.text", "Part A, "),
        KS("llm.output_messages.0.message.role", "assistant"),
        KS("input.value", "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"system\",\"content\":\"S\"}]}"),
        KS("input.mime_type", "application/json"),
        KS("output.value", "Done: 42."),
        KS("session.id", "s-77"),
        KS("user.id", "bob"),
        KS("llm.prompt_template.template", "Answer {question}"),
        KS("llm.prompt_template.variables", "{\"question\":\"6*7\"}"),
    };
    otlp_span s = span_of(a, N(a));
    rec_call c;
    assert_int_equal(call_of(&s, &c), 1);
    /* gpt-4.1: (1000 * 2 + 1000 * 0.5 + 500 * 8) / 1e6; reasoning is within output */
    CHECK(&c, .user = "bob", .session = "s-77", .provider = "openai", .model = "gpt-4.1-2025-04-14", .route = "cloud",
          .tmpl = "Answer {question}", .in = 2000, .out = 500, .cached = 1000, .reasoning = 100, .cost = 0.0065,
          .cost_source = 2, .prompt = req, .completion = "Done: 42.",
          .messages = "[{\"role\":\"system\",\"content\":\"You answer with numbers.\"},"
                      "{\"role\":\"user\",\"content\":\"Part A, Part B\"},"
                      "{\"role\":\"assistant\",\"content\":\"Done: 42.\"}]");
}

static void test_openllmetry(void **state)
{
    (void)state;
    otlp_attr a[] = {
        KS("gen_ai.system", "openai"),
        KS("llm.request.type", "chat"),
        KS("gen_ai.request.model", "gpt-4o-mini"),
        KS("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
        KI("gen_ai.usage.prompt_tokens", 1000),
        KI("gen_ai.usage.completion_tokens", 1000),
        KI("llm.usage.total_tokens", 2000),
        KS("gen_ai.prompt.10.role", "user"),
        KS("gen_ai.prompt.10.content", "eleventh"),
        KS("gen_ai.prompt.2.role", "user"),
        KS("gen_ai.prompt.2.content", "third"),
        KS("gen_ai.prompt.0.role", "system"),
        KS("gen_ai.prompt.0.content", "first"),
        KS("gen_ai.prompt.1.role", "assistant"),
        KS("gen_ai.prompt.1.content", "[{\"type\":\"text\",\"text\":\"second\"}]"),
        KS("gen_ai.completion.0.role", "assistant"),
        KS("gen_ai.completion.0.content", "answer"),
        KS("gen_ai.completion.0.finish_reason", "length"),
        KS("traceloop.association.properties.user_id", "carol"),
        KS("traceloop.association.properties.session_id", "tl-s"),
        KS("traceloop.entity.name", "openai.chat"),
    };
    otlp_span s = span_of(a, N(a));
    rec_call c;
    assert_int_equal(call_of(&s, &c), 1);
    const char *prompt = "[{\"role\":\"system\",\"content\":\"first\"},{\"role\":\"assistant\",\"content\":\"second\"},"
                         "{\"role\":\"user\",\"content\":\"third\"},{\"role\":\"user\",\"content\":\"eleventh\"}]";
    /* gpt-4o-mini, not gpt-4o: (1000 * 0.15 + 1000 * 0.6) / 1e6 */
    CHECK(&c, .user = "carol", .session = "tl-s", .provider = "openai", .model = "gpt-4o-mini-2024-07-18",
          .route = "cloud", .finish = "length", .in = 1000, .out = 1000, .cost = 0.00075, .cost_source = 2,
          .prompt = prompt, .completion = "[{\"role\":\"assistant\",\"content\":\"answer\"}]",
          .messages = "[{\"role\":\"system\",\"content\":\"first\"},{\"role\":\"assistant\",\"content\":\"second\"},"
                      "{\"role\":\"user\",\"content\":\"third\"},{\"role\":\"user\",\"content\":\"eleventh\"},"
                      "{\"role\":\"assistant\",\"content\":\"answer\"}]");
}

static void test_langfuse(void **state)
{
    (void)state;
    otlp_attr a[] = {
        KS("langfuse.observation.type", "generation"),
        KS("langfuse.observation.model.name", "claude-sonnet-4-20250514"),
        KS("langfuse.observation.usage_details", "{\"input\":500,\"output\":50,\"total\":550}"),
        KS("langfuse.observation.cost_details", "{\"input\":0.0015,\"output\":0.00075,\"total\":0.00225}"),
        KS("langfuse.observation.input", "[{\"role\":\"user\",\"content\":\"Summarise this.\"}]"),
        KS("langfuse.observation.output", "{\"role\":\"assistant\",\"content\":\"Short summary.\"}"),
        KS("langfuse.user.id", "dave"),
        KS("langfuse.session.id", "lf-sess"),
        KS("langfuse.observation.prompt.name", "summariser"),
        KS("langfuse.observation.completion_start_time", "\"2023-11-14T22:13:20.300Z\""),
        KS("langfuse.trace.name", "summarise-doc"),
    };
    otlp_span s = span_of(a, N(a));
    rec_call c;
    assert_int_equal(call_of(&s, &c), 1);
    /* T0 is 2023-11-14T22:13:20Z: first token 300 ms after the start */
    CHECK(&c, .user = "dave", .session = "lf-sess", .model = "claude-sonnet-4-20250514", .tmpl = "summariser",
          .in = 500, .out = 50, .cost = 0.00225, .cost_source = 1, .ttft = 300,
          .prompt = "[{\"role\":\"user\",\"content\":\"Summarise this.\"}]",
          .completion = "{\"role\":\"assistant\",\"content\":\"Short summary.\"}",
          .messages = "[{\"role\":\"user\",\"content\":\"Summarise this.\"},"
                      "{\"role\":\"assistant\",\"content\":\"Short summary.\"}]");
}

static void test_vllm(void **state)
{
    (void)state;
    otlp_attr a[] = {
        KS("gen_ai.response.model", "meta-llama/Llama-3.1-8B-Instruct"),
        KS("gen_ai.request.id", "cmpl-1"),
        KI("gen_ai.request.max_tokens", 256),
        KI("gen_ai.usage.prompt_tokens", 812),
        KI("gen_ai.usage.completion_tokens", 64),
        KD("gen_ai.latency.time_to_first_token", 0.045),
        KD("gen_ai.latency.e2e", 1.2),
        KD("gen_ai.latency.time_in_queue", 0.002),
    };
    otlp_scope sc = { .name = SL("vllm.llm_engine") };
    otlp_span s = span_of(a, N(a));
    s.scope = &sc;
    rec_call c;
    assert_int_equal(call_of(&s, &c), 1);
    /* provider from the scope; a local provider is free while free_local */
    CHECK(&c, .provider = "vllm", .model = "meta-llama/Llama-3.1-8B-Instruct", .route = "local", .in = 812, .out = 64,
          .cost = 0, .cost_source = 2, .ttft = 45);
}

/* ------------------------------------------------------------ what is a call */

static void test_agent_llm_tool(void **state)
{
    (void)state;
    rec_call c;
    otlp_attr agent[] = { KS("gen_ai.operation.name", "invoke_agent"), KS("gen_ai.agent.name", "planner"),
                          KS("gen_ai.request.model", "gpt-4o"), KI("gen_ai.usage.input_tokens", 5000),
                          KI("gen_ai.usage.output_tokens", 900) };
    otlp_attr llm[] = { KS("gen_ai.operation.name", "chat"), KS("gen_ai.request.model", "gpt-4o"),
                        KS("gen_ai.provider.name", "openai"), KI("gen_ai.usage.input_tokens", 2500),
                        KI("gen_ai.usage.output_tokens", 450) };
    otlp_attr tool[] = { KS("gen_ai.operation.name", "execute_tool"), KS("gen_ai.tool.name", "search"),
                         KS("gen_ai.request.model", "gpt-4o") };
    otlp_span s = span_of(agent, N(agent));
    assert_int_equal(call_of(&s, &c), 0);
    s = span_of(llm, N(llm));
    assert_int_equal(call_of(&s, &c), 1);
    CHECK(&c, .provider = "openai", .model = "gpt-4o", .route = "cloud", .in = 2500, .out = 450,
          .cost = (2500 * 2.5 + 450 * 10) / 1e6, .cost_source = 2);
    s = span_of(tool, N(tool));
    assert_int_equal(call_of(&s, &c), 0);

    /* OpenInference and OpenLLMetry agent / workflow spans that repeat the model */
    otlp_attr oi_agent[] = { KS("openinference.span.kind", "AGENT"), KS("llm.model_name", "gpt-4o"),
                             KI("llm.token_count.prompt", 10) };
    otlp_attr tl_wf[] = { KS("traceloop.span.kind", "workflow"), KS("gen_ai.request.model", "gpt-4o"),
                          KI("gen_ai.usage.prompt_tokens", 10) };
    otlp_attr lf_span[] = { KS("langfuse.observation.type", "span"), KS("langfuse.observation.model.name", "gpt-4o"),
                            KS("langfuse.observation.usage_details", "{\"input\":1}") };
    otlp_attr http[] = { KS("http.request.method", "POST"), KS("url.full", "https://api.openai.com/v1/chat") };
    otlp_attr no_model[] = { KS("gen_ai.operation.name", "chat"), KI("gen_ai.usage.input_tokens", 3) };
    otlp_attr model_only[] = { KS("gen_ai.request.model", "gpt-4o") };
    otlp_attr embed[] = { KS("gen_ai.operation.name", "embeddings"), KS("gen_ai.request.model", "text-embedding-3-small") };
    s = span_of(oi_agent, N(oi_agent));
    assert_int_equal(call_of(&s, &c), 0);
    s = span_of(tl_wf, N(tl_wf));
    assert_int_equal(call_of(&s, &c), 0);
    s = span_of(lf_span, N(lf_span));
    assert_int_equal(call_of(&s, &c), 0);
    s = span_of(http, N(http));
    assert_int_equal(call_of(&s, &c), 0);
    s = span_of(no_model, N(no_model));
    assert_int_equal(call_of(&s, &c), 0);
    s = span_of(model_only, N(model_only));
    assert_int_equal(call_of(&s, &c), 0);
    /* embeddings count (they cost money); no tokens: unpriced */
    s = span_of(embed, N(embed));
    assert_int_equal(call_of(&s, &c), 1);
    CHECK(&c, .model = "text-embedding-3-small");
}

static void test_error_span(void **state)
{
    (void)state;
    rec_call c;
    otlp_attr a[] = { KS("gen_ai.operation.name", "chat"), KS("gen_ai.request.model", "gpt-4o"),
                      KS("gen_ai.provider.name", "openai") };
    otlp_attr exc[] = { KS("exception.type", "openai.RateLimitError"), KS("exception.message", "429 Too Many") };
    otlp_event ev[] = { { T0 + 5 * MS, SL("exception"), { exc, N(exc) } } };
    otlp_span s = span_of(a, N(a));
    s.status_code = 2;
    s.status_message = (slice)SL("Error code: 429");
    s.events = ev;
    s.nevents = 1;
    assert_int_equal(call_of(&s, &c), 1);
    /* a failed call that reports no usage was not billed: 0 at gpt-4o's price */
    CHECK(&c, .provider = "openai", .model = "gpt-4o", .route = "cloud", .status = REC_STATUS_ERROR,
          .error = "openai.RateLimitError", .cost = 0, .cost_source = 2);

    /* error.type wins; without an exception event the status message */
    otlp_attr b[] = { KS("gen_ai.operation.name", "chat"), KS("gen_ai.request.model", "gpt-4o"),
                      KS("error.type", "timeout") };
    s = span_of(b, N(b));
    assert_int_equal(call_of(&s, &c), 1); /* status unset, but error.type says error */
    CHECK(&c, .model = "gpt-4o", .status = REC_STATUS_ERROR, .error = "timeout", .cost = 0, .cost_source = 2);
    s = span_of(a, N(a));
    s.status_code = 2;
    s.status_message = (slice)SL("upstream 503");
    assert_int_equal(call_of(&s, &c), 1);
    CHECK(&c, .provider = "openai", .model = "gpt-4o", .route = "cloud", .status = REC_STATUS_ERROR,
          .error = "upstream 503", .cost = 0, .cost_source = 2);
}

/* ------------------------------------------------------------ precedence */

static void test_precedence(void **state)
{
    (void)state;
    rec_call c;
    otlp_attr a[] = {
        KS("llm.model", "seed-model"),           KS("llm.model_name", "oi-model"),
        KS("gen_ai.request.model", "otel-model"), KI("llm.input_tokens", 30),
        KI("llm.token_count.prompt", 20),         KI("gen_ai.usage.input_tokens", 10),
        KS("gen_ai.usage.output_tokens", "7"),    KI("llm.output_tokens", 99),
        KS("llm.user_id", "u-seed"),              KS("langfuse.user.id", "u-lf"),
        KS("user.id", "u-oi"),                    KD("llm.cost_usd", 0.5),
        KD("gen_ai.usage.cost", 0.25),            KS("llm.provider", "p-oi"),
        KS("gen_ai.system", "p-old"),             KS("llm.session_id", "s-seed"),
        KS("session.id", "s-old"),                KS("session.id", "s-new"), /* a duplicate key: the last wins */
        KS("llm.route", "edge"),                  KS("output.value", "oi text"),
        KS("llm.completion", "seed text"),
    };
    otlp_span s = span_of(a, N(a));
    assert_int_equal(call_of(&s, &c), 1);
    CHECK(&c, .user = "u-oi", .session = "s-new", .provider = "p-old", .model = "otel-model", .route = "edge",
          .in = 10, .out = 7, .cost = 0.25, .cost_source = 1, .completion = "oi text");

    /* the response model wins over every request model */
    otlp_attr b[] = { KS("llm.model", "x"), KS("gen_ai.response.model", "y"), KI("llm.input_tokens", 1) };
    s = span_of(b, N(b));
    assert_int_equal(call_of(&s, &c), 1);
    CHECK(&c, .model = "y", .in = 1);

    /* output derived from the total; the template name beats the template text */
    otlp_attr t[] = { KS("llm.model_name", "m"), KI("llm.token_count.prompt", 40), KI("llm.token_count.total", 55),
                      KS("llm.prompt_template.template", "Hi {x}"), KS("llm.template", "greeting") };
    s = span_of(t, N(t));
    assert_int_equal(call_of(&s, &c), 1);
    CHECK(&c, .model = "m", .tmpl = "greeting", .in = 40, .out = 15);
}

static void test_route(void **state)
{
    (void)state;
    rec_call c;
    err_ctx e = { 0 };
    genai_opts o;
    genai_opts_default(&o);
    o.route_attr = "deployment.route";
    otlp_attr a[] = { KS("llm.model", "m"), KI("llm.input_tokens", 1), KS("llm.route", "cloud"),
                      KS("deployment.route", "canary") };
    otlp_span s = span_of(a, N(a));
    assert_int_equal(genai_span_call(&o, g_p, &s, g_a, &c, &e), 1);
    eq_s(c.route, "canary", "route", __LINE__);

    static const struct {
        const char *provider, *server, *route;
    } cases[] = {
        { "openai", "api.openai.com", "cloud" },
        { "openai", "localhost", "local" },
        { "openai", "127.0.0.1", "local" },
        { "openai", "vllm", "local" },                       /* a cluster service name */
        { "openai", "vllm.models.svc.cluster.local", "local" },
        { "openai", "172.20.1.5", "local" },
        { "openai", "172.40.1.5", "cloud" },
        { "Ollama", "", "local" },
        { "lmstudio", "", "local" },
        { "anthropic", "", "cloud" },
        { "", "", "" },
    };
    for (size_t i = 0; i < N(cases); i++) {
        otlp_attr b[] = { KS("llm.model", "m"), KI("llm.input_tokens", 1), KS("gen_ai.provider.name", ""),
                          KS("server.address", "") };
        b[2].value.u.s = slice_cstr(cases[i].provider);
        b[3].value.u.s = slice_cstr(cases[i].server);
        s = span_of(b, N(b));
        assert_int_equal(call_of(&s, &c), 1);
        if (!slice_eq_cstr(c.route, cases[i].route))
            fail_msg("provider %s server %s: route \"%.*s\", want %s", cases[i].provider, cases[i].server,
                     (int)c.route.n, c.route.p, cases[i].route);
    }
}

/* ------------------------------------------------------------ hostile input */

static void test_garbage_and_bounds(void **state)
{
    (void)state;
    rec_call c;
    err_ctx e = { 0 };
    otlp_attr a[] = { KS("gen_ai.request.model", "gpt-4o"), KS("gen_ai.operation.name", "chat"),
                      KS("gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"te"),
                      KS("gen_ai.output.messages", "null"), KS("gen_ai.prompt.99999999999.content", "x"),
                      KS("gen_ai.usage.input_tokens", "lots"), KD("gen_ai.usage.output_tokens", -5) };
    otlp_span s = span_of(a, N(a));
    assert_int_equal(call_of(&s, &c), 1);
    CHECK(&c, .model = "gpt-4o", .prompt = "[{\"role\":\"user\",\"parts\":[{\"type\":\"te", .completion = "null");

    /* deep nesting is walked to max_depth only; max_messages caps each side */
    char deep[4096];
    size_t n = 0;
    n += (size_t)snprintf(deep + n, sizeof deep - n, "[{\"role\":\"user\",\"content\":");
    for (int i = 0; i < 500; i++)
        deep[n++] = '[';
    n += (size_t)snprintf(deep + n, sizeof deep - n, "\"deep\"");
    for (int i = 0; i < 500; i++)
        deep[n++] = ']';
    n += (size_t)snprintf(deep + n, sizeof deep - n, "},\"a\",\"b\",\"c\",\"d\"]");
    otlp_attr b[] = { KS("gen_ai.request.model", "m"), KS("gen_ai.operation.name", "chat"),
                      { SL("gen_ai.prompt"), { .type = OTLP_STRING, .u = { .s = { (const uint8_t *)deep, n } } } } };
    genai_opts o;
    genai_opts_default(&o);
    o.max_messages = 3;
    s = span_of(b, N(b));
    assert_int_equal(genai_span_call(&o, g_p, &s, g_a, &c, &e), 1);
    eq_s(c.messages_json, "[{\"role\":\"user\",\"content\":\"\"},{\"role\":\"user\",\"content\":\"a\"},"
                          "{\"role\":\"user\",\"content\":\"b\"}]", "messages_json", __LINE__);
    assert_int_equal(c.prompt.n, n);
}

/* ------------------------------------------------------------ logs */

static void test_log_call(void **state)
{
    (void)state;
    rec_call c;
    err_ctx e = { 0 };
    static otlp_attr part[] = { KS("type", "text"), KS("content", "hi from a log") };
    static otlp_value parts[] = { { .type = OTLP_KVLIST, .u = { .kv = { part, 2 } } } };
    static otlp_attr msg[] = { KS("role", "user"), KA("parts", parts) };
    static otlp_value msgs[] = { { .type = OTLP_KVLIST, .u = { .kv = { msg, 2 } } } };
    otlp_attr a[] = { KS("gen_ai.provider.name", "openai"), KS("gen_ai.request.model", "gpt-4.1-nano"),
                      KI("gen_ai.usage.input_tokens", 10000), KI("gen_ai.usage.output_tokens", 1000),
                      KA("gen_ai.input.messages", msgs) };
    otlp_log l;
    memset(&l, 0, sizeof l);
    l.time_ns = T0;
    l.attrs.a = a;
    l.attrs.n = N(a);
    l.event_name = (slice)SL("gen_ai.client.inference.operation.details");
    l.resource = &g_res;
    l.has_trace_id = 1;
    memset(l.trace_id, 0x11, 16);
    assert_int_equal(genai_log_call(NULL, g_p, &l, g_a, &c, &e), 1);
    /* (10000 * 0.1 + 1000 * 0.4) / 1e6 */
    check(&c,
          WANT(.provider = "openai", .model = "gpt-4.1-nano", .route = "cloud", .in = 10000, .out = 1000,
               .cost = 0.0014, .cost_source = 2, .latency = NAN,
               .prompt = "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"hi from a log\"}]}]",
               .messages = "[{\"role\":\"user\",\"content\":\"hi from a log\"}]"),
          __LINE__);
    assert_int_equal(c.start_ns, (int64_t)T0);
    assert_int_equal(c.end_ns, (int64_t)T0);
    assert_int_equal(c.trace_id[0], 0x11);

    /* a per-message event log has no model: not a call */
    otlp_attr m[] = { KS("gen_ai.system", "openai") };
    static otlp_attr body[] = { KS("content", "hello") };
    l.attrs.a = m;
    l.attrs.n = 1;
    l.event_name = (slice)SL("gen_ai.user.message");
    l.body = (otlp_value){ .type = OTLP_KVLIST, .u = { .kv = { body, 1 } } };
    assert_int_equal(genai_log_call(NULL, g_p, &l, g_a, &c, &e), 0);

    /* usage and the model in the body (lower precedence than attributes) */
    static otlp_attr body2[] = { KS("gen_ai.request.model", "body-model"), KI("gen_ai.usage.input_tokens", 5) };
    otlp_attr m2[] = { KS("gen_ai.request.model", "attr-model") };
    l.attrs.a = m2;
    l.body = (otlp_value){ .type = OTLP_KVLIST, .u = { .kv = { body2, 2 } } };
    l.event_name = (slice){ 0 };
    l.severity_number = 17;
    l.severity_text = (slice)SL("ERROR");
    assert_int_equal(genai_log_call(NULL, g_p, &l, g_a, &c, &e), 1);
    check(&c, WANT(.model = "attr-model", .in = 5, .status = REC_STATUS_ERROR, .error = "ERROR", .latency = NAN),
          __LINE__);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_app),
        cmocka_unit_test(test_otel_current),
        cmocka_unit_test(test_otel_deprecated_events),
        cmocka_unit_test(test_content_events),
        cmocka_unit_test(test_openinference),
        cmocka_unit_test(test_openllmetry),
        cmocka_unit_test(test_langfuse),
        cmocka_unit_test(test_vllm),
        cmocka_unit_test(test_agent_llm_tool),
        cmocka_unit_test(test_error_span),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_route),
        cmocka_unit_test(test_garbage_and_bounds),
        cmocka_unit_test(test_log_call),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
