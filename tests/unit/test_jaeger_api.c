/* test_jaeger_api.c - the Jaeger query API (query/jaeger_api.h) over a real
 * records store in a temp directory: services, operations, a 3-span trace
 * in Jaeger's JSON (references, µs times, typed tags, processes, span
 * logs), trace search with tags / durations / limit / lookback, errors; and
 * Go's duration syntax. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "query/jaeger_api.h"
#include "util/timeparse.h"

#include <cjson/cJSON.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000LL

/* ------------------------------------------------------------ fixture */

static char g_dir[64];
static records *g_rec;
static jaeger_api_ctx g_ctx;
static int64_t T0; /* an hour ago, whole milliseconds, in ns */

/* Trace ids: T1 a full 128-bit id, T2 a short one (Jaeger pads), T3. */
static const uint8_t T1[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t T2[16] = { [14] = 0x0a, [15] = 0xbc };
static const uint8_t T3[16] = { 0xff, [15] = 3 };
#define T1HEX "0102030405060708090a0b0c0d0e0f10"
#define T2HEX "00000000000000000000000000000abc"
#define T3HEX "ff000000000000000000000000000003"
static const uint8_t R[8] = { 0xaa, 0, 0, 0, 0, 0, 0, 1 }, C1[8] = { 0xaa, 0, 0, 0, 0, 0, 0, 2 },
                     C2[8] = { 0xaa, 0, 0, 0, 0, 0, 0, 3 }, H[8] = { 0xbb, 0, 0, 0, 0, 0, 0, 1 },
                     J[8] = { 0xcc, 0, 0, 0, 0, 0, 0, 1 };

#define FRONT_RES "{\"service.name\":\"frontend\",\"host.name\":\"h1\",\"k8s.pod.count\":3}"

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static rec_span span(const uint8_t tid[16], const uint8_t sid[8], const uint8_t *parent, const char *svc,
                     const char *res, const char *name, int kind, int64_t start, int64_t end)
{
    rec_span s;
    memset(&s, 0, sizeof s);
    memcpy(s.trace_id, tid, 16);
    memcpy(s.span_id, sid, 8);
    if (parent) {
        memcpy(s.parent_id, parent, 8);
        s.has_parent = 1;
    }
    s.service = slice_cstr(svc);
    s.resource_json = slice_cstr(res);
    s.name = slice_cstr(name);
    s.kind = kind;
    s.start_ns = start;
    s.end_ns = end;
    return s;
}

static int setup(void **state)
{
    (void)state;
    T0 = (now_ms() - 3600 * 1000) * MS;
    snprintf(g_dir, sizeof g_dir, "/tmp/loupe-test-jaeger-XXXXXX");
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

    rec_span sp[6];
    sp[0] = span(T1, R, NULL, "frontend", FRONT_RES, "GET /chat", 2, T0, T0 + 250 * MS);
    sp[0].status_code = REC_STATUS_OK;
    sp[0].attrs_json = slice_cstr("{\"http.method\":\"GET\",\"http.status_code\":200,\"sampled\":true,"
                                  "\"ratio\":0.5,\"list\":[1,\"a\"],\"quote\":\"say \\\"hi\\\"\"}");
    sp[0].scope_name = slice_cstr("io.test");
    sp[0].scope_version = slice_cstr("1.2");
    sp[1] = span(T1, C1, R, "llm-gw", "{\"service.name\":\"llm-gw\"}", "chat gpt-4o", 3, T0 + 10 * MS,
                 T0 + 210 * MS + 1500); /* 200.0015 ms: 200001 µs */
    sp[1].status_code = REC_STATUS_ERROR;
    sp[1].status_message = slice_cstr("rate limited");
    sp[1].attrs_json = slice_cstr("{\"llm.model\":\"gpt-4o\",\"llm.user_id\":\"u1\"}");
    char ev[200];
    snprintf(ev, sizeof ev, "[{\"time_unix_nano\":%lld,\"name\":\"retry\",\"attributes\":{\"attempt\":2}}]",
             (long long)(T0 + 50 * MS));
    sp[1].events_json = slice_cstr(ev);
    sp[1].user_id = slice_cstr("u1");
    sp[2] = span(T1, C2, R, "frontend", FRONT_RES, "db query", 1, T0 + 220 * MS, T0 + 240 * MS);
    sp[2].links_json = slice_cstr("[{\"trace_id\":\"" T3HEX "\",\"span_id\":\"cc00000000000001\",\"attributes\":{}}]");
    sp[3] = span(T2, H, NULL, "frontend", FRONT_RES, "GET /health", 2, T0 + 1000 * MS, T0 + 1005 * MS);
    sp[3].attrs_json = slice_cstr("{\"http.method\":\"HEAD\"}");
    sp[4] = span(T3, J, NULL, "batch", "{\"service.name\":\"batch\"}", "job", 0, T0 + 2000 * MS, T0 + 4000 * MS);
    sp[4].attrs_json = slice_cstr("{\"job.kind\":\"nightly\"}");

    rec_log lg[2];
    memset(lg, 0, sizeof lg);
    lg[0].time_ns = T0 + 60 * MS;
    lg[0].severity_number = 17;
    lg[0].body = slice_cstr("upstream 429");
    lg[0].attrs_json = slice_cstr("{\"retry.after\":\"2s\"}");
    lg[0].service = slice_cstr("llm-gw");
    memcpy(lg[0].trace_id, T1, 16);
    memcpy(lg[0].span_id, C1, 8);
    lg[0].has_trace_id = lg[0].has_span_id = 1;
    lg[1].time_ns = 0;
    lg[1].observed_ns = T0 + 5 * MS;
    lg[1].severity_text = slice_cstr("Information");
    lg[1].severity_number = 9;
    lg[1].body = slice_cstr("no span");
    lg[1].event_name = slice_cstr("app.start");
    lg[1].service = slice_cstr("frontend");
    memcpy(lg[1].trace_id, T1, 16);
    lg[1].has_trace_id = 1;

    rec_batch b = { sp, 5, NULL, 0, lg, 2, NULL };
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

/* Calls fn with the query string and path rest; asserts the status and
 * returns the parsed body (the caller deletes it). */
static cJSON *get(http_handler fn, const char *query, const char *rest, int want_status)
{
    http_req req;
    http_resp resp;
    memset(&req, 0, sizeof req);
    memset(&resp, 0, sizeof resp);
    req.method = "GET";
    req.path = "/api/x";
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

/* The envelope of a success: data array, total = its length. */
static cJSON *data_of(cJSON *j)
{
    cJSON *d = item(j, "data");
    assert_true(cJSON_IsArray(d));
    assert_int_equal((int)num(j, "total"), cJSON_GetArraySize(d));
    assert_int_equal((int)num(j, "limit"), 0);
    assert_int_equal((int)num(j, "offset"), 0);
    assert_true(cJSON_IsNull(item(j, "errors")));
    return d;
}

/* The strings of an array joined with '|'. */
static void strs_are(const cJSON *arr, const char *want)
{
    char got[1024] = "";
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        assert_true(cJSON_IsString(it));
        size_t n = strlen(got);
        snprintf(got + n, sizeof got - n, "%s%s", n ? "|" : "", it->valuestring);
    }
    assert_string_equal(got, want);
}

static void error_is(cJSON *j, int code, const char *msg_part)
{
    assert_true(cJSON_IsNull(item(j, "data")));
    assert_int_equal((int)num(j, "total"), 0);
    cJSON *errs = item(j, "errors");
    assert_int_equal(cJSON_GetArraySize(errs), 1);
    cJSON *e0 = cJSON_GetArrayItem(errs, 0);
    assert_int_equal((int)num(e0, "code"), code);
    if (!strstr(str(e0, "msg"), msg_part))
        fail_msg("error %s lacks %s", str(e0, "msg"), msg_part);
}

/* The tag `key` of a tag list; NULL if absent. */
static const cJSON *tag(const cJSON *tags, const char *key)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, tags) if (strcmp(str(t, "key"), key) == 0) return t;
    return NULL;
}

