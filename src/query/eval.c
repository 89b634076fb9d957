/* eval.c - PromQL evaluation: dispatch, selectors, subqueries, results.
 * Functions are in eval_func.c, aggregations in eval_agg.c, binary
 * operators in eval_binop.c. */
#include "util/mem.h"
#include "util/sort.h"
#include "query/eval_int.h"
#include "store/labels.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void promql_opts_default(promql_opts *o)
{
    o->lookback_ms = 5 * 60 * 1000;
    o->sub_step_ms = 60 * 1000;
    o->max_samples = 50000000;
    o->timeout_ms = 120000;
    o->threads = 2;
}

int eval_check(evalctx *c)
{
    if (c->deadline_ns && now_ns() > c->deadline_ns)
        return err_set(c->e, LOUPE_ETIMEOUT, "query timed out in query execution");
    return 0;
}

int eval_account(evalctx *c, size_t points)
{
    size_t cur = __atomic_add_fetch(&c->cur_samples, points, __ATOMIC_RELAXED);
    if (c->max_samples && cur > c->max_samples)
        return err_set(c->e, LOUPE_ELIMIT, "query processing would load too many samples into memory in query execution");
    return 0;
}

int vvec_reserve(evalctx *c, vvec *v, size_t n)
{
    if (n <= v->cap)
        return 0;
    size_t cap = v->cap ? v->cap * 2 : 16;
    while (cap < n)
        cap *= 2;
    vser *s = arena_alloc(c->a, cap * sizeof *s);
    if (!s)
        return err_set(c->e, LOUPE_ENOMEM, "out of memory");
    if (v->n)
        mem_copy(s, v->s, v->n * sizeof *s);
    v->s = s;
    v->cap = cap;
    return 0;
}

vser *vvec_add(evalctx *c, vvec *v, slice lab)
{
    if (v->n == v->cap && vvec_reserve(c, v, v->n + 1))
        return NULL;
    vser *s = &v->s[v->n];
    s->lab = lab;
    s->v = arena_alloc(c->a, c->nsteps * sizeof(double));
    s->bits = arena_calloc(c->a, bits_words(c->nsteps) * sizeof(uint64_t));
    s->ts = NULL;
    if (!s->v || !s->bits) {
        err_set(c->e, LOUPE_ENOMEM, "out of memory");
        return NULL;
    }
    v->n++;
    return s;
}

/* ---------------------------------------------------------------- outvec */

int outvec_init(outvec *o, evalctx *c, vvec *v, size_t hint)
{
    o->c = c;
    o->v = v;
    o->cap = 64;
    while (o->cap < hint * 2)
        o->cap *= 2;
    o->tab = arena_calloc(c->a, o->cap * sizeof *o->tab);
    return o->tab ? 0 : err_set(c->e, LOUPE_ENOMEM, "out of memory");
}

vser *outvec_get(outvec *o, slice lab)
{
    uint64_t h = lab_hash(lab);
    size_t mask = o->cap - 1;
    size_t i = h & mask;
    for (; o->tab[i]; i = (i + 1) & mask) {
        vser *s = &o->v->s[o->tab[i] - 1];
        if (slice_eq(s->lab, lab))
            return s;
    }
    if ((o->v->n + 1) * 2 > o->cap) {
        size_t cap = o->cap * 2;
        size_t *t = arena_calloc(o->c->a, cap * sizeof *t);
        if (!t) {
            err_set(o->c->e, LOUPE_ENOMEM, "out of memory");
            return NULL;
        }
        for (size_t k = 0; k < o->v->n; k++) {
            size_t j = lab_hash(o->v->s[k].lab) & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = k + 1;
        }
        o->tab = t;
        o->cap = cap;
        mask = cap - 1;
        for (i = h & mask; o->tab[i]; i = (i + 1) & mask)
            ;
    }
    vser *s = vvec_add(o->c, o->v, lab);
    if (!s)
        return NULL;
    o->tab[i] = o->v->n;
    return s;
}

