/* otlp_http.c - the OTLP/HTTP handler; see otlp_http.h. */
#include "ingest/otlp_http.h"
#include "util/inflate.h"
#include "util/tls.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define KEEP_SCRATCH (8u << 20)

/* gRPC status codes, which OTLP's google.rpc.Status carries */
enum { GRPC_INVALID_ARGUMENT = 3, GRPC_RESOURCE_EXHAUSTED = 8, GRPC_INTERNAL = 13, GRPC_UNAVAILABLE = 14 };

/* "application/json; charset=utf-8" matches "application/json". */
static int media_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    if (strncasecmp(ct, want, n))
        return 0;
    return ct[n] == 0 || ct[n] == ';' || ct[n] == ' ';
}

static int reply_status(http_resp *resp, int fmt, int status, int grpc_code, const char *msg)
{
    resp->status = status;
    resp->content_type = fmt == OTLP_FMT_JSON ? "application/json" : "application/x-protobuf";
    resp->body.n = 0;
    return otlp_status_body(fmt, grpc_code, msg, &resp->body);
}

int otlp_http_handle(void *vctx, http_req *req, http_resp *resp)
{
    otlp_http_ctx *ctx = vctx;
    char msg[600];
    const char *ct = http_header(req, "Content-Type");
    int fmt;
    if (ct && (media_is(ct, "application/x-protobuf") || media_is(ct, "application/protobuf")))
        fmt = OTLP_FMT_PROTOBUF;
    else if (ct && media_is(ct, "application/json"))
        fmt = OTLP_FMT_JSON;
    else {
        snprintf(msg, sizeof msg,
                 "unsupported Content-Type %s%.200s%s: OTLP/HTTP takes application/x-protobuf or application/json",
                 ct ? "\"" : "", ct ? ct : "(none)", ct ? "\"" : "");
        resp->status = 415;
        resp->content_type = "text/plain; charset=utf-8";
        return buf_puts(&resp->body, msg);
    }
    slice body = req->body;
    const char *enc = http_header(req, "Content-Encoding");
    buf *raw = NULL;
    int rc = 0;
    if (enc && *enc && strcasecmp(enc, "identity")) {
        int zlib_format;
        if (!strcasecmp(enc, "gzip") || !strcasecmp(enc, "x-gzip"))
            zlib_format = 0;
        else if (!strcasecmp(enc, "deflate"))
            zlib_format = 1;
        else {
            snprintf(msg, sizeof msg, "unsupported Content-Encoding \"%.200s\": use gzip, deflate or identity", enc);
            return reply_status(resp, fmt, 415, GRPC_INVALID_ARGUMENT, msg);
        }
        raw = tls_buf(TLS_OTLP_BODY);
        if (!raw)
            return reply_status(resp, fmt, 500, GRPC_INTERNAL, "out of memory");
        raw->n = 0;
        err_ctx e = { 0 };
        if ((rc = inflate_bounded(req->body, zlib_format, ctx->x->max_decompressed, raw, &e))) {
            tls_trim(TLS_OTLP_BODY, KEEP_SCRATCH);
            return reply_status(resp, fmt, rc == LOUPE_ETOOBIG ? 413 : rc == LOUPE_ENOMEM ? 500 : 400,
                                rc == LOUPE_ETOOBIG ? GRPC_RESOURCE_EXHAUSTED : GRPC_INVALID_ARGUMENT, e.msg);
        }
        body = buf_slice(raw);
    }

    otlp_result r;
    otlp_export(ctx->x, ctx->signal, fmt, body, &r);
    if (raw)
        tls_trim(TLS_OTLP_BODY, KEEP_SCRATCH);
    if (r.code) {
        int status, grpc;
        switch (r.code) {
        case LOUPE_EINVAL: status = 400, grpc = GRPC_INVALID_ARGUMENT; break;
        case LOUPE_ETOOBIG: status = 413, grpc = GRPC_RESOURCE_EXHAUSTED; break;
        case LOUPE_EBUSY:
        case LOUPE_ECANCELED:
        case LOUPE_ETIMEOUT: status = 503, grpc = GRPC_UNAVAILABLE; break;
        default: status = 500, grpc = GRPC_INTERNAL; break;
        }
        if (status == 503)
            http_resp_header(resp, "Retry-After", "1");
        return reply_status(resp, fmt, status, grpc, r.msg);
    }
    resp->status = 200;
    resp->content_type = fmt == OTLP_FMT_JSON ? "application/json" : "application/x-protobuf";
    return otlp_response_body(ctx->signal, fmt, &r, &resp->body);
}