static void tag_is(const cJSON *tags, const char *key, const char *type, const char *json_value)
{
    const cJSON *t = tag(tags, key);
    if (!t)
        fail_msg("no tag %s", key);
    assert_string_equal(str(t, "type"), type);
    char *v = cJSON_PrintUnformatted(item(t, "value"));
    if (strcmp(v, json_value) != 0)
        fail_msg("tag %s = %s, want %s", key, v, json_value);
    free(v);
}

static const cJSON *span_named(const cJSON *trace, const char *name)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, item(trace, "spans")) if (strcmp(str(s, "operationName"), name) == 0) return s;
    fail_msg("no span %s", name);
    return NULL;
}

/* Trace ids of a search answer, joined with '|'. */
static void found_is(const char *query, const char *want)
{
    cJSON *j = get(jaeger_find_traces, query, NULL, 200);
    cJSON *d = data_of(j);
    char got[512] = "";
    const cJSON *t;
    cJSON_ArrayForEach(t, d)
    {
        size_t n = strlen(got);
        snprintf(got + n, sizeof got - n, "%s%s", n ? "|" : "", str(t, "traceID"));
    }
    if (strcmp(got, want) != 0)
        fail_msg("?%s found %s, want %s", query, got, want);
    cJSON_Delete(j);
}

