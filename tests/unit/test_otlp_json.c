/* test_otlp_json.c - OTLP/JSON decoding (ingest/otlp.h): camelCase and
 * snake_case names, integers as strings and numbers, enum names, hex ids,
 * the errors with their exact messages; and the value helpers
 * (otlp_value_json, otlp_attrs_json, otlp_value_text, otlp_attrs_get). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/otlp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static arena *A;
static err_ctx E;
static otlp_limits L;

static int setup(void **state)
{
    (void)state;
    A = arena_create(4096);
    otlp_limits_default(&L);
    err_clear(&E);
    return A ? 0 : -1;
}
static int teardown(void **state)
{
    (void)state;
    arena_destroy(A);
    return 0;
}

/* The decoders get an exact-size copy (ASan sees reads past the body),
 * freed at once: nothing decoded may point into it. */
static slice copy(const char *json, uint8_t **mem)
{
    size_t n = strlen(json);
    *mem = malloc(n ? n : 1);
    memcpy(*mem, json, n);
    return slice_make(*mem, n);
}
static int traces(const char *json, otlp_traces *t)
{
    uint8_t *m;
    err_clear(&E);
    int rc = otlp_decode_traces_json(copy(json, &m), &L, A, t, &E);
    free(m);
    return rc;
}
static int metrics(const char *json, otlp_metrics *o)
{
    uint8_t *m;
    err_clear(&E);
    int rc = otlp_decode_metrics_json(copy(json, &m), &L, A, o, &E);
    free(m);
    return rc;
}
static int logs(const char *json, otlp_logs *o)
{
    uint8_t *m;
    err_clear(&E);
    int rc = otlp_decode_logs_json(copy(json, &m), &L, A, o, &E);
    free(m);
    return rc;
}

#define assert_slice(s, lit)                                                                                        \
    do {                                                                                                           \
        slice s_ = (s);                                                                                            \
        if (!slice_eq(s_, slice_make(lit, sizeof(lit) - 1)))                                                       \
            fail_msg("got \"%.*s\", want \"%s\"", (int)s_.n, (const char *)s_.p, lit);                             \
    } while (0)

static void expect(int rc, int code, const char *msg)
{
    if (rc != code || strcmp(E.msg, msg))
        fail_msg("got %d \"%s\", want %d \"%s\"", rc, E.msg, code, msg);
}
static void traces_err(const char *json, int code, const char *msg)
{
    otlp_traces t;
    expect(traces(json, &t), code, msg);
}
static void metrics_err(const char *json, int code, const char *msg)
{
    otlp_metrics m;
    expect(metrics(json, &m), code, msg);
}
static void logs_err(const char *json, int code, const char *msg)
{
    otlp_logs l;
    expect(logs(json, &l), code, msg);
}

static const uint8_t TID[16] = { 0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03,
                                 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c };
static const uint8_t SID[8] = { 0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74 };
static const uint8_t PID[8] = { 0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x73 };

/* ------------------------------------------------------------ traces */

static const char *TRACE_CAMEL =
    "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":"
    "\"checkout\"}}],\"droppedAttributesCount\":0},\"schemaUrl\":\"https://opentelemetry.io/schemas/1.21.0\","
    "\"scopeSpans\":[{\"scope\":{\"name\":\"io.opentelemetry.http\",\"version\":\"1.2.3\",\"attributes\":"
    "[{\"key\":\"scope.attr\",\"value\":{\"boolValue\":false}}]},\"schemaUrl\":\"x\",\"spans\":[{"
    "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
    "\"parentSpanId\":\"eee19b7ec3c1b173\",\"traceState\":\"rojo=00f067aa0ba902b7\",\"flags\":257,"
    "\"name\":\"GET /users/{id}\",\"kind\":2,\"startTimeUnixNano\":\"1700000000123456789\","
    "\"endTimeUnixNano\":\"1700000000987654321\",\"attributes\":["
    "{\"key\":\"http.method\",\"value\":{\"stringValue\":\"GET\"}},"
    "{\"key\":\"http.status_code\",\"value\":{\"intValue\":\"-404\"}},"
    "{\"key\":\"ratio\",\"value\":{\"doubleValue\":0.25}},"
    "{\"key\":\"ok\",\"value\":{\"boolValue\":true}},"
    "{\"key\":\"raw\",\"value\":{\"bytesValue\":\"AP8=\"}},"
    "{\"key\":\"list\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"a\"},{\"intValue\":7}]}}},"
    "{\"key\":\"map\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"inner\",\"value\":{\"stringValue\":\"x\"}}]}}},"
    "{\"key\":\"none\",\"value\":{}}],"
    "\"droppedAttributesCount\":3,"
    "\"events\":[{\"timeUnixNano\":\"1700000000500000000\",\"name\":\"exception\",\"attributes\":[{\"key\":"
    "\"exception.message\",\"value\":{\"stringValue\":\"boom\"}}],\"droppedAttributesCount\":1},{\"name\":\"second\"}],"
    "\"droppedEventsCount\":5,"
    "\"links\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b173\",\"traceState\":"
    "\"k=v\",\"attributes\":[{\"key\":\"link.attr\",\"value\":{\"intValue\":1}}],\"droppedAttributesCount\":2,"
    "\"flags\":769}],"
    "\"droppedLinksCount\":6,"
    "\"status\":{\"message\":\"it failed\",\"code\":2},"
    "\"unknownField\":{\"deep\":[1,2,{\"x\":\"3\"}]}},"
    "{\"name\":\"bare\",\"traceId\":\"\",\"spanId\":\"\"}]}]}]}";

