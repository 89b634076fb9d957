/* test_otlp_pb.c - OTLP protobuf decoding (ingest/otlp.h): Export*ServiceRequest
 * bodies built by hand with the pb writer helpers, every field of the three
 * signals, and the errors (truncation, wire types, ids, UTF-8, limits) with
 * their exact messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/otlp.h"
#include "ingest/pb.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------ builders */

typedef buf M;

static M m_new(void)
{
    M b = BUF_INIT;
    return b;
}
static void f_bytes(M *b, uint32_t num, const void *p, size_t n) { assert_int_equal(pb_put_bytes_field(b, num, p, n), 0); }
static void f_str(M *b, uint32_t num, const char *s) { f_bytes(b, num, s, strlen(s)); }
static void f_var(M *b, uint32_t num, uint64_t v) { assert_int_equal(pb_put_varint_field(b, num, v), 0); }
static void f_f64(M *b, uint32_t num, uint64_t v) { assert_int_equal(pb_put_fixed64_field(b, num, v), 0); }
static void f_dbl(M *b, uint32_t num, double v) { assert_int_equal(pb_put_double_field(b, num, v), 0); }
static void f_f32(M *b, uint32_t num, uint32_t v)
{
    assert_int_equal(pb_put_tag(b, num, PB_FIXED32), 0);
    assert_int_equal(buf_append(b, &v, 4), 0);
}
/* Puts sub as a length-delimited field and frees it. */
static void f_msg(M *b, uint32_t num, M sub)
{
    f_bytes(b, num, sub.p, sub.n);
    buf_free(&sub);
}

static M v_str(const char *s)
{
    M v = m_new();
    f_str(&v, 1, s);
    return v;
}
static M v_bool(int x)
{
    M v = m_new();
    f_var(&v, 2, (uint64_t)x);
    return v;
}
static M v_int(int64_t x)
{
    M v = m_new();
    f_var(&v, 3, (uint64_t)x);
    return v;
}
static M v_dbl(double x)
{
    M v = m_new();
    f_dbl(&v, 4, x);
    return v;
}
static M v_bytes(const void *p, size_t n)
{
    M v = m_new();
    f_bytes(&v, 7, p, n);
    return v;
}
/* A KeyValue {key, value} as field num of parent. */
static void kv(M *parent, uint32_t num, const char *key, M val)
{
    M k = m_new();
    f_str(&k, 1, key);
    f_msg(&k, 2, val);
    f_msg(parent, num, k);
}
static M v_array2(M a, M b)
{
    M arr = m_new(), v = m_new();
    f_msg(&arr, 1, a);
    f_msg(&arr, 1, b);
    f_msg(&v, 5, arr);
    return v;
}
static M v_kvlist1(const char *key, M val)
{
    M l = m_new(), v = m_new();
    kv(&l, 1, key, val);
    f_msg(&v, 6, l);
    return v;
}

/* request{1: Resource*{2: Scope*{2: item}}} with empty resource and scope. */
static M wrap(M item)
{
    M scope = m_new(), res = m_new(), req = m_new();
    f_msg(&scope, 2, item);
    f_msg(&res, 2, scope);
    f_msg(&req, 1, res);
    return req;
}

static const uint8_t TID[16] = { 0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03,
                                 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c };
static const uint8_t SID[8] = { 0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74 };
static const uint8_t PID[8] = { 0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x73 };

/* ------------------------------------------------------------ fixture */

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

static int traces(const M *req, otlp_traces *t)
{
    err_clear(&E);
    return otlp_decode_traces_pb(buf_slice(req), &L, A, t, &E);
}
static int metrics(const M *req, otlp_metrics *m)
{
    err_clear(&E);
    return otlp_decode_metrics_pb(buf_slice(req), &L, A, m, &E);
}
static int logs(const M *req, otlp_logs *l)
{
    err_clear(&E);
    return otlp_decode_logs_pb(buf_slice(req), &L, A, l, &E);
}

#define assert_slice(s, lit)                                                                                        \
    do {                                                                                                           \
        slice s_ = (s);                                                                                            \
        if (!slice_eq(s_, slice_make(lit, sizeof(lit) - 1)))                                                       \
            fail_msg("got \"%.*s\", want \"%s\"", (int)s_.n, (const char *)s_.p, lit);                             \
    } while (0)

/* The traces error of req: code and exact message. */
static void traces_err(M req, int code, const char *msg)
{
    otlp_traces t;
    int rc = traces(&req, &t);
    if (rc != code || strcmp(E.msg, msg))
        fail_msg("got %d \"%s\", want %d \"%s\"", rc, E.msg, code, msg);
    assert_int_equal(E.code, code);
    buf_free(&req);
}

/* ------------------------------------------------------------ traces */

