/* wal.c - write-ahead log records in an LMDB environment; see wal.h. */
#include "store/wal.h"
#include "store/lenv.h"
#include "util/varint.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct wal {
    lenv *le;
    MDB_dbi dbi;
    uint64_t last_seq;
    char dir[PATH_MAX];
};

int wal_open(const char *dir, wal **out, err_ctx *e)
{
    *out = NULL;
    wal *w = calloc(1, sizeof *w);
    if (!w)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    snprintf(w->dir, sizeof w->dir, "%s", dir);
    int rc = lenv_open(dir, MDB_NOSYNC, 2, &w->le, e);
    if (!rc)
        rc = lenv_dbi(w->le, "wal", 0, &w->dbi, e);
    if (!rc) {
        MDB_txn *txn;
        rc = lenv_read_begin(w->le, &txn, e);
        if (!rc) {
            MDB_cursor *c;
            MDB_val k, v;
            if (mdb_cursor_open(txn, w->dbi, &c) == 0) {
                if (mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
                    w->last_seq = be64_get(k.mv_data);
                mdb_cursor_close(c);
            }
            lenv_read_end(w->le, txn);
        }
    }
    if (rc) {
        lenv_close(w->le);
        free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void wal_close(wal *w)
{
    if (!w)
        return;
    int empty = 0;
    MDB_txn *txn;
    err_ctx e = { 0 };
    if (lenv_read_begin(w->le, &txn, &e) == 0) {
        MDB_stat st;
        empty = mdb_stat(txn, w->dbi, &st) == 0 && st.ms_entries == 0;
        lenv_read_end(w->le, txn);
    }
    lenv_sync(w->le);
    lenv_close(w->le);
    if (empty) {
        char p[PATH_MAX + 16];
        snprintf(p, sizeof p, "%s/data.mdb", w->dir);
        unlink(p);
        snprintf(p, sizeof p, "%s/lock.mdb", w->dir);
        unlink(p);
        rmdir(w->dir);
    }
    free(w);
}

int wal_append(wal *w, slice rec, uint64_t *seq, err_ctx *e)
{
    for (int attempt = 0;; attempt++) {
        MDB_txn *txn;
        int rc = lenv_write_begin(w->le, rec.n * 2 + 65536, &txn, e);
        if (rc)
            return rc;
        uint8_t kb[8];
        be64_put(kb, w->last_seq + 1);
        MDB_val k = { 8, kb }, v = { rec.n, (void *)rec.p };
        int mrc = mdb_put(txn, w->dbi, &k, &v, MDB_APPEND);
        if (mrc) {
            lenv_abort(w->le, txn);
            if (mrc == MDB_MAP_FULL && attempt == 0 && lenv_grow(w->le, rec.n * 4, e) == 0)
                continue;
            return lenv_err(e, mrc, "wal put");
        }
        err_ctx ce = { 0 };
        rc = lenv_commit(w->le, txn, &ce);
        if (rc == LOUPE_EBUSY && attempt == 0 && lenv_grow(w->le, rec.n * 4, e) == 0)
            continue;
        if (rc)
            return err_set(e, rc, "%s", ce.msg);
        *seq = ++w->last_seq;
        return 0;
    }
}

int wal_sync(wal *w) { return lenv_sync(w->le); }

int wal_truncate(wal *w, uint64_t upto, err_ctx *e)
{
    MDB_txn *txn;
    int rc = lenv_write_begin(w->le, 0, &txn, e);
    if (rc)
        return rc;
    MDB_cursor *c;
    int mrc = mdb_cursor_open(txn, w->dbi, &c);
    if (!mrc) {
        MDB_val k, v;
        while ((mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) == 0) {
            if (k.mv_size != 8 || be64_get(k.mv_data) > upto)
                break;
            if ((mrc = mdb_cursor_del(c, 0)))
                break;
        }
        if (mrc == MDB_NOTFOUND)
            mrc = 0;
        mdb_cursor_close(c);
    }
    if (mrc) {
        lenv_abort(w->le, txn);
        return lenv_err(e, mrc, "wal truncate");
    }
    return lenv_commit(w->le, txn, e);
}

int wal_replay(wal *w, uint64_t after, wal_fn fn, void *ctx, err_ctx *e)
{
    MDB_txn *txn;
    int rc = lenv_read_begin(w->le, &txn, e);
    if (rc)
        return rc;
    MDB_cursor *c;
    int mrc = mdb_cursor_open(txn, w->dbi, &c);
    if (mrc) {
        lenv_read_end(w->le, txn);
        return lenv_err(e, mrc, "wal cursor");
    }
    uint8_t kb[8];
    be64_put(kb, after + 1);
    MDB_val k = { 8, kb }, v;
    mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (mrc == 0 && !rc) {
        if (k.mv_size == 8)
            rc = fn(ctx, be64_get(k.mv_data), slice_make(v.mv_data, v.mv_size));
        mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    lenv_read_end(w->le, txn);
    if (rc)
        return rc;
    return mrc == MDB_NOTFOUND ? 0 : lenv_err(e, mrc, "wal replay");
}

uint64_t wal_last_seq(const wal *w) { return w->last_seq; }
size_t wal_file_bytes(wal *w) { return lenv_file_bytes(w->le); }
