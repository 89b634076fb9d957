/* store_write.c - the writer thread: group commit of write requests into the
 * WAL, then into the head.  See store.h for the durability contract. */
#include "util/mem.h"
#include "store/store_int.h"
#include "util/timeparse.h"
#include "util/tls.h"
#include "util/varint.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct wreq {
    store_series_in *in;
    size_t n;
    store_write_result *res;
    err_ctx *e;
    int rc, done;
    size_t bytes;
    slice part;          /* samples of resolved series, encoded by the caller */
    size_t part_samples;
    int unresolved;      /* entries the writer must assign ids to and encode */
    int64_t min_t;
    pthread_cond_t cv;
    wreq *next;
};



/* New series of one group commit, found by canonical labels. */
typedef struct newser {
    slice labels;
    uint64_t hash;
    uint32_t id;
} newser;

typedef struct wstate {
    buf rec, samples, news;
    newser *nv;
    size_t nn, cap;
    size_t *tab; /* open addressing over nv indexes + 1 */
    size_t tab_cap;
} wstate;

size_t store_resolve(store *s, store_series_in *in, size_t n)
{
    size_t missing = 0;
    sindex_rdlock(s->ix);
    for (size_t i = 0; i < n; i++) {
        if (!in[i].id)
            in[i].id = sindex_lookup(s->ix, in[i].key, in[i].hash);
        missing += in[i].id == 0;
    }
    sindex_unlock(s->ix);
    return missing;
}

/* Encodes the samples of in[] whose id is known as one self-contained part
 * (delta chain from zero); counts samples older than min_t and flags entries
 * still without an id.  Returns the samples encoded. */
static size_t encode_part(store_series_in *in, size_t n, int64_t min_t, buf *out, size_t *too_old, int *unresolved,
                          int *oom)
{
    uint32_t prev_id = 0;
    int64_t prev_t = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i].id == 0) {
            *unresolved = 1;
            continue;
        }
        if (buf_reserve(out, in[i].n * 30)) {
            *oom = 1;
            return cnt;
        }
        uint8_t *p = out->p + out->n;
        for (size_t k = 0; k < in[i].n; k++) {
            if (in[i].t[k] < min_t || in[i].t[k] > MAX_TIME) {
                (*too_old)++;
                continue;
            }
            p += varint_put(p, zigzag_enc((int64_t)in[i].id - (int64_t)prev_id));
            p += varint_put(p, zigzag_enc((int64_t)((uint64_t)in[i].t[k] - (uint64_t)prev_t)));
            mem_copy(p, &in[i].v[k], 8);
            p += 8;
            prev_id = in[i].id;
            prev_t = in[i].t[k];
            cnt++;
        }
        out->n = (size_t)(p - out->p);
    }
    return cnt;
}

int store_write(store *s, store_series_in *in, size_t n, store_write_result *res, err_ctx *e)
{
    wreq r = { 0 };
    r.in = in;
    r.n = n;
    r.res = res;
    r.e = e;
    memset(res, 0, sizeof *res);
    for (size_t i = 0; i < n; i++)
        r.bytes += in[i].n * 16 + in[i].labels.n + 16;
    /* encode the WAL part of known series here, in parallel with other requests */
    r.min_t = s->o.retention_days > 0 ? now_ms() - (int64_t)s->o.retention_days * 86400000 : MIN_TIME;
    int oom = 0;
    buf *part = tls_buf(TLS_STORE_PART); /* the caller's; lives until we return */
    if (!part)
        return err_set(e, LOUPE_ENOMEM, "out of memory encoding the write");
    part->n = 0;
    r.part_samples = encode_part(in, n, r.min_t, part, &res->too_old, &r.unresolved, &oom);
    if (oom)
        return err_set(e, LOUPE_ENOMEM, "out of memory encoding the write");
    r.part = buf_slice(part);
    pthread_cond_init(&r.cv, NULL);
    pthread_mutex_lock(&s->q_mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->q_mu);
        pthread_cond_destroy(&r.cv);
        return err_set(e, LOUPE_ECANCELED, "the store is shutting down");
    }
    if (s->q_head && s->q_bytes + r.bytes > s->o.max_pending_bytes) {
        size_t pending = s->q_bytes;
        pthread_mutex_unlock(&s->q_mu);
        pthread_cond_destroy(&r.cv);
        return err_set(e, LOUPE_EBUSY, "write queue full (%zu bytes pending); retry later", pending);
    }
    if (s->q_tail)
        s->q_tail->next = &r;
    else
        s->q_head = &r;
    s->q_tail = &r;
    s->q_bytes += r.bytes;
    pthread_cond_signal(&s->q_cv);
    while (!r.done)
        pthread_cond_wait(&r.cv, &s->q_mu);
    pthread_mutex_unlock(&s->q_mu);
    pthread_cond_destroy(&r.cv);
    tls_trim(TLS_STORE_PART, 8u << 20);
    return r.rc;
}

