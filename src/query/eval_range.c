/* eval_range.c - PromQL range-vector functions (rate, increase, delta,
 * irate, idelta, deriv, predict_linear, resets, changes, *_over_time,
 * holt_winters, absent_over_time): kernels over a window of points, slid
 * over the steps, run inside the parallel series workers for selectors. */
#include "util/mem.h"
#include "util/sort.h"
#include "query/eval_int.h"
#include "store/labels.h"
#include "util/tls.h"

#include <stdio.h>
#include <stdlib.h>

/* Kahan-Neumaier summation step (as Prometheus's kahanSumInc). */
static inline void kahan_inc(double inc, double *sum, double *c)
{
    double t = *sum + inc;
    if (fabs(*sum) >= fabs(inc))
        *c += (*sum - t) + inc;
    else
        *c += (inc - t) + *sum;
    *sum = t;
}

/* ------------------------------------------------------------ range kernels */

typedef struct rfn {
    evalctx *c;
    func_id id;
    const uint32_t *resets; /* per series: resets[i] = counter decreases among points 0..i (or NULL) */
    int64_t range, offset;
    const time_mod *tm;
    time_mod tmv;
    const double *p0, *p1; /* scalar parameters per step */
} rfn;

static int k_extrapolated(const int64_t *t, const double *v, size_t n, int64_t rstart, int64_t rend, int64_t range,
                          int counter, int rate, int may_reset, double *out)
{
    if (n < 2)
        return 0;
    double result = v[n - 1] - v[0];
    if (counter && may_reset) {
        double last = 0;
        for (size_t i = 0; i < n; i++) {
            if (v[i] < last)
                result += last;
            last = v[i];
        }
    }
    double to_start = (double)(t[0] - rstart) / 1000;
    double to_end = (double)(rend - t[n - 1]) / 1000;
    double sampled = (double)(t[n - 1] - t[0]) / 1000;
    double avg = sampled / (double)(n - 1);
    if (counter && result > 0 && v[0] >= 0) {
        double to_zero = sampled * (v[0] / result);
        if (to_zero < to_start)
            to_start = to_zero;
    }
    double threshold = avg * 1.1;
    double interval = sampled;
    interval += to_start < threshold ? to_start : avg / 2;
    interval += to_end < threshold ? to_end : avg / 2;
    /* one factor, applied once (2.40+: shared with native histograms) */
    double factor = interval / sampled;
    if (rate)
        factor /= (double)range / 1000;
    *out = result * factor;
    return 1;
}

static int k_instant(const int64_t *t, const double *v, size_t n, int rate, double *out)
{
    if (n < 2)
        return 0;
    double last = v[n - 1], prev = v[n - 2];
    double r = rate && last < prev ? last : last - prev;
    int64_t iv = t[n - 1] - t[n - 2];
    if (iv == 0)
        return 0;
    if (rate)
        r /= (double)iv / 1000;
    *out = r;
    return 1;
}

static void linreg(const int64_t *t, const double *v, size_t n, int64_t icept, double *slope, double *intercept)
{
    double cnt = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
    double inity = v[0];
    int consty = 1;
    for (size_t i = 0; i < n; i++) {
        if (consty && i > 0 && v[i] != inity)
            consty = 0;
        cnt += 1.0;
        double x = (double)(t[i] - icept) / 1e3;
        kahan_inc(x, &sx, &cx);
        kahan_inc(v[i], &sy, &cy);
        kahan_inc(x * v[i], &sxy, &cxy);
        kahan_inc(x * x, &sx2, &cx2);
    }
    if (consty) {
        if (isinf(inity)) {
            *slope = *intercept = NAN;
            return;
        }
        *slope = 0;
        *intercept = inity;
        return;
    }
    sx += cx;
    sy += cy;
    sxy += cxy;
    sx2 += cx2;
    double covxy = sxy - sx * sy / cnt;
    double varx = sx2 - sx * sx / cnt;
    *slope = covxy / varx;
    *intercept = sy / cnt - *slope * sx / cnt;
}

static int cmp_double_nan_first(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x))
        return isnan(y) ? 0 : -1;
    if (isnan(y))
        return 1;
    return x < y ? -1 : x > y;
}

