/* store_parts.c - rewriting and dropping parts: merging a window's parts
 * into one (newer generations win on equal timestamps) and retention by
 * age. */
#include "store/store_int.h"
#include "util/timeparse.h"
#include "store/idvec.h"
#include "util/mem.h"
#include "util/sort.h"
#include "util/varint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ merging parts */

/* One input part of a merge, with the block it is positioned on. */
typedef struct mpart {
    part_meta m;
    bdir dir;
    bview view;
    int64_t blk; /* block in view, -1 = none */
} mpart;

static int load_block(store *s, MDB_txn *txn, mpart *mp, uint32_t blk, err_ctx *e)
{
    if (mp->blk == (int64_t)blk)
        return 0;
    bview_free(&mp->view);
    mp->blk = -1;
    uint8_t kb[BLOCK_KEY_LEN];
    block_key(kb, mp->m.window, mp->m.gen, blk);
    MDB_val k = { sizeof kb, kb }, v;
    int mrc = mdb_get(txn, s->db_blocks, &k, &v);
    if (mrc)
        return lenv_err(e, mrc, "merge: reading a block");
    int rc = bview_decode(slice_make(v.mv_data, v.mv_size), &mp->view);
    if (rc)
        return err_set(e, rc == LOUPE_ENOMEM ? rc : LOUPE_EIO, "merge: a block is corrupt");
    mp->blk = blk;
    return 0;
}

static int delete_part_keys(store *s, MDB_txn *txn, const part_meta *m)
{
    MDB_cursor *c;
    int mrc = mdb_cursor_open(txn, s->db_blocks, &c);
    if (mrc)
        return mrc;
    uint8_t kb[BLOCK_KEY_LEN];
    block_key(kb, m->window, m->gen, 0);
    MDB_val k = { sizeof kb, kb }, v;
    mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (mrc == 0 && k.mv_size == BLOCK_KEY_LEN && memcmp(k.mv_data, kb, 12) == 0) {
        if ((mrc = mdb_cursor_del(c, 0)))
            break;
        mrc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT);
    }
    mdb_cursor_close(c);
    if (mrc && mrc != MDB_NOTFOUND && mrc != EINVAL)
        return mrc;
    uint8_t pk[12];
    tsdb_part_key(pk, m->window, m->gen);
    MDB_val pkv = { sizeof pk, pk };
    mrc = mdb_del(txn, s->db_parts, &pkv, NULL);
    return mrc == MDB_NOTFOUND ? 0 : mrc;
}

/* Rewrites all parts of one window as a single part (newer generations win
 * on equal timestamps), so a window read touches one directory and the at-rest
 * form is as compact as one compaction of everything would make it. */
