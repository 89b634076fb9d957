/* ast.c - releasing a syntax tree's matchers, and printing a tree the way
 * Prometheus 2.42's Expr.String() does (promql/parser/printer.go), which
 * tests and error messages use as the canonical form of a query. */
#include "query/ast.h"
#include "query/lexer.h"
#include "util/err.h"
#include "util/sort.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ast_free_matchers(ast *n)
{
    if (!n)
        return;
    switch (n->kind) {
    case AST_VECTOR_SEL:
    case AST_MATRIX_SEL:
        for (size_t i = 0; i < n->sel.nms; i++)
            matcher_free(&n->sel.ms[i]);
        n->sel.nms = 0;
        break;
    case AST_SUBQUERY: ast_free_matchers(n->sub.expr); break;
    case AST_CALL:
        for (size_t i = 0; i < n->call.nargs; i++)
            ast_free_matchers(n->call.args[i]);
        break;
    case AST_AGG:
        ast_free_matchers(n->agg.param);
        ast_free_matchers(n->agg.expr);
        break;
    case AST_BINARY:
        ast_free_matchers(n->bin.lhs);
        ast_free_matchers(n->bin.rhs);
        break;
    case AST_UNARY: ast_free_matchers(n->unary.expr); break;
    case AST_PAREN: ast_free_matchers(n->paren.expr); break;
    default: break;
    }
}

/* ---- printing --------------------------------------------------------- */

/* Go's fmt %v of a float64 (strconv 'g' with the shortest precision): the
 * shortest digits that round-trip, in e-notation when the decimal exponent
 * is below -4 or at least 6, as in 1e+06 and 1e-05. */
