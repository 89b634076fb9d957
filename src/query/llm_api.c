/* llm_api.c - LLM call search, one call with its full text, top-N
 * aggregations: parameters validated here, rows from the records store. */
#include "query/llm_api.h"
#include "query/records_json.h"
#include "util/json.h"
#include "util/timeparse.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILTER_BYTES 1024
#define MAX_Q_BYTES 4096
#define MAX_CURSOR_BYTES 1024
#define DEFAULT_CALLS_LIMIT 50
#define DEFAULT_TOP_LIMIT 10
#define MAX_LIMIT 1000

/* ------------------------------------------------------------ errors */

/* Writes a 400 bad_data answer; returns LOUPE_EINVAL (the caller stops and
 * answers 0), or LOUPE_ENOMEM. */
static int bad(http_resp *resp, const char *fmt, const char *a)
{
    char msg[300];
    snprintf(msg, sizeof msg, fmt, a);
    return http_resp_prom_error(resp, 400, "bad_data", msg) ? LOUPE_ENOMEM : LOUPE_EINVAL;
}

/* A handler's return once the response is written: only OOM is an error. */
static int answered(int rc) { return rc == LOUPE_EINVAL ? 0 : rc; }

/* A records store error as the response; 0 or LOUPE_ENOMEM. */
static int fail(http_resp *resp, int rc, const err_ctx *e)
{
    const char *type;
    int status;
    switch (rc) {
    case LOUPE_ENOMEM: return rc;
    case LOUPE_EINVAL: type = "bad_data", status = 400; break;
    case LOUPE_ENOTFOUND: type = "not_found", status = 404; break;
    case LOUPE_EBUSY:
    case LOUPE_ECANCELED:
    case LOUPE_ETIMEOUT: type = "unavailable", status = 503; break;
    default: type = "internal", status = 500;
    }
    return http_resp_prom_error(resp, status, type, e && e->msg[0] ? e->msg : loupe_strerror(rc)) ? LOUPE_ENOMEM : 0;
}

/* ------------------------------------------------------------ parameters */

/* A text parameter of at most max bytes; empty when absent.  Values must be
 * UTF-8 (they are matched against stored UTF-8 and echoed in errors). */
static int text_param(http_req *req, http_resp *resp, const char *name, size_t max, buf *out)
{
    http_param(req, name, out);
    if (out->n > max) {
        char m[64];
        snprintf(m, sizeof m, "%zu", max);
        char fmt[128];
        snprintf(fmt, sizeof fmt, "invalid parameter \"%s\": longer than %%s bytes", name);
        return bad(resp, fmt, m);
    }
    return 0;
}

static int64_t ms_to_ns(int64_t ms)
{
    if (ms > INT64_MAX / 1000000)
        return INT64_MAX;
    if (ms < 0)
        return 0; /* nothing was recorded before 1970 */
    return ms * 1000000;
}

/* start/end (RFC 3339 or unix seconds); all time when absent. */
static int time_range(http_req *req, http_resp *resp, int64_t *start_ns, int64_t *end_ns)
{
    static const char *const names[2] = { "start", "end" };
    int64_t *outs[2] = { start_ns, end_ns };
    buf v = BUF_INIT;
    int rc = 0;
    *start_ns = 0;
    *end_ns = INT64_MAX;
    for (int i = 0; i < 2 && !rc; i++) {
        int64_t ms;
        if (!http_param(req, names[i], &v) || v.n == 0)
            continue;
        if (v.n > 64 || parse_time_ms(buf_slice(&v), &ms)) {
            char fmt[128];
            snprintf(fmt, sizeof fmt, "invalid parameter \"%s\": cannot parse \"%%.64s\" to a valid timestamp",
                     names[i]);
            rc = bad(resp, fmt, (const char *)v.p);
        } else {
            *outs[i] = ms_to_ns(ms);
        }
    }
    if (!rc && *end_ns < *start_ns)
        rc = bad(resp, "invalid parameter \"end\": end timestamp must not be before start time%s", "");
    buf_free(&v);
    return rc;
}

