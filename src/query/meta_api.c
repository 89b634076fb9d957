/* meta_api.c - series / labels / label values / metadata / buildinfo / export. */
#include "util/mem.h"
#include "util/sort.h"
#include "query/meta_api.h"
#include "query/selector.h"
#include "util/json.h"
#include "util/timeparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_TIME (-9223372036854775807LL / 2)
#define MAX_TIME (9223372036854775807LL / 2)

static int bad(http_resp *resp, const char *msg) { return http_resp_prom_error(resp, 400, "bad_data", msg) ? LOUPE_ENOMEM : 0; }

static int fail_rc(http_resp *resp, int rc, const char *msg)
{
    int st = http_status_for(rc);
    const char *type = st == 400 ? "bad_data" : st == 422 ? "execution" : st == 503 ? "unavailable" : "internal";
    http_resp_prom_error(resp, st, type, msg);
    return 0;
}

int api_time_range(const http_req *req, http_resp *resp, int64_t *start, int64_t *end)
{
    buf v = BUF_INIT;
    *start = MIN_TIME;
    *end = MAX_TIME;
    int rc = 0;
    if (http_param(req, "start", &v) && v.n && parse_time_ms(buf_slice(&v), start)) {
        char m[200];
        snprintf(m, sizeof m, "invalid parameter \"start\": cannot parse \"%.100s\" to a valid timestamp", v.p);
        bad(resp, m);
        rc = LOUPE_EINVAL;
    } else if (http_param(req, "end", &v) && v.n && parse_time_ms(buf_slice(&v), end)) {
        char m[200];
        snprintf(m, sizeof m, "invalid parameter \"end\": cannot parse \"%.100s\" to a valid timestamp", v.p);
        bad(resp, m);
        rc = LOUPE_EINVAL;
    } else if (*end < *start) {
        bad(resp, "invalid parameter \"end\": end timestamp must not be before start time");
        rc = LOUPE_EINVAL;
    }
    buf_free(&v);
    return rc;
}

/* ---- match[] handling: union of the ids of every selector ---- */

typedef struct match_ctx {
    store_reader *r;
    int64_t start, end;
    uint32_t *ids;
    size_t n, cap;
    int count;
    err_ctx *e;
} match_ctx;