static uint32_t find_new(wstate *w, slice labels, uint64_t h)
{
    if (!w->tab_cap)
        return 0;
    for (size_t i = h & (w->tab_cap - 1);; i = (i + 1) & (w->tab_cap - 1)) {
        size_t k = w->tab[i];
        if (!k)
            return 0;
        if (w->nv[k - 1].hash == h && slice_eq(w->nv[k - 1].labels, labels))
            return w->nv[k - 1].id;
    }
}

static int add_new(wstate *w, slice labels, uint64_t h, uint32_t id)
{
    if (w->nn == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        newser *nv = realloc(w->nv, cap * sizeof *nv);
        if (!nv)
            return LOUPE_ENOMEM;
        w->nv = nv;
        w->cap = cap;
    }
    if ((w->nn + 1) * 2 > w->tab_cap) {
        size_t cap = w->tab_cap ? w->tab_cap * 2 : 512;
        size_t *t = calloc(cap, sizeof *t);
        if (!t)
            return LOUPE_ENOMEM;
        for (size_t k = 0; k < w->nn; k++) {
            size_t j = w->nv[k].hash & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = k + 1;
        }
        free(w->tab);
        w->tab = t;
        w->tab_cap = cap;
    }
    w->nv[w->nn] = (newser){ labels, h, id };
    size_t j = h & (w->tab_cap - 1);
    while (w->tab[j])
        j = (j + 1) & (w->tab_cap - 1);
    w->tab[j] = ++w->nn;
    return 0;
}

static void wstate_reset(wstate *w)
{
    w->rec.n = w->samples.n = w->news.n = 0;
    w->nn = 0;
    if (w->tab_cap)
        memset(w->tab, 0, w->tab_cap * sizeof *w->tab);
}

static void wstate_free(wstate *w)
{
    buf_free(&w->rec);
    buf_free(&w->samples);
    buf_free(&w->news);
    free(w->nv);
    free(w->tab);
}

/* Builds the WAL record (version 2) for a list of requests: new series, then
 * each request's pre-encoded part, then a part for the entries resolved here. */
static int build_record(store *s, wstate *w, wreq *list, size_t *nsamples)
{
    size_t cnt = 0, nparts = 0;
    int need_ids = 0;
    for (wreq *r = list; r; r = r->next) {
        need_ids |= r->unresolved;
        nparts += r->part_samples > 0;
        cnt += r->part_samples;
    }
    size_t extra = 0;
    if (need_ids) {
        buf part = BUF_INIT;
        int rc = 0;
        sindex_rdlock(s->ix);
        for (wreq *r = list; r && !rc; r = r->next) {
            if (!r->unresolved)
                continue;
            part.n = 0;
            size_t c = 0;
            uint32_t prev_id = 0;
            int64_t prev_t = 0;
            for (size_t i = 0; i < r->n && !rc; i++) {
                store_series_in *in = &r->in[i];
                if (in->id)
                    continue; /* already in the request's own part */
                slice canon = in->labels.n ? in->labels : in->key;
                uint64_t h = in->labels.n ? sindex_hash(canon) : in->hash;
                uint32_t id = sindex_lookup(s->ix, canon, h);
                if (!id)
                    id = find_new(w, canon, h);
                if (!id) {
                    id = s->next_id + (uint32_t)w->nn;
                    if (add_new(w, canon, h, id) || buf_put_uvarint(&w->news, id) ||
                        buf_put_uvarint(&w->news, canon.n) || buf_append(&w->news, canon.p, canon.n)) {
                        rc = LOUPE_ENOMEM;
                        break;
                    }
                }
                in->id = id;
                if (buf_reserve(&part, in->n * 30)) {
                    rc = LOUPE_ENOMEM;
                    break;
                }
                uint8_t *p = part.p + part.n;
                for (size_t k = 0; k < in->n; k++) {
                    if (in->t[k] < r->min_t || in->t[k] > MAX_TIME) {
                        r->res->too_old++;
                        continue;
                    }
                    p += varint_put(p, zigzag_enc((int64_t)in->id - (int64_t)prev_id));
                    p += varint_put(p, zigzag_enc((int64_t)((uint64_t)in->t[k] - (uint64_t)prev_t)));
                    mem_copy(p, &in->v[k], 8);
                    p += 8;
                    prev_id = in->id;
                    prev_t = in->t[k];
                    c++;
                }
                part.n = (size_t)(p - part.p);
            }
            if (!rc && c) {
                rc = buf_put_uvarint(&w->samples, c) || buf_put_uvarint(&w->samples, part.n) ||
                             buf_append(&w->samples, part.p, part.n)
                         ? LOUPE_ENOMEM
                         : 0;
                nparts++;
                extra += c;
            }
        }
        sindex_unlock(s->ix);
        buf_free(&part);
        if (rc)
            return rc;
    }
    *nsamples = cnt + extra;
    if (buf_putc(&w->rec, 2) || buf_put_uvarint(&w->rec, w->nn) || buf_append(&w->rec, w->news.p, w->news.n) ||
        buf_put_uvarint(&w->rec, nparts))
        return LOUPE_ENOMEM;
    for (wreq *r = list; r; r = r->next) {
        if (!r->part_samples)
            continue;
        if (buf_put_uvarint(&w->rec, r->part_samples) || buf_put_uvarint(&w->rec, r->part.n) ||
            buf_append(&w->rec, r->part.p, r->part.n))
            return LOUPE_ENOMEM;
    }
    return buf_append(&w->rec, w->samples.p, w->samples.n) ? LOUPE_ENOMEM : 0;
}

