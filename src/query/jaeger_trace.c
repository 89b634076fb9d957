/* jaeger_trace.c - whole traces in Jaeger's JSON: spans with typed tags,
 * references, span logs (events and the trace's log records) and processes. */
#include "query/jaeger_int.h"
#include "query/records_json.h"
#include "util/arena.h"
#include "util/json.h"
#include "util/sort.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_SPANS 50000

const char *jaeger_kind_name(int kind)
{
    static const char *const names[] = { "", "internal", "server", "client", "producer", "consumer" };
    return kind >= 0 && kind <= 5 ? names[kind] : "";
}

/* ------------------------------------------------------------ one trace: collect */

typedef struct jspan {
    rec_span s; /* slices point into the trace's arena */
    int proc;
} jspan;

/* One span log: an event of the span or a log record of the trace. */
typedef struct jlog {
    size_t span;
    int64_t ts_ns;
    size_t seq;
    const rec_log *rec; /* a log record, or */
    slice event;        /* an events_json element */
} jlog;

typedef struct trace_acc {
    arena *a;
    jspan *spans;
    size_t n, cap, dropped_spans;
    rec_log *logs;
    size_t nlogs, logcap, dropped_logs;
    size_t max;
    int oom;
} trace_acc;

static slice acopy(trace_acc *t, slice s)
{
    if (!s.n)
        return slice_make("", 0);
    char *p = arena_strndup(t->a, (const char *)s.p, s.n);
    if (!p) {
        t->oom = 1;
        return slice_make("", 0);
    }
    return slice_make(p, s.n);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*arr, nc * elem);
    if (!np)
        return LOUPE_ENOMEM;
    *arr = np;
    *cap = nc;
    return 0;
}

static int on_span(void *vctx, const rec_span *s)
{
    trace_acc *t = vctx;
    if (t->n >= t->max) {
        t->dropped_spans++;
        return 0;
    }
    if (grow((void **)&t->spans, &t->cap, t->n + 1, sizeof *t->spans))
        return LOUPE_ENOMEM;
    jspan *j = &t->spans[t->n++];
    j->s = *s;
    j->proc = -1;
    j->s.service = acopy(t, s->service);
    j->s.name = acopy(t, s->name);
    j->s.status_message = acopy(t, s->status_message);
    j->s.attrs_json = acopy(t, s->attrs_json);
    j->s.events_json = acopy(t, s->events_json);
    j->s.links_json = acopy(t, s->links_json);
    j->s.resource_json = acopy(t, s->resource_json);
    j->s.scope_name = acopy(t, s->scope_name);
    j->s.scope_version = acopy(t, s->scope_version);
    j->s.user_id = j->s.session_id = slice_make("", 0);
    return t->oom ? LOUPE_ENOMEM : 0;
}

static int on_log(void *vctx, const rec_log *l)
{
    trace_acc *t = vctx;
    if (t->nlogs >= t->max) {
        t->dropped_logs++;
        return 0;
    }
    if (grow((void **)&t->logs, &t->logcap, t->nlogs + 1, sizeof *t->logs))
        return LOUPE_ENOMEM;
    rec_log *c = &t->logs[t->nlogs++];
    *c = *l;
    c->severity_text = acopy(t, l->severity_text);
    c->body = acopy(t, l->body);
    c->attrs_json = acopy(t, l->attrs_json);
    c->resource_json = acopy(t, l->resource_json);
    c->service = acopy(t, l->service);
    c->event_name = acopy(t, l->event_name);
    return t->oom ? LOUPE_ENOMEM : 0;
}

static void trace_reset(trace_acc *t)
{
    arena_reset(t->a);
    t->n = t->nlogs = t->dropped_spans = t->dropped_logs = 0;
    t->oom = 0;
}

static void trace_free(trace_acc *t)
{
    arena_destroy(t->a);
    free(t->spans);
    free(t->logs);
}

/* Loads spans and logs of one trace into t (reset first). */
static int trace_load(records *rec, trace_acc *t, const uint8_t id[16], err_ctx *e)
{
    trace_reset(t);
    int rc = records_trace_spans(rec, id, on_span, t, e);
    if (!rc && t->n)
        rc = records_trace_logs(rec, id, on_log, t, e);
    return rc;
}

/* ------------------------------------------------------------ one trace: write */

