/* parser.c - the PromQL parser's entry point, token stream and errors, and
 * the pieces below the expression grammar: number, string and duration
 * literals, selectors with their matchers, grouping label lists and the
 * offset / @ / [range] / [range:step] suffixes.  Messages and positions are
 * those of Prometheus 2.42 (promql/parser/generated_parser.y and parse.go). */
#include "util/mem.h"
#include "query/parser.h"
#include "query/parser_int.h"
#include "query/selector.h"
#include "query/strlit.h"
#include "util/timeparse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ----------------------------------------------------------- */

void *parser_fail(parser *p, int pos, const char *fmt, ...)
{
    if (p->failed)
        return NULL;
    p->failed = 1;
    char msg[sizeof p->e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* ParseErr.Error(): 1-based line, byte column counted from the last newline */
    int line = 1, last_nl = -1;
    for (int i = 0; i < pos && (size_t)i < p->n; i++) {
        if (p->q[i] == '\n') {
            line++;
            last_nl = i;
        }
    }
    err_set(p->e, LOUPE_EINVAL, "%d:%d: parse error: %s", line, pos - last_nl, msg);
    return NULL;
}

void *parser_oom(parser *p)
{
    if (!p->failed) {
        p->failed = 1;
        err_set(p->e, LOUPE_ENOMEM, "out of memory");
    }
    return NULL;
}

void *parser_unexpected(parser *p, const char *ctx, const char *expected)
{
    const lexer_token *t = parser_peek(p);
    if (t->type == TOK_ERROR || p->failed) /* lexical errors are reported once, by parser_peek */
        return NULL;
    buf b = BUF_INIT;
    if (buf_puts(&b, "unexpected ") || lexer_tok_desc(&b, p->q, t) || (ctx && buf_printf(&b, " in %s", ctx)) ||
        (expected && buf_printf(&b, ", expected %s", expected)) || buf_cstr(&b)) {
        buf_free(&b);
        return parser_oom(p);
    }
    parser_fail(p, t->pos, "%s", (const char *)b.p);
    buf_free(&b);
    return NULL;
}

/* ---- tokens and nodes ------------------------------------------------- */

const lexer_token *parser_peek(parser *p)
{
    if (!p->have_tok) {
        lexer_next(&p->lx, &p->tok);
        p->have_tok = 1;
        if (p->tok.type == TOK_ERROR)
            parser_fail(p, p->tok.pos, "%s", p->tok.msg);
    }
    return &p->tok;
}

lexer_token parser_next(parser *p)
{
    parser_peek(p);
    p->have_tok = 0;
    if (p->tok.type != TOK_EOF && p->tok.type != TOK_ERROR)
        p->last_end = p->tok.pos + p->tok.len;
    return p->tok;
}

ast *parser_node(parser *p, ast_kind kind, int pos, int end)
{
    ast *n = arena_calloc(p->a, sizeof *n);
    if (!n)
        return parser_oom(p);
    n->kind = kind;
    n->pos = pos;
    n->end = end;
    return n;
}

char *parser_strdup(parser *p, int pos, int len)
{
    char *s = arena_strndup(p->a, p->q + pos, (size_t)len);
    return s ? s : parser_oom(p);
}

/* ---- literals --------------------------------------------------------- */

/* strconv.ParseInt(s, 0, 64) for what the lexer can produce: decimal, 0x
 * hex and leading-zero octal ("0755" is 493 in PromQL). */
static int go_parse_int(const char *s, size_t n, double *v)
{
    unsigned base = 10;
    size_t i = 0;
    if (n > 1 && s[0] == '0') {
        if (s[1] == 'x' || s[1] == 'X')
            base = 16, i = 2;
        else
            base = 8, i = 1;
    }
    if (i >= n && base == 16)
        return -1;
    uint64_t x = 0;
    for (; i < n; i++) {
        unsigned d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -1;
        if (d >= base || x > (UINT64_MAX - d) / base)
            return -1;
        x = x * base + d;
    }
    if (x > (uint64_t)INT64_MAX)
        return -1;
    *v = (double)(int64_t)x;
    return 0;
}

/* strconv.ParseFloat(s, 64): 0, -1 (syntax) or -2 (out of range). */
static int go_parse_float(const char *s, size_t n, double *v)
{
    static const struct {
        const char *w;
        double v;
    } special[] = { { "inf", INFINITY }, { "infinity", INFINITY }, { "nan", NAN } };
    for (size_t k = 0; k < 3; k++) {
        if (strlen(special[k].w) == n && !strncasecmp(special[k].w, s, n)) {
            *v = special[k].v;
            return 0;
        }
    }
    /* decimal only: a hex float needs a 'p' exponent, which the lexer never scans */
    size_t i = 0, digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (!digits)
        return -1;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e0 = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == e0)
            return -1;
    }
    if (i != n)
        return -1;
    char tmp[128];
    char *heap = NULL, *str = tmp;
    if (n >= sizeof tmp) {
        if (!(heap = malloc(n + 1)))
            return -3;
        str = heap;
    }
    mem_copy(str, s, n);
    str[n] = 0;
    errno = 0;
    *v = strtod(str, NULL);
    int rc = errno == ERANGE && isinf(*v) ? -2 : 0; /* Go reports overflow, not underflow */
    free(heap);
    return rc;
}

