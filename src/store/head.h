/* head.h - recent samples of every series, in memory (private to store).
 *
 * Each series has a live part: an appendable byte-aligned encoding
 * (delta-of-delta timestamps, XOR'd values), the last sample kept aside so a
 * rewrite of the same timestamp can still replace it (last write wins), and
 * an out-of-order list for samples older than the newest one.  Compaction
 * freezes the live parts (head_freeze), writes them to LMDB, then drops them
 * (head_release_frozen); readers see frozen and live data until then.
 * Durability is not the head's job: the WAL holds every acknowledged sample.
 *
 * Locking: the caller holds the head lock: write for append / freeze /
 * release, read for head_read. */
#ifndef LOUPE_HEAD_H
#define LOUPE_HEAD_H

#include "store/samples.h"

#include <stddef.h>
#include <stdint.h>

typedef struct head head;

head *head_create(void);
void head_destroy(head *h);

void head_rdlock(head *h);
void head_wrlock(head *h);
void head_unlock(head *h);

/* Appends one sample to series id.  0 or LOUPE_ENOMEM. */
int head_append(head *h, uint32_t id, int64_t t, double v);

/* Prefetch hints for a batch of appends (no lock needed, no effect on
 * results): stage 1 the series' state, stage 2 its write position. */
void head_prefetch(const head *h, uint32_t id, int stage);

/* Moves all live data to the frozen side.  LOUPE_EINTERNAL if a previous
 * freeze was not released. */
int head_freeze(head *h);
/* Frees the frozen side. */
void head_release_frozen(head *h);
/* Highest series id with frozen data (0 = none). */
uint32_t head_frozen_max_id(const head *h);

/* Appends the series' samples in [mint, maxt] to out, sorted with
 * last-write-wins: frozen data, then live data, which wins on equal times.
 * which: HEAD_FROZEN, HEAD_LIVE or both. */
enum { HEAD_FROZEN = 1, HEAD_LIVE = 2 };
int head_read(const head *h, uint32_t id, int which, int64_t mint, int64_t maxt, samples *out);

/* Time range of the series' head data (frozen + live); 0 if it has none. */
int head_range(const head *h, uint32_t id, int which, int64_t *mint, int64_t *maxt);

size_t head_bytes(const head *h);   /* memory held by live + frozen data */
size_t head_samples(const head *h); /* samples held by live data */
size_t head_series(const head *h);  /* series with live data */

#endif
