/* otlp_json.c - OTLP/JSON decoding (the protobuf JSON mapping with OTLP's
 * deviations: hex trace/span ids, integer enums) -> otlp_{traces,metrics,
 * logs}; parsing and the shared parts are otlp_json_read.c.  Enums are also
 * accepted by name ("SPAN_KIND_SERVER"). */
#include "util/mem.h"
#include "ingest/otlp_int.h"

#include <string.h>

#define NF(t) (sizeof(t) / sizeof((t)[0]))
#define EACH OTLP_JEACH

/* ------------------------------------------------------------ traces */

static const char *const SPAN_KINDS[] = {
    "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",      "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
};
static const char *const STATUS_CODES[] = { "STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR" };

enum { E_TIME, E_NAME, E_ATTRS, E_DROPPED };
static const otlp_jf T_EVENT[] = {
    { "timeUnixNano", "time_unix_nano" }, { "name", NULL }, { "attributes", NULL },
    { "droppedAttributesCount", "dropped_attributes_count" },
};

static int j_event(otlp_ctx *c, cJSON *o, otlp_event *ev)
{
    uint32_t dropped;
    EACH(it, o) {
        int i = otlp_jfind(T_EVENT, NF(T_EVENT), it->string), k = 0;
        if (i < 0 || cJSON_IsNull(it))
            continue;
        const char *nm = T_EVENT[i].camel;
        switch (i) {
        case E_TIME: k = otlp_ju64(c, it, nm, &ev->time_ns); break;
        case E_NAME: k = otlp_jstr(c, it, nm, &ev->name); break;
        case E_ATTRS: k = otlp_jattrs(c, it, nm, 0, &ev->attrs); break;
        case E_DROPPED: k = otlp_ju32(c, it, nm, &dropped); break;
        }
        if (k)
            return k;
    }
    return 0;
}

enum { L_TRACE_ID, L_SPAN_ID, L_TRACE_STATE, L_ATTRS, L_DROPPED, L_FLAGS };
static const otlp_jf T_LINK[] = {
    { "traceId", "trace_id" }, { "spanId", "span_id" }, { "traceState", "trace_state" },
    { "attributes", NULL },    { "droppedAttributesCount", "dropped_attributes_count" }, { "flags", NULL },
};

static int j_link(otlp_ctx *c, cJSON *o, otlp_link *ln)
{
    uint32_t u32;
    EACH(it, o) {
        int i = otlp_jfind(T_LINK, NF(T_LINK), it->string), k = 0;
        if (i < 0 || cJSON_IsNull(it))
            continue;
        const char *nm = T_LINK[i].camel;
        switch (i) {
        case L_TRACE_ID: k = otlp_jid(c, it, nm, ln->trace_id, 16, NULL); break;
        case L_SPAN_ID: k = otlp_jid(c, it, nm, ln->span_id, 8, NULL); break;
        case L_TRACE_STATE: k = otlp_jstr(c, it, nm, &ln->trace_state); break;
        case L_ATTRS: k = otlp_jattrs(c, it, nm, 0, &ln->attrs); break;
        case L_DROPPED: case L_FLAGS: k = otlp_ju32(c, it, nm, &u32); break;
        }
        if (k)
            return k;
    }
    return 0;
}

static int j_status(otlp_ctx *c, cJSON *o, otlp_span *s)
{
    if (!cJSON_IsObject(o))
        return otlp_jwrong(c, "status", o, "an object");
    size_t mark = otlp_path_field(c, "status");
    int k = 0;
    EACH(it, o) {
        if (cJSON_IsNull(it))
            continue;
        if (!strcmp(it->string, "message"))
            k = otlp_jstr(c, it, "message", &s->status_message);
        else if (!strcmp(it->string, "code"))
            k = otlp_jenum(c, it, "code", STATUS_CODES, (int)NF(STATUS_CODES), &s->status_code);
        if (k)
            break;
    }
    otlp_path_pop(c, mark);
    return k;
}

/* events or links: an array of objects, each counted as an item. */
static int j_span_list(otlp_ctx *c, cJSON *arr, const char *name, size_t size, void **out, size_t *nout)
{
    if (!cJSON_IsArray(arr))
        return otlp_jwrong(c, name, arr, "an array");
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    int k = otlp_add_items(c, name, n);
    uint8_t *items = k ? NULL : otlp_calloc(c, n, size);
    if (!k && n && !items)
        k = LOUPE_ENOMEM;
    EACH(it, k ? NULL : arr) {
        if ((k = otlp_jelem_obj(c, it, name, i)))
            break;
        size_t mark = otlp_path_index(c, name, i);
        k = size == sizeof(otlp_event) ? j_event(c, it, (otlp_event *)(items + i * size))
                                       : j_link(c, it, (otlp_link *)(items + i * size));
        otlp_path_pop(c, mark);
        i++;
        if (k)
            break;
    }
    *out = items;
    *nout = k ? 0 : i;
    return k;
}

