/* parser_int.h - state shared by the PromQL parser's files: parser.c (entry,
 * tokens, errors, literals, selectors and modifiers), parser_expr.c (the
 * expression grammar) and parser_check.c (Prometheus's type checks, run
 * after a successful parse). */
#ifndef LOUPE_PARSER_INT_H
#define LOUPE_PARSER_INT_H

#include "query/ast.h"
#include "query/lexer.h"
#include "util/arena.h"
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

/* Deepest tree accepted: recursion in the parser, the checker, the printer
 * and the evaluator is bounded by it.  Prometheus has no limit (Go stacks
 * grow); a real query nests a few dozen levels. */
#define PARSER_MAX_DEPTH 1000

typedef struct parser {
    const char *q;
    size_t n;
    arena *a;
    err_ctx *e;
    int failed;          /* an error is recorded in e; unwind */
    lexer lx;
    lexer_token tok;     /* the lookahead, valid when have_tok */
    int have_tok;
    int last_end;        /* end offset of the last consumed token */
    int agg_depth;       /* inside an aggregation's (...): errors say "in aggregation" */
    int nest;            /* parser recursion depth */
    /* matchers own PCRE2 state: every selector built so far, so a failed
     * parse can release them, plus the one under construction */
    ast **sels;
    size_t nsels, csels;
    matcher *pending;
    size_t npending;
} parser;

/* Records "LINE:COL: parse error: MSG" at byte offset pos (first error
 * wins).  Returns NULL so callers can `return parser_fail(...)`. */
void *parser_fail(parser *p, int pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void *parser_oom(parser *p);
/* "unexpected <lookahead>[ in CTX][, expected EXP]" at the lookahead. */
void *parser_unexpected(parser *p, const char *ctx, const char *expected);

/* The lookahead (lexing it on demand; a lexical error fails the parse). */
const lexer_token *parser_peek(parser *p);
/* Consumes the lookahead. */
lexer_token parser_next(parser *p);

ast *parser_node(parser *p, ast_kind kind, int pos, int end);
char *parser_strdup(parser *p, int pos, int len);

/* Literals: the value of a NUMBER token and of a DURATION token (ms, > 0). */
int parser_number(parser *p, const lexer_token *t, double *v);
int parser_duration(parser *p, const lexer_token *t, int64_t *ms);
/* A STRING token's value, unquoted, in the arena. */
int parser_string(parser *p, const lexer_token *t, char **s, size_t *n);

/* `{a="b", c=~"d"}` after an optional metric name (name_tok NULL if none;
 * the lookahead is '{' then). */
ast *parser_selector(parser *p, const lexer_token *name_tok);
/* `(a, b, c)` of by/without/on/ignoring/group_left/group_right. */
int parser_grouping(parser *p, name_list *out);
/* `offset`, `@` and `[...]` after an expression; *depth is updated. */
ast *parser_postfix(parser *p, ast *e, int *depth);

/* The expression grammar (parser_expr.c): a whole expression. */
ast *parser_expr(parser *p, int *depth);

/* Prometheus's checkAST (parser_check.c): types, operator rules, selector
 * rules.  Sets every node's type, drops unary plus, normalises vector
 * matching.  0 or LOUPE_EINVAL (error recorded through p). */
int parser_check(parser *p, ast **root);

#endif