static int limit_param(http_req *req, http_resp *resp, size_t def, size_t *out)
{
    buf v = BUF_INIT;
    int rc = 0;
    *out = def;
    if (http_param(req, "limit", &v) && v.n) {
        char *end;
        errno = 0;
        long long x = v.p[0] >= '0' && v.p[0] <= '9' ? strtoll((const char *)v.p, &end, 10) : -1;
        if (x < 1 || x > MAX_LIMIT || errno || *end)
            rc = bad(resp, "invalid parameter \"limit\": must be an integer from 1 to 1000, got \"%.40s\"",
                     (const char *)v.p);
        else
            *out = (size_t)x;
    }
    buf_free(&v);
    return rc;
}

static int cost_param(http_req *req, http_resp *resp, const char *name, double *out)
{
    buf v = BUF_INIT;
    int rc = 0;
    *out = NAN;
    if (http_param(req, name, &v) && v.n) {
        char *end = NULL;
        double x = v.n <= 64 && v.p[0] && strchr("0123456789.-+", v.p[0]) ? strtod((const char *)v.p, &end) : NAN;
        if (!isfinite(x) || !end || *end || end == (char *)v.p) {
            char fmt[128];
            snprintf(fmt, sizeof fmt, "invalid parameter \"%s\": not a number: \"%%.40s\"", name);
            rc = bad(resp, fmt, (const char *)v.p);
        } else {
            *out = x;
        }
    }
    buf_free(&v);
    return rc;
}

/* ------------------------------------------------------------ one call */

enum { CALL_LIST, CALL_DETAIL };

/* Prompt and completion text is untrusted: never let a browser sniff a
 * response that carries it as HTML. */
static void untrusted(http_resp *resp) { http_resp_header(resp, "X-Content-Type-Options", "nosniff"); }

static int str_or_null(buf *b, slice s) { return s.n ? json_str(b, s) : buf_puts(b, "null"); }

static int tokens(buf *b, const char *key, int64_t v)
{
    return buf_printf(b, ",\"%s\":", key) || (v >= 0 ? json_int(b, v) : buf_puts(b, "null"));
}

static int time_or_null(buf *b, int64_t ns)
{
    char t[40];
    if (ns <= 0)
        return buf_puts(b, "null");
    int64_t ms = ns / 1000000;
    format_rfc3339_ms(t, sizeof t, ms);
    return buf_printf(b, "\"%s\"", t);
}

static int id_or_null(buf *b, const uint8_t *id, size_t n)
{
    char h[33];
    if (bytes_zero(id, n))
        return buf_puts(b, "null");
    hex_encode(id, n, h);
    return buf_printf(b, "\"%s\"", h);
}

/* Stored JSON spliced in as a value when it is well-formed and of the kind
 * expected, else `fallback` (never malformed output). */
static int raw_json(buf *b, slice s, rjson_kind want, const char *fallback)
{
    if (s.n && rjson_kind_of(s) == want)
        return buf_append(b, s.p, s.n);
    return buf_puts(b, fallback);
}