enum {
    S_TRACE_ID, S_SPAN_ID, S_TRACE_STATE, S_PARENT, S_FLAGS, S_NAME, S_KIND, S_START, S_END, S_ATTRS,
    S_DROPPED_ATTRS, S_EVENTS, S_DROPPED_EVENTS, S_LINKS, S_DROPPED_LINKS, S_STATUS,
};
static const otlp_jf T_SPAN[] = {
    { "traceId", "trace_id" },
    { "spanId", "span_id" },
    { "traceState", "trace_state" },
    { "parentSpanId", "parent_span_id" },
    { "flags", NULL },
    { "name", NULL },
    { "kind", NULL },
    { "startTimeUnixNano", "start_time_unix_nano" },
    { "endTimeUnixNano", "end_time_unix_nano" },
    { "attributes", NULL },
    { "droppedAttributesCount", "dropped_attributes_count" },
    { "events", NULL },
    { "droppedEventsCount", "dropped_events_count" },
    { "links", NULL },
    { "droppedLinksCount", "dropped_links_count" },
    { "status", NULL },
};

static int j_span(otlp_ctx *c, cJSON *o, void *item, const otlp_resource *res, const otlp_scope *scope)
{
    otlp_span *s = item;
    s->resource = res;
    s->scope = scope;
    uint32_t dropped;
    void *arr;
    EACH(it, o) {
        int i = otlp_jfind(T_SPAN, NF(T_SPAN), it->string), k = 0;
        if (i < 0 || cJSON_IsNull(it))
            continue;
        const char *nm = T_SPAN[i].camel;
        switch (i) {
        case S_TRACE_ID: k = otlp_jid(c, it, nm, s->trace_id, 16, &s->has_trace_id); break;
        case S_SPAN_ID: k = otlp_jid(c, it, nm, s->span_id, 8, &s->has_span_id); break;
        case S_TRACE_STATE: k = otlp_jstr(c, it, nm, &s->trace_state); break;
        case S_PARENT: k = otlp_jid(c, it, nm, s->parent_span_id, 8, &s->has_parent); break;
        case S_FLAGS: k = otlp_ju32(c, it, nm, &s->flags); break;
        case S_NAME: k = otlp_jstr(c, it, nm, &s->name); break;
        case S_KIND: k = otlp_jenum(c, it, nm, SPAN_KINDS, (int)NF(SPAN_KINDS), &s->kind); break;
        case S_START: k = otlp_ju64(c, it, nm, &s->start_ns); break;
        case S_END: k = otlp_ju64(c, it, nm, &s->end_ns); break;
        case S_ATTRS: k = otlp_jattrs(c, it, nm, 0, &s->attrs); break;
        case S_EVENTS:
            k = j_span_list(c, it, nm, sizeof(otlp_event), &arr, &s->nevents);
            s->events = arr;
            break;
        case S_LINKS:
            k = j_span_list(c, it, nm, sizeof(otlp_link), &arr, &s->nlinks);
            s->links = arr;
            break;
        case S_STATUS: k = j_status(c, it, s); break;
        default: k = otlp_ju32(c, it, nm, &dropped); break;
        }
        if (k)
            return k;
    }
    return 0;
}

int otlp_decode_traces_json(slice body, const otlp_limits *l, arena *a, otlp_traces *out, err_ctx *e)
{
    otlp_ctx c;
    otlp_ctx_init(&c, l, a, e, "spans, events and links");
    memset(out, 0, sizeof *out);
    otlp_jsig s = { { "resourceSpans", "resource_spans" }, { "scopeSpans", "scope_spans" }, { "spans", NULL },
               sizeof(otlp_span), j_span, 1, NULL, 0, 0 };
    int rc = otlp_jdecode(&c, body, &s);
    if (rc)
        return rc;
    out->spans = (otlp_span *)s.items;
    out->nspans = s.n;
    return 0;
}

/* ------------------------------------------------------------ logs */

