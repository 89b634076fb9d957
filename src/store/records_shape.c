/* records_shape.c - a skeleton split into its shape and its values: the
 * shape keeps the structure, the keys, the whitespace and the blob markers
 * of a JSON text; the values (string values and scalars) go to a compact
 * list of their own.  Span attributes, prompts and messages of one
 * application have a handful of shapes, so a shape is stored once as a
 * blob and a row keeps only its values.  Pure; see records_int.h for the
 * byte format. */
#include "util/mem.h"
#include "store/records_int.h"
#include "util/varint.h"

#include <string.h>

static int is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int is_delim(uint8_t c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':' || c == '"' || is_ws(c) || c < 0x20;
}

/* Length of a marker and its varint at p (p[0] is a marker byte), or 0. */
static size_t marker_len(const uint8_t *p, const uint8_t *end)
{
    const uint8_t *q = p + 1;
    uint64_t v;
    return varint_get(&q, end, &v) ? 0 : (size_t)(q - p);
}

static int put_value(buf *values, const uint8_t *p, size_t n)
{
    return buf_put_uvarint(values, n) || buf_append(values, p, n) ? LOUPE_ENOMEM : 0;
}

/* Values of these keys stay in the shape: a few fixed words ("system",
 * "user", "text", "stop") that every chat message repeats. */
static int enum_key(slice key)
{
    return slice_eq_cstr(key, "role") || slice_eq_cstr(key, "type") || slice_eq_cstr(key, "finish_reason");
}

static int split_rec(slice in, buf *shape, buf *values, size_t *nvalues, int depth)
{
    const uint8_t *p = in.p, *end = in.p + in.n, *run = p;
    uint8_t prev = 0;
    slice key = { 0 };
    int rc = 0;
    while (p < end && !rc) {
        uint8_t c = *p;
        if ((c & 0xf0) == REC_MARK) { /* a cut literal: part of the shape */
            size_t ml = marker_len(p, end);
            if (!ml)
                return LOUPE_EINVAL;
            p += ml;
            prev = '"';
            continue;
        }
        if (c == REC_NEST) {
            const uint8_t *q = p + 1;
            uint64_t len;
            if (q >= end || depth >= NEST_DEPTH)
                return LOUPE_EINVAL;
            uint8_t flags = *q++;
            if (varint_get(&q, end, &len) || len > (uint64_t)(end - q))
                return LOUPE_EINVAL;
            buf inner = BUF_INIT;
            uint8_t h[12];
            h[0] = REC_NEST;
            h[1] = flags;
            rc = buf_append(shape, run, (size_t)(p - run)) ? LOUPE_ENOMEM : 0;
            if (!rc)
                rc = split_rec(slice_make(q, (size_t)len), &inner, values, nvalues, depth + 1);
            if (!rc && (buf_append(shape, h, 2 + varint_put(h + 2, inner.n)) || buf_append(shape, inner.p, inner.n)))
                rc = LOUPE_ENOMEM;
            buf_free(&inner);
            p = run = q + len;
            prev = '"';
            continue;
        }
        if (c == '"') {
            const uint8_t *q = p + 1;
            while (q < end && *q != '"')
                q += *q == '\\' ? 2 : 1;
            if (q >= end)
                return LOUPE_EINVAL;
            const uint8_t *s = q + 1;
            while (s < end && is_ws(*s))
                s++;
            int is_key = s < end && *s == ':' && prev != ':';
            if (is_key)
                key = slice_make(p + 1, (size_t)(q - p - 1));
            else if (!(prev == ':' && enum_key(key))) {
                uint8_t ph = 0x02;
                if (buf_append(shape, run, (size_t)(p - run)) || buf_putc(shape, ph) ||
                    put_value(values, p + 1, (size_t)(q - p - 1)))
                    return LOUPE_ENOMEM;
                ++*nvalues;
                run = q + 1;
            }
            p = q + 1;
            prev = '"';
            continue;
        }
        if (!is_delim(c)) { /* a number, true, false, null (or stray bytes) */
            const uint8_t *q = p;
            while (q < end && !is_delim(*q))
                q++;
            uint8_t ph = 0x03;
            if (buf_append(shape, run, (size_t)(p - run)) || buf_putc(shape, ph) ||
                put_value(values, p, (size_t)(q - p)))
                return LOUPE_ENOMEM;
            ++*nvalues;
            p = run = q;
            prev = 'v';
            continue;
        }
        if (!is_ws(c))
            prev = c;
        p++;
    }
    if (!rc && buf_append(shape, run, (size_t)(p - run)))
        rc = LOUPE_ENOMEM;
    return rc;
}

int rec_shape_split(slice skel, buf *shape, buf *values, size_t *nvalues)
{
    *nvalues = 0;
    return split_rec(skel, shape, values, nvalues, 0);
}

static int join_rec(slice shape, const uint8_t **vp, const uint8_t *vend, buf *out, int depth)
{
    const uint8_t *p = shape.p, *end = shape.p + shape.n, *run = p;
    while (p < end) {
        uint8_t c = *p;
        if ((c & 0xf0) == REC_MARK) {
            size_t ml = marker_len(p, end);
            if (!ml)
                return LOUPE_EIO;
            p += ml;
            continue;
        }
        if (c == REC_NEST) {
            const uint8_t *q = p + 1;
            uint64_t len;
            if (q >= end || depth >= NEST_DEPTH)
                return LOUPE_EIO;
            uint8_t flags = *q++;
            if (varint_get(&q, end, &len) || len > (uint64_t)(end - q))
                return LOUPE_EIO;
            buf inner = BUF_INIT;
            int rc = buf_append(out, run, (size_t)(p - run)) ? LOUPE_ENOMEM : 0;
            if (!rc)
                rc = join_rec(slice_make(q, (size_t)len), vp, vend, &inner, depth + 1);
            uint8_t h[12];
            h[0] = REC_NEST;
            h[1] = flags;
            if (!rc && (buf_append(out, h, 2 + varint_put(h + 2, inner.n)) || buf_append(out, inner.p, inner.n)))
                rc = LOUPE_ENOMEM;
            buf_free(&inner);
            if (rc)
                return rc;
            p = run = q + len;
            continue;
        }
        if (c != 0x02 && c != 0x03) {
            p++;
            continue;
        }
        uint64_t n;
        if (varint_get(vp, vend, &n) || n > (uint64_t)(vend - *vp))
            return LOUPE_EIO;
        if (buf_append(out, run, (size_t)(p - run)) || (c == 0x02 && buf_putc(out, '"')) ||
            buf_append(out, *vp, (size_t)n) || (c == 0x02 && buf_putc(out, '"')))
            return LOUPE_ENOMEM;
        *vp += n;
        p = run = p + 1;
    }
    return buf_append(out, run, (size_t)(p - run)) ? LOUPE_ENOMEM : 0;
}

int rec_shape_join(slice shape, slice values, buf *skel)
{
    const uint8_t *vp = values.p;
    int rc = join_rec(shape, &vp, values.p + values.n, skel, 0);
    if (!rc && vp != values.p + values.n)
        rc = LOUPE_EIO; /* values left over: corrupt */
    return rc;
}
