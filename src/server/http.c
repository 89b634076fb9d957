/* http.c - civetweb glue: listen, route, read bodies, write responses. */
#include "util/mem.h"
#include "server/http.h"
#include "util/log.h"
#include "util/metrics.h"

#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

struct http_server {
    struct mg_context *ctx;
    route *routes;
    size_t nroutes;
    size_t max_body;
};

static int method_ok(const char *methods, const char *m)
{
    size_t ml = strlen(m);
    const char *p = methods;
    while (*p) {
        const char *q = strchr(p, ',');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n == ml && !strncmp(p, m, n))
            return 1;
        if (!q)
            break;
        p = q + 1;
    }
    return 0;
}

static const route *find_route(const http_server *s, const char *path, int *path_only)
{
    const route *best = NULL;
    size_t best_len = 0;
    *path_only = 0;
    for (size_t i = 0; i < s->nroutes; i++) {
        const route *r = &s->routes[i];
        size_t n = strlen(r->path);
        if (!r->prefix) {
            if (!strcmp(path, r->path))
                return r;
        } else if (!strncmp(path, r->path, n) && n > best_len) {
            best = r;
            best_len = n;
        }
    }
    return best;
}

static const char *get_header(const http_req *r, const char *name)
{
    return mg_get_header((const struct mg_connection *)r->impl, name);
}

static int accepts_gzip(struct mg_connection *c)
{
    const char *ae = mg_get_header(c, "Accept-Encoding");
    return ae && strstr(ae, "gzip") != NULL;
}

static int compressible(const char *ct)
{
    return ct && (!strncmp(ct, "application/json", 16) || !strncmp(ct, "text/", 5) ||
                  !strncmp(ct, "application/javascript", 22));
}

/* gzip body into out; 0 on success. */
static int gzip_buf(slice in, buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t bound = deflateBound(&zs, in.n) + 32;
    if (buf_reserve(out, bound)) {
        deflateEnd(&zs);
        return -1;
    }
    zs.next_in = (Bytef *)in.p;
    zs.avail_in = (uInt)in.n;
    zs.next_out = out->p;
    zs.avail_out = (uInt)bound;
    int r = deflate(&zs, Z_FINISH);
    out->n = zs.total_out;
    deflateEnd(&zs);
    return r == Z_STREAM_END ? 0 : -1;
}

