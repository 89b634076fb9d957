/* test_json.c - the JSON writer and float formatting (util/json.h): strings
 * (escapes, invalid UTF-8 -> U+FFFD as Go writes it), and fmt_float_f /
 * prom_float against Go's strconv and the Prometheus API
 * (tests/data/float_format.tsv). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/json.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FFFD "\xef\xbf\xbd"

/* json_str of n bytes, compared with the expected literal (quotes included). */
static void check_str(const char *in, size_t n, const char *want)
{
    buf b = BUF_INIT;
    uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees over-reads */
    memcpy(copy, in, n);
    assert_int_equal(json_str(&b, slice_make(copy, n)), 0);
    if (b.n != strlen(want) || memcmp(b.p, want, b.n) != 0)
        fail_msg("json_str: got %.*s, want %s", (int)b.n, (const char *)b.p, want);
    free(copy);
    buf_free(&b);
}
#define S(lit, want) check_str(lit, sizeof(lit) - 1, want)

static void test_str_escapes(void **state)
{
    (void)state;
    S("", "\"\"");
    S("plain", "\"plain\"");
    S("a\"b", "\"a\\\"b\"");
    S("a\\b", "\"a\\\\b\"");
    S("l1\nl2\r\tx", "\"l1\\nl2\\r\\tx\"");
    S("\x01\x1f", "\"\\u0001\\u001f\"");
    S("\x00", "\"\\u0000\"");
    S("\x08\x0c", "\"\\u0008\\u000c\"");
    S("\x7f", "\"\x7f\"");  /* DEL needs no escape */
    S("</script>", "\"</script>\"");
    S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    S("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");
}

