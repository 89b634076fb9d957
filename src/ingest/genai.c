/* genai.c - semantic conventions -> LLM call: resolves the alias table
 * (genai_aliases.c) over a span's or log's attributes by precedence, decides
 * whether it is a model call, and fills a rec_call (messages are built by
 * genai_messages.c, cost by pricing.c).  Rules and precedence: genai.h. */
#include "util/mem.h"
#include "ingest/genai_int.h"
#include "util/timeparse.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NESTED_PREC 1000 /* added to the precedence of nested sources (log body, details events) */
#define MAX_COUNT 1e15   /* larger token counts are garbage */
#define MAX_INDEX 100000 /* larger message / part indexes are ignored */

void genai_opts_default(genai_opts *o)
{
    o->route_attr = NULL;
    o->max_messages = 256;
    o->max_depth = 16;
}

static int oom(err_ctx *e) { return err_set(e, LOUPE_ENOMEM, "genai: out of memory"); }

/* ------------------------------------------------------------ value helpers */

int genai_value_text(arena *a, const otlp_value *v, slice *out)
{
    if (v->type == OTLP_STRING) {
        *out = v->u.s;
        return 0;
    }
    if (v->type == OTLP_EMPTY) {
        *out = slice_make(NULL, 0);
        return 0;
    }
    buf b = BUF_INIT;
    int rc = otlp_value_text(v, &b);
    char *p = rc ? NULL : arena_strndup(a, (const char *)b.p ? (const char *)b.p : "", b.n);
    size_t n = b.n;
    buf_free(&b);
    if (!p)
        return LOUPE_ENOMEM;
    *out = slice_make(p, n);
    return 0;
}

int genai_value_json_text(arena *a, const otlp_value *v, slice *out)
{
    if (v->type == OTLP_STRING || v->type == OTLP_EMPTY)
        return genai_value_text(a, v, out);
    buf b = BUF_INIT;
    int rc = otlp_value_json(v, &b);
    char *p = rc ? NULL : arena_strndup(a, (const char *)b.p ? (const char *)b.p : "", b.n);
    size_t n = b.n;
    buf_free(&b);
    if (!p)
        return LOUPE_ENOMEM;
    *out = slice_make(p, n);
    return 0;
}

/* A number from a decimal string (surrounding spaces allowed). */
static int str_num(slice s, double *out)
{
    char tmp[64];
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    if (!s.n || s.n >= sizeof tmp)
        return -1;
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = '\0';
    char *end;
    double d = strtod(tmp, &end);
    if (*end || !isfinite(d))
        return -1;
    *out = d;
    return 0;
}

static int value_num(const otlp_value *v, double *out)
{
    switch (v->type) {
    case OTLP_INT:
        *out = (double)v->u.i;
        return 0;
    case OTLP_DOUBLE:
        if (!isfinite(v->u.d))
            return -1;
        *out = v->u.d;
        return 0;
    case OTLP_STRING:
        return str_num(v->u.s, out);
    default:
        return -1;
    }
}

static int json_num(const cJSON *j, double *out)
{
    if (cJSON_IsNumber(j) && isfinite(j->valuedouble)) {
        *out = j->valuedouble;
        return 0;
    }
    if (cJSON_IsString(j) && j->valuestring)
        return str_num(slice_cstr(j->valuestring), out);
    return -1;
}

static int check_count(double *d)
{
    if (!(*d >= 0) || *d > MAX_COUNT)
        return -1;
    *d = floor(*d);
    return 0;
}

/* Member `sub` of a JSON object given as a string (parsed once per
 * attribute into *doc) or as a kvlist. */
static int member_num(const otlp_value *v, const char *sub, cJSON **doc, double *out)
{
    if (v->type == OTLP_KVLIST) {
        for (size_t i = v->u.kv.n; i-- > 0;)
            if (slice_eq_cstr(v->u.kv.a[i].key, sub))
                return value_num(&v->u.kv.a[i].value, out);
        return -1;
    }
    if (v->type != OTLP_STRING)
        return -1;
    if (!*doc)
        *doc = cJSON_ParseWithLength((const char *)v->u.s.p, v->u.s.n);
    if (!*doc || !cJSON_IsObject(*doc))
        return -1;
    return json_num(cJSON_GetObjectItemCaseSensitive(*doc, sub), out);
}

/* A timestamp as ms since the epoch: RFC 3339 (possibly JSON-quoted, as the
 * Langfuse SDK writes it) or unix nanoseconds. */
