/* index.c - in-memory series index: label sets, hash lookup, postings. */
#include "util/mem.h"
#include "store/index.h"
#include "store/labels.h"
#include "util/err.h"
#include "util/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_BITS 14 /* series entries per page: 16384 */
#define PAGE_SIZE (1u << PAGE_BITS)
#define MAX_PAGES (1u << 18) /* 4G ids */
#define SLAB_SIZE (1u << 20)
#define MAX_ALIASES (1u << 20)

typedef struct sentry {
    const uint8_t *labels;
    uint32_t labels_len;
    int64_t mint, maxt; /* INT64_MAX / INT64_MIN when no samples */
} sentry;

/* open addressing: id 0 = empty; tag = high 32 bits of the hash */
typedef struct hslot {
    uint32_t id, tag;
} hslot;

typedef struct alias {
    const uint8_t *key;
    uint32_t len, id, tag;
} alias;

typedef struct pair {
    slice name, value;
    idvec ids;
} pair;

typedef struct lname {
    slice name;
    pair **pairs;
    size_t n, cap;
} lname;

typedef struct slab {
    struct slab *next;
    size_t used, cap;
    uint8_t data[];
} slab;

struct sindex {
    pthread_rwlock_t lock;
    sentry *pages[MAX_PAGES];
    uint32_t max_id;
    size_t count;
    hslot *tab;
    size_t tab_cap;
    alias *al;
    size_t al_cap, al_n;
    /* postings: pair table keyed by hash(name, value); names table keyed by hash(name) */
    pair **pt;
    size_t pt_cap, pt_n;
    lname **nt;
    size_t nt_cap, nt_n;
    slab *slabs;
    size_t bytes;
    /* label-order ranks: rank[id] (0 = not ranked); replaced whole, old
     * arrays kept until destroy because readers may still hold them */
    pthread_mutex_t rank_mu;
    uint32_t *rank;
    uint32_t rank_max; /* ids <= rank_max were ranked */
    size_t rank_count;
    uint32_t **retired;
    size_t nretired;
};

static uint64_t g_seed_cache;

uint64_t sindex_hash(slice key)
{
    if (!g_seed_cache)
        g_seed_cache = hash_seed();
    return hash_bytes(key.p, key.n, g_seed_cache);
}

static void *slab_copy(sindex *ix, const void *p, size_t n)
{
    slab *s = ix->slabs;
    if (!s || s->cap - s->used < n) {
        size_t cap = n > SLAB_SIZE ? n : SLAB_SIZE;
        s = malloc(sizeof(slab) + cap);
        if (!s)
            return NULL;
        s->cap = cap;
        s->used = 0;
        s->next = ix->slabs;
        ix->slabs = s;
        ix->bytes += cap;
    }
    void *d = s->data + s->used;
    mem_copy(d, p, n);
    s->used += n;
    return d;
}

sindex *sindex_create(void)
{
    sindex *ix = calloc(1, sizeof *ix);
    if (!ix)
        return NULL;
    pthread_rwlock_init(&ix->lock, NULL);
    pthread_mutex_init(&ix->rank_mu, NULL);
    ix->tab_cap = 1024;
    ix->tab = calloc(ix->tab_cap, sizeof *ix->tab);
    ix->pt_cap = 1024;
    ix->pt = calloc(ix->pt_cap, sizeof *ix->pt);
    ix->nt_cap = 64;
    ix->nt = calloc(ix->nt_cap, sizeof *ix->nt);
    if (!ix->tab || !ix->pt || !ix->nt) {
        sindex_destroy(ix);
        return NULL;
    }
    return ix;
}

void sindex_destroy(sindex *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < MAX_PAGES; i++)
        free(ix->pages[i]);
    free(ix->tab);
    free(ix->al);
    if (ix->pt)
        for (size_t i = 0; i < ix->pt_cap; i++)
            if (ix->pt[i]) {
                idvec_free(&ix->pt[i]->ids);
                free(ix->pt[i]);
            }
    free(ix->pt);
    if (ix->nt)
        for (size_t i = 0; i < ix->nt_cap; i++)
            if (ix->nt[i]) {
                free(ix->nt[i]->pairs);
                free(ix->nt[i]);
            }
    free(ix->nt);
    slab *s = ix->slabs;
    while (s) {
        slab *n = s->next;
        free(s);
        s = n;
    }
    for (size_t i = 0; i < ix->nretired; i++)
        free(ix->retired[i]);
    free(ix->retired);
    free(ix->rank);
    pthread_mutex_destroy(&ix->rank_mu);
    pthread_rwlock_destroy(&ix->lock);
    free(ix);
}

