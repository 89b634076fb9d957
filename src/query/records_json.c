/* records_json.c - validating scanner over stored JSON text, and hex ids. */
#include "query/records_json.h"
#include "util/hex.h"
#include "util/err.h"
#include "util/utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t *skip_ws(const uint8_t *p, const uint8_t *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at the opening quote; returns the byte after the closing one. */
static const uint8_t *skip_string(const uint8_t *p, const uint8_t *e)
{
    p++;
    while (p < e) {
        uint8_t c = *p;
        if (c == '"')
            return p + 1;
        if (c < 0x20)
            return NULL;
        if (c == '\\') {
            if (++p >= e)
                return NULL;
            if (*p == 'u') {
                if (e - p < 5 || hex_digit(p[1]) < 0 || hex_digit(p[2]) < 0 || hex_digit(p[3]) < 0 || hex_digit(p[4]) < 0)
                    return NULL;
                p += 5;
            } else if (strchr("\"\\/bfnrt", *p) && *p) {
                p++;
            } else {
                return NULL;
            }
            continue;
        }
        if (c >= 0x80) {
            size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
            if ((size_t)(e - p) < n || !utf8_valid(p, n))
                return NULL;
            p += n;
            continue;
        }
        p++;
    }
    return NULL;
}

static const uint8_t *skip_digits(const uint8_t *p, const uint8_t *e)
{
    const uint8_t *s = p;
    while (p < e && *p >= '0' && *p <= '9')
        p++;
    return p == s ? NULL : p;
}

/* Sets *is_int when the literal has no fraction or exponent. */
static const uint8_t *skip_number(const uint8_t *p, const uint8_t *e, int *is_int)
{
    *is_int = 1;
    if (p < e && *p == '-')
        p++;
    if (p < e && *p == '0')
        p++;
    else if (!(p = skip_digits(p, e)))
        return NULL;
    if (p < e && *p == '.') {
        *is_int = 0;
        if (!(p = skip_digits(p + 1, e)))
            return NULL;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        *is_int = 0;
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if (!(p = skip_digits(p, e)))
            return NULL;
    }
    return p;
}

static const uint8_t *skip_value(const uint8_t *p, const uint8_t *e, int depth, rjson_kind *kind);

/* p at '[' or '{'. */
static const uint8_t *skip_container(const uint8_t *p, const uint8_t *e, int depth)
{
    uint8_t close = *p == '[' ? ']' : '}';
    int obj = *p == '{';
    rjson_kind k;
    if (depth >= RJSON_MAX_DEPTH)
        return NULL;
    p = skip_ws(p + 1, e);
    if (p < e && *p == close)
        return p + 1;
    for (;;) {
        if (obj) {
            if (p >= e || *p != '"' || !(p = skip_string(p, e)))
                return NULL;
            p = skip_ws(p, e);
            if (p >= e || *p != ':')
                return NULL;
            p = skip_ws(p + 1, e);
        }
        if (!(p = skip_value(p, e, depth + 1, &k)))
            return NULL;
        p = skip_ws(p, e);
        if (p < e && *p == ',') {
            p = skip_ws(p + 1, e);
            continue;
        }
        if (p < e && *p == close)
            return p + 1;
        return NULL;
    }
}

static const uint8_t *skip_value(const uint8_t *p, const uint8_t *e, int depth, rjson_kind *kind)
{
    int is_int;
    if (p >= e)
        return NULL;
    switch (*p) {
    case '"': *kind = RJ_STRING; return skip_string(p, e);
    case '[': *kind = RJ_ARRAY; return skip_container(p, e, depth);
    case '{': *kind = RJ_OBJECT; return skip_container(p, e, depth);
    case 't': *kind = RJ_BOOL; return e - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f': *kind = RJ_BOOL; return e - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n': *kind = RJ_NULL; return e - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:
        if (*p != '-' && (*p < '0' || *p > '9'))
            return NULL;
        const uint8_t *q = skip_number(p, e, &is_int);
        *kind = is_int ? RJ_INT : RJ_FLOAT;
        return q;
    }
}

rjson_kind rjson_kind_of(slice s)
{
    const uint8_t *e = s.p + s.n, *p = skip_ws(s.p, e);
    rjson_kind k = RJ_INVALID;
    const uint8_t *q = s.n ? skip_value(p, e, 0, &k) : NULL;
    if (!q || skip_ws(q, e) != e)
        return RJ_INVALID;
    if (k == RJ_INT) {
        int64_t v;
        if (rjson_int64(slice_make(p, (size_t)(q - p)), &v))
            k = RJ_FLOAT; /* too large for int64: still a valid number */
    }
    return k;
}

