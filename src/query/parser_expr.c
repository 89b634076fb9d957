/* parser_expr.c - the PromQL expression grammar by recursive descent with
 * precedence climbing, reproducing what Prometheus 2.42's yacc grammar
 * decides through its precedence declarations:
 *
 *   or  <  and unless  <  == != <= < >= >  <  + -  <  * / % atan2  <  ^
 *
 * all left-associative except ^.  Unary minus/plus has the precedence of *,
 * so it binds tighter than every binary operator but ^ (-2^2 = -(2^2)), and
 * folds into a number literal (-1 is one node).  offset, @ and [..] bind to
 * the primary expression just before them.  Aggregation keywords, `by`,
 * `without`, `and`, `or`, `unless`, `offset`, `start` and `end` name metrics
 * where an expression starts and no '(' (or by/without after an aggregation
 * keyword) follows: `sum`, `a + offset`, `start{end="x"}`. */
#include "util/mem.h"
#include "query/parser_int.h"

#include <string.h>

enum { PREC_OR = 1, PREC_AND, PREC_CMP, PREC_ADD, PREC_MUL, PREC_POW };

static int binop(lexer_tok t, bin_op *op)
{
    switch (t) {
    case TOK_LOR: *op = BIN_OR; return PREC_OR;
    case TOK_LAND: *op = BIN_AND; return PREC_AND;
    case TOK_LUNLESS: *op = BIN_UNLESS; return PREC_AND;
    case TOK_EQLC: *op = BIN_EQ; return PREC_CMP;
    case TOK_NEQ: *op = BIN_NE; return PREC_CMP;
    case TOK_LTE: *op = BIN_LE; return PREC_CMP;
    case TOK_LSS: *op = BIN_LT; return PREC_CMP;
    case TOK_GTE: *op = BIN_GE; return PREC_CMP;
    case TOK_GTR: *op = BIN_GT; return PREC_CMP;
    case TOK_ADD: *op = BIN_ADD; return PREC_ADD;
    case TOK_SUB: *op = BIN_SUB; return PREC_ADD;
    case TOK_MUL: *op = BIN_MUL; return PREC_MUL;
    case TOK_DIV: *op = BIN_DIV; return PREC_MUL;
    case TOK_MOD: *op = BIN_MOD; return PREC_MUL;
    case TOK_ATAN2: *op = BIN_ATAN2; return PREC_MUL;
    case TOK_POW: *op = BIN_POW; return PREC_POW;
    default: return 0;
    }
}

static int agg_of(lexer_tok t, agg_op *op)
{
    static const struct {
        lexer_tok t;
        agg_op op;
    } map[] = {
        { TOK_SUM, AGG_SUM },       { TOK_AVG, AGG_AVG },         { TOK_MIN, AGG_MIN },
        { TOK_MAX, AGG_MAX },       { TOK_COUNT, AGG_COUNT },     { TOK_STDDEV, AGG_STDDEV },
        { TOK_STDVAR, AGG_STDVAR }, { TOK_GROUP, AGG_GROUP },     { TOK_TOPK, AGG_TOPK },
        { TOK_BOTTOMK, AGG_BOTTOMK }, { TOK_QUANTILE, AGG_QUANTILE }, { TOK_COUNT_VALUES, AGG_COUNT_VALUES },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].t == t) {
            *op = map[i].op;
            return 1;
        }
    }
    return 0;
}

/* The context Prometheus names in a generic syntax error: its yacc error
 * recovery unwinds to the innermost aggregation, if any, else to the top. */
static const char *err_ctx_name(parser *p) { return p->agg_depth > 0 ? "aggregation" : NULL; }

static ast *too_deep(parser *p)
{
    return parser_fail(p, parser_peek(p)->pos, "expression nesting too deep (more than %d levels)", PARSER_MAX_DEPTH);
}

static ast *parse_binary(parser *p, int min_prec, int *depth);

/* FIRST(expr) of the grammar. */
static int starts_expr(lexer_tok t)
{
    switch (t) {
    case TOK_NUMBER: case TOK_STRING: case TOK_IDENTIFIER: case TOK_METRIC_IDENTIFIER:
    case TOK_LEFT_BRACE: case TOK_LEFT_PAREN: case TOK_ADD: case TOK_SUB:
    case TOK_BY: case TOK_WITHOUT: case TOK_LAND: case TOK_LOR: case TOK_LUNLESS:
    case TOK_OFFSET: case TOK_START: case TOK_END:
        return 1;
    default:
        return lexer_is_aggregator(t);
    }
}

/* function_call_body: '(' [expr {',' expr}] ')'; a trailing comma is an
 * error of its own, as in Prometheus. */
