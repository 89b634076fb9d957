/* index.h - the in-memory series index (private to store).
 *
 * Holds every series: id -> canonical label set, label set -> id, a small
 * alias table for senders whose label bytes are not canonical (unsorted
 * labels), and postings: label=value -> sorted ids, label name -> values.
 * The durable copy of the label sets lives in LMDB (see series_store.c); the
 * postings are rebuilt from it at startup, as Prometheus rebuilds its head
 * index from the WAL.
 *
 * Concurrency: one writer (the store's writer thread) and many readers.
 * Lookups and selections take the read lock; inserts take the write lock.
 * sindex_labels() is lock-free for any id that sindex_lookup or
 * sindex_select returned: entries are published once and never move. */
#ifndef LOUPE_INDEX_H
#define LOUPE_INDEX_H

#include "store/idvec.h"
#include "store/matcher.h"
#include "util/buf.h"

#include <stdint.h>

typedef struct sindex sindex;

sindex *sindex_create(void);
void sindex_destroy(sindex *ix);

void sindex_rdlock(sindex *ix);
void sindex_wrlock(sindex *ix);
void sindex_unlock(sindex *ix);

/* Hash of a key as the index computes it (seeded per process). */
uint64_t sindex_hash(slice key);

/* Series id for a canonical label set or a registered alias key, 0 if
 * unknown.  Caller holds the read or write lock. */
uint32_t sindex_lookup(const sindex *ix, slice key, uint64_t hash);

/* Adds series `id` (ids are dense and start at 1; any order) with canonical
 * labels `blob` (copied).  Caller holds the write lock. */
int sindex_insert(sindex *ix, uint32_t id, slice blob, uint64_t hash);

/* Registers a non-canonical wire key for an existing id (copied); silently
 * ignored once the alias table holds its maximum.  Write lock. */
int sindex_add_alias(sindex *ix, slice key, uint64_t hash, uint32_t id);

/* The canonical labels of id, or an empty slice if there is no such series.
 * Valid for the lifetime of the index. */
slice sindex_labels(const sindex *ix, uint32_t id);

/* Highest id inserted so far, and the number of series. */
uint32_t sindex_max_id(const sindex *ix);
size_t sindex_count(const sindex *ix);

/* Per-series time bounds of stored samples (ms), maintained by the store. */
void sindex_extend_time(sindex *ix, uint32_t id, int64_t mint, int64_t maxt);
void sindex_time(const sindex *ix, uint32_t id, int64_t *mint, int64_t *maxt);
/* Prefetch hint for sindex_extend_time. */
void sindex_prefetch(const sindex *ix, uint32_t id);

/* Sorted ids of the series matching all matchers.  Read lock. */
int sindex_select(const sindex *ix, matcher *ms, size_t n, idvec *out);

/* Calls fn for every label name (unsorted), or every value of `name`, that
 * occurs in at least one series of `within` (NULL = any series).  Read lock. */
typedef int (*sindex_str_fn)(void *ctx, slice s);
int sindex_each_name(const sindex *ix, const idvec *within, sindex_str_fn fn, void *ctx);
int sindex_each_value(const sindex *ix, slice name, const idvec *within, sindex_str_fn fn, void *ctx);

/* Sorts ids in label order (labels_compare), using ranks cached for all
 * series (rebuilt when many series are new since the last build). */
void sindex_sort_ids(sindex *ix, uint32_t *ids, size_t n);

/* Bytes of memory the index holds (for /metrics). */
size_t sindex_bytes(const sindex *ix);

#endif
