/* eval_binop.c - PromQL binary operators: arithmetic, comparisons (filter or
 * bool), set operators, and vector matching (on/ignoring, group_left/right)
 * with Prometheus 2.42's per-step rules and error messages. */
#include "query/eval_int.h"

#include <stdlib.h>

static int is_comparison(bin_op op) { return op >= BIN_EQ && op <= BIN_LE; }

/* Arithmetic drops the metric name; comparisons and atan2 keep it (2.42). */
static int drops_name(bin_op op)
{
    return op == BIN_ADD || op == BIN_SUB || op == BIN_MUL || op == BIN_DIV || op == BIN_POW || op == BIN_MOD;
}

/* vectorElemBinop: the value and whether a comparison keeps the element. */
static double elem_op(bin_op op, double l, double r, int *keep)
{
    *keep = 1;
    switch (op) {
    case BIN_ADD: return l + r;
    case BIN_SUB: return l - r;
    case BIN_MUL: return l * r;
    case BIN_DIV: return l / r;
    case BIN_POW: return pow(l, r);
    case BIN_MOD: return fmod(l, r);
    case BIN_ATAN2: return atan2(l, r);
    case BIN_EQ: *keep = l == r; return l;
    case BIN_NE: *keep = l != r; return l;
    case BIN_GT: *keep = l > r; return l;
    case BIN_LT: *keep = l < r; return l;
    case BIN_GE: *keep = l >= r; return l;
    case BIN_LE: *keep = l <= r; return l;
    default: *keep = 0; return NAN;
    }
}

static int scalar_scalar(evalctx *c, const ast *n, const qval *l, const qval *r, qval *out)
{
    out->type = VT_SCALAR;
    out->sc = arena_alloc(c->a, (c->nsteps ? c->nsteps : 1) * sizeof(double));
    if (!out->sc)
        return err_set(c->e, LOUPE_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->nsteps; i++) {
        int keep;
        double v = elem_op(n->bin.op, l->sc[i], r->sc[i], &keep);
        out->sc[i] = is_comparison(n->bin.op) ? (keep ? 1 : 0) : v;
    }
    return 0;
}

static int vector_scalar(evalctx *c, const ast *n, const vvec *vec, const double *sc, int swap, qval *out)
{
    bin_op op = n->bin.op;
    int rb = n->bin.return_bool;
    out->type = VT_VECTOR;
    memset(&out->vec, 0, sizeof out->vec);
    outvec o;
    int rc = outvec_init(&o, c, &out->vec, vec->n);
    for (size_t k = 0; k < vec->n && !rc; k++) {
        const vser *s = &vec->s[k];
        vser *os = NULL;
        for (size_t i = 0; i < c->nsteps && !rc; i++) {
            if (!bit_get(s->bits, i))
                continue;
            double lv = s->v[i], rv = sc[i];
            if (swap) {
                double t = lv;
                lv = rv;
                rv = t;
            }
            int keep;
            double v = elem_op(op, lv, rv, &keep);
            if (is_comparison(op) && swap)
                v = rv; /* keep the vector's value, wherever it was */
            if (rb) {
                v = keep ? 1 : 0;
                keep = 1;
            }
            if (!keep)
                continue;
            if (!os) {
                os = outvec_get(&o, drops_name(op) || rb ? lab_drop_name(c, s->lab) : s->lab);
                if (!os)
                    return c->e->code;
            }
            rc = outvec_put(&o, os, i, v);
        }
    }
    return rc;
}

/* Signature groups shared by both sides: series -> group id. */
typedef struct sigs {
    size_t *lg, *rg; /* group of each lhs / rhs series */
    vvec keys;       /* one entry per group (labels = the signature) */
    size_t ng;
} sigs;

static int build_sigs(evalctx *c, const ast *n, const vvec *l, const vvec *r, sigs *sg)
{
    memset(sg, 0, sizeof *sg);
    outvec o;
    int rc = outvec_init(&o, c, &sg->keys, l->n + r->n);
    sg->lg = arena_alloc(c->a, (l->n ? l->n : 1) * sizeof *sg->lg);
    sg->rg = arena_alloc(c->a, (r->n ? r->n : 1) * sizeof *sg->rg);
    if (rc || !sg->lg || !sg->rg)
        return rc ? rc : err_set(c->e, LOUPE_ENOMEM, "out of memory");
    for (int side = 0; side < 2; side++) {
        const vvec *v = side ? r : l;
        size_t *g = side ? sg->rg : sg->lg;
        for (size_t k = 0; k < v->n; k++) {
            slice sig = n->bin.on ? lab_keep(c, v->s[k].lab, &n->bin.matching)
                                  : lab_del(c, v->s[k].lab, &n->bin.matching, 1);
            vser *s = outvec_get(&o, sig);
            if (!s)
                return c->e->code;
            g[k] = (size_t)(s - sg->keys.s);
        }
    }
    sg->ng = sg->keys.n;
    return 0;
}

