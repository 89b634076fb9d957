/* test_codec.c - at-rest sample encodings (store/codec.h): every float64 bit
 * pattern and every int64 timestamp sequence must round-trip bit-exact, and
 * corrupt input must fail cleanly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/codec.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STALE 0x7ff0000000000002ull

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 0x2545f4914f6cdd1dull;
}

static double u2d(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}
static uint64_t d2u(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

/* Encodes and decodes ts/v; checks bit-exact equality, that the decoders
 * consume exactly what the encoders wrote, and that every strict prefix of
 * either encoding is rejected.  Returns the value encoding's type. */
static int round_trip(const int64_t *ts, const double *v, size_t n)
{
    buf tb = BUF_INIT, vb = BUF_INIT;
    int type = -1;
    assert_int_equal(codec_ts_encode(ts, n, &tb), 0);
    assert_int_equal(codec_values_encode(v, n, &vb, &type), 0);
    assert_int_equal(vb.p[0], type);

    int64_t *t2 = malloc(n * sizeof *t2);
    double *v2 = malloc(n * sizeof *v2);
    /* exact-size copies: ASan reports any read past the end */
    uint8_t *tc = malloc(tb.n), *vc = malloc(vb.n);
    memcpy(tc, tb.p, tb.n);
    memcpy(vc, vb.p, vb.n);

    const uint8_t *p = tc;
    assert_int_equal(codec_ts_decode(&p, tc + tb.n, t2, n), 0);
    assert_ptr_equal(p, tc + tb.n);
    p = vc;
    assert_int_equal(codec_values_decode(&p, vc + vb.n, v2, n), 0);
    assert_ptr_equal(p, vc + vb.n);
    for (size_t i = 0; i < n; i++) {
        if (t2[i] != ts[i])
            fail_msg("timestamp %zu: %lld != %lld", i, (long long)t2[i], (long long)ts[i]);
        if (memcmp(&v2[i], &v[i], 8) != 0)
            fail_msg("value %zu (type %d): %016llx != %016llx", i, type, (unsigned long long)d2u(v2[i]),
                     (unsigned long long)d2u(v[i]));
    }
    for (size_t k = 0; k < tb.n; k++) {
        p = tc;
        if (codec_ts_decode(&p, tc + k, t2, n) != -1)
            fail_msg("ts prefix %zu/%zu accepted", k, tb.n);
    }
    for (size_t k = 0; k < vb.n; k++) {
        p = vc;
        if (codec_values_decode(&p, vc + k, v2, n) != -1)
            fail_msg("values prefix %zu/%zu (type %d) accepted", k, vb.n, type);
    }
    free(t2);
    free(v2);
    free(tc);
    free(vc);
    buf_free(&tb);
    buf_free(&vb);
    return type;
}

static int64_t *regular_ts(size_t n)
{
    int64_t *t = malloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i] = 1700000000000LL + (int64_t)i * 15000;
    return t;
}

static void test_special_values(void **state)
{
    (void)state;
    static const uint64_t bits[] = {
        STALE, 0x7ff8000000000001ull, 0xfff8000000000000ull, 0x7ff4000000000000ull, 0x7fffffffffffffffull,
        0xffffffffffffffffull, 0x8000000000000000ull, 0x0000000000000000ull, 0x7ff0000000000000ull,
        0xfff0000000000000ull, 0x0000000000000001ull, 0x800fffffffffffffull, 0x0010000000000000ull,
        0x7fefffffffffffffull, 0xffefffffffffffffull,
    };
    size_t n = sizeof bits / sizeof bits[0];
    double v[16];
    for (size_t i = 0; i < n; i++)
        v[i] = u2d(bits[i]);
    int64_t *t = regular_ts(n);
    round_trip(t, v, n);
    /* each alone (one-sample chunks) */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(round_trip(t, &v[i], 1), CODEC_CONST);
    free(t);
    assert_true(DBL_MAX == u2d(0x7fefffffffffffffull));
    assert_true(4.9e-324 == u2d(1));
}

