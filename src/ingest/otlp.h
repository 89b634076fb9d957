/* otlp.h - the decoded shape of OTLP export requests (traces, metrics, logs)
 * and the pure decoders that produce it from protobuf or OTLP/JSON bodies.
 *
 * Both decoders (otlp_pb.c, otlp_json.c) fill the same structs, so everything
 * after decoding is wire-format blind.  Everything a decoder returns lives in
 * the arena it was given (strings are copied there or borrowed from `body`,
 * which must outlive the batch); nothing needs freeing but the arena.
 *
 * Hostile input: every count and length is bounded by otlp_limits; strings
 * must be valid UTF-8 (protobuf `string` fields); trace ids must be 16 bytes
 * and span ids 8 bytes or empty.  A structurally invalid body is an error
 * (LOUPE_EINVAL, or LOUPE_ETOOBIG past a limit) with a message naming the
 * place, e.g. "resourceSpans[0].scopeSpans[1].spans[3].traceId: 15 bytes,
 * want 16".  Semantic checks that reject single items (an empty trace id,
 * end before start) are the handler's, which reports them in
 * partial_success. */
#ifndef LOUPE_OTLP_H
#define LOUPE_OTLP_H

#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ values */

typedef enum otlp_vtype {
    OTLP_EMPTY = 0, /* AnyValue with no value set */
    OTLP_STRING,
    OTLP_BOOL,
    OTLP_INT,
    OTLP_DOUBLE,
    OTLP_BYTES,
    OTLP_ARRAY,
    OTLP_KVLIST,
} otlp_vtype;

typedef struct otlp_attr otlp_attr;
typedef struct otlp_value otlp_value;

struct otlp_value {
    otlp_vtype type;
    union {
        slice s;      /* STRING (UTF-8) and BYTES (raw) */
        int b;        /* BOOL */
        int64_t i;    /* INT */
        double d;     /* DOUBLE */
        struct {
            otlp_value *v;
            size_t n;
        } arr;        /* ARRAY */
        struct {
            otlp_attr *a;
            size_t n;
        } kv;         /* KVLIST */
    } u;
};

struct otlp_attr {
    slice key;
    otlp_value value;
};

typedef struct otlp_attrs {
    otlp_attr *a;
    size_t n;
} otlp_attrs;

/* The attribute named key (last one wins, as in the SDKs), or NULL. */
const otlp_value *otlp_attrs_get(const otlp_attrs *as, const char *key);

typedef struct otlp_resource {
    otlp_attrs attrs;
    slice schema_url;
} otlp_resource;

typedef struct otlp_scope {
    slice name, version;
    otlp_attrs attrs;
} otlp_scope;

/* ------------------------------------------------------------ traces */

typedef struct otlp_event {
    uint64_t time_ns;
    slice name;
    otlp_attrs attrs;
} otlp_event;

typedef struct otlp_link {
    uint8_t trace_id[16], span_id[8];
    slice trace_state;
    otlp_attrs attrs;
} otlp_link;

typedef struct otlp_span {
    uint8_t trace_id[16], span_id[8], parent_span_id[8];
    int has_trace_id, has_span_id, has_parent; /* the id fields were present and non-empty */
    slice trace_state;
    slice name;
    int kind;                  /* SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
    uint64_t start_ns, end_ns; /* unix nanoseconds */
    otlp_attrs attrs;
    otlp_event *events;
    size_t nevents;
    otlp_link *links;
    size_t nlinks;
    int status_code;           /* 0 unset, 1 ok, 2 error */
    slice status_message;
    uint32_t flags;
    const otlp_resource *resource; /* shared by the spans of one ResourceSpans */
    const otlp_scope *scope;
} otlp_span;

typedef struct otlp_traces {
    otlp_span *spans; /* flattened over resources and scopes, in request order */
    size_t nspans;
} otlp_traces;

/* ------------------------------------------------------------ logs */

typedef struct otlp_log {
    uint64_t time_ns, observed_ns;
    int severity_number;       /* 0..24 */
    slice severity_text;
    otlp_value body;
    otlp_attrs attrs;
    uint8_t trace_id[16], span_id[8];
    int has_trace_id, has_span_id;
    uint32_t flags;
    slice event_name;          /* LogRecord.event_name (field 12), empty if absent */
    const otlp_resource *resource;
    const otlp_scope *scope;
} otlp_log;

typedef struct otlp_logs {
    otlp_log *logs;
    size_t nlogs;
} otlp_logs;

/* ------------------------------------------------------------ metrics */

