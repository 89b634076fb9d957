/* ast.h - the PromQL syntax tree: what the parser produces and the evaluator
 * walks.  Every node and string lives in the arena the parser was given;
 * free the whole tree with that arena.  Matchers are the exception: they own
 * PCRE2 state, so ast_free_matchers() must run before the arena goes. */
#ifndef LOUPE_AST_H
#define LOUPE_AST_H

#include "query/functions.h"
#include "store/matcher.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    AST_NUMBER,     /* 1, 0x1f, 1e3, Inf, NaN */
    AST_STRING,     /* "x" */
    AST_VECTOR_SEL, /* foo{a="b"} offset 5m @ 123 */
    AST_MATRIX_SEL, /* foo{a="b"}[5m] offset 5m @ 123 */
    AST_SUBQUERY,   /* <expr>[30m:1m] offset 5m @ end() */
    AST_CALL,       /* rate(x[5m]) */
    AST_AGG,        /* sum by (a) (x), topk(3, x) */
    AST_BINARY,     /* a + on(b) group_left(c) b */
    AST_UNARY,      /* -x (unary + is dropped by the parser) */
    AST_PAREN,      /* (x) */
} ast_kind;

typedef enum {
    BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_MOD, BIN_POW, BIN_ATAN2,
    BIN_EQ, BIN_NE, BIN_GT, BIN_LT, BIN_GE, BIN_LE,
    BIN_AND, BIN_OR, BIN_UNLESS,
} bin_op;

typedef enum {
    AGG_SUM, AGG_AVG, AGG_MIN, AGG_MAX, AGG_COUNT, AGG_STDDEV, AGG_STDVAR, AGG_GROUP,
    AGG_TOPK, AGG_BOTTOMK, AGG_QUANTILE, AGG_COUNT_VALUES,
} agg_op;

typedef enum {
    CARD_ONE_TO_ONE, CARD_MANY_TO_ONE /* group_left */, CARD_ONE_TO_MANY /* group_right */,
    CARD_MANY_TO_MANY /* and / or / unless */,
} card_kind;

typedef enum { AT_NONE, AT_TIME, AT_START, AT_END } at_kind;

/* A list of label names (by/without, on/ignoring, group_left(...)). */
typedef struct name_list {
    char **names; /* NUL-terminated, in the order written */
    size_t n;
} name_list;

/* @ and offset, shared by selectors and subqueries. */
typedef struct time_mod {
    int64_t offset_ms;  /* positive = into the past; may be negative */
    at_kind at;
    int64_t at_ms;      /* for AT_TIME: the @ timestamp in ms (float seconds * 1000, rounded) */
} time_mod;

typedef struct ast ast;

struct ast {
    ast_kind kind;
    value_type type; /* the node's result type (functions.h) */
    int pos;         /* byte offset of the node's first character in the query */
    int end;         /* byte offset one past its last character */
    union {
        double number;
        struct {
            char *s;
            size_t n;
        } str;
        struct {
            char *name;      /* metric name if written as `name{...}` or `name`, else NULL */
            matcher *ms;     /* all matchers, including __name__="name" for a written name */
            size_t nms;
            int64_t range_ms; /* AST_MATRIX_SEL only */
            time_mod tm;
        } sel;
        struct {
            ast *expr;
            int64_t range_ms;
            int64_t step_ms; /* 0 = the query's default (the query step, or 1m for instant queries) */
            time_mod tm;
        } sub;
        struct {
            const func_def *fn;
            ast **args;
            size_t nargs;
        } call;
        struct {
            agg_op op;
            ast *expr;
            ast *param;      /* topk/bottomk/quantile/count_values parameter, else NULL */
            name_list grouping;
            int without;     /* 1: `without (...)`, 0: `by (...)` or none */
            int has_grouping;/* a by/without clause was written (even empty) */
        } agg;
        struct {
            bin_op op;
            ast *lhs, *rhs;
            int return_bool;     /* `bool` modifier on a comparison */
            card_kind card;
            int on;              /* 1: on(...), 0: ignoring(...) or no clause */
            int has_matching;    /* an on/ignoring clause was written */
            name_list matching;  /* the on/ignoring labels */
            name_list include;   /* the group_left/group_right labels */
        } bin;
        struct {
            int neg;
            ast *expr;
        } unary;
        struct {
            ast *expr;
        } paren;
    };
};

/* Releases the PCRE2 state of every matcher in the tree (the nodes
 * themselves live in the arena). */
void ast_free_matchers(ast *n);

/* Appends n as Prometheus's Expr.String() prints it (the canonical form,
 * e.g. `sum by (job) (rate(x{a="b"}[5m] offset 1m))`).  0 or LOUPE_ENOMEM. */
int ast_format(const ast *n, buf *out);

#endif
