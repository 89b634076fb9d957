/* otlp_export.h - one OTLP Export request (traces, metrics or logs) from
 * decoded body to durable storage, independent of the transport.
 *
 * OTLP/HTTP (otlp_http.c) and OTLP/gRPC (wired in app.c) both call
 * otlp_export() with the uncompressed body and turn its result into their
 * own status codes:
 *
 *   traces:  decode -> every span with valid ids becomes a rec_span; spans
 *            that describe an LLM call (genai.h) also become a rec_call,
 *            priced (pricing.h), and feed the derived series (derived.h)
 *            -> records_write (durable) -> store_write (derived series).
 *   logs:    decode -> rec_log (+ a rec_call for log records that describe
 *            a whole model call) -> records_write.
 *   metrics: decode -> otlp_metrics_convert (Prometheus naming, delta ->
 *            cumulative) -> store_write, metadata -> store_put_metadata.
 *
 * Items the server cannot accept (a span without a trace id, a data point
 * with an invalid label set) are rejected one by one and reported as OTLP
 * partial_success; a body that cannot be decoded rejects the whole request
 * and stores nothing. */
#ifndef LOUPE_OTLP_EXPORT_H
#define LOUPE_OTLP_EXPORT_H

#include "ingest/derived.h"
#include "ingest/genai.h"
#include "ingest/otlp.h"
#include "ingest/otlp_metrics.h"
#include "ingest/pricing.h"
#include "ingest/span_set.h"
#include "store/records.h"
#include "store/store.h"
#include "util/buf.h"

enum { OTLP_TRACES = 0, OTLP_METRICS = 1, OTLP_LOGS = 2 };
enum { OTLP_FMT_PROTOBUF = 0, OTLP_FMT_JSON = 1 };

typedef struct otlp_export_ctx {
    store *st;                 /* series store (metrics, derived series) */
    records *rec;              /* records store (spans, calls, logs) */
    const pricing *prices;
    genai_opts genai;
    derived *der;
    otlp_metrics_conv *mconv;
    span_set *log_calls;       /* spans whose call was made from a log event (see span_set.h) */
    otlp_limits limits;
    labels_limits label_limits;
    size_t max_decompressed;   /* bytes after gzip */
} otlp_export_ctx;

typedef struct otlp_result {
    int code;                  /* 0, or the LOUPE_E* code that failed the whole request */
    char msg[512];             /* the reason when code != 0 */
    int64_t rejected;          /* items rejected one by one (partial_success) */
    char partial_msg[512];     /* why, when rejected > 0 or something was dropped */
    size_t accepted;           /* items stored */
} otlp_result;

/* Declares loupe's OTLP metrics in /metrics (once, at start). */
void otlp_export_init_metrics(void);

/* Decodes and stores one request body (protobuf or JSON, already
 * decompressed).  Never fails without setting r->code and r->msg. */
void otlp_export(otlp_export_ctx *c, int signal, int fmt, slice body, otlp_result *r);

/* The body of the success response (Export*ServiceResponse, with
 * partial_success when r->rejected or r->partial_msg is set) in fmt. */
int otlp_response_body(int signal, int fmt, const otlp_result *r, buf *out);
/* A google.rpc.Status body (protobuf) or {"code":..,"message":..} (JSON). */
int otlp_status_body(int fmt, int grpc_code, const char *msg, buf *out);

#endif