/* The same request as the proto names, with numbers for integers, enum
 * names and upper-case hex. */
static const char *TRACE_SNAKE =
    "{\"resource_spans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"string_value\":"
    "\"checkout\"}}],\"dropped_attributes_count\":0},\"schema_url\":\"https://opentelemetry.io/schemas/1.21.0\","
    "\"scope_spans\":[{\"scope\":{\"name\":\"io.opentelemetry.http\",\"version\":\"1.2.3\",\"attributes\":"
    "[{\"key\":\"scope.attr\",\"value\":{\"bool_value\":false}}]},\"schema_url\":\"x\",\"spans\":[{"
    "\"trace_id\":\"5B8EFFF798038103D269B633813FC60C\",\"span_id\":\"EEE19b7ec3c1b174\","
    "\"parent_span_id\":\"eee19b7ec3c1b173\",\"trace_state\":\"rojo=00f067aa0ba902b7\",\"flags\":\"257\","
    "\"name\":\"GET /users/{id}\",\"kind\":\"SPAN_KIND_SERVER\",\"start_time_unix_nano\":1700000000123456789,"
    "\"end_time_unix_nano\":1700000000987654321,\"attributes\":["
    "{\"key\":\"http.method\",\"value\":{\"string_value\":\"GET\"}},"
    "{\"key\":\"http.status_code\",\"value\":{\"int_value\":-404}},"
    "{\"key\":\"ratio\",\"value\":{\"double_value\":\"0.25\"}},"
    "{\"key\":\"ok\",\"value\":{\"bool_value\":true}},"
    "{\"key\":\"raw\",\"value\":{\"bytes_value\":\"AP8\"}},"
    "{\"key\":\"list\",\"value\":{\"array_value\":{\"values\":[{\"string_value\":\"a\"},{\"int_value\":\"7\"}]}}},"
    "{\"key\":\"map\",\"value\":{\"kvlist_value\":{\"values\":[{\"key\":\"inner\",\"value\":{\"string_value\":\"x\"}}]}}},"
    "{\"key\":\"none\",\"value\":null}],"
    "\"dropped_attributes_count\":\"3\","
    "\"events\":[{\"time_unix_nano\":1700000000500000000,\"name\":\"exception\",\"attributes\":[{\"key\":"
    "\"exception.message\",\"value\":{\"string_value\":\"boom\"}}],\"dropped_attributes_count\":1},{\"name\":\"second\"}],"
    "\"dropped_events_count\":5,"
    "\"links\":[{\"trace_id\":\"5b8efff798038103d269b633813fc60c\",\"span_id\":\"eee19b7ec3c1b173\",\"trace_state\":"
    "\"k=v\",\"attributes\":[{\"key\":\"link.attr\",\"value\":{\"int_value\":1}}],\"dropped_attributes_count\":2,"
    "\"flags\":769}],"
    "\"dropped_links_count\":6,"
    "\"status\":{\"message\":\"it failed\",\"code\":\"STATUS_CODE_ERROR\"}},"
    "{\"name\":\"bare\",\"trace_id\":null}]}]}]}";