void sindex_rdlock(sindex *ix) { pthread_rwlock_rdlock(&ix->lock); }
void sindex_wrlock(sindex *ix) { pthread_rwlock_wrlock(&ix->lock); }
void sindex_unlock(sindex *ix) { pthread_rwlock_unlock(&ix->lock); }

static sentry *entry(const sindex *ix, uint32_t id)
{
    sentry *pg = __atomic_load_n(&ix->pages[id >> PAGE_BITS], __ATOMIC_ACQUIRE);
    return pg ? &pg[id & (PAGE_SIZE - 1)] : NULL;
}

uint32_t sindex_lookup(const sindex *ix, slice key, uint64_t h)
{
    uint32_t tag = (uint32_t)(h >> 32);
    size_t mask = ix->tab_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const hslot *s = &ix->tab[i];
        if (!s->id)
            break;
        if (s->tag == tag) {
            const sentry *e = entry(ix, s->id);
            if (e->labels_len == key.n && memcmp(e->labels, key.p, key.n) == 0)
                return s->id;
        }
    }
    if (!ix->al_n)
        return 0;
    mask = ix->al_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const alias *a = &ix->al[i];
        if (!a->id)
            return 0;
        if (a->tag == tag && a->len == key.n && memcmp(a->key, key.p, key.n) == 0)
            return a->id;
    }
}

static int tab_grow(sindex *ix)
{
    size_t cap = ix->tab_cap * 2;
    hslot *t = calloc(cap, sizeof *t);
    if (!t)
        return LOUPE_ENOMEM;
    for (size_t i = 0; i < ix->tab_cap; i++) {
        hslot s = ix->tab[i];
        if (!s.id)
            continue;
        const sentry *e = entry(ix, s.id);
        uint64_t h = sindex_hash(slice_make(e->labels, e->labels_len));
        size_t j = h & (cap - 1);
        while (t[j].id)
            j = (j + 1) & (cap - 1);
        t[j] = s;
    }
    free(ix->tab);
    ix->bytes += (cap - ix->tab_cap) * sizeof *t;
    ix->tab = t;
    ix->tab_cap = cap;
    return 0;
}

static uint64_t pair_hash(slice name, slice value)
{
    uint64_t a = sindex_hash(name), b = sindex_hash(value);
    return hash_u64(a * 31 + b);
}

static lname *name_get(sindex *ix, slice name, int create)
{
    uint64_t h = sindex_hash(name);
    size_t mask = ix->nt_cap - 1;
    size_t i = h & mask;
    for (; ix->nt[i]; i = (i + 1) & mask)
        if (slice_eq(ix->nt[i]->name, name))
            return ix->nt[i];
    if (!create)
        return NULL;
    if ((ix->nt_n + 1) * 2 > ix->nt_cap) {
        size_t cap = ix->nt_cap * 2;
        lname **t = calloc(cap, sizeof *t);
        if (!t)
            return NULL;
        for (size_t k = 0; k < ix->nt_cap; k++)
            if (ix->nt[k]) {
                size_t j = sindex_hash(ix->nt[k]->name) & (cap - 1);
                while (t[j])
                    j = (j + 1) & (cap - 1);
                t[j] = ix->nt[k];
            }
        free(ix->nt);
        ix->nt = t;
        ix->nt_cap = cap;
        mask = cap - 1;
        for (i = h & mask; ix->nt[i]; i = (i + 1) & mask)
            ;
    }
    lname *ln = calloc(1, sizeof *ln);
    if (!ln)
        return NULL;
    ln->name = name;
    ix->nt[i] = ln;
    ix->nt_n++;
    return ln;
}

static pair *pair_find(const sindex *ix, slice name, slice value)
{
    uint64_t h = pair_hash(name, value);
    size_t mask = ix->pt_cap - 1;
    for (size_t i = h & mask; ix->pt[i]; i = (i + 1) & mask)
        if (slice_eq(ix->pt[i]->name, name) && slice_eq(ix->pt[i]->value, value))
            return ix->pt[i];
    return NULL;
}

