/* json.c - JSON writing and Prometheus float formatting. */
#include "util/mem.h"
#include "util/json.h"
#include "util/err.h"
#include "util/utf8.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int json_str(buf *b, slice s)
{
    static const char hex[] = "0123456789abcdef";
    if (buf_reserve(b, s.n + 2))
        return LOUPE_ENOMEM;
    b->p[b->n++] = '"';
    for (size_t i = 0; i < s.n; i++) {
        uint8_t c = s.p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            if (b->n == b->cap && buf_reserve(b, 1))
                return LOUPE_ENOMEM;
            b->p[b->n++] = c;
            continue;
        }
        if (c >= 0x80) {
            /* copy a valid UTF-8 sequence; replace each invalid byte, as Go
             * does (overlongs, surrogates and > U+10FFFF are invalid too) */
            size_t need = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xc2 && c <= 0xdf ? 1 : 0;
            int ok = need > 0 && i + need < s.n && utf8_valid(s.p + i, need + 1);
            if (ok) {
                if (buf_append(b, s.p + i, need + 1))
                    return LOUPE_ENOMEM;
                i += need;
            } else if (buf_puts(b, "\xef\xbf\xbd")) {
                return LOUPE_ENOMEM;
            }
            continue;
        }
        char e[7];
        switch (c) {
        case '"': mem_copy(e, "\\\"", 3); break;
        case '\\': mem_copy(e, "\\\\", 3); break;
        case '\n': mem_copy(e, "\\n", 3); break;
        case '\r': mem_copy(e, "\\r", 3); break;
        case '\t': mem_copy(e, "\\t", 3); break;
        default:
            e[0] = '\\', e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hex[c >> 4], e[5] = hex[c & 15], e[6] = 0;
        }
        if (buf_puts(b, e))
            return LOUPE_ENOMEM;
    }
    return buf_putc(b, '"');
}

int json_cstr(buf *b, const char *s) { return s ? json_str(b, slice_cstr(s)) : buf_puts(b, "null"); }

int json_int(buf *b, int64_t v) { return buf_printf(b, "%lld", (long long)v); }

/* Lays out digits d[0..nd) with decimal exponent e (value = 0.d * 10^e) in
 * fixed notation. */
static int layout_fixed(char *out, size_t cap, int neg, const char *d, int nd, int e)
{
    size_t o = 0;
#define PUT(ch)                                                                                                    \
    do {                                                                                                           \
        if (o + 1 >= cap)                                                                                          \
            return -1;                                                                                             \
        out[o++] = (ch);                                                                                           \
    } while (0)
    if (neg)
        PUT('-');
    if (e <= 0) {
        PUT('0');
        PUT('.');
        for (int i = 0; i < -e; i++)
            PUT('0');
        for (int i = 0; i < nd; i++)
            PUT(d[i]);
    } else {
        for (int i = 0; i < e; i++)
            PUT(i < nd ? d[i] : '0');
        if (nd > e) {
            PUT('.');
            for (int i = e; i < nd; i++)
                PUT(d[i]);
        }
    }
    out[o] = '\0';
#undef PUT
    return (int)o;
}

/* For a power of two the gap to the next double below is half the gap
 * above, so the nearest 16-digit decimal (below v) may not round-trip while
 * the one a unit above does: Go picks that one.  tmp holds "%.15e" of v;
 * replaces it with the next 16-digit decimal up (away from zero) if that
 * round-trips. */
static int try_next_up(char *tmp, size_t cap, double v)
{
    char alt[40];
    snprintf(alt, sizeof alt, "%s", tmp);
    char *e = strchr(alt, 'e');
    if (!e)
        return 0;
    char *q = e - 1;
    while (q >= alt && (*q == '9' || *q == '.')) {
        if (*q == '9')
            *q = '0';
        q--;
    }
    if (q < alt || *q < '0' || *q > '9')
        return 0; /* 9.999...e+X: the carry changes the exponent; not a 16-digit case */
    (*q)++;
    if (strtod(alt, NULL) != v)
        return 0;
    snprintf(tmp, cap, "%s", alt);
    return 1;
}

/* Shortest round-trip digits of v (v != 0, finite) by trying 15, 16, 17
 * digits through the C library: slow (~1 us), exact, used outside the fast
 * path's range. */