static void check_full_traces(const otlp_traces *t)
{
    assert_int_equal(t->nspans, 2);
    const otlp_span *s = &t->spans[0];
    assert_int_equal(s->has_trace_id, 1);
    assert_int_equal(s->has_span_id, 1);
    assert_int_equal(s->has_parent, 1);
    assert_memory_equal(s->trace_id, TID, 16);
    assert_memory_equal(s->span_id, SID, 8);
    assert_memory_equal(s->parent_span_id, PID, 8);
    assert_slice(s->trace_state, "rojo=00f067aa0ba902b7");
    assert_slice(s->name, "GET /users/{id}");
    assert_int_equal(s->kind, 2);
    assert_true(s->start_ns == 1700000000123456789ull);
    assert_true(s->end_ns == 1700000000987654321ull);
    assert_int_equal(s->flags, 257);
    assert_int_equal(s->status_code, 2);
    assert_slice(s->status_message, "it failed");
    assert_int_equal(s->attrs.n, 8);
    assert_slice(s->attrs.a[0].key, "http.method");
    assert_slice(s->attrs.a[0].value.u.s, "GET");
    assert_int_equal(s->attrs.a[1].value.type, OTLP_INT);
    assert_int_equal(s->attrs.a[1].value.u.i, -404);
    assert_int_equal(s->attrs.a[2].value.type, OTLP_DOUBLE);
    assert_true(s->attrs.a[2].value.u.d == 0.25);
    assert_int_equal(s->attrs.a[3].value.type, OTLP_BOOL);
    assert_int_equal(s->attrs.a[3].value.u.b, 1);
    assert_int_equal(s->attrs.a[4].value.type, OTLP_BYTES);
    assert_int_equal(s->attrs.a[4].value.u.s.n, 2);
    assert_memory_equal(s->attrs.a[4].value.u.s.p, "\x00\xff", 2);
    const otlp_value *list = &s->attrs.a[5].value;
    assert_int_equal(list->type, OTLP_ARRAY);
    assert_int_equal(list->u.arr.n, 2);
    assert_slice(list->u.arr.v[0].u.s, "a");
    assert_int_equal(list->u.arr.v[1].u.i, 7);
    const otlp_value *map = &s->attrs.a[6].value;
    assert_int_equal(map->type, OTLP_KVLIST);
    assert_slice(map->u.kv.a[0].key, "inner");
    assert_slice(map->u.kv.a[0].value.u.s, "x");
    assert_slice(s->attrs.a[7].key, "none");
    assert_int_equal(s->attrs.a[7].value.type, OTLP_EMPTY);
    assert_int_equal(s->nevents, 2);
    assert_true(s->events[0].time_ns == 1700000000500000000ull);
    assert_slice(s->events[0].name, "exception");
    assert_slice(s->events[0].attrs.a[0].value.u.s, "boom");
    assert_slice(s->events[1].name, "second");
    assert_int_equal(s->nlinks, 1);
    assert_memory_equal(s->links[0].trace_id, TID, 16);
    assert_memory_equal(s->links[0].span_id, PID, 8);
    assert_slice(s->links[0].trace_state, "k=v");
    assert_slice(s->links[0].attrs.a[0].key, "link.attr");
    const otlp_resource *r = s->resource;
    assert_slice(otlp_attrs_get(&r->attrs, "service.name")->u.s, "checkout");
    assert_slice(r->schema_url, "https://opentelemetry.io/schemas/1.21.0");
    assert_slice(s->scope->name, "io.opentelemetry.http");
    assert_slice(s->scope->version, "1.2.3");
    assert_int_equal(s->scope->attrs.n, 1);
    s = &t->spans[1];
    assert_slice(s->name, "bare");
    assert_int_equal(s->has_trace_id + s->has_span_id + s->has_parent, 0);
    assert_ptr_equal(s->resource, r);
    assert_ptr_equal(s->scope, t->spans[0].scope);
}

static void test_traces_camel(void **state)
{
    (void)state;
    otlp_traces t;
    assert_int_equal(traces(TRACE_CAMEL, &t), 0);
    check_full_traces(&t);
}

static void test_traces_snake_numbers_enum_names(void **state)
{
    (void)state;
    otlp_traces t;
    assert_int_equal(traces(TRACE_SNAKE, &t), 0);
    check_full_traces(&t);
}

static void test_numbers(void **state)
{
    (void)state;
    otlp_traces t;
    /* digits in strings and keys do not put number literals out of step */
    assert_int_equal(traces("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"a\\\"1,-2 \\\\\",\"x9\":-0,"
                            "\"kind\":\"SPAN_KIND_CLIENT\",\"startTimeUnixNano\":18446744073709551615,"
                            "\"endTimeUnixNano\":1e3,\"flags\":5.0e0,\"attributes\":[{\"key\":\"1\",\"value\":"
                            "{\"intValue\":-9223372036854775808}},{\"key\":\"2\",\"value\":{\"intValue\":"
                            "9223372036854775807}},{\"key\":\"3\",\"value\":{\"doubleValue\":\"-Infinity\"}},"
                            "{\"key\":\"4\",\"value\":{\"doubleValue\":\"NaN\"}},{\"key\":\"5\",\"value\":"
                            "{\"doubleValue\":1e308}}]}]}]}]}",
                            &t),
                     0);
    const otlp_span *s = &t.spans[0];
    assert_slice(s->name, "a\"1,-2 \\");
    assert_int_equal(s->kind, 3);
    assert_true(s->start_ns == UINT64_MAX);
    assert_true(s->end_ns == 1000);
    assert_int_equal(s->flags, 5);
    assert_true(s->attrs.a[0].value.u.i == INT64_MIN);
    assert_true(s->attrs.a[1].value.u.i == INT64_MAX);
    assert_true(isinf(s->attrs.a[2].value.u.d) && s->attrs.a[2].value.u.d < 0);
    assert_true(isnan(s->attrs.a[3].value.u.d));
    assert_true(s->attrs.a[4].value.u.d == 1e308);

    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":18446744073709551616}]}]}]}",
               LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: 18446744073709551616 is out of range");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"-1\"}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: negative value for an unsigned field");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"endTimeUnixNano\":1.5}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano: want an integer, got \"1.5\"");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"endTimeUnixNano\":\"12ab\"}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano: want an integer, got \"12ab\"");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"flags\":4294967296}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].flags: value out of range");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"k\",\"value\":"
               "{\"intValue\":\"9223372036854775808\"}}]}]}]}]}",
               LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"k\"].value.intValue: value out of range");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"k\",\"value\":"
               "{\"doubleValue\":\"inf\"}}]}]}]}]}",
               LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"k\"].value.doubleValue: want a number, got \"inf\"");
}

