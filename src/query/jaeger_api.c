/* jaeger_api.c - the Jaeger query API: services, operations, trace by id,
 * trace search; spans and logs of the records store in Jaeger's JSON. */
#include "query/jaeger_api.h"
#include "query/jaeger_int.h"
#include "query/records_json.h"
#include "util/arena.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/sort.h"
#include "util/timeparse.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAM_BYTES 1024      /* service, operation, one tag key or value */
#define MAX_TAGS_PARAM_BYTES 8192 /* the whole tags= value */
#define MAX_TAGS 32
#define MAX_TRACE_IDS 100         /* traceID= parameters of one search */
#define DEFAULT_LIMIT 20          /* the Jaeger UI's and Grafana's default */
#define MAX_LIMIT 1000
#define DEFAULT_MAX_RESPONSE (64u << 20)
/* Jaeger's default --query.lookback when a search has no start */
#define DEFAULT_LOOKBACK_NS (2LL * 86400 * 1000000000)

/* ------------------------------------------------------------ envelope */

static int begin_data(http_resp *resp)
{
    resp->status = 200;
    resp->content_type = "application/json";
    resp->body.n = 0;
    return buf_puts(&resp->body, "{\"data\":");
}

static int end_data(http_resp *resp, size_t total)
{
    return buf_printf(&resp->body, ",\"total\":%zu,\"limit\":0,\"offset\":0,\"errors\":null}", total);
}

/* Jaeger's structured error; 0, or LOUPE_ENOMEM (the server then answers 500). */
static int jerror(http_resp *resp, int status, const char *msg)
{
    resp->status = status;
    resp->content_type = "application/json";
    resp->body.n = 0;
    buf *b = &resp->body;
    int rc = buf_puts(b, "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[") ||
             buf_printf(b, "{\"code\":%d,\"msg\":", status) || json_cstr(b, msg) || buf_puts(b, "}]}");
    return rc ? LOUPE_ENOMEM : 0;
}

static int jfail(http_resp *resp, int rc, const err_ctx *e)
{
    if (rc == LOUPE_ENOMEM)
        return rc;
    return jerror(resp, http_status_for(rc), e && e->msg[0] ? e->msg : loupe_strerror(rc));
}

/* A string parameter of at most max bytes (empty when absent).  0, or
 * LOUPE_EINVAL with the error response written. */
