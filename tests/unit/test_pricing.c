/* test_pricing.c - the model price table (ingest/pricing.h): the default
 * table, exact / longest-prefix / regex matching, provider paths, the cost
 * formula (cached tokens once at their rate, reasoning), sent cost, local
 * calls, unpriced calls, and config overrides and their errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/pricing.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static pricing *load(const char *table, const char *override)
{
    err_ctx e = { 0 };
    pricing *p = NULL;
    int rc = pricing_create_text(table ? slice_cstr(table) : slice_make(NULL, 0),
                                 override ? slice_cstr(override) : slice_make(NULL, 0), &p, &e);
    if (rc)
        fail_msg("pricing_create_text: %d %s", rc, e.msg);
    return p;
}

static void load_err(const char *table, const char *override, const char *msg_part)
{
    err_ctx e = { 0 };
    pricing *p = NULL;
    int rc = pricing_create_text(table ? slice_cstr(table) : slice_make(NULL, 0),
                                 override ? slice_cstr(override) : slice_make(NULL, 0), &p, &e);
    assert_int_equal(rc, LOUPE_EINVAL);
    assert_null(p);
    if (!strstr(e.msg, msg_part))
        fail_msg("message \"%s\" lacks \"%s\"", e.msg, msg_part);
}

/* The match of the entry pricing model (NULL when unpriced). */
static const char *match_of(const pricing *p, const char *provider, const char *model)
{
    const price *pr = pricing_find(p, slice_cstr(provider), slice_cstr(model));
    return pr ? pr->match : NULL;
}

#define MATCH(p, model, want)                                                                                          \
    do {                                                                                                               \
        const char *got_ = match_of(p, "", model);                                                                     \
        if ((want) == NULL ? got_ != NULL : (!got_ || strcmp(got_, (want) ? (want) : "")))                             \
            fail_msg("%s: matched %s, want %s", model, got_ ? got_ : "(none)", (want) ? (want) : "(none)");            \
    } while (0)

static rec_call call(const char *provider, const char *model, const char *route, int64_t in, int64_t out)
{
    rec_call c;
    memset(&c, 0, sizeof c);
    c.provider = slice_cstr(provider);
    c.model = slice_cstr(model);
    c.route = slice_cstr(route);
    c.input_tokens = in;
    c.output_tokens = out;
    c.cached_input_tokens = c.cache_write_tokens = c.reasoning_tokens = -1;
    c.cost_usd = NAN;
    return c;
}

static void near(double got, double want)
{
    if (!(fabs(got - want) <= 1e-15 + 1e-9 * fabs(want)))
        fail_msg("got %.15g, want %.15g", got, want);
}

/* ------------------------------------------------------------ matching */

static void test_default_table(void **state)
{
    (void)state;
    pricing *p = load(NULL, NULL);
    assert_true(pricing_count(p) > 60);
    const price *pr = pricing_find(p, slice_cstr("openai"), slice_cstr("gpt-4o"));
    assert_non_null(pr);
    near(pr->input, 2.5);
    near(pr->output, 10);
    near(pr->cache_read, 1.25);
    near(pr->cache_write, 2.5); /* not given: the input price */
    near(pr->reasoning, 10);    /* not given: the output price */
    assert_int_equal(pr->reasoning_in_output, 1);
    pr = pricing_find(p, slice_cstr(""), slice_cstr("claude-3-5-haiku-20241022"));
    assert_non_null(pr);
    near(pr->cache_write, 1);
    near(pr->cache_read, 0.08);
    assert_true(pricing_provider_is_local(p, slice_cstr("vLLM")));
    assert_true(pricing_provider_is_local(p, slice_cstr("ollama")));
    assert_false(pricing_provider_is_local(p, slice_cstr("openai")));
    assert_false(pricing_provider_is_local(p, slice_cstr("")));
    assert_true(pricing_provider_is_local(NULL, slice_cstr("llama.cpp")));
    pricing_destroy(p);
    pricing_destroy(NULL);
}

