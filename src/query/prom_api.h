/* prom_api.h - GET/POST /api/v1/query and /api/v1/query_range in the
 * Prometheus HTTP API's JSON, with its parameter rules, limits and
 * errorType -> status mapping (bad_data 400, execution 422, timeout 503). */
#ifndef LOUPE_PROM_API_H
#define LOUPE_PROM_API_H

#include "query/eval.h"
#include "store/store.h"
#include "util/httpmsg.h"

typedef struct prom_api_ctx {
    store *st;
    promql_opts opts;
} prom_api_ctx;

int api_query(void *ctx, http_req *req, http_resp *resp);
int api_query_range(void *ctx, http_req *req, http_resp *resp);

/* Appends a Prometheus API timestamp: seconds with up to 3 decimals. */
int prom_write_time(buf *b, int64_t ms);

#endif
