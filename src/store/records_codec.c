/* records_codec.c - the field codec of the records store: long JSON string
 * literals and long plain texts cut out into content-addressed blobs, the
 * rest kept as a small skeleton, and the exact bytes put back on read.  Pure:
 * no SQLite, no globals (blobs are reached through callbacks). */
#include "util/mem.h"
#include "util/utf8.h"
#include "store/records_int.h"
#include "util/varint.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ hash */

static inline uint64_t le64(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline uint64_t mum(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t fmix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Two 64-bit lanes of multiply-fold mixing over 16-byte blocks, keyed.  Not
 * cryptographic: the per-database random key keeps outsiders from aiming at
 * collisions, and an insert still compares the content it dedups against. */
void rec_hash128(const void *data, size_t n, const uint64_t key[2], uint8_t out[16])
{
    const uint64_t K1 = 0x9e3779b97f4a7c15ULL, K2 = 0xc2b2ae3d27d4eb4fULL, K3 = 0x165667b19e3779f9ULL;
    const uint8_t *p = data;
    uint64_t a = key[0] ^ ((uint64_t)n * K1), b = key[1] ^ ((uint64_t)n * K3) ^ K2;
    size_t left = n;
    while (left >= 16) {
        uint64_t x = le64(p), y = le64(p + 8);
        uint64_t na = mum(a ^ x, y ^ K2) + b;
        b = mum(b ^ y, x ^ K3) + a;
        a = na;
        p += 16;
        left -= 16;
    }
    uint8_t tail[16] = { 0 };
    mem_copy(tail, p, left);
    uint64_t x = le64(tail), y = le64(tail + 8);
    uint64_t na = mum(a ^ x ^ K1, y ^ K2 ^ left) + b;
    b = mum(b ^ y ^ K3, x ^ K1) + a;
    a = fmix(na ^ b);
    b = fmix(b + a);
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(a >> (8 * i));
        out[8 + i] = (uint8_t)(b >> (8 * i));
    }
}

/* ------------------------------------------------------------ UTF-8 */

size_t rec_utf8_prefix(const uint8_t *p, size_t n, size_t nchars)
{
    size_t i = 0;
    int32_t cp;
    while (i < n && nchars > 0) {
        i += utf8_decode(p + i, n - i, &cp);
        nchars--;
    }
    return i;
}

static int put_utf8(buf *b, uint32_t cp)
{
    uint8_t t[4];
    size_t n;
    if (cp < 0x80)
        t[0] = (uint8_t)cp, n = 1;
    else if (cp < 0x800)
        t[0] = (uint8_t)(0xc0 | cp >> 6), t[1] = (uint8_t)(0x80 | (cp & 0x3f)), n = 2;
    else if (cp < 0x10000)
        t[0] = (uint8_t)(0xe0 | cp >> 12), t[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)),
        t[2] = (uint8_t)(0x80 | (cp & 0x3f)), n = 3;
    else
        t[0] = (uint8_t)(0xf0 | cp >> 18), t[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f)),
        t[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), t[3] = (uint8_t)(0x80 | (cp & 0x3f)), n = 4;
    return buf_append(b, t, n);
}

/* ------------------------------------------------------------ JSON strings */

static int put_u(buf *b, uint32_t v, int upper)
{
    static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
    const char *d = upper ? up : lo;
    char t[6] = { '\\', 'u', d[v >> 12 & 15], d[v >> 8 & 15], d[v >> 4 & 15], d[v & 15] };
    return buf_append(b, t, 6);
}

