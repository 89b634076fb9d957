/* lenv.c - LMDB environment with map growth and vacuum; see lenv.h. */
#include "store/lenv.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define INITIAL_MAP (8ULL << 30) /* virtual only: without MDB_WRITEMAP the file grows as used */

struct lenv {
    MDB_env *env;
    char dir[PATH_MAX];
    unsigned flags;
    int maxdbs;
    size_t mapsize;
    pthread_rwlock_t resize; /* shared: open txns; exclusive: mdb_env_set_mapsize */
};

int lenv_err(err_ctx *e, int rc, const char *what)
{
    if (rc == MDB_MAP_FULL)
        return err_set(e, LOUPE_EBUSY, "%s: %s", what, mdb_strerror(rc));
    if (rc == ENOMEM)
        return err_set(e, LOUPE_ENOMEM, "%s: %s", what, mdb_strerror(rc));
    return err_set(e, LOUPE_EIO, "%s: %s", what, mdb_strerror(rc));
}

static int env_open(lenv *le, err_ctx *e)
{
    int rc = mdb_env_create(&le->env);
    if (rc)
        return lenv_err(e, rc, "mdb_env_create");
    mdb_env_set_maxdbs(le->env, (MDB_dbi)le->maxdbs);
    mdb_env_set_maxreaders(le->env, 1024);
    rc = mdb_env_set_mapsize(le->env, le->mapsize);
    if (!rc)
        rc = mdb_env_open(le->env, le->dir, le->flags | MDB_NOTLS | MDB_NORDAHEAD, 0644);
    if (rc) {
        mdb_env_close(le->env);
        le->env = NULL;
        return lenv_err(e, rc, le->dir);
    }
    int dead = 0;
    mdb_reader_check(le->env, &dead);
    MDB_envinfo info;
    mdb_env_info(le->env, &info);
    le->mapsize = info.me_mapsize;
    return 0;
}

int lenv_open(const char *dir, unsigned flags, int maxdbs, lenv **out, err_ctx *e)
{
    *out = NULL;
    lenv *le = calloc(1, sizeof *le);
    if (!le)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    snprintf(le->dir, sizeof le->dir, "%s", dir);
    le->flags = flags;
    le->maxdbs = maxdbs;
    pthread_rwlock_init(&le->resize, NULL);
    if (mkdir(dir, 0755) && errno != EEXIST) {
        int rc = err_set(e, LOUPE_EIO, "mkdir %s: %s", dir, strerror(errno));
        pthread_rwlock_destroy(&le->resize);
        free(le);
        return rc;
    }
    /* a map at least twice the current file */
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    struct stat st;
    le->mapsize = INITIAL_MAP;
    if (stat(path, &st) == 0 && (size_t)st.st_size * 2 > le->mapsize)
        le->mapsize = (size_t)st.st_size * 2;
    int rc = env_open(le, e);
    if (rc) {
        pthread_rwlock_destroy(&le->resize);
        free(le);
        return rc;
    }
    *out = le;
    return 0;
}

void lenv_close(lenv *le)
{
    if (!le)
        return;
    if (le->env)
        mdb_env_close(le->env);
    pthread_rwlock_destroy(&le->resize);
    free(le);
}

MDB_env *lenv_env(lenv *le) { return le->env; }

int lenv_dbi(lenv *le, const char *name, unsigned flags, MDB_dbi *dbi, err_ctx *e)
{
    MDB_txn *txn;
    int rc = lenv_write_begin(le, 0, &txn, e);
    if (rc)
        return rc;
    rc = mdb_dbi_open(txn, name, flags | MDB_CREATE, dbi);
    if (rc) {
        lenv_abort(le, txn);
        return lenv_err(e, rc, name);
    }
    return lenv_commit(le, txn, e);
}

static size_t used_bytes(lenv *le)
{
    MDB_envinfo info;
    MDB_stat st;
    mdb_env_info(le->env, &info);
    mdb_env_stat(le->env, &st);
    return (size_t)(info.me_last_pgno + 1) * st.ms_psize;
}

