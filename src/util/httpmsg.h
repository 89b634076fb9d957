/* httpmsg.h - the request/response shapes handlers see, independent of the
 * HTTP library (server/ adapts civetweb and nghttp2 to these), plus
 * query-string / form parameter parsing and Prometheus-style JSON errors.
 *
 * A handler reads `req` (all strings and the body are borrowed and valid for
 * the call) and fills `resp` (which owns its body buffer). */
#ifndef LOUPE_HTTPMSG_H
#define LOUPE_HTTPMSG_H

#include "util/buf.h"
#include "util/err.h"

typedef struct http_req {
    const char *method;      /* "GET", "POST", ... */
    const char *path;        /* URL path, not decoded */
    const char *query;       /* raw query string without '?', or NULL */
    slice body;              /* the whole body, already size-checked */
    slice path_rest;         /* for prefix routes: the path after the prefix */
    const char *remote;      /* client address (for logs) */
    /* request header lookup (case-insensitive); NULL if absent */
    const char *(*header)(const struct http_req *r, const char *name);
    void *impl;              /* the server's connection */
} http_req;

typedef struct http_resp {
    int status;
    const char *content_type; /* static string */
    buf body;
    char headers[512];        /* extra "Name: value\r\n" lines */
    size_t nheaders;
} http_resp;

typedef int (*http_handler)(void *ctx, http_req *req, http_resp *resp);

static inline const char *http_header(const http_req *r, const char *name)
{
    return r->header ? r->header(r, name) : NULL;
}

/* Adds a response header line. */
void http_resp_header(http_resp *r, const char *name, const char *value);
/* Sets status and a text/plain body. */
int http_resp_text(http_resp *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prometheus API error: {"status":"error","errorType":type,"error":msg}. */
int http_resp_prom_error(http_resp *r, int status, const char *type, const char *msg);
/* Maps a LOUPE_E* code to the HTTP status the client should see. */
int http_status_for(int rc);

/* Parameters from the query string and, for form POSTs, the body.
 * Values are percent-decoded into `out` (cleared first).  Returns 1 if
 * found, 0 if not.  http_param_each calls fn for every occurrence (e.g.
 * match[]), in order. */
int http_param(const http_req *r, const char *name, buf *out);
typedef int (*http_param_fn)(void *ctx, slice value);
int http_param_each(const http_req *r, const char *name, http_param_fn fn, void *ctx);
/* Percent-decodes (with '+' as space) src into out (appended). */
int http_urldecode(slice src, buf *out);

#endif
