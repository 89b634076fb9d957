/* test_head.c - the in-memory head (store/head.h): in-order and
 * out-of-order appends, last-write-wins on equal timestamps, freeze/release
 * and range reads, all bit-exact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/head.h"
#include "util/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ALL (HEAD_FROZEN | HEAD_LIVE)

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

static void app(head *h, uint32_t id, int64_t t, double v)
{
    head_wrlock(h);
    assert_int_equal(head_append(h, id, t, v), 0);
    head_unlock(h);
}

static samples rd(head *h, uint32_t id, int which, int64_t mint, int64_t maxt)
{
    samples s = SAMPLES_INIT;
    head_rdlock(h);
    assert_int_equal(head_read(h, id, which, mint, maxt, &s), 0);
    head_unlock(h);
    return s;
}

static void expect(const samples *s, const int64_t *t, const double *v, size_t n)
{
    if (s->n != n)
        fail_msg("%zu samples, want %zu", s->n, n);
    for (size_t i = 0; i < n; i++)
        if (s->t[i] != t[i] || d2u(s->v[i]) != d2u(v[i]))
            fail_msg("sample %zu: (%lld, %016llx), want (%lld, %016llx)", i, (long long)s->t[i],
                     (unsigned long long)d2u(s->v[i]), (long long)t[i], (unsigned long long)d2u(v[i]));
}

static void test_in_order_bit_exact(void **state)
{
    (void)state;
    head *h = head_create();
    enum { N = 3000 };
    int64_t *t = malloc(N * sizeof *t);
    double *v = malloc(N * sizeof *v);
    static const uint64_t special[] = { 0x7ff0000000000002ull, 0x7ff8000000000001ull, 0x8000000000000000ull,
                                        0xfff0000000000000ull, 0x0000000000000001ull, 0x7fefffffffffffffull };
    uint64_t x = 12345;
    for (int i = 0; i < N; i++) {
        t[i] = 1700000000000LL + i * 15000 + (i % 7); /* jittered */
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        v[i] = i % 10 == 0 ? u2d(special[(i / 10) % 6]) : i % 3 ? (double)i : u2d(x);
        app(h, 7, t[i], v[i]);
    }
    samples s = rd(h, 7, ALL, INT64_MIN, INT64_MAX);
    expect(&s, t, v, N);
    samples_free(&s);
    /* sub-ranges, inclusive at both ends */
    s = rd(h, 7, ALL, t[100], t[199]);
    expect(&s, t + 100, v + 100, 100);
    samples_free(&s);
    s = rd(h, 7, ALL, t[100] + 1, t[199] - 1);
    expect(&s, t + 101, v + 101, 98);
    samples_free(&s);
    s = rd(h, 7, ALL, t[N - 1], INT64_MAX); /* just the newest (pending) sample */
    expect(&s, t + N - 1, v + N - 1, 1);
    samples_free(&s);
    s = rd(h, 7, ALL, INT64_MIN, t[0]);
    expect(&s, t, v, 1);
    samples_free(&s);
    s = rd(h, 7, ALL, t[N - 1] + 1, INT64_MAX);
    assert_int_equal(s.n, 0);
    samples_free(&s);
    s = rd(h, 8, ALL, INT64_MIN, INT64_MAX); /* unknown series */
    assert_int_equal(s.n, 0);
    samples_free(&s);
    s = rd(h, 1u << 30, ALL, INT64_MIN, INT64_MAX);
    assert_int_equal(s.n, 0);
    samples_free(&s);
    int64_t lo, hi;
    assert_int_equal(head_range(h, 7, ALL, &lo, &hi), 1);
    assert_true(lo == t[0] && hi == t[N - 1]);
    assert_int_equal(head_range(h, 8, ALL, &lo, &hi), 0);
    assert_int_equal(head_samples(h), N);
    assert_int_equal(head_series(h), 1);
    assert_true(head_bytes(h) > 0);
    free(t);
    free(v);
    head_destroy(h);
    head_destroy(NULL);
}

static void test_out_of_order(void **state)
{
    (void)state;
    head *h = head_create();
    app(h, 1, 10, 1);
    app(h, 1, 20, 2);
    app(h, 1, 30, 3);
    app(h, 1, 15, 1.5); /* older than the newest */
    app(h, 1, 5, 0.5);
    app(h, 1, 25, 2.5);
    app(h, 1, 40, 4); /* in order again */
    samples s = rd(h, 1, ALL, INT64_MIN, INT64_MAX);
    int64_t wt[] = { 5, 10, 15, 20, 25, 30, 40 };
    double wv[] = { 0.5, 1, 1.5, 2, 2.5, 3, 4 };
    expect(&s, wt, wv, 7);
    samples_free(&s);
    s = rd(h, 1, ALL, 12, 27);
    expect(&s, wt + 2, wv + 2, 3);
    samples_free(&s);
    int64_t lo, hi;
    assert_int_equal(head_range(h, 1, ALL, &lo, &hi), 1);
    assert_true(lo == 5 && hi == 40);
    /* only out-of-order samples in the range (the ordered part has none there) */
    s = rd(h, 1, ALL, 0, 7);
    expect(&s, wt, wv, 1);
    samples_free(&s);
    s = rd(h, 1, ALL, 14, 16);
    expect(&s, wt + 2, wv + 2, 1);
    samples_free(&s);
    /* and into a buffer that already holds samples */
    s = (samples)SAMPLES_INIT;
    assert_int_equal(samples_push(&s, -100, -1), 0);
    head_rdlock(h);
    assert_int_equal(head_read(h, 1, ALL, 0, 7, &s), 0);
    head_unlock(h);
    assert_int_equal(s.n, 2);
    assert_true(s.t[1] == 5 && s.v[1] == 0.5);
    samples_free(&s);
    head_destroy(h);
}

