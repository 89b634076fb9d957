/* lexer.c - PromQL tokens, scanned the way Prometheus 2.42's lex.go scans
 * them.  Its quirks are kept on purpose, because they decide which queries
 * parse and where errors point: keywords are case-insensitive, a number
 * directly followed by a unit letter is a duration, the text after '[' must
 * be a duration, and an error is reported at the start of the token being
 * scanned (except "unexpected right parenthesis", reported after it). */
#include "query/lexer.h"
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { ST_STATEMENTS, ST_BRACES, ST_DURATION, ST_DONE };

#define RUNE_EOF (-1)
#define RUNE_ERROR 0xFFFD

/* ---- runes ------------------------------------------------------------ */

/* Decodes one UTF-8 rune as Go's utf8.DecodeRune does: an invalid or
 * truncated sequence is U+FFFD of width 1. */
static int decode_rune(const unsigned char *s, size_t n, int *width)
{
    unsigned c = s[0];
    *width = 1;
    if (c < 0x80)
        return (int)c;
    int need;
    unsigned r, min;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1, r = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2, r = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3, r = c & 0x07, min = 0x10000;
    } else {
        return RUNE_ERROR;
    }
    if ((size_t)need >= n)
        return RUNE_ERROR;
    for (int i = 1; i <= need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return RUNE_ERROR;
        r = r << 6 | (s[i] & 0x3f);
    }
    if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
        return RUNE_ERROR;
    *width = need + 1;
    return (int)r;
}

/* Approximates Go's unicode.IsPrint: ASCII graphic characters and space,
 * and most of the rest of Unicode except controls, format characters and
 * private use. */
static int rune_printable(int r)
{
    if (r < 0x80)
        return r >= 0x20 && r < 0x7f;
    if (r < 0xa0 || r == 0xad || (r >= 0x200b && r <= 0x200f) || (r >= 0x2028 && r <= 0x202e) ||
        (r >= 0x2060 && r <= 0x206f) || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb) || (r >= 0xe000 && r <= 0xf8ff) ||
        r >= 0xf0000 || r > 0x10ffff)
        return 0;
    return 1;
}

