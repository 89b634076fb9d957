/* test_records.c - the records store (store/records.h) through its public
 * API: span round trips and replacement, call filters, cursor paging,
 * full-text search (words, terms across prompt and completion, CJK
 * bigrams), snippets, byte-exact texts and blob dedup, top-N, trace search,
 * logs, services, reopening, retention and concurrent writers.  Each test
 * uses its own mkdtemp directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/records.h"
#include "store/records_int.h" /* the search plan's thresholds */

#include <ftw.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T0 1717200000000000000LL /* 2024-06-01T00:00:00Z in ns */
#define SEC 1000000000LL

static slice S(const char *s) { return s ? slice_cstr(s) : slice_make(NULL, 0); }

/* ------------------------------------------------------------ fixture */

typedef struct fx {
    char dir[64];
    records *r;
} fx;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static records *open_rec(const char *dir, int retention_days)
{
    records_opts o;
    records_opts_default(&o);
    o.dir = dir;
    o.retention_days = retention_days;
    o.read_connections = 2;
    records *r = NULL;
    err_ctx e = { 0 };
    int rc = records_open(&o, &r, &e);
    if (rc)
        fail_msg("records_open(%s): %d %s", dir, rc, e.msg);
    return r;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/loupe-test-records-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->r = open_rec(f->dir, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    records_close(f->r);
    nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void reopen(fx *f, int retention_days)
{
    records_close(f->r);
    f->r = NULL; /* teardown must not close it again if the open fails */
    f->r = open_rec(f->dir, retention_days);
}

static rec_write_result write_batch(records *r, const rec_span *s, size_t ns, const rec_call *c, size_t nc,
                                    const rec_log *l, size_t nl)
{
    rec_batch b = { s, ns, c, nc, l, nl, NULL };
    rec_write_result res;
    err_ctx e = { 0 };
    int rc = records_write(r, &b, &res, &e);
    if (rc)
        fail_msg("records_write: %d %s", rc, e.msg);
    return res;
}

static void tid(uint8_t out[16], int n)
{
    memset(out, 0, 16);
    out[0] = 0xab;
    out[15] = (uint8_t)n;
    out[14] = (uint8_t)(n >> 8);
}

static void sid(uint8_t out[8], int n)
{
    memset(out, 0, 8);
    out[0] = 0xcd;
    out[7] = (uint8_t)n;
    out[6] = (uint8_t)(n >> 8);
}

static rec_call mkcall(int n, int64_t t, const char *user, const char *model, const char *prompt,
                       const char *completion)
{
    rec_call c;
    memset(&c, 0, sizeof c);
    tid(c.trace_id, n);
    sid(c.span_id, n);
    c.start_ns = t;
    c.end_ns = t + 2 * SEC;
    c.service = S("chat-api");
    c.user_id = S(user);
    c.model = S(model);
    c.provider = S("openai");
    c.status = REC_STATUS_OK;
    c.input_tokens = 100;
    c.output_tokens = 20;
    c.cached_input_tokens = -1;
    c.cache_write_tokens = -1;
    c.reasoning_tokens = -1;
    c.cost_usd = 0.01;
    c.cost_source = 2;
    c.latency_ms = 2000;
    c.ttft_ms = NAN;
    c.prompt = S(prompt);
    c.completion = S(completion);
    return c;
}

/* ------------------------------------------------------------ collecting rows */

#define MAXROWS 256
typedef struct got {
    size_t n;
    int64_t id[MAXROWS], start[MAXROWS];
    char *user[MAXROWS], *model[MAXROWS], *pp[MAXROWS], *cp[MAXROWS], *snip[MAXROWS];
    uint32_t hl[MAXROWS][4][2];
    size_t nhl[MAXROWS];
    /* full fields of the last row */
    buf prompt, completion, messages, attrs, error;
    rec_call last;
} got;

static char *dup_slice(slice s)
{
    char *p = malloc(s.n + 1);
    memcpy(p, s.p ? (const void *)s.p : "", s.n);
    p[s.n] = '\0';
    return p;
}

static int on_call(void *ctx, const rec_call_row *row)
{
    got *g = ctx;
    assert_true(g->n < MAXROWS);
    size_t i = g->n++;
    g->id[i] = row->id;
    g->start[i] = row->c.start_ns;
    g->user[i] = dup_slice(row->c.user_id);
    g->model[i] = dup_slice(row->c.model);
    g->pp[i] = dup_slice(row->prompt_preview);
    g->cp[i] = dup_slice(row->completion_preview);
    g->snip[i] = dup_slice(row->snippet);
    g->nhl[i] = row->nhighlights;
    for (size_t k = 0; k < row->nhighlights && k < 4; k++) {
        g->hl[i][k][0] = row->highlights[k][0];
        g->hl[i][k][1] = row->highlights[k][1];
    }
    g->prompt.n = g->completion.n = g->messages.n = g->attrs.n = g->error.n = 0;
    buf_append(&g->prompt, row->c.prompt.p, row->c.prompt.n);
    buf_append(&g->completion, row->c.completion.p, row->c.completion.n);
    buf_append(&g->messages, row->c.messages_json.p, row->c.messages_json.n);
    buf_append(&g->attrs, row->attrs_json.p, row->attrs_json.n);
    buf_append(&g->error, row->c.error.p, row->c.error.n);
    g->last = row->c;
    g->last.prompt = g->last.completion = g->last.messages_json = g->last.error = slice_make(NULL, 0);
    g->last.service = g->last.user_id = g->last.session_id = g->last.provider = g->last.model = g->last.route =
        g->last.template_name = g->last.finish_reason = slice_make(NULL, 0);
    return 0;
}

static void got_free(got *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->user[i]);
        free(g->model[i]);
        free(g->pp[i]);
        free(g->cp[i]);
        free(g->snip[i]);
    }
    buf_free(&g->prompt);
    buf_free(&g->completion);
    buf_free(&g->messages);
    buf_free(&g->attrs);
    buf_free(&g->error);
    memset(g, 0, sizeof *g);
}

static void query_init(rec_call_query *q)
{
    memset(q, 0, sizeof *q);
    q->end_ns = INT64_MAX;
    q->min_cost = q->max_cost = NAN;
    q->limit = 100;
}

/* Runs a query; returns the row count, fills g. */
static size_t run_calls(records *r, const rec_call_query *q, got *g, buf *cursor)
{
    got_free(g);
    err_ctx e = { 0 };
    buf tmp = BUF_INIT;
    int rc = records_calls(r, q, on_call, g, cursor ? cursor : &tmp, &e);
    if (rc)
        fail_msg("records_calls: %d %s", rc, e.msg);
    buf_free(&tmp);
    return g->n;
}

static size_t count_q(records *r, const char *text)
{
    rec_call_query q;
    query_init(&q);
    q.q = S(text);
    got g = { 0 };
    size_t n = run_calls(r, &q, &g, NULL);
    got_free(&g);
    return n;
}

/* ------------------------------------------------------------ spans */

typedef struct spans_got {
    size_t n;
    char name[8][64];
    char attrs[8][512];
    rec_span s[8];
    char fields[8][12][256]; /* service name msg events links resource scope scope_v user session */
} spans_got;

static int on_span(void *ctx, const rec_span *s)
{
    spans_got *g = ctx;
    assert_true(g->n < 8);
    size_t i = g->n++;
    g->s[i] = *s;
    slice f[11] = { s->service, s->name, s->status_message, s->events_json, s->links_json, s->resource_json,
                    s->scope_name, s->scope_version, s->user_id, s->session_id, s->attrs_json };
    for (int k = 0; k < 10; k++)
        snprintf(g->fields[i][k], 256, "%.*s", (int)f[k].n, f[k].p ? (const char *)f[k].p : "");
    snprintf(g->attrs[i], 512, "%.*s", (int)s->attrs_json.n, (const char *)s->attrs_json.p);
    return 0;
}