/* Prometheus's quantile(): NaNs sort first, linear interpolation. values is
 * sorted in place. */
double quantile_values(double q, double *vals, size_t n)
{
    if (n == 0)
        return NAN;
    if (q < 0)
        return -INFINITY;
    if (q > 1)
        return INFINITY;
    sort_array(vals, n, sizeof *vals, cmp_double_nan_first);
    double fn = (double)n;
    double rank = q * (fn - 1);
    double lower = fmax(0, floor(rank));
    double upper = fmin(fn - 1, lower + 1);
    double w = rank - floor(rank);
    return vals[(size_t)lower] * (1 - w) + vals[(size_t)upper] * w;
}

/* Computes function f on the window t/v[0..n) for step i.  1 if a value. */
static int rfn_apply(const rfn *f, size_t i, const int64_t *t, const double *v, size_t n, int64_t ref, double *out,
                     err_ctx *e, int *err, int may_reset)
{
    switch (f->id) {
    case FN_RATE: return k_extrapolated(t, v, n, ref - f->range, ref, f->range, 1, 1, may_reset, out);
    case FN_INCREASE: return k_extrapolated(t, v, n, ref - f->range, ref, f->range, 1, 0, may_reset, out);
    case FN_DELTA: return k_extrapolated(t, v, n, ref - f->range, ref, f->range, 0, 0, 0, out);
    case FN_IRATE: return k_instant(t, v, n, 1, out);
    case FN_IDELTA: return k_instant(t, v, n, 0, out);
    case FN_DERIV: {
        if (n < 2)
            return 0;
        double s, b;
        linreg(t, v, n, t[0], &s, &b);
        *out = s;
        return 1;
    }
    case FN_PREDICT_LINEAR: {
        if (n < 2)
            return 0;
        double s, b;
        linreg(t, v, n, step_time(f->c, i), &s, &b);
        *out = s * f->p0[i] + b;
        return 1;
    }
    case FN_RESETS:
    case FN_CHANGES: {
        int cnt = 0;
        double prev = v[0];
        for (size_t k = 1; k < n; k++) {
            double cur = v[k];
            if (f->id == FN_RESETS ? cur < prev : (cur != prev && !(isnan(cur) && isnan(prev))))
                cnt++;
            prev = cur;
        }
        *out = cnt;
        return 1;
    }
    case FN_AVG_OVER_TIME: {
        double mean = 0, cnt = 0, comp = 0;
        for (size_t k = 0; k < n; k++) {
            cnt++;
            if (isinf(mean)) {
                if (isinf(v[k]) && (mean > 0) == (v[k] > 0))
                    continue;
                if (!isinf(v[k]) && !isnan(v[k]))
                    continue;
            }
            kahan_inc(v[k] / cnt - mean / cnt, &mean, &comp);
        }
        *out = isinf(mean) ? mean : mean + comp;
        return 1;
    }
    case FN_COUNT_OVER_TIME: *out = (double)n; return 1;
    case FN_LAST_OVER_TIME: *out = v[n - 1]; return 1;
    case FN_PRESENT_OVER_TIME: *out = 1; return 1;
    case FN_MAX_OVER_TIME: {
        double m = v[0];
        for (size_t k = 0; k < n; k++)
            if (v[k] > m || isnan(m))
                m = v[k];
        *out = m;
        return 1;
    }
    case FN_MIN_OVER_TIME: {
        double m = v[0];
        for (size_t k = 0; k < n; k++)
            if (v[k] < m || isnan(m))
                m = v[k];
        *out = m;
        return 1;
    }
    case FN_SUM_OVER_TIME: {
        double sum = 0, comp = 0;
        for (size_t k = 0; k < n; k++)
            kahan_inc(v[k], &sum, &comp);
        *out = isinf(sum) ? sum : sum + comp;
        return 1;
    }
    case FN_STDDEV_OVER_TIME:
    case FN_STDVAR_OVER_TIME: {
        double cnt = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
        for (size_t k = 0; k < n; k++) {
            cnt++;
            double delta = v[k] - (mean + cmean);
            kahan_inc(delta / cnt, &mean, &cmean);
            kahan_inc(delta * (v[k] - (mean + cmean)), &aux, &caux);
        }
        double var = (aux + caux) / cnt;
        *out = f->id == FN_STDDEV_OVER_TIME ? sqrt(var) : var;
        return 1;
    }
    case FN_QUANTILE_OVER_TIME: {
        double *tmp = malloc(n * sizeof *tmp);
        if (!tmp) {
            *err = err_set(e, LOUPE_ENOMEM, "out of memory");
            return 0;
        }
        mem_copy(tmp, v, n * sizeof *tmp);
        *out = quantile_values(f->p0[i], tmp, n);
        free(tmp);
        return 1;
    }
    case FN_HOLT_WINTERS: {
        double sf = f->p0[i], tf = f->p1[i];
        if (sf <= 0 || sf >= 1) {
            *err = err_set(e, LOUPE_EEXEC, "invalid smoothing factor. Expected: 0 < sf < 1, got: %f", sf);
            return 0;
        }
        if (tf <= 0 || tf >= 1) {
            *err = err_set(e, LOUPE_EEXEC, "invalid trend factor. Expected: 0 < tf < 1, got: %f", tf);
            return 0;
        }
        if (n < 2)
            return 0;
        double s0 = 0, s1 = v[0], b = v[1] - v[0];
        for (size_t k = 1; k < n; k++) {
            double x = sf * v[k];
            if (k - 1 != 0)
                b = tf * (s1 - s0) + (1 - tf) * b;
            double y = (1 - sf) * (s1 + b);
            s0 = s1;
            s1 = x + y;
        }
        *out = s1;
        return 1;
    }
    default: return 0;
    }
}

