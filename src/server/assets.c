/* assets.c - the web UI's static files; see assets.h. */
#include "server/assets.h"
#include "util/hash.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

const char assets_csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                          "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
                          "frame-ancestors 'none'; form-action 'self'";

#define MAX_FILE (8u << 20) /* a file served from --web-dir */

/* ------------------------------------------------------------ embedded */

typedef struct packed {
    unsigned char *gz;  /* gzip of the file, or NULL when it does not shrink */
    size_t gzlen;
    char etag[24];      /* "\"<16 hex>\"" */
} packed;

static packed *g_packed;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int gzip9(const unsigned char *p, size_t n, unsigned char **out, size_t *outlen)
{
    z_stream zs = { 0 };
    if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&zs, n) + 32;
    unsigned char *b = malloc(cap);
    if (!b) {
        deflateEnd(&zs);
        return -1;
    }
    zs.next_in = (Bytef *)p;
    zs.avail_in = (uInt)n;
    zs.next_out = b;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    *outlen = cap - zs.avail_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(b);
        return -1;
    }
    *out = b;
    return 0;
}

static void etag_of(const unsigned char *p, size_t n, char out[24])
{
    snprintf(out, 24, "\"%016llx\"", (unsigned long long)hash_bytes(p, n, 0x6c6f757065ull));
}

/* Compresses every embedded file once; lives until exit (never freed: the
 * table is as static as the files themselves). */
static void pack_all(void)
{
    g_packed = calloc(loupe_web_nassets ? loupe_web_nassets : 1, sizeof *g_packed);
    if (!g_packed)
        return;
    for (size_t i = 0; i < loupe_web_nassets; i++) {
        const asset_file *f = &loupe_web_assets[i];
        packed *pk = &g_packed[i];
        etag_of(f->data, f->len, pk->etag);
        if (strncmp(f->content_type, "image/png", 9) &&
            (gzip9(f->data, f->len, &pk->gz, &pk->gzlen) || pk->gzlen >= f->len)) {
            free(pk->gz);
            pk->gz = NULL;
        }
    }
}

static const asset_file *find_embedded(const char *path, size_t *idx)
{
    for (size_t i = 0; i < loupe_web_nassets; i++)
        if (!strcmp(loupe_web_assets[i].path, path)) {
            *idx = i;
            return &loupe_web_assets[i];
        }
    return NULL;
}

static int accepts_gzip(const http_req *req)
{
    const char *ae = http_header(req, "Accept-Encoding");
    return ae && strstr(ae, "gzip") != NULL;
}

/* If-None-Match holds the tag (or "*")? */
static int not_modified(const http_req *req, const char *etag)
{
    const char *inm = http_header(req, "If-None-Match");
    return inm && (strstr(inm, etag) || !strcmp(inm, "*"));
}

static void common_headers(http_resp *resp)
{
    http_resp_header(resp, "Content-Security-Policy", assets_csp);
    http_resp_header(resp, "X-Content-Type-Options", "nosniff");
    http_resp_header(resp, "Cache-Control", "no-cache");
}

static int serve_embedded(const http_req *req, http_resp *resp, const char *path)
{
    size_t i;
    const asset_file *f = find_embedded(path, &i);
    if (!f)
        return http_resp_text(resp, 404, "404 page not found");
    pthread_once(&g_once, pack_all);
    if (!g_packed)
        return http_resp_text(resp, 500, "out of memory");
    const packed *pk = &g_packed[i];
    common_headers(resp);
    http_resp_header(resp, "ETag", pk->etag);
    resp->content_type = f->content_type;
    if (not_modified(req, pk->etag)) {
        resp->status = 304;
        return 0;
    }
    resp->status = 200;
    if (pk->gz && accepts_gzip(req)) {
        http_resp_header(resp, "Content-Encoding", "gzip");
        http_resp_header(resp, "Vary", "Accept-Encoding");
        return buf_append(&resp->body, pk->gz, pk->gzlen);
    }
    return buf_append(&resp->body, f->data, f->len);
}

/* ------------------------------------------------------------ --web-dir */

static const char *content_type_of(const char *path)
{
    static const struct {
        const char *ext, *ct;
    } types[] = {
        { ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" },   { ".svg", "image/svg+xml" },
        { ".png", "image/png" },                 { ".ico", "image/x-icon" },
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].ct;
    return NULL;
}

/* Only plain relative names: letters, digits, '-', '_', '.', '/', and no
 * component starting with '.' (no "..", no hidden files). */
static int safe_path(const char *p)
{
    if (*p != '/')
        return 0;
    for (const char *s = p; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == '/'))
            return 0;
        if (c == '/' && s[1] == '.')
            return 0;
    }
    return 1;
}

static int serve_dir(const char *dir, const http_req *req, http_resp *resp, const char *path)
{
    const char *ct = content_type_of(path);
    if (!safe_path(path) || !ct || !strncmp(path, "/node_modules/", 14))
        return http_resp_text(resp, 404, "404 page not found");
    char file[4096];
    if (!strncmp(path, "/vendor/uplot/", 14))
        snprintf(file, sizeof file, "%s/node_modules/uplot/dist/%s", dir, path + 14);
    else
        snprintf(file, sizeof file, "%s%s", dir, path);
    FILE *f = fopen(file, "rb");
    if (!f)
        return http_resp_text(resp, 404, "404 page not found");
    int rc = 0;
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0 && !rc) {
        if (resp->body.n + k > MAX_FILE)
            rc = LOUPE_ETOOBIG;
        else
            rc = buf_append(&resp->body, chunk, k);
    }
    fclose(f);
    if (rc) {
        resp->body.n = 0;
        return http_resp_text(resp, 500, "cannot read %s", path);
    }
    char etag[24];
    etag_of(resp->body.p, resp->body.n, etag);
    common_headers(resp);
    http_resp_header(resp, "ETag", etag);
    resp->content_type = ct;
    if (not_modified(req, etag)) {
        resp->body.n = 0;
        resp->status = 304;
        return 0;
    }
    resp->status = 200; /* the server gzips it on the way out */
    return 0;
}

int assets_handle(void *vctx, http_req *req, http_resp *resp)
{
    const assets_ctx *ctx = vctx;
    if (!strncmp(req->path, "/api/", 5))
        return http_resp_prom_error(resp, 404, "not_found", "no such endpoint");
    const char *path = strcmp(req->path, "/") ? req->path : "/index.html";
    if (ctx && ctx->web_dir && *ctx->web_dir)
        return serve_dir(ctx->web_dir, req, resp, path);
    return serve_embedded(req, resp, path);
}
