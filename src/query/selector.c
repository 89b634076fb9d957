/* selector.c - parse series selectors (the match[] of the Prometheus API). */
#include "query/selector.h"
#include "query/strlit.h"

#include <stdlib.h>
#include <string.h>

static int is_alpha(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

int is_label_name(slice s)
{
    if (s.n == 0 || !is_alpha(s.p[0]))
        return 0;
    for (size_t i = 1; i < s.n; i++)
        if (!is_alpha(s.p[i]) && !is_digit(s.p[i]))
            return 0;
    return 1;
}

int is_metric_name(slice s)
{
    if (s.n == 0 || !(is_alpha(s.p[0]) || s.p[0] == ':'))
        return 0;
    for (size_t i = 1; i < s.n; i++)
        if (!is_alpha(s.p[i]) && !is_digit(s.p[i]) && s.p[i] != ':')
            return 0;
    return 1;
}

static void skip_ws(slice s, size_t *i)
{
    while (*i < s.n && (s.p[*i] == ' ' || s.p[*i] == '\t' || s.p[*i] == '\n' || s.p[*i] == '\r'))
        (*i)++;
}

void selector_free(matcher *ms, size_t n)
{
    for (size_t i = 0; i < n; i++)
        matcher_free(&ms[i]);
    free(ms);
}

static int push(matcher **ms, size_t *n, size_t *cap, match_op op, slice name, slice val, err_ctx *e)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 4;
        matcher *nm = realloc(*ms, c * sizeof *nm);
        if (!nm)
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        *ms = nm;
        *cap = c;
    }
    int rc = matcher_init(&(*ms)[*n], op, name, val, e);
    (*n)++; /* counted even on failure so selector_free releases it */
    return rc;
}

int selector_parse(slice s, matcher **out, size_t *nout, err_ctx *e)
{
    matcher *ms = NULL;
    size_t n = 0, cap = 0, i = 0;
    buf val = BUF_INIT;
    int rc = 0;
    skip_ws(s, &i);
    size_t ns = i;
    while (i < s.n && (is_alpha(s.p[i]) || is_digit(s.p[i]) || s.p[i] == ':'))
        i++;
    slice name = slice_make(s.p + ns, i - ns);
    if (name.n) {
        if (!is_metric_name(name)) {
            rc = err_set(e, LOUPE_EINVAL, "invalid metric name at position %zu", ns);
            goto done;
        }
        if ((rc = push(&ms, &n, &cap, MATCH_EQ, slice_cstr("__name__"), name, e)))
            goto done;
    }
    skip_ws(s, &i);
    if (i < s.n && s.p[i] == '{') {
        i++;
        for (;;) {
            skip_ws(s, &i);
            if (i < s.n && s.p[i] == '}') {
                i++;
                break;
            }
            size_t ls = i;
            while (i < s.n && (is_alpha(s.p[i]) || is_digit(s.p[i])))
                i++;
            slice lname = slice_make(s.p + ls, i - ls);
            if (!is_label_name(lname)) {
                rc = err_set(e, LOUPE_EINVAL, "parse error at char %zu: unexpected character inside braces", ls + 1);
                goto done;
            }
            skip_ws(s, &i);
            match_op op;
            if (i + 1 < s.n && s.p[i] == '=' && s.p[i + 1] == '~') {
                op = MATCH_RE;
                i += 2;
            } else if (i + 1 < s.n && s.p[i] == '!' && s.p[i + 1] == '~') {
                op = MATCH_NRE;
                i += 2;
            } else if (i + 1 < s.n && s.p[i] == '!' && s.p[i + 1] == '=') {
                op = MATCH_NEQ;
                i += 2;
            } else if (i < s.n && s.p[i] == '=') {
                op = MATCH_EQ;
                i++;
            } else {
                rc = err_set(e, LOUPE_EINVAL, "parse error at char %zu: expected a label matching operator", i + 1);
                goto done;
            }
            skip_ws(s, &i);
            if (i >= s.n || (s.p[i] != '"' && s.p[i] != '\'' && s.p[i] != '`')) {
                rc = err_set(e, LOUPE_EINVAL, "parse error at char %zu: expected a string", i + 1);
                goto done;
            }
            val.n = 0;
            if ((rc = strlit_scan(s, &i, &val, e)))
                goto done;
            if (name.n && slice_eq_cstr(lname, "__name__")) {
                rc = err_set(e, LOUPE_EINVAL, "metric name must not be set twice");
                goto done;
            }
            if ((rc = push(&ms, &n, &cap, op, lname, buf_slice(&val), e)))
                goto done;
            skip_ws(s, &i);
            if (i < s.n && s.p[i] == ',') {
                i++;
                continue;
            }
            if (i < s.n && s.p[i] == '}') {
                i++;
                break;
            }
            rc = err_set(e, LOUPE_EINVAL, "parse error at char %zu: expected \",\" or \"}\"", i + 1);
            goto done;
        }
    }
    skip_ws(s, &i);
    if (i != s.n || n == 0) {
        rc = err_set(e, LOUPE_EINVAL, "parse error: invalid series selector \"%.*s\"", (int)(s.n > 200 ? 200 : s.n),
                     (const char *)s.p);
        goto done;
    }
    int nonempty = 0;
    for (size_t k = 0; k < n; k++)
        nonempty |= !matcher_matches_empty(&ms[k]);
    if (!nonempty) {
        rc = err_set(e, LOUPE_EINVAL, "match[] must contain at least one non-empty matcher");
        goto done;
    }
done:
    buf_free(&val);
    if (rc) {
        selector_free(ms, n);
        return rc;
    }
    *out = ms;
    *nout = n;
    return 0;
}
