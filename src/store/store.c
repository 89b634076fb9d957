/* store.c - the series store's lifecycle (open, recover, close), metadata
 * and statistics.  Writes are in store_write.c, compaction in
 * store_compact.c, reads in store_read.c. */
#include "store/store_int.h"
#include "util/hash.h"
#include "util/varint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void store_opts_default(store_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dir = "./data";
    o->retention_days = 30;
    o->sync_interval_ms = 1000;
    o->head_max_bytes = 128u << 20;
    o->window_ms = 2 * 3600 * 1000;
    o->block_target_bytes = 2u << 20;
    o->zstd_level = 3;
    o->cache_bytes = 64u << 20;
    o->max_pending_bytes = 256u << 20;
}

int64_t store_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t store_window_of(const store *s, int64_t t)
{
    int64_t w = s->o.window_ms;
    int64_t q = t / w;
    if (t % w < 0)
        q--;
    return q * w;
}

uint64_t store_key_hash(slice key) { return sindex_hash(key); }

static int open_dbs(store *s, err_ctx *e)
{
    int rc = lenv_dbi(s->tsdb, "meta", 0, &s->db_meta, e);
    if (!rc)
        rc = lenv_dbi(s->tsdb, "series", 0, &s->db_series, e);
    if (!rc)
        rc = lenv_dbi(s->tsdb, "parts", 0, &s->db_parts, e);
    if (!rc)
        rc = lenv_dbi(s->tsdb, "blocks", 0, &s->db_blocks, e);
    if (!rc)
        rc = lenv_dbi(s->tsdb, "metadata", 0, &s->db_metadata, e);
    return rc;
}

static int read_meta_u64(store *s, MDB_txn *txn, const char *key, uint64_t *out)
{
    MDB_val k = { strlen(key), (void *)key }, v;
    if (mdb_get(txn, s->db_meta, &k, &v) == 0 && v.mv_size == 8) {
        *out = be64_get(v.mv_data);
        return 1;
    }
    return 0;
}

static int load_meta(store *s, err_ctx *e)
{
    MDB_txn *txn;
    int rc = lenv_read_begin(s->tsdb, &txn, e);
    if (rc)
        return rc;
    uint64_t v;
    if (read_meta_u64(s, txn, "wal_applied", &v))
        s->wal_applied = v;
    if (read_meta_u64(s, txn, "gen", &v))
        s->gen = (uint32_t)v;
    lenv_read_end(s->tsdb, txn);
    return 0;
}

int store_open(const store_opts *o, store **out, err_ctx *e)
{
    *out = NULL;
    store *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    s->o = *o;
    if (s->o.window_ms <= 0)
        s->o.window_ms = 2 * 3600 * 1000;
    snprintf(s->dir, sizeof s->dir, "%s", o->dir);
    s->o.dir = s->dir;
    pthread_mutex_init(&s->q_mu, NULL);
    pthread_cond_init(&s->q_cv, NULL);
    pthread_cond_init(&s->done_cv, NULL);
    pthread_mutex_init(&s->c_mu, NULL);
    pthread_cond_init(&s->c_cv, NULL);
    pthread_cond_init(&s->c_done_cv, NULL);
    pthread_mutex_init(&s->meta_mu, NULL);
    pthread_mutex_init(&s->commit_mu, NULL);
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->compact_lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    s->head_mint = INT64_MAX;
    s->head_maxt = INT64_MIN;
    int rc = 0;
    char path[4200];
    if (mkdir(s->dir, 0755) && errno != EEXIST) {
        rc = err_set(e, LOUPE_EIO, "mkdir %s: %s", s->dir, strerror(errno));
        goto fail;
    }
    s->ix = sindex_create();
    s->hd = head_create();
    s->cache = bcache_create(o->cache_bytes);
    if (!s->ix || !s->hd || !s->cache) {
        rc = err_set(e, LOUPE_ENOMEM, "out of memory");
        goto fail;
    }
    snprintf(path, sizeof path, "%s/tsdb", s->dir);
    if ((rc = lenv_open(path, MDB_NOSYNC, 8, &s->tsdb, e)))
        goto fail;
    if ((rc = open_dbs(s, e)) || (rc = load_meta(s, e)) || (rc = store_load_series(s, e)) ||
        (rc = store_load_parts(s, e)) || (rc = store_load_metadata(s, e)))
        goto fail;
    s->next_id = sindex_max_id(s->ix) + 1;
    snprintf(path, sizeof path, "%s/wal", s->dir);
    if ((rc = wal_open(path, &s->wal, e)))
        goto fail;
    /* recover: everything the WAL holds beyond what parts cover */
    if ((rc = wal_replay(s->wal, s->wal_applied, store_wal_apply, s, e)))
        goto fail;
    s->next_id = sindex_max_id(s->ix) + 1;
    s->last_sync_ns = store_now_ns();
    if (pthread_create(&s->writer, NULL, store_writer_main, s)) {
        rc = err_set(e, LOUPE_EINTERNAL, "cannot start the writer thread");
        goto fail;
    }
    if (pthread_create(&s->compactor, NULL, store_compactor_main, s)) {
        pthread_mutex_lock(&s->q_mu);
        s->stopping = 1;
        pthread_cond_broadcast(&s->q_cv);
        pthread_mutex_unlock(&s->q_mu);
        pthread_join(s->writer, NULL);
        rc = err_set(e, LOUPE_EINTERNAL, "cannot start the compactor thread");
        goto fail;
    }
    *out = s;
    return 0;
fail:
    if (s->wal)
        wal_close(s->wal);
    lenv_close(s->tsdb);
    bcache_destroy(s->cache);
    head_destroy(s->hd);
    sindex_destroy(s->ix);
    free(s->parts);
    free(s);
    return rc;
}