typedef struct tag_ctx {
    buf *b;
    int n; /* tags written so far in this list */
} tag_ctx;

static int tag_open(tag_ctx *c, slice key_lit, const char *key)
{
    return (c->n++ && buf_putc(c->b, ',')) || buf_puts(c->b, "{\"key\":") ||
           (key ? json_cstr(c->b, key) : buf_append(c->b, key_lit.p, key_lit.n));
}

static int tag_str(tag_ctx *c, const char *key, slice v)
{
    return tag_open(c, slice_make("", 0), key) || buf_puts(c->b, ",\"type\":\"string\",\"value\":") ||
           json_str(c->b, v) || buf_putc(c->b, '}');
}

static int tag_raw(tag_ctx *c, slice key_lit, const char *key, const char *type, slice raw)
{
    return tag_open(c, key_lit, key) || buf_printf(c->b, ",\"type\":\"%s\",\"value\":", type) ||
           buf_append(c->b, raw.p, raw.n) || buf_putc(c->b, '}');
}

/* One stored attribute as a typed Jaeger tag; arrays and maps become JSON
 * text in a string tag, as Jaeger's OTLP translator writes them. */
static int on_attr(void *vctx, slice key, slice val)
{
    tag_ctx *c = vctx;
    switch (rjson_kind_of(val)) {
    case RJ_STRING: return tag_raw(c, key, NULL, "string", val);
    case RJ_INT: return tag_raw(c, key, NULL, "int64", val);
    case RJ_FLOAT: return tag_raw(c, key, NULL, "float64", val);
    case RJ_BOOL: return tag_raw(c, key, NULL, "bool", val);
    case RJ_NULL: return tag_raw(c, key, NULL, "string", slice_cstr("\"\""));
    default:
        return tag_open(c, key, NULL) || buf_puts(c->b, ",\"type\":\"string\",\"value\":") || json_str(c->b, val) ||
               buf_putc(c->b, '}');
    }
}

/* Resource attributes without service.name (it is the process's serviceName). */
static int on_resource_attr(void *vctx, slice key, slice val)
{
    return rjson_str_eq(key, "service.name") ? 0 : on_attr(vctx, key, val);
}

/* Attributes as tags; text that is not a JSON object is kept as one string
 * tag rather than dropped. */
static int write_attrs(tag_ctx *c, slice attrs, rjson_member_fn fn)
{
    if (!attrs.n)
        return 0;
    if (rjson_kind_of(attrs) != RJ_OBJECT)
        return tag_str(c, "loupe.unparsed_attributes", attrs);
    return rjson_object_each(attrs, fn, c) ? LOUPE_ENOMEM : 0;
}

static int write_span_tags(buf *b, const rec_span *s)
{
    tag_ctx c = { b, 0 };
    int rc = buf_putc(b, '[') || write_attrs(&c, s->attrs_json, on_attr);
    if (!rc && s->scope_name.n)
        rc = tag_str(&c, "otel.scope.name", s->scope_name);
    if (!rc && s->scope_version.n)
        rc = tag_str(&c, "otel.scope.version", s->scope_version);
    if (!rc && s->kind >= 1 && s->kind <= 5)
        rc = tag_str(&c, "span.kind", slice_cstr(jaeger_kind_name(s->kind)));
    if (!rc && s->status_code == REC_STATUS_ERROR)
        rc = tag_str(&c, "otel.status_code", slice_cstr("ERROR")) ||
             tag_raw(&c, slice_make("", 0), "error", "bool", slice_cstr("true"));
    else if (!rc && s->status_code == REC_STATUS_OK)
        rc = tag_str(&c, "otel.status_code", slice_cstr("OK"));
    if (!rc && s->status_message.n)
        rc = tag_str(&c, "otel.status_description", s->status_message);
    return rc || buf_putc(b, ']');
}

/* Fields of one span event {"time_unix_nano":n,"name":s,"attributes":{}}. */
typedef struct event_ctx {
    slice name, attrs;
    int64_t ts;
    int has_ts;
} event_ctx;

static int on_event_member(void *vctx, slice key, slice val)
{
    event_ctx *ev = vctx;
    if (rjson_str_eq(key, "time_unix_nano"))
        ev->has_ts = rjson_int64(val, &ev->ts) == 0;
    else if (rjson_str_eq(key, "name") && val.n && val.p[0] == '"')
        ev->name = val;
    else if (rjson_str_eq(key, "attributes") && val.n && val.p[0] == '{')
        ev->attrs = val;
    return 0;
}

