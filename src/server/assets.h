/* assets.h - the web UI's static files, embedded into the binary at build
 * time (scripts/embed_web.cmake) or, for development, read from a
 * directory (--web-dir).
 *
 * GET / serves /index.html; GET /vendor/uplot/<file> serves uPlot's dist
 * files (from the npm registry, web/node_modules).  Embedded files are
 * gzip-compressed once (level 9) on first use and served compressed to
 * clients that accept gzip, with a strong ETag (If-None-Match -> 304) and
 * `Cache-Control: no-cache` (revalidate every load: file names carry no
 * version).  Every answer carries a strict Content-Security-Policy: scripts,
 * styles and connections to loupe itself only, no inline script. */
#ifndef LOUPE_ASSETS_H
#define LOUPE_ASSETS_H

#include "util/httpmsg.h"

#include <stddef.h>

typedef struct asset_file {
    const char *path;         /* URL path, e.g. "/app.js" */
    const char *content_type;
    const unsigned char *data;
    size_t len;
} asset_file;

/* The generated table (terminated by a zero entry). */
extern const asset_file loupe_web_assets[];
extern const size_t loupe_web_nassets;

typedef struct assets_ctx {
    const char *web_dir;      /* serve from this directory instead; NULL or "" = embedded */
} assets_ctx;

/* GET (prefix "/"): a file, 404 for unknown paths (Prometheus-style JSON
 * under /api/, text elsewhere). */
int assets_handle(void *ctx, http_req *req, http_resp *resp);

/* Content-Security-Policy of every UI response. */
extern const char assets_csp[];

#endif