static const char *const SEVERITIES[] = {
    "SEVERITY_NUMBER_UNSPECIFIED",
    "SEVERITY_NUMBER_TRACE", "SEVERITY_NUMBER_TRACE2", "SEVERITY_NUMBER_TRACE3", "SEVERITY_NUMBER_TRACE4",
    "SEVERITY_NUMBER_DEBUG", "SEVERITY_NUMBER_DEBUG2", "SEVERITY_NUMBER_DEBUG3", "SEVERITY_NUMBER_DEBUG4",
    "SEVERITY_NUMBER_INFO",  "SEVERITY_NUMBER_INFO2",  "SEVERITY_NUMBER_INFO3",  "SEVERITY_NUMBER_INFO4",
    "SEVERITY_NUMBER_WARN",  "SEVERITY_NUMBER_WARN2",  "SEVERITY_NUMBER_WARN3",  "SEVERITY_NUMBER_WARN4",
    "SEVERITY_NUMBER_ERROR", "SEVERITY_NUMBER_ERROR2", "SEVERITY_NUMBER_ERROR3", "SEVERITY_NUMBER_ERROR4",
    "SEVERITY_NUMBER_FATAL", "SEVERITY_NUMBER_FATAL2", "SEVERITY_NUMBER_FATAL3", "SEVERITY_NUMBER_FATAL4",
};

enum { G_TIME, G_OBSERVED, G_SEV, G_SEV_TEXT, G_BODY, G_ATTRS, G_DROPPED, G_FLAGS, G_TRACE_ID, G_SPAN_ID, G_EVENT };
static const otlp_jf T_LOG[] = {
    { "timeUnixNano", "time_unix_nano" },
    { "observedTimeUnixNano", "observed_time_unix_nano" },
    { "severityNumber", "severity_number" },
    { "severityText", "severity_text" },
    { "body", NULL },
    { "attributes", NULL },
    { "droppedAttributesCount", "dropped_attributes_count" },
    { "flags", NULL },
    { "traceId", "trace_id" },
    { "spanId", "span_id" },
    { "eventName", "event_name" },
};

static int j_log(otlp_ctx *c, cJSON *o, void *item, const otlp_resource *res, const otlp_scope *scope)
{
    otlp_log *lg = item;
    lg->resource = res;
    lg->scope = scope;
    uint32_t dropped;
    EACH(it, o) {
        int i = otlp_jfind(T_LOG, NF(T_LOG), it->string), k = 0;
        if (i < 0 || cJSON_IsNull(it))
            continue;
        const char *nm = T_LOG[i].camel;
        switch (i) {
        case G_TIME: k = otlp_ju64(c, it, nm, &lg->time_ns); break;
        case G_OBSERVED: k = otlp_ju64(c, it, nm, &lg->observed_ns); break;
        case G_SEV: k = otlp_jenum(c, it, nm, SEVERITIES, (int)NF(SEVERITIES), &lg->severity_number); break;
        case G_SEV_TEXT: k = otlp_jstr(c, it, nm, &lg->severity_text); break;
        case G_BODY: k = otlp_jvalue(c, it, nm, 0, &lg->body); break;
        case G_ATTRS: k = otlp_jattrs(c, it, nm, 0, &lg->attrs); break;
        case G_DROPPED: k = otlp_ju32(c, it, nm, &dropped); break;
        case G_FLAGS: k = otlp_ju32(c, it, nm, &lg->flags); break;
        case G_TRACE_ID: k = otlp_jid(c, it, nm, lg->trace_id, 16, &lg->has_trace_id); break;
        case G_SPAN_ID: k = otlp_jid(c, it, nm, lg->span_id, 8, &lg->has_span_id); break;
        case G_EVENT: k = otlp_jstr(c, it, nm, &lg->event_name); break;
        }
        if (k)
            return k;
    }
    return 0;
}

int otlp_decode_logs_json(slice body, const otlp_limits *l, arena *a, otlp_logs *out, err_ctx *e)
{
    otlp_ctx c;
    otlp_ctx_init(&c, l, a, e, "log records");
    memset(out, 0, sizeof *out);
    otlp_jsig s = { { "resourceLogs", "resource_logs" }, { "scopeLogs", "scope_logs" }, { "logRecords", "log_records" },
               sizeof(otlp_log), j_log, 1, NULL, 0, 0 };
    int rc = otlp_jdecode(&c, body, &s);
    if (rc)
        return rc;
    out->logs = (otlp_log *)s.items;
    out->nlogs = s.n;
    return 0;
}

/* ------------------------------------------------------------ metrics */

