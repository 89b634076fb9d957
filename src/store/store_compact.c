/* store_compact.c - the compactor: head -> compressed parts in LMDB, series
 * and metadata persistence, retention, and loading all of it at open. */
#include "util/mem.h"
#include "util/sort.h"
#include "store/store_int.h"
#include "store/idvec.h"
#include "util/varint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#define SERIES_GROUP_BITS 12 /* 4096 label sets per zstd frame: they share most of their bytes */
#define AUTO_COMPACT_MIN_NS (60LL * 1000000000)

/* ------------------------------------------------------------ helpers */

int tsdb_put_cb(void *ctx, slice key, slice val)
{
    tsdb_put_ctx *p = ctx;
    MDB_val k = { key.n, (void *)key.p }, v = { val.n, (void *)val.p };
    int rc = mdb_put(p->txn, p->dbi, &k, &v, 0);
    return rc == 0 ? 0 : rc == MDB_MAP_FULL ? LOUPE_EBUSY : LOUPE_EIO;
}

int tsdb_put_u64(store *s, MDB_txn *txn, const char *key, uint64_t v)
{
    uint8_t b[8];
    be64_put(b, v);
    MDB_val k = { strlen(key), (void *)key }, val = { 8, b };
    return mdb_put(txn, s->db_meta, &k, &val, 0);
}

void tsdb_part_key(uint8_t out[12], int64_t window, uint32_t gen)
{
    be64s_put(out, window);
    be32_put(out + 8, gen);
}

int tsdb_cmp_part(const void *a, const void *b)
{
    const part_meta *x = a, *y = b;
    if (x->window != y->window)
        return x->window < y->window ? -1 : 1;
    return x->gen < y->gen ? -1 : x->gen > y->gen;
}

int tsdb_parts_add(store *s, const part_meta *m)
{
    if (s->nparts == s->cap_parts) {
        size_t cap = s->cap_parts ? s->cap_parts * 2 : 16;
        part_meta *np = realloc(s->parts, cap * sizeof *np);
        if (!np)
            return LOUPE_ENOMEM;
        s->parts = np;
        s->cap_parts = cap;
    }
    s->parts[s->nparts++] = *m;
    return 0;
}

/* ------------------------------------------------------------ series persistence */

static int write_series_groups(store *s, MDB_txn *txn, uint32_t from, uint32_t to, err_ctx *e)
{
    buf b = BUF_INIT, z = BUF_INIT;
    int rc = 0;
    for (uint32_t g = from >> SERIES_GROUP_BITS; g <= (to >> SERIES_GROUP_BITS) && !rc; g++) {
        b.n = 0;
        for (uint32_t k = 0; k < (1u << SERIES_GROUP_BITS) && !rc; k++) {
            slice l = sindex_labels(s->ix, (g << SERIES_GROUP_BITS) | k);
            rc = buf_put_uvarint(&b, l.n) || buf_append(&b, l.p, l.n);
        }
        if (rc) {
            rc = err_set(e, LOUPE_ENOMEM, "out of memory");
            break;
        }
        size_t bound = ZSTD_compressBound(b.n);
        z.n = 0;
        if (buf_reserve(&z, bound)) {
            rc = err_set(e, LOUPE_ENOMEM, "out of memory");
            break;
        }
        size_t zn = ZSTD_compress(z.p, bound, b.p, b.n, 9);
        if (ZSTD_isError(zn)) {
            rc = err_set(e, LOUPE_EINTERNAL, "zstd: %s", ZSTD_getErrorName(zn));
            break;
        }
        uint8_t kb[4];
        be32_put(kb, g);
        MDB_val k = { 4, kb }, v = { zn, z.p };
        int mrc = mdb_put(txn, s->db_series, &k, &v, 0);
        if (mrc)
            rc = lenv_err(e, mrc, "put series");
    }
    buf_free(&b);
    buf_free(&z);
    return rc;
}

