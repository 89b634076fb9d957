/* otlp_delta.c - the delta -> cumulative stream state of an
 * otlp_metrics_conv (otlp_metrics.h, otlp_metrics_int.h).
 *
 * Streams.  A stream is identified by a 128-bit fingerprint of the
 * metric's name, unit, type and monotonicity, its resource (all attributes),
 * its scope, and the point's label set; the state is the running total
 * (sums), or count, sum and per-bucket counts (histograms), plus the
 * stream's start time and the end time of its last point.  As the
 * Collector's deltatocumulative processor does:
 *   - a point ending at or before the last one (out of order), or starting
 *     before the last one ended (overlap: two writers, or a replay), is
 *     dropped and counted; a gap (start after the last end) just continues;
 *   - a point with exactly the last point's start and end is a retry of a
 *     request whose samples may not have been stored: it is not added
 *     again, and the current totals are written (idempotent);
 *   - a histogram whose layout changes (explicit bounds; exponential scale
 *     or zero threshold, or a bucket span past EXP_MAX_SPAN) restarts the
 *     stream from that point;
 *   - streams idle for max_idle_ms are forgotten (swept at most once a
 *     minute), and past max_streams new streams are refused until a sweep
 *     frees room, so hostile senders cannot grow the map without bound;
 *   - a NO_RECORDED_VALUE point forgets its stream (as the Prometheus
 *     exporter does) after writing staleness markers over its layout.
 * The map is a chained hash table under one mutex, held only while one
 * point is applied and its running values copied into the request arena. */
#include "util/mem.h"
#include "util/hash.h"
#include "ingest/otlp_metrics_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EXP_MAX_SPAN = 1024, TAB_FIRST = 1024, SWEEP_EVERY_MS = 60000 };

/* ------------------------------------------------------------ stream state */

typedef struct dstream {
    struct dstream *next;
    uint64_t fp[2];
    int64_t seen_ms;            /* converter clock at the last update */
    uint64_t start_ns, last_ns; /* start of the cumulative stream, end of its last point */
    uint64_t last_start_ns;     /* start of the last point (to recognise a retry) */
    double value;               /* sums */
    uint64_t count, zero_count; /* histograms */
    double sum, zero_threshold;
    int has_sum;
    double *bounds;             /* explicit: nbounds bounds and their counts (overflow = count) */
    uint64_t *counts;
    size_t nbounds;
    int32_t scale, pos_off, neg_off; /* exponential */
    uint64_t *pos, *neg;
    size_t npos, nneg;
} dstream;

struct otlp_metrics_conv {
    pthread_mutex_t mu;
    otlp_metrics_conv_opts o;
    dstream **tab;
    size_t cap, n;
    int64_t last_sweep;
    uint64_t seed;
};

static int64_t mono_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void otlp_metrics_conv_opts_default(otlp_metrics_conv_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_streams = 1000000;
    o->max_idle_ms = 3600 * 1000;
}

int otlp_metrics_conv_create(const otlp_metrics_conv_opts *o, otlp_metrics_conv **out)
{
    *out = NULL;
    otlp_metrics_conv *c = calloc(1, sizeof *c);
    if (!c)
        return LOUPE_ENOMEM;
    otlp_metrics_conv_opts_default(&c->o);
    if (o) {
        if (o->max_streams)
            c->o.max_streams = o->max_streams;
        if (o->max_idle_ms > 0)
            c->o.max_idle_ms = o->max_idle_ms;
        c->o.now_ms = o->now_ms;
        c->o.now_ctx = o->now_ctx;
    }
    if (!c->o.now_ms)
        c->o.now_ms = mono_ms;
    c->cap = TAB_FIRST;
    c->tab = calloc(c->cap, sizeof *c->tab);
    if (!c->tab || pthread_mutex_init(&c->mu, NULL)) {
        free(c->tab);
        free(c);
        return LOUPE_ENOMEM;
    }
    c->seed = hash_seed();
    c->last_sweep = c->o.now_ms(c->o.now_ctx);
    *out = c;
    return 0;
}

