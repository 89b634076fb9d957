/* otlp_metrics.c - OTLP metric points -> Prometheus samples in a
 * series_batch (see otlp_metrics.h): labels, names, shapes, target_info and
 * metadata.  Delta points go through the stream state in otlp_delta.c. */
#include "util/mem.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/sort.h"
#include "ingest/otlp_metrics_int.h"
#include "ingest/promrw.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ request context */

typedef struct res_info {
    const otlp_resource *res;
    slice job, inst;  /* empty when absent */
    uint64_t fp;      /* all attributes, for stream identity */
    uint64_t max_ns;  /* latest point time: target_info's timestamp */
} res_info;

typedef struct conv_ctx {
    otlp_metrics_conv *c;
    series_batch *out;
    arena *a;
    otlp_metrics_report *rep;
    err_ctx *e;
    err_ctx pe;             /* why the current point failed */
    res_info *res;
    size_t nres, capres;
    const otlp_scope *scope; /* the scope whose labels are cached */
    label *scope_ls;
    size_t nscope;
    uint64_t scope_fp;
    label *base;            /* the point's labels: sorted, unique, no __name__ */
    size_t nbase;
    label *tmp;             /* one series' labels */
    size_t tmpcap;
    buf key;                /* stream fingerprint input */
    uint64_t seed;
    size_t *meta_slots;     /* family -> meta index + 1 */
    size_t nmeta_slots;
} conv_ctx;

static int oom(conv_ctx *x)
{
    err_set(x->e, LOUPE_ENOMEM, "out of memory");
    return LOUPE_ENOMEM;
}

static int ensure_tmp(conv_ctx *x, size_t n)
{
    if (x->tmpcap >= n)
        return 0;
    x->tmpcap = n < 32 ? 32 : n;
    x->tmp = arena_alloc(x->a, x->tmpcap * sizeof *x->tmp);
    return x->tmp ? 0 : oom(x);
}

