/* test_span_set.c - the bounded set of spans (ingest/span_set.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/span_set.h"

#include <string.h>

static void ids(uint32_t n, uint8_t t[16], uint8_t s[8])
{
    memset(t, 0, 16);
    memset(s, 0, 8);
    memcpy(t + 12, &n, 4);
    memcpy(s, &n, 4);
    s[7] = 1;
}

static void test_add_take(void **state)
{
    (void)state;
    span_set *s = span_set_create(1000);
    assert_non_null(s);
    uint8_t t[16], sp[8];
    for (uint32_t i = 0; i < 1000; i++) {
        ids(i, t, sp);
        span_set_add(s, t, sp);
        span_set_add(s, t, sp); /* twice is once */
    }
    for (uint32_t i = 0; i < 1000; i += 2) { /* take every other one: deletions keep chains intact */
        ids(i, t, sp);
        assert_int_equal(span_set_take(s, t, sp), 1);
        assert_int_equal(span_set_take(s, t, sp), 0);
    }
    for (uint32_t i = 1; i < 1000; i += 2) {
        ids(i, t, sp);
        assert_int_equal(span_set_take(s, t, sp), 1);
    }
    ids(5000, t, sp);
    assert_int_equal(span_set_take(s, t, sp), 0);
    span_set_destroy(s);
}

static void test_full_clears(void **state)
{
    (void)state;
    span_set *s = span_set_create(8); /* 16 slots, cleared past 8 entries */
    uint8_t t[16], sp[8];
    for (uint32_t i = 0; i < 9; i++) {
        ids(i, t, sp);
        span_set_add(s, t, sp);
    }
    ids(0, t, sp);
    assert_int_equal(span_set_take(s, t, sp), 0); /* forgotten */
    ids(8, t, sp);
    assert_int_equal(span_set_take(s, t, sp), 1); /* added after the clear */
    span_set_destroy(s);
    span_set_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_add_take), cmocka_unit_test(test_full_clears) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