int rec_json_escape(buf *b, slice s, int flags)
{
    int upper = !!(flags & REC_ESC_UPPER);
    if (buf_reserve(b, s.n + s.n / 8 + 8))
        return LOUPE_ENOMEM;
    size_t i = 0, run = 0; /* bytes [run, i) are copied as they are */
    while (i < s.n) {
        uint8_t c = s.p[i];
        const char *esc = NULL;
        uint32_t u = 0;
        int use_u = 0;
        size_t len = 1;
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80 && c != '/' && c != '<' && c != '>' && c != '&') {
            i++;
            continue;
        }
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '/') {
            if (!(flags & REC_ESC_SLASH)) {
                i++;
                continue;
            }
            esc = "\\/";
        } else if (c == '<' || c == '>' || c == '&') {
            if (!(flags & REC_ESC_HTML)) {
                i++;
                continue;
            }
            use_u = 1, u = c;
        } else if (c < 0x20) {
            switch (c) {
            case '\b': esc = "\\b"; break;
            case '\f': esc = "\\f"; break;
            case '\n': esc = "\\n"; break;
            case '\r': esc = "\\r"; break;
            case '\t': esc = "\\t"; break;
            default: use_u = 1, u = c;
            }
        } else { /* non-ASCII */
            int32_t cp;
            len = utf8_decode(s.p + i, s.n - i, &cp);
            if (flags & REC_ESC_ASCII) {
                if (cp < 0)
                    return 1;
                use_u = 1, u = (uint32_t)cp;
            } else if ((flags & REC_ESC_HTML) && (cp == 0x2028 || cp == 0x2029)) {
                use_u = 1, u = (uint32_t)cp;
            } else {
                i += len;
                continue;
            }
        }
        if (buf_append(b, s.p + run, i - run))
            return LOUPE_ENOMEM;
        int rc;
        if (esc)
            rc = buf_append(b, esc, 2);
        else if (u >= 0x10000)
            rc = put_u(b, 0xd800 + ((u - 0x10000) >> 10), upper) || put_u(b, 0xdc00 + ((u - 0x10000) & 0x3ff), upper);
        else
            rc = put_u(b, u, upper);
        (void)use_u;
        if (rc)
            return LOUPE_ENOMEM;
        i += len;
        run = i;
    }
    return buf_append(b, s.p + run, i - run) ? LOUPE_ENOMEM : 0;
}