typedef enum otlp_mtype {
    OTLP_M_NONE = 0, /* a Metric with no data field: ignored, counted */
    OTLP_M_GAUGE,
    OTLP_M_SUM,
    OTLP_M_HISTOGRAM,
    OTLP_M_EXP_HISTOGRAM,
    OTLP_M_SUMMARY,
} otlp_mtype;

enum { OTLP_TEMPORALITY_UNSPECIFIED = 0, OTLP_TEMPORALITY_DELTA = 1, OTLP_TEMPORALITY_CUMULATIVE = 2 };
enum { OTLP_FLAG_NO_RECORDED_VALUE = 1 }; /* DataPointFlags */

typedef struct otlp_buckets { /* one side of an exponential histogram */
    int32_t offset;
    uint64_t *counts;
    size_t n;
} otlp_buckets;

typedef struct otlp_quantile {
    double q, v;
} otlp_quantile;

typedef struct otlp_point {
    otlp_attrs attrs;
    uint64_t start_ns, time_ns;
    uint32_t flags;
    /* GAUGE / SUM */
    double value;              /* as_double, or as_int converted */
    int is_int;
    int64_t ivalue;
    /* HISTOGRAM / EXP_HISTOGRAM / SUMMARY */
    uint64_t count;
    double sum;
    int has_sum;
    double min, max;
    int has_min, has_max;
    /* HISTOGRAM: nbounds explicit bounds and nbounds+1 counts (n may be 0) */
    uint64_t *bucket_counts;
    size_t nbucket_counts;
    double *bounds;
    size_t nbounds;
    /* EXP_HISTOGRAM */
    int32_t scale;
    uint64_t zero_count;
    double zero_threshold;
    otlp_buckets positive, negative;
    /* SUMMARY */
    otlp_quantile *quantiles;
    size_t nquantiles;
} otlp_point;

typedef struct otlp_metric {
    slice name, description, unit;
    otlp_mtype type;
    int temporality;           /* SUM, HISTOGRAM, EXP_HISTOGRAM */
    int monotonic;             /* SUM */
    otlp_point *points;
    size_t npoints;
    const otlp_resource *resource;
    const otlp_scope *scope;
} otlp_metric;

typedef struct otlp_metrics {
    otlp_metric *metrics; /* flattened over resources and scopes */
    size_t nmetrics;
    size_t npoints;       /* total over all metrics */
} otlp_metrics;

/* ------------------------------------------------------------ decoders */

typedef struct otlp_limits {
    size_t max_items;        /* spans + events + links, or logs, or data points, per request */
    size_t max_attrs;        /* attributes per resource / scope / span / event / link / log / point */
    size_t max_value_bytes;  /* one string or bytes value */
    size_t max_key_bytes;    /* one attribute key */
    int max_depth;           /* nesting of arrays / kvlists */
    size_t max_buckets;      /* histogram buckets / quantiles per point */
} otlp_limits;

void otlp_limits_default(otlp_limits *l); /* 1M items, 1024 attrs, 1 MiB values, 1 KiB keys, depth 16, 1024 buckets */

/* protobuf: the bodies of Export{Trace,Metrics,Logs}ServiceRequest */
int otlp_decode_traces_pb(slice body, const otlp_limits *l, arena *a, otlp_traces *out, err_ctx *e);
int otlp_decode_metrics_pb(slice body, const otlp_limits *l, arena *a, otlp_metrics *out, err_ctx *e);
int otlp_decode_logs_pb(slice body, const otlp_limits *l, arena *a, otlp_logs *out, err_ctx *e);

/* OTLP/JSON (lowerCamelCase field names; also accepts the proto names;
 * trace/span ids in hex; int64 as strings or numbers; enums as ints or
 * their names; unknown fields ignored). */
int otlp_decode_traces_json(slice body, const otlp_limits *l, arena *a, otlp_traces *out, err_ctx *e);
int otlp_decode_metrics_json(slice body, const otlp_limits *l, arena *a, otlp_metrics *out, err_ctx *e);
int otlp_decode_logs_json(slice body, const otlp_limits *l, arena *a, otlp_logs *out, err_ctx *e);

/* ------------------------------------------------------------ helpers */

/* Appends v as JSON (strings escaped, bytes as base64, arrays/kvlists as
 * JSON arrays/objects, non-finite doubles as strings "NaN"/"Inf"/"-Inf"). */
int otlp_value_json(const otlp_value *v, buf *out);
/* Appends attrs as one JSON object {"key": value, ...}. */
int otlp_attrs_json(const otlp_attrs *as, buf *out);
/* Appends v as plain text: strings as they are, others as their JSON. */
int otlp_value_text(const otlp_value *v, buf *out);

#endif
