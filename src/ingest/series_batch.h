/* series_batch.h - samples built by ingest itself (OTLP metrics, series
 * derived from LLM calls), grouped by label set and handed to store_write().
 *
 * Labels given to series_batch_add() are validated and canonicalised
 * (labels_canonicalize with the batch's limits); samples of the same label
 * set are grouped into one store_series_in.  All memory lives in the arena
 * passed to series_batch_init(); nothing else needs freeing. */
#ifndef LOUPE_SERIES_BATCH_H
#define LOUPE_SERIES_BATCH_H

#include "store/labels.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct series_batch {
    arena *a;
    labels_limits lim;
    struct sb_series *series; /* private */
    size_t nseries, cap;
    struct sb_slot *slots;    /* private hash of canonical label sets */
    size_t nslots;
    size_t nsamples;
} series_batch;

void series_batch_init(series_batch *b, arena *a, const labels_limits *lim);
/* Adds one sample.  ls[0..n) need not be sorted; it is copied.  Returns
 * LOUPE_EINVAL / LOUPE_ETOOBIG (message in e) for an invalid label set,
 * LOUPE_ENOMEM. */
int series_batch_add(series_batch *b, label *ls, size_t n, int64_t t_ms, double v, err_ctx *e);
/* The grouped series, ready for store_write() (canonical keys, samples in
 * time order with the last value winning on equal timestamps).  Valid until
 * the arena is reset. */
int series_batch_finish(series_batch *b, store_series_in **out, size_t *n, err_ctx *e);

#endif
