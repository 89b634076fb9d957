/* test_selector.c - series selectors as match[] takes them (query/selector.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "query/selector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *OPS[] = { "=", "!=", "=~", "!~" };

/* Parses s and renders the matchers as `name<op>"value"` joined by ';'. */
static int parse(const char *s, char *out, size_t cap, err_ctx *e)
{
    size_t n = strlen(s);
    uint8_t *c = malloc(n ? n : 1); /* exact size: ASan sees over-reads */
    memcpy(c, s, n);
    matcher *ms = NULL;
    size_t nm = 0;
    err_clear(e);
    int rc = selector_parse(slice_make(c, n), &ms, &nm, e);
    size_t o = 0;
    out[0] = '\0';
    if (rc == 0) {
        assert_int_equal(e->code, 0);
        for (size_t i = 0; i < nm; i++) {
            slice nn = matcher_name(&ms[i]), v = matcher_value(&ms[i]);
            o += (size_t)snprintf(out + o, cap - o, "%s%.*s%s\"%.*s\"", i ? ";" : "", (int)nn.n, (const char *)nn.p,
                                  OPS[ms[i].op], (int)v.n, (const char *)v.p);
        }
        selector_free(ms, nm);
    } else {
        assert_int_equal(e->code, rc);
        assert_null(ms);
    }
    free(c);
    return rc;
}

static void ok(const char *s, const char *want)
{
    char out[512];
    err_ctx e = { 0 };
    if (parse(s, out, sizeof out, &e) != 0)
        fail_msg("selector_parse(%s): %s", s, e.msg);
    if (strcmp(out, want) != 0)
        fail_msg("selector_parse(%s) = %s, want %s", s, out, want);
}

static void bad(const char *s, const char *msg_part)
{
    char out[512];
    err_ctx e = { 0 };
    int rc = parse(s, out, sizeof out, &e);
    if (rc != LOUPE_EINVAL)
        fail_msg("selector_parse(%s) = %d (%s), want LOUPE_EINVAL", s, rc, out);
    if (msg_part && !strstr(e.msg, msg_part))
        fail_msg("selector_parse(%s): message \"%s\" lacks \"%s\"", s, e.msg, msg_part);
}

static void test_valid(void **state)
{
    (void)state;
    ok("up", "__name__=\"up\"");
    ok("  up  ", "__name__=\"up\"");
    ok("up{}", "__name__=\"up\"");
    ok("vllm:num_requests_running{model=\"x\"}", "__name__=\"vllm:num_requests_running\";model=\"x\"");
    ok(":colon_first", "__name__=\":colon_first\"");
    ok("_x9", "__name__=\"_x9\"");
    ok("{__name__=~\"a.*\"}", "__name__=~\"a.*\"");
    ok("m{a=\"1\",b!=\"2\",c=~\"3\",d!~\"4\"}", "__name__=\"m\";a=\"1\";b!=\"2\";c=~\"3\";d!~\"4\"");
    ok("{a=\"1\", b!=\"\"}", "a=\"1\";b!=\"\"");
    ok("{a=\"\", b=\"x\"}", "a=\"\";b=\"x\""); /* one non-empty matcher is enough */
    ok(" up { job = \"a\" , instance =~ 'h.*' , } ", "__name__=\"up\";job=\"a\";instance=~\"h.*\"");
    ok("up{job=\"a\",}", "__name__=\"up\";job=\"a\""); /* trailing comma */
    ok("up\n{\tjob=\"a\"\r\n}", "__name__=\"up\";job=\"a\"");
    ok("{a='x', b=`y`}", "a=\"x\";b=\"y\"");
    ok("{a=`\\d+\\.`}", "a=\"\\d+\\.\""); /* raw strings keep backslashes */
    ok("{a=\"q\\\"uote\"}", "a=\"q\"uote\"");
    ok("{a='it\\'s'}", "a=\"it's\"");
    ok("{a=\"\\u00e9\\x41\\n\"}", "a=\"\xc3\xa9" "A\n\"");
    ok("{a=\"caf\xc3\xa9\"}", "a=\"caf\xc3\xa9\"");
    ok("{a=\"x\",a=\"y\"}", "a=\"x\";a=\"y\""); /* repeated names are allowed (and select nothing) */
    ok("{_a1=\"x\"}", "_a1=\"x\"");
}

