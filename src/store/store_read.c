/* store_read.c - readers: select series by matchers, read their samples from
 * parts (through the block cache) and the head, merged in time order. */
#include "util/mem.h"
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

struct store_reader {
    store *s;
    MDB_txn *txn;
    part_meta *parts; /* snapshot */
    size_t nparts;
    samples tmp;
    ts_memo memo;
};

int store_reader_open(store *s, store_reader **out, err_ctx *e)
{
    *out = NULL;
    store_reader *r = calloc(1, sizeof *r);
    if (!r)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    r->s = s;
    /* The compact lock makes (parts list, LMDB snapshot, frozen head) one
     * consistent view: the compactor publishes parts and drops the frozen
     * head under the write side. */
    pthread_rwlock_rdlock(&s->compact_lock);
    int rc = lenv_read_begin(s->tsdb, &r->txn, e);
    if (rc) {
        pthread_rwlock_unlock(&s->compact_lock);
        free(r);
        return rc;
    }
    if (s->nparts) {
        r->parts = malloc(s->nparts * sizeof *r->parts);
        if (!r->parts) {
            lenv_read_end(s->tsdb, r->txn);
            pthread_rwlock_unlock(&s->compact_lock);
            free(r);
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        }
        mem_copy(r->parts, s->parts, s->nparts * sizeof *r->parts);
        r->nparts = s->nparts;
    }
    *out = r;
    return 0;
}

void store_reader_close(store_reader *r)
{
    if (!r)
        return;
    lenv_read_end(r->s->tsdb, r->txn);
    pthread_rwlock_unlock(&r->s->compact_lock);
    free(r->parts);
    samples_free(&r->tmp);
    ts_memo_free(&r->memo);
    free(r);
}

static int overlaps(const store *s, uint32_t id, int64_t mint, int64_t maxt)
{
    int64_t lo, hi;
    sindex_time(s->ix, id, &lo, &hi);
    return lo <= maxt && hi >= mint;
}

int store_select(store_reader *r, matcher *ms, size_t n, int64_t mint, int64_t maxt, uint32_t **ids, size_t *nids,
                 err_ctx *e)
{
    idvec v = IDVEC_INIT;
    sindex_rdlock(r->s->ix);
    int rc = sindex_select(r->s->ix, ms, n, &v);
    sindex_unlock(r->s->ix);
    if (rc) {
        idvec_free(&v);
        return err_set(e, rc, "out of memory selecting series");
    }
    size_t o = 0;
    for (size_t i = 0; i < v.n; i++)
        if (overlaps(r->s, v.v[i], mint, maxt))
            v.v[o++] = v.v[i];
    v.n = o;
    *ids = v.v;
    *nids = v.n;
    return 0;
}

slice store_labels(store_reader *r, uint32_t id) { return sindex_labels(r->s->ix, id); }

void store_sort_ids(store_reader *r, uint32_t *ids, size_t n) { sindex_sort_ids(r->s->ix, ids, n); }

static void free_dir(void *p)
{
    bdir_free(p);
    free(p);
}

static void free_view(void *p)
{
    bview_free(p);
    free(p);
}

static int get_dir(store_reader *r, const part_meta *m, bdir **out, bcache_entry **h, err_ctx *e)
{
    uint8_t key[BLOCK_KEY_LEN];
    block_key(key, m->window, m->gen, BLOCK_DIR);
    *out = bcache_get(r->s->cache, key, h);
    if (*out)
        return 0;
    MDB_val k = { sizeof key, key }, v;
    int mrc = mdb_get(r->txn, r->s->db_blocks, &k, &v);
    if (mrc)
        return lenv_err(e, mrc, "reading a part directory");
    bdir *d = malloc(sizeof *d);
    if (!d)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    int rc = bdir_decode(slice_make(v.mv_data, v.mv_size), d);
    if (rc) {
        free(d);
        return err_set(e, rc == LOUPE_ENOMEM ? rc : LOUPE_EIO, "part directory is corrupt");
    }
    *out = bcache_put(r->s->cache, key, d, d->n * 12 + 64, free_dir, h);
    return *out ? 0 : err_set(e, LOUPE_ENOMEM, "out of memory");
}

