/* lenv.h - an LMDB environment that grows its map instead of failing
 * (private to store).
 *
 * LMDB needs a fixed map size; loupe starts with a generous virtual size
 * and doubles it before a write transaction when less than the caller's
 * estimate (or a quarter of the map) is free, so MDB_MAP_FULL only happens
 * when the disk is really full.  Resizing needs every transaction of the
 * process closed: readers hold a shared lock for the life of their read
 * transaction, the resizer takes it exclusively.  Stale reader slots (from a
 * killed process) are cleared at open. */
#ifndef LOUPE_LENV_H
#define LOUPE_LENV_H

#include "util/err.h"

#include <lmdb.h>
#include <stddef.h>

typedef struct lenv lenv;

/* Opens (creating) the environment in directory dir with `maxdbs` named
 * databases.  flags are extra mdb_env_open flags (e.g. MDB_NOSYNC). */
int lenv_open(const char *dir, unsigned flags, int maxdbs, lenv **out, err_ctx *e);
void lenv_close(lenv *le);
MDB_env *lenv_env(lenv *le);

/* Opens (creating) a named database in a short write transaction. */
int lenv_dbi(lenv *le, const char *name, unsigned flags, MDB_dbi *dbi, err_ctx *e);

/* Starts the write transaction, growing the map first if fewer than `need`
 * bytes are free.  Only one write transaction per env at a time. */
int lenv_write_begin(lenv *le, size_t need, MDB_txn **txn, err_ctx *e);
/* Commits; on MDB_MAP_FULL the transaction is gone and LOUPE_EBUSY tells the
 * caller to grow (lenv_grow) and redo it. */
int lenv_commit(lenv *le, MDB_txn *txn, err_ctx *e);
/* Aborts a write transaction from lenv_write_begin. */
void lenv_abort(lenv *le, MDB_txn *txn);
int lenv_grow(lenv *le, size_t need, err_ctx *e);

/* Read transactions (any thread; MDB_NOTLS). */
int lenv_read_begin(lenv *le, MDB_txn **txn, err_ctx *e);
void lenv_read_end(lenv *le, MDB_txn *txn);

/* fsync the data file.  0 or LOUPE_EIO. */
int lenv_sync(lenv *le);
/* Apparent size of the data file, pages in use, and pages on the freelist. */
size_t lenv_file_bytes(lenv *le);
size_t lenv_map_bytes(lenv *le);
/* Rewrites the data file without free pages (mdb_env_copy2 MDB_CP_COMPACT)
 * when more than `min_free_ratio` of it is free.  Only with no other users:
 * the env is closed and reopened. */
int lenv_vacuum(lenv *le, double min_free_ratio, err_ctx *e);
/* Map errors: LMDB code -> LOUPE_E* with a message. */
int lenv_err(err_ctx *e, int mdb_rc, const char *what);

#endif