/* An array of integers (bucket counts) or doubles (bounds), at most
 * max_buckets. */
static int jnumbers(otlp_ctx *c, cJSON *arr, const char *name, int dbl, void **out, size_t *nout)
{
    if (!cJSON_IsArray(arr))
        return otlp_jwrong(c, name, arr, "an array");
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    int k = otlp_check_count(c, name, n, c->l.max_buckets, "values");
    uint8_t *v = k ? NULL : otlp_calloc(c, n, 8);
    if (!k && n && !v)
        k = LOUPE_ENOMEM;
    EACH(it, k ? NULL : arr) {
        size_t mark = otlp_path_index(c, name, i);
        k = dbl ? otlp_jdouble(c, it, NULL, (double *)(v + 8 * i)) : otlp_ju64(c, it, NULL, (uint64_t *)(v + 8 * i));
        otlp_path_pop(c, mark);
        i++;
        if (k)
            break;
    }
    *out = v;
    *nout = k ? 0 : n;
    return k;
}

static int j_buckets(otlp_ctx *c, cJSON *o, const char *name, otlp_buckets *b)
{
    if (!cJSON_IsObject(o))
        return otlp_jwrong(c, name, o, "an object");
    size_t mark = otlp_path_field(c, name);
    int k = 0;
    void *arr;
    EACH(it, o) {
        if (cJSON_IsNull(it))
            continue;
        if (!strcmp(it->string, "offset")) {
            k = otlp_ji32(c, it, "offset", &b->offset);
        } else if (!strcmp(it->string, "bucketCounts") || !strcmp(it->string, "bucket_counts")) {
            k = jnumbers(c, it, "bucketCounts", 0, &arr, &b->n);
            b->counts = arr;
        }
        if (k)
            break;
    }
    otlp_path_pop(c, mark);
    return k;
}

static int j_quantiles(otlp_ctx *c, cJSON *arr, otlp_point *p)
{
    const char *name = "quantileValues";
    if (!cJSON_IsArray(arr))
        return otlp_jwrong(c, name, arr, "an array");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    int k = otlp_check_count(c, name, n, c->l.max_buckets, "quantiles");
    p->nquantiles = 0;
    p->quantiles = k ? NULL : otlp_calloc(c, n, sizeof *p->quantiles);
    if (!k && n && !p->quantiles)
        k = LOUPE_ENOMEM;
    EACH(it, k ? NULL : arr) {
        if ((k = otlp_jelem_obj(c, it, name, p->nquantiles)))
            break;
        size_t mark = otlp_path_index(c, name, p->nquantiles);
        otlp_quantile *q = &p->quantiles[p->nquantiles++];
        EACH(f, it) {
            if (!strcmp(f->string, "quantile") && !cJSON_IsNull(f))
                k = otlp_jdouble(c, f, "quantile", &q->q);
            else if (!strcmp(f->string, "value") && !cJSON_IsNull(f))
                k = otlp_jdouble(c, f, "value", &q->v);
            if (k)
                break;
        }
        otlp_path_pop(c, mark);
        if (k)
            break;
    }
    return k;
}

enum {
    P_ATTRS, P_START, P_TIME, P_FLAGS, P_AS_DOUBLE, P_AS_INT, P_EXEMPLARS, P_COUNT, P_SUM, P_BUCKET_COUNTS,
    P_BOUNDS, P_MIN, P_MAX, P_SCALE, P_ZERO_COUNT, P_POSITIVE, P_NEGATIVE, P_ZERO_THRESHOLD, P_QUANTILES,
};
#define MN (1 << OTLP_M_GAUGE | 1 << OTLP_M_SUM)
#define MH (1 << OTLP_M_HISTOGRAM)
#define ME (1 << OTLP_M_EXP_HISTOGRAM)
#define MS (1 << OTLP_M_SUMMARY)
/* The data point fields of all five kinds; mask says in which they exist. */
static const struct {
    otlp_jf f;
    int mask;
} T_POINT[] = {
    { { "attributes", NULL }, MN | MH | ME | MS },
    { { "startTimeUnixNano", "start_time_unix_nano" }, MN | MH | ME | MS },
    { { "timeUnixNano", "time_unix_nano" }, MN | MH | ME | MS },
    { { "flags", NULL }, MN | MH | ME | MS },
    { { "asDouble", "as_double" }, MN },
    { { "asInt", "as_int" }, MN },
    { { "exemplars", NULL }, MN | MH | ME },
    { { "count", NULL }, MH | ME | MS },
    { { "sum", NULL }, MH | ME | MS },
    { { "bucketCounts", "bucket_counts" }, MH },
    { { "explicitBounds", "explicit_bounds" }, MH },
    { { "min", NULL }, MH | ME },
    { { "max", NULL }, MH | ME },
    { { "scale", NULL }, ME },
    { { "zeroCount", "zero_count" }, ME },
    { { "positive", NULL }, ME },
    { { "negative", NULL }, ME },
    { { "zeroThreshold", "zero_threshold" }, ME },
    { { "quantileValues", "quantile_values" }, MS },
};