static void test_invalid(void **state)
{
    (void)state;
    bad("", "invalid series selector");
    bad("   ", NULL);
    bad("{}", NULL);
    bad("{a=\"b\"", NULL);            /* unterminated braces */
    bad("{a=\"b", "unterminated");    /* unterminated string */
    bad("{a=\"b\"}}", NULL);
    bad("up{a=\"b\"} extra", NULL);
    bad("{a=\"\"}", "non-empty matcher");
    bad("{a!=\"x\"}", "non-empty matcher");
    bad("{a=~\".*\"}", "non-empty matcher");
    bad("{a=~\"\", b!~\"x\"}", "non-empty matcher");
    bad("1up", "invalid metric name");
    bad("up-down", NULL);
    bad("up down", NULL);
    bad("{1a=\"b\"}", "unexpected character");
    bad("{a-b=\"c\"}", NULL);
    bad("{a:b=\"c\"}", NULL);         /* ':' is not allowed in label names */
    bad("{=\"c\"}", "unexpected character");
    bad("{a=\"b\" c=\"d\"}", "expected \",\" or \"}\"");
    bad("{a=b}", "expected a string");
    bad("{a}", "label matching operator");
    bad("{a==\"b\"}", "expected a string");
    bad("{a=~\"b\",,c=\"d\"}", NULL);
    bad("{a<\"b\"}", NULL);
    bad("up{__name__=\"x\"}", "metric name must not be set twice");
    bad("{a=~\"(\"}", "invalid regular expression");
    bad("{a!~\"[z-a]\"}", "invalid regular expression");
    bad("{a=\"\\q\"}", "unknown escape");
    bad("{a=\"x\ny\"}", "unterminated");
    bad("{a=~\"\\xff.*\"}", NULL);    /* a regex that is not UTF-8 */
    bad("up{", NULL);
    bad("up{a", NULL);
    bad("up{a=", NULL);
    bad("{,}", NULL);
    bad("\"up\"", NULL);
}

static void test_name_classes(void **state)
{
    (void)state;
    assert_true(is_metric_name(slice_cstr("up")));
    assert_true(is_metric_name(slice_cstr("a:b_c9")));
    assert_true(is_metric_name(slice_cstr(":x")));
    assert_true(is_metric_name(slice_cstr("_")));
    assert_false(is_metric_name(slice_cstr("")));
    assert_false(is_metric_name(slice_cstr("9a")));
    assert_false(is_metric_name(slice_cstr("a-b")));
    assert_false(is_metric_name(slice_cstr("a.b")));
    assert_false(is_metric_name(slice_cstr("caf\xc3\xa9")));
    assert_true(is_label_name(slice_cstr("job")));
    assert_true(is_label_name(slice_cstr("_9")));
    assert_true(is_label_name(slice_cstr("__name__")));
    assert_false(is_label_name(slice_cstr("a:b")));
    assert_false(is_label_name(slice_cstr("")));
    assert_false(is_label_name(slice_cstr("0a")));
    assert_false(is_label_name(slice_make("a\0b", 3)));
}

static void test_matchers_work(void **state)
{
    (void)state;
    /* the parsed matchers are initialised and usable */
    matcher *ms;
    size_t n;
    err_ctx e = { 0 };
    const char *s = "http_requests_total{code=~\"5..\", method!=\"GET\"}";
    assert_int_equal(selector_parse(slice_cstr(s), &ms, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_true(matcher_matches(&ms[0], slice_cstr("http_requests_total")));
    assert_true(matcher_matches(&ms[1], slice_cstr("503")));
    assert_false(matcher_matches(&ms[1], slice_cstr("200")));
    assert_false(matcher_matches(&ms[1], slice_cstr("5000")));
    assert_true(matcher_matches(&ms[2], slice_cstr("POST")));
    assert_true(matcher_matches(&ms[2], slice_make(NULL, 0)));
    selector_free(ms, n);
    selector_free(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_name_classes),
        cmocka_unit_test(test_matchers_work),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