static void apply_sample(store *s, uint32_t id, int64_t t, double v)
{
    head_append(s->hd, id, t, v);
    if (t < s->head_mint)
        s->head_mint = t;
    if (t > s->head_maxt)
        s->head_maxt = t;
}

/* Commits a list of requests: one WAL record, then index and head. */
static int commit_batch(store *s, wstate *w, wreq *list, err_ctx *e)
{
    int64_t t0 = store_now_ns();
    size_t nsamples = 0;
    wstate_reset(w);
    int rc = build_record(s, w, list, &nsamples);
    if (rc)
        return err_set(e, rc, "out of memory building the WAL record");
    if (nsamples == 0 && w->nn == 0)
        return 0;
    uint64_t seq;
    /* the WAL append and the head apply are one step for a compaction's
     * freeze: after it, everything in the old WAL segments is in the head */
    pthread_mutex_lock(&s->commit_mu);
    rc = wal_append(s->wal, buf_slice(&w->rec), &seq, e);
    if (rc) {
        pthread_mutex_unlock(&s->commit_mu);
        return rc;
    }
    s->wal_dirty = 1;
    /* durable: now make it visible */
    sindex_wrlock(s->ix);
    for (size_t k = 0; k < w->nn && !rc; k++)
        rc = sindex_insert(s->ix, w->nv[k].id, w->nv[k].labels, w->nv[k].hash);
    for (wreq *r = list; r && !rc; r = r->next)
        for (size_t i = 0; i < r->n && !rc; i++)
            if (r->in[i].labels.n && !sindex_lookup(s->ix, r->in[i].key, r->in[i].hash))
                rc = sindex_add_alias(s->ix, r->in[i].key, r->in[i].hash, r->in[i].id);
    sindex_unlock(s->ix);
    s->next_id += (uint32_t)w->nn;
    __atomic_add_fetch(&s->st_created, w->nn, __ATOMIC_RELAXED);
    head_wrlock(s->hd);
    for (wreq *r = list; r; r = r->next) {
        size_t stored = 0;
        for (size_t i = 0; i < r->n; i++) {
            store_series_in *in = &r->in[i];
            /* series are scattered in memory: fetch ahead to hide the misses */
            if (i + 16 < r->n)
                head_prefetch(s->hd, r->in[i + 16].id, 1);
            if (i + 8 < r->n) {
                head_prefetch(s->hd, r->in[i + 8].id, 2);
                sindex_prefetch(s->ix, r->in[i + 8].id);
            }
            int64_t lo = INT64_MAX, hi = INT64_MIN;
            for (size_t k = 0; k < in->n; k++) {
                if (in->t[k] < r->min_t || in->t[k] > MAX_TIME)
                    continue;
                apply_sample(s, in->id, in->t[k], in->v[k]);
                if (in->t[k] < lo)
                    lo = in->t[k];
                if (in->t[k] > hi)
                    hi = in->t[k];
                stored++;
            }
            if (lo <= hi)
                sindex_extend_time(s->ix, in->id, lo, hi);
        }
        r->res->stored = stored;
        __atomic_add_fetch(&s->st_stored, stored, __ATOMIC_RELAXED);
        __atomic_add_fetch(&s->st_too_old, r->res->too_old, __ATOMIC_RELAXED);
    }
    head_unlock(s->hd);
    pthread_mutex_unlock(&s->commit_mu);
    if (list)
        list->res->new_series += w->nn;
    __atomic_add_fetch(&s->st_commits, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->st_commit_ns, (uint64_t)(store_now_ns() - t0), __ATOMIC_RELAXED);
    return rc ? err_set(e, rc, "out of memory updating the index") : 0;
}

