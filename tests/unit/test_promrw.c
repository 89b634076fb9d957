/* test_promrw.c - remote-write 1.0 decoding (ingest/promrw.h): WriteRequest
 * bytes built by hand with the pb writer helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/pb.h"
#include "ingest/promrw.h"
#include "store/labels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ builders */

static void put_label_n(buf *ts, const char *n, size_t nn, const char *v, size_t vn)
{
    buf l = BUF_INIT;
    assert_int_equal(pb_put_bytes_field(&l, 1, n, nn), 0);
    assert_int_equal(pb_put_bytes_field(&l, 2, v, vn), 0);
    assert_int_equal(pb_put_bytes_field(ts, 1, l.p, l.n), 0);
    buf_free(&l);
}
static void put_label(buf *ts, const char *n, const char *v) { put_label_n(ts, n, strlen(n), v, strlen(v)); }

static void sample_bits(buf *ts, uint64_t bits, int64_t t)
{
    buf s = BUF_INIT;
    assert_int_equal(pb_put_fixed64_field(&s, 1, bits), 0);
    assert_int_equal(pb_put_varint_field(&s, 2, (uint64_t)t), 0);
    assert_int_equal(pb_put_bytes_field(ts, 2, s.p, s.n), 0);
    buf_free(&s);
}
static void sample(buf *ts, double v, int64_t t)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    sample_bits(ts, u, t);
}

static void add_series(buf *req, const buf *ts) { assert_int_equal(pb_put_bytes_field(req, 1, ts->p, ts->n), 0); }