static void reject(conv_ctx *x, const otlp_metric *m, size_t npoints, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void reject(conv_ctx *x, const otlp_metric *m, size_t npoints, const char *fmt, ...)
{
    x->rep->rejected += npoints;
    if (x->rep->first_error[0])
        return;
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(x->rep->first_error, sizeof x->rep->first_error, "metric \"%.*s\": %s",
             (int)(m->name.n > 64 ? 64 : m->name.n), (const char *)m->name.p, why);
}

/* The last attribute named key, as label text (empty when absent). */
static int attr_text(const otlp_attrs *as, const char *key, arena *a, slice *out)
{
    *out = slice_make(NULL, 0);
    for (size_t i = as ? as->n : 0; i-- > 0;)
        if (slice_eq_cstr(as->a[i].key, key))
            return otlp_metrics_value_text(&as->a[i].value, a, out);
    return 0;
}

static void key_put(buf *b, slice s, int *rc)
{
    if (!*rc && (buf_put_uvarint(b, s.n) || buf_append(b, s.p, s.n)))
        *rc = LOUPE_ENOMEM;
}

/* Hash of the label set ls (sorted) with a tag, for stream identity. */
static int labels_fp(conv_ctx *x, const char *tag, const label *ls, size_t n, uint64_t *fp)
{
    int rc = 0;
    x->key.n = 0;
    key_put(&x->key, slice_cstr(tag), &rc);
    for (size_t i = 0; i < n; i++) {
        key_put(&x->key, ls[i].name, &rc);
        key_put(&x->key, ls[i].value, &rc);
    }
    *fp = rc ? 0 : hash_bytes(x->key.p, x->key.n, x->seed);
    return rc;
}

/* The resource's job, instance and fingerprint; resources are contiguous
 * in a decoded request, so only the last one is looked at. */
static int res_get(conv_ctx *x, const otlp_resource *r, res_info **out)
{
    if (x->nres && x->res[x->nres - 1].res == r) {
        *out = &x->res[x->nres - 1];
        return 0;
    }
    if (x->nres == x->capres) {
        size_t cap = x->capres ? x->capres * 2 : 8;
        res_info *n = arena_alloc(x->a, cap * sizeof *n);
        if (!n)
            return LOUPE_ENOMEM;
        mem_copy(n, x->res, x->nres * sizeof *n);
        x->res = n;
        x->capres = cap;
    }
    res_info *ri = &x->res[x->nres];
    memset(ri, 0, sizeof *ri);
    ri->res = r;
    const otlp_attrs *as = r ? &r->attrs : NULL;
    slice ns, name;
    if (attr_text(as, "service.namespace", x->a, &ns) || attr_text(as, "service.name", x->a, &name) ||
        attr_text(as, "service.instance.id", x->a, &ri->inst))
        return LOUPE_ENOMEM;
    if (name.n && ns.n) {
        char *j = arena_alloc(x->a, ns.n + 1 + name.n);
        if (!j)
            return LOUPE_ENOMEM;
        mem_copy(j, ns.p, ns.n);
        j[ns.n] = '/';
        mem_copy(j + ns.n + 1, name.p, name.n);
        ri->job = slice_make(j, ns.n + 1 + name.n);
    } else {
        ri->job = name; /* no service.name, no job (the namespace alone is not one) */
    }
    /* identity: every attribute, as labels (invalid keys kept apart by their raw text) */
    label *ls;
    size_t n;
    slice bad;
    int rc = otlp_metrics_attr_labels(as, NULL, x->a, &ls, &n, &bad);
    if (rc == LOUPE_EINVAL) {
        /* a key with no label name (rare): identify by the raw attributes */
        rc = 0;
        x->key.n = 0;
        for (size_t i = 0; i < as->n && !rc; i++) {
            slice v;
            rc = otlp_metrics_value_text(&as->a[i].value, x->a, &v);
            key_put(&x->key, as->a[i].key, &rc);
            key_put(&x->key, v, &rc);
        }
        ri->fp = hash_bytes(x->key.p, x->key.n, x->seed);
    } else if (!rc) {
        rc = labels_fp(x, "resource", ls, n, &ri->fp);
    }
    if (rc)
        return rc;
    x->nres++;
    *out = ri;
    return 0;
}

/* otel_scope_name / otel_scope_version / otel_scope_<attr>, as the
 * translator promotes them when the scope has a name. */
static int scope_get(conv_ctx *x, const otlp_scope *s)
{
    if (x->scope == s && x->scope_ls)
        return 0;
    x->scope = s;
    x->nscope = 0;
    size_t na = s ? s->attrs.n : 0;
    x->scope_ls = arena_alloc(x->a, (na + 2) * sizeof *x->scope_ls);
    if (!x->scope_ls)
        return LOUPE_ENOMEM;
    if (s && s->name.n) {
        x->scope_ls[x->nscope++] = (label){ slice_cstr("otel_scope_name"), s->name };
        x->scope_ls[x->nscope++] = (label){ slice_cstr("otel_scope_version"), s->version };
        for (size_t i = 0; i < na; i++) {
            const otlp_attr *at = &s->attrs.a[i];
            char *k = arena_alloc(x->a, 11 + at->key.n);
            if (!k)
                return LOUPE_ENOMEM;
            mem_copy(k, "otel_scope_", 11);
            mem_copy(k + 11, at->key.p, at->key.n);
            label *l = &x->scope_ls[x->nscope];
            int rc = otlp_metrics_label_name(slice_make(k, 11 + at->key.n), x->a, &l->name);
            if (rc == LOUPE_ENOMEM || (!rc && otlp_metrics_value_text(&at->value, x->a, &l->value)))
                return LOUPE_ENOMEM;
            if (!rc)
                x->nscope++; /* (EINVAL cannot happen: the prefix makes any key a valid name) */
        }
    }
    return labels_fp(x, "scope", x->scope_ls, x->nscope, &x->scope_fp);
}

typedef struct seq_label {
    label l;
    size_t seq;
} seq_label;

static int seq_label_cmp(const void *pa, const void *pb)
{
    const seq_label *a = pa, *b = pb;
    int c = slice_cmp(a->l.name, b->l.name);
    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* The point's label set in x->base: attributes, then scope labels, job and
 * instance overriding attributes of the same name (the translator's Set()),
 * sorted, without __name__ (every series sets its own). */
static int base_labels(conv_ctx *x, const res_info *ri, const otlp_point *p)
{
    label *al;
    size_t na;
    slice bad = { 0 };
    int rc = otlp_metrics_attr_labels(&p->attrs, NULL, x->a, &al, &na, &bad);
    if (rc == LOUPE_EINVAL)
        return err_set(&x->pe, LOUPE_EINVAL, "attribute \"%.*s\" has no valid label name",
                       (int)(bad.n > 64 ? 64 : bad.n), (const char *)bad.p);
    if (rc)
        return oom(x);
    size_t n = na + x->nscope + 2;
    seq_label *sl = arena_alloc(x->a, n * sizeof *sl);
    if (!sl)
        return oom(x);
    size_t k = 0;
    for (size_t i = 0; i < na; i++)
        sl[k].l = al[i], sl[k].seq = k, k++;
    for (size_t i = 0; i < x->nscope; i++)
        sl[k].l = x->scope_ls[i], sl[k].seq = k, k++;
    if (ri->job.n)
        sl[k].l = (label){ slice_cstr("job"), ri->job }, sl[k].seq = k, k++;
    if (ri->inst.n)
        sl[k].l = (label){ slice_cstr("instance"), ri->inst }, sl[k].seq = k, k++;
    sort_array(sl, k, sizeof *sl, seq_label_cmp);
    label *ls = arena_alloc(x->a, (k + 2) * sizeof *ls);
    if (!ls)
        return oom(x);
    size_t o = 0;
    for (size_t i = 0; i < k; i++) {
        if (i + 1 < k && slice_eq(sl[i + 1].l.name, sl[i].l.name))
            continue; /* the last Set() wins */
        if (!slice_eq_cstr(sl[i].l.name, "__name__"))
            ls[o++] = sl[i].l;
    }
    x->base = ls;
    x->nbase = o;
    return ensure_tmp(x, o + 2);
}

/* Fills x->tmp with the base labels plus __name__ and extra (which
 * replaces a base label of that name); returns the count. */
static size_t series_labels(conv_ctx *x, slice name, const label *extra)
{
    size_t k = 0;
    for (size_t i = 0; i < x->nbase; i++)
        if (!extra || !slice_eq(x->base[i].name, extra->name))
            x->tmp[k++] = x->base[i];
    x->tmp[k++] = (label){ slice_cstr("__name__"), name };
    if (extra)
        x->tmp[k++] = *extra;
    return k;
}

/* fam + suffix, in the arena (empty slice with p == NULL on OOM). */
static slice suffixed(conv_ctx *x, slice fam, const char *suffix)
{
    size_t sl = strlen(suffix);
    char *nm = arena_alloc(x->a, fam.n + sl + 1);
    if (!nm)
        return slice_make(NULL, 0);
    mem_copy(nm, fam.p, fam.n);
    mem_copy(nm + fam.n, suffix, sl);
    return slice_make(nm, fam.n + sl);
}

/* One sample of the series name{base labels, xname="xval"}.
 * LOUPE_EINVAL / LOUPE_ETOOBIG (message in x->pe) reject the point. */
static int emit(conv_ctx *x, slice name, const char *xname, const char *xval, int64_t t, double v)
{
    label extra = { slice_cstr(xname ? xname : ""), slice_cstr(xval ? xval : "") };
    size_t n = series_labels(x, name, xname ? &extra : NULL);
    int rc = series_batch_add(x->out, x->tmp, n, t, v, &x->pe);
    if (rc == LOUPE_ENOMEM)
        return oom(x);
    if (!rc)
        x->rep->samples++;
    return rc;
}

/* Checks the largest label set a multi-series point will produce (name with
 * its longest suffix, plus le / quantile) before any of its samples is
 * added, so a rejected point leaves nothing half-written (only an le value
 * longer than the others, e.g. a 300-digit bound, could still fail later). */
static int precheck(conv_ctx *x, slice fam, const char *suffix, const char *xname)
{
    slice full = suffixed(x, fam, suffix);
    label *ls = arena_alloc(x->a, (x->nbase + 2) * sizeof *ls);
    if (!full.p || !ls)
        return oom(x);
    label extra = { slice_cstr(xname), slice_cstr("+Inf") };
    size_t n = series_labels(x, full, &extra);
    mem_copy(ls, x->tmp, n * sizeof *ls);
    return labels_canonicalize(ls, &n, &x->out->lim, &x->pe);
}

/* ------------------------------------------------------------ shapes */

static double stale_nan(void)
{
    uint64_t u = OTLP_STALE_NAN_BITS;
    double d;
    mem_copy(&d, &u, sizeof d);
    return d;
}

static int64_t ms_of(uint64_t ns) { return (int64_t)(ns / 1000000); }

/* le / quantile text: Go's FormatFloat(v, 'f', -1, 64), "+Inf", "-Inf". */
static const char *float_label(char *tmp, size_t cap, double v)
{
    if (isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    if (isnan(v))
        return "NaN";
    fmt_float_f(tmp, cap, v);
    return tmp;
}

/* Classic histogram series from finite upper bounds le[0..nb) and their
 * (non-cumulative) counts; +Inf is the point's count, as the translator. */
static int put_buckets(conv_ctx *x, slice fam, const double *le, const uint64_t *cnt, size_t nb, const otlp_point *p,
                       int stale)
{
    int64_t t = ms_of(p->time_ns);
    double sn = stale_nan();
    char tmp[400];
    slice bucket = suffixed(x, fam, "_bucket"), count = suffixed(x, fam, "_count"), sum = suffixed(x, fam, "_sum");
    if (!bucket.p || !count.p || !sum.p)
        return oom(x);
    uint64_t cum = 0;
    int rc = 0;
    for (size_t i = 0; i < nb && !rc; i++) {
        cum += cnt ? cnt[i] : 0;
        rc = emit(x, bucket, "le", float_label(tmp, sizeof tmp, le[i]), t, stale ? sn : (double)cum);
    }
    if (!rc)
        rc = emit(x, bucket, "le", "+Inf", t, stale ? sn : (double)p->count);
    if (!rc)
        rc = emit(x, count, NULL, NULL, t, stale ? sn : (double)p->count);
    if (!rc && p->has_sum)
        rc = emit(x, sum, NULL, NULL, t, stale ? sn : p->sum);
    return rc;
}

/* base^e with base = 2^(2^-scale), exact at powers of two. */
static double exp_bound(int32_t scale, int64_t e)
{
    int64_t unit = scale > 0 ? (int64_t)1 << scale : 1;
    if (scale <= 0 || e % unit == 0) {
        int64_t x = scale <= 0 ? e * ((int64_t)1 << -scale) : e / unit;
        return x > 1100 ? INFINITY : x < -1100 ? 0 : ldexp(1.0, (int)x);
    }
    return exp2((double)e / (double)unit);
}

/* An exponential histogram's buckets as classic upper bounds, ascending:
 * negative buckets (bucket i holds -base^(i+1) <= v < -base^i, so its bound
 * is -base^i; highest index first), the zero bucket (le = zero_threshold),
 * then positive bucket i (base^i < v <= base^(i+1)).  A bucket whose bound
 * is not a finite non-zero double adds its count to the next one. */
static int exp_to_classic(conv_ctx *x, const otlp_point *p, double **le, uint64_t **cnt, size_t *nb)
{
    size_t max = p->negative.n + 1 + p->positive.n, k = 0;
    *le = arena_alloc(x->a, max * sizeof **le);
    *cnt = arena_alloc(x->a, max * sizeof **cnt);
    if (!*le || !*cnt)
        return oom(x);
    uint64_t carry = 0;
    for (size_t j = p->negative.n; j-- > 0;) {
        double b = -exp_bound(p->scale, (int64_t)p->negative.offset + (int64_t)j);
        carry += p->negative.counts ? p->negative.counts[j] : 0;
        if (isfinite(b) && b != 0)
            (*le)[k] = b, (*cnt)[k] = carry, carry = 0, k++;
    }
    (*le)[k] = p->zero_threshold > 0 ? p->zero_threshold : 0;
    (*cnt)[k++] = carry + p->zero_count;
    carry = 0;
    for (size_t j = 0; j < p->positive.n; j++) {
        double b = exp_bound(p->scale, (int64_t)p->positive.offset + (int64_t)j + 1);
        carry += p->positive.counts ? p->positive.counts[j] : 0;
        if (isfinite(b) && b != 0)
            (*le)[k] = b, (*cnt)[k] = carry, carry = 0, k++;
    }
    *nb = k; /* what is left over lies beyond DBL_MAX: only +Inf holds it */
    return 0;
}

static int put_summary(conv_ctx *x, slice fam, const otlp_point *p, int stale)
{
    int64_t t = ms_of(p->time_ns);
    double sn = stale_nan();
    char tmp[400];
    slice count = suffixed(x, fam, "_count"), sum = suffixed(x, fam, "_sum");
    if (!count.p || !sum.p)
        return oom(x);
    int rc = 0;
    for (size_t i = 0; i < p->nquantiles && !rc; i++)
        rc = emit(x, fam, "quantile", float_label(tmp, sizeof tmp, p->quantiles[i].q), t,
                  stale ? sn : p->quantiles[i].v);
    if (!rc)
        rc = emit(x, sum, NULL, NULL, t, stale ? sn : p->sum);
    if (!rc)
        rc = emit(x, count, NULL, NULL, t, stale ? sn : (double)p->count);
    return rc;
}

/* Samples of one (cumulative, validated) point. */
static int put_point(conv_ctx *x, const otlp_metric *m, slice fam, const otlp_point *p, int stale)
{
    switch (m->type) {
    case OTLP_M_GAUGE:
    case OTLP_M_SUM:
        return emit(x, fam, NULL, NULL, ms_of(p->time_ns),
                    stale ? stale_nan() : p->is_int ? (double)p->ivalue : p->value);
    case OTLP_M_HISTOGRAM: {
        /* a stale point without counts still ends the bucket series it names */
        size_t nb = p->nbucket_counts || stale ? p->nbounds : 0;
        return put_buckets(x, fam, p->bounds, p->nbucket_counts ? p->bucket_counts : NULL, nb, p, stale);
    }
    case OTLP_M_EXP_HISTOGRAM: {
        double *le = NULL;
        uint64_t *cnt = NULL;
        size_t nb = 0;
        int rc = exp_to_classic(x, p, &le, &cnt, &nb);
        return rc ? rc : put_buckets(x, fam, le, cnt, nb, p, stale);
    }
    case OTLP_M_SUMMARY: return put_summary(x, fam, p, stale);
    default: return 0;
    }
}

/* Why p cannot be converted, or NULL. */
static const char *invalid_point(const otlp_metric *m, const otlp_point *p, char *why, size_t cap)
{
    if (m->type == OTLP_M_HISTOGRAM) {
        if (p->nbucket_counts && p->nbucket_counts != p->nbounds + 1) {
            snprintf(why, cap, "%zu bucket counts for %zu explicit bounds (want %zu)", p->nbucket_counts,
                     p->nbounds, p->nbounds + 1);
            return why;
        }
        for (size_t i = 0; i < p->nbounds; i++)
            if (isnan(p->bounds[i]))
                return "a histogram bound is NaN";
    }
    if (m->type == OTLP_M_EXP_HISTOGRAM) {
        if (p->scale < -10 || p->scale > 20) {
            snprintf(why, cap, "exponential histogram scale %d outside [-10, 20]", (int)p->scale);
            return why;
        }
        if (!(p->zero_threshold >= 0) || isinf(p->zero_threshold))
            return "exponential histogram zero_threshold is not a finite non-negative number";
    }
    return NULL;
}

/* ------------------------------------------------------------ points and metrics */

static int is_delta(const otlp_metric *m)
{
    return (m->type == OTLP_M_SUM || m->type == OTLP_M_HISTOGRAM || m->type == OTLP_M_EXP_HISTOGRAM) &&
           m->temporality == OTLP_TEMPORALITY_DELTA;
}

/* 128-bit identity of the point's delta stream. */
static int stream_fp(conv_ctx *x, const otlp_metric *m, const res_info *ri, uint64_t fp[2])
{
    int rc = 0;
    uint8_t hdr[2] = { (uint8_t)m->type, (uint8_t)(m->monotonic != 0) };
    x->key.n = 0;
    key_put(&x->key, slice_make(hdr, 2), &rc);
    key_put(&x->key, m->name, &rc);
    key_put(&x->key, m->unit, &rc);
    if (!rc && (buf_put_be64(&x->key, ri->fp) || buf_put_be64(&x->key, x->scope_fp)))
        rc = LOUPE_ENOMEM;
    for (size_t i = 0; i < x->nbase; i++) {
        key_put(&x->key, x->base[i].name, &rc);
        key_put(&x->key, x->base[i].value, &rc);
    }
    fp[0] = hash_bytes(x->key.p, x->key.n, x->seed);
    fp[1] = hash_bytes(x->key.p, x->key.n, x->seed ^ 0x9e3779b97f4a7c15ULL);
    return rc;
}

static int convert_point(conv_ctx *x, const otlp_metric *m, slice fam, res_info *ri, const otlp_point *p)
{
    if (p->time_ns > ri->max_ns)
        ri->max_ns = p->time_ns;
    err_clear(&x->pe);
    int stale = (p->flags & OTLP_FLAG_NO_RECORDED_VALUE) != 0;
    char why[160];
    const char *bad = invalid_point(m, p, why, sizeof why);
    if (bad) {
        reject(x, m, 1, "%s", bad);
        return 0;
    }
    int rc = base_labels(x, ri, p);
    if (!rc && m->type != OTLP_M_GAUGE && m->type != OTLP_M_SUM)
        rc = m->type == OTLP_M_SUMMARY ? precheck(x, fam, "_count", "quantile") : precheck(x, fam, "_bucket", "le");
    if (rc == LOUPE_ENOMEM)
        return rc;
    if (rc) {
        reject(x, m, 1, "%s", x->pe.msg);
        return 0;
    }
    otlp_point cum;
    const otlp_point *q = p;
    if (is_delta(m)) {
        uint64_t fp[2];
        const char *dwhy = "";
        if (stream_fp(x, m, ri, fp))
            return oom(x);
        rc = stale ? otlp_delta_forget(x->c, fp, x->a, &cum) : otlp_delta_apply(x->c, fp, m->type, p, x->a, &cum, &dwhy);
        if (rc == LOUPE_ENOMEM)
            return oom(x);
        if (stale && rc == 1) {
            cum.time_ns = p->time_ns; /* mark the series the stream had, at this point's time */
            q = &cum;
        } else if (!stale && rc == 1) {
            x->rep->delta_dropped++;
            reject(x, m, 1, "%s", dwhy);
            return 0;
        } else if (!stale) {
            q = &cum;
        }
    }
    rc = put_point(x, m, fam, q, stale);
    if (rc == LOUPE_ENOMEM)
        return rc;
    if (rc)
        reject(x, m, 1, "%s", x->pe.msg);
    return 0;
}

/* Records a family's metadata once per request (the last metric wins). */
static int meta_add(conv_ctx *x, slice fam, int type, slice help, slice unit)
{
    size_t mask = x->nmeta_slots - 1, j = hash_bytes(fam.p, fam.n, x->seed) & mask;
    for (; x->meta_slots[j]; j = (j + 1) & mask) {
        otlp_metrics_meta *mm = &x->rep->meta[x->meta_slots[j] - 1];
        if (slice_eq(mm->family, fam)) {
            *mm = (otlp_metrics_meta){ fam, type, help, unit };
            return 0;
        }
    }
    x->rep->meta[x->rep->nmeta] = (otlp_metrics_meta){ fam, type, help, unit };
    x->meta_slots[j] = ++x->rep->nmeta;
    return 0;
}

static int convert_metric(conv_ctx *x, const otlp_metric *m)
{
    x->rep->points += m->npoints;
    if (m->type == OTLP_M_NONE) {
        x->rep->empty_metrics++;
        return 0;
    }
    if (m->type < OTLP_M_GAUGE || m->type > OTLP_M_SUMMARY) {
        reject(x, m, m->npoints, "unknown metric type %d", (int)m->type);
        return 0;
    }
    int counter = m->type == OTLP_M_SUM && m->monotonic;
    otlp_name_kind kind = m->type == OTLP_M_GAUGE ? OTLP_NAME_GAUGE : counter ? OTLP_NAME_COUNTER : OTLP_NAME_OTHER;
    slice fam, unit;
    int rc = otlp_metrics_name(m->name, m->unit, kind, x->a, &fam);
    if (rc == LOUPE_ENOMEM || otlp_metrics_unit(m->unit, x->a, &unit))
        return oom(x);
    if (rc) {
        reject(x, m, m->npoints, "no character of the name is valid in a Prometheus metric name");
        return 0;
    }
    int type = m->type == OTLP_M_SUMMARY                                           ? RW_META_SUMMARY
               : m->type == OTLP_M_HISTOGRAM || m->type == OTLP_M_EXP_HISTOGRAM ? RW_META_HISTOGRAM
               : counter                                                         ? RW_META_COUNTER
                                                                                 : RW_META_GAUGE;
    meta_add(x, fam, type, m->description, unit);
    if (m->type != OTLP_M_GAUGE && m->type != OTLP_M_SUMMARY && m->temporality != OTLP_TEMPORALITY_DELTA &&
        m->temporality != OTLP_TEMPORALITY_CUMULATIVE) {
        reject(x, m, m->npoints, "aggregation temporality is unspecified");
        return 0;
    }
    res_info *ri;
    if (res_get(x, m->resource, &ri) || scope_get(x, m->scope))
        return oom(x);
    for (size_t i = 0; i < m->npoints; i++)
        if ((rc = convert_point(x, m, fam, ri, &m->points[i])) != 0)
            return rc;
    return 0;
}

/* target_info{job, instance, <non-identifying resource attributes>} = 1 at
 * the resource's latest point time, as the translator's
 * addResourceTargetInfo: only with such attributes and a job or instance. */
static int put_target_info(conv_ctx *x, const res_info *ri)
{
    static const char *const identifying[] = { "service.namespace", "service.name", "service.instance.id", NULL };
    if (!ri->res || !ri->max_ns || (!ri->job.n && !ri->inst.n))
        return 0;
    label *al;
    size_t na, o = 0;
    slice bad = { 0 };
    int rc = otlp_metrics_attr_labels(&ri->res->attrs, identifying, x->a, &al, &na, &bad);
    if (rc == LOUPE_ENOMEM)
        return oom(x);
    if (rc || !na) {
        if (rc && !x->rep->first_error[0])
            snprintf(x->rep->first_error, sizeof x->rep->first_error,
                     "resource attribute \"%.*s\" has no valid label name: no target_info",
                     (int)(bad.n > 64 ? 64 : bad.n), (const char *)bad.p);
        return 0;
    }
    label *ls = arena_alloc(x->a, (na + 2) * sizeof *ls);
    if (!ls)
        return oom(x);
    for (size_t i = 0; i < na; i++)
        if (!slice_eq_cstr(al[i].name, "job") && !slice_eq_cstr(al[i].name, "instance") &&
            !slice_eq_cstr(al[i].name, "__name__"))
            ls[o++] = al[i];
    if (ri->job.n)
        ls[o++] = (label){ slice_cstr("job"), ri->job };
    if (ri->inst.n)
        ls[o++] = (label){ slice_cstr("instance"), ri->inst };
    x->base = ls;
    x->nbase = o;
    if (ensure_tmp(x, o + 2))
        return LOUPE_ENOMEM;
    err_clear(&x->pe);
    rc = emit(x, slice_cstr("target_info"), NULL, NULL, ms_of(ri->max_ns), 1.0);
    if (rc == LOUPE_ENOMEM)
        return rc;
    if (rc && !x->rep->first_error[0])
        snprintf(x->rep->first_error, sizeof x->rep->first_error, "target_info: %.200s", x->pe.msg);
    meta_add(x, slice_cstr("target_info"), RW_META_GAUGE, slice_cstr("Target metadata"), slice_make(NULL, 0));
    return 0;
}

int otlp_metrics_convert(otlp_metrics_conv *c, const otlp_metrics *m, series_batch *out, arena *a,
                         otlp_metrics_report *rep, err_ctx *e)
{
    memset(rep, 0, sizeof *rep);
    conv_ctx x;
    memset(&x, 0, sizeof x);
    x.c = c, x.out = out, x.a = a, x.rep = rep, x.e = e;
    x.seed = otlp_delta_seed(c);
    size_t nm = m->nmetrics + 1, slots = 16;
    while (slots < 2 * nm)
        slots *= 2;
    rep->meta = arena_alloc(a, nm * sizeof *rep->meta);
    x.meta_slots = arena_calloc(a, slots * sizeof *x.meta_slots);
    x.nmeta_slots = slots;
    int rc = rep->meta && x.meta_slots ? 0 : oom(&x);
    for (size_t i = 0; i < m->nmetrics && !rc; i++)
        rc = convert_metric(&x, &m->metrics[i]);
    for (size_t i = 0; i < x.nres && !rc; i++)
        rc = put_target_info(&x, &x.res[i]);
    buf_free(&x.key);
    return rc;
}
