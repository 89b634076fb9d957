/* rw_handler.c - the remote-write HTTP handler; see rw_handler.h. */
#include "util/mem.h"
#include "ingest/rw_handler.h"
#include "util/arena.h"
#include "util/tls.h"
#include "util/metrics.h"

#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Scratch kept per thread across requests (util/tls.h): the decompressed
 * body and the arena of the decoded request; trimmed after big requests. */
#define KEEP_SCRATCH (8u << 20)

void rw_handler_init_metrics(void)
{
    metrics_declare("loupe_samples_received_total", METRIC_COUNTER, "Samples received, by source.");
    metrics_declare("loupe_samples_stored_total", METRIC_COUNTER, "Samples committed to the store, by source.");
    metrics_declare("loupe_samples_rejected_total", METRIC_COUNTER,
                    "Samples not stored, by source and reason (invalid, too_large, too_old, overload, error).");
    metrics_declare("loupe_remote_write_metadata_total", METRIC_COUNTER, "Metric metadata entries received.");
    metrics_declare("loupe_remote_write_ignored_total", METRIC_COUNTER,
                    "Exemplars and native histograms received and not stored, by kind.");
}

static void reject(size_t n, const char *reason)
{
    char l[96];
    snprintf(l, sizeof l, "source=\"remote_write\",reason=\"%s\"", reason);
    metrics_add("loupe_samples_rejected_total", l, (double)n);
}

static int fail(http_resp *resp, int status, const char *msg)
{
    resp->status = status;
    resp->content_type = "text/plain; charset=utf-8";
    resp->body.n = 0;
    return buf_puts(&resp->body, msg) || buf_putc(&resp->body, '\n');
}

static int rw_handle_body(rw_handler_ctx *ctx, http_req *req, http_resp *resp, buf *raw, arena *a, size_t rawlen);

int rw_handle(void *vctx, http_req *req, http_resp *resp)
{
    rw_handler_ctx *ctx = vctx;
    int rc = 0;
    char msg[700];

    const char *enc = http_header(req, "Content-Encoding");
    if (enc && strcasecmp(enc, "snappy") != 0 && strcasecmp(enc, "identity") != 0)
        return fail(resp, 415, "unsupported Content-Encoding: remote-write 1.0 bodies are snappy-compressed");
    size_t rawlen;
    if (snappy_uncompressed_length((const char *)req->body.p, req->body.n, &rawlen) != SNAPPY_OK)
        return fail(resp, 400, "body is not valid snappy (block format)");
    if (rawlen > ctx->max_decompressed) {
        snprintf(msg, sizeof msg, "declared uncompressed size %zu bytes exceeds the limit of %zu", rawlen,
                 ctx->max_decompressed);
        return fail(resp, 413, msg);
    }
    buf *raw = tls_buf(TLS_RW_BODY);
    arena *a = tls_arena();
    if (!raw || !a)
        return fail(resp, 500, "out of memory");
    raw->n = 0;
    arena_reset(a);
    rc = rw_handle_body(ctx, req, resp, raw, a, rawlen);
    tls_trim(TLS_RW_BODY, KEEP_SCRATCH);
    tls_trim_arena(KEEP_SCRATCH);
    return rc;
}

