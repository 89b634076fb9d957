/* test_parser.c - the PromQL lexer and parser (query/parser.h): every
 * construct of the 2.42 grammar, precedence and associativity, node kinds,
 * types, values and positions, the canonical String() form, Prometheus's
 * error messages and positions, every expression of Prometheus's own test
 * files, and garbage input (no crash, no leak). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "query/parser.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------- */

typedef struct parsed {
    arena *a;
    ast *root;
    err_ctx e;
    int rc;
} parsed;

static parsed parse_n(const char *q, size_t n)
{
    parsed p;
    memset(&p, 0, sizeof p);
    p.a = arena_create(4096);
    assert_non_null(p.a);
    p.rc = promql_parse(q, n, p.a, &p.root, &p.e);
    if (p.rc)
        assert_null(p.root);
    return p;
}
static parsed parse(const char *q) { return parse_n(q, strlen(q)); }

static void done(parsed *p)
{
    if (p->root)
        ast_free_matchers(p->root);
    arena_destroy(p->a);
}

/* The canonical form, or "ERR <message>". */
static char *fmt_query(const char *q)
{
    parsed p = parse(q);
    buf b = BUF_INIT;
    if (p.rc)
        buf_printf(&b, "ERR %s", p.e.msg);
    else
        assert_int_equal(ast_format(p.root, &b), 0);
    buf_cstr(&b);
    char *s = strdup((const char *)b.p);
    buf_free(&b);
    done(&p);
    return s;
}

static const char *const BIN[] = { "+",  "-", "*",  "/",  "%",   "^",  "atan2",  "==",
                                   "!=", ">", "<", ">=", "<=", "and", "or", "unless" };
static const char *const AGG[] = { "sum",    "avg",   "min",  "max",     "count",    "stddev",
                                   "stdvar", "group", "topk", "bottomk", "quantile", "count_values" };

/* The tree as an s-expression: (+ 1 (* 2 3)), leaves in canonical form. */
static void sx(const ast *n, buf *b)
{
    switch (n->kind) {
    case AST_BINARY:
        buf_printf(b, "(%s ", BIN[n->bin.op]);
        sx(n->bin.lhs, b);
        buf_putc(b, ' ');
        sx(n->bin.rhs, b);
        buf_putc(b, ')');
        break;
    case AST_UNARY:
        buf_puts(b, n->unary.neg ? "(- " : "(+ ");
        sx(n->unary.expr, b);
        buf_putc(b, ')');
        break;
    case AST_PAREN:
        buf_puts(b, "(paren ");
        sx(n->paren.expr, b);
        buf_putc(b, ')');
        break;
    case AST_CALL:
        buf_printf(b, "(%s", n->call.fn->name);
        for (size_t i = 0; i < n->call.nargs; i++) {
            buf_putc(b, ' ');
            sx(n->call.args[i], b);
        }
        buf_putc(b, ')');
        break;
    case AST_AGG:
        buf_printf(b, "(%s", AGG[n->agg.op]);
        if (n->agg.param) {
            buf_putc(b, ' ');
            sx(n->agg.param, b);
        }
        buf_putc(b, ' ');
        sx(n->agg.expr, b);
        buf_putc(b, ')');
        break;
    case AST_SUBQUERY:
        buf_puts(b, "(subquery ");
        sx(n->sub.expr, b);
        buf_putc(b, ')');
        break;
    default:
        ast_format(n, b);
    }
}

static char *sx_query(const char *q)
{
    parsed p = parse(q);
    buf b = BUF_INIT;
    if (p.rc)
        buf_printf(&b, "ERR %s", p.e.msg);
    else
        sx(p.root, &b);
    buf_cstr(&b);
    char *s = strdup((const char *)b.p);
    buf_free(&b);
    done(&p);
    return s;
}

typedef struct {
    const char *in, *out;
} case_t;

static int ncases; /* every table row and assertion helper call counts as one test case */

/* Runs a table through f, printing every mismatch, then fails if any. */
static void run_table(const case_t *c, size_t n, char *(*f)(const char *))
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        ncases++;
        char *got = f(c[i].in);
        const char *want = c[i].out ? c[i].out : c[i].in;
        if (strcmp(got, want) != 0) {
            print_error("  %s\n    want: %s\n    got:  %s\n", c[i].in, want, got);
            bad++;
        }
        free(got);
    }
    assert_int_equal(bad, 0);
}
#define RUN(table, f) run_table(table, sizeof table / sizeof table[0], f)

/* Error cases: `out` is "LINE:COL: parse error: " plus a substring of the
 * message (Prometheus's wording where its tests pin it). */
static char *err_query(const char *q)
{
    parsed p = parse(q);
    char *s = strdup(p.rc ? p.e.msg : "parsed without error");
    if (p.rc)
        assert_int_equal(p.rc, LOUPE_EINVAL);
    done(&p);
    return s;
}
static void run_errors(const case_t *c, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        ncases++;
        char *got = err_query(c[i].in);
        /* the position prefix must match exactly; the rest is a substring */
        const char *colon = strstr(c[i].out, "parse error: ");
        size_t plen = colon ? (size_t)(colon - c[i].out) + strlen("parse error: ") : 0;
        int ok = strncmp(got, c[i].out, plen) == 0 && strstr(got + (plen <= strlen(got) ? plen : 0), c[i].out + plen);
        if (!ok) {
            print_error("  %s\n    want: %s\n    got:  %s\n", c[i].in, c[i].out, got);
            bad++;
        }
        free(got);
    }
    assert_int_equal(bad, 0);
}
#define RUN_ERRORS(table) run_errors(table, sizeof table / sizeof table[0])

/* ---- literals --------------------------------------------------------- */

static void test_numbers(void **state)
{
    (void)state;
    static const case_t c[] = {
        { "1", NULL },          { "+Inf", NULL },        { "-Inf", NULL },        { "inF", "+Inf" },
        { "-inf", "-Inf" },     { "NaN", NULL },         { "nan", "NaN" },        { ".5", "0.5" },
        { "5.", "5" },          { "123.4567", NULL },    { "5e-3", "0.005" },     { "5e3", "5000" },
        { "0xc", "12" },        { "0x1F", "31" },        { "0X1f", "31" },        { "0755", "493" },
        { "08", "8" },          { "09.5", "9.5" },       { "+5.5e-3", "0.0055" }, { "-0755", "-493" },
        { "1e6", "1e+06" },     { "123456", NULL },      { "1234567", "1.234567e+06" },
        { "0.0001", NULL },     { "0.00001", "1e-05" },  { "12.34e+6", "1.234e+07" },
        { "-0.2e-6", "-2e-07" }, { "2.", "2" },          { ".2", "0.2" },         { "0", NULL },
        { "9223372036854775807", "9.223372036854776e+18" }, { "99999999999999999999", "1e+20" },
        { "0.1", NULL },        { "1e-400", "0" },       { "- - - 1", "-1" },     { "+0.2", "0.2" },
    };
    RUN(c, fmt_query);

    parsed p = parse("-1");
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.root->kind, AST_NUMBER);
    assert_true(p.root->number == -1);
    assert_int_equal(p.root->pos, 0);
    assert_int_equal(p.root->end, 2);
    assert_int_equal(p.root->type, VT_SCALAR);
    done(&p);

    p = parse(" +1.5e1 ");
    assert_int_equal(p.rc, 0);
    assert_true(p.root->number == 15);
    assert_int_equal(p.root->pos, 1);
    assert_int_equal(p.root->end, 7);
    done(&p);

    p = parse("NaN");
    assert_true(isnan(p.root->number));
    done(&p);
    ncases += 3;
}

static void test_strings(void **state)
{
    (void)state;
    static const case_t c[] = {
        { "\"double-quoted string \\\" with escaped quote\"", NULL },
        { "'single-quoted string \\' with escaped quote'", "\"single-quoted string ' with escaped quote\"" },
        { "`backtick-quoted string`", "\"backtick-quoted string\"" },
        { "`raw \\n stays`", "\"raw \\\\n stays\"" },
        { "\"\\a\\b\\f\\n\\r\\t\\v\\\\\"", NULL },
        { "\"\\x41\\102\\u00e9\\U0001F600\"", "\"AB\xc3\xa9\xf0\x9f\x98\x80\"" },
        { "\"\\xff\"", "\"\\xff\"" },
        { "'\"'", "\"\\\"\"" },
        { "\"\"", NULL },
        { "\"\\x00\"", "\"\\x00\"" },
    };
    RUN(c, fmt_query);

    parsed p = parse("\"a\\x00b\"");
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.root->kind, AST_STRING);
    assert_int_equal(p.root->type, VT_STRING);
    assert_int_equal(p.root->str.n, 3);
    assert_memory_equal(p.root->str.s, "a\0b", 3);
    done(&p);
    ncases++;
}

