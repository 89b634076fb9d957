/* samples.h - a growable (timestamp, value) array: what the read path hands
 * to the query engine, one series at a time.  Owned by whoever created it;
 * samples_free() releases it. */
#ifndef LOUPE_SAMPLES_H
#define LOUPE_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

typedef struct samples {
    int64_t *t; /* ms since the epoch, strictly increasing once read back */
    double *v;  /* bit-exact values (NaN payloads, the staleness marker) */
    size_t n, cap;
} samples;

#define SAMPLES_INIT { NULL, NULL, 0, 0 }

int samples_reserve(samples *s, size_t n);
int samples_push(samples *s, int64_t t, double v);
void samples_free(samples *s);

/* Sorts s by time, stably, and keeps the last-written value for equal times. */
void samples_sort_dedup(samples *s);
/* Merges `newer` into `older` (both sorted, unique): equal times take newer's
 * value.  The result replaces older.  0 or LOUPE_ENOMEM. */
int samples_merge(samples *older, const samples *newer);
/* Drops samples outside [mint, maxt]. */
void samples_clip(samples *s, int64_t mint, int64_t maxt);

#endif