static int str_param(http_req *req, http_resp *resp, const char *name, size_t max, buf *out)
{
    http_param(req, name, out);
    if (out->n > max) {
        char m[160];
        snprintf(m, sizeof m, "parameter '%s' is longer than %zu bytes", name, max);
        jerror(resp, 400, m);
        return LOUPE_EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------ services, operations */

typedef struct names_ctx {
    buf *b;
    size_t n;
    buf prev;          /* operations come once per kind: skip repeated names */
    const char *kind;  /* operations_v2: only this span kind (NULL: any) */
    int v2;
} names_ctx;

static int on_service(void *vctx, slice s)
{
    names_ctx *c = vctx;
    return (c->n++ && buf_putc(c->b, ',')) || json_str(c->b, s) ? LOUPE_ENOMEM : 0;
}

static int on_operation(void *vctx, slice name, int kind)
{
    names_ctx *c = vctx;
    if (c->v2) {
        if (c->kind && strcmp(c->kind, jaeger_kind_name(kind)) != 0)
            return 0;
        int rc = (c->n++ && buf_putc(c->b, ',')) || buf_puts(c->b, "{\"name\":") || json_str(c->b, name) ||
                 buf_puts(c->b, ",\"spanKind\":") || json_cstr(c->b, jaeger_kind_name(kind)) || buf_putc(c->b, '}');
        return rc ? LOUPE_ENOMEM : 0;
    }
    if (c->n && slice_eq(buf_slice(&c->prev), name))
        return 0;
    c->prev.n = 0;
    return buf_append(&c->prev, name.p, name.n) || (c->n++ && buf_putc(c->b, ',')) || json_str(c->b, name)
               ? LOUPE_ENOMEM
               : 0;
}

int jaeger_services(void *vctx, http_req *req, http_resp *resp)
{
    jaeger_api_ctx *ctx = vctx;
    err_ctx e = { 0 };
    names_ctx c = { &resp->body, 0, BUF_INIT, NULL, 0 };
    int rc = begin_data(resp) || buf_putc(&resp->body, '[') ? LOUPE_ENOMEM : 0;
    if (!rc && (rc = records_services(ctx->rec, on_service, &c, &e)))
        return jfail(resp, rc, &e);
    return rc || buf_putc(&resp->body, ']') || end_data(resp, c.n) ? LOUPE_ENOMEM : 0;
}

static int write_operations(jaeger_api_ctx *ctx, http_resp *resp, slice service, names_ctx *c)
{
    err_ctx e = { 0 };
    c->b = &resp->body;
    int rc = begin_data(resp) || buf_putc(&resp->body, '[') ? LOUPE_ENOMEM : 0;
    if (!rc && (rc = records_operations(ctx->rec, service, on_operation, c, &e)))
        rc = jfail(resp, rc, &e);
    else
        rc = rc || buf_putc(&resp->body, ']') || end_data(resp, c->n) ? LOUPE_ENOMEM : 0;
    buf_free(&c->prev);
    return rc;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decoding of a path segment: unlike a query string, '+' is a plus. */
static int path_decode(slice s, buf *out)
{
    for (size_t i = 0; i < s.n; i++) {
        uint8_t c = s.p[i];
        if (c == '%' && i + 2 < s.n && hexval(s.p[i + 1]) >= 0 && hexval(s.p[i + 2]) >= 0) {
            c = (uint8_t)(hexval(s.p[i + 1]) << 4 | hexval(s.p[i + 2]));
            i += 2;
        }
        if (buf_putc(out, c))
            return LOUPE_ENOMEM;
    }
    return 0;
}

int jaeger_operations(void *vctx, http_req *req, http_resp *resp)
{
    static const char suffix[] = "/operations";
    const size_t sl = sizeof suffix - 1;
    slice rest = req->path_rest;
    if (rest.n <= sl || memcmp(rest.p + rest.n - sl, suffix, sl) != 0)
        return jerror(resp, 404, "not found: expected /api/services/<service>/operations");
    buf svc = BUF_INIT;
    names_ctx c = { NULL, 0, BUF_INIT, NULL, 0 };
    int rc = path_decode(slice_make(rest.p, rest.n - sl), &svc);
    if (!rc && svc.n > MAX_PARAM_BYTES)
        rc = jerror(resp, 400, "service name is longer than 1024 bytes");
    else if (!rc)
        rc = write_operations(vctx, resp, buf_slice(&svc), &c);
    buf_free(&svc);
    return rc;
}

int jaeger_operations_v2(void *vctx, http_req *req, http_resp *resp)
{
    buf svc = BUF_INIT, kind = BUF_INIT;
    names_ctx c = { NULL, 0, BUF_INIT, NULL, 1 };
    int rc = 0;
    if (str_param(req, resp, "service", MAX_PARAM_BYTES, &svc) || str_param(req, resp, "spanKind", 32, &kind))
        goto done;
    if (svc.n == 0) {
        rc = jerror(resp, 400, "parameter 'service' is required");
        goto done;
    }
    if (kind.n) {
        buf_cstr(&kind);
        for (int k = 0; k <= 5 && !c.kind; k++)
            if (strcmp((const char *)kind.p, jaeger_kind_name(k)) == 0)
                c.kind = jaeger_kind_name(k);
        if (!c.kind) {
            rc = jerror(resp, 400, "unsupported span kind: expected server, client, producer, consumer or internal");
            goto done;
        }
    }
    rc = write_operations(vctx, resp, buf_slice(&svc), &c);
done:
    buf_free(&svc);
    buf_free(&kind);
    return rc;
}

int jaeger_dependencies(void *vctx, http_req *req, http_resp *resp)
{
    return begin_data(resp) || buf_puts(&resp->body, "[]") || end_data(resp, 0) ? LOUPE_ENOMEM : 0;
}

static int bad_trace_id(http_resp *resp, slice s)
{
    char m[200];
    snprintf(m, sizeof m, "cannot parse traceID param: \"%.*s\" is not a trace id of up to 32 hex digits",
             (int)(s.n < 64 ? s.n : 64), (const char *)s.p);
    return jerror(resp, 400, m);
}

int jaeger_trace(void *vctx, http_req *req, http_resp *resp)
{
    jaeger_api_ctx *ctx = vctx;
    slice rest = req->path_rest;
    if (rest.n && rest.p[rest.n - 1] == '/')
        rest.n--;
    if (rest.n == 0)
        return jaeger_find_traces(vctx, req, resp);
    uint8_t id[1][16];
    if (hex_id_parse(rest, id[0], 16))
        return bad_trace_id(resp, rest);
    err_ctx e = { 0 };
    size_t total = 0;
    int rc = begin_data(resp) ? LOUPE_ENOMEM
                              : jaeger_write_traces(ctx->rec, ctx->max_trace_spans, 0, &resp->body,
                                                    (const uint8_t(*)[16])id, 1, &total, &e);
    if (rc)
        return jfail(resp, rc, &e);
    if (!total)
        return jerror(resp, 404, "trace not found");
    return end_data(resp, total) ? LOUPE_ENOMEM : 0;
}

/* ------------------------------------------------------------ trace search */

int jaeger_parse_duration_ns(slice s, int64_t *ns)
{
    /* Go's time.ParseDuration */
    static const struct {
        const char *u;
        int64_t ns;
    } units[] = { { "ns", 1 },          { "us", 1000 },        { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 },
                  { "ms", 1000000 },    { "s", 1000000000LL }, { "m", 60000000000LL }, { "h", 3600000000000LL } };
    size_t i = 0;
    int neg = 0;
    if (i < s.n && (s.p[i] == '-' || s.p[i] == '+'))
        neg = s.p[i++] == '-';
    if (s.n - i == 1 && s.p[i] == '0') {
        *ns = 0;
        return 0;
    }
    if (i == s.n)
        return -1;
    double total = 0;
    while (i < s.n) {
        uint64_t whole = 0;
        double frac = 0, scale = 1;
        size_t d0 = i;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
            if (whole > (UINT64_MAX - 9) / 10)
                return -1;
            whole = whole * 10 + (s.p[i++] - '0');
        }
        int nd = (int)(i - d0);
        if (i < s.n && s.p[i] == '.') {
            i++;
            while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
                frac = frac * 10 + (s.p[i++] - '0');
                scale *= 10;
                nd++;
            }
        }
        if (nd == 0)
            return -1;
        size_t u0 = i;
        while (i < s.n && s.p[i] != '.' && (s.p[i] < '0' || s.p[i] > '9'))
            i++;
        slice unit = slice_make(s.p + u0, i - u0);
        int64_t mult = 0;
        for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
            if (slice_eq_cstr(unit, units[k].u))
                mult = units[k].ns;
        if (!mult)
            return -1;
        total += (double)whole * (double)mult + frac / scale * (double)mult;
        if (total > 9.2e18)
            return -1;
    }
    *ns = (int64_t)(neg ? -total : total);
    return 0;
}

typedef struct search {
    arena *a;
    rec_tag tags[MAX_TAGS];
    size_t ntags;
    uint8_t (*ids)[16];
    size_t nids;
    int errors_only;
    char err[256];
} search;

/* Adds key=value (a later value of a key replaces the earlier one, as
 * Jaeger's tag map does); error=true becomes the errors-only filter. */
static int add_tag(search *q, slice k, slice v)
{
    if (k.n == 0) {
        snprintf(q->err, sizeof q->err, "malformed 'tags' parameter: empty key");
        return LOUPE_EINVAL;
    }
    if (k.n > MAX_PARAM_BYTES || v.n > MAX_PARAM_BYTES) {
        snprintf(q->err, sizeof q->err, "a tag key or value is longer than %d bytes", MAX_PARAM_BYTES);
        return LOUPE_EINVAL;
    }
    if ((slice_eq_cstr(k, "error") && slice_eq_cstr(v, "true")) ||
        (slice_eq_cstr(k, "otel.status_code") && slice_eq_cstr(v, "ERROR"))) {
        q->errors_only = 1;
        return 0;
    }
    size_t i = 0;
    while (i < q->ntags && !slice_eq(q->tags[i].key, k))
        i++;
    if (i == MAX_TAGS) {
        snprintf(q->err, sizeof q->err, "too many tags (at most %d)", MAX_TAGS);
        return LOUPE_EINVAL;
    }
    char *kp = arena_strndup(q->a, (const char *)k.p, k.n), *vp = arena_strndup(q->a, (const char *)v.p, v.n);
    if (!kp || !vp)
        return LOUPE_ENOMEM;
    q->tags[i] = (rec_tag){ slice_make(kp, k.n), slice_make(vp, v.n) };
    if (i == q->ntags)
        q->ntags++;
    return 0;
}

/* tags={"k":"v",...} (Grafana, the Jaeger API); numbers and booleans are
 * taken in their text form (Grafana's logfmt parser turns "true" into true). */
static int tags_json(search *q, slice v)
{
    cJSON *j = cJSON_ParseWithLength((const char *)v.p, v.n);
    int rc = 0;
    if (!j || !cJSON_IsObject(j)) {
        snprintf(q->err, sizeof q->err, "malformed 'tags' parameter, cannot unmarshal JSON object");
        rc = LOUPE_EINVAL;
    }
    for (cJSON *it = j ? j->child : NULL; it && !rc; it = it->next) {
        char num[64];
        const char *val = NULL;
        if (cJSON_IsString(it))
            val = it->valuestring;
        else if (cJSON_IsBool(it))
            val = cJSON_IsTrue(it) ? "true" : "false";
        else if (cJSON_IsNumber(it) && fmt_float_f(num, sizeof num, it->valuedouble) > 0)
            val = num;
        if (!val || !it->string) {
            snprintf(q->err, sizeof q->err, "malformed 'tags' parameter: the value of a tag must be a string");
            rc = LOUPE_EINVAL;
        } else {
            rc = add_tag(q, slice_cstr(it->string), slice_cstr(val));
        }
    }
    cJSON_Delete(j);
    return rc;
}

/* tags=k1=v1 k2="v 2" (logfmt, as typed in the Jaeger UI's search form). */
static int tags_logfmt(search *q, slice v)
{
    size_t i = 0;
    buf val = BUF_INIT;
    int rc = 0;
    while (i < v.n && !rc) {
        while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t'))
            i++;
        if (i == v.n)
            break;
        size_t k0 = i;
        while (i < v.n && v.p[i] != '=' && v.p[i] != ' ' && v.p[i] != '\t')
            i++;
        slice key = slice_make(v.p + k0, i - k0);
        val.n = 0;
        if (i < v.n && v.p[i] == '=') {
            i++;
            if (i < v.n && v.p[i] == '"') {
                i++;
                while (i < v.n && v.p[i] != '"' && !rc) {
                    if (v.p[i] == '\\' && i + 1 < v.n)
                        i++;
                    rc = buf_putc(&val, v.p[i++]);
                }
                if (!rc && i >= v.n) {
                    snprintf(q->err, sizeof q->err, "malformed 'tags' parameter: unterminated quoted value");
                    rc = LOUPE_EINVAL;
                }
                i++;
            } else {
                size_t v0 = i;
                while (i < v.n && v.p[i] != ' ' && v.p[i] != '\t')
                    i++;
                rc = buf_append(&val, v.p + v0, i - v0);
            }
        } else {
            rc = buf_puts(&val, "true"); /* logfmt: a bare key is a true flag */
        }
        if (!rc)
            rc = add_tag(q, key, buf_slice(&val));
    }
    buf_free(&val);
    return rc;
}

static int on_tags_param(void *vctx, slice v)
{
    search *q = vctx;
    if (v.n > MAX_TAGS_PARAM_BYTES) {
        snprintf(q->err, sizeof q->err, "parameter 'tags' is longer than %d bytes", MAX_TAGS_PARAM_BYTES);
        return LOUPE_EINVAL;
    }
    size_t i = 0;
    while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == '\n'))
        i++;
    if (i < v.n && v.p[i] == '{')
        return tags_json(q, v);
    return tags_logfmt(q, v);
}