static void test_same_timestamp_last_write_wins(void **state)
{
    (void)state;
    head *h = head_create();
    /* the newest sample rewritten */
    app(h, 1, 10, 1);
    app(h, 1, 10, 2);
    assert_int_equal(head_samples(h), 1);
    samples s = rd(h, 1, ALL, INT64_MIN, INT64_MAX);
    int64_t t1[] = { 10 };
    double v1[] = { 2 };
    expect(&s, t1, v1, 1);
    samples_free(&s);
    app(h, 1, 20, 3);
    app(h, 1, 30, 4);
    app(h, 1, 30, u2d(0x7ff0000000000002ull)); /* the newest, again: a staleness marker */
    /* older samples rewritten: once, twice */
    app(h, 1, 10, 9);
    app(h, 1, 20, 7);
    app(h, 1, 10, 8);
    s = rd(h, 1, ALL, INT64_MIN, INT64_MAX);
    int64_t t2[] = { 10, 20, 30 };
    double v2[] = { 8, 7, u2d(0x7ff0000000000002ull) };
    expect(&s, t2, v2, 3);
    samples_free(&s);
    /* an older time that was never written, then rewritten */
    app(h, 1, 15, 1);
    app(h, 1, 15, u2d(0x7ff8000000000001ull));
    s = rd(h, 1, ALL, INT64_MIN, INT64_MAX);
    int64_t t3[] = { 10, 15, 20, 30 };
    double v3[] = { 8, u2d(0x7ff8000000000001ull), 7, u2d(0x7ff0000000000002ull) };
    expect(&s, t3, v3, 4);
    samples_free(&s);
    head_destroy(h);
}

static void test_freeze_release(void **state)
{
    (void)state;
    head *h = head_create();
    app(h, 1, 10, 1);
    app(h, 1, 20, 2);
    app(h, 1, 30, 3);
    app(h, 1, 5, 0.5);
    app(h, 3, 100, 100);
    head_wrlock(h);
    assert_int_equal(head_freeze(h), 0);
    assert_int_equal(head_freeze(h), LOUPE_EINTERNAL); /* not released yet */
    head_unlock(h);
    assert_int_equal(head_frozen_max_id(h), 3);
    assert_int_equal(head_samples(h), 0);
    assert_int_equal(head_series(h), 0);

    /* new writes go live; some rewrite frozen timestamps (live wins) */
    app(h, 1, 20, 22);
    app(h, 1, 40, 4);
    app(h, 1, 10, 11);
    app(h, 2, 7, 7);

    samples s = rd(h, 1, HEAD_FROZEN, INT64_MIN, INT64_MAX);
    int64_t tf[] = { 5, 10, 20, 30 };
    double vf[] = { 0.5, 1, 2, 3 };
    expect(&s, tf, vf, 4);
    samples_free(&s);
    s = rd(h, 1, HEAD_LIVE, INT64_MIN, INT64_MAX);
    int64_t tl[] = { 10, 20, 40 };
    double vl[] = { 11, 22, 4 };
    expect(&s, tl, vl, 3);
    samples_free(&s);
    s = rd(h, 1, ALL, INT64_MIN, INT64_MAX);
    int64_t ta[] = { 5, 10, 20, 30, 40 };
    double va[] = { 0.5, 11, 22, 3, 4 };
    expect(&s, ta, va, 5);
    samples_free(&s);
    s = rd(h, 1, ALL, 15, 35);
    expect(&s, ta + 2, va + 2, 2);
    samples_free(&s);
    s = rd(h, 3, HEAD_LIVE, INT64_MIN, INT64_MAX);
    assert_int_equal(s.n, 0);
    samples_free(&s);
    s = rd(h, 3, ALL, INT64_MIN, INT64_MAX);
    assert_int_equal(s.n, 1);
    samples_free(&s);
    int64_t lo, hi;
    assert_int_equal(head_range(h, 1, HEAD_FROZEN, &lo, &hi), 1);
    assert_true(lo == 5 && hi == 30);
    assert_int_equal(head_range(h, 1, HEAD_LIVE, &lo, &hi), 1);
    assert_true(lo == 10 && hi == 40);
    assert_int_equal(head_range(h, 1, ALL, &lo, &hi), 1);
    assert_true(lo == 5 && hi == 40);
    assert_int_equal(head_range(h, 2, HEAD_FROZEN, &lo, &hi), 0);

    head_wrlock(h);
    head_release_frozen(h);
    head_unlock(h);
    assert_int_equal(head_frozen_max_id(h), 0);
    s = rd(h, 1, ALL, INT64_MIN, INT64_MAX);
    expect(&s, tl, vl, 3);
    samples_free(&s);
    s = rd(h, 3, ALL, INT64_MIN, INT64_MAX);
    assert_int_equal(s.n, 0);
    samples_free(&s);
    /* a second cycle works */
    head_wrlock(h);
    assert_int_equal(head_freeze(h), 0);
    head_unlock(h);
    assert_int_equal(head_frozen_max_id(h), 2);
    s = rd(h, 2, HEAD_FROZEN, INT64_MIN, INT64_MAX);
    assert_int_equal(s.n, 1);
    samples_free(&s);
    head_wrlock(h);
    head_release_frozen(h);
    head_unlock(h);
    head_destroy(h);
}