/* ---- selectors -------------------------------------------------------- */

static void test_vector_selectors(void **state)
{
    (void)state;
    static const case_t c[] = {
        { "foo", NULL },
        { "foo:bar:baz", NULL },
        { ":foo", NULL },
        { "foo:", NULL },
        { "foo{}", "foo" },
        { "foo{a=\"b\"}", NULL },
        { "foo { a = \"b\" , }", "foo{a=\"b\"}" },
        { "foo{b=\"2\",a=\"1\"}", "foo{a=\"1\",b=\"2\"}" },
        { "foo{a=\"b\", foo!=\"bar\", test=~\"test\", bar!~\"baz\"}",
          "foo{a=\"b\",bar!~\"baz\",foo!=\"bar\",test=~\"test\"}" },
        { "foo{a=\"b\", foo!=\"bar\", test=~\"test\", bar!~\"baz\",}",
          "foo{a=\"b\",bar!~\"baz\",foo!=\"bar\",test=~\"test\"}" },
        { "{__name__=\"a\"}", NULL },
        { "{__name__=~\"x.*\"}", NULL },
        { "{a=\"b\"}", NULL },
        { "foo{NaN='bc'}", "foo{NaN=\"bc\"}" },
        { "foo{bar='}'}", "foo{bar=\"}\"}" },
        { "foo{a=`x\\y`}", "foo{a=\"x\\\\y\"}" },
        { "foo{job=\"a\",job=\"b\"}", NULL },
        { "foo{sum=\"a\", by=\"b\", offset=\"c\"}", "foo{by=\"b\",offset=\"c\",sum=\"a\"}" },
        /* keywords that the grammar lets name a metric */
        { "sum", NULL },
        { "min", NULL },
        { "SUM", NULL },
        { "by", NULL },
        { "without", NULL },
        { "offset", NULL },
        { "start", NULL },
        { "end", NULL },
        { "and", NULL },
        { "or", NULL },
        { "unless", NULL },
        { "start{end=\"foo\"}", NULL },
        { "end{start=\"foo\"}", NULL },
        { "sum{a=\"b\"}", NULL },
        { "a + sum", NULL },
        { "a + offset", NULL },
        { "foo and and", NULL },
        { "sum offset 5m", NULL },
        { "foo # comment\n", "foo" },
        { "# leading comment\nfoo{a=\"b\" # inside braces\n}", "foo{a=\"b\"}" },
        { "\tfoo\r\n", "foo" },
    };
    RUN(c, fmt_query);

    parsed p = parse("foo{a=\"b\", c=~\"d.*\"}");
    assert_int_equal(p.rc, 0);
    ast *n = p.root;
    assert_int_equal(n->kind, AST_VECTOR_SEL);
    assert_int_equal(n->type, VT_VECTOR);
    assert_string_equal(n->sel.name, "foo");
    assert_int_equal(n->sel.nms, 3);
    assert_int_equal(n->sel.ms[0].op, MATCH_EQ);
    assert_string_equal((const char *)n->sel.ms[0].name.p, "__name__");
    assert_string_equal((const char *)n->sel.ms[0].value.p, "foo");
    assert_string_equal((const char *)n->sel.ms[1].name.p, "a");
    assert_int_equal(n->sel.ms[2].op, MATCH_RE);
    assert_true(matcher_matches(&n->sel.ms[2], slice_cstr("dxx")));
    assert_false(matcher_matches(&n->sel.ms[2], slice_cstr("xd")));
    assert_int_equal(n->pos, 0);
    assert_int_equal(n->end, 20);
    assert_int_equal(n->sel.tm.at, AT_NONE);
    assert_int_equal(n->sel.tm.offset_ms, 0);
    done(&p);

    p = parse("{__name__=~\"x.*\"}");
    assert_null(p.root->sel.name);
    assert_int_equal(p.root->sel.nms, 1);
    assert_int_equal(p.root->sel.ms[0].op, MATCH_RE);
    done(&p);
    ncases += 2;
}

static void test_range_offset_at(void **state)
{
    (void)state;
    static const case_t c[] = {
        { "test[5s]", NULL },
        { "test[5m]", NULL },
        { "foo[5m30s]", NULL },
        { "foo[ 5m ]", "foo[5m]" },
        { "foo[90s]", "foo[1m30s]" },
        { "foo[1h30m]", NULL },
        { "foo[5m30ms]", NULL },
        { "foo[1s1ms]", "foo[1s1ms]" },
        { "foo[1y]", NULL },
        { "foo[2w]", NULL },
        { "foo[14d]", "foo[2w]" },
        { "foo[10d]", NULL },
        { "foo[1y2w3d4h5m6s7ms]", "foo[382d4h5m6s7ms]" }, /* y and w only when exact */
        { "foo[1y]", NULL },
        { "foo[53w]", NULL },
        { "foo[365d]", "foo[1y]" },
        { "test[5h] OFFSET 5m", "test[5h] offset 5m" },
        { "test[5d] OFFSET 10s", "test[5d] offset 10s" },
        { "test[5w] offset 2w", NULL },
        { "test{a=\"b\"}[5y] OFFSET 3d", "test{a=\"b\"}[5y] offset 3d" },
        { "test{a=\"b\"}[5y] @ 1603774699", "test{a=\"b\"}[5y] @ 1603774699.000" },
        { "foo offset 5m", NULL },
        { "foo offset -7m", NULL },
        { "foo OFFSET 1h30m", "foo offset 1h30m" },
        { "foo OFFSET 1m30ms", "foo offset 1m30ms" },
        { "foo @ 1603774568", "foo @ 1603774568.000" },
        { "foo @ -100", "foo @ -100.000" },
        { "foo @ .3", "foo @ 0.300" },
        { "foo @ 3.", "foo @ 3.000" },
        { "foo @ 3.33", "foo @ 3.330" },
        { "foo @ 3.3333", "foo @ 3.333" },
        { "foo @ 3.3335", "foo @ 3.334" },
        { "foo @ 3e2", "foo @ 300.000" },
        { "foo @ 3e-1", "foo @ 0.300" },
        { "foo @ 0xA", "foo @ 10.000" },
        { "foo @ -3.3e1", "foo @ -33.000" },
        { "foo @ + 5", "foo @ 5.000" },
        { "foo @ start()", NULL },
        { "foo @ end()", NULL },
        { "foo @ START ( )", "foo @ start()" },
        { "test[5y] @ start()", NULL },
        { "test[5y] @ end()", NULL },
        { "foo @ 10 offset 5m", "foo @ 10.000 offset 5m" },
        { "foo offset 5m @ 10", "foo @ 10.000 offset 5m" },
        { "foo[5m] offset 1m @ end()", "foo[5m] @ end() offset 1m" },
        { "foo[5m] @ 100 offset -1m", "foo[5m] @ 100.000 offset -1m" },
        { "a{c=\"d\"}[5m] offset 1m", NULL },
        { "a[12m] offset -3m", NULL },
        { "-foo offset 5m", NULL },
        { "metric @ 0 offset -50s", "metric @ 0.000 offset -50s" },
        { "foo @ end()[1m]", "foo[1m] @ end()" }, /* accepted by 2.42, unlike `foo @ 1 [1m]` */
    };
    RUN(c, fmt_query);

    parsed p = parse("foo{a=\"b\"}[1h30m] offset -5m @ 1.2345");
    assert_int_equal(p.rc, 0);
    ast *n = p.root;
    assert_int_equal(n->kind, AST_MATRIX_SEL);
    assert_int_equal(n->type, VT_MATRIX);
    assert_int_equal(n->sel.range_ms, 5400000);
    assert_int_equal(n->sel.tm.offset_ms, -300000);
    assert_int_equal(n->sel.tm.at, AT_TIME);
    assert_int_equal(n->sel.tm.at_ms, 1235); /* round(1234.5) */
    assert_string_equal(n->sel.name, "foo");
    assert_int_equal(n->sel.nms, 2);
    assert_int_equal(n->pos, 0);
    assert_int_equal(n->end, (int)strlen("foo{a=\"b\"}[1h30m] offset -5m @ 1.2345"));
    done(&p);

    p = parse("x @ -1.5");
    assert_int_equal(p.root->sel.tm.at_ms, -1500);
    done(&p);
    p = parse("x @ 1609746000");
    assert_int_equal(p.root->sel.tm.at_ms, 1609746000000LL);
    done(&p);
    p = parse("x @ start() offset 1y");
    assert_int_equal(p.root->sel.tm.at, AT_START);
    assert_int_equal(p.root->sel.tm.offset_ms, 365LL * 86400000);
    done(&p);
    p = parse("x[5m] @ end()");
    assert_int_equal(p.root->sel.tm.at, AT_END);
    done(&p);
    p = parse("x @ 9007199254740.993");
    assert_int_equal(p.rc, 0);
    done(&p);
    ncases += 6;
}