static const char *long_attrs =
    "{\"gen_ai.request.model\":\"gpt-4o\",\"gen_ai.prompt\":\"Explain the refund policy of the store in detail, "
    "with examples \\u00e9 and \\\"quotes\\\"\",\"http.status_code\":200,\"ok\":true,\"ratio\":0.25}";

static void test_span_roundtrip_and_replace(void **state)
{
    fx *f = *state;
    rec_span s;
    memset(&s, 0, sizeof s);
    tid(s.trace_id, 1);
    sid(s.span_id, 2);
    sid(s.parent_id, 3);
    s.has_parent = 1;
    s.service = S("checkout");
    s.name = S("POST /pay");
    s.kind = 2;
    s.start_ns = T0 + 5;
    s.end_ns = T0 + 5 + 1234567;
    s.status_code = REC_STATUS_ERROR;
    s.status_message = S("card declined");
    s.attrs_json = S(long_attrs);
    s.events_json = S("[{\"time_unix_nano\":1717200000000000100,\"name\":\"exception\",\"attributes\":{\"exception.message"
                      "\":\"A long exception message that goes beyond forty-eight bytes for sure\"}}]");
    s.links_json = S("[{\"trace_id\":\"00112233445566778899aabbccddeeff\",\"span_id\":\"0011223344556677\","
                     "\"attributes\":{}}]");
    s.resource_json = S("{\"service.name\":\"checkout\",\"host.name\":\"node-1\"}");
    s.scope_name = S("my.lib");
    s.scope_version = S("1.2.3");
    s.user_id = S("u-42");
    s.session_id = S("sess-9");
    rec_write_result res = write_batch(f->r, &s, 1, NULL, 0, NULL, 0);
    assert_int_equal(res.spans, 1);
    spans_got g = { 0 };
    err_ctx e = { 0 };
    assert_int_equal(records_trace_spans(f->r, s.trace_id, on_span, &g, &e), 0);
    assert_int_equal(g.n, 1);
    assert_memory_equal(g.s[0].trace_id, s.trace_id, 16);
    assert_memory_equal(g.s[0].span_id, s.span_id, 8);
    assert_memory_equal(g.s[0].parent_id, s.parent_id, 8);
    assert_int_equal(g.s[0].has_parent, 1);
    assert_int_equal(g.s[0].kind, 2);
    assert_int_equal(g.s[0].start_ns, s.start_ns);
    assert_int_equal(g.s[0].end_ns, s.end_ns);
    assert_int_equal(g.s[0].status_code, REC_STATUS_ERROR);
    const char *want[10] = { "checkout", "POST /pay", "card declined", (const char *)s.events_json.p,
                             (const char *)s.links_json.p, (const char *)s.resource_json.p, "my.lib", "1.2.3", "u-42",
                             "sess-9" };
    for (int k = 0; k < 10; k++)
        assert_string_equal(g.fields[0][k], want[k]);
    assert_string_equal(g.attrs[0], long_attrs);

    /* an exporter retry with changed content replaces the span */
    s.name = S("POST /pay2");
    s.attrs_json = S("{\"a\":1}");
    s.has_parent = 0;
    res = write_batch(f->r, &s, 1, NULL, 0, NULL, 0);
    assert_int_equal(res.spans, 1);
    memset(&g, 0, sizeof g);
    assert_int_equal(records_trace_spans(f->r, s.trace_id, on_span, &g, &e), 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.fields[0][1], "POST /pay2");
    assert_string_equal(g.attrs[0], "{\"a\":1}");
    assert_int_equal(g.s[0].has_parent, 0);
    records_stats st;
    records_get_stats(f->r, &st);
    assert_int_equal(st.spans, 1);
}

/* ------------------------------------------------------------ calls */

static void test_call_filters(void **state)
{
    fx *f = *state;
    rec_call c[8];
    const char *users[8] = { "alice", "bob", "alice", "carol", "bob", "alice", NULL, "dave" };
    const char *models[8] = { "gpt-4o", "gpt-4o", "claude", "claude", "llama", "gpt-4o", "llama", "gpt-4o" };
    for (int i = 0; i < 8; i++) {
        c[i] = mkcall(i + 1, T0 + i * SEC, users[i], models[i], "hello", "world");
        c[i].session_id = S(i < 4 ? "s1" : "s2");
        c[i].route = S(i % 2 ? "chat" : "summarize");
        c[i].template_name = S(i == 3 ? "tpl-a" : NULL);
        c[i].cost_usd = 0.01 * (i + 1);
        if (i == 5) {
            c[i].status = REC_STATUS_ERROR;
            c[i].error = S("RateLimitError: too many requests");
        }
        if (i == 7)
            c[i].provider = S("anthropic");
    }
    rec_write_result res = write_batch(f->r, NULL, 0, c, 8, NULL, 0);
    assert_int_equal(res.calls, 8);
    rec_call_query q;
    got g = { 0 };
    query_init(&q);
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 8);
    for (size_t i = 0; i < 8; i++) /* newest first */
        assert_int_equal(g.start[i], T0 + (int64_t)(7 - i) * SEC);
    q.user_id = S("alice");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 3);
    assert_string_equal(g.user[0], "alice");
    assert_int_equal(g.start[0], T0 + 5 * SEC);
    q.model = S("gpt-4o");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 2);
    q.user_id = S("nobody");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 0);
    query_init(&q);
    q.session_id = S("s2");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 4);
    query_init(&q);
    q.route = S("chat");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 4);
    query_init(&q);
    q.template_name = S("tpl-a");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    assert_string_equal(g.user[0], "carol");
    query_init(&q);
    q.provider = S("anthropic");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    query_init(&q);
    q.service = S("chat-api");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 8);
    query_init(&q);
    q.status = REC_STATUS_ERROR;
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    query_init(&q);
    q.has_trace_id = 1;
    tid(q.trace_id, 3);
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    assert_int_equal(g.start[0], T0 + 2 * SEC);
    query_init(&q);
    q.start_ns = T0 + 2 * SEC;
    q.end_ns = T0 + 4 * SEC;
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 3);
    query_init(&q);
    q.min_cost = 0.025;
    q.max_cost = 0.055;
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 3); /* 0.03 0.04 0.05 */
    /* one call in full, by id */
    query_init(&q);
    q.status = REC_STATUS_ERROR;
    run_calls(f->r, &q, &g, NULL);
    int64_t id = g.id[0];
    got_free(&g);
    err_ctx e = { 0 };
    assert_int_equal(records_call_get(f->r, id, on_call, &g, &e), 0);
    assert_int_equal(g.n, 1);
    assert_true(slice_eq(buf_slice(&g.error), S("RateLimitError: too many requests")));
    assert_string_equal(g.user[0], "alice");
    got_free(&g);
    assert_int_equal(records_call_get(f->r, 999999, on_call, &g, &e), LOUPE_ENOTFOUND);
    got_free(&g);
}