static M full_span(void)
{
    M s = m_new();
    f_bytes(&s, 1, TID, 16);
    f_bytes(&s, 2, SID, 8);
    f_str(&s, 3, "rojo=00f067aa0ba902b7");
    f_bytes(&s, 4, PID, 8);
    f_str(&s, 5, "GET /users/{id}");
    f_var(&s, 6, 2);
    f_f64(&s, 7, 1700000000123456789ull);
    f_f64(&s, 8, 1700000000987654321ull);
    kv(&s, 9, "http.method", v_str("GET"));
    kv(&s, 9, "http.status_code", v_int(-404));
    kv(&s, 9, "ratio", v_dbl(0.25));
    kv(&s, 9, "ok", v_bool(1));
    kv(&s, 9, "raw", v_bytes("\x00\xff", 2));
    kv(&s, 9, "list", v_array2(v_str("a"), v_int(7)));
    kv(&s, 9, "map", v_kvlist1("inner", v_str("x")));
    kv(&s, 9, "none", m_new());
    f_var(&s, 10, 3);
    M ev = m_new();
    f_f64(&ev, 1, 1700000000500000000ull);
    f_str(&ev, 2, "exception");
    kv(&ev, 3, "exception.message", v_str("boom"));
    f_var(&ev, 4, 1);
    f_msg(&s, 11, ev);
    ev = m_new();
    f_str(&ev, 2, "second");
    f_msg(&s, 11, ev);
    f_var(&s, 12, 5);
    M ln = m_new();
    f_bytes(&ln, 1, TID, 16);
    f_bytes(&ln, 2, PID, 8);
    f_str(&ln, 3, "k=v");
    kv(&ln, 4, "link.attr", v_int(1));
    f_var(&ln, 5, 2);
    f_f32(&ln, 6, 0x301);
    f_msg(&s, 13, ln);
    f_var(&s, 14, 6);
    M st = m_new();
    f_var(&st, 1, 9); /* deprecated_code: unknown now */
    f_str(&st, 2, "it failed");
    f_var(&st, 3, 2);
    f_msg(&s, 15, st);
    f_f32(&s, 16, 0x101);
    f_var(&s, 99, 12345);   /* unknown fields of every wire type are skipped */
    f_str(&s, 100, "later");
    f_f32(&s, 101, 7);
    f_f64(&s, 102, 7);
    return s;
}

static void test_span_every_field(void **state)
{
    (void)state;
    M res = m_new(), resource = m_new(), scope = m_new(), ss = m_new(), req = m_new();
    kv(&resource, 1, "service.name", v_str("checkout"));
    kv(&resource, 1, "host.cpus", v_int(8));
    f_var(&resource, 2, 1);
    f_msg(&res, 1, resource);
    f_str(&scope, 1, "io.opentelemetry.http");
    f_str(&scope, 2, "1.2.3");
    kv(&scope, 3, "scope.attr", v_bool(0));
    f_var(&scope, 4, 0);
    f_msg(&ss, 1, scope);
    f_msg(&ss, 2, full_span());
    M empty = m_new();
    f_str(&empty, 5, "bare");
    f_bytes(&empty, 1, "", 0); /* empty ids are absent */
    f_msg(&ss, 2, empty);
    f_str(&ss, 3, "https://opentelemetry.io/schemas/scope");
    f_msg(&res, 2, ss);
    f_str(&res, 3, "https://opentelemetry.io/schemas/1.21.0");
    f_msg(&req, 1, res);

    otlp_traces t;
    assert_int_equal(traces(&req, &t), 0);
    assert_int_equal(t.nspans, 2);
    const otlp_span *s = &t.spans[0];
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
    assert_int_equal(s->flags, 0x101);
    assert_int_equal(s->status_code, 2);
    assert_slice(s->status_message, "it failed");

    assert_int_equal(s->attrs.n, 8);
    assert_slice(s->attrs.a[0].key, "http.method");
    assert_int_equal(s->attrs.a[0].value.type, OTLP_STRING);
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
    assert_int_equal(map->u.kv.n, 1);
    assert_slice(map->u.kv.a[0].key, "inner");
    assert_slice(map->u.kv.a[0].value.u.s, "x");
    assert_int_equal(s->attrs.a[7].value.type, OTLP_EMPTY);
    assert_ptr_equal(otlp_attrs_get(&s->attrs, "ratio"), &s->attrs.a[2].value);
    assert_null(otlp_attrs_get(&s->attrs, "missing"));

    assert_int_equal(s->nevents, 2);
    assert_true(s->events[0].time_ns == 1700000000500000000ull);
    assert_slice(s->events[0].name, "exception");
    assert_int_equal(s->events[0].attrs.n, 1);
    assert_slice(s->events[0].attrs.a[0].value.u.s, "boom");
    assert_slice(s->events[1].name, "second");
    assert_int_equal(s->events[1].attrs.n, 0);
    assert_int_equal(s->nlinks, 1);
    assert_memory_equal(s->links[0].trace_id, TID, 16);
    assert_memory_equal(s->links[0].span_id, PID, 8);
    assert_slice(s->links[0].trace_state, "k=v");
    assert_int_equal(s->links[0].attrs.n, 1);
    assert_slice(s->links[0].attrs.a[0].key, "link.attr");

    const otlp_resource *r = s->resource;
    assert_non_null(r);
    assert_int_equal(r->attrs.n, 2);
    assert_slice(otlp_attrs_get(&r->attrs, "service.name")->u.s, "checkout");
    assert_slice(r->schema_url, "https://opentelemetry.io/schemas/1.21.0");
    const otlp_scope *sc = s->scope;
    assert_slice(sc->name, "io.opentelemetry.http");
    assert_slice(sc->version, "1.2.3");
    assert_int_equal(sc->attrs.n, 1);
    assert_int_equal(sc->attrs.a[0].value.u.b, 0);

    s = &t.spans[1];
    assert_slice(s->name, "bare");
    assert_int_equal(s->has_trace_id, 0);
    assert_int_equal(s->has_span_id, 0);
    assert_int_equal(s->has_parent, 0);
    assert_int_equal(s->kind, 0);
    assert_int_equal(s->nevents + s->nlinks + s->attrs.n, 0);
    assert_ptr_equal(s->resource, r);
    assert_ptr_equal(s->scope, sc);
    /* strings are borrowed from the body */
    assert_true(s->name.p > req.p && s->name.p < req.p + req.n);
    buf_free(&req);
}