static void test_subqueries(void **state)
{
    (void)state;
    static const case_t c[] = {
        { "foo{bar=\"baz\"}[10m:6s]", NULL },
        { "foo{bar=\"baz\"}[10m5s:1h6ms]", NULL },
        { "foo[10m:]", NULL },
        { "foo[ 10m : 1m ]", "foo[10m:1m]" },
        { "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:5s])", NULL },
        { "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:])[4m:3s]", NULL },
        { "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] offset 4m)[4m:3s]", NULL },
        { "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ 1603775091)[4m:3s]",
          "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ 1603775091.000)[4m:3s]" },
        { "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ -160377509)[4m:3s]",
          "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ -160377509.000)[4m:3s]" },
        { "sum without(and, by, avg, count, alert, annotations)(some_metric) [30m:10s]",
          "sum without (and, by, avg, count, alert, annotations) (some_metric)[30m:10s]" },
        { "some_metric OFFSET 1m [10m:5s]", "some_metric offset 1m[10m:5s]" },
        { "some_metric @ 123 [10m:5s]", "some_metric @ 123.000[10m:5s]" },
        { "some_metric @ 123 offset 1m [10m:5s]", "some_metric @ 123.000 offset 1m[10m:5s]" },
        { "some_metric offset 1m @ 123 [10m:5s]", "some_metric @ 123.000 offset 1m[10m:5s]" },
        { "some_metric[10m:5s] offset 1m @ 123", "some_metric[10m:5s] @ 123.000 offset 1m" },
        { "(foo + bar{nm=\"val\"})[5m:]", NULL },
        { "(foo + bar{nm=\"val\"})[5m:] offset 10m", NULL },
        { "(foo + bar{nm=\"val\"} @ 1234)[5m:] @ 1603775019",
          "(foo + bar{nm=\"val\"} @ 1234.000)[5m:] @ 1603775019.000" },
        { "foo[10m:6s] @ start()", NULL },
        { "foo[10m:6s] @ end()", NULL },
        { "a[1h:5m] offset 1m", NULL },
        { "minute()[50m:1m] @ 6000 offset 5m", "minute()[50m:1m] @ 6000.000 offset 5m" },
        { "foo[5m y]", "foo[5m:]" }, /* lex.go reads any letter in brackets as ':' */
    };
    RUN(c, fmt_query);

    parsed p = parse("rate(x[5m])[30m:1m] offset 5m @ end()");
    assert_int_equal(p.rc, 0);
    ast *n = p.root;
    assert_int_equal(n->kind, AST_SUBQUERY);
    assert_int_equal(n->type, VT_MATRIX);
    assert_int_equal(n->sub.range_ms, 1800000);
    assert_int_equal(n->sub.step_ms, 60000);
    assert_int_equal(n->sub.tm.offset_ms, 300000);
    assert_int_equal(n->sub.tm.at, AT_END);
    assert_int_equal(n->sub.expr->kind, AST_CALL);
    assert_int_equal(n->sub.expr->type, VT_VECTOR);
    assert_int_equal(n->pos, 0);
    assert_int_equal(n->end, (int)strlen("rate(x[5m])[30m:1m] offset 5m @ end()"));
    done(&p);

    p = parse("x[30m:]");
    assert_int_equal(p.root->kind, AST_SUBQUERY);
    assert_int_equal(p.root->sub.step_ms, 0);
    assert_int_equal(p.root->sub.expr->kind, AST_VECTOR_SEL);
    done(&p);
    ncases += 2;
}

/* ---- operators -------------------------------------------------------- */

static void test_precedence(void **state)
{
    (void)state;
    static const case_t c[] = {
        { "1 + 2 * 3", "(+ 1 (* 2 3))" },
        { "1 * 2 + 3", "(+ (* 1 2) 3)" },
        { "2 ^ 3 ^ 2", "(^ 2 (^ 3 2))" },
        { "1 - 2 - 3", "(- (- 1 2) 3)" },
        { "8 / 4 / 2", "(/ (/ 8 4) 2)" },
        { "1 % 2 * 3", "(* (% 1 2) 3)" },
        { "a atan2 b * c", "(* (atan2 a b) c)" },
        { "a * b atan2 c", "(atan2 (* a b) c)" },
        { "a + b atan2 c", "(+ a (atan2 b c))" },
        { "-2 ^ 2", "(- (^ 2 2))" },
        { "-1^2", "(- (^ 1 2))" },
        { "-1^-2", "(- (^ 1 -2))" },
        { "-1*2", "(* -1 2)" },
        { "-1+2", "(+ -1 2)" },
        { "+1 + -2 * 1", "(+ 1 (* -2 1))" },
        { "1 + 2/(3*1)", "(+ 1 (/ 2 (paren (* 3 1))))" },
        { "1 < bool 2 - 1 * 2", "(< 1 (- 2 (* 1 2)))" },
        { "-a * b", "(* (- a) b)" },
        { "-a ^ b", "(- (^ a b))" },
        { "a ^ -b * c", "(* (^ a (- b)) c)" },
        { "a + -b * c", "(+ a (* (- b) c))" },
        { "2 ^ -3 ^ 2", "(^ 2 (- (^ 3 2)))" },
        { "- - a", "(- (- a))" },
        { "+a", "a" },
        { "+a * 2", "(* a 2)" },
        { "-(1)", "(- (paren 1))" },
        { "a or b and c unless d == e + f * g ^ h",
          "(or a (unless (and b c) (== d (+ e (* f (^ g h))))))" },
        { "foo + bar or bla and blub", "(or (+ foo bar) (and bla blub))" },
        { "foo and bar unless baz or qux", "(or (unless (and foo bar) baz) qux)" },
        { "a == b != c", "(!= (== a b) c)" },
        { "a > b < c >= d <= e", "(<= (>= (< (> a b) c) d) e)" },
        { "a or b or c", "(or (or a b) c)" },
        { "a + b offset 5m", "(+ a b offset 5m)" },
        { "sum_over_time(a[5m:]) + b", "(+ (sum_over_time (subquery a)) b)" },
        { "a * b @ 5", "(* a b @ 5.000)" },
        { "2/-2^---1*3+2", "(+ (* (/ 2 (- (^ 2 -1))) 3) 2)" },
        { "-10^3 * - SUM(http_requests) BY (job) ^ -1",
          "(* (- (^ 10 3)) (- (^ (sum http_requests) -1)))" },
        { "SUM(http_requests) BY (job) % 2 ^ 3 ^ 2 ^ 2",
          "(% (sum http_requests) (^ 2 (^ 3 (^ 2 2))))" },
        { "(((1)))", "(paren (paren (paren 1)))" },
        { "sum(x) by (a) + 1", "(+ (sum x) 1)" },
    };
    RUN(c, sx_query);
}