static void stream_free(dstream *s)
{
    free(s->bounds);
    free(s->counts);
    free(s->pos);
    free(s->neg);
    free(s);
}

void otlp_metrics_conv_destroy(otlp_metrics_conv *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->cap; i++)
        for (dstream *s = c->tab[i], *nx; s; s = nx) {
            nx = s->next;
            stream_free(s);
        }
    free(c->tab);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

size_t otlp_metrics_conv_streams(otlp_metrics_conv *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = c->n;
    pthread_mutex_unlock(&c->mu);
    return n;
}

static void sweep(otlp_metrics_conv *c, int64_t now)
{
    for (size_t i = 0; i < c->cap; i++)
        for (dstream **pp = &c->tab[i]; *pp;) {
            dstream *s = *pp;
            if (now - s->seen_ms > c->o.max_idle_ms) {
                *pp = s->next;
                stream_free(s);
                c->n--;
            } else {
                pp = &s->next;
            }
        }
    c->last_sweep = now;
}

static dstream **stream_slot(otlp_metrics_conv *c, const uint64_t fp[2])
{
    dstream **pp = &c->tab[fp[0] & (c->cap - 1)];
    while (*pp && ((*pp)->fp[0] != fp[0] || (*pp)->fp[1] != fp[1]))
        pp = &(*pp)->next;
    return pp;
}

static int grow_table(otlp_metrics_conv *c)
{
    size_t cap = c->cap * 2;
    dstream **t = calloc(cap, sizeof *t);
    if (!t)
        return LOUPE_ENOMEM;
    for (size_t i = 0; i < c->cap; i++)
        for (dstream *s = c->tab[i], *nx; s; s = nx) {
            nx = s->next;
            s->next = t[s->fp[0] & (cap - 1)];
            t[s->fp[0] & (cap - 1)] = s;
        }
    free(c->tab);
    c->tab = t;
    c->cap = cap;
    return 0;
}

/* The stream for fp (*fresh = 1 when created).  1 when the limit is
 * reached, LOUPE_ENOMEM.  Called with the lock held. */
static int stream_get(otlp_metrics_conv *c, const uint64_t fp[2], int64_t now, dstream **out, int *fresh)
{
    int64_t every = c->o.max_idle_ms < SWEEP_EVERY_MS ? c->o.max_idle_ms : SWEEP_EVERY_MS;
    if (now - c->last_sweep >= every)
        sweep(c, now);
    dstream **pp = stream_slot(c, fp);
    *fresh = 0;
    if (*pp) {
        *out = *pp;
        return 0;
    }
    if (c->n >= c->o.max_streams && now - c->last_sweep >= 1000)
        sweep(c, now); /* full: make room from idle streams, at most once a second */
    if (c->n >= c->o.max_streams)
        return 1;
    if (c->n >= c->cap && grow_table(c))
        return LOUPE_ENOMEM;
    dstream *s = calloc(1, sizeof *s);
    if (!s)
        return LOUPE_ENOMEM;
    s->fp[0] = fp[0];
    s->fp[1] = fp[1];
    pp = &c->tab[fp[0] & (c->cap - 1)];
    s->next = *pp;
    *pp = s;
    c->n++;
    *out = s;
    *fresh = 1;
    return 0;
}

static void stream_forget(otlp_metrics_conv *c, const uint64_t fp[2])
{
    dstream **pp = stream_slot(c, fp);
    if (*pp) {
        dstream *s = *pp;
        *pp = s->next;
        stream_free(s);
        c->n--;
    }
}

/* ------------------------------------------------------------ applying deltas */

static int dup_array(void **dst, const void *src, size_t n, size_t size)
{
    *dst = NULL;
    if (!n)
        return 0;
    if (!(*dst = malloc(n * size)))
        return LOUPE_ENOMEM;
    mem_copy(*dst, src, n * size);
    return 0;
}

