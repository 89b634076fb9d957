/* store.h - the series store: remote-written and derived samples, durable in
 * LMDB, compressed at rest, read back by matchers and time range.
 *
 * Life of a sample: store_write() hands it to the writer thread, which logs
 * it in the WAL (group commit: concurrent requests share one LMDB commit),
 * appends it to the in-memory head and only then lets store_write() return,
 * so an acknowledged sample survives kill -9.  The compactor thread moves
 * the head into compressed, time-windowed parts (see block.h) when it grows
 * large, spans more than 1.5 windows, or on store_flush(), and then deletes
 * the WAL records it covered.  Readers see parts + head as one time-ordered
 * series, the newest write winning on equal timestamps.
 *
 * Thread safety: every function may be called from any thread, except that
 * a store_reader is used by one thread at a time. */
#ifndef LOUPE_STORE_H
#define LOUPE_STORE_H

#include "store/labels.h"
#include "store/matcher.h"
#include "store/samples.h"
#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct store store;

typedef struct store_opts {
    const char *dir;            /* data directory (created); holds tsdb/ and wal/ */
    int retention_days;         /* 0 keeps everything and accepts any timestamp */
    int64_t sync_interval_ms;   /* fsync the WAL at least this often (default 1000) */
    size_t head_max_bytes;      /* compact when the head holds more (default 128 MiB) */
    int64_t window_ms;          /* part window, default 2 h */
    size_t block_target_bytes;  /* uncompressed bytes per block (default 2 MiB) */
    int zstd_level;             /* default 3 */
    size_t cache_bytes;         /* decoded block cache (default 64 MiB) */
    size_t max_pending_bytes;   /* write queue limit before LOUPE_EBUSY (default 256 MiB) */
} store_opts;

void store_opts_default(store_opts *o);

int store_open(const store_opts *o, store **out, err_ctx *e);
/* Stops the threads, compacts the head, removes the empty WAL, compacts the
 * file if it has much free space, closes.  Accepts NULL. */
void store_close(store *s);

/* ------------------------------------------------------------------ writes */

/* One series of a write.  `key` identifies the label set: either its
 * canonical encoding (labels.h) or the sender's own bytes for it (then
 * `labels` must hold the canonical encoding when id is 0). */
typedef struct store_series_in {
    slice key;
    uint64_t hash;      /* store_key_hash(key) */
    uint32_t id;        /* 0 until resolved */
    slice labels;       /* canonical labels; empty when key is canonical */
    const int64_t *t;   /* sample times, ms */
    const double *v;    /* sample values */
    size_t n;
} store_series_in;

uint64_t store_key_hash(slice key);

/* Looks up every entry's key; sets .id for known series.  Returns the
 * number still unresolved (new series, or keys needing canonicalisation). */
size_t store_resolve(store *s, store_series_in *in, size_t n);

typedef struct store_write_result {
    size_t stored;        /* samples committed */
    size_t too_old;       /* dropped: older than the retention window (or beyond +-2^62 ms) */
    size_t new_series;
} store_write_result;

/* Commits the samples of in[0..n) (resolved, or carrying canonical labels)
 * and returns once they are in the WAL.  LOUPE_EBUSY when the queue is full,
 * LOUPE_ECANCELED when closing, LOUPE_EIO on storage failure. */
int store_write(store *s, store_series_in *in, size_t n, store_write_result *res, err_ctx *e);

/* Compacts everything received so far into parts and syncs; returns when done. */
int store_flush(store *s, err_ctx *e);

/* Metric metadata (from remote-write): last one wins. */
int store_put_metadata(store *s, slice family, int type, slice help, slice unit);
typedef int (*store_meta_fn)(void *ctx, slice family, int type, slice help, slice unit);
int store_each_metadata(store *s, store_meta_fn fn, void *ctx);

/* ------------------------------------------------------------------ reads */

typedef struct store_reader store_reader;

/* A consistent view for one query: parts and head as of now.  Keep it short:
 * it delays the end of a compaction. */
int store_reader_open(store *s, store_reader **out, err_ctx *e);
void store_reader_close(store_reader *r);

/* Ids (ascending) of the series matching every matcher that may have samples
 * in [mint, maxt].  *ids is malloc'd; the caller frees it. */
int store_select(store_reader *r, matcher *ms, size_t n, int64_t mint, int64_t maxt, uint32_t **ids, size_t *nids,
                 err_ctx *e);
/* Sorts ids in Prometheus's label-set order (fast: cached ranks). */
void store_sort_ids(store_reader *r, uint32_t *ids, size_t n);
/* Canonical labels of a series; valid while the store is open. */
slice store_labels(store_reader *r, uint32_t id);
/* Replaces out's contents with the series' samples in [mint, maxt], time
 * ordered, one per timestamp. */
int store_read(store_reader *r, uint32_t id, int64_t mint, int64_t maxt, samples *out, err_ctx *e);

/* Label names / values over the series in ids (NULL = all series with
 * samples in [mint, maxt]).  fn gets each distinct string once, unsorted. */
typedef int (*store_str_fn)(void *ctx, slice s);
int store_label_names(store_reader *r, const uint32_t *ids, size_t nids, int64_t mint, int64_t maxt,
                      store_str_fn fn, void *ctx);
int store_label_values(store_reader *r, slice name, const uint32_t *ids, size_t nids, int64_t mint, int64_t maxt,
                       store_str_fn fn, void *ctx);

/* ------------------------------------------------------------------ stats */

typedef struct store_stats {
    uint64_t series;            /* series in the index */
    uint64_t head_series;       /* series with samples in the head */
    uint64_t head_samples;
    uint64_t head_bytes;
    uint64_t samples_stored;    /* since start */
    uint64_t samples_too_old;
    uint64_t series_created;
    uint64_t commits, commit_ns;       /* WAL group commits and their total duration */
    uint64_t compactions, compaction_ns;
    uint64_t parts, part_samples, part_bytes;
    uint64_t tsdb_file_bytes, wal_file_bytes;
    uint64_t cache_bytes, cache_hits, cache_misses;
    uint64_t index_bytes;
    uint64_t wal_syncs;
} store_stats;

void store_get_stats(store *s, store_stats *st);

#endif