static void shortest_digits_slow(double v, int *neg, char *d, int *nd, int *ex)
{
    char tmp[40];
    /* subnormals can need fewer than 15 digits (5e-324) */
    for (int prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (prec == 17 || strtod(tmp, NULL) == v)
            break;
        if (prec == 16 && try_next_up(tmp, sizeof tmp, v))
            break;
    }
    const char *p = tmp;
    *neg = 0;
    if (*p == '-') {
        *neg = 1;
        p++;
    }
    *nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            d[(*nd)++] = *p;
    *ex = atoi(p + 1) + 1;
    while (*nd > 1 && d[*nd - 1] == '0')
        (*nd)--;
}

typedef unsigned __int128 u128;

static const uint64_t POW10_64[20] = { 1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL,
                                       10000000000000000000ULL };

static u128 pow10_128(int k) /* 0 <= k <= 38 */
{
    return k < 20 ? POW10_64[k] : (u128)POW10_64[19] * pow10_128(k - 19);
}

/* x * 2^s / 10^j as a fraction num/den, both < 2^127; 0 if out of range. */
static int scaled(uint64_t x, int s, int j, u128 *num, u128 *den)
{
    u128 n = x, dn = 1;
    if (j < 0) {
        if (-j > 21)
            return 0;
        n *= pow10_128(-j); /* x < 2^56, 10^21 < 2^70 */
    } else {
        if (j > 38)
            return 0;
        dn = pow10_128(j);
    }
    if (s >= 0) {
        if (s > 60 || (n >> (127 - s)) != 0)
            return 0;
        n <<= s;
    } else {
        if (-s > 120 || (dn >> (127 + s)) != 0)
            return 0;
        dn <<= -s;
    }
    *num = n;
    *den = dn;
    return 1;
}

/* Shortest digits of |v| in [1e-4, 1e30] with exact 128-bit arithmetic: the
 * largest power of ten j with a multiple inside the rounding interval of v
 * (bounds included when the mantissa is even, as a round-half-even parser
 * maps them to v), then the multiple closest to v (ties to even).  Returns 0
 * when v is outside the range it handles. */
static int shortest_digits_fast(double v, int *neg, char *d, int *nd, int *ex)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    *neg = (int)(bits >> 63);
    int be = (int)((bits >> 52) & 0x7ff);
    uint64_t frac = bits & ((1ULL << 52) - 1);
    if (be == 0 || be == 0x7ff)
        return 0; /* zero, subnormal, inf, nan */
    double a = fabs(v);
    if (a < 1e-4 || a > 1e30)
        return 0;
    uint64_t m2 = frac | (1ULL << 52);
    int e2 = be - 1075;
    uint64_t lo_n, hi_n, v_n;
    int s;
    if (frac == 0 && be > 1) { /* the gap below a power of two is half */
        lo_n = 4 * m2 - 1;
        hi_n = 4 * m2 + 2;
        v_n = 4 * m2;
        s = e2 - 2;
    } else {
        lo_n = 2 * m2 - 1;
        hi_n = 2 * m2 + 1;
        v_n = 2 * m2;
        s = e2 - 1;
    }
    int inclusive = (m2 & 1) == 0;
    /* interval width W = (hi_n - lo_n) * 2^s; a multiple of 10^j with
     * 10^j <= W always exists */
    int jw = (int)floor(log10(ldexp((double)(hi_n - lo_n), s)));
    int best = INT32_MIN;
    u128 best_lo = 0, best_hi = 0;
    for (int j = jw + 1;; j++) {
        u128 ln, ld, hn, hd;
        if (!scaled(lo_n, s, j, &ln, &ld) || !scaled(hi_n, s, j, &hn, &hd))
            return 0;
        u128 lq = ln / ld, hq = hn / hd;
        int lexact = ln % ld == 0, hexact = hn % hd == 0;
        /* smallest candidate q with q*10^j >= (or >) L, largest <= (or <) U */
        u128 qlo = lexact ? (inclusive ? lq : lq + 1) : lq + 1;
        u128 qhi = hexact && !inclusive ? hq - 1 : hq;
        if (hexact && !inclusive && hq == 0)
            break;
        if (qlo > qhi)
            break;
        best = j;
        best_lo = qlo;
        best_hi = qhi;
    }
    if (best == INT32_MIN) {
        best = jw;
        u128 ln, ld, hn, hd;
        if (!scaled(lo_n, s, best, &ln, &ld) || !scaled(hi_n, s, best, &hn, &hd))
            return 0;
        u128 lq = ln / ld, hq = hn / hd;
        int lexact = ln % ld == 0, hexact = hn % hd == 0;
        best_lo = lexact ? (inclusive ? lq : lq + 1) : lq + 1;
        best_hi = hexact && !inclusive ? hq - 1 : hq;
        if (best_lo > best_hi)
            return 0; /* cannot happen; be safe */
    }
    /* the candidate closest to v */
    u128 vn, vd;
    if (!scaled(v_n, s, best, &vn, &vd))
        return 0;
    u128 q = vn / vd, rem = vn % vd;
    if (rem * 2 > vd || (rem * 2 == vd && (q & 1)))
        q++;
    if (q < best_lo)
        q = best_lo;
    if (q > best_hi)
        q = best_hi;
    if (q == 0 || q >= (u128)POW10_64[19])
        return 0;
    char tmp[24];
    int n = 0;
    uint64_t qq = (uint64_t)q;
    while (qq) {
        tmp[n++] = (char)('0' + qq % 10);
        qq /= 10;
    }
    /* digits, most significant first; trailing zeros dropped */
    int k = 0;
    while (k < n - 1 && tmp[k] == '0')
        k++;
    *nd = 0;
    for (int i = n - 1; i >= k; i--)
        d[(*nd)++] = tmp[i];
    *ex = n + best; /* value = 0.d * 10^(n + best) */
    return 1;
}