static int set_op(evalctx *c, const ast *n, const vvec *l, const vvec *r, qval *out)
{
    sigs sg;
    int rc = build_sigs(c, n, l, r, &sg);
    if (rc)
        return rc;
    out->type = VT_VECTOR;
    memset(&out->vec, 0, sizeof out->vec);
    outvec o;
    if ((rc = outvec_init(&o, c, &out->vec, l->n + r->n)))
        return rc;
    size_t *seen = calloc(sg.ng ? sg.ng : 1, sizeof *seen); /* epoch per group */
    vser **lo = calloc(l->n ? l->n : 1, sizeof *lo), **ro = calloc(r->n ? r->n : 1, sizeof *ro);
    if (!seen || !lo || !ro) {
        free(seen);
        free(lo);
        free(ro);
        return err_set(c->e, LOUPE_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->nsteps && !rc; i++) {
        size_t epoch = i + 1;
        if (n->bin.op == BIN_OR) {
            for (size_t k = 0; k < l->n && !rc; k++) {
                if (!bit_get(l->s[k].bits, i))
                    continue;
                seen[sg.lg[k]] = epoch;
                if (!lo[k] && !(lo[k] = outvec_get(&o, l->s[k].lab)))
                    rc = c->e->code;
                if (!rc)
                    rc = outvec_put(&o, lo[k], i, l->s[k].v[i]);
            }
            for (size_t k = 0; k < r->n && !rc; k++) {
                if (!bit_get(r->s[k].bits, i) || seen[sg.rg[k]] == epoch)
                    continue;
                if (!ro[k] && !(ro[k] = outvec_get(&o, r->s[k].lab)))
                    rc = c->e->code;
                if (!rc)
                    rc = outvec_put(&o, ro[k], i, r->s[k].v[i]);
            }
        } else {
            for (size_t k = 0; k < r->n; k++)
                if (bit_get(r->s[k].bits, i))
                    seen[sg.rg[k]] = epoch;
            for (size_t k = 0; k < l->n && !rc; k++) {
                if (!bit_get(l->s[k].bits, i))
                    continue;
                int in_rhs = seen[sg.lg[k]] == epoch;
                if (in_rhs != (n->bin.op == BIN_AND))
                    continue;
                if (!lo[k] && !(lo[k] = outvec_get(&o, l->s[k].lab)))
                    rc = c->e->code;
                if (!rc)
                    rc = outvec_put(&o, lo[k], i, l->s[k].v[i]);
            }
        }
    }
    free(seen);
    free(lo);
    free(ro);
    return rc;
}

/* resultMetric: the labels of a matched pair (many side m, one side o). */
static slice result_labels(evalctx *c, const ast *n, slice m, slice o)
{
    slice lab = m;
    if (drops_name(n->bin.op))
        lab = lab_drop_name(c, lab);
    if (n->bin.card == CARD_ONE_TO_ONE)
        lab = n->bin.on ? lab_keep(c, lab, &n->bin.matching) : lab_del(c, lab, &n->bin.matching, 0);
    for (size_t k = 0; k < n->bin.include.n; k++) {
        slice name = slice_cstr(n->bin.include.names[k]);
        slice v = lab_get(o, n->bin.include.names[k]);
        lab = lab_set(c, lab, name, v.p ? v : slice_make("", 0));
    }
    if (n->bin.return_bool)
        lab = lab_drop_name(c, lab);
    return lab;
}

static int vector_vector(evalctx *c, const ast *n, const vvec *l, const vvec *r, qval *out)
{
    bin_op op = n->bin.op;
    int swap = n->bin.card == CARD_ONE_TO_MANY;
    const vvec *many = swap ? r : l, *one = swap ? l : r;
    sigs sg;
    int rc = build_sigs(c, n, l, r, &sg);
    if (rc)
        return rc;
    size_t *mg = swap ? sg.rg : sg.lg, *og = swap ? sg.lg : sg.rg;
    out->type = VT_VECTOR;
    memset(&out->vec, 0, sizeof out->vec);
    outvec o;
    if ((rc = outvec_init(&o, c, &out->vec, many->n)))
        return rc;
    size_t *oneat = calloc(sg.ng ? sg.ng : 1, sizeof *oneat);    /* one-side series index + 1 per group at this step */
    size_t *oneep = calloc(sg.ng ? sg.ng : 1, sizeof *oneep);    /* epoch of oneat */
    size_t *matched = calloc(sg.ng ? sg.ng : 1, sizeof *matched);/* epoch: group matched at this step (1:1) */
    size_t *lastj = calloc(many->n ? many->n : 1, sizeof *lastj);/* cached pair: one-side index + 1 */
    vser **lastout = calloc(many->n ? many->n : 1, sizeof *lastout);
    if (!oneat || !oneep || !matched || !lastj || !lastout) {
        rc = err_set(c->e, LOUPE_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < c->nsteps && !rc; i++) {
        size_t epoch = i + 1;
        for (size_t j = 0; j < one->n; j++) {
            if (!bit_get(one->s[j].bits, i))
                continue;
            size_t g = og[j];
            if (oneep[g] == epoch) {
                rc = err_set(c->e, LOUPE_EEXEC,
                             "found duplicate series for the match group on the %s hand-side of the operation; "
                             "many-to-many matching not allowed: matching labels must be unique on one side",
                             swap ? "left" : "right");
                break;
            }
            oneep[g] = epoch;
            oneat[g] = j + 1;
        }
        for (size_t k = 0; k < many->n && !rc; k++) {
            if (!bit_get(many->s[k].bits, i))
                continue;
            size_t g = mg[k];
            if (oneep[g] != epoch)
                continue;
            size_t j = oneat[g] - 1;
            double vl = many->s[k].v[i], vr = one->s[j].v[i];
            if (swap) {
                double t = vl;
                vl = vr;
                vr = t;
            }
            int keep;
            double v = elem_op(op, vl, vr, &keep);
            if (n->bin.return_bool) {
                v = keep ? 1 : 0;
                keep = 1;
            }
            if (!keep)
                continue;
            if (n->bin.card == CARD_ONE_TO_ONE) {
                if (matched[g] == epoch) {
                    rc = err_set(c->e, LOUPE_EEXEC,
                                 "multiple matches for labels: many-to-one matching must be explicit "
                                 "(group_left/group_right)");
                    break;
                }
                matched[g] = epoch;
            }
            if (lastj[k] != j + 1) {
                lastout[k] = outvec_get(&o, result_labels(c, n, many->s[k].lab, one->s[j].lab));
                if (!lastout[k]) {
                    rc = c->e->code;
                    break;
                }
                lastj[k] = j + 1;
            }
            if (bit_get(lastout[k]->bits, i)) {
                rc = err_set(c->e, LOUPE_EEXEC,
                             n->bin.card == CARD_ONE_TO_ONE
                                 ? "vector cannot contain metrics with the same labelset"
                                 : "multiple matches for labels: grouping labels must ensure unique matches");
                break;
            }
            rc = outvec_put(&o, lastout[k], i, v);
        }
    }
done:
    free(oneat);
    free(oneep);
    free(matched);
    free(lastj);
    free(lastout);
    return rc;
}

int eval_binary(evalctx *c, const ast *n, qval *out)
{
    qval l, r;
    int rc = eval_node(c, n->bin.lhs, &l);
    if (!rc)
        rc = eval_node(c, n->bin.rhs, &r);
    if (rc)
        return rc;
    if (l.type == VT_SCALAR && r.type == VT_SCALAR)
        return scalar_scalar(c, n, &l, &r, out);
    if (l.type == VT_VECTOR && r.type == VT_SCALAR)
        return vector_scalar(c, n, &l.vec, r.sc, 0, out);
    if (l.type == VT_SCALAR && r.type == VT_VECTOR)
        return vector_scalar(c, n, &r.vec, l.sc, 1, out);
    if (n->bin.op == BIN_AND || n->bin.op == BIN_OR || n->bin.op == BIN_UNLESS)
        return set_op(c, n, &l.vec, &r.vec, out);
    return vector_vector(c, n, &l.vec, &r.vec, out);
}