static void test_spans_flattened(void **state)
{
    (void)state;
    M req = m_new();
    for (int r = 0; r < 2; r++) {
        M res = m_new(), resource = m_new();
        kv(&resource, 1, "service.name", v_str(r ? "b" : "a"));
        f_msg(&res, 1, resource);
        for (int s = 0; s < 2; s++) {
            M ss = m_new(), scope = m_new();
            f_str(&scope, 1, s ? "s1" : "s0");
            for (int k = 0; k < 2; k++) {
                M span = m_new();
                char name[8] = { 'r', (char)('0' + r), 's', (char)('0' + s), 'k', (char)('0' + k), 0 };
                f_str(&span, 5, name);
                f_msg(&ss, 2, span);
            }
            f_msg(&ss, 1, scope); /* the scope after its spans: still theirs */
            f_msg(&res, 2, ss);
        }
        f_msg(&req, 1, res);
    }
    otlp_traces t;
    assert_int_equal(traces(&req, &t), 0);
    assert_int_equal(t.nspans, 8);
    assert_slice(t.spans[0].name, "r0s0k0");
    assert_slice(t.spans[3].name, "r0s1k1");
    assert_slice(t.spans[7].name, "r1s1k1");
    assert_slice(t.spans[2].scope->name, "s1");
    assert_slice(otlp_attrs_get(&t.spans[5].resource->attrs, "service.name")->u.s, "b");
    assert_ptr_equal(t.spans[0].resource, t.spans[3].resource);
    assert_true(t.spans[3].resource != t.spans[4].resource);

    M empty = m_new();
    assert_int_equal(traces(&empty, &t), 0);
    assert_int_equal(t.nspans, 0);
    buf_free(&req);
}

static void test_anyvalue_oneof_last_wins(void **state)
{
    (void)state;
    M val = m_new();
    f_str(&val, 1, "first");
    f_var(&val, 3, 5);
    M span = m_new();
    kv(&span, 9, "k", val);
    M req = wrap(span);
    otlp_traces t;
    assert_int_equal(traces(&req, &t), 0);
    assert_int_equal(t.spans[0].attrs.a[0].value.type, OTLP_INT);
    assert_int_equal(t.spans[0].attrs.a[0].value.u.i, 5);
    buf_free(&req);
}

/* A KeyValue is read the same whatever its field order and extra fields
 * (the common 0a key 12 (0a value) encoding has a fast path). */
static void test_keyvalue_encodings(void **state)
{
    (void)state;
    M span = m_new(), k1 = m_new(), k2 = m_new(), v2 = m_new();
    f_msg(&k1, 2, v_str("reversed"));
    f_str(&k1, 1, "a");
    f_msg(&span, 9, k1);
    f_str(&k2, 1, "b");
    f_str(&v2, 1, "extra");
    f_var(&v2, 99, 1);
    f_msg(&k2, 2, v2);
    f_msg(&span, 9, k2);
    kv(&span, 9, "c", v_str(""));
    kv(&span, 9, "", v_str("empty key"));
    M req = wrap(span);
    otlp_traces t;
    assert_int_equal(traces(&req, &t), 0);
    const otlp_attrs *as = &t.spans[0].attrs;
    assert_int_equal(as->n, 4);
    assert_slice(as->a[0].key, "a");
    assert_slice(as->a[0].value.u.s, "reversed");
    assert_slice(as->a[1].value.u.s, "extra");
    assert_int_equal(as->a[2].value.type, OTLP_STRING);
    assert_int_equal(as->a[2].value.u.s.n, 0);
    assert_int_equal(as->a[3].key.n, 0);
    assert_slice(as->a[3].value.u.s, "empty key");
    buf_free(&req);
}