/* ------------------------------------------------------------ tests */

static void test_services_operations(void **state)
{
    (void)state;
    cJSON *j = get(jaeger_services, NULL, NULL, 200);
    strs_are(data_of(j), "batch|frontend|llm-gw");
    cJSON_Delete(j);

    j = get(jaeger_operations, NULL, "frontend/operations", 200);
    strs_are(data_of(j), "GET /chat|GET /health|db query");
    cJSON_Delete(j);
    j = get(jaeger_operations, NULL, "llm%2Dgw/operations", 200); /* percent-decoded */
    strs_are(data_of(j), "chat gpt-4o");
    cJSON_Delete(j);
    j = get(jaeger_operations, NULL, "nosuch/operations", 200);
    strs_are(data_of(j), "");
    cJSON_Delete(j);
    j = get(jaeger_operations, NULL, "frontend/bogus", 404);
    cJSON_Delete(j);

    j = get(jaeger_operations_v2, "service=frontend&spanKind=server", NULL, 200);
    cJSON *d = data_of(j);
    assert_int_equal(cJSON_GetArraySize(d), 2);
    assert_string_equal(str(cJSON_GetArrayItem(d, 0), "name"), "GET /chat");
    assert_string_equal(str(cJSON_GetArrayItem(d, 0), "spanKind"), "server");
    assert_string_equal(str(cJSON_GetArrayItem(d, 1), "name"), "GET /health");
    cJSON_Delete(j);
    j = get(jaeger_operations_v2, "service=frontend", NULL, 200);
    assert_int_equal(cJSON_GetArraySize(data_of(j)), 3);
    cJSON_Delete(j);
    j = get(jaeger_operations_v2, "service=batch", NULL, 200);
    assert_string_equal(str(cJSON_GetArrayItem(data_of(j), 0), "spanKind"), ""); /* unspecified */
    cJSON_Delete(j);
    error_is(j = get(jaeger_operations_v2, "spanKind=server", NULL, 400), 400, "service");
    cJSON_Delete(j);
    error_is(j = get(jaeger_operations_v2, "service=frontend&spanKind=weird", NULL, 400), 400, "span kind");
    cJSON_Delete(j);

    j = get(jaeger_dependencies, NULL, NULL, 200);
    assert_int_equal(cJSON_GetArraySize(data_of(j)), 0);
    cJSON_Delete(j);
}

