/* codec.c - timestamp and value encodings for at-rest chunks; see codec.h. */
#include "util/mem.h"
#include "store/codec.h"
#include "util/err.h"
#include "util/varint.h"

#include <math.h>
#include <string.h>

static const double POW10[16] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                  1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };

static inline uint64_t d2u(double d)
{
    uint64_t u;
    mem_copy(&u, &d, 8);
    return u;
}
static inline double u2d(uint64_t u)
{
    double d;
    mem_copy(&d, &u, 8);
    return d;
}

/* ---------------------------------------------------------------- timestamps */

int codec_ts_encode(const int64_t *ts, size_t n, buf *out)
{
    if (buf_reserve(out, n * 10 + 10))
        return LOUPE_ENOMEM;
    uint8_t *p = out->p + out->n;
    p += varint_put(p, zigzag_enc(ts[0]));
    int64_t prev = ts[0], pd = 0;
    for (size_t i = 1; i < n; i++) {
        int64_t d = (int64_t)((uint64_t)ts[i] - (uint64_t)prev);
        p += varint_put(p, zigzag_enc((int64_t)((uint64_t)d - (uint64_t)pd)));
        pd = d;
        prev = ts[i];
    }
    out->n = (size_t)(p - out->p);
    return 0;
}

int codec_ts_decode(const uint8_t **pp, const uint8_t *end, int64_t *ts, size_t n)
{
    uint64_t u;
    if (n == 0)
        return 0;
    if (varint_get(pp, end, &u))
        return -1;
    int64_t prev = zigzag_dec(u), d = 0;
    ts[0] = prev;
    for (size_t i = 1; i < n; i++) {
        if (varint_get(pp, end, &u))
            return -1;
        d = (int64_t)((uint64_t)d + (uint64_t)zigzag_dec(u));
        prev = (int64_t)((uint64_t)prev + (uint64_t)d);
        ts[i] = prev;
    }
    return 0;
}

/* ---------------------------------------------------------------- values */

/* x == m / 10^e exactly (bit for bit), with |m| < 2^53?  Sets *m. */
static inline int dec_ok(double x, int e, int64_t *m)
{
    double s = x * POW10[e];
    if (!(fabs(s) < 9007199254740992.0))
        return 0;
    double r = nearbyint(s);
    if (d2u(e ? r / POW10[e] : r) != d2u(x))
        return 0;
    *m = (int64_t)r;
    return 1;
}

static inline int is_special(double x) { return !isfinite(x) || (x == 0 && signbit(x)); }

/* Finds the smallest scale e at which every value is exactly m/10^e, except
 * for at most n/8+1 exceptions (non-finite, -0.0, or values that do not fit).
 * Returns e, or -1 if there is none. */
static int find_scale(const double *v, size_t n, size_t *nexc)
{
    int e = 0;
    int64_t m;
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        if (is_special(x))
            continue;
        while (e < 16 && !dec_ok(x, e, &m))
            e++;
        if (e >= 16)
            return -1;
    }
    size_t exc = 0;
    for (size_t i = 0; i < n; i++)
        if (is_special(v[i]) || !dec_ok(v[i], e, &m))
            exc++;
    if (exc > n / 8 + 1)
        return -1;
    *nexc = exc;
    return e;
}

static inline int is_exception(double x, int e, int64_t *m) { return is_special(x) || !dec_ok(x, e, m); }

static int enc_decimal(const double *v, size_t n, int e, size_t nexc, int order, buf *out)
{
    if (buf_reserve(out, 2 + 10 + nexc * 18 + n * 10))
        return LOUPE_ENOMEM;
    uint8_t *p = out->p + out->n;
    *p++ = (uint8_t)(order == 1 ? CODEC_DEC1 : CODEC_DEC2);
    *p++ = (uint8_t)e;
    p += varint_put(p, nexc);
    size_t last = 0;
    int64_t m;
    for (size_t i = 0; i < n; i++)
        if (is_exception(v[i], e, &m)) {
            p += varint_put(p, i - last);
            last = i;
            mem_copy(p, &v[i], 8);
            p += 8;
        }
    int64_t prev = 0, pd = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_exception(v[i], e, &m))
            m = prev;
        int64_t d = m - prev;
        if (order == 1)
            p += varint_put(p, zigzag_enc(d));
        else
            p += varint_put(p, zigzag_enc(d - pd));
        pd = d;
        prev = m;
    }
    out->n = (size_t)(p - out->p);
    return 0;
}