/* Slides the window over the steps for one series. */
static int rfn_series(const rfn *f, const int64_t *t, const double *v, size_t n, vser *o, err_ctx *e)
{
    evalctx *c = f->c;
    size_t lo = 0, hi = 0;
    int err = 0;
    const int at = f->tm->at != AT_NONE;
    int64_t ref = at ? f->tm->at_ms - f->tm->offset_ms : c->start - f->tm->offset_ms;
    for (size_t i = 0; i < c->nsteps && !err; i++, ref += at ? 0 : c->step) {
        if (f->tm->at != AT_NONE && i > 0 && f->id != FN_PREDICT_LINEAR && f->id != FN_QUANTILE_OVER_TIME &&
            f->id != FN_HOLT_WINTERS) {
            if (bit_get(o->bits, 0)) {
                bit_set(o->bits, i);
                o->v[i] = o->v[0];
            }
            continue;
        }
        int64_t wlo = ref - f->range;
        if (f->tm->at != AT_NONE) {
            lo = hi = 0;
        }
        while (hi < n && t[hi] <= ref)
            hi++;
        while (lo < hi && t[lo] < wlo)
            lo++;
        if (hi <= lo)
            continue;
        double val;
        /* a window without a counter decrease needs no reset scan */
        int may_reset = !f->resets || f->resets[hi - 1] != f->resets[lo];
        if (rfn_apply(f, i, t + lo, v + lo, hi - lo, ref, &val, e, &err, may_reset)) {
            bit_set(o->bits, i);
            o->v[i] = val;
        }
    }
    return err;
}

typedef struct rfn_work {
    rfn *f;
    vser *out;
} rfn_work;

static int rfn_cb(void *vctx, size_t k, const samples *s, err_ctx *e)
{
    rfn_work *w = vctx;
    /* drop staleness markers (range selectors never return them), into the
     * worker thread's scratch; most series have none: use them in place */
    size_t nstale = 0;
    for (size_t i = 0; i < s->n; i++)
        nstale += is_stale(s->v[i]);
    const int64_t *t = s->t;
    const double *v = s->v;
    size_t n = s->n;
    if (nstale) {
        buf *bt = tls_buf(TLS_EVAL_SAMPLES_T), *bv = tls_buf(TLS_EVAL_SAMPLES_V);
        if (!bt || !bv)
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        bt->n = bv->n = 0;
        if (buf_reserve(bt, s->n * sizeof(int64_t) + 8) || buf_reserve(bv, s->n * sizeof(double) + 8))
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        int64_t *ct = (int64_t *)(void *)bt->p;
        double *cv = (double *)(void *)bv->p;
        n = 0;
        for (size_t i = 0; i < s->n; i++)
            if (!is_stale(s->v[i])) {
                ct[n] = s->t[i];
                cv[n++] = s->v[i];
            }
        t = ct;
        v = cv;
    }
    rfn f = *w->f;
    f.resets = NULL;
    if (f.id == FN_RATE || f.id == FN_INCREASE) {
        buf *br = tls_buf(TLS_EVAL_RESETS);
        if (!br || buf_reserve(br, n * sizeof(uint32_t) + 8))
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        uint32_t *r = (uint32_t *)(void *)br->p;
        uint32_t cnt = 0;
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && v[i] < v[i - 1])
                cnt++;
            r[i] = cnt;
        }
        f.resets = r;
    }
    return rfn_series(&f, t, v, n, &w->out[k], e);
}