static int parse_args(parser *p, ast ***args, size_t *nargs, int *depth)
{
    size_t cap = 0;
    *args = NULL;
    *nargs = 0;
    *depth = 0;
    parser_next(p); /* '(' */
    if (parser_peek(p)->type == TOK_RIGHT_PAREN) {
        parser_next(p);
        return 0;
    }
    for (;;) {
        int d = 0;
        ast *e = parse_binary(p, PREC_OR, &d);
        if (!e)
            return LOUPE_EINVAL;
        if (d > *depth)
            *depth = d;
        if (*nargs == cap) {
            size_t c = cap ? cap * 2 : 4;
            ast **a = arena_alloc(p->a, c * sizeof *a);
            if (!a)
                return parser_oom(p), LOUPE_ENOMEM;
            if (*nargs)
                mem_copy(a, *args, *nargs * sizeof *a);
            *args = a;
            cap = c;
        }
        (*args)[(*nargs)++] = e;
        const lexer_token *t = parser_peek(p);
        if (t->type == TOK_COMMA) {
            /* yacc reduces `args ','` unless an expression follows, so
             * `f(a,)` and `f(a,,)` both blame the comma */
            lexer_token comma = parser_next(p);
            t = parser_peek(p);
            if (t->type == TOK_ERROR)
                return LOUPE_EINVAL;
            if (!starts_expr(t->type))
                return parser_fail(p, comma.pos, "trailing commas not allowed in function call args"), LOUPE_EINVAL;
            continue;
        }
        if (t->type == TOK_RIGHT_PAREN)
            break;
        return parser_unexpected(p, err_ctx_name(p), NULL), LOUPE_EINVAL;
    }
    parser_next(p); /* ')' */
    return 0;
}

static ast *parse_call(parser *p, const lexer_token *name, int *depth)
{
    ast **args;
    size_t nargs;
    int d;
    if (parse_args(p, &args, &nargs, &d))
        return NULL;
    /* looked up after the arguments: Prometheus reports syntax errors inside them first */
    const func_def *fn = func_lookup(p->q + name->pos, (size_t)name->len);
    if (!fn)
        return parser_fail(p, name->pos, "unknown function with name \"%.*s\"", name->len, p->q + name->pos);
    ast *n = parser_node(p, AST_CALL, name->pos, p->last_end);
    if (!n)
        return NULL;
    n->type = fn->ret;
    n->call.fn = fn;
    n->call.args = args;
    n->call.nargs = nargs;
    *depth = d + 1;
    return n;
}

static int parse_agg_modifier(parser *p, ast *n)
{
    lexer_tok t = parser_next(p).type; /* by | without */
    n->agg.without = t == TOK_WITHOUT;
    n->agg.has_grouping = 1;
    return parser_grouping(p, &n->agg.grouping);
}

/* aggregate_expr: op [by|without (...)] '(' [param ','] expr ')' [by|without (...)] */
static ast *parse_aggregate(parser *p, const lexer_token *optok, int *depth)
{
    ast *n = parser_node(p, AST_AGG, optok->pos, 0);
    if (!n)
        return NULL;
    n->type = VT_VECTOR;
    agg_of(optok->type, &n->agg.op);
    const lexer_token *t = parser_peek(p);
    int modifier_first = t->type == TOK_BY || t->type == TOK_WITHOUT;
    if (modifier_first && parse_agg_modifier(p, n))
        return NULL;
    if (parser_peek(p)->type != TOK_LEFT_PAREN)
        return parser_unexpected(p, "aggregation", NULL);
    ast **args;
    size_t nargs;
    int d;
    p->agg_depth++;
    int rc = parse_args(p, &args, &nargs, &d);
    p->agg_depth--;
    if (rc)
        return NULL;
    if (!modifier_first) {
        t = parser_peek(p);
        if ((t->type == TOK_BY || t->type == TOK_WITHOUT) && parse_agg_modifier(p, n))
            return NULL;
        if (t->type == TOK_ERROR)
            return NULL;
    }
    n->end = p->last_end;
    if (nargs == 0)
        return parser_fail(p, n->pos, "no arguments for aggregate expression provided");
    agg_op op = n->agg.op;
    size_t want = op == AGG_TOPK || op == AGG_BOTTOMK || op == AGG_QUANTILE || op == AGG_COUNT_VALUES ? 2 : 1;
    if (nargs != want)
        return parser_fail(p, n->pos, "wrong number of arguments for aggregate expression provided, expected %zu, got %zu",
                           want, nargs);
    n->agg.param = want == 2 ? args[0] : NULL;
    n->agg.expr = args[want - 1];
    *depth = d + 1;
    return n;
}

