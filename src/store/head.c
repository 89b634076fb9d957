/* head.c - per-series appendable in-memory chunks; see head.h. */
#include "util/mem.h"
#include "store/head.h"
#include "util/err.h"
#include "util/varint.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_BITS 12
#define PAGE_SIZE (1u << PAGE_BITS)
#define MAX_PAGES (1u << 20)

/* The encoded, strictly time-ordered part of a series' head data. */
typedef struct hchunk {
    uint8_t *b;
    uint32_t len, cap;
    uint32_t n;
    int64_t mint, last_t, last_d;
    uint64_t last_v;
} hchunk;

typedef struct hdata {
    hchunk c;
    int64_t pt; /* pending (newest) sample: not yet encoded */
    double pv;
    int has_pend;
    int64_t *ot; /* out-of-order samples, in arrival order */
    double *ov;
    uint32_t on, ocap;
} hdata;

typedef struct hseries {
    hdata live;
    hdata *frozen;
} hseries;

struct head {
    pthread_rwlock_t lock;
    hseries *pages[MAX_PAGES];
    uint32_t max_id;
    uint32_t frozen_max;
    int frozen;
    size_t bytes, nsamples, nseries;
};

head *head_create(void)
{
    head *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    pthread_rwlock_init(&h->lock, NULL);
    return h;
}

static void hdata_free(hdata *d)
{
    free(d->c.b);
    free(d->ot);
    free(d->ov);
    memset(d, 0, sizeof *d);
}

void head_destroy(head *h)
{
    if (!h)
        return;
    for (uint32_t p = 0; p < MAX_PAGES; p++) {
        hseries *pg = h->pages[p];
        if (!pg)
            continue;
        for (uint32_t i = 0; i < PAGE_SIZE; i++) {
            hdata_free(&pg[i].live);
            if (pg[i].frozen) {
                hdata_free(pg[i].frozen);
                free(pg[i].frozen);
            }
        }
        free(pg);
    }
    pthread_rwlock_destroy(&h->lock);
    free(h);
}

void head_rdlock(head *h) { pthread_rwlock_rdlock(&h->lock); }
void head_wrlock(head *h) { pthread_rwlock_wrlock(&h->lock); }
void head_unlock(head *h) { pthread_rwlock_unlock(&h->lock); }

static hseries *get(const head *h, uint32_t id)
{
    if ((id >> PAGE_BITS) >= MAX_PAGES)
        return NULL;
    hseries *pg = h->pages[id >> PAGE_BITS];
    return pg ? &pg[id & (PAGE_SIZE - 1)] : NULL;
}

static inline uint64_t d2u(double d)
{
    uint64_t u;
    mem_copy(&u, &d, 8);
    return u;
}
static inline double u2d(uint64_t u)
{
    double d;
    mem_copy(&d, &u, 8);
    return d;
}

static int chunk_append(head *h, hchunk *c, int64_t t, double v)
{
    if (c->cap - c->len < 20) {
        uint32_t cap = c->cap ? c->cap * 2 : 64;
        uint8_t *b = realloc(c->b, cap);
        if (!b)
            return LOUPE_ENOMEM;
        h->bytes += cap - c->cap;
        c->b = b;
        c->cap = cap;
    }
    uint8_t *p = c->b + c->len;
    uint64_t u = d2u(v);
    if (c->n == 0) {
        p += varint_put(p, zigzag_enc(t));
        mem_copy(p, &u, 8);
        p += 8;
        c->mint = t;
        c->last_d = 0;
    } else {
        /* wrapping arithmetic: any two int64 timestamps may be neighbours */
        int64_t d = (int64_t)((uint64_t)t - (uint64_t)c->last_t);
        p += varint_put(p, zigzag_enc((int64_t)((uint64_t)d - (uint64_t)c->last_d)));
        c->last_d = d;
        uint64_t x = u ^ c->last_v;
        if (!x) {
            *p++ = 0x88;
        } else {
            int lead = __builtin_clzll(x) / 8, trail = __builtin_ctzll(x) / 8;
            *p++ = (uint8_t)(lead << 4 | trail);
            for (int k = 7 - lead; k >= trail; k--)
                *p++ = (uint8_t)(x >> (8 * k));
        }
    }
    c->last_t = t;
    c->last_v = u;
    c->n++;
    c->len = (uint32_t)(p - c->b);
    return 0;
}