/* Labels created by absent() / absent_over_time() from the selector's
 * equality matchers (none if a label also has another matcher). */
slice absent_labels(evalctx *c, const ast *arg)
{
    while (arg->kind == AST_PAREN)
        arg = arg->paren.expr;
    if (arg->kind != AST_VECTOR_SEL && arg->kind != AST_MATRIX_SEL)
        return slice_make("", 0);
    slice lab = slice_make("", 0);
    for (size_t i = 0; i < arg->sel.nms; i++) {
        const matcher *m = &arg->sel.ms[i];
        if (slice_eq_cstr(matcher_name(m), "__name__"))
            continue;
        if (m->op == MATCH_EQ && !labels_get(lab, matcher_name(m)).p)
            lab = lab_set(c, lab, matcher_name(m), matcher_value(m));
    }
    for (size_t i = 0; i < arg->sel.nms; i++) {
        const matcher *m = &arg->sel.ms[i];
        if (slice_eq_cstr(matcher_name(m), "__name__"))
            continue;
        int dup = 0;
        for (size_t j = 0; j < arg->sel.nms; j++)
            if (j != i && slice_eq(matcher_name(&arg->sel.ms[j]), matcher_name(m)))
                dup = 1;
        if (m->op != MATCH_EQ || dup)
            lab = lab_set(c, lab, matcher_name(m), slice_make("", 0));
    }
    return lab;
}

int eval_scalar_arg(evalctx *c, const ast *n, double **out)
{
    qval v;
    int rc = eval_node(c, n, &v);
    if (rc)
        return rc;
    if (v.type != VT_SCALAR)
        return err_set(c->e, LOUPE_EINTERNAL, "expected a scalar argument");
    *out = v.sc;
    return 0;
}

static int check_unique_labels(evalctx *c, const vvec *v)
{
    outvec o;
    vvec tmp = { 0 };
    int rc = outvec_init(&o, c, &tmp, v->n);
    for (size_t k = 0; k < v->n && !rc; k++) {
        size_t before = tmp.n;
        if (!outvec_get(&o, v->s[k].lab))
            return c->e->code;
        if (tmp.n == before)
            rc = err_set(c->e, LOUPE_EEXEC, "vector cannot contain metrics with the same labelset");
    }
    return rc;
}