static void test_decimal_series_with_exceptions(void **state)
{
    (void)state;
    enum { N = 240 };
    int64_t *t = regular_ts(N);
    double v[N];
    /* a counter with resets */
    double c = 0;
    for (int i = 0; i < N; i++) {
        c = (i % 50 == 0) ? (double)(i % 7) : c + (double)(rnd() % 1000);
        v[i] = c;
    }
    int ty = round_trip(t, v, N);
    assert_true(ty == CODEC_DEC1 || ty == CODEC_DEC2);
    /* the same counter with staleness markers and NaN payloads mixed in */
    v[3] = u2d(STALE);
    v[100] = u2d(0x7ff8000000000abcull);
    v[101] = -0.0;
    v[200] = INFINITY;
    v[239] = u2d(STALE);
    ty = round_trip(t, v, N);
    assert_true(ty == CODEC_DEC1 || ty == CODEC_DEC2);
    /* integer gauge, negative values */
    for (int i = 0; i < N; i++)
        v[i] = (double)((int64_t)(rnd() % 2001) - 1000);
    ty = round_trip(t, v, N);
    assert_true(ty == CODEC_DEC1 || ty == CODEC_DEC2);
    /* 0.1 steps: one decimal */
    for (int i = 0; i < N; i++)
        v[i] = (double)i / 10;
    ty = round_trip(t, v, N);
    assert_true(ty == CODEC_DEC1 || ty == CODEC_DEC2);
    /* accumulated 0.1 steps are not exactly decimal: still lossless */
    double acc = 0;
    for (int i = 0; i < N; i++)
        v[i] = acc += 0.1;
    round_trip(t, v, N);
    /* six decimals, e.g. a ratio gauge */
    for (int i = 0; i < N; i++)
        v[i] = (double)(int64_t)(rnd() % 1000000) / 1e6;
    ty = round_trip(t, v, N);
    assert_true(ty == CODEC_DEC1 || ty == CODEC_DEC2);
    /* large integers near 2^53 */
    for (int i = 0; i < N; i++)
        v[i] = 9007199254740991.0 - (double)(rnd() % 100);
    round_trip(t, v, N);
    free(t);
}

static void test_exception_threshold(void **state)
{
    (void)state;
    enum { N = 16 };
    int64_t *t = regular_ts(N);
    double v[N];
    for (int i = 0; i < N; i++)
        v[i] = i * 3;
    /* up to n/8 + 1 exceptions keep the decimal encoding */
    v[0] = u2d(STALE);
    v[7] = NAN;
    v[15] = -INFINITY;
    int ty = round_trip(t, v, N);
    assert_true(ty == CODEC_DEC1 || ty == CODEC_DEC2);
    v[8] = -0.0; /* one more: XOR */
    assert_int_equal(round_trip(t, v, N), CODEC_XOR);
    /* all exceptions */
    for (int i = 0; i < N; i++)
        v[i] = u2d(0x7ff8000000000000ull | (uint64_t)i);
    assert_int_equal(round_trip(t, v, N), CODEC_XOR);
    free(t);
}

static void test_random_doubles_use_xor(void **state)
{
    (void)state;
    enum { N = 500 };
    int64_t *t = regular_ts(N);
    double v[N];
    for (int i = 0; i < N; i++)
        v[i] = u2d(rnd()); /* any pattern at all, NaNs and subnormals included */
    assert_int_equal(round_trip(t, v, N), CODEC_XOR);
    /* full-precision finite values in a realistic range */
    for (int i = 0; i < N; i++)
        v[i] = (double)(rnd() >> 11) / 9007199254740992.0 * 1000.0;
    assert_int_equal(round_trip(t, v, N), CODEC_XOR);
    /* subnormals */
    for (int i = 0; i < N; i++)
        v[i] = u2d(rnd() & 0x000fffffffffffffull);
    round_trip(t, v, N);
    /* values that differ only in the low or only in the high byte */
    for (int i = 0; i < N; i++)
        v[i] = u2d(0x4059000000000000ull ^ (i % 2 ? 0xffull : 0xff00000000000000ull));
    round_trip(t, v, N);
    free(t);
}

static void test_constant_and_tiny_chunks(void **state)
{
    (void)state;
    enum { N = 1000 };
    int64_t *t = regular_ts(N);
    double v[N];
    for (int i = 0; i < N; i++)
        v[i] = 42.5;
    buf b = BUF_INIT;
    int ty;
    assert_int_equal(codec_values_encode(v, N, &b, &ty), 0);
    assert_int_equal(ty, CODEC_CONST);
    assert_int_equal(b.n, 9); /* type byte + 8 bytes */
    buf_free(&b);
    assert_int_equal(round_trip(t, v, N), CODEC_CONST);
    for (int i = 0; i < N; i++)
        v[i] = u2d(STALE);
    assert_int_equal(round_trip(t, v, N), CODEC_CONST);
    /* NaNs with different payloads are not "constant" */
    v[500] = u2d(0x7ff8000000000000ull);
    assert_int_equal(round_trip(t, v, N), CODEC_XOR);
    /* 0.0 and -0.0 are different bit patterns */
    for (int i = 0; i < N; i++)
        v[i] = i == N - 1 ? -0.0 : 0.0;
    int t2 = round_trip(t, v, N);
    assert_true(t2 != CODEC_CONST);
    double two[2] = { 1, 2 };
    round_trip(t, two, 2);
    /* a linear counter with big steps: second-order deltas are all zero */
    for (int i = 0; i < N; i++)
        v[i] = 1e6 + (double)i * 123456;
    assert_int_equal(round_trip(t, v, N), CODEC_DEC2);
    b = (buf)BUF_INIT;
    assert_int_equal(codec_values_encode(v, N, &b, NULL), 0); /* type_out is optional */
    assert_true(b.n < N + 20);
    buf_free(&b);
    free(t);
}

