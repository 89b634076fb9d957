/* meta_api.h - the Prometheus HTTP API's series/label endpoints, metadata,
 * buildinfo, and VictoriaMetrics-style export, over the series store.
 *   GET/POST /api/v1/series            match[] (required), start, end
 *   GET/POST /api/v1/labels            match[], start, end
 *   GET      /api/v1/label/<name>/values  match[], start, end (limit ignored)
 *   GET      /api/v1/metadata          metric, limit
 *   GET      /api/v1/status/buildinfo
 *   GET/POST /api/v1/export            match[] (required), start, end: JSON lines */
#ifndef LOUPE_META_API_H
#define LOUPE_META_API_H

#include "store/store.h"
#include "util/httpmsg.h"

typedef struct meta_api_ctx {
    store *st;
    const char *version, *revision;
} meta_api_ctx;

int api_series(void *ctx, http_req *req, http_resp *resp);
int api_labels(void *ctx, http_req *req, http_resp *resp);
int api_label_values(void *ctx, http_req *req, http_resp *resp);
int api_metadata(void *ctx, http_req *req, http_resp *resp);
int api_buildinfo(void *ctx, http_req *req, http_resp *resp);
int api_export(void *ctx, http_req *req, http_resp *resp);
/* Answers with the fixed JSON `data` member ctx points to (a C string):
 * endpoints Grafana and Prometheus tooling call where loupe has nothing to
 * say yet (exemplars, rules, alerts, targets, status/flags). */
int api_static(void *ctx, http_req *req, http_resp *resp);

/* Shared by the query endpoints: start/end (defaults: far past / far
 * future), with Prometheus's error messages.  0 or LOUPE_EINVAL (resp set). */
int api_time_range(const http_req *req, http_resp *resp, int64_t *start, int64_t *end);

#endif