int eval_range_func(evalctx *c, const ast *n, qval *out)
{
    const func_def *fd = n->call.fn;
    rfn f;
    memset(&f, 0, sizeof f);
    f.c = c;
    f.id = fd->id;
    int rc = 0;
    size_t marg = 0;
    if (fd->id == FN_QUANTILE_OVER_TIME) {
        if ((rc = eval_scalar_arg(c, n->call.args[0], (double **)&f.p0)))
            return rc;
        marg = 1;
    } else if (fd->id == FN_PREDICT_LINEAR) {
        if ((rc = eval_scalar_arg(c, n->call.args[1], (double **)&f.p0)))
            return rc;
    } else if (fd->id == FN_HOLT_WINTERS) {
        if ((rc = eval_scalar_arg(c, n->call.args[1], (double **)&f.p0)) ||
            (rc = eval_scalar_arg(c, n->call.args[2], (double **)&f.p1)))
            return rc;
    }
    const ast *m = n->call.args[marg];
    while (m->kind == AST_PAREN)
        m = m->paren.expr;
    out->type = VT_VECTOR;
    memset(&out->vec, 0, sizeof out->vec);
    int keep_name = fd->id == FN_LAST_OVER_TIME;

    if (fd->id == FN_ABSENT_OVER_TIME) {
        /* 1 at the steps where no series has a point in its window */
        rmat raw;
        int64_t range, off, at_ms;
        int has_at;
        if ((rc = eval_range_arg(c, m, &raw, &range, &off, &has_at, &at_ms)))
            return rc;
        time_mod tm = { off, has_at ? AT_TIME : AT_NONE, at_ms };
        vser *o = vvec_add(c, &out->vec, absent_labels(c, m));
        if (!o)
            return c->e->code;
        for (size_t i = 0; i < c->nsteps; i++) {
            int64_t ref = ref_time(c, &tm, i);
            int any = 0;
            for (size_t k = 0; k < raw.n && !any; k++) {
                /* binary search for a point in [ref - range, ref] */
                size_t lo = 0, hi = raw.s[k].n;
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    if (raw.s[k].t[mid] < ref - range)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                any = lo < raw.s[k].n && raw.s[k].t[lo] <= ref;
            }
            if (!any) {
                bit_set(o->bits, i);
                o->v[i] = 1;
            }
        }
        if (!vser_count(c, o))
            out->vec.n = 0;
        return 0;
    }

    if (m->kind == AST_MATRIX_SEL) {
        /* fused: read each series and run the kernel in the workers */
        f.range = m->sel.range_ms;
        f.tm = &m->sel.tm;
        int64_t rlo, rhi;
        ref_bounds(c, &m->sel.tm, &rlo, &rhi);
        int64_t lo = rlo - f.range, hi = rhi;
        uint32_t *ids = NULL;
        size_t nids = 0;
        if ((rc = eval_select_ids(c, m, lo, hi, &ids, &nids)))
            return rc;
        vser *vs = nids ? arena_alloc(c->a, nids * sizeof *vs) : NULL;
        if (nids && !vs) {
            free(ids);
            return err_set(c->e, LOUPE_ENOMEM, "out of memory");
        }
        for (size_t k = 0; k < nids; k++) {
            slice lab = store_labels(c->rd, ids[k]);
            vs[k].lab = keep_name ? lab : lab_drop_name(c, lab);
        }
        rfn_work w = { &f, vs };
        rc = eval_alloc_vsers(c, vs, nids, 0);
        if (!rc)
            rc = eval_for_each(c, ids, nids, lo, hi, rfn_cb, &w);
        free(ids);
        if (rc)
            return rc;
        out->vec.s = vs;
        out->vec.cap = nids;
        size_t points = 0;
        for (size_t k = 0; k < nids; k++) {
            size_t cnt = vser_count(c, &vs[k]);
            if (cnt) {
                out->vec.s[out->vec.n++] = vs[k];
                points += cnt;
            }
        }
        if ((rc = eval_account(c, points)))
            return rc;
    } else {
        rmat raw;
        int64_t range, off, at_ms;
        int has_at;
        if ((rc = eval_range_arg(c, m, &raw, &range, &off, &has_at, &at_ms)))
            return rc;
        f.range = range;
        f.tmv = (time_mod){ off, has_at ? AT_TIME : AT_NONE, at_ms };
        f.tm = &f.tmv;
        for (size_t k = 0; k < raw.n && !rc; k++) {
            vser tmp;
            tmp.lab = keep_name ? raw.s[k].lab : lab_drop_name(c, raw.s[k].lab);
            if ((rc = eval_alloc_vsers(c, &tmp, 1, 0)))
                break;
            rc = rfn_series(&f, raw.s[k].t, raw.s[k].v, raw.s[k].n, &tmp, c->e);
            if (!rc && vser_count(c, &tmp)) {
                if ((rc = vvec_reserve(c, &out->vec, out->vec.n + 1)))
                    break;
                out->vec.s[out->vec.n++] = tmp;
            }
        }
        if (rc)
            return rc;
    }
    /* 2.42 checks the whole result matrix for duplicate label sets */
    return check_unique_labels(c, &out->vec);
}