static uint64_t d2u(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

/* Decodes req; the arena and error context are the caller's. */
static int decode(const buf *req, const rw_limits *lim, arena *a, rw_request *out, err_ctx *e)
{
    err_clear(e);
    return promrw_decode(buf_slice(req), lim, a, out, e);
}

/* The single-series request holding ts, decoded and its labels parsed.  The
 * labels point into the request, so it lives in a static buffer until the
 * next call. */
static buf g_req;
static int labels_of(const buf *ts, const labels_limits *lim, arena *a, label **ls, size_t *n, err_ctx *e)
{
    g_req.n = 0;
    add_series(&g_req, ts);
    rw_request r;
    int rc = decode(&g_req, NULL, a, &r, e);
    assert_int_equal(rc, 0);
    assert_int_equal(r.nseries, 1);
    err_clear(e);
    return promrw_series_labels(&r.series[0], lim, a, ls, n, e);
}

static int free_req(void **state)
{
    (void)state;
    buf_free(&g_req);
    return 0;
}

static int has(const err_ctx *e, const char *s) { return strstr(e->msg, s) != NULL; }

/* ------------------------------------------------------------ tests */

static void test_normal_request(void **state)
{
    (void)state;
    buf req = BUF_INIT, ts = BUF_INIT, want_key = BUF_INIT;
    put_label(&ts, "__name__", "http_requests_total");
    put_label(&ts, "job", "api");
    want_key = (buf)BUF_INIT;
    assert_int_equal(buf_append(&want_key, ts.p, ts.n), 0);
    sample(&ts, 1, 1000);
    sample(&ts, 2.5, 2000);
    sample(&ts, 4, 3000);
    add_series(&req, &ts);
    ts.n = 0;
    put_label(&ts, "__name__", "up");
    sample(&ts, 1, 1500);
    add_series(&req, &ts);

    arena *a = arena_create(4096);
    rw_request r;
    err_ctx e = { 0 };
    assert_int_equal(decode(&req, NULL, a, &r, &e), 0);
    assert_int_equal(r.nseries, 2);
    assert_int_equal(r.nsamples, 4);
    assert_int_equal(r.nmeta, 0);
    assert_int_equal(r.nexemplars, 0);
    assert_int_equal(r.nhistograms, 0);
    rw_series *s = &r.series[0];
    assert_int_equal(s->nlabels, 2);
    assert_int_equal(s->nsamples, 3);
    assert_int_equal(s->ts[0], 1000);
    assert_int_equal(s->ts[2], 3000);
    assert_true(s->v[1] == 2.5);
    /* the key is the exact label bytes, and (sorted, non-empty) the canonical form */
    assert_int_equal(s->key.n, want_key.n);
    assert_memory_equal(s->key.p, want_key.p, want_key.n);
    assert_true(s->key.p >= req.p && s->key.p + s->key.n <= req.p + req.n); /* zero-copy */
    assert_true(s->msg.p > req.p && s->msg.p + s->msg.n <= req.p + req.n);

    label *ls;
    size_t n;
    assert_int_equal(promrw_series_labels(s, NULL, a, &ls, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_true(slice_eq_cstr(ls[0].name, "__name__") && slice_eq_cstr(ls[0].value, "http_requests_total"));
    assert_true(slice_eq_cstr(ls[1].name, "job") && slice_eq_cstr(ls[1].value, "api"));
    buf canon = BUF_INIT;
    assert_int_equal(labels_encode(ls, n, &canon), 0);
    assert_true(slice_eq(buf_slice(&canon), s->key));

    s = &r.series[1];
    assert_int_equal(s->nsamples, 1);
    assert_int_equal(s->ts[0], 1500);
    assert_true(s->v[0] == 1);

    buf_free(&canon);
    buf_free(&req);
    buf_free(&ts);
    buf_free(&want_key);
    arena_destroy(a);
}

static void test_many_series(void **state)
{
    (void)state;
    /* more samples than the decoder's first array holds, so the arrays move
     * while series are decoded */
    enum { NS = 1500, NPER = 5 };
    buf req = BUF_INIT, ts = BUF_INIT;
    char v[32];
    for (int i = 0; i < NS; i++) {
        ts.n = 0;
        snprintf(v, sizeof v, "%d", i);
        put_label(&ts, "__name__", "m");
        put_label(&ts, "i", v);
        for (int k = 0; k < NPER; k++)
            sample(&ts, i * 10 + k, (int64_t)i * 1000 + k);
        add_series(&req, &ts);
    }
    arena *a = arena_create(1 << 16);
    rw_request r;
    err_ctx e = { 0 };
    assert_int_equal(decode(&req, NULL, a, &r, &e), 0);
    assert_int_equal(r.nseries, NS);
    assert_int_equal(r.nsamples, NS * NPER);
    for (int i = 0; i < NS; i++) {
        assert_int_equal(r.series[i].nsamples, NPER);
        for (int k = 0; k < NPER; k++) {
            assert_int_equal(r.series[i].ts[k], (int64_t)i * 1000 + k);
            assert_true(r.series[i].v[k] == i * 10 + k);
        }
        label *ls;
        size_t n;
        assert_int_equal(promrw_series_labels(&r.series[i], NULL, a, &ls, &n, &e), 0);
        snprintf(v, sizeof v, "%d", i);
        assert_true(slice_eq_cstr(ls[1].value, v));
    }
    /* limits: exactly at the limit passes, one over fails */
    rw_limits lim = { NS, NS * NPER };
    assert_int_equal(decode(&req, &lim, a, &r, &e), 0);
    lim.max_series = NS - 1;
    assert_int_equal(decode(&req, &lim, a, &r, &e), LOUPE_ETOOBIG);
    assert_true(has(&e, "series"));
    lim.max_series = 0;
    lim.max_samples = NS * NPER - 1;
    assert_int_equal(decode(&req, &lim, a, &r, &e), LOUPE_ETOOBIG);
    assert_true(has(&e, "samples"));
    buf_free(&req);
    buf_free(&ts);
    arena_destroy(a);
}

static void test_labels_interleaved_with_samples(void **state)
{
    (void)state;
    buf ts = BUF_INIT, l1 = BUF_INIT, l2 = BUF_INIT, l3 = BUF_INIT;
    put_label(&l1, "__name__", "x");
    put_label(&l2, "a", "1");
    put_label(&l3, "b", "2");
    assert_int_equal(buf_append(&ts, l1.p, l1.n), 0);
    sample(&ts, 1, 10);
    assert_int_equal(buf_append(&ts, l2.p, l2.n), 0);
    sample(&ts, 2, 20);
    assert_int_equal(pb_put_varint_field(&ts, 9, 5), 0); /* unknown field in between */
    assert_int_equal(buf_append(&ts, l3.p, l3.n), 0);
    buf req = BUF_INIT;
    add_series(&req, &ts);
    arena *a = arena_create(4096);
    rw_request r;
    err_ctx e = { 0 };
    assert_int_equal(decode(&req, NULL, a, &r, &e), 0);
    rw_series *s = &r.series[0];
    assert_int_equal(s->nlabels, 3);
    assert_int_equal(s->nsamples, 2);
    assert_int_equal(s->ts[1], 20);
    /* the key is the label fields gathered in order */
    assert_int_equal(s->key.n, l1.n + l2.n + l3.n);
    assert_memory_equal(s->key.p, l1.p, l1.n);
    assert_memory_equal(s->key.p + l1.n, l2.p, l2.n);
    assert_memory_equal(s->key.p + l1.n + l2.n, l3.p, l3.n);
    label *ls;
    size_t n;
    assert_int_equal(promrw_series_labels(s, NULL, a, &ls, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_true(slice_eq_cstr(ls[2].name, "b"));
    buf_free(&ts);
    buf_free(&l1);
    buf_free(&l2);
    buf_free(&l3);
    buf_free(&req);
    arena_destroy(a);
}

static void test_unsorted_labels_sorted(void **state)
{
    (void)state;
    buf ts = BUF_INIT;
    put_label(&ts, "zone", "eu");
    put_label(&ts, "__name__", "up");
    put_label(&ts, "job", "node");
    put_label(&ts, "Instance", "h:1"); /* uppercase sorts before '_' bytewise */
    sample(&ts, 1, 1);
    arena *a = arena_create(4096);
    label *ls;
    size_t n;
    err_ctx e = { 0 };
    assert_int_equal(labels_of(&ts, NULL, a, &ls, &n, &e), 0);
    assert_int_equal(n, 4);
    assert_true(slice_eq_cstr(ls[0].name, "Instance"));
    assert_true(slice_eq_cstr(ls[1].name, "__name__"));
    assert_true(slice_eq_cstr(ls[2].name, "job"));
    assert_true(slice_eq_cstr(ls[3].name, "zone"));
    assert_true(slice_eq_cstr(ls[3].value, "eu"));
    buf_free(&ts);
    arena_destroy(a);
}

static void test_label_errors(void **state)
{
    (void)state;
    arena *a = arena_create(4096);
    label *ls;
    size_t n;
    err_ctx e = { 0 };
    buf ts = BUF_INIT;

    /* duplicate names: EINVAL, naming the series and the label */
    put_label(&ts, "__name__", "up");
    put_label(&ts, "job", "a");
    put_label(&ts, "job", "b");
    sample(&ts, 1, 1);
    assert_int_equal(labels_of(&ts, NULL, a, &ls, &n, &e), LOUPE_EINVAL);
    assert_true(has(&e, "duplicate label name \"job\""));
    assert_true(has(&e, "series {__name__=\"up\",job=\"a\",job=\"b\"}"));

    /* duplicates that are not adjacent on the wire */
    ts.n = 0;
    put_label(&ts, "job", "a");
    put_label(&ts, "__name__", "up");
    put_label(&ts, "job", "a");
    assert_int_equal(labels_of(&ts, NULL, a, &ls, &n, &e), LOUPE_EINVAL);
    assert_true(has(&e, "duplicate"));

    ts.n = 0;
    put_label(&ts, "__name__", "up");
    put_label(&ts, "", "v");
    assert_int_equal(labels_of(&ts, NULL, a, &ls, &n, &e), LOUPE_EINVAL);
    assert_true(has(&e, "empty label name"));

    ts.n = 0;
    put_label(&ts, "job", "a");
    assert_int_equal(labels_of(&ts, NULL, a, &ls, &n, &e), LOUPE_EINVAL);
    assert_true(has(&e, "__name__"));
    assert_true(has(&e, "series {job=\"a\"}"));

    ts.n = 0;
    put_label(&ts, "__name__", ""); /* present but empty is missing */
    put_label(&ts, "job", "a");
    assert_int_equal(labels_of(&ts, NULL, a, &ls, &n, &e), LOUPE_EINVAL);
    assert_true(has(&e, "__name__"));

    ts.n = 0; /* no labels at all */
    sample(&ts, 1, 1);
    assert_int_equal(labels_of(&ts, NULL, a, &ls, &n, &e), LOUPE_EINVAL);

    ts.n = 0;
    put_label(&ts, "__name__", "up");
    put_label_n(&ts, "b\xff", 2, "v", 1);
    assert_int_equal(labels_of(&ts, NULL, a, &ls, &n, &e), LOUPE_EINVAL);
    assert_true(has(&e, "UTF-8"));

    ts.n = 0;
    put_label(&ts, "__name__", "up");
    put_label_n(&ts, "b", 1, "\xed\xa0\x80", 3); /* a surrogate */
    assert_int_equal(labels_of(&ts, NULL, a, &ls, &n, &e), LOUPE_EINVAL);
    assert_true(has(&e, "UTF-8"));

    ts.n = 0;
    put_label_n(&ts, "__name__", 8, "up\xc0\x80", 4); /* overlong NUL in the name's value */
    assert_int_equal(labels_of(&ts, NULL, a, &ls, &n, &e), LOUPE_EINVAL);

    buf_free(&ts);
    arena_destroy(a);
}

static void test_empty_values_dropped(void **state)
{
    (void)state;
    buf ts = BUF_INIT;
    put_label(&ts, "__name__", "up");
    put_label(&ts, "empty", "");
    put_label(&ts, "job", "x");
    put_label(&ts, "zzz", "");
    arena *a = arena_create(4096);
    label *ls;
    size_t n;
    err_ctx e = { 0 };
    assert_int_equal(labels_of(&ts, NULL, a, &ls, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_true(slice_eq_cstr(ls[0].name, "__name__"));
    assert_true(slice_eq_cstr(ls[1].name, "job"));
    buf_free(&ts);
    arena_destroy(a);
}

static void test_label_limits(void **state)
{
    (void)state;
    arena *a = arena_create(4096);
    label *ls;
    size_t n;
    err_ctx e = { 0 };
    buf ts = BUF_INIT;
    put_label(&ts, "__name__", "up");
    put_label(&ts, "abcd", "12345");
    put_label(&ts, "b", "1");
    labels_limits ok = { 3, 8, 5 };
    assert_int_equal(labels_of(&ts, &ok, a, &ls, &n, &e), 0);
    labels_limits few = { 2, 0, 0 };
    assert_int_equal(labels_of(&ts, &few, a, &ls, &n, &e), LOUPE_ETOOBIG);
    assert_true(has(&e, "labels"));
    labels_limits name = { 0, 3, 0 }; /* "__name__" itself is 8 bytes */
    assert_int_equal(labels_of(&ts, &name, a, &ls, &n, &e), LOUPE_ETOOBIG);
    labels_limits name8 = { 0, 8, 0 };
    assert_int_equal(labels_of(&ts, &name8, a, &ls, &n, &e), 0);
    labels_limits val = { 0, 0, 4 };
    assert_int_equal(labels_of(&ts, &val, a, &ls, &n, &e), LOUPE_ETOOBIG);
    assert_true(has(&e, "abcd"));
    assert_true(has(&e, "series {"));
    buf_free(&ts);
    arena_destroy(a);
}

static void test_bit_exact_values_and_timestamps(void **state)
{
    (void)state;
    static const uint64_t bits[] = {
        0x7ff0000000000002ull, /* Prometheus staleness marker */
        0x7ff8000000000001ull, /* quiet NaN with a payload */
        0xfff8000000000000ull, /* negative NaN */
        0x7ff4000000000000ull, /* signalling NaN */
        0x8000000000000000ull, /* -0.0 */
        0x7ff0000000000000ull, /* +Inf */
        0xfff0000000000000ull, /* -Inf */
        0x0000000000000001ull, /* smallest subnormal */
        0x7fefffffffffffffull, /* DBL_MAX */
    };
    static const int64_t times[] = { -1, INT64_MIN, INT64_MAX, 0, -1700000000000LL, 1, 2, 3, 4 };
    buf ts = BUF_INIT, req = BUF_INIT;
    put_label(&ts, "__name__", "x");
    for (size_t i = 0; i < 9; i++)
        sample_bits(&ts, bits[i], times[i]);
    add_series(&req, &ts);
    arena *a = arena_create(4096);
    rw_request r;
    err_ctx e = { 0 };
    assert_int_equal(decode(&req, NULL, a, &r, &e), 0);
    assert_int_equal(r.series[0].nsamples, 9);
    for (size_t i = 0; i < 9; i++) {
        assert_true(d2u(r.series[0].v[i]) == bits[i]);
        assert_true(r.series[0].ts[i] == times[i]);
    }
    buf_free(&ts);
    buf_free(&req);
    arena_destroy(a);
}

static void test_sample_field_variants(void **state)
{
    (void)state;
    /* non-canonical Sample encodings take the slow path: timestamp first,
     * missing fields (defaults 0), unknown fields, repeated fields (last wins) */
    buf ts = BUF_INIT, s = BUF_INIT, req = BUF_INIT;
    put_label(&ts, "__name__", "x");
    assert_int_equal(pb_put_varint_field(&s, 2, 77), 0);
    assert_int_equal(pb_put_double_field(&s, 1, 3.5), 0);
    assert_int_equal(pb_put_bytes_field(&ts, 2, s.p, s.n), 0);
    s.n = 0; /* empty sample */
    assert_int_equal(pb_put_bytes_field(&ts, 2, s.p, s.n), 0);
    assert_int_equal(pb_put_double_field(&s, 1, 1.0), 0);
    assert_int_equal(pb_put_varint_field(&s, 2, 5), 0);
    assert_int_equal(pb_put_varint_field(&s, 7, 1), 0); /* unknown */
    assert_int_equal(pb_put_bytes_field(&ts, 2, s.p, s.n), 0);
    s.n = 0;
    assert_int_equal(pb_put_double_field(&s, 1, 1.0), 0);
    assert_int_equal(pb_put_double_field(&s, 1, 2.0), 0);
    assert_int_equal(pb_put_varint_field(&s, 2, 9), 0);
    assert_int_equal(pb_put_bytes_field(&ts, 2, s.p, s.n), 0);
    add_series(&req, &ts);
    arena *a = arena_create(4096);
    rw_request r;
    err_ctx e = { 0 };
    assert_int_equal(decode(&req, NULL, a, &r, &e), 0);
    rw_series *x = &r.series[0];
    assert_int_equal(x->nsamples, 4);
    assert_true(x->ts[0] == 77 && x->v[0] == 3.5);
    assert_true(x->ts[1] == 0 && d2u(x->v[1]) == 0);
    assert_true(x->ts[2] == 5 && x->v[2] == 1.0);
    assert_true(x->ts[3] == 9 && x->v[3] == 2.0);
    buf_free(&ts);
    buf_free(&s);
    buf_free(&req);
    arena_destroy(a);
}

static void test_truncated_protobuf(void **state)
{
    (void)state;
    buf ts = BUF_INIT, req = BUF_INIT;
    put_label(&ts, "__name__", "up");
    put_label(&ts, "job", "node");
    sample(&ts, 1, 1000);
    sample(&ts, 2, 2000);
    add_series(&req, &ts);
    add_series(&req, &ts);
    size_t first_end = req.n / 2;
    arena *a = arena_create(4096);
    rw_request r;
    err_ctx e = { 0 };
    for (size_t n = 0; n < req.n; n++) {
        /* exact-size copy: any read past n is an ASan error */
        uint8_t *p = malloc(n ? n : 1);
        memcpy(p, req.p, n);
        err_clear(&e);
        int rc = promrw_decode(slice_make(p, n), NULL, a, &r, &e);
        if (n == 0 || n == first_end) {
            assert_int_equal(rc, 0); /* ends exactly between series */
            assert_int_equal(r.nseries, n ? 1 : 0);
        } else {
            if (rc != LOUPE_EINVAL)
                fail_msg("prefix of %zu/%zu bytes: rc %d", n, req.n, rc);
            assert_true(e.msg[0] != '\0');
        }
        free(p);
    }
    /* a truncated series inside a well-formed outer field */
    buf bad = BUF_INIT;
    assert_int_equal(pb_put_bytes_field(&bad, 1, ts.p, ts.n - 3), 0);
    assert_int_equal(decode(&bad, NULL, a, &r, &e), LOUPE_EINVAL);
    assert_true(has(&e, "series 0"));
    /* a truncated sample inside a well-formed series */
    buf ts2 = BUF_INIT;
    put_label(&ts2, "__name__", "up");
    assert_int_equal(pb_put_bytes_field(&ts2, 2, "\x09\x00\x00", 3), 0);
    bad.n = 0;
    add_series(&bad, &ts2);
    assert_int_equal(decode(&bad, NULL, a, &r, &e), LOUPE_EINVAL);
    assert_true(has(&e, "sample"));
    /* a truncated label is found when the labels are parsed */
    ts2.n = 0;
    assert_int_equal(pb_put_bytes_field(&ts2, 1, "\x0a\x05up", 4), 0);
    bad.n = 0;
    add_series(&bad, &ts2);
    assert_int_equal(decode(&bad, NULL, a, &r, &e), 0);
    label *ls;
    size_t n;
    assert_int_equal(promrw_series_labels(&r.series[0], NULL, a, &ls, &n, &e), LOUPE_EINVAL);
    buf_free(&ts);
    buf_free(&ts2);
    buf_free(&req);
    buf_free(&bad);
    arena_destroy(a);
}

static void test_wrong_wire_types(void **state)
{
    (void)state;
    arena *a = arena_create(4096);
    rw_request r;
    err_ctx e = { 0 };
    buf req = BUF_INIT, ts = BUF_INIT, s = BUF_INIT;

    assert_int_equal(pb_put_varint_field(&req, 1, 5), 0); /* timeseries as a varint */
    assert_int_equal(decode(&req, NULL, a, &r, &e), LOUPE_EINVAL);
    req.n = 0;
    assert_int_equal(pb_put_fixed64_field(&req, 3, 5), 0); /* metadata as fixed64 */
    assert_int_equal(decode(&req, NULL, a, &r, &e), LOUPE_EINVAL);

    static const struct {
        uint32_t num;
        int type;
    } bad_in_series[] = { { 1, PB_VARINT }, { 2, PB_FIXED64 }, { 3, PB_FIXED32 }, { 4, PB_VARINT } };
    for (size_t i = 0; i < 4; i++) {
        ts.n = req.n = 0;
        put_label(&ts, "__name__", "x");
        if (bad_in_series[i].type == PB_VARINT)
            assert_int_equal(pb_put_varint_field(&ts, bad_in_series[i].num, 1), 0);
        else if (bad_in_series[i].type == PB_FIXED64)
            assert_int_equal(pb_put_fixed64_field(&ts, bad_in_series[i].num, 1), 0);
        else {
            assert_int_equal(pb_put_tag(&ts, bad_in_series[i].num, PB_FIXED32), 0);
            assert_int_equal(buf_append(&ts, "\0\0\0\0", 4), 0);
        }
        add_series(&req, &ts);
        assert_int_equal(decode(&req, NULL, a, &r, &e), LOUPE_EINVAL);
        assert_true(has(&e, "wire type"));
    }

    /* Sample.value as a varint, Sample.timestamp as fixed64 */
    ts.n = req.n = s.n = 0;
    put_label(&ts, "__name__", "x");
    assert_int_equal(pb_put_varint_field(&s, 1, 1), 0);
    assert_int_equal(pb_put_varint_field(&s, 2, 1), 0);
    assert_int_equal(pb_put_bytes_field(&ts, 2, s.p, s.n), 0);
    add_series(&req, &ts);
    assert_int_equal(decode(&req, NULL, a, &r, &e), LOUPE_EINVAL);
    ts.n = req.n = s.n = 0;
    put_label(&ts, "__name__", "x");
    assert_int_equal(pb_put_double_field(&s, 1, 1), 0);
    assert_int_equal(pb_put_fixed64_field(&s, 2, 1), 0);
    assert_int_equal(pb_put_bytes_field(&ts, 2, s.p, s.n), 0);
    add_series(&req, &ts);
    assert_int_equal(decode(&req, NULL, a, &r, &e), LOUPE_EINVAL);

    /* Label.name as a varint: found when parsing labels */
    ts.n = req.n = s.n = 0;
    assert_int_equal(pb_put_varint_field(&s, 1, 1), 0);
    assert_int_equal(pb_put_bytes_field(&ts, 1, s.p, s.n), 0);
    add_series(&req, &ts);
    assert_int_equal(decode(&req, NULL, a, &r, &e), 0);
    label *ls;
    size_t n;
    assert_int_equal(promrw_series_labels(&r.series[0], NULL, a, &ls, &n, &e), LOUPE_EINVAL);
    assert_true(has(&e, "malformed label"));

    /* Metadata.type as bytes */
    req.n = s.n = 0;
    assert_int_equal(pb_put_bytes_field(&s, 1, "x", 1), 0);
    assert_int_equal(pb_put_bytes_field(&req, 3, s.p, s.n), 0);
    assert_int_equal(decode(&req, NULL, a, &r, &e), LOUPE_EINVAL);
    assert_true(has(&e, "metadata"));

    /* groups are rejected anywhere */
    req.n = 0;
    assert_int_equal(buf_append(&req, "\x2b\x2c", 2), 0); /* group 5 start/end at top level */
    assert_int_equal(decode(&req, NULL, a, &r, &e), LOUPE_EINVAL);
    ts.n = req.n = 0;
    put_label(&ts, "__name__", "x");
    assert_int_equal(buf_append(&ts, "\x2b\x2c", 2), 0);
    add_series(&req, &ts);
    assert_int_equal(decode(&req, NULL, a, &r, &e), LOUPE_EINVAL);

    /* field number 0 inside a series */
    ts.n = req.n = 0;
    assert_int_equal(buf_append(&ts, "\x02\x00", 2), 0);
    add_series(&req, &ts);
    assert_int_equal(decode(&req, NULL, a, &r, &e), LOUPE_EINVAL);

    /* a field number beyond 2^29-1 must not alias a known field (2^32 + 1
     * truncated to 32 bits would read as field 1, a Label) */
    ts.n = req.n = 0;
    put_label(&ts, "__name__", "x");
    assert_int_equal(buf_put_uvarint(&ts, ((1ull << 32) + 1) << 3 | PB_LEN), 0);
    assert_int_equal(buf_append(&ts, "\x00", 1), 0);
    add_series(&req, &ts);
    assert_int_equal(decode(&req, NULL, a, &r, &e), LOUPE_EINVAL);

    buf_free(&req);
    buf_free(&ts);
    buf_free(&s);
    arena_destroy(a);
}

static void test_unknown_fields_skipped(void **state)
{
    (void)state;
    buf req = BUF_INIT, ts = BUF_INIT;
    assert_int_equal(pb_put_varint_field(&req, 7, 99), 0);
    assert_int_equal(pb_put_bytes_field(&req, 2, "ignored", 7), 0);
    put_label(&ts, "__name__", "x");
    assert_int_equal(pb_put_tag(&ts, 9, PB_FIXED32), 0);
    assert_int_equal(buf_append(&ts, "\1\2\3\4", 4), 0);
    assert_int_equal(pb_put_fixed64_field(&ts, 10, 5), 0);
    assert_int_equal(pb_put_bytes_field(&ts, 11, "zz", 2), 0);
    sample(&ts, 8, 80);
    add_series(&req, &ts);
    assert_int_equal(pb_put_fixed64_field(&req, 15, 1), 0);
    arena *a = arena_create(4096);
    rw_request r;
    err_ctx e = { 0 };
    assert_int_equal(decode(&req, NULL, a, &r, &e), 0);
    assert_int_equal(r.nseries, 1);
    assert_int_equal(r.series[0].nlabels, 1);
    assert_int_equal(r.series[0].nsamples, 1);
    assert_true(r.series[0].v[0] == 8);
    buf_free(&req);
    buf_free(&ts);
    arena_destroy(a);
}

static void test_metadata_only(void **state)
{
    (void)state;
    buf req = BUF_INIT, m = BUF_INIT;
    assert_int_equal(pb_put_varint_field(&m, 1, RW_META_COUNTER), 0);
    assert_int_equal(pb_put_bytes_field(&m, 2, "http_requests_total", 19), 0);
    assert_int_equal(pb_put_bytes_field(&m, 4, "Requests.", 9), 0);
    assert_int_equal(pb_put_bytes_field(&m, 5, "requests", 8), 0);
    assert_int_equal(pb_put_bytes_field(&req, 3, m.p, m.n), 0);
    m.n = 0;
    assert_int_equal(pb_put_varint_field(&m, 1, 99), 0); /* unknown type */
    assert_int_equal(pb_put_bytes_field(&m, 2, "g", 1), 0);
    assert_int_equal(pb_put_bytes_field(&req, 3, m.p, m.n), 0);
    m.n = 0;
    assert_int_equal(pb_put_varint_field(&m, 1, RW_META_STATESET), 0);
    assert_int_equal(pb_put_bytes_field(&req, 3, m.p, m.n), 0);
    arena *a = arena_create(4096);
    rw_request r;
    err_ctx e = { 0 };
    assert_int_equal(decode(&req, NULL, a, &r, &e), 0);
    assert_int_equal(r.nseries, 0);
    assert_int_equal(r.nsamples, 0);
    assert_int_equal(r.nmeta, 3);
    assert_int_equal(r.meta[0].type, RW_META_COUNTER);
    assert_true(slice_eq_cstr(r.meta[0].family, "http_requests_total"));
    assert_true(slice_eq_cstr(r.meta[0].help, "Requests."));
    assert_true(slice_eq_cstr(r.meta[0].unit, "requests"));
    assert_int_equal(r.meta[1].type, RW_META_UNKNOWN);
    assert_true(slice_eq_cstr(r.meta[1].family, "g"));
    assert_int_equal(r.meta[1].help.n, 0);
    assert_int_equal(r.meta[2].type, RW_META_STATESET);
    /* an empty body is an empty request */
    buf empty = BUF_INIT;
    assert_int_equal(decode(&empty, NULL, a, &r, &e), 0);
    assert_int_equal(r.nseries + r.nmeta + r.nsamples, 0);
    buf_free(&req);
    buf_free(&m);
    arena_destroy(a);
}

static void test_exemplars_and_histograms_counted(void **state)
{
    (void)state;
    buf req = BUF_INIT, ts = BUF_INIT;
    put_label(&ts, "__name__", "h");
    sample(&ts, 1, 1);
    assert_int_equal(pb_put_bytes_field(&ts, 3, "\x12\x00", 2), 0); /* Exemplar */
    assert_int_equal(pb_put_bytes_field(&ts, 3, "", 0), 0);
    assert_int_equal(pb_put_bytes_field(&ts, 4, "\x08\x01", 2), 0); /* Histogram */
    add_series(&req, &ts);
    ts.n = 0;
    put_label(&ts, "__name__", "h2");
    assert_int_equal(pb_put_bytes_field(&ts, 4, "", 0), 0);
    assert_int_equal(pb_put_bytes_field(&ts, 4, "", 0), 0);
    add_series(&req, &ts);
    arena *a = arena_create(4096);
    rw_request r;
    err_ctx e = { 0 };
    assert_int_equal(decode(&req, NULL, a, &r, &e), 0);
    assert_int_equal(r.nexemplars, 2);
    assert_int_equal(r.nhistograms, 3);
    assert_int_equal(r.nsamples, 1);
    assert_int_equal(r.series[1].nsamples, 0);
    assert_null(r.series[1].ts);
    buf_free(&req);
    buf_free(&ts);
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_request),
        cmocka_unit_test(test_many_series),
        cmocka_unit_test(test_labels_interleaved_with_samples),
        cmocka_unit_test(test_unsorted_labels_sorted),
        cmocka_unit_test(test_label_errors),
        cmocka_unit_test(test_empty_values_dropped),
        cmocka_unit_test(test_label_limits),
        cmocka_unit_test(test_bit_exact_values_and_timestamps),
        cmocka_unit_test(test_sample_field_variants),
        cmocka_unit_test(test_truncated_protobuf),
        cmocka_unit_test(test_wrong_wire_types),
        cmocka_unit_test(test_unknown_fields_skipped),
        cmocka_unit_test(test_metadata_only),
        cmocka_unit_test(test_exemplars_and_histograms_counted),
    };
    return cmocka_run_group_tests(tests, NULL, free_req);
}