static int dec_decimal(const uint8_t **pp, const uint8_t *end, double *v, size_t n, int order)
{
    if (*pp >= end)
        return -1;
    int e = **pp;
    (*pp)++;
    if (e > 15)
        return -1;
    uint64_t nexc, u;
    if (varint_get(pp, end, &nexc) || nexc > n)
        return -1;
    const uint8_t *exc = *pp;
    size_t last = 0;
    for (uint64_t k = 0; k < nexc; k++) { /* skip over; applied after */
        if (varint_get(pp, end, &u) || end - *pp < 8)
            return -1;
        last += u;
        if (last >= n)
            return -1;
        *pp += 8;
    }
    /* unsigned: corrupt input may overflow, which must not be undefined */
    uint64_t prev = 0, d = 0;
    double scale = POW10[e];
    for (size_t i = 0; i < n; i++) {
        if (varint_get(pp, end, &u))
            return -1;
        if (order == 1)
            d = (uint64_t)zigzag_dec(u);
        else
            d += (uint64_t)zigzag_dec(u);
        prev += d;
        v[i] = e ? (double)(int64_t)prev / scale : (double)(int64_t)prev;
    }
    last = 0;
    for (uint64_t k = 0; k < nexc; k++) {
        varint_get(&exc, end, &u);
        last += u;
        mem_copy(&v[last], exc, 8);
        exc += 8;
    }
    return 0;
}

/* XOR with the previous value; header byte = lead zero bytes (high nibble) and
 * trail zero bytes (low nibble); 0x88 means "equal to previous". */
static int enc_xor(const double *v, size_t n, buf *out)
{
    if (buf_reserve(out, 1 + n * 9))
        return LOUPE_ENOMEM;
    uint8_t *p = out->p + out->n;
    *p++ = CODEC_XOR;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = d2u(v[i]), x = u ^ prev;
        prev = u;
        if (!x) {
            *p++ = 0x88;
            continue;
        }
        int lead = __builtin_clzll(x) / 8, trail = __builtin_ctzll(x) / 8;
        *p++ = (uint8_t)(lead << 4 | trail);
        for (int b = 7 - lead; b >= trail; b--)
            *p++ = (uint8_t)(x >> (8 * b));
    }
    out->n = (size_t)(p - out->p);
    return 0;
}

static int dec_xor(const uint8_t **pp, const uint8_t *end, double *v, size_t n)
{
    const uint8_t *p = *pp;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        if (p >= end)
            return -1;
        uint8_t h = *p++;
        uint64_t x = 0;
        if (h != 0x88) {
            int lead = h >> 4, trail = h & 15;
            if (lead + trail > 7)
                return -1;
            int nb = 8 - lead - trail;
            if (end - p < nb)
                return -1;
            for (int b = 0; b < nb; b++)
                x = x << 8 | p[b];
            x <<= 8 * trail;
            p += nb;
        }
        prev ^= x;
        v[i] = u2d(prev);
    }
    *pp = p;
    return 0;
}

int codec_values_encode(const double *v, size_t n, buf *out, int *type_out)
{
    uint64_t first = d2u(v[0]);
    size_t i;
    for (i = 1; i < n && d2u(v[i]) == first; i++)
        ;
    if (i == n) {
        if (type_out)
            *type_out = CODEC_CONST;
        return buf_putc(out, CODEC_CONST) || buf_append(out, &first, 8) ? LOUPE_ENOMEM : 0;
    }
    size_t nexc = 0;
    int e = find_scale(v, n, &nexc);
    size_t start = out->n;
    if (e >= 0) {
        /* try both orders, keep the shorter */
        int rc = enc_decimal(v, n, e, nexc, 1, out);
        if (rc)
            return rc;
        size_t len1 = out->n - start;
        buf tmp = BUF_INIT;
        rc = enc_decimal(v, n, e, nexc, 2, &tmp);
        if (rc) {
            buf_free(&tmp);
            return rc;
        }
        int t = CODEC_DEC1;
        if (tmp.n < len1) {
            out->n = start;
            rc = buf_append(out, tmp.p, tmp.n);
            t = CODEC_DEC2;
        }
        buf_free(&tmp);
        if (type_out)
            *type_out = t;
        return rc;
    }
    if (type_out)
        *type_out = CODEC_XOR;
    return enc_xor(v, n, out);
}

int codec_values_decode(const uint8_t **pp, const uint8_t *end, double *v, size_t n)
{
    if (*pp >= end)
        return -1;
    int t = **pp;
    (*pp)++;
    switch (t) {
    case CODEC_CONST: {
        if (end - *pp < 8)
            return -1;
        uint64_t u;
        mem_copy(&u, *pp, 8);
        *pp += 8;
        for (size_t i = 0; i < n; i++)
            v[i] = u2d(u);
        return 0;
    }
    case CODEC_DEC1: return dec_decimal(pp, end, v, n, 1);
    case CODEC_DEC2: return dec_decimal(pp, end, v, n, 2);
    case CODEC_XOR: return dec_xor(pp, end, v, n);
    default: return -1;
    }
}
