/* series_batch.c - samples built by ingest, grouped by canonical label set
 * in an arena hash table (see series_batch.h). */
#include "util/mem.h"
#include "util/sort.h"
#include "ingest/series_batch.h"

#include <stdlib.h>
#include <string.h>

/* One label set of the batch.  Samples are kept in arrival order (seq is the
 * array position) and put in time order by series_batch_finish(). */
struct sb_series {
    slice key;       /* canonical encoding, in the arena */
    uint64_t hash;   /* store_key_hash(key) */
    int64_t *t;
    double *v;
    size_t n, cap;
};

/* Open addressing, linear probing; idx is the series index + 1, 0 = empty. */
struct sb_slot {
    uint64_t hash;
    size_t idx;
};

enum { SB_STACK_LABELS = 64, SB_FIRST_SAMPLES = 4, SB_FIRST_SLOTS = 64 };

void series_batch_init(series_batch *b, arena *a, const labels_limits *lim)
{
    memset(b, 0, sizeof *b);
    b->a = a;
    if (lim)
        b->lim = *lim;
}

/* Doubles the slot table (or creates it) and re-inserts every series. */
static int grow_slots(series_batch *b)
{
    size_t n = b->nslots ? b->nslots * 2 : SB_FIRST_SLOTS;
    if (n > SIZE_MAX / sizeof(struct sb_slot))
        return LOUPE_ENOMEM;
    struct sb_slot *s = arena_calloc(b->a, n * sizeof *s);
    if (!s)
        return LOUPE_ENOMEM;
    for (size_t i = 0; i < b->nseries; i++) {
        size_t j = b->series[i].hash & (n - 1);
        while (s[j].idx)
            j = (j + 1) & (n - 1);
        s[j].hash = b->series[i].hash;
        s[j].idx = i + 1;
    }
    b->slots = s;
    b->nslots = n;
    return 0;
}

static int grow_series(series_batch *b)
{
    size_t cap = b->cap ? b->cap * 2 : 16;
    if (cap > SIZE_MAX / sizeof(struct sb_series))
        return LOUPE_ENOMEM;
    struct sb_series *s = arena_alloc(b->a, cap * sizeof *s);
    if (!s)
        return LOUPE_ENOMEM;
    mem_copy(s, b->series, b->nseries * sizeof *s);
    b->series = s;
    b->cap = cap;
    return 0;
}

/* The series for key, created (key copied into the arena) when new. */
static int find_or_add(series_batch *b, slice key, struct sb_series **out)
{
    uint64_t h = store_key_hash(key);
    /* keep the load factor under 1/2 */
    if ((b->nseries + 1) * 2 > b->nslots && grow_slots(b))
        return LOUPE_ENOMEM;
    size_t j = h & (b->nslots - 1);
    while (b->slots[j].idx) {
        struct sb_series *s = &b->series[b->slots[j].idx - 1];
        if (b->slots[j].hash == h && slice_eq(s->key, key)) {
            *out = s;
            return 0;
        }
        j = (j + 1) & (b->nslots - 1);
    }
    if (b->nseries == b->cap && grow_series(b))
        return LOUPE_ENOMEM;
    uint8_t *k = arena_alloc(b->a, key.n);
    if (!k)
        return LOUPE_ENOMEM;
    mem_copy(k, key.p, key.n);
    struct sb_series *s = &b->series[b->nseries];
    memset(s, 0, sizeof *s);
    s->key = slice_make(k, key.n);
    s->hash = h;
    b->slots[j].hash = h;
    b->slots[j].idx = ++b->nseries;
    *out = s;
    return 0;
}

static int push_sample(series_batch *b, struct sb_series *s, int64_t t, double v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : SB_FIRST_SAMPLES;
        if (cap > SIZE_MAX / sizeof(int64_t))
            return LOUPE_ENOMEM;
        int64_t *nt = arena_alloc(b->a, cap * sizeof *nt);
        double *nv = arena_alloc(b->a, cap * sizeof *nv);
        if (!nt || !nv)
            return LOUPE_ENOMEM;
        mem_copy(nt, s->t, s->n * sizeof *nt);
        mem_copy(nv, s->v, s->n * sizeof *nv);
        s->t = nt;
        s->v = nv;
        s->cap = cap;
    }
    s->t[s->n] = t;
    s->v[s->n] = v;
    s->n++;
    b->nsamples++;
    return 0;
}

int series_batch_add(series_batch *b, label *ls, size_t n, int64_t t_ms, double v, err_ctx *e)
{
    label stack[SB_STACK_LABELS];
    label *cp = stack;
    buf key = BUF_INIT;
    struct sb_series *s;
    int rc;

    /* labels_canonicalize sorts in place; the caller's array stays as given */
    if (n > SB_STACK_LABELS) {
        if (n > SIZE_MAX / sizeof *cp)
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        cp = arena_alloc(b->a, n * sizeof *cp);
        if (!cp)
            return err_set(e, LOUPE_ENOMEM, "out of memory");
    }
    mem_copy(cp, ls, n * sizeof *cp);
    size_t cnt = n;
    rc = labels_canonicalize(cp, &cnt, &b->lim, e); /* zero limits mean none */
    if (rc)
        goto cleanup;
    if ((rc = labels_encode(cp, cnt, &key)) != 0 || (rc = find_or_add(b, buf_slice(&key), &s)) != 0 ||
        (rc = push_sample(b, s, t_ms, v)) != 0) {
        rc = err_set(e, LOUPE_ENOMEM, "out of memory");
    }
cleanup:
    buf_free(&key);
    return rc;
}

/* A sample with its arrival position, so equal timestamps keep the last. */
typedef struct sb_sample {
    int64_t t;
    size_t seq;
    double v;
} sb_sample;

static int sample_cmp(const void *pa, const void *pb)
{
    const sb_sample *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Time-orders s's samples and keeps the last of each timestamp. */
static int order_samples(series_batch *b, struct sb_series *s)
{
    int sorted = 1;
    for (size_t i = 1; i < s->n && sorted; i++)
        if (s->t[i] <= s->t[i - 1])
            sorted = 0;
    if (sorted)
        return 0; /* the usual case: one sample, or already strictly ascending */
    sb_sample *tmp = arena_alloc(b->a, s->n * sizeof *tmp);
    if (!tmp)
        return LOUPE_ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        tmp[i].t = s->t[i];
        tmp[i].seq = i;
        tmp[i].v = s->v[i];
    }
    sort_array(tmp, s->n, sizeof *tmp, sample_cmp);
    size_t out = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (out > 0 && s->t[out - 1] == tmp[i].t) {
            s->v[out - 1] = tmp[i].v; /* later arrival wins */
            continue;
        }
        s->t[out] = tmp[i].t;
        s->v[out] = tmp[i].v;
        out++;
    }
    b->nsamples -= s->n - out;
    s->n = out;
    return 0;
}

int series_batch_finish(series_batch *b, store_series_in **out, size_t *n, err_ctx *e)
{
    *out = NULL;
    *n = 0;
    if (b->nseries == 0)
        return 0;
    store_series_in *in = arena_calloc(b->a, b->nseries * sizeof *in);
    if (!in)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    for (size_t i = 0; i < b->nseries; i++) {
        struct sb_series *s = &b->series[i];
        if (order_samples(b, s))
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        in[i].key = s->key;
        in[i].hash = s->hash;
        in[i].id = 0;
        in[i].labels = slice_make(NULL, 0); /* the key is canonical */
        in[i].t = s->t;
        in[i].v = s->v;
        in[i].n = s->n;
    }
    *out = in;
    *n = b->nseries;
    return 0;
}