static void test_trace_by_id(void **state)
{
    (void)state;
    cJSON *j = get(jaeger_trace, NULL, T1HEX, 200);
    cJSON *d = data_of(j);
    assert_int_equal(cJSON_GetArraySize(d), 1);
    cJSON *t = cJSON_GetArrayItem(d, 0);
    assert_string_equal(str(t, "traceID"), T1HEX);
    assert_true(cJSON_IsNull(item(t, "warnings")));
    assert_int_equal(cJSON_GetArraySize(item(t, "spans")), 3);

    /* processes: frontend (with its resource attributes minus service.name) and llm-gw */
    cJSON *procs = item(t, "processes");
    assert_int_equal(cJSON_GetArraySize(procs), 2);
    const cJSON *root = span_named(t, "GET /chat"), *c1 = span_named(t, "chat gpt-4o"),
                *c2 = span_named(t, "db query");
    cJSON *p_front = item(procs, str(root, "processID")), *p_llm = item(procs, str(c1, "processID"));
    assert_string_equal(str(root, "processID"), str(c2, "processID"));
    assert_string_equal(str(p_front, "serviceName"), "frontend");
    assert_string_equal(str(p_llm, "serviceName"), "llm-gw");
    cJSON *ptags = item(p_front, "tags");
    assert_int_equal(cJSON_GetArraySize(ptags), 2);
    assert_null(tag(ptags, "service.name"));
    tag_is(ptags, "host.name", "string", "\"h1\"");
    tag_is(ptags, "k8s.pod.count", "int64", "3");
    assert_int_equal(cJSON_GetArraySize(item(p_llm, "tags")), 0);

    /* root: no references, µs times, typed tags */
    assert_string_equal(str(root, "traceID"), T1HEX);
    assert_string_equal(str(root, "spanID"), "aa00000000000001");
    assert_int_equal(cJSON_GetArraySize(item(root, "references")), 0);
    assert_true(num(root, "startTime") == (double)(T0 / 1000));
    assert_int_equal((int64_t)num(root, "duration"), 250000);
    assert_int_equal((int)num(root, "flags"), 1);
    assert_true(cJSON_IsNull(item(root, "warnings")));
    cJSON *rt = item(root, "tags");
    tag_is(rt, "http.method", "string", "\"GET\"");
    tag_is(rt, "http.status_code", "int64", "200");
    tag_is(rt, "sampled", "bool", "true");
    tag_is(rt, "ratio", "float64", "0.5");
    tag_is(rt, "list", "string", "\"[1,\\\"a\\\"]\"");
    tag_is(rt, "quote", "string", "\"say \\\"hi\\\"\"");
    tag_is(rt, "span.kind", "string", "\"server\"");
    tag_is(rt, "otel.status_code", "string", "\"OK\"");
    tag_is(rt, "otel.scope.name", "string", "\"io.test\"");
    tag_is(rt, "otel.scope.version", "string", "\"1.2\"");
    assert_null(tag(rt, "error"));

    /* the log record without a span lands on the root span */
    cJSON *rl = item(root, "logs");
    assert_int_equal(cJSON_GetArraySize(rl), 1);
    cJSON *l0 = cJSON_GetArrayItem(rl, 0);
    assert_true(num(l0, "timestamp") == (double)((T0 + 5 * MS) / 1000));
    tag_is(item(l0, "fields"), "event", "string", "\"app.start\"");
    tag_is(item(l0, "fields"), "severity", "string", "\"Information\"");
    tag_is(item(l0, "fields"), "body", "string", "\"no span\"");

    /* child 1: CHILD_OF the root, error status, an event and a log record in time order */
    cJSON *refs = item(c1, "references");
    assert_int_equal(cJSON_GetArraySize(refs), 1);
    cJSON *r0 = cJSON_GetArrayItem(refs, 0);
    assert_string_equal(str(r0, "refType"), "CHILD_OF");
    assert_string_equal(str(r0, "traceID"), T1HEX);
    assert_string_equal(str(r0, "spanID"), "aa00000000000001");
    assert_true(num(c1, "startTime") == (double)((T0 + 10 * MS) / 1000));
    assert_int_equal((int64_t)num(c1, "duration"), 200001);
    cJSON *ct = item(c1, "tags");
    tag_is(ct, "span.kind", "string", "\"client\"");
    tag_is(ct, "error", "bool", "true");
    tag_is(ct, "otel.status_code", "string", "\"ERROR\"");
    tag_is(ct, "otel.status_description", "string", "\"rate limited\"");
    tag_is(ct, "llm.model", "string", "\"gpt-4o\"");
    assert_null(tag(ct, "otel.scope.name"));
    cJSON *cl = item(c1, "logs");
    assert_int_equal(cJSON_GetArraySize(cl), 2);
    cJSON *ev = cJSON_GetArrayItem(cl, 0), *lr = cJSON_GetArrayItem(cl, 1);
    assert_true(num(ev, "timestamp") == (double)((T0 + 50 * MS) / 1000));
    tag_is(item(ev, "fields"), "event", "string", "\"retry\"");
    tag_is(item(ev, "fields"), "attempt", "int64", "2");
    assert_true(num(lr, "timestamp") == (double)((T0 + 60 * MS) / 1000));
    tag_is(item(lr, "fields"), "severity", "string", "\"ERROR\""); /* from severity_number 17 */
    tag_is(item(lr, "fields"), "body", "string", "\"upstream 429\"");
    tag_is(item(lr, "fields"), "retry.after", "string", "\"2s\"");
    assert_null(tag(item(lr, "fields"), "event"));

    /* child 2: CHILD_OF plus its link as FOLLOWS_FROM; internal kind */
    refs = item(c2, "references");
    assert_int_equal(cJSON_GetArraySize(refs), 2);
    assert_string_equal(str(cJSON_GetArrayItem(refs, 0), "refType"), "CHILD_OF");
    cJSON *r1 = cJSON_GetArrayItem(refs, 1);
    assert_string_equal(str(r1, "refType"), "FOLLOWS_FROM");
    assert_string_equal(str(r1, "traceID"), T3HEX);
    assert_string_equal(str(r1, "spanID"), "cc00000000000001");
    tag_is(item(c2, "tags"), "span.kind", "string", "\"internal\"");
    assert_null(tag(item(c2, "tags"), "otel.status_code")); /* unset status */
    assert_int_equal(cJSON_GetArraySize(item(c2, "logs")), 0);
    cJSON_Delete(j);

    /* a short id is left-padded; upper case is fine; a trailing slash too */
    j = get(jaeger_trace, NULL, "ABC", 200);
    assert_string_equal(str(cJSON_GetArrayItem(data_of(j), 0), "traceID"), T2HEX);
    cJSON_Delete(j);
    j = get(jaeger_trace, NULL, T3HEX "/", 200);
    assert_int_equal(cJSON_GetArraySize(data_of(j)), 1);
    cJSON_Delete(j);

    error_is(j = get(jaeger_trace, NULL, "0123456789abcdef", 404), 404, "trace not found");
    cJSON_Delete(j);
    error_is(j = get(jaeger_trace, NULL, "xyz", 400), 400, "traceID");
    cJSON_Delete(j);
    error_is(j = get(jaeger_trace, NULL, T1HEX "00", 400), 400, "traceID");
    cJSON_Delete(j);
}