static pair *pair_get(sindex *ix, slice name, slice value)
{
    pair *p = pair_find(ix, name, value);
    if (p)
        return p;
    if ((ix->pt_n + 1) * 2 > ix->pt_cap) {
        size_t cap = ix->pt_cap * 2;
        pair **t = calloc(cap, sizeof *t);
        if (!t)
            return NULL;
        for (size_t k = 0; k < ix->pt_cap; k++)
            if (ix->pt[k]) {
                size_t j = pair_hash(ix->pt[k]->name, ix->pt[k]->value) & (cap - 1);
                while (t[j])
                    j = (j + 1) & (cap - 1);
                t[j] = ix->pt[k];
            }
        ix->bytes += (cap - ix->pt_cap) * sizeof *t;
        free(ix->pt);
        ix->pt = t;
        ix->pt_cap = cap;
    }
    lname *ln = name_get(ix, name, 1);
    if (!ln)
        return NULL;
    if (ln->n == ln->cap) {
        size_t cap = ln->cap ? ln->cap * 2 : 4;
        pair **np = realloc(ln->pairs, cap * sizeof *np);
        if (!np)
            return NULL;
        ln->pairs = np;
        ln->cap = cap;
    }
    p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->name = ln->name;
    p->value = value;
    ln->pairs[ln->n++] = p;
    ix->bytes += sizeof *p;
    size_t mask = ix->pt_cap - 1;
    size_t i = pair_hash(name, value) & mask;
    while (ix->pt[i])
        i = (i + 1) & mask;
    ix->pt[i] = p;
    ix->pt_n++;
    return p;
}

int sindex_insert(sindex *ix, uint32_t id, slice blob, uint64_t h)
{
    if (id == 0 || (id >> PAGE_BITS) >= MAX_PAGES)
        return LOUPE_EINTERNAL;
    sentry *pg = ix->pages[id >> PAGE_BITS];
    if (!pg) {
        pg = malloc(PAGE_SIZE * sizeof *pg);
        if (!pg)
            return LOUPE_ENOMEM;
        for (size_t i = 0; i < PAGE_SIZE; i++) {
            pg[i].labels = NULL;
            pg[i].labels_len = 0;
            pg[i].mint = INT64_MAX;
            pg[i].maxt = INT64_MIN;
        }
        ix->bytes += PAGE_SIZE * sizeof *pg;
        __atomic_store_n(&ix->pages[id >> PAGE_BITS], pg, __ATOMIC_RELEASE);
    }
    if ((ix->count + 1) * 2 > ix->tab_cap && tab_grow(ix))
        return LOUPE_ENOMEM;
    const uint8_t *copy = slab_copy(ix, blob.p, blob.n ? blob.n : 1);
    if (!copy)
        return LOUPE_ENOMEM;
    sentry *e = &pg[id & (PAGE_SIZE - 1)];
    e->labels = copy;
    e->labels_len = (uint32_t)blob.n;
    /* postings: label slices point into the copy, which never moves */
    labels_iter it = labels_iter_make(slice_make(copy, blob.n));
    label l;
    while (labels_next(&it, &l) == 1) {
        pair *p = pair_get(ix, l.name, l.value);
        if (!p)
            return LOUPE_ENOMEM;
        size_t before = p->ids.cap;
        if (idvec_push(&p->ids, id))
            return LOUPE_ENOMEM;
        ix->bytes += (p->ids.cap - before) * sizeof(uint32_t);
        /* ids normally arrive in order; keep the list sorted if not */
        if (p->ids.n > 1 && p->ids.v[p->ids.n - 2] > id)
            idvec_sort_unique(&p->ids);
    }
    size_t mask = ix->tab_cap - 1;
    size_t i = h & mask;
    while (ix->tab[i].id)
        i = (i + 1) & mask;
    ix->tab[i].tag = (uint32_t)(h >> 32);
    ix->tab[i].id = id;
    ix->count++;
    if (id > ix->max_id)
        __atomic_store_n(&ix->max_id, id, __ATOMIC_RELEASE);
    return 0;
}

int sindex_add_alias(sindex *ix, slice key, uint64_t h, uint32_t id)
{
    if (ix->al_n >= MAX_ALIASES)
        return 0;
    if ((ix->al_n + 1) * 2 > ix->al_cap) {
        size_t cap = ix->al_cap ? ix->al_cap * 2 : 256;
        alias *t = calloc(cap, sizeof *t);
        if (!t)
            return LOUPE_ENOMEM;
        for (size_t k = 0; k < ix->al_cap; k++)
            if (ix->al[k].id) {
                uint64_t hh = sindex_hash(slice_make(ix->al[k].key, ix->al[k].len));
                size_t j = hh & (cap - 1);
                while (t[j].id)
                    j = (j + 1) & (cap - 1);
                t[j] = ix->al[k];
            }
        free(ix->al);
        ix->al = t;
        ix->al_cap = cap;
    }
    const uint8_t *copy = slab_copy(ix, key.p, key.n ? key.n : 1);
    if (!copy)
        return LOUPE_ENOMEM;
    size_t mask = ix->al_cap - 1;
    size_t i = h & mask;
    while (ix->al[i].id)
        i = (i + 1) & mask;
    ix->al[i] = (alias){ copy, (uint32_t)key.n, id, (uint32_t)(h >> 32) };
    ix->al_n++;
    return 0;
}

