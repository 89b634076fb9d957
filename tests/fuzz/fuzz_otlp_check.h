/* fuzz_otlp_check.h - what the OTLP fuzz harnesses (fuzz_otlp_pb.c,
 * fuzz_otlp_json.c) check on every decoded request, whatever the format:
 * errors carry their code and a message; results respect the limits;
 * strings are valid UTF-8; ids and enums are in range; histograms have
 * bounds+1 counts; every attribute set renders to JSON that parses back.
 * A violated property abort()s, so the replay test fails. */
#ifndef LOUPE_FUZZ_OTLP_CHECK_H
#define LOUPE_FUZZ_OTLP_CHECK_H

#include "ingest/otlp.h"
#include "util/utf8.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* Tight, so that small inputs reach every limit. */
static const otlp_limits FUZZ_OTLP_LIMITS = { 64, 16, 256, 64, 4, 32 };

typedef struct fuzz_otlp {
    const uint8_t *data; /* the input */
    size_t size;
    int borrowed; /* strings may point into the input (protobuf) or must not (JSON) */
} fuzz_otlp;

static void fz_check(int ok)
{
    if (!ok)
        abort();
}

static void fz_str(const fuzz_otlp *z, slice s, int utf8)
{
    fz_check(s.n <= FUZZ_OTLP_LIMITS.max_value_bytes);
    fz_check(!s.n || s.p);
    fz_check(!utf8 || utf8_valid(s.p, s.n));
    int inside = s.n && s.p >= z->data && s.p + s.n <= z->data + z->size;
    int outside = !s.n || s.p + s.n <= z->data || s.p >= z->data + z->size;
    fz_check(z->borrowed ? inside || !s.n : outside);
}

static void fz_attrs(const fuzz_otlp *z, const otlp_attr *a, size_t n, int depth);

static void fz_value(const fuzz_otlp *z, const otlp_value *v, int depth)
{
    switch (v->type) {
    case OTLP_STRING: fz_str(z, v->u.s, 1); break;
    case OTLP_BYTES: fz_str(z, v->u.s, 0); break;
    case OTLP_ARRAY:
        fz_check(depth + 1 <= FUZZ_OTLP_LIMITS.max_depth && v->u.arr.n <= FUZZ_OTLP_LIMITS.max_attrs);
        for (size_t i = 0; i < v->u.arr.n; i++)
            fz_value(z, &v->u.arr.v[i], depth + 1);
        break;
    case OTLP_KVLIST:
        fz_check(depth + 1 <= FUZZ_OTLP_LIMITS.max_depth);
        fz_attrs(z, v->u.kv.a, v->u.kv.n, depth + 1);
        break;
    case OTLP_EMPTY: case OTLP_BOOL: case OTLP_INT: case OTLP_DOUBLE: break;
    default: abort();
    }
    buf b = BUF_INIT;
    if (otlp_value_text(v, &b) == 0 && v->type != OTLP_STRING) {
        cJSON *j = cJSON_ParseWithLength((const char *)b.p, b.n);
        fz_check(j != NULL);
        cJSON_Delete(j);
    }
    buf_free(&b);
}

static void fz_attrs(const fuzz_otlp *z, const otlp_attr *a, size_t n, int depth)
{
    fz_check(n <= FUZZ_OTLP_LIMITS.max_attrs && (!n || a));
    for (size_t i = 0; i < n; i++) {
        fz_check(a[i].key.n <= FUZZ_OTLP_LIMITS.max_key_bytes && utf8_valid(a[i].key.p, a[i].key.n));
        fz_value(z, &a[i].value, depth);
    }
    otlp_attrs as = { (otlp_attr *)a, n };
    buf b = BUF_INIT;
    if (otlp_attrs_json(&as, &b) == 0) {
        cJSON *j = cJSON_ParseWithLength((const char *)b.p, b.n);
        fz_check(j != NULL && cJSON_IsObject(j));
        cJSON_Delete(j);
    }
    buf_free(&b);
    slice last = n ? a[n - 1].key : slice_make(NULL, 0);
    if (n && (!last.n || !memchr(last.p, 0, last.n))) { /* the last one wins */
        char k[80];
        if (last.n)
            memcpy(k, last.p, last.n);
        k[last.n] = '\0';
        fz_check(otlp_attrs_get(&as, k) == &a[n - 1].value);
    }
}

static void fz_owner(const fuzz_otlp *z, const otlp_resource *r, const otlp_scope *s)
{
    fz_check(r && s);
    fz_attrs(z, r->attrs.a, r->attrs.n, 0);
    fz_str(z, r->schema_url, 1);
    fz_attrs(z, s->attrs.a, s->attrs.n, 0);
    fz_str(z, s->name, 1);
    fz_str(z, s->version, 1);
}