static int walk(slice s, uint8_t open, rjson_member_fn mfn, rjson_elem_fn efn, void *ctx)
{
    const uint8_t *e = s.p + s.n, *p = skip_ws(s.p, e);
    uint8_t close = open == '{' ? '}' : ']';
    rjson_kind k;
    if (!s.n || p >= e || *p != open)
        return -1;
    p = skip_ws(p + 1, e);
    if (p < e && *p == close)
        return skip_ws(p + 1, e) == e ? 0 : -1;
    for (;;) {
        slice key = { 0 };
        if (open == '{') {
            const uint8_t *ks = p;
            if (p >= e || *p != '"' || !(p = skip_string(p, e)))
                return -1;
            key = slice_make(ks, (size_t)(p - ks));
            p = skip_ws(p, e);
            if (p >= e || *p != ':')
                return -1;
            p = skip_ws(p + 1, e);
        }
        const uint8_t *vs = p;
        if (!(p = skip_value(p, e, 1, &k)))
            return -1;
        slice val = slice_make(vs, (size_t)(p - vs));
        int rc = open == '{' ? mfn(ctx, key, val) : efn(ctx, val);
        if (rc)
            return rc;
        p = skip_ws(p, e);
        if (p < e && *p == ',') {
            p = skip_ws(p + 1, e);
            continue;
        }
        if (p < e && *p == close)
            return skip_ws(p + 1, e) == e ? 0 : -1;
        return -1;
    }
}

int rjson_object_each(slice obj, rjson_member_fn fn, void *ctx) { return walk(obj, '{', fn, NULL, ctx); }
int rjson_array_each(slice arr, rjson_elem_fn fn, void *ctx) { return walk(arr, '[', NULL, fn, ctx); }

static int put_utf8(buf *out, uint32_t cp)
{
    uint8_t t[4];
    size_t n;
    if (cp < 0x80) {
        t[0] = (uint8_t)cp, n = 1;
    } else if (cp < 0x800) {
        t[0] = (uint8_t)(0xc0 | cp >> 6), t[1] = (uint8_t)(0x80 | (cp & 0x3f)), n = 2;
    } else if (cp < 0x10000) {
        t[0] = (uint8_t)(0xe0 | cp >> 12), t[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        t[2] = (uint8_t)(0x80 | (cp & 0x3f)), n = 3;
    } else {
        t[0] = (uint8_t)(0xf0 | cp >> 18), t[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        t[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), t[3] = (uint8_t)(0x80 | (cp & 0x3f)), n = 4;
    }
    return buf_append(out, t, n);
}

static uint32_t hex4(const uint8_t *p)
{
    return (uint32_t)(hex_digit(p[0]) << 12 | hex_digit(p[1]) << 8 | hex_digit(p[2]) << 4 | hex_digit(p[3]));
}

int rjson_str_decode(slice lit, buf *out)
{
    if (lit.n < 2)
        return 0;
    const uint8_t *p = lit.p + 1, *e = lit.p + lit.n - 1;
    while (p < e) {
        const uint8_t *s = p;
        while (p < e && *p != '\\')
            p++;
        if (buf_append(out, s, (size_t)(p - s)))
            return LOUPE_ENOMEM;
        if (p >= e)
            break;
        uint8_t c = p[1];
        p += 2;
        int rc;
        switch (c) {
        case 'b': rc = buf_putc(out, '\b'); break;
        case 'f': rc = buf_putc(out, '\f'); break;
        case 'n': rc = buf_putc(out, '\n'); break;
        case 'r': rc = buf_putc(out, '\r'); break;
        case 't': rc = buf_putc(out, '\t'); break;
        case 'u': {
            uint32_t cp = hex4(p);
            p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && e - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                uint32_t lo = hex4(p + 2);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                }
            }
            if (cp >= 0xd800 && cp < 0xe000)
                cp = 0xfffd; /* a lone surrogate has no UTF-8 form */
            rc = put_utf8(out, cp);
            break;
        }
        default: rc = buf_putc(out, c); /* " \ / */
        }
        if (rc)
            return LOUPE_ENOMEM;
    }
    return 0;
}

int rjson_str_eq(slice lit, const char *s)
{
    size_t n = strlen(s);
    if (lit.n < 2)
        return 0;
    if (!memchr(lit.p, '\\', lit.n))
        return lit.n - 2 == n && memcmp(lit.p + 1, s, n) == 0;
    buf b = BUF_INIT;
    int eq = rjson_str_decode(lit, &b) == 0 && b.n == n && (n == 0 || memcmp(b.p, s, n) == 0);
    buf_free(&b);
    return eq;
}

int rjson_int64(slice val, int64_t *out)
{
    char tmp[32];
    if (val.n >= 2 && val.p[0] == '"')
        val = slice_make(val.p + 1, val.n - 2);
    if (val.n == 0 || val.n >= sizeof tmp)
        return -1;
    memcpy(tmp, val.p, val.n);
    tmp[val.n] = '\0';
    for (size_t i = 0; i < val.n; i++)
        if (!(tmp[i] >= '0' && tmp[i] <= '9') && !(i == 0 && tmp[i] == '-'))
            return -1;
    char *end;
    errno = 0;
    long long v = strtoll(tmp, &end, 10);
    if (errno || *end || end == tmp)
        return -1;
    *out = v;
    return 0;
}

void hex_encode(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

int bytes_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int hex_id_parse(slice s, uint8_t *out, size_t n)
{
    if (s.n == 0 || s.n > 2 * n)
        return -1;
    memset(out, 0, n);
    /* digit i from the right goes to nibble i from the right */
    for (size_t i = 0; i < s.n; i++) {
        int v = hex_digit(s.p[s.n - 1 - i]);
        if (v < 0)
            return -1;
        size_t byte = n - 1 - i / 2;
        out[byte] |= (uint8_t)(i % 2 ? v << 4 : v);
    }
    return 0;
}