slice sindex_labels(const sindex *ix, uint32_t id)
{
    if (id == 0 || id > __atomic_load_n(&ix->max_id, __ATOMIC_ACQUIRE))
        return slice_make(NULL, 0);
    const sentry *e = entry(ix, id);
    return e && e->labels ? slice_make(e->labels, e->labels_len) : slice_make(NULL, 0);
}

uint32_t sindex_max_id(const sindex *ix) { return __atomic_load_n(&ix->max_id, __ATOMIC_ACQUIRE); }
size_t sindex_count(const sindex *ix) { return ix->count; }
size_t sindex_bytes(const sindex *ix) { return ix->bytes; }

void sindex_extend_time(sindex *ix, uint32_t id, int64_t mint, int64_t maxt)
{
    sentry *e = entry(ix, id);
    if (!e)
        return;
    if (mint < __atomic_load_n(&e->mint, __ATOMIC_RELAXED))
        __atomic_store_n(&e->mint, mint, __ATOMIC_RELAXED);
    if (maxt > __atomic_load_n(&e->maxt, __ATOMIC_RELAXED))
        __atomic_store_n(&e->maxt, maxt, __ATOMIC_RELAXED);
}

void sindex_prefetch(const sindex *ix, uint32_t id)
{
    const sentry *e = entry(ix, id);
    if (e)
        __builtin_prefetch(e, 1);
}

void sindex_time(const sindex *ix, uint32_t id, int64_t *mint, int64_t *maxt)
{
    const sentry *e = entry(ix, id);
    *mint = e ? __atomic_load_n(&e->mint, __ATOMIC_RELAXED) : INT64_MAX;
    *maxt = e ? __atomic_load_n(&e->maxt, __ATOMIC_RELAXED) : INT64_MIN;
}

/* Union of the postings of `name` whose value satisfies want == matches(m, value). */
static int union_matching(const sindex *ix, const matcher *m, int want, idvec *out)
{
    lname *ln = name_get((sindex *)ix, matcher_name(m), 0);
    if (!ln)
        return 0;
    if (m->op == MATCH_EQ && want) {
        pair *p = pair_find(ix, matcher_name(m), matcher_value(m));
        if (p && idvec_reserve(out, p->ids.n) == 0) {
            mem_copy(out->v, p->ids.v, p->ids.n * sizeof(uint32_t));
            out->n = p->ids.n;
        } else if (p) {
            return LOUPE_ENOMEM;
        }
        return 0;
    }
    size_t total = 0, hits = 0;
    for (size_t i = 0; i < ln->n; i++)
        if (matcher_matches(m, ln->pairs[i]->value) == want) {
            total += ln->pairs[i]->ids.n;
            hits++;
        }
    if (idvec_reserve(out, total))
        return LOUPE_ENOMEM;
    for (size_t i = 0; i < ln->n; i++)
        if (matcher_matches(m, ln->pairs[i]->value) == want) {
            mem_copy(out->v + out->n, ln->pairs[i]->ids.v, ln->pairs[i]->ids.n * sizeof(uint32_t));
            out->n += ln->pairs[i]->ids.n;
        }
    if (hits > 1)
        idvec_sort_unique(out);
    return 0;
}

int sindex_select(const sindex *ix, matcher *ms, size_t n, idvec *out)
{
    int have = 0, rc = 0;
    idvec tmp = IDVEC_INIT;
    out->n = 0;
    /* positive matchers first: they shrink the set */
    for (size_t i = 0; i < n; i++) {
        if (matcher_matches_empty(&ms[i]))
            continue;
        tmp.n = 0;
        if ((rc = union_matching(ix, &ms[i], 1, have ? &tmp : out)))
            goto cleanup;
        if (have)
            idvec_intersect(out, &tmp);
        have = 1;
        if (out->n == 0)
            goto cleanup;
    }
    if (!have) {
        uint32_t max = sindex_max_id(ix);
        if ((rc = idvec_reserve(out, max)))
            goto cleanup;
        for (uint32_t id = 1; id <= max; id++)
            if (sindex_labels(ix, id).p)
                out->v[out->n++] = id;
    }
    for (size_t i = 0; i < n && out->n; i++) {
        if (!matcher_matches_empty(&ms[i]))
            continue;
        tmp.n = 0;
        if ((rc = union_matching(ix, &ms[i], 0, &tmp)))
            goto cleanup;
        idvec_subtract(out, &tmp);
    }
cleanup:
    idvec_free(&tmp);
    return rc;
}

