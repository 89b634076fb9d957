/* otlp_metrics.h - decoded OTLP metrics -> Prometheus samples, named and
 * shaped as the OpenTelemetry Collector's Prometheus exporters do
 * (pkg/translator/prometheus, prometheusremotewrite, prometheusexporter).
 *
 * Names: the metric name split on every character outside [a-zA-Z0-9:]
 * and re-joined with '_' (so runs of '_' collapse), the unit appended unless
 * already in the name ("ms" -> milliseconds, "By/s" -> bytes_per_second,
 * "{token}" dropped), "_total" on monotonic sums, "_ratio" on unit "1"
 * gauges, a leading digit prefixed with '_'.  Label names: characters
 * outside [a-zA-Z0-9_] -> '_', a leading digit -> "key_" + key, a single
 * leading '_' -> "key" + key ("__x" is kept); attributes that collide after that are joined with ';' in
 * the order of their original keys.
 *
 * Labels of a series: the point attributes; otel_scope_name,
 * otel_scope_version and otel_scope_<attribute> when the scope has a name;
 * job = "service.namespace/service.name" (or service.name) and instance =
 * service.instance.id.  The other resource attributes go on one
 * target_info{job, instance, ...} = 1 sample per resource per call, at the
 * resource's latest point time (only when it has such attributes and a job
 * or instance, as the translator does).
 *
 * Shapes: gauge and non-monotonic sum -> gauge; monotonic sum -> counter;
 * histogram -> _bucket{le} (cumulative), _bucket{le="+Inf"} = count, _count,
 * _sum (when set); summary -> {quantile}, _sum, _count.  Exponential
 * histograms become the same classic buckets: negative buckets (upper bound
 * -base^i, most negative first), then the zero bucket (le = zero_threshold,
 * "0" when it is 0), then positive bucket i with le = base^(i+1), base =
 * 2^(2^-scale); buckets whose bound over/underflows a double only feed the
 * next one's cumulative count.  le and quantile values print as Go's
 * FormatFloat(v, 'f', -1, 64), as the translator does ("0.5", "1000").
 * A point flagged NO_RECORDED_VALUE writes the staleness marker
 * (OTLP_STALE_NAN_BITS) to every series the point would have produced.
 *
 * Temporality: cumulative points pass through.  Delta sums, histograms and
 * exponential histograms are summed into cumulative streams kept by the
 * otlp_metrics_conv (stream = metric name, unit, type, resource, scope and
 * point attributes; rules in otlp_delta.c), so a delta SDK and a cumulative SDK
 * making the same observations produce the same series.
 *
 * Rejections: a point that cannot be converted (invalid label set, bucket
 * counts that do not match the bounds, a NaN bound, an exponential scale
 * outside [-10, 20], unspecified temporality, a delta point out of order or
 * overlapping, the stream limit reached) is skipped and counted in the
 * report with a message; the request itself still succeeds, and the handler
 * reports the count as OTLP partial_success.
 *
 * Where this differs from the Collector: a unit already present as a run of
 * name tokens is not appended again ("bytes_per_second" + "By/s" stays; the
 * translator compares single tokens and doubles "_per_second"); a trailing
 * '_' of a cleaned unit is dropped; delta non-monotonic sums accumulate
 * (the Prometheus exporter drops them; deltatocumulative keeps them);
 * exponential histograms become classic buckets (the remote-write
 * translator writes native histograms); a delta point repeating the last
 * interval exactly is treated as a retry; scope schema_url is not decoded
 * (no otel_scope_schema_url); NaN / Inf attribute values print as "NaN",
 * "+Inf", "-Inf"; a stale histogram point without counts still marks the
 * le series of its bounds. */
#ifndef LOUPE_OTLP_METRICS_H
#define LOUPE_OTLP_METRICS_H

#include "ingest/otlp.h"
#include "ingest/series_batch.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

/* Prometheus's staleness marker: a NaN with this exact bit pattern. */
#define OTLP_STALE_NAN_BITS 0x7ff0000000000002ULL

/* ------------------------------------------------------------ converter */

/* Holds the delta -> cumulative state; one per process, shared by every
 * request (thread-safe: one mutex, held per delta point).  Memory: about
 * 150 bytes per stream plus 8 bytes per bucket (16 per explicit bucket);
 * an exponential stream whose buckets would span more than 1024 indexes
 * restarts instead of growing. */
typedef struct otlp_metrics_conv otlp_metrics_conv;

typedef struct otlp_metrics_conv_opts {
    size_t max_streams;          /* delta streams kept; new ones past it are rejected (default 1,000,000) */
    int64_t max_idle_ms;         /* a stream not updated for this long is forgotten (default 1 h) */
    int64_t (*now_ms)(void *ctx); /* the clock for idleness; NULL = CLOCK_MONOTONIC (tests inject one) */
    void *now_ctx;
} otlp_metrics_conv_opts;