static int get_block(store_reader *r, const part_meta *m, uint32_t blk, bview **out, bcache_entry **h, err_ctx *e)
{
    uint8_t key[BLOCK_KEY_LEN];
    block_key(key, m->window, m->gen, blk);
    *out = bcache_get(r->s->cache, key, h);
    if (*out)
        return 0;
    MDB_val k = { sizeof key, key }, v;
    int mrc = mdb_get(r->txn, r->s->db_blocks, &k, &v);
    if (mrc)
        return lenv_err(e, mrc, "reading a block");
    bview *b = malloc(sizeof *b);
    if (!b)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    int rc = bview_decode(slice_make(v.mv_data, v.mv_size), b);
    if (rc) {
        free(b);
        return err_set(e, rc == LOUPE_ENOMEM ? rc : LOUPE_EIO, "block is corrupt");
    }
    *out = bcache_put(r->s->cache, key, b, bview_bytes(b), free_view, h);
    return *out ? 0 : err_set(e, LOUPE_ENOMEM, "out of memory");
}

int store_read(store_reader *r, uint32_t id, int64_t mint, int64_t maxt, samples *out, err_ctx *e)
{
    store *s = r->s;
    out->n = 0;
    int rc = 0;
    for (size_t i = 0; i < r->nparts && !rc; i++) {
        const part_meta *m = &r->parts[i];
        if (m->maxt < mint || m->mint > maxt)
            continue;
        bdir *d;
        bcache_entry *hd;
        if ((rc = get_dir(r, m, &d, &hd, e)))
            break;
        uint32_t blk, pos;
        int found = bdir_find(d, id, &blk, &pos);
        bcache_release(s->cache, hd);
        if (!found)
            continue;
        bview *b;
        bcache_entry *hb;
        if ((rc = get_block(r, m, blk, &b, &hb, e)))
            break;
        uint8_t bkey[BLOCK_KEY_LEN];
        block_key(bkey, m->window, m->gen, blk);
        if (out->n == 0) {
            rc = bview_read(b, pos, mint, maxt, out, bkey, &r->memo);
        } else {
            r->tmp.n = 0;
            rc = bview_read(b, pos, mint, maxt, &r->tmp, bkey, &r->memo);
            if (!rc)
                rc = samples_merge(out, &r->tmp);
        }
        bcache_release(s->cache, hb);
        if (rc)
            err_set(e, rc, "decoding series %u failed", id);
    }
    if (rc)
        return rc;
    r->tmp.n = 0;
    head_rdlock(s->hd);
    rc = head_read(s->hd, id, HEAD_FROZEN | HEAD_LIVE, mint, maxt, out->n ? &r->tmp : out);
    head_unlock(s->hd);
    if (!rc && r->tmp.n)
        rc = samples_merge(out, &r->tmp);
    return rc ? err_set(e, rc, "reading the head of series %u failed", id) : 0;
}

static int build_within(store_reader *r, const uint32_t *ids, size_t nids, int64_t mint, int64_t maxt, idvec *v)
{
    if (ids) {
        v->v = (uint32_t *)ids;
        v->n = v->cap = nids;
        return 0;
    }
    uint32_t max = sindex_max_id(r->s->ix);
    if (idvec_reserve(v, max))
        return LOUPE_ENOMEM;
    for (uint32_t id = 1; id <= max; id++)
        if (sindex_labels(r->s->ix, id).p && overlaps(r->s, id, mint, maxt))
            v->v[v->n++] = id;
    return 0;
}

int store_label_names(store_reader *r, const uint32_t *ids, size_t nids, int64_t mint, int64_t maxt,
                      store_str_fn fn, void *ctx)
{
    idvec v = IDVEC_INIT;
    int rc = build_within(r, ids, nids, mint, maxt, &v);
    if (!rc) {
        sindex_rdlock(r->s->ix);
        rc = sindex_each_name(r->s->ix, &v, fn, ctx);
        sindex_unlock(r->s->ix);
    }
    if (!ids)
        idvec_free(&v);
    return rc;
}

int store_label_values(store_reader *r, slice name, const uint32_t *ids, size_t nids, int64_t mint, int64_t maxt,
                       store_str_fn fn, void *ctx)
{
    idvec v = IDVEC_INIT;
    int rc = build_within(r, ids, nids, mint, maxt, &v);
    if (!rc) {
        sindex_rdlock(r->s->ix);
        rc = sindex_each_value(r->s->ix, name, &v, fn, ctx);
        sindex_unlock(r->s->ix);
    }
    if (!ids)
        idvec_free(&v);
    return rc;
}
