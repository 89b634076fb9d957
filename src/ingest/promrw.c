/* promrw.c - remote-write 1.0 WriteRequest decoder (prompb/remote.proto, types.proto).
 *
 * WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 * TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
 *                repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
 * Label        { string name = 1; string value = 2; }
 * Sample       { double value = 1; int64 timestamp = 2; }
 * MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
 * Unknown fields are skipped, as protobuf requires. */
#include "util/mem.h"
#include "ingest/promrw.h"
#include "ingest/pb.h"
#include "util/varint.h"

#include <stdio.h>
#include <string.h>

#define BAD(e, ...) err_set((e), LOUPE_EINVAL, __VA_ARGS__)

static int decode_sample(slice m, int64_t *ts, double *v)
{
    pb_reader r = pb_reader_make(m);
    pb_field f;
    int k;
    *ts = 0;
    *v = 0;
    while ((k = pb_next(&r, &f)) == 1) {
        if (f.num == 1 && f.type == PB_FIXED64)
            *v = pb_double(&f);
        else if (f.num == 2 && f.type == PB_VARINT)
            *ts = (int64_t)f.u;
        else if (f.num <= 2)
            return -1; /* known field with the wrong wire type */
    }
    return k;
}

/* Request-wide sample arrays, grown as series are decoded. */
typedef struct sbuf {
    int64_t *ts;
    double *v;
    size_t n, cap;
    arena *a;
} sbuf;

static int sbuf_push(sbuf *b, int64_t t, double v)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        int64_t *nt = arena_alloc(b->a, cap * sizeof *nt);
        double *nv = arena_alloc(b->a, cap * sizeof *nv);
        if (!nt || !nv)
            return -1;
        if (b->n) {
            mem_copy(nt, b->ts, b->n * sizeof *nt);
            mem_copy(nv, b->v, b->n * sizeof *nv);
        }
        b->ts = nt;
        b->v = nv;
        b->cap = cap;
    }
    b->ts[b->n] = t;
    b->v[b->n++] = v;
    return 0;
}

/* Sample { double value = 1; int64 timestamp = 2; }, with a fast path for
 * the canonical encoding 09 <8 bytes> 10 <varint>. */
static int decode_sample_fast(const uint8_t *p, const uint8_t *end, int64_t *ts, double *v)
{
    if (end - p >= 10 && p[0] == 0x09 && p[9] == 0x10) {
        const uint8_t *q = p + 10;
        uint64_t u;
        if (varint_get(&q, end, &u) == 0 && q == end) {
            mem_copy(v, p + 1, 8);
            *ts = (int64_t)u;
            return 0;
        }
    }
    return decode_sample(slice_make(p, (size_t)(end - p)), ts, v) < 0 ? -1 : 0;
}

/* One TimeSeries in a single pass: the label fields' span is the key, the
 * samples go to the request-wide arrays. */