static void parse_event(slice el, event_ctx *ev)
{
    memset(ev, 0, sizeof *ev);
    if (el.n && el.p[0] == '{')
        rjson_object_each(el, on_event_member, ev);
}

static const char *severity_name(int n)
{
    static const char *const names[] = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" };
    return n >= 1 && n <= 24 ? names[(n - 1) / 4] : "";
}

static int write_log(buf *b, const jlog *l)
{
    tag_ctx c = { b, 0 };
    int rc = buf_printf(b, "{\"timestamp\":%lld,\"fields\":[", (long long)(l->ts_ns / 1000));
    if (l->rec) {
        const rec_log *r = l->rec;
        if (!rc && r->event_name.n)
            rc = tag_str(&c, "event", r->event_name);
        slice sev = r->severity_text.n ? r->severity_text : slice_cstr(severity_name(r->severity_number));
        if (!rc && sev.n)
            rc = tag_str(&c, "severity", sev);
        if (!rc && r->body.n)
            rc = tag_str(&c, "body", r->body);
        rc = rc || write_attrs(&c, r->attrs_json, on_attr);
    } else {
        event_ctx ev;
        parse_event(l->event, &ev);
        if (ev.name.n)
            rc = rc || tag_raw(&c, slice_make("", 0), "event", "string", ev.name);
        rc = rc || write_attrs(&c, ev.attrs, on_attr);
    }
    return rc || buf_puts(b, "]}");
}

static int cmp_jlog(const void *x, const void *y)
{
    const jlog *a = x, *b = y;
    if (a->span != b->span)
        return a->span < b->span ? -1 : 1;
    if (a->ts_ns != b->ts_ns)
        return a->ts_ns < b->ts_ns ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

typedef struct sid_ent {
    uint8_t id[8];
    size_t idx;
} sid_ent;

static int cmp_sid(const void *x, const void *y) { return memcmp(x, y, 8); }

typedef struct events_collect {
    jlog **logs;
    size_t *n, *cap;
    size_t span;
} events_collect;

static int on_event_el(void *vctx, slice el)
{
    events_collect *ec = vctx;
    event_ctx ev;
    parse_event(el, &ev);
    if (grow((void **)ec->logs, ec->cap, *ec->n + 1, sizeof **ec->logs))
        return LOUPE_ENOMEM;
    (*ec->logs)[*ec->n] = (jlog){ ec->span, ev.ts, *ec->n, NULL, el };
    (*ec->n)++;
    return 0;
}

/* Every span log of the trace, sorted by span then time: events where they
 * belong, log records on the span they name, or on the root span when they
 * name none that is here (Jaeger has no trace-level logs). */
static int collect_logs(const trace_acc *t, jlog **out, size_t *nout)
{
    jlog *logs = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    size_t root = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!t->spans[i].s.has_parent) {
            root = i;
            break;
        }
    for (size_t i = 0; i < t->n && !rc; i++) {
        events_collect ec = { &logs, &n, &cap, i };
        slice ev = t->spans[i].s.events_json;
        if (ev.n && rjson_kind_of(ev) == RJ_ARRAY)
            rc = rjson_array_each(ev, on_event_el, &ec);
    }
    sid_ent *ids = rc || !t->nlogs ? NULL : malloc(t->n * sizeof *ids);
    if (!rc && t->nlogs && !ids)
        rc = LOUPE_ENOMEM;
    if (ids) {
        for (size_t i = 0; i < t->n; i++) {
            memcpy(ids[i].id, t->spans[i].s.span_id, 8);
            ids[i].idx = i;
        }
        sort_array(ids, t->n, sizeof *ids, cmp_sid);
    }
    for (size_t i = 0; i < t->nlogs && !rc; i++) {
        const rec_log *l = &t->logs[i];
        const sid_ent *hit = l->has_span_id ? bsearch(l->span_id, ids, t->n, sizeof *ids, cmp_sid) : NULL;
        if ((rc = grow((void **)&logs, &cap, n + 1, sizeof *logs)))
            break;
        logs[n] = (jlog){ hit ? hit->idx : root, l->time_ns ? l->time_ns : l->observed_ns, n, l, slice_make("", 0) };
        n++;
    }
    free(ids);
    if (rc) {
        free(logs);
        return rc;
    }
    sort_array(logs, n, sizeof *logs, cmp_jlog);
    *out = logs;
    *nout = n;
    return 0;
}

