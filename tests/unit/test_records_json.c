/* test_records_json.c - the validating scanner over stored JSON and the hex
 * id helpers (query/records_json.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "query/records_json.h"

#include <stdio.h>
#include <string.h>

#define S(lit) slice_make(lit, sizeof(lit) - 1)

static void test_kinds(void **state)
{
    (void)state;
    assert_int_equal(rjson_kind_of(S("\"a\\u00e9\\n\"")), RJ_STRING);
    assert_int_equal(rjson_kind_of(S(" 42 ")), RJ_INT);
    assert_int_equal(rjson_kind_of(S("-9223372036854775808")), RJ_INT);
    assert_int_equal(rjson_kind_of(S("9223372036854775808")), RJ_FLOAT); /* past int64 */
    assert_int_equal(rjson_kind_of(S("1.5")), RJ_FLOAT);
    assert_int_equal(rjson_kind_of(S("1e3")), RJ_FLOAT);
    assert_int_equal(rjson_kind_of(S("true")), RJ_BOOL);
    assert_int_equal(rjson_kind_of(S("null")), RJ_NULL);
    assert_int_equal(rjson_kind_of(S("[1,[2,{\"a\":[]}]]")), RJ_ARRAY);
    assert_int_equal(rjson_kind_of(S("{\"a\":{\"b\":null},\"c\":\"\xe2\x80\xa8\"}")), RJ_OBJECT);
    /* malformed */
    const char *badv[] = { "", " ", "01", "1.", "-", "+1", ".5", "1e", "tru", "nul", "\"a", "\"\\x\"", "\"\\u12\"",
                           "[1,]", "{\"a\"}", "{\"a\":1,}", "{a:1}", "[1 2]", "1 2", "\"\x01\"", "\"\xff\"",
                           "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "{\"a\":1}x", "[" };
    for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++)
        if (rjson_kind_of(slice_cstr(badv[i])) != RJ_INVALID)
            fail_msg("accepted %s", badv[i]);
    /* nesting is bounded */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    assert_int_equal(rjson_kind_of(slice_make(deep, 200)), RJ_INVALID);
    assert_int_equal(rjson_kind_of(slice_make(deep + 40, 120)), RJ_ARRAY);
}

typedef struct members {
    char out[512];
} members;

static int on_member(void *ctx, slice key, slice val)
{
    members *m = ctx;
    size_t n = strlen(m->out);
    snprintf(m->out + n, sizeof m->out - n, "%.*s=%.*s;", (int)key.n, (const char *)key.p, (int)val.n,
             (const char *)val.p);
    return 0;
}

static int on_elem(void *ctx, slice val) { return on_member(ctx, S("_"), val); }

static int stop_at_b(void *ctx, slice key, slice val)
{
    (void)val;
    on_member(ctx, key, val);
    return rjson_str_eq(key, "b") ? 7 : 0;
}

static void test_walk(void **state)
{
    (void)state;
    members m = { "" };
    assert_int_equal(rjson_object_each(S(" { \"a\" : 1 , \"b\":[1, 2] ,\"c\":{\"d\":\"x\"}} "), on_member, &m), 0);
    assert_string_equal(m.out, "\"a\"=1;\"b\"=[1, 2];\"c\"={\"d\":\"x\"};");
    m.out[0] = 0;
    assert_int_equal(rjson_object_each(S("{}"), on_member, &m), 0);
    assert_string_equal(m.out, "");
    assert_int_equal(rjson_object_each(S("{\"a\":1,\"b\":2,\"c\":3}"), stop_at_b, &m), 7);
    assert_string_equal(m.out, "\"a\"=1;\"b\"=2;");
    m.out[0] = 0;
    assert_int_equal(rjson_array_each(S("[\"x\", {\"k\":true}, null]"), on_elem, &m), 0);
    assert_string_equal(m.out, "_=\"x\";_={\"k\":true};_=null;");
    assert_int_equal(rjson_object_each(S("[1]"), on_member, &m), -1);
    assert_int_equal(rjson_object_each(S("{\"a\":}"), on_member, &m), -1);
    assert_int_equal(rjson_array_each(S("{}"), on_elem, &m), -1);
    assert_int_equal(rjson_array_each(S(""), on_elem, &m), -1);
}

static void test_strings(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(rjson_str_decode(S("\"a\\\"b\\\\c\\/\\n\\t\\u00e9\\u4e2d\\ud83d\\ude00\\u2028\""), &b), 0);
    const char want[] = "a\"b\\c/\n\t\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\xe2\x80\xa8";
    assert_int_equal(b.n, sizeof want - 1);
    assert_memory_equal(b.p, want, b.n);
    b.n = 0;
    assert_int_equal(rjson_str_decode(S("\"\\ud800x\""), &b), 0); /* a lone surrogate */
    assert_int_equal(b.n, 4);
    assert_memory_equal(b.p, "\xef\xbf\xbdx", 4);
    buf_free(&b);
    assert_true(rjson_str_eq(S("\"service.name\""), "service.name"));
    assert_true(rjson_str_eq(S("\"service\\u002ename\""), "service.name"));
    assert_false(rjson_str_eq(S("\"service.names\""), "service.name"));
    assert_true(rjson_str_eq(S("\"\""), ""));
    int64_t v;
    assert_int_equal(rjson_int64(S("1717200000123456789"), &v), 0);
    assert_int_equal(v, 1717200000123456789LL);
    assert_int_equal(rjson_int64(S("\"-12\""), &v), 0);
    assert_int_equal(v, -12);
    assert_int_equal(rjson_int64(S("1.5"), &v), -1);
    assert_int_equal(rjson_int64(S("99999999999999999999"), &v), -1);
    assert_int_equal(rjson_int64(S("\"\""), &v), -1);
}

static void test_hex(void **state)
{
    (void)state;
    uint8_t id[16];
    char h[33];
    assert_int_equal(hex_id_parse(S("0102030405060708090A0b0c0d0e0f10"), id, 16), 0);
    hex_encode(id, 16, h);
    assert_string_equal(h, "0102030405060708090a0b0c0d0e0f10");
    assert_int_equal(hex_id_parse(S("abc"), id, 16), 0); /* left-padded, as Jaeger does */
    hex_encode(id, 16, h);
    assert_string_equal(h, "00000000000000000000000000000abc");
    assert_int_equal(hex_id_parse(S("1"), id, 8), 0);
    hex_encode(id, 8, h);
    assert_string_equal(h, "0000000000000001");
    assert_true(bytes_zero(id, 7));
    assert_false(bytes_zero(id, 8));
    assert_int_equal(hex_id_parse(S(""), id, 16), -1);
    assert_int_equal(hex_id_parse(S("0102030405060708090a0b0c0d0e0f1011"), id, 16), -1);
    assert_int_equal(hex_id_parse(S("xyz"), id, 16), -1);
    assert_int_equal(hex_id_parse(S("12 4"), id, 16), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),   cmocka_unit_test(test_walk),     cmocka_unit_test(test_strings),
        cmocka_unit_test(test_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
