/* wal.h - the write-ahead log of the head, in its own LMDB environment
 * (private to store).
 *
 * One record per group commit, keyed by a sequence number.  Commits are
 * written to the file before the writer acknowledges the requests in them
 * (MDB_NOSYNC: the bytes are in the page cache, so a kill -9 loses nothing);
 * wal_sync() makes them power-safe and runs at least every sync_interval.
 * Records that compaction has moved into blocks are deleted; a WAL that is
 * empty at shutdown is removed, so an idle data dir holds no log.
 *
 * Record format (version 1):
 *   u8 1
 *   uvarint nnew, then per new series: uvarint id, uvarint len, canonical labels
 *   uvarint nsamples, then per sample: svarint id delta, svarint time delta
 *   (both against the previous sample of the record), 8 bytes value (LE)  */
#ifndef LOUPE_WAL_H
#define LOUPE_WAL_H

#include "util/buf.h"
#include "util/err.h"

#include <stdint.h>

typedef struct wal wal;

int wal_open(const char *dir, wal **out, err_ctx *e);
/* Closes; removes the files when the log is empty. */
void wal_close(wal *w);

/* Appends one record and commits it.  *seq gets its sequence number. */
int wal_append(wal *w, slice rec, uint64_t *seq, err_ctx *e);
int wal_sync(wal *w);
/* Deletes records with seq <= upto. */
int wal_truncate(wal *w, uint64_t upto, err_ctx *e);
/* Calls fn for each record with seq > after, in order. */
typedef int (*wal_fn)(void *ctx, uint64_t seq, slice rec);
int wal_replay(wal *w, uint64_t after, wal_fn fn, void *ctx, err_ctx *e);
uint64_t wal_last_seq(const wal *w);
size_t wal_file_bytes(wal *w);

#endif