int outvec_copy(outvec *o, slice lab, const vser *in)
{
    vser *s = outvec_get(o, lab);
    if (!s)
        return o->c->e->code;
    int rc = 0;
    for (size_t i = 0; i < o->c->nsteps && !rc; i++)
        if (bit_get(in->bits, i))
            rc = outvec_put(o, s, i, in->v[i]);
    return rc;
}

int outvec_put(outvec *o, vser *s, size_t i, double v)
{
    if (bit_get(s->bits, i))
        return err_set(o->c->e, LOUPE_EEXEC, "vector cannot contain metrics with the same labelset");
    bit_set(s->bits, i);
    s->v[i] = v;
    return 0;
}

/* ---------------------------------------------------------------- selectors */

/* The reference time of step i for a selector with time modifiers. */
int64_t ref_time(const evalctx *c, const time_mod *tm, size_t i)
{
    return (tm->at != AT_NONE ? tm->at_ms : step_time(c, i)) - tm->offset_ms;
}

void ref_bounds(const evalctx *c, const time_mod *tm, int64_t *lo, int64_t *hi)
{
    if (tm->at != AT_NONE) {
        *lo = *hi = tm->at_ms - tm->offset_ms;
    } else {
        *lo = c->start - tm->offset_ms;
        *hi = step_time(c, c->nsteps ? c->nsteps - 1 : 0) - tm->offset_ms;
    }
}

/* Work shared by the threads of one selector evaluation. */
typedef struct selwork {
    evalctx *c;
    const uint32_t *ids;
    size_t nids;
    int64_t lo, hi;       /* sample range to read */
    series_cb cb;
    void *ctx;
    size_t next;          /* next id index to take (atomic) */
    int rc;
    err_ctx err;
    pthread_mutex_t mu;
} selwork;

static void *sel_worker(void *arg)
{
    selwork *w = arg;
    evalctx *c = w->c;
    store_reader *rd = NULL;
    err_ctx e = { 0 };
    samples s = SAMPLES_INIT;
    int rc = store_reader_open(c->st, &rd, &e);
    while (!rc) {
        size_t k = __atomic_fetch_add(&w->next, 16, __ATOMIC_RELAXED);
        if (k >= w->nids)
            break;
        size_t kend = k + 16 < w->nids ? k + 16 : w->nids;
        for (; k < kend && !rc; k++) {
            if ((rc = store_read(rd, w->ids[k], w->lo, w->hi, &s, &e)))
                break;
            rc = w->cb(w->ctx, k, &s, &e);
        }
        if (!rc && c->deadline_ns && now_ns() > c->deadline_ns)
            rc = err_set(&e, LOUPE_ETIMEOUT, "query timed out in query execution");
    }
    samples_free(&s);
    store_reader_close(rd);
    if (rc) {
        pthread_mutex_lock(&w->mu);
        if (!w->rc) {
            w->rc = rc;
            w->err = e;
        }
        pthread_mutex_unlock(&w->mu);
        __atomic_store_n(&w->next, w->nids, __ATOMIC_RELAXED); /* stop the others */
    }
    return NULL;
}

int eval_for_each(evalctx *c, const uint32_t *ids, size_t n, int64_t lo, int64_t hi, series_cb cb, void *ctx)
{
    selwork w;
    memset(&w, 0, sizeof w);
    w.c = c;
    w.ids = ids;
    w.nids = n;
    w.lo = lo;
    w.hi = hi;
    w.cb = cb;
    w.ctx = ctx;
    pthread_mutex_init(&w.mu, NULL);
    int nt = c->threads > 1 && n >= 64 ? c->threads : 1;
    if (nt > 8)
        nt = 8;
    pthread_t th[8];
    int started = 0;
    for (int i = 1; i < nt; i++)
        if (pthread_create(&th[started], NULL, sel_worker, &w) == 0)
            started++;
    sel_worker(&w);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&w.mu);
    if (w.rc)
        return err_set(c->e, w.rc, "%s", w.err.msg);
    return 0;
}