static int write_call(buf *b, const rec_call_row *row, int mode, int with_q)
{
    const rec_call *c = &row->c;
    static const char *const sources[] = { NULL, "span", "price_table" };
    const char *src = c->cost_source >= 1 && c->cost_source <= 2 ? sources[c->cost_source] : NULL;
    int rc = buf_printf(b, "{\"id\":%lld,\"trace_id\":", (long long)row->id) || id_or_null(b, c->trace_id, 16) ||
             buf_puts(b, ",\"span_id\":") || id_or_null(b, c->span_id, 8) || buf_puts(b, ",\"time\":") ||
             time_or_null(b, c->start_ns) || buf_puts(b, ",\"end_time\":") || time_or_null(b, c->end_ns);
    const struct {
        const char *key;
        slice v;
    } strs[] = { { "service", c->service }, { "user_id", c->user_id },   { "session_id", c->session_id },
                 { "provider", c->provider }, { "model", c->model },     { "route", c->route },
                 { "template", c->template_name } };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0] && !rc; i++)
        rc = buf_printf(b, ",\"%s\":", strs[i].key) || str_or_null(b, strs[i].v);
    rc = rc || buf_printf(b, ",\"status\":\"%s\",\"error\":", c->status == REC_STATUS_ERROR ? "error" : "ok") ||
         str_or_null(b, c->error) || tokens(b, "input_tokens", c->input_tokens) ||
         tokens(b, "output_tokens", c->output_tokens) || tokens(b, "cached_input_tokens", c->cached_input_tokens) ||
         tokens(b, "cache_write_tokens", c->cache_write_tokens) ||
         tokens(b, "reasoning_tokens", c->reasoning_tokens) || buf_puts(b, ",\"cost_usd\":") ||
         json_float(b, c->cost_usd) || buf_puts(b, ",\"cost_source\":") ||
         (src && isfinite(c->cost_usd) ? buf_printf(b, "\"%s\"", src) : buf_puts(b, "null")) ||
         buf_puts(b, ",\"latency_ms\":") || json_float(b, c->latency_ms) || buf_puts(b, ",\"ttft_ms\":") ||
         json_float(b, c->ttft_ms) || buf_puts(b, ",\"finish_reason\":") || str_or_null(b, c->finish_reason);
    if (mode == CALL_LIST) {
        rc = rc || buf_puts(b, ",\"prompt_preview\":") || str_or_null(b, row->prompt_preview) ||
             buf_puts(b, ",\"completion_preview\":") || str_or_null(b, row->completion_preview);
        if (with_q) {
            rc = rc || buf_puts(b, ",\"snippet\":") || str_or_null(b, row->snippet) ||
                 buf_puts(b, ",\"highlights\":[");
            for (size_t i = 0; i < row->nhighlights && !rc; i++)
                rc = buf_printf(b, "%s[%u,%u]", i ? "," : "", (unsigned)row->highlights[i][0],
                                (unsigned)row->highlights[i][1]);
            rc = rc || buf_putc(b, ']');
        }
    } else {
        rc = rc || buf_puts(b, ",\"prompt\":") || str_or_null(b, c->prompt) || buf_puts(b, ",\"completion\":") ||
             str_or_null(b, c->completion) || buf_puts(b, ",\"messages\":") ||
             raw_json(b, c->messages_json, RJ_ARRAY, "null") || buf_puts(b, ",\"attributes\":") ||
             raw_json(b, row->attrs_json, RJ_OBJECT, "{}");
    }
    return rc || buf_putc(b, '}') ? LOUPE_ENOMEM : 0;
}

/* ------------------------------------------------------------ /api/v1/llm/calls */

typedef struct list_ctx {
    buf *b;
    size_t n;
    int with_q;
} list_ctx;

static int on_call(void *vctx, const rec_call_row *row)
{
    list_ctx *l = vctx;
    if (l->n++ && buf_putc(l->b, ','))
        return LOUPE_ENOMEM;
    return write_call(l->b, row, CALL_LIST, l->with_q);
}

/* The string filters, each a parameter and a slice of rec_call_query. */
static const struct {
    const char *name;
    size_t off;
} call_filters[] = {
    { "user_id", offsetof(rec_call_query, user_id) },   { "session_id", offsetof(rec_call_query, session_id) },
    { "service", offsetof(rec_call_query, service) },   { "model", offsetof(rec_call_query, model) },
    { "route", offsetof(rec_call_query, route) },       { "provider", offsetof(rec_call_query, provider) },
    { "template", offsetof(rec_call_query, template_name) },
};
#define NFILTERS (sizeof call_filters / sizeof call_filters[0])

/* Parses every parameter into q (strings borrowed from vals / qtext /
 * cursor).  0, or LOUPE_EINVAL with the response written. */