static int merge_window(store *s, int64_t window, err_ctx *e)
{
    mpart *mp = NULL;
    size_t n = 0;
    pthread_rwlock_rdlock(&s->compact_lock);
    for (size_t i = 0; i < s->nparts; i++)
        n += s->parts[i].window == window;
    if (n >= 2 && (mp = calloc(n, sizeof *mp))) {
        size_t k = 0;
        for (size_t i = 0; i < s->nparts; i++)
            if (s->parts[i].window == window) {
                mp[k].m = s->parts[i];
                mp[k].blk = -1;
                k++;
            }
    }
    pthread_rwlock_unlock(&s->compact_lock);
    if (n < 2)
        return 0;
    if (!mp)
        return err_set(e, LOUPE_ENOMEM, "out of memory");

    int rc = 0;
    MDB_txn *rtxn = NULL, *wtxn = NULL;
    sortent *ents = NULL;
    idvec all = IDVEC_INIT;
    samples acc = SAMPLES_INIT, tmp = SAMPLES_INIT;
    bw *b = NULL;
    if ((rc = lenv_read_begin(s->tsdb, &rtxn, e)))
        goto done;
    for (size_t i = 0; i < n; i++) {
        uint8_t kb[BLOCK_KEY_LEN];
        block_key(kb, mp[i].m.window, mp[i].m.gen, BLOCK_DIR);
        MDB_val k = { sizeof kb, kb }, v;
        int mrc = mdb_get(rtxn, s->db_blocks, &k, &v);
        if (mrc) {
            rc = lenv_err(e, mrc, "merge: reading a directory");
            goto done;
        }
        if ((rc = bdir_decode(slice_make(v.mv_data, v.mv_size), &mp[i].dir))) {
            err_set(e, rc, "merge: a directory is corrupt");
            goto done;
        }
        for (size_t j = 0; j < mp[i].dir.n && !rc; j++)
            rc = idvec_push(&all, mp[i].dir.ids[j]);
        if (rc) {
            err_set(e, rc, "out of memory");
            goto done;
        }
    }
    idvec_sort_unique(&all);
    ents = malloc((all.n ? all.n : 1) * sizeof *ents);
    if (!ents) {
        rc = err_set(e, LOUPE_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < all.n; i++) {
        slice lab = sindex_labels(s->ix, all.v[i]);
        ents[i] = (sortent){ all.v[i], labels_get(lab, slice_cstr("__name__")), lab };
    }
    sort_array(ents, all.n, sizeof *ents, tsdb_cmp_sortent);

    size_t est = 16u << 20;
    for (size_t i = 0; i < n; i++)
        est += mp[i].m.bytes * 2;
    if ((rc = lenv_write_begin(s->tsdb, est, &wtxn, e)))
        goto done;
    uint32_t gen = s->gen + 1;
    tsdb_put_ctx pc = { wtxn, s->db_blocks };
    b = bw_create(window, gen, s->o.block_target_bytes, s->o.zstd_level, tsdb_put_cb, &pc);
    if (!b) {
        rc = err_set(e, LOUPE_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < all.n && !rc; i++) {
        acc.n = 0;
        for (size_t p = 0; p < n && !rc; p++) { /* parts in generation order: later ones win */
            uint32_t blk, pos;
            if (!bdir_find(&mp[p].dir, ents[i].id, &blk, &pos))
                continue;
            if ((rc = load_block(s, rtxn, &mp[p], blk, e)))
                break;
            tmp.n = 0;
            if ((rc = bview_read(&mp[p].view, pos, INT64_MIN, INT64_MAX, &tmp, NULL, NULL)) ||
                (rc = samples_merge(&acc, &tmp))) {
                err_set(e, rc, "merge: decoding series %u failed", ents[i].id);
                break;
            }
        }
        if (!rc && acc.n)
            rc = bw_add(b, ents[i].id, acc.t, acc.v, acc.n, e);
    }
    part_meta m;
    if (rc || (rc = bw_finish(b, &m, e)))
        goto done;
    uint8_t pk[12];
    tsdb_part_key(pk, window, gen);
    MDB_val k = { sizeof pk, pk }, v = { sizeof m, &m };
    int mrc = mdb_put(wtxn, s->db_parts, &k, &v, 0);
    for (size_t i = 0; i < n && !mrc; i++)
        mrc = delete_part_keys(s, wtxn, &mp[i].m);
    if (!mrc)
        mrc = tsdb_put_u64(s, wtxn, "gen", gen);
    if (mrc) {
        rc = lenv_err(e, mrc, "merge: writing");
        goto done;
    }
    lenv_read_end(s->tsdb, rtxn);
    rtxn = NULL;
    /* commit and swap under the lock, so no reader pairs the old part list
     * with a snapshot where the old blocks are gone */
    pthread_rwlock_wrlock(&s->compact_lock);
    rc = lenv_commit(s->tsdb, wtxn, e);
    wtxn = NULL;
    if (!rc) {
        s->gen = gen;
        size_t o = 0;
        for (size_t i = 0; i < s->nparts; i++) {
            int old = 0;
            for (size_t j = 0; j < n; j++)
                old |= s->parts[i].window == mp[j].m.window && s->parts[i].gen == mp[j].m.gen;
            if (!old)
                s->parts[o++] = s->parts[i];
        }
        s->nparts = o;
        rc = tsdb_parts_add(s, &m);
        sort_array(s->parts, s->nparts, sizeof *s->parts, tsdb_cmp_part);
    }
    pthread_rwlock_unlock(&s->compact_lock);
done:
    if (wtxn)
        lenv_abort(s->tsdb, wtxn);
    if (rtxn)
        lenv_read_end(s->tsdb, rtxn);
    bw_destroy(b);
    for (size_t i = 0; i < n; i++) {
        bdir_free(&mp[i].dir);
        bview_free(&mp[i].view);
    }
    free(mp);
    free(ents);
    idvec_free(&all);
    samples_free(&acc);
    samples_free(&tmp);
    return rc;
}

/* Merges every window with more than one part, except `keep` (the window
 * still receiving data; INT64_MIN = none). */
int store_merge_windows(store *s, int64_t keep, err_ctx *e)
{
    for (;;) {
        int64_t w = INT64_MIN;
        pthread_rwlock_rdlock(&s->compact_lock);
        for (size_t i = 1; i < s->nparts && w == INT64_MIN; i++)
            if (s->parts[i].window == s->parts[i - 1].window && s->parts[i].window != keep)
                w = s->parts[i].window;
        pthread_rwlock_unlock(&s->compact_lock);
        if (w == INT64_MIN)
            return 0;
        int rc = merge_window(s, w, e);
        if (rc)
            return rc;
    }
}

int store_merge_all(store *s, err_ctx *e) { return store_merge_windows(s, INT64_MIN, e); }

/* ------------------------------------------------------------ retention */

static int drop_part(store *s, const part_meta *m, err_ctx *e)
{
    MDB_txn *txn;
    int rc = lenv_write_begin(s->tsdb, 0, &txn, e);
    if (rc)
        return rc;
    int mrc = delete_part_keys(s, txn, m);
    if (mrc) {
        lenv_abort(s->tsdb, txn);
        return lenv_err(e, mrc, "retention delete");
    }
    return lenv_commit(s->tsdb, txn, e);
}

void store_run_retention(store *s)
{
    if (s->o.retention_days <= 0)
        return;
    int64_t cutoff = now_ms() - (int64_t)s->o.retention_days * 86400000;
    for (;;) {
        part_meta victim;
        int found = 0;
        pthread_rwlock_rdlock(&s->compact_lock);
        for (size_t i = 0; i < s->nparts && !found; i++)
            if (s->parts[i].window + s->o.window_ms <= cutoff) {
                victim = s->parts[i];
                found = 1;
            }
        pthread_rwlock_unlock(&s->compact_lock);
        if (!found)
            return;
        err_ctx e = { 0 };
        if (drop_part(s, &victim, &e)) {
            fprintf(stderr, "loupe: retention failed: %s\n", e.msg);
            return;
        }
        pthread_rwlock_wrlock(&s->compact_lock);
        for (size_t i = 0; i < s->nparts; i++)
            if (s->parts[i].window == victim.window && s->parts[i].gen == victim.gen) {
                mem_move(&s->parts[i], &s->parts[i + 1], (s->nparts - i - 1) * sizeof *s->parts);
                s->nparts--;
                break;
            }
        pthread_rwlock_unlock(&s->compact_lock);
    }
}