int eval_select_ids(evalctx *c, const ast *n, int64_t lo, int64_t hi, uint32_t **ids, size_t *nids)
{
    matcher *ms = (matcher *)n->sel.ms;
    int rc = store_select(c->rd, ms, n->sel.nms, lo, hi, ids, nids, c->e);
    if (rc)
        return rc;
    /* Prometheus hands series to the engine in label order; sums depend on
     * the order of their terms, so keep it */
    store_sort_ids(c->rd, *ids, *nids);
    return 0;
}

int eval_alloc_vsers(evalctx *c, vser *out, size_t n, int want_ts)
{
    for (size_t k = 0; k < n; k++) {
        vser *s = &out[k];
        s->v = arena_alloc(c->a, c->nsteps * sizeof(double));
        s->bits = arena_calloc(c->a, bits_words(c->nsteps) * sizeof(uint64_t));
        s->ts = want_ts ? arena_alloc(c->a, c->nsteps * sizeof(int64_t)) : NULL;
        if (!s->v || !s->bits || (want_ts && !s->ts))
            return err_set(c->e, LOUPE_ENOMEM, "out of memory");
    }
    return 0;
}

size_t vser_count(const evalctx *c, const vser *s)
{
    size_t cnt = 0;
    for (size_t i = 0; i < bits_words(c->nsteps); i++)
        cnt += (size_t)__builtin_popcountll(s->bits[i]);
    return cnt;
}

typedef struct inst_ctx {
    evalctx *c;
    const time_mod *tm;
    vser *out;
} inst_ctx;

static int sel_instant(void *vctx, size_t k, const samples *s, err_ctx *e)
{
    (void)e;
    inst_ctx *x = vctx;
    evalctx *c = x->c;
    const time_mod *tm = x->tm;
    vser *o = &x->out[k];
    size_t j = 0;
    for (size_t i = 0; i < c->nsteps; i++) {
        if (tm->at != AT_NONE && i > 0) {
            /* the same reference for every step */
            if (bit_get(o->bits, 0)) {
                bit_set(o->bits, i);
                o->v[i] = o->v[0];
                if (o->ts)
                    o->ts[i] = o->ts[0];
            }
            continue;
        }
        int64_t r = ref_time(c, tm, i);
        while (j < s->n && s->t[j] <= r)
            j++;
        if (j == 0)
            continue;
        size_t p = j - 1;
        if (s->t[p] < r - c->lookback || is_stale(s->v[p]))
            continue;
        bit_set(o->bits, i);
        o->v[i] = s->v[p];
        if (o->ts)
            o->ts[i] = s->t[p];
    }
    return 0;
}

typedef struct raw_ctx {
    rser *raw;
} raw_ctx;

static int sel_raw(void *vctx, size_t k, const samples *s, err_ctx *e)
{
    raw_ctx *x = vctx;
    rser *r = &x->raw[k];
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += !is_stale(s->v[i]);
    r->t = malloc((n ? n : 1) * sizeof *r->t);
    r->v = malloc((n ? n : 1) * sizeof *r->v);
    if (!r->t || !r->v)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (!is_stale(s->v[i])) {
            r->t[n] = s->t[i];
            r->v[n++] = s->v[i];
        }
    r->n = n;
    return 0;
}

