/* test_matcher.c - PromQL label matchers (store/matcher.h): =, !=, =~, !~,
 * fully anchored RE2-style regexes, and which matchers accept the empty
 * string (a missing label). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/matcher.h"

#include <stdio.h>
#include <string.h>

static matcher mk(match_op op, const char *v)
{
    matcher m;
    err_ctx e = { 0 };
    int rc = matcher_init(&m, op, slice_cstr("lbl"), slice_cstr(v), &e);
    if (rc)
        fail_msg("matcher_init(%s): %s", v, e.msg);
    return m;
}

/* 1 if op/pattern accepts the value. */
static int m1(match_op op, const char *pat, const char *val)
{
    matcher m = mk(op, pat);
    int r = matcher_matches(&m, slice_cstr(val));
    matcher_free(&m);
    return r;
}
#define RE(p, v) m1(MATCH_RE, p, v)
#define NRE(p, v) m1(MATCH_NRE, p, v)

static void test_equality(void **state)
{
    (void)state;
    assert_true(m1(MATCH_EQ, "node", "node"));
    assert_false(m1(MATCH_EQ, "node", "nodes"));
    assert_false(m1(MATCH_EQ, "node", "Node"));
    assert_false(m1(MATCH_EQ, "node", ""));
    assert_true(m1(MATCH_EQ, "", ""));
    assert_false(m1(MATCH_NEQ, "node", "node"));
    assert_true(m1(MATCH_NEQ, "node", "nod"));
    assert_true(m1(MATCH_NEQ, "node", ""));
    /* an absent label is the empty slice with a NULL pointer */
    matcher m = mk(MATCH_EQ, "");
    assert_true(matcher_matches(&m, slice_make(NULL, 0)));
    matcher_free(&m);
    m = mk(MATCH_RE, "x|");
    assert_true(matcher_matches(&m, slice_make(NULL, 0)));
    matcher_free(&m);
    m = mk(MATCH_NRE, ".+");
    assert_true(matcher_matches(&m, slice_make(NULL, 0)));
    matcher_free(&m);
}

static void test_regex_fully_anchored(void **state)
{
    (void)state;
    assert_true(RE("a.*", "a"));
    assert_true(RE("a.*", "abc"));
    assert_false(RE("a.*", "ba"));
    assert_false(RE("b", "abc"));
    assert_false(RE("bc", "abc"));
    assert_false(RE("ab", "abc"));
    assert_true(RE(".*b.*", "abc"));
    /* "$" in PCRE2 would also match before a final newline; RE2's does not */
    assert_false(RE("foo", "foo\n"));   /* literal fast path */
    assert_false(RE("fo+", "foo\n"));   /* compiled */
    assert_false(RE("foo$", "foo\n"));
    assert_false(RE("foo\\n?", "foo\n\n"));
    assert_true(RE("foo\\n", "foo\n"));
    assert_false(RE("^foo", "xfoo"));
    /* alternation binds inside the anchors: not "^a|b$" */
    assert_true(RE("a|b", "a"));
    assert_true(RE("a|b", "b"));
    assert_false(RE("a|b", "ab"));
    assert_false(RE("a|b", "xb"));
    assert_false(RE("a|b", "ax"));
    assert_true(RE("foo|bar|", ""));
    assert_true(RE("(a|b)c", "bc"));
    assert_false(RE("(a|b)c", "abc"));
    /* empty and catch-all patterns */
    assert_true(RE("", ""));
    assert_false(RE("", "a"));
    assert_true(RE(".*", ""));
    assert_true(RE(".*", "anything"));
    assert_false(RE(".+", ""));
    assert_true(RE(".+", "x"));
    /* RE2 syntax PromQL users write */
    assert_true(RE("(?i)foo", "FoO"));
    assert_true(RE("[[:digit:]]+", "0123"));
    assert_true(RE("\\d{3}", "200"));
    assert_false(RE("\\d{3}", "2000"));
    assert_true(RE("5..", "503"));
    assert_true(RE("api-(v1|v2)", "api-v2"));
    assert_true(RE("a\\.b", "a.b"));
    assert_false(RE("a\\.b", "axb"));
    /* UTF-8: '.' is one code point */
    assert_true(RE("caf.", "caf\xc3\xa9"));
    assert_false(RE("caf..", "caf\xc3\xa9"));
    assert_true(RE("\xe2\x82\xac+", "\xe2\x82\xac\xe2\x82\xac"));
    /* negation */
    assert_true(NRE("a.*", "ba"));
    assert_false(NRE("a.*", "abc"));
    assert_true(NRE("foo", "foo\n"));
    assert_false(NRE(".*", ""));
}

