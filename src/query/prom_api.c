/* prom_api.c - the Prometheus query endpoints over the PromQL engine. */
#include "util/sort.h"
#include "query/prom_api.h"
#include "query/parser.h"
#include "util/json.h"
#include "util/metrics.h"
#include "util/timeparse.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_POINTS_PER_SERIES 11000

int prom_write_time(buf *b, int64_t ms)
{
    /* as Prometheus: integer seconds, then ".xyz" only when there are ms */
    char tmp[40];
    int n = 0;
    if (ms < 0) {
        tmp[n++] = '-';
        ms = -ms;
    }
    n += snprintf(tmp + n, sizeof tmp - (size_t)n, "%lld", (long long)(ms / 1000));
    int64_t frac = ms % 1000;
    if (frac)
        n += snprintf(tmp + n, sizeof tmp - (size_t)n, ".%03lld", (long long)frac);
    return buf_append(b, tmp, (size_t)n);
}

static int write_point(buf *b, int64_t t, double v)
{
    char tmp[400];
    int n = prom_float(tmp, sizeof tmp, v);
    return buf_putc(b, '[') || prom_write_time(b, t) || buf_puts(b, ",\"") || buf_append(b, tmp, (size_t)n) ||
           buf_puts(b, "\"]");
}

static int write_labels(buf *b, slice lab)
{
    int rc = buf_putc(b, '{');
    labels_iter it = labels_iter_make(lab);
    label l;
    int first = 1;
    while (!rc && labels_next(&it, &l) == 1) {
        rc = (!first && buf_putc(b, ',')) || json_str(b, l.name) || buf_putc(b, ':') || json_str(b, l.value);
        first = 0;
    }
    return rc || buf_putc(b, '}');
}

/* [{"metric":{...},"values":[[t,"v"],...]},...] for the non-empty series. */
static int write_matrix(buf *b, const qresult *res)
{
    int rc = buf_putc(b, '[');
    for (size_t k = 0, w = 0; k < res->n && !rc; k++) {
        const qseries *q = &res->series[k];
        if (!q->n)
            continue;
        rc = (w++ && buf_putc(b, ',')) || buf_puts(b, "{\"metric\":") || write_labels(b, q->lab) ||
             buf_puts(b, ",\"values\":[");
        for (size_t i = 0; i < q->n && !rc; i++)
            rc = (i && buf_putc(b, ',')) || write_point(b, q->t[i], q->v[i]);
        rc = rc || buf_puts(b, "]}");
    }
    return rc || buf_putc(b, ']');
}

static int fail(http_resp *resp, int rc, const char *msg)
{
    const char *type;
    int status;
    switch (rc) {
    case LOUPE_EINVAL: type = "bad_data"; status = 400; break;
    case LOUPE_EEXEC:
    case LOUPE_ELIMIT: type = "execution"; status = 422; break;
    case LOUPE_ETIMEOUT: type = "timeout"; status = 503; break;
    case LOUPE_ECANCELED: type = "canceled"; status = 503; break;
    default: type = "internal"; status = 500;
    }
    http_resp_prom_error(resp, status, type, msg);
    return 0;
}

static int bad(http_resp *resp, const char *fmt, const char *a)
{
    char msg[600];
    snprintf(msg, sizeof msg, fmt, a);
    return fail(resp, LOUPE_EINVAL, msg);
}

/* Parses the query; on failure writes the error response and returns 1. */
static int parse(http_req *req, http_resp *resp, arena *a, buf *q, ast **root)
{
    if (!http_param(req, "query", q) || q->n == 0) {
        bad(resp, "invalid parameter \"query\": %s", "empty query");
        return 1;
    }
    err_ctx e = { 0 };
    if (promql_parse((const char *)q->p, q->n, a, root, &e)) {
        fail(resp, LOUPE_EINVAL, e.msg);
        return 1;
    }
    return 0;
}

static int timeout_param(http_req *req, http_resp *resp, prom_api_ctx *ctx, promql_opts *o)
{
    buf v = BUF_INIT;
    *o = ctx->opts;
    int rc = 0;
    if (http_param(req, "timeout", &v) && v.n) {
        int64_t ms;
        if (parse_duration_ms(buf_slice(&v), &ms)) {
            bad(resp, "invalid parameter \"timeout\": cannot parse \"%s\" to a valid duration", (const char *)v.p);
            rc = 1;
        } else if (ms > 0 && ms < o->timeout_ms) {
            o->timeout_ms = ms;
        }
    }
    buf_free(&v);
    return rc;
}

static void count_query(const char *kind, int64_t t0)
{
    char l[64];
    snprintf(l, sizeof l, "kind=\"%s\"", kind);
    metrics_add("loupe_promql_queries_total", l, 1);
    metrics_add("loupe_promql_query_seconds_total", l, (double)(now_ms() - t0) / 1000);
}