int store_load_series(store *s, err_ctx *e)
{
    MDB_txn *txn;
    int rc = lenv_read_begin(s->tsdb, &txn, e);
    if (rc)
        return rc;
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t *raw = NULL;
    if ((rc = mdb_cursor_open(txn, s->db_series, &c))) {
        lenv_read_end(s->tsdb, txn);
        return lenv_err(e, rc, "series cursor");
    }
    while (!rc && mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
        if (k.mv_size != 4)
            continue;
        uint32_t g = be32_get(k.mv_data);
        unsigned long long n = ZSTD_getFrameContentSize(v.mv_data, v.mv_size);
        if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > (1u << 30)) {
            rc = err_set(e, LOUPE_EIO, "series group %u is corrupt", g);
            break;
        }
        free(raw);
        raw = malloc(n ? n : 1);
        if (!raw) {
            rc = err_set(e, LOUPE_ENOMEM, "out of memory");
            break;
        }
        if (ZSTD_decompress(raw, n, v.mv_data, v.mv_size) != n) {
            rc = err_set(e, LOUPE_EIO, "series group %u is corrupt", g);
            break;
        }
        const uint8_t *p = raw, *end = raw + n;
        for (uint32_t i = 0; i < (1u << SERIES_GROUP_BITS) && p < end; i++) {
            uint64_t len;
            if (varint_get(&p, end, &len) || len > (uint64_t)(end - p)) {
                rc = err_set(e, LOUPE_EIO, "series group %u is corrupt", g);
                break;
            }
            uint32_t id = (g << SERIES_GROUP_BITS) | i;
            if (len && id) {
                slice lab = slice_make(p, (size_t)len);
                if ((rc = sindex_insert(s->ix, id, lab, sindex_hash(lab)))) {
                    err_set(e, rc, "loading series %u failed", id);
                    break;
                }
                if (id > s->persisted_max_id)
                    s->persisted_max_id = id;
            }
            p += len;
        }
    }
    free(raw);
    mdb_cursor_close(c);
    lenv_read_end(s->tsdb, txn);
    return rc;
}

int store_load_parts(store *s, err_ctx *e)
{
    MDB_txn *txn;
    int rc = lenv_read_begin(s->tsdb, &txn, e);
    if (rc)
        return rc;
    MDB_cursor *c;
    MDB_val k, v;
    if ((rc = mdb_cursor_open(txn, s->db_parts, &c))) {
        lenv_read_end(s->tsdb, txn);
        return lenv_err(e, rc, "parts cursor");
    }
    while (!rc && mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
        if (v.mv_size != sizeof(part_meta))
            continue;
        part_meta m;
        mem_copy(&m, v.mv_data, sizeof m);
        if ((rc = tsdb_parts_add(s, &m)))
            break;
        if (m.gen > s->gen)
            s->gen = m.gen;
        /* per-series time bounds, at window granularity */
        uint8_t kb[BLOCK_KEY_LEN];
        block_key(kb, m.window, m.gen, BLOCK_DIR);
        MDB_val dk = { sizeof kb, kb }, dv;
        if (mdb_get(txn, s->db_blocks, &dk, &dv) == 0) {
            bdir d;
            if (bdir_decode(slice_make(dv.mv_data, dv.mv_size), &d) == 0) {
                for (size_t i = 0; i < d.n; i++)
                    sindex_extend_time(s->ix, d.ids[i], m.mint, m.maxt);
                bdir_free(&d);
            }
        }
    }
    mdb_cursor_close(c);
    lenv_read_end(s->tsdb, txn);
    if (rc)
        return err_set(e, rc, "out of memory");
    sort_array(s->parts, s->nparts, sizeof *s->parts, tsdb_cmp_part);
    return 0;
}

/* metadata value: u8 type, uvarint help_len, help, uvarint unit_len, unit */
int store_load_metadata(store *s, err_ctx *e)
{
    MDB_txn *txn;
    int rc = lenv_read_begin(s->tsdb, &txn, e);
    if (rc)
        return rc;
    MDB_cursor *c;
    MDB_val k, v;
    if (mdb_cursor_open(txn, s->db_metadata, &c) == 0) {
        while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
            const uint8_t *p = v.mv_data, *end = p + v.mv_size;
            uint64_t hl, ul;
            if (p >= end)
                continue;
            int type = *p++;
            if (varint_get(&p, end, &hl) || hl > (uint64_t)(end - p))
                continue;
            slice help = slice_make(p, (size_t)hl);
            p += hl;
            if (varint_get(&p, end, &ul) || ul > (uint64_t)(end - p))
                continue;
            store_put_metadata(s, slice_make(k.mv_data, k.mv_size), type, help, slice_make(p, (size_t)ul));
        }
        mdb_cursor_close(c);
    }
    lenv_read_end(s->tsdb, txn);
    s->meta_dirty = 0;
    return 0;
}

