/* lexer.h - the PromQL tokenizer, following Prometheus 2.42's lexer
 * (promql/parser/lex.go) state for state, so that tokens, their positions
 * and the lexical errors ("unclosed left parenthesis", "bad duration syntax: \"5mm\"") are
 * the ones Prometheus reports.
 *
 * Internal to the query module: the parser embeds a lexer by value and pulls
 * one token at a time.  A token borrows its text from the query string. */
#ifndef LOUPE_LEXER_H
#define LOUPE_LEXER_H

#include "util/buf.h"

#include <stddef.h>

typedef enum {
    TOK_EOF,
    TOK_ERROR, /* lexical error: the lexer's msg says why; pos is where */
    TOK_IDENTIFIER,
    TOK_METRIC_IDENTIFIER, /* an identifier containing ':' */
    TOK_NUMBER,            /* 1, 0x1f, 1e3, .5, and the words Inf / NaN */
    TOK_STRING,            /* raw text including the quotes */
    TOK_DURATION,          /* 5m, 1h30m (units are checked by the parser) */
    TOK_LEFT_PAREN,
    TOK_RIGHT_PAREN,
    TOK_LEFT_BRACE,
    TOK_RIGHT_BRACE,
    TOK_LEFT_BRACKET,
    TOK_RIGHT_BRACKET,
    TOK_COMMA,
    TOK_EQL, /* '=' */
    TOK_COLON,
    /* operators */
    TOK_ADD,
    TOK_SUB,
    TOK_MUL,
    TOK_DIV,
    TOK_MOD,
    TOK_POW,
    TOK_EQLC, /* == */
    TOK_NEQ,
    TOK_LSS,
    TOK_LTE,
    TOK_GTR,
    TOK_GTE,
    TOK_EQL_REGEX,
    TOK_NEQ_REGEX,
    TOK_LAND,
    TOK_LOR,
    TOK_LUNLESS,
    TOK_ATAN2,
    TOK_AT,
    /* aggregators */
    TOK_AVG,
    TOK_BOTTOMK,
    TOK_COUNT,
    TOK_COUNT_VALUES,
    TOK_GROUP,
    TOK_MAX,
    TOK_MIN,
    TOK_QUANTILE,
    TOK_STDDEV,
    TOK_STDVAR,
    TOK_SUM,
    TOK_TOPK,
    /* keywords */
    TOK_BOOL,
    TOK_BY,
    TOK_GROUP_LEFT,
    TOK_GROUP_RIGHT,
    TOK_IGNORING,
    TOK_OFFSET,
    TOK_ON,
    TOK_WITHOUT,
    /* @ preprocessors */
    TOK_START,
    TOK_END,
} lexer_tok;

typedef struct lexer_token {
    lexer_tok type;
    int pos;         /* byte offset of the first character */
    int len;         /* bytes of text (0 for EOF and errors) */
    const char *msg; /* TOK_ERROR only: points into the lexer; valid until the next lexer_next */
} lexer_token;

typedef struct lexer {
    const unsigned char *s;
    size_t n;
    size_t pos, start;
    int width; /* bytes of the rune last read by the scanner (for backing up) */
    int state;
    int paren_depth;
    int brace_open, bracket_open, got_colon;
    char msg[160];
} lexer;

/* Starts lexing q[0..n).  Nothing is allocated. */
void lexer_init(lexer *l, const char *q, size_t n);
/* The next token (comments are skipped).  After TOK_EOF or TOK_ERROR it
 * keeps returning TOK_EOF. */
void lexer_next(lexer *l, lexer_token *t);

/* Appends the token as Prometheus names it in "unexpected ..." messages:
 * `end of input`, `identifier "foo"`, `<op:+>`, `<aggr:sum>`, `<by>`,
 * `number "1"`, `","`.  text is the query the token came from.  0 or
 * LOUPE_ENOMEM. */
int lexer_tok_desc(buf *out, const char *text, const lexer_token *t);

/* Go's %q of a byte string (strconv.Quote), shared with the AST printer:
 * escapes quotes, backslashes, control and invalid bytes.  max_runes < 0 =
 * all; otherwise only the first max_runes characters are quoted. */
int lexer_quote(buf *out, const char *s, size_t n, int max_runes);

/* Keyword tokens (aggregators, keywords, and/or/unless/atan2, start/end). */
int lexer_is_aggregator(lexer_tok t);
int lexer_is_keyword(lexer_tok t);
int lexer_is_operator(lexer_tok t);

#endif