static void test_call_fields(void **state)
{
    fx *f = *state;
    rec_call c = mkcall(1, T0, "u1", "gpt-4o", "What's up?", "Not much.");
    c.session_id = S("sess");
    c.route = S("/chat");
    c.template_name = S("greeting");
    c.finish_reason = S("stop");
    c.status = REC_STATUS_ERROR;
    c.error = S("Timeout");
    c.cached_input_tokens = 7;
    c.cache_write_tokens = 3;
    c.reasoning_tokens = 0;
    c.cost_usd = NAN;
    c.cost_source = 0;
    c.ttft_ms = 150.5;
    write_batch(f->r, NULL, 0, &c, 1, NULL, 0);
    rec_call_query q;
    query_init(&q);
    got g = { 0 };
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    err_ctx e = { 0 };
    int64_t id = g.id[0];
    got_free(&g);
    assert_int_equal(records_call_get(f->r, id, on_call, &g, &e), 0);
    rec_call *k = &g.last;
    assert_memory_equal(k->trace_id, c.trace_id, 16);
    assert_memory_equal(k->span_id, c.span_id, 8);
    assert_int_equal(k->start_ns, c.start_ns);
    assert_int_equal(k->end_ns, c.end_ns);
    assert_int_equal(k->status, REC_STATUS_ERROR);
    assert_int_equal(k->input_tokens, 100);
    assert_int_equal(k->output_tokens, 20);
    assert_int_equal(k->cached_input_tokens, 7);
    assert_int_equal(k->cache_write_tokens, 3);
    assert_int_equal(k->reasoning_tokens, 0);
    assert_true(isnan(k->cost_usd));
    assert_int_equal(k->cost_source, 0);
    assert_true(k->latency_ms == 2000);
    assert_true(k->ttft_ms == 150.5);
    assert_int_equal(g.error.n, 7);
    assert_memory_equal(g.error.p, "Timeout", 7);
    assert_string_equal(g.pp[0], "What's up?");
    assert_string_equal(g.cp[0], "Not much.");
    got_free(&g);
}

static void test_cursor_paging(void **state)
{
    fx *f = *state;
    rec_call c[57];
    for (int i = 0; i < 57; i++) /* groups of three share a start time */
        c[i] = mkcall(i + 1, T0 + (i / 3) * SEC, "pager", "m", "page me", "ok");
    write_batch(f->r, NULL, 0, c, 57, NULL, 0);
    rec_call_query q;
    query_init(&q);
    q.limit = 10;
    q.user_id = S("pager");
    buf cur = BUF_INIT;
    int seen[64] = { 0 };
    int64_t prev_start = INT64_MAX, prev_id = INT64_MAX;
    size_t total = 0, pages = 0;
    got g = { 0 };
    for (;;) {
        size_t n = run_calls(f->r, &q, &g, &cur);
        pages++;
        for (size_t i = 0; i < n; i++) {
            assert_true(g.id[i] > 0 && g.id[i] < 64);
            assert_int_equal(seen[g.id[i]], 0);
            seen[g.id[i]] = 1;
            assert_true(g.start[i] < prev_start || (g.start[i] == prev_start && g.id[i] < prev_id));
            prev_start = g.start[i];
            prev_id = g.id[i];
        }
        total += n;
        if (!cur.n)
            break;
        assert_int_equal(n, 10);
        q.cursor = buf_slice(&cur);
        /* the cursor is copied out: the next call clears cur first */
        static char keep[64];
        snprintf(keep, sizeof keep, "%.*s", (int)cur.n, (const char *)cur.p);
        q.cursor = S(keep);
    }
    assert_int_equal(total, 57);
    assert_int_equal(pages, 6);
    /* the same with q */
    query_init(&q);
    q.limit = 7;
    q.q = S("page");
    total = 0;
    for (;;) {
        size_t n = run_calls(f->r, &q, &g, &cur);
        total += n;
        if (!cur.n)
            break;
        static char keep2[64];
        snprintf(keep2, sizeof keep2, "%.*s", (int)cur.n, (const char *)cur.p);
        q.cursor = S(keep2);
    }
    assert_int_equal(total, 57);
    /* a bad cursor */
    query_init(&q);
    q.cursor = S("not-a-cursor");
    err_ctx e = { 0 };
    assert_int_equal(records_calls(f->r, &q, on_call, &g, &cur, &e), LOUPE_EINVAL);
    got_free(&g);
    buf_free(&cur);
}

static void test_fulltext(void **state)
{
    fx *f = *state;
    rec_call c[5];
    c[0] = mkcall(1, T0 + 1 * SEC, "a", "m", "[{\"role\":\"user\",\"content\":\"I want a refund for my broken kettle\"}]",
                  "Sorry about the kettle. A replacement is on the way.");
    c[1] = mkcall(2, T0 + 2 * SEC, "b", "m", "我想要退款，因为水壶坏了。", "好的，我们会处理您的退款申请。");
    c[2] = mkcall(3, T0 + 3 * SEC, "c", "m", "Recommend sights near 東京タワー please",
                  "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Zojoji temple is close by.\"}}]}");
    c[3] = mkcall(4, T0 + 4 * SEC, "d", "m", "Tell me about the refund policy", "Refunds are possible within 30 days.");
    c[4] = mkcall(5, T0 + 5 * SEC, "a", "m", "unrelated question about weather", "It is sunny.");
    write_batch(f->r, NULL, 0, c, 5, NULL, 0);
    assert_int_equal(count_q(f->r, "refund"), 2);
    assert_int_equal(count_q(f->r, "REFUND"), 2);
    assert_int_equal(count_q(f->r, "kettle replacement"), 1); /* prompt + completion */
    assert_int_equal(count_q(f->r, "refund replacement"), 1);
    assert_int_equal(count_q(f->r, "refund policy"), 1);
    assert_int_equal(count_q(f->r, "\"refund policy\""), 1);
    assert_int_equal(count_q(f->r, "\"policy refund\""), 0);
    assert_int_equal(count_q(f->r, "退款"), 1);
    assert_int_equal(count_q(f->r, "东京"), 0);
    assert_int_equal(count_q(f->r, "東京"), 1);
    assert_int_equal(count_q(f->r, "タワー"), 1);
    assert_int_equal(count_q(f->r, "水壶 退款"), 1);
    assert_int_equal(count_q(f->r, "退"), 1);
    assert_int_equal(count_q(f->r, "zojoji"), 1);
    assert_int_equal(count_q(f->r, "nonexistentword"), 0);
    assert_int_equal(count_q(f->r, "refund nonexistentword"), 0);
    /* stopwords are not indexed but still found, on the text */
    assert_int_equal(count_q(f->r, "the"), 2);
    assert_int_equal(count_q(f->r, "is"), 3);
    assert_int_equal(count_q(f->r, "the refund"), 2);
    assert_int_equal(count_q(f->r, "\"the refund\""), 1);
    assert_int_equal(count_q(f->r, "\"the kettle\""), 1);
    assert_int_equal(count_q(f->r, "\"a kettle\""), 0);
    /* combined with a filter */
    rec_call_query q;
    query_init(&q);
    q.q = S("refund");
    q.user_id = S("d");
    got g = { 0 };
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    assert_string_equal(g.user[0], "d");
    q.user_id = S("b");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 0);
    /* snippet and highlights */
    query_init(&q);
    q.q = S("kettle");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    assert_string_equal(g.snip[0], "I want a refund for my broken kettle");
    assert_int_equal(g.nhl[0], 1);
    assert_int_equal(g.hl[0][0][0], 30);
    assert_int_equal(g.hl[0][0][1], 36);
    assert_string_equal(g.pp[0], "I want a refund for my broken kettle");
    query_init(&q);
    q.q = S("退款");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    assert_string_equal(g.snip[0], "我想要退款，因为水壶坏了。");
    assert_int_equal(g.nhl[0], 1);
    assert_int_equal(g.hl[0][0][0], 3);
    assert_int_equal(g.hl[0][0][1], 5);
    query_init(&q);
    q.q = S("temple");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    assert_string_equal(g.cp[0], "Zojoji temple is close by.");
    err_ctx e = { 0 };
    query_init(&q);
    q.q = S("!!!");
    buf cur = BUF_INIT;
    assert_int_equal(records_calls(f->r, &q, on_call, &g, &cur, &e), LOUPE_EINVAL);
    buf_free(&cur);
    got_free(&g);
}

/* A call and its span share one row: a retried export replaces both, a
 * span can come after its call, calls without ids stay apart, and each
 * side keeps its own service / user / session / times. */
