/* wal.c - write-ahead log segments as LMDB environments; see wal.h. */
#include "util/sort.h"
#include "store/wal.h"
#include "store/lenv.h"
#include "util/varint.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct segment {
    uint32_t num;
    uint64_t first, last; /* seqs; first > last when empty */
} segment;

struct wal {
    char dir[PATH_MAX];
    segment *segs; /* ascending; the last one is current */
    size_t nsegs, cap;
    lenv *cur;     /* the current segment's env */
    MDB_dbi dbi;
    uint64_t last_seq;
};

static void seg_path(const wal *w, uint32_t num, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%08u", w->dir, num);
}

static int seg_remove(const wal *w, uint32_t num)
{
    char d[PATH_MAX + 16], p[PATH_MAX + 32];
    seg_path(w, num, d, sizeof d);
    snprintf(p, sizeof p, "%s/data.mdb", d);
    unlink(p);
    snprintf(p, sizeof p, "%s/lock.mdb", d);
    unlink(p);
    return rmdir(d) == 0 || errno == ENOENT ? 0 : -1;
}

static int seg_open(wal *w, uint32_t num, lenv **le, MDB_dbi *dbi, err_ctx *e)
{
    char d[PATH_MAX + 16];
    seg_path(w, num, d, sizeof d);
    int rc = lenv_open(d, MDB_NOSYNC, 2, le, e);
    if (!rc && (rc = lenv_dbi(*le, "wal", 0, dbi, e))) {
        lenv_close(*le);
        *le = NULL;
    }
    return rc;
}

