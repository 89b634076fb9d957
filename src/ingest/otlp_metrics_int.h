/* otlp_metrics_int.h - private to otlp_metrics.c and otlp_delta.c: the
 * delta -> cumulative stream state of an otlp_metrics_conv. */
#ifndef LOUPE_OTLP_METRICS_INT_H
#define LOUPE_OTLP_METRICS_INT_H

#include "ingest/otlp_metrics.h"

/* Adds the delta point p (validated; type SUM, HISTOGRAM or EXP_HISTOGRAM)
 * to the stream fp and fills *o with the stream's running totals as a
 * cumulative point (arrays copied into a).  0; 1 when p is dropped (out of
 * order, overlapping, stream limit) with *why saying why; LOUPE_ENOMEM. */
int otlp_delta_apply(otlp_metrics_conv *c, const uint64_t fp[2], otlp_mtype type, const otlp_point *p, arena *a,
                     otlp_point *o, const char **why);
/* Forgets the stream fp (a NO_RECORDED_VALUE point).  1 with its last
 * totals in *o when there was one, 0 when not, LOUPE_ENOMEM. */
int otlp_delta_forget(otlp_metrics_conv *c, const uint64_t fp[2], arena *a, otlp_point *o);
/* The converter's hash seed (fingerprints). */
uint64_t otlp_delta_seed(const otlp_metrics_conv *c);

#endif