static void test_span_call_merge(void **state)
{
    fx *f = *state;
    rec_call c = mkcall(7, T0, "carol", "gpt-4o", "first prompt", "first answer");
    rec_span s;
    memset(&s, 0, sizeof s);
    memcpy(s.trace_id, c.trace_id, 16);
    memcpy(s.span_id, c.span_id, 8);
    s.service = S("edge");
    s.name = S("chat");
    s.start_ns = T0 - 5;
    s.end_ns = T0 + 3 * SEC;
    s.attrs_json = S("{\"k\":\"v1\"}");
    s.user_id = S("someone-else");
    write_batch(f->r, &s, 1, &c, 1, NULL, 0);
    /* the exporter retries with changed content */
    c.completion = S("second answer");
    s.attrs_json = S("{\"k\":\"v2\"}");
    rec_write_result res = write_batch(f->r, &s, 1, &c, 1, NULL, 0);
    assert_int_equal(res.spans, 1);
    assert_int_equal(res.calls, 1);
    records_stats st;
    records_get_stats(f->r, &st);
    assert_int_equal(st.spans, 1);
    assert_int_equal(st.calls, 1);
    assert_int_equal(count_q(f->r, "second"), 1);
    assert_int_equal(count_q(f->r, "\"first answer\""), 0); /* the old completion is gone */
    rec_call_query q;
    query_init(&q);
    got g = { 0 };
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    err_ctx e = { 0 };
    int64_t id = g.id[0];
    got_free(&g);
    assert_int_equal(records_call_get(f->r, id, on_call, &g, &e), 0);
    assert_true(slice_eq(buf_slice(&g.completion), S("second answer")));
    assert_true(slice_eq(buf_slice(&g.attrs), S("{\"k\":\"v2\"}")));
    assert_int_equal(g.last.start_ns, T0); /* the call's own times */
    assert_int_equal(g.last.end_ns, T0 + 2 * SEC);
    assert_string_equal(g.user[0], "carol");
    assert_string_equal(g.model[0], "gpt-4o");
    query_init(&q);
    q.user_id = S("carol"); /* calls by the call's user */
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    q.service = S("chat-api");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    spans_got sg = { 0 };
    assert_int_equal(records_trace_spans(f->r, s.trace_id, on_span, &sg, &e), 0);
    assert_int_equal(sg.n, 1);
    assert_string_equal(sg.fields[0][0], "edge");         /* the span's own service */
    assert_string_equal(sg.fields[0][8], "someone-else"); /* and user */
    assert_int_equal(sg.s[0].start_ns, T0 - 5);
    assert_int_equal(sg.s[0].end_ns, T0 + 3 * SEC);

    /* a call first, its span later: one row */
    rec_call c2 = mkcall(8, T0 + SEC, "dave", "m", "early call", "ok");
    write_batch(f->r, NULL, 0, &c2, 1, NULL, 0);
    rec_span s2;
    memset(&s2, 0, sizeof s2);
    memcpy(s2.trace_id, c2.trace_id, 16);
    memcpy(s2.span_id, c2.span_id, 8);
    s2.service = S("chat-api");
    s2.name = S("late span");
    s2.start_ns = c2.start_ns;
    s2.end_ns = c2.end_ns;
    s2.user_id = S("dave");
    write_batch(f->r, &s2, 1, NULL, 0, NULL, 0);
    records_get_stats(f->r, &st);
    assert_int_equal(st.spans, 2);
    assert_int_equal(st.calls, 2);
    query_init(&q);
    q.has_trace_id = 1;
    memcpy(q.trace_id, c2.trace_id, 16);
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    assert_string_equal(g.user[0], "dave");
    memset(&sg, 0, sizeof sg);
    assert_int_equal(records_trace_spans(f->r, s2.trace_id, on_span, &sg, &e), 0);
    assert_int_equal(sg.n, 1);
    assert_string_equal(sg.fields[0][1], "late span");

    /* calls without ids (from logs) never merge */
    rec_call c3[2] = { mkcall(9, T0 + 2 * SEC, "erin", "m", "log call one", "a"),
                       mkcall(10, T0 + 3 * SEC, "erin", "m", "log call two", "b") };
    memset(c3[0].trace_id, 0, 16);
    memset(c3[0].span_id, 0, 8);
    memset(c3[1].trace_id, 0, 16);
    memset(c3[1].span_id, 0, 8);
    write_batch(f->r, NULL, 0, c3, 2, NULL, 0);
    query_init(&q);
    q.user_id = S("erin");
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 2);
    records_get_stats(f->r, &st);
    assert_int_equal(st.calls, 4);
    assert_int_equal(st.spans, 2);
    got_free(&g);
}

/* Every search plan (rare word driving, newest-first scan, common words
 * listed newest first then probed, budget-limited pages) gives the same
 * calls in the same order. */
static void all_pages(records *r, const char *text, const char *user, int64_t *ids, size_t *n)
{
    rec_call_query q;
    query_init(&q);
    q.q = S(text);
    q.user_id = S(user);
    q.limit = 7;
    buf cur = BUF_INIT;
    char keep[64];
    got g = { 0 };
    *n = 0;
    for (int pages = 0; pages < 1000; pages++) {
        run_calls(r, &q, &g, &cur);
        for (size_t i = 0; i < g.n; i++)
            ids[(*n)++] = g.id[i];
        if (!cur.n)
            break;
        snprintf(keep, sizeof keep, "%.*s", (int)cur.n, (const char *)cur.p);
        q.cursor = S(keep);
    }
    got_free(&g);
    buf_free(&cur);
}

static void test_search_plans(void **state)
{
    fx *f = *state;
    static const char *const words[] = { "alpha", "bravo", "charlie", "delta", "echo" };
    enum { N = 240 };
    rec_call *c = calloc(N, sizeof *c);
    char (*p)[320] = calloc(N, 320), (*a)[200] = calloc(N, 200);
    for (int i = 0; i < N; i++) {
        /* every call: "common"; every 3rd "triple"; every 40th "rare"; a
         * shared system text on odd calls holds "sharedword" */
        snprintf(p[i], 320, "[{\"role\":\"system\",\"content\":\"%s\"},{\"role\":\"user\",\"content\":"
                 "\"question %d common %s%s about %s and more words to be long enough\"}]",
                 i % 2 ? "You are a helpful agent with a sharedword in the long system text." : "Short system.",
                 i, i % 3 ? "" : "triple ", i % 40 ? "" : "rare ", words[i % 5]);
        snprintf(a[i], 200, "answer %d for %s: common reply text%s", i, words[(i + 1) % 5], i % 7 ? "" : " seventh");
        c[i] = mkcall(1000 + i, T0 + (i / 2) * SEC, i % 4 ? "u1" : "u2", "m", p[i], a[i]);
    }
    /* blobs of more than 8 calls stop listing their calls (crowded): the
     * shared system texts here */
    size_t crowd = rec_tune_crowd;
    rec_tune_crowd = 8;
    write_batch(f->r, NULL, 0, c, N / 2, NULL, 0);
    write_batch(f->r, NULL, 0, c + N / 2, N - N / 2, NULL, 0);
    rec_tune_crowd = crowd;
    { /* the three kinds of links exist: one call, a few, crowded */
        char path[128];
        snprintf(path, sizeof path, "%s/records.db", f->dir);
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db,
                                            "SELECT sum(link > 0), sum(link < 0 AND link > ?1), sum(link <= ?1),"
                                            " (SELECT count(*) FROM call_blob) FROM blobs",
                                            -1, &st, NULL),
                         SQLITE_OK);
        sqlite3_bind_int64(st, 1, REC_LINK_CROWDED);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_true(sqlite3_column_int64(st, 0) > 200); /* user texts and answers */
        assert_true(sqlite3_column_int64(st, 2) >= 2);  /* the shared system texts */
        assert_true(sqlite3_column_int64(st, 3) < 60);  /* call_blob holds only the few shared */
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    const char *qs[] = { "common", "triple", "rare", "sharedword", "triple seventh", "alpha charlie", "\"common reply\"",
                         "sharedword rare", "question common", "nothinghere" };
    const char *users[] = { NULL, "u2" };
    size_t save[4] = { rec_tune_term_calls, rec_tune_count_blobs, rec_tune_common_blobs, rec_tune_scan_budget };
    int64_t want[N], got_ids[N];
    size_t nwant, ngot;
    for (size_t k = 0; k < sizeof qs / sizeof *qs; k++) {
        for (size_t u = 0; u < 2; u++) {
            rec_tune_term_calls = save[0], rec_tune_count_blobs = save[1], rec_tune_common_blobs = save[2],
            rec_tune_scan_budget = save[3];
            all_pages(f->r, qs[k], users[u], want, &nwant);
            for (size_t i = 1; i < nwant; i++)
                assert_true(want[i] < want[i - 1]); /* newest first (start, then id: ids grow with time here) */
            size_t tunes[4][4] = {
                { 1, 1024, 20000, 60000 },   /* never term mode: scans */
                { 100000, 1, 20000, 60000 }, /* term mode without counting */
                { 4096, 1024, 3, 60000 },    /* every group common: windows of 3 blobs, then probes */
                { 1, 1024, 3, 25 },          /* scans in small budgets: short pages, cursors */
            };
            for (int t = 0; t < 4; t++) {
                rec_tune_term_calls = tunes[t][0], rec_tune_count_blobs = tunes[t][1];
                rec_tune_common_blobs = tunes[t][2], rec_tune_scan_budget = tunes[t][3];
                all_pages(f->r, qs[k], users[u], got_ids, &ngot);
                if (ngot != nwant || memcmp(got_ids, want, nwant * sizeof *want))
                    fail_msg("q '%s' user %s tune %d: %zu calls, want %zu", qs[k], users[u] ? users[u] : "-", t, ngot,
                             nwant);
            }
        }
    }
    rec_tune_term_calls = save[0], rec_tune_count_blobs = save[1], rec_tune_common_blobs = save[2],
    rec_tune_scan_budget = save[3];
    /* and the counts are right */
    assert_int_equal(count_q(f->r, "rare"), N / 40);
    assert_int_equal(count_q(f->r, "triple seventh"), 12); /* i % 21 == 0 */
    assert_int_equal(count_q(f->r, "sharedword rare"), 0); /* rare calls are even */
    all_pages(f->r, "common", NULL, want, &nwant);
    assert_int_equal(nwant, N);
    free(c);
    free(p);
    free(a);
}

