/* test_samples.c - sample arrays (store/samples.h): growth, sort with
 * last-write-wins, merge with newer-wins, clip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/samples.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

static samples mk(const int64_t *t, const double *v, size_t n)
{
    samples s = SAMPLES_INIT;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(samples_push(&s, t[i], v[i]), 0);
    return s;
}

static void expect(const samples *s, const int64_t *t, const double *v, size_t n)
{
    assert_int_equal(s->n, n);
    for (size_t i = 0; i < n; i++) {
        if (s->t[i] != t[i] || d2u(s->v[i]) != d2u(v[i]))
            fail_msg("sample %zu: (%lld, %g), want (%lld, %g)", i, (long long)s->t[i], s->v[i], (long long)t[i], v[i]);
    }
}

static void test_push_reserve(void **state)
{
    (void)state;
    samples s = SAMPLES_INIT;
    for (int i = 0; i < 10000; i++)
        assert_int_equal(samples_push(&s, i, i * 0.5), 0);
    assert_int_equal(s.n, 10000);
    assert_true(s.cap >= 10000);
    for (int i = 0; i < 10000; i++)
        assert_true(s.t[i] == i && s.v[i] == i * 0.5);
    size_t cap = s.cap;
    assert_int_equal(samples_reserve(&s, 10), 0); /* never shrinks */
    assert_int_equal(s.cap, cap);
    samples_free(&s);
    assert_null(s.t);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.cap, 0);
    samples_free(&s);
}

static void test_sort_dedup(void **state)
{
    (void)state;
    /* already sorted: unchanged */
    int64_t t1[] = { 1, 2, 3 };
    double v1[] = { 10, 20, 30 };
    samples s = mk(t1, v1, 3);
    samples_sort_dedup(&s);
    expect(&s, t1, v1, 3);
    samples_free(&s);

    /* unsorted with duplicates: the last written of equal times wins */
    int64_t t2[] = { 5, 1, 3, 1, 5, 2, 5, -7 };
    double v2[] = { 50, 10, 30, 11, 51, 20, 52, -70 };
    s = mk(t2, v2, 8);
    samples_sort_dedup(&s);
    int64_t wt[] = { -7, 1, 2, 3, 5 };
    double wv[] = { -70, 11, 20, 30, 52 };
    expect(&s, wt, wv, 5);
    samples_free(&s);

    /* sorted but with equal neighbours */
    int64_t t3[] = { 1, 1, 1, 2, 2 };
    double v3[] = { 1, 2, 3, 4, 5 };
    s = mk(t3, v3, 5);
    samples_sort_dedup(&s);
    int64_t wt3[] = { 1, 2 };
    double wv3[] = { 3, 5 };
    expect(&s, wt3, wv3, 2);
    samples_free(&s);

    /* bit patterns travel with their timestamps */
    int64_t t4[] = { 3, 1, 2, 1 };
    double v4[] = { u2d(0x7ff0000000000002ull), -0.0, u2d(0x7ff8000000000001ull), u2d(0xfff8000000000000ull) };
    s = mk(t4, v4, 4);
    samples_sort_dedup(&s);
    int64_t wt4[] = { 1, 2, 3 };
    double wv4[] = { u2d(0xfff8000000000000ull), u2d(0x7ff8000000000001ull), u2d(0x7ff0000000000002ull) };
    expect(&s, wt4, wv4, 3);
    samples_free(&s);

    /* empty and single */
    s = (samples)SAMPLES_INIT;
    samples_sort_dedup(&s);
    assert_int_equal(s.n, 0);
    int64_t t5[] = { INT64_MIN };
    double v5[] = { 1 };
    s = mk(t5, v5, 1);
    samples_sort_dedup(&s);
    expect(&s, t5, v5, 1);
    samples_free(&s);

    /* a large reversed array with every time written twice */
    s = (samples)SAMPLES_INIT;
    for (int i = 5000; i > 0; i--) {
        assert_int_equal(samples_push(&s, i, 1), 0);
        assert_int_equal(samples_push(&s, i, 2), 0);
    }
    samples_sort_dedup(&s);
    assert_int_equal(s.n, 5000);
    for (int i = 0; i < 5000; i++)
        assert_true(s.t[i] == i + 1 && s.v[i] == 2);
    samples_free(&s);
}