static void shortest_digits(double v, int *neg, char *d, int *nd, int *ex)
{
    if (!shortest_digits_fast(v, neg, d, nd, ex))
        shortest_digits_slow(v, neg, d, nd, ex);
}

/* For tests: the slow reference path. */
void json_shortest_reference(double v, int *neg, char *d, int *nd, int *ex) { shortest_digits_slow(v, neg, d, nd, ex); }
int json_shortest_fast(double v, int *neg, char *d, int *nd, int *ex) { return shortest_digits_fast(v, neg, d, nd, ex); }

int fmt_float_f(char *out, size_t cap, double v)
{
    if (v == 0) {
        return snprintf(out, cap, "%s", signbit(v) ? "-0" : "0");
    }
    int neg, nd, ex;
    char d[24];
    shortest_digits(v, &neg, d, &nd, &ex);
    return layout_fixed(out, cap, neg, d, nd, ex);
}

int prom_float(char *out, size_t cap, double v)
{
    if (isnan(v))
        return snprintf(out, cap, "NaN");
    if (isinf(v))
        return snprintf(out, cap, v > 0 ? "+Inf" : "-Inf");
    double a = fabs(v);
    if (a == 0 || (a >= 1e-6 && a < 1e21))
        return fmt_float_f(out, cap, v);
    /* Go's 'e' format with shortest digits: d.ddde[+-]XX */
    int neg, nd, ex;
    char d[24];
    shortest_digits(v, &neg, d, &nd, &ex);
    int e10 = ex - 1;
    size_t o = 0;
    if (neg && o + 1 < cap)
        out[o++] = '-';
    if (o + 1 < cap)
        out[o++] = d[0];
    if (nd > 1 && o + 1 < cap) {
        out[o++] = '.';
        for (int i = 1; i < nd && o + 1 < cap; i++)
            out[o++] = d[i];
    }
    int n = snprintf(out + o, cap - o, "e%c%02d", e10 < 0 ? '-' : '+', e10 < 0 ? -e10 : e10);
    return (int)o + (n > 0 ? n : 0);
}

int json_float(buf *b, double v)
{
    if (!isfinite(v))
        return buf_puts(b, "null");
    char tmp[400];
    int n = fmt_float_f(tmp, sizeof tmp, v);
    if (n < 0) {
        n = snprintf(tmp, sizeof tmp, "%.17g", v);
    }
    return buf_append(b, tmp, (size_t)n);
}