static void test_binary_modifiers(void **state)
{
    (void)state;
    static const case_t c[] = {
        { "foo * bar", NULL },
        { "foo == bool 1", NULL },
        { "1 == bool 1", NULL },
        { "1 != bool 1", NULL },
        { "1 > bool 1", NULL },
        { "1 >= bool 1", NULL },
        { "1 < bool 1", NULL },
        { "1 <= bool 1", NULL },
        { "up > bool 0", NULL },
        { "foo and bar", NULL },
        { "foo AND bar", "foo and bar" },
        { "foo or bar", NULL },
        { "foo unless bar", NULL },
        { "foo * on(test,blub) bar", "foo * on (test, blub) bar" },
        { "foo * on(test,blub) group_left bar", "foo * on (test, blub) group_left () bar" },
        { "foo and on(test,blub) bar", "foo and on (test, blub) bar" },
        { "foo and on() bar", "foo and on () bar" },
        { "foo and ignoring(test,blub) bar", "foo and ignoring (test, blub) bar" },
        { "foo and ignoring() bar", "foo and bar" },
        { "foo unless on(bar) baz", "foo unless on (bar) baz" },
        { "foo / on(test,blub) group_left(bar) bar", "foo / on (test, blub) group_left (bar) bar" },
        { "foo / ignoring(test,blub) group_left(blub) bar", "foo / ignoring (test, blub) group_left (blub) bar" },
        { "foo - on(test,blub) group_right(bar,foo) bar", "foo - on (test, blub) group_right (bar, foo) bar" },
        { "foo - ignoring(test,blub) group_right(bar,foo) bar",
          "foo - ignoring (test, blub) group_right (bar, foo) bar" },
        { "bar + on(foo) bla / on(baz, buz) group_right(test) blub",
          "bar + on (foo) bla / on (baz, buz) group_right (test) blub" },
        { "a - on(b) group_left(x, y) c", "a - on (b) group_left (x, y) c" },
        { "a - on(b) group_left() (c)", "a - on (b) group_left () (c)" },
        { "a - on(b) group_left (c) d", "a - on (b) group_left (c) d" },
        { "foo + on() 1", "foo + 1" },
        { "foo == bool on(a) bar", "foo == bool on (a) bar" },
        { "foo unless on(start) bar", "foo unless on (start) bar" },
        { "foo unless on(end) bar", "foo unless on (end) bar" },
        { "a + on(sum, by, bool, offset, group_left, atan2) b", "a + on (sum, by, bool, offset, group_left, atan2) b" },
        { "10 atan2 20", NULL },
        { "trigy atan2 trigNaN", NULL },
        { "node_cpu * ignoring (role, mode) group_left (role) node_role",
          "node_cpu * ignoring (role, mode) group_left (role) node_role" },
    };
    RUN(c, fmt_query);

    parsed p = parse("a + on(b) group_left(c) d");
    assert_int_equal(p.rc, 0);
    ast *n = p.root;
    assert_int_equal(n->kind, AST_BINARY);
    assert_int_equal(n->bin.op, BIN_ADD);
    assert_int_equal(n->bin.card, CARD_MANY_TO_ONE);
    assert_int_equal(n->bin.on, 1);
    assert_int_equal(n->bin.has_matching, 1);
    assert_int_equal(n->bin.matching.n, 1);
    assert_string_equal(n->bin.matching.names[0], "b");
    assert_int_equal(n->bin.include.n, 1);
    assert_string_equal(n->bin.include.names[0], "c");
    assert_int_equal(n->type, VT_VECTOR);
    done(&p);

    p = parse("a * ignoring(b) group_right d");
    assert_int_equal(p.root->bin.card, CARD_ONE_TO_MANY);
    assert_int_equal(p.root->bin.on, 0);
    assert_int_equal(p.root->bin.has_matching, 1);
    assert_int_equal(p.root->bin.include.n, 0);
    done(&p);

    p = parse("a and b");
    assert_int_equal(p.root->bin.card, CARD_MANY_TO_MANY);
    assert_int_equal(p.root->bin.has_matching, 0);
    done(&p);

    p = parse("a or on(x) b");
    assert_int_equal(p.root->bin.card, CARD_MANY_TO_MANY);
    assert_int_equal(p.root->bin.on, 1);
    done(&p);

    p = parse("1 + 2");
    assert_int_equal(p.root->type, VT_SCALAR);
    assert_int_equal(p.root->bin.card, CARD_ONE_TO_ONE);
    done(&p);

    p = parse("foo + on() 1");
    assert_int_equal(p.root->type, VT_VECTOR);
    assert_int_equal(p.root->bin.has_matching, 0);
    assert_int_equal(p.root->bin.on, 0);
    done(&p);

    p = parse("foo > bool 1");
    assert_int_equal(p.root->bin.return_bool, 1);
    assert_int_equal(p.root->bin.op, BIN_GT);
    done(&p);
    ncases += 7;
}

/* ---- aggregations and calls ------------------------------------------- */

static void test_aggregations(void **state)
{
    (void)state;
    static const case_t c[] = {
        { "sum by (foo)(some_metric)", "sum by (foo) (some_metric)" },
        { "avg by (foo)(some_metric)", "avg by (foo) (some_metric)" },
        { "max by (foo)(some_metric)", "max by (foo) (some_metric)" },
        { "sum without (foo) (some_metric)", NULL },
        { "sum (some_metric) without (foo)", "sum without (foo) (some_metric)" },
        { "stddev(some_metric)", NULL },
        { "stdvar by (foo)(some_metric)", "stdvar by (foo) (some_metric)" },
        { "sum by ()(some_metric)", "sum(some_metric)" },
        { "sum without ()(some_metric)", "sum without () (some_metric)" },
        { "sum by (foo,bar,)(some_metric)", "sum by (foo, bar) (some_metric)" },
        { "sum by (foo,)(some_metric)", "sum by (foo) (some_metric)" },
        { "topk(5, some_metric)", NULL },
        { "bottomk(5, some_metric)", NULL },
        { "quantile(0.9, some_metric)", NULL },
        { "count_values(\"value\", some_metric)", NULL },
        { "count_values by (job, group)(\"job\", version)", "count_values by (job, group) (\"job\", version)" },
        { "group(foo)", NULL },
        { "count(foo)", NULL },
        { "min(foo)", NULL },
        { "sum without(and, by, avg, count, alert, annotations)(some_metric)",
          "sum without (and, by, avg, count, alert, annotations) (some_metric)" },
        { "SUM(http_requests) BY (job)", "sum by (job) (http_requests)" },
        { "SUM BY (group) (((http_requests{job=\"api-server\"})))",
          "sum by (group) (((http_requests{job=\"api-server\"})))" },
        { "sum(sum)", NULL },
        { "sum(x) by (SUM)", "sum by (SUM) (x)" },
        { "topk by (group) (1, http_requests)", "topk by (group) (1, http_requests)" },
        { "quantile without(point)((scalar(foo)), data)", "quantile without (point) ((scalar(foo)), data)" },
        { "count_values((((\"version\"))), version)", NULL },
        { "sum(sum by (group) (x)) by (job)", "sum by (job) (sum by (group) (x))" },
    };
    RUN(c, fmt_query);

    parsed p = parse("sum by (a, b) (rate(x[5m]))");
    assert_int_equal(p.rc, 0);
    ast *n = p.root;
    assert_int_equal(n->kind, AST_AGG);
    assert_int_equal(n->agg.op, AGG_SUM);
    assert_int_equal(n->agg.without, 0);
    assert_int_equal(n->agg.has_grouping, 1);
    assert_int_equal(n->agg.grouping.n, 2);
    assert_string_equal(n->agg.grouping.names[1], "b");
    assert_null(n->agg.param);
    assert_int_equal(n->agg.expr->kind, AST_CALL);
    assert_int_equal(n->type, VT_VECTOR);
    done(&p);

    p = parse("topk(3, x) without (a)");
    n = p.root;
    assert_int_equal(n->agg.op, AGG_TOPK);
    assert_int_equal(n->agg.without, 1);
    assert_int_equal(n->agg.param->kind, AST_NUMBER);
    assert_true(n->agg.param->number == 3);
    assert_int_equal(n->agg.expr->kind, AST_VECTOR_SEL);
    assert_int_equal(n->end, (int)strlen("topk(3, x) without (a)"));
    done(&p);

    p = parse("sum by () (x)");
    assert_int_equal(p.root->agg.has_grouping, 1);
    assert_int_equal(p.root->agg.grouping.n, 0);
    done(&p);

    p = parse("sum(x)");
    assert_int_equal(p.root->agg.has_grouping, 0);
    done(&p);

    p = parse("count_values(\"v\", x)");
    assert_int_equal(p.root->agg.op, AGG_COUNT_VALUES);
    assert_int_equal(p.root->agg.param->type, VT_STRING);
    done(&p);
    ncases += 5;
}

static void test_calls(void **state)
{
    (void)state;
    static const case_t c[] = {
        { "time()", NULL },
        { "pi()", NULL },
        { "floor(some_metric{foo!=\"bar\"})", NULL },
        { "rate(some_metric[5m])", NULL },
        { "round(some_metric)", NULL },
        { "round(some_metric, 5)", NULL },
        { "hour()", NULL },
        { "hour(vector(1136239445))", "hour(vector(1.136239445e+09))" },
        { "label_join(x, \"a\", \",\", \"b\", \"c\", \"d\")", NULL },
        { "label_join(x, \"a\", \",\")", NULL },
        { "label_replace(a, `b`, `c`, `d`, `.*`)", "label_replace(a, \"b\", \"c\", \"d\", \".*\")" },
        { "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))", NULL },
        { "holt_winters(x[5m], 0.5, 0.5)", NULL },
        { "clamp(x, -1, 1)", NULL },
        { "absent(nonexistent{job=\"a\"})", NULL },
        { "quantile_over_time(0.5, x[1m])", NULL },
        { "predict_linear(x[5m], 3600)", NULL },
        { "rate(sum_over_time((metric1+metric2+metric3)[30s:10s])[30s:10s])",
          "rate(sum_over_time((metric1 + metric2 + metric3)[30s:10s])[30s:10s])" },
        { "rate(x [5m] )", "rate(x[5m])" },
        { "vector(time())", NULL },
        { "scalar(x) * 2", NULL },
    };
    RUN(c, fmt_query);

    struct {
        const char *q;
        value_type t;
    } types[] = {
        { "time()", VT_SCALAR },   { "scalar(x)", VT_SCALAR }, { "pi() + 1", VT_SCALAR },
        { "rate(x[5m])", VT_VECTOR }, { "vector(1)", VT_VECTOR }, { "x[5m]", VT_MATRIX },
        { "x[5m:]", VT_MATRIX },   { "\"s\"", VT_STRING },     { "(\"s\")", VT_STRING },
        { "-time()", VT_SCALAR },  { "(x)", VT_VECTOR },       { "x > bool 1", VT_VECTOR },
        { "1 > bool 1", VT_SCALAR }, { "(1 + 2) * time()", VT_SCALAR },
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        parsed p = parse(types[i].q);
        assert_int_equal(p.rc, 0);
        if (p.root->type != types[i].t)
            fail_msg("%s: type %d, want %d", types[i].q, p.root->type, types[i].t);
        done(&p);
        ncases++;
    }

    parsed p = parse("label_join(x, \"a\", \",\", \"b\", \"c\")");
    assert_int_equal(p.root->kind, AST_CALL);
    assert_int_equal(p.root->call.fn->id, FN_LABEL_JOIN);
    assert_int_equal(p.root->call.nargs, 5);
    assert_int_equal(p.root->call.args[4]->type, VT_STRING);
    done(&p);
    ncases++;
}

