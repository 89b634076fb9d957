/* test_utf8.c - utf8_valid: RFC 3629 acceptance, checked by hand-picked cases
 * and exhaustively against an independent decode-and-re-encode reference. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>

/* Valid iff utf8_valid says so for an exactly-sized heap copy (so ASan sees
 * any read past the end). */
static int valid(const char *s, size_t n)
{
    uint8_t *p = calloc(1, n ? n : 1);
    memcpy(p, s, n);
    int r = utf8_valid(p, n);
    free(p);
    return r;
}
#define V(lit) valid(lit, sizeof(lit) - 1)

static void test_valid_sequences(void **state)
{
    (void)state;
    assert_true(V(""));
    assert_true(V("a"));
    assert_true(V("hello, world: longer than eight bytes"));
    assert_true(V("\x00"));             /* NUL is a valid code point */
    assert_true(V("\x7f"));
    assert_true(V("\xc2\x80"));         /* U+0080, smallest 2-byte */
    assert_true(V("\xc3\xa9"));         /* é */
    assert_true(V("\xdf\xbf"));         /* U+07FF */
    assert_true(V("\xe0\xa0\x80"));     /* U+0800, smallest 3-byte */
    assert_true(V("\xe2\x82\xac"));     /* € */
    assert_true(V("\xed\x9f\xbf"));     /* U+D7FF, just below the surrogates */
    assert_true(V("\xee\x80\x80"));     /* U+E000, just above */
    assert_true(V("\xef\xbf\xbf"));     /* U+FFFF */
    assert_true(V("\xf0\x90\x80\x80")); /* U+10000 */
    assert_true(V("\xf0\x9f\x98\x80")); /* 😀 */
    assert_true(V("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the last code point */
    assert_true(V("abcdefgh\xc3\xa9ijklmnop\xf0\x9f\x98\x80qrstuvwx"));
}

static void test_invalid_sequences(void **state)
{
    (void)state;
    assert_false(V("\x80"));             /* lone continuation */
    assert_false(V("\xbf"));
    assert_false(V("\xc0\x80"));         /* overlong NUL */
    assert_false(V("\xc1\xbf"));         /* overlong U+007F */
    assert_false(V("\xe0\x80\x80"));     /* overlong 3-byte */
    assert_false(V("\xe0\x9f\xbf"));     /* overlong U+07FF */
    assert_false(V("\xf0\x80\x80\x80")); /* overlong 4-byte */
    assert_false(V("\xf0\x8f\xbf\xbf")); /* overlong U+FFFF */
    assert_false(V("\xed\xa0\x80"));     /* U+D800 */
    assert_false(V("\xed\xbf\xbf"));     /* U+DFFF */
    assert_false(V("\xed\xa0\xbd\xed\xb8\x80")); /* CESU-8 surrogate pair */
    assert_false(V("\xf4\x90\x80\x80")); /* U+110000 */
    assert_false(V("\xf5\x80\x80\x80"));
    assert_false(V("\xf7\xbf\xbf\xbf"));
    assert_false(V("\xf8\x88\x80\x80\x80")); /* 5-byte form */
    assert_false(V("\xfe"));
    assert_false(V("\xff"));
    assert_false(V("\xc3"));             /* truncated */
    assert_false(V("\xe2\x82"));
    assert_false(V("\xf0\x9f\x98"));
    assert_false(V("abcdefgh\xe2\x82")); /* truncated after the ASCII fast path */
    assert_false(V("abcdefgh\x80"));
    assert_false(V("\xe2\x28\xa1"));     /* bad continuation */
    assert_false(V("\xc3\x28"));
    assert_false(V("\xf0\x9f\x98\x28"));
    assert_false(V("\xc3\xa9\xc3"));
    /* a valid prefix does not validate the rest */
    assert_false(V("12345678123456781234567\xff"));
}

/* Reference: split greedily into code points, decoding each by its lead
 * byte's pattern and accepting it only if re-encoding gives the same bytes
 * and the code point is a Unicode scalar value. */
static size_t enc(uint32_t cp, uint8_t *b)
{
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (uint8_t)(0xc0 | cp >> 6);
        b[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (uint8_t)(0xe0 | cp >> 12);
        b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        b[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    b[0] = (uint8_t)(0xf0 | cp >> 18);
    b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
    b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
    b[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

static int ref_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (!len || i + len > n)
            return 0;
        uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1fu) : len == 3 ? (c & 0x0fu) : (c & 0x07u);
        for (size_t k = 1; k < len; k++)
            cp = cp << 6 | (p[i + k] & 0x3fu);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        uint8_t b[4];
        if (enc(cp, b) != len || memcmp(b, p + i, len) != 0)
            return 0;
        i += len;
    }
    return 1;
}

static void test_exhaustive_short_sequences(void **state)
{
    (void)state;
    uint8_t b[4];
    for (unsigned x = 0; x < 256; x++) {
        b[0] = (uint8_t)x;
        assert_int_equal(utf8_valid(b, 1), ref_valid(b, 1));
        for (unsigned y = 0; y < 256; y++) {
            b[1] = (uint8_t)y;
            assert_int_equal(utf8_valid(b, 2), ref_valid(b, 2));
            if (x < 0xc0) /* 3-byte runs starting with ASCII/continuations reduce to shorter ones */
                continue;
            for (unsigned z = 0; z < 256; z++) {
                b[2] = (uint8_t)z;
                if (utf8_valid(b, 3) != ref_valid(b, 3))
                    fail_msg("3-byte %02x %02x %02x: utf8_valid %d", x, y, z, utf8_valid(b, 3));
            }
        }
    }
    /* 4-byte: every lead byte from 0xf0 with the boundary continuation bytes */
    static const uint8_t cont[] = { 0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff };
    for (unsigned x = 0xf0; x < 0x100; x++)
        for (size_t i = 0; i < sizeof cont; i++)
            for (size_t j = 0; j < sizeof cont; j++)
                for (size_t k = 0; k < sizeof cont; k++) {
                    b[0] = (uint8_t)x, b[1] = cont[i], b[2] = cont[j], b[3] = cont[k];
                    if (utf8_valid(b, 4) != ref_valid(b, 4))
                        fail_msg("4-byte %02x %02x %02x %02x", b[0], b[1], b[2], b[3]);
                }
}

static void test_every_code_point_encoded(void **state)
{
    (void)state;
    /* each scalar value, placed after 7 ASCII bytes so it straddles the
     * 8-byte fast-path window */
    uint8_t b[16];
    memset(b, 'a', sizeof b);
    for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
        size_t n = enc(cp, b + 7);
        int want = !(cp >= 0xd800 && cp <= 0xdfff);
        if (utf8_valid(b, 7 + n) != want)
            fail_msg("U+%04X", cp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_sequences),
        cmocka_unit_test(test_invalid_sequences),
        cmocka_unit_test(test_exhaustive_short_sequences),
        cmocka_unit_test(test_every_code_point_encoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