int parser_number(parser *p, const lexer_token *t, double *v)
{
    const char *s = p->q + t->pos;
    size_t n = (size_t)t->len;
    if (go_parse_int(s, n, v) == 0)
        return 0;
    int rc = go_parse_float(s, n, v);
    if (rc == 0)
        return 0;
    if (rc == -3) {
        parser_oom(p);
        return LOUPE_ENOMEM;
    }
    buf b = BUF_INIT;
    if (lexer_quote(&b, s, n > 400 ? 400 : n, -1) || buf_cstr(&b)) {
        buf_free(&b);
        parser_oom(p);
        return LOUPE_ENOMEM;
    }
    parser_fail(p, t->pos, "error parsing number: strconv.ParseFloat: parsing %s: %s", (const char *)b.p,
                rc == -2 ? "value out of range" : "invalid syntax");
    buf_free(&b);
    return LOUPE_EINVAL;
}

/* Whether s has the shape of common/model's duration regex
 * ^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$. */
static int duration_shape_ok(const char *s, size_t n)
{
    static const char *units[] = { "y", "w", "d", "h", "m", "s", "ms" };
    size_t i = 0;
    int last = -1;
    while (i < n) {
        size_t d0 = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d0)
            return 0;
        int u = -1;
        if (i + 1 < n && s[i] == 'm' && s[i + 1] == 's')
            u = 6;
        else
            for (int k = 0; k < 6 && i < n; k++)
                if (s[i] == units[k][0])
                    u = k;
        if (u <= last)
            return 0;
        last = u;
        i += strlen(units[u]);
    }
    return n > 0;
}

int parser_duration(parser *p, const lexer_token *t, int64_t *ms)
{
    const char *s = p->q + t->pos;
    size_t n = (size_t)t->len;
    if (parse_promql_duration_ms(slice_make(s, n), ms) != 0) {
        if (duration_shape_ok(s, n)) {
            parser_fail(p, t->pos, "duration out of range");
            return LOUPE_EINVAL;
        }
        buf b = BUF_INIT;
        if (lexer_quote(&b, s, n > 200 ? 200 : n, -1) || buf_cstr(&b)) {
            buf_free(&b);
            parser_oom(p);
            return LOUPE_ENOMEM;
        }
        parser_fail(p, t->pos, "not a valid duration string: %s", (const char *)b.p);
        buf_free(&b);
        return LOUPE_EINVAL;
    }
    if (*ms == 0) {
        parser_fail(p, t->pos, "duration must be greater than 0");
        return LOUPE_EINVAL;
    }
    if (*ms > INT64_MAX / 1000000) { /* Prometheus holds durations in nanoseconds */
        parser_fail(p, t->pos, "duration out of range");
        return LOUPE_EINVAL;
    }
    return 0;
}