/* ------------------------------------------------------------ exact bytes and dedup */

static void make_system_prompt(buf *b, int variant)
{
    b->n = 0;
    buf_printf(b, "You are support assistant #%d for ACME Corp. ", variant);
    for (int i = 0; b->n < 2000; i++)
        buf_printf(b, "Rule %d: be polite, cite the \"policy\" section %d, never reveal secrets; ", i, i * 7 + variant);
}

static void json_escape(buf *out, slice s)
{
    for (size_t i = 0; i < s.n; i++) {
        uint8_t ch = s.p[i];
        if (ch == '"' || ch == '\\')
            buf_putc(out, '\\'), buf_putc(out, ch);
        else if (ch == '\n')
            buf_puts(out, "\\n");
        else
            buf_putc(out, ch);
    }
}

static void test_exact_and_dedup(void **state)
{
    fx *f = *state;
    buf sys = BUF_INIT, prompt[2] = { BUF_INIT, BUF_INIT }, msgs[2] = { BUF_INIT, BUF_INIT },
        attrs[2] = { BUF_INIT, BUF_INIT };
    make_system_prompt(&sys, 1);
    const char *user[2] = { "Where is my order #1234? It was due \"yesterday\".\nPlease check, thanks — ça urge!",
                            "Can I change the delivery address of order #5678 to 10 Downing Street, London?" };
    const char *compl[2] = { "Your order #1234 is on its way and should arrive tomorrow before noon.",
                             "Yes: the address of order #5678 is now 10 Downing Street, London." };
    rec_call c[2];
    rec_span s[2];
    records_stats st0, st1, st2;
    records_get_stats(f->r, &st0);
    for (int i = 0; i < 2; i++) {
        buf_puts(&prompt[i], "[{\"role\":\"system\",\"content\":\"");
        json_escape(&prompt[i], buf_slice(&sys));
        buf_puts(&prompt[i], "\"},{\"role\":\"user\",\"content\":\"");
        json_escape(&prompt[i], slice_cstr(user[i]));
        buf_puts(&prompt[i], "\"}]");
        buf_append(&msgs[i], prompt[i].p, prompt[i].n - 1);
        buf_puts(&msgs[i], ",{\"role\":\"assistant\",\"content\":\"");
        json_escape(&msgs[i], slice_cstr(compl[i]));
        buf_puts(&msgs[i], "\"}]");
        /* the span carries the same messages as a JSON string attribute */
        buf_puts(&attrs[i], "{\"gen_ai.system\":\"openai\",\"gen_ai.input.messages\":\"");
        buf esc = BUF_INIT;
        json_escape(&esc, buf_slice(&prompt[i]));
        buf_append(&attrs[i], esc.p, esc.n);
        buf_free(&esc);
        buf_printf(&attrs[i], "\",\"gen_ai.usage.input_tokens\":%d}", 500 + i);
        c[i] = mkcall(10 + i, T0 + i * SEC, "dedup", "gpt-4o", NULL, compl[i]);
        c[i].prompt = buf_slice(&prompt[i]);
        c[i].messages_json = buf_slice(&msgs[i]);
        memset(&s[i], 0, sizeof s[i]);
        memcpy(s[i].trace_id, c[i].trace_id, 16);
        memcpy(s[i].span_id, c[i].span_id, 8);
        s[i].service = S("chat-api");
        s[i].name = S("chat gpt-4o");
        s[i].start_ns = c[i].start_ns;
        s[i].end_ns = c[i].end_ns;
        s[i].attrs_json = buf_slice(&attrs[i]);
        write_batch(f->r, &s[i], 1, &c[i], 1, NULL, 0);
        records_get_stats(f->r, i ? &st2 : &st1);
    }
    /* the first call stores the system prompt, its user message and its
     * completion, and the shapes of its prompt, messages and attributes;
     * the copies in messages_json and inside the JSON-encoded span
     * attribute add nothing.  The second adds its two unique parts only. */
    assert_int_equal(st1.blobs - st0.blobs, 3 + 3);
    assert_int_equal(st2.blobs - st1.blobs, 2);
    assert_true(st1.blob_raw_bytes - st0.blob_raw_bytes >= sys.n + strlen(user[0]) + strlen(compl[0]));
    assert_true(st1.blob_raw_bytes - st0.blob_raw_bytes < sys.n + strlen(user[0]) + strlen(compl[0]) + 400);
    assert_int_equal(st2.blob_raw_bytes - st1.blob_raw_bytes, strlen(user[1]) + strlen(compl[1]));
    assert_true(st2.blob_bytes - st0.blob_bytes < st2.blob_raw_bytes - st0.blob_raw_bytes); /* compressed */
    /* byte-exact reading */
    rec_call_query q;
    query_init(&q);
    q.user_id = S("dedup");
    got g = { 0 };
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 2);
    int64_t ids[2] = { g.id[1], g.id[0] }; /* oldest first */
    assert_string_equal(g.pp[1], user[0]); /* the last message, decoded */
    assert_string_equal(g.cp[1], compl[0]);
    for (int i = 0; i < 2; i++) {
        err_ctx e = { 0 };
        got_free(&g);
        assert_int_equal(records_call_get(f->r, ids[i], on_call, &g, &e), 0);
        assert_true(slice_eq(buf_slice(&g.prompt), buf_slice(&prompt[i])));
        assert_true(slice_eq(buf_slice(&g.completion), slice_cstr(compl[i])));
        assert_true(slice_eq(buf_slice(&g.messages), buf_slice(&msgs[i])));
        assert_true(slice_eq(buf_slice(&g.attrs), buf_slice(&attrs[i])));
    }
    got_free(&g);
    /* the system prompt is searchable, both calls use it */
    assert_int_equal(count_q(f->r, "\"never reveal secrets\""), 2);
    assert_int_equal(count_q(f->r, "downing"), 1);
    buf_free(&sys);
    for (int i = 0; i < 2; i++) {
        buf_free(&prompt[i]);
        buf_free(&msgs[i]);
        buf_free(&attrs[i]);
    }
}