/* Decodes the chunk, appending samples within [mint, maxt]. */
static int chunk_read(const hchunk *c, int64_t mint, int64_t maxt, samples *out)
{
    if (c->n == 0 || c->last_t < mint || c->mint > maxt)
        return 0;
    if (samples_reserve(out, out->n + c->n))
        return LOUPE_ENOMEM;
    const uint8_t *p = c->b, *end = c->b + c->len;
    int64_t t = 0, d = 0;
    uint64_t v = 0, u;
    for (uint32_t i = 0; i < c->n; i++) {
        if (varint_get(&p, end, &u))
            return LOUPE_EINTERNAL;
        if (i == 0) {
            t = zigzag_dec(u);
            mem_copy(&v, p, 8);
            p += 8;
        } else {
            d = (int64_t)((uint64_t)d + (uint64_t)zigzag_dec(u));
            t = (int64_t)((uint64_t)t + (uint64_t)d);
            uint8_t hb = *p++;
            if (hb != 0x88) {
                int lead = hb >> 4, trail = hb & 15, nb = 8 - lead - trail;
                uint64_t x = 0;
                for (int k = 0; k < nb; k++)
                    x = x << 8 | p[k];
                p += nb;
                v ^= x << (8 * trail);
            }
        }
        if (t > maxt)
            break;
        if (t >= mint) {
            out->t[out->n] = t;
            out->v[out->n++] = u2d(v);
        }
    }
    return 0;
}

static int ooo_push(head *h, hdata *d, int64_t t, double v)
{
    if (d->on == d->ocap) {
        uint32_t cap = d->ocap ? d->ocap * 2 : 8;
        int64_t *ot = realloc(d->ot, cap * sizeof *ot);
        if (!ot)
            return LOUPE_ENOMEM;
        d->ot = ot;
        double *ov = realloc(d->ov, cap * sizeof *ov);
        if (!ov)
            return LOUPE_ENOMEM;
        d->ov = ov;
        h->bytes += (cap - d->ocap) * 16;
        d->ocap = cap;
    }
    d->ot[d->on] = t;
    d->ov[d->on++] = v;
    return 0;
}

void head_prefetch(const head *h, uint32_t id, int stage)
{
    if ((id >> PAGE_BITS) >= MAX_PAGES)
        return;
    hseries *pg = h->pages[id >> PAGE_BITS];
    if (!pg)
        return;
    hseries *s = &pg[id & (PAGE_SIZE - 1)];
    if (stage == 1)
        __builtin_prefetch(s, 1);
    else if (s->live.c.b)
        __builtin_prefetch(s->live.c.b + s->live.c.len, 1);
}

int head_append(head *h, uint32_t id, int64_t t, double v)
{
    if ((id >> PAGE_BITS) >= MAX_PAGES || id == 0)
        return LOUPE_EINTERNAL;
    hseries *pg = h->pages[id >> PAGE_BITS];
    if (!pg) {
        pg = calloc(PAGE_SIZE, sizeof *pg);
        if (!pg)
            return LOUPE_ENOMEM;
        h->pages[id >> PAGE_BITS] = pg;
        h->bytes += PAGE_SIZE * sizeof *pg;
    }
    if (id > h->max_id)
        h->max_id = id;
    hdata *d = &pg[id & (PAGE_SIZE - 1)].live;
    h->nsamples++;
    if (!d->has_pend) {
        d->pt = t;
        d->pv = v;
        d->has_pend = 1;
        h->nseries++;
        return 0;
    }
    if (t == d->pt) {
        d->pv = v;
        h->nsamples--;
        return 0;
    }
    if (t > d->pt) {
        int rc = chunk_append(h, &d->c, d->pt, d->pv);
        if (rc)
            return rc;
        d->pt = t;
        d->pv = v;
        return 0;
    }
    return ooo_push(h, d, t, v);
}

int head_freeze(head *h)
{
    if (h->frozen)
        return LOUPE_EINTERNAL;
    for (uint32_t id = 1; id <= h->max_id; id++) {
        hseries *s = get(h, id);
        if (!s || !s->live.has_pend)
            continue;
        hdata *f = malloc(sizeof *f);
        if (!f)
            return LOUPE_ENOMEM; /* earlier series stay frozen: still consistent */
        *f = s->live;
        memset(&s->live, 0, sizeof s->live);
        s->frozen = f;
        h->frozen_max = id;
    }
    h->frozen = 1;
    h->nsamples = 0;
    h->nseries = 0;
    return 0;
}

