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

/* Shortest round-trip digits of v (v != 0, finite): d[0..*nd), value = 0.d * 10^*ex.
 * Normal doubles carry more than 15 significant digits, so the 15-digit
 * rounding (trailing zeros trimmed) is the shortest whenever any string of
 * <= 15 digits round-trips; subnormals have fewer bits and need the search
 * from one digit. */
static void shortest_digits(double v, int *neg, char *d, int *nd, int *ex)
{
    char tmp[40];
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