static int point_field(const char *key, otlp_mtype t)
{
    for (size_t i = 0; key && i < NF(T_POINT); i++)
        if ((T_POINT[i].mask & 1 << t) && (!strcmp(key, T_POINT[i].f.camel) ||
                                          (T_POINT[i].f.snake && !strcmp(key, T_POINT[i].f.snake))))
            return (int)i;
    return -1;
}

static int j_point(otlp_ctx *c, cJSON *o, otlp_mtype t, otlp_point *p)
{
    void *arr;
    int k = 0;
    p->has_sum = t == OTLP_M_SUMMARY; /* not optional in a SummaryDataPoint */
    EACH(it, o) {
        int i = point_field(it->string, t);
        if (i < 0 || cJSON_IsNull(it))
            continue;
        const char *nm = T_POINT[i].f.camel;
        switch (i) {
        case P_ATTRS: k = otlp_jattrs(c, it, nm, 0, &p->attrs); break;
        case P_START: k = otlp_ju64(c, it, nm, &p->start_ns); break;
        case P_TIME: k = otlp_ju64(c, it, nm, &p->time_ns); break;
        case P_FLAGS: k = otlp_ju32(c, it, nm, &p->flags); break;
        case P_AS_DOUBLE: k = otlp_jdouble(c, it, nm, &p->value), p->is_int = 0, p->ivalue = 0; break;
        case P_AS_INT:
            k = otlp_jsigned(c, it, nm, INT64_MIN, INT64_MAX, &p->ivalue);
            p->value = (double)p->ivalue, p->is_int = 1;
            break;
        case P_EXEMPLARS: k = cJSON_IsArray(it) ? 0 : otlp_jwrong(c, nm, it, "an array"); break;
        case P_COUNT: k = otlp_ju64(c, it, nm, &p->count); break;
        case P_SUM: k = otlp_jdouble(c, it, nm, &p->sum), p->has_sum = 1; break;
        case P_BUCKET_COUNTS:
            k = jnumbers(c, it, nm, 0, &arr, &p->nbucket_counts);
            p->bucket_counts = arr;
            break;
        case P_BOUNDS:
            k = jnumbers(c, it, nm, 1, &arr, &p->nbounds);
            p->bounds = arr;
            break;
        case P_MIN: k = otlp_jdouble(c, it, nm, &p->min), p->has_min = 1; break;
        case P_MAX: k = otlp_jdouble(c, it, nm, &p->max), p->has_max = 1; break;
        case P_SCALE: k = otlp_ji32(c, it, nm, &p->scale); break;
        case P_ZERO_COUNT: k = otlp_ju64(c, it, nm, &p->zero_count); break;
        case P_POSITIVE: k = j_buckets(c, it, nm, &p->positive); break;
        case P_NEGATIVE: k = j_buckets(c, it, nm, &p->negative); break;
        case P_ZERO_THRESHOLD: k = otlp_jdouble(c, it, nm, &p->zero_threshold); break;
        case P_QUANTILES: k = j_quantiles(c, it, p); break;
        }
        if (k)
            return k;
    }
    if (t == OTLP_M_HISTOGRAM && p->nbucket_counts && p->nbucket_counts != p->nbounds + 1)
        return otlp_fail(c, "bucketCounts", LOUPE_EINVAL, "%zu counts for %zu explicitBounds, want %zu",
                         p->nbucket_counts, p->nbounds, p->nbounds + 1);
    return 0;
}

static const char *const TEMPORALITIES[] = {
    "AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA", "AGGREGATION_TEMPORALITY_CUMULATIVE"
};

/* Gauge, Sum, Histogram, ExponentialHistogram or Summary; Metric.data is a
 * oneof: the last one wins. */
