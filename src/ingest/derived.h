/* derived.h - Prometheus series derived from LLM calls, so every dashboard
 * works from traces alone.
 *
 * SERIES (labels: model, provider, route, status ("ok"/"error"), service;
 * a label whose value is unknown is absent, as Prometheus drops empty ones):
 *   counters, one sample per call that touches them:
 *     loupe_llm_requests_total{model,provider,route,status,service}     calls
 *     loupe_llm_input_tokens_total{model,provider,route,service}        input tokens (cached included)
 *     loupe_llm_output_tokens_total{model,provider,route,service}       output tokens (reasoning included)
 *     loupe_llm_cached_input_tokens_total{model,provider,route,service} cache-read input tokens
 *     loupe_llm_cost_usd_total{model,provider,route,service}            USD of priced calls
 *     loupe_llm_unpriced_requests_total{model,provider,route,service}   calls without a cost
 *   histograms (cumulative _bucket{le} / _sum / _count, every bucket emitted
 *   with each observation so histogram_quantile sees aligned series):
 *     loupe_llm_request_duration_seconds{model,route,status,service}
 *         le 0.1 0.25 0.5 1 2 5 10 20 30 60 120 300 +Inf
 *     loupe_llm_time_to_first_token_seconds{model,route,service}
 *         le 0.01 0.025 0.05 0.1 0.25 0.5 0.75 1 2.5 5 7.5 10 +Inf
 *     loupe_llm_output_tokens{model,route,service}          (per request)
 *         le 16 32 64 128 256 512 1024 2048 4096 8192 16384 +Inf
 *     loupe_llm_cost_per_request_usd{model,route,service}
 *         le 0.0001 0.0005 0.001 0.005 0.01 0.05 0.1 0.5 1 5 +Inf
 * A call feeds a series only when it has the value (tokens known, a cost,
 * a TTFT, a latency).  Label values are cut to 128 bytes.
 *
 * TIME AND MONOTONICITY.  Counters are cumulative: the running total of
 * each series is kept in memory and each touched series' total is emitted
 * at the call's end time (ms).  A call older than the series' last emitted
 * time is added to the total and emitted at that last time, which keeps
 * counters monotonic when spans arrive slightly out of order; backfills
 * must therefore be sent in time order.  On the first touch of a series
 * after start, its total is seeded from the store's last sample of that
 * exact label set within the last 30 days, so a restart does not reset it.
 * When a write of the emitted batch fails, the totals still include the
 * call and the next sample carries them: nothing is lost but one point.
 *
 * Thread safety: derived_add_call may be called from any thread (one mutex;
 * the first touch of a series reads the store under it). */
#ifndef LOUPE_DERIVED_H
#define LOUPE_DERIVED_H

#include "ingest/series_batch.h"
#include "store/records.h"
#include "store/store.h"
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct derived derived;

typedef struct derived_opts {
    int64_t seed_lookback_ms; /* how far back a series' last sample is looked for (default 30 days) */
    size_t max_series;        /* series kept in memory (default 100000); calls past it are counted, not derived */
} derived_opts;

void derived_opts_default(derived_opts *o);

/* st may be NULL (no seeding, for tests); it must outlive d.  o may be
 * NULL (defaults).  NULL on OOM. */
derived *derived_create(store *st, const derived_opts *o);
void derived_destroy(derived *d); /* accepts NULL */

/* Adds the series samples of call c to out (see SERIES).  0, or
 * LOUPE_ENOMEM / an error from series_batch_add (message in e). */
int derived_add_call(derived *d, const rec_call *c, series_batch *out, err_ctx *e);

typedef struct derived_stats {
    uint64_t calls;          /* calls added */
    uint64_t series;         /* series families instances in memory */
    uint64_t seeded;         /* instances seeded from the store */
    uint64_t dropped;        /* instances not created: max_series reached */
} derived_stats;

void derived_get_stats(derived *d, derived_stats *st);

#endif
