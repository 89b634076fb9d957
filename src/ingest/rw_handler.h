/* rw_handler.h - POST /api/v1/write: Prometheus remote-write 1.0 into the store.
 *
 * snappy block body (declared length checked against the limit first) ->
 * promrw_decode -> known series by key, new ones validated and
 * canonicalised -> store_write (returns once durable) -> 204.  Any invalid
 * series rejects the whole request with 400 and nothing is stored; samples
 * older than the retention window are dropped, counted, and the rest is
 * stored (as VictoriaMetrics does); 5xx only for loupe's own failures. */
#ifndef LOUPE_RW_HANDLER_H
#define LOUPE_RW_HANDLER_H

#include "ingest/promrw.h"
#include "store/store.h"
#include "util/httpmsg.h"

typedef struct rw_handler_ctx {
    store *st;
    size_t max_decompressed;  /* bytes after snappy */
    rw_limits limits;
    labels_limits label_limits;
} rw_handler_ctx;

void rw_handler_init_metrics(void);
int rw_handle(void *ctx, http_req *req, http_resp *resp);

#endif