static int hexv(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int read_u(const uint8_t *p, size_t n, size_t i, uint32_t *v)
{
    if (n - i < 6 || p[i] != '\\' || p[i + 1] != 'u')
        return -1;
    uint32_t x = 0;
    for (int k = 2; k < 6; k++) {
        int h = hexv(p[i + k]);
        if (h < 0)
            return -1;
        x = x << 4 | (uint32_t)h;
    }
    *v = x;
    return 0;
}

int rec_json_unescape(buf *b, slice raw)
{
    const uint8_t *p = raw.p;
    size_t n = raw.n, i = 0, run = 0;
    if (buf_reserve(b, n))
        return LOUPE_ENOMEM;
    while (i < n) {
        if (p[i] != '\\') {
            i++;
            continue;
        }
        if (buf_append(b, p + run, i - run))
            return LOUPE_ENOMEM;
        if (i + 1 >= n)
            return 1;
        uint8_t c = p[i + 1], out = 0;
        switch (c) {
        case '"': out = '"'; break;
        case '\\': out = '\\'; break;
        case '/': out = '/'; break;
        case 'b': out = '\b'; break;
        case 'f': out = '\f'; break;
        case 'n': out = '\n'; break;
        case 'r': out = '\r'; break;
        case 't': out = '\t'; break;
        case 'u': break;
        default: return 1;
        }
        if (c != 'u') {
            if (buf_putc(b, out))
                return LOUPE_ENOMEM;
            i += 2;
        } else {
            uint32_t v, lo;
            if (read_u(p, n, i, &v))
                return 1;
            i += 6;
            if (v >= 0xd800 && v <= 0xdbff) {
                if (read_u(p, n, i, &lo) || lo < 0xdc00 || lo > 0xdfff)
                    return 1;
                v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            } else if (v >= 0xdc00 && v <= 0xdfff) {
                return 1;
            }
            if (put_utf8(b, v))
                return LOUPE_ENOMEM;
        }
        run = i;
    }
    return buf_append(b, p + run, i - run) ? LOUPE_ENOMEM : 0;
}

/* The escape variant a literal seems to use, from its escapes. */
static int infer_flags(slice raw)
{
    int f = 0;
    for (size_t i = 0; i + 1 < raw.n; i++) {
        if (raw.p[i] != '\\')
            continue;
        uint8_t c = raw.p[i + 1];
        if (c == '/')
            f |= REC_ESC_SLASH;
        uint32_t v;
        if (c == 'u' && !read_u(raw.p, raw.n, i, &v)) {
            if (v == '<' || v == '>' || v == '&' || v == 0x2028 || v == 0x2029)
                f |= REC_ESC_HTML;
            else if (v >= 0x80)
                f |= REC_ESC_ASCII;
            for (int k = 2; k < 6; k++)
                if (raw.p[i + k] >= 'A' && raw.p[i + k] <= 'F')
                    f |= REC_ESC_UPPER;
            i += 5;
        } else {
            i++;
        }
    }
    return f;
}

/* ------------------------------------------------------------ split */

static int is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* 1 when the text may be skeletonised: it starts like a JSON object or
 * array, every string literal in it ends, and it holds no control byte but
 * tab / LF / CR (so marker bytes are unambiguous). */
int rec_json_like(slice in)
{
    size_t i = 0;
    while (i < in.n && is_ws(in.p[i]))
        i++;
    if (i == in.n || (in.p[i] != '{' && in.p[i] != '['))
        return 0;
    for (size_t k = 0; k < in.n; k++)
        if (in.p[k] < 0x20 && !is_ws(in.p[k]))
            return 0;
    int in_str = 0;
    for (size_t k = 0; k < in.n; k++) {
        uint8_t c = in.p[k];
        if (in_str && c == '\\')
            k++;
        else if (c == '"')
            in_str = !in_str;
    }
    return !in_str;
}

/* Splits JSON text (json_like) into skel; pieces are numbered from *nref
 * on.  A long literal whose decoded text is JSON itself (a JSON-encoded
 * attribute such as gen_ai.input.messages) is split again, to depth
 * NEST_DEPTH, so the strings inside it dedup with the same strings
 * elsewhere.  stable: `in` is the caller's input (not decoded scratch). */
static int split_json(slice in, const rec_split_cb *cb, buf *skel, uint64_t *nref, int depth, int stable)
{
    const uint8_t *p = in.p;
    size_t n = in.n, i = 0, copied = 0;
    slice key = { 0 };
    uint8_t prev = 0; /* last significant byte outside strings */
    buf scratch = BUF_INIT, nested = BUF_INIT;
    int rc = 0;
    while (i < n) {
        if (p[i] != '"') {
            if (!is_ws(p[i]))
                prev = p[i];
            i++;
            continue;
        }
        size_t j = i + 1;
        int bs = 0; /* escapes, or raw tab / LF / CR (invalid JSON): check against the escaper */
        while (j < n && p[j] != '"') {
            if (p[j] == '\\')
                bs = 1, j++;
            else if (p[j] < 0x20)
                bs = 1;
            j++;
        }
        if (j >= n) /* rec_json_like() saw to it */
            break;
        slice raw = slice_make(p + i + 1, j - i - 1);
        size_t k = j + 1;
        while (k < n && is_ws(p[k]))
            k++;
        int is_key = k < n && p[k] == ':' && prev != ':';
        slice dec = raw;
        int ok = 1, flags = 0;
        if (bs) {
            scratch.n = 0;
            /* room for the decoded text and its re-escaped copy (at most 6
             * bytes per byte), so escaping never moves dec */
            if (raw.n > (SIZE_MAX - 16) / 8 || buf_reserve(&scratch, raw.n * 7 + 16)) {
                rc = LOUPE_ENOMEM;
                break;
            }
            if ((rc = rec_json_unescape(&scratch, raw)) < 0)
                break;
            ok = rc == 0;
            rc = 0;
            dec = buf_slice(&scratch);
        }
        int cut = 0;
        if (ok && dec.n >= REC_CUT_MIN) {
            cut = 1;
            if (bs) { /* only when the canonical escaper gives back the same bytes */
                flags = infer_flags(raw);
                size_t mark = scratch.n;
                if ((rc = rec_json_escape(&scratch, dec, flags)) < 0)
                    break;
                cut = rc == 0 && scratch.n - mark == raw.n && !memcmp(scratch.p + mark, raw.p, raw.n);
                rc = 0;
                dec = slice_make(scratch.p, mark);
            }
        }
        int nest = 0;
        if (cut && depth < NEST_DEPTH && rec_json_like(dec)) {
            uint64_t before = *nref;
            nested.n = 0;
            if ((rc = split_json(dec, cb, &nested, nref, depth + 1, stable && !bs)))
                break;
            nest = *nref > before;
        }
        if (nest) {
            uint8_t m[12];
            m[0] = REC_NEST;
            m[1] = (uint8_t)flags;
            size_t ml = 2 + varint_put(m + 2, nested.n);
            if (buf_append(skel, p + copied, i - copied) || buf_append(skel, m, ml) ||
                buf_append(skel, nested.p, nested.n)) {
                rc = LOUPE_ENOMEM;
                break;
            }
            copied = j + 1;
        } else if (cut) {
            uint8_t m[11];
            m[0] = (uint8_t)(REC_MARK | flags);
            size_t ml = 1 + varint_put(m + 1, (*nref)++);
            if (buf_append(skel, p + copied, i - copied) || buf_append(skel, m, ml)) {
                rc = LOUPE_ENOMEM;
                break;
            }
            if ((rc = cb->cut(cb->ctx, dec, stable && !bs)))
                break;
            copied = j + 1;
        } else if (ok && !is_key && cb->value && dec.n) {
            if ((rc = cb->value(cb->ctx, prev == ':' ? key : slice_make(NULL, 0), dec)))
                break;
        }
        if (is_key)
            key = raw;
        prev = '"';
        i = j + 1;
    }
    if (!rc && buf_append(skel, p + copied, n - copied))
        rc = LOUPE_ENOMEM;
    buf_free(&scratch);
    buf_free(&nested);
    return rc;
}

int rec_field_split(slice in, const rec_split_cb *cb, buf *skel, buf *scratch)
{
    int rc;
    (void)scratch;
    if (!rec_json_like(in)) {
        if (in.n >= REC_CUT_MIN)
            return (rc = cb->cut(cb->ctx, in, 1)) ? rc : REC_FIELD_BLOB;
        if (in.n && cb->value && (rc = cb->value(cb->ctx, slice_make(NULL, 0), in)))
            return rc;
        return REC_FIELD_RAW;
    }
    size_t start = skel->n;
    uint64_t nref = 0;
    if ((rc = split_json(in, cb, skel, &nref, 0, 1)))
        return rc;
    if (nref == 0) {
        skel->n = start;
        return REC_FIELD_RAW;
    }
    return REC_FIELD_SKEL;
}

/* ------------------------------------------------------------ decode */

typedef struct fview {
    int kind;
    uint64_t nref;
    const uint8_t *refs, *end; /* varint ids */
    slice body;                /* raw text, or the (uncompressed) skeleton */
} fview;

/* Parses a stored field; decompresses a skeleton (or joins shape and
 * values) into sc->skel. */
static int fview_parse(slice col, rec_blob_fn get, void *ctx, rec_scratch *sc, fview *v)
{
    const uint8_t *p = col.p, *end = col.p + col.n;
    memset(v, 0, sizeof *v);
    if (col.n == 0) {
        v->kind = REC_FIELD_RAW;
        return 0;
    }
    v->kind = *p++;
    if (v->kind == REC_FIELD_RAW) {
        v->body = slice_make(p, (size_t)(end - p));
        return 0;
    }
    if (v->kind == REC_FIELD_BLOB) {
        v->nref = 1;
        v->refs = p;
        v->end = end;
        return 0;
    }
    if (v->kind < REC_FIELD_SKEL || v->kind > REC_FIELD_SHAPEZ)
        return LOUPE_EIO;
    if (varint_get(&p, end, &v->nref) || v->nref > (uint64_t)(end - p))
        return LOUPE_EIO;
    v->refs = p;
    uint64_t id;
    for (uint64_t k = 0; k < v->nref; k++)
        if (varint_get(&p, end, &id))
            return LOUPE_EIO;
    v->end = p;
    if (v->kind == REC_FIELD_SKEL) {
        v->body = slice_make(p, (size_t)(end - p));
        return 0;
    }
    int rc;
    if (v->kind == REC_FIELD_SHAPE || v->kind == REC_FIELD_SHAPEZ) {
        if (!get || varint_get(&p, end, &id))
            return LOUPE_EIO;
        slice values = slice_make(p, (size_t)(end - p));
        sc->shape.n = 0;
        sc->skel.n = 0;
        if ((rc = get(ctx, id, &sc->shape)))
            return rc;
        if (v->kind == REC_FIELD_SHAPEZ) { /* sc->blob is free until the skeleton is decoded */
            sc->blob.n = 0;
            if ((rc = rec_zdecompress(values.p, values.n, &sc->dctx, sc->ddict, sc->ddict_ctx, &sc->blob)))
                return rc;
            values = buf_slice(&sc->blob);
        }
        if ((rc = rec_shape_join(buf_slice(&sc->shape), values, &sc->skel)))
            return rc;
        v->body = buf_slice(&sc->skel);
        return 0;
    }
    uint64_t raw;
    if (varint_get(&p, end, &raw) || raw > REC_MAX_TEXT)
        return LOUPE_EIO;
    sc->skel.n = 0;
    if (buf_reserve(&sc->skel, (size_t)raw + 1))
        return LOUPE_ENOMEM;
    if (!sc->dctx && !(sc->dctx = ZSTD_createDCtx()))
        return LOUPE_ENOMEM;
    size_t got = ZSTD_decompressDCtx(sc->dctx, sc->skel.p, (size_t)raw, p, (size_t)(end - p));
    if (ZSTD_isError(got) || got != raw)
        return LOUPE_EIO;
    sc->skel.n = got;
    v->body = buf_slice(&sc->skel);
    return 0;
}

/* The id of ref k (k < nref). */
static int fview_ref(const fview *v, uint64_t k, uint64_t *id)
{
    const uint8_t *p = v->refs;
    for (uint64_t i = 0; i <= k; i++)
        if (varint_get(&p, v->end, id))
            return LOUPE_EIO;
    return 0;
}

int rec_field_refs(slice col, buf *ids)
{
    const uint8_t *p = col.p, *end = col.p + col.n;
    uint64_t n = 1, id;
    if (col.n == 0 || *p == REC_FIELD_RAW)
        return 0;
    int kind = *p++;
    if (kind != REC_FIELD_BLOB && (kind < REC_FIELD_SKEL || kind > REC_FIELD_SHAPEZ))
        return LOUPE_EIO;
    if (kind != REC_FIELD_BLOB && (varint_get(&p, end, &n) || n > col.n))
        return LOUPE_EIO;
    n += kind >= REC_FIELD_SHAPE; /* and the shape */
    for (uint64_t k = 0; k < n; k++) {
        if (varint_get(&p, end, &id))
            return LOUPE_EIO;
        if (buf_append(ids, &id, sizeof id))
            return LOUPE_ENOMEM;
    }
    return 0;
}

/* Reads a REC_NEST header at *pp (past the marker): flags and the nested
 * skeleton. */
static int nest_get(const uint8_t **pp, const uint8_t *end, int *flags, slice *inner)
{
    const uint8_t *p = *pp;
    uint64_t len;
    if (p >= end)
        return LOUPE_EIO;
    *flags = *p++ & 0x0f;
    if (varint_get(&p, end, &len) || len > (uint64_t)(end - p))
        return LOUPE_EIO;
    *inner = slice_make(p, (size_t)len);
    *pp = p + len;
    return 0;
}

/* Puts a skeleton's text back: markers become their blobs, escaped; nested
 * skeletons are put back, then escaped. */
static int decode_skel(const fview *v, slice body, rec_blob_fn get, void *ctx, rec_scratch *sc, buf *out, int depth)
{
    const uint8_t *p = body.p, *end = body.p + body.n, *run = p;
    int rc;
    if (buf_reserve(out, body.n + 64))
        return LOUPE_ENOMEM;
    while (p < end) {
        if ((*p & 0xf0) != REC_MARK && *p != REC_NEST) {
            p++;
            continue;
        }
        if (buf_append(out, run, (size_t)(p - run)))
            return LOUPE_ENOMEM;
        int flags;
        slice text;
        buf inner = BUF_INIT;
        if (*p++ == REC_NEST) {
            slice nested;
            if (depth >= NEST_DEPTH || nest_get(&p, end, &flags, &nested))
                return LOUPE_EIO;
            if ((rc = decode_skel(v, nested, get, ctx, sc, &inner, depth + 1))) {
                buf_free(&inner);
                return rc;
            }
            text = buf_slice(&inner);
        } else {
            flags = p[-1] & 0x0f;
            uint64_t k, id;
            if (varint_get(&p, end, &k) || k >= v->nref || fview_ref(v, k, &id))
                return LOUPE_EIO;
            sc->blob.n = 0;
            if ((rc = get(ctx, id, &sc->blob)))
                return rc;
            text = buf_slice(&sc->blob);
        }
        rc = buf_putc(out, '"');
        if (!rc && (rc = rec_json_escape(out, text, flags)) > 0)
            rc = LOUPE_EIO;
        if (!rc && buf_putc(out, '"'))
            rc = LOUPE_ENOMEM;
        buf_free(&inner);
        if (rc)
            return rc;
        run = p;
    }
    return buf_append(out, run, (size_t)(end - run)) ? LOUPE_ENOMEM : 0;
}

int rec_field_decode(slice col, rec_blob_fn get, void *ctx, rec_scratch *sc, buf *out)
{
    fview v;
    int rc = fview_parse(col, get, ctx, sc, &v);
    if (rc)
        return rc;
    if (v.kind == REC_FIELD_RAW)
        return buf_append(out, v.body.p, v.body.n) ? LOUPE_ENOMEM : 0;
    uint64_t id;
    if (v.kind == REC_FIELD_BLOB)
        return fview_ref(&v, 0, &id) ? LOUPE_EIO : get(ctx, id, out);
    return decode_skel(&v, v.body, get, ctx, sc, out, 0);
}

/* ------------------------------------------------------------ preview */

static int key_rank(slice key)
{
    static const char *const best[] = { "content", "text", "prompt", "input", "query", "message", "completion",
                                        "output", "question", "answer", "value" };
    static const char *const skip[] = { "role", "type", "id", "model", "name", "finish_reason", "object" };
    for (size_t i = 0; i < sizeof best / sizeof *best; i++)
        if (slice_eq_cstr(key, best[i]))
            return 2;
    for (size_t i = 0; i < sizeof skip / sizeof *skip; i++)
        if (slice_eq_cstr(key, skip[i]))
            return 0;
    return 1;
}

int rec_field_preview(slice col, rec_blob_fn get, void *ctx, rec_scratch *sc, buf *out)
{
    fview v;
    int rc = fview_parse(col, get, ctx, sc, &v);
    if (rc)
        return rc;
    uint64_t id;
    if (v.kind == REC_FIELD_BLOB)
        return fview_ref(&v, 0, &id) ? LOUPE_EIO : get(ctx, id, out);
    if (v.kind == REC_FIELD_RAW && !rec_json_like(v.body))
        return buf_append(out, v.body.p, v.body.n) ? LOUPE_ENOMEM : 0;
    /* walk the skeleton (or raw JSON): the last string value, preferring
     * content-like keys; markers stand for cut literals */
    const uint8_t *p = v.body.p, *end = v.body.p + v.body.n;
    slice key = { 0 }, pick = { 0 };
    int pick_rank = -1, pick_ref = 0;
    uint64_t pick_k = 0;
    uint8_t prev = 0;
    while (p < end) {
        uint8_t c = *p;
        int is_ref = (c & 0xf0) == REC_MARK, is_nest = c == REC_NEST;
        if (c != '"' && !is_ref && !is_nest) {
            if (!is_ws(c))
                prev = c;
            p++;
            continue;
        }
        slice raw = { 0 };
        uint64_t k = 0;
        int flags;
        if (is_nest) {
            p++;
            if (nest_get(&p, end, &flags, &raw))
                return LOUPE_EIO;
        } else if (is_ref) {
            p++;
            if (varint_get(&p, end, &k) || k >= v.nref)
                return LOUPE_EIO;
        } else {
            const uint8_t *q = p + 1;
            while (q < end && *q != '"')
                q += *q == '\\' ? 2 : 1;
            if (q >= end)
                break;
            raw = slice_make(p + 1, (size_t)(q - p - 1));
            p = q + 1;
        }
        const uint8_t *s = p;
        while (s < end && is_ws(*s))
            s++;
        int is_key = s < end && *s == ':' && prev != ':';
        if (is_key) {
            key = is_ref || is_nest ? slice_make(NULL, 0) : raw;
        } else {
            int rank = key_rank(prev == ':' ? key : slice_make(NULL, 0));
            if (rank >= pick_rank && rank > 0) {
                pick_rank = rank;
                pick_ref = is_ref ? 1 : is_nest ? 2 : 0;
                pick_k = k;
                pick = raw;
            }
        }
        prev = '"';
    }
    if (pick_rank < 0) /* no string value: the whole text */
        return rec_field_decode(col, get, ctx, sc, out);
    if (pick_ref == 1)
        return fview_ref(&v, pick_k, &id) ? LOUPE_EIO : get(ctx, id, out);
    if (pick_ref == 2) /* a JSON document inside a string: its text */
        return decode_skel(&v, pick, get, ctx, sc, out, 1);
    size_t mark = out->n;
    rc = rec_json_unescape(out, pick);
    if (rc < 0)
        return rc;
    if (rc) {
        out->n = mark;
        return buf_append(out, pick.p, pick.n) ? LOUPE_ENOMEM : 0;
    }
    return 0;
}
