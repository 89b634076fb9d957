/* parser_check.c - Prometheus 2.42's checkAST: the type and operator rules
 * applied once the whole query has parsed, in the same traversal order so
 * that the first error reported is the one Prometheus reports.  Also sets
 * every node's type, removes unary plus nodes and normalises vector matching
 * (set operators many-to-many; no matching unless both sides are vectors). */
#include "query/parser_int.h"

#include <string.h>

/* ValueType.String() */
static const char *vt_name(value_type t)
{
    switch (t) {
    case VT_SCALAR: return "scalar";
    case VT_VECTOR: return "vector";
    case VT_MATRIX: return "matrix";
    case VT_STRING: return "string";
    default: return "none";
    }
}

/* DocumentedType() */
static const char *vt_doc(value_type t)
{
    switch (t) {
    case VT_SCALAR: return "scalar";
    case VT_VECTOR: return "instant vector";
    case VT_MATRIX: return "range vector";
    case VT_STRING: return "string";
    default: return "none";
    }
}

static const char *op_name(bin_op op)
{
    static const char *names[] = { "+", "-", "*", "/", "%", "^", "atan2", "==", "!=", ">", "<", ">=", "<=",
                                   "and", "or", "unless" };
    return names[op];
}

static int is_comparison(bin_op op) { return op >= BIN_EQ && op <= BIN_LE; }
static int is_set_op(bin_op op) { return op == BIN_AND || op == BIN_OR || op == BIN_UNLESS; }

static value_type check(parser *p, ast **np);

static value_type check_selector(parser *p, ast *n)
{
    value_type t = n->kind == AST_MATRIX_SEL ? VT_MATRIX : VT_VECTOR;
    if (n->sel.name) {
        /* ms[0] is the name's own matcher; any other on __name__ sets it twice */
        for (size_t i = 1; i < n->sel.nms; i++) {
            const matcher *m = &n->sel.ms[i];
            if (strcmp((const char *)m->name.p, "__name__") != 0)
                continue;
            buf a = BUF_INIT, b = BUF_INIT;
            if (lexer_quote(&a, n->sel.name, strlen(n->sel.name), -1) || buf_cstr(&a) ||
                lexer_quote(&b, (const char *)m->value.p, m->value.n, -1) || buf_cstr(&b))
                parser_oom(p);
            else
                parser_fail(p, n->pos, "metric name must not be set twice: %s or %s", (const char *)a.p,
                            (const char *)b.p);
            buf_free(&a);
            buf_free(&b);
            return t;
        }
        return t;
    }
    for (size_t i = 0; i < n->sel.nms; i++)
        if (!matcher_matches_empty(&n->sel.ms[i]))
            return t;
    parser_fail(p, n->pos, "vector selector must contain at least one non-empty matcher");
    return t;
}

static value_type check_call(parser *p, ast *n)
{
    const func_def *fn = n->call.fn;
    int ntypes = 0;
    while (ntypes < 5 && fn->args[ntypes] != VT_NONE)
        ntypes++;
    size_t na = n->call.nargs;
    if (fn->min_args == fn->max_args) {
        if (na != (size_t)fn->min_args)
            return parser_fail(p, n->pos, "expected %d argument(s) in call to \"%s\", got %zu", fn->min_args, fn->name,
                               na),
                   VT_NONE;
    } else if (na < (size_t)fn->min_args) {
        return parser_fail(p, n->pos, "expected at least %d argument(s) in call to \"%s\", got %zu", fn->min_args,
                           fn->name, na),
               VT_NONE;
    } else if (fn->max_args >= 0 && na > (size_t)fn->max_args) {
        return parser_fail(p, n->pos, "expected at most %d argument(s) in call to \"%s\", got %zu", fn->max_args,
                           fn->name, na),
               VT_NONE;
    }
    for (size_t i = 0; i < na; i++) {
        int k = (int)i;
        if (k >= ntypes) {
            if (fn->max_args >= 0) /* not variadic: extra arguments are not checked */
                break;
            k = ntypes - 1;
        }
        value_type t = check(p, &n->call.args[i]);
        if (p->failed)
            return VT_NONE;
        if (t != fn->args[k])
            return parser_fail(p, n->call.args[i]->pos, "expected type %s in call to function \"%s\", got %s",
                               vt_doc(fn->args[k]), fn->name, vt_doc(t)),
                   VT_NONE;
    }
    return fn->ret;
}

static value_type check_agg(parser *p, ast *n)
{
    value_type t = check(p, &n->agg.expr);
    if (p->failed)
        return VT_NONE;
    if (t != VT_VECTOR)
        return parser_fail(p, n->agg.expr->pos, "expected type instant vector in aggregation expression, got %s",
                           vt_doc(t)),
               VT_NONE;
    value_type want = VT_NONE;
    if (n->agg.op == AGG_TOPK || n->agg.op == AGG_BOTTOMK || n->agg.op == AGG_QUANTILE)
        want = VT_SCALAR;
    else if (n->agg.op == AGG_COUNT_VALUES)
        want = VT_STRING;
    if (want != VT_NONE) {
        t = check(p, &n->agg.param);
        if (p->failed)
            return VT_NONE;
        if (t != want)
            return parser_fail(p, n->agg.param->pos, "expected type %s in aggregation parameter, got %s", vt_doc(want),
                               vt_doc(t)),
                   VT_NONE;
    }
    return VT_VECTOR;
}

