/* test_idvec.c - sorted id vectors and their set operations (store/idvec.h),
 * checked against a bitmap reference. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/idvec.h"

#include <string.h>

static uint64_t g_rng = 88172645463325252ull;
static uint32_t rnd(uint32_t below)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng % below);
}

static idvec from(const uint32_t *v, size_t n)
{
    idvec a = IDVEC_INIT;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(idvec_push(&a, v[i]), 0);
    return a;
}

static void expect(const idvec *a, const uint32_t *v, size_t n)
{
    assert_int_equal(a->n, n);
    if (n)
        assert_memory_equal(a->v, v, n * sizeof *v);
}

static void test_basics(void **state)
{
    (void)state;
    uint32_t in[] = { 5, 3, 9, 3, 1, 5, 5, UINT32_MAX, 0 };
    idvec a = from(in, 9);
    idvec_sort_unique(&a);
    uint32_t want[] = { 0, 1, 3, 5, 9, UINT32_MAX };
    expect(&a, want, 6);
    assert_true(idvec_contains(&a, 0));
    assert_true(idvec_contains(&a, 9));
    assert_true(idvec_contains(&a, UINT32_MAX));
    assert_false(idvec_contains(&a, 2));
    assert_false(idvec_contains(&a, 10));
    idvec_sort_unique(&a); /* idempotent */
    expect(&a, want, 6);
    idvec_free(&a);
    assert_null(a.v);
    idvec e = IDVEC_INIT;
    assert_false(idvec_contains(&e, 0));
    idvec_sort_unique(&e);
    assert_int_equal(e.n, 0);
    assert_int_equal(idvec_reserve(&e, 100), 0);
    assert_true(e.cap >= 100);
    assert_int_equal(e.n, 0);
    idvec_free(&e);
}

static void test_set_ops(void **state)
{
    (void)state;
    uint32_t x[] = { 1, 2, 4, 8, 16 }, y[] = { 2, 3, 4, 5, 16, 17 };
    idvec a = from(x, 5), b = from(y, 6);
    idvec_intersect(&a, &b);
    uint32_t w1[] = { 2, 4, 16 };
    expect(&a, w1, 3);
    idvec_free(&a);
    a = from(x, 5);
    idvec_subtract(&a, &b);
    uint32_t w2[] = { 1, 8 };
    expect(&a, w2, 2);
    idvec e = IDVEC_INIT;
    idvec_subtract(&a, &e);
    expect(&a, w2, 2);
    idvec_intersect(&a, &e);
    assert_int_equal(a.n, 0);
    idvec_subtract(&a, &b);
    assert_int_equal(a.n, 0);
    idvec_free(&a);
    idvec_free(&b);
}

static void test_against_bitmap(void **state)
{
    (void)state;
    enum { U = 3000 };
    static uint8_t ba[U], bb[U];
    for (int round = 0; round < 50; round++) {
        memset(ba, 0, U);
        memset(bb, 0, U);
        idvec a = IDVEC_INIT, b = IDVEC_INIT;
        size_t na = rnd(2000), nb = rnd(2000);
        for (size_t i = 0; i < na; i++) {
            uint32_t id = rnd(U);
            ba[id] = 1;
            assert_int_equal(idvec_push(&a, id), 0);
        }
        for (size_t i = 0; i < nb; i++) {
            uint32_t id = rnd(U);
            bb[id] = 1;
            assert_int_equal(idvec_push(&b, id), 0);
        }
        idvec_sort_unique(&a);
        idvec_sort_unique(&b);
        for (uint32_t id = 0; id < U; id++) {
            assert_int_equal(idvec_contains(&a, id), ba[id]);
            assert_int_equal(idvec_contains(&b, id), bb[id]);
        }
        idvec i = IDVEC_INIT, s = IDVEC_INIT;
        assert_int_equal(idvec_reserve(&i, a.n), 0);
        memcpy(i.v, a.v, a.n * sizeof *a.v);
        i.n = a.n;
        assert_int_equal(idvec_reserve(&s, a.n), 0);
        memcpy(s.v, a.v, a.n * sizeof *a.v);
        s.n = a.n;
        idvec_intersect(&i, &b);
        idvec_subtract(&s, &b);
        for (uint32_t id = 0; id < U; id++) {
            assert_int_equal(idvec_contains(&i, id), ba[id] && bb[id]);
            assert_int_equal(idvec_contains(&s, id), ba[id] && !bb[id]);
        }
        for (size_t k = 1; k < i.n; k++)
            assert_true(i.v[k - 1] < i.v[k]);
        for (size_t k = 1; k < s.n; k++)
            assert_true(s.v[k - 1] < s.v[k]);
        idvec_free(&a);
        idvec_free(&b);
        idvec_free(&i);
        idvec_free(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basics),
        cmocka_unit_test(test_set_ops),
        cmocka_unit_test(test_against_bitmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
