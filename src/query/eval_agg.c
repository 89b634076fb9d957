/* eval_agg.c - PromQL aggregations (sum avg min max count stddev stdvar
 * group topk bottomk quantile count_values), by/without, per step, with
 * Prometheus 2.42's arithmetic (running mean for avg, Welford for stddev,
 * topk/bottomk through the same heap discipline). */
#include "util/mem.h"
#include "util/sort.h"
#include "query/eval_int.h"
#include "query/selector.h"
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>

/* Group key of a series: the labels the aggregation keeps. */
static slice group_labels(evalctx *c, const ast *n, slice lab)
{
    if (n->agg.without)
        return lab_del(c, lab, &n->agg.grouping, 1);
    if (n->agg.has_grouping || n->agg.grouping.n)
        return lab_keep(c, lab, &n->agg.grouping);
    return slice_make("", 0);
}

/* ---- Go's container/heap over (value, series) with Prometheus's Less ---- */

typedef struct hent {
    double v;
    size_t k; /* input series index */
} hent;

/* topk heap: Less(i, j) = isNaN(v[i]) || v[i] < v[j] (min at the top);
 * bottomk heap: Less(i, j) = isNaN(v[i]) || v[i] > v[j]. */
static int hless(const hent *h, size_t i, size_t j, int bottom)
{
    if (isnan(h[i].v))
        return 1;
    return bottom ? h[i].v > h[j].v : h[i].v < h[j].v;
}

