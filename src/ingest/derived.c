/* derived.c - counters and histograms derived from LLM calls: one table of
 * families, running totals per label set in a mutex-guarded hash table,
 * seeded from the store on first touch.  Series and time rules: derived.h. */
#include "util/mem.h"
#include "ingest/derived.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/timeparse.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUE_BYTES 128
#define DAY_MS (24 * 3600 * 1000LL)

/* ------------------------------------------------------------ the families */

typedef enum { V_ONE, V_INPUT, V_OUTPUT, V_CACHED, V_COST, V_UNPRICED, V_LATENCY_S, V_TTFT_S } vsrc;
enum { LB_MODEL = 1, LB_PROVIDER = 2, LB_ROUTE = 4, LB_STATUS = 8, LB_SERVICE = 16 };

static const double b_duration[] = { 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300 };
static const double b_ttft[] = { 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10 };
static const double b_tokens[] = { 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384 };
static const double b_cost[] = { 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5 };

#define ALL_BUT_STATUS (LB_MODEL | LB_PROVIDER | LB_ROUTE | LB_SERVICE)
#define HIST_LABELS (LB_MODEL | LB_ROUTE | LB_SERVICE)
#define B(a) a, sizeof a / sizeof a[0]

typedef struct family {
    const char *name;
    vsrc src;
    unsigned labels;
    const double *bounds; /* NULL: a counter */
    size_t nbounds;
} family;

static const family fams[] = {
    { "loupe_llm_requests_total", V_ONE, ALL_BUT_STATUS | LB_STATUS, NULL, 0 },
    { "loupe_llm_input_tokens_total", V_INPUT, ALL_BUT_STATUS, NULL, 0 },
    { "loupe_llm_output_tokens_total", V_OUTPUT, ALL_BUT_STATUS, NULL, 0 },
    { "loupe_llm_cached_input_tokens_total", V_CACHED, ALL_BUT_STATUS, NULL, 0 },
    { "loupe_llm_cost_usd_total", V_COST, ALL_BUT_STATUS, NULL, 0 },
    { "loupe_llm_unpriced_requests_total", V_UNPRICED, ALL_BUT_STATUS, NULL, 0 },
    { "loupe_llm_request_duration_seconds", V_LATENCY_S, HIST_LABELS | LB_STATUS, B(b_duration) },
    { "loupe_llm_time_to_first_token_seconds", V_TTFT_S, HIST_LABELS, B(b_ttft) },
    { "loupe_llm_output_tokens", V_OUTPUT, HIST_LABELS, B(b_tokens) },
    { "loupe_llm_cost_per_request_usd", V_COST, HIST_LABELS, B(b_cost) },
};
#define NFAMS (sizeof fams / sizeof fams[0])

/* The call's value for a family; 0 when the call has none. */
static int value_of(const family *f, const rec_call *c, double *v)
{
    switch (f->src) {
    case V_ONE:
        *v = 1;
        return 1;
    case V_INPUT:
        *v = (double)c->input_tokens;
        return c->input_tokens >= 0;
    case V_OUTPUT:
        *v = (double)c->output_tokens;
        return c->output_tokens >= 0;
    case V_CACHED:
        *v = (double)c->cached_input_tokens;
        return c->cached_input_tokens >= 0;
    case V_COST:
        *v = c->cost_usd;
        return c->cost_source != 0 && isfinite(c->cost_usd) && c->cost_usd >= 0;
    case V_UNPRICED:
        *v = 1;
        return c->cost_source == 0 || !isfinite(c->cost_usd);
    case V_LATENCY_S:
        *v = c->latency_ms / 1000;
        return isfinite(c->latency_ms) && c->latency_ms >= 0;
    case V_TTFT_S:
        *v = c->ttft_ms / 1000;
        return isfinite(c->ttft_ms) && c->ttft_ms >= 0;
    }
    return 0;
}

/* ------------------------------------------------------------ state */

/* One series (counter) or one histogram (buckets, +Inf, sum, count) of one
 * label set. */
typedef struct inst {
    uint64_t h;
    size_t keylen, nv;
    int64_t last_t;  /* INT64_MIN until emitted or seeded */
    double v[];      /* nv values, then the key bytes */
} inst;

static const uint8_t *inst_key(const inst *in) { return (const uint8_t *)(in->v + in->nv); }

struct derived {
    pthread_mutex_t mu;
    store *st;
    derived_opts o;
    inst **slots;
    size_t nslots, n;
    uint64_t seed;
    derived_stats stats;
};

void derived_opts_default(derived_opts *o)
{
    o->seed_lookback_ms = 30 * DAY_MS;
    o->max_series = 100000;
}

derived *derived_create(store *st, const derived_opts *o)
{
    derived *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (o)
        d->o = *o;
    else
        derived_opts_default(&d->o);
    d->st = st;
    d->seed = hash_seed();
    d->nslots = 256;
    d->slots = calloc(d->nslots, sizeof *d->slots);
    if (!d->slots || pthread_mutex_init(&d->mu, NULL)) {
        free(d->slots);
        free(d);
        return NULL;
    }
    return d;
}

