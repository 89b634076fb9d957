/* test_pb.c - the protobuf wire reader and writer helpers (ingest/pb.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/pb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* pb_next over an exact-size heap copy of the bytes (ASan sees over-reads);
 * returns the results of up to `max` calls in rcs[] and the fields in fs[]. */
static int walk(const uint8_t *p, size_t n, pb_field *fs, int *rcs, int max, uint8_t **copy)
{
    *copy = malloc(n ? n : 1);
    memcpy(*copy, p, n);
    pb_reader r = pb_reader_make(slice_make(*copy, n));
    int k = 0;
    for (; k < max; k++) {
        rcs[k] = pb_next(&r, &fs[k]);
        if (rcs[k] != 1) {
            k++;
            break;
        }
    }
    return k;
}

/* The result of the last pb_next call over the bytes. */
static int last_rc(const uint8_t *p, size_t n)
{
    pb_field fs[16];
    int rcs[16];
    uint8_t *copy;
    int k = walk(p, n, fs, rcs, 16, &copy);
    free(copy);
    return rcs[k - 1];
}
#define LAST(...) last_rc((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void test_all_wire_types(void **state)
{
    (void)state;
    static const uint8_t msg[] = {
        0x08, 0x96, 0x01,                                     /* 1: varint 150 */
        0x11, 1, 2, 3, 4, 5, 6, 7, 8,                         /* 2: fixed64 */
        0x1a, 0x03, 'a', 'b', 'c',                            /* 3: bytes "abc" */
        0x25, 0x78, 0x56, 0x34, 0x12,                         /* 4: fixed32 0x12345678 */
        0x2a, 0x00,                                           /* 5: empty bytes */
        0xf8, 0xff, 0xff, 0xff, 0x0f, 0x2a,                   /* 536870911 (max): varint 42 */
    };
    pb_field fs[8];
    int rcs[8];
    uint8_t *c;
    int k = walk(msg, sizeof msg, fs, rcs, 8, &c);
    assert_int_equal(k, 7);
    for (int i = 0; i < 6; i++)
        assert_int_equal(rcs[i], 1);
    assert_int_equal(rcs[6], 0); /* clean end */
    assert_int_equal(fs[0].num, 1);
    assert_int_equal(fs[0].type, PB_VARINT);
    assert_true(fs[0].u == 150);
    assert_ptr_equal(fs[0].start, c);
    assert_int_equal(fs[1].num, 2);
    assert_int_equal(fs[1].type, PB_FIXED64);
    assert_true(fs[1].u == 0x0807060504030201ull); /* little-endian */
    assert_ptr_equal(fs[1].start, c + 3);
    assert_int_equal(fs[2].num, 3);
    assert_int_equal(fs[2].type, PB_LEN);
    assert_int_equal(fs[2].bytes.n, 3);
    assert_ptr_equal(fs[2].bytes.p, c + 14); /* zero-copy: points into the input */
    assert_memory_equal(fs[2].bytes.p, "abc", 3);
    assert_int_equal(fs[3].num, 4);
    assert_int_equal(fs[3].type, PB_FIXED32);
    assert_true(fs[3].u == 0x12345678u);
    assert_int_equal(fs[4].num, 5);
    assert_int_equal(fs[4].bytes.n, 0);
    assert_int_equal(fs[5].num, 536870911u);
    assert_true(fs[5].u == 42);
    free(c);

    pb_reader r = pb_reader_make(slice_make(NULL, 0));
    pb_field f;
    assert_int_equal(pb_next(&r, &f), 0); /* an empty message is valid */
}

static void test_malformed(void **state)
{
    (void)state;
    assert_int_equal(LAST(0x00, 0x01), -1);             /* field 0 */
    assert_int_equal(LAST(0x02, 0x00), -1);             /* field 0, LEN */
    assert_int_equal(LAST(0x0b), -1);                   /* group start (type 3) */
    assert_int_equal(LAST(0x0c), -1);                   /* group end (type 4) */
    assert_int_equal(LAST(0x0b, 0x08, 0x01, 0x0c), -1);
    assert_int_equal(LAST(0x0e, 0x00), -1);             /* wire type 6 */
    assert_int_equal(LAST(0x0f, 0x00), -1);             /* wire type 7 */
    assert_int_equal(LAST(0x80), -1);                   /* truncated key */
    assert_int_equal(LAST(0x08), -1);                   /* key without its varint */
    assert_int_equal(LAST(0x08, 0x80), -1);             /* truncated varint value */
    assert_int_equal(LAST(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), -1); /* > 64 bits */
    assert_int_equal(LAST(0x09, 1, 2, 3, 4, 5, 6, 7), -1); /* fixed64 short by one */
    assert_int_equal(LAST(0x0d, 1, 2, 3), -1);          /* fixed32 short by one */
    assert_int_equal(LAST(0x0a, 0x04, 'a', 'b', 'c'), -1); /* length past the end */
    assert_int_equal(LAST(0x0a), -1);                   /* no length */
    assert_int_equal(LAST(0x0a, 0x80), -1);             /* truncated length */
    assert_int_equal(LAST(0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), -1); /* 2^64-1 */
    assert_int_equal(LAST(0x80, 0x80, 0x80, 0x80, 0x10), -1);       /* field number 2^29: too big */
    assert_int_equal(LAST(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), -1); /* field number 2^32 */
    /* a malformed field after good ones: the good ones come back first */
    assert_int_equal(LAST(0x08, 0x01, 0x10, 0x02, 0x1a, 0x05), -1);
    static const uint8_t good_then_bad[] = { 0x08, 0x01, 0x1a, 0x05 };
    pb_field fs[4];
    int rcs[4];
    uint8_t *c;
    int k = walk(good_then_bad, sizeof good_then_bad, fs, rcs, 4, &c);
    assert_int_equal(k, 2);
    assert_int_equal(rcs[0], 1);
    assert_int_equal(rcs[1], -1);
    free(c);
}