/* Restarts s from the delta point p (its values become the totals). */
static int stream_reset(dstream *s, otlp_mtype type, const otlp_point *p)
{
    void *b = NULL, *cn = NULL, *pos = NULL, *neg = NULL;
    size_t nb = type == OTLP_M_HISTOGRAM && p->nbucket_counts ? p->nbounds : 0;
    int exp = type == OTLP_M_EXP_HISTOGRAM;
    if (dup_array(&b, p->bounds, nb, sizeof(double)) || dup_array(&cn, p->bucket_counts, nb, sizeof(uint64_t)) ||
        dup_array(&pos, p->positive.counts, exp ? p->positive.n : 0, sizeof(uint64_t)) ||
        dup_array(&neg, p->negative.counts, exp ? p->negative.n : 0, sizeof(uint64_t))) {
        free(b), free(cn), free(pos), free(neg);
        return LOUPE_ENOMEM; /* s is left as it was */
    }
    free(s->bounds), free(s->counts), free(s->pos), free(s->neg);
    s->bounds = b, s->counts = cn, s->nbounds = nb;
    s->pos = pos, s->npos = exp ? p->positive.n : 0, s->pos_off = p->positive.offset;
    s->neg = neg, s->nneg = exp ? p->negative.n : 0, s->neg_off = p->negative.offset;
    s->scale = p->scale;
    s->zero_threshold = p->zero_threshold;
    s->zero_count = p->zero_count;
    s->start_ns = p->start_ns ? p->start_ns : p->time_ns;
    s->value = p->is_int ? (double)p->ivalue : p->value;
    s->count = p->count;
    s->sum = p->sum;
    s->has_sum = p->has_sum;
    return 0;
}

/* Buckets one side of the stream would span after adding b. */
static int64_t merged_span(int32_t off, size_t n, const otlp_buckets *b)
{
    if (!n || !b->n)
        return (int64_t)(n ? n : b->n);
    int64_t lo = off < b->offset ? off : b->offset;
    int64_t hi = (int64_t)off + (int64_t)n, bh = (int64_t)b->offset + (int64_t)b->n;
    return (hi > bh ? hi : bh) - lo;
}

static int merge_side(int32_t *off, uint64_t **arr, size_t *n, const otlp_buckets *b)
{
    if (!b->n)
        return 0;
    if (!*n) {
        *off = b->offset;
        *n = b->n;
        return dup_array((void **)arr, b->counts, b->n, sizeof(uint64_t));
    }
    int64_t lo = *off < b->offset ? *off : b->offset;
    size_t nn = (size_t)merged_span(*off, *n, b);
    uint64_t *na = calloc(nn, sizeof *na);
    if (!na)
        return LOUPE_ENOMEM;
    for (size_t i = 0; i < *n; i++)
        na[(size_t)(*off - lo) + i] += (*arr)[i];
    for (size_t i = 0; i < b->n; i++)
        na[(size_t)(b->offset - lo) + i] += b->counts[i];
    free(*arr);
    *arr = na;
    *n = nn;
    *off = (int32_t)lo;
    return 0;
}

/* Adds the delta point p to s, or restarts s when p's layout differs. */
static int stream_add(dstream *s, otlp_mtype type, const otlp_point *p)
{
    if (type == OTLP_M_SUM) {
        s->value += p->is_int ? (double)p->ivalue : p->value;
        return 0;
    }
    if (type == OTLP_M_HISTOGRAM) {
        size_t nb = p->nbucket_counts ? p->nbounds : 0;
        if (nb != s->nbounds || (nb && memcmp(s->bounds, p->bounds, nb * sizeof(double))))
            return stream_reset(s, type, p);
        for (size_t i = 0; i < nb; i++)
            s->counts[i] += p->bucket_counts[i];
    } else {
        if (p->scale != s->scale || memcmp(&p->zero_threshold, &s->zero_threshold, sizeof(double)) ||
            merged_span(s->pos_off, s->npos, &p->positive) > EXP_MAX_SPAN ||
            merged_span(s->neg_off, s->nneg, &p->negative) > EXP_MAX_SPAN)
            return stream_reset(s, type, p);
        if (merge_side(&s->pos_off, &s->pos, &s->npos, &p->positive) ||
            merge_side(&s->neg_off, &s->neg, &s->nneg, &p->negative))
            return LOUPE_ENOMEM;
        s->zero_count += p->zero_count;
    }
    s->count += p->count;
    s->sum += p->sum;
    s->has_sum &= p->has_sum;
    return 0;
}

