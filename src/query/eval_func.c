/* eval_func.c - PromQL functions (Prometheus 2.42 semantics): range-vector
 * kernels run inside the parallel series workers, instant-vector functions
 * map series, plus histogram_quantile, label_replace/label_join, absent. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "util/mem.h"
#include "util/sort.h"
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
    sort_array(b, n, sizeof *b, cmp_bucket);
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
    mem_copy(tmp, s.p, s.n);
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
        vser *g = outvec_get(&og, keys[k]);
        if (!g)
            return c->e->code;
        grp[k] = (size_t)(g - groups.s);
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
        mem_copy(name, tmpl.p + s0, nl);
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
                mem_copy(copy, res.p, res.n);
            nl = lab_set(c, lab, dst, slice_make(copy, res.n));
        }
        rc = outvec_copy(&o, nl, &in.vec.s[k]);
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
            mem_copy(copy, res.p, res.n);
        rc = outvec_copy(&o, lab_set(c, lab, dst, slice_make(copy, res.n)), &in.vec.s[k]);
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
    sort_array(se, out->vec.n, sizeof *se, desc ? cmp_sort_desc : cmp_sort_asc);
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
    case FN_HISTOGRAM_COUNT:
    case FN_HISTOGRAM_SUM:
    case FN_HISTOGRAM_FRACTION: {
        /* these read native histograms; float samples give no output (as
         * in Prometheus), and loupe stores no native histograms */
        qval in;
        for (size_t i = 0; i < n->call.nargs; i++)
            if ((rc = eval_node(c, n->call.args[i], &in)))
                return rc;
        out->type = VT_VECTOR;
        memset(&out->vec, 0, sizeof out->vec);
        return 0;
    }
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
