/* matcher.c - label matchers over PCRE2 (JIT-compiled when available). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "store/matcher.h"

#include <pcre2.h>
#include <stdio.h>
#include <string.h>

/* A pattern with no regex metacharacters is matched as a literal. */
static int is_literal(slice v)
{
    for (size_t i = 0; i < v.n; i++)
        if (strchr("\\.+*?()|[]{}^$", v.p[i]))
            return 0;
    return 1;
}

int matcher_init(matcher *m, match_op op, slice name, slice value, err_ctx *e)
{
    memset(m, 0, sizeof *m);
    m->op = op;
    if (buf_append(&m->name, name.p, name.n) || buf_cstr(&m->name) || buf_append(&m->value, value.p, value.n) ||
        buf_cstr(&m->value))
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    if (op != MATCH_RE && op != MATCH_NRE)
        return 0;
    if (is_literal(value)) {
        m->literal_set = 1;
        return 0;
    }
    buf pat = BUF_INIT;
    int rc = 0;
    if (buf_puts(&pat, "^(?:") || buf_append(&pat, value.p, value.n) || buf_puts(&pat, ")\\z")) {
        rc = err_set(e, LOUPE_ENOMEM, "out of memory");
        goto cleanup;
    }
    int errcode;
    PCRE2_SIZE erroff;
    /* the pattern must be a regex on its own: "a)|(b" would otherwise escape
     * the anchoring wrapper below */
    pcre2_code *alone = pcre2_compile(value.p ? value.p : (const uint8_t *)"", value.n, PCRE2_UTF, &errcode, &erroff,
                                      NULL);
    if (!alone) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        rc = err_set(e, LOUPE_EINVAL, "invalid regular expression \"%.*s\": %s", (int)(value.n > 200 ? 200 : value.n),
                     (const char *)value.p, (const char *)msg);
        goto cleanup;
    }
    pcre2_code_free(alone);
    /* The pattern comes from the query: let PCRE2 check its UTF-8 (with
     * PCRE2_NO_UTF_CHECK an invalid pattern is undefined behaviour).
     * Subjects are label values, validated at ingest, so matching skips it. */
    pcre2_code *re = pcre2_compile(pat.p, pat.n, PCRE2_UTF, &errcode, &erroff, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        rc = err_set(e, LOUPE_EINVAL, "invalid regular expression \"%.*s\": %s", (int)(value.n > 200 ? 200 : value.n),
                     (const char *)value.p, (const char *)msg);
        goto cleanup;
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* best effort: falls back to the interpreter */
    m->re = re;
    m->md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!m->md)
        rc = err_set(e, LOUPE_ENOMEM, "out of memory");
cleanup:
    buf_free(&pat);
    return rc;
}

void matcher_free(matcher *m)
{
    if (!m)
        return;
    buf_free(&m->name);
    buf_free(&m->value);
    if (m->md)
        pcre2_match_data_free(m->md);
    if (m->re)
        pcre2_code_free(m->re);
    m->re = m->md = NULL;
}

static int re_match(const matcher *m, slice v)
{
    if (m->literal_set)
        return slice_eq(v, buf_slice(&m->value));
    const uint8_t *subj = v.p ? v.p : (const uint8_t *)"";
    int r = pcre2_match((pcre2_code *)m->re, subj, v.n, 0, PCRE2_NO_UTF_CHECK, (pcre2_match_data *)m->md, NULL);
    return r >= 0;
}

int matcher_matches(const matcher *m, slice v)
{
    switch (m->op) {
    case MATCH_EQ: return slice_eq(v, buf_slice(&m->value));
    case MATCH_NEQ: return !slice_eq(v, buf_slice(&m->value));
    case MATCH_RE: return re_match(m, v);
    case MATCH_NRE: return !re_match(m, v);
    }
    return 0;
}

int matcher_matches_empty(const matcher *m) { return matcher_matches(m, slice_make("", 0)); }