static int value_time_ms(const otlp_value *v, double *ms)
{
    if (v->type == OTLP_INT && v->u.i > 0) {
        *ms = (double)v->u.i / 1e6;
        return 0;
    }
    if (v->type != OTLP_STRING)
        return -1;
    slice s = v->u.s;
    if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"')
        s = slice_make(s.p + 1, s.n - 2);
    int64_t t;
    if (parse_time_ms(s, &t))
        return -1;
    *ms = (double)t;
    return 0;
}

/* ------------------------------------------------------------ resolution */

static void res_init(genai_res *r, const genai_opts *o, arena *a, uint64_t start_ns)
{
    memset(r, 0, sizeof *r);
    for (int f = 0; f < GF_COUNT; f++)
        r->f[f].prec = INT32_MAX;
    r->o = o;
    r->a = a;
    r->start_ns = start_ns;
}

/* Offers value v of `row` at precedence prec; the lowest precedence wins,
 * and of equal ones the later (the last duplicate key, as the SDKs do). */
static int take(genai_res *r, const genai_alias *row, int prec, const otlp_value *v, cJSON **doc, err_ctx *e)
{
    genai_val *g = &r->f[row->field];
    if (prec > g->prec)
        return 0;
    double d = 0;
    slice s = { 0 };
    switch (row->kind) {
    case GK_STR_FIRST:
        if (v->type == OTLP_ARRAY) {
            if (!v->u.arr.n)
                return 0;
            v = &v->u.arr.v[0];
        }
        /* fallthrough */
    case GK_STR:
        if (v->type == OTLP_ARRAY || v->type == OTLP_KVLIST || v->type == OTLP_BYTES)
            return 0;
        if (genai_value_text(r->a, v, &s))
            return oom(e);
        if (!s.n)
            return 0;
        break;
    case GK_COUNT:
        if (value_num(v, &d) || check_count(&d))
            return 0;
        break;
    case GK_NUM:
    case GK_SEC:
    case GK_MS:
        if (value_num(v, &d) || d < 0)
            return 0;
        if (row->kind == GK_SEC)
            d *= 1000;
        break;
    case GK_TIME:
        if (value_time_ms(v, &d) || !r->start_ns)
            return 0;
        d -= (double)r->start_ns / 1e6;
        if (d < 0)
            return 0;
        break;
    case GK_JSON_COUNT:
    case GK_JSON_NUM:
        if (member_num(v, row->sub, doc, &d) || d < 0)
            return 0;
        if (row->kind == GK_JSON_COUNT && check_count(&d))
            return 0;
        break;
    case GK_MSGS_PARTS:
    case GK_MSGS_ANY:
        if (v->type == OTLP_STRING ? v->u.s.n == 0 : (v->type != OTLP_ARRAY && v->type != OTLP_KVLIST))
            return 0;
        break;
    case GK_IDX_TL:
    case GK_IDX_OI:
        return 0; /* prefix rows go through add_item */
    }
    g->prec = prec;
    g->row = row;
    g->v = v;
    g->num = d;
    g->s = s;
    return 0;
}

/* Parses a decimal index at *p (at most 6 digits, <= MAX_INDEX) followed by '.'. */
static int parse_index(slice *k, uint32_t *out)
{
    uint32_t n = 0;
    size_t i = 0;
    while (i < k->n && k->p[i] >= '0' && k->p[i] <= '9') {
        if (i >= 6)
            return -1;
        n = n * 10 + (uint32_t)(k->p[i] - '0');
        i++;
    }
    if (!i || i >= k->n || k->p[i] != '.' || n > MAX_INDEX)
        return -1;
    *out = n;
    k->p += i + 1;
    k->n -= i + 1;
    return 0;
}

static int starts(slice *k, const char *pre)
{
    size_t n = strlen(pre);
    if (k->n < n || memcmp(k->p, pre, n) != 0)
        return 0;
    k->p += n;
    k->n -= n;
    return 1;
}

/* One attribute of an indexed family: gen_ai.prompt.N.{role,content,finish_reason}
 * or llm.input_messages.N.message.{role,content,contents.M.message_content.text}. */
