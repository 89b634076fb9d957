/* pb.h - a small zero-copy protobuf wire-format reader.
 *
 * It walks one message's fields in order; length-delimited fields come back
 * as slices into the input (no copies), which stay valid as long as the input
 * does.  It knows nothing of schemas: callers switch on field numbers.  Every
 * length is checked against the bytes that remain, so hostile input can only
 * make it return an error.  Groups (wire types 3 and 4) are rejected: no
 * message loupe reads uses them. */
#ifndef LOUPE_PB_H
#define LOUPE_PB_H

#include "util/buf.h"

#include <stdint.h>

enum { PB_VARINT = 0, PB_FIXED64 = 1, PB_LEN = 2, PB_FIXED32 = 5 };

typedef struct pb_reader {
    const uint8_t *p, *end;
} pb_reader;

typedef struct pb_field {
    uint32_t num;   /* field number (>= 1) */
    uint8_t type;   /* PB_VARINT, PB_FIXED64, PB_LEN or PB_FIXED32 */
    uint64_t u;     /* the value for VARINT / FIXED64 / FIXED32 */
    slice bytes;    /* the payload for LEN */
    const uint8_t *start; /* first byte of the field's tag (for raw spans) */
} pb_field;

static inline pb_reader pb_reader_make(slice s)
{
    pb_reader r = { s.p, s.n ? s.p + s.n : s.p }; /* an empty slice may be NULL: NULL + 0 is undefined */
    return r;
}

/* Reads the next field.  Returns 1 when a field was read, 0 at the clean
 * end of the message, and -1 on malformed input (truncated varint or
 * payload, field number 0, group or unknown wire type). */
int pb_next(pb_reader *r, pb_field *f);

static inline double pb_double(const pb_field *f)
{
    double d;
    uint64_t u = f->u;
    __builtin_memcpy(&d, &u, 8);
    return d;
}
static inline float pb_float(const pb_field *f)
{
    float d;
    uint32_t u = (uint32_t)f->u;
    __builtin_memcpy(&d, &u, 4);
    return d;
}
static inline int64_t pb_sint64(const pb_field *f) { return (int64_t)(f->u >> 1) ^ -(int64_t)(f->u & 1); }

/* --- writer helpers (for responses and tests) --- */
int pb_put_tag(buf *b, uint32_t num, int type);
int pb_put_varint_field(buf *b, uint32_t num, uint64_t v);
int pb_put_bytes_field(buf *b, uint32_t num, const void *p, size_t n);
int pb_put_fixed64_field(buf *b, uint32_t num, uint64_t v);
int pb_put_double_field(buf *b, uint32_t num, double v);

#endif