/* Instant vector selector over the steps. */
static int eval_vector_sel(evalctx *c, const ast *n, int want_ts, qval *out)
{
    int64_t rlo, rhi;
    ref_bounds(c, &n->sel.tm, &rlo, &rhi);
    int64_t lo = rlo - c->lookback, hi = rhi;
    uint32_t *ids = NULL;
    size_t nids = 0;
    int rc = eval_select_ids(c, n, lo, hi, &ids, &nids);
    if (rc)
        return rc;
    out->type = VT_VECTOR;
    memset(&out->vec, 0, sizeof out->vec);
    vser *vs = nids ? arena_alloc(c->a, nids * sizeof *vs) : NULL;
    if (nids && !vs) {
        free(ids);
        return err_set(c->e, LOUPE_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < nids; k++)
        vs[k].lab = store_labels(c->rd, ids[k]);
    inst_ctx x = { c, &n->sel.tm, vs };
    rc = eval_alloc_vsers(c, vs, nids, want_ts);
    if (!rc)
        rc = eval_for_each(c, ids, nids, lo, hi, sel_instant, &x);
    free(ids);
    if (rc)
        return rc;
    /* keep the series present at some step */
    size_t points = 0;
    out->vec.s = vs;
    out->vec.cap = nids;
    for (size_t k = 0; k < nids; k++) {
        size_t cnt = vser_count(c, &vs[k]);
        if (cnt) {
            out->vec.s[out->vec.n++] = vs[k];
            points += cnt;
        }
    }
    return eval_account(c, points);
}

static void free_raw(rser *raw, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(raw[k].t);
        free(raw[k].v);
    }
}

