/* eval_func.c - PromQL functions (Prometheus 2.42 semantics): range-vector
 * kernels run inside the parallel series workers, instant-vector functions
 * map series, plus histogram_quantile, label_replace/label_join, absent. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "query/eval_int.h"
#include "query/selector.h"
#include "store/labels.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Go's math.Max/Min: NaN wins, and +0 > -0. */
static double go_max(double a, double b)
{
    if (isinf(a) && a > 0)
        return a;
    if (isinf(b) && b > 0)
        return b;
    if (isnan(a) || isnan(b))
        return NAN;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

static double go_min(double a, double b)
{
    if (isinf(a) && a < 0)
        return a;
    if (isinf(b) && b < 0)
        return b;
    if (isnan(a) || isnan(b))
        return NAN;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

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
    int64_t range, offset;
    const time_mod *tm;
    time_mod tmv;
    const double *p0, *p1; /* scalar parameters per step */
} rfn;

static int k_extrapolated(const int64_t *t, const double *v, size_t n, int64_t rstart, int64_t rend, int64_t range,
                          int counter, int rate, double *out)
{
    if (n < 2)
        return 0;
    double result = v[n - 1] - v[0];
    if (counter) {
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
    qsort(vals, n, sizeof *vals, cmp_double_nan_first);
    double fn = (double)n;
    double rank = q * (fn - 1);
    double lower = fmax(0, floor(rank));
    double upper = fmin(fn - 1, lower + 1);
    double w = rank - floor(rank);
    return vals[(size_t)lower] * (1 - w) + vals[(size_t)upper] * w;
}

/* Computes function f on the window t/v[0..n) for step i.  1 if a value. */
static int rfn_apply(const rfn *f, size_t i, const int64_t *t, const double *v, size_t n, int64_t ref, double *out,
                     err_ctx *e, int *err)
{
    switch (f->id) {
    case FN_RATE: return k_extrapolated(t, v, n, ref - f->range, ref, f->range, 1, 1, out);
    case FN_INCREASE: return k_extrapolated(t, v, n, ref - f->range, ref, f->range, 1, 0, out);
    case FN_DELTA: return k_extrapolated(t, v, n, ref - f->range, ref, f->range, 0, 0, out);
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
        memcpy(tmp, v, n * sizeof *tmp);
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
    for (size_t i = 0; i < c->nsteps && !err; i++) {
        int64_t ref = ref_time(c, f->tm, i);
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
        if (rfn_apply(f, i, t + lo, v + lo, hi - lo, ref, &val, e, &err)) {
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

static __thread samples t_clean;

static int rfn_cb(void *vctx, size_t k, const samples *s, err_ctx *e)
{
    rfn_work *w = vctx;
    /* drop staleness markers: range selectors never return them */
    t_clean.n = 0;
    if (samples_reserve(&t_clean, s->n))
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n; i++)
        if (!is_stale(s->v[i])) {
            t_clean.t[t_clean.n] = s->t[i];
            t_clean.v[t_clean.n++] = s->v[i];
        }
    return rfn_series(w->f, t_clean.t, t_clean.v, t_clean.n, &w->out[k], e);
}

/* Labels created by absent() / absent_over_time() from the selector's
 * equality matchers (none if a label also has another matcher). */
static slice absent_labels(evalctx *c, const ast *arg)
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

static int eval_scalar_arg(evalctx *c, const ast *n, double **out)
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

static int eval_range_func(evalctx *c, const ast *n, qval *out)
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

/* ------------------------------------------------------------ instant functions */

static double round_to(double v, double to)
{
    double inv = 1.0 / to;
    return floor(v * inv + 0.5) / inv;
}

static double apply_simple(func_id id, double v)
{
    switch (id) {
    case FN_ABS: return fabs(v);
    case FN_CEIL: return ceil(v);
    case FN_FLOOR: return floor(v);
    case FN_EXP: return exp(v);
    case FN_SQRT: return sqrt(v);
    case FN_LN: return log(v);
    case FN_LOG2: return log2(v);
    case FN_LOG10: return log10(v);
    case FN_SIN: return sin(v);
    case FN_COS: return cos(v);
    case FN_TAN: return tan(v);
    case FN_ASIN: return asin(v);
    case FN_ACOS: return acos(v);
    case FN_ATAN: return atan(v);
    case FN_SINH: return sinh(v);
    case FN_COSH: return cosh(v);
    case FN_TANH: return tanh(v);
    case FN_ASINH: return asinh(v);
    case FN_ACOSH: return acosh(v);
    case FN_ATANH: return atanh(v);
    case FN_RAD: return v * M_PI / 180;
    case FN_DEG: return v * 180 / M_PI;
    case FN_SGN: return v < 0 ? -1 : v > 0 ? 1 : v;
    default: return NAN;
    }
}

/* Go: time.Unix(int64(v), 0).UTC() pieces. */
static double date_part(func_id id, double v)
{
    int64_t secs;
    if (isnan(v) || v >= 9.2e18 || v <= -9.2e18)
        secs = INT64_MIN; /* what Go's conversion yields on amd64 */
    else
        secs = (int64_t)v;
    time_t tt = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return NAN;
    switch (id) {
    case FN_DAY_OF_MONTH: return tm.tm_mday;
    case FN_DAY_OF_WEEK: return tm.tm_wday;
    case FN_DAY_OF_YEAR: return tm.tm_yday + 1;
    case FN_HOUR: return tm.tm_hour;
    case FN_MINUTE: return tm.tm_min;
    case FN_MONTH: return tm.tm_mon + 1;
    case FN_YEAR: return (double)tm.tm_year + 1900;
    case FN_DAYS_IN_MONTH: {
        static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        int y = tm.tm_year + 1900;
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        return dm[tm.tm_mon] + (tm.tm_mon == 1 && leap);
    }
    default: return NAN;
    }
}

static int is_date_fn(func_id id)
{
    return id == FN_DAY_OF_MONTH || id == FN_DAY_OF_WEEK || id == FN_DAY_OF_YEAR || id == FN_HOUR ||
           id == FN_MINUTE || id == FN_MONTH || id == FN_YEAR || id == FN_DAYS_IN_MONTH;
}

/* Maps every point of vector `in` through fn; labels via drop_name. */
typedef double (*map_fn)(void *ctx, size_t step, double v, const vser *s);

static int map_vector(evalctx *c, const vvec *in, int drop_name, map_fn fn, void *ctx, qval *out)
{
    out->type = VT_VECTOR;
    memset(&out->vec, 0, sizeof out->vec);
    outvec o;
    int rc = outvec_init(&o, c, &out->vec, in->n);
    for (size_t k = 0; k < in->n && !rc; k++) {
        vser *s = outvec_get(&o, drop_name ? lab_drop_name(c, in->s[k].lab) : in->s[k].lab);
        if (!s)
            return c->e->code;
        for (size_t i = 0; i < c->nsteps && !rc; i++)
            if (bit_get(in->s[k].bits, i))
                rc = outvec_put(&o, s, i, fn(ctx, i, in->s[k].v[i], &in->s[k]));
    }
    return rc;
}

typedef struct simple_ctx {
    func_id id;
    const double *a, *b;
    evalctx *c;
} simple_ctx;

static double map_simple(void *vctx, size_t i, double v, const vser *s)
{
    simple_ctx *x = vctx;
    switch (x->id) {
    case FN_CLAMP: return go_max(x->a[i], go_min(x->b[i], v));
    case FN_CLAMP_MAX: return go_min(x->a[i], v);
    case FN_CLAMP_MIN: return go_max(x->a[i], v);
    case FN_ROUND: return round_to(v, x->a ? x->a[i] : 1);
    case FN_TIMESTAMP: return s->ts ? (double)s->ts[i] / 1000 : (double)step_time(x->c, i) / 1000;
    default: return is_date_fn(x->id) ? date_part(x->id, v) : apply_simple(x->id, v);
    }
}

/* ------------------------------------------------------------ histogram_quantile */

typedef struct bucket {
    double ub, count;
} bucket;

static int cmp_bucket(const void *a, const void *b)
{
    double x = ((const bucket *)a)->ub, y = ((const bucket *)b)->ub;
    return x < y ? -1 : x > y;
}

static double bucket_quantile(double q, bucket *b, size_t n)
{
    if (isnan(q))
        return NAN;
    if (q < 0)
        return -INFINITY;
    if (q > 1)
        return INFINITY;
    qsort(b, n, sizeof *b, cmp_bucket);
    if (!(isinf(b[n - 1].ub) && b[n - 1].ub > 0))
        return NAN;
    /* coalesce equal upper bounds */
    size_t m = 0;
    for (size_t i = 1; i < n; i++) {
        if (b[i].ub == b[m].ub)
            b[m].count += b[i].count;
        else
            b[++m] = b[i];
    }
    n = m + 1;
    double max = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (b[i].count > max)
            max = b[i].count;
        else if (b[i].count < max)
            b[i].count = max;
    }
    if (n < 2)
        return NAN;
    double obs = b[n - 1].count;
    if (obs == 0)
        return NAN;
    double rank = q * obs;
    size_t k = 0; /* first bucket with count >= rank, searching [0, n-1) */
    {
        size_t lo = 0, hi = n - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (b[mid].count >= rank)
                hi = mid;
            else
                lo = mid + 1;
        }
        k = lo;
    }
    if (k == n - 1)
        return b[n - 2].ub;
    if (k == 0 && b[0].ub <= 0)
        return b[0].ub;
    double start = 0, end = b[k].ub, count = b[k].count;
    if (k > 0) {
        start = b[k - 1].ub;
        count -= b[k - 1].count;
        rank -= b[k - 1].count;
    }
    return start + (end - start) * (rank / count);
}

/* Go's strconv.ParseFloat for `le` values (accepts Inf/NaN spellings). */
static int parse_le(slice s, double *out)
{
    char tmp[64];
    if (s.n == 0 || s.n >= sizeof tmp)
        return -1;
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = 0;
    char *end;
    double v = strtod(tmp, &end);
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static int eval_histogram_quantile(evalctx *c, const ast *n, qval *out)
{
    double *q = NULL;
    qval in;
    int rc = eval_scalar_arg(c, n->call.args[0], &q);
    if (!rc)
        rc = eval_node(c, n->call.args[1], &in);
    if (rc)
        return rc;
    out->type = VT_VECTOR;
    memset(&out->vec, 0, sizeof out->vec);
    /* group series by labels without `le` (the name stays in the key so two
     * histograms with otherwise equal labels are not combined) */
    size_t ng = 0;
    size_t *grp = arena_alloc(c->a, (in.vec.n ? in.vec.n : 1) * sizeof *grp);
    double *ub = arena_alloc(c->a, (in.vec.n ? in.vec.n : 1) * sizeof *ub);
    slice *keys = arena_alloc(c->a, (in.vec.n ? in.vec.n : 1) * sizeof *keys);
    if (!grp || !ub || !keys)
        return err_set(c->e, LOUPE_ENOMEM, "out of memory");
    name_list le = { (char *[]){ "le" }, 1 };
    vvec groups = { 0 };
    outvec og;
    if ((rc = outvec_init(&og, c, &groups, in.vec.n)))
        return rc;
    for (size_t k = 0; k < in.vec.n; k++) {
        grp[k] = SIZE_MAX;
        if (parse_le(lab_get(in.vec.s[k].lab, "le"), &ub[k]))
            continue;
        keys[k] = lab_del(c, in.vec.s[k].lab, &le, 0);
        size_t before = groups.n;
        vser *g = outvec_get(&og, keys[k]);
        if (!g)
            return c->e->code;
        grp[k] = (size_t)(g - groups.s);
        (void)before;
    }
    ng = groups.n;
    /* output series: group labels without name and le */
    vser **outs = arena_alloc(c->a, (ng ? ng : 1) * sizeof *outs);
    outvec o;
    if (!outs || (rc = outvec_init(&o, c, &out->vec, ng)))
        return rc ? rc : err_set(c->e, LOUPE_ENOMEM, "out of memory");
    for (size_t g = 0; g < ng; g++)
        outs[g] = NULL;
    bucket *bk = malloc((in.vec.n ? in.vec.n : 1) * sizeof *bk);
    size_t *cnt = calloc(ng ? ng : 1, sizeof *cnt);
    size_t *start = calloc(ng + 1, sizeof *start);
    size_t *order = malloc((in.vec.n ? in.vec.n : 1) * sizeof *order);
    if (!bk || !cnt || !start || !order) {
        rc = err_set(c->e, LOUPE_ENOMEM, "out of memory");
        goto done;
    }
    /* series indexes grouped: counting sort by group */
    for (size_t k = 0; k < in.vec.n; k++)
        if (grp[k] != SIZE_MAX)
            cnt[grp[k]]++;
    for (size_t g = 0; g < ng; g++)
        start[g + 1] = start[g] + cnt[g];
    memset(cnt, 0, (ng ? ng : 1) * sizeof *cnt);
    for (size_t k = 0; k < in.vec.n; k++)
        if (grp[k] != SIZE_MAX)
            order[start[grp[k]] + cnt[grp[k]]++] = k;
    for (size_t i = 0; i < c->nsteps && !rc; i++) {
        for (size_t g = 0; g < ng && !rc; g++) {
            size_t nb = 0;
            for (size_t j = start[g]; j < start[g + 1]; j++) {
                size_t k = order[j];
                if (bit_get(in.vec.s[k].bits, i))
                    bk[nb++] = (bucket){ ub[k], in.vec.s[k].v[i] };
            }
            if (!nb)
                continue;
            if (!outs[g]) {
                slice lab = lab_drop_name(c, groups.s[g].lab);
                outs[g] = outvec_get(&o, lab);
                if (!outs[g]) {
                    rc = c->e->code;
                    break;
                }
            }
            rc = outvec_put(&o, outs[g], i, bucket_quantile(q[i], bk, nb));
        }
    }
done:
    free(bk);
    free(cnt);
    free(start);
    free(order);
    return rc;
}

/* ------------------------------------------------------------ label_replace / label_join */

/* A string argument, possibly parenthesised ("stringFromArg" in Prometheus). */
static slice str_arg(const ast *n)
{
    while (n->kind == AST_PAREN)
        n = n->paren.expr;
    return n->kind == AST_STRING ? slice_make(n->str.s, n->str.n) : slice_make("", 0);
}

/* Go's Regexp.Expand: $1, ${1}, $name, ${name}, $$. */
static int expand(buf *out, slice tmpl, slice src, pcre2_code *re, const PCRE2_SIZE *ov, int nmatch)
{
    for (size_t i = 0; i < tmpl.n; i++) {
        uint8_t ch = tmpl.p[i];
        if (ch != '$' || i + 1 >= tmpl.n) {
            if (buf_putc(out, ch))
                return LOUPE_ENOMEM;
            continue;
        }
        i++;
        if (tmpl.p[i] == '$') {
            if (buf_putc(out, '$'))
                return LOUPE_ENOMEM;
            continue;
        }
        int brace = tmpl.p[i] == '{';
        size_t s0 = i + brace, e0 = s0;
        while (e0 < tmpl.n && (tmpl.p[e0] == '_' || (tmpl.p[e0] >= 'a' && tmpl.p[e0] <= 'z') ||
                               (tmpl.p[e0] >= 'A' && tmpl.p[e0] <= 'Z') || (tmpl.p[e0] >= '0' && tmpl.p[e0] <= '9')))
            e0++;
        if (e0 == s0 || (brace && (e0 >= tmpl.n || tmpl.p[e0] != '}'))) {
            /* not a valid reference: Go copies the '$' literally */
            if (buf_putc(out, '$'))
                return LOUPE_ENOMEM;
            i--;
            continue;
        }
        char name[128];
        size_t nl = e0 - s0 < sizeof name - 1 ? e0 - s0 : sizeof name - 1;
        memcpy(name, tmpl.p + s0, nl);
        name[nl] = 0;
        int idx = -1;
        char *endp;
        long num = strtol(name, &endp, 10);
        if (!*endp)
            idx = num >= 0 && num < 100000 ? (int)num : -1;
        else
            idx = pcre2_substring_number_from_name(re, (PCRE2_SPTR)name);
        if (idx >= 0 && idx < nmatch && ov[2 * idx] != PCRE2_UNSET) {
            if (buf_append(out, src.p + ov[2 * idx], ov[2 * idx + 1] - ov[2 * idx]))
                return LOUPE_ENOMEM;
        }
        i = brace ? e0 : e0 - 1;
    }
    return 0;
}

static int eval_label_replace(evalctx *c, const ast *n, qval *out)
{
    qval in;
    int rc = eval_node(c, n->call.args[0], &in);
    if (rc)
        return rc;
    slice dst = str_arg(n->call.args[1]);
    slice repl = str_arg(n->call.args[2]);
    slice src = str_arg(n->call.args[3]);
    slice rex = str_arg(n->call.args[4]);
    buf pat = BUF_INIT;
    if (buf_puts(&pat, "^(?:") || buf_append(&pat, rex.p, rex.n) || buf_puts(&pat, ")\\z")) {
        buf_free(&pat);
        return err_set(c->e, LOUPE_ENOMEM, "out of memory");
    }
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile(pat.p, pat.n, PCRE2_UTF, &ec, &eo, NULL);
    buf_free(&pat);
    if (!re)
        return err_set(c->e, LOUPE_EEXEC, "invalid regular expression in label_replace(): %.*s", (int)rex.n,
                       (const char *)rex.p);
    if (!is_label_name(dst)) {
        pcre2_code_free(re);
        return err_set(c->e, LOUPE_EEXEC, "invalid destination label name in label_replace(): %.*s", (int)dst.n,
                       (const char *)dst.p);
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    out->type = VT_VECTOR;
    memset(&out->vec, 0, sizeof out->vec);
    outvec o;
    buf res = BUF_INIT;
    rc = md ? outvec_init(&o, c, &out->vec, in.vec.n) : err_set(c->e, LOUPE_ENOMEM, "out of memory");
    for (size_t k = 0; k < in.vec.n && !rc; k++) {
        slice lab = in.vec.s[k].lab;
        slice sv = labels_get(lab, src);
        const uint8_t *subj = sv.p ? sv.p : (const uint8_t *)"";
        int m = pcre2_match(re, subj, sv.n, 0, 0, md, NULL);
        slice nl = lab;
        if (m >= 0) {
            res.n = 0;
            if ((rc = expand(&res, repl, slice_make(subj, sv.n), re, pcre2_get_ovector_pointer(md), m))) {
                err_set(c->e, rc, "out of memory");
                break;
            }
            uint8_t *copy = res.n ? arena_alloc(c->a, res.n) : NULL;
            if (res.n && !copy) {
                rc = err_set(c->e, LOUPE_ENOMEM, "out of memory");
                break;
            }
            if (res.n)
                memcpy(copy, res.p, res.n);
            nl = lab_set(c, lab, dst, slice_make(copy, res.n));
        }
        vser *s = outvec_get(&o, nl);
        if (!s) {
            rc = c->e->code;
            break;
        }
        for (size_t i = 0; i < c->nsteps && !rc; i++)
            if (bit_get(in.vec.s[k].bits, i))
                rc = outvec_put(&o, s, i, in.vec.s[k].v[i]);
    }
    buf_free(&res);
    if (md)
        pcre2_match_data_free(md);
    pcre2_code_free(re);
    return rc;
}

static int eval_label_join(evalctx *c, const ast *n, qval *out)
{
    qval in;
    int rc = eval_node(c, n->call.args[0], &in);
    if (rc)
        return rc;
    slice dst = str_arg(n->call.args[1]);
    slice sep = str_arg(n->call.args[2]);
    for (size_t a = 3; a < n->call.nargs; a++) {
        slice s = str_arg(n->call.args[a]);
        if (!is_label_name(s))
            return err_set(c->e, LOUPE_EEXEC, "invalid source label name in label_join(): %.*s", (int)s.n,
                           (const char *)s.p);
    }
    if (!is_label_name(dst))
        return err_set(c->e, LOUPE_EEXEC, "invalid destination label name in label_join(): %.*s", (int)dst.n,
                       (const char *)dst.p);
    out->type = VT_VECTOR;
    memset(&out->vec, 0, sizeof out->vec);
    outvec o;
    buf res = BUF_INIT;
    rc = outvec_init(&o, c, &out->vec, in.vec.n);
    for (size_t k = 0; k < in.vec.n && !rc; k++) {
        slice lab = in.vec.s[k].lab;
        res.n = 0;
        for (size_t a = 3; a < n->call.nargs && !rc; a++) {
            if (a > 3)
                rc = buf_append(&res, sep.p, sep.n);
            slice v = labels_get(lab, str_arg(n->call.args[a]));
            if (!rc && v.n)
                rc = buf_append(&res, v.p, v.n);
        }
        uint8_t *copy = res.n ? arena_alloc(c->a, res.n) : NULL;
        if (rc || (res.n && !copy)) {
            rc = err_set(c->e, LOUPE_ENOMEM, "out of memory");
            break;
        }
        if (res.n)
            memcpy(copy, res.p, res.n);
        vser *s = outvec_get(&o, lab_set(c, lab, dst, slice_make(copy, res.n)));
        if (!s) {
            rc = c->e->code;
            break;
        }
        for (size_t i = 0; i < c->nsteps && !rc; i++)
            if (bit_get(in.vec.s[k].bits, i))
                rc = outvec_put(&o, s, i, in.vec.s[k].v[i]);
    }
    buf_free(&res);
    return rc;
}

/* ------------------------------------------------------------ sort */

typedef struct sortent {
    vser s;
    double v;
} sortent;

static int cmp_sort_asc(const void *a, const void *b)
{
    double x = ((const sortent *)a)->v, y = ((const sortent *)b)->v;
    /* NaN sorts to the bottom */
    if (isnan(x))
        return isnan(y) ? 0 : 1;
    if (isnan(y))
        return -1;
    return x < y ? -1 : x > y;
}

static int cmp_sort_desc(const void *a, const void *b)
{
    double x = ((const sortent *)a)->v, y = ((const sortent *)b)->v;
    if (isnan(x))
        return isnan(y) ? 0 : 1;
    if (isnan(y))
        return -1;
    return x > y ? -1 : x < y;
}

static int eval_sort(evalctx *c, const ast *n, int desc, qval *out)
{
    int rc = eval_node(c, n->call.args[0], out);
    if (rc || c->nsteps != 1 || out->vec.n < 2)
        return rc;
    sortent *se = malloc(out->vec.n * sizeof *se);
    if (!se)
        return err_set(c->e, LOUPE_ENOMEM, "out of memory");
    for (size_t k = 0; k < out->vec.n; k++)
        se[k] = (sortent){ out->vec.s[k], out->vec.s[k].v[0] };
    qsort(se, out->vec.n, sizeof *se, desc ? cmp_sort_desc : cmp_sort_asc);
    for (size_t k = 0; k < out->vec.n; k++)
        out->vec.s[k] = se[k].s;
    free(se);
    return 0;
}

/* ------------------------------------------------------------ dispatch */

static int is_range_fn(func_id id)
{
    switch (id) {
    case FN_RATE: case FN_INCREASE: case FN_DELTA: case FN_IRATE: case FN_IDELTA: case FN_DERIV:
    case FN_PREDICT_LINEAR: case FN_RESETS: case FN_CHANGES: case FN_AVG_OVER_TIME: case FN_COUNT_OVER_TIME:
    case FN_LAST_OVER_TIME: case FN_PRESENT_OVER_TIME: case FN_MAX_OVER_TIME: case FN_MIN_OVER_TIME:
    case FN_SUM_OVER_TIME: case FN_STDDEV_OVER_TIME: case FN_STDVAR_OVER_TIME: case FN_QUANTILE_OVER_TIME:
    case FN_HOLT_WINTERS: case FN_ABSENT_OVER_TIME:
        return 1;
    default:
        return 0;
    }
}

static int scalar_out(evalctx *c, qval *out)
{
    out->type = VT_SCALAR;
    out->sc = arena_alloc(c->a, (c->nsteps ? c->nsteps : 1) * sizeof(double));
    return out->sc ? 0 : err_set(c->e, LOUPE_ENOMEM, "out of memory");
}

int eval_call(evalctx *c, const ast *n, qval *out)
{
    const func_def *fd = n->call.fn;
    func_id id = fd->id;
    int rc;
    if (is_range_fn(id))
        return eval_range_func(c, n, out);
    switch (id) {
    case FN_TIME:
    case FN_PI:
        if ((rc = scalar_out(c, out)))
            return rc;
        for (size_t i = 0; i < c->nsteps; i++)
            out->sc[i] = id == FN_PI ? M_PI : (double)step_time(c, i) / 1000;
        return 0;
    case FN_VECTOR: {
        double *v = NULL;
        if ((rc = eval_scalar_arg(c, n->call.args[0], &v)))
            return rc;
        out->type = VT_VECTOR;
        memset(&out->vec, 0, sizeof out->vec);
        vser *s = vvec_add(c, &out->vec, slice_make("", 0));
        if (!s)
            return c->e->code;
        for (size_t i = 0; i < c->nsteps; i++) {
            bit_set(s->bits, i);
            s->v[i] = v[i];
        }
        return 0;
    }
    case FN_SCALAR: {
        qval in;
        if ((rc = eval_node(c, n->call.args[0], &in)) || (rc = scalar_out(c, out)))
            return rc;
        for (size_t i = 0; i < c->nsteps; i++) {
            size_t cnt = 0;
            double v = NAN;
            for (size_t k = 0; k < in.vec.n && cnt < 2; k++)
                if (bit_get(in.vec.s[k].bits, i)) {
                    cnt++;
                    v = in.vec.s[k].v[i];
                }
            out->sc[i] = cnt == 1 ? v : NAN;
        }
        return 0;
    }
    case FN_ABSENT: {
        qval in;
        if ((rc = eval_node(c, n->call.args[0], &in)))
            return rc;
        out->type = VT_VECTOR;
        memset(&out->vec, 0, sizeof out->vec);
        vser *s = vvec_add(c, &out->vec, absent_labels(c, n->call.args[0]));
        if (!s)
            return c->e->code;
        for (size_t i = 0; i < c->nsteps; i++) {
            int any = 0;
            for (size_t k = 0; k < in.vec.n && !any; k++)
                any = bit_get(in.vec.s[k].bits, i);
            if (!any) {
                bit_set(s->bits, i);
                s->v[i] = 1;
            }
        }
        if (!vser_count(c, s))
            out->vec.n = 0;
        return 0;
    }
    case FN_HISTOGRAM_QUANTILE:
        return eval_histogram_quantile(c, n, out);
    case FN_LABEL_REPLACE:
        return eval_label_replace(c, n, out);
    case FN_LABEL_JOIN:
        return eval_label_join(c, n, out);
    case FN_SORT:
        return eval_sort(c, n, 0, out);
    case FN_SORT_DESC:
        return eval_sort(c, n, 1, out);
    default:
        break;
    }
    /* instant-vector functions: map values, drop the metric name */
    simple_ctx sx = { id, NULL, NULL, c };
    qval in;
    if (is_date_fn(id) && n->call.nargs == 0) {
        /* hour() = hour(vector(time())) */
        out->type = VT_VECTOR;
        memset(&out->vec, 0, sizeof out->vec);
        vser *s = vvec_add(c, &out->vec, slice_make("", 0));
        if (!s)
            return c->e->code;
        for (size_t i = 0; i < c->nsteps; i++) {
            bit_set(s->bits, i);
            s->v[i] = date_part(id, (double)step_time(c, i) / 1000);
        }
        return 0;
    }
    const ast *a0 = n->call.nargs ? n->call.args[0] : NULL;
    while (a0 && a0->kind == AST_PAREN)
        a0 = a0->paren.expr;
    if (id == FN_TIMESTAMP && a0->kind == AST_VECTOR_SEL)
        rc = eval_vector_sel_ts(c, a0, &in);
    else
        rc = eval_node(c, n->call.args[0], &in);
    if (rc)
        return rc;
    if (id == FN_CLAMP) {
        if ((rc = eval_scalar_arg(c, n->call.args[1], (double **)&sx.a)) ||
            (rc = eval_scalar_arg(c, n->call.args[2], (double **)&sx.b)))
            return rc;
        /* max < min: no output at that step */
        for (size_t k = 0; k < in.vec.n; k++)
            for (size_t i = 0; i < c->nsteps; i++)
                if (sx.b[i] < sx.a[i])
                    bit_clr(in.vec.s[k].bits, i);
    } else if (id == FN_CLAMP_MAX || id == FN_CLAMP_MIN || (id == FN_ROUND && n->call.nargs > 1)) {
        if ((rc = eval_scalar_arg(c, n->call.args[1], (double **)&sx.a)))
            return rc;
    }
    return map_vector(c, &in.vec, 1, map_simple, &sx, out);
}
