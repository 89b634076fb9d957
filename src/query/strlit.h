/* strlit.h - PromQL string literals: "..." and '...' with Go escapes, and
 * `...` raw strings. */
#ifndef LOUPE_STRLIT_H
#define LOUPE_STRLIT_H

#include "util/buf.h"
#include "util/err.h"

/* Scans a literal starting at s[*i] (a quote character), appends its value
 * to out and advances *i past the closing quote.  LOUPE_EINVAL on an
 * unterminated literal or a bad escape. */
int strlit_scan(slice s, size_t *i, buf *out, err_ctx *e);

#endif