int parser_string(parser *p, const lexer_token *t, char **s, size_t *n)
{
    buf b = BUF_INIT;
    err_ctx e2;
    err_clear(&e2);
    size_t i = 0;
    int rc = strlit_scan(slice_make(p->q + t->pos, (size_t)t->len), &i, &b, &e2);
    if (rc == 0) {
        *s = arena_strndup(p->a, b.p ? (const char *)b.p : "", b.n);
        *n = b.n;
        if (!*s)
            rc = LOUPE_ENOMEM;
    }
    buf_free(&b);
    if (rc == LOUPE_ENOMEM)
        parser_oom(p);
    else if (rc) /* the lexer already checked the escapes; kept for safety */
        parser_fail(p, t->pos, "error unquoting string: %s", e2.msg);
    return rc;
}

/* ---- selectors -------------------------------------------------------- */

/* Adds a matcher to the selector under construction (p->pending, grown in
 * the arena; a matcher struct may be moved, its heap state is pointed to). */
static int add_matcher(parser *p, size_t *cap, match_op op, slice name, slice value, int err_pos)
{
    if (p->npending == *cap) {
        size_t c = *cap ? *cap * 2 : 4;
        matcher *m = arena_alloc(p->a, c * sizeof *m);
        if (!m) {
            parser_oom(p);
            return LOUPE_ENOMEM;
        }
        if (p->npending)
            mem_copy(m, p->pending, p->npending * sizeof *m);
        p->pending = m;
        *cap = c;
    }
    err_ctx e2;
    err_clear(&e2);
    int rc = matcher_init(&p->pending[p->npending], op, name, value, &e2);
    p->npending++; /* counted even on failure: matcher_free releases it */
    if (rc == LOUPE_ENOMEM)
        parser_oom(p);
    else if (rc)
        parser_fail(p, err_pos, "%s", e2.msg);
    return rc;
}

static const char LABEL_MATCHING[] = "label matching";

/* label_matchers: '{' [matcher {',' matcher} [',']] '}' */
static int parse_matchers(parser *p, size_t *cap)
{
    parser_next(p); /* '{' */
    for (;;) {
        const lexer_token *t = parser_peek(p);
        if (t->type == TOK_RIGHT_BRACE)
            break;
        if (t->type != TOK_IDENTIFIER)
            return parser_unexpected(p, LABEL_MATCHING, "identifier or \"}\""), LOUPE_EINVAL;
        lexer_token name = parser_next(p);
        t = parser_peek(p);
        match_op op;
        switch (t->type) {
        case TOK_EQL: op = MATCH_EQ; break;
        case TOK_NEQ: op = MATCH_NEQ; break;
        case TOK_EQL_REGEX: op = MATCH_RE; break;
        case TOK_NEQ_REGEX: op = MATCH_NRE; break;
        default: return parser_unexpected(p, LABEL_MATCHING, "label matching operator"), LOUPE_EINVAL;
        }
        parser_next(p);
        t = parser_peek(p);
        if (t->type != TOK_STRING)
            return parser_unexpected(p, LABEL_MATCHING, "string"), LOUPE_EINVAL;
        lexer_token val = parser_next(p);
        char *v;
        size_t vn;
        int rc = parser_string(p, &val, &v, &vn);
        if (rc)
            return rc;
        rc = add_matcher(p, cap, op, slice_make(p->q + name.pos, (size_t)name.len), slice_make(v, vn), name.pos);
        if (rc)
            return rc;
        t = parser_peek(p);
        if (t->type == TOK_COMMA) {
            parser_next(p);
            continue;
        }
        if (t->type == TOK_RIGHT_BRACE)
            break;
        return parser_unexpected(p, LABEL_MATCHING, "\",\" or \"}\""), LOUPE_EINVAL;
    }
    parser_next(p); /* '}' */
    return 0;
}