static void fz_error(int rc, const err_ctx *e)
{
    fz_check(rc == LOUPE_EINVAL || rc == LOUPE_ETOOBIG || rc == LOUPE_ENOMEM);
    fz_check(e->code == rc && e->msg[0]);
}

static void fz_traces(const fuzz_otlp *z, int rc, const otlp_traces *t, const err_ctx *e)
{
    if (rc) {
        fz_error(rc, e);
        return;
    }
    size_t items = t->nspans;
    for (size_t i = 0; i < t->nspans; i++) {
        const otlp_span *s = &t->spans[i];
        fz_owner(z, s->resource, s->scope);
        fz_str(z, s->name, 1);
        fz_str(z, s->trace_state, 1);
        fz_str(z, s->status_message, 1);
        fz_check(s->kind >= 0 && s->kind <= 5 && s->status_code >= 0 && s->status_code <= 2);
        fz_attrs(z, s->attrs.a, s->attrs.n, 0);
        items += s->nevents + s->nlinks;
        for (size_t k = 0; k < s->nevents; k++) {
            fz_str(z, s->events[k].name, 1);
            fz_attrs(z, s->events[k].attrs.a, s->events[k].attrs.n, 0);
        }
        for (size_t k = 0; k < s->nlinks; k++) {
            fz_str(z, s->links[k].trace_state, 1);
            fz_attrs(z, s->links[k].attrs.a, s->links[k].attrs.n, 0);
        }
    }
    fz_check(items <= FUZZ_OTLP_LIMITS.max_items);
}

static void fz_logs(const fuzz_otlp *z, int rc, const otlp_logs *l, const err_ctx *e)
{
    if (rc) {
        fz_error(rc, e);
        return;
    }
    fz_check(l->nlogs <= FUZZ_OTLP_LIMITS.max_items);
    for (size_t i = 0; i < l->nlogs; i++) {
        const otlp_log *g = &l->logs[i];
        fz_owner(z, g->resource, g->scope);
        fz_check(g->severity_number >= 0 && g->severity_number <= 24);
        fz_str(z, g->severity_text, 1);
        fz_str(z, g->event_name, 1);
        fz_value(z, &g->body, 0);
        fz_attrs(z, g->attrs.a, g->attrs.n, 0);
    }
}

static void fz_metrics(const fuzz_otlp *z, int rc, const otlp_metrics *m, const err_ctx *e)
{
    if (rc) {
        fz_error(rc, e);
        return;
    }
    const size_t maxb = FUZZ_OTLP_LIMITS.max_buckets;
    size_t points = 0;
    fz_check(m->nmetrics <= FUZZ_OTLP_LIMITS.max_items);
    for (size_t i = 0; i < m->nmetrics; i++) {
        const otlp_metric *mt = &m->metrics[i];
        fz_owner(z, mt->resource, mt->scope);
        fz_str(z, mt->name, 1);
        fz_str(z, mt->description, 1);
        fz_str(z, mt->unit, 1);
        fz_check(mt->type >= OTLP_M_NONE && mt->type <= OTLP_M_SUMMARY);
        fz_check(mt->temporality >= 0 && mt->temporality <= 2);
        fz_check(mt->type != OTLP_M_NONE || mt->npoints == 0);
        points += mt->npoints;
        for (size_t k = 0; k < mt->npoints; k++) {
            const otlp_point *p = &mt->points[k];
            fz_attrs(z, p->attrs.a, p->attrs.n, 0);
            fz_check(p->nbucket_counts <= maxb && p->nbounds <= maxb && p->nquantiles <= maxb);
            fz_check(p->positive.n <= maxb && p->negative.n <= maxb);
            fz_check(!p->nbucket_counts || p->nbucket_counts == p->nbounds + 1);
            volatile uint64_t sink = 0; /* every array is addressable */
            for (size_t j = 0; j < p->nbucket_counts; j++)
                sink += p->bucket_counts[j];
            for (size_t j = 0; j < p->nbounds; j++)
                sink += (uint64_t)(p->bounds[j] == p->bounds[j]);
            for (size_t j = 0; j < p->positive.n; j++)
                sink += p->positive.counts[j];
            for (size_t j = 0; j < p->negative.n; j++)
                sink += p->negative.counts[j];
            for (size_t j = 0; j < p->nquantiles; j++)
                sink += (uint64_t)(p->quantiles[j].q == p->quantiles[j].v);
            (void)sink;
        }
    }
    fz_check(points == m->npoints && points <= FUZZ_OTLP_LIMITS.max_items);
}

#endif