static int put_rune(char *out, int r)
{
    unsigned u = (unsigned)r;
    if (u < 0x80) {
        out[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        out[0] = (char)(0xc0 | u >> 6);
        out[1] = (char)(0x80 | (u & 0x3f));
        return 2;
    }
    if (u < 0x10000) {
        out[0] = (char)(0xe0 | u >> 12);
        out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
        out[2] = (char)(0x80 | (u & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | u >> 18);
    out[1] = (char)(0x80 | ((u >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((u >> 6) & 0x3f));
    out[3] = (char)(0x80 | (u & 0x3f));
    return 4;
}

/* Appends the escaped form of rune r (Go strconv's appendEscapedRune). */
static void escape_rune(char *out, size_t *k, int r, int quote)
{
    static const char named[] = "\a\b\f\n\r\t\v";
    static const char letters[] = "abfnrtv";
    if (r == quote || r == '\\') {
        out[(*k)++] = '\\';
        out[(*k)++] = (char)r;
        return;
    }
    if (rune_printable(r)) {
        *k += (size_t)put_rune(out + *k, r);
        return;
    }
    const char *p = r > 0 && r < 0x80 ? strchr(named, r) : NULL;
    if (p) {
        out[(*k)++] = '\\';
        out[(*k)++] = letters[p - named];
    } else if (r < 0x80) {
        *k += (size_t)sprintf(out + *k, "\\x%02x", (unsigned)r);
    } else if (r < 0x10000) {
        *k += (size_t)sprintf(out + *k, "\\u%04x", (unsigned)r);
    } else {
        *k += (size_t)sprintf(out + *k, "\\U%08x", (unsigned)r);
    }
}

/* Go's %q of a rune: 'x', '\n', '\x00'; end of input prints as U+FFFD. */
static void quote_rune(char *out, int r)
{
    size_t k = 0;
    if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
        r = RUNE_ERROR;
    out[k++] = '\'';
    escape_rune(out, &k, r, '\'');
    out[k++] = '\'';
    out[k] = 0;
}

/* Go's %#U: "U+0063 'c'", or "U+000A" for an unprintable rune. */
static void unicode_fmt(char *out, int r)
{
    if (r < 0)
        r = RUNE_ERROR;
    int k = sprintf(out, "U+%04X", (unsigned)r);
    if (rune_printable(r)) {
        out[k++] = ' ';
        out[k++] = '\'';
        k += put_rune(out + k, r);
        out[k++] = '\'';
    }
    out[k] = 0;
}

int lexer_quote(buf *out, const char *s, size_t n, int max_runes)
{
    const unsigned char *p = (const unsigned char *)s;
    if (buf_putc(out, '"'))
        return LOUPE_ENOMEM;
    for (size_t i = 0; i < n && max_runes != 0; max_runes--) {
        int w, r = decode_rune(p + i, n - i, &w);
        char tmp[16];
        size_t k = 0;
        if (r == RUNE_ERROR && w == 1)
            k = (size_t)sprintf(tmp, "\\x%02x", p[i]);
        else
            escape_rune(tmp, &k, r, '"');
        if (buf_append(out, tmp, k))
            return LOUPE_ENOMEM;
        i += (size_t)w;
    }
    return buf_putc(out, '"');
}

/* ---- scanner primitives (lex.go's next/peek/backup/accept) ------------- */

static int next(lexer *l)
{
    if (l->pos >= l->n) {
        l->width = 0;
        return RUNE_EOF;
    }
    int r = decode_rune(l->s + l->pos, l->n - l->pos, &l->width);
    l->pos += (size_t)l->width;
    return r;
}

static void backup(lexer *l) { l->pos -= (size_t)l->width; }

static int peek(lexer *l)
{
    int r = next(l);
    backup(l);
    return r;
}

static int accept(lexer *l, const char *valid)
{
    int r = next(l);
    if (r > 0 && r < 0x80 && strchr(valid, r))
        return 1;
    backup(l);
    return 0;
}

static void accept_run(lexer *l, const char *valid)
{
    while (accept(l, valid))
        ;
}

static int is_space(int r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }
static int is_alpha(int r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
static int is_digit(int r) { return r >= '0' && r <= '9'; }
static int is_alnum(int r) { return is_alpha(r) || is_digit(r); }

static void emit(lexer *l, lexer_token *t, lexer_tok type)
{
    t->type = type;
    t->pos = (int)l->start;
    t->len = (int)(l->pos - l->start);
    t->msg = NULL;
    l->start = l->pos;
}

static void errorf(lexer *l, lexer_token *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errorf(lexer *l, lexer_token *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->msg, sizeof l->msg, fmt, ap);
    va_end(ap);
    t->type = TOK_ERROR;
    t->pos = (int)l->start;
    t->len = 0;
    t->msg = l->msg;
    l->state = ST_DONE;
}

/* The current token's text, Go-quoted, for "bad ... syntax: %q" messages. */
static void error_text(lexer *l, lexer_token *t, const char *what)
{
    buf b = BUF_INIT;
    size_t len = l->pos - l->start;
    if (len > 100)
        len = 100;
    if (lexer_quote(&b, (const char *)l->s + l->start, len, -1) || buf_cstr(&b))
        errorf(l, t, "%s", what);
    else
        errorf(l, t, "%s: %s", what, (const char *)b.p);
    buf_free(&b);
}

static void skip_line_comment(lexer *l)
{
    while (l->pos < l->n && l->s[l->pos] != '\n' && l->s[l->pos] != '\r')
        l->pos++;
    l->start = l->pos;
}

/* ---- numbers and durations -------------------------------------------- */

/* Scans a number-like run; 1 if it is not followed by an alphanumeric
 * character (the parser decides whether the text is a valid number). */
static int scan_number(lexer *l)
{
    const char *digits = "0123456789";
    if (accept(l, "0") && accept(l, "xX"))
        digits = "0123456789abcdefABCDEF";
    accept_run(l, digits);
    if (accept(l, "."))
        accept_run(l, digits);
    if (accept(l, "eE")) {
        accept(l, "+-");
        accept_run(l, "0123456789");
    }
    return !is_alnum(peek(l));
}

/* After the digits of a duration: units and further digit runs.  Bad unit
 * combinations ("5hs") pass here and fail when the parser checks them. */
static int accept_remaining_duration(lexer *l)
{
    if (!accept(l, "smhdwy"))
        return 0;
    accept(l, "s");
    while (accept(l, "0123456789")) {
        accept_run(l, "0123456789");
        if (!accept(l, "smhdw")) /* y must come first */
            return 0;
        accept(l, "s");
    }
    return !is_alnum(next(l));
}

static void lex_number_or_duration(lexer *l, lexer_token *t)
{
    if (scan_number(l)) {
        emit(l, t, TOK_NUMBER);
        return;
    }
    if (accept_remaining_duration(l)) {
        backup(l);
        emit(l, t, TOK_DURATION);
        return;
    }
    error_text(l, t, "bad number or duration syntax");
}

/* Right after '[': a duration and nothing else. */
static void lex_duration(lexer *l, lexer_token *t)
{
    if (scan_number(l)) {
        errorf(l, t, "missing unit character in duration");
        return;
    }
    if (!accept_remaining_duration(l)) {
        error_text(l, t, "bad duration syntax");
        return;
    }
    backup(l);
    emit(l, t, TOK_DURATION);
}

/* ---- strings ---------------------------------------------------------- */

static int digit_val(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 16;
}

/* One escape after '\' (Go's scanner rules); 0 or -1 with the error set. */
static int lex_escape(lexer *l, lexer_token *t, int quote)
{
    char u[24];
    int n;
    unsigned base, max;
    int ch = next(l);
    switch (ch) {
    case 'a': case 'b': case 'f': case 'n': case 'r': case 't': case 'v': case '\\':
        return 0;
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        n = 3, base = 8, max = 255;
        break;
    case 'x':
        ch = next(l), n = 2, base = 16, max = 255;
        break;
    case 'u':
        ch = next(l), n = 4, base = 16, max = 0x10ffff;
        break;
    case 'U':
        ch = next(l), n = 8, base = 16, max = 0x10ffff;
        break;
    case RUNE_EOF:
        errorf(l, t, "escape sequence not terminated");
        return -1;
    default:
        if (ch == quote)
            return 0;
        unicode_fmt(u, ch);
        errorf(l, t, "unknown escape sequence %s", u);
        return -1;
    }
    unsigned x = 0;
    while (n > 0) {
        unsigned d = (unsigned)digit_val(ch);
        if (d >= base) {
            if (ch == RUNE_EOF) {
                errorf(l, t, "escape sequence not terminated");
            } else {
                unicode_fmt(u, ch);
                errorf(l, t, "illegal character %s in escape sequence", u);
            }
            return -1;
        }
        x = x * base + d;
        if (--n > 0)
            ch = next(l);
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) {
        errorf(l, t, "escape sequence is an invalid Unicode code point");
        return -1;
    }
    return 0;
}

static void lex_string(lexer *l, lexer_token *t, int quote)
{
    for (;;) {
        int r = next(l);
        if (r == '\\') {
            if (lex_escape(l, t, quote))
                return;
        } else if (r == RUNE_ERROR) {
            /* Go compares with utf8.RuneError, so a literal U+FFFD fails too */
            errorf(l, t, "invalid UTF-8 rune");
            return;
        } else if (r == RUNE_EOF || r == '\n') {
            errorf(l, t, "unterminated quoted string");
            return;
        } else if (r == quote) {
            break;
        }
    }
    emit(l, t, TOK_STRING);
}

static void lex_raw_string(lexer *l, lexer_token *t)
{
    for (;;) {
        int r = next(l);
        if (r == RUNE_ERROR) {
            errorf(l, t, "invalid UTF-8 rune");
            return;
        }
        if (r == RUNE_EOF) {
            errorf(l, t, "unterminated raw string");
            return;
        }
        if (r == '`')
            break;
    }
    emit(l, t, TOK_STRING);
}

/* ---- identifiers and keywords ----------------------------------------- */

static const struct {
    const char *word;
    lexer_tok tok;
} KEYWORDS[] = {
    { "and", TOK_LAND },          { "or", TOK_LOR },
    { "unless", TOK_LUNLESS },    { "atan2", TOK_ATAN2 },
    { "sum", TOK_SUM },           { "avg", TOK_AVG },
    { "count", TOK_COUNT },       { "min", TOK_MIN },
    { "max", TOK_MAX },           { "group", TOK_GROUP },
    { "stddev", TOK_STDDEV },     { "stdvar", TOK_STDVAR },
    { "topk", TOK_TOPK },         { "bottomk", TOK_BOTTOMK },
    { "count_values", TOK_COUNT_VALUES }, { "quantile", TOK_QUANTILE },
    { "offset", TOK_OFFSET },     { "by", TOK_BY },
    { "without", TOK_WITHOUT },   { "on", TOK_ON },
    { "ignoring", TOK_IGNORING }, { "group_left", TOK_GROUP_LEFT },
    { "group_right", TOK_GROUP_RIGHT }, { "bool", TOK_BOOL },
    { "start", TOK_START },       { "end", TOK_END },
    { "inf", TOK_NUMBER },        { "nan", TOK_NUMBER },
};

static void lex_keyword_or_identifier(lexer *l, lexer_token *t)
{
    int r;
    do
        r = next(l);
    while (is_alnum(r) || r == ':');
    backup(l);
    const char *w = (const char *)l->s + l->start;
    size_t n = l->pos - l->start;
    for (size_t k = 0; k < sizeof KEYWORDS / sizeof KEYWORDS[0]; k++) {
        if (strlen(KEYWORDS[k].word) == n && !strncasecmp(KEYWORDS[k].word, w, n)) {
            emit(l, t, KEYWORDS[k].tok);
            return;
        }
    }
    emit(l, t, memchr(w, ':', n) ? TOK_METRIC_IDENTIFIER : TOK_IDENTIFIER);
}

/* ---- states ----------------------------------------------------------- */

/* lexInsideBraces: label matchers.  Keywords are plain identifiers here.
 * 1 when a token (or error) was produced, 0 after skipping blanks. */
static int lex_braces(lexer *l, lexer_token *t)
{
    char q[16];
    if (l->pos < l->n && l->s[l->pos] == '#') {
        skip_line_comment(l);
        return 0;
    }
    int r = next(l);
    if (r == RUNE_EOF) {
        errorf(l, t, "unexpected end of input inside braces");
    } else if (is_space(r)) {
        while (is_space(peek(l)))
            next(l);
        l->start = l->pos;
        return 0;
    } else if (is_alpha(r)) {
        while (is_alnum(next(l)))
            ;
        backup(l);
        emit(l, t, TOK_IDENTIFIER);
    } else if (r == ',') {
        emit(l, t, TOK_COMMA);
    } else if (r == '"' || r == '\'') {
        lex_string(l, t, r);
    } else if (r == '`') {
        lex_raw_string(l, t);
    } else if (r == '=') {
        if (next(l) == '~') {
            emit(l, t, TOK_EQL_REGEX);
        } else {
            backup(l);
            emit(l, t, TOK_EQL);
        }
    } else if (r == '!') {
        int nr = next(l);
        if (nr == '~') {
            emit(l, t, TOK_NEQ_REGEX);
        } else if (nr == '=') {
            emit(l, t, TOK_NEQ);
        } else {
            quote_rune(q, nr);
            errorf(l, t, "unexpected character after '!' inside braces: %s", q);
        }
    } else if (r == '{') {
        errorf(l, t, "unexpected left brace '{'");
    } else if (r == '}') {
        emit(l, t, TOK_RIGHT_BRACE);
        l->brace_open = 0;
        l->state = ST_STATEMENTS;
    } else {
        quote_rune(q, r);
        errorf(l, t, "unexpected character inside braces: %s", q);
    }
    return 1;
}

/* lexStatements: everything outside braces. */
static int lex_statements(lexer *l, lexer_token *t)
{
    char q[16];
    if (l->pos < l->n && l->s[l->pos] == '#') {
        skip_line_comment(l);
        return 0;
    }
    int r = next(l);
    switch (r) {
    case RUNE_EOF:
        if (l->paren_depth != 0) {
            errorf(l, t, "unclosed left parenthesis");
        } else if (l->bracket_open) {
            errorf(l, t, "unclosed left bracket");
        } else {
            emit(l, t, TOK_EOF);
            l->state = ST_DONE;
        }
        return 1;
    case ',': emit(l, t, TOK_COMMA); return 1;
    case '*': emit(l, t, TOK_MUL); return 1;
    case '/': emit(l, t, TOK_DIV); return 1;
    case '%': emit(l, t, TOK_MOD); return 1;
    case '+': emit(l, t, TOK_ADD); return 1;
    case '-': emit(l, t, TOK_SUB); return 1;
    case '^': emit(l, t, TOK_POW); return 1;
    case '@': emit(l, t, TOK_AT); return 1;
    case '=': {
        int p = peek(l);
        if (p == '=') {
            next(l);
            emit(l, t, TOK_EQLC);
        } else if (p == '~') {
            errorf(l, t, "unexpected character after '=': '~'");
        } else {
            emit(l, t, TOK_EQL);
        }
        return 1;
    }
    case '!': {
        int p = next(l);
        if (p == '=') {
            emit(l, t, TOK_NEQ);
        } else {
            quote_rune(q, p);
            errorf(l, t, "unexpected character after '!': %s", q);
        }
        return 1;
    }
    case '<':
        if (peek(l) == '=') {
            next(l);
            emit(l, t, TOK_LTE);
        } else {
            emit(l, t, TOK_LSS);
        }
        return 1;
    case '>':
        if (peek(l) == '=') {
            next(l);
            emit(l, t, TOK_GTE);
        } else {
            emit(l, t, TOK_GTR);
        }
        return 1;
    case '"':
    case '\'':
        lex_string(l, t, r);
        return 1;
    case '`':
        lex_raw_string(l, t);
        return 1;
    case '(':
        emit(l, t, TOK_LEFT_PAREN);
        l->paren_depth++;
        return 1;
    case ')':
        emit(l, t, TOK_RIGHT_PAREN);
        if (--l->paren_depth < 0)
            errorf(l, t, "unexpected right parenthesis ')'"); /* at l->start: after the ')' */
        return 1;
    case '{':
        emit(l, t, TOK_LEFT_BRACE);
        l->brace_open = 1;
        l->state = ST_BRACES;
        return 1;
    case '[':
        if (l->bracket_open) {
            errorf(l, t, "unexpected left bracket '['");
            return 1;
        }
        l->got_colon = 0;
        emit(l, t, TOK_LEFT_BRACKET);
        while (is_space(peek(l)))
            next(l);
        l->start = l->pos;
        l->bracket_open = 1;
        l->state = ST_DURATION;
        return 1;
    case ']':
        if (!l->bracket_open) {
            errorf(l, t, "unexpected right bracket ']'");
            return 1;
        }
        emit(l, t, TOK_RIGHT_BRACKET);
        l->bracket_open = 0;
        return 1;
    default:
        break;
    }
    if (is_space(r)) {
        while (is_space(peek(l)))
            next(l);
        l->start = l->pos;
        return 0;
    }
    if (is_digit(r) || (r == '.' && is_digit(peek(l)))) {
        backup(l);
        lex_number_or_duration(l, t);
        return 1;
    }
    if (is_alpha(r) || r == ':') {
        if (!l->bracket_open) {
            backup(l);
            lex_keyword_or_identifier(l, t);
            return 1;
        }
        /* Inside brackets lex.go turns any letter or ':' into the subquery
         * colon (so `x[5m y]` reads as `x[5m:]`); kept for parity. */
        if (l->got_colon) {
            quote_rune(q, r);
            errorf(l, t, "unexpected colon %s", q);
            return 1;
        }
        emit(l, t, TOK_COLON);
        l->got_colon = 1;
        return 1;
    }
    quote_rune(q, r);
    errorf(l, t, "unexpected character: %s", q);
    return 1;
}

void lexer_init(lexer *l, const char *q, size_t n)
{
    memset(l, 0, sizeof *l);
    l->s = (const unsigned char *)q;
    l->n = n;
    l->state = ST_STATEMENTS;
}

void lexer_next(lexer *l, lexer_token *t)
{
    for (;;) {
        switch (l->state) {
        case ST_DONE:
            t->type = TOK_EOF;
            t->pos = (int)l->start;
            t->len = 0;
            t->msg = NULL;
            return;
        case ST_DURATION:
            l->state = ST_STATEMENTS;
            lex_duration(l, t);
            return;
        case ST_BRACES:
            if (lex_braces(l, t))
                return;
            break;
        default:
            if (l->brace_open) {
                l->state = ST_BRACES;
                break;
            }
            if (lex_statements(l, t))
                return;
            break;
        }
    }
}

/* ---- token classes and descriptions ----------------------------------- */

int lexer_is_operator(lexer_tok t) { return t >= TOK_ADD && t <= TOK_AT; }
int lexer_is_aggregator(lexer_tok t) { return t >= TOK_AVG && t <= TOK_TOPK; }
int lexer_is_keyword(lexer_tok t) { return t >= TOK_BOOL && t <= TOK_WITHOUT; }

int lexer_tok_desc(buf *out, const char *text, const lexer_token *t)
{
    const char *v = text + t->pos;
    size_t n = (size_t)t->len;
    const char *kind = NULL;
    int rc;
    switch (t->type) {
    case TOK_EOF: return buf_puts(out, "end of input");
    case TOK_ERROR: return buf_puts(out, t->msg ? t->msg : "error");
    case TOK_IDENTIFIER: kind = "identifier "; break;
    case TOK_METRIC_IDENTIFIER: kind = "metric identifier "; break;
    case TOK_NUMBER: kind = "number "; break;
    case TOK_STRING: kind = "string "; break;
    case TOK_DURATION: kind = "duration "; break;
    default: break;
    }
    if (t->type == TOK_AT) /* AT has no entry in lex.go's ItemTypeStr: Item.desc() prints its raw number */
        return buf_puts(out, "\"<Item 57385>\" <op:@>");
    if (lexer_is_operator(t->type) || lexer_is_aggregator(t->type) || lexer_is_keyword(t->type)) {
        const char *pre = lexer_is_operator(t->type) ? "<op:" : lexer_is_aggregator(t->type) ? "<aggr:" : "<";
        return buf_printf(out, "%s%.*s>", pre, (int)n, v);
    }
    if (kind && (rc = buf_puts(out, kind)))
        return rc;
    /* Go's Item.String(): long literal values are cut to 10 characters */
    if (t->type != TOK_IDENTIFIER && t->type != TOK_METRIC_IDENTIFIER && n > 10) {
        if ((rc = lexer_quote(out, v, n, 10)))
            return rc;
        return buf_puts(out, "...");
    }
    return lexer_quote(out, v, n, -1);
}