ast *parser_selector(parser *p, const lexer_token *name_tok)
{
    size_t cap = 0;
    const lexer_token *t;
    int pos = name_tok ? name_tok->pos : parser_peek(p)->pos;
    ast *n = parser_node(p, AST_VECTOR_SEL, pos, 0);
    if (!n)
        return NULL;
    n->type = VT_VECTOR;
    p->pending = NULL;
    p->npending = 0;
    if (name_tok) {
        if (!(n->sel.name = parser_strdup(p, name_tok->pos, name_tok->len)))
            return NULL;
        if (add_matcher(p, &cap, MATCH_EQ, slice_cstr("__name__"), slice_cstr(n->sel.name), pos))
            return NULL;
        t = parser_peek(p);
        if (t->type == TOK_ERROR)
            return NULL;
        if (t->type == TOK_LEFT_BRACE && parse_matchers(p, &cap))
            return NULL;
    } else if (parse_matchers(p, &cap)) {
        return NULL;
    }
    if (p->nsels == p->csels) {
        size_t c = p->csels ? p->csels * 2 : 8;
        ast **s = realloc(p->sels, c * sizeof *s);
        if (!s)
            return parser_oom(p);
        p->sels = s;
        p->csels = c;
    }
    n->sel.ms = p->pending;
    n->sel.nms = p->npending;
    p->sels[p->nsels++] = n;
    p->pending = NULL;
    p->npending = 0;
    n->end = p->last_end;
    return n;
}

/* ---- grouping labels -------------------------------------------------- */

/* Tokens accepted as a label inside grouping parentheses: the grammar's
 * maybe_label (keywords may name labels; `without` and Inf/NaN may not). */
static int maybe_label(lexer_tok t)
{
    switch (t) {
    case TOK_IDENTIFIER: case TOK_METRIC_IDENTIFIER:
    case TOK_BOOL: case TOK_BY: case TOK_GROUP_LEFT: case TOK_GROUP_RIGHT: case TOK_IGNORING:
    case TOK_OFFSET: case TOK_ON: case TOK_START: case TOK_END:
    case TOK_LAND: case TOK_LOR: case TOK_LUNLESS: case TOK_ATAN2:
        return 1;
    default:
        return lexer_is_aggregator(t);
    }
}

static const char GROUPING[] = "grouping opts";

int parser_grouping(parser *p, name_list *out)
{
    const lexer_token *t = parser_peek(p);
    size_t cap = 0;
    out->names = NULL;
    out->n = 0;
    if (t->type != TOK_LEFT_PAREN)
        return parser_unexpected(p, GROUPING, "\"(\""), LOUPE_EINVAL;
    parser_next(p);
    for (;;) {
        t = parser_peek(p);
        if (t->type == TOK_RIGHT_PAREN)
            break;
        if (!maybe_label(t->type) || !is_label_name(slice_make(p->q + t->pos, (size_t)t->len)))
            return parser_unexpected(p, GROUPING, "label"), LOUPE_EINVAL;
        lexer_token l = parser_next(p);
        if (out->n == cap) {
            size_t c = cap ? cap * 2 : 4;
            char **names = arena_alloc(p->a, c * sizeof *names);
            if (!names)
                return parser_oom(p), LOUPE_ENOMEM;
            if (out->n)
                mem_copy(names, out->names, out->n * sizeof *names);
            out->names = names;
            cap = c;
        }
        if (!(out->names[out->n++] = parser_strdup(p, l.pos, l.len)))
            return LOUPE_ENOMEM;
        t = parser_peek(p);
        if (t->type == TOK_COMMA) {
            parser_next(p);
            continue;
        }
        if (t->type == TOK_RIGHT_PAREN)
            break;
        return parser_unexpected(p, GROUPING, "\",\" or \")\""), LOUPE_EINVAL;
    }
    parser_next(p); /* ')' */
    return 0;
}

/* ---- offset, @, [range], [range:step] ---------------------------------- */