static ast *parse_primary(parser *p, int *depth)
{
    const lexer_token *t = parser_peek(p);
    lexer_token tok;
    ast *n;
    *depth = 1;
    switch (t->type) {
    case TOK_NUMBER:
        tok = parser_next(p);
        if (!(n = parser_node(p, AST_NUMBER, tok.pos, p->last_end)))
            return NULL;
        n->type = VT_SCALAR;
        return parser_number(p, &tok, &n->number) ? NULL : n;
    case TOK_STRING:
        tok = parser_next(p);
        if (!(n = parser_node(p, AST_STRING, tok.pos, p->last_end)))
            return NULL;
        n->type = VT_STRING;
        return parser_string(p, &tok, &n->str.s, &n->str.n) ? NULL : n;
    case TOK_LEFT_PAREN: {
        tok = parser_next(p);
        int d = 0;
        ast *e = parse_binary(p, PREC_OR, &d);
        if (!e)
            return NULL;
        if (parser_peek(p)->type != TOK_RIGHT_PAREN)
            return parser_unexpected(p, err_ctx_name(p), NULL);
        parser_next(p);
        if (!(n = parser_node(p, AST_PAREN, tok.pos, p->last_end)))
            return NULL;
        n->type = e->type;
        n->paren.expr = e;
        *depth = d + 1;
        return n;
    }
    case TOK_LEFT_BRACE:
        return parser_selector(p, NULL);
    case TOK_IDENTIFIER:
        tok = parser_next(p);
        if (parser_peek(p)->type == TOK_LEFT_PAREN)
            return parse_call(p, &tok, depth);
        return p->failed ? NULL : parser_selector(p, &tok);
    case TOK_METRIC_IDENTIFIER:
    case TOK_BY:
    case TOK_WITHOUT:
    case TOK_LAND:
    case TOK_LOR:
    case TOK_LUNLESS:
    case TOK_OFFSET:
    case TOK_START:
    case TOK_END:
        /* the grammar's metric_identifier: these keywords may name a metric */
        tok = parser_next(p);
        return parser_selector(p, &tok);
    default:
        break;
    }
    if (lexer_is_aggregator(t->type)) {
        tok = parser_next(p);
        t = parser_peek(p);
        if (t->type == TOK_LEFT_PAREN || t->type == TOK_BY || t->type == TOK_WITHOUT)
            return parse_aggregate(p, &tok, depth);
        return p->failed ? NULL : parser_selector(p, &tok);
    }
    return parser_unexpected(p, err_ctx_name(p), NULL);
}

/* unary_expr: ('+' | '-') expr, with the precedence of '*'. */
static ast *parse_unary(parser *p, int *depth)
{
    const lexer_token *t = parser_peek(p);
    if (t->type != TOK_ADD && t->type != TOK_SUB) {
        ast *e = parse_primary(p, depth);
        return e ? parser_postfix(p, e, depth) : NULL;
    }
    lexer_token op = parser_next(p);
    int d = 0;
    ast *e = parse_binary(p, PREC_POW, &d);
    if (!e)
        return NULL;
    if (e->kind == AST_NUMBER) {
        if (op.type == TOK_SUB)
            e->number = -e->number;
        e->pos = op.pos;
        *depth = d;
        return e;
    }
    ast *n = parser_node(p, AST_UNARY, op.pos, e->end);
    if (!n)
        return NULL;
    /* unary plus stays a node until the type check has seen it (`+"a"` is an error) */
    n->unary.neg = op.type == TOK_SUB;
    n->unary.expr = e;
    n->type = e->type;
    *depth = d + 1;
    return n;
}

static ast *parse_binary(parser *p, int min_prec, int *depth)
{
    if (++p->nest > PARSER_MAX_DEPTH)
        return too_deep(p);
    int ld = 0;
    ast *lhs = parse_unary(p, &ld);
    while (lhs) {
        const lexer_token *t = parser_peek(p);
        bin_op op;
        int prec = binop(t->type, &op);
        if (!prec || prec < min_prec)
            break;
        parser_next(p);
        ast *b = parser_node(p, AST_BINARY, lhs->pos, 0);
        if (!b)
            return NULL;
        b->bin.op = op;
        b->bin.card = CARD_ONE_TO_ONE;
        /* bin_modifier: [bool] [on|ignoring (...) [group_left|group_right [(...)]]] */
        t = parser_peek(p);
        if (t->type == TOK_BOOL) {
            parser_next(p);
            b->bin.return_bool = 1;
            t = parser_peek(p);
        }
        if (t->type == TOK_ON || t->type == TOK_IGNORING) {
            b->bin.on = parser_next(p).type == TOK_ON;
            b->bin.has_matching = 1;
            if (parser_grouping(p, &b->bin.matching))
                return NULL;
            t = parser_peek(p);
            if (t->type == TOK_GROUP_LEFT || t->type == TOK_GROUP_RIGHT) {
                b->bin.card = parser_next(p).type == TOK_GROUP_LEFT ? CARD_MANY_TO_ONE : CARD_ONE_TO_MANY;
                /* '(' here is always the label list (yacc shifts), never the operand */
                t = parser_peek(p);
                if (t->type == TOK_LEFT_PAREN) {
                    if (parser_grouping(p, &b->bin.include))
                        return NULL;
                } else if (t->type != TOK_ERROR && !starts_expr(t->type)) {
                    return parser_unexpected(p, "grouping opts", "\"(\"");
                }
            }
        }
        if (p->failed)
            return NULL;
        int rd = 0;
        ast *rhs = parse_binary(p, prec == PREC_POW ? prec : prec + 1, &rd);
        if (!rhs)
            return NULL;
        b->bin.lhs = lhs;
        b->bin.rhs = rhs;
        b->end = rhs->end;
        ld = 1 + (ld > rd ? ld : rd);
        if (ld > PARSER_MAX_DEPTH)
            return too_deep(p);
        lhs = b;
    }
    p->nest--;
    *depth = ld;
    return lhs;
}

ast *parser_expr(parser *p, int *depth) { return parse_binary(p, PREC_OR, depth); }