static int put_float(buf *out, double v)
{
    if (isnan(v))
        return buf_puts(out, "NaN");
    if (isinf(v))
        return buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    if (v == 0)
        return buf_puts(out, signbit(v) ? "-0" : "0");
    /* shortest round-trip digits */
    char tmp[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    /* tmp = [-]d[.ddd]e[+-]xx: split into digits and exponent */
    char digits[24];
    int nd = 0, neg = 0;
    const char *s = tmp;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            digits[nd++] = *s;
    int exp = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = 0;
    int rc = neg ? buf_putc(out, '-') : 0;
    if (rc)
        return rc;
    if (exp < -4 || exp >= 6) {
        rc = buf_putc(out, digits[0]);
        if (!rc && nd > 1)
            rc = buf_printf(out, ".%s", digits + 1);
        if (!rc)
            rc = buf_printf(out, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
        return rc;
    }
    if (exp < 0) {
        if ((rc = buf_puts(out, "0.")))
            return rc;
        for (int i = 0; i < -exp - 1; i++)
            if ((rc = buf_putc(out, '0')))
                return rc;
        return buf_puts(out, digits);
    }
    for (int i = 0; i <= exp || i < nd; i++) {
        if (i == exp + 1 && (rc = buf_putc(out, '.')))
            return rc;
        if ((rc = buf_putc(out, i < nd ? digits[i] : '0')))
            return rc;
    }
    return 0;
}

/* model.Duration.String(): 1h30m, 90d (years and weeks only when exact). */
static int put_duration(buf *out, int64_t ms)
{
    static const struct {
        const char *unit;
        int64_t ms;
        int exact;
    } units[] = { { "y", 365LL * 86400000, 1 }, { "w", 7LL * 86400000, 1 }, { "d", 86400000, 0 },
                  { "h", 3600000, 0 },          { "m", 60000, 0 },           { "s", 1000, 0 },
                  { "ms", 1, 0 } };
    if (ms == 0)
        return buf_puts(out, "0s");
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (units[i].exact && ms % units[i].ms != 0)
            continue;
        int64_t v = ms / units[i].ms;
        if (v > 0) {
            if (buf_printf(out, "%lld%s", (long long)v, units[i].unit))
                return LOUPE_ENOMEM;
            ms -= v * units[i].ms;
        }
    }
    return 0;
}

/* " @ 10.000 offset 5m": @ first, then offset, as Prometheus prints them. */
static int put_time_mod(buf *out, const time_mod *tm)
{
    int rc = 0;
    if (tm->at == AT_TIME)
        rc = buf_printf(out, " @ %.3f", (double)tm->at_ms / 1000.0);
    else if (tm->at == AT_START)
        rc = buf_puts(out, " @ start()");
    else if (tm->at == AT_END)
        rc = buf_puts(out, " @ end()");
    if (rc)
        return rc;
    if (tm->offset_ms > 0)
        return buf_puts(out, " offset ") || put_duration(out, tm->offset_ms) ? LOUPE_ENOMEM : 0;
    if (tm->offset_ms < 0)
        return buf_puts(out, " offset -") || put_duration(out, -tm->offset_ms) ? LOUPE_ENOMEM : 0;
    return 0;
}

static int cmp_buf(const void *a, const void *b)
{
    const buf *x = a, *y = b;
    return slice_cmp(buf_slice(x), buf_slice(y));
}

/* name{a="b",c=~"d"}: matchers sorted, the name's own matcher left out. */
static int put_selector(buf *out, const ast *n)
{
    static const char *ops[] = { "=", "!=", "=~", "!~" };
    buf *parts = calloc(n->sel.nms ? n->sel.nms : 1, sizeof *parts);
    size_t np = 0;
    int rc = parts ? 0 : LOUPE_ENOMEM;
    for (size_t i = 0; !rc && i < n->sel.nms; i++) {
        const matcher *m = &n->sel.ms[i];
        slice name = matcher_name(m), value = matcher_value(m);
        if (n->sel.name && m->op == MATCH_EQ && slice_eq_cstr(name, "__name__") && slice_eq_cstr(value, n->sel.name))
            continue;
        buf *b = &parts[np++];
        if (buf_append(b, name.p, name.n) || buf_puts(b, ops[m->op]) ||
            lexer_quote(b, (const char *)value.p, value.n, -1))
            rc = LOUPE_ENOMEM;
    }
    if (!rc && n->sel.name)
        rc = buf_puts(out, n->sel.name);
    if (!rc && np) {
        sort_array(parts, np, sizeof *parts, cmp_buf);
        rc = buf_putc(out, '{');
        for (size_t i = 0; !rc && i < np; i++)
            rc = (i && buf_putc(out, ',')) || buf_append(out, parts[i].p, parts[i].n) ? LOUPE_ENOMEM : 0;
        if (!rc)
            rc = buf_putc(out, '}');
    }
    for (size_t i = 0; i < np; i++)
        buf_free(&parts[i]);
    free(parts);
    return rc;
}

static int put_names(buf *out, const name_list *l)
{
    int rc = buf_putc(out, '(');
    for (size_t i = 0; !rc && i < l->n; i++)
        rc = (i && buf_puts(out, ", ")) || buf_puts(out, l->names[i]) ? LOUPE_ENOMEM : 0;
    return rc ? rc : buf_putc(out, ')');
}

static const char *const AGG_NAMES[] = { "sum",  "avg",     "min",  "max",     "count",    "stddev",
                                         "stdvar", "group", "topk", "bottomk", "quantile", "count_values" };
static const char *const BIN_NAMES[] = { "+",  "-",  "*", "/",  "%",  "^",   "atan2", "==",
                                         "!=", ">",  "<", ">=", "<=", "and", "or",    "unless" };

static int put_binary(buf *out, const ast *n)
{
    int rc = ast_format(n->bin.lhs, out);
    if (!rc)
        rc = buf_printf(out, " %s%s", BIN_NAMES[n->bin.op], n->bin.return_bool ? " bool" : "");
    if (!rc && n->bin.has_matching && (n->bin.matching.n > 0 || n->bin.on)) {
        rc = buf_puts(out, n->bin.on ? " on " : " ignoring ") || put_names(out, &n->bin.matching);
        if (!rc && (n->bin.card == CARD_MANY_TO_ONE || n->bin.card == CARD_ONE_TO_MANY))
            rc = buf_puts(out, n->bin.card == CARD_MANY_TO_ONE ? " group_left " : " group_right ") ||
                 put_names(out, &n->bin.include);
    }
    if (!rc)
        rc = buf_putc(out, ' ');
    return rc ? LOUPE_ENOMEM : ast_format(n->bin.rhs, out);
}

static int put_agg(buf *out, const ast *n)
{
    int rc = buf_puts(out, AGG_NAMES[n->agg.op]);
    if (!rc && n->agg.without)
        rc = buf_puts(out, " without ") || put_names(out, &n->agg.grouping) || buf_putc(out, ' ');
    else if (!rc && n->agg.grouping.n > 0)
        rc = buf_puts(out, " by ") || put_names(out, &n->agg.grouping) || buf_putc(out, ' ');
    if (!rc)
        rc = buf_putc(out, '(');
    if (!rc && n->agg.param)
        rc = ast_format(n->agg.param, out) || buf_puts(out, ", ");
    if (!rc)
        rc = ast_format(n->agg.expr, out) || buf_putc(out, ')');
    return rc ? LOUPE_ENOMEM : 0;
}

int ast_format(const ast *n, buf *out)
{
    int rc = 0;
    switch (n->kind) {
    case AST_NUMBER: return put_float(out, n->number);
    case AST_STRING: return lexer_quote(out, n->str.s, n->str.n, -1);
    case AST_VECTOR_SEL: return put_selector(out, n) || put_time_mod(out, &n->sel.tm) ? LOUPE_ENOMEM : 0;
    case AST_MATRIX_SEL:
        rc = put_selector(out, n) || buf_putc(out, '[') || put_duration(out, n->sel.range_ms) || buf_putc(out, ']') ||
             put_time_mod(out, &n->sel.tm);
        return rc ? LOUPE_ENOMEM : 0;
    case AST_SUBQUERY:
        rc = ast_format(n->sub.expr, out) || buf_putc(out, '[') || put_duration(out, n->sub.range_ms) ||
             buf_putc(out, ':') || (n->sub.step_ms && put_duration(out, n->sub.step_ms)) || buf_putc(out, ']') ||
             put_time_mod(out, &n->sub.tm);
        return rc ? LOUPE_ENOMEM : 0;
    case AST_CALL:
        rc = buf_printf(out, "%s(", n->call.fn->name);
        for (size_t i = 0; !rc && i < n->call.nargs; i++)
            rc = (i && buf_puts(out, ", ")) || ast_format(n->call.args[i], out);
        return rc || buf_putc(out, ')') ? LOUPE_ENOMEM : 0;
    case AST_AGG: return put_agg(out, n);
    case AST_BINARY: return put_binary(out, n);
    case AST_UNARY:
        return buf_putc(out, n->unary.neg ? '-' : '+') || ast_format(n->unary.expr, out) ? LOUPE_ENOMEM : 0;
    case AST_PAREN:
        return buf_putc(out, '(') || ast_format(n->paren.expr, out) || buf_putc(out, ')') ? LOUPE_ENOMEM : 0;
    }
    return 0;
}
