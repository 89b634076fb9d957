/* otlp_pb.c - OTLP protobuf decoding: the bodies of Export{Trace,Metrics,
 * Logs}ServiceRequest -> otlp_{traces,metrics,logs} (opentelemetry-proto
 * trace, logs and metrics v1; the shared parts are otlp_pb_read.c).
 *
 * Packed numbers are copied into aligned arena arrays (they sit unaligned
 * in the body).  Deprecated fields (the InstrumentationLibrary* messages,
 * Metric fields 4/6/8, Status field 1) are unknown fields here. */
#include "util/mem.h"
#include "ingest/otlp_int.h"
#include "util/varint.h"

#include <string.h>

#define NF(t) (sizeof(t) / sizeof((t)[0]))

/* ------------------------------------------------------------ trace.proto */

static const otlp_pbf T_EVENT[] = {
    { 1, PB_FIXED64, "timeUnixNano" }, { 2, PB_LEN, "name" }, { 3, PB_LEN, "attributes" },
    { 4, PB_VARINT, "droppedAttributesCount" },
};

static int pb_event(otlp_ctx *c, slice m, otlp_event *ev)
{
    int k = otlp_pb_attrs_init(c, m, 3, "attributes", &ev->attrs);
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    while (!k && (k = otlp_pb_next(c, &r, &f, T_EVENT, NF(T_EVENT), &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        if (f.num == 1)
            ev->time_ns = f.u;
        else if (f.num == 2)
            k = otlp_pb_str(c, d->name, &f, &ev->name);
        else if (f.num == 3)
            k = otlp_pb_attrs_add(c, &ev->attrs, "attributes", f.bytes);
    }
    return k;
}

static const otlp_pbf T_LINK[] = {
    { 1, PB_LEN, "traceId" },    { 2, PB_LEN, "spanId" },     { 3, PB_LEN, "traceState" },
    { 4, PB_LEN, "attributes" }, { 5, PB_VARINT, "droppedAttributesCount" }, { 6, PB_FIXED32, "flags" },
};

static int pb_link(otlp_ctx *c, slice m, otlp_link *ln)
{
    int k = otlp_pb_attrs_init(c, m, 4, "attributes", &ln->attrs);
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    while (!k && (k = otlp_pb_next(c, &r, &f, T_LINK, NF(T_LINK), &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        if (f.num == 1)
            k = otlp_set_id(c, d->name, f.bytes.p, f.bytes.n, ln->trace_id, 16, NULL);
        else if (f.num == 2)
            k = otlp_set_id(c, d->name, f.bytes.p, f.bytes.n, ln->span_id, 8, NULL);
        else if (f.num == 3)
            k = otlp_pb_str(c, d->name, &f, &ln->trace_state);
        else if (f.num == 4)
            k = otlp_pb_attrs_add(c, &ln->attrs, "attributes", f.bytes);
    }
    return k;
}

static const otlp_pbf T_STATUS[] = { { 2, PB_LEN, "message" }, { 3, PB_VARINT, "code" } };

static int pb_status(otlp_ctx *c, slice m, otlp_span *s)
{
    size_t mark = otlp_path_field(c, "status");
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    int k;
    while ((k = otlp_pb_next(c, &r, &f, T_STATUS, NF(T_STATUS), &d)) == 1) {
        k = 0;
        if (d && f.num == 2)
            k = otlp_pb_str(c, d->name, &f, &s->status_message);
        else if (d)
            s->status_code = otlp_enum(f.u, 2);
        if (k)
            break;
    }
    otlp_path_pop(c, mark);
    return k;
}

static const otlp_pbf T_SPAN[] = {
    { 1, PB_LEN, "traceId" },
    { 2, PB_LEN, "spanId" },
    { 3, PB_LEN, "traceState" },
    { 4, PB_LEN, "parentSpanId" },
    { 5, PB_LEN, "name" },
    { 6, PB_VARINT, "kind" },
    { 7, PB_FIXED64, "startTimeUnixNano" },
    { 8, PB_FIXED64, "endTimeUnixNano" },
    { 9, PB_LEN, "attributes" },
    { 10, PB_VARINT, "droppedAttributesCount" },
    { 11, PB_LEN, "events" },
    { 12, PB_VARINT, "droppedEventsCount" },
    { 13, PB_LEN, "links" },
    { 14, PB_VARINT, "droppedLinksCount" },
    { 15, PB_LEN, "status" },
    { 16, PB_FIXED32, "flags" },
};

static int pb_span(otlp_ctx *c, slice m, void *item, const otlp_resource *res, const otlp_scope *scope)
{
    otlp_span *s = item;
    static const uint32_t nums[3] = { 9, 11, 13 };
    size_t ns[3];
    s->resource = res;
    s->scope = scope;
    int k = otlp_pb_count(c, m, nums, ns, 3);
    if (!k)
        k = otlp_check_count(c, "attributes", ns[0], c->l.max_attrs, "attributes");
    if (!k)
        k = otlp_add_items(c, "events", ns[1]);
    if (!k)
        k = otlp_add_items(c, "links", ns[2]);
    if (k)
        return k;
    s->attrs.a = otlp_calloc(c, ns[0], sizeof *s->attrs.a);
    s->events = otlp_calloc(c, ns[1], sizeof *s->events);
    s->links = otlp_calloc(c, ns[2], sizeof *s->links);
    if ((ns[0] && !s->attrs.a) || (ns[1] && !s->events) || (ns[2] && !s->links))
        return LOUPE_ENOMEM;
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    while ((k = otlp_pb_next(c, &r, &f, T_SPAN, NF(T_SPAN), &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        size_t mark;
        switch (f.num) {
        case 1: k = otlp_set_id(c, d->name, f.bytes.p, f.bytes.n, s->trace_id, 16, &s->has_trace_id); break;
        case 2: k = otlp_set_id(c, d->name, f.bytes.p, f.bytes.n, s->span_id, 8, &s->has_span_id); break;
        case 3: k = otlp_pb_str(c, d->name, &f, &s->trace_state); break;
        case 4: k = otlp_set_id(c, d->name, f.bytes.p, f.bytes.n, s->parent_span_id, 8, &s->has_parent); break;
        case 5: k = otlp_pb_str(c, d->name, &f, &s->name); break;
        case 6: s->kind = otlp_enum(f.u, 5); break;
        case 7: s->start_ns = f.u; break;
        case 8: s->end_ns = f.u; break;
        case 9: k = otlp_pb_attrs_add(c, &s->attrs, "attributes", f.bytes); break;
        case 11:
            mark = otlp_path_index(c, "events", s->nevents);
            k = pb_event(c, f.bytes, &s->events[s->nevents++]);
            otlp_path_pop(c, mark);
            break;
        case 13:
            mark = otlp_path_index(c, "links", s->nlinks);
            k = pb_link(c, f.bytes, &s->links[s->nlinks++]);
            otlp_path_pop(c, mark);
            break;
        case 15: k = pb_status(c, f.bytes, s); break;
        case 16: s->flags = (uint32_t)f.u; break;
        }
        if (k)
            break;
    }
    return k;
}

int otlp_decode_traces_pb(slice body, const otlp_limits *l, arena *a, otlp_traces *out, err_ctx *e)
{
    otlp_ctx c;
    otlp_ctx_init(&c, l, a, e, "spans, events and links");
    memset(out, 0, sizeof *out);
    otlp_pb_sig s = { "resourceSpans", "scopeSpans", "spans", sizeof(otlp_span), pb_span, 1, NULL, 0, 0 };
    int rc = otlp_pb_request(&c, body, &s);
    if (rc)
        return rc;
    out->spans = (otlp_span *)s.items;
    out->nspans = s.n;
    return 0;
}

/* ------------------------------------------------------------ logs.proto */

static const otlp_pbf T_LOG[] = {
    { 1, PB_FIXED64, "timeUnixNano" },
    { 2, PB_VARINT, "severityNumber" },
    { 3, PB_LEN, "severityText" },
    { 5, PB_LEN, "body" },
    { 6, PB_LEN, "attributes" },
    { 7, PB_VARINT, "droppedAttributesCount" },
    { 8, PB_FIXED32, "flags" },
    { 9, PB_LEN, "traceId" },
    { 10, PB_LEN, "spanId" },
    { 11, PB_FIXED64, "observedTimeUnixNano" },
    { 12, PB_LEN, "eventName" },
};

static int pb_log(otlp_ctx *c, slice m, void *item, const otlp_resource *res, const otlp_scope *scope)
{
    otlp_log *lg = item;
    lg->resource = res;
    lg->scope = scope;
    int k = otlp_pb_attrs_init(c, m, 6, "attributes", &lg->attrs);
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    while (!k && (k = otlp_pb_next(c, &r, &f, T_LOG, NF(T_LOG), &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        size_t mark;
        switch (f.num) {
        case 1: lg->time_ns = f.u; break;
        case 2: lg->severity_number = otlp_enum(f.u, 24); break;
        case 3: k = otlp_pb_str(c, d->name, &f, &lg->severity_text); break;
        case 5:
            mark = otlp_path_field(c, "body");
            k = otlp_pb_value(c, f.bytes, 0, &lg->body);
            otlp_path_pop(c, mark);
            break;
        case 6: k = otlp_pb_attrs_add(c, &lg->attrs, "attributes", f.bytes); break;
        case 8: lg->flags = (uint32_t)f.u; break;
        case 9: k = otlp_set_id(c, d->name, f.bytes.p, f.bytes.n, lg->trace_id, 16, &lg->has_trace_id); break;
        case 10: k = otlp_set_id(c, d->name, f.bytes.p, f.bytes.n, lg->span_id, 8, &lg->has_span_id); break;
        case 11: lg->observed_ns = f.u; break;
        case 12: k = otlp_pb_str(c, d->name, &f, &lg->event_name); break;
        }
    }
    return k;
}

int otlp_decode_logs_pb(slice body, const otlp_limits *l, arena *a, otlp_logs *out, err_ctx *e)
{
    otlp_ctx c;
    otlp_ctx_init(&c, l, a, e, "log records");
    memset(out, 0, sizeof *out);
    otlp_pb_sig s = { "resourceLogs", "scopeLogs", "logRecords", sizeof(otlp_log), pb_log, 1, NULL, 0, 0 };
    int rc = otlp_pb_request(&c, body, &s);
    if (rc)
        return rc;
    out->logs = (otlp_log *)s.items;
    out->nlogs = s.n;
    return 0;
}

/* ------------------------------------------------------------ metrics.proto */

/* A repeated fixed64 or double field (num), packed or not, copied into an
 * aligned array of at most max_buckets. */
static int pb_fixed64s(otlp_ctx *c, slice m, uint32_t num, const char *name, void **out, size_t *nout)
{
    size_t n = 0;
    pb_reader r = pb_reader_make(m);
    pb_field f;
    int k;
    *out = NULL;
    *nout = 0;
    while ((k = pb_next(&r, &f)) == 1) {
        if (f.num != num)
            continue;
        if (f.type == PB_LEN && f.bytes.n % 8)
            return otlp_fail(c, name, LOUPE_EINVAL, "packed length %zu is not a multiple of 8", f.bytes.n);
        if (f.type != PB_LEN && f.type != PB_FIXED64)
            return otlp_fail(c, name, LOUPE_EINVAL, "wire type %s, want fixed64", otlp_pb_wt_name(f.type));
        n += f.type == PB_LEN ? f.bytes.n / 8 : 1;
        if (n > c->l.max_buckets)
            break;
    }
    if (k < 0)
        return otlp_fail(c, NULL, LOUPE_EINVAL, "truncated or malformed protobuf");
    if ((k = otlp_check_count(c, name, n, c->l.max_buckets, "values")))
        return k;
    uint8_t *arr = otlp_calloc(c, n, 8);
    if (n && !arr)
        return LOUPE_ENOMEM;
    size_t i = 0;
    r = pb_reader_make(m);
    while (pb_next(&r, &f) == 1) {
        if (f.num != num)
            continue;
        if (f.type == PB_LEN) {
            if (f.bytes.n) /* an empty run with no array yet: NULL + 0 is undefined */
                mem_copy(arr + i * 8, f.bytes.p, f.bytes.n); /* little-endian hosts, as pb.c */
            i += f.bytes.n / 8;
        } else {
            mem_copy(arr + i++ * 8, &f.u, 8);
        }
    }
    *out = arr;
    *nout = n;
    return 0;
}

/* A repeated uint64 field (num), packed or not. */
static int pb_varints(otlp_ctx *c, slice m, uint32_t num, const char *name, uint64_t **out, size_t *nout)
{
    size_t n = 0;
    pb_reader r = pb_reader_make(m);
    pb_field f;
    int k;
    *out = NULL;
    *nout = 0;
    while ((k = pb_next(&r, &f)) == 1) {
        if (f.num != num)
            continue;
        if (f.type == PB_LEN) {
            for (size_t i = 0; i < f.bytes.n; i++)
                n += f.bytes.p[i] < 0x80;
            if (f.bytes.n && f.bytes.p[f.bytes.n - 1] >= 0x80)
                return otlp_fail(c, name, LOUPE_EINVAL, "truncated packed varint");
        } else if (f.type == PB_VARINT) {
            n++;
        } else {
            return otlp_fail(c, name, LOUPE_EINVAL, "wire type %s, want varint", otlp_pb_wt_name(f.type));
        }
        if (n > c->l.max_buckets)
            break;
    }
    if (k < 0)
        return otlp_fail(c, NULL, LOUPE_EINVAL, "truncated or malformed protobuf");
    if ((k = otlp_check_count(c, name, n, c->l.max_buckets, "values")))
        return k;
    uint64_t *arr = otlp_calloc(c, n, sizeof *arr);
    if (n && !arr)
        return LOUPE_ENOMEM;
    size_t i = 0;
    r = pb_reader_make(m);
    while (pb_next(&r, &f) == 1) {
        if (f.num != num)
            continue;
        if (f.type == PB_VARINT) {
            arr[i++] = f.u;
            continue;
        }
        const uint8_t *p = f.bytes.p, *end = p + f.bytes.n;
        while (p < end)
            if (i >= n || varint_get(&p, end, &arr[i++])) /* > 10 bytes: the byte count lied */
                return otlp_fail(c, name, LOUPE_EINVAL, "malformed packed varint");
    }
    *out = arr;
    *nout = i;
    return 0;
}

static int32_t sint32(uint64_t u)
{
    uint32_t v = (uint32_t)u;
    return (int32_t)((v >> 1) ^ (0u - (v & 1)));
}

static const otlp_pbf T_NUMBER[] = {
    { 2, PB_FIXED64, "startTimeUnixNano" }, { 3, PB_FIXED64, "timeUnixNano" }, { 4, PB_FIXED64, "asDouble" },
    { 5, PB_LEN, "exemplars" },  { 6, PB_FIXED64, "asInt" }, { 7, PB_LEN, "attributes" },
    { 8, PB_VARINT, "flags" },
};

static const otlp_pbf T_HIST[] = {
    { 2, PB_FIXED64, "startTimeUnixNano" }, { 3, PB_FIXED64, "timeUnixNano" }, { 4, PB_FIXED64, "count" },
    { 5, PB_FIXED64, "sum" },    { 6, OTLP_PK_FIXED64, "bucketCounts" }, { 7, OTLP_PK_FIXED64, "explicitBounds" },
    { 8, PB_LEN, "exemplars" },  { 9, PB_LEN, "attributes" },    { 10, PB_VARINT, "flags" },
    { 11, PB_FIXED64, "min" },   { 12, PB_FIXED64, "max" },
};

static const otlp_pbf T_EXP[] = {
    { 1, PB_LEN, "attributes" }, { 2, PB_FIXED64, "startTimeUnixNano" }, { 3, PB_FIXED64, "timeUnixNano" },
    { 4, PB_FIXED64, "count" },  { 5, PB_FIXED64, "sum" },     { 6, PB_VARINT, "scale" },
    { 7, PB_FIXED64, "zeroCount" }, { 8, PB_LEN, "positive" }, { 9, PB_LEN, "negative" },
    { 10, PB_VARINT, "flags" },  { 11, PB_LEN, "exemplars" },  { 12, PB_FIXED64, "min" },
    { 13, PB_FIXED64, "max" },   { 14, PB_FIXED64, "zeroThreshold" },
};

static const otlp_pbf T_SUMMARY[] = {
    { 2, PB_FIXED64, "startTimeUnixNano" }, { 3, PB_FIXED64, "timeUnixNano" }, { 4, PB_FIXED64, "count" },
    { 5, PB_FIXED64, "sum" },    { 6, PB_LEN, "quantileValues" }, { 7, PB_LEN, "attributes" },
    { 8, PB_VARINT, "flags" },
};

static const otlp_pbf T_BUCKETS[] = { { 1, PB_VARINT, "offset" }, { 2, OTLP_PK_VARINT, "bucketCounts" } };
static const otlp_pbf T_QUANTILE[] = { { 1, PB_FIXED64, "quantile" }, { 2, PB_FIXED64, "value" } };

static int pb_buckets(otlp_ctx *c, slice m, const char *name, otlp_buckets *b)
{
    size_t mark = otlp_path_field(c, name);
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    int k;
    while ((k = otlp_pb_next(c, &r, &f, T_BUCKETS, NF(T_BUCKETS), &d)) == 1)
        if (d && f.num == 1)
            b->offset = sint32(f.u);
    if (!k)
        k = pb_varints(c, m, 2, "bucketCounts", &b->counts, &b->n);
    otlp_path_pop(c, mark);
    return k;
}

static int pb_quantiles(otlp_ctx *c, slice m, otlp_point *p)
{
    uint32_t num = 6;
    size_t n;
    int k = otlp_pb_count(c, m, &num, &n, 1);
    if (!k)
        k = otlp_check_count(c, "quantileValues", n, c->l.max_buckets, "quantiles");
    if (k)
        return k;
    p->quantiles = otlp_calloc(c, n, sizeof *p->quantiles);
    if (n && !p->quantiles)
        return LOUPE_ENOMEM;
    pb_reader r = pb_reader_make(m);
    pb_field f, g;
    while (pb_next(&r, &f) == 1) {
        if (f.num != 6 || f.type != PB_LEN) /* other wire types: the point's own walk reports them */
            continue;
        size_t mark = otlp_path_index(c, "quantileValues", p->nquantiles);
        otlp_quantile *q = &p->quantiles[p->nquantiles++];
        pb_reader r2 = pb_reader_make(f.bytes);
        const otlp_pbf *d;
        while ((k = otlp_pb_next(c, &r2, &g, T_QUANTILE, NF(T_QUANTILE), &d)) == 1)
            if (d)
                *(g.num == 1 ? &q->q : &q->v) = pb_double(&g);
        otlp_path_pop(c, mark);
        if (k)
            return k;
    }
    return 0;
}

/* One data point of a metric of type t. */
static int pb_point(otlp_ctx *c, slice m, otlp_mtype t, otlp_point *p)
{
    const otlp_pbf *tab;
    size_t nt;
    uint32_t attrs_num;
    switch (t) {
    case OTLP_M_HISTOGRAM: tab = T_HIST, nt = NF(T_HIST), attrs_num = 9; break;
    case OTLP_M_EXP_HISTOGRAM: tab = T_EXP, nt = NF(T_EXP), attrs_num = 1; break;
    case OTLP_M_SUMMARY: tab = T_SUMMARY, nt = NF(T_SUMMARY), attrs_num = 7; break;
    default: tab = T_NUMBER, nt = NF(T_NUMBER), attrs_num = 7; break;
    }
    int k = otlp_pb_attrs_init(c, m, attrs_num, "attributes", &p->attrs);
    void *arr;
    if (!k && t == OTLP_M_HISTOGRAM) {
        k = pb_fixed64s(c, m, 6, "bucketCounts", &arr, &p->nbucket_counts);
        p->bucket_counts = arr;
        if (!k)
            k = pb_fixed64s(c, m, 7, "explicitBounds", &arr, &p->nbounds);
        p->bounds = arr;
        if (!k && p->nbucket_counts && p->nbucket_counts != p->nbounds + 1)
            k = otlp_fail(c, "bucketCounts", LOUPE_EINVAL, "%zu counts for %zu explicitBounds, want %zu",
                          p->nbucket_counts, p->nbounds, p->nbounds + 1);
    } else if (!k && t == OTLP_M_SUMMARY) {
        k = pb_quantiles(c, m, p);
        p->has_sum = 1; /* not optional in a SummaryDataPoint */
    }
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    while (!k && (k = otlp_pb_next(c, &r, &f, tab, nt, &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        if (f.num == attrs_num) {
            k = otlp_pb_attrs_add(c, &p->attrs, "attributes", f.bytes);
            continue;
        }
        if (f.num == 2) {
            p->start_ns = f.u;
        } else if (f.num == 3) {
            p->time_ns = f.u;
        } else if (t == OTLP_M_GAUGE || t == OTLP_M_SUM) {
            if (f.num == 4)
                p->value = pb_double(&f), p->is_int = 0, p->ivalue = 0;
            else if (f.num == 6)
                p->ivalue = (int64_t)f.u, p->value = (double)p->ivalue, p->is_int = 1;
            else if (f.num == 8)
                p->flags = (uint32_t)f.u;
        } else if (f.num == 4) {
            p->count = f.u;
        } else if (f.num == 5) {
            p->sum = pb_double(&f), p->has_sum = 1;
        } else if (t == OTLP_M_HISTOGRAM) {
            if (f.num == 10)
                p->flags = (uint32_t)f.u;
            else if (f.num == 11)
                p->min = pb_double(&f), p->has_min = 1;
            else if (f.num == 12)
                p->max = pb_double(&f), p->has_max = 1;
        } else if (t == OTLP_M_EXP_HISTOGRAM) {
            switch (f.num) {
            case 6: p->scale = sint32(f.u); break;
            case 7: p->zero_count = f.u; break;
            case 8: k = pb_buckets(c, f.bytes, d->name, &p->positive); break;
            case 9: k = pb_buckets(c, f.bytes, d->name, &p->negative); break;
            case 10: p->flags = (uint32_t)f.u; break;
            case 12: p->min = pb_double(&f), p->has_min = 1; break;
            case 13: p->max = pb_double(&f), p->has_max = 1; break;
            case 14: p->zero_threshold = pb_double(&f); break;
            }
        } else if (f.num == 8) { /* SUMMARY */
            p->flags = (uint32_t)f.u;
        }
    }
    return k;
}

static const otlp_pbf T_GAUGE[] = { { 1, PB_LEN, "dataPoints" } };
static const otlp_pbf T_SUM[] = {
    { 1, PB_LEN, "dataPoints" }, { 2, PB_VARINT, "aggregationTemporality" }, { 3, PB_VARINT, "isMonotonic" }
};

/* Gauge, Sum, Histogram, ExponentialHistogram or Summary (name is its JSON
 * name).  Metric.data is a oneof: the last one wins. */
static int pb_metric_data(otlp_ctx *c, slice m, otlp_mtype t, const char *name, otlp_metric *mt)
{
    size_t mark = otlp_path_field(c, name);
    size_t nt = t == OTLP_M_SUM ? 3 : t == OTLP_M_HISTOGRAM || t == OTLP_M_EXP_HISTOGRAM ? 2 : 1;
    uint32_t num = 1;
    size_t n;
    mt->type = t;
    mt->temporality = mt->monotonic = 0;
    mt->points = NULL;
    mt->npoints = 0;
    int k = otlp_pb_count(c, m, &num, &n, 1);
    if (!k)
        k = otlp_add_items(c, "dataPoints", n);
    mt->points = k ? NULL : otlp_calloc(c, n, sizeof *mt->points);
    if (!k && n && !mt->points)
        k = LOUPE_ENOMEM;
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    while (!k && (k = otlp_pb_next(c, &r, &f, nt == 1 ? T_GAUGE : T_SUM, nt, &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        if (f.num == 1) {
            size_t m2 = otlp_path_index(c, "dataPoints", mt->npoints);
            k = pb_point(c, f.bytes, t, &mt->points[mt->npoints++]);
            otlp_path_pop(c, m2);
        } else if (f.num == 2) {
            mt->temporality = otlp_enum(f.u, 2);
        } else {
            mt->monotonic = f.u != 0;
        }
    }
    otlp_path_pop(c, mark);
    return k;
}

static const otlp_pbf T_METRIC[] = {
    { 1, PB_LEN, "name" },      { 2, PB_LEN, "description" }, { 3, PB_LEN, "unit" },
    { 5, PB_LEN, "gauge" },     { 7, PB_LEN, "sum" },         { 9, PB_LEN, "histogram" },
    { 10, PB_LEN, "exponentialHistogram" }, { 11, PB_LEN, "summary" }, { 12, PB_LEN, "metadata" },
};

static int pb_metric(otlp_ctx *c, slice m, void *item, const otlp_resource *res, const otlp_scope *scope)
{
    otlp_metric *mt = item;
    mt->resource = res;
    mt->scope = scope;
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    int k;
    while ((k = otlp_pb_next(c, &r, &f, T_METRIC, NF(T_METRIC), &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        switch (f.num) {
        case 1: k = otlp_pb_str(c, d->name, &f, &mt->name); break;
        case 2: k = otlp_pb_str(c, d->name, &f, &mt->description); break;
        case 3: k = otlp_pb_str(c, d->name, &f, &mt->unit); break;
        case 5: k = pb_metric_data(c, f.bytes, OTLP_M_GAUGE, d->name, mt); break;
        case 7: k = pb_metric_data(c, f.bytes, OTLP_M_SUM, d->name, mt); break;
        case 9: k = pb_metric_data(c, f.bytes, OTLP_M_HISTOGRAM, d->name, mt); break;
        case 10: k = pb_metric_data(c, f.bytes, OTLP_M_EXP_HISTOGRAM, d->name, mt); break;
        case 11: k = pb_metric_data(c, f.bytes, OTLP_M_SUMMARY, d->name, mt); break;
        }
        if (k)
            break;
    }
    return k;
}

int otlp_decode_metrics_pb(slice body, const otlp_limits *l, arena *a, otlp_metrics *out, err_ctx *e)
{
    otlp_ctx c;
    otlp_ctx_init(&c, l, a, e, "data points");
    memset(out, 0, sizeof *out);
    otlp_pb_sig s = { "resourceMetrics", "scopeMetrics", "metrics", sizeof(otlp_metric), pb_metric, 0, NULL, 0, 0 };
    int rc = otlp_pb_request(&c, body, &s);
    if (rc)
        return rc;
    out->metrics = (otlp_metric *)s.items;
    out->nmetrics = s.n;
    for (size_t i = 0; i < s.n; i++)
        out->npoints += out->metrics[i].npoints;
    return 0;
}
