/* parser.h - PromQL text to syntax tree (ast.h), with Prometheus 2.42's
 * grammar, type checks and error messages. */
#ifndef LOUPE_PARSER_H
#define LOUPE_PARSER_H

#include "query/ast.h"
#include "util/arena.h"
#include "util/err.h"

#include <stddef.h>

/* Parses a PromQL expression.  The tree and its strings live in `a`;
 * call ast_free_matchers(*out) before destroying the arena.  On error:
 * LOUPE_EINVAL and e->msg in Prometheus's format, e.g.
 * "1:14: parse error: unexpected end of input in aggregation" (line and
 * 1-based byte column of the offending token), *out = NULL and nothing left
 * to free but the arena (LOUPE_ENOMEM likewise).  Trees deeper than 1000
 * levels are refused. */
int promql_parse(const char *q, size_t n, arena *a, ast **out, err_ctx *e);

#endif