void head_release_frozen(head *h)
{
    for (uint32_t id = 1; id <= h->frozen_max; id++) {
        hseries *s = get(h, id);
        if (!s || !s->frozen)
            continue;
        h->bytes -= s->frozen->c.cap + (size_t)s->frozen->ocap * 16;
        hdata_free(s->frozen);
        free(s->frozen);
        s->frozen = NULL;
    }
    h->frozen = 0;
    h->frozen_max = 0;
}

uint32_t head_frozen_max_id(const head *h) { return h->frozen_max; }

static int hdata_read(const hdata *d, int64_t mint, int64_t maxt, samples *out)
{
    if (!d->has_pend)
        return 0;
    size_t start = out->n;
    int rc = chunk_read(&d->c, mint, maxt, out);
    if (!rc && d->pt >= mint && d->pt <= maxt)
        rc = samples_push(out, d->pt, d->pv);
    if (rc || d->on == 0)
        return rc;
    samples o = SAMPLES_INIT;
    for (uint32_t i = 0; i < d->on && !rc; i++)
        if (d->ot[i] >= mint && d->ot[i] <= maxt)
            rc = samples_push(&o, d->ot[i], d->ov[i]);
    if (!rc && o.n) {
        samples_sort_dedup(&o);
        /* merge the ooo samples (newer) over this hdata's ordered part */
        size_t np = out->n - start;
        samples merged = SAMPLES_INIT;
        rc = samples_reserve(&merged, np);
        if (!rc && np) { /* out->t may be NULL when nothing was in range: no memcpy from it */
            mem_copy(merged.t, out->t + start, np * sizeof(int64_t));
            mem_copy(merged.v, out->v + start, np * sizeof(double));
            merged.n = np;
        }
        if (!rc)
            rc = samples_merge(&merged, &o);
        if (!rc) {
            out->n = start;
            rc = samples_reserve(out, start + merged.n);
            if (!rc) {
                mem_copy(out->t + start, merged.t, merged.n * sizeof(int64_t));
                mem_copy(out->v + start, merged.v, merged.n * sizeof(double));
                out->n = start + merged.n;
            }
        }
        samples_free(&merged);
    }
    samples_free(&o);
    return rc;
}

int head_read(const head *h, uint32_t id, int which, int64_t mint, int64_t maxt, samples *out)
{
    const hseries *s = get(h, id);
    if (!s)
        return 0;
    int rc = 0;
    if ((which & HEAD_FROZEN) && s->frozen)
        rc = hdata_read(s->frozen, mint, maxt, out);
    if (rc || !(which & HEAD_LIVE) || !s->live.has_pend)
        return rc;
    if (out->n == 0)
        return hdata_read(&s->live, mint, maxt, out);
    samples l = SAMPLES_INIT;
    rc = hdata_read(&s->live, mint, maxt, &l);
    if (!rc)
        rc = samples_merge(out, &l);
    samples_free(&l);
    return rc;
}

static void hdata_range(const hdata *d, int64_t *mint, int64_t *maxt)
{
    if (!d->has_pend)
        return;
    int64_t lo = d->c.n ? d->c.mint : d->pt, hi = d->pt;
    for (uint32_t i = 0; i < d->on; i++) {
        if (d->ot[i] < lo)
            lo = d->ot[i];
        if (d->ot[i] > hi)
            hi = d->ot[i];
    }
    if (lo < *mint)
        *mint = lo;
    if (hi > *maxt)
        *maxt = hi;
}

int head_range(const head *h, uint32_t id, int which, int64_t *mint, int64_t *maxt)
{
    const hseries *s = get(h, id);
    *mint = INT64_MAX;
    *maxt = INT64_MIN;
    if (!s)
        return 0;
    if ((which & HEAD_FROZEN) && s->frozen)
        hdata_range(s->frozen, mint, maxt);
    if (which & HEAD_LIVE)
        hdata_range(&s->live, mint, maxt);
    return *mint <= *maxt;
}

size_t head_bytes(const head *h) { return h->bytes; }
size_t head_samples(const head *h) { return h->nsamples; }
size_t head_series(const head *h) { return h->nseries; }