typedef struct link_ctx {
    buf *b;
    int *nrefs;
    uint8_t tid[16], sid[8];
    int have;
} link_ctx;

static int on_link_member(void *vctx, slice key, slice val)
{
    link_ctx *l = vctx;
    buf tmp = BUF_INIT;
    int ok = val.n >= 2 && val.p[0] == '"' && rjson_str_decode(val, &tmp) == 0;
    if (ok && rjson_str_eq(key, "trace_id"))
        l->have |= hex_id_parse(buf_slice(&tmp), l->tid, 16) == 0 && tmp.n == 32 ? 1 : 0;
    else if (ok && rjson_str_eq(key, "span_id"))
        l->have |= hex_id_parse(buf_slice(&tmp), l->sid, 8) == 0 && tmp.n == 16 ? 2 : 0;
    buf_free(&tmp);
    return 0;
}

static int write_ref(buf *b, int *nrefs, const char *type, const uint8_t tid[16], const uint8_t sid[8])
{
    char th[33], sh[17];
    hex_encode(tid, 16, th);
    hex_encode(sid, 8, sh);
    return ((*nrefs)++ && buf_putc(b, ',')) ||
           buf_printf(b, "{\"refType\":\"%s\",\"traceID\":\"%s\",\"spanID\":\"%s\"}", type, th, sh);
}

static int on_link(void *vctx, slice el)
{
    link_ctx *l = vctx;
    l->have = 0;
    if (el.n && el.p[0] == '{')
        rjson_object_each(el, on_link_member, l);
    return l->have == 3 ? write_ref(l->b, l->nrefs, "FOLLOWS_FROM", l->tid, l->sid) : 0;
}

static int write_span(buf *b, const jspan *j, const jlog *logs, size_t nlogs)
{
    const rec_span *s = &j->s;
    char th[33], sh[17];
    hex_encode(s->trace_id, 16, th);
    hex_encode(s->span_id, 8, sh);
    int64_t dur = s->end_ns > s->start_ns ? (s->end_ns - s->start_ns) / 1000 : 0;
    int nrefs = 0;
    int rc = buf_printf(b, "{\"traceID\":\"%s\",\"spanID\":\"%s\",\"operationName\":", th, sh) ||
             json_str(b, s->name) || buf_puts(b, ",\"references\":[");
    if (!rc && s->has_parent && !bytes_zero(s->parent_id, 8))
        rc = write_ref(b, &nrefs, "CHILD_OF", s->trace_id, s->parent_id);
    if (!rc && s->links_json.n && rjson_kind_of(s->links_json) == RJ_ARRAY) {
        link_ctx lc = { b, &nrefs, { 0 }, { 0 }, 0 };
        rc = rjson_array_each(s->links_json, on_link, &lc) ? LOUPE_ENOMEM : 0;
    }
    rc = rc || buf_printf(b, "],\"startTime\":%lld,\"duration\":%lld,\"tags\":", (long long)(s->start_ns / 1000),
                          (long long)dur) ||
         write_span_tags(b, s) || buf_puts(b, ",\"logs\":[");
    for (size_t i = 0; i < nlogs && !rc; i++)
        rc = (i && buf_putc(b, ',')) || write_log(b, &logs[i]);
    return rc || buf_printf(b, "],\"processID\":\"p%d\",\"warnings\":null,\"flags\":1}", j->proc + 1);
}

static int write_process(buf *b, const rec_span *s)
{
    tag_ctx c = { b, 0 };
    return buf_puts(b, "{\"serviceName\":") || json_str(b, s->service) || buf_puts(b, ",\"tags\":[") ||
           write_attrs(&c, s->resource_json, on_resource_attr) || buf_puts(b, "]}");
}

typedef struct proc_key {
    slice service, resource;
    size_t idx;
} proc_key;