/* tag=key:value (Jaeger's simple form; the value may hold more colons). */
static int on_tag_param(void *vctx, slice v)
{
    search *q = vctx;
    const uint8_t *c = memchr(v.p, ':', v.n);
    if (!c) {
        snprintf(q->err, sizeof q->err, "malformed 'tag' parameter, expecting key:value, received: %.*s",
                 (int)(v.n < 100 ? v.n : 100), (const char *)v.p);
        return LOUPE_EINVAL;
    }
    return add_tag(q, slice_make(v.p, (size_t)(c - v.p)), slice_make(c + 1, v.n - (size_t)(c - v.p) - 1));
}

static int on_trace_id_param(void *vctx, slice v)
{
    search *q = vctx;
    if (q->nids == MAX_TRACE_IDS) {
        snprintf(q->err, sizeof q->err, "too many traceID parameters (at most %d)", MAX_TRACE_IDS);
        return LOUPE_EINVAL;
    }
    if (hex_id_parse(v, q->ids[q->nids], 16)) {
        snprintf(q->err, sizeof q->err, "cannot parse traceID param: \"%.*s\" is not a trace id",
                 (int)(v.n < 64 ? v.n : 64), (const char *)v.p);
        return LOUPE_EINVAL;
    }
    q->nids++;
    return 0;
}