static void test_find(void **state)
{
    (void)state;
    char q[512];
    long long s = (long long)(T0 / 1000 - 1000000), e = (long long)(T0 / 1000 + 10000000);
#define Q(...) (snprintf(q, sizeof q, __VA_ARGS__), q)
    /* newest first */
    found_is(Q("service=frontend&start=%lld&end=%lld", s, e), T2HEX "|" T1HEX);
    found_is(Q("service=frontend&start=%lld&end=%lld&limit=1", s, e), T2HEX);
    found_is(Q("service=frontend&operation=db+query&start=%lld&end=%lld", s, e), T1HEX);
    found_is(Q("service=frontend&start=%lld&end=%lld&minDuration=100ms", s, e), T1HEX);
    found_is(Q("service=frontend&start=%lld&end=%lld&maxDuration=10ms", s, e), T2HEX);
    found_is(Q("service=frontend&start=%lld&end=%lld&minDuration=1ms&maxDuration=0.03s", s, e), T2HEX "|" T1HEX);
    /* only a window around T2 */
    found_is(Q("service=frontend&start=%lld&end=%lld", (long long)(T0 / 1000 + 900000),
               (long long)(T0 / 1000 + 1100000)),
             T2HEX);
    /* tags: Jaeger's JSON map, the UI's logfmt, tag=k:v, error=true */
    found_is(Q("service=frontend&start=%lld&end=%lld&tags=%%7B%%22http.method%%22%%3A%%22GET%%22%%7D", s, e), T1HEX);
    found_is(Q("service=frontend&start=%lld&end=%lld&tags=http.method%%3DHEAD", s, e), T2HEX);
    found_is(Q("service=frontend&start=%lld&end=%lld&tags=http.method%%3D%%22GET%%22+sampled%%3Dtrue", s, e), T1HEX);
    found_is(Q("service=frontend&start=%lld&end=%lld&tag=http.method:GET", s, e), T1HEX);
    found_is(Q("service=frontend&start=%lld&end=%lld&tags=%%7B%%22http.status_code%%22%%3A%%22200%%22%%7D", s, e),
             T1HEX);
    found_is(Q("service=llm-gw&start=%lld&end=%lld&tags=%%7B%%22error%%22%%3A%%22true%%22%%7D", s, e), T1HEX);
    found_is(Q("service=frontend&start=%lld&end=%lld&tags=%%7B%%22error%%22%%3Atrue%%7D", s, e), "");
    found_is(Q("service=batch&start=%lld&end=%lld&tags=job.kind%%3Dnightly", s, e), T3HEX);
    found_is(Q("service=batch&start=%lld&end=%lld&tags=job.kind%%3Ddaily", s, e), "");
    /* loupe's extension: by user id, any service */
    found_is(Q("user_id=u1&start=%lld&end=%lld", s, e), T1HEX);
    /* default window: the last 2 days; lookback narrows it */
    found_is("service=batch", T3HEX);
    found_is("service=batch&lookback=2h", T3HEX);
    found_is("service=batch&lookback=30m", "");
    found_is("service=batch&lookback=custom", T3HEX);
    /* traceID= fetches those traces */
    found_is("traceID=" T3HEX "&traceID=abc&traceID=1234", T3HEX "|" T2HEX);
    /* every trace found is whole: all its spans, not just the matching ones */
    cJSON *j = get(jaeger_find_traces, Q("service=llm-gw&start=%lld&end=%lld", s, e), NULL, 200);
    assert_int_equal(cJSON_GetArraySize(item(cJSON_GetArrayItem(data_of(j), 0), "spans")), 3);
    cJSON_Delete(j);
    /* an empty path rest on /api/traces/ is a search */
    j = get(jaeger_trace, "service=batch", "", 200);
    assert_int_equal(cJSON_GetArraySize(data_of(j)), 1);
    cJSON_Delete(j);

    static const struct {
        const char *q, *msg;
    } bad[] = {
        { "service=frontend&minDuration=abc", "minDuration" },
        { "service=frontend&maxDuration=1d", "maxDuration" },
        { "service=frontend&minDuration=2s&maxDuration=1s", "maxDuration" },
        { "service=frontend&limit=x", "limit" },
        { "service=frontend&limit=-1", "limit" },
        { "service=frontend&start=yesterday", "start" },
        { "service=frontend&end=1.5", "end" },
        { "service=frontend&start=2000&end=1000", "end" },
        { "service=frontend&lookback=soon", "lookback" },
        { "service=frontend&tags=%7Bbad", "tags" },
        { "service=frontend&tags=%7B%22a%22%3Anull%7D", "tags" },
        { "service=frontend&tags=a%3D%22open", "tags" },
        { "service=frontend&tag=nocolon", "tag" },
        { "traceID=xyz", "traceID" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = get(jaeger_find_traces, bad[i].q, NULL, 400);
        error_is(j, 400, bad[i].msg);
        cJSON_Delete(j);
    }
    /* bounded inputs */
    char big[1200 + 64];
    memset(big, 'a', sizeof big);
    memcpy(big, "service=", 8);
    big[sizeof big - 1] = 0;
    error_is(j = get(jaeger_find_traces, big, NULL, 400), 400, "service");
    cJSON_Delete(j);
#undef Q
}

/* The limits of jaeger_api_ctx: spans per trace, bytes per search. */
static void test_limits(void **state)
{
    (void)state;
    jaeger_api_ctx small = { g_rec, 2, 0 };
    jaeger_api_ctx saved = g_ctx;
    g_ctx = small;
    cJSON *j = get(jaeger_trace, NULL, T1HEX, 200);
    cJSON *t = cJSON_GetArrayItem(data_of(j), 0);
    assert_int_equal(cJSON_GetArraySize(item(t, "spans")), 2);
    cJSON *w = item(t, "warnings");
    assert_int_equal(cJSON_GetArraySize(w), 1);
    assert_non_null(strstr(cJSON_GetArrayItem(w, 0)->valuestring, "truncated"));
    cJSON_Delete(j);
    /* a search stops adding traces past the response budget, but answers one */
    jaeger_api_ctx tiny = { g_rec, 0, 100 };
    g_ctx = tiny;
    j = get(jaeger_find_traces, "service=frontend", NULL, 200);
    assert_int_equal(cJSON_GetArraySize(data_of(j)), 1);
    cJSON_Delete(j);
    g_ctx = saved;
}

/* ------------------------------------------------------------ durations */

static void dur_is(const char *s, int64_t want)
{
    int64_t ns = -12345;
    if (jaeger_parse_duration_ns(slice_cstr(s), &ns) != 0)
        fail_msg("ParseDuration(%s) failed", s);
    if (ns != want)
        fail_msg("ParseDuration(%s) = %lld, want %lld", s, (long long)ns, (long long)want);
}

static void test_duration(void **state)
{
    (void)state;
    dur_is("0", 0);
    dur_is("1.2s", 1200000000);
    dur_is("100ms", 100000000);
    dur_is("500us", 500000);
    dur_is("500\xc2\xb5s", 500000);
    dur_is("500\xce\xbcs", 500000);
    dur_is("7ns", 7);
    dur_is("1h30m", 5400000000000LL);
    dur_is("1h2m3.5s", 3723500000000LL);
    dur_is("-2m", -120000000000LL);
    dur_is("+5s", 5000000000LL);
    dur_is(".5s", 500000000);
    dur_is("1.s", 1000000000);
    const char *badv[] = { "", "1", "s", "1d", "1.2.3s", "abc", "-", "1s2", "5 s", "9999999999999h" };
    int64_t ns;
    for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++)
        if (jaeger_parse_duration_ns(slice_cstr(badv[i]), &ns) == 0)
            fail_msg("accepted duration %s", badv[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_services_operations),
        cmocka_unit_test(test_trace_by_id),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