static int cmp_proc_key(const void *x, const void *y)
{
    const proc_key *a = x, *b = y;
    int c = slice_cmp(a->service, b->service);
    if (!c)
        c = slice_cmp(a->resource, b->resource);
    return c ? c : a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

/* Processes: one per distinct (service, resource attributes), numbered in
 * order of first use (sorting, so a trace of many resources stays
 * O(n log n)).  Sets every span's proc; procs[0..*np) are the first span
 * of each process.  procs has room for t->n. */
static int assign_processes(trace_acc *t, size_t *procs, size_t *np)
{
    proc_key *k = malloc(t->n * sizeof *k);
    size_t *rank = malloc(t->n * sizeof *rank), n = 0;
    if (!k || !rank) {
        free(k);
        free(rank);
        return LOUPE_ENOMEM;
    }
    for (size_t i = 0; i < t->n; i++)
        k[i] = (proc_key){ t->spans[i].s.service, t->spans[i].s.resource_json, i };
    sort_array(k, t->n, sizeof *k, cmp_proc_key);
    /* rank[i] first holds the first span of span i's process */
    for (size_t i = 0; i < t->n; i++) {
        int same = i && slice_eq(k[i].service, k[i - 1].service) && slice_eq(k[i].resource, k[i - 1].resource);
        if (!same)
            procs[n++] = k[i].idx;
        rank[k[i].idx] = procs[n - 1];
    }
    sort_array(procs, n, sizeof *procs, cmp_size);
    for (size_t i = 0; i < t->n; i++) {
        const size_t *hit = bsearch(&rank[i], procs, n, sizeof *procs, cmp_size);
        t->spans[i].proc = (int)(hit - procs);
    }
    *np = n;
    free(k);
    free(rank);
    return 0;
}

/* Writes t (loaded, at least one span) as a Jaeger trace object. */
static int write_trace(buf *b, trace_acc *t)
{
    size_t *procs = malloc(t->n * sizeof *procs), np = 0;
    jlog *logs = NULL;
    size_t nlogs = 0;
    if (!procs || assign_processes(t, procs, &np)) {
        free(procs);
        return LOUPE_ENOMEM;
    }
    int rc = collect_logs(t, &logs, &nlogs);
    char th[33];
    hex_encode(t->spans[0].s.trace_id, 16, th);
    rc = rc || buf_printf(b, "{\"traceID\":\"%s\",\"spans\":[", th);
    size_t li = 0;
    for (size_t i = 0; i < t->n && !rc; i++) {
        size_t l0 = li;
        while (li < nlogs && logs[li].span == i)
            li++;
        rc = (i && buf_putc(b, ',')) || write_span(b, &t->spans[i], logs + l0, li - l0);
    }
    rc = rc || buf_puts(b, "],\"processes\":{");
    for (size_t k = 0; k < np && !rc; k++)
        rc = (k && buf_putc(b, ',')) || buf_printf(b, "\"p%zu\":", k + 1) || write_process(b, &t->spans[procs[k]].s);
    rc = rc || buf_puts(b, "},\"warnings\":");
    if (!rc && (t->dropped_spans || t->dropped_logs))
        rc = buf_printf(b, "[\"loupe: trace truncated: %zu spans and %zu log records not shown\"]}",
                        t->dropped_spans, t->dropped_logs);
    else
        rc = rc || buf_puts(b, "null}");
    free(procs);
    free(logs);
    return rc;
}

static int trace_init(trace_acc *t, size_t max_spans)
{
    memset(t, 0, sizeof *t);
    t->max = max_spans ? max_spans : DEFAULT_MAX_SPANS;
    t->a = arena_create(64 * 1024);
    return t->a ? 0 : LOUPE_ENOMEM;
}

int jaeger_write_traces(records *rec, size_t max_spans, size_t max_bytes, buf *b, const uint8_t (*ids)[16],
                        size_t nids, size_t *total, err_ctx *e)
{
    trace_acc t;
    int rc = trace_init(&t, max_spans) || buf_putc(b, '[') ? LOUPE_ENOMEM : 0;
    *total = 0;
    for (size_t i = 0; i < nids && !rc && (!max_bytes || !*total || b->n < max_bytes); i++) {
        if ((rc = trace_load(rec, &t, ids[i], e)))
            break;
        if (!t.n)
            continue; /* gone since the search (retention) */
        rc = ((*total)++ && buf_putc(b, ',')) || write_trace(b, &t) ? LOUPE_ENOMEM : 0;
    }
    trace_free(&t);
    return rc || buf_putc(b, ']') ? (rc ? rc : LOUPE_ENOMEM) : 0;
}