static void test_match(void **state)
{
    (void)state;
    pricing *p = load(NULL, NULL);
    MATCH(p, "gpt-4o", "gpt-4o");
    MATCH(p, "GPT-4o", "gpt-4o");
    MATCH(p, " gpt-4o ", "gpt-4o");
    MATCH(p, "gpt-4o-2024-08-06", "gpt-4o");
    MATCH(p, "gpt-4o-mini-2024-07-18", "gpt-4o-mini"); /* the longer prefix, not gpt-4o */
    MATCH(p, "gpt-4o-mini", "gpt-4o-mini");
    MATCH(p, "gpt-4o-2024-05-13", "gpt-4o-2024-05-13"); /* an exact snapshot entry */
    MATCH(p, "openai/gpt-4o", "gpt-4o");
    MATCH(p, "openai/gpt-4o-mini-2024-07-18", "gpt-4o-mini");
    MATCH(p, "gpt-4.1-mini-2025-04-14", "gpt-4.1-mini");
    MATCH(p, "gpt-4.1-2025-04-14", "gpt-4.1");
    MATCH(p, "gpt-4-0613", "gpt-4");
    MATCH(p, "gpt-4-turbo-2024-04-09", "gpt-4-turbo");
    MATCH(p, "gpt-4.2", NULL); /* "gpt-4" ends at no boundary */
    MATCH(p, "gpt-4oz", NULL);
    MATCH(p, "gpt-5-2025-08-07", "gpt-5");
    MATCH(p, "gpt-5-mini-2025-08-07", "gpt-5-mini");
    MATCH(p, "o3-mini-2025-01-31", "o3-mini");
    MATCH(p, "o3-2025-04-16", "o3");
    MATCH(p, "o4-mini", "o4-mini");
    MATCH(p, "claude-3-5-sonnet@20240620", "claude-3-5-sonnet");            /* Vertex AI */
    MATCH(p, "us.anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet"); /* Bedrock */
    MATCH(p, "anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku");
    MATCH(p, "claude-opus-4-5-20251101", "claude-opus-4-5");
    MATCH(p, "claude-opus-4-1-20250805", "claude-opus-4");
    MATCH(p, "claude-sonnet-4-5", "claude-sonnet-4");
    MATCH(p, "models/gemini-2.5-flash", "gemini-2.5-flash");
    MATCH(p, "gemini-2.5-flash-lite", "gemini-2.5-flash-lite");
    MATCH(p, "gemini-1.5-flash-8b-001", "gemini-1.5-flash-8b");
    MATCH(p, "mistral-large-latest", "mistral-large");
    MATCH(p, "deepseek-reasoner", "deepseek-reasoner");
    /* regexes for open models, after exact and prefix */
    MATCH(p, "meta-llama/Llama-3.1-8B-Instruct", "(meta-)?llama-?3(\\.[0-9])?[-:]?(1|3|8)b.*");
    MATCH(p, "meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo", "(meta-)?llama-?3(\\.[0-9])?[-:]?70b.*");
    MATCH(p, "llama3.1:70b", "(meta-)?llama-?3(\\.[0-9])?[-:]?70b.*");
    MATCH(p, "llama-3.3-70b-versatile", "(meta-)?llama-?3(\\.[0-9])?[-:]?70b.*");
    MATCH(p, "Qwen/Qwen2.5-72B-Instruct", "qwen-?2\\.5[-:]?72b.*");
    MATCH(p, "qwen2.5:7b", "qwen-?2\\.5[-:]?(0\\.5|1\\.5|3|7)b.*");
    MATCH(p, "mixtral-8x7b-32768", "mixtral[-:]?8x7b.*");
    MATCH(p, "my-finetune-v3", NULL);
    MATCH(p, "", NULL);
    pricing_destroy(p);
}

static void test_provider_tiebreak(void **state)
{
    (void)state;
    pricing *p = load("{\"models\":["
                      "{\"match\":\"llama-x\",\"provider\":\"groq\",\"input\":1},"
                      "{\"match\":\"llama-x\",\"provider\":\"together\",\"input\":2},"
                      "{\"match\":\"r.*\",\"regex\":true,\"provider\":\"a\",\"input\":3},"
                      "{\"match\":\"ru.*\",\"regex\":true,\"provider\":\"b\",\"input\":4}]}",
                      NULL);
    near(pricing_find(p, slice_cstr("together"), slice_cstr("llama-x"))->input, 2);
    near(pricing_find(p, slice_cstr("GROQ"), slice_cstr("llama-x"))->input, 1);
    near(pricing_find(p, slice_cstr("other"), slice_cstr("llama-x"))->input, 1); /* table order */
    near(pricing_find(p, slice_cstr(""), slice_cstr("run"))->input, 3);          /* the first regex */
    near(pricing_find(p, slice_cstr("b"), slice_cstr("run"))->input, 4);
    pricing_destroy(p);
}