int api_query(void *vctx, http_req *req, http_resp *resp)
{
    prom_api_ctx *ctx = vctx;
    int64_t t0 = now_ms();
    arena *a = arena_create(1u << 20);
    buf q = BUF_INIT, tv = BUF_INIT;
    ast *root = NULL;
    int rc = 0;
    if (!a)
        return LOUPE_ENOMEM;
    int64_t t = now_ms();
    if (http_param(req, "time", &tv) && tv.n && parse_time_ms(buf_slice(&tv), &t)) {
        bad(resp, "invalid parameter \"time\": cannot parse \"%s\" to a valid timestamp", (const char *)tv.p);
        goto done;
    }
    promql_opts o;
    if (timeout_param(req, resp, ctx, &o) || parse(req, resp, a, &q, &root))
        goto done;
    qresult res;
    err_ctx e = { 0 };
    if ((rc = promql_eval(ctx->st, root, t, t, 1, &o, a, &res, &e))) {
        fail(resp, rc, e.msg);
        rc = 0;
        goto done;
    }
    buf *b = &resp->body;
    resp->status = 200;
    resp->content_type = "application/json";
    b->n = 0;
    rc = buf_puts(b, "{\"status\":\"success\",\"data\":{\"resultType\":");
    switch (res.type) {
    case VT_SCALAR:
        rc = rc || buf_puts(b, "\"scalar\",\"result\":") || write_point(b, t, res.series[0].v[0]);
        break;
    case VT_STRING:
        rc = rc || buf_puts(b, "\"string\",\"result\":[") || prom_write_time(b, t) || buf_putc(b, ',') ||
             json_str(b, res.str) || buf_putc(b, ']');
        break;
    case VT_MATRIX:
        rc = rc || buf_puts(b, "\"matrix\",\"result\":") || write_matrix(b, &res);
        break;
    default:
        rc = rc || buf_puts(b, "\"vector\",\"result\":[");
        for (size_t k = 0; k < res.n && !rc; k++)
            rc = (k && buf_putc(b, ',')) || buf_puts(b, "{\"metric\":") || write_labels(b, res.series[k].lab) ||
                 buf_puts(b, ",\"value\":") || write_point(b, t, res.series[k].v[0]) || buf_putc(b, '}');
        rc = rc || buf_putc(b, ']');
    }
    rc = rc || buf_puts(b, "}}");
    count_query("instant", t0);
done:
    if (root)
        ast_free_matchers(root);
    arena_destroy(a);
    buf_free(&q);
    buf_free(&tv);
    return rc;
}

static int cmp_series(const void *x, const void *y)
{
    return lab_compare(((const qseries *)x)->lab, ((const qseries *)y)->lab);
}

int api_query_range(void *vctx, http_req *req, http_resp *resp)
{
    prom_api_ctx *ctx = vctx;
    int64_t t0 = now_ms();
    arena *a = arena_create(1u << 20);
    buf q = BUF_INIT, v = BUF_INIT;
    ast *root = NULL;
    int rc = 0;
    if (!a)
        return LOUPE_ENOMEM;
    int64_t start, end, step;
    if (!http_param(req, "start", &v) || parse_time_ms(buf_slice(&v), &start)) {
        bad(resp, "invalid parameter \"start\": cannot parse \"%s\" to a valid timestamp", v.n ? (const char *)v.p : "");
        goto done;
    }
    if (!http_param(req, "end", &v) || parse_time_ms(buf_slice(&v), &end)) {
        bad(resp, "invalid parameter \"end\": cannot parse \"%s\" to a valid timestamp", v.n ? (const char *)v.p : "");
        goto done;
    }
    if (end < start) {
        bad(resp, "%s", "invalid parameter \"end\": end timestamp must not be before start time");
        goto done;
    }
    if (!http_param(req, "step", &v) || parse_duration_ms(buf_slice(&v), &step)) {
        bad(resp, "invalid parameter \"step\": cannot parse \"%s\" to a valid duration", v.n ? (const char *)v.p : "");
        goto done;
    }
    if (step <= 0) {
        bad(resp, "%s", "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer");
        goto done;
    }
    if ((end - start) / step > MAX_POINTS_PER_SERIES) {
        bad(resp, "%s", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
        goto done;
    }
    promql_opts o;
    if (timeout_param(req, resp, ctx, &o) || parse(req, resp, a, &q, &root))
        goto done;
    if (root->type != VT_SCALAR && root->type != VT_VECTOR) {
        bad(resp, "invalid expression type \"%s\" for range query, must be Scalar or instant Vector",
            root->type == VT_MATRIX ? "range vector" : "string");
        goto done;
    }
    qresult res;
    err_ctx e = { 0 };
    if ((rc = promql_eval(ctx->st, root, start, end, step, &o, a, &res, &e))) {
        fail(resp, rc, e.msg);
        rc = 0;
        goto done;
    }
    sort_array(res.series, res.n, sizeof *res.series, cmp_series);
    buf *b = &resp->body;
    resp->status = 200;
    resp->content_type = "application/json";
    b->n = 0;
    rc = buf_puts(b, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":") ||
         write_matrix(b, &res) || buf_puts(b, "}}");
    count_query("range", t0);
done:
    if (root)
        ast_free_matchers(root);
    arena_destroy(a);
    buf_free(&q);
    buf_free(&v);
    return rc;
}