static int add_item(genai_res *r, const genai_alias *row, slice key, int prec, const otlp_value *v, err_ctx *e)
{
    genai_item it = { row, 0, 0, (uint32_t)r->nitems, GI_ROLE, v };
    slice k = slice_make(key.p + strlen(row->name), key.n - strlen(row->name));
    if (parse_index(&k, &it.i))
        return 0;
    if (row->kind == GK_IDX_OI && !starts(&k, "message."))
        return 0;
    if (slice_eq_cstr(k, "role"))
        it.what = GI_ROLE;
    else if (slice_eq_cstr(k, "content"))
        it.what = GI_CONTENT;
    else if (slice_eq_cstr(k, "finish_reason"))
        it.what = GI_FINISH;
    else if (row->kind == GK_IDX_OI && starts(&k, "contents.") && !parse_index(&k, &it.j) &&
             slice_eq_cstr(k, "message_content.text"))
        it.what = GI_PART;
    else
        return 0;
    if (r->nitems == r->capitems) {
        size_t cap = r->capitems ? r->capitems * 2 : 32;
        genai_item *n = arena_alloc(r->a, cap * sizeof *n);
        if (!n)
            return oom(e);
        mem_copy(n, r->items, r->nitems * sizeof *n);
        r->items = n;
        r->capitems = cap;
    }
    r->items[r->nitems++] = it;
    /* the family's precedence, for choosing between indexed families */
    genai_val *g = &r->f[row->field];
    if (prec <= g->prec) {
        g->prec = prec;
        g->row = row;
    }
    return 0;
}