/* ------------------------------------------------------------ cost */

static void test_cost(void **state)
{
    (void)state;
    pricing *p = load(NULL, NULL);

    /* plain: gpt-4o-mini, not gpt-4o */
    rec_call c = call("openai", "gpt-4o-mini-2024-07-18", "cloud", 1000000, 100000);
    pricing_apply(p, &c);
    assert_int_equal(c.cost_source, 2);
    near(c.cost_usd, 0.15 + 0.06);

    /* cached tokens are part of input and charged once, at their own rate */
    c = call("anthropic", "claude-sonnet-4-20250514", "cloud", 10000, 1000);
    c.cached_input_tokens = 6000;
    c.cache_write_tokens = 2000;
    pricing_apply(p, &c);
    near(c.cost_usd, (2000 * 3 + 6000 * 0.3 + 2000 * 3.75 + 1000 * 15) / 1e6);
    /* counted apart (Anthropic's raw usage): input is then the uncached part */
    c = call("anthropic", "claude-sonnet-4-20250514", "cloud", 2000, 1000);
    c.cached_input_tokens = 6000;
    c.cache_write_tokens = 2000;
    pricing_apply(p, &c);
    near(c.cost_usd, (2000 * 3 + 6000 * 0.3 + 2000 * 3.75 + 1000 * 15) / 1e6);

    /* reasoning inside output (OpenAI): charged once, at the output price */
    c = call("openai", "o3-mini", "cloud", 1000, 5000);
    c.reasoning_tokens = 4000;
    pricing_apply(p, &c);
    near(c.cost_usd, (1000 * 1.1 + 5000 * 4.4) / 1e6);

    /* a sent cost wins, even 0 */
    c = call("openai", "gpt-4o", "cloud", 1000, 1000);
    c.cost_usd = 0.5;
    c.cost_source = 1;
    pricing_apply(p, &c);
    near(c.cost_usd, 0.5);
    assert_int_equal(c.cost_source, 1);
    c.cost_usd = 0;
    pricing_apply(p, &c);
    near(c.cost_usd, 0);
    assert_int_equal(c.cost_source, 1);

    /* unknown model, or no tokens at all: unpriced, never 0 */
    c = call("acme", "acme-large", "cloud", 1000, 1000);
    pricing_apply(p, &c);
    assert_true(isnan(c.cost_usd));
    assert_int_equal(c.cost_source, 0);
    c = call("openai", "gpt-4o", "cloud", -1, -1);
    pricing_apply(p, &c);
    assert_true(isnan(c.cost_usd));
    assert_int_equal(c.cost_source, 0);
    /* a failed call without usage (a 429) was not billed: 0, not unpriced;
     * a failed call of a model without a price stays unpriced */
    c = call("openai", "gpt-4o", "cloud", -1, -1);
    c.status = REC_STATUS_ERROR;
    pricing_apply(p, &c);
    near(c.cost_usd, 0);
    assert_int_equal(c.cost_source, 2);
    c = call("acme", "acme-large", "cloud", -1, -1);
    c.status = REC_STATUS_ERROR;
    pricing_apply(p, &c);
    assert_true(isnan(c.cost_usd));
    assert_int_equal(c.cost_source, 0);
    /* one count unknown: counted as 0 */
    c = call("openai", "gpt-4o", "cloud", 1000000, -1);
    pricing_apply(p, &c);
    near(c.cost_usd, 2.5);

    /* local: free while free_local, also for an unknown model */
    c = call("vllm", "my-finetune", "local", 1000, 1000);
    pricing_apply(p, &c);
    near(c.cost_usd, 0);
    assert_int_equal(c.cost_source, 2);
    pricing_apply(NULL, &c); /* no table: unpriced */
    assert_true(isnan(c.cost_usd));
    assert_int_equal(c.cost_source, 0);
    pricing_destroy(p);

    /* free_local off: a local llama costs its hosted price */
    p = load(NULL, "{\"free_local\":false}");
    c = call("vllm", "meta-llama/Llama-3.1-8B-Instruct", "local", 1000000, 1000000);
    pricing_apply(p, &c);
    near(c.cost_usd, 0.36);
    assert_int_equal(c.cost_source, 2);
    pricing_destroy(p);
}

