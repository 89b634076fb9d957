/* otlp_http.h - OTLP/HTTP: POST /v1/{traces,metrics,logs} (and the same
 * under /api/public/otel, Langfuse's path) on every HTTP port.
 *
 * Content-Type application/x-protobuf (or application/protobuf) or
 * application/json; Content-Encoding gzip, deflate or identity, the
 * decompressed size bounded (413 past it).  The response is in the
 * request's content type: 200 with an empty Export*ServiceResponse, or
 * with partial_success; 400 (bad data) / 413 (too large) / 415 (unknown
 * content type or encoding) with a google.rpc.Status; 503 with Retry-After
 * when the stores are overloaded; 500 for loupe's own failures. */
#ifndef LOUPE_OTLP_HTTP_H
#define LOUPE_OTLP_HTTP_H

#include "ingest/otlp_export.h"
#include "util/httpmsg.h"

typedef struct otlp_http_ctx {
    otlp_export_ctx *x;
    int signal; /* OTLP_TRACES, OTLP_METRICS or OTLP_LOGS */
} otlp_http_ctx;

int otlp_http_handle(void *ctx, http_req *req, http_resp *resp);

#endif