/* Raw points of a range selector for all steps: [min ref - range, max ref]. */
static int eval_matrix_raw(evalctx *c, const ast *n, rmat *out)
{
    int64_t rlo, rhi;
    ref_bounds(c, &n->sel.tm, &rlo, &rhi);
    int64_t lo = rlo - n->sel.range_ms, hi = rhi;
    uint32_t *ids = NULL;
    size_t nids = 0;
    int rc = eval_select_ids(c, n, lo, hi, &ids, &nids);
    if (rc)
        return rc;
    raw_ctx x;
    x.raw = nids ? calloc(nids, sizeof *x.raw) : NULL;
    if (nids && !x.raw) {
        free(ids);
        return err_set(c->e, LOUPE_ENOMEM, "out of memory");
    }
    rc = eval_for_each(c, ids, nids, lo, hi, sel_raw, &x);
    size_t points = 0;
    out->s = NULL;
    out->n = 0;
    if (!rc && nids) {
        out->s = arena_alloc(c->a, nids * sizeof *out->s);
        if (!out->s)
            rc = err_set(c->e, LOUPE_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < nids && !rc; k++) {
        rser *r = &x.raw[k];
        if (r->n == 0)
            continue;
        rser *o = &out->s[out->n++];
        o->lab = store_labels(c->rd, ids[k]);
        o->n = r->n;
        o->t = arena_alloc(c->a, r->n * sizeof *o->t);
        o->v = arena_alloc(c->a, r->n * sizeof *o->v);
        if (!o->t || !o->v) {
            rc = err_set(c->e, LOUPE_ENOMEM, "out of memory");
            break;
        }
        mem_copy(o->t, r->t, r->n * sizeof *o->t);
        mem_copy(o->v, r->v, r->n * sizeof *o->v);
        points += r->n;
    }
    if (x.raw)
        free_raw(x.raw, nids);
    free(x.raw);
    free(ids);
    return rc ? rc : eval_account(c, points);
}

/* Evaluates a subquery's inner expression on its own aligned steps and
 * returns the points as raw series. */
static int eval_subquery_raw(evalctx *c, const ast *n, rmat *out)
{
    int64_t step = n->sub.step_ms ? n->sub.step_ms : c->sub_step;
    int64_t rlo, rhi;
    ref_bounds(c, &n->sub.tm, &rlo, &rhi);
    /* first step after (start - offset - range) aligned to the step, as Go's
     * truncating division computes it */
    int64_t first = rlo - n->sub.range_ms;
    int64_t s0 = step * (first / step);
    if (s0 < first)
        s0 += step;
    evalctx sub = *c;
    sub.start = s0;
    sub.end = rhi;
    sub.step = step;
    sub.nsteps = rhi >= s0 ? (size_t)((rhi - s0) / step) + 1 : 0;
    if (sub.nsteps > 11000000)
        return err_set(c->e, LOUPE_ELIMIT, "subquery would evaluate too many steps");
    qval v;
    memset(&v, 0, sizeof v);
    int rc = sub.nsteps ? eval_node(&sub, n->sub.expr, &v) : 0;
    c->cur_samples = sub.cur_samples;
    if (rc)
        return rc;
    out->n = 0;
    out->s = NULL;
    if (!sub.nsteps)
        return 0;
    if (v.type == VT_SCALAR) {
        /* the parser only allows vectors here; be safe */
        out->s = arena_alloc(c->a, sizeof *out->s);
        out->s[0].lab = slice_make("", 0);
        out->s[0].t = arena_alloc(c->a, sub.nsteps * sizeof(int64_t));
        out->s[0].v = arena_alloc(c->a, sub.nsteps * sizeof(double));
        if (!out->s[0].t || !out->s[0].v)
            return err_set(c->e, LOUPE_ENOMEM, "out of memory");
        for (size_t i = 0; i < sub.nsteps; i++) {
            out->s[0].t[i] = step_time(&sub, i);
            out->s[0].v[i] = v.sc[i];
        }
        out->s[0].n = sub.nsteps;
        out->n = 1;
        return 0;
    }
    out->s = v.vec.n ? arena_alloc(c->a, v.vec.n * sizeof *out->s) : NULL;
    for (size_t k = 0; k < v.vec.n; k++) {
        vser *s = &v.vec.s[k];
        size_t cnt = 0;
        for (size_t i = 0; i < bits_words(sub.nsteps); i++)
            cnt += (size_t)__builtin_popcountll(s->bits[i]);
        if (!cnt)
            continue;
        rser *r = &out->s[out->n++];
        r->lab = s->lab;
        r->t = arena_alloc(c->a, cnt * sizeof *r->t);
        r->v = arena_alloc(c->a, cnt * sizeof *r->v);
        if (!r->t || !r->v)
            return err_set(c->e, LOUPE_ENOMEM, "out of memory");
        r->n = 0;
        for (size_t i = 0; i < sub.nsteps; i++)
            if (bit_get(s->bits, i)) {
                r->t[r->n] = step_time(&sub, i);
                r->v[r->n++] = s->v[i];
            }
    }
    return 0;
}

int eval_range_arg(evalctx *c, const ast *n, rmat *out, int64_t *range_ms, int64_t *offset_ms, int *has_at,
                   int64_t *at_ms)
{
    while (n->kind == AST_PAREN)
        n = n->paren.expr;
    if (n->kind == AST_MATRIX_SEL) {
        *range_ms = n->sel.range_ms;
        *offset_ms = n->sel.tm.offset_ms;
        *has_at = n->sel.tm.at != AT_NONE;
        *at_ms = n->sel.tm.at_ms;
        return eval_matrix_raw(c, n, out);
    }
    if (n->kind == AST_SUBQUERY) {
        *range_ms = n->sub.range_ms;
        *offset_ms = n->sub.tm.offset_ms;
        *has_at = n->sub.tm.at != AT_NONE;
        *at_ms = n->sub.tm.at_ms;
        return eval_subquery_raw(c, n, out);
    }
    return err_set(c->e, LOUPE_EINTERNAL, "expected a range vector argument");
}

/* ---------------------------------------------------------------- dispatch */

static int eval_unary(evalctx *c, const ast *n, qval *out)
{
    int rc = eval_node(c, n->unary.expr, out);
    if (rc || !n->unary.neg)
        return rc;
    if (out->type == VT_SCALAR) {
        for (size_t i = 0; i < c->nsteps; i++)
            out->sc[i] = -out->sc[i];
        return 0;
    }
    /* -vector drops the metric name (it is arithmetic) */
    vvec in = out->vec;
    memset(&out->vec, 0, sizeof out->vec);
    outvec o;
    if ((rc = outvec_init(&o, c, &out->vec, in.n)))
        return rc;
    for (size_t k = 0; k < in.n && !rc; k++) {
        vser *s = outvec_get(&o, lab_drop_name(c, in.s[k].lab));
        if (!s)
            return c->e->code;
        for (size_t i = 0; i < c->nsteps && !rc; i++)
            if (bit_get(in.s[k].bits, i))
                rc = outvec_put(&o, s, i, -in.s[k].v[i]);
    }
    return rc;
}

int eval_node(evalctx *c, const ast *n, qval *out)
{
    int rc = eval_check(c);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    switch (n->kind) {
    case AST_NUMBER:
        out->type = VT_SCALAR;
        out->sc = arena_alloc(c->a, (c->nsteps ? c->nsteps : 1) * sizeof(double));
        if (!out->sc)
            return err_set(c->e, LOUPE_ENOMEM, "out of memory");
        for (size_t i = 0; i < c->nsteps; i++)
            out->sc[i] = n->number;
        return 0;
    case AST_STRING:
        out->type = VT_STRING;
        out->str = slice_make(n->str.s, n->str.n);
        return 0;
    case AST_PAREN:
        return eval_node(c, n->paren.expr, out);
    case AST_UNARY:
        return eval_unary(c, n, out);
    case AST_VECTOR_SEL:
        return eval_vector_sel(c, n, 0, out);
    case AST_MATRIX_SEL:
    case AST_SUBQUERY: {
        /* a range vector as a value: only as an instant query's result */
        int64_t range, off, at_ms;
        int has_at;
        rmat m;
        if ((rc = eval_range_arg(c, n, &m, &range, &off, &has_at, &at_ms)))
            return rc;
        out->type = VT_MATRIX;
        /* keep the window (ref - range, ref] of the single step */
        int64_t ref = (has_at ? at_ms : c->start) - off;
        for (size_t k = 0; k < m.n; k++) {
            rser *r = &m.s[k];
            size_t lo = 0, hi = r->n;
            while (lo < hi && r->t[lo] < ref - range)
                lo++;
            while (hi > lo && r->t[hi - 1] > ref)
                hi--;
            r->t += lo;
            r->v += lo;
            r->n = hi - lo;
        }
        out->mat = m;
        return 0;
    }
    case AST_CALL:
        return eval_call(c, n, out);
    case AST_AGG:
        return eval_agg(c, n, out);
    case AST_BINARY:
        return eval_binary(c, n, out);
    }
    return err_set(c->e, LOUPE_EINTERNAL, "unknown node kind %d", (int)n->kind);
}

/* Exposed for timestamp(): an instant selector that keeps sample times. */
int eval_vector_sel_ts(evalctx *c, const ast *n, qval *out);
int eval_vector_sel_ts(evalctx *c, const ast *n, qval *out) { return eval_vector_sel(c, n, 1, out); }

/* ---------------------------------------------------------------- results */

/* @ start() / @ end() refer to the query's own start and end. */
static void resolve_at(ast *n, int64_t start, int64_t end)
{
    if (!n)
        return;
    time_mod *tm = NULL;
    switch (n->kind) {
    case AST_VECTOR_SEL:
    case AST_MATRIX_SEL: tm = &n->sel.tm; break;
    case AST_SUBQUERY:
        tm = &n->sub.tm;
        resolve_at(n->sub.expr, start, end);
        break;
    case AST_CALL:
        for (size_t i = 0; i < n->call.nargs; i++)
            resolve_at(n->call.args[i], start, end);
        break;
    case AST_AGG:
        resolve_at(n->agg.expr, start, end);
        resolve_at(n->agg.param, start, end);
        break;
    case AST_BINARY:
        resolve_at(n->bin.lhs, start, end);
        resolve_at(n->bin.rhs, start, end);
        break;
    case AST_UNARY: resolve_at(n->unary.expr, start, end); break;
    case AST_PAREN: resolve_at(n->paren.expr, start, end); break;
    default: break;
    }
    if (tm && tm->at == AT_START)
        tm->at_ms = start;
    else if (tm && tm->at == AT_END)
        tm->at_ms = end;
}

int promql_eval(store *st, const ast *root, int64_t start, int64_t end, int64_t step, const promql_opts *o,
                arena *a, qresult *out, err_ctx *e)
{
    memset(out, 0, sizeof *out);
    evalctx c;
    memset(&c, 0, sizeof c);
    c.st = st;
    c.a = a;
    c.start = start;
    c.end = end;
    c.step = step > 0 ? step : 1;
    c.nsteps = end >= start ? (size_t)((end - start) / c.step) + 1 : 0;
    if (start == end)
        c.nsteps = 1;
    c.lookback = o->lookback_ms;
    c.sub_step = o->sub_step_ms > 0 ? o->sub_step_ms : 60000;
    c.max_samples = o->max_samples;
    c.deadline_ns = o->timeout_ms > 0 ? now_ns() + o->timeout_ms * 1000000 : 0;
    c.threads = o->threads > 0 ? o->threads : 1;
    c.e = e;
    resolve_at((ast *)root, start, end);
    int rc = store_reader_open(st, &c.rd, e);
    if (rc)
        return rc;
    qval v;
    rc = eval_node(&c, root, &v);
    if (rc)
        goto done;
    out->type = v.type;
    switch (v.type) {
    case VT_SCALAR:
        out->series = arena_alloc(a, sizeof *out->series);
        if (!out->series) {
            rc = err_set(e, LOUPE_ENOMEM, "out of memory");
            goto done;
        }
        out->n = 1;
        out->series[0].lab = slice_make("", 0);
        out->series[0].n = c.nsteps;
        out->series[0].t = arena_alloc(a, (c.nsteps ? c.nsteps : 1) * sizeof(int64_t));
        out->series[0].v = v.sc;
        if (!out->series[0].t) {
            rc = err_set(e, LOUPE_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < c.nsteps; i++)
            out->series[0].t[i] = step_time(&c, i);
        break;
    case VT_STRING:
        out->str = v.str;
        break;
    case VT_MATRIX:
        out->matrix_from_range = 1;
        out->n = v.mat.n;
        out->series = v.mat.n ? arena_alloc(a, v.mat.n * sizeof *out->series) : NULL;
        for (size_t k = 0; k < v.mat.n; k++)
            out->series[k] = (qseries){ v.mat.s[k].lab, v.mat.s[k].t, v.mat.s[k].v, v.mat.s[k].n };
        break;
    default: {
        out->series = v.vec.n ? arena_alloc(a, v.vec.n * sizeof *out->series) : NULL;
        for (size_t k = 0; k < v.vec.n; k++) {
            vser *s = &v.vec.s[k];
            size_t cnt = 0;
            for (size_t i = 0; i < bits_words(c.nsteps); i++)
                cnt += (size_t)__builtin_popcountll(s->bits[i]);
            if (!cnt)
                continue;
            qseries *q = &out->series[out->n++];
            q->lab = s->lab;
            q->t = arena_alloc(a, cnt * sizeof *q->t);
            q->v = arena_alloc(a, cnt * sizeof *q->v);
            if (!q->t || !q->v) {
                rc = err_set(e, LOUPE_ENOMEM, "out of memory");
                goto done;
            }
            q->n = 0;
            for (size_t i = 0; i < c.nsteps; i++)
                if (bit_get(s->bits, i)) {
                    q->t[q->n] = step_time(&c, i);
                    q->v[q->n++] = s->v[i];
                }
        }
    }
    }
done:
    store_reader_close(c.rd);
    return rc;
}