static int decode_series(slice m, size_t idx, arena *a, sbuf *sb, rw_series *s, size_t *nex, size_t *nhist,
                         err_ctx *e)
{
    const uint8_t *p = m.p, *end = m.p + m.n;
    size_t nlabels = 0, nother_between = 0;
    const uint8_t *kstart = NULL, *kend = NULL;
    size_t first = sb->n;
    memset(s, 0, sizeof *s);
    s->msg = m;
    while (p < end) {
        const uint8_t *fstart = p;
        uint64_t key, len;
        if (*p < 0x80) {
            key = *p++;
        } else if (varint_get(&p, end, &key)) {
            return BAD(e, "series %zu: truncated or malformed protobuf", idx);
        }
        if ((key >> 3) > 0x1fffffff) /* not a field number: must not truncate into a known one */
            return BAD(e, "series %zu: field number out of range", idx);
        uint32_t num = (uint32_t)(key >> 3);
        int type = (int)(key & 7);
        if (num == 0)
            return BAD(e, "series %zu: field number 0", idx);
        if (type == PB_LEN) {
            if (varint_get(&p, end, &len) || len > (uint64_t)(end - p))
                return BAD(e, "series %zu: truncated or malformed protobuf", idx);
            const uint8_t *body = p;
            p += len;
            if (num == 1) {
                if (!kstart)
                    kstart = fstart;
                else if (kend != fstart)
                    nother_between++;
                kend = p;
                nlabels++;
            } else if (num == 2) {
                int64_t t;
                double v;
                if (decode_sample_fast(body, p, &t, &v))
                    return BAD(e, "series %zu: malformed sample %zu", idx, sb->n - first);
                if (sbuf_push(sb, t, v))
                    return err_set(e, LOUPE_ENOMEM, "out of memory");
            } else if (num == 3) {
                (*nex)++;
            } else if (num == 4) {
                (*nhist)++;
            }
            continue;
        }
        if (num <= 4)
            return BAD(e, "series %zu: field %u has wire type %d", idx, num, type);
        /* unknown field of another wire type: skip it */
        pb_reader r = { fstart, end };
        pb_field f;
        if (pb_next(&r, &f) != 1)
            return BAD(e, "series %zu: truncated or malformed protobuf", idx);
        p = r.p;
    }
    s->nlabels = nlabels;
    if (nother_between == 0) {
        s->key = slice_make(kstart, kstart ? (size_t)(kend - kstart) : 0);
    } else {
        /* labels interleaved with other fields: gather them into one key */
        uint8_t *kb = arena_alloc(a, m.n);
        if (!kb)
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        size_t kn = 0;
        pb_reader r = pb_reader_make(m);
        pb_field f;
        while (pb_next(&r, &f) == 1)
            if (f.num == 1) {
                mem_copy(kb + kn, f.start, (size_t)(r.p - f.start));
                kn += (size_t)(r.p - f.start);
            }
        s->key = slice_make(kb, kn);
    }
    s->nsamples = sb->n - first;
    s->ts = (int64_t *)(uintptr_t)first; /* offsets until the arrays stop moving */
    return 0;
}

static int decode_meta(slice m, rw_metadata *md)
{
    pb_reader r = pb_reader_make(m);
    pb_field f;
    int k;
    memset(md, 0, sizeof *md);
    while ((k = pb_next(&r, &f)) == 1) {
        if (f.num == 1 && f.type == PB_VARINT)
            md->type = f.u <= RW_META_STATESET ? (int)f.u : RW_META_UNKNOWN;
        else if (f.num == 2 && f.type == PB_LEN)
            md->family = f.bytes;
        else if (f.num == 4 && f.type == PB_LEN)
            md->help = f.bytes;
        else if (f.num == 5 && f.type == PB_LEN)
            md->unit = f.bytes;
        else if (f.num == 1 || f.num == 2 || f.num == 4 || f.num == 5)
            return -1;
    }
    return k;
}

