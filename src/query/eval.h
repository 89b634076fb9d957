/* eval.h - PromQL evaluation over the series store, with Prometheus 2.42's
 * semantics: 5-minute lookback (both ends included), staleness markers end
 * a series, range selectors include both ends of their window, subquery
 * steps aligned to absolute time, rate/increase/delta extrapolation.
 *
 * A query result is owned by the arena passed in. */
#ifndef LOUPE_EVAL_H
#define LOUPE_EVAL_H

#include "query/ast.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdint.h>

typedef struct promql_opts {
    int64_t lookback_ms;     /* 300000 */
    int64_t sub_step_ms;     /* default subquery step: 60000 */
    size_t max_samples;      /* points a query may hold */
    int64_t timeout_ms;
    int threads;             /* series evaluated in parallel */
} promql_opts;

void promql_opts_default(promql_opts *o);

/* A result series: labels and points (time-ordered). */
typedef struct qseries {
    slice lab;
    int64_t *t;
    double *v;
    size_t n;
} qseries;

typedef struct qresult {
    value_type type;      /* VT_SCALAR, VT_VECTOR, VT_MATRIX or VT_STRING */
    qseries *series;      /* vector / matrix; a scalar is one series with empty labels */
    size_t n;
    slice str;
    int matrix_from_range; /* instant query returning a range vector */
} qresult;

/* Evaluates root at the steps start, start+step, ... <= end (an instant
 * query: start == end, step ignored).  Errors: LOUPE_EEXEC (e.g. duplicate
 * label sets), LOUPE_ELIMIT (too many samples), LOUPE_ETIMEOUT, with the
 * message Prometheus gives. */
/* Prometheus's label-set order (name, then value, label by label). */
int lab_compare(slice a, slice b);

int promql_eval(store *st, const ast *root, int64_t start, int64_t end, int64_t step, const promql_opts *o,
                arena *a, qresult *out, err_ctx *e);

#endif
