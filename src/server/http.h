/* http.h - the HTTP server: civetweb serving one route table on every
 * listening address.
 *
 * Routes are data: {methods, path, prefix?, handler, ctx, body limit, name}.
 * The server reads the whole request body (bounded by the route's limit:
 * 413 past it), calls the handler with an http_req, and writes its
 * http_resp, gzip-compressed when the client accepts it and it is worth it.
 * It counts requests by route and status code in /metrics. */
#ifndef LOUPE_HTTP_H
#define LOUPE_HTTP_H

#include "util/err.h"
#include "util/httpmsg.h"

#include <stddef.h>

typedef struct route {
    const char *methods; /* comma-separated, e.g. "GET,POST" */
    const char *path;    /* exact path, or prefix when prefix != 0 */
    int prefix;
    http_handler fn;
    void *ctx;
    size_t max_body;     /* 0 = the server default */
    const char *name;    /* label for metrics; defaults to path */
} route;

typedef struct http_server http_server;

typedef struct http_server_opts {
    const char *listen[4]; /* "host:port" or ":port"; NULL-terminated */
    int threads;
    size_t max_body;        /* default request body limit */
    int request_timeout_ms;
} http_server_opts;

/* Starts serving; routes are copied.  LOUPE_EIO if a port cannot be bound. */
int http_server_start(const http_server_opts *o, const route *routes, size_t nroutes, http_server **out,
                      err_ctx *e);
/* Stops accepting, finishes requests in flight, frees.  Accepts NULL. */
void http_server_stop(http_server *s);

#endif