static int on_match(void *vctx, slice sel)
{
    match_ctx *m = vctx;
    matcher *ms;
    size_t nms;
    m->count++;
    int rc = selector_parse(sel, &ms, &nms, m->e);
    if (rc)
        return rc;
    uint32_t *ids;
    size_t nids;
    rc = store_select(m->r, ms, nms, m->start, m->end, &ids, &nids, m->e);
    selector_free(ms, nms);
    if (rc)
        return rc;
    if (m->n + nids > m->cap) {
        size_t cap = m->cap ? m->cap : 64;
        while (cap < m->n + nids)
            cap *= 2;
        uint32_t *np = realloc(m->ids, cap * sizeof *np);
        if (!np) {
            free(ids);
            return err_set(m->e, LOUPE_ENOMEM, "out of memory");
        }
        m->ids = np;
        m->cap = cap;
    }
    mem_copy(m->ids + m->n, ids, nids * sizeof *ids);
    m->n += nids;
    free(ids);
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void sort_unique(match_ctx *m)
{
    sort_array(m->ids, m->n, sizeof *m->ids, cmp_u32);
    size_t o = 0;
    for (size_t i = 0; i < m->n; i++)
        if (o == 0 || m->ids[o - 1] != m->ids[i])
            m->ids[o++] = m->ids[i];
    m->n = o;
}

/* The id set for names/values: NULL means "all series"; an empty match
 * result must not turn into that. */
static const uint32_t no_ids[1];
static const uint32_t *within(const match_ctx *m) { return !m->count ? NULL : m->ids ? m->ids : no_ids; }

static int json_labels(buf *b, slice blob)
{
    int rc = buf_putc(b, '{');
    labels_iter it = labels_iter_make(blob);
    label l;
    int first = 1;
    while (!rc && labels_next(&it, &l) == 1) {
        if (!first)
            rc = buf_putc(b, ',');
        first = 0;
        rc = rc || json_str(b, l.name) || buf_putc(b, ':') || json_str(b, l.value);
    }
    return rc || buf_putc(b, '}');
}

/* Series ordering as Prometheus returns them: by label set. */
typedef struct lab_ent {
    uint32_t id;
    slice lab;
} lab_ent;

static int lab_cmp_labels(slice a, slice b)
{
    labels_iter ia = labels_iter_make(a), ib = labels_iter_make(b);
    label la, lb;
    for (;;) {
        int ra = labels_next(&ia, &la), rb = labels_next(&ib, &lb);
        if (ra != 1 || rb != 1)
            return (ra == 1) - (rb == 1);
        int c = slice_cmp(la.name, lb.name);
        if (c)
            return c;
        c = slice_cmp(la.value, lb.value);
        if (c)
            return c;
    }
}

static int cmp_lab_ent(const void *a, const void *b)
{
    return lab_cmp_labels(((const lab_ent *)a)->lab, ((const lab_ent *)b)->lab);
}

static int with_matches(store *st, http_req *req, http_resp *resp, int required, match_ctx *m, store_reader **rout)
{
    err_ctx e = { 0 };
    memset(m, 0, sizeof *m);
    m->e = &e;
    if (api_time_range(req, resp, &m->start, &m->end))
        return 1;
    int rc = store_reader_open(st, rout, &e);
    if (rc) {
        fail_rc(resp, rc, e.msg);
        return 1;
    }
    m->r = *rout;
    rc = http_param_each(req, "match[]", on_match, m);
    if (rc) {
        fail_rc(resp, rc, e.msg[0] ? e.msg : loupe_strerror(rc));
        return 1;
    }
    if (required && m->count == 0) {
        bad(resp, "no match[] parameter provided");
        return 1;
    }
    sort_unique(m);
    return 0;
}

static int begin_ok(http_resp *resp)
{
    resp->status = 200;
    resp->content_type = "application/json";
    resp->body.n = 0;
    return buf_puts(&resp->body, "{\"status\":\"success\",\"data\":");
}

int api_series(void *vctx, http_req *req, http_resp *resp)
{
    meta_api_ctx *ctx = vctx;
    match_ctx m;
    store_reader *r = NULL;
    if (with_matches(ctx->st, req, resp, 1, &m, &r)) {
        store_reader_close(r);
        free(m.ids);
        return 0;
    }
    lab_ent *ents = malloc((m.n ? m.n : 1) * sizeof *ents);
    int rc = ents ? 0 : LOUPE_ENOMEM;
    for (size_t i = 0; i < m.n && !rc; i++)
        ents[i] = (lab_ent){ m.ids[i], store_labels(r, m.ids[i]) };
    if (!rc)
        sort_array(ents, m.n, sizeof *ents, cmp_lab_ent);
    rc = rc || begin_ok(resp) || buf_putc(&resp->body, '[');
    for (size_t i = 0; i < m.n && !rc; i++)
        rc = (i && buf_putc(&resp->body, ',')) || json_labels(&resp->body, ents[i].lab);
    rc = rc || buf_puts(&resp->body, "]}");
    free(ents);
    free(m.ids);
    store_reader_close(r);
    return rc;
}

/* ---- labels / values: collect, sort, unique ---- */

typedef struct strset {
    slice *v;
    size_t n, cap;
} strset;

static int collect(void *vctx, slice s)
{
    strset *ss = vctx;
    if (ss->n == ss->cap) {
        size_t cap = ss->cap ? ss->cap * 2 : 64;
        slice *nv = realloc(ss->v, cap * sizeof *nv);
        if (!nv)
            return LOUPE_ENOMEM;
        ss->v = nv;
        ss->cap = cap;
    }
    ss->v[ss->n++] = s;
    return 0;
}

static int cmp_slice(const void *a, const void *b) { return slice_cmp(*(const slice *)a, *(const slice *)b); }

static int write_strset(http_resp *resp, strset *ss)
{
    sort_array(ss->v, ss->n, sizeof *ss->v, cmp_slice);
    int rc = begin_ok(resp) || buf_putc(&resp->body, '[');
    size_t w = 0;
    for (size_t i = 0; i < ss->n && !rc; i++) {
        if (i && slice_eq(ss->v[i], ss->v[i - 1]))
            continue;
        rc = (w++ && buf_putc(&resp->body, ',')) || json_str(&resp->body, ss->v[i]);
    }
    return rc || buf_puts(&resp->body, "]}");
}

int api_labels(void *vctx, http_req *req, http_resp *resp)
{
    meta_api_ctx *ctx = vctx;
    match_ctx m;
    store_reader *r = NULL;
    strset ss = { 0 };
    int rc = 0;
    if (!with_matches(ctx->st, req, resp, 0, &m, &r)) {
        rc = store_label_names(r, within(&m), m.n, m.start, m.end, collect, &ss);
        if (!rc)
            rc = write_strset(resp, &ss);
    }
    free(ss.v);
    free(m.ids);
    store_reader_close(r);
    return rc;
}

int api_label_values(void *vctx, http_req *req, http_resp *resp)
{
    meta_api_ctx *ctx = vctx;
    /* path_rest: "<name>/values" */
    slice rest = req->path_rest;
    const char *suffix = "/values";
    size_t sl = strlen(suffix);
    if (rest.n <= sl || memcmp(rest.p + rest.n - sl, suffix, sl)) {
        http_resp_prom_error(resp, 404, "not_found", "no such endpoint");
        return 0;
    }
    slice name = slice_make(rest.p, rest.n - sl);
    if (!is_label_name(name)) {
        char msg[200];
        snprintf(msg, sizeof msg, "invalid label name: \"%.*s\"", (int)(name.n > 100 ? 100 : name.n),
                 (const char *)name.p);
        return bad(resp, msg);
    }
    match_ctx m;
    store_reader *r = NULL;
    strset ss = { 0 };
    int rc = 0;
    if (!with_matches(ctx->st, req, resp, 0, &m, &r)) {
        rc = store_label_values(r, name, within(&m), m.n, m.start, m.end, collect, &ss);
        if (!rc)
            rc = write_strset(resp, &ss);
    }
    free(ss.v);
    free(m.ids);
    store_reader_close(r);
    return rc;
}

/* ---- metadata ---- */

static const char *meta_type(int t)
{
    static const char *names[] = { "unknown", "counter", "gauge", "histogram", "gaugehistogram",
                                   "summary", "info",    "stateset" };
    return t >= 0 && t < 8 ? names[t] : "unknown";
}

typedef struct meta_out {
    buf *b;
    buf *metric;
    long limit;
    long n;
} meta_out;

static int on_meta(void *vctx, slice family, int type, slice help, slice unit)
{
    meta_out *mo = vctx;
    if (mo->metric->n && !slice_eq(family, buf_slice(mo->metric)))
        return 0;
    if (mo->limit >= 0 && mo->n >= mo->limit)
        return 0;
    buf *b = mo->b;
    int rc = (mo->n++ && buf_putc(b, ',')) || json_str(b, family) || buf_puts(b, ":[{\"type\":") ||
             json_cstr(b, meta_type(type)) || buf_puts(b, ",\"help\":") || json_str(b, help) ||
             buf_puts(b, ",\"unit\":") || json_str(b, unit) || buf_puts(b, "}]");
    return rc;
}

int api_metadata(void *vctx, http_req *req, http_resp *resp)
{
    meta_api_ctx *ctx = vctx;
    buf metric = BUF_INIT, lim = BUF_INIT;
    meta_out mo = { &resp->body, &metric, -1, 0 };
    http_param(req, "metric", &metric);
    if (http_param(req, "limit", &lim) && lim.n) {
        char *end;
        mo.limit = strtol((const char *)lim.p, &end, 10);
        if (*end) {
            buf_free(&metric);
            buf_free(&lim);
            return bad(resp, "limit must be a number");
        }
        if (mo.limit < 0)
            mo.limit = -1;
    }
    int rc = begin_ok(resp) || buf_putc(&resp->body, '{');
    if (!rc)
        rc = store_each_metadata(ctx->st, on_meta, &mo);
    rc = rc || buf_puts(&resp->body, "}}");
    buf_free(&metric);
    buf_free(&lim);
    return rc;
}

int api_buildinfo(void *vctx, http_req *req, http_resp *resp)
{
    meta_api_ctx *ctx = vctx;
    (void)req;
    /* Grafana reads "version" to pick PromQL features; loupe speaks 2.42's. */
    return begin_ok(resp) ||
           buf_printf(&resp->body,
                      "{\"version\":\"2.42.0\",\"revision\":\"%s\",\"branch\":\"loupe-%s\",\"buildUser\":\"loupe\","
                      "\"buildDate\":\"\",\"goVersion\":\"none\"}}",
                      ctx->revision, ctx->version);
}

/* ---- export: one JSON object per line ---- */

static int export_value(buf *b, double v)
{
    char tmp[400];
    if (v != v || v == 1.0 / 0.0 || v == -1.0 / 0.0) {
        prom_float(tmp, sizeof tmp, v);
        return buf_putc(b, '"') || buf_puts(b, tmp) || buf_putc(b, '"');
    }
    int n = fmt_float_f(tmp, sizeof tmp, v);
    return buf_append(b, tmp, (size_t)n);
}

int api_export(void *vctx, http_req *req, http_resp *resp)
{
    meta_api_ctx *ctx = vctx;
    match_ctx m;
    store_reader *r = NULL;
    samples s = SAMPLES_INIT;
    int rc = 0;
    if (with_matches(ctx->st, req, resp, 1, &m, &r))
        goto done;
    resp->status = 200;
    resp->content_type = "application/stream+json";
    resp->body.n = 0;
    err_ctx e = { 0 };
    for (size_t i = 0; i < m.n && !rc; i++) {
        if ((rc = store_read(r, m.ids[i], m.start, m.end, &s, &e))) {
            fail_rc(resp, rc, e.msg);
            rc = 0;
            goto done;
        }
        if (s.n == 0)
            continue;
        buf *b = &resp->body;
        rc = buf_puts(b, "{\"metric\":") || json_labels(b, store_labels(r, m.ids[i])) || buf_puts(b, ",\"values\":[");
        for (size_t k = 0; k < s.n && !rc; k++)
            rc = (k && buf_putc(b, ',')) || export_value(b, s.v[k]);
        rc = rc || buf_puts(b, "],\"timestamps\":[");
        for (size_t k = 0; k < s.n && !rc; k++)
            rc = (k && buf_putc(b, ',')) || json_int(b, s.t[k]);
        rc = rc || buf_puts(b, "]}\n");
    }
done:
    samples_free(&s);
    free(m.ids);
    store_reader_close(r);
    return rc;
}

int api_static(void *ctx, http_req *req, http_resp *resp)
{
    (void)req;
    return begin_ok(resp) || buf_puts(&resp->body, (const char *)ctx) || buf_putc(&resp->body, '}');
}
