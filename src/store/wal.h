/* wal.h - the write-ahead log of the head: a sequence of LMDB segments
 * (private to store).
 *
 * One record per group commit, keyed by a sequence number, appended to the
 * current segment (an LMDB environment in wal/<segment number>/).  Commits
 * reach the file before the writer acknowledges the requests in them
 * (MDB_NOSYNC: the bytes are in the page cache, so a kill -9 loses nothing);
 * wal_sync() makes them power-safe and runs at least every sync_interval.
 *
 * Compaction calls wal_rotate() when it freezes the head, so every record of
 * older segments is covered by what it writes; wal_truncate() then deletes
 * those segments as whole files.  Deleting whole environments (rather than
 * records) touches none of their pages, so the log's size never shows up in
 * loupe's memory.  A log that is empty at shutdown is removed.
 *
 * Record format (version 2; the store writes it, the WAL only stores bytes):
 *   u8 2
 *   uvarint nnew, then per new series: uvarint id, uvarint len, canonical labels
 *   uvarint nparts, then per part: uvarint nsamples, uvarint bytes, and per
 *   sample: svarint id delta, svarint time delta (against the previous sample
 *   of the part), 8 bytes value (LE).  A part is one request's samples,
 *   encoded by the request's own thread.  (Version 1 had a single part
 *   without the part header.) */
#ifndef LOUPE_WAL_H
#define LOUPE_WAL_H

#include "util/buf.h"
#include "util/err.h"

#include <stdint.h>

typedef struct wal wal;

/* Opens the log in directory dir (created), finding existing segments. */
int wal_open(const char *dir, wal **out, err_ctx *e);
/* Syncs and closes; removes the files when the log holds no records. */
void wal_close(wal *w);

/* Appends one record to the current segment and commits it; *seq gets its
 * sequence number.  One writer at a time. */
int wal_append(wal *w, slice rec, uint64_t *seq, err_ctx *e);
int wal_sync(wal *w);
/* Starts a new current segment (not concurrently with wal_append). */
int wal_rotate(wal *w, err_ctx *e);
/* Deletes the non-current segments whose records all have seq <= upto. */
int wal_truncate(wal *w, uint64_t upto, err_ctx *e);
/* Calls fn for each record with seq > after, in order. */
typedef int (*wal_fn)(void *ctx, uint64_t seq, slice rec);
int wal_replay(wal *w, uint64_t after, wal_fn fn, void *ctx, err_ctx *e);
uint64_t wal_last_seq(const wal *w);
/* Apparent bytes of all segment files. */
size_t wal_file_bytes(wal *w);

#endif