void derived_destroy(derived *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nslots; i++)
        free(d->slots[i]);
    free(d->slots);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

void derived_get_stats(derived *d, derived_stats *st)
{
    pthread_mutex_lock(&d->mu);
    *st = d->stats;
    st->series = d->n;
    pthread_mutex_unlock(&d->mu);
}

static inst **find_slot(derived *d, const uint8_t *key, size_t n, uint64_t h)
{
    size_t mask = d->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        inst *in = d->slots[i];
        if (!in || (in->h == h && in->keylen == n && !memcmp(inst_key(in), key, n)))
            return &d->slots[i];
    }
}

static int grow(derived *d)
{
    size_t nn = d->nslots * 2;
    inst **ns = calloc(nn, sizeof *ns);
    if (!ns)
        return LOUPE_ENOMEM;
    for (size_t i = 0; i < d->nslots; i++) {
        inst *in = d->slots[i];
        if (!in)
            continue;
        size_t j = in->h & (nn - 1);
        while (ns[j])
            j = (j + 1) & (nn - 1);
        ns[j] = in;
    }
    free(d->slots);
    d->slots = ns;
    d->nslots = nn;
    return 0;
}

/* ------------------------------------------------------------ labels */

/* A label value cut to MAX_VALUE_BYTES at a UTF-8 character boundary. */
static slice clamp(slice s)
{
    if (s.n <= MAX_VALUE_BYTES)
        return s;
    size_t n = MAX_VALUE_BYTES;
    while (n && (s.p[n] & 0xc0) == 0x80)
        n--;
    return slice_make(s.p, n);
}

/* The family's label set for c, __name__ first; returns the count. */
static size_t base_labels(const family *f, const rec_call *c, label *ls)
{
    size_t n = 0;
    ls[n++] = (label){ slice_cstr("__name__"), slice_cstr(f->name) };
    if (f->labels & LB_MODEL)
        ls[n++] = (label){ slice_cstr("model"), clamp(c->model) };
    if (f->labels & LB_PROVIDER)
        ls[n++] = (label){ slice_cstr("provider"), clamp(c->provider) };
    if (f->labels & LB_ROUTE)
        ls[n++] = (label){ slice_cstr("route"), clamp(c->route) };
    if (f->labels & LB_STATUS)
        ls[n++] = (label){ slice_cstr("status"), slice_cstr(c->status == REC_STATUS_ERROR ? "error" : "ok") };
    if (f->labels & LB_SERVICE)
        ls[n++] = (label){ slice_cstr("service"), clamp(c->service) };
    return n;
}

/* Canonical encoding of ls[0..n) into out (ls is left alone). */
static int encode(const label *ls, size_t n, buf *out, err_ctx *e)
{
    label tmp[8];
    mem_copy(tmp, ls, n * sizeof *ls);
    size_t cnt = n;
    int rc = labels_canonicalize(tmp, &cnt, NULL, e);
    out->n = 0;
    return rc ? rc : labels_encode(tmp, cnt, out);
}

/* The names and extra label of value slot k of a family: counter value,
 * bucket k (le), +Inf, _sum, _count. */
typedef struct slotname {
    char name[96];
    char le[400]; /* fmt_float_f wants room for any double */
} slotname;

static void slot_name(const family *f, size_t k, slotname *s)
{
    s->le[0] = '\0';
    if (!f->bounds) {
        snprintf(s->name, sizeof s->name, "%s", f->name);
    } else if (k <= f->nbounds) {
        snprintf(s->name, sizeof s->name, "%s_bucket", f->name);
        if (k == f->nbounds) {
            snprintf(s->le, sizeof s->le, "+Inf");
        } else {
            fmt_float_f(s->le, sizeof s->le, f->bounds[k]);
        }
    } else {
        snprintf(s->name, sizeof s->name, "%s_%s", f->name, k == f->nbounds + 1 ? "sum" : "count");
    }
}

/* ls with slot k's name (and le); returns the count. */
static size_t slot_labels(const family *f, size_t k, const label *base, size_t n, slotname *sn, label *out)
{
    slot_name(f, k, sn);
    mem_copy(out, base, n * sizeof *base);
    out[0].value = slice_cstr(sn->name);
    if (sn->le[0])
        out[n++] = (label){ slice_cstr("le"), slice_cstr(sn->le) };
    return n;
}

/* ------------------------------------------------------------ seeding */

/* The last sample of the series whose canonical labels are `want`. */
static void seed_slot(store_reader *r, const label *ls, size_t n, slice want, int64_t mint, int64_t maxt, double *v,
                      int64_t *t)
{
    matcher ms[8];
    size_t nm = 0;
    err_ctx e = { 0 };
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        if (!ls[i].value.n)
            continue;
        int rc = matcher_init(&ms[nm], MATCH_EQ, ls[i].name, ls[i].value, &e);
        nm++;
        if (rc)
            ok = 0;
    }
    uint32_t *ids = NULL;
    size_t nids = 0;
    samples s = SAMPLES_INIT;
    if (ok && !store_select(r, ms, nm, mint, maxt, &ids, &nids, &e)) {
        for (size_t i = 0; i < nids; i++) {
            if (!slice_eq(store_labels(r, ids[i]), want) || store_read(r, ids[i], mint, maxt, &s, &e))
                continue;
            for (size_t j = s.n; j-- > 0;) {
                if (isnan(s.v[j]))
                    continue; /* a staleness marker */
                *v = s.v[j];
                if (s.t[j] > *t)
                    *t = s.t[j];
                break;
            }
        }
    }
    samples_free(&s);
    free(ids);
    for (size_t i = 0; i < nm; i++)
        matcher_free(&ms[i]);
}