static void test_every_truncation_is_an_error(void **state)
{
    (void)state;
    /* a message whose every proper prefix ends inside a field */
    static const uint8_t one_field[] = { 0x92, 0x01, 0x05, 'h', 'e', 'l', 'l', 'o' }; /* field 18, bytes */
    for (size_t n = 1; n < sizeof one_field; n++)
        assert_int_equal(last_rc(one_field, n), -1);
    assert_int_equal(last_rc(one_field, sizeof one_field), 0);
    static const uint8_t fixed[] = { 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f };
    for (size_t n = 1; n < sizeof fixed; n++)
        assert_int_equal(last_rc(fixed, n), -1);
    assert_int_equal(last_rc(fixed, sizeof fixed), 0);
}

static void test_value_helpers(void **state)
{
    (void)state;
    pb_field f;
    memset(&f, 0, sizeof f);
    double d = -2.5;
    memcpy(&f.u, &d, 8);
    assert_true(pb_double(&f) == -2.5);
    f.u = 0x7ff0000000000002ull; /* the staleness marker: bits survive */
    double st = pb_double(&f);
    uint64_t back;
    memcpy(&back, &st, 8);
    assert_true(back == 0x7ff0000000000002ull);
    assert_true(isnan(st));
    float fl = 1.25f;
    uint32_t u32;
    memcpy(&u32, &fl, 4);
    f.u = u32;
    assert_true(pb_float(&f) == 1.25f);
    f.u = 0;
    assert_true(pb_sint64(&f) == 0);
    f.u = 1;
    assert_true(pb_sint64(&f) == -1);
    f.u = 2;
    assert_true(pb_sint64(&f) == 1);
    f.u = UINT64_MAX;
    assert_true(pb_sint64(&f) == INT64_MIN);
    f.u = UINT64_MAX - 1;
    assert_true(pb_sint64(&f) == INT64_MAX);
}

static void test_writers_round_trip(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(pb_put_varint_field(&b, 1, 150), 0);
    assert_int_equal(pb_put_bytes_field(&b, 2, "xyz", 3), 0);
    assert_int_equal(pb_put_fixed64_field(&b, 3, 0x0102030405060708ull), 0);
    assert_int_equal(pb_put_double_field(&b, 16, 0.5), 0);
    assert_int_equal(pb_put_tag(&b, 5, PB_FIXED32), 0);
    assert_int_equal(buf_append(&b, "\x01\x00\x00\x00", 4), 0);
    assert_int_equal(pb_put_varint_field(&b, 6, (uint64_t)-1), 0); /* int64 -1: ten bytes */
    static const uint8_t want[] = { 0x08, 0x96, 0x01, 0x12, 0x03, 'x', 'y', 'z', 0x19, 8, 7, 6, 5, 4, 3, 2, 1,
                                    0x81, 0x01, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f, 0x2d, 1, 0, 0, 0, 0x30, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
    assert_int_equal(b.n, sizeof want);
    assert_memory_equal(b.p, want, sizeof want);

    pb_reader r = pb_reader_make(buf_slice(&b));
    pb_field f;
    assert_int_equal(pb_next(&r, &f), 1);
    assert_true(f.num == 1 && f.u == 150);
    assert_int_equal(pb_next(&r, &f), 1);
    assert_true(f.num == 2 && f.bytes.n == 3);
    assert_int_equal(pb_next(&r, &f), 1);
    assert_true(f.num == 3 && f.u == 0x0102030405060708ull);
    assert_int_equal(pb_next(&r, &f), 1);
    assert_true(f.num == 16 && f.type == PB_FIXED64 && pb_double(&f) == 0.5);
    assert_int_equal(pb_next(&r, &f), 1);
    assert_true(f.num == 5 && f.type == PB_FIXED32 && f.u == 1);
    assert_int_equal(pb_next(&r, &f), 1);
    assert_true(f.num == 6 && (int64_t)f.u == -1);
    assert_int_equal(pb_next(&r, &f), 0);
    buf_free(&b);
}

static void test_nested_messages(void **state)
{
    (void)state;
    /* a LEN field's payload is itself walkable, and the outer walk skips it whole */
    buf inner = BUF_INIT, outer = BUF_INIT;
    assert_int_equal(pb_put_bytes_field(&inner, 1, "__name__", 8), 0);
    assert_int_equal(pb_put_bytes_field(&inner, 2, "up", 2), 0);
    assert_int_equal(pb_put_bytes_field(&outer, 1, inner.p, inner.n), 0);
    assert_int_equal(pb_put_varint_field(&outer, 2, 7), 0);
    pb_reader r = pb_reader_make(buf_slice(&outer));
    pb_field f;
    assert_int_equal(pb_next(&r, &f), 1);
    pb_reader in = pb_reader_make(f.bytes);
    pb_field g;
    assert_int_equal(pb_next(&in, &g), 1);
    assert_true(slice_eq_cstr(g.bytes, "__name__"));
    assert_int_equal(pb_next(&in, &g), 1);
    assert_true(slice_eq_cstr(g.bytes, "up"));
    assert_int_equal(pb_next(&in, &g), 0);
    assert_int_equal(pb_next(&r, &f), 1);
    assert_true(f.num == 2 && f.u == 7);
    assert_int_equal(pb_next(&r, &f), 0);
    buf_free(&inner);
    buf_free(&outer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_wire_types),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_every_truncation_is_an_error),
        cmocka_unit_test(test_value_helpers),
        cmocka_unit_test(test_writers_round_trip),
        cmocka_unit_test(test_nested_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