/* The rest of rw_handle, with the thread's scratch. */
static int rw_handle_body(rw_handler_ctx *ctx, http_req *req, http_resp *resp, buf *raw, arena *a, size_t rawlen)
{
    err_ctx e = { 0 };
    int rc = 0;
    char msg[700];
    if (buf_reserve(raw, rawlen + 1))
        return fail(resp, 500, "out of memory");
    size_t outlen = rawlen;
    if (snappy_uncompress((const char *)req->body.p, req->body.n, (char *)raw->p, &outlen) != SNAPPY_OK ||
        outlen != rawlen)
        return fail(resp, 400, "body is not valid snappy (block format)");
    raw->n = outlen;

    rw_request wr;
    if ((rc = promrw_decode(buf_slice(raw), &ctx->limits, a, &wr, &e))) {
        reject(0, "invalid");
        return fail(resp, http_status_for(rc) == 413 ? 413 : rc == LOUPE_ENOMEM ? 500 : 400, e.msg);
    }
    metrics_add("loupe_samples_received_total", "source=\"remote_write\"", (double)wr.nsamples);
    if (wr.nexemplars)
        metrics_add("loupe_remote_write_ignored_total", "kind=\"exemplar\"", (double)wr.nexemplars);
    if (wr.nhistograms)
        metrics_add("loupe_remote_write_ignored_total", "kind=\"native_histogram\"", (double)wr.nhistograms);

    store_series_in *in = wr.nseries ? arena_alloc(a, wr.nseries * sizeof *in) : NULL;
    if (wr.nseries && !in)
        return fail(resp, 500, "out of memory");
    size_t nin = 0;
    for (size_t i = 0; i < wr.nseries; i++) {
        rw_series *s = &wr.series[i];
        if (s->nsamples == 0)
            continue; /* a series without samples stores nothing */
        store_series_in *x = &in[nin++];
        memset(x, 0, sizeof *x);
        x->key = s->key;
        x->hash = store_key_hash(s->key);
        x->t = s->ts;
        x->v = s->v;
        x->n = s->nsamples;
    }
    if (store_resolve(ctx->st, in, nin)) {
        /* new or non-canonical label sets: parse, validate, canonicalise */
        buf canon = BUF_INIT;
        size_t j = 0;
        for (size_t i = 0; i < wr.nseries && !rc; i++) {
            rw_series *s = &wr.series[i];
            if (s->nsamples == 0)
                continue;
            store_series_in *x = &in[j++];
            if (x->id)
                continue;
            label *ls;
            size_t nl;
            if ((rc = promrw_series_labels(s, &ctx->label_limits, a, &ls, &nl, &e)))
                break;
            canon.n = 0;
            if (labels_encode(ls, nl, &canon)) {
                rc = err_set(&e, LOUPE_ENOMEM, "out of memory");
                break;
            }
            if (!slice_eq(buf_slice(&canon), x->key)) {
                uint8_t *c = arena_alloc(a, canon.n ? canon.n : 1);
                if (!c) {
                    rc = err_set(&e, LOUPE_ENOMEM, "out of memory");
                    break;
                }
                mem_copy(c, canon.p, canon.n);
                x->labels = slice_make(c, canon.n);
            }
        }
        buf_free(&canon);
        if (rc) {
            reject(wr.nsamples, rc == LOUPE_ETOOBIG ? "too_large" : "invalid");
            return fail(resp, rc == LOUPE_ENOMEM ? 500 : 400, e.msg);
        }
    }
    for (size_t i = 0; i < wr.nmeta; i++)
        store_put_metadata(ctx->st, wr.meta[i].family, wr.meta[i].type, wr.meta[i].help, wr.meta[i].unit);
    if (wr.nmeta)
        metrics_add("loupe_remote_write_metadata_total", NULL, (double)wr.nmeta);

    store_write_result res;
    rc = store_write(ctx->st, in, nin, &res, &e);
    if (rc) {
        reject(wr.nsamples, rc == LOUPE_EBUSY ? "overload" : "error");
        int status = rc == LOUPE_EBUSY || rc == LOUPE_ECANCELED ? 503 : 500;
        if (status == 503)
            http_resp_header(resp, "Retry-After", "1");
        return fail(resp, status, e.msg);
    }
    metrics_add("loupe_samples_stored_total", "source=\"remote_write\"", (double)res.stored);
    if (res.too_old) {
        reject(res.too_old, "too_old");
        /* stored the rest; say what was dropped, still a success */
        snprintf(msg, sizeof msg, "%zu samples older than the retention window were dropped", res.too_old);
        http_resp_header(resp, "X-Loupe-Dropped", msg);
    }
    resp->status = 204;
    return 0;
}