static void test_read_appends_after_existing(void **state)
{
    (void)state;
    head *h = head_create();
    app(h, 1, 50, 5);
    app(h, 1, 60, 6);
    samples s = SAMPLES_INIT;
    assert_int_equal(samples_push(&s, 10, 1), 0);
    assert_int_equal(samples_push(&s, 20, 2), 0);
    head_rdlock(h);
    assert_int_equal(head_read(h, 1, ALL, INT64_MIN, INT64_MAX, &s), 0);
    head_unlock(h);
    int64_t t[] = { 10, 20, 50, 60 };
    double v[] = { 1, 2, 5, 6 };
    expect(&s, t, v, 4);
    samples_free(&s);
    head_destroy(h);
}

static void test_extreme_timestamps(void **state)
{
    (void)state;
    head *h = head_create();
    /* deltas that overflow int64 in both directions */
    int64_t t[] = { INT64_MIN, INT64_MIN + 1, -1, 0, INT64_MAX - 1, INT64_MAX };
    double v[] = { 1, 2, 3, 4, 5, 6 };
    app(h, 1, t[0], v[0]);
    app(h, 1, t[5], v[5]);
    app(h, 1, t[1], v[1]); /* out of order */
    for (int i = 2; i < 5; i++)
        app(h, 1, t[i], v[i]);
    samples s = rd(h, 1, ALL, INT64_MIN, INT64_MAX);
    expect(&s, t, v, 6);
    samples_free(&s);
    /* in-order with huge jumps */
    int64_t t2[] = { INT64_MIN, 0, INT64_MAX };
    for (int i = 0; i < 3; i++)
        app(h, 2, t2[i], v[i]);
    s = rd(h, 2, ALL, INT64_MIN, INT64_MAX);
    expect(&s, t2, v, 3);
    samples_free(&s);
    s = rd(h, 2, ALL, -5, 5);
    expect(&s, t2 + 1, v + 1, 1);
    samples_free(&s);
    head_destroy(h);
}

static void test_many_series_and_ids(void **state)
{
    (void)state;
    head *h = head_create();
    head_wrlock(h);
    assert_int_equal(head_append(h, 0, 1, 1), LOUPE_EINTERNAL); /* ids start at 1 */
    head_unlock(h);
    enum { NS = 3000, NP = 20 };
    for (int k = 0; k < NP; k++)
        for (uint32_t id = 1; id <= NS; id++) {
            head_prefetch(h, id, 1);
            head_prefetch(h, id, 2);
            app(h, id * 3, (int64_t)k * 1000 + id, (double)id + k * 0.25);
        }
    head_prefetch(h, 1u << 31, 1); /* no page there: a no-op */
    app(h, 1u << 31, 1, 1);       /* a sparse, high id */
    assert_int_equal(head_series(h), NS + 1);
    assert_int_equal(head_samples(h), NS * NP + 1);
    for (uint32_t id = 1; id <= NS; id += 97) {
        samples s = rd(h, id * 3, ALL, INT64_MIN, INT64_MAX);
        assert_int_equal(s.n, NP);
        for (int k = 0; k < NP; k++)
            assert_true(s.t[k] == (int64_t)k * 1000 + id && s.v[k] == (double)id + k * 0.25);
        samples_free(&s);
    }
    samples s = rd(h, 1u << 31, ALL, INT64_MIN, INT64_MAX);
    assert_int_equal(s.n, 1);
    samples_free(&s);
    head_destroy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_bit_exact),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_same_timestamp_last_write_wins),
        cmocka_unit_test(test_freeze_release),
        cmocka_unit_test(test_read_appends_after_existing),
        cmocka_unit_test(test_extreme_timestamps),
        cmocka_unit_test(test_many_series_and_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