/* An integer parameter (Go's strconv.ParseInt); absent or empty: *present = 0. */
static int int_param(http_req *req, const char *name, buf *tmp, int64_t *v, int *present, char *err, size_t errn)
{
    *present = 0;
    if (!http_param(req, name, tmp) || tmp->n == 0)
        return 0;
    char *end;
    errno = 0;
    long long x = strtoll((const char *)tmp->p, &end, 10);
    if (errno || *end || tmp->n > 24 || tmp->p[0] == ' ') {
        snprintf(err, errn, "unable to parse param '%s': invalid integer \"%.40s\"", name, (const char *)tmp->p);
        return LOUPE_EINVAL;
    }
    *v = x;
    *present = 1;
    return 0;
}

static int dur_param(http_req *req, const char *name, buf *tmp, int64_t *ns, char *err, size_t errn)
{
    *ns = 0;
    if (!http_param(req, name, tmp) || tmp->n == 0)
        return 0;
    if (jaeger_parse_duration_ns(buf_slice(tmp), ns) || *ns < 0) {
        snprintf(err, errn, "unable to parse param '%s': invalid duration \"%.40s\"", name, (const char *)tmp->p);
        return LOUPE_EINVAL;
    }
    return 0;
}

/* µs -> ns, saturating. */
static int64_t us_to_ns(int64_t us)
{
    if (us > INT64_MAX / 1000)
        return INT64_MAX;
    if (us < INT64_MIN / 1000)
        return INT64_MIN;
    return us * 1000;
}

