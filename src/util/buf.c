/* buf.c - growable owned buffers. */
#include "util/mem.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/varint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int slice_cmp(slice a, slice b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c)
        return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

int buf_reserve(buf *b, size_t extra)
{
    if (extra <= b->cap - b->n)
        return 0;
    if (extra > SIZE_MAX / 2 - b->n)
        return LOUPE_ENOMEM;
    size_t want = b->n + extra;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < want)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        return LOUPE_ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

int buf_append(buf *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    int rc = buf_reserve(b, n);
    if (rc)
        return rc;
    mem_copy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

int buf_putc(buf *b, uint8_t c)
{
    if (b->n == b->cap && buf_reserve(b, 1))
        return LOUPE_ENOMEM;
    b->p[b->n++] = c;
    return 0;
}

int buf_puts(buf *b, const char *s) { return buf_append(b, s, strlen(s)); }

int buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return LOUPE_EINTERNAL;
    if ((size_t)n < sizeof tmp)
        return buf_append(b, tmp, (size_t)n);
    if (buf_reserve(b, (size_t)n + 1))
        return LOUPE_ENOMEM;
    va_start(ap, fmt);
    vsnprintf((char *)b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
    return 0;
}

int buf_put_uvarint(buf *b, uint64_t v)
{
    if (buf_reserve(b, 10))
        return LOUPE_ENOMEM;
    b->n += varint_put(b->p + b->n, v);
    return 0;
}

int buf_put_svarint(buf *b, int64_t v) { return buf_put_uvarint(b, zigzag_enc(v)); }

int buf_put_be32(buf *b, uint32_t v)
{
    uint8_t t[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    return buf_append(b, t, 4);
}

int buf_put_be64(buf *b, uint64_t v)
{
    uint8_t t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (uint8_t)(v >> (56 - 8 * i));
    return buf_append(b, t, 8);
}

int buf_cstr(buf *b)
{
    if (buf_reserve(b, 1))
        return LOUPE_ENOMEM;
    b->p[b->n] = '\0';
    return 0;
}

uint8_t *buf_detach(buf *b, size_t *len)
{
    uint8_t *p = b->p;
    if (len)
        *len = b->n;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}

void buf_reset(buf *b) { b->n = 0; }

void buf_free(buf *b)
{
    if (!b)
        return;
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}