void otlp_metrics_conv_opts_default(otlp_metrics_conv_opts *o);
/* o may be NULL (defaults).  0 or LOUPE_ENOMEM.  Free with _destroy. */
int otlp_metrics_conv_create(const otlp_metrics_conv_opts *o, otlp_metrics_conv **out);
/* Frees every stream.  Accepts NULL. */
void otlp_metrics_conv_destroy(otlp_metrics_conv *c);
/* Delta streams currently held. */
size_t otlp_metrics_conv_streams(otlp_metrics_conv *c);

/* ------------------------------------------------------------ converting */

/* One metric family's metadata, for store_put_metadata().  type is an
 * RW_META_* code (promrw.h): counter, gauge, histogram, summary. */
typedef struct otlp_metrics_meta {
    slice family;   /* the Prometheus name: "requests_total", "http_server_duration_milliseconds" */
    int type;
    slice help;     /* the OTLP description */
    slice unit;     /* the Prometheus unit ("milliseconds", "bytes_per_second"; "" for "1") */
} otlp_metrics_meta;

typedef struct otlp_metrics_report {
    size_t points;          /* data points seen */
    size_t samples;         /* samples added to the batch (it keeps one per series and timestamp) */
    size_t rejected;        /* points not converted, delta_dropped included */
    size_t delta_dropped;   /* delta points out of order, overlapping, or over the stream limit */
    size_t empty_metrics;   /* metrics without data (OTLP_M_NONE), ignored */
    char first_error[256];  /* why the first rejected point was rejected, "" if none */
    otlp_metrics_meta *meta; /* one per family (deduplicated), in the arena */
    size_t nmeta;
} otlp_metrics_report;

/* Converts every point of m into samples of out.  rep is filled (reset
 * first); its arrays and strings live in `a` (the batch's arena may be used)
 * and borrow from m, so they are valid while both `a` and m are.  Returns 0
 * even when points are rejected (see rep); LOUPE_ENOMEM (message in e) when
 * memory runs out, after which `out` must be discarded. */
int otlp_metrics_convert(otlp_metrics_conv *c, const otlp_metrics *m, series_batch *out, arena *a,
                         otlp_metrics_report *rep, err_ctx *e);

/* ------------------------------------------------------------ naming (otlp_naming.c) */

typedef enum otlp_name_kind {
    OTLP_NAME_GAUGE,    /* gauges: unit "1" adds "_ratio" */
    OTLP_NAME_COUNTER,  /* monotonic sums: "_total" */
    OTLP_NAME_OTHER,    /* non-monotonic sums, histograms, summaries */
} otlp_name_kind;

/* The Prometheus metric name (see the top of this file), in a.  0,
 * LOUPE_EINVAL when nothing valid is left ("@#$"), LOUPE_ENOMEM. */
int otlp_metrics_name(slice name, slice unit, otlp_name_kind kind, arena *a, slice *out);
/* The Prometheus unit: "ms" -> "milliseconds", "By/s" -> "bytes_per_second",
 * "1" and "{x}" -> "".  In a; 0 or LOUPE_ENOMEM. */
int otlp_metrics_unit(slice unit, arena *a, slice *out);
/* The Prometheus label name for an attribute key, in a (or key itself when
 * it is already valid).  LOUPE_EINVAL for an empty key or one that becomes
 * only underscores. */
int otlp_metrics_label_name(slice key, arena *a, slice *out);
/* An attribute value as label text, as the Collector's AsString() does:
 * strings as they are, bools, ints, doubles (shortest round-trip, exponent
 * below 1e-6 and from 1e21), bytes as base64, arrays and maps as JSON.
 * In a; a string value is borrowed from v instead.  0 or LOUPE_ENOMEM. */
int otlp_metrics_value_text(const otlp_value *v, arena *a, slice *out);
/* The labels of attributes, as the translator builds them: names from
 * otlp_metrics_label_name(), values from otlp_metrics_value_text(), the
 * last of duplicate keys winning, and the values of keys that collide after
 * sanitising ("a.b", "a_b") joined with ';' in the order of the original
 * keys.  Keys listed in skip (NULL-terminated, may be NULL) are left out.
 * *out (sorted by name, names unique) is in a.  0, LOUPE_ENOMEM, or
 * LOUPE_EINVAL with *bad set to the key that has no valid label name. */
int otlp_metrics_attr_labels(const otlp_attrs *as, const char *const *skip, arena *a, label **out, size_t *n,
                             slice *bad);

#endif