/* Seeds every value slot of a new instance from the store.  A store that
 * cannot be read leaves the totals at 0. */
static void seed(derived *d, const family *f, const label *base, size_t n, inst *in)
{
    store_reader *r = NULL;
    err_ctx e = { 0 };
    if (!d->st || store_reader_open(d->st, &r, &e))
        return;
    int64_t now = now_ms();
    int64_t mint = now - d->o.seed_lookback_ms, maxt = now + 365 * DAY_MS;
    buf key = BUF_INIT;
    int found = 0;
    for (size_t k = 0; k < in->nv; k++) {
        label ls[8];
        slotname sn;
        size_t m = slot_labels(f, k, base, n, &sn, ls);
        if (encode(ls, m, &key, &e))
            break;
        int64_t t = in->last_t;
        seed_slot(r, ls, m, buf_slice(&key), mint, maxt, &in->v[k], &t);
        if (t != in->last_t)
            found = 1;
        in->last_t = t;
    }
    if (found)
        d->stats.seeded++;
    buf_free(&key);
    store_reader_close(r);
}

/* ------------------------------------------------------------ adding */

/* The instance of family f for label set base (created and seeded on first
 * touch), or NULL when max_series is reached. */
static int get_inst(derived *d, const family *f, const label *base, size_t n, buf *key, inst **out, err_ctx *e)
{
    int rc = encode(base, n, key, e);
    if (rc)
        return rc;
    uint64_t h = hash_bytes(key->p, key->n, d->seed);
    inst **slot = find_slot(d, key->p, key->n, h);
    if (*slot) {
        *out = *slot;
        return 0;
    }
    *out = NULL;
    if (d->n >= d->o.max_series) {
        d->stats.dropped++;
        return 0;
    }
    size_t nv = f->bounds ? f->nbounds + 3 : 1;
    inst *in = calloc(1, sizeof *in + nv * sizeof(double) + key->n);
    if (!in)
        return err_set(e, LOUPE_ENOMEM, "derived: out of memory");
    in->h = h;
    in->keylen = key->n;
    in->nv = nv;
    in->last_t = INT64_MIN;
    mem_copy((uint8_t *)(in->v + nv), key->p, key->n);
    seed(d, f, base, n, in);
    *slot = in;
    d->n++;
    if (d->n * 2 > d->nslots && grow(d))
        return err_set(e, LOUPE_ENOMEM, "derived: out of memory");
    *out = in;
    return 0;
}

static void observe(const family *f, inst *in, double x)
{
    if (!f->bounds) {
        in->v[0] += x;
        return;
    }
    for (size_t i = 0; i < f->nbounds; i++)
        if (x <= f->bounds[i])
            in->v[i] += 1;
    in->v[f->nbounds] += 1;     /* +Inf */
    in->v[f->nbounds + 1] += x; /* _sum */
    in->v[f->nbounds + 2] += 1; /* _count */
}

static int emit(const family *f, const inst *in, const label *base, size_t n, int64_t t, series_batch *out,
                err_ctx *e)
{
    for (size_t k = 0; k < in->nv; k++) {
        label ls[8];
        slotname sn;
        size_t m = slot_labels(f, k, base, n, &sn, ls);
        int rc = series_batch_add(out, ls, m, t, in->v[k], e);
        if (rc)
            return rc;
    }
    return 0;
}

int derived_add_call(derived *d, const rec_call *c, series_batch *out, err_ctx *e)
{
    int64_t t = (c->end_ns ? c->end_ns : c->start_ns) / 1000000;
    if (!c->end_ns && !c->start_ns)
        t = now_ms();
    buf key = BUF_INIT;
    int rc = 0;
    pthread_mutex_lock(&d->mu);
    d->stats.calls++;
    for (size_t i = 0; i < NFAMS && !rc; i++) {
        const family *f = &fams[i];
        double x;
        if (!value_of(f, c, &x))
            continue;
        label base[8];
        size_t n = base_labels(f, c, base);
        inst *in;
        rc = get_inst(d, f, base, n, &key, &in, e);
        if (rc || !in)
            continue;
        observe(f, in, x);
        /* keep the counter monotonic in time: a late call is emitted at the last time */
        int64_t at = t < in->last_t ? in->last_t : t;
        in->last_t = at;
        rc = emit(f, in, base, n, at, out, e);
    }
    pthread_mutex_unlock(&d->mu);
    buf_free(&key);
    return rc;
}