/* Parses the search parameters into rq (strings borrowed from svc/op/user/
 * session/q->a).  0, or LOUPE_EINVAL with q->err set. */
static int parse_search(http_req *req, search *q, rec_trace_query *rq, buf *svc, buf *op, buf *user, buf *session)
{
    buf tmp = BUF_INIT;
    int rc = 0, has_start, has_end, has_limit;
    int64_t start_us = 0, end_us = 0, limit = 0;
    memset(rq, 0, sizeof *rq);
    struct {
        const char *name;
        buf *b;
    } strs[] = { { "service", svc }, { "operation", op }, { "user_id", user }, { "session_id", session } };
    for (size_t i = 0; i < 4 && !rc; i++) {
        http_param(req, strs[i].name, strs[i].b);
        if (strs[i].b->n > MAX_PARAM_BYTES) {
            snprintf(q->err, sizeof q->err, "parameter '%s' is longer than %d bytes", strs[i].name, MAX_PARAM_BYTES);
            rc = LOUPE_EINVAL;
        }
    }
    rc = rc ? rc : http_param_each(req, "tag", on_tag_param, q);
    rc = rc ? rc : http_param_each(req, "tags", on_tags_param, q);
    rc = rc ? rc : http_param_each(req, "traceID", on_trace_id_param, q);
    rc = rc ? rc : int_param(req, "start", &tmp, &start_us, &has_start, q->err, sizeof q->err);
    rc = rc ? rc : int_param(req, "end", &tmp, &end_us, &has_end, q->err, sizeof q->err);
    rc = rc ? rc : int_param(req, "limit", &tmp, &limit, &has_limit, q->err, sizeof q->err);
    rc = rc ? rc : dur_param(req, "minDuration", &tmp, &rq->min_duration_ns, q->err, sizeof q->err);
    rc = rc ? rc : dur_param(req, "maxDuration", &tmp, &rq->max_duration_ns, q->err, sizeof q->err);
    if (rc)
        goto done;
    if (rq->min_duration_ns && rq->max_duration_ns && rq->max_duration_ns < rq->min_duration_ns) {
        snprintf(q->err, sizeof q->err, "'maxDuration' should be greater than 'minDuration'");
        rc = LOUPE_EINVAL;
        goto done;
    }
    rq->end_ns = has_end ? us_to_ns(end_us) : now_ms() * 1000000;
    if (has_start) {
        rq->start_ns = us_to_ns(start_us);
    } else {
        /* the Jaeger UI sends lookback=1h (or "custom" with start/end) */
        int64_t lb_ms, lb_ns = DEFAULT_LOOKBACK_NS;
        if (http_param(req, "lookback", &tmp) && tmp.n && !slice_eq_cstr(buf_slice(&tmp), "custom")) {
            if (parse_promql_duration_ms(buf_slice(&tmp), &lb_ms) || lb_ms > INT64_MAX / 1000000) {
                snprintf(q->err, sizeof q->err, "unable to parse param 'lookback': invalid duration \"%.40s\"",
                         (const char *)tmp.p);
                rc = LOUPE_EINVAL;
                goto done;
            }
            lb_ns = lb_ms * 1000000;
        }
        rq->start_ns = rq->end_ns - lb_ns;
    }
    if (rq->end_ns < rq->start_ns) {
        snprintf(q->err, sizeof q->err, "'end' should not be before 'start'");
        rc = LOUPE_EINVAL;
        goto done;
    }
    if (limit < 0) {
        snprintf(q->err, sizeof q->err, "unable to parse param 'limit': must not be negative");
        rc = LOUPE_EINVAL;
        goto done;
    }
    rq->limit = !has_limit || limit == 0 ? DEFAULT_LIMIT : limit > MAX_LIMIT ? MAX_LIMIT : (size_t)limit;
    rq->service = buf_slice(svc);
    rq->operation = buf_slice(op);
    rq->user_id = buf_slice(user);
    rq->session_id = buf_slice(session);
    rq->tags = q->tags;
    rq->ntags = q->ntags;
    rq->errors_only = q->errors_only;
done:
    buf_free(&tmp);
    return rc;
}

