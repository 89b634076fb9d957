/* jaeger_api.h - the Jaeger query service's HTTP API (the JSON its UI and
 * Grafana's Jaeger data source read) over the records store.
 *
 *   GET /api/services                        data: sorted service names
 *   GET /api/services/<svc>/operations       data: sorted operation names (prefix route "/api/services/")
 *   GET /api/operations?service=&spanKind=   data: [{"name","spanKind"}]
 *   GET /api/traces/<traceID>                data: [trace] or 404 (prefix route "/api/traces/")
 *   GET /api/traces?service=&operation=&tags=&tag=&start=&end=&lookback=&minDuration=&maxDuration=&limit=
 *                  (&traceID=... fetches those traces; loupe also takes user_id= and session_id=)
 *   GET /api/dependencies                    data: [] (loupe builds no dependency graph)
 *
 * Every answer is {"data":...,"total":n,"limit":0,"offset":0,"errors":null};
 * a failure has "data":null and "errors":[{"code":status,"msg":...}].  Span
 * times are microseconds; OTLP span kind, status and scope become the tags
 * Jaeger's OTLP translator writes (span.kind, error, otel.status_code,
 * otel.status_description, otel.scope.name/version); events and the log
 * records of the trace become span logs. */
#ifndef LOUPE_JAEGER_API_H
#define LOUPE_JAEGER_API_H

#include "store/records.h"
#include "util/httpmsg.h"

#include <stddef.h>

typedef struct jaeger_api_ctx {
    records *rec;
    size_t max_trace_spans;    /* spans per trace in one answer (0: 50000); past it the trace carries a warning */
    size_t max_response_bytes; /* a search adds no more traces once its answer is this big (0: 64 MiB) */
} jaeger_api_ctx;

int jaeger_services(void *ctx, http_req *req, http_resp *resp);
/* Prefix route: path_rest is "<svc>/operations", svc percent-encoded. */
int jaeger_operations(void *ctx, http_req *req, http_resp *resp);
int jaeger_operations_v2(void *ctx, http_req *req, http_resp *resp);
/* Prefix route: path_rest is "<traceID>" (up to 32 hex digits); an empty
 * rest is a search, as /api/traces. */
int jaeger_trace(void *ctx, http_req *req, http_resp *resp);
int jaeger_find_traces(void *ctx, http_req *req, http_resp *resp);
int jaeger_dependencies(void *ctx, http_req *req, http_resp *resp);

/* Go's time.ParseDuration ("1.5h", "300ms", "-2m", "1h2m3.5s"; units ns, us,
 * µs, ms, s, m, h) into nanoseconds.  0 or -1.  Exposed for tests. */
int jaeger_parse_duration_ns(slice s, int64_t *ns);

#endif
