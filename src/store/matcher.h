/* matcher.h - PromQL label matchers: =, !=, =~, !~.
 *
 * Regular expressions are RE2 syntax as PromQL uses them, run by PCRE2 and
 * fully anchored: "^(?:re)$" in Prometheus becomes "^(?:re)\z" here (PCRE2's
 * "$" would also match before a final newline; RE2's does not).  A missing
 * label matches as the empty string, so {a=""} selects series without `a`. */
#ifndef LOUPE_MATCHER_H
#define LOUPE_MATCHER_H

#include "util/buf.h"
#include "util/err.h"

typedef enum { MATCH_EQ, MATCH_NEQ, MATCH_RE, MATCH_NRE } match_op;

typedef struct matcher {
    match_op op;
    buf name;          /* owned, NUL-terminated */
    buf value;         /* owned, NUL-terminated (the pattern for RE/NRE) */
    void *re;          /* pcre2_code*, owned; NULL for EQ/NEQ */
    void *md;          /* pcre2_match_data*, owned: a matcher is used by one thread at a time */
    int literal_set;   /* RE whose pattern is a plain literal: compared with memcmp */
} matcher;

/* Initialises m (compiling the regex).  LOUPE_EINVAL with a message for a
 * bad regex.  m must be released with matcher_free() even on failure. */
int matcher_init(matcher *m, match_op op, slice name, slice value, err_ctx *e);
void matcher_free(matcher *m);
/* 1 if `value` (empty slice = label absent) satisfies m. */
int matcher_matches(const matcher *m, slice value);
/* 1 if m accepts the empty string (then it also selects series lacking the label). */
int matcher_matches_empty(const matcher *m);
static inline slice matcher_name(const matcher *m) { return buf_slice(&m->name); }
static inline slice matcher_value(const matcher *m) { return buf_slice(&m->value); }

#endif
