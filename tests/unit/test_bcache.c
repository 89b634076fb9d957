/* test_bcache.c - the decoded-block LRU cache (store/bcache.h): pinning,
 * budget, eviction order, duplicate puts and ownership of values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/bcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int g_freed;
static int g_freed_ids[4096];

typedef struct val {
    int id;
} val;

static void vfree(void *p)
{
    val *v = p;
    int i = __atomic_fetch_add(&g_freed, 1, __ATOMIC_RELAXED); /* threads evict too */
    if (i < 4096)
        g_freed_ids[i] = v->id;
    free(v);
}

static val *mkval(int id)
{
    val *v = malloc(sizeof *v);
    v->id = id;
    return v;
}

static void key(uint8_t k[16], int i)
{
    memset(k, 0, 16);
    k[15] = (uint8_t)i;
    k[14] = (uint8_t)(i >> 8);
    k[0] = 0xab;
}

static int was_freed(int id)
{
    for (int i = 0; i < g_freed && i < 4096; i++)
        if (g_freed_ids[i] == id)
            return 1;
    return 0;
}

static void test_get_put_release(void **state)
{
    (void)state;
    g_freed = 0;
    bcache *c = bcache_create(1000);
    uint8_t k[16];
    key(k, 1);
    bcache_entry *h;
    assert_null(bcache_get(c, k, &h));
    assert_null(h);
    assert_int_equal(bcache_misses(c), 1);
    val *v = mkval(1);
    assert_ptr_equal(bcache_put(c, k, v, 100, vfree, &h), v);
    assert_non_null(h);
    assert_int_equal(bcache_bytes(c), 100);
    bcache_release(c, h);
    bcache_entry *h2;
    assert_ptr_equal(bcache_get(c, k, &h2), v);
    assert_ptr_equal(h2, h);
    assert_int_equal(bcache_hits(c), 1);
    bcache_release(c, h2);
    bcache_release(c, NULL); /* no-op */

    /* a second put of the same key keeps the first value and frees the new one */
    val *dup = mkval(2);
    bcache_entry *h3;
    assert_ptr_equal(bcache_put(c, k, dup, 100, vfree, &h3), v);
    assert_ptr_equal(h3, h);
    assert_int_equal(g_freed, 1);
    assert_int_equal(g_freed_ids[0], 2);
    assert_int_equal(bcache_bytes(c), 100);
    bcache_release(c, h3);
    bcache_destroy(c); /* frees the cached value */
    assert_int_equal(g_freed, 2);
    assert_int_equal(g_freed_ids[1], 1);
    bcache_destroy(NULL);
}

static void test_lru_eviction(void **state)
{
    (void)state;
    g_freed = 0;
    bcache *c = bcache_create(300);
    uint8_t k[16];
    bcache_entry *h;
    for (int i = 1; i <= 3; i++) {
        key(k, i);
        bcache_put(c, k, mkval(i), 100, vfree, &h);
        bcache_release(c, h);
    }
    assert_int_equal(bcache_bytes(c), 300);
    assert_int_equal(g_freed, 0);
    /* touch 1: now 2 is the least recently used */
    key(k, 1);
    assert_non_null(bcache_get(c, k, &h));
    bcache_release(c, h);
    key(k, 4);
    bcache_put(c, k, mkval(4), 100, vfree, &h);
    bcache_release(c, h);
    assert_int_equal(g_freed, 1);
    assert_true(was_freed(2));
    assert_int_equal(bcache_bytes(c), 300);
    key(k, 2);
    assert_null(bcache_get(c, k, &h));
    for (int i = 1; i <= 4; i++) {
        if (i == 2)
            continue;
        key(k, i);
        assert_non_null(bcache_get(c, k, &h));
        bcache_release(c, h);
    }
    bcache_destroy(c);
    assert_int_equal(g_freed, 4);
}

static void test_pinned_entries_survive(void **state)
{
    (void)state;
    g_freed = 0;
    bcache *c = bcache_create(150);
    uint8_t k[16];
    bcache_entry *pinned, *h;
    key(k, 1);
    val *v1 = mkval(1);
    bcache_put(c, k, v1, 100, vfree, &pinned); /* kept pinned */
    key(k, 2);
    bcache_put(c, k, mkval(2), 100, vfree, &h); /* over budget, but both pinned */
    assert_int_equal(g_freed, 0);
    assert_int_equal(bcache_bytes(c), 200);
    bcache_release(c, h); /* 2 unpinned: evicted now, 1 still pinned */
    assert_int_equal(g_freed, 1);
    assert_true(was_freed(2));
    assert_int_equal(v1->id, 1); /* still valid memory */
    key(k, 1);
    assert_ptr_equal(bcache_get(c, k, &h), v1);
    bcache_release(c, h);
    bcache_release(c, pinned);
    assert_int_equal(bcache_bytes(c), 100);
    /* an entry bigger than the whole budget is returned pinned, then dropped */
    key(k, 3);
    val *big = mkval(3);
    assert_ptr_equal(bcache_put(c, k, big, 1000, vfree, &h), big);
    assert_int_equal(big->id, 3);
    bcache_release(c, h);
    assert_true(was_freed(3));
    assert_true(bcache_bytes(c) <= 150);
    bcache_destroy(c);
}

static void test_many_entries(void **state)
{
    (void)state;
    /* more entries than the initial table: it grows, everything stays findable */
    g_freed = 0;
    bcache *c = bcache_create(1 << 30);
    uint8_t k[16];
    bcache_entry *h;
    for (int i = 0; i < 3000; i++) {
        key(k, i);
        val *v = bcache_put(c, k, mkval(i), 10, vfree, &h);
        assert_int_equal(v->id, i);
        bcache_release(c, h);
    }
    for (int i = 0; i < 3000; i++) {
        key(k, i);
        val *v = bcache_get(c, k, &h);
        assert_non_null(v);
        assert_int_equal(v->id, i);
        bcache_release(c, h);
    }
    assert_int_equal(bcache_bytes(c), 30000);
    assert_int_equal(bcache_hits(c), 3000);
    assert_int_equal(g_freed, 0);
    bcache_destroy(c);
    assert_int_equal(g_freed, 3000);
}

typedef struct thr {
    bcache *c;
    int base;
    int errors; /* checked by the main thread: cmocka asserts are not thread-safe */
} thr;

static void *worker(void *arg)
{
    thr *t = arg;
    uint8_t k[16];
    bcache_entry *h;
    for (int i = 0; i < 2000; i++) {
        key(k, (t->base + i) % 64);
        val *v = bcache_get(t->c, k, &h);
        if (!v)
            v = bcache_put(t->c, k, mkval((t->base + i) % 64), 64, vfree, &h);
        if (!v || v->id != (t->base + i) % 64) /* pinned: not freed under us */
            t->errors++;
        bcache_release(t->c, h);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    g_freed = 0;
    bcache *c = bcache_create(64 * 16); /* room for a quarter of the keys: constant eviction */
    pthread_t th[4];
    thr a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (thr){ c, i * 17, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, worker, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].errors, 0);
    }
    assert_true(bcache_bytes(c) <= 64 * 16);
    bcache_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_put_release),
        cmocka_unit_test(test_lru_eviction),
        cmocka_unit_test(test_pinned_entries_survive),
        cmocka_unit_test(test_many_entries),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