int promrw_decode(slice body, const rw_limits *lim, arena *a, rw_request *out, err_ctx *e)
{
    pb_reader r = pb_reader_make(body);
    pb_field f;
    int k;
    size_t nts = 0, nmeta = 0;
    memset(out, 0, sizeof *out);
    while ((k = pb_next(&r, &f)) == 1) {
        if (f.num == 1 || f.num == 3) {
            if (f.type != PB_LEN)
                return BAD(e, "field %u has wire type %d", f.num, f.type);
            if (f.num == 1)
                nts++;
            else
                nmeta++;
        }
    }
    if (k < 0)
        return BAD(e, "truncated or malformed protobuf WriteRequest");
    if (lim && lim->max_series && nts > lim->max_series)
        return err_set(e, LOUPE_ETOOBIG, "%zu series in one request exceed the limit of %zu", nts,
                       lim->max_series);
    out->series = nts ? arena_alloc(a, nts * sizeof *out->series) : NULL;
    out->meta = nmeta ? arena_alloc(a, nmeta * sizeof *out->meta) : NULL;
    if ((nts && !out->series) || (nmeta && !out->meta))
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    sbuf sb = { NULL, NULL, 0, 0, a };
    r = pb_reader_make(body);
    while (pb_next(&r, &f) == 1) {
        if (f.num == 1) {
            rw_series *s = &out->series[out->nseries];
            int rc = decode_series(f.bytes, out->nseries, a, &sb, s, &out->nexemplars, &out->nhistograms, e);
            if (rc)
                return rc;
            out->nseries++;
            out->nsamples += s->nsamples;
            if (lim && lim->max_samples && out->nsamples > lim->max_samples)
                return err_set(e, LOUPE_ETOOBIG, "more than %zu samples in one request", lim->max_samples);
        } else if (f.num == 3) {
            if (decode_meta(f.bytes, &out->meta[out->nmeta]) < 0)
                return BAD(e, "metadata %zu: malformed protobuf", out->nmeta);
            out->nmeta++;
        }
    }
    /* the sample arrays are final: turn offsets into pointers */
    for (size_t i = 0; i < out->nseries; i++) {
        size_t off = (size_t)(uintptr_t)out->series[i].ts;
        out->series[i].ts = out->series[i].nsamples ? sb.ts + off : NULL;
        out->series[i].v = out->series[i].nsamples ? sb.v + off : NULL;
    }
    return 0;
}

static int decode_label(slice m, label *l)
{
    pb_reader r = pb_reader_make(m);
    pb_field f;
    int k;
    l->name = slice_make("", 0);
    l->value = slice_make("", 0);
    while ((k = pb_next(&r, &f)) == 1) {
        if (f.num == 1 && f.type == PB_LEN)
            l->name = f.bytes;
        else if (f.num == 2 && f.type == PB_LEN)
            l->value = f.bytes;
        else if (f.num <= 2)
            return -1;
    }
    return k;
}

/* "series {a="b"...}" text for error messages, from possibly-invalid labels. */
static void describe(const label *ls, size_t n, char *out, size_t cap)
{
    size_t j = 0;
    int w = snprintf(out, cap, "series {");
    j = w > 0 ? (size_t)w : 0;
    for (size_t i = 0; i < n && j + 8 < cap; i++) {
        for (int part = 0; part < 2; part++) {
            slice s = part ? ls[i].value : ls[i].name;
            if (part)
                out[j++] = '=', out[j++] = '"';
            for (size_t c = 0; c < s.n && j + 8 < cap; c++) {
                uint8_t ch = s.p[c];
                out[j++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
            }
            if (part)
                out[j++] = '"';
        }
        if (i + 1 < n && j + 8 < cap)
            out[j++] = ',';
    }
    if (j + 2 < cap)
        out[j++] = '}';
    out[j < cap ? j : cap - 1] = '\0';
    if (j + 4 >= cap && cap > 4)
        mem_copy(out + cap - 5, "...}", 5);
}

int promrw_series_labels(const rw_series *s, const labels_limits *lim, arena *a, label **lsout, size_t *nout,
                         err_ctx *e)
{
    label *ls = arena_alloc(a, (s->nlabels ? s->nlabels : 1) * sizeof *ls);
    if (!ls)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    size_t n = 0;
    pb_reader r = pb_reader_make(s->key);
    pb_field f;
    while (pb_next(&r, &f) == 1) {
        if (f.num != 1 || n >= s->nlabels)
            continue;
        if (decode_label(f.bytes, &ls[n]) < 0)
            return BAD(e, "malformed label %zu", n);
        n++;
    }
    char desc[200];
    describe(ls, n, desc, sizeof desc);
    err_ctx le = { 0 };
    int rc = labels_canonicalize(ls, &n, lim, &le);
    if (rc)
        return err_set(e, rc, "%s: %s", desc, le.msg);
    *lsout = ls;
    *nout = n;
    return 0;
}