static void meta_free(store *s)
{
    for (size_t i = 0; i < s->nmeta; i++) {
        buf_free(&s->meta[i].family);
        buf_free(&s->meta[i].help);
        buf_free(&s->meta[i].unit);
    }
    free(s->meta);
}

void store_close(store *s)
{
    if (!s)
        return;
    /* 1. the writer drains its queue and exits */
    pthread_mutex_lock(&s->q_mu);
    s->stopping = 1;
    pthread_cond_broadcast(&s->q_cv);
    pthread_mutex_unlock(&s->q_mu);
    pthread_join(s->writer, NULL);
    /* 2. the compactor exits; then one last compaction of the head */
    pthread_mutex_lock(&s->c_mu);
    s->c_stop = 1;
    pthread_cond_broadcast(&s->c_cv);
    pthread_mutex_unlock(&s->c_mu);
    pthread_join(s->compactor, NULL);
    err_ctx e = { 0 };
    if (store_compact(s, &e))
        fprintf(stderr, "loupe: final compaction failed (the WAL keeps the data): %s\n", e.msg);
    err_clear(&e);
    if (store_merge_all(s, &e))
        fprintf(stderr, "loupe: merging parts failed (reads still merge them): %s\n", e.msg);
    wal_sync(s->wal);
    wal_close(s->wal);
    lenv_sync(s->tsdb);
    err_clear(&e);
    if (lenv_vacuum(s->tsdb, 0.10, &e))
        fprintf(stderr, "loupe: vacuum failed: %s\n", e.msg);
    lenv_close(s->tsdb);
    bcache_destroy(s->cache);
    head_destroy(s->hd);
    sindex_destroy(s->ix);
    meta_free(s);
    free(s->parts);
    pthread_rwlock_destroy(&s->compact_lock);
    free(s);
}

int store_put_metadata(store *s, slice family, int type, slice help, slice unit)
{
    int rc = 0;
    pthread_mutex_lock(&s->meta_mu);
    metaent *m = NULL;
    for (size_t i = 0; i < s->nmeta; i++)
        if (slice_eq(buf_slice(&s->meta[i].family), family)) {
            m = &s->meta[i];
            break;
        }
    if (m && m->type == type && slice_eq(buf_slice(&m->help), help) && slice_eq(buf_slice(&m->unit), unit))
        goto done;
    if (!m) {
        if (s->nmeta == s->cap_meta) {
            size_t cap = s->cap_meta ? s->cap_meta * 2 : 64;
            metaent *nm = realloc(s->meta, cap * sizeof *nm);
            if (!nm) {
                rc = LOUPE_ENOMEM;
                goto done;
            }
            s->meta = nm;
            s->cap_meta = cap;
        }
        m = &s->meta[s->nmeta++];
        memset(m, 0, sizeof *m);
        rc = buf_append(&m->family, family.p, family.n);
    }
    m->type = type;
    m->help.n = m->unit.n = 0;
    rc = rc || buf_append(&m->help, help.p, help.n) || buf_append(&m->unit, unit.p, unit.n);
    s->meta_dirty = 1;
done:
    pthread_mutex_unlock(&s->meta_mu);
    return rc;
}

int store_each_metadata(store *s, store_meta_fn fn, void *ctx)
{
    int rc = 0;
    pthread_mutex_lock(&s->meta_mu);
    for (size_t i = 0; i < s->nmeta && !rc; i++)
        rc = fn(ctx, buf_slice(&s->meta[i].family), s->meta[i].type, buf_slice(&s->meta[i].help),
                buf_slice(&s->meta[i].unit));
    pthread_mutex_unlock(&s->meta_mu);
    return rc;
}

#define LD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

void store_get_stats(store *s, store_stats *st)
{
    memset(st, 0, sizeof *st);
    sindex_rdlock(s->ix);
    st->series = sindex_count(s->ix);
    st->index_bytes = sindex_bytes(s->ix);
    sindex_unlock(s->ix);
    head_rdlock(s->hd);
    st->head_series = head_series(s->hd);
    st->head_samples = head_samples(s->hd);
    st->head_bytes = head_bytes(s->hd);
    head_unlock(s->hd);
    st->samples_stored = LD(s->st_stored);
    st->samples_too_old = LD(s->st_too_old);
    st->series_created = LD(s->st_created);
    st->commits = LD(s->st_commits);
    st->commit_ns = LD(s->st_commit_ns);
    st->compactions = LD(s->st_compactions);
    st->compaction_ns = LD(s->st_compaction_ns);
    st->wal_syncs = LD(s->st_syncs);
    pthread_rwlock_rdlock(&s->compact_lock);
    st->parts = s->nparts;
    for (size_t i = 0; i < s->nparts; i++) {
        st->part_samples += s->parts[i].nsamples;
        st->part_bytes += s->parts[i].bytes;
    }
    pthread_rwlock_unlock(&s->compact_lock);
    st->tsdb_file_bytes = lenv_file_bytes(s->tsdb);
    st->wal_file_bytes = wal_file_bytes(s->wal);
    st->cache_bytes = bcache_bytes(s->cache);
    st->cache_hits = bcache_hits(s->cache);
    st->cache_misses = bcache_misses(s->cache);
}