static int j_metric_data(otlp_ctx *c, cJSON *o, otlp_mtype t, const char *name, otlp_metric *mt)
{
    if (!cJSON_IsObject(o))
        return otlp_jwrong(c, name, o, "an object");
    size_t mark = otlp_path_field(c, name);
    int k = 0;
    mt->type = t;
    mt->temporality = mt->monotonic = 0;
    mt->points = NULL;
    mt->npoints = 0;
    EACH(it, o) {
        if (cJSON_IsNull(it))
            continue;
        if (!strcmp(it->string, "dataPoints") || !strcmp(it->string, "data_points")) {
            size_t n = cJSON_IsArray(it) ? (size_t)cJSON_GetArraySize(it) : 0;
            k = cJSON_IsArray(it) ? otlp_add_items(c, "dataPoints", n) : otlp_jwrong(c, "dataPoints", it, "an array");
            mt->npoints = 0;
            mt->points = k ? NULL : otlp_calloc(c, n, sizeof *mt->points);
            if (!k && n && !mt->points)
                k = LOUPE_ENOMEM;
            EACH(e, k ? NULL : it) {
                if ((k = otlp_jelem_obj(c, e, "dataPoints", mt->npoints)))
                    break;
                size_t m2 = otlp_path_index(c, "dataPoints", mt->npoints);
                k = j_point(c, e, t, &mt->points[mt->npoints++]);
                otlp_path_pop(c, m2);
                if (k)
                    break;
            }
        } else if (t != OTLP_M_GAUGE && t != OTLP_M_SUMMARY &&
                   (!strcmp(it->string, "aggregationTemporality") || !strcmp(it->string, "aggregation_temporality"))) {
            k = otlp_jenum(c, it, "aggregationTemporality", TEMPORALITIES, (int)NF(TEMPORALITIES), &mt->temporality);
        } else if (t == OTLP_M_SUM && (!strcmp(it->string, "isMonotonic") || !strcmp(it->string, "is_monotonic"))) {
            k = otlp_jbool(c, it, "isMonotonic", &mt->monotonic);
        }
        if (k)
            break;
    }
    otlp_path_pop(c, mark);
    return k;
}

enum { M_NAME, M_DESC, M_UNIT, M_GAUGE, M_SUM, M_HIST, M_EXP, M_SUMMARY };
static const otlp_jf T_METRIC[] = {
    { "name", NULL },      { "description", NULL }, { "unit", NULL },
    { "gauge", NULL },     { "sum", NULL },         { "histogram", NULL },
    { "exponentialHistogram", "exponential_histogram" }, { "summary", NULL },
};

static int j_metric(otlp_ctx *c, cJSON *o, void *item, const otlp_resource *res, const otlp_scope *scope)
{
    static const otlp_mtype types[] = { [M_GAUGE] = OTLP_M_GAUGE, [M_SUM] = OTLP_M_SUM, [M_HIST] = OTLP_M_HISTOGRAM,
                                        [M_EXP] = OTLP_M_EXP_HISTOGRAM, [M_SUMMARY] = OTLP_M_SUMMARY };
    otlp_metric *mt = item;
    mt->resource = res;
    mt->scope = scope;
    EACH(it, o) {
        int i = otlp_jfind(T_METRIC, NF(T_METRIC), it->string), k;
        if (i < 0 || cJSON_IsNull(it))
            continue;
        const char *nm = T_METRIC[i].camel;
        if (i == M_NAME)
            k = otlp_jstr(c, it, nm, &mt->name);
        else if (i == M_DESC)
            k = otlp_jstr(c, it, nm, &mt->description);
        else if (i == M_UNIT)
            k = otlp_jstr(c, it, nm, &mt->unit);
        else
            k = j_metric_data(c, it, types[i], nm, mt);
        if (k)
            return k;
    }
    return 0;
}

int otlp_decode_metrics_json(slice body, const otlp_limits *l, arena *a, otlp_metrics *out, err_ctx *e)
{
    otlp_ctx c;
    otlp_ctx_init(&c, l, a, e, "data points");
    memset(out, 0, sizeof *out);
    otlp_jsig s = { { "resourceMetrics", "resource_metrics" }, { "scopeMetrics", "scope_metrics" }, { "metrics", NULL },
               sizeof(otlp_metric), j_metric, 0, NULL, 0, 0 };
    int rc = otlp_jdecode(&c, body, &s);
    if (rc)
        return rc;
    out->metrics = (otlp_metric *)s.items;
    out->nmetrics = s.n;
    for (size_t i = 0; i < s.n; i++)
        out->npoints += out->metrics[i].npoints;
    return 0;
}