/* ------------------------------------------------------------ top */

typedef struct tops {
    size_t n;
    char key[16][32];
    rec_top_row row[16];
} tops;

static int on_top(void *ctx, const rec_top_row *row)
{
    tops *t = ctx;
    assert_true(t->n < 16);
    snprintf(t->key[t->n], 32, "%.*s", (int)row->key.n, row->key.p ? (const char *)row->key.p : "");
    t->row[t->n++] = *row;
    return 0;
}

static void test_top(void **state)
{
    fx *f = *state;
    rec_call c[6];
    c[0] = mkcall(1, T0 + 1, "alice", "gpt-4o", "p", "c");
    c[1] = mkcall(2, T0 + 2, "alice", "gpt-4o", "p", "c");
    c[2] = mkcall(3, T0 + 3, "bob", "claude", "p", "c");
    c[3] = mkcall(4, T0 + 4, "bob", "claude", "p", "c");
    c[4] = mkcall(5, T0 + 5, "bob", "llama", "p", "c");
    c[5] = mkcall(6, T0 + 6, NULL, "llama", "p", "c");
    double cost[6] = { 0.5, 0.25, 0.1, 0.1, NAN, NAN };
    int64_t in[6] = { 1000, 2000, 10, 20, 30000, 5 };
    for (int i = 0; i < 6; i++) {
        c[i].cost_usd = cost[i];
        c[i].input_tokens = in[i];
        c[i].output_tokens = 10;
        c[i].cached_input_tokens = i == 0 ? 100 : -1;
    }
    c[3].status = REC_STATUS_ERROR;
    write_batch(f->r, NULL, 0, c, 6, NULL, 0);
    tops t = { 0 };
    err_ctx e = { 0 };
    assert_int_equal(records_top(f->r, REC_BY_USER, "cost", T0, T0 + 10, S(NULL), S(NULL), 10, on_top, &t, &e), 0);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.key[0], "alice");
    assert_true(fabs(t.row[0].cost_usd - 0.75) < 1e-12);
    assert_int_equal(t.row[0].calls, 2);
    assert_int_equal(t.row[0].input_tokens, 3000);
    assert_int_equal(t.row[0].output_tokens, 20);
    assert_int_equal(t.row[0].cached_input_tokens, 100);
    assert_string_equal(t.key[1], "bob");
    assert_true(fabs(t.row[1].cost_usd - 0.2) < 1e-12);
    assert_int_equal(t.row[1].errors, 1);
    assert_int_equal(t.row[1].unpriced, 1);
    assert_string_equal(t.key[2], ""); /* the call without a user */
    memset(&t, 0, sizeof t);
    assert_int_equal(records_top(f->r, REC_BY_MODEL, "tokens", T0, T0 + 10, S(NULL), S(NULL), 2, on_top, &t, &e), 0);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.key[0], "llama");
    assert_int_equal(t.row[0].input_tokens + t.row[0].output_tokens, 30005 + 20);
    assert_string_equal(t.key[1], "gpt-4o");
    memset(&t, 0, sizeof t);
    assert_int_equal(records_top(f->r, REC_BY_USER, "calls", T0, T0 + 10, S("claude"), S(NULL), 10, on_top, &t, &e), 0);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.key[0], "bob");
    assert_int_equal(t.row[0].calls, 2);
    memset(&t, 0, sizeof t);
    assert_int_equal(records_top(f->r, REC_BY_USER, "calls", T0 + 3, T0 + 4, S(NULL), S(NULL), 10, on_top, &t, &e), 0);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.row[0].calls, 2);
    assert_int_equal(records_top(f->r, REC_BY_USER, "bogus", T0, T0 + 10, S(NULL), S(NULL), 10, on_top, &t, &e),
                     LOUPE_EINVAL);
}

/* ------------------------------------------------------------ traces, logs, services */

static rec_span mkspan(int trace, int span, const char *svc, const char *name, int64_t start, int64_t dur,
                       const char *attrs)
{
    rec_span s;
    memset(&s, 0, sizeof s);
    tid(s.trace_id, trace);
    sid(s.span_id, span);
    s.service = S(svc);
    s.name = S(name);
    s.kind = 1;
    s.start_ns = start;
    s.end_ns = start + dur;
    s.attrs_json = S(attrs);
    s.resource_json = S("{\"service.name\":\"x\",\"deployment.environment\":\"prod\"}");
    return s;
}

static size_t find(records *r, rec_trace_query *q, int *first_trace)
{
    uint8_t (*ids)[16] = NULL;
    size_t n = 0;
    err_ctx e = { 0 };
    int rc = records_find_traces(r, q, &ids, &n, &e);
    if (rc)
        fail_msg("records_find_traces: %d %s", rc, e.msg);
    if (first_trace)
        *first_trace = n ? ids[0][15] | ids[0][14] << 8 : -1;
    free(ids);
    return n;
}

static void test_find_traces(void **state)
{
    fx *f = *state;
    rec_span s[6];
    s[0] = mkspan(1, 1, "api", "GET /a", T0 + 1 * SEC, 100 * 1000000LL, "{\"http.status_code\":200,\"user\":\"ann\"}");
    s[1] = mkspan(1, 2, "db", "SELECT", T0 + 1 * SEC + 5, 5 * 1000000LL, "{\"db.system\":\"postgres\"}");
    s[2] = mkspan(2, 1, "api", "GET /b", T0 + 2 * SEC, 900 * 1000000LL, "{\"http.status_code\":500,\"retry\":true}");
    s[2].status_code = REC_STATUS_ERROR;
    s[3] = mkspan(3, 1, "api", "GET /a", T0 + 3 * SEC, 50 * 1000000LL, "{\"http.status_code\":200.0,\"user\":\"bo\"}");
    s[3].user_id = S("bo");
    s[3].session_id = S("sx");
    s[4] = mkspan(4, 1, "api", "GET /a", T0 + 4 * SEC, 10 * 1000000LL, "{\"nested\":{\"a\":1}}");
    s[5] = mkspan(5, 1, "worker", "job", T0 + 5 * SEC, 10 * 1000000LL, "");
    write_batch(f->r, s, 6, NULL, 0, NULL, 0);
    rec_trace_query q;
    memset(&q, 0, sizeof q);
    q.end_ns = INT64_MAX;
    q.limit = 20;
    int first;
    assert_int_equal(find(f->r, &q, &first), 5);
    assert_int_equal(first, 5); /* newest first */
    q.service = S("api");
    assert_int_equal(find(f->r, &q, &first), 4);
    assert_int_equal(first, 4);
    q.operation = S("GET /a");
    assert_int_equal(find(f->r, &q, &first), 3);
    rec_tag tags[2] = { { S("http.status_code"), S("200") }, { S("deployment.environment"), S("prod") } };
    q.tags = tags;
    q.ntags = 1;
    assert_int_equal(find(f->r, &q, &first), 2); /* 200 and 200.0 */
    assert_int_equal(first, 3);
    q.ntags = 2; /* the second from the resource */
    assert_int_equal(find(f->r, &q, &first), 2);
    tags[1].value = S("staging");
    assert_int_equal(find(f->r, &q, NULL), 0);
    q.operation = S(NULL);
    q.ntags = 1;
    tags[0] = (rec_tag){ S("retry"), S("true") };
    assert_int_equal(find(f->r, &q, &first), 1);
    assert_int_equal(first, 2);
    tags[0] = (rec_tag){ S("nested"), S("{\"a\":1}") };
    assert_int_equal(find(f->r, &q, &first), 1);
    assert_int_equal(first, 4);
    q.ntags = 0;
    q.errors_only = 1;
    assert_int_equal(find(f->r, &q, &first), 1);
    assert_int_equal(first, 2);
    q.errors_only = 0;
    q.min_duration_ns = 60 * 1000000LL;
    assert_int_equal(find(f->r, &q, NULL), 2);
    q.max_duration_ns = 500 * 1000000LL;
    assert_int_equal(find(f->r, &q, &first), 1);
    assert_int_equal(first, 1);
    memset(&q, 0, sizeof q);
    q.end_ns = INT64_MAX;
    q.user_id = S("bo");
    assert_int_equal(find(f->r, &q, &first), 1);
    assert_int_equal(first, 3);
    q.user_id = S(NULL);
    q.session_id = S("sx");
    assert_int_equal(find(f->r, &q, &first), 1);
    q.session_id = S(NULL);
    q.start_ns = T0 + 2 * SEC;
    q.end_ns = T0 + 3 * SEC;
    assert_int_equal(find(f->r, &q, NULL), 2);
    q.start_ns = 0;
    q.end_ns = INT64_MAX;
    q.limit = 2;
    assert_int_equal(find(f->r, &q, &first), 2);
    q.service = S("nope");
    assert_int_equal(find(f->r, &q, NULL), 0);
    /* no service, user or session: calls and other spans merge newest first */
    rec_span s7 = mkspan(7, 1, "api", "chat", T0 + 3 * SEC + SEC / 2, 10, "");
    rec_call c7 = mkcall(7, s7.start_ns, "zed", "m", "p", "c");
    memcpy(c7.trace_id, s7.trace_id, 16);
    memcpy(c7.span_id, s7.span_id, 8);
    write_batch(f->r, &s7, 1, &c7, 1, NULL, 0);
    memset(&q, 0, sizeof q);
    q.end_ns = INT64_MAX;
    q.limit = 4;
    uint8_t (*ids)[16] = NULL;
    size_t n = 0;
    err_ctx e = { 0 };
    assert_int_equal(records_find_traces(f->r, &q, &ids, &n, &e), 0);
    assert_int_equal(n, 4);
    int want[4] = { 5, 4, 7, 3 };
    for (int i = 0; i < 4; i++)
        assert_int_equal(ids[i][15], want[i]);
    free(ids);
}