/* First and last seq of an open segment. */
static int seg_bounds(lenv *le, MDB_dbi dbi, uint64_t *first, uint64_t *last, err_ctx *e)
{
    MDB_txn *txn;
    *first = 1;
    *last = 0;
    int rc = lenv_read_begin(le, &txn, e);
    if (rc)
        return rc;
    MDB_cursor *c;
    MDB_val k, v;
    if (mdb_cursor_open(txn, dbi, &c) == 0) {
        if (mdb_cursor_get(c, &k, &v, MDB_FIRST) == 0 && k.mv_size == 8)
            *first = be64_get(k.mv_data);
        if (mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
            *last = be64_get(k.mv_data);
        mdb_cursor_close(c);
    }
    lenv_read_end(le, txn);
    return 0;
}

static int seg_push(wal *w, segment s)
{
    if (w->nsegs == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        segment *ns = realloc(w->segs, cap * sizeof *ns);
        if (!ns)
            return LOUPE_ENOMEM;
        w->segs = ns;
        w->cap = cap;
    }
    w->segs[w->nsegs++] = s;
    return 0;
}

static int cmp_seg(const void *a, const void *b)
{
    uint32_t x = ((const segment *)a)->num, y = ((const segment *)b)->num;
    return x < y ? -1 : x > y;
}

int wal_open(const char *dir, wal **out, err_ctx *e)
{
    *out = NULL;
    wal *w = calloc(1, sizeof *w);
    if (!w)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    snprintf(w->dir, sizeof w->dir, "%s", dir);
    int rc = 0;
    if (mkdir(dir, 0755) && errno != EEXIST) {
        rc = err_set(e, LOUPE_EIO, "mkdir %s: %s", dir, strerror(errno));
        goto fail;
    }
    /* an old single-environment log (data.mdb directly in dir) is not used */
    DIR *d = opendir(dir);
    if (!d) {
        rc = err_set(e, LOUPE_EIO, "opendir %s: %s", dir, strerror(errno));
        goto fail;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        unsigned long n = strtoul(de->d_name, &end, 10);
        if (*end || end == de->d_name || n == 0 || n > UINT32_MAX)
            continue;
        if ((rc = seg_push(w, (segment){ (uint32_t)n, 1, 0 }))) {
            closedir(d);
            err_set(e, rc, "out of memory");
            goto fail;
        }
    }
    closedir(d);
    if (w->nsegs) /* segs is NULL when there are none: qsort's base must not be */
        sort_array(w->segs, w->nsegs, sizeof *w->segs, cmp_seg);
    for (size_t i = 0; i < w->nsegs; i++) {
        lenv *le;
        MDB_dbi dbi;
        if ((rc = seg_open(w, w->segs[i].num, &le, &dbi, e)))
            goto fail;
        rc = seg_bounds(le, dbi, &w->segs[i].first, &w->segs[i].last, e);
        if (i + 1 == w->nsegs && !rc) {
            w->cur = le;
            w->dbi = dbi;
        } else {
            lenv_close(le);
        }
        if (rc)
            goto fail;
        if (w->segs[i].last > w->last_seq)
            w->last_seq = w->segs[i].last;
    }
    if (!w->cur && (rc = wal_rotate(w, e)))
        goto fail;
    *out = w;
    return 0;
fail:
    lenv_close(w->cur);
    free(w->segs);
    free(w);
    return rc;
}

void wal_close(wal *w)
{
    if (!w)
        return;
    int empty = 1;
    for (size_t i = 0; i < w->nsegs; i++)
        empty &= w->segs[i].first > w->segs[i].last;
    if (w->cur) {
        lenv_sync(w->cur);
        lenv_close(w->cur);
    }
    if (empty) {
        for (size_t i = 0; i < w->nsegs; i++)
            seg_remove(w, w->segs[i].num);
        rmdir(w->dir);
    }
    free(w->segs);
    free(w);
}

int wal_rotate(wal *w, err_ctx *e)
{
    uint32_t num = w->nsegs ? w->segs[w->nsegs - 1].num + 1 : 1;
    lenv *le;
    MDB_dbi dbi;
    int rc = seg_open(w, num, &le, &dbi, e);
    if (rc)
        return rc;
    if ((rc = seg_push(w, (segment){ num, 1, 0 }))) {
        lenv_close(le);
        seg_remove(w, num);
        return err_set(e, rc, "out of memory");
    }
    if (w->cur) {
        lenv_sync(w->cur); /* the old segment's tail becomes power-safe now */
        lenv_close(w->cur);
    }
    w->cur = le;
    w->dbi = dbi;
    return 0;
}

int wal_append(wal *w, slice rec, uint64_t *seq, err_ctx *e)
{
    for (int attempt = 0;; attempt++) {
        MDB_txn *txn;
        int rc = lenv_write_begin(w->cur, rec.n * 2 + 65536, &txn, e);
        if (rc)
            return rc;
        uint8_t kb[8];
        be64_put(kb, w->last_seq + 1);
        MDB_val k = { 8, kb }, v = { rec.n, (void *)rec.p };
        int mrc = mdb_put(txn, w->dbi, &k, &v, MDB_APPEND);
        if (mrc) {
            lenv_abort(w->cur, txn);
            if (mrc == MDB_MAP_FULL && attempt == 0 && lenv_grow(w->cur, rec.n * 4, e) == 0)
                continue;
            return lenv_err(e, mrc, "wal put");
        }
        err_ctx ce = { 0 };
        rc = lenv_commit(w->cur, txn, &ce);
        if (rc == LOUPE_EBUSY && attempt == 0 && lenv_grow(w->cur, rec.n * 4, e) == 0)
            continue;
        if (rc)
            return err_set(e, rc, "%s", ce.msg);
        *seq = ++w->last_seq;
        segment *cur = &w->segs[w->nsegs - 1];
        if (cur->first > cur->last)
            cur->first = *seq;
        cur->last = *seq;
        return 0;
    }
}

int wal_sync(wal *w) { return lenv_sync(w->cur); }

int wal_truncate(wal *w, uint64_t upto, err_ctx *e)
{
    size_t o = 0;
    int rc = 0;
    for (size_t i = 0; i < w->nsegs; i++) {
        segment *s = &w->segs[i];
        int current = i + 1 == w->nsegs;
        if (!current && (s->first > s->last || s->last <= upto)) {
            if (seg_remove(w, s->num) && !rc)
                rc = err_set(e, LOUPE_EIO, "removing WAL segment %u: %s", s->num, strerror(errno));
            continue;
        }
        w->segs[o++] = *s;
    }
    w->nsegs = o;
    return rc;
}

static int replay_env(lenv *le, MDB_dbi dbi, uint64_t after, wal_fn fn, void *ctx, err_ctx *e)
{
    MDB_txn *txn;
    int rc = lenv_read_begin(le, &txn, e);
    if (rc)
        return rc;
    MDB_cursor *c;
    int mrc = mdb_cursor_open(txn, dbi, &c);
    if (mrc) {
        lenv_read_end(le, txn);
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
    lenv_read_end(le, txn);
    if (rc)
        return err_set(e, rc, "replaying the WAL failed");
    return mrc == MDB_NOTFOUND ? 0 : lenv_err(e, mrc, "wal replay");
}

int wal_replay(wal *w, uint64_t after, wal_fn fn, void *ctx, err_ctx *e)
{
    for (size_t i = 0; i < w->nsegs; i++) {
        segment *s = &w->segs[i];
        if (s->first > s->last || s->last <= after)
            continue;
        int rc;
        if (i + 1 == w->nsegs) {
            rc = replay_env(w->cur, w->dbi, after, fn, ctx, e);
        } else {
            lenv *le;
            MDB_dbi dbi;
            if ((rc = seg_open(w, s->num, &le, &dbi, e)))
                return rc;
            rc = replay_env(le, dbi, after, fn, ctx, e);
            lenv_close(le);
        }
        if (rc)
            return rc;
    }
    return 0;
}

uint64_t wal_last_seq(const wal *w) { return w->last_seq; }

size_t wal_file_bytes(wal *w)
{
    size_t total = 0;
    for (size_t i = 0; i < w->nsegs; i++) {
        char p[PATH_MAX + 48];
        seg_path(w, w->segs[i].num, p, sizeof p - 16);
        strcat(p, "/data.mdb");
        struct stat st;
        if (stat(p, &st) == 0)
            total += (size_t)st.st_size;
    }
    return total;
}