static void hswap(hent *h, size_t i, size_t j)
{
    hent t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static void hup(hent *h, size_t j, int bottom)
{
    while (j > 0) {
        size_t i = (j - 1) / 2;
        if (i == j || !hless(h, j, i, bottom))
            break;
        hswap(h, i, j);
        j = i;
    }
}

static int hdown(hent *h, size_t i0, size_t n, int bottom)
{
    size_t i = i0;
    for (;;) {
        size_t j1 = 2 * i + 1;
        if (j1 >= n)
            break;
        size_t j = j1;
        size_t j2 = j1 + 1;
        if (j2 < n && hless(h, j2, j1, bottom))
            j = j2;
        if (!hless(h, j, i, bottom))
            break;
        hswap(h, i, j);
        i = j;
    }
    return i > i0;
}

/* heap.Pop: swap top with last, fix, remove last. */
static void hpop(hent *h, size_t *n, int bottom)
{
    size_t last = *n - 1;
    hswap(h, 0, last);
    hdown(h, 0, last, bottom);
    (*n)--;
}

static void hpush(hent *h, size_t *n, hent x, int bottom)
{
    h[*n] = x;
    (*n)++;
    hup(h, *n - 1, bottom);
}

static int cmp_hent_desc(const void *a, const void *b)
{
    /* sort.Reverse of the heap's Less: the "largest" first (for topk:
     * descending values, NaN last) */
    const hent *x = a, *y = b;
    if (isnan(y->v) && !isnan(x->v))
        return -1;
    if (isnan(x->v) && !isnan(y->v))
        return 1;
    return x->v > y->v ? -1 : x->v < y->v;
}

static int cmp_hent_asc(const void *a, const void *b)
{
    const hent *x = a, *y = b;
    if (isnan(y->v) && !isnan(x->v))
        return -1;
    if (isnan(x->v) && !isnan(y->v))
        return 1;
    return x->v < y->v ? -1 : x->v > y->v;
}

static int eval_topk(evalctx *c, const ast *n, const vvec *in, const double *param, const size_t *grp, size_t ng,
                     qval *out)
{
    int bottom = n->agg.op == AGG_BOTTOMK;
    outvec o;
    int rc = outvec_init(&o, c, &out->vec, in->n);
    hent *heaps = NULL;
    size_t *hn = NULL;
    vser **outs = arena_alloc(c->a, (in->n ? in->n : 1) * sizeof *outs);
    if (!outs)
        return err_set(c->e, LOUPE_ENOMEM, "out of memory");
    for (size_t k = 0; k < in->n; k++)
        outs[k] = NULL;
    for (size_t i = 0; i < c->nsteps && !rc; i++) {
        double f = param[i];
        if (!(f >= -9.2233720368547758e18 && f <= 9.2233720368547758e18))
            return err_set(c->e, LOUPE_EEXEC, "Scalar value %g overflows int64", f);
        int64_t k = (int64_t)f;
        if (k < 1)
            continue;
        size_t kk = (size_t)(k < (int64_t)in->n ? k : (int64_t)in->n);
        if (kk == 0)
            kk = 1;
        free(heaps);
        free(hn);
        heaps = malloc(ng * kk * sizeof *heaps);
        hn = calloc(ng ? ng : 1, sizeof *hn);
        if (!heaps || !hn) {
            rc = err_set(c->e, LOUPE_ENOMEM, "out of memory");
            break;
        }
        for (size_t s = 0; s < in->n; s++) {
            if (!bit_get(in->s[s].bits, i))
                continue;
            size_t g = grp[s];
            hent *h = heaps + g * kk;
            hent x = { in->s[s].v[i], s };
            if (hn[g] == 0) {
                h[0] = x;
                hn[g] = 1;
                continue;
            }
            int take = (int64_t)hn[g] < k || isnan(h[0].v) || (bottom ? h[0].v > x.v : h[0].v < x.v);
            if (!take)
                continue;
            if ((int64_t)hn[g] == k) {
                if (k == 1) {
                    h[0] = x;
                    continue;
                }
                hpop(h, &hn[g], bottom);
            }
            hpush(h, &hn[g], x, bottom);
        }
        for (size_t g = 0; g < ng && !rc; g++) {
            hent *h = heaps + g * kk;
            if (hn[g] > 1)
                sort_array(h, hn[g], sizeof *h, bottom ? cmp_hent_asc : cmp_hent_desc);
            for (size_t j = 0; j < hn[g] && !rc; j++) {
                size_t s = h[j].k;
                if (!outs[s]) {
                    outs[s] = outvec_get(&o, in->s[s].lab);
                    if (!outs[s]) {
                        rc = c->e->code;
                        break;
                    }
                }
                rc = outvec_put(&o, outs[s], i, h[j].v);
            }
        }
    }
    free(heaps);
    free(hn);
    return rc;
}

static int eval_count_values(evalctx *c, const ast *n, const vvec *in, slice lname, qval *out)
{
    if (!is_label_name(lname))
        return err_set(c->e, LOUPE_EEXEC, "invalid label name \"%.*s\"", (int)lname.n, (const char *)lname.p);
    outvec o;
    int rc = outvec_init(&o, c, &out->vec, in->n);
    name_list g2 = n->agg.grouping;
    if (!n->agg.without) {
        /* by (...) plus the new label */
        char **names = arena_alloc(c->a, (g2.n + 1) * sizeof *names);
        char *ln = arena_strndup(c->a, (const char *)lname.p, lname.n);
        if (!names || !ln)
            return err_set(c->e, LOUPE_ENOMEM, "out of memory");
        mem_copy(names, g2.names, g2.n * sizeof *names);
        names[g2.n] = ln;
        g2.names = names;
        g2.n++;
    }
    for (size_t i = 0; i < c->nsteps && !rc; i++) {
        for (size_t s = 0; s < in->n && !rc; s++) {
            if (!bit_get(in->s[s].bits, i))
                continue;
            char val[400];
            double v = in->s[s].v[i];
            if (isnan(v))
                snprintf(val, sizeof val, "NaN");
            else if (isinf(v))
                snprintf(val, sizeof val, v > 0 ? "+Inf" : "-Inf");
            else
                fmt_float_f(val, sizeof val, v);
            char *copy = arena_strndup(c->a, val, strlen(val));
            if (!copy)
                return err_set(c->e, LOUPE_ENOMEM, "out of memory");
            slice lab = lab_set(c, in->s[s].lab, lname, slice_cstr(copy));
            slice key = n->agg.without ? lab_del(c, lab, &g2, 1) : lab_keep(c, lab, &g2);
            vser *os = outvec_get(&o, key);
            if (!os)
                return c->e->code;
            if (bit_get(os->bits, i)) {
                os->v[i] += 1;
            } else {
                bit_set(os->bits, i);
                os->v[i] = 1;
            }
        }
    }
    return rc;
}

int eval_agg(evalctx *c, const ast *n, qval *out)
{
    qval in, pv;
    int rc = 0;
    double *param = NULL;
    memset(&pv, 0, sizeof pv);
    if (n->agg.param) {
        if ((rc = eval_node(c, n->agg.param, &pv)))
            return rc;
        param = pv.sc;
    }
    if ((rc = eval_node(c, n->agg.expr, &in)))
        return rc;
    out->type = VT_VECTOR;
    memset(&out->vec, 0, sizeof out->vec);
    if (n->agg.op == AGG_COUNT_VALUES)
        return eval_count_values(c, n, &in.vec, pv.str, out);

    /* groups, in order of first appearance */
    vvec groups = { 0 };
    outvec og;
    size_t *grp = arena_alloc(c->a, (in.vec.n ? in.vec.n : 1) * sizeof *grp);
    if (!grp)
        return err_set(c->e, LOUPE_ENOMEM, "out of memory");
    if ((rc = outvec_init(&og, c, &groups, 64)))
        return rc;
    /* outvec_get allocates per-step arrays; reuse them as the group state */
    for (size_t k = 0; k < in.vec.n; k++) {
        vser *g = outvec_get(&og, group_labels(c, n, in.vec.s[k].lab));
        if (!g)
            return c->e->code;
        grp[k] = (size_t)(g - groups.s);
    }
    size_t ng = groups.n;
    if (n->agg.op == AGG_TOPK || n->agg.op == AGG_BOTTOMK)
        return eval_topk(c, n, &in.vec, param, grp, ng, out);

    size_t ns = c->nsteps;
    double *mean = NULL, *cnt = calloc(ng * ns + 1, sizeof *cnt);
    double **qv = NULL;
    size_t *qn = NULL;
    if (!cnt)
        return err_set(c->e, LOUPE_ENOMEM, "out of memory");
    if (n->agg.op == AGG_AVG || n->agg.op == AGG_STDDEV || n->agg.op == AGG_STDVAR) {
        mean = calloc(ng * ns + 1, sizeof *mean);
        if (!mean) {
            free(cnt);
            return err_set(c->e, LOUPE_ENOMEM, "out of memory");
        }
    }
    if (n->agg.op == AGG_QUANTILE) {
        qv = calloc(ng * ns + 1, sizeof *qv);
        qn = calloc(ng * ns + 1, sizeof *qn);
        if (!qv || !qn) {
            free(cnt);
            free(qv);
            free(qn);
            return err_set(c->e, LOUPE_ENOMEM, "out of memory");
        }
    }
    for (size_t k = 0; k < in.vec.n && !rc; k++) {
        vser *s = &in.vec.s[k];
        vser *g = &groups.s[grp[k]];
        double *gc = cnt + grp[k] * ns;
        double *gm = mean ? mean + grp[k] * ns : NULL;
        for (size_t i = 0; i < ns; i++) {
            if (!bit_get(s->bits, i))
                continue;
            double v = s->v[i];
            if (gc[i] == 0) {
                gc[i] = 1;
                bit_set(g->bits, i);
                switch (n->agg.op) {
                case AGG_STDDEV:
                case AGG_STDVAR:
                    g->v[i] = 0;
                    gm[i] = v;
                    break;
                case AGG_AVG:
                    gm[i] = v;
                    g->v[i] = v;
                    break;
                case AGG_GROUP: g->v[i] = 1; break;
                default: g->v[i] = v;
                }
                if (n->agg.op == AGG_QUANTILE) {
                    size_t idx = grp[k] * ns + i;
                    qv[idx] = malloc(8 * sizeof(double));
                    if (!qv[idx]) {
                        rc = err_set(c->e, LOUPE_ENOMEM, "out of memory");
                        break;
                    }
                    qv[idx][0] = v;
                    qn[idx] = 1;
                }
                continue;
            }
            switch (n->agg.op) {
            case AGG_SUM: g->v[i] += v; break;
            case AGG_AVG:
                gc[i]++;
                if (isinf(gm[i])) {
                    if (isinf(v) && (gm[i] > 0) == (v > 0))
                        break;
                    if (!isinf(v) && !isnan(v))
                        break;
                }
                gm[i] += v / gc[i] - gm[i] / gc[i];
                break;
            case AGG_GROUP: break;
            case AGG_MAX:
                if (g->v[i] < v || isnan(g->v[i]))
                    g->v[i] = v;
                break;
            case AGG_MIN:
                if (g->v[i] > v || isnan(g->v[i]))
                    g->v[i] = v;
                break;
            case AGG_COUNT: gc[i]++; break;
            case AGG_STDDEV:
            case AGG_STDVAR: {
                gc[i]++;
                double delta = v - gm[i];
                gm[i] += delta / gc[i];
                g->v[i] += delta * (v - gm[i]);
                break;
            }
            case AGG_QUANTILE: {
                size_t idx = grp[k] * ns + i;
                size_t m = qn[idx];
                if ((m & (m - 1)) == 0 && m >= 8) {
                    double *nv = realloc(qv[idx], 2 * m * sizeof(double));
                    if (!nv) {
                        rc = err_set(c->e, LOUPE_ENOMEM, "out of memory");
                        break;
                    }
                    qv[idx] = nv;
                }
                qv[idx][qn[idx]++] = v;
                break;
            }
            default: break;
            }
        }
    }
    /* finish */
    for (size_t g = 0; g < ng && !rc; g++) {
        vser *gs = &groups.s[g];
        for (size_t i = 0; i < ns; i++) {
            if (!bit_get(gs->bits, i))
                continue;
            double cn = cnt[g * ns + i];
            switch (n->agg.op) {
            case AGG_AVG: gs->v[i] = mean[g * ns + i]; break;
            case AGG_COUNT: gs->v[i] = cn; break;
            case AGG_STDVAR: gs->v[i] = gs->v[i] / cn; break;
            case AGG_STDDEV: gs->v[i] = sqrt(gs->v[i] / cn); break;
            case AGG_QUANTILE: {
                size_t idx = g * ns + i;
                gs->v[i] = quantile_values(param[i], qv[idx], qn[idx]);
                break;
            }
            default: break;
            }
        }
    }
    if (qv) {
        for (size_t i = 0; i < ng * ns; i++)
            free(qv[i]);
        free(qv);
        free(qn);
    }
    free(cnt);
    free(mean);
    if (rc)
        return rc;
    out->vec = groups;
    size_t o = 0;
    for (size_t g = 0; g < ng; g++)
        if (vser_count(c, &groups.s[g]))
            out->vec.s[o++] = groups.s[g];
    out->vec.n = o;
    return 0;
}
