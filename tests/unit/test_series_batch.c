/* test_series_batch.c - grouping samples by canonical label set
 * (ingest/series_batch.h): one series per label set whatever the label
 * order, time order with the last value winning, invalid label sets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/series_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define L(n, v) { { (const uint8_t *)(n), sizeof(n) - 1 }, { (const uint8_t *)(v), sizeof(v) - 1 } }

static int add(series_batch *b, label *ls, size_t n, int64_t t, double v)
{
    err_ctx e = { 0 };
    return series_batch_add(b, ls, n, t, v, &e);
}

static const store_series_in *find(const store_series_in *in, size_t n, const char *text)
{
    for (size_t i = 0; i < n; i++) {
        buf b = BUF_INIT;
        assert_int_equal(labels_format(in[i].key, &b), 0);
        assert_int_equal(buf_cstr(&b), 0);
        int eq = strcmp((const char *)b.p, text) == 0;
        buf_free(&b);
        if (eq)
            return &in[i];
    }
    fail_msg("no series %s", text);
    return NULL;
}

static void test_grouping(void **state)
{
    (void)state;
    arena *a = arena_create(4096);
    series_batch b;
    series_batch_init(&b, a, NULL);
    label x1[] = { L("__name__", "up"), L("job", "a"), L("instance", "i") };
    label x2[] = { L("instance", "i"), L("job", "a"), L("__name__", "up") }; /* same set, other order */
    label x3[] = { L("job", "a"), L("__name__", "up"), L("instance", "i"), L("empty", "") }; /* "" = absent */
    label y[] = { L("__name__", "up"), L("job", "b") };
    assert_int_equal(add(&b, x1, 3, 1000, 1), 0);
    assert_int_equal(add(&b, y, 2, 1000, 5), 0);
    assert_int_equal(add(&b, x2, 3, 2000, 2), 0);
    assert_int_equal(add(&b, x3, 4, 3000, 3), 0);
    /* the caller's array is left as it was (copied before sorting) */
    assert_true(slice_eq_cstr(x2[0].name, "instance"));
    assert_true(slice_eq_cstr(x3[3].name, "empty"));

    store_series_in *in;
    size_t n;
    err_ctx e = { 0 };
    assert_int_equal(series_batch_finish(&b, &in, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(b.nsamples, 4);
    const store_series_in *s = find(in, n, "up{instance=\"i\", job=\"a\"}");
    assert_int_equal(s->n, 3);
    assert_int_equal(s->t[0], 1000);
    assert_int_equal(s->t[2], 3000);
    assert_true(s->v[2] == 3);
    /* the key is the canonical encoding; labels is empty; hash matches */
    label sorted[] = { L("__name__", "up"), L("instance", "i"), L("job", "a") };
    buf want = BUF_INIT;
    assert_int_equal(labels_encode(sorted, 3, &want), 0);
    assert_true(slice_eq(s->key, buf_slice(&want)));
    assert_int_equal(s->hash, store_key_hash(s->key));
    assert_int_equal(s->labels.n, 0);
    assert_int_equal(s->id, 0);
    buf_free(&want);
    s = find(in, n, "up{job=\"b\"}");
    assert_int_equal(s->n, 1);
    assert_true(s->v[0] == 5);
    arena_destroy(a);
}

static void test_order_last_wins(void **state)
{
    (void)state;
    arena *a = arena_create(256);
    series_batch b;
    series_batch_init(&b, a, NULL);
    label x[] = { L("__name__", "m") };
    int64_t ts[] = { 30, 10, 20, 10, 30, 5, 20 };
    double vs[] = { 1, 2, 3, 4, 5, 6, 7 };
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(add(&b, x, 1, ts[i], vs[i]), 0);
    store_series_in *in;
    size_t n;
    err_ctx e = { 0 };
    assert_int_equal(series_batch_finish(&b, &in, &n, &e), 0);
    assert_int_equal(n, 1);
    int64_t wt[] = { 5, 10, 20, 30 };
    double wv[] = { 6, 4, 7, 5 }; /* the later arrival wins at 10, 20, 30 */
    assert_int_equal(in[0].n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(in[0].t[i], wt[i]);
        assert_true(in[0].v[i] == wv[i]);
    }
    assert_int_equal(b.nsamples, 4);
    arena_destroy(a);
}

static void test_invalid(void **state)
{
    (void)state;
    arena *a = arena_create(256);
    labels_limits lim = { 3, 16, 8 };
    series_batch b;
    series_batch_init(&b, a, &lim);
    err_ctx e = { 0 };
    label noname[] = { L("job", "a") };
    assert_int_equal(series_batch_add(&b, noname, 1, 1, 1, &e), LOUPE_EINVAL);
    assert_non_null(strstr(e.msg, "__name__"));
    label dup[] = { L("__name__", "m"), L("a", "1"), L("a", "2") };
    err_clear(&e);
    assert_int_equal(series_batch_add(&b, dup, 3, 1, 1, &e), LOUPE_EINVAL);
    assert_non_null(strstr(e.msg, "duplicate"));
    label many[] = { L("__name__", "m"), L("a", "1"), L("b", "2"), L("c", "3") };
    err_clear(&e);
    assert_int_equal(series_batch_add(&b, many, 4, 1, 1, &e), LOUPE_ETOOBIG);
    label longv[] = { L("__name__", "m"), L("a", "123456789") };
    err_clear(&e);
    assert_int_equal(series_batch_add(&b, longv, 2, 1, 1, &e), LOUPE_ETOOBIG);
    label badutf[] = { L("__name__", "m"), L("a", "\xff") };
    err_clear(&e);
    assert_int_equal(series_batch_add(&b, badutf, 2, 1, 1, &e), LOUPE_EINVAL);
    /* the batch is still usable and holds nothing of the rejects */
    label ok[] = { L("__name__", "m"), L("a", "1") };
    assert_int_equal(add(&b, ok, 2, 1, 1), 0);
    store_series_in *in;
    size_t n;
    assert_int_equal(series_batch_finish(&b, &in, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(b.nsamples, 1);
    arena_destroy(a);
}

static void test_many_series_and_labels(void **state)
{
    (void)state;
    arena *a = arena_create(1 << 16);
    series_batch b;
    series_batch_init(&b, a, NULL);
    char vals[5000][12];
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < 5000; i++) {
            snprintf(vals[i], sizeof vals[i], "%d", i);
            label ls[] = { L("__name__", "m"), { slice_cstr("i"), slice_cstr(vals[i]) } };
            assert_int_equal(add(&b, ls, 2, 1000 * (r + 1), i + r), 0);
        }
    /* more labels than the stack copy holds */
    label big[80];
    char names[80][16];
    big[0] = (label)L("__name__", "wide");
    for (int i = 1; i < 80; i++) {
        snprintf(names[i], sizeof names[i], "l%02d", 79 - i);
        big[i] = (label){ slice_cstr(names[i]), slice_cstr("v") };
    }
    assert_int_equal(add(&b, big, 80, 1, 1), 0);
    store_series_in *in;
    size_t n;
    err_ctx e = { 0 };
    assert_int_equal(series_batch_finish(&b, &in, &n, &e), 0);
    assert_int_equal(n, 5001);
    for (size_t i = 0; i < 5000; i++) {
        assert_int_equal(in[i].n, 2);
        assert_true(in[i].v[1] == in[i].v[0] + 1);
    }
    assert_int_equal(labels_count(in[5000].key), 80);
    arena_destroy(a);
}

static void test_empty(void **state)
{
    (void)state;
    arena *a = arena_create(256);
    series_batch b;
    series_batch_init(&b, a, NULL);
    store_series_in *in = (store_series_in *)1;
    size_t n = 7;
    err_ctx e = { 0 };
    assert_int_equal(series_batch_finish(&b, &in, &n, &e), 0);
    assert_int_equal(n, 0);
    assert_null(in);
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grouping),
        cmocka_unit_test(test_order_last_wins),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_many_series_and_labels),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