static void test_traces_errors(void **state)
{
    (void)state;
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":5}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans: want an array, got number");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":7}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].name: want a string, got number");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{},\"x\"]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[1]: want an object, got string");
    traces_err("{\"resourceSpans\":{}}", LOUPE_EINVAL, "resourceSpans: want an array, got object");
    traces_err("{\"resourceSpans\":[{\"resource\":[]}]}", LOUPE_EINVAL, "resourceSpans[0].resource: want an object, got array");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"scope\":{\"name\":true}}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].scope.name: want a string, got boolean");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"status\":{\"code\":\"BAD\"}}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].status.code: unknown value \"BAD\"");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"kind\":{}}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].kind: want an integer, got object");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"events\":[{\"attributes\":{}}]}]}]}]}",
               LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].events[0].attributes: want an array, got object");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"k\",\"value\":"
               "{\"boolValue\":\"true\"}}]}]}]}]}",
               LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"k\"].value.boolValue: want a boolean, got string");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"k\",\"value\":\"v\"}]}]}]}]}",
               LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"k\"].value: want an AnyValue object, got string");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":3}]}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].key: want a string, got number");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"b\",\"value\":"
               "{\"bytesValue\":\"A*==\"}}]}]}]}]}",
               LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"b\"].value.bytesValue: invalid base64 at offset 1");
    /* ids */
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc6\"}]}]}]}",
               LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].traceId: 15 bytes, want 16");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"eee19b7ec3c1b17g\"}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].spanId: invalid hex digit at offset 15");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"eee19b7ec3c1b17\"}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].spanId: odd number of hex digits (15)");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"parentSpanId\":\"W+GbfsPBsXQ=\"}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].parentSpanId: invalid hex digit at offset 0");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"links\":[{\"spanId\":12}]}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].links[0].spanId: want a hex string, got number");
    /* the body */
    traces_err("[]", LOUPE_EINVAL, "the request is not a JSON object (got array)");
    traces_err("\"x\"", LOUPE_EINVAL, "the request is not a JSON object (got string)");
    traces_err("", LOUPE_EINVAL, "invalid JSON at byte 0");
    traces_err("{\"resourceSpans\":[}", LOUPE_EINVAL, "invalid JSON at byte 18");
    traces_err("{} x", LOUPE_EINVAL, "invalid JSON: trailing data at byte 3");
    /* NUL characters would cut cJSON's strings short: rejected, raw or escaped */
    const char *nul = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"a\\u0000b\"}]}]}]}";
    char want[64];
    snprintf(want, sizeof want, "invalid JSON: NUL character at byte %d", (int)(strstr(nul, "\\u0000") - nul));
    traces_err(nul, LOUPE_EINVAL, want);
    uint8_t raw[] = "{\"x\":\"a\0b\"}";
    otlp_traces t;
    err_clear(&E);
    expect(otlp_decode_traces_json(slice_make(raw, sizeof raw - 1), &L, A, &t, &E), LOUPE_EINVAL,
           "invalid JSON: NUL character at byte 7");
    assert_int_equal(traces("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"a\\\\u0000\"}]}]}]}", &t), 0);
    assert_slice(t.spans[0].name, "a\\u0000");
    assert_int_equal(traces(" {\"resourceSpans\":null, \"other\":[1,2]} \n", &t), 0);
    assert_int_equal(t.nspans, 0);
}

static void test_traces_utf8(void **state)
{
    (void)state;
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"bad \xc3\x28\"}]}]}]}", LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].name: invalid UTF-8");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"http.url\",\"value\":"
               "{\"stringValue\":\"\xed\xa0\x80\"}}]}]}]}]}",
               LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"http.url\"].value.stringValue: invalid UTF-8");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"k\xff\",\"value\":"
               "{\"stringValue\":\"v\"}}]}]}]}]}",
               LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].key: invalid UTF-8");
    /* escapes are decoded to valid UTF-8 */
    otlp_traces t;
    assert_int_equal(traces("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"caf\\u00e9 \\ud83d\\ude00\"}]}]}]}", &t),
                     0);
    assert_slice(t.spans[0].name, "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

static void test_traces_limits(void **state)
{
    (void)state;
    L.max_depth = 2;
    otlp_traces t;
    assert_int_equal(traces("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"ok\",\"value\":"
                            "{\"arrayValue\":{\"values\":[{\"arrayValue\":{\"values\":[{\"intValue\":1}]}}]}}}]}]}]}]}",
                            &t),
                     0);
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"deep\",\"value\":"
               "{\"arrayValue\":{\"values\":[{\"kvlistValue\":{\"values\":[{\"key\":\"x\",\"value\":{\"arrayValue\":"
               "{}}}]}}]}}}]}]}]}]}",
               LOUPE_ETOOBIG,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"deep\"].value.arrayValue.values[0].kvlistValue."
               "values[\"x\"].value.arrayValue: arrays and kvlists nested deeper than 2");
    otlp_limits_default(&L);
    /* nesting beyond cJSON's own limit (1000) is a parse error */
    char *deep = malloc(2 * 1100 + 1);
    for (int i = 0; i < 1100; i++)
        deep[i] = '[', deep[1100 + i] = ']';
    deep[2200] = 0;
    traces_err(deep, LOUPE_EINVAL, "invalid JSON at byte 1000");
    free(deep);

    L.max_value_bytes = 8;
    L.max_key_bytes = 4;
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"big\",\"value\":"
               "{\"stringValue\":\"123456789\"}}]}]}]}]}",
               LOUPE_ETOOBIG, "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"big\"].value.stringValue: 9 bytes exceed the limit of 8");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"blob\",\"value\":"
               "{\"bytesValue\":\"MTIzNDU2Nzg5\"}}]}]}]}]}",
               LOUPE_ETOOBIG, "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"blob\"].value.bytesValue: 9 bytes exceed the limit of 8");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"longkey\"}]}]}]}]}",
               LOUPE_ETOOBIG, "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].key: 7 bytes exceed the limit of 4");
    otlp_limits_default(&L);

    L.max_items = 2;
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{},{}]},{\"spans\":[{}]}]}]}", LOUPE_ETOOBIG,
               "more than 2 spans, events and links in one request");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"events\":[{},{}]}]}]}]}", LOUPE_ETOOBIG,
               "resourceSpans[0].scopeSpans[0].spans[0].events: more than 2 spans, events and links in one request");
    otlp_limits_default(&L);
    L.max_attrs = 1;
    traces_err("{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"a\"},{\"key\":\"b\"}]}}]}", LOUPE_ETOOBIG,
               "resourceSpans[0].resource.attributes: 2 attributes exceed the limit of 1");
    traces_err("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"a\",\"value\":"
               "{\"arrayValue\":{\"values\":[{},{}]}}}]}]}]}]}",
               LOUPE_ETOOBIG, "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"a\"].value.arrayValue.values: 2 values exceed the limit of 1");
}