typedef struct strs {
    size_t n;
    char s[16][64];
    int kind[16];
} strs;

static int on_str(void *ctx, slice s)
{
    strs *t = ctx;
    snprintf(t->s[t->n++], 64, "%.*s", (int)s.n, (const char *)s.p);
    return 0;
}

static int on_op(void *ctx, slice s, int kind)
{
    strs *t = ctx;
    t->kind[t->n] = kind;
    snprintf(t->s[t->n++], 64, "%.*s", (int)s.n, (const char *)s.p);
    return 0;
}

typedef struct logs_got {
    size_t n;
    char body[8][128];
    rec_log l[8];
} logs_got;

static int on_log(void *ctx, const rec_log *l)
{
    logs_got *g = ctx;
    g->l[g->n] = *l;
    snprintf(g->body[g->n++], 128, "%.*s|%.*s|%.*s|%.*s", (int)l->body.n, (const char *)l->body.p,
             (int)l->severity_text.n, (const char *)l->severity_text.p, (int)l->service.n, (const char *)l->service.p,
             (int)l->attrs_json.n, (const char *)l->attrs_json.p);
    return 0;
}

static void test_logs_services_ops(void **state)
{
    fx *f = *state;
    rec_span s[4] = { mkspan(1, 1, "web", "GET /", T0, 10, ""), mkspan(1, 2, "web", "GET /x", T0 + 1, 10, ""),
                      mkspan(2, 1, "auth", "login", T0 + 2, 10, ""), mkspan(2, 2, "web", "GET /", T0 + 3, 10, "") };
    s[1].kind = 2;
    rec_log l[3];
    memset(l, 0, sizeof l);
    for (int i = 0; i < 3; i++) {
        l[i].time_ns = T0 + 10 - i;
        l[i].observed_ns = T0 + 20;
        l[i].severity_number = 9 + i;
        l[i].severity_text = S("INFO");
        l[i].service = S("web");
        tid(l[i].trace_id, i < 2 ? 1 : 2);
        l[i].has_trace_id = 1;
    }
    l[0].body = S("first log line");
    l[1].body = S("{\"structured\":\"a body that is long enough to become a blob of its own\"}");
    l[1].attrs_json = S("{\"k\":\"v\"}");
    sid(l[1].span_id, 2);
    l[1].has_span_id = 1;
    l[2].body = S("other trace");
    rec_write_result res = write_batch(f->r, s, 4, NULL, 0, l, 3);
    assert_int_equal(res.logs, 3);
    logs_got g = { 0 };
    err_ctx e = { 0 };
    uint8_t t1[16];
    tid(t1, 1);
    assert_int_equal(records_trace_logs(f->r, t1, on_log, &g, &e), 0);
    assert_int_equal(g.n, 2);
    /* time order: l[1] (T0+9) before l[0] (T0+10) */
    assert_string_equal(g.body[0], "{\"structured\":\"a body that is long enough to become a blob of its own\"}|INFO|"
                                   "web|{\"k\":\"v\"}");
    assert_string_equal(g.body[1], "first log line|INFO|web|");
    assert_int_equal(g.l[0].severity_number, 10);
    assert_int_equal(g.l[0].has_span_id, 1);
    assert_int_equal(g.l[1].has_span_id, 0);
    assert_int_equal(g.l[0].observed_ns, T0 + 20);
    strs t = { 0 };
    assert_int_equal(records_services(f->r, on_str, &t, &e), 0);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.s[0], "auth");
    assert_string_equal(t.s[1], "web");
    memset(&t, 0, sizeof t);
    assert_int_equal(records_operations(f->r, S("web"), on_op, &t, &e), 0);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.s[0], "GET /");
    assert_int_equal(t.kind[0], 1);
    assert_string_equal(t.s[1], "GET /x");
    assert_int_equal(t.kind[1], 2);
    memset(&t, 0, sizeof t);
    assert_int_equal(records_operations(f->r, S("none"), on_op, &t, &e), 0);
    assert_int_equal(t.n, 0);
    records_stats st;
    records_get_stats(f->r, &st);
    assert_int_equal(st.spans, 4);
    assert_int_equal(st.logs, 3);
}

/* ------------------------------------------------------------ reopen, retention */