/* Where Prometheus points for operator errors: the operator itself, i.e.
 * the first non-blank byte after the left operand. */
static int op_pos(parser *p, const ast *n)
{
    size_t i = (size_t)n->bin.lhs->end;
    while (i < p->n && (p->q[i] == ' ' || p->q[i] == '\t' || p->q[i] == '\n' || p->q[i] == '\r'))
        i++;
    return (int)i;
}

static value_type check_binary(parser *p, ast *n)
{
    value_type lt = check(p, &n->bin.lhs);
    if (p->failed)
        return VT_NONE;
    value_type rt = check(p, &n->bin.rhs);
    if (p->failed)
        return VT_NONE;
    bin_op op = n->bin.op;
    if (n->bin.return_bool && !is_comparison(op))
        return parser_fail(p, op_pos(p, n), "bool modifier can only be used on comparison operators"), VT_NONE;
    if (is_comparison(op) && !n->bin.return_bool && lt == VT_SCALAR && rt == VT_SCALAR)
        return parser_fail(p, op_pos(p, n), "comparisons between scalars must use BOOL modifier"), VT_NONE;
    if (is_set_op(op) && n->bin.card == CARD_ONE_TO_ONE)
        n->bin.card = CARD_MANY_TO_MANY;
    if (n->bin.on) {
        for (size_t i = 0; i < n->bin.matching.n; i++)
            for (size_t k = 0; k < n->bin.include.n; k++)
                if (!strcmp(n->bin.matching.names[i], n->bin.include.names[k]))
                    return parser_fail(p, op_pos(p, n), "label \"%s\" must not occur in ON and GROUP clause at once",
                                       n->bin.matching.names[i]),
                           VT_NONE;
    }
    if (lt != VT_SCALAR && lt != VT_VECTOR)
        return parser_fail(p, n->bin.lhs->pos, "binary expression must contain only scalar and instant vector types"),
               VT_NONE;
    if (rt != VT_SCALAR && rt != VT_VECTOR)
        return parser_fail(p, n->bin.rhs->pos, "binary expression must contain only scalar and instant vector types"),
               VT_NONE;
    if (lt != VT_VECTOR || rt != VT_VECTOR) {
        if (n->bin.matching.n > 0)
            return parser_fail(p, n->pos, "vector matching only allowed between instant vectors"), VT_NONE;
        /* Prometheus drops VectorMatching here: nothing to match with a scalar */
        n->bin.card = CARD_ONE_TO_ONE;
        n->bin.on = 0;
        n->bin.has_matching = 0;
        memset(&n->bin.matching, 0, sizeof n->bin.matching);
        memset(&n->bin.include, 0, sizeof n->bin.include);
    } else if (is_set_op(op) && n->bin.card != CARD_MANY_TO_MANY) {
        return parser_fail(p, n->pos, "no grouping allowed for \"%s\" operation", op_name(op)), VT_NONE;
    }
    if ((lt == VT_SCALAR || rt == VT_SCALAR) && is_set_op(op))
        return parser_fail(p, n->pos, "set operator \"%s\" not allowed in binary scalar expression", op_name(op)),
               VT_NONE;
    return lt == VT_SCALAR && rt == VT_SCALAR ? VT_SCALAR : VT_VECTOR;
}

static value_type check(parser *p, ast **np)
{
    ast *n = *np;
    value_type t = VT_NONE;
    switch (n->kind) {
    case AST_NUMBER: t = VT_SCALAR; break;
    case AST_STRING: t = VT_STRING; break;
    case AST_VECTOR_SEL:
    case AST_MATRIX_SEL: t = check_selector(p, n); break;
    case AST_SUBQUERY:
        t = check(p, &n->sub.expr);
        if (!p->failed && t != VT_VECTOR)
            parser_fail(p, n->pos, "subquery is only allowed on instant vector, got %s instead", vt_name(t));
        t = VT_MATRIX;
        break;
    case AST_PAREN: t = check(p, &n->paren.expr); break;
    case AST_UNARY:
        t = check(p, &n->unary.expr);
        if (p->failed)
            break;
        if (t != VT_SCALAR && t != VT_VECTOR) {
            parser_fail(p, n->pos, "unary expression only allowed on expressions of type scalar or instant vector, "
                                   "got \"%s\"", vt_doc(t));
            break;
        }
        if (!n->unary.neg) { /* +x is x (it keeps its metric name, too) */
            ast *c = n->unary.expr;
            c->pos = n->pos;
            *np = c;
            return t;
        }
        break;
    case AST_CALL: t = check_call(p, n); break;
    case AST_AGG: t = check_agg(p, n); break;
    case AST_BINARY: t = check_binary(p, n); break;
    }
    n->type = t;
    return t;
}

int parser_check(parser *p, ast **root)
{
    check(p, root);
    return p->failed ? LOUPE_EINVAL : 0;
}
