/* store_int.h - the store's private state, shared by store.c (lifecycle),
 * store_write.c (writer thread), store_compact.c (compactor) and
 * store_read.c (readers).  Nothing outside src/store includes it. */
#ifndef LOUPE_STORE_INT_H
#define LOUPE_STORE_INT_H

#include "store/bcache.h"
#include "store/block.h"
#include "store/head.h"
#include "store/index.h"
#include "store/lenv.h"
#include "store/store.h"
#include "store/wal.h"

#include <pthread.h>

typedef struct wreq wreq;

/* Sample times the store accepts (ms): +-2^62, about +-146 million years, so
 * window arithmetic never overflows.  Others are dropped and counted like
 * samples outside the retention window. */
#define MIN_TIME (-(1LL << 62))
#define MAX_TIME (1LL << 62)

typedef struct metaent {
    buf family, help, unit;
    int type;
} metaent;

struct store {
    store_opts o;
    char dir[4096];
    lenv *tsdb;
    MDB_dbi db_meta, db_series, db_parts, db_blocks, db_metadata;
    wal *wal;
    sindex *ix;
    head *hd;
    bcache *cache;

    /* writer thread: queue of pending requests */
    pthread_t writer;
    pthread_mutex_t q_mu;
    pthread_cond_t q_cv, done_cv;
    wreq *q_head, *q_tail;
    size_t q_bytes;
    int stopping;
    uint32_t next_id;           /* writer thread only (after open) */
    int64_t last_sync_ns;
    int wal_dirty;
    int64_t head_mint, head_maxt; /* under head lock */
    pthread_mutex_t commit_mu;    /* WAL append + head apply (writer) vs freeze + WAL rotation (compactor) */

    /* compactor thread */
    pthread_t compactor;
    pthread_mutex_t c_mu;
    pthread_cond_t c_cv, c_done_cv;
    uint64_t flush_req, flush_done; /* flush generation counters */
    int c_stop;
    int last_flush_rc;
    char last_flush_msg[512];
    uint32_t gen;               /* last part generation used */
    uint32_t persisted_max_id;  /* series persisted in db_series */
    uint64_t wal_applied;       /* WAL seq covered by parts */
    int64_t last_retention_ns;

    /* parts visible to readers; changed under compact_lock (write) */
    pthread_rwlock_t compact_lock;
    part_meta *parts;
    size_t nparts, cap_parts;

    /* metric metadata */
    pthread_mutex_t meta_mu;
    metaent *meta;
    size_t nmeta, cap_meta;
    int meta_dirty;

    /* counters (atomics) */
    uint64_t st_stored, st_too_old, st_created, st_commits, st_commit_ns, st_compactions, st_compaction_ns,
        st_syncs;
};

/* store_write.c */
void *store_writer_main(void *arg);
int store_wal_apply(void *ctx, uint64_t seq, slice rec); /* replay callback */

/* Shared by store_compact.c and store_parts.c: writing parts into LMDB. */
typedef struct tsdb_put_ctx {
    MDB_txn *txn;
    MDB_dbi dbi;
} tsdb_put_ctx;
int tsdb_put_cb(void *ctx, slice key, slice val); /* bw_put_fn into txn/dbi */
int tsdb_put_u64(store *s, MDB_txn *txn, const char *key, uint64_t v); /* db_meta */
void tsdb_part_key(uint8_t out[12], int64_t window, uint32_t gen);
int tsdb_cmp_part(const void *a, const void *b); /* (window, gen) order */
int tsdb_parts_add(store *s, const part_meta *m);  /* append to s->parts */
/* A series in block order: metric name, then labels. */
typedef struct sortent {
    uint32_t id;
    slice name, labels;
} sortent;
int tsdb_cmp_sortent(const void *a, const void *b);

/* store_parts.c */
int store_merge_windows(store *s, int64_t keep, err_ctx *e); /* all windows with >1 part except keep */
void store_run_retention(store *s);

/* store_compact.c */
void *store_compactor_main(void *arg);
int store_compact(store *s, err_ctx *e);
int store_merge_all(store *s, err_ctx *e); /* one part per window */
int store_load_series(store *s, err_ctx *e);
int store_load_parts(store *s, err_ctx *e);
int store_load_metadata(store *s, err_ctx *e);

int64_t store_now_ns(void);
int64_t store_window_of(const store *s, int64_t t);

#endif