static void *arena_dup(arena *a, const void *p, size_t n)
{
    void *d = arena_alloc(a, n ? n : 1);
    if (d)
        mem_copy(d, p, n);
    return d;
}

/* The running totals of s as a cumulative point, copied into a. */
static int stream_out(const dstream *s, arena *a, otlp_point *o)
{
    memset(o, 0, sizeof *o);
    o->start_ns = s->start_ns;
    o->time_ns = s->last_ns;
    o->value = s->value;
    o->count = s->count;
    o->sum = s->sum;
    o->has_sum = s->has_sum;
    o->nbounds = o->nbucket_counts = s->nbounds;
    o->bounds = arena_dup(a, s->bounds, s->nbounds * sizeof(double));
    o->bucket_counts = arena_dup(a, s->counts, s->nbounds * sizeof(uint64_t));
    o->scale = s->scale;
    o->zero_threshold = s->zero_threshold;
    o->zero_count = s->zero_count;
    o->positive = (otlp_buckets){ s->pos_off, arena_dup(a, s->pos, s->npos * sizeof(uint64_t)), s->npos };
    o->negative = (otlp_buckets){ s->neg_off, arena_dup(a, s->neg, s->nneg * sizeof(uint64_t)), s->nneg };
    return o->bounds && o->bucket_counts && o->positive.counts && o->negative.counts ? 0 : LOUPE_ENOMEM;
}

int otlp_delta_apply(otlp_metrics_conv *c, const uint64_t fp[2], otlp_mtype type, const otlp_point *p, arena *a,
                     otlp_point *o, const char **why)
{
    pthread_mutex_lock(&c->mu);
    int64_t now = c->o.now_ms(c->o.now_ctx);
    dstream *s;
    int fresh, rc = stream_get(c, fp, now, &s, &fresh);
    if (rc == 1)
        *why = "too many delta streams; new ones are refused until idle ones expire";
    if (rc)
        goto cleanup;
    if (!fresh && p->time_ns == s->last_ns && p->start_ns == s->last_start_ns) {
        /* the same interval again: a retried request whose first attempt
         * was counted; answer with the totals instead of counting it twice */
        s->seen_ms = now;
        rc = stream_out(s, a, o);
    } else if (!fresh && p->time_ns <= s->last_ns) {
        *why = "delta point out of order (it does not end after the previous point)";
        rc = 1;
    } else if (!fresh && p->start_ns && p->start_ns < s->last_ns) {
        *why = "delta point overlaps the previous one (starts before it ended)";
        rc = 1;
    } else {
        rc = fresh ? stream_reset(s, type, p) : stream_add(s, type, p);
        s->last_ns = p->time_ns;
        s->last_start_ns = p->start_ns;
        s->seen_ms = now;
        if (!rc)
            rc = stream_out(s, a, o);
        if (rc)
            stream_forget(c, fp); /* out of memory: no half-updated stream */
    }
cleanup:
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int otlp_delta_forget(otlp_metrics_conv *c, const uint64_t fp[2], arena *a, otlp_point *o)
{
    pthread_mutex_lock(&c->mu);
    dstream **pp = stream_slot(c, fp);
    int rc = 0;
    if (*pp) {
        rc = stream_out(*pp, a, o) ? LOUPE_ENOMEM : 1;
        stream_forget(c, fp);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

uint64_t otlp_delta_seed(const otlp_metrics_conv *c) { return c->seed; }
