/* eval_int.h - the PromQL evaluator's private types, shared by eval.c
 * (dispatch, selectors, subqueries), eval_func.c, eval_agg.c, eval_binop.c
 * and qlabels.c.
 *
 * Every node is evaluated over all steps of the query at once (an instant
 * query is a range of one step).  An instant vector over steps is a list of
 * series, each with a value per step and a presence bitmap; a scalar is a
 * value per step.  Everything lives in the query's arena. */
#ifndef LOUPE_EVAL_INT_H
#define LOUPE_EVAL_INT_H

#include "query/ast.h"
#include "query/eval.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* One series of an instant vector over the steps. */
typedef struct vser {
    slice lab;      /* canonical labels (labels.h) */
    double *v;      /* [nsteps] */
    uint64_t *bits; /* presence, [(nsteps + 63) / 64] */
    int64_t *ts;    /* sample timestamps per step, only for timestamp() over a selector; else NULL */
} vser;

typedef struct vvec {
    vser *s;
    size_t n, cap;
} vvec;

/* A raw series (range vector): points in time order. */
typedef struct rser {
    slice lab;
    int64_t *t;
    double *v;
    size_t n;
} rser;

typedef struct rmat {
    rser *s;
    size_t n;
} rmat;

typedef struct qval {
    value_type type;
    double *sc;   /* VT_SCALAR: [nsteps] */
    vvec vec;     /* VT_VECTOR */
    slice str;    /* VT_STRING */
    rmat mat;     /* VT_MATRIX (only as a query's final result) */
} qval;

typedef struct evalctx {
    store *st;
    store_reader *rd;
    arena *a;
    int64_t start, end, step; /* this evaluator's steps (subqueries get their own) */
    size_t nsteps;
    int64_t lookback;
    int64_t sub_step;         /* default subquery step */
    size_t max_samples;
    size_t cur_samples;       /* points held by values alive now (approximate: never decreases) */
    int64_t deadline_ns;
    int threads;
    err_ctx *e;
} evalctx;

static inline size_t bits_words(size_t n) { return (n + 63) / 64; }
static inline int bit_get(const uint64_t *b, size_t i) { return (int)((b[i >> 6] >> (i & 63)) & 1); }
static inline void bit_set(uint64_t *b, size_t i) { b[i >> 6] |= 1ULL << (i & 63); }
static inline void bit_clr(uint64_t *b, size_t i) { b[i >> 6] &= ~(1ULL << (i & 63)); }
static inline int64_t step_time(const evalctx *c, size_t i) { return c->start + (int64_t)i * c->step; }

/* The staleness marker: a NaN with a fixed payload. */
static inline int is_stale(double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    return u == 0x7ff0000000000002ULL;
}

/* eval.c */
int eval_node(evalctx *c, const ast *n, qval *out);
/* Reference time of step i under @/offset, and its range over all steps. */
int64_t ref_time(const evalctx *c, const time_mod *tm, size_t i);
void ref_bounds(const evalctx *c, const time_mod *tm, int64_t *lo, int64_t *hi);
/* Selects the series of a selector node that may have samples in [lo, hi]. */
int eval_select_ids(evalctx *c, const ast *sel, int64_t lo, int64_t hi, uint32_t **ids, size_t *n);
/* Calls cb for every series (its samples in [lo, hi], staleness markers
 * included), on up to c->threads threads; cb(k) only touches slot k. */
typedef int (*series_cb)(void *ctx, size_t k, const samples *s, err_ctx *e);
int eval_for_each(evalctx *c, const uint32_t *ids, size_t n, int64_t lo, int64_t hi, series_cb cb, void *ctx);
int eval_alloc_vsers(evalctx *c, vser *out, size_t n, int want_ts);
size_t vser_count(const evalctx *c, const vser *s);
int eval_vector_sel_ts(evalctx *c, const ast *n, qval *out);
int eval_check(evalctx *c); /* deadline and cancellation */
int eval_account(evalctx *c, size_t points);
vser *vvec_add(evalctx *c, vvec *v, slice lab);
int vvec_reserve(evalctx *c, vvec *v, size_t n);
/* Reads raw points of a range selector / subquery argument for functions. */
int eval_range_arg(evalctx *c, const ast *n, rmat *out, int64_t *range_ms, int64_t *offset_ms, int *has_at,
                   int64_t *at_ms);

/* eval_func.c */
int eval_call(evalctx *c, const ast *n, qval *out);

/* eval_range.c */
int eval_range_func(evalctx *c, const ast *n, qval *out);
int eval_scalar_arg(evalctx *c, const ast *n, double **out);
/* Labels absent()/absent_over_time() give their output: the selector's
 * equality matchers. */
slice absent_labels(evalctx *c, const ast *arg);
/* Prometheus's quantile() over vals (sorted in place; NaNs first). */
double quantile_values(double q, double *vals, size_t n);

/* eval_agg.c */
int eval_agg(evalctx *c, const ast *n, qval *out);

/* eval_binop.c */
int eval_binary(evalctx *c, const ast *n, qval *out);

/* Builds the output vector of a per-step operation: series by label set, a
 * value at most once per step ("vector cannot contain metrics with the same
 * labelset" otherwise). */
typedef struct outvec {
    evalctx *c;
    vvec *v;
    size_t *tab; /* open addressing: index + 1 */
    size_t cap;
} outvec;
int outvec_init(outvec *o, evalctx *c, vvec *v, size_t hint);
/* The series with labels lab (copied into the arena if new). */
vser *outvec_get(outvec *o, slice lab);
/* Every point of `in`, unchanged, under labels lab. */
int outvec_copy(outvec *o, slice lab, const vser *in);
/* Sets the value at step i; error on a second value at the same step. */
int outvec_put(outvec *o, vser *s, size_t i, double v);

/* qlabels.c: label-set surgery on canonical blobs (results in the arena) */
slice lab_drop_name(evalctx *c, slice lab);
slice lab_keep(evalctx *c, slice lab, const name_list *names);
slice lab_del(evalctx *c, slice lab, const name_list *names, int also_name);
slice lab_set(evalctx *c, slice lab, slice name, slice value); /* empty value deletes */
slice lab_get(slice lab, const char *name);
uint64_t lab_hash(slice lab);
int lab_cmp(slice a, slice b); /* Prometheus label-set order */
int lab_has_name(slice lab);

#endif
