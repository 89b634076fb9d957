/* promrw.h - Prometheus remote-write 1.0 decoding: WriteRequest bytes -> rw_request.
 *
 * Pure functions: no HTTP, no storage, no globals, so the fuzzer and the unit
 * tests call them directly.  Decoding is zero-copy: every slice points into
 * the (already snappy-decompressed) body, which must outlive the result;
 * arrays live in the caller's arena.
 *
 * Label parsing is split out (promrw_series_labels) because it is the
 * expensive part and ingest only needs it for label sets it has not seen
 * before: a series' `key` (the exact wire bytes of its labels) finds known
 * series without parsing. */
#ifndef LOUPE_PROMRW_H
#define LOUPE_PROMRW_H

#include "store/labels.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdint.h>

typedef struct rw_series {
    slice key;        /* wire bytes of all Label fields, in order */
    slice msg;        /* the whole TimeSeries message */
    int64_t *ts;      /* sample timestamps (ms), in wire order */
    double *v;        /* sample values, bit-exact */
    size_t nsamples;
    size_t nlabels;   /* Label fields seen */
} rw_series;

/* Prometheus MetricMetadata.MetricType values. */
enum { RW_META_UNKNOWN = 0, RW_META_COUNTER, RW_META_GAUGE, RW_META_HISTOGRAM, RW_META_GAUGEHISTOGRAM,
       RW_META_SUMMARY, RW_META_INFO, RW_META_STATESET };

typedef struct rw_metadata {
    int type;
    slice family, help, unit;
} rw_metadata;

typedef struct rw_request {
    rw_series *series;
    size_t nseries;
    rw_metadata *meta;
    size_t nmeta;
    size_t nsamples;      /* total over all series */
    size_t nexemplars;    /* received and ignored */
    size_t nhistograms;   /* native histograms: received and ignored */
} rw_request;

typedef struct rw_limits {
    size_t max_series;    /* per request, 0 = none */
    size_t max_samples;   /* per request, 0 = none */
} rw_limits;

/* Decodes a WriteRequest.  0, or LOUPE_EINVAL / LOUPE_ETOOBIG / LOUPE_ENOMEM
 * with a message in e. */
int promrw_decode(slice body, const rw_limits *lim, arena *a, rw_request *out, err_ctx *e);

/* Parses the labels of s, then validates and canonicalises them
 * (labels_canonicalize).  *ls is allocated in a; its slices point into the
 * body.  On error the message names the series. */
int promrw_series_labels(const rw_series *s, const labels_limits *lim, arena *a, label **ls, size_t *n,
                         err_ctx *e);

#endif