static void maybe_sync(store *s, int force)
{
    int64_t now = store_now_ns();
    if (!s->wal_dirty)
        return;
    if (force || now - s->last_sync_ns >= s->o.sync_interval_ms * 1000000) {
        wal_sync(s->wal);
        s->wal_dirty = 0;
        s->last_sync_ns = now;
        __atomic_add_fetch(&s->st_syncs, 1, __ATOMIC_RELAXED);
    }
}

void *store_writer_main(void *arg)
{
    store *s = arg;
    wstate w = { 0 };
    pthread_setname_np(pthread_self(), "loupe-writer");
    pthread_mutex_lock(&s->q_mu);
    for (;;) {
        while (!s->q_head && !s->stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t ms = s->o.sync_interval_ms > 0 ? s->o.sync_interval_ms : 1000;
            ts.tv_sec += ms / 1000;
            ts.tv_nsec += (ms % 1000) * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&s->q_cv, &s->q_mu, &ts);
            if (!s->q_head) {
                pthread_mutex_unlock(&s->q_mu);
                maybe_sync(s, 0);
                pthread_mutex_lock(&s->q_mu);
            }
        }
        if (!s->q_head && s->stopping)
            break;
        wreq *list = s->q_head;
        s->q_head = s->q_tail = NULL;
        s->q_bytes = 0;
        pthread_mutex_unlock(&s->q_mu);

        err_ctx e = { 0 };
        int rc = commit_batch(s, &w, list, &e);
        maybe_sync(s, 0);

        pthread_mutex_lock(&s->q_mu);
        for (wreq *r = list; r;) {
            wreq *next = r->next; /* r lives on its caller's stack: read next first */
            r->rc = rc;
            if (rc)
                err_set(r->e, rc, "%s", e.msg);
            r->done = 1;
            pthread_cond_signal(&r->cv);
            r = next;
        }
    }
    pthread_mutex_unlock(&s->q_mu);
    maybe_sync(s, 1);
    wstate_free(&w);
    return NULL;
}

static int replay_samples(store *s, const uint8_t **pp, const uint8_t *end, uint64_t n)
{
    const uint8_t *p = *pp;
    int64_t id = 0, t = 0;
    uint64_t u;
    for (uint64_t i = 0; i < n; i++) {
        if (varint_get(&p, end, &u))
            return LOUPE_EINTERNAL;
        id += zigzag_dec(u);
        if (varint_get(&p, end, &u) || end - p < 8)
            return LOUPE_EINTERNAL;
        t = (int64_t)((uint64_t)t + (uint64_t)zigzag_dec(u));
        double v;
        mem_copy(&v, p, 8);
        p += 8;
        if (id <= 0 || id > UINT32_MAX || !sindex_labels(s->ix, (uint32_t)id).p)
            return LOUPE_EINTERNAL;
        apply_sample(s, (uint32_t)id, t, v);
        sindex_extend_time(s->ix, (uint32_t)id, t, t);
    }
    *pp = p;
    return 0;
}

/* Replays one WAL record into the index and head (at open, single-threaded). */
int store_wal_apply(void *ctx, uint64_t seq, slice rec)
{
    store *s = ctx;
    (void)seq;
    const uint8_t *p = rec.p, *end = rec.p + rec.n;
    uint64_t nnew, n, u;
    if (p >= end)
        return LOUPE_EINTERNAL;
    int version = *p++;
    if ((version != 1 && version != 2) || varint_get(&p, end, &nnew))
        return LOUPE_EINTERNAL;
    for (uint64_t i = 0; i < nnew; i++) {
        uint64_t id, len;
        if (varint_get(&p, end, &id) || varint_get(&p, end, &len) || len > (uint64_t)(end - p) || id == 0 ||
            id > UINT32_MAX)
            return LOUPE_EINTERNAL;
        slice lab = slice_make(p, (size_t)len);
        p += len;
        if (!sindex_labels(s->ix, (uint32_t)id).p) {
            int rc = sindex_insert(s->ix, (uint32_t)id, lab, sindex_hash(lab));
            if (rc)
                return rc;
        }
    }
    if (varint_get(&p, end, &n))
        return LOUPE_EINTERNAL;
    if (version == 1)
        return replay_samples(s, &p, end, n);
    for (uint64_t k = 0; k < n; k++) { /* n parts */
        uint64_t len;
        if (varint_get(&p, end, &u) || varint_get(&p, end, &len) || len > (uint64_t)(end - p))
            return LOUPE_EINTERNAL;
        const uint8_t *q = p;
        int rc = replay_samples(s, &q, p + len, u);
        if (rc)
            return rc;
        p += len;
    }
    return 0;
}