static int write_metadata(store *s, MDB_txn *txn)
{
    int rc = 0;
    buf b = BUF_INIT;
    pthread_mutex_lock(&s->meta_mu);
    if (!s->meta_dirty)
        goto done;
    for (size_t i = 0; i < s->nmeta && !rc; i++) {
        metaent *m = &s->meta[i];
        b.n = 0;
        if (m->family.n == 0 || m->family.n > 400)
            continue; /* LMDB key limit */
        if (buf_putc(&b, (uint8_t)m->type) || buf_put_uvarint(&b, m->help.n) ||
            buf_append(&b, m->help.p, m->help.n) || buf_put_uvarint(&b, m->unit.n) ||
            buf_append(&b, m->unit.p, m->unit.n)) {
            rc = LOUPE_ENOMEM;
            break;
        }
        MDB_val k = { m->family.n, m->family.p }, v = { b.n, b.p };
        rc = mdb_put(txn, s->db_metadata, &k, &v, 0) ? LOUPE_EIO : 0;
    }
    if (!rc)
        s->meta_dirty = 0;
done:
    pthread_mutex_unlock(&s->meta_mu);
    buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------ compaction */

int tsdb_cmp_sortent(const void *a, const void *b)
{
    const sortent *x = a, *y = b;
    int c = slice_cmp(x->name, y->name);
    return c ? c : slice_cmp(x->labels, y->labels);
}

/* A (window, series) pair: the series has frozen samples in the window. */
typedef struct wpair {
    int64_t window;
    size_t ent; /* index into the sorted series */
} wpair;

static int cmp_wpair(const void *a, const void *b)
{
    const wpair *x = a, *y = b;
    if (x->window != y->window)
        return x->window < y->window ? -1 : 1;
    return x->ent < y->ent ? -1 : x->ent > y->ent;
}

typedef struct pairvec {
    wpair *v;
    size_t n, cap;
} pairvec;

static int pair_push(pairvec *pv, int64_t w, size_t ent)
{
    if (pv->n == pv->cap) {
        size_t cap = pv->cap ? pv->cap * 2 : 1024;
        wpair *nv = realloc(pv->v, cap * sizeof *nv);
        if (!nv)
            return LOUPE_ENOMEM;
        pv->v = nv;
        pv->cap = cap;
    }
    pv->v[pv->n++] = (wpair){ w, ent };
    return 0;
}

/* The windows series `id` has frozen samples in.  A series within one
 * window (the usual case) costs nothing; one spanning several is decoded,
 * so the cost follows the samples and not the time they span. */
static int series_windows(store *s, uint32_t id, int64_t lo, int64_t hi, size_t ent, pairvec *pv, samples *tmp)
{
    int64_t wlo = store_window_of(s, lo), whi = store_window_of(s, hi);
    if (wlo == whi)
        return pair_push(pv, wlo, ent);
    tmp->n = 0;
    head_rdlock(s->hd);
    int rc = head_read(s->hd, id, HEAD_FROZEN, INT64_MIN, INT64_MAX, tmp);
    head_unlock(s->hd);
    int64_t last = INT64_MIN;
    for (size_t i = 0; i < tmp->n && !rc; i++) {
        int64_t w = store_window_of(s, tmp->t[i]);
        if (w != last)
            rc = pair_push(pv, w, ent);
        last = w;
    }
    return rc;
}

/* Writes one window's part from the frozen head. */
static int compact_window(store *s, const sortent *ents, const wpair *pairs, size_t npairs, int64_t w,
                          part_meta *out, int *wrote, err_ctx *e)
{
    *wrote = 0;
    size_t est = head_bytes(s->hd) + (16u << 20);
    MDB_txn *txn;
    int rc = lenv_write_begin(s->tsdb, est, &txn, e);
    if (rc)
        return rc;
    uint32_t gen = s->gen + 1;
    tsdb_put_ctx pc = { txn, s->db_blocks };
    bw *b = bw_create(w, gen, s->o.block_target_bytes, s->o.zstd_level, tsdb_put_cb, &pc);
    samples tmp = SAMPLES_INIT;
    if (!b) {
        rc = err_set(e, LOUPE_ENOMEM, "out of memory");
        goto abort;
    }
    int64_t wend = w + s->o.window_ms - 1;
    for (size_t i = 0; i < npairs; i++) {
        const sortent *en = &ents[pairs[i].ent];
        tmp.n = 0;
        head_rdlock(s->hd);
        rc = head_read(s->hd, en->id, HEAD_FROZEN, w, wend, &tmp);
        head_unlock(s->hd);
        if (rc) {
            err_set(e, rc, "reading the head failed");
            goto abort;
        }
        if (tmp.n && (rc = bw_add(b, en->id, tmp.t, tmp.v, tmp.n, e)))
            goto abort;
    }
    part_meta m;
    if ((rc = bw_finish(b, &m, e)))
        goto abort;
    if (m.nseries == 0) {
        bw_destroy(b);
        samples_free(&tmp);
        lenv_abort(s->tsdb, txn);
        return 0;
    }
    uint8_t pk[12];
    tsdb_part_key(pk, w, gen);
    MDB_val k = { sizeof pk, pk }, v = { sizeof m, &m };
    int mrc = mdb_put(txn, s->db_parts, &k, &v, 0);
    if (!mrc)
        mrc = tsdb_put_u64(s, txn, "gen", gen);
    if (mrc) {
        rc = lenv_err(e, mrc, "put part");
        goto abort;
    }
    bw_destroy(b);
    samples_free(&tmp);
    if ((rc = lenv_commit(s->tsdb, txn, e)))
        return rc;
    s->gen = gen;
    *out = m;
    *wrote = 1;
    return 0;
abort:
    bw_destroy(b);
    samples_free(&tmp);
    lenv_abort(s->tsdb, txn);
    if (rc == LOUPE_EBUSY) /* map full mid-transaction: grow for the retry */
        lenv_grow(s->tsdb, est * 2, e);
    return rc;
}

int store_compact(store *s, err_ctx *e)
{
    int64_t t0 = store_now_ns();
    int rc = 0;
    sortent *ents = NULL;
    pairvec pairs = { NULL, 0, 0 };
    size_t nents = 0;
    part_meta *newp = NULL;
    size_t nnew = 0;

    /* freeze: every record up to seq_cut is in the head, and later records
     * go to a new WAL segment, so the old segments can go once this is done */
    pthread_mutex_lock(&s->commit_mu);
    head_wrlock(s->hd);
    int have = head_series(s->hd) > 0;
    rc = have ? head_freeze(s->hd) : 0;
    uint64_t seq_cut = wal_last_seq(s->wal);
    uint32_t frozen_max = head_frozen_max_id(s->hd);
    if (have) {
        s->head_mint = INT64_MAX;
        s->head_maxt = INT64_MIN;
    }
    head_unlock(s->hd);
    if (!rc && have)
        rc = wal_rotate(s->wal, e);
    pthread_mutex_unlock(&s->commit_mu);
    if (rc) {
        err_set(e, rc, "freezing the head failed");
        goto unfreeze;
    }

    if (have) {
        ents = malloc((size_t)frozen_max * sizeof *ents);
        if (!ents) {
            rc = err_set(e, LOUPE_ENOMEM, "out of memory");
            goto unfreeze;
        }
        for (uint32_t id = 1; id <= frozen_max; id++) {
            int64_t lo, hi;
            head_rdlock(s->hd);
            int any = head_range(s->hd, id, HEAD_FROZEN, &lo, &hi);
            head_unlock(s->hd);
            if (!any)
                continue;
            slice lab = sindex_labels(s->ix, id);
            ents[nents++] = (sortent){ id, labels_get(lab, slice_cstr("__name__")), lab };
        }
        sort_array(ents, nents, sizeof *ents, tsdb_cmp_sortent);
        samples tmp = SAMPLES_INIT;
        for (size_t i = 0; i < nents && !rc; i++) {
            int64_t lo, hi;
            head_rdlock(s->hd);
            head_range(s->hd, ents[i].id, HEAD_FROZEN, &lo, &hi);
            head_unlock(s->hd);
            rc = series_windows(s, ents[i].id, lo, hi, i, &pairs, &tmp);
        }
        samples_free(&tmp);
        if (rc) {
            err_set(e, rc, "out of memory");
            goto unfreeze;
        }
        sort_array(pairs.v, pairs.n, sizeof *pairs.v, cmp_wpair);
        size_t nws = 0;
        for (size_t i = 0; i < pairs.n; i++)
            nws += i == 0 || pairs.v[i].window != pairs.v[i - 1].window;
        newp = malloc((nws ? nws : 1) * sizeof *newp);
        if (!newp) {
            rc = err_set(e, LOUPE_ENOMEM, "out of memory");
            goto unfreeze;
        }
        for (size_t i = 0; i < pairs.n;) {
            size_t j = i;
            while (j < pairs.n && pairs.v[j].window == pairs.v[i].window)
                j++;
            int wrote = 0;
            rc = compact_window(s, ents, pairs.v + i, j - i, pairs.v[i].window, &newp[nnew], &wrote, e);
            if (rc == LOUPE_EBUSY) {
                err_clear(e);
                rc = compact_window(s, ents, pairs.v + i, j - i, pairs.v[i].window, &newp[nnew], &wrote, e);
            }
            if (rc)
                goto unfreeze;
            nnew += wrote;
            i = j;
        }
    }

    /* series, metadata and the WAL position, in one transaction */
    uint32_t max_id = sindex_max_id(s->ix);
    MDB_txn *txn;
    if ((rc = lenv_write_begin(s->tsdb, 1u << 20, &txn, e)))
        goto unfreeze;
    if (max_id > s->persisted_max_id)
        rc = write_series_groups(s, txn, s->persisted_max_id + 1, max_id, e);
    if (!rc && write_metadata(s, txn))
        rc = err_set(e, LOUPE_EIO, "writing metadata failed");
    if (!rc && have && tsdb_put_u64(s, txn, "wal_applied", seq_cut))
        rc = err_set(e, LOUPE_EIO, "writing the WAL position failed");
    if (rc) {
        lenv_abort(s->tsdb, txn);
        goto unfreeze;
    }
    if ((rc = lenv_commit(s->tsdb, txn, e)))
        goto unfreeze;
    if (lenv_sync(s->tsdb)) {
        rc = err_set(e, LOUPE_EIO, "fsync of the series store failed");
        goto unfreeze;
    }
    if (max_id > s->persisted_max_id)
        s->persisted_max_id = max_id;
    if (have)
        s->wal_applied = seq_cut;

    /* publish the parts and drop the frozen head together */
    pthread_rwlock_wrlock(&s->compact_lock);
    for (size_t i = 0; i < nnew; i++)
        if (tsdb_parts_add(s, &newp[i]))
            rc = err_set(e, LOUPE_ENOMEM, "out of memory (restart to see the new parts)");
    sort_array(s->parts, s->nparts, sizeof *s->parts, tsdb_cmp_part);
    head_wrlock(s->hd);
    head_release_frozen(s->hd);
    head_unlock(s->hd);
    pthread_rwlock_unlock(&s->compact_lock);
    if (have) {
        err_ctx we = { 0 };
        if (wal_truncate(s->wal, seq_cut, &we))
            fprintf(stderr, "loupe: WAL truncation failed (replay will skip covered records): %s\n", we.msg);
    }
    __atomic_add_fetch(&s->st_compactions, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->st_compaction_ns, (uint64_t)(store_now_ns() - t0), __ATOMIC_RELAXED);
    goto cleanup;

unfreeze:
    /* The frozen data stays readable and in the WAL; merge it back so the
     * next compaction retries it. */
    head_wrlock(s->hd);
    for (uint32_t id = 1; id <= frozen_max; id++) {
        samples tmp = SAMPLES_INIT;
        if (head_read(s->hd, id, HEAD_FROZEN, INT64_MIN, INT64_MAX, &tmp) == 0)
            for (size_t k = 0; k < tmp.n; k++)
                head_append(s->hd, id, tmp.t[k], tmp.v[k]);
        samples_free(&tmp);
    }
    head_release_frozen(s->hd);
    head_unlock(s->hd);
cleanup:
    free(ents);
    free(pairs.v);
    free(newp);
    return rc;
}

/* ------------------------------------------------------------ thread */

static int need_compaction(store *s, int64_t last_ns)
{
    head_rdlock(s->hd);
    size_t bytes = head_bytes(s->hd);
    int64_t span = s->head_maxt > s->head_mint ? s->head_maxt - s->head_mint : 0;
    size_t nser = head_series(s->hd);
    head_unlock(s->hd);
    if (nser == 0)
        return 0;
    if (bytes > s->o.head_max_bytes)
        return 1;
    return span > s->o.window_ms * 3 / 2 && store_now_ns() - last_ns > AUTO_COMPACT_MIN_NS;
}

void *store_compactor_main(void *arg)
{
    store *s = arg;
    int64_t last = store_now_ns();
    pthread_setname_np(pthread_self(), "loupe-compact");
    pthread_mutex_lock(&s->c_mu);
    while (!s->c_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        if (s->flush_req == s->flush_done)
            pthread_cond_timedwait(&s->c_cv, &s->c_mu, &ts);
        if (s->c_stop)
            break;
        uint64_t want = s->flush_req;
        pthread_mutex_unlock(&s->c_mu);

        int rc = 0;
        err_ctx e = { 0 };
        int flushing = want != s->flush_done;
        if (flushing || need_compaction(s, last)) {
            rc = store_compact(s, &e);
            last = store_now_ns();
            if (rc)
                fprintf(stderr, "loupe: compaction failed: %s\n", e.msg);
            /* a flush leaves one part per window; otherwise leave the
             * window that is still filling alone */
            head_rdlock(s->hd);
            int64_t keep = s->head_maxt != INT64_MIN ? store_window_of(s, s->head_maxt) : INT64_MIN;
            head_unlock(s->hd);
            err_ctx me = { 0 };
            int mrc = store_merge_windows(s, flushing ? INT64_MIN : keep, &me);
            if (mrc) {
                fprintf(stderr, "loupe: merging parts failed: %s\n", me.msg);
                if (!rc) {
                    rc = mrc;
                    e = me;
                }
            }
        }
        if (store_now_ns() - s->last_retention_ns > 60LL * 1000000000) {
            store_run_retention(s);
            s->last_retention_ns = store_now_ns();
        }

        pthread_mutex_lock(&s->c_mu);
        if (want != s->flush_done) {
            s->flush_done = want;
            s->last_flush_rc = rc;
            snprintf(s->last_flush_msg, sizeof s->last_flush_msg, "%s", e.msg);
            pthread_cond_broadcast(&s->c_done_cv);
        }
    }
    /* release anyone still waiting for a flush */
    s->flush_done = s->flush_req;
    s->last_flush_rc = LOUPE_ECANCELED;
    snprintf(s->last_flush_msg, sizeof s->last_flush_msg, "the store is shutting down");
    pthread_cond_broadcast(&s->c_done_cv);
    pthread_mutex_unlock(&s->c_mu);
    return NULL;
}

int store_flush(store *s, err_ctx *e)
{
    /* make sure everything queued before us is committed: a write of nothing
     * goes through the queue behind them */
    store_write_result res;
    int rc = store_write(s, NULL, 0, &res, e);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->c_mu);
    if (s->c_stop) {
        pthread_mutex_unlock(&s->c_mu);
        return err_set(e, LOUPE_ECANCELED, "the store is shutting down");
    }
    uint64_t my = ++s->flush_req;
    pthread_cond_signal(&s->c_cv);
    while (s->flush_done < my)
        pthread_cond_wait(&s->c_done_cv, &s->c_mu);
    rc = s->last_flush_rc;
    if (rc)
        err_set(e, rc, "%s", s->last_flush_msg);
    pthread_mutex_unlock(&s->c_mu);
    return rc;
}