/* Every node's type is set and positions nest inside their parents. */
static void check_tree(const ast *n, int lo, int hi)
{
    assert_true(n->type != VT_NONE);
    assert_true(n->pos >= lo && n->end <= hi && n->pos < n->end);
    switch (n->kind) {
    case AST_BINARY:
        check_tree(n->bin.lhs, n->pos, n->end);
        check_tree(n->bin.rhs, n->pos, n->end);
        assert_true(n->bin.lhs->end <= n->bin.rhs->pos);
        break;
    case AST_UNARY: check_tree(n->unary.expr, n->pos, n->end); break;
    case AST_PAREN: check_tree(n->paren.expr, n->pos + 1, n->end - 1); break;
    case AST_SUBQUERY: check_tree(n->sub.expr, n->pos, n->end); break;
    case AST_CALL:
        for (size_t i = 0; i < n->call.nargs; i++)
            check_tree(n->call.args[i], n->pos, n->end);
        break;
    case AST_AGG:
        if (n->agg.param)
            check_tree(n->agg.param, n->pos, n->end);
        check_tree(n->agg.expr, n->pos, n->end);
        break;
    default: break;
    }
}

static void test_positions(void **state)
{
    (void)state;
    const char *q = "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m] offset 1m)) / on(job) "
                    "group_left -sum_over_time((1 + foo @ 10)[10m:1m])";
#define AT(s) ((int)(strstr(q, s) - q))
    parsed p = parse(q);
    assert_int_equal(p.rc, 0);
    check_tree(p.root, 0, (int)strlen(q));
    ast *agg = p.root->bin.lhs;
    assert_int_equal(agg->pos, 0);
    assert_int_equal(agg->end, AT(" / on"));
    ast *call = agg->agg.expr;
    assert_int_equal(call->pos, AT("rate"));
    assert_int_equal(call->end, AT(" / on") - 1);
    ast *m = call->call.args[0];
    assert_int_equal(m->kind, AST_MATRIX_SEL);
    assert_int_equal(m->pos, AT("http_requests_total"));
    assert_int_equal(m->end, AT("1m))") + 2);
    ast *u = p.root->bin.rhs;
    assert_int_equal(u->kind, AST_UNARY);
    assert_int_equal(u->pos, AT("-sum"));
    assert_int_equal(u->end, (int)strlen(q));
    ast *sq = u->unary.expr->call.args[0];
    assert_int_equal(sq->kind, AST_SUBQUERY);
    assert_int_equal(sq->pos, AT("(1 + foo"));
    assert_int_equal(sq->end, AT("1m])") + 3);
    ast *sel = sq->sub.expr->paren.expr->bin.rhs;
    assert_int_equal(sel->pos, AT("foo @"));
    assert_int_equal(sel->end, AT(")[10m"));
#undef AT
    done(&p);

    p = parse(" +some_metric");
    assert_int_equal(p.root->kind, AST_VECTOR_SEL);
    assert_int_equal(p.root->pos, 1); /* the dropped + still counts for positions */
    assert_int_equal(p.root->end, 13);
    done(&p);

    p = parse("foo\n  + {a=\"b\"}");
    assert_int_equal(p.root->bin.rhs->pos, 8);
    assert_int_equal(p.root->bin.rhs->end, 15);
    done(&p);
    ncases += 3;
}

/* ---- errors ----------------------------------------------------------- */

