/* buf.h - borrowed byte ranges (slice) and owned growable buffers (buf).
 *
 * A slice borrows: it never frees and lives no longer than what it points
 * into.  A buf owns its bytes; buf_free() releases them.  Every append leaves
 * the buffer valid (and unchanged) when it fails with LOUPE_ENOMEM, so a
 * caller never has to reassign a pointer the way sdscat requires. */
#ifndef LOUPE_BUF_H
#define LOUPE_BUF_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

typedef struct slice {
    const uint8_t *p;
    size_t n;
} slice;

static inline slice slice_make(const void *p, size_t n)
{
    slice s = { (const uint8_t *)p, n };
    return s;
}
static inline slice slice_cstr(const char *s) { return slice_make(s, strlen(s)); }
static inline int slice_eq(slice a, slice b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}
static inline int slice_eq_cstr(slice a, const char *s) { return slice_eq(a, slice_cstr(s)); }
/* memcmp-style ordering, shorter prefix first. */
int slice_cmp(slice a, slice b);

typedef struct buf {
    uint8_t *p;
    size_t n;
    size_t cap;
} buf;

#define BUF_INIT { NULL, 0, 0 }

/* Ensures room for `extra` more bytes.  0 or LOUPE_ENOMEM. */
int buf_reserve(buf *b, size_t extra);
int buf_append(buf *b, const void *p, size_t n);
int buf_putc(buf *b, uint8_t c);
int buf_puts(buf *b, const char *s);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends unsigned LEB128 / zigzag-signed varints. */
int buf_put_uvarint(buf *b, uint64_t v);
int buf_put_svarint(buf *b, int64_t v);
/* Appends big-endian fixed-width integers (sortable LMDB keys). */
int buf_put_be32(buf *b, uint32_t v);
int buf_put_be64(buf *b, uint64_t v);
/* Appends a NUL without counting it, so b->p is a C string.  0 or ENOMEM. */
int buf_cstr(buf *b);
/* Takes ownership of the bytes away from b (caller frees with free()). */
uint8_t *buf_detach(buf *b, size_t *len);
void buf_reset(buf *b);
void buf_free(buf *b);
static inline slice buf_slice(const buf *b) { return slice_make(b->p, b->n); }

#endif