static void test_timestamps(void **state)
{
    (void)state;
    double v[64];
    for (int i = 0; i < 64; i++)
        v[i] = 1;
    /* irregular, negative, huge deltas both ways: delta-of-delta wraps */
    int64_t a[] = { INT64_MIN, INT64_MAX, INT64_MIN, 0, -1, 1, INT64_MAX, INT64_MAX - 1, INT64_MIN + 1,
                    -1700000000000LL, 1700000000000LL, 1700000000001LL, 1700000000001LL, 1700000000000LL };
    round_trip(a, v, sizeof a / sizeof a[0]);
    int64_t neg[] = { -5000, -4000, -3000, -2001, -1000, 0, 999 };
    round_trip(neg, v, 7);
    int64_t one[] = { INT64_MIN };
    round_trip(one, v, 1);
    int64_t r[64];
    for (int k = 0; k < 50; k++) {
        for (int i = 0; i < 64; i++)
            r[i] = (int64_t)rnd();
        round_trip(r, v, 64);
    }
    /* regular scrapes compress to about a byte per sample */
    enum { N = 1000 };
    int64_t *t = regular_ts(N);
    buf b = BUF_INIT;
    assert_int_equal(codec_ts_encode(t, N, &b), 0);
    assert_true(b.n < N + 16);
    buf_free(&b);
    /* jittered scrapes */
    for (int i = 1; i < N; i++)
        t[i] = t[i - 1] + 15000 + (int64_t)(rnd() % 21) - 10;
    double *vv = calloc(N, sizeof *vv);
    round_trip(t, vv, N);
    free(vv);
    free(t);
}

static int dec_values(const uint8_t *p, size_t n, size_t count)
{
    uint8_t *c = calloc(1, n ? n : 1);
    memcpy(c, p, n);
    double out[64];
    const uint8_t *q = c;
    int rc = codec_values_decode(&q, c + n, out, count);
    free(c);
    return rc;
}
#define DV(count, ...) dec_values((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), count)

static void test_corrupt_input(void **state)
{
    (void)state;
    assert_int_equal(DV(1, 0), -1);                      /* unknown type 0 */
    assert_int_equal(DV(1, 5, 0, 0, 0, 0, 0, 0, 0, 0), -1); /* unknown type 5 */
    assert_int_equal(DV(1, 0xff), -1);
    assert_int_equal(DV(1, CODEC_CONST, 1, 2, 3), -1);   /* short constant */
    assert_int_equal(DV(2, CODEC_DEC1, 16, 0, 0, 0), -1); /* scale 16 */
    assert_int_equal(DV(1, CODEC_DEC1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), -1); /* nexc > n */
    assert_int_equal(DV(2, CODEC_DEC1, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), -1); /* exception index 2 >= n */
    assert_int_equal(DV(2, CODEC_DEC1, 0, 0, 2, 2), 0);   /* well-formed: 1, 2 */
    assert_int_equal(DV(2, CODEC_DEC2, 3, 0, 2, 0), 0);
    assert_int_equal(DV(1, CODEC_XOR, 0x80, 1), -1);      /* lead 8 */
    assert_int_equal(DV(1, CODEC_XOR, 0x44), -1);         /* lead + trail = 8 */
    assert_int_equal(DV(1, CODEC_XOR, 0x70, 1), 0);       /* one byte */
    assert_int_equal(DV(2, CODEC_XOR, 0x88, 0x88), 0);    /* zero, zero */
    assert_int_equal(DV(1, CODEC_XOR, 0x00, 1, 2, 3, 4, 5, 6, 7), -1); /* 8 bytes needed, 7 given */
    /* the decimal decoder's sums may overflow on hostile input: defined behaviour */
    assert_int_equal(DV(3, CODEC_DEC2, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xfe, 0xff,
                        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02),
                     0);

    int64_t ts[4];
    static const uint8_t tsb[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xfe, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0x01, 0x01 };
    const uint8_t *p = tsb;
    assert_int_equal(codec_ts_decode(&p, tsb + sizeof tsb, ts, 4), 0); /* wraps, no UB */
    p = tsb;
    assert_int_equal(codec_ts_decode(&p, tsb, ts, 0), 0); /* n = 0 reads nothing */
    assert_ptr_equal(p, tsb);

    /* random garbage never crashes and never reads past the end */
    double out[64];
    for (int k = 0; k < 20000; k++) {
        size_t n = rnd() % 40;
        uint8_t *g = malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++)
            g[i] = (uint8_t)rnd();
        if (n && k % 3 == 0)
            g[0] = (uint8_t)(1 + k % 4); /* a valid type byte */
        size_t cnt = 1 + rnd() % 64;
        const uint8_t *q = g;
        int rc = codec_values_decode(&q, g + n, out, cnt);
        assert_true(rc == 0 || rc == -1);
        assert_true(q >= g && q <= g + n);
        q = g;
        rc = codec_ts_decode(&q, g + n, ts, cnt < 4 ? cnt : 4);
        assert_true(rc == 0 || rc == -1);
        free(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_special_values),
        cmocka_unit_test(test_decimal_series_with_exceptions),
        cmocka_unit_test(test_exception_threshold),
        cmocka_unit_test(test_random_doubles_use_xor),
        cmocka_unit_test(test_constant_and_tiny_chunks),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_corrupt_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