int jaeger_find_traces(void *vctx, http_req *req, http_resp *resp)
{
    jaeger_api_ctx *ctx = vctx;
    search q;
    rec_trace_query rq;
    buf svc = BUF_INIT, op = BUF_INIT, user = BUF_INIT, session = BUF_INIT;
    uint8_t(*found)[16] = NULL;
    size_t nfound = 0, total = 0;
    err_ctx e = { 0 };
    memset(&q, 0, sizeof q);
    q.a = arena_create(16 * 1024);
    q.ids = malloc(MAX_TRACE_IDS * sizeof *q.ids);
    int rc = q.a && q.ids ? 0 : LOUPE_ENOMEM;
    if (rc)
        goto done;
    if ((rc = parse_search(req, &q, &rq, &svc, &op, &user, &session))) {
        rc = rc == LOUPE_EINVAL ? jerror(resp, 400, q.err) : rc;
        goto done;
    }
    /* Jaeger requires a service unless traceIDs are given; loupe also
     * searches every service (its UI finds a user's traces that way). */
    if (q.nids == 0 && (rc = records_find_traces(ctx->rec, &rq, &found, &nfound, &e))) {
        rc = jfail(resp, rc, &e);
        goto done;
    }
    if (begin_data(resp)) {
        rc = LOUPE_ENOMEM;
        goto done;
    }
    size_t max_bytes = ctx->max_response_bytes ? ctx->max_response_bytes : DEFAULT_MAX_RESPONSE;
    if (q.nids)
        rc = jaeger_write_traces(ctx->rec, ctx->max_trace_spans, max_bytes, &resp->body,
                                 (const uint8_t(*)[16])q.ids, q.nids, &total, &e);
    else
        rc = jaeger_write_traces(ctx->rec, ctx->max_trace_spans, max_bytes, &resp->body,
                                 (const uint8_t(*)[16])found, nfound, &total, &e);
    if (rc)
        rc = jfail(resp, rc, &e);
    else
        rc = end_data(resp, total) ? LOUPE_ENOMEM : 0;
done:
    free(found);
    free(q.ids);
    arena_destroy(q.a);
    buf_free(&svc);
    buf_free(&op);
    buf_free(&user);
    buf_free(&session);
    return rc;
}
