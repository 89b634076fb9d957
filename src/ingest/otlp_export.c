/* otlp_export.c - one OTLP Export request from decoded body to storage; see otlp_export.h. */
#include "ingest/otlp_export.h"
#include "ingest/pb.h"
#include "ingest/series_batch.h"
#include "util/arena.h"
#include "util/json.h"
#include "util/metrics.h"
#include "util/tls.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Scratch kept per thread across requests; trimmed after big ones. */
#define KEEP_SCRATCH (8u << 20)

static const char *const signal_name[] = { "traces", "metrics", "logs" };

void otlp_export_init_metrics(void)
{
    metrics_declare("loupe_otlp_requests_total", METRIC_COUNTER, "OTLP export requests, by signal and outcome.");
    metrics_declare("loupe_otlp_items_received_total", METRIC_COUNTER,
                    "Spans, log records and metric data points received over OTLP, by signal.");
    metrics_declare("loupe_otlp_items_stored_total", METRIC_COUNTER,
                    "Spans, log records and metric data points stored, by signal.");
    metrics_declare("loupe_otlp_items_rejected_total", METRIC_COUNTER,
                    "Items not stored, by signal and reason (invalid, decode, overload, error); "
                    "also reported to the sender in partial_success or the error response.");
    metrics_declare("loupe_llm_calls_total", METRIC_COUNTER, "LLM call records stored, by source (span or log).");
    metrics_declare("loupe_llm_calls_unpriced_total", METRIC_COUNTER,
                    "LLM calls stored without a cost: no cost on the span and no price for the model.");
    metrics_declare("loupe_derived_samples_dropped_total", METRIC_COUNTER,
                    "Samples of series derived from LLM calls that could not be stored, by reason.");
}

static void count(const char *family, int signal, const char *reason, double v)
{
    char l[96];
    if (reason)
        snprintf(l, sizeof l, "signal=\"%s\",reason=\"%s\"", signal_name[signal], reason);
    else
        snprintf(l, sizeof l, "signal=\"%s\"", signal_name[signal]);
    metrics_add(family, l, v);
}