static void test_reopen(void **state)
{
    fx *f = *state;
    rec_call c = mkcall(1, T0, "persist", "m", "A durable prompt about giraffes", "Giraffes are tall.");
    rec_span s = mkspan(1, 1, "svc", "op", T0, 10, long_attrs);
    write_batch(f->r, &s, 1, &c, 1, NULL, 0);
    records_stats a, b;
    records_get_stats(f->r, &a);
    err_ctx e = { 0 };
    assert_int_equal(records_flush(f->r, &e), 0);
    reopen(f, 0);
    records_get_stats(f->r, &b);
    assert_int_equal(a.calls, b.calls);
    assert_int_equal(a.spans, b.spans);
    assert_int_equal(a.blobs, b.blobs);
    assert_int_equal(a.blob_bytes, b.blob_bytes);
    assert_int_equal(a.blob_raw_bytes, b.blob_raw_bytes);
    assert_int_equal(count_q(f->r, "giraffes"), 1);
    spans_got g = { 0 };
    assert_int_equal(records_trace_spans(f->r, s.trace_id, on_span, &g, &e), 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.attrs[0], long_attrs);
    /* the writer keeps working after reopen: the dictionary continues */
    rec_call c2 = mkcall(2, T0 + 1, "persist2", "m2", "Another prompt about zebras", "Zebras are striped.");
    write_batch(f->r, NULL, 0, &c2, 1, NULL, 0);
    rec_call_query q;
    query_init(&q);
    q.user_id = S("persist");
    got gg = { 0 };
    assert_int_equal(run_calls(f->r, &q, &gg, NULL), 1);
    assert_string_equal(gg.model[0], "m");
    q.user_id = S("persist2");
    assert_int_equal(run_calls(f->r, &q, &gg, NULL), 1);
    assert_string_equal(gg.model[0], "m2");
    got_free(&gg);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

static void test_retention(void **state)
{
    fx *f = *state;
    int64_t now = now_ns(), old = now - 40 * 86400 * SEC;
    const char *shared = "Shared system prompt text that both the old and the new call use, long enough.";
    const char *old_only = "An old completion mentioning aardvarks, which only the old call stores as a blob.";
    char p_old[512], p_new[512];
    snprintf(p_old, sizeof p_old, "[{\"role\":\"system\",\"content\":\"%s\"},{\"role\":\"user\",\"content\":\"old q\"}]",
             shared);
    snprintf(p_new, sizeof p_new, "[{\"role\":\"system\",\"content\":\"%s\"},{\"role\":\"user\",\"content\":\"new q\"}]",
             shared);
    rec_call c[2] = { mkcall(1, old, "u", "m", p_old, old_only),
                      mkcall(2, now, "u", "m", p_new, "A new completion about badgers and more badgers.") };
    rec_span s[2] = { mkspan(1, 1, "oldsvc", "op", old, 10, long_attrs), mkspan(2, 1, "svc", "op", now, 10, "") };
    rec_log l[2];
    memset(l, 0, sizeof l);
    l[0].time_ns = old;
    l[0].body = S("old log");
    l[1].time_ns = now;
    l[1].body = S("new log");
    write_batch(f->r, s, 2, c, 2, l, 2);
    /* a call that starts before its span, across the cutoff: the row goes
     * as a whole (by the earlier start), never the call's blobs alone */
    rec_call early = mkcall(3, now - 31 * 86400 * SEC, "u", "m", "prompt about wombats and their burrows, long enough",
                            "A completion about wombats that only this early call stores as a blob.");
    rec_span later = mkspan(3, 1, "svc", "op", now - 29 * 86400 * SEC, 10, "");
    memcpy(early.trace_id, later.trace_id, 16);
    memcpy(early.span_id, later.span_id, 8);
    write_batch(f->r, &later, 1, &early, 1, NULL, 0);
    records_stats a, b;
    records_get_stats(f->r, &a);
    assert_int_equal(a.calls, 3);
    assert_int_equal(count_q(f->r, "wombats"), 1);
    err_ctx e0 = { 0 };
    spans_got sg = { 0 };
    assert_int_equal(records_trace_spans(f->r, later.trace_id, on_span, &sg, &e0), 0);
    assert_int_equal(sg.n, 1);
    assert_int_equal(sg.s[0].start_ns, later.start_ns); /* the span keeps its own start */
    assert_int_equal(count_q(f->r, "aardvarks"), 1);
    reopen(f, 30);
    err_ctx e = { 0 };
    assert_int_equal(records_retain(f->r, 0, &e), 0);
    records_get_stats(f->r, &b);
    assert_int_equal(b.calls, 1);
    assert_int_equal(b.spans, 1);
    assert_int_equal(b.logs, 1);
    assert_true(b.blobs < a.blobs);
    assert_true(b.blob_raw_bytes < a.blob_raw_bytes);
    assert_int_equal(count_q(f->r, "aardvarks"), 0);
    assert_int_equal(count_q(f->r, "wombats"), 0);
    memset(&sg, 0, sizeof sg);
    assert_int_equal(records_trace_spans(f->r, later.trace_id, on_span, &sg, &e), 0);
    assert_int_equal(sg.n, 0);
    assert_int_equal(count_q(f->r, "badgers"), 1);
    assert_int_equal(count_q(f->r, "\"old and the new call\""), 1); /* the shared blob stays */
    strs t = { 0 };
    assert_int_equal(records_services(f->r, on_str, &t, &e), 0);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.s[0], "svc");
    /* a call older than the retention is not written any more */
    rec_call late = mkcall(3, old, "u", "m", "late", "late");
    rec_write_result res = write_batch(f->r, NULL, 0, &late, 1, NULL, 0);
    assert_int_equal(res.calls, 0);
    /* and the new call reads back whole */
    rec_call_query q;
    query_init(&q);
    got g = { 0 };
    assert_int_equal(run_calls(f->r, &q, &g, NULL), 1);
    int64_t id = g.id[0];
    got_free(&g);
    assert_int_equal(records_call_get(f->r, id, on_call, &g, &e), 0);
    assert_true(slice_eq(buf_slice(&g.prompt), slice_cstr(p_new)));
    got_free(&g);
    /* stats survive a reopen */
    reopen(f, 30);
    records_stats c2;
    records_get_stats(f->r, &c2);
    assert_int_equal(c2.blobs, b.blobs);
    assert_int_equal(c2.blob_bytes, b.blob_bytes);
    assert_int_equal(c2.calls, 1);
}

/* ------------------------------------------------------------ concurrency */

typedef struct wctx {
    records *r;
    int thread, ok, busy;
} wctx;

static void *writer_thread(void *arg)
{
    wctx *w = arg;
    char prompt[256], comp[128];
    for (int i = 0; i < 40; i++) {
        snprintf(prompt, sizeof prompt, "Thread %d asks question number %d about the shared topic of concurrency.",
                 w->thread, i);
        snprintf(comp, sizeof comp, "answer %d-%d", w->thread, i);
        rec_call c = mkcall(w->thread * 1000 + i, T0 + i, "conc", "m", prompt, comp);
        rec_span s = mkspan(w->thread * 1000 + i, 1, "conc", "op", T0 + i, 10, "");
        rec_batch b = { &s, 1, &c, 1, NULL, 0, NULL };
        rec_write_result res;
        err_ctx e = { 0 };
        int rc = records_write(w->r, &b, &res, &e);
        if (rc == 0 && res.calls == 1)
            w->ok++;
        else if (rc == LOUPE_EBUSY)
            w->busy++;
        else
            fail_msg("write: %d %s", rc, e.msg);
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    fx *f = *state;
    pthread_t th[8];
    wctx w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (wctx){ f->r, i + 1, 0, 0 };
        pthread_create(&th[i], NULL, writer_thread, &w[i]);
    }
    int ok = 0, busy = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
        busy += w[i].busy;
    }
    assert_int_equal(ok + busy, 320);
    records_stats st;
    records_get_stats(f->r, &st);
    assert_int_equal(st.calls, (uint64_t)ok);
    assert_int_equal(st.spans, (uint64_t)ok);
    assert_true(st.commits <= st.batches);
    assert_int_equal(count_q(f->r, "concurrency"), (size_t)(ok < 100 ? ok : 100));
}

static void test_queue_limit(void **state)
{
    fx *f = *state;
    records_close(f->r);
    records_opts o;
    records_opts_default(&o);
    o.dir = f->dir;
    o.max_pending_bytes = 1; /* any second queued request is refused */
    err_ctx e = { 0 };
    assert_int_equal(records_open(&o, &f->r, &e), 0);
    pthread_t th[8];
    wctx w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (wctx){ f->r, i + 1, 0, 0 };
        pthread_create(&th[i], NULL, writer_thread, &w[i]);
    }
    int ok = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
    }
    records_stats st;
    records_get_stats(f->r, &st);
    assert_int_equal(st.calls, (uint64_t)ok); /* refused requests leave nothing behind */
    assert_true(ok > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_span_roundtrip_and_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fulltext, setup, teardown),
        cmocka_unit_test_setup_teardown(test_span_call_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_plans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exact_and_dedup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_top, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_traces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs_services_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_limit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
