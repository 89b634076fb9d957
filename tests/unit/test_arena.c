/* test_arena.c - the bump allocator (util/arena.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/arena.h"

#include <string.h>

static void test_alignment_and_no_overlap(void **state)
{
    (void)state;
    arena *a = arena_create(0); /* clamped to a sane minimum */
    assert_non_null(a);
    enum { N = 500 };
    uint8_t *ptrs[N];
    size_t sizes[N];
    for (int i = 0; i < N; i++) {
        sizes[i] = (size_t)(i % 97) + 1;
        ptrs[i] = arena_alloc(a, sizes[i]);
        assert_non_null(ptrs[i]);
        assert_int_equal((uintptr_t)ptrs[i] % 8, 0);
        memset(ptrs[i], i & 0xff, sizes[i]);
    }
    /* every allocation still holds its own pattern: nothing overlapped */
    for (int i = 0; i < N; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            assert_int_equal(ptrs[i][k], i & 0xff);
    /* zero-byte allocations are distinct, valid pointers */
    void *z1 = arena_alloc(a, 0), *z2 = arena_alloc(a, 0);
    assert_non_null(z1);
    assert_non_null(z2);
    assert_ptr_not_equal(z1, z2);
    arena_destroy(a);
    arena_destroy(NULL);
}

static void test_calloc_strndup(void **state)
{
    (void)state;
    arena *a = arena_create(256);
    uint8_t *p = arena_alloc(a, 64);
    memset(p, 0xab, 64);
    uint8_t *z = arena_calloc(a, 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    char *s = arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    char *e = arena_strndup(a, "", 0);
    assert_string_equal(e, "");
    /* embedded NUL is copied, terminator added after n bytes */
    char *n = arena_strndup(a, "a\0b", 3);
    assert_memory_equal(n, "a\0b\0", 4);
    arena_destroy(a);
}

static void test_big_allocations_and_used(void **state)
{
    (void)state;
    arena *a = arena_create(1024);
    assert_int_equal(arena_used(a), 0);
    uint8_t *small1 = arena_alloc(a, 16);
    size_t u1 = arena_used(a);
    assert_true(u1 >= 1024);
    uint8_t *big = arena_alloc(a, 100000); /* larger than a block */
    assert_non_null(big);
    memset(big, 0x5a, 100000);
    assert_true(arena_used(a) >= u1 + 100000);
    /* small allocations keep coming from the current block */
    uint8_t *small2 = arena_alloc(a, 16);
    assert_true(small2 > small1 && small2 < small1 + 1024);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(big[i], 0x5a);
    arena_destroy(a);
}

static void test_reset_reuses(void **state)
{
    (void)state;
    arena *a = arena_create(512);
    for (int i = 0; i < 100; i++)
        assert_non_null(arena_alloc(a, 100));
    size_t before = arena_used(a);
    assert_true(before >= 100 * 100);
    arena_reset(a);
    assert_true(arena_used(a) < before);
    assert_true(arena_used(a) > 0); /* one block kept */
    char *s = arena_strndup(a, "after reset", 11);
    assert_string_equal(s, "after reset");
    arena_reset(a);
    arena_reset(a);
    assert_non_null(arena_alloc(a, 8));
    arena_destroy(a);
    /* reset of a never-used arena */
    a = arena_create(512);
    arena_reset(a);
    assert_int_equal(arena_used(a), 0);
    arena_destroy(a);
}

static void test_size_overflow_fails(void **state)
{
    (void)state;
    /* sizes near SIZE_MAX must fail, not wrap around to a tiny block */
    arena *a = arena_create(512);
    assert_null(arena_alloc(a, SIZE_MAX));
    assert_null(arena_alloc(a, SIZE_MAX - 3));
    assert_null(arena_calloc(a, SIZE_MAX));
    assert_null(arena_strndup(a, "x", SIZE_MAX));
    assert_non_null(arena_alloc(a, 8)); /* still usable */
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_no_overlap),
        cmocka_unit_test(test_calloc_strndup),
        cmocka_unit_test(test_big_allocations_and_used),
        cmocka_unit_test(test_reset_reuses),
        cmocka_unit_test(test_size_overflow_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
