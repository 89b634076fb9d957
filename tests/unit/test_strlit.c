/* test_strlit.c - PromQL string literals (query/strlit.h): Go escapes in
 * "..." and '...', raw `...` strings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "query/strlit.h"

#include <stdlib.h>
#include <string.h>

/* Scans the literal at the start of src (an exact-size heap copy); checks
 * the value and how far the scan advanced. */
static void ok_n(const char *src, size_t srcn, const char *want, size_t wantn, size_t want_end)
{
    uint8_t *c = malloc(srcn);
    memcpy(c, src, srcn);
    buf out = BUF_INIT;
    assert_int_equal(buf_puts(&out, ">"), 0); /* appends after what is there */
    size_t i = 0;
    err_ctx e = { 0 };
    int rc = strlit_scan(slice_make(c, srcn), &i, &out, &e);
    if (rc)
        fail_msg("strlit_scan(%s): %s", src, e.msg);
    if (out.n != wantn + 1 || memcmp(out.p + 1, want, wantn) != 0)
        fail_msg("strlit_scan(%s) = %.*s", src, (int)out.n - 1, (const char *)out.p + 1);
    assert_int_equal(i, want_end);
    free(c);
    buf_free(&out);
}
#define OK(src, want) ok_n(src, sizeof(src) - 1, want, sizeof(want) - 1, sizeof(src) - 1)

static void bad(const char *src, const char *msg_part)
{
    size_t n = strlen(src);
    uint8_t *c = malloc(n);
    memcpy(c, src, n);
    buf out = BUF_INIT;
    size_t i = 0;
    err_ctx e = { 0 };
    int rc = strlit_scan(slice_make(c, n), &i, &out, &e);
    if (rc != LOUPE_EINVAL)
        fail_msg("strlit_scan(%s) accepted", src);
    if (msg_part && !strstr(e.msg, msg_part))
        fail_msg("strlit_scan(%s): message \"%s\" lacks \"%s\"", src, e.msg, msg_part);
    assert_int_equal(i, 0); /* the position is left alone on error */
    free(c);
    buf_free(&out);
}

static void test_plain_and_quotes(void **state)
{
    (void)state;
    OK("\"\"", "");
    OK("''", "");
    OK("``", "");
    OK("\"abc\"", "abc");
    OK("'abc'", "abc");
    OK("`abc`", "abc");
    OK("\"it's\"", "it's");
    OK("'say \"hi\"'", "say \"hi\"");
    OK("\"caf\xc3\xa9\"", "caf\xc3\xa9");
    /* the scan stops at the closing quote */
    ok_n("\"ab\"cd\"", 7, "ab", 2, 4);
    ok_n("`a`b`", 5, "a", 1, 3);
    /* starting in the middle of a string */
    uint8_t s[] = "x = \"v\" y";
    buf out = BUF_INIT;
    size_t i = 4;
    err_ctx e = { 0 };
    assert_int_equal(strlit_scan(slice_make(s, sizeof s - 1), &i, &out, &e), 0);
    assert_int_equal(i, 7);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.p[0], 'v');
    buf_free(&out);
}

static void test_escapes(void **state)
{
    (void)state;
    OK("\"\\a\\b\\f\\n\\r\\t\\v\"", "\a\b\f\n\r\t\v");
    OK("\"\\\\\"", "\\");
    OK("\"\\\"\"", "\"");
    OK("'\\''", "'");
    OK("\"\\x41\\x4a\\x4A\"", "AJJ");
    OK("\"\\xff\"", "\xff"); /* a byte, not a code point */
    OK("\"\\101\\000\\377\"", "A\0\xff");
    OK("\"\\u00e9\"", "\xc3\xa9");
    OK("\"\\u20AC\"", "\xe2\x82\xac");
    OK("\"\\U0001F600\"", "\xf0\x9f\x98\x80");
    OK("\"\\U0010FFFF\"", "\xf4\x8f\xbf\xbf");
    OK("\"\\u0041\\u007f\\u0080\\u07ff\\u0800\\uffff\"", "A\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
    OK("'a.*\\\\.b'", "a.*\\.b");
    /* raw strings keep everything */
    OK("`a\\nb\\`", "a\\nb\\");
    OK("`line1\nline2`", "line1\nline2");
}

static void test_errors(void **state)
{
    (void)state;
    bad("\"abc", "unterminated");
    bad("'abc", "unterminated");
    bad("`abc", "unterminated raw string");
    bad("\"", "unterminated");
    bad("\"abc\\\"", "unterminated"); /* the only quote is escaped */
    bad("\"ab\ncd\"", "unterminated"); /* no raw newline in quoted strings */
    bad("'ab\n'", "unterminated");
    bad("\"\\q\"", "unknown escape");
    bad("\"\\'\"", "unknown escape");  /* \' only inside '...' */
    bad("'\\\"'", "unknown escape");   /* \" only inside "..." */
    bad("\"\\x4\"", "\\x");
    bad("\"\\xg0\"", "\\x");
    bad("\"\\x", "\\x");
    bad("\"\\u12\"", "\\u");
    bad("\"\\u12g4\"", "\\u");
    bad("\"\\U0011000", "\\U");
    bad("\"\\U00110000\"", "Unicode");
    bad("\"\\ud800\"", "Unicode");     /* surrogates are not code points */
    bad("\"\\uDFFF\"", "Unicode");
    bad("\"\\400\"", "255");
    bad("\"\\12\"", "octal");
    bad("\"\\18\"", "octal");
    bad("\"\\", "unterminated");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_quotes),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