/* One pass over an attribute set, every key looked up in the table. */
static int resolve(genai_res *r, const otlp_attr *as, size_t n, int offset, err_ctx *e)
{
    for (size_t i = 0; i < n; i++) {
        const otlp_attr *at = &as[i];
        size_t cnt;
        const genai_alias *const *rows = genai_alias_lookup(at->key, &cnt);
        if (!rows) {
            const genai_alias *pre = genai_alias_prefix(at->key);
            if (pre) {
                int rc = add_item(r, pre, at->key, pre->prec + offset, &at->value, e);
                if (rc)
                    return rc;
            }
            continue;
        }
        cJSON *doc = NULL; /* one parse per attribute for its JSON-member rows */
        int rc = 0;
        for (size_t j = 0; j < cnt && !rc; j++)
            rc = take(r, rows[j], rows[j]->prec + offset, &at->value, &doc, e);
        cJSON_Delete(doc);
        if (rc)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------ the call */

static slice val_s(const genai_res *r, genai_field f) { return r->f[f].prec == INT32_MAX ? slice_make(NULL, 0) : r->f[f].s; }
static int has(const genai_res *r, genai_field f) { return r->f[f].prec != INT32_MAX; }
static int64_t val_count(const genai_res *r, genai_field f) { return has(r, f) ? (int64_t)r->f[f].num : -1; }

static int ends_with(slice s, const char *suf)
{
    size_t n = strlen(suf);
    return s.n >= n && genai_ieq(slice_make(s.p + s.n - n, n), suf);
}

/* A server address that is this machine, a private network or a cluster
 * service: a self-hosted model behind an OpenAI-compatible client. */
static int address_is_local(slice h)
{
    if (h.n >= 2 && h.p[0] == '[' && h.p[h.n - 1] == ']')
        h = slice_make(h.p + 1, h.n - 2);
    if (!h.n)
        return 0;
    if (genai_ieq(h, "localhost") || slice_eq_cstr(h, "::1") || slice_eq_cstr(h, "0.0.0.0"))
        return 1;
    static const char *const pre[] = { "127.", "10.", "192.168.", "169.254." };
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (h.n > strlen(pre[i]) && memcmp(h.p, pre[i], strlen(pre[i])) == 0)
            return 1;
    if (h.n > 7 && memcmp(h.p, "172.", 4) == 0) { /* 172.16.0.0/12 */
        int v = 0;
        size_t i = 4;
        while (i < h.n && h.p[i] >= '0' && h.p[i] <= '9' && i < 7)
            v = v * 10 + (h.p[i++] - '0');
        if (i < h.n && h.p[i] == '.' && v >= 16 && v <= 31)
            return 1;
    }
    int has_dot = memchr(h.p, '.', h.n) != NULL, has_colon = memchr(h.p, ':', h.n) != NULL;
    if (has_colon) /* IPv6 unique-local fc00::/7 */
        return h.n > 2 && (genai_ieq(slice_make(h.p, 2), "fc") || genai_ieq(slice_make(h.p, 2), "fd"));
    if (!has_dot)
        return 1; /* a single-label name: a cluster service such as "vllm" */
    static const char *const suf[] = { ".localhost", ".local", ".svc", ".cluster.local", ".internal", ".lan",
                                       ".home.arpa" };
    for (size_t i = 0; i < sizeof suf / sizeof suf[0]; i++)
        if (ends_with(h, suf[i]))
            return 1;
    return 0;
}

/* 1 when the resolved attributes describe a model call (genai.h). */
static int is_call(const genai_res *r, int details_event, int msg_events)
{
    if (!val_s(r, GF_RESP_MODEL).n && !val_s(r, GF_REQ_MODEL).n)
        return 0;
    int call = details_event;
    static const genai_field markers[] = { GF_OPERATION, GF_OI_KIND, GF_LF_TYPE, GF_TL_KIND };
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
        if (!has(r, markers[i]))
            continue;
        int v = genai_kind_verdict(markers[i], r->f[markers[i]].s);
        if (v == GV_VETO)
            return 0;
        if (v == GV_CALL)
            call = 1;
    }
    if (has(r, GF_INPUT_TOKENS) || has(r, GF_OUTPUT_TOKENS) || has(r, GF_TOTAL_TOKENS))
        call = 1;
    if (has(r, GF_INPUT) || has(r, GF_OUTPUT) || r->nitems || msg_events)
        call = 1;
    return call;
}

static slice text_of(const otlp_attrs *as, const char *key, arena *a, int *rc)
{
    slice s = { 0 };
    const otlp_value *v = as ? otlp_attrs_get(as, key) : NULL;
    if (v && v->type != OTLP_ARRAY && v->type != OTLP_KVLIST && genai_value_text(a, v, &s))
        *rc = LOUPE_ENOMEM;
    return s;
}

/* Fills everything but ids, times, latency and status specifics. */
static int fill(const genai_res *r, const pricing *p, const otlp_attrs *attrs, const otlp_resource *res,
                const otlp_scope *scope, arena *a, rec_call *c, err_ctx *e)
{
    int rc = 0;
    c->service = text_of(res ? &res->attrs : NULL, "service.name", a, &rc);
    if (!c->service.n)
        c->service = slice_cstr("unknown_service");
    c->provider = val_s(r, GF_PROVIDER);
    if (!c->provider.n && scope)
        c->provider = slice_cstr(genai_scope_provider(scope->name));
    c->model = val_s(r, GF_RESP_MODEL).n ? val_s(r, GF_RESP_MODEL) : val_s(r, GF_REQ_MODEL);
    c->user_id = val_s(r, GF_USER);
    c->session_id = val_s(r, GF_SESSION);
    c->template_name = val_s(r, GF_TEMPLATE);
    c->finish_reason = val_s(r, GF_FINISH);

    const char *ra = r->o->route_attr;
    if (ra && *ra)
        c->route = text_of(attrs, ra, a, &rc);
    if (rc)
        return oom(e);
    slice server = val_s(r, GF_SERVER);
    if (!c->route.n)
        c->route = val_s(r, GF_ROUTE);
    if (!c->route.n) {
        if (c->provider.n && pricing_provider_is_local(p, c->provider))
            c->route = slice_cstr("local");
        else if (server.n && address_is_local(server))
            c->route = slice_cstr("local");
        else if (c->provider.n || server.n)
            c->route = slice_cstr("cloud");
    }

    c->input_tokens = val_count(r, GF_INPUT_TOKENS);
    c->output_tokens = val_count(r, GF_OUTPUT_TOKENS);
    c->cached_input_tokens = val_count(r, GF_CACHE_READ);
    c->cache_write_tokens = val_count(r, GF_CACHE_WRITE);
    c->reasoning_tokens = val_count(r, GF_REASONING);
    int64_t total = val_count(r, GF_TOTAL_TOKENS);
    if (total >= 0 && c->input_tokens < 0 && c->output_tokens >= 0 && total >= c->output_tokens)
        c->input_tokens = total - c->output_tokens;
    if (total >= 0 && c->output_tokens < 0 && c->input_tokens >= 0 && total >= c->input_tokens)
        c->output_tokens = total - c->input_tokens;

    c->cost_usd = NAN;
    c->cost_source = 0;
    if (has(r, GF_COST)) {
        c->cost_usd = r->f[GF_COST].num;
        c->cost_source = 1;
    }
    c->ttft_ms = has(r, GF_TTFT) ? r->f[GF_TTFT].num : NAN;
    c->latency_ms = NAN;
    c->status = has(r, GF_ERROR) ? REC_STATUS_ERROR : REC_STATUS_OK;
    c->error = val_s(r, GF_ERROR);
    return 0;
}

int genai_span_call(const genai_opts *o, const pricing *p, const otlp_span *s, arena *a, rec_call *out, err_ctx *e)
{
    genai_opts def;
    if (!o) {
        genai_opts_default(&def);
        o = &def;
    }
    genai_res r;
    res_init(&r, o, a, s->start_ns);
    int rc = resolve(&r, s->attrs.a, s->attrs.n, 0, e);
    int details = 0, msg_events = 0;
    const otlp_event *chunk = NULL, *exc = NULL;
    for (size_t i = 0; i < s->nevents && !rc; i++) {
        const otlp_event *ev = &s->events[i];
        switch (genai_event_lookup(ev->name, NULL)) {
        case GE_DETAILS:
            details = 1;
            rc = resolve(&r, ev->attrs.a, ev->attrs.n, NESTED_PREC, e);
            break;
        case GE_MSG_IN:
        case GE_MSG_OUT:
        case GE_PROMPT:
        case GE_COMPLETION:
            msg_events = 1;
            break;
        case GE_CHUNK:
            if (!chunk)
                chunk = ev;
            break;
        case GE_EXCEPTION:
            if (!exc)
                exc = ev;
            break;
        case GE_NONE:
            break;
        }
    }
    if (rc)
        return rc;
    if (!is_call(&r, details, msg_events))
        return 0;

    memset(out, 0, sizeof *out);
    rc = fill(&r, p, &s->attrs, s->resource, s->scope, a, out, e);
    if (rc)
        return rc;
    mem_copy(out->trace_id, s->trace_id, 16);
    mem_copy(out->span_id, s->span_id, 8);
    out->start_ns = (int64_t)s->start_ns;
    out->end_ns = (int64_t)s->end_ns;
    if (s->start_ns && s->end_ns >= s->start_ns)
        out->latency_ms = (double)(s->end_ns - s->start_ns) / 1e6;
    if (isnan(out->ttft_ms) && chunk && s->start_ns && chunk->time_ns >= s->start_ns)
        out->ttft_ms = (double)(chunk->time_ns - s->start_ns) / 1e6;
    if (s->status_code == REC_STATUS_ERROR)
        out->status = REC_STATUS_ERROR;
    if (out->status == REC_STATUS_ERROR && !out->error.n) {
        if (exc)
            out->error = text_of(&exc->attrs, "exception.type", a, &rc);
        if (exc && !out->error.n)
            out->error = text_of(&exc->attrs, "exception.message", a, &rc);
        if (!out->error.n)
            out->error = s->status_message;
        if (rc)
            return oom(e);
    }
    r.events = s->events;
    r.nevents = s->nevents;
    rc = genai_build_messages(&r, out, e);
    if (rc)
        return rc;
    pricing_apply(p, out);
    return 1;
}

int genai_log_call(const genai_opts *o, const pricing *p, const otlp_log *l, arena *a, rec_call *out, err_ctx *e)
{
    genai_opts def;
    if (!o) {
        genai_opts_default(&def);
        o = &def;
    }
    uint64_t t = l->time_ns ? l->time_ns : l->observed_ns;
    genai_res r;
    res_init(&r, o, a, t);
    int rc = resolve(&r, l->attrs.a, l->attrs.n, 0, e);
    if (!rc && l->body.type == OTLP_KVLIST)
        rc = resolve(&r, l->body.u.kv.a, l->body.u.kv.n, NESTED_PREC, e);
    if (rc)
        return rc;
    slice ev = l->event_name;
    if (!ev.n) {
        const otlp_value *v = otlp_attrs_get(&l->attrs, "event.name"); /* before LogRecord.event_name existed */
        if (v && v->type == OTLP_STRING)
            ev = v->u.s;
    }
    int details = genai_event_lookup(ev, NULL) == GE_DETAILS;
    if (!is_call(&r, details, 0))
        return 0;

    memset(out, 0, sizeof *out);
    rc = fill(&r, p, &l->attrs, l->resource, l->scope, a, out, e);
    if (rc)
        return rc;
    if (l->has_trace_id)
        mem_copy(out->trace_id, l->trace_id, 16);
    if (l->has_span_id)
        mem_copy(out->span_id, l->span_id, 8);
    out->start_ns = out->end_ns = (int64_t)t;
    if (l->severity_number >= 17) { /* ERROR and above */
        out->status = REC_STATUS_ERROR;
        if (!out->error.n)
            out->error = l->severity_text;
    }
    rc = genai_build_messages(&r, out, e);
    if (rc)
        return rc;
    pricing_apply(p, out);
    return 1;
}
