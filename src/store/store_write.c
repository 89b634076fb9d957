/* store_write.c - the writer thread: group commit of write requests into the
 * WAL, then into the head.  See store.h for the durability contract. */
#include "store/store_int.h"
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

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
    pthread_mutex_lock(&s->q_mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->q_mu);
        return err_set(e, LOUPE_ECANCELED, "the store is shutting down");
    }
    if (s->q_head && s->q_bytes + r.bytes > s->o.max_pending_bytes) {
        pthread_mutex_unlock(&s->q_mu);
        return err_set(e, LOUPE_EBUSY, "write queue full (%zu bytes pending); retry later", s->q_bytes);
    }
    if (s->q_tail)
        s->q_tail->next = &r;
    else
        s->q_head = &r;
    s->q_tail = &r;
    s->q_bytes += r.bytes;
    pthread_cond_signal(&s->q_cv);
    while (!r.done)
        pthread_cond_wait(&s->done_cv, &s->q_mu);
    pthread_mutex_unlock(&s->q_mu);
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

/* Builds the WAL record for a list of requests; assigns ids to new series. */
static int build_record(store *s, wstate *w, wreq *list, int64_t min_t, size_t *nsamples)
{
    uint32_t prev_id = 0;
    int64_t prev_t = 0;
    size_t cnt = 0;
    sindex_rdlock(s->ix);
    for (wreq *r = list; r; r = r->next) {
        for (size_t i = 0; i < r->n; i++) {
            store_series_in *in = &r->in[i];
            if (!in->id) {
                slice canon = in->labels.n ? in->labels : in->key;
                uint64_t h = in->labels.n ? sindex_hash(canon) : in->hash;
                in->id = sindex_lookup(s->ix, canon, h);
                if (!in->id)
                    in->id = find_new(w, canon, h);
                if (!in->id) {
                    in->id = s->next_id + (uint32_t)w->nn;
                    if (add_new(w, canon, h, in->id) || buf_put_uvarint(&w->news, in->id) ||
                        buf_put_uvarint(&w->news, canon.n) || buf_append(&w->news, canon.p, canon.n)) {
                        sindex_unlock(s->ix);
                        return LOUPE_ENOMEM;
                    }
                }
            }
            if (buf_reserve(&w->samples, in->n * 30)) {
                sindex_unlock(s->ix);
                return LOUPE_ENOMEM;
            }
            uint8_t *p = w->samples.p + w->samples.n;
            for (size_t k = 0; k < in->n; k++) {
                if (in->t[k] < min_t) {
                    r->res->too_old++;
                    continue;
                }
                p += varint_put(p, zigzag_enc((int64_t)in->id - (int64_t)prev_id));
                p += varint_put(p, zigzag_enc((int64_t)((uint64_t)in->t[k] - (uint64_t)prev_t)));
                memcpy(p, &in->v[k], 8);
                p += 8;
                prev_id = in->id;
                prev_t = in->t[k];
                cnt++;
            }
            w->samples.n = (size_t)(p - w->samples.p);
        }
    }
    sindex_unlock(s->ix);
    *nsamples = cnt;
    return buf_putc(&w->rec, 1) || buf_put_uvarint(&w->rec, w->nn) || buf_append(&w->rec, w->news.p, w->news.n) ||
                   buf_put_uvarint(&w->rec, cnt) || buf_append(&w->rec, w->samples.p, w->samples.n)
               ? LOUPE_ENOMEM
               : 0;
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
    int64_t min_t = s->o.retention_days > 0 ? wall_ms() - (int64_t)s->o.retention_days * 86400000 : INT64_MIN;
    size_t nsamples = 0;
    wstate_reset(w);
    int rc = build_record(s, w, list, min_t, &nsamples);
    if (rc)
        return err_set(e, rc, "out of memory building the WAL record");
    if (nsamples == 0 && w->nn == 0)
        return 0;
    uint64_t seq;
    rc = wal_append(s->wal, buf_slice(&w->rec), &seq, e);
    if (rc)
        return rc;
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
            int64_t lo = INT64_MAX, hi = INT64_MIN;
            for (size_t k = 0; k < in->n; k++) {
                if (in->t[k] < min_t)
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
    s->head_applied_seq = seq;
    head_unlock(s->hd);
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
            wreq *next = r->next;
            r->rc = rc;
            if (rc)
                err_set(r->e, rc, "%s", e.msg);
            r->done = 1;
            r = next;
        }
        pthread_cond_broadcast(&s->done_cv);
    }
    pthread_mutex_unlock(&s->q_mu);
    maybe_sync(s, 1);
    wstate_free(&w);
    return NULL;
}

/* Replays one WAL record into the index and head (at open, single-threaded). */
int store_wal_apply(void *ctx, uint64_t seq, slice rec)
{
    store *s = ctx;
    s->head_applied_seq = seq;
    const uint8_t *p = rec.p, *end = rec.p + rec.n;
    uint64_t nnew, n, u;
    if (p >= end || *p++ != 1 || varint_get(&p, end, &nnew))
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
    int64_t id = 0, t = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (varint_get(&p, end, &u))
            return LOUPE_EINTERNAL;
        id += zigzag_dec(u);
        if (varint_get(&p, end, &u) || end - p < 8)
            return LOUPE_EINTERNAL;
        t = (int64_t)((uint64_t)t + (uint64_t)zigzag_dec(u));
        double v;
        memcpy(&v, p, 8);
        p += 8;
        if (id <= 0 || !sindex_labels(s->ix, (uint32_t)id).p)
            return LOUPE_EINTERNAL;
        apply_sample(s, (uint32_t)id, t, v);
        sindex_extend_time(s->ix, (uint32_t)id, t, t);
    }
    return 0;
}