static void test_syntax_errors(void **state)
{
    (void)state;
    static const case_t c[] = {
        { "", "1:1: parse error: no expression found in input" },
        { "   ", "1:1: parse error: no expression found in input" },
        { "# just a comment\n\n", "1:1: parse error: no expression found in input" },
        { "1+", "1:3: parse error: unexpected end of input" },
        { "1 /", "1:4: parse error: unexpected end of input" },
        { ".", "1:1: parse error: unexpected character: '.'" },
        { "2.5.", "1:4: parse error: unexpected character: '.'" },
        { "100..4", "1:5: parse error: unexpected number \".4\"" },
        { "0deadbeef", "1:1: parse error: bad number or duration syntax: \"0de\"" },
        { "*1", "1:1: parse error: unexpected <op:*>" },
        { "*test", "1:1: parse error: unexpected <op:*>" },
        { "(1))", "1:5: parse error: unexpected right parenthesis ')'" },
        { "((1)", "1:5: parse error: unclosed left parenthesis" },
        { "(", "1:2: parse error: unclosed left parenthesis" },
        { "()", "1:2: parse error: unexpected \")\"" },
        { "1 !~ 1", "1:3: parse error: unexpected character after '!': '~'" },
        { "1 =~ 1", "1:3: parse error: unexpected character after '=': '~'" },
        { "1 = 1", "1:3: parse error: unexpected \"=\"" },
        { "-=", "1:2: parse error: unexpected \"=\"" },
        { "++-++-+-+-<", "1:11: parse error: unexpected <op:<>" },
        { "e-+=/(0)", "1:4: parse error: unexpected \"=\"" },
        { "a - on(b) ignoring(c) d", "1:11: parse error: unexpected <ignoring>" },
        { "foo + group_left(baz) bar", "1:7: parse error: unexpected <group_left>" },
        { "foo + on(a) bool bar", "1:13: parse error: unexpected <bool>" },
        { "foo bar", "1:5: parse error: unexpected identifier \"bar\"" },
        { "foo +\n  bar baz", "2:7: parse error: unexpected identifier \"baz\"" },
        { "foo\n\n+ )", "3:4: parse error: unexpected right parenthesis ')'" }, /* reported after it */
        { "5m", "1:1: parse error: unexpected duration \"5m\"" },
        { "foo ]", "1:5: parse error: unexpected right bracket ']'" },
        { "foo[5m", "1:7: parse error: unclosed left bracket" },
        { "foo[5m[", "1:7: parse error: unexpected left bracket '['" },
        { "foo $", "1:5: parse error: unexpected character: '$'" },
        { "foo \xc3\xa9", "1:5: parse error: unexpected character: '\xc3\xa9'" },
        { "foo \x01", "1:5: parse error: unexpected character: '\\x01'" },
        { "foo !", "1:5: parse error: unexpected character after '!'" },
        { "sum by (a, b)", "1:14: parse error: unexpected end of input in aggregation" },
        { "sum(rate(x[5m]) y)", "1:17: parse error: unexpected identifier \"y\" in aggregation" },
        { "sum(a +)", "1:8: parse error: unexpected \")\" in aggregation" },
        { "rate(x[5m] y)", "1:12: parse error: unexpected identifier \"y\"" },
        { "sum some_metric by (test)", "1:5: parse error: unexpected identifier \"some_metric\"" },
        { "sum (some_metric) by test", "1:22: parse error: unexpected identifier \"test\" in grouping opts, expected \"(\"" },
        { "MIN keep_common (some_metric)", "1:5: parse error: unexpected identifier \"keep_common\"" },
        { "MIN (some_metric) keep_common", "1:19: parse error: unexpected identifier \"keep_common\"" },
        { "sum (some_metric) without (test) by (test)", "1:34: parse error: unexpected <by>" },
        { "sum without (test) (some_metric) by (test)", "1:34: parse error: unexpected <by>" },
        { "sum without(==)(some_metric)", "1:13: parse error: unexpected <op:==> in grouping opts, expected label" },
        { "sum without(,)(some_metric)", "1:13: parse error: unexpected \",\" in grouping opts, expected label" },
        { "sum without(foo,,)(some_metric)", "1:17: parse error: unexpected \",\" in grouping opts, expected label" },
        { "sum by (a b) (x)", "1:11: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\"" },
        { "sum by (a:b) (x)", "1:9: parse error: unexpected metric identifier \"a:b\" in grouping opts, expected label" },
        { "sum by (without) (x)", "1:9: parse error: unexpected <without> in grouping opts, expected label" },
        { "sum by (nan) (x)", "1:9: parse error: unexpected number \"nan\" in grouping opts, expected label" },
        { "foo * on x", "1:10: parse error: unexpected identifier \"x\" in grouping opts, expected \"(\"" },
        { "topk(some_metric,)", "1:17: parse error: trailing commas not allowed in function call args" },
        { "rate(x[5m],)", "1:11: parse error: trailing commas not allowed in function call args" },
        { "rate(x[5m],,)", "1:11: parse error: trailing commas not allowed in function call args" },
        { "start()", "1:6: parse error: unexpected \"(\"" },
        { "end()", "1:4: parse error: unexpected \"(\"" },
        { "foo:bar()", "1:8: parse error: unexpected \"(\"" },
        { "non_existent_function_far_bar()", "1:1: parse error: unknown function with name \"non_existent_function_far_bar\"" },
        { "a>b()", "1:3: parse error: unknown function with name \"b\"" },
        { "Rate(x[5m])", "1:1: parse error: unknown function with name \"Rate\"" },
        { "nofunc(1 +)", "1:11: parse error: unexpected \")\"" },
        { "sum () by (test)", "1:1: parse error: no arguments for aggregate expression provided" },
        { "topk(some_metric)", "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1" },
        { "sum(a, b)", "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 1, got 2" },
        { "x[5m] @", "1:8: parse error: unexpected end of input in @, expected timestamp" },
        { "some_metric[5m] @", "1:18: parse error: unexpected end of input in @, expected timestamp" },
        { "some_metric[5m] @ 1m", "1:19: parse error: unexpected duration \"1m\" in @, expected timestamp" },
        { "x @ start", "1:10: parse error: unexpected end of input in @, expected timestamp" },
        { "x @ start(1)", "1:11: parse error: unexpected number \"1\" in @, expected timestamp" },
        { "x @ foo", "1:5: parse error: unexpected identifier \"foo\" in @, expected timestamp" },
        { "some_metric[5m] OFFSET 1", "1:24: parse error: unexpected number \"1\" in offset, expected duration" },
        { "some_metric[5m] OFFSET 1mm", "1:24: parse error: bad number or duration syntax: \"1mm\"" },
        { "some_metric[5m] OFFSET", "1:23: parse error: unexpected end of input in offset, expected duration" },
        { "x offset - 5", "1:12: parse error: unexpected number \"5\" in offset, expected duration" },
        { "x offset +5m", "1:10: parse error: unexpected <op:+> in offset, expected duration" },
        { "foo[5mm]", "1:5: parse error: bad duration syntax: \"5mm\"" },
        { "foo[5m1]", "1:5: parse error: bad duration syntax: \"5m1\"" },
        { "foo[5m:1m1]", "1:8: parse error: bad number or duration syntax: \"1m1\"" },
        { "foo[5y1hs]", "1:5: parse error: not a valid duration string: \"5y1hs\"" },
        { "foo[5m1h]", "1:5: parse error: not a valid duration string: \"5m1h\"" },
        { "foo[5m1m]", "1:5: parse error: not a valid duration string: \"5m1m\"" },
        { "foo[1.5m]", "1:5: parse error: not a valid duration string: \"1.5m\"" },
        { "foo[0m]", "1:5: parse error: duration must be greater than 0" },
        { "foo[5m:0s]", "1:8: parse error: duration must be greater than 0" },
        { "foo offset 0s", "1:12: parse error: duration must be greater than 0" },
        { "foo[300y]", "1:5: parse error: duration out of range" },
        { "foo[99999999999999999999999s]", "1:5: parse error: duration out of range" },
        { "foo[]", "1:5: parse error: missing unit character in duration" },
        { "foo[1]", "1:5: parse error: missing unit character in duration" },
        { "foo[-5m]", "1:5: parse error: missing unit character in duration" },
        { "foo[", "1:5: parse error: missing unit character in duration" },
        { "foo[\"5m\"]", "1:5: parse error: missing unit character in duration" },
        { "foo[a]", "1:5: parse error: bad duration syntax: \"\"" },
        { "foo[5m:1]", "1:8: parse error: unexpected number \"1\" in subquery selector, expected duration or \"]\"" },
        { "foo[5m:1m:]", "1:10: parse error: unexpected colon ':'" },
        { "foo[5m 1m]", "1:8: parse error: unexpected duration \"1m\" in subquery or range, expected \":\" or \"]\"" },
        { "foo[5m:1m 1m]", "1:11: parse error: unexpected duration \"1m\" in subquery selector, expected \"]\"" },
        { "{", "1:2: parse error: unexpected end of input inside braces" },
        { "}", "1:1: parse error: unexpected character: '}'" },
        { "some{", "1:6: parse error: unexpected end of input inside braces" },
        { "some}", "1:5: parse error: unexpected character: '}'" },
        { "some_metric{a=b}", "1:15: parse error: unexpected identifier \"b\" in label matching, expected string" },
        { "some_metric{a:b=\"b\"}", "1:14: parse error: unexpected character inside braces: ':'" },
        { "foo{a*\"b\"}", "1:6: parse error: unexpected character inside braces: '*'" },
        { "foo{a>=\"b\"}", "1:6: parse error: unexpected character inside braces: '>'" },
        { "foo{a!\"b\"}", "1:6: parse error: unexpected character after '!' inside braces: '\"'" },
        { "foo{{", "1:5: parse error: unexpected left brace '{'" },
        { "some_metric{a=\"\xff\"}", "1:15: parse error: invalid UTF-8 rune" },
        { "foo{gibberish}", "1:14: parse error: unexpected \"}\" in label matching, expected label matching operator" },
        { "foo{1}", "1:5: parse error: unexpected character inside braces: '1'" },
        { "foo{__name__= =}", "1:15: parse error: unexpected \"=\" in label matching, expected string" },
        { "foo{,}", "1:5: parse error: unexpected \",\" in label matching, expected identifier or \"}\"" },
        { "foo{__name__ == \"bar\"}", "1:15: parse error: unexpected \"=\" in label matching, expected string" },
        { "foo{__name__=\"bar\" lol}", "1:20: parse error: unexpected identifier \"lol\" in label matching, expected \",\" or \"}\"" },
        { "foo{a=\"b\",,}", "1:11: parse error: unexpected \",\" in label matching, expected identifier or \"}\"" },
        { "foo{a=~\"(.*\"}", "1:5: parse error: " },
        { "\"\\c\"", "1:1: parse error: unknown escape sequence U+0063 'c'" },
        { "\"\\x.\"", "1:1: parse error: illegal character U+002E '.' in escape sequence" },
        { "\"\\", "1:1: parse error: escape sequence not terminated" },
        { "\"\\u12\"", "1:1: parse error: illegal character U+0022 '\"' in escape sequence" },
        { "\"\\ud800\"", "1:1: parse error: escape sequence is an invalid Unicode code point" },
        { "\"\\400\"", "1:1: parse error: escape sequence is an invalid Unicode code point" },
        { "'\\\"'", "1:1: parse error: unknown escape sequence U+0022 '\"'" },
        { "x + \"abc", "1:5: parse error: unterminated quoted string" },
        { "\"a\nb\"", "1:1: parse error: unterminated quoted string" },
        { "`abc", "1:1: parse error: unterminated raw string" },
        { "\"\xef\xbf\xbd\"", "1:1: parse error: invalid UTF-8 rune" },
        { "label_replace(a, `b`, `c\xff`, `d`, `.*`)", "1:23: parse error: invalid UTF-8 rune" },
        { "\"a string that is rather long\" x", "1:32: parse error: unexpected identifier \"x\"" },
        { "x \"a string that is rather long\"",
          "1:3: parse error: unexpected string \"\\\"a string \"..." },
        { "99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999"
          "99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999"
          "99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
          "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"999" },
        { "0x", "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"0x\": invalid syntax" },
        { "1e", "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e\": invalid syntax" },
        { "0x1.8", "1:1: parse error: error parsing number" },
        { "foo offset 5m[5m]", "1:14: parse error: no offset modifiers allowed before range" },
        { "some_metric OFFSET 1m[5m]", "1:22: parse error: no offset modifiers allowed before range" },
        { "some_metric @ 1234 [5m]", "1:20: parse error: no @ modifiers allowed before range" },
        { "(foo + bar)[5m]", "1:12: parse error: ranges only allowed for vector selectors" },
        { "rate(food[1m])[1h] offset 1h", "1:15: parse error: ranges only allowed for vector selectors" },
        { "rate(food[1m])[1h] @ 100", "1:15: parse error: ranges only allowed for vector selectors" },
        { "x[5m][5m]", "1:6: parse error: ranges only allowed for vector selectors" },
        { "1 offset 1d", "1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery" },
        { "sum(x) offset 1d", "1:1: parse error: offset modifier must be preceded by" },
        { "(x) offset 1d", "1:1: parse error: offset modifier must be preceded by" },
        { "foo offset 1s offset 2s", "1:1: parse error: offset may not be set multiple times" },
        { "foo[5m] offset 1s offset -2s", "1:1: parse error: offset may not be set multiple times" },
        { "foo[5m:] offset 1s offset 2s", "1:1: parse error: offset may not be set multiple times" },
        { "rate(some_metric[5m]) @ 1234", "1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery" },
        { "1 @ 1", "1:1: parse error: @ modifier must be preceded by" },
        { "foo @ 1 @ 2", "1:1: parse error: @ <timestamp> may not be set multiple times" },
        { "foo @ start() @ end()", "1:1: parse error: @ <timestamp> may not be set multiple times" },
        { "foo @ start()[1m] @ 5", "1:1: parse error: @ <timestamp> may not be set multiple times" },
        { "foo[1m:] @ 1 offset 1m @ 2", "1:1: parse error: @ <timestamp> may not be set multiple times" },
        { "foo @ +Inf", "1:1: parse error: timestamp out of bounds for @ modifier: +Inf" },
        { "foo @ -Inf", "1:1: parse error: timestamp out of bounds for @ modifier: -Inf" },
        { "foo @ NaN", "1:1: parse error: timestamp out of bounds for @ modifier: NaN" },
        { "foo @ 9223372036854775808", "1:1: parse error: timestamp out of bounds for @ modifier: 9223372036854775808.000000" },
        { "foo @ -9223372036854775809", "1:1: parse error: timestamp out of bounds for @ modifier: -9223372036854775808.000000" },
    };
    RUN_ERRORS(c);
}

static void test_type_errors(void **state)
{
    (void)state;
    static const case_t c[] = {
        { "1 and 1", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression" },
        { "1 == 1", "1:3: parse error: comparisons between scalars must use BOOL modifier" },
        { "1    ==   1", "1:6: parse error: comparisons between scalars must use BOOL modifier" },
        { "1 or 1", "1:1: parse error: set operator \"or\" not allowed in binary scalar expression" },
        { "1 unless 1", "1:1: parse error: set operator \"unless\" not allowed in binary scalar expression" },
        { "foo and 1", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression" },
        { "1 and foo", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression" },
        { "foo or 1", "1:1: parse error: set operator \"or\" not allowed in binary scalar expression" },
        { "1 unless foo", "1:1: parse error: set operator \"unless\" not allowed in binary scalar expression" },
        { "1 or on(bar) foo", "1:1: parse error: vector matching only allowed between instant vectors" },
        { "foo == on(bar) 10", "1:1: parse error: vector matching only allowed between instant vectors" },
        { "foo and on(bar) group_left(baz) bar", "1:1: parse error: no grouping allowed for \"and\" operation" },
        { "foo and on(bar) group_right(baz) bar", "1:1: parse error: no grouping allowed for \"and\" operation" },
        { "foo or on(bar) group_left(baz) bar", "1:1: parse error: no grouping allowed for \"or\" operation" },
        { "foo unless on(bar) group_right(baz) bar", "1:1: parse error: no grouping allowed for \"unless\" operation" },
        { "http_requests{group=\"production\"} + on(instance) group_left(job,instance) cpu_count{type=\"smp\"}",
          "1:35: parse error: label \"instance\" must not occur in ON and GROUP clause at once" },
        { "foo + bool bar", "1:5: parse error: bool modifier can only be used on comparison operators" },
        { "foo + bool 10", "1:5: parse error: bool modifier can only be used on comparison operators" },
        { "foo and bool 10", "1:5: parse error: bool modifier can only be used on comparison operators" },
        { "x[5m] + 1", "1:1: parse error: binary expression must contain only scalar and instant vector types" },
        { "1 + x[5m]", "1:5: parse error: binary expression must contain only scalar and instant vector types" },
        { "\"a\" + 1", "1:1: parse error: binary expression must contain only scalar and instant vector types" },
        { "-\"string\"", "1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"string\"" },
        { "+\"string\"", "1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"string\"" },
        { "-test[5m]", "1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"range vector\"" },
        { "{}", "1:1: parse error: vector selector must contain at least one non-empty matcher" },
        { "{x=\"\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher" },
        { "{x=~\".*\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher" },
        { "{x!~\".+\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher" },
        { "{x!=\"a\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher" },
        { "1 + {}[5m]", "1:5: parse error: vector selector must contain at least one non-empty matcher" },
        { "+{}", "1:2: parse error: vector selector must contain at least one non-empty matcher" },
        { "(-{}-1-{}-1)", "1:3: parse error: vector selector must contain at least one non-empty matcher" },
        { "foo{__name__=\"bar\"}", "1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\"" },
        { "foo{__name__=~\"b.*\"}", "1:1: parse error: metric name must not be set twice: \"foo\" or \"b.*\"" },
        { "topk(some_metric, other_metric)", "1:6: parse error: expected type scalar in aggregation parameter, got instant vector" },
        { "count_values(5, other_metric)", "1:14: parse error: expected type string in aggregation parameter, got scalar" },
        { "sum(1)", "1:5: parse error: expected type instant vector in aggregation expression, got scalar" },
        { "sum(x[5m])", "1:5: parse error: expected type instant vector in aggregation expression, got range vector" },
        { "topk(x, y[5m])", "1:9: parse error: expected type instant vector in aggregation expression, got range vector" },
        { "floor()", "1:1: parse error: expected 1 argument(s) in call to \"floor\", got 0" },
        { "floor(some_metric, other_metric)", "1:1: parse error: expected 1 argument(s) in call to \"floor\", got 2" },
        { "floor(some_metric, 1)", "1:1: parse error: expected 1 argument(s) in call to \"floor\", got 2" },
        { "floor(1)", "1:7: parse error: expected type instant vector in call to function \"floor\", got scalar" },
        { "hour(some_metric, some_metric, some_metric)", "1:1: parse error: expected at most 1 argument(s) in call to \"hour\", got 3" },
        { "round(x, 1, 2)", "1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3" },
        { "label_join(x, \"a\")", "1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 2" },
        { "label_join(x, \"a\", \",\", 1)", "1:25: parse error: expected type string in call to function \"label_join\", got scalar" },
        { "time(some_metric)", "1:1: parse error: expected 0 argument(s) in call to \"time\", got 1" },
        { "rate(some_metric)", "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector" },
        { "rate(avg)", "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector" },
        { "rate(x[5m] + 1)", "1:6: parse error: binary expression must contain only scalar and instant vector types" },
        { "histogram_quantile(x, y)", "1:20: parse error: expected type scalar in call to function \"histogram_quantile\", got instant vector" },
        { "vector(\"a\")", "1:8: parse error: expected type scalar in call to function \"vector\", got string" },
        { "(foo + bar{nm=\"val\"})[5m:][10m:5s]", "1:1: parse error: subquery is only allowed on instant vector, got matrix" },
        { "test[5d] OFFSET 10s [10m:5s]", "1:1: parse error: subquery is only allowed on instant vector, got matrix" },
        { "1[5m:]", "1:1: parse error: subquery is only allowed on instant vector, got scalar instead" },
        { "time()[5m:]", "1:1: parse error: subquery is only allowed on instant vector, got scalar instead" },
        { "\"x\"[5m:]", "1:1: parse error: subquery is only allowed on instant vector, got string instead" },
        { "sum(x) + rate(y)", "1:15: parse error: expected type range vector" },
        /* offset, @ and [..] bind to the closest operand */
        { "a + b[5m:]", "1:5: parse error: binary expression must contain only scalar and instant vector types" },
        { "-a[5m:]", "1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"range vector\"" },
        /* syntax errors win over type errors anywhere */
        { "1 == 1 +", "1:9: parse error: unexpected end of input" },
    };
    RUN_ERRORS(c);
}

/* ---- limits and robustness -------------------------------------------- */

static char *repeat(const char *pre, int n, const char *mid, const char *post)
{
    size_t lp = strlen(pre), lm = strlen(mid), lq = strlen(post);
    char *s = malloc(lp * (size_t)n + lm + lq * (size_t)n + 1);
    char *w = s;
    for (int i = 0; i < n; i++, w += lp)
        memcpy(w, pre, lp);
    memcpy(w, mid, lm);
    w += lm;
    for (int i = 0; i < n; i++, w += lq)
        memcpy(w, post, lq);
    *w = 0;
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    char *q = repeat("(", 900, "x", ")");
    parsed p = parse(q);
    assert_int_equal(p.rc, 0);
    done(&p);
    free(q);

    q = repeat("(", 5000, "x", ")");
    p = parse(q);
    assert_int_equal(p.rc, LOUPE_EINVAL);
    assert_non_null(strstr(p.e.msg, "nesting too deep"));
    done(&p);
    free(q);

    q = repeat("-", 5000, "x", "");
    p = parse(q);
    assert_int_equal(p.rc, LOUPE_EINVAL);
    done(&p);
    free(q);

    q = repeat("x + ", 5000, "x", "");
    p = parse(q);
    assert_int_equal(p.rc, LOUPE_EINVAL);
    assert_non_null(strstr(p.e.msg, "nesting too deep"));
    done(&p);
    free(q);

    q = repeat("x + ", 500, "x", "");
    p = parse(q);
    assert_int_equal(p.rc, 0);
    done(&p);
    free(q);

    q = repeat("2 ^ ", 5000, "2", "");
    p = parse(q);
    assert_int_equal(p.rc, LOUPE_EINVAL);
    done(&p);
    free(q);

    q = repeat("abs(", 5000, "x", ")");
    p = parse(q);
    assert_int_equal(p.rc, LOUPE_EINVAL);
    done(&p);
    free(q);

    /* Prometheus's own stress case: a long flat expression, many subqueries */
    q = repeat("-{}-1", 400, "", "");
    char *q2 = malloc(strlen(q) + 3 + 5 * 400 + 1);
    sprintf(q2, "(%s)", q);
    for (int i = 0; i < 400; i++)
        strcat(q2, "[1m:]");
    p = parse(q2);
    assert_int_equal(p.rc, LOUPE_EINVAL);
    done(&p);
    free(q);
    free(q2);
    ncases += 8;
}

/* Deterministic garbage: random bytes, and valid queries cut and spliced.
 * Nothing may crash or leak (the ASan build checks), and errors carry a
 * position. */
static void test_garbage(void **state)
{
    (void)state;
    static const char *seeds[] = {
        "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m] offset 1m))",
        "histogram_quantile(0.95, sum by (le, model, route) (rate(llm_cost_per_request_bucket[5m])))",
        "a + on(b) group_left(c) -d[10m:1m] @ end() offset -5m ^ 2 ^ 3",
        "label_replace(x, \"a\", '$1', `b`, \"(.*)\") and topk(3, y) unless count_values(\"v\", z)",
        "foo{a!=\"\\x41\\u00e9\",b!~'x|y'} > bool 0x1f or NaN * -Inf",
    };
    uint64_t rng = 88172645463325252ULL;
    char q[256];
    for (int it = 0; it < 20000; it++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        size_t n;
        if (it % 3 == 0) {
            n = rng % 40;
            for (size_t i = 0; i < n; i++) {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                static const char alphabet[] = "abz_:0159.xe+-*/%^=!~<>(){}[],@\"'` \n#\xff\xc3";
                q[i] = alphabet[rng % (sizeof alphabet - 1)];
            }
        } else {
            const char *s = seeds[rng % 5];
            size_t len = strlen(s);
            size_t cut = (rng >> 8) % (len + 1), cut2 = (rng >> 20) % (len + 1);
            n = 0;
            memcpy(q, s, cut);
            n = cut;
            if (it % 3 == 2 && cut2 > 0) { /* splice a piece of another seed */
                const char *t = seeds[(rng >> 30) % 5];
                size_t tl = strlen(t), a = (rng >> 34) % tl, b = a + (rng >> 40) % (tl - a + 1);
                if (n + (b - a) < sizeof q) {
                    memcpy(q + n, t + a, b - a);
                    n += b - a;
                }
            }
        }
        char *heap = malloc(n ? n : 1); /* exact size: ASan catches overreads */
        memcpy(heap, q, n);
        parsed p = parse_n(heap, n);
        if (p.rc) {
            assert_int_equal(p.rc, LOUPE_EINVAL);
            assert_non_null(strstr(p.e.msg, "parse error: "));
        } else {
            buf b = BUF_INIT;
            assert_int_equal(ast_format(p.root, &b), 0);
            buf_free(&b);
        }
        done(&p);
        free(heap);
    }
    ncases++;
}

/* ---- Prometheus's own test files -------------------------------------- */

/* Parses every eval expression of Prometheus 2.42's promql/testdata files:
 * `eval` and `eval_ordered` ones must parse; their canonical form must
 * parse again to the same form. */
static void test_prometheus_testdata(void **state)
{
    (void)state;
    const char *dir = getenv("LOUPE_PROMQL_TESTDATA");
    if (!dir)
        dir = "/work/shared/promql-testdata";
    DIR *d = opendir(dir);
    if (!d) {
        print_message("skipped: no %s\n", dir);
        skip();
    }
    int total = 0, ok = 0, fail_total = 0, fail_parsed = 0, bad = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t nl = strlen(de->d_name);
        if (nl < 5 || strcmp(de->d_name + nl - 5, ".test"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        char line[4096];
        int lineno = 0;
        while (fgets(line, sizeof line, f)) {
            lineno++;
            char *s = line;
            while (*s == ' ' || *s == '\t')
                s++;
            int is_fail = !strncmp(s, "eval_fail ", 10);
            if (strncmp(s, "eval ", 5) && strncmp(s, "eval_ordered ", 13) && !is_fail)
                continue;
            /* eval[_fail|_ordered] instant at <time> <expr> */
            char *at = strstr(s, " at ");
            if (!at)
                continue;
            char *expr = strchr(at + 4, ' ');
            if (!expr)
                continue;
            expr++;
            size_t el = strlen(expr);
            while (el && (expr[el - 1] == '\n' || expr[el - 1] == '\r' || expr[el - 1] == ' '))
                expr[--el] = 0;
            parsed p = parse(expr);
            if (is_fail) {
                fail_total++;
                fail_parsed += p.rc == 0;
            } else {
                total++;
                if (p.rc) {
                    print_error("  %s:%d: %s\n    %s\n", de->d_name, lineno, expr, p.e.msg);
                    bad++;
                } else {
                    ok++;
                    char *f1 = fmt_query(expr);
                    char *f2 = fmt_query(f1);
                    if (strcmp(f1, f2)) {
                        print_error("  %s:%d: %s\n    format %s\n    reformat %s\n", de->d_name, lineno, expr, f1, f2);
                        bad++;
                    }
                    free(f1);
                    free(f2);
                }
            }
            done(&p);
            ncases++;
        }
        fclose(f);
    }
    closedir(d);
    print_message("promql testdata: %d/%d eval expressions parse; %d/%d eval_fail expressions parse "
                  "(their failures are evaluation errors)\n",
                  ok, total, fail_parsed, fail_total);
    assert_true(total > 500);
    assert_int_equal(bad, 0);
}

/* tests/data/promql_parse.tsv: Prometheus 2.42's own verdict on ~1,600
 * queries (valid ones, and every kind of syntax and type error with its
 * exact message), recorded by tests/data/gen_promql_parse.py. */
static size_t unescape(char *s)
{
    size_t w = 0;
    for (size_t r = 0; s[r]; r++) {
        if (s[r] == '\\' && s[r + 1] == '\\') {
            s[w++] = '\\';
            r++;
        } else if (s[r] == '\\' && s[r + 1] == 'x') {
            char hex[3] = { s[r + 2], s[r + 3], 0 };
            s[w++] = (char)strtol(hex, NULL, 16);
            r += 3;
        } else {
            s[w++] = s[r];
        }
    }
    s[w] = 0;
    return w;
}

static void test_prometheus_verdicts(void **state)
{
    (void)state;
    const char *dir = getenv("LOUPE_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/promql_parse.tsv", dir ? dir : "tests/data");
    FILE *f = fopen(path, "r");
    if (!f) {
        print_message("skipped: no %s\n", path);
        skip();
    }
    char line[8192];
    int n = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = 0;
        if (line[0] == '#' || !len)
            continue;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = 0;
        char *want = tab + 1;
        size_t qn = unescape(line);
        unescape(want);
        parsed p = parse_n(line, qn);
        const char *got = p.rc ? p.e.msg : "OK";
        const char *exp = strncmp(want, "ERR ", 4) ? want : want + 4;
        if (strcmp(got, exp) != 0) {
            print_error("  %s\n    prometheus: %s\n    loupe:      %s\n", line, exp, got);
            bad++;
        }
        done(&p);
        n++;
        ncases++;
    }
    fclose(f);
    print_message("%d queries judged as Prometheus 2.42 does\n", n - bad);
    assert_true(n > 1000);
    assert_int_equal(bad, 0);
}

static void test_count(void **state)
{
    (void)state;
    print_message("%d parser test cases\n", ncases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_vector_selectors),
        cmocka_unit_test(test_range_offset_at),
        cmocka_unit_test(test_subqueries),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_binary_modifiers),
        cmocka_unit_test(test_aggregations),
        cmocka_unit_test(test_calls),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_prometheus_testdata),
        cmocka_unit_test(test_prometheus_verdicts),
        cmocka_unit_test(test_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