static int any_in(const idvec *ids, const idvec *within)
{
    size_t i = 0, j = 0;
    while (i < ids->n && j < within->n) {
        if (ids->v[i] < within->v[j])
            i++;
        else if (ids->v[i] > within->v[j])
            j++;
        else
            return 1;
    }
    return 0;
}

int sindex_each_name(const sindex *ix, const idvec *within, sindex_str_fn fn, void *ctx)
{
    for (size_t k = 0; k < ix->nt_cap; k++) {
        lname *ln = ix->nt[k];
        if (!ln)
            continue;
        int hit = 0;
        for (size_t i = 0; i < ln->n && !hit; i++)
            hit = ln->pairs[i]->ids.n > 0 && (!within || any_in(&ln->pairs[i]->ids, within));
        if (hit) {
            int rc = fn(ctx, ln->name);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int sindex_each_value(const sindex *ix, slice name, const idvec *within, sindex_str_fn fn, void *ctx)
{
    lname *ln = name_get((sindex *)ix, name, 0);
    if (!ln)
        return 0;
    for (size_t i = 0; i < ln->n; i++) {
        pair *p = ln->pairs[i];
        if (p->ids.n == 0 || (within && !any_in(&p->ids, within)))
            continue;
        int rc = fn(ctx, p->value);
        if (rc)
            return rc;
    }
    return 0;
}

static const sindex *g_sort_ix;

static int cmp_by_labels(const void *a, const void *b)
{
    return labels_compare(sindex_labels(g_sort_ix, *(const uint32_t *)a), sindex_labels(g_sort_ix, *(const uint32_t *)b));
}

/* Builds a fresh rank array over every series (called with rank_mu held). */
static void rebuild_ranks(sindex *ix)
{
    uint32_t max = sindex_max_id(ix);
    uint32_t *ids = malloc((max ? max : 1) * sizeof *ids);
    uint32_t *rank = calloc((size_t)max + 1, sizeof *rank);
    uint32_t **ret = realloc(ix->retired, (ix->nretired + 1) * sizeof *ret);
    if (!ids || !rank || !ret) {
        free(ids);
        free(rank);
        if (ret)
            ix->retired = ret;
        return;
    }
    ix->retired = ret;
    size_t n = 0;
    for (uint32_t id = 1; id <= max; id++)
        if (sindex_labels(ix, id).p)
            ids[n++] = id;
    /* qsort's comparator has no context argument; rank_mu serialises this */
    g_sort_ix = ix;
    if (n > 1)
        qsort(ids, n, sizeof *ids, cmp_by_labels);
    for (size_t i = 0; i < n; i++)
        rank[ids[i]] = (uint32_t)i + 1;
    free(ids);
    if (ix->rank)
        ix->retired[ix->nretired++] = ix->rank;
    __atomic_store_n(&ix->rank, rank, __ATOMIC_RELEASE);
    ix->rank_max = max;
    ix->rank_count = n;
}

typedef struct rank_ctx {
    const sindex *ix;
    const uint32_t *rank;
    uint32_t rank_max;
} rank_ctx;

static __thread rank_ctx t_rank;

static int cmp_by_rank(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (x <= t_rank.rank_max && y <= t_rank.rank_max && t_rank.rank[x] && t_rank.rank[y])
        return t_rank.rank[x] < t_rank.rank[y] ? -1 : t_rank.rank[x] > t_rank.rank[y];
    /* ranks agree with label order, so mixing the two is one total order */
    return labels_compare(sindex_labels(t_rank.ix, x), sindex_labels(t_rank.ix, y));
}

void sindex_sort_ids(sindex *ix, uint32_t *ids, size_t n)
{
    if (n < 2)
        return;
    pthread_mutex_lock(&ix->rank_mu);
    size_t count = ix->count;
    size_t stale = count > ix->rank_count ? count - ix->rank_count : 0;
    if (!ix->rank || stale > 1024 + count / 16)
        rebuild_ranks(ix);
    t_rank = (rank_ctx){ ix, ix->rank, ix->rank_max };
    pthread_mutex_unlock(&ix->rank_mu);
    if (!t_rank.rank) {
        t_rank.rank_max = 0;
        static const uint32_t none[1];
        t_rank.rank = none;
    }
    qsort(ids, n, sizeof *ids, cmp_by_rank);
}