/* ------------------------------------------------------------ metrics */

static const char *METRICS =
    "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"m\"}}]},"
    "\"scopeMetrics\":[{\"scope\":{\"name\":\"meter\"},\"metrics\":["
    "{\"name\":\"temp\",\"description\":\"d\",\"unit\":\"Cel\",\"gauge\":{\"dataPoints\":["
    "{\"attributes\":[{\"key\":\"host\",\"value\":{\"stringValue\":\"a\"}}],\"startTimeUnixNano\":\"1000\","
    "\"timeUnixNano\":2000,\"asDouble\":3.5},"
    "{\"asInt\":\"-42\",\"flags\":1,\"exemplars\":[{\"asDouble\":1}]}]}},"
    "{\"name\":\"requests\",\"sum\":{\"aggregationTemporality\":\"AGGREGATION_TEMPORALITY_CUMULATIVE\","
    "\"isMonotonic\":true,\"dataPoints\":[{\"asInt\":9007199254740993}]}},"
    "{\"name\":\"latency\",\"histogram\":{\"aggregation_temporality\":1,\"data_points\":["
    "{\"count\":\"6\",\"sum\":12.5,\"bucket_counts\":[\"1\",2,\"3\"],\"explicit_bounds\":[0.5,\"2.5\"],\"flags\":1,"
    "\"min\":0.1,\"max\":9.9},{\"count\":9}]}},"
    "{\"name\":\"exp\",\"exponentialHistogram\":{\"aggregationTemporality\":2,\"dataPoints\":[{\"count\":304,"
    "\"sum\":100.5,\"scale\":-3,\"zeroCount\":\"2\",\"positive\":{\"offset\":-2,\"bucketCounts\":[1,\"300\"]},"
    "\"negative\":{\"offset\":2,\"bucket_counts\":[7,1099511627776]},\"min\":-4,\"max\":40,\"zeroThreshold\":1e-9}]}},"
    "{\"name\":\"rpc\",\"summary\":{\"dataPoints\":[{\"count\":10,\"sum\":55,\"quantileValues\":[{\"quantile\":0.5,"
    "\"value\":5},{\"quantile\":0.99,\"value\":9.9}],\"flags\":1}]}},"
    "{\"name\":\"nothing\"}]}]}]}";