static int fail(otlp_result *r, int code, const char *msg)
{
    r->code = code;
    snprintf(r->msg, sizeof r->msg, "%s", msg);
    return code;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* Adds a reason to partial_msg ("; "-separated, the first ones win). */
static void partial(otlp_result *r, const char *fmt, const char *what)
{
    size_t n = strlen(r->partial_msg);
    if (n + 8 >= sizeof r->partial_msg)
        return;
    snprintf(r->partial_msg + n, sizeof r->partial_msg - n, n ? "; " : "%s", "");
    n = strlen(r->partial_msg);
    snprintf(r->partial_msg + n, sizeof r->partial_msg - n, fmt, what);
}

/* Items the records store did not write because they are older than the
 * retention window: rejected, counted, and said in partial_success. */
static void too_old(otlp_result *r, int signal, size_t n, const char *what)
{
    char msg[160];
    r->rejected += (int64_t)n;
    count("loupe_otlp_items_rejected_total", signal, "too_old", (double)n);
    snprintf(msg, sizeof msg, "%zu %s older than the retention window were dropped", n, what);
    partial(r, "%s", msg);
}

/* ------------------------------------------------------------ JSON helpers */

/* Copies tmp into the arena as a slice (tmp is reused). */
static int keep(arena *a, buf *tmp, slice *out)
{
    if (!tmp->n) {
        *out = slice_make(NULL, 0);
        return 0;
    }
    char *p = arena_strndup(a, (const char *)tmp->p, tmp->n);
    if (!p)
        return LOUPE_ENOMEM;
    *out = slice_make(p, tmp->n);
    return 0;
}

static int put_hex(buf *b, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    if (buf_reserve(b, 2 * n + 2))
        return LOUPE_ENOMEM;
    b->p[b->n++] = '"';
    for (size_t i = 0; i < n; i++) {
        b->p[b->n++] = (uint8_t)hx[p[i] >> 4];
        b->p[b->n++] = (uint8_t)hx[p[i] & 15];
    }
    b->p[b->n++] = '"';
    return 0;
}

static int events_json(const otlp_span *s, buf *b)
{
    int rc = 0;
    if (!s->nevents)
        return 0;
    rc |= buf_putc(b, '[');
    for (size_t i = 0; i < s->nevents && !rc; i++) {
        const otlp_event *ev = &s->events[i];
        rc |= buf_printf(b, "%s{\"time_unix_nano\":%llu,\"name\":", i ? "," : "", (unsigned long long)ev->time_ns);
        rc |= json_str(b, ev->name);
        rc |= buf_puts(b, ",\"attributes\":");
        rc |= otlp_attrs_json(&ev->attrs, b);
        rc |= buf_putc(b, '}');
    }
    rc |= buf_putc(b, ']');
    return rc ? LOUPE_ENOMEM : 0;
}

static int links_json(const otlp_span *s, buf *b)
{
    int rc = 0;
    if (!s->nlinks)
        return 0;
    rc |= buf_putc(b, '[');
    for (size_t i = 0; i < s->nlinks && !rc; i++) {
        const otlp_link *l = &s->links[i];
        rc |= buf_puts(b, i ? ",{\"trace_id\":" : "{\"trace_id\":");
        rc |= put_hex(b, l->trace_id, 16);
        rc |= buf_puts(b, ",\"span_id\":");
        rc |= put_hex(b, l->span_id, 8);
        if (l->trace_state.n) {
            rc |= buf_puts(b, ",\"trace_state\":");
            rc |= json_str(b, l->trace_state);
        }
        rc |= buf_puts(b, ",\"attributes\":");
        rc |= otlp_attrs_json(&l->attrs, b);
        rc |= buf_putc(b, '}');
    }
    rc |= buf_putc(b, ']');
    return rc ? LOUPE_ENOMEM : 0;
}

/* The resource's service.name as text ("unknown_service" when absent, as
 * the SDKs default it). */
static slice service_of(const otlp_resource *res, arena *a, buf *tmp)
{
    const otlp_value *v = res ? otlp_attrs_get(&res->attrs, "service.name") : NULL;
    if (!v)
        return slice_cstr("unknown_service");
    if (v->type == OTLP_STRING)
        return v->u.s;
    tmp->n = 0;
    slice s = slice_cstr("unknown_service");
    if (!otlp_value_text(v, tmp))
        keep(a, tmp, &s);
    return s;
}

/* Per-resource JSON, computed once per resource of the request. */
typedef struct res_cache {
    const otlp_resource *res;
    slice json, service;
} res_cache;

static int resource_info(res_cache *rc, const otlp_resource *res, arena *a, buf *tmp)
{
    if (rc->res == res && rc->json.p)
        return 0;
    rc->res = res;
    tmp->n = 0;
    if (res && res->attrs.n && otlp_attrs_json(&res->attrs, tmp))
        return LOUPE_ENOMEM;
    if (keep(a, tmp, &rc->json))
        return LOUPE_ENOMEM;
    if (!rc->json.p)
        rc->json = slice_make("", 0);
    rc->service = service_of(res, a, tmp);
    return 0;
}

/* user / session of a span that is not an LLM call (agent and tool spans
 * carry them too, and trace search by user id should find those traces). */
static slice string_attr(const otlp_attrs *as, const char *const *keys)
{
    for (; *keys; keys++) {
        const otlp_value *v = otlp_attrs_get(as, *keys);
        if (v && v->type == OTLP_STRING && v->u.s.n)
            return v->u.s;
    }
    return slice_make(NULL, 0);
}
static const char *const user_keys[] = { "user.id", "enduser.id", "llm.user_id", "langfuse.user.id",
                                         "traceloop.association.properties.user_id", "gen_ai.user.id", NULL };
static const char *const session_keys[] = { "session.id", "gen_ai.conversation.id", "langfuse.session.id",
                                            "llm.session_id", "traceloop.association.properties.session_id",
                                            NULL };

/* ------------------------------------------------------------ derived series */

/* Feeds the stored calls to the derived series and writes them.  Failures
 * here do not fail the request (the calls are stored): they are counted
 * and said in partial_success's message. */
static void write_derived(otlp_export_ctx *c, const rec_call *calls, const uint8_t *skip, size_t n, arena *a,
                          otlp_result *r)
{
    if (!n || !c->der)
        return;
    err_ctx e = { 0 };
    series_batch sb;
    series_batch_init(&sb, a, &c->label_limits);
    for (size_t i = 0; i < n; i++)
        if (!(skip && skip[i]) && derived_add_call(c->der, &calls[i], &sb, &e))
            break;
    store_series_in *in = NULL;
    size_t nin = 0;
    int rc = e.code;
    if (!rc)
        rc = series_batch_finish(&sb, &in, &nin, &e);
    store_write_result wres;
    if (!rc && nin)
        rc = store_write(c->st, in, nin, &wres, &e);
    if (rc) {
        metrics_add("loupe_derived_samples_dropped_total",
                    rc == LOUPE_EBUSY ? "reason=\"overload\"" : "reason=\"error\"", (double)sb.nsamples);
        partial(r, "series derived from the LLM calls were not stored: %s", e.msg);
    }
}

/* Writes a batch of spans or logs (with their LLM calls) to the records
 * store, counts it, reports items dropped for age, and feeds the calls to
 * the derived series. */
static void commit_records(otlp_export_ctx *c, int signal, const rec_batch *b, arena *a, otlp_result *r)
{
    err_ctx e = { 0 };
    size_t n = signal == OTLP_TRACES ? b->nspans : b->nlogs;
    rec_write_result wres = { 0 };
    int rc = (n || b->ncalls) ? records_write(c->rec, b, &wres, &e) : 0;
    if (rc) {
        count("loupe_otlp_items_rejected_total", signal, rc == LOUPE_EBUSY ? "overload" : "error", (double)n);
        fail(r, rc, e.msg);
        return;
    }
    size_t stored = signal == OTLP_TRACES ? wres.spans : wres.logs;
    r->accepted = stored;
    count("loupe_otlp_items_stored_total", signal, NULL, (double)stored);
    if (stored < n)
        too_old(r, signal, n - stored, signal == OTLP_TRACES ? "spans" : "log records");
    if (wres.calls) {
        metrics_add("loupe_llm_calls_total", signal == OTLP_TRACES ? "source=\"span\"" : "source=\"log\"",
                    (double)wres.calls);
        size_t unpriced = 0;
        for (size_t i = 0; i < b->ncalls; i++)
            unpriced += isnan(b->calls[i].cost_usd);
        if (unpriced)
            metrics_add("loupe_llm_calls_unpriced_total", NULL, (double)unpriced);
    }
    /* A call made earlier from the span's log event was counted then: the
     * span's own call replaces that record but is not counted again. */
    uint8_t *skip = NULL;
    if (c->log_calls && b->ncalls && (skip = arena_calloc(a, b->ncalls)))
        for (size_t i = 0; i < b->ncalls; i++) {
            const rec_call *k = &b->calls[i];
            if (all_zero(k->span_id, 8))
                continue;
            if (signal == OTLP_TRACES)
                skip[i] = (uint8_t)span_set_take(c->log_calls, k->trace_id, k->span_id);
            else if (b->calls_skipped && b->calls_skipped[i])
                skip[i] = 1; /* its span had made the call: counted then */
            else
                span_set_add(c->log_calls, k->trace_id, k->span_id);
        }
    write_derived(c, b->calls, skip, b->ncalls, a, r);
}

/* ------------------------------------------------------------ traces */

static void export_traces(otlp_export_ctx *c, const otlp_traces *t, arena *a, otlp_result *r)
{
    err_ctx e = { 0 };
    buf tmp = BUF_INIT;
    res_cache rcache = { 0 };
    size_t ns = 0, nc = 0;
    rec_span *spans = t->nspans ? arena_alloc(a, t->nspans * sizeof *spans) : NULL;
    rec_call *calls = t->nspans ? arena_alloc(a, t->nspans * sizeof *calls) : NULL;
    count("loupe_otlp_items_received_total", OTLP_TRACES, NULL, (double)t->nspans);
    if (t->nspans && (!spans || !calls)) {
        fail(r, LOUPE_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < t->nspans; i++) {
        const otlp_span *s = &t->spans[i];
        if (!s->has_trace_id || all_zero(s->trace_id, 16) || !s->has_span_id || all_zero(s->span_id, 8)) {
            r->rejected++;
            partial(r, "%s", "spans without a trace id or span id (all zero or empty) are invalid");
            continue;
        }
        rec_span *o = &spans[ns];
        memset(o, 0, sizeof *o);
        memcpy(o->trace_id, s->trace_id, 16);
        memcpy(o->span_id, s->span_id, 8);
        o->has_parent = s->has_parent && !all_zero(s->parent_span_id, 8);
        if (o->has_parent)
            memcpy(o->parent_id, s->parent_span_id, 8);
        if (resource_info(&rcache, s->resource, a, &tmp))
            goto oom;
        o->service = rcache.service;
        o->resource_json = rcache.json;
        o->name = s->name;
        o->kind = s->kind;
        o->start_ns = (int64_t)s->start_ns;
        o->end_ns = (int64_t)(s->end_ns < s->start_ns ? s->start_ns : s->end_ns);
        o->status_code = s->status_code;
        o->status_message = s->status_message;
        tmp.n = 0;
        if ((s->attrs.n && otlp_attrs_json(&s->attrs, &tmp)) || keep(a, &tmp, &o->attrs_json))
            goto oom;
        tmp.n = 0;
        if (events_json(s, &tmp) || keep(a, &tmp, &o->events_json))
            goto oom;
        tmp.n = 0;
        if (links_json(s, &tmp) || keep(a, &tmp, &o->links_json))
            goto oom;
        if (s->scope) {
            o->scope_name = s->scope->name;
            o->scope_version = s->scope->version;
        }
        rec_call *call = &calls[nc];
        int is_call = genai_span_call(&c->genai, c->prices, s, a, call, &e);
        if (is_call < 0) {
            if (is_call == LOUPE_ENOMEM)
                goto oom;
            /* an LLM span we cannot make sense of stays a plain span */
            err_clear(&e);
            is_call = 0;
        }
        if (is_call) {
            nc++;
            o->user_id = call->user_id;
            o->session_id = call->session_id;
        } else {
            o->user_id = string_attr(&s->attrs, user_keys);
            o->session_id = string_attr(&s->attrs, session_keys);
        }
        ns++;
    }
    if (r->rejected)
        count("loupe_otlp_items_rejected_total", OTLP_TRACES, "invalid", (double)r->rejected);

    rec_batch b = { spans, ns, calls, nc, NULL, 0, NULL };
    commit_records(c, OTLP_TRACES, &b, a, r);
    goto cleanup;
oom:
    fail(r, LOUPE_ENOMEM, "out of memory");
cleanup:
    buf_free(&tmp);
}

/* ------------------------------------------------------------ logs */

typedef struct span_probe {
    const uint8_t *span_id;
    int found;
} span_probe;

static int probe_row(void *ctx, const rec_call_row *row)
{
    span_probe *p = ctx;
    if (!memcmp(row->c.span_id, p->span_id, 8))
        p->found = 1;
    return 0;
}

/* Is there a call record for this span already? */
static int call_stored(records *rec, const uint8_t trace_id[16], const uint8_t span_id[8])
{
    rec_call_query q;
    memset(&q, 0, sizeof q);
    q.has_trace_id = 1;
    memcpy(q.trace_id, trace_id, 16);
    q.end_ns = INT64_MAX;
    q.min_cost = q.max_cost = NAN;
    q.limit = 1000;
    span_probe p = { span_id, 0 };
    buf cursor = BUF_INIT;
    err_ctx e = { 0 };
    records_calls(rec, &q, probe_row, &p, &cursor, &e);
    buf_free(&cursor);
    return p.found;
}

static void export_logs(otlp_export_ctx *c, const otlp_logs *lg, arena *a, otlp_result *r)
{
    err_ctx e = { 0 };
    buf tmp = BUF_INIT;
    res_cache rcache = { 0 };
    size_t nl = 0, nc = 0;
    rec_log *logs = lg->nlogs ? arena_alloc(a, lg->nlogs * sizeof *logs) : NULL;
    rec_call *calls = lg->nlogs ? arena_alloc(a, lg->nlogs * sizeof *calls) : NULL;
    count("loupe_otlp_items_received_total", OTLP_LOGS, NULL, (double)lg->nlogs);
    if (lg->nlogs && (!logs || !calls)) {
        fail(r, LOUPE_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < lg->nlogs; i++) {
        const otlp_log *l = &lg->logs[i];
        rec_log *o = &logs[nl++];
        memset(o, 0, sizeof *o);
        /* time_unix_nano may be 0 ("unknown"): the collector's time then */
        o->time_ns = (int64_t)(l->time_ns ? l->time_ns : l->observed_ns);
        o->observed_ns = (int64_t)l->observed_ns;
        o->severity_number = l->severity_number;
        o->severity_text = l->severity_text;
        o->event_name = l->event_name;
        if (resource_info(&rcache, l->resource, a, &tmp))
            goto oom;
        o->service = rcache.service;
        o->resource_json = rcache.json;
        tmp.n = 0;
        if ((l->body.type != OTLP_EMPTY && otlp_value_text(&l->body, &tmp)) || keep(a, &tmp, &o->body))
            goto oom;
        tmp.n = 0;
        if ((l->attrs.n && otlp_attrs_json(&l->attrs, &tmp)) || keep(a, &tmp, &o->attrs_json))
            goto oom;
        o->has_trace_id = l->has_trace_id && !all_zero(l->trace_id, 16);
        o->has_span_id = l->has_span_id && !all_zero(l->span_id, 8);
        memcpy(o->trace_id, l->trace_id, 16);
        memcpy(o->span_id, l->span_id, 8);
        /* A log record in a span's context that describes the call (the
         * gen_ai.client.inference.operation.details event) makes the call
         * only when its span has not already made it. */
        if (o->has_span_id && o->has_trace_id && call_stored(c->rec, o->trace_id, o->span_id))
            continue;
        int is_call = genai_log_call(&c->genai, c->prices, l, a, &calls[nc], &e);
        if (is_call == LOUPE_ENOMEM)
            goto oom;
        if (is_call < 0)
            err_clear(&e);
        else if (is_call)
            calls[nc++].weak = 1;
    }
    rec_batch b = { NULL, 0, calls, nc, logs, nl, nc ? arena_calloc(a, nc) : NULL };
    if (nc && !b.calls_skipped)
        goto oom;
    commit_records(c, OTLP_LOGS, &b, a, r);
    goto cleanup;
oom:
    fail(r, LOUPE_ENOMEM, "out of memory");
cleanup:
    buf_free(&tmp);
}

/* ------------------------------------------------------------ metrics */

static void export_metrics(otlp_export_ctx *c, const otlp_metrics *m, arena *a, otlp_result *r)
{
    err_ctx e = { 0 };
    series_batch sb;
    series_batch_init(&sb, a, &c->label_limits);
    otlp_metrics_report rep;
    memset(&rep, 0, sizeof rep);
    count("loupe_otlp_items_received_total", OTLP_METRICS, NULL, (double)m->npoints);
    int rc = otlp_metrics_convert(c->mconv, m, &sb, a, &rep, &e);
    if (rc) {
        count("loupe_otlp_items_rejected_total", OTLP_METRICS, "error", (double)m->npoints);
        fail(r, rc, e.msg);
        return;
    }
    if (rep.rejected) {
        r->rejected += (int64_t)rep.rejected;
        count("loupe_otlp_items_rejected_total", OTLP_METRICS, "invalid", (double)rep.rejected);
        partial(r, "%s", rep.first_error[0] ? rep.first_error : "invalid data points");
    }
    store_series_in *in = NULL;
    size_t nin = 0;
    if ((rc = series_batch_finish(&sb, &in, &nin, &e))) {
        fail(r, rc, e.msg);
        return;
    }
    store_write_result wres = { 0 };
    if (nin && (rc = store_write(c->st, in, nin, &wres, &e))) {
        count("loupe_otlp_items_rejected_total", OTLP_METRICS, rc == LOUPE_EBUSY ? "overload" : "error",
              (double)(m->npoints - rep.rejected));
        fail(r, rc, e.msg);
        return;
    }
    for (size_t i = 0; i < rep.nmeta; i++)
        store_put_metadata(c->st, rep.meta[i].family, rep.meta[i].type, rep.meta[i].help, rep.meta[i].unit);
    r->accepted = m->npoints - rep.rejected;
    count("loupe_otlp_items_stored_total", OTLP_METRICS, NULL, (double)r->accepted);
    if (wres.too_old) {
        char msg[128];
        snprintf(msg, sizeof msg, "%zu samples older than the retention window were dropped", wres.too_old);
        partial(r, "%s", msg);
    }
}

/* ------------------------------------------------------------ entry points */

void otlp_export(otlp_export_ctx *c, int signal, int fmt, slice body, otlp_result *r)
{
    memset(r, 0, sizeof *r);
    err_ctx e = { 0 };
    arena *a = tls_arena();
    if (!a) {
        fail(r, LOUPE_ENOMEM, "out of memory");
        return;
    }
    arena_reset(a);
    int rc = 0;
    if (signal == OTLP_TRACES) {
        otlp_traces t;
        rc = fmt == OTLP_FMT_JSON ? otlp_decode_traces_json(body, &c->limits, a, &t, &e)
                                  : otlp_decode_traces_pb(body, &c->limits, a, &t, &e);
        if (!rc)
            export_traces(c, &t, a, r);
    } else if (signal == OTLP_LOGS) {
        otlp_logs l;
        rc = fmt == OTLP_FMT_JSON ? otlp_decode_logs_json(body, &c->limits, a, &l, &e)
                                  : otlp_decode_logs_pb(body, &c->limits, a, &l, &e);
        if (!rc)
            export_logs(c, &l, a, r);
    } else {
        otlp_metrics m;
        rc = fmt == OTLP_FMT_JSON ? otlp_decode_metrics_json(body, &c->limits, a, &m, &e)
                                  : otlp_decode_metrics_pb(body, &c->limits, a, &m, &e);
        if (!rc)
            export_metrics(c, &m, a, r);
    }
    if (rc) {
        count("loupe_otlp_items_rejected_total", signal, "decode", 0);
        fail(r, rc, e.msg);
    }
    char l[96];
    snprintf(l, sizeof l, "signal=\"%s\",outcome=\"%s\"", signal_name[signal],
             r->code ? "error" : r->rejected ? "partial" : "ok");
    metrics_add("loupe_otlp_requests_total", l, 1);
    tls_trim_arena(KEEP_SCRATCH);
}

int otlp_response_body(int signal, int fmt, const otlp_result *r, buf *out)
{
    static const char *const json_key[] = { "rejectedSpans", "rejectedDataPoints", "rejectedLogRecords" };
    int rc = 0;
    int partial_success = r->rejected || r->partial_msg[0];
    if (fmt == OTLP_FMT_JSON) {
        if (!partial_success)
            return buf_puts(out, "{}");
        rc |= buf_printf(out, "{\"partialSuccess\":{\"%s\":%lld,\"errorMessage\":", json_key[signal],
                         (long long)r->rejected);
        rc |= json_cstr(out, r->partial_msg);
        rc |= buf_puts(out, "}}");
        return rc ? LOUPE_ENOMEM : 0;
    }
    if (!partial_success)
        return 0;
    /* Export*ServiceResponse { partial_success = 1 { rejected_* = 1; error_message = 2 } } */
    buf inner = BUF_INIT;
    if (r->rejected)
        rc |= pb_put_varint_field(&inner, 1, (uint64_t)r->rejected);
    rc |= pb_put_bytes_field(&inner, 2, r->partial_msg, strlen(r->partial_msg));
    rc |= pb_put_bytes_field(out, 1, inner.p, inner.n);
    buf_free(&inner);
    return rc ? LOUPE_ENOMEM : 0;
}

int otlp_status_body(int fmt, int grpc_code, const char *msg, buf *out)
{
    int rc = 0;
    if (fmt == OTLP_FMT_JSON) {
        rc |= buf_printf(out, "{\"code\":%d,\"message\":", grpc_code);
        rc |= json_cstr(out, msg);
        rc |= buf_putc(out, '}');
        return rc ? LOUPE_ENOMEM : 0;
    }
    /* google.rpc.Status { int32 code = 1; string message = 2; } */
    rc |= pb_put_varint_field(out, 1, (uint64_t)grpc_code);
    rc |= pb_put_bytes_field(out, 2, msg, strlen(msg));
    return rc ? LOUPE_ENOMEM : 0;
}