static void test_merge(void **state)
{
    (void)state;
    /* interleaved: newer wins on equal times */
    int64_t ot[] = { 1, 3, 5, 7 };
    double ov[] = { 10, 30, 50, 70 };
    int64_t nt[] = { 2, 3, 7, 8 };
    double nv[] = { 200, 300, u2d(0x7ff0000000000002ull), 800 };
    samples o = mk(ot, ov, 4), n = mk(nt, nv, 4);
    assert_int_equal(samples_merge(&o, &n), 0);
    int64_t wt[] = { 1, 2, 3, 5, 7, 8 };
    double wv[] = { 10, 200, 300, 50, u2d(0x7ff0000000000002ull), 800 };
    expect(&o, wt, wv, 6);
    expect(&n, nt, nv, 4); /* newer is untouched */
    samples_free(&o);
    samples_free(&n);

    /* newer entirely after: appended */
    int64_t at[] = { 10, 11 };
    double av[] = { 1, 2 };
    o = mk(ot, ov, 4);
    n = mk(at, av, 2);
    assert_int_equal(samples_merge(&o, &n), 0);
    int64_t wt2[] = { 1, 3, 5, 7, 10, 11 };
    double wv2[] = { 10, 30, 50, 70, 1, 2 };
    expect(&o, wt2, wv2, 6);
    samples_free(&o);
    samples_free(&n);

    /* newer entirely before */
    int64_t bt[] = { -5, 0 };
    o = mk(ot, ov, 4);
    n = mk(bt, av, 2);
    assert_int_equal(samples_merge(&o, &n), 0);
    int64_t wt3[] = { -5, 0, 1, 3, 5, 7 };
    double wv3[] = { 1, 2, 10, 30, 50, 70 };
    expect(&o, wt3, wv3, 6);
    samples_free(&o);
    samples_free(&n);

    /* newer starts at older's last time: the boundary sample is replaced */
    int64_t ct[] = { 7, 9 };
    double cv[] = { -1, -2 };
    o = mk(ot, ov, 4);
    n = mk(ct, cv, 2);
    assert_int_equal(samples_merge(&o, &n), 0);
    int64_t wt4[] = { 1, 3, 5, 7, 9 };
    double wv4[] = { 10, 30, 50, -1, -2 };
    expect(&o, wt4, wv4, 5);
    samples_free(&o);
    samples_free(&n);

    /* empty sides */
    o = (samples)SAMPLES_INIT;
    n = mk(ot, ov, 4);
    assert_int_equal(samples_merge(&o, &n), 0);
    expect(&o, ot, ov, 4);
    samples empty = SAMPLES_INIT;
    assert_int_equal(samples_merge(&o, &empty), 0);
    expect(&o, ot, ov, 4);
    samples_free(&o);
    samples_free(&n);

    /* identical times everywhere: all newer */
    o = mk(ot, ov, 4);
    n = mk(ot, av, 2);
    assert_int_equal(samples_merge(&o, &n), 0);
    int64_t wt5[] = { 1, 3, 5, 7 };
    double wv5[] = { 1, 2, 50, 70 };
    expect(&o, wt5, wv5, 4);
    samples_free(&o);
    samples_free(&n);
}

static void test_clip(void **state)
{
    (void)state;
    int64_t t[] = { 1, 2, 3, 4, 5 };
    double v[] = { 10, 20, 30, 40, 50 };
    samples s = mk(t, v, 5);
    samples_clip(&s, 2, 4); /* inclusive bounds */
    int64_t wt[] = { 2, 3, 4 };
    double wv[] = { 20, 30, 40 };
    expect(&s, wt, wv, 3);
    samples_free(&s);

    s = mk(t, v, 5);
    samples_clip(&s, INT64_MIN, INT64_MAX);
    expect(&s, t, v, 5);
    samples_clip(&s, 3, 3);
    expect(&s, &t[2], &v[2], 1);
    samples_free(&s);

    s = mk(t, v, 5);
    samples_clip(&s, 6, 10);
    assert_int_equal(s.n, 0);
    samples_free(&s);
    s = mk(t, v, 5);
    samples_clip(&s, -10, 0);
    assert_int_equal(s.n, 0);
    samples_free(&s);
    s = mk(t, v, 5);
    samples_clip(&s, 4, 2); /* empty range */
    assert_int_equal(s.n, 0);
    samples_free(&s);
    s = mk(t, v, 5);
    samples_clip(&s, 0, 2);
    expect(&s, t, v, 2);
    samples_free(&s);
    s = mk(t, v, 5);
    samples_clip(&s, 4, 100);
    expect(&s, &t[3], &v[3], 2);
    samples_free(&s);
    s = (samples)SAMPLES_INIT;
    samples_clip(&s, 0, 1);
    assert_int_equal(s.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_reserve),
        cmocka_unit_test(test_sort_dedup),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_clip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
