/* test_timeparse.c - Prometheus API times and durations (util/timeparse.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/timeparse.h"

#include <string.h>

static void time_ok(const char *s, int64_t want)
{
    int64_t ms = 0x5eed;
    if (parse_time_ms(slice_cstr(s), &ms) != 0)
        fail_msg("parse_time_ms(\"%s\") failed", s);
    if (ms != want)
        fail_msg("parse_time_ms(\"%s\") = %lld, want %lld", s, (long long)ms, (long long)want);
}

static void time_bad(const char *s)
{
    int64_t ms = 0x5eed;
    if (parse_time_ms(slice_cstr(s), &ms) != -1)
        fail_msg("parse_time_ms(\"%s\") accepted: %lld", s, (long long)ms);
    assert_int_equal(ms, 0x5eed); /* untouched on error */
}

static void test_time_float_seconds(void **state)
{
    (void)state;
    time_ok("0", 0);
    time_ok("1700000000", 1700000000000LL);
    time_ok("1700000000.123", 1700000000123LL);
    time_ok("1700000000.5", 1700000000500LL);
    time_ok("1.5", 1500);
    time_ok("-1.5", -1500);
    time_ok("-0.001", -1);
    time_ok("0.0005", 1);     /* rounded to the nearest ms, as Prometheus does */
    time_ok("0.0004", 0);
    time_ok("1e3", 1000000);
    time_ok("+5", 5000);
    time_ok(".5", 500);
    time_bad("");
    time_bad("abc");
    time_bad("1.5s");
    time_bad("inf");
    time_bad("NaN");
    time_bad("0x10");
    time_bad("1e300");        /* out of the int64 millisecond range */
    time_bad(" 1");
    time_bad("1 ");
}

static void test_time_rfc3339(void **state)
{
    (void)state;
    time_ok("2006-01-02T15:04:05Z", 1136214245000LL);
    time_ok("2006-01-02t15:04:05z", 1136214245000LL);
    time_ok("2006-01-02 15:04:05Z", 1136214245000LL);
    time_ok("2006-01-02T15:04:05.999Z", 1136214245999LL);
    time_ok("2006-01-02T15:04:05.1Z", 1136214245100LL);
    time_ok("2006-01-02T15:04:05.123456789Z", 1136214245123LL); /* truncated to ms, as Go's UnixMilli */
    time_ok("2006-01-02T15:04:05+02:00", 1136207045000LL);
    time_ok("2006-01-02T15:04:05-07:30", 1136241245000LL);
    time_ok("2006-01-02T15:04:05.250+00:00", 1136214245250LL);
    time_ok("1969-12-31T23:59:59Z", -1000);
    time_ok("1969-12-31T23:59:59.5Z", -500);
    time_ok("1970-01-01T00:00:00Z", 0);
    time_ok("2024-02-29T12:00:00Z", 1709208000000LL);
    time_ok("2000-02-29T00:00:00Z", 951782400000LL);
    time_ok("0001-01-01T00:00:00Z", -62135596800000LL);
    time_ok("9999-12-31T23:59:59Z", 253402300799000LL);

    time_bad("2006-01-02");
    time_bad("2006-01-02T15:04:05");       /* no zone */
    time_bad("2006-01-02T15:04Z");
    time_bad("2006-13-02T15:04:05Z");
    time_bad("2006-00-02T15:04:05Z");
    time_bad("2006-01-00T15:04:05Z");
    time_bad("2006-01-32T15:04:05Z");
    time_bad("2023-02-29T00:00:00Z");      /* not a leap year */
    time_bad("1900-02-29T00:00:00Z");
    time_bad("2023-02-30T00:00:00Z");
    time_bad("2023-04-31T00:00:00Z");
    time_bad("2006-01-02T24:00:00Z");
    time_bad("2006-01-02T15:60:05Z");
    time_bad("2006-01-02T15:04:05.Z");
    time_bad("2006-01-02T15:04:05+0200");
    time_bad("2006-01-02T15:04:05+02");
    time_bad("2006-01-02T15:04:05Zjunk");
    time_bad("2006-01-02X15:04:05Z");
    time_bad("2006/01/02T15:04:05Z");
    time_bad("20O6-01-02T15:04:05Z");
}