static void test_metrics_all_kinds(void **state)
{
    (void)state;
    otlp_metrics m;
    assert_int_equal(metrics(METRICS, &m), 0);
    assert_int_equal(m.nmetrics, 6);
    assert_int_equal(m.npoints, 7);
    const otlp_metric *mt = &m.metrics[0];
    assert_slice(mt->name, "temp");
    assert_slice(mt->description, "d");
    assert_slice(mt->unit, "Cel");
    assert_int_equal(mt->type, OTLP_M_GAUGE);
    assert_slice(mt->scope->name, "meter");
    assert_slice(otlp_attrs_get(&mt->resource->attrs, "service.name")->u.s, "m");
    assert_true(mt->points[0].value == 3.5 && !mt->points[0].is_int);
    assert_true(mt->points[0].start_ns == 1000 && mt->points[0].time_ns == 2000);
    assert_slice(mt->points[0].attrs.a[0].value.u.s, "a");
    assert_true(mt->points[1].is_int && mt->points[1].ivalue == -42 && mt->points[1].value == -42);
    assert_int_equal(mt->points[1].flags, 1);
    mt = &m.metrics[1];
    assert_int_equal(mt->type, OTLP_M_SUM);
    assert_int_equal(mt->temporality, OTLP_TEMPORALITY_CUMULATIVE);
    assert_int_equal(mt->monotonic, 1);
    assert_true(mt->points[0].ivalue == 9007199254740993LL);
    mt = &m.metrics[2];
    assert_int_equal(mt->type, OTLP_M_HISTOGRAM);
    assert_int_equal(mt->temporality, OTLP_TEMPORALITY_DELTA);
    const otlp_point *p = &mt->points[0];
    assert_int_equal(p->count, 6);
    assert_true(p->has_sum && p->sum == 12.5);
    assert_int_equal(p->nbucket_counts, 3);
    assert_int_equal(p->bucket_counts[1], 2);
    assert_int_equal(p->bucket_counts[2], 3);
    assert_int_equal(p->nbounds, 2);
    assert_true(p->bounds[1] == 2.5);
    assert_true(p->has_min && p->min == 0.1 && p->has_max && p->max == 9.9);
    assert_int_equal(p->flags, 1);
    assert_int_equal(mt->points[1].has_sum, 0);
    assert_int_equal(mt->points[1].nbucket_counts, 0);
    mt = &m.metrics[3];
    assert_int_equal(mt->type, OTLP_M_EXP_HISTOGRAM);
    p = &mt->points[0];
    assert_int_equal(p->scale, -3);
    assert_int_equal(p->zero_count, 2);
    assert_int_equal(p->positive.offset, -2);
    assert_int_equal(p->positive.n, 2);
    assert_int_equal(p->positive.counts[1], 300);
    assert_int_equal(p->negative.offset, 2);
    assert_true(p->negative.counts[1] == 1ull << 40);
    assert_true(p->min == -4 && p->max == 40 && p->zero_threshold == 1e-9);
    mt = &m.metrics[4];
    assert_int_equal(mt->type, OTLP_M_SUMMARY);
    p = &mt->points[0];
    assert_true(p->count == 10 && p->has_sum && p->sum == 55);
    assert_int_equal(p->nquantiles, 2);
    assert_true(p->quantiles[1].q == 0.99 && p->quantiles[1].v == 9.9);
    assert_int_equal(m.metrics[5].type, OTLP_M_NONE);
}

static void test_metrics_errors(void **state)
{
    (void)state;
    metrics_err("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"histogram\":{\"dataPoints\":[{\"bucketCounts\":"
                "[1,2],\"explicitBounds\":[1,2]}]}}]}]}]}",
                LOUPE_EINVAL,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts: 2 counts for 2 "
                "explicitBounds, want 3");
    metrics_err("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"histogram\":{\"dataPoints\":[{\"bucketCounts\":"
                "[1,-2]}]}}]}]}]}",
                LOUPE_EINVAL,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts[1]: negative value for "
                "an unsigned field");
    metrics_err("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"sum\":{\"isMonotonic\":1}}]}]}]}", LOUPE_EINVAL,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].sum.isMonotonic: want a boolean, got number");
    metrics_err("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"gauge\":{\"dataPoints\":[{\"asDouble\":true}]}}]}]}]}",
                LOUPE_EINVAL, "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asDouble: want a number, got boolean");
    metrics_err("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"exponentialHistogram\":{\"dataPoints\":[{\"scale\":"
                "2147483648}]}}]}]}]}",
                LOUPE_EINVAL,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].exponentialHistogram.dataPoints[0].scale: value out of range");
    metrics_err("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"summary\":{\"dataPoints\":[{\"quantileValues\":"
                "[{\"quantile\":\"x\"}]}]}}]}]}]}",
                LOUPE_EINVAL,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].summary.dataPoints[0].quantileValues[0].quantile: want a "
                "number, got \"x\"");
    metrics_err("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"sum\":{\"aggregationTemporality\":"
                "\"AGGREGATION_TEMPORALITY_SOMETIMES\"}}]}]}]}",
                LOUPE_EINVAL,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].sum.aggregationTemporality: unknown value "
                "\"AGGREGATION_TEMPORALITY_SOMETIMES\"");
    L.max_buckets = 2;
    metrics_err("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"histogram\":{\"dataPoints\":[{\"explicitBounds\":"
                "[1,2,3]}]}}]}]}]}",
                LOUPE_ETOOBIG,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].explicitBounds: 3 values exceed the "
                "limit of 2");
    otlp_limits_default(&L);
    L.max_items = 1;
    metrics_err("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"gauge\":{\"dataPoints\":[{},{}]}}]}]}]}",
                LOUPE_ETOOBIG,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints: more than 1 data points in one request");
    metrics_err("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{},{}]}]}]}", LOUPE_ETOOBIG,
                "2 metrics exceed the limit of 1");
}

/* ------------------------------------------------------------ logs */