static int parse_calls(http_req *req, http_resp *resp, rec_call_query *q, buf *vals, buf *qtext, buf *cursor)
{
    buf v = BUF_INIT;
    int rc = 0;
    memset(q, 0, sizeof *q);
    for (size_t i = 0; i < NFILTERS && !rc; i++) {
        rc = text_param(req, resp, call_filters[i].name, MAX_FILTER_BYTES, &vals[i]);
        *(slice *)((char *)q + call_filters[i].off) = buf_slice(&vals[i]);
    }
    rc = rc ? rc : text_param(req, resp, "q", MAX_Q_BYTES, qtext);
    rc = rc ? rc : text_param(req, resp, "cursor", MAX_CURSOR_BYTES, cursor);
    rc = rc ? rc : text_param(req, resp, "trace_id", 64, &v);
    if (!rc && v.n) {
        if (hex_id_parse(buf_slice(&v), q->trace_id, 16))
            rc = bad(resp, "invalid parameter \"trace_id\": not a trace id of up to 32 hex digits: \"%s\"",
                     (const char *)v.p);
        q->has_trace_id = 1;
    }
    rc = rc ? rc : text_param(req, resp, "status", 16, &v);
    if (!rc && v.n) {
        if (slice_eq_cstr(buf_slice(&v), "ok"))
            q->status = REC_STATUS_OK;
        else if (slice_eq_cstr(buf_slice(&v), "error"))
            q->status = REC_STATUS_ERROR;
        else
            rc = bad(resp, "invalid parameter \"status\": must be ok or error, got \"%s\"", (const char *)v.p);
    }
    rc = rc ? rc : time_range(req, resp, &q->start_ns, &q->end_ns);
    rc = rc ? rc : cost_param(req, resp, "min_cost", &q->min_cost);
    rc = rc ? rc : cost_param(req, resp, "max_cost", &q->max_cost);
    if (!rc && !isnan(q->min_cost) && !isnan(q->max_cost) && q->max_cost < q->min_cost)
        rc = bad(resp, "invalid parameter \"max_cost\": must not be below min_cost%s", "");
    rc = rc ? rc : limit_param(req, resp, DEFAULT_CALLS_LIMIT, &q->limit);
    q->q = buf_slice(qtext);
    q->cursor = buf_slice(cursor);
    buf_free(&v);
    return rc;
}

int llm_calls(void *vctx, http_req *req, http_resp *resp)
{
    llm_api_ctx *ctx = vctx;
    buf vals[NFILTERS], qtext = BUF_INIT, cursor = BUF_INIT, next = BUF_INIT;
    rec_call_query q;
    err_ctx e = { 0 };
    for (size_t i = 0; i < NFILTERS; i++)
        vals[i] = (buf)BUF_INIT;
    int rc = parse_calls(req, resp, &q, vals, &qtext, &cursor);
    if (rc) {
        rc = answered(rc);
        goto done;
    }
    buf *b = &resp->body;
    untrusted(resp);
    resp->status = 200;
    resp->content_type = "application/json";
    b->n = 0;
    list_ctx l = { b, 0, q.q.n > 0 };
    if (buf_puts(b, "{\"status\":\"success\",\"calls\":[")) {
        rc = LOUPE_ENOMEM;
        goto done;
    }
    if ((rc = records_calls(ctx->rec, &q, on_call, &l, &next, &e))) {
        rc = fail(resp, rc, &e);
        goto done;
    }
    rc = buf_puts(b, "],\"next_cursor\":") || str_or_null(b, buf_slice(&next)) || buf_putc(b, '}') ? LOUPE_ENOMEM : 0;
done:
    for (size_t i = 0; i < NFILTERS; i++)
        buf_free(&vals[i]);
    buf_free(&qtext);
    buf_free(&cursor);
    buf_free(&next);
    return rc;
}

/* ------------------------------------------------------------ /api/v1/llm/calls/<id> */

typedef struct one_ctx {
    buf *b;
    int found;
} one_ctx;

static int on_one(void *vctx, const rec_call_row *row)
{
    one_ctx *o = vctx;
    if (o->found++)
        return 0;
    return write_call(o->b, row, CALL_DETAIL, 0);
}

int llm_call(void *vctx, http_req *req, http_resp *resp)
{
    llm_api_ctx *ctx = vctx;
    slice s = req->path_rest;
    int64_t id = 0;
    if (s.n && s.p[s.n - 1] == '/')
        s.n--;
    int ok = s.n > 0 && s.n <= 18 && s.p[0] != '0';
    for (size_t i = 0; i < s.n && ok; i++) {
        ok = s.p[i] >= '0' && s.p[i] <= '9';
        id = id * 10 + (s.p[i] - '0');
    }
    if (!ok) {
        char tmp[72];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(s.n < 64 ? s.n : 64), (const char *)s.p);
        return answered(bad(resp, "invalid call id \"%s\": expected a positive integer", tmp));
    }
    err_ctx e = { 0 };
    one_ctx o = { &resp->body, 0 };
    untrusted(resp);
    resp->status = 200;
    resp->content_type = "application/json";
    resp->body.n = 0;
    int rc = records_call_get(ctx->rec, id, on_one, &o, &e);
    if (!rc && !o.found)
        rc = err_set(&e, LOUPE_ENOTFOUND, "call %lld not found", (long long)id);
    if (rc == LOUPE_ENOTFOUND && !e.msg[0])
        err_set(&e, LOUPE_ENOTFOUND, "call %lld not found", (long long)id);
    return rc ? fail(resp, rc, &e) : 0;
}

