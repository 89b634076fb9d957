/* test_varint.c - LEB128 varints, zigzag and big-endian helpers (util/varint.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/varint.h"

#include <stdlib.h>
#include <string.h>

static const uint64_t BOUNDS[] = { 0,
                                   1,
                                   127,
                                   128,
                                   16383,
                                   16384,
                                   (1ull << 21) - 1,
                                   1ull << 21,
                                   (1ull << 28) - 1,
                                   1ull << 28,
                                   UINT32_MAX,
                                   1ull << 32,
                                   (1ull << 35) - 1,
                                   (1ull << 56) - 1,
                                   1ull << 56,
                                   (1ull << 63) - 1,
                                   1ull << 63,
                                   UINT64_MAX - 1,
                                   UINT64_MAX };

static void test_put_get_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BOUNDS / sizeof BOUNDS[0]; i++) {
        uint64_t v = BOUNDS[i];
        uint8_t tmp[10];
        size_t n = varint_put(tmp, v);
        assert_int_equal(n, varint_len(v));
        /* exact-size heap copy so a read past the end is caught */
        uint8_t *p = malloc(n);
        memcpy(p, tmp, n);
        const uint8_t *q = p;
        uint64_t out = 12345;
        assert_int_equal(varint_get(&q, p + n, &out), 0);
        assert_true(out == v);
        assert_ptr_equal(q, p + n);
        /* every proper prefix is truncated: -1 and the cursor stays */
        for (size_t k = 0; k < n; k++) {
            q = p;
            assert_int_equal(varint_get(&q, p + k, &out), -1);
            assert_ptr_equal(q, p);
        }
        free(p);
    }
    /* lengths: 7 bits per byte */
    assert_int_equal(varint_len(0), 1);
    assert_int_equal(varint_len(127), 1);
    assert_int_equal(varint_len(128), 2);
    assert_int_equal(varint_len(UINT32_MAX), 5);
    assert_int_equal(varint_len(UINT64_MAX), 10);
}

static void test_malformed(void **state)
{
    (void)state;
    uint64_t out;
    const uint8_t *q;
    /* 11 bytes of continuation: longer than any uint64 */
    static const uint8_t too_long[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
    q = too_long;
    assert_int_equal(varint_get(&q, too_long + sizeof too_long, &out), -1);
    assert_ptr_equal(q, too_long);
    /* the 10th byte may only carry bit 63 */
    static const uint8_t overflow[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
    q = overflow;
    assert_int_equal(varint_get(&q, overflow + sizeof overflow, &out), -1);
    static const uint8_t cont10[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00 };
    q = cont10;
    assert_int_equal(varint_get(&q, cont10 + sizeof cont10, &out), -1);
    /* empty input */
    q = too_long;
    assert_int_equal(varint_get(&q, too_long, &out), -1);
    /* non-minimal encodings are accepted, as protobuf readers do */
    static const uint8_t padded[] = { 0x81, 0x80, 0x00 };
    q = padded;
    assert_int_equal(varint_get(&q, padded + 3, &out), 0);
    assert_true(out == 1);
    assert_ptr_equal(q, padded + 3);
    /* reading stops at the first terminal byte */
    static const uint8_t two[] = { 0x05, 0x06 };
    q = two;
    assert_int_equal(varint_get(&q, two + 2, &out), 0);
    assert_true(out == 5);
    assert_ptr_equal(q, two + 1);
}

static void test_zigzag(void **state)
{
    (void)state;
    assert_true(zigzag_enc(0) == 0);
    assert_true(zigzag_enc(-1) == 1);
    assert_true(zigzag_enc(1) == 2);
    assert_true(zigzag_enc(-2) == 3);
    assert_true(zigzag_enc(INT64_MAX) == UINT64_MAX - 1);
    assert_true(zigzag_enc(INT64_MIN) == UINT64_MAX);
    static const int64_t vals[] = { 0, 1, -1, 63, -64, 64, -65, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN,
                                    INT64_MAX - 1, INT64_MIN + 1 };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        assert_true(zigzag_dec(zigzag_enc(vals[i])) == vals[i]);
    for (uint64_t u = 0; u < 1000; u++)
        assert_true(zigzag_enc(zigzag_dec(u)) == u);
}

static void test_big_endian(void **state)
{
    (void)state;
    uint8_t b[8];
    be32_put(b, 0xdeadbeefu);
    static const uint8_t w32[] = { 0xde, 0xad, 0xbe, 0xef };
    assert_memory_equal(b, w32, 4);
    assert_true(be32_get(b) == 0xdeadbeefu);
    be64_put(b, 0x0102030405060708ull);
    static const uint8_t w64[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    assert_memory_equal(b, w64, 8);
    assert_true(be64_get(b) == 0x0102030405060708ull);

    /* signed keys sort bytewise in numeric order */
    static const int64_t sorted[] = { INT64_MIN, INT64_MIN + 1, -7200000, -1, 0, 1, 7200000, INT64_MAX - 1, INT64_MAX };
    size_t n = sizeof sorted / sizeof sorted[0];
    for (size_t i = 0; i < n; i++) {
        uint8_t k1[8];
        be64s_put(k1, sorted[i]);
        assert_true(be64s_get(k1) == sorted[i]);
        for (size_t j = i + 1; j < n; j++) {
            uint8_t k2[8];
            be64s_put(k2, sorted[j]);
            assert_true(memcmp(k1, k2, 8) < 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_round_trip),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_zigzag),
        cmocka_unit_test(test_big_endian),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