static const char *status_text(int code)
{
    switch (code) {
    case 200: return "OK";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

static void send_resp(struct mg_connection *c, const char *method, http_resp *resp)
{
    buf gz = BUF_INIT;
    slice body = buf_slice(&resp->body);
    int gzipped = 0;
    if (body.n > 1024 && compressible(resp->content_type) && accepts_gzip(c) &&
        !strstr(resp->headers, "Content-Encoding") && gzip_buf(body, &gz) == 0) {
        body = buf_slice(&gz);
        gzipped = 1;
    }
    int no_body = resp->status == 204 || resp->status == 304;
    mg_printf(c, "HTTP/1.1 %d %s\r\n", resp->status, status_text(resp->status));
    if (!no_body) {
        mg_printf(c, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                  resp->content_type ? resp->content_type : "text/plain; charset=utf-8", body.n);
        if (gzipped)
            mg_printf(c, "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
    }
    mg_printf(c, "%.*s\r\n", (int)resp->nheaders, resp->headers);
    if (!no_body && body.n && strcmp(method, "HEAD"))
        mg_write(c, body.p, body.n);
    buf_free(&gz);
}

/* Reads the body into b, up to max bytes.  1 ok, 0 too large, -1 error. */
static int read_body(struct mg_connection *c, const struct mg_request_info *ri, size_t max, buf *b)
{
    if (ri->content_length > 0 && (unsigned long long)ri->content_length > max)
        return 0;
    size_t want = ri->content_length > 0 ? (size_t)ri->content_length : 65536;
    if (buf_reserve(b, want + 1))
        return -1;
    for (;;) {
        if (b->cap - b->n < 65536 && buf_reserve(b, 65536))
            return -1;
        size_t room = b->cap - b->n;
        int n = mg_read(c, b->p + b->n, room);
        if (n < 0)
            return -1;
        if (n == 0)
            return 1;
        b->n += (size_t)n;
        if (b->n > max)
            return 0;
    }
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void count(const char *rname, int status, int64_t ns)
{
    char labels[256];
    snprintf(labels, sizeof labels, "route=\"%s\",code=\"%d\"", rname, status);
    metrics_add("loupe_http_requests_total", labels, 1);
    snprintf(labels, sizeof labels, "route=\"%s\"", rname);
    metrics_add("loupe_http_request_duration_seconds_sum", labels, (double)ns / 1e9);
    metrics_add("loupe_http_request_duration_seconds_count", labels, 1);
}

static int handle(struct mg_connection *c, void *cbdata)
{
    http_server *s = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(c);
    int64_t t0 = now_ns();
    http_resp resp;
    memset(&resp, 0, sizeof resp);
    buf body = BUF_INIT;
    const char *path = ri->local_uri ? ri->local_uri : "/";
    int path_only;
    const route *r = find_route(s, path, &path_only);
    const char *rname = "other";
    if (!r) {
        if (!strncmp(path, "/api/", 5))
            http_resp_prom_error(&resp, 404, "not_found", "no such endpoint");
        else
            http_resp_text(&resp, 404, "404 page not found");
        goto send;
    }
    rname = r->name ? r->name : r->path;
    if (!method_ok(r->methods, ri->request_method) &&
        !(strcmp(ri->request_method, "HEAD") == 0 && method_ok(r->methods, "GET"))) {
        if (!strcmp(ri->request_method, "OPTIONS")) {
            resp.status = 204;
            char allow[64];
            snprintf(allow, sizeof allow, "%s,OPTIONS", r->methods);
            http_resp_header(&resp, "Allow", allow);
            goto send;
        }
        http_resp_prom_error(&resp, 405, "bad_data", "method not allowed");
        http_resp_header(&resp, "Allow", r->methods);
        goto send;
    }
    size_t max = r->max_body ? r->max_body : s->max_body;
    int br = read_body(c, ri, max, &body);
    if (br == 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "request body exceeds the limit of %zu bytes", max);
        http_resp_prom_error(&resp, 413, "bad_data", msg);
        http_resp_header(&resp, "Connection", "close");
        goto send;
    }
    if (br < 0) {
        http_resp_prom_error(&resp, 400, "bad_data", "could not read the request body");
        goto send;
    }
    http_req req;
    memset(&req, 0, sizeof req);
    req.method = ri->request_method;
    req.path = path;
    req.query = ri->query_string;
    req.body = buf_slice(&body);
    req.remote = ri->remote_addr;
    req.header = get_header;
    req.impl = c;
    if (r->prefix)
        req.path_rest = slice_cstr(path + strlen(r->path));
    resp.status = 200;
    int rc = r->fn(r->ctx, &req, &resp);
    if (rc && resp.status < 400)
        http_resp_prom_error(&resp, http_status_for(rc), "internal", loupe_strerror(rc));
send:
    send_resp(c, ri->request_method, &resp);
    count(rname, resp.status, now_ns() - t0);
    buf_free(&body);
    buf_free(&resp.body);
    return resp.status; /* nonzero: handled */
}

int http_server_start(const http_server_opts *o, const route *routes, size_t nroutes, http_server **out,
                      err_ctx *e)
{
    *out = NULL;
    http_server *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    s->routes = malloc(nroutes * sizeof *routes);
    if (!s->routes) {
        free(s);
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    }
    mem_copy(s->routes, routes, nroutes * sizeof *routes);
    s->nroutes = nroutes;
    s->max_body = o->max_body ? o->max_body : (8u << 20);
    metrics_declare("loupe_http_requests_total", METRIC_COUNTER, "HTTP requests by route and status code.");
    metrics_declare("loupe_http_request_duration_seconds_sum", METRIC_COUNTER,
                    "Total time spent serving HTTP requests, by route.");
    metrics_declare("loupe_http_request_duration_seconds_count", METRIC_COUNTER, "HTTP requests served, by route.");

    char ports[512] = "";
    for (int i = 0; i < 4 && o->listen[i]; i++) {
        const char *a = o->listen[i];
        if (a[0] == ':')
            a++; /* ":9090" -> all interfaces */
        if (ports[0])
            strncat(ports, ",", sizeof ports - strlen(ports) - 1);
        strncat(ports, a, sizeof ports - strlen(ports) - 1);
    }
    char threads[16], timeout[16];
    snprintf(threads, sizeof threads, "%d", o->threads > 0 ? o->threads : 16);
    snprintf(timeout, sizeof timeout, "%d", o->request_timeout_ms > 0 ? o->request_timeout_ms : 60000);
    const char *opts[] = { "listening_ports", ports, "num_threads", threads, "enable_keep_alive", "yes",
                           "request_timeout_ms", timeout, "keep_alive_timeout_ms", "5000",
                           "tcp_nodelay", "1", "max_request_size", "65536", NULL };
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    mg_init_library(0);
    s->ctx = mg_start(&cb, s, opts);
    if (!s->ctx) {
        free(s->routes);
        free(s);
        return err_set(e, LOUPE_EIO, "cannot listen on %s (in use, or a bad address?)", ports);
    }
    mg_set_request_handler(s->ctx, "/", handle, s);
    *out = s;
    return 0;
}

void http_server_stop(http_server *s)
{
    if (!s)
        return;
    mg_stop(s->ctx);
    free(s->routes);
    free(s);
}
