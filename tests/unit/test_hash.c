/* test_hash.c - hash_bytes / hash_u64 / hash_seed (util/hash.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/hash.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Number of equal neighbours after sorting. */
static size_t dups(uint64_t *h, size_t n)
{
    qsort(h, n, sizeof *h, cmp_u64);
    size_t d = 0;
    for (size_t i = 1; i < n; i++)
        d += h[i] == h[i - 1];
    return d;
}

static void test_deterministic_and_seeded(void **state)
{
    (void)state;
    const char *s = "__name__=up,job=node";
    uint64_t a = hash_bytes(s, strlen(s), 1), b = hash_bytes(s, strlen(s), 1);
    assert_true(a == b);
    assert_true(hash_bytes(s, strlen(s), 2) != a);
    assert_true(hash_seed() == hash_seed());
    assert_true(hash_seed() & 1);
}

static void test_reads_only_n_bytes(void **state)
{
    (void)state;
    /* exact-size heap copies: ASan flags any read past n; and every length
     * of a common prefix hashes differently */
    const char *src = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    uint64_t h[64];
    for (size_t n = 0; n < 64; n++) {
        uint8_t *p = malloc(n ? n : 1);
        memcpy(p, src, n);
        h[n] = hash_bytes(p, n, 7);
        free(p);
    }
    assert_int_equal(dups(h, 64), 0);
    /* zero bytes of different lengths differ too (the length is mixed in) */
    uint8_t z[40] = { 0 };
    uint64_t hz[40];
    for (size_t n = 0; n < 40; n++)
        hz[n] = hash_bytes(z, n, 7);
    assert_int_equal(dups(hz, 40), 0);
}

static void test_every_bit_matters(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 40; n++) {
        uint8_t buf[40];
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)(i * 31 + 5);
        uint64_t base = hash_bytes(buf, n, 99);
        for (size_t bit = 0; bit < n * 8; bit++) {
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            uint64_t h = hash_bytes(buf, n, 99);
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            if (h == base)
                fail_msg("flipping bit %zu of %zu bytes does not change the hash", bit, n);
        }
    }
}

static void test_no_collisions_on_similar_keys(void **state)
{
    (void)state;
    enum { N = 20000 };
    uint64_t *h = malloc(N * sizeof *h), *u = malloc(N * sizeof *u);
    char key[64];
    for (int i = 0; i < N; i++) {
        int n = snprintf(key, sizeof key, "http_requests_total{instance=\"10.0.%d.%d:9100\"}", i / 256, i % 256);
        h[i] = hash_bytes(key, (size_t)n, 0);
        u[i] = hash_u64((uint64_t)i);
    }
    assert_int_equal(dups(h, N), 0);
    assert_int_equal(dups(u, N), 0);
    /* hash_u64 spreads consecutive integers over the low bits (open addressing uses them) */
    int buckets[64] = { 0 };
    for (uint64_t i = 0; i < 6400; i++)
        buckets[hash_u64(i) & 63]++;
    for (int b = 0; b < 64; b++)
        assert_true(buckets[b] > 0);
    free(h);
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic_and_seeded),
        cmocka_unit_test(test_reads_only_n_bytes),
        cmocka_unit_test(test_every_bit_matters),
        cmocka_unit_test(test_no_collisions_on_similar_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