static void test_logs_every_field(void **state)
{
    (void)state;
    otlp_logs l;
    assert_int_equal(
        logs("{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":"
             "\"svc\"}}]},\"scopeLogs\":[{\"scope\":{\"name\":\"logger\"},\"logRecords\":["
             "{\"timeUnixNano\":\"1700000000000000001\",\"observedTimeUnixNano\":1700000000000000002,"
             "\"severityNumber\":\"SEVERITY_NUMBER_ERROR\",\"severityText\":\"ERROR\",\"body\":{\"stringValue\":\"hello\"},"
             "\"attributes\":[{\"key\":\"log.attr\",\"value\":{\"stringValue\":\"v\"}}],\"droppedAttributesCount\":2,"
             "\"flags\":1,\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
             "\"eventName\":\"browser.page_view\"},"
             "{\"body\":{\"intValue\":\"-7\"},\"severity_number\":9,\"log_records_unknown\":1},"
             "{\"body\":{\"doubleValue\":1.5}},{\"body\":{\"boolValue\":true}},{\"body\":{\"bytesValue\":\"AQID\"}},"
             "{\"body\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"x\"},{\"boolValue\":false}]}}},"
             "{\"body\":{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":{\"intValue\":1}}]}}},"
             "{\"body\":{},\"event_name\":\"e\",\"trace_id\":\"\"}]}]}]}",
             &l),
        0);
    assert_int_equal(l.nlogs, 8);
    const otlp_log *g = &l.logs[0];
    assert_true(g->time_ns == 1700000000000000001ull);
    assert_true(g->observed_ns == 1700000000000000002ull);
    assert_int_equal(g->severity_number, 17);
    assert_slice(g->severity_text, "ERROR");
    assert_int_equal(g->attrs.n, 1);
    assert_int_equal(g->flags, 1);
    assert_true(g->has_trace_id && g->has_span_id);
    assert_memory_equal(g->trace_id, TID, 16);
    assert_memory_equal(g->span_id, SID, 8);
    assert_slice(g->event_name, "browser.page_view");
    assert_slice(g->scope->name, "logger");
    assert_slice(otlp_attrs_get(&g->resource->attrs, "service.name")->u.s, "svc");
    assert_int_equal(g->body.type, OTLP_STRING);
    assert_slice(g->body.u.s, "hello");
    assert_int_equal(l.logs[1].body.type, OTLP_INT);
    assert_int_equal(l.logs[1].body.u.i, -7);
    assert_int_equal(l.logs[1].severity_number, 9);
    assert_int_equal(l.logs[2].body.type, OTLP_DOUBLE);
    assert_int_equal(l.logs[3].body.type, OTLP_BOOL);
    assert_int_equal(l.logs[4].body.type, OTLP_BYTES);
    assert_memory_equal(l.logs[4].body.u.s.p, "\x01\x02\x03", 3);
    assert_int_equal(l.logs[5].body.u.arr.n, 2);
    assert_int_equal(l.logs[6].body.type, OTLP_KVLIST);
    assert_int_equal(l.logs[7].body.type, OTLP_EMPTY);
    assert_slice(l.logs[7].event_name, "e");
    assert_int_equal(l.logs[7].has_trace_id, 0);
}

static void test_logs_errors(void **state)
{
    (void)state;
    logs_err("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":\"text\"}]}]}]}", LOUPE_EINVAL,
             "resourceLogs[0].scopeLogs[0].logRecords[0].body: want an AnyValue object, got string");
    logs_err("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"severityNumber\":\"LOUD\"}]}]}]}", LOUPE_EINVAL,
             "resourceLogs[0].scopeLogs[0].logRecords[0].severityNumber: unknown value \"LOUD\"");
    logs_err("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"traceId\":\"5b8e\"}]}]}]}", LOUPE_EINVAL,
             "resourceLogs[0].scopeLogs[0].logRecords[0].traceId: 2 bytes, want 16");
    logs_err("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"\x80\"}}]}]}]}",
             LOUPE_EINVAL, "resourceLogs[0].scopeLogs[0].logRecords[0].body.stringValue: invalid UTF-8");
    logs_err("{\"resourceLogs\":[{\"scopeLogs\":{}}]}", LOUPE_EINVAL, "resourceLogs[0].scopeLogs: want an array, got object");
    L.max_items = 1;
    logs_err("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{},{}]}]}]}", LOUPE_ETOOBIG,
             "more than 1 log records in one request");
    otlp_limits_default(&L);
    otlp_logs l;
    assert_int_equal(logs("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"severityNumber\":99}]}]}]}", &l), 0);
    assert_int_equal(l.logs[0].severity_number, 0);
}

/* ------------------------------------------------------------ value helpers */

static void expect_json(const otlp_value *v, const char *want, int text)
{
    buf b = BUF_INIT;
    assert_int_equal(text ? otlp_value_text(v, &b) : otlp_value_json(v, &b), 0);
    if (b.n != strlen(want) || memcmp(b.p, want, b.n))
        fail_msg("got %.*s, want %s", (int)b.n, (const char *)b.p, want);
    buf_free(&b);
}

static void test_value_json(void **state)
{
    (void)state;
    otlp_value v = { .type = OTLP_EMPTY };
    expect_json(&v, "null", 0);
    v.type = OTLP_STRING, v.u.s = slice_cstr("a\"b\n\xc3\xa9");
    expect_json(&v, "\"a\\\"b\\n\xc3\xa9\"", 0);
    expect_json(&v, "a\"b\n\xc3\xa9", 1);
    v.type = OTLP_BOOL, v.u.b = 1;
    expect_json(&v, "true", 0);
    expect_json(&v, "true", 1);
    v.type = OTLP_INT, v.u.i = INT64_MIN;
    expect_json(&v, "-9223372036854775808", 0);
    v.type = OTLP_DOUBLE, v.u.d = 0.1;
    expect_json(&v, "0.1", 0);
    v.u.d = 1e21;
    expect_json(&v, "1000000000000000000000", 0);
    v.u.d = -2.5;
    expect_json(&v, "-2.5", 1);
    v.u.d = NAN;
    expect_json(&v, "\"NaN\"", 0);
    v.u.d = INFINITY;
    expect_json(&v, "\"Inf\"", 0);
    v.u.d = -INFINITY;
    expect_json(&v, "\"-Inf\"", 0);
    v.type = OTLP_BYTES;
    const char *b64[][2] = { { "", "\"\"" }, { "f", "\"Zg==\"" }, { "fo", "\"Zm8=\"" }, { "foo", "\"Zm9v\"" },
                             { "foob", "\"Zm9vYg==\"" }, { "\xff\xfe\xfd", "\"//79\"" } };
    for (size_t i = 0; i < sizeof b64 / sizeof b64[0]; i++) {
        v.u.s = slice_cstr(b64[i][0]);
        expect_json(&v, b64[i][1], 0);
    }
    otlp_value items[3] = { { .type = OTLP_INT, .u.i = 1 }, { .type = OTLP_STRING, .u.s = slice_cstr("x") },
                            { .type = OTLP_EMPTY } };
    otlp_attr kvs[3] = { { slice_cstr("a"), { .type = OTLP_INT, .u.i = 1 } },
                         { slice_cstr("b"), { .type = OTLP_ARRAY, .u.arr = { items, 3 } } },
                         { slice_cstr("a"), { .type = OTLP_BOOL, .u.b = 0 } } };
    v.type = OTLP_ARRAY, v.u.arr.v = items, v.u.arr.n = 3;
    expect_json(&v, "[1,\"x\",null]", 0);
    v.type = OTLP_KVLIST, v.u.kv.a = kvs, v.u.kv.n = 3;
    expect_json(&v, "{\"b\":[1,\"x\",null],\"a\":false}", 0); /* duplicate: the last one, in its place */
    expect_json(&v, "{\"b\":[1,\"x\",null],\"a\":false}", 1);
    v.u.arr.n = 0, v.type = OTLP_ARRAY;
    expect_json(&v, "[]", 0);

    otlp_attrs as = { kvs, 3 };
    buf b = BUF_INIT;
    assert_int_equal(otlp_attrs_json(&as, &b), 0);
    assert_int_equal(b.n, strlen("{\"b\":[1,\"x\",null],\"a\":false}"));
    b.n = 0;
    otlp_attrs none = { NULL, 0 };
    assert_int_equal(otlp_attrs_json(&none, &b), 0);
    assert_memory_equal(b.p, "{}", 2);
    buf_free(&b);
    assert_ptr_equal(otlp_attrs_get(&as, "a"), &kvs[2].value);
    assert_null(otlp_attrs_get(&as, "c"));
    assert_null(otlp_attrs_get(&none, "a"));
}

/* More attributes than the quadratic path handles: the sorted one keeps
 * the last of each key, in attribute order. */
static void test_attrs_json_many_duplicates(void **state)
{
    (void)state;
    enum { N = 100 };
    otlp_attr kvs[N];
    char keys[N][8];
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i % 40);
        kvs[i].key = slice_cstr(keys[i]);
        kvs[i].value.type = OTLP_INT;
        kvs[i].value.u.i = i;
    }
    otlp_attrs as = { kvs, N };
    buf b = BUF_INIT, want = BUF_INIT;
    assert_int_equal(otlp_attrs_json(&as, &b), 0);
    buf_putc(&want, '{');
    for (int i = 60; i < N; i++)
        buf_printf(&want, "%s\"k%d\":%d", i > 60 ? "," : "", i % 40, i);
    buf_putc(&want, '}');
    if (b.n != want.n || memcmp(b.p, want.p, b.n))
        fail_msg("got %.*s\nwant %.*s", (int)b.n, (const char *)b.p, (int)want.n, (const char *)want.p);
    buf_free(&b);
    buf_free(&want);
}

/* A decoded value renders back to the JSON it came from (bytes as base64). */
static void test_decoded_value_json(void **state)
{
    (void)state;
    otlp_traces t;
    assert_int_equal(traces(TRACE_CAMEL, &t), 0);
    buf b = BUF_INIT;
    assert_int_equal(otlp_attrs_json(&t.spans[0].attrs, &b), 0);
    const char *want = "{\"http.method\":\"GET\",\"http.status_code\":-404,\"ratio\":0.25,\"ok\":true,\"raw\":\"AP8=\","
                       "\"list\":[\"a\",7],\"map\":{\"inner\":\"x\"},\"none\":null}";
    if (b.n != strlen(want) || memcmp(b.p, want, b.n))
        fail_msg("got %.*s", (int)b.n, (const char *)b.p);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_traces_camel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traces_snake_numbers_enum_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traces_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traces_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traces_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_all_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs_every_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attrs_json_many_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decoded_value_json, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