static void test_literal_patterns(void **state)
{
    (void)state;
    /* patterns without metacharacters take the memcmp path: same answers */
    matcher m = mk(MATCH_RE, "node-exporter");
    assert_int_equal(m.literal_set, 1);
    assert_null(m.re);
    assert_true(matcher_matches(&m, slice_cstr("node-exporter")));
    assert_false(matcher_matches(&m, slice_cstr("node-exporter2")));
    assert_false(matcher_matches(&m, slice_cstr("node")));
    matcher_free(&m);
    m = mk(MATCH_RE, "a.b");
    assert_int_equal(m.literal_set, 0);
    assert_non_null(m.re);
    matcher_free(&m);
    /* EQ and NEQ compile nothing */
    m = mk(MATCH_EQ, "a.*");
    assert_null(m.re);
    assert_false(matcher_matches(&m, slice_cstr("abc")));
    assert_true(matcher_matches(&m, slice_cstr("a.*")));
    assert_true(slice_eq_cstr(matcher_name(&m), "lbl"));
    assert_true(slice_eq_cstr(matcher_value(&m), "a.*"));
    assert_int_equal(m.name.p[m.name.n], '\0');
    assert_int_equal(m.value.p[m.value.n], '\0');
    matcher_free(&m);
    matcher_free(&m); /* idempotent */
}

static void test_invalid_regex(void **state)
{
    (void)state;
    static const char *bad[] = { "(", "a)", "[a-", "*a", "a{2,1}", "(?<n", "\\", "a**", "x++)" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        matcher m;
        err_ctx e = { 0 };
        int rc = matcher_init(&m, i % 2 ? MATCH_NRE : MATCH_RE, slice_cstr("a"), slice_cstr(bad[i]), &e);
        if (rc != LOUPE_EINVAL)
            fail_msg("pattern %s: rc %d", bad[i], rc);
        assert_non_null(strstr(e.msg, "invalid regular expression"));
        assert_non_null(strstr(e.msg, bad[i]));
        matcher_free(&m); /* required even on failure */
    }
    /* an invalid UTF-8 pattern is an error, not undefined behaviour */
    matcher m;
    err_ctx e = { 0 };
    assert_int_equal(matcher_init(&m, MATCH_RE, slice_cstr("a"), slice_make("\xff.*", 3), &e), LOUPE_EINVAL);
    matcher_free(&m);
    err_clear(&e);
    assert_int_equal(matcher_init(&m, MATCH_RE, slice_cstr("a"), slice_make("(\xed\xa0\x80)", 5), &e), LOUPE_EINVAL);
    matcher_free(&m);
    /* embedded NUL in a pattern is a literal byte */
    err_clear(&e);
    assert_int_equal(matcher_init(&m, MATCH_RE, slice_cstr("a"), slice_make("a\0b", 3), &e), 0);
    assert_true(matcher_matches(&m, slice_make("a\0b", 3)));
    assert_false(matcher_matches(&m, slice_make("a", 1)));
    matcher_free(&m);
}

static int me(match_op op, const char *v)
{
    matcher m = mk(op, v);
    int r = matcher_matches_empty(&m);
    matcher_free(&m);
    return r;
}

static void test_matches_empty(void **state)
{
    (void)state;
    assert_true(me(MATCH_EQ, ""));
    assert_false(me(MATCH_EQ, "x"));
    assert_true(me(MATCH_NEQ, "x"));
    assert_false(me(MATCH_NEQ, ""));
    assert_true(me(MATCH_RE, ".*"));
    assert_true(me(MATCH_RE, "x|"));
    assert_true(me(MATCH_RE, "(x)?"));
    assert_true(me(MATCH_RE, ""));
    assert_false(me(MATCH_RE, ".+"));
    assert_false(me(MATCH_RE, "x"));
    assert_true(me(MATCH_NRE, ".+"));
    assert_true(me(MATCH_NRE, "x"));
    assert_false(me(MATCH_NRE, ".*"));
    assert_false(me(MATCH_NRE, ""));
}

static void test_reuse_many_values(void **state)
{
    (void)state;
    /* one matcher, many subjects (the match data is reused) */
    matcher m = mk(MATCH_RE, "10\\.0\\.[0-9]+\\.[0-9]+:9100");
    char v[64];
    int hits = 0;
    for (int i = 0; i < 2000; i++) {
        int n = snprintf(v, sizeof v, "10.0.%d.%d:%d", i / 256, i % 256, i % 3 ? 9100 : 9200);
        hits += matcher_matches(&m, slice_make(v, (size_t)n));
    }
    assert_int_equal(hits, 2000 - 667);
    matcher_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equality),
        cmocka_unit_test(test_regex_fully_anchored),
        cmocka_unit_test(test_literal_patterns),
        cmocka_unit_test(test_invalid_regex),
        cmocka_unit_test(test_matches_empty),
        cmocka_unit_test(test_reuse_many_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