int lenv_grow(lenv *le, size_t need, err_ctx *e)
{
    pthread_rwlock_wrlock(&le->resize);
    size_t used = used_bytes(le);
    size_t want = le->mapsize;
    while (want - used < need || want - used < want / 4)
        want *= 2;
    int rc = 0;
    if (want != le->mapsize) {
        int mrc = mdb_env_set_mapsize(le->env, want);
        if (mrc)
            rc = lenv_err(e, mrc, "mdb_env_set_mapsize");
        else
            le->mapsize = want;
    }
    pthread_rwlock_unlock(&le->resize);
    return rc;
}

int lenv_write_begin(lenv *le, size_t need, MDB_txn **txn, err_ctx *e)
{
    /* cheap check without the lock: the writer is the only one who grows */
    size_t used = used_bytes(le);
    if (le->mapsize - used < need || le->mapsize - used < le->mapsize / 4) {
        int rc = lenv_grow(le, need, e);
        if (rc)
            return rc;
    }
    pthread_rwlock_rdlock(&le->resize);
    int rc = mdb_txn_begin(le->env, NULL, 0, txn);
    if (rc) {
        pthread_rwlock_unlock(&le->resize);
        return lenv_err(e, rc, "mdb_txn_begin");
    }
    return 0;
}

int lenv_commit(lenv *le, MDB_txn *txn, err_ctx *e)
{
    int rc = mdb_txn_commit(txn);
    pthread_rwlock_unlock(&le->resize);
    return rc ? lenv_err(e, rc, "mdb_txn_commit") : 0;
}

void lenv_abort(lenv *le, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&le->resize);
}

int lenv_read_begin(lenv *le, MDB_txn **txn, err_ctx *e)
{
    pthread_rwlock_rdlock(&le->resize);
    int rc = mdb_txn_begin(le->env, NULL, MDB_RDONLY, txn);
    if (rc) {
        pthread_rwlock_unlock(&le->resize);
        return lenv_err(e, rc, "mdb_txn_begin(read)");
    }
    return 0;
}

void lenv_read_end(lenv *le, MDB_txn *txn)
{
    if (!txn)
        return;
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&le->resize);
}

int lenv_sync(lenv *le) { return mdb_env_sync(le->env, 1) ? LOUPE_EIO : 0; }

size_t lenv_file_bytes(lenv *le)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/data.mdb", le->dir);
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

size_t lenv_map_bytes(lenv *le) { return le->mapsize; }

/* Pages on the freelist: the entries of the free DB (dbi 0 is FREE_DBI). */
static size_t free_pages(lenv *le)
{
    MDB_txn *txn;
    MDB_cursor *c;
    size_t n = 0;
    if (mdb_txn_begin(le->env, NULL, MDB_RDONLY, &txn))
        return 0;
    if (mdb_cursor_open(txn, 0, &c) == 0) {
        MDB_val k, v;
        while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0)
            n += *(size_t *)v.mv_data; /* each entry: count, then page numbers */
        mdb_cursor_close(c);
    }
    mdb_txn_abort(txn);
    return n;
}

int lenv_vacuum(lenv *le, double min_free_ratio, err_ctx *e)
{
    MDB_stat st;
    mdb_env_stat(le->env, &st);
    size_t used = used_bytes(le);
    size_t freeb = free_pages(le) * st.ms_psize;
    if (used == 0 || (double)freeb < min_free_ratio * (double)used)
        return 0;
    char tmp[PATH_MAX + 16], src[PATH_MAX + 16], dst[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s/vacuum", le->dir);
    mkdir(tmp, 0755);
    snprintf(dst, sizeof dst, "%s/data.mdb", tmp);
    unlink(dst);
    int rc = mdb_env_copy2(le->env, tmp, MDB_CP_COMPACT);
    if (rc) {
        unlink(dst);
        rmdir(tmp);
        return lenv_err(e, rc, "mdb_env_copy2");
    }
    /* the copy is complete and synced by LMDB; swap it in */
    mdb_env_close(le->env);
    le->env = NULL;
    snprintf(src, sizeof src, "%s/data.mdb", le->dir);
    int r = rename(dst, src);
    rmdir(tmp);
    if (r)
        return err_set(e, LOUPE_EIO, "rename %s: %s", dst, strerror(errno));
    return env_open(le, e);
}