static void test_traces_truncated(void **state)
{
    (void)state;
    M span = full_span();
    M req = wrap(span);
    /* every cut either decodes (cut at a boundary of the outer message) or
     * fails cleanly with a message */
    for (size_t n = 0; n < req.n; n++) {
        otlp_traces t;
        M cut = m_new();
        assert_int_equal(buf_append(&cut, req.p, n), 0);
        int rc = traces(&cut, &t);
        assert_true(rc == 0 || (rc == LOUPE_EINVAL && E.msg[0]));
        buf_free(&cut);
    }
    /* the body itself */
    req.n--;
    traces_err(req, LOUPE_EINVAL, "truncated or malformed protobuf");

    /* inside a span */
    span = full_span();
    span.n -= 3;
    traces_err(wrap(span), LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0]: truncated or malformed protobuf");

    /* inside an attribute's value: the length of the value field runs past the KeyValue */
    span = m_new();
    M k = m_new();
    f_str(&k, 1, "key");
    assert_int_equal(buf_append(&k, "\x12\x05\x0a\x01", 4), 0);
    f_msg(&span, 9, k);
    traces_err(wrap(span), LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes[0]: truncated or malformed protobuf");

    /* inside an AnyValue */
    span = m_new();
    M v = m_new();
    assert_int_equal(buf_append(&v, "\x0a\x05" "ab", 4), 0);
    kv(&span, 9, "key", v);
    traces_err(wrap(span), LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"key\"].value: truncated or malformed protobuf");

    /* inside an event, and inside a scope */
    span = m_new();
    M ev = m_new();
    assert_int_equal(buf_append(&ev, "\x09\x01\x02", 3), 0); /* fixed64 cut short */
    f_msg(&span, 11, ev);
    traces_err(wrap(span), LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].events[0]: truncated or malformed protobuf");
    M scope = m_new(), ss = m_new(), res = m_new(), req2 = m_new();
    assert_int_equal(buf_append(&scope, "\x0a\x09" "abc", 5), 0);
    f_msg(&ss, 1, scope);
    f_msg(&res, 2, ss);
    f_msg(&req2, 1, res);
    traces_err(req2, LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].scope: truncated or malformed protobuf");

    /* a group, and field number 0 */
    M g = m_new();
    assert_int_equal(buf_append(&g, "\x0b\x0c", 2), 0);
    traces_err(g, LOUPE_EINVAL, "truncated or malformed protobuf");
    span = m_new();
    assert_int_equal(buf_append(&span, "\x00\x01", 2), 0);
    traces_err(wrap(span), LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0]: truncated or malformed protobuf");
}

static void test_traces_wire_types(void **state)
{
    (void)state;
    M span = m_new();
    f_var(&span, 5, 1);
    traces_err(wrap(span), LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].name: wire type varint, want length-delimited");
    span = m_new();
    f_f64(&span, 16, 1); /* flags is fixed32 */
    traces_err(wrap(span), LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].flags: wire type fixed64, want fixed32");
    span = m_new();
    f_var(&span, 7, 1); /* start time is fixed64 */
    traces_err(wrap(span), LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: wire type varint, want fixed64");
    span = m_new();
    M st = m_new();
    f_str(&st, 3, "ERROR");
    f_msg(&span, 15, st);
    traces_err(wrap(span), LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].status.code: wire type length-delimited, want varint");
    span = m_new();
    M v = m_new();
    f_f64(&v, 3, 1); /* intValue is a varint */
    kv(&span, 9, "n", v);
    traces_err(wrap(span), LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"n\"].value.intValue: wire type fixed64, want varint");
    M req = m_new();
    f_var(&req, 1, 1);
    traces_err(req, LOUPE_EINVAL, "resourceSpans: wire type varint, want length-delimited");
    M res = m_new();
    req = m_new();
    f_var(&res, 2, 1);
    f_msg(&req, 1, res);
    traces_err(req, LOUPE_EINVAL, "resourceSpans[0].scopeSpans: wire type varint, want length-delimited");
}

static void test_traces_ids(void **state)
{
    (void)state;
    M span = m_new();
    f_bytes(&span, 1, TID, 15);
    traces_err(wrap(span), LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].traceId: 15 bytes, want 16");
    span = m_new();
    f_bytes(&span, 2, TID, 16);
    traces_err(wrap(span), LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].spanId: 16 bytes, want 8");
    span = m_new();
    f_bytes(&span, 4, SID, 7);
    traces_err(wrap(span), LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].parentSpanId: 7 bytes, want 8");
    span = m_new();
    M ln = m_new();
    uint8_t id17[17] = { 0 };
    f_bytes(&ln, 1, id17, 17);
    f_msg(&span, 13, ln);
    traces_err(wrap(span), LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].links[0].traceId: 17 bytes, want 16");
}

static void test_traces_utf8(void **state)
{
    (void)state;
    M span = m_new();
    f_str(&span, 5, "bad \xc3\x28 name");
    traces_err(wrap(span), LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].name: invalid UTF-8");
    span = m_new();
    kv(&span, 9, "http.url", v_str("\xed\xa0\x80")); /* a surrogate */
    traces_err(wrap(span), LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"http.url\"].value.stringValue: invalid UTF-8");
    span = m_new();
    kv(&span, 9, "k\xff", v_str("v"));
    traces_err(wrap(span), LOUPE_EINVAL, "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].key: invalid UTF-8");
    span = m_new();
    kv(&span, 9, "nested", v_kvlist1("in\"ner", v_array2(v_str("ok"), v_str("\xc0\x80"))));
    traces_err(wrap(span), LOUPE_EINVAL,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"nested\"].value.kvlistValue.values[\"in?ner\"]"
               ".value.arrayValue.values[1].stringValue: invalid UTF-8");
    /* bytes values need not be UTF-8 */
    span = m_new();
    kv(&span, 9, "b", v_bytes("\xff\xfe", 2));
    M req = wrap(span);
    otlp_traces t;
    assert_int_equal(traces(&req, &t), 0);
    buf_free(&req);
}

static void test_traces_limits(void **state)
{
    (void)state;
    /* nesting */
    L.max_depth = 2;
    M span = m_new();
    kv(&span, 9, "ok", v_array2(v_array2(v_int(1), v_int(2)), v_int(3)));
    M req = wrap(span);
    otlp_traces t;
    assert_int_equal(traces(&req, &t), 0);
    assert_int_equal(t.spans[0].attrs.a[0].value.u.arr.v[0].u.arr.v[1].u.i, 2);
    buf_free(&req);
    span = m_new();
    kv(&span, 9, "deep", v_array2(v_kvlist1("x", v_array2(v_int(1), v_int(2))), v_int(3)));
    traces_err(wrap(span), LOUPE_ETOOBIG,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"deep\"].value.arrayValue.values[0].kvlistValue"
               ".values[\"x\"].value.arrayValue: arrays and kvlists nested deeper than 2");
    otlp_limits_default(&L);

    /* value and key sizes */
    L.max_value_bytes = 8;
    L.max_key_bytes = 4;
    span = m_new();
    kv(&span, 9, "big", v_str("123456789"));
    traces_err(wrap(span), LOUPE_ETOOBIG,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"big\"].value.stringValue: 9 bytes exceed the limit of 8");
    span = m_new();
    kv(&span, 9, "blob", v_bytes("123456789", 9));
    traces_err(wrap(span), LOUPE_ETOOBIG,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"blob\"].value.bytesValue: 9 bytes exceed the limit of 8");
    span = m_new();
    kv(&span, 9, "longkey", v_str("v"));
    traces_err(wrap(span), LOUPE_ETOOBIG,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].key: 7 bytes exceed the limit of 4");
    span = m_new();
    f_str(&span, 5, "a long span name");
    traces_err(wrap(span), LOUPE_ETOOBIG, "resourceSpans[0].scopeSpans[0].spans[0].name: 16 bytes exceed the limit of 8");
    otlp_limits_default(&L);

    /* counts */
    L.max_items = 2;
    M ss = m_new();
    for (int i = 0; i < 3; i++) {
        span = m_new();
        f_str(&span, 5, "s");
        f_msg(&ss, 2, span);
    }
    M res = m_new();
    req = m_new();
    f_msg(&res, 2, ss);
    f_msg(&req, 1, res);
    traces_err(req, LOUPE_ETOOBIG, "more than 2 spans, events and links in one request");
    span = m_new();
    f_msg(&span, 11, m_new());
    f_msg(&span, 13, m_new());
    traces_err(wrap(span), LOUPE_ETOOBIG,
               "resourceSpans[0].scopeSpans[0].spans[0].links: more than 2 spans, events and links in one request");
    otlp_limits_default(&L);
    L.max_attrs = 2;
    span = m_new();
    kv(&span, 9, "a", v_int(1));
    kv(&span, 9, "b", v_int(1));
    kv(&span, 9, "c", v_int(1));
    traces_err(wrap(span), LOUPE_ETOOBIG,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes: 3 attributes exceed the limit of 2");
    span = m_new();
    M arr = m_new(), v = m_new();
    for (int i = 0; i < 3; i++)
        f_msg(&arr, 1, v_int(i));
    f_msg(&v, 5, arr);
    kv(&span, 9, "arr", v);
    traces_err(wrap(span), LOUPE_ETOOBIG,
               "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"arr\"].value.arrayValue.values: 3 values exceed the "
               "limit of 2");
}

static void test_traces_enum_out_of_range(void **state)
{
    (void)state;
    M span = m_new();
    f_var(&span, 6, 77);
    M st = m_new();
    f_var(&st, 3, 1ull << 40);
    f_msg(&span, 15, st);
    M req = wrap(span);
    otlp_traces t;
    assert_int_equal(traces(&req, &t), 0);
    assert_int_equal(t.spans[0].kind, 0);
    assert_int_equal(t.spans[0].status_code, 0);
    buf_free(&req);
}

/* ------------------------------------------------------------ metrics */

static void put_fixed64s_packed(M *b, uint32_t num, const uint64_t *v, size_t n)
{
    f_bytes(b, num, v, n * 8);
}

static M number_point(int is_int, double d, int64_t i)
{
    M p = m_new();
    kv(&p, 7, "host", v_str("a"));
    f_f64(&p, 2, 1000);
    f_f64(&p, 3, 2000);
    if (is_int)
        f_f64(&p, 6, (uint64_t)i); /* sfixed64 */
    else
        f_dbl(&p, 4, d);
    f_msg(&p, 5, m_new()); /* an exemplar: ignored */
    return p;
}

static M metric(const char *name, uint32_t kind, M data)
{
    M m = m_new();
    f_str(&m, 1, name);
    f_str(&m, 2, "the description");
    f_str(&m, 3, "ms");
    f_msg(&m, kind, data);
    f_msg(&m, 12, m_new()); /* metadata: ignored */
    return m;
}

static void test_metrics_all_kinds(void **state)
{
    (void)state;
    M ss = m_new();
    /* gauge: a double and an int point, one with no recorded value */
    M g = m_new(), p = number_point(0, 3.5, 0);
    f_msg(&g, 1, p);
    p = number_point(1, 0, -42);
    f_var(&p, 8, 1);
    f_msg(&g, 1, p);
    f_msg(&ss, 2, metric("temp", 5, g));
    /* sum */
    M s = m_new();
    f_msg(&s, 1, number_point(1, 0, 9007199254740993LL));
    f_var(&s, 2, 2);
    f_var(&s, 3, 1);
    f_msg(&ss, 2, metric("requests", 7, s));
    /* histogram, packed */
    M h = m_new();
    p = m_new();
    kv(&p, 9, "route", v_str("/"));
    f_f64(&p, 2, 10);
    f_f64(&p, 3, 20);
    f_f64(&p, 4, 6);
    f_dbl(&p, 5, 12.5);
    const uint64_t counts[3] = { 1, 2, 3 };
    put_fixed64s_packed(&p, 6, counts, 3);
    const double bounds[2] = { 0.5, 2.5 };
    f_bytes(&p, 7, bounds, 16);
    f_var(&p, 10, 1);
    f_dbl(&p, 11, 0.1);
    f_dbl(&p, 12, 9.9);
    f_msg(&h, 1, p);
    /* and unpacked, split in two runs after an empty packed one, without sum */
    p = m_new();
    f_bytes(&p, 6, "", 0);
    f_f64(&p, 6, 4);
    f_dbl(&p, 7, 1.0);
    f_f64(&p, 6, 5);
    f_f64(&p, 4, 9);
    f_msg(&h, 1, p);
    f_var(&h, 2, 1);
    f_msg(&ss, 2, metric("latency", 9, h));
    /* exponential histogram */
    M x = m_new();
    p = m_new();
    kv(&p, 1, "k", v_int(1));
    f_f64(&p, 3, 30);
    f_f64(&p, 4, 304);
    f_dbl(&p, 5, 100.5);
    f_var(&p, 6, 5); /* sint32 zigzag: -3 */
    f_f64(&p, 7, 2);
    M pos = m_new();
    f_var(&pos, 1, 3); /* -2 */
    f_bytes(&pos, 2, "\x01\xac\x02", 3); /* packed varints 1, 300 */
    f_msg(&p, 8, pos);
    M neg = m_new();
    f_var(&neg, 1, 4); /* 2 */
    f_var(&neg, 2, 7);
    f_var(&neg, 2, 1ull << 40);
    f_msg(&p, 9, neg);
    f_var(&p, 10, 0);
    f_dbl(&p, 12, -4);
    f_dbl(&p, 13, 40);
    f_dbl(&p, 14, 1e-9);
    f_msg(&x, 1, p);
    f_var(&x, 2, 2);
    f_msg(&ss, 2, metric("exp", 10, x));
    /* summary */
    M sm = m_new();
    p = m_new();
    f_f64(&p, 4, 10);
    f_dbl(&p, 5, 55);
    M q = m_new();
    f_dbl(&q, 1, 0.5);
    f_dbl(&q, 2, 5);
    f_msg(&p, 6, q);
    q = m_new();
    f_dbl(&q, 1, 0.99);
    f_dbl(&q, 2, 9.9);
    f_msg(&p, 6, q);
    f_var(&p, 8, 1);
    f_msg(&sm, 1, p);
    f_msg(&ss, 2, metric("rpc", 11, sm));
    /* a metric with no data */
    M none = m_new();
    f_str(&none, 1, "nothing");
    f_msg(&ss, 2, none);
    M res = m_new(), req = m_new();
    f_msg(&res, 2, ss);
    f_msg(&req, 1, res);

    otlp_metrics m;
    assert_int_equal(metrics(&req, &m), 0);
    assert_int_equal(m.nmetrics, 6);
    assert_int_equal(m.npoints, 7);

    const otlp_metric *mt = &m.metrics[0];
    assert_slice(mt->name, "temp");
    assert_slice(mt->description, "the description");
    assert_slice(mt->unit, "ms");
    assert_int_equal(mt->type, OTLP_M_GAUGE);
    assert_int_equal(mt->npoints, 2);
    assert_true(mt->points[0].value == 3.5);
    assert_int_equal(mt->points[0].is_int, 0);
    assert_true(mt->points[0].start_ns == 1000 && mt->points[0].time_ns == 2000);
    assert_slice(mt->points[0].attrs.a[0].value.u.s, "a");
    assert_int_equal(mt->points[1].is_int, 1);
    assert_int_equal(mt->points[1].ivalue, -42);
    assert_true(mt->points[1].value == -42.0);
    assert_int_equal(mt->points[1].flags, OTLP_FLAG_NO_RECORDED_VALUE);
    assert_non_null(mt->resource);
    assert_non_null(mt->scope);

    mt = &m.metrics[1];
    assert_int_equal(mt->type, OTLP_M_SUM);
    assert_int_equal(mt->temporality, OTLP_TEMPORALITY_CUMULATIVE);
    assert_int_equal(mt->monotonic, 1);
    assert_true(mt->points[0].ivalue == 9007199254740993LL); /* exact, beyond 2^53 */

    mt = &m.metrics[2];
    assert_int_equal(mt->type, OTLP_M_HISTOGRAM);
    assert_int_equal(mt->temporality, OTLP_TEMPORALITY_DELTA);
    assert_int_equal(mt->npoints, 2);
    const otlp_point *hp = &mt->points[0];
    assert_int_equal(hp->count, 6);
    assert_int_equal(hp->has_sum, 1);
    assert_true(hp->sum == 12.5);
    assert_int_equal(hp->nbucket_counts, 3);
    assert_int_equal(hp->bucket_counts[0], 1);
    assert_int_equal(hp->bucket_counts[2], 3);
    assert_int_equal(hp->nbounds, 2);
    assert_true(hp->bounds[0] == 0.5 && hp->bounds[1] == 2.5);
    assert_int_equal((uintptr_t)hp->bucket_counts % 8, 0);
    assert_int_equal((uintptr_t)hp->bounds % 8, 0);
    assert_int_equal(hp->flags, 1);
    assert_true(hp->has_min && hp->min == 0.1);
    assert_true(hp->has_max && hp->max == 9.9);
    assert_slice(hp->attrs.a[0].key, "route");
    hp = &mt->points[1];
    assert_int_equal(hp->has_sum, 0);
    assert_int_equal(hp->count, 9);
    assert_int_equal(hp->nbucket_counts, 2);
    assert_int_equal(hp->bucket_counts[0], 4);
    assert_int_equal(hp->bucket_counts[1], 5);
    assert_int_equal(hp->nbounds, 1);
    assert_true(hp->bounds[0] == 1.0);
    assert_int_equal(hp->has_min + hp->has_max, 0);

    mt = &m.metrics[3];
    assert_int_equal(mt->type, OTLP_M_EXP_HISTOGRAM);
    assert_int_equal(mt->temporality, 2);
    const otlp_point *xp = &mt->points[0];
    assert_int_equal(xp->attrs.n, 1);
    assert_int_equal(xp->count, 304);
    assert_true(xp->has_sum && xp->sum == 100.5);
    assert_int_equal(xp->scale, -3);
    assert_int_equal(xp->zero_count, 2);
    assert_int_equal(xp->positive.offset, -2);
    assert_int_equal(xp->positive.n, 2);
    assert_int_equal(xp->positive.counts[0], 1);
    assert_int_equal(xp->positive.counts[1], 300);
    assert_int_equal(xp->negative.offset, 2);
    assert_int_equal(xp->negative.n, 2);
    assert_true(xp->negative.counts[1] == 1ull << 40);
    assert_true(xp->has_min && xp->min == -4);
    assert_true(xp->has_max && xp->max == 40);
    assert_true(xp->zero_threshold == 1e-9);

    mt = &m.metrics[4];
    assert_int_equal(mt->type, OTLP_M_SUMMARY);
    const otlp_point *sp = &mt->points[0];
    assert_int_equal(sp->count, 10);
    assert_true(sp->has_sum && sp->sum == 55);
    assert_int_equal(sp->nquantiles, 2);
    assert_true(sp->quantiles[0].q == 0.5 && sp->quantiles[0].v == 5);
    assert_true(sp->quantiles[1].q == 0.99 && sp->quantiles[1].v == 9.9);
    assert_int_equal(sp->flags, 1);

    mt = &m.metrics[5];
    assert_slice(mt->name, "nothing");
    assert_int_equal(mt->type, OTLP_M_NONE);
    assert_int_equal(mt->npoints, 0);
    buf_free(&req);
}

static void metrics_err(M req, int code, const char *msg)
{
    otlp_metrics m;
    int rc = metrics(&req, &m);
    if (rc != code || strcmp(E.msg, msg))
        fail_msg("got %d \"%s\", want %d \"%s\"", rc, E.msg, code, msg);
    buf_free(&req);
}

static M hist_metric(M point)
{
    M h = m_new();
    f_msg(&h, 1, point);
    return metric("h", 9, h);
}

static void test_metrics_errors(void **state)
{
    (void)state;
    M p = m_new();
    const uint64_t counts[3] = { 1, 2, 3 };
    put_fixed64s_packed(&p, 6, counts, 3);
    f_dbl(&p, 7, 1);
    metrics_err(wrap(hist_metric(p)), LOUPE_EINVAL,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts: 3 counts for 1 "
                "explicitBounds, want 2");
    p = m_new();
    f_bytes(&p, 6, "1234567", 7);
    metrics_err(wrap(hist_metric(p)), LOUPE_EINVAL,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts: packed length 7 "
                "is not a multiple of 8");
    p = m_new();
    f_var(&p, 6, 1);
    metrics_err(wrap(hist_metric(p)), LOUPE_EINVAL,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts: wire type varint, "
                "want fixed64");
    L.max_buckets = 2;
    p = m_new();
    put_fixed64s_packed(&p, 6, counts, 3);
    metrics_err(wrap(hist_metric(p)), LOUPE_ETOOBIG,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts: 3 values exceed "
                "the limit of 2");
    otlp_limits_default(&L);
    /* number point value with the wrong wire type */
    M g = m_new();
    p = m_new();
    f_var(&p, 6, 5);
    f_msg(&g, 1, p);
    metrics_err(wrap(metric("g", 5, g)), LOUPE_EINVAL,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asInt: wire type varint, want fixed64");
    /* exponential buckets: a packed varint cut short */
    M x = m_new(), pos = m_new();
    p = m_new();
    f_bytes(&pos, 2, "\x01\xac", 2);
    f_msg(&p, 8, pos);
    f_msg(&x, 1, p);
    metrics_err(wrap(metric("x", 10, x)), LOUPE_EINVAL,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].exponentialHistogram.dataPoints[0].positive.bucketCounts: "
                "truncated packed varint");
    /* too many points */
    L.max_items = 1;
    g = m_new();
    f_msg(&g, 1, number_point(0, 1, 0));
    f_msg(&g, 1, number_point(0, 2, 0));
    metrics_err(wrap(metric("g", 5, g)), LOUPE_ETOOBIG,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints: more than 1 data points in one "
                "request");
    otlp_limits_default(&L);
    /* a truncated quantile */
    M sm = m_new(), q = m_new();
    p = m_new();
    assert_int_equal(buf_append(&q, "\x09\x00", 2), 0);
    f_msg(&p, 6, q);
    f_msg(&sm, 1, p);
    metrics_err(wrap(metric("s", 11, sm)), LOUPE_EINVAL,
                "resourceMetrics[0].scopeMetrics[0].metrics[0].summary.dataPoints[0].quantileValues[0]: truncated or "
                "malformed protobuf");
    /* a metric name that is not UTF-8 */
    M mt = m_new();
    f_str(&mt, 1, "\xfe");
    metrics_err(wrap(mt), LOUPE_EINVAL, "resourceMetrics[0].scopeMetrics[0].metrics[0].name: invalid UTF-8");
}

/* ------------------------------------------------------------ logs */

static void test_logs_every_field(void **state)
{
    (void)state;
    M ss = m_new();
    M bodies[8] = { v_str("hello"), v_int(-7), v_dbl(1.5), v_bool(1), v_bytes("\x01\x02\x03", 3),
                    v_array2(v_str("x"), v_bool(0)), v_kvlist1("k", v_int(1)), m_new() };
    for (int i = 0; i < 8; i++) {
        M lg = m_new();
        f_msg(&lg, 5, bodies[i]);
        if (i == 0) {
            f_f64(&lg, 1, 1700000000000000001ull);
            f_f64(&lg, 11, 1700000000000000002ull);
            f_var(&lg, 2, 17);
            f_str(&lg, 3, "ERROR");
            kv(&lg, 6, "log.attr", v_str("v"));
            f_var(&lg, 7, 2);
            f_f32(&lg, 8, 1);
            f_bytes(&lg, 9, TID, 16);
            f_bytes(&lg, 10, SID, 8);
            f_str(&lg, 12, "browser.page_view");
        }
        f_msg(&ss, 2, lg);
    }
    M scope = m_new();
    f_str(&scope, 1, "logger");
    f_msg(&ss, 1, scope);
    M res = m_new(), resource = m_new(), req = m_new();
    kv(&resource, 1, "service.name", v_str("svc"));
    f_msg(&res, 1, resource);
    f_msg(&res, 2, ss);
    f_msg(&req, 1, res);

    otlp_logs l;
    assert_int_equal(logs(&req, &l), 0);
    assert_int_equal(l.nlogs, 8);
    const otlp_log *g = &l.logs[0];
    assert_true(g->time_ns == 1700000000000000001ull);
    assert_true(g->observed_ns == 1700000000000000002ull);
    assert_int_equal(g->severity_number, 17);
    assert_slice(g->severity_text, "ERROR");
    assert_int_equal(g->attrs.n, 1);
    assert_int_equal(g->flags, 1);
    assert_int_equal(g->has_trace_id, 1);
    assert_int_equal(g->has_span_id, 1);
    assert_memory_equal(g->trace_id, TID, 16);
    assert_memory_equal(g->span_id, SID, 8);
    assert_slice(g->event_name, "browser.page_view");
    assert_slice(g->scope->name, "logger");
    assert_slice(otlp_attrs_get(&g->resource->attrs, "service.name")->u.s, "svc");
    assert_int_equal(g->body.type, OTLP_STRING);
    assert_slice(g->body.u.s, "hello");
    assert_int_equal(l.logs[1].body.type, OTLP_INT);
    assert_int_equal(l.logs[1].body.u.i, -7);
    assert_int_equal(l.logs[1].has_trace_id, 0);
    assert_int_equal(l.logs[1].event_name.n, 0);
    assert_int_equal(l.logs[2].body.type, OTLP_DOUBLE);
    assert_true(l.logs[2].body.u.d == 1.5);
    assert_int_equal(l.logs[3].body.type, OTLP_BOOL);
    assert_int_equal(l.logs[4].body.type, OTLP_BYTES);
    assert_memory_equal(l.logs[4].body.u.s.p, "\x01\x02\x03", 3);
    assert_int_equal(l.logs[5].body.type, OTLP_ARRAY);
    assert_int_equal(l.logs[5].body.u.arr.n, 2);
    assert_int_equal(l.logs[6].body.type, OTLP_KVLIST);
    assert_slice(l.logs[6].body.u.kv.a[0].key, "k");
    assert_int_equal(l.logs[7].body.type, OTLP_EMPTY);
    buf_free(&req);
}

static void logs_err(M req, int code, const char *msg)
{
    otlp_logs l;
    int rc = logs(&req, &l);
    if (rc != code || strcmp(E.msg, msg))
        fail_msg("got %d \"%s\", want %d \"%s\"", rc, E.msg, code, msg);
    buf_free(&req);
}

static void test_logs_errors(void **state)
{
    (void)state;
    M lg = m_new();
    f_bytes(&lg, 9, TID, 15);
    logs_err(wrap(lg), LOUPE_EINVAL, "resourceLogs[0].scopeLogs[0].logRecords[0].traceId: 15 bytes, want 16");
    lg = m_new();
    f_msg(&lg, 5, v_str("\x80"));
    logs_err(wrap(lg), LOUPE_EINVAL, "resourceLogs[0].scopeLogs[0].logRecords[0].body.stringValue: invalid UTF-8");
    lg = m_new();
    f_var(&lg, 8, 1);
    logs_err(wrap(lg), LOUPE_EINVAL, "resourceLogs[0].scopeLogs[0].logRecords[0].flags: wire type varint, want fixed32");
    lg = m_new();
    f_str(&lg, 12, "\xf5\x80\x80\x80");
    logs_err(wrap(lg), LOUPE_EINVAL, "resourceLogs[0].scopeLogs[0].logRecords[0].eventName: invalid UTF-8");
    L.max_depth = 0;
    lg = m_new();
    f_msg(&lg, 5, v_array2(v_int(1), v_int(2)));
    logs_err(wrap(lg), LOUPE_ETOOBIG,
             "resourceLogs[0].scopeLogs[0].logRecords[0].body.arrayValue: arrays and kvlists nested deeper than 0");
    otlp_limits_default(&L);
    L.max_items = 1;
    M ss = m_new(), res = m_new(), req = m_new();
    f_msg(&ss, 2, m_new());
    f_msg(&ss, 2, m_new());
    f_msg(&res, 2, ss);
    f_msg(&req, 1, res);
    logs_err(req, LOUPE_ETOOBIG, "more than 1 log records in one request");
    otlp_limits_default(&L);
    /* severity beyond 24 reads as unspecified */
    lg = m_new();
    f_var(&lg, 2, 99);
    req = wrap(lg);
    otlp_logs l;
    assert_int_equal(logs(&req, &l), 0);
    assert_int_equal(l.logs[0].severity_number, 0);
    buf_free(&req);
}

/* NULL limits are the defaults; a deep value is capped even when the
 * limits allow more than the decoder's recursion bound. */
static void test_null_limits_and_depth_cap(void **state)
{
    (void)state;
    M v = v_int(1);
    for (int i = 0; i < 70; i++) {
        M arr = m_new(), w = m_new();
        f_msg(&arr, 1, v);
        f_msg(&w, 5, arr);
        v = w;
    }
    M lg = m_new();
    f_msg(&lg, 5, v);
    M req = wrap(lg);
    otlp_logs l;
    err_clear(&E);
    assert_int_equal(otlp_decode_logs_pb(buf_slice(&req), NULL, A, &l, &E), LOUPE_ETOOBIG);
    assert_non_null(strstr(E.msg, "nested deeper than 16"));
    L.max_depth = 1000;
    assert_int_equal(logs(&req, &l), LOUPE_ETOOBIG);
    assert_non_null(strstr(E.msg, "nested deeper than 64"));
    /* that path is long: cut, and said so */
    const char *head = "resourceLogs[0].scopeLogs[0].logRecords[0].body.arrayValue.values[0].arrayValue";
    assert_int_equal(strncmp(E.msg, head, strlen(head)), 0);
    assert_non_null(strstr(E.msg, "...: arrays and kvlists nested deeper than 64"));
    buf_free(&req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_span_every_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spans_flattened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anyvalue_oneof_last_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyvalue_encodings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traces_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traces_wire_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traces_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traces_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traces_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traces_enum_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_all_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs_every_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_limits_and_depth_cap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