static void test_reasoning_apart(void **state)
{
    (void)state;
    pricing *p = load("{\"models\":[{\"match\":\"thinker\",\"input\":1,\"output\":2,\"reasoning\":3,"
                      "\"reasoning_in_output\":false},{\"match\":\"inner\",\"input\":1,\"output\":2,\"reasoning\":5}]}",
                      NULL);
    rec_call c = call("", "thinker", "", 1000000, 1000000);
    c.reasoning_tokens = 500000;
    pricing_apply(p, &c);
    near(c.cost_usd, 1 + 2 + 1.5); /* on top of output */
    c = call("", "inner", "", 1000000, 1000000);
    c.reasoning_tokens = 500000;
    pricing_apply(p, &c);
    near(c.cost_usd, 1 + 0.5 * 2 + 0.5 * 5); /* within output, at its own rate */
    pricing_destroy(p);
}

/* ------------------------------------------------------------ overrides */

static void test_override(void **state)
{
    (void)state;
    pricing *p = load(NULL, "{\"models\":[{\"match\":\"gpt-4o\",\"provider\":\"openai\",\"input\":1,\"output\":2},"
                            "{\"match\":\"my-model\",\"input\":7}],"
                            "\"local_providers\":[\"my-gpu-farm\"]}");
    const price *pr = pricing_find(p, slice_cstr("openai"), slice_cstr("gpt-4o-2024-08-06"));
    near(pr->input, 1); /* replaced */
    near(pr->cache_read, 1);
    near(pricing_find(p, slice_cstr(""), slice_cstr("my-model"))->output, 7);
    near(pricing_find(p, slice_cstr(""), slice_cstr("gpt-4o-mini"))->input, 0.15); /* defaults kept */
    assert_true(pricing_provider_is_local(p, slice_cstr("my-gpu-farm")));
    assert_false(pricing_provider_is_local(p, slice_cstr("vllm")));
    pricing_destroy(p);

    p = load(NULL, "{\"replace\":true,\"models\":[{\"match\":\"only\",\"input\":1}]}");
    assert_int_equal(pricing_count(p), 1);
    assert_null(pricing_find(p, slice_cstr(""), slice_cstr("gpt-4o")));
    pricing_destroy(p);

    /* a table file instead of the default, extended by the config */
    p = load("{\"models\":[{\"match\":\"a\",\"input\":1}]}", "{\"models\":[{\"match\":\"b\",\"input\":2}]}");
    assert_int_equal(pricing_count(p), 2);
    assert_true(pricing_provider_is_local(p, slice_cstr("ollama"))); /* built-in list */
    pricing_destroy(p);

    load_err("{\"models\":[{\"match\":\"a\",\"inptu\":1}]}", NULL, "unknown key \"inptu\"");
    load_err("{\"models\":[{\"match\":\"a\",\"output\":1}]}", NULL, "\"input\" price is required");
    load_err("{\"models\":[{\"match\":\"a\",\"input\":-1}]}", NULL, "must be a number >= 0");
    load_err("{\"models\":[{\"match\":\"(a\",\"regex\":true,\"input\":1}]}", NULL, "bad regex");
    load_err("{\"models\":[{\"input\":1}]}", NULL, "\"match\" must be a non-empty string");
    load_err("{\"models\":{}}", NULL, "\"models\" must be an array");
    load_err("{\"modles\":[]}", NULL, "unknown key \"modles\"");
    load_err("[1,2", NULL, "not valid JSON");
    load_err(NULL, "{\"models\":[{\"match\":\"x\",\"input\":\"1\"}]}", "pricing override: models[0]");
    load_err(NULL, "{\"local_providers\":[1]}", "array of strings");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_table), cmocka_unit_test(test_match),    cmocka_unit_test(test_provider_tiebreak),
        cmocka_unit_test(test_cost),          cmocka_unit_test(test_reasoning_apart), cmocka_unit_test(test_override),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