static void test_str_invalid_utf8(void **state)
{
    (void)state;
    /* each byte that does not start a valid sequence becomes one U+FFFD */
    S("\xff", "\"" FFFD "\"");
    S("a\x80z", "\"a" FFFD "z\"");
    S("\xc3", "\"" FFFD "\"");                      /* truncated at the end */
    S("x\xe2\x82", "\"x" FFFD FFFD "\"");
    S("\xe2\x82x", "\"" FFFD FFFD "x\"");
    S("\xc0\x80", "\"" FFFD FFFD "\"");             /* overlong NUL */
    S("\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\"");    /* overlong '/' */
    S("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");    /* surrogate U+D800 */
    S("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""); /* U+110000 */
    S("\xf5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
    S("\xf8\x80", "\"" FFFD FFFD "\"");
    S("\xc3\xa9\xa9", "\"\xc3\xa9" FFFD "\"");
    S("\"\xff\\", "\"\\\"" FFFD "\\\\\"");
}

static void test_cstr_int(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(json_cstr(&b, NULL), 0);
    assert_int_equal(buf_putc(&b, ','), 0);
    assert_int_equal(json_cstr(&b, "x"), 0);
    assert_int_equal(buf_putc(&b, ','), 0);
    assert_int_equal(json_int(&b, INT64_MIN), 0);
    assert_int_equal(buf_putc(&b, ','), 0);
    assert_int_equal(json_int(&b, INT64_MAX), 0);
    assert_int_equal(buf_putc(&b, ','), 0);
    assert_int_equal(json_int(&b, 0), 0);
    assert_int_equal(buf_cstr(&b), 0);
    assert_string_equal((char *)b.p, "null,\"x\",-9223372036854775808,9223372036854775807,0");
    buf_free(&b);
}

static void test_json_float(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        { 0.1, "0.1" },     { -0.0, "-0" },           { 100, "100" },   { 1e21, "1000000000000000000000" },
        { 1e-7, "0.0000001" }, { 1.5, "1.5" },        { NAN, "null" },  { INFINITY, "null" },
        { -INFINITY, "null" }, { 123456789012345680.0, "123456789012345680" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b = BUF_INIT;
        assert_int_equal(json_float(&b, cases[i].v), 0);
        assert_int_equal(buf_cstr(&b), 0);
        assert_string_equal((char *)b.p, cases[i].want);
        buf_free(&b);
    }
}

static void check_prom(double v, const char *want)
{
    char out[400];
    int n = prom_float(out, sizeof out, v);
    if (n != (int)strlen(want) || strcmp(out, want) != 0)
        fail_msg("prom_float(%.17g) = %s (%d), want %s", v, out, n, want);
}

static void test_prom_float_examples(void **state)
{
    (void)state;
    check_prom(1e-7, "1e-07");
    check_prom(1e21, "1e+21");
    check_prom(0.1, "0.1");
    check_prom(100, "100");
    check_prom(-0.0, "-0");
    check_prom(0.0, "0");
    check_prom(NAN, "NaN");
    check_prom(-NAN, "NaN");
    check_prom(INFINITY, "+Inf");
    check_prom(-INFINITY, "-Inf");
    check_prom(DBL_MAX, "1.7976931348623157e+308");
    check_prom(-DBL_MAX, "-1.7976931348623157e+308");
    check_prom(1.5e308, "1.5e+308");
    check_prom(5e-324, "5e-324");   /* the smallest subnormal */
    check_prom(1e-6, "0.000001");   /* the boundary itself is 'f' */
    check_prom(9.99999999999999e20, "999999999999999000000");
    check_prom(1.5e-7, "1.5e-07");
    check_prom(-2.5e-10, "-2.5e-10");
    check_prom(1e100, "1e+100");
    check_prom(123.456, "123.456");
}

static void test_fmt_float_f_small_cap(void **state)
{
    (void)state;
    /* too small a buffer fails without writing past cap */
    char out[16];
    memset(out, 'X', sizeof out);
    int n = fmt_float_f(out, 8, DBL_MAX);
    assert_true(n < 0);
    for (size_t i = 8; i < sizeof out; i++)
        assert_int_equal(out[i], 'X');
    /* and the full 309 digits fit in 400 */
    char big[400];
    n = fmt_float_f(big, sizeof big, DBL_MAX);
    assert_int_equal(n, 309);
    assert_int_equal((int)strlen(big), 309);
    assert_memory_equal(big, "17976931348623157", 17);
    n = fmt_float_f(big, sizeof big, -5e-324);
    assert_int_equal(n, 3 + 323 + 1); /* "-0." 323 zeros "5" */
    assert_memory_equal(big, "-0.000", 6);
    assert_int_equal(big[n - 1], '5');
}

static uint64_t d2u(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static double u2d(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* Every line of tests/data/float_format.tsv: bits, 'f' text, API text. */
static void test_fixture_table(void **state)
{
    (void)state;
    const char *dir = getenv("LOUPE_TEST_DATA");
    if (!dir)
        fail_msg("LOUPE_TEST_DATA is not set (ctest sets it to tests/data)");
    char path[4096];
    snprintf(path, sizeof path, "%s/float_format.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    static char line[2048];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        assert_non_null(t2);
        *t1 = *t2 = '\0';
        double v = u2d(strtoull(line, NULL, 16));
        const char *want_f = t1 + 1, *want_p = t2 + 1;
        char out[400];
        if (strcmp(want_f, "-") != 0) {
            int n = fmt_float_f(out, sizeof out, v);
            if (n != (int)strlen(want_f) || strcmp(out, want_f) != 0)
                fail_msg("fmt_float_f(bits %s) = %s, want %s", line, out, want_f);
            /* the text parses back to the same bits */
            assert_true(d2u(strtod(out, NULL)) == d2u(v));
        }
        int n = prom_float(out, sizeof out, v);
        if (n != (int)strlen(want_p) || strcmp(out, want_p) != 0)
            fail_msg("prom_float(bits %s) = %s, want %s", line, out, want_p);
        rows++;
    }
    fclose(f);
    assert_true(rows > 600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str_escapes),
        cmocka_unit_test(test_str_invalid_utf8),
        cmocka_unit_test(test_cstr_int),
        cmocka_unit_test(test_json_float),
        cmocka_unit_test(test_prom_float_examples),
        cmocka_unit_test(test_fmt_float_f_small_cap),
        cmocka_unit_test(test_fixture_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