static time_mod *time_mod_of(ast *e)
{
    if (e->kind == AST_VECTOR_SEL || e->kind == AST_MATRIX_SEL)
        return &e->sel.tm;
    if (e->kind == AST_SUBQUERY)
        return &e->sub.tm;
    return NULL;
}

static ast *parse_offset(parser *p, ast *e)
{
    parser_next(p); /* offset */
    const lexer_token *t = parser_peek(p);
    int neg = 0;
    if (t->type == TOK_SUB) {
        parser_next(p);
        neg = 1;
        t = parser_peek(p);
    }
    if (t->type != TOK_DURATION)
        return parser_unexpected(p, "offset", "duration");
    lexer_token d = parser_next(p);
    int64_t ms;
    if (parser_duration(p, &d, &ms))
        return NULL;
    time_mod *tm = time_mod_of(e);
    if (!tm)
        return parser_fail(p, e->pos, "offset modifier must be preceded by an instant vector selector or range "
                                      "vector selector or a subquery");
    if (tm->offset_ms != 0) /* a duration is never 0, so 0 means unset */
        return parser_fail(p, e->pos, "offset may not be set multiple times");
    tm->offset_ms = neg ? -ms : ms;
    e->end = p->last_end;
    return e;
}

static ast *parse_at(parser *p, ast *e)
{
    parser_next(p); /* @ */
    const lexer_token *t = parser_peek(p);
    at_kind kind = AT_TIME;
    double ts = 0;
    if (t->type == TOK_START || t->type == TOK_END) {
        kind = t->type == TOK_START ? AT_START : AT_END;
        parser_next(p);
        if (parser_peek(p)->type != TOK_LEFT_PAREN)
            return parser_unexpected(p, "@", "timestamp");
        parser_next(p);
        if (parser_peek(p)->type != TOK_RIGHT_PAREN)
            return parser_unexpected(p, "@", "timestamp");
        parser_next(p);
    } else {
        int neg = 0;
        if (t->type == TOK_ADD || t->type == TOK_SUB) {
            neg = t->type == TOK_SUB;
            parser_next(p);
            t = parser_peek(p);
        }
        if (t->type != TOK_NUMBER)
            return parser_unexpected(p, "@", "timestamp");
        lexer_token num = parser_next(p);
        if (parser_number(p, &num, &ts))
            return NULL;
        if (neg)
            ts = -ts;
        if (isinf(ts) || isnan(ts) || ts >= 9223372036854775807.0 || ts <= -9223372036854775808.0) {
            char v[400];
            if (isnan(ts))
                snprintf(v, sizeof v, "NaN");
            else if (isinf(ts))
                snprintf(v, sizeof v, "%s", ts > 0 ? "+Inf" : "-Inf");
            else
                snprintf(v, sizeof v, "%f", ts);
            return parser_fail(p, e->pos, "timestamp out of bounds for @ modifier: %s", v);
        }
    }
    time_mod *tm = time_mod_of(e);
    if (!tm)
        return parser_fail(p, e->pos, "@ modifier must be preceded by an instant vector selector or range vector "
                                      "selector or a subquery");
    if (tm->at != AT_NONE)
        return parser_fail(p, e->pos, "@ <timestamp> may not be set multiple times");
    tm->at = kind;
    if (kind == AT_TIME) {
        /* timestamp.FromFloatSeconds: int64(math.Round(ts * 1000)); Go's
         * out-of-range conversion yields INT64_MIN on amd64 */
        double r = round(ts * 1000.0);
        tm->at_ms = r < 9223372036854775808.0 && r >= -9223372036854775808.0 ? (int64_t)r : INT64_MIN;
    }
    e->end = p->last_end;
    return e;
}