/* ------------------------------------------------------------ /api/v1/llm/top */

typedef struct top_ctx {
    buf *b;
    size_t n;
} top_ctx;

static int on_top(void *vctx, const rec_top_row *r)
{
    top_ctx *t = vctx;
    buf *b = t->b;
    /* a group whose calls all lack a price has no cost, not a zero one */
    double cost = r->calls && r->unpriced == r->calls ? NAN : r->cost_usd;
    return (t->n++ && buf_putc(b, ',')) || buf_puts(b, "{\"key\":") || str_or_null(b, r->key) ||
                   buf_printf(b, ",\"calls\":%llu,\"errors\":%llu,\"unpriced\":%llu,\"input_tokens\":%lld,"
                                 "\"output_tokens\":%lld,\"cached_input_tokens\":%lld,\"cost_usd\":",
                              (unsigned long long)r->calls, (unsigned long long)r->errors,
                              (unsigned long long)r->unpriced, (long long)r->input_tokens,
                              (long long)r->output_tokens, (long long)r->cached_input_tokens) ||
                   json_float(b, cost) || buf_putc(b, '}')
               ? LOUPE_ENOMEM
               : 0;
}

int llm_top(void *vctx, http_req *req, http_resp *resp)
{
    static const struct {
        const char *name;
        rec_top_by by;
    } bys[] = { { "user", REC_BY_USER },   { "template", REC_BY_TEMPLATE }, { "model", REC_BY_MODEL },
                { "route", REC_BY_ROUTE }, { "provider", REC_BY_PROVIDER }, { "service", REC_BY_SERVICE } };
    static const char *const metrics[] = { "cost", "tokens", "calls" };
    llm_api_ctx *ctx = vctx;
    buf byv = BUF_INIT, metv = BUF_INIT, model = BUF_INIT, route = BUF_INIT;
    rec_top_by by = REC_BY_MODEL;
    const char *metric = "cost";
    int64_t start, end;
    size_t limit;
    err_ctx e = { 0 };
    int rc = text_param(req, resp, "by", 32, &byv);
    rc = rc ? rc : text_param(req, resp, "metric", 32, &metv);
    rc = rc ? rc : text_param(req, resp, "model", MAX_FILTER_BYTES, &model);
    rc = rc ? rc : text_param(req, resp, "route", MAX_FILTER_BYTES, &route);
    rc = rc ? rc : time_range(req, resp, &start, &end);
    rc = rc ? rc : limit_param(req, resp, DEFAULT_TOP_LIMIT, &limit);
    if (!rc && byv.n) {
        size_t i = 0;
        while (i < sizeof bys / sizeof bys[0] && !slice_eq_cstr(buf_slice(&byv), bys[i].name))
            i++;
        if (i < sizeof bys / sizeof bys[0])
            by = bys[i].by;
        else
            rc = bad(resp,
                     "invalid parameter \"by\": must be user, template, model, route, provider or service, got \"%s\"",
                     (const char *)byv.p);
    }
    if (!rc && metv.n) {
        size_t i = 0;
        while (i < 3 && !slice_eq_cstr(buf_slice(&metv), metrics[i]))
            i++;
        if (i < 3)
            metric = metrics[i];
        else
            rc = bad(resp, "invalid parameter \"metric\": must be cost, tokens or calls, got \"%s\"",
                     (const char *)metv.p);
    }
    if (rc) {
        rc = answered(rc);
        goto done;
    }
    top_ctx t = { &resp->body, 0 };
    resp->status = 200;
    resp->content_type = "application/json";
    resp->body.n = 0;
    if (buf_puts(&resp->body, "{\"status\":\"success\",\"data\":[")) {
        rc = LOUPE_ENOMEM;
        goto done;
    }
    if ((rc = records_top(ctx->rec, by, metric, start, end, buf_slice(&model), buf_slice(&route), limit, on_top, &t,
                          &e)))
        rc = fail(resp, rc, &e);
    else
        rc = buf_puts(&resp->body, "]}") ? LOUPE_ENOMEM : 0;
done:
    buf_free(&byv);
    buf_free(&metv);
    buf_free(&model);
    buf_free(&route);
    return rc;
}