static void dur_ok(const char *s, int64_t want)
{
    int64_t ms = -7;
    if (parse_duration_ms(slice_cstr(s), &ms) != 0)
        fail_msg("parse_duration_ms(\"%s\") failed", s);
    if (ms != want)
        fail_msg("parse_duration_ms(\"%s\") = %lld, want %lld", s, (long long)ms, (long long)want);
}

static void dur_bad(const char *s)
{
    int64_t ms = -7;
    if (parse_duration_ms(slice_cstr(s), &ms) != -1)
        fail_msg("parse_duration_ms(\"%s\") accepted: %lld", s, (long long)ms);
    if (parse_promql_duration_ms(slice_cstr(s), &ms) != -1)
        fail_msg("parse_promql_duration_ms(\"%s\") accepted: %lld", s, (long long)ms);
}

static void pdur_ok(const char *s, int64_t want)
{
    int64_t ms = -7;
    if (parse_promql_duration_ms(slice_cstr(s), &ms) != 0)
        fail_msg("parse_promql_duration_ms(\"%s\") failed", s);
    assert_int_equal(ms, want);
    dur_ok(s, want); /* every PromQL duration is also an API duration */
}

static void test_durations(void **state)
{
    (void)state;
    pdur_ok("1h30m", 5400000);
    pdur_ok("250ms", 250);
    pdur_ok("5m", 300000);
    pdur_ok("1y", 365LL * 86400000);
    pdur_ok("2d", 2 * 86400000);
    pdur_ok("1w", 7 * 86400000);
    pdur_ok("30s", 30000);
    pdur_ok("0s", 0);
    pdur_ok("1y2w3d4h5m6s7ms", 365LL * 86400000 + 14LL * 86400000 + 3LL * 86400000 + 4 * 3600000 + 5 * 60000 +
                                    6000 + 7);
    pdur_ok("1m500ms", 60500);
    pdur_ok("90m", 5400000); /* units need not be normalised */

    /* float seconds: the API's parse_duration_ms only */
    int64_t ms;
    dur_ok("15", 15000);
    dur_ok("0.5", 500);
    dur_ok("0", 0);
    dur_ok("1.5e3", 1500000);
    assert_int_equal(parse_promql_duration_ms(slice_cstr("15"), &ms), -1);
    assert_int_equal(parse_promql_duration_ms(slice_cstr("0.5"), &ms), -1);

    dur_bad("");
    dur_bad("m");
    dur_bad("30m1h");          /* units out of order */
    dur_bad("1ms1s");
    dur_bad("1s1m");
    dur_bad("1h1h");           /* repeated unit */
    dur_bad("-5m");
    dur_bad("-1");
    dur_bad("5M");
    dur_bad("1.5h");
    dur_bad("5 m");
    dur_bad("1h30");           /* trailing number without unit */
    dur_bad("1hh");
    dur_bad("h1");
    dur_bad("1x");
    dur_bad("99999999999999999999s"); /* overflows while reading digits */
    dur_bad("300000000y");            /* overflows in milliseconds */
    dur_bad("106751991167d23h");      /* overflows in the sum */
    dur_bad("inf");
    dur_bad("NaN");
}

static void test_format_and_round_trip(void **state)
{
    (void)state;
    char out[64];
    format_rfc3339_ms(out, sizeof out, 0);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    format_rfc3339_ms(out, sizeof out, 1136214245999LL);
    assert_string_equal(out, "2006-01-02T15:04:05.999Z");
    format_rfc3339_ms(out, sizeof out, -1);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
    format_rfc3339_ms(out, sizeof out, -1000);
    assert_string_equal(out, "1969-12-31T23:59:59.000Z");
    format_rfc3339_ms(out, sizeof out, 1709208000001LL);
    assert_string_equal(out, "2024-02-29T12:00:00.001Z");
    /* parse(format(t)) == t over a spread of instants, before and after 1970 */
    for (int64_t t = -4000000000000LL; t < 4000000000000LL; t += 7777777777LL + 13) {
        format_rfc3339_ms(out, sizeof out, t);
        int64_t back;
        assert_int_equal(parse_time_ms(slice_cstr(out), &back), 0);
        if (back != t)
            fail_msg("%lld -> %s -> %lld", (long long)t, out, (long long)back);
    }
    assert_true(now_ms() > 1577836800000LL); /* after 2020-01-01: a wall clock, in ms */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_float_seconds),
        cmocka_unit_test(test_time_rfc3339),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_format_and_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