static ast *parse_brackets(parser *p, ast *e, int *depth)
{
    lexer_token lb = parser_next(p); /* [ */
    const lexer_token *t = parser_peek(p);
    if (t->type != TOK_DURATION)
        return parser_unexpected(p, "subquery selector", "duration");
    lexer_token d = parser_next(p);
    int64_t range;
    if (parser_duration(p, &d, &range))
        return NULL;
    t = parser_peek(p);
    if (t->type == TOK_RIGHT_BRACKET) {
        parser_next(p);
        const char *why = NULL;
        if (e->kind != AST_VECTOR_SEL)
            why = "ranges only allowed for vector selectors";
        else if (e->sel.tm.offset_ms != 0)
            why = "no offset modifiers allowed before range";
        else if (e->sel.tm.at == AT_TIME) /* 2.42 lets `x @ end()[5m]` through: it tests Timestamp only */
            why = "no @ modifiers allowed before range";
        if (why)
            return parser_fail(p, lb.pos, "%s", why);
        e->kind = AST_MATRIX_SEL; /* the same node: its matchers stay registered once */
        e->type = VT_MATRIX;
        e->sel.range_ms = range;
        e->end = p->last_end;
        return e;
    }
    if (t->type != TOK_COLON)
        return parser_unexpected(p, "subquery or range", "\":\" or \"]\"");
    parser_next(p);
    int64_t step = 0;
    t = parser_peek(p);
    if (t->type == TOK_DURATION) {
        lexer_token sd = parser_next(p);
        if (parser_duration(p, &sd, &step))
            return NULL;
        if (parser_peek(p)->type != TOK_RIGHT_BRACKET)
            return parser_unexpected(p, "subquery selector", "\"]\"");
    } else if (t->type != TOK_RIGHT_BRACKET) {
        return parser_unexpected(p, "subquery selector", "duration or \"]\"");
    }
    parser_next(p); /* ] */
    if (++*depth > PARSER_MAX_DEPTH)
        return parser_fail(p, lb.pos, "expression nesting too deep (more than %d levels)", PARSER_MAX_DEPTH);
    ast *s = parser_node(p, AST_SUBQUERY, e->pos, p->last_end);
    if (!s)
        return NULL;
    s->type = VT_MATRIX;
    s->sub.expr = e;
    s->sub.range_ms = range;
    s->sub.step_ms = step;
    return s;
}

ast *parser_postfix(parser *p, ast *e, int *depth)
{
    while (e) {
        const lexer_token *t = parser_peek(p);
        if (t->type == TOK_OFFSET)
            e = parse_offset(p, e);
        else if (t->type == TOK_AT)
            e = parse_at(p, e);
        else if (t->type == TOK_LEFT_BRACKET)
            e = parse_brackets(p, e, depth);
        else if (t->type == TOK_ERROR)
            return NULL;
        else
            break;
    }
    return e;
}

/* ---- entry point ------------------------------------------------------ */

int promql_parse(const char *q, size_t n, arena *a, ast **out, err_ctx *e)
{
    parser p;
    memset(&p, 0, sizeof p);
    p.q = q ? q : "";
    p.n = q ? n : 0;
    p.a = a;
    p.e = e;
    *out = NULL;
    if (p.n > INT32_MAX / 2)
        return err_set(e, LOUPE_ETOOBIG, "query too long");
    lexer_init(&p.lx, p.q, p.n);
    ast *root = NULL;
    const lexer_token *t = parser_peek(&p);
    if (t->type == TOK_EOF) {
        parser_fail(&p, 0, "no expression found in input");
    } else if (t->type != TOK_ERROR) {
        int depth = 0;
        root = parser_expr(&p, &depth);
        if (root && parser_peek(&p)->type != TOK_EOF)
            parser_unexpected(&p, NULL, NULL);
    }
    if (!p.failed)
        parser_check(&p, &root);
    if (p.failed) {
        for (size_t i = 0; i < p.nsels; i++) {
            for (size_t k = 0; k < p.sels[i]->sel.nms; k++)
                matcher_free(&p.sels[i]->sel.ms[k]);
            p.sels[i]->sel.nms = 0;
        }
        for (size_t k = 0; k < p.npending; k++)
            matcher_free(&p.pending[k]);
        free(p.sels);
        return e->code ? e->code : LOUPE_EINVAL;
    }
    free(p.sels);
    *out = root;
    return 0;
}
