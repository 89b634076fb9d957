/* test_llm_api.c - the LLM call API (query/llm_api.h) over a real records
 * store in a temp directory: the call list (exact keys, nulls, filters,
 * paging, full-text q with snippet and highlights), one call with its
 * prompt and completion byte-exact, top-N, and parameter errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "query/llm_api.h"
#include "util/timeparse.h"

#include <cjson/cJSON.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000LL

static char g_dir[64];
static records *g_rec;
static llm_api_ctx g_ctx;
static int64_t T0; /* whole milliseconds, in ns */

static const uint8_t TID[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
#define TIDHEX "0102030405060708090a0b0c0d0e0f10"
static const uint8_t SID[8] = { 0xaa, 0, 0, 0, 0, 0, 0, 2 };

/* Text a client must get back byte for byte: quotes, backslashes, control
 * characters, markup, CJK, an emoji, U+2028 / U+2029, a literal "\u0041". */
static const char PROMPT[] = "He said \"hi\" \\ back\\slash\n\ttab\r\n<script>alert('x')</script>&amp; "
                             "\xe4\xb8\xad\xe6\x96\x87\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88 "
                             "\xf0\x9f\x98\x80 \xe2\x80\xa8 sep \xe2\x80\xa9 \x01\x1f\x7f end \\u0041";
static const char COMPLETION[] = "Sure!\n```json\n{\"a\": [1, 2]}\n```\n</script><!-- \xe2\x80\xa8 -->";
static const char MESSAGES[] = "[{\"role\":\"user\",\"content\":\"He said \\\"hi\\\"\"},"
                               "{\"role\":\"assistant\",\"content\":\"Sure!\"}]";

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static rec_call base_call(int64_t start, const char *user, const char *model, const char *route)
{
    rec_call c;
    memset(&c, 0, sizeof c);
    c.start_ns = start;
    c.end_ns = start + 800 * MS;
    c.service = slice_cstr("llm-gw");
    c.user_id = slice_cstr(user);
    c.model = slice_cstr(model);
    c.route = slice_cstr(route);
    c.status = REC_STATUS_OK;
    c.input_tokens = c.output_tokens = c.cached_input_tokens = c.cache_write_tokens = c.reasoning_tokens = -1;
    c.cost_usd = c.latency_ms = c.ttft_ms = NAN;
    return c;
}

static int setup(void **state)
{
    (void)state;
    T0 = (now_ms() - 3600 * 1000) * MS;
    snprintf(g_dir, sizeof g_dir, "/tmp/loupe-test-llm-XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    records_opts o;
    records_opts_default(&o);
    o.dir = g_dir;
    err_ctx e = { 0 };
    if (records_open(&o, &g_rec, &e)) {
        fprintf(stderr, "records_open: %s\n", e.msg);
        return -1;
    }
    g_ctx.rec = g_rec;

    rec_span sp;
    memset(&sp, 0, sizeof sp);
    memcpy(sp.trace_id, TID, 16);
    memcpy(sp.span_id, SID, 8);
    sp.service = slice_cstr("llm-gw");
    sp.name = slice_cstr("chat gpt-4o");
    sp.kind = 3;
    sp.start_ns = T0 + 1000 * MS;
    sp.end_ns = T0 + 1812 * MS;
    sp.attrs_json = slice_cstr("{\"llm.model\":\"gpt-4o\",\"llm.input_tokens\":100,\"x\":[1,{\"y\":null}]}");

    rec_call c[5];
    /* c1: everything known, priced from the span, tricky text */
    c[0] = base_call(T0 + 1000 * MS, "u1", "gpt-4o", "chat");
    memcpy(c[0].trace_id, TID, 16);
    memcpy(c[0].span_id, SID, 8);
    c[0].end_ns = T0 + 1812 * MS;
    c[0].session_id = slice_cstr("s1");
    c[0].provider = slice_cstr("openai");
    c[0].template_name = slice_cstr("support-v2");
    c[0].finish_reason = slice_cstr("stop");
    c[0].input_tokens = 100, c[0].output_tokens = 50, c[0].cached_input_tokens = 20;
    c[0].cost_usd = 0.0125, c[0].cost_source = 1, c[0].latency_ms = 812.5, c[0].ttft_ms = 120;
    c[0].prompt = slice_make(PROMPT, sizeof PROMPT - 1);
    c[0].completion = slice_make(COMPLETION, sizeof COMPLETION - 1);
    c[0].messages_json = slice_cstr(MESSAGES);
    /* c2: an unpriced error with unknowns, CJK prompt, no completion */
    c[1] = base_call(T0 + 2000 * MS, "u2", "claude-3-haiku", "summarize");
    c[1].provider = slice_cstr("anthropic");
    c[1].status = REC_STATUS_ERROR;
    c[1].error = slice_cstr("rate_limit");
    c[1].input_tokens = 10;
    c[1].prompt = slice_cstr("summarize the \xe5\x8c\x97\xe4\xba\xac report");
    /* c3..c5: u1's later calls, priced from the table */
    c[2] = base_call(T0 + 3000 * MS, "u1", "gpt-4o", "chat");
    c[2].input_tokens = 1000, c[2].output_tokens = 200;
    c[2].cost_usd = 0.5, c[2].cost_source = 2;
    c[2].prompt = slice_cstr("hello world, find the needle in this haystack");
    c[2].completion = slice_cstr("found it");
    c[3] = base_call(T0 + 4000 * MS, "u1", "gpt-4o-mini", "chat");
    c[3].input_tokens = 10, c[3].output_tokens = 5;
    c[3].cost_usd = 0.001, c[3].cost_source = 2;
    c[3].prompt = slice_cstr("short one");
    c[4] = base_call(T0 + 5000 * MS, "u1", "gpt-4o-mini", "rag");
    c[4].input_tokens = 20, c[4].output_tokens = 5;
    c[4].cost_usd = 0.002, c[4].cost_source = 2;
    c[4].prompt = slice_cstr("another one");

    rec_batch b = { &sp, 1, c, 5, NULL, 0, NULL };
    rec_write_result res;
    if (records_write(g_rec, &b, &res, &e)) {
        fprintf(stderr, "records_write: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    records_close(g_rec);
    nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* ------------------------------------------------------------ helpers */

static cJSON *get(http_handler fn, const char *query, const char *rest, int want_status)
{
    http_req req;
    http_resp resp;
    memset(&req, 0, sizeof req);
    memset(&resp, 0, sizeof resp);
    req.method = "GET";
    req.path = "/api/v1/llm/x";
    req.query = query;
    req.path_rest = rest ? slice_cstr(rest) : slice_make("", 0);
    resp.status = 200;
    int rc = fn(&g_ctx, &req, &resp);
    if (rc)
        fail_msg("handler rc %d for ?%s", rc, query ? query : "");
    if (resp.status != want_status)
        fail_msg("?%s /%s: status %d, want %d: %.*s", query ? query : "", rest ? rest : "", resp.status,
                 want_status, (int)resp.body.n, (const char *)resp.body.p);
    assert_string_equal(resp.content_type, "application/json");
    /* no raw control characters ever reach the client */
    for (size_t i = 0; i < resp.body.n; i++)
        if (resp.body.p[i] < 0x20)
            fail_msg("raw control character 0x%02x at %zu", resp.body.p[i], i);
    cJSON *j = cJSON_ParseWithLength((const char *)resp.body.p, resp.body.n);
    if (!j)
        fail_msg("not JSON: %.*s", (int)resp.body.n, (const char *)resp.body.p);
    buf_free(&resp.body);
    return j;
}

static cJSON *item(const cJSON *o, const char *k)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v)
        fail_msg("no key %s", k);
    return v;
}

static const char *str(const cJSON *o, const char *k)
{
    cJSON *v = item(o, k);
    if (!cJSON_IsString(v))
        fail_msg("%s is not a string", k);
    return v->valuestring;
}

static double num(const cJSON *o, const char *k)
{
    cJSON *v = item(o, k);
    if (!cJSON_IsNumber(v))
        fail_msg("%s is not a number", k);
    return v->valuedouble;
}

static void is_null(const cJSON *o, const char *k)
{
    if (!cJSON_IsNull(item(o, k)))
        fail_msg("%s is not null", k);
}

static cJSON *calls_of(cJSON *j)
{
    assert_string_equal(str(j, "status"), "success");
    cJSON *c = item(j, "calls");
    assert_true(cJSON_IsArray(c));
    item(j, "next_cursor");
    return c;
}

/* The user/model/route of each call of a list answer, as "u1/gpt-4o|...". */
static void list_is(const char *query, const char *want)
{
    cJSON *j = get(llm_calls, query, NULL, 200);
    char got[1024] = "";
    const cJSON *c;
    cJSON_ArrayForEach(c, calls_of(j))
    {
        size_t n = strlen(got);
        snprintf(got + n, sizeof got - n, "%s%s/%s/%s", n ? "|" : "", str(c, "user_id"), str(c, "model"),
                 str(c, "route"));
    }
    if (strcmp(got, want) != 0)
        fail_msg("?%s listed %s, want %s", query ? query : "", got, want);
    cJSON_Delete(j);
}

static void keys_are(const cJSON *o, const char *const *keys, size_t n)
{
    assert_int_equal(cJSON_GetArraySize(o), (int)n);
    for (size_t i = 0; i < n; i++)
        item(o, keys[i]);
}

static const char *const BASE_KEYS[] = { "id",           "trace_id",      "span_id",
                                         "time",         "end_time",      "service",
                                         "user_id",      "session_id",    "provider",
                                         "model",        "route",         "template",
                                         "status",       "error",         "input_tokens",
                                         "output_tokens", "cached_input_tokens", "cache_write_tokens",
                                         "reasoning_tokens", "cost_usd",  "cost_source",
                                         "latency_ms",   "ttft_ms",       "finish_reason" };
#define NBASE (sizeof BASE_KEYS / sizeof BASE_KEYS[0])

static void rfc3339(int64_t ns, char *out)
{
    format_rfc3339_ms(out, 40, ns / MS);
}

/* The id of the only call matching query. */
static long long id_of(const char *query)
{
    cJSON *j = get(llm_calls, query, NULL, 200);
    cJSON *c = calls_of(j);
    assert_int_equal(cJSON_GetArraySize(c), 1);
    long long id = (long long)num(cJSON_GetArrayItem(c, 0), "id");
    cJSON_Delete(j);
    return id;
}

/* ------------------------------------------------------------ tests */

static void test_list(void **state)
{
    (void)state;
    cJSON *j = get(llm_calls, NULL, NULL, 200);
    cJSON *calls = calls_of(j);
    assert_int_equal(cJSON_GetArraySize(calls), 5);
    is_null(j, "next_cursor");
    /* newest first */
    cJSON *c5 = cJSON_GetArrayItem(calls, 0), *c2 = cJSON_GetArrayItem(calls, 3), *c1 = cJSON_GetArrayItem(calls, 4);
    assert_string_equal(str(c5, "route"), "rag");
    char t[40];

    /* exactly DESIGN.md's keys (+ end_time, cache_write_tokens) and the list previews */
    const char *list_keys[NBASE + 2];
    memcpy(list_keys, BASE_KEYS, sizeof BASE_KEYS);
    list_keys[NBASE] = "prompt_preview";
    list_keys[NBASE + 1] = "completion_preview";
    const cJSON *c;
    cJSON_ArrayForEach(c, calls) keys_are(c, list_keys, NBASE + 2);

    /* c1: every value known */
    assert_true(num(c1, "id") > 0);
    assert_string_equal(str(c1, "trace_id"), TIDHEX);
    assert_string_equal(str(c1, "span_id"), "aa00000000000002");
    rfc3339(T0 + 1000 * MS, t);
    assert_string_equal(str(c1, "time"), t);
    rfc3339(T0 + 1812 * MS, t);
    assert_string_equal(str(c1, "end_time"), t);
    assert_string_equal(str(c1, "service"), "llm-gw");
    assert_string_equal(str(c1, "user_id"), "u1");
    assert_string_equal(str(c1, "session_id"), "s1");
    assert_string_equal(str(c1, "provider"), "openai");
    assert_string_equal(str(c1, "model"), "gpt-4o");
    assert_string_equal(str(c1, "route"), "chat");
    assert_string_equal(str(c1, "template"), "support-v2");
    assert_string_equal(str(c1, "status"), "ok");
    is_null(c1, "error");
    assert_int_equal((int)num(c1, "input_tokens"), 100);
    assert_int_equal((int)num(c1, "output_tokens"), 50);
    assert_int_equal((int)num(c1, "cached_input_tokens"), 20);
    is_null(c1, "cache_write_tokens");
    is_null(c1, "reasoning_tokens");
    assert_true(num(c1, "cost_usd") == 0.0125);
    assert_string_equal(str(c1, "cost_source"), "span");
    assert_true(num(c1, "latency_ms") == 812.5);
    assert_true(num(c1, "ttft_ms") == 120);
    assert_string_equal(str(c1, "finish_reason"), "stop");
    assert_true(strlen(str(c1, "prompt_preview")) > 0);
    assert_true(strlen(str(c1, "completion_preview")) > 0);

    /* c2: the unknowns are null, never 0 or "" */
    assert_string_equal(str(c2, "status"), "error");
    assert_string_equal(str(c2, "error"), "rate_limit");
    is_null(c2, "trace_id");
    is_null(c2, "span_id");
    is_null(c2, "session_id");
    is_null(c2, "template");
    is_null(c2, "finish_reason");
    assert_int_equal((int)num(c2, "input_tokens"), 10);
    is_null(c2, "output_tokens");
    is_null(c2, "cost_usd");
    is_null(c2, "cost_source");
    is_null(c2, "latency_ms");
    is_null(c2, "ttft_ms");
    is_null(c2, "completion_preview");
    assert_string_equal(str(cJSON_GetArrayItem(calls, 2), "cost_source"), "price_table");
    cJSON_Delete(j);
}

static void test_filters(void **state)
{
    (void)state;
    char q[256];
    list_is("user_id=u1", "u1/gpt-4o-mini/rag|u1/gpt-4o-mini/chat|u1/gpt-4o/chat|u1/gpt-4o/chat");
    list_is("user_id=u1&model=gpt-4o", "u1/gpt-4o/chat|u1/gpt-4o/chat");
    list_is("route=rag", "u1/gpt-4o-mini/rag");
    list_is("provider=anthropic", "u2/claude-3-haiku/summarize");
    list_is("service=llm-gw&session_id=s1", "u1/gpt-4o/chat");
    list_is("template=support-v2", "u1/gpt-4o/chat");
    list_is("status=error", "u2/claude-3-haiku/summarize");
    list_is("status=ok&model=claude-3-haiku", "");
    list_is("trace_id=" TIDHEX, "u1/gpt-4o/chat");
    list_is("trace_id=abc", "");
    list_is("min_cost=0.1", "u1/gpt-4o/chat");
    list_is("min_cost=0.0015&max_cost=0.1", "u1/gpt-4o-mini/rag|u1/gpt-4o/chat");
    list_is("user_id=nobody", "");
    list_is("model=", "u1/gpt-4o-mini/rag|u1/gpt-4o-mini/chat|u1/gpt-4o/chat|u2/claude-3-haiku/summarize|"
                      "u1/gpt-4o/chat"); /* empty = any */
    /* time window: RFC 3339 and unix seconds, inclusive */
    char a[40], b[40];
    rfc3339(T0 + 1500 * MS, a);
    rfc3339(T0 + 2500 * MS, b);
    snprintf(q, sizeof q, "start=%s&end=%s", a, b);
    list_is(q, "u2/claude-3-haiku/summarize");
    snprintf(q, sizeof q, "start=%.3f&end=%.3f", (double)(T0 + 3000 * MS) / 1e9, (double)(T0 + 4000 * MS) / 1e9);
    list_is(q, "u1/gpt-4o-mini/chat|u1/gpt-4o/chat");
}

static void test_paging(void **state)
{
    (void)state;
    char q[1200], seen[512] = "";
    char cursor[1100] = "";
    int pages = 0;
    for (;;) {
        if (cursor[0]) {
            /* cursors are opaque: pass them back percent-encoded */
            size_t o = (size_t)snprintf(q, sizeof q, "user_id=u1&limit=2&cursor=");
            for (const char *p = cursor; *p && o + 4 < sizeof q; p++)
                o += (size_t)snprintf(q + o, sizeof q - o, "%%%02X", (unsigned char)*p);
        } else {
            snprintf(q, sizeof q, "user_id=u1&limit=2");
        }
        cJSON *j = get(llm_calls, q, NULL, 200);
        cJSON *calls = calls_of(j);
        assert_true(cJSON_GetArraySize(calls) <= 2);
        const cJSON *c;
        cJSON_ArrayForEach(c, calls)
        {
            size_t n = strlen(seen);
            snprintf(seen + n, sizeof seen - n, "%s%s", n ? "|" : "", str(c, "route"));
        }
        pages++;
        cJSON *nc = item(j, "next_cursor");
        if (cJSON_IsNull(nc)) {
            cJSON_Delete(j);
            break;
        }
        assert_true(cJSON_IsString(nc) && strlen(nc->valuestring) < sizeof cursor);
        snprintf(cursor, sizeof cursor, "%s", nc->valuestring);
        cJSON_Delete(j);
        assert_true(pages < 10);
    }
    assert_string_equal(seen, "rag|chat|chat|chat");
    assert_true(pages >= 2);
}

static void test_search(void **state)
{
    (void)state;
    cJSON *j = get(llm_calls, "q=needle", NULL, 200);
    cJSON *calls = calls_of(j);
    assert_int_equal(cJSON_GetArraySize(calls), 1);
    cJSON *c = cJSON_GetArrayItem(calls, 0);
    const char *snip = str(c, "snippet");
    assert_non_null(strstr(snip, "needle"));
    cJSON *hl = item(c, "highlights");
    assert_true(cJSON_GetArraySize(hl) >= 1);
    cJSON *h0 = cJSON_GetArrayItem(hl, 0);
    int s = cJSON_GetArrayItem(h0, 0)->valueint, e = cJSON_GetArrayItem(h0, 1)->valueint;
    /* an ASCII snippet: UTF-16 offsets are byte offsets */
    assert_int_equal(e - s, 6);
    assert_memory_equal(snip + s, "needle", 6);
    cJSON_Delete(j);

    /* CJK is searchable; q combines with filters */
    j = get(llm_calls, "q=%E5%8C%97%E4%BA%AC", NULL, 200);
    calls = calls_of(j);
    assert_int_equal(cJSON_GetArraySize(calls), 1);
    assert_string_equal(str(cJSON_GetArrayItem(calls, 0), "user_id"), "u2");
    cJSON_Delete(j);
    list_is("q=needle&user_id=u2", "");
    list_is("q=nothingmatchesthis", "");
}

static void test_detail(void **state)
{
    (void)state;
    long long id = id_of("session_id=s1");
    char rest[32];
    snprintf(rest, sizeof rest, "%lld", id);
    cJSON *c = get(llm_call, NULL, rest, 200);
    const char *keys[NBASE + 4];
    memcpy(keys, BASE_KEYS, sizeof BASE_KEYS);
    keys[NBASE] = "prompt", keys[NBASE + 1] = "completion", keys[NBASE + 2] = "messages",
    keys[NBASE + 3] = "attributes";
    keys_are(c, keys, NBASE + 4);
    assert_true(num(c, "id") == (double)id);
    assert_string_equal(str(c, "trace_id"), TIDHEX);
    assert_string_equal(str(c, "model"), "gpt-4o");
    /* byte-exact after JSON decoding */
    const char *p = str(c, "prompt"), *k = str(c, "completion");
    assert_int_equal(strlen(p), sizeof PROMPT - 1);
    assert_memory_equal(p, PROMPT, sizeof PROMPT - 1);
    assert_int_equal(strlen(k), sizeof COMPLETION - 1);
    assert_memory_equal(k, COMPLETION, sizeof COMPLETION - 1);
    /* messages and attributes are JSON values, not strings */
    cJSON *m = item(c, "messages");
    assert_true(cJSON_IsArray(m));
    assert_int_equal(cJSON_GetArraySize(m), 2);
    assert_string_equal(str(cJSON_GetArrayItem(m, 0), "content"), "He said \"hi\"");
    assert_string_equal(str(cJSON_GetArrayItem(m, 1), "role"), "assistant");
    cJSON *at = item(c, "attributes");
    assert_true(cJSON_IsObject(at));
    assert_string_equal(str(at, "llm.model"), "gpt-4o");
    assert_true(num(at, "llm.input_tokens") == 100);
    cJSON_Delete(c);

    /* a call without a completion, messages or span: nulls and {} */
    id = id_of("status=error");
    snprintf(rest, sizeof rest, "%lld", id);
    c = get(llm_call, NULL, rest, 200);
    assert_string_equal(str(c, "prompt"), "summarize the \xe5\x8c\x97\xe4\xba\xac report");
    is_null(c, "completion");
    is_null(c, "messages");
    assert_true(cJSON_IsObject(item(c, "attributes")));
    assert_int_equal(cJSON_GetArraySize(item(c, "attributes")), 0);
    assert_string_equal(str(c, "status"), "error");
    cJSON_Delete(c);

    /* unknown and malformed ids */
    c = get(llm_call, NULL, "999999999", 404);
    assert_string_equal(str(c, "status"), "error");
    assert_string_equal(str(c, "errorType"), "not_found");
    cJSON_Delete(c);
    const char *badids[] = { "abc", "", "0", "-1", "12x", "1.5", "99999999999999999999999" };
    for (size_t i = 0; i < sizeof badids / sizeof badids[0]; i++) {
        c = get(llm_call, NULL, badids[i], 400);
        assert_string_equal(str(c, "errorType"), "bad_data");
        cJSON_Delete(c);
    }
}

static void top_is(const char *query, const char *want)
{
    cJSON *j = get(llm_top, query, NULL, 200);
    assert_string_equal(str(j, "status"), "success");
    char got[1024] = "";
    const cJSON *r;
    cJSON_ArrayForEach(r, item(j, "data"))
    {
        size_t n = strlen(got);
        cJSON *k = item(r, "key");
        snprintf(got + n, sizeof got - n, "%s%s:%d", n ? "|" : "", cJSON_IsNull(k) ? "null" : k->valuestring,
                 (int)num(r, "calls"));
    }
    if (strcmp(got, want) != 0)
        fail_msg("top ?%s = %s, want %s", query, got, want);
    cJSON_Delete(j);
}

static void test_top(void **state)
{
    (void)state;
    cJSON *j = get(llm_top, "by=model&metric=cost", NULL, 200);
    cJSON *d = item(j, "data");
    assert_int_equal(cJSON_GetArraySize(d), 3);
    cJSON *r0 = cJSON_GetArrayItem(d, 0), *r2 = cJSON_GetArrayItem(d, 2);
    const char *rk[] = { "key", "calls", "errors", "unpriced", "input_tokens", "output_tokens",
                         "cached_input_tokens", "cost_usd" };
    keys_are(r0, rk, 8);
    assert_string_equal(str(r0, "key"), "gpt-4o");
    assert_int_equal((int)num(r0, "calls"), 2);
    assert_int_equal((int)num(r0, "errors"), 0);
    assert_int_equal((int)num(r0, "unpriced"), 0);
    assert_int_equal((int)num(r0, "input_tokens"), 1100);
    assert_int_equal((int)num(r0, "output_tokens"), 250);
    assert_int_equal((int)num(r0, "cached_input_tokens"), 20);
    assert_true(fabs(num(r0, "cost_usd") - 0.5125) < 1e-12);
    /* a model with no priced call has no cost */
    assert_string_equal(str(r2, "key"), "claude-3-haiku");
    assert_int_equal((int)num(r2, "errors"), 1);
    assert_int_equal((int)num(r2, "unpriced"), 1);
    is_null(r2, "cost_usd");
    cJSON_Delete(j);

    top_is("by=user&metric=calls", "u1:4|u2:1");
    top_is("by=user&metric=calls&limit=1", "u1:4");
    top_is("by=route&metric=tokens", "chat:3|rag:1|summarize:1");
    top_is("by=route&metric=tokens&model=gpt-4o-mini", "rag:1|chat:1");
    top_is("by=provider&metric=calls&route=chat", "null:2|openai:1");
    top_is("by=template&metric=cost&model=gpt-4o", "null:1|support-v2:1");
    top_is("by=service", "llm-gw:5");
    char q[200], a[40];
    rfc3339(T0 + 2500 * MS, a);
    snprintf(q, sizeof q, "by=user&metric=calls&start=%s", a);
    top_is(q, "u1:3");
}

static void test_bad_params(void **state)
{
    (void)state;
    static const struct {
        http_handler fn;
        const char *q, *msg;
    } bad[] = {
        { llm_calls, "limit=0", "limit" },
        { llm_calls, "limit=1001", "limit" },
        { llm_calls, "limit=abc", "limit" },
        { llm_calls, "limit=-5", "limit" },
        { llm_calls, "limit=5x", "limit" },
        { llm_calls, "start=yesterday", "start" },
        { llm_calls, "end=2024-13-01T00:00:00Z", "end" },
        { llm_calls, "start=2000&end=1000", "end" },
        { llm_calls, "min_cost=abc", "min_cost" },
        { llm_calls, "max_cost=NaN", "max_cost" },
        { llm_calls, "max_cost=1e999", "max_cost" },
        { llm_calls, "min_cost=2&max_cost=1", "max_cost" },
        { llm_calls, "status=maybe", "status" },
        { llm_calls, "trace_id=xyz", "trace_id" },
        { llm_calls, "cursor=%00garbage%FF", "" },
        { llm_top, "by=color", "by" },
        { llm_top, "metric=latency", "metric" },
        { llm_top, "limit=0", "limit" },
        { llm_top, "start=nope", "start" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *j = get(bad[i].fn, bad[i].q, NULL, 400);
        assert_string_equal(str(j, "status"), "error");
        assert_string_equal(str(j, "errorType"), "bad_data");
        if (!strstr(str(j, "error"), bad[i].msg))
            fail_msg("?%s: error %s lacks %s", bad[i].q, str(j, "error"), bad[i].msg);
        cJSON_Delete(j);
    }
    /* lengths are bounded: 1 KiB per filter, 4 KiB for q */
    static char q[5000];
    memcpy(q, "user_id=", 8);
    memset(q + 8, 'a', 1025);
    q[8 + 1025] = 0;
    cJSON *j = get(llm_calls, q, NULL, 400);
    cJSON_Delete(j);
    q[8 + 1024] = 0;
    j = get(llm_calls, q, NULL, 200);
    cJSON_Delete(j);
    memcpy(q, "q=", 2);
    memset(q + 2, 'a', 4097);
    q[2 + 4097] = 0;
    j = get(llm_calls, q, NULL, 400);
    cJSON_Delete(j);
}

/* A JSON prompt (the store keeps its long strings as decoded blobs) comes
 * back with its exact escapes and spacing; a 100 KB completion too.  Runs
 * last: it adds a call. */
static void test_json_prompt_exact(void **state)
{
    (void)state;
    char long_text[400];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    char prompt[2048];
    snprintf(prompt, sizeof prompt,
             "{\"model\": \"gpt-4o\",  \"messages\":[{\"role\":\"system\",\"content\":\"You are \\\"helpful\\\".\\n%s "
             "\\u00e9 \xc3\xa9 \\/ \\u2028 \\ud83d\\ude00 \\t\"},\n {\"role\":\"user\",\"content\":\"%s\"}],"
             "\"temperature\":0.20}",
             long_text, long_text);
    size_t big_n = 100 * 1024;
    char *big = malloc(big_n + 1);
    static const char pat[] = "abc \xe4\xb8\xad\n\"\\<>";
    for (size_t i = 0; i < big_n; i++)
        big[i] = pat[i % (sizeof pat - 1)];
    big[big_n] = 0;
    /* the repeated pattern must not end inside a UTF-8 sequence */
    while ((unsigned char)big[big_n - 1] >= 0x80)
        big[--big_n] = 0;

    rec_call c = base_call(T0 + 9000 * MS, "u9", "gpt-4o", "json");
    c.prompt = slice_cstr(prompt);
    c.completion = slice_make(big, big_n);
    rec_batch b = { NULL, 0, &c, 1, NULL, 0, NULL };
    rec_write_result res;
    err_ctx e = { 0 };
    assert_int_equal(records_write(g_rec, &b, &res, &e), 0);

    long long id = id_of("user_id=u9");
    char rest[32];
    snprintf(rest, sizeof rest, "%lld", id);
    cJSON *j = get(llm_call, NULL, rest, 200);
    const char *p = str(j, "prompt"), *k = str(j, "completion");
    assert_int_equal(strlen(p), strlen(prompt));
    assert_memory_equal(p, prompt, strlen(prompt));
    assert_int_equal(strlen(k), big_n);
    assert_memory_equal(k, big, big_n);
    cJSON_Delete(j);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),   cmocka_unit_test(test_filters), cmocka_unit_test(test_paging),
        cmocka_unit_test(test_search), cmocka_unit_test(test_detail),  cmocka_unit_test(test_top),
        cmocka_unit_test(test_bad_params), cmocka_unit_test(test_json_prompt_exact),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
