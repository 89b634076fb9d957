/* pb.c - protobuf wire reader and a few writer helpers. */
#include "ingest/pb.h"
#include "util/varint.h"

int pb_next(pb_reader *r, pb_field *f)
{
    if (r->p >= r->end)
        return 0;
    f->start = r->p;
    uint64_t key;
    if (varint_get(&r->p, r->end, &key))
        return -1;
    uint64_t num = key >> 3;
    if (num == 0 || num > 0x1fffffff)
        return -1;
    f->num = (uint32_t)num;
    f->type = (uint8_t)(key & 7);
    switch (f->type) {
    case PB_VARINT:
        return varint_get(&r->p, r->end, &f->u) ? -1 : 1;
    case PB_FIXED64:
        if (r->end - r->p < 8)
            return -1;
        __builtin_memcpy(&f->u, r->p, 8); /* little-endian hosts only (x86_64, arm64) */
        r->p += 8;
        return 1;
    case PB_FIXED32: {
        if (r->end - r->p < 4)
            return -1;
        uint32_t v;
        __builtin_memcpy(&v, r->p, 4);
        f->u = v;
        r->p += 4;
        return 1;
    }
    case PB_LEN: {
        uint64_t n;
        if (varint_get(&r->p, r->end, &n))
            return -1;
        if (n > (uint64_t)(r->end - r->p))
            return -1;
        f->bytes = slice_make(r->p, (size_t)n);
        r->p += n;
        return 1;
    }
    default:
        return -1;
    }
}

int pb_put_tag(buf *b, uint32_t num, int type) { return buf_put_uvarint(b, (uint64_t)num << 3 | (uint64_t)type); }

int pb_put_varint_field(buf *b, uint32_t num, uint64_t v)
{
    int rc = pb_put_tag(b, num, PB_VARINT);
    return rc ? rc : buf_put_uvarint(b, v);
}

int pb_put_bytes_field(buf *b, uint32_t num, const void *p, size_t n)
{
    int rc = pb_put_tag(b, num, PB_LEN);
    if (!rc)
        rc = buf_put_uvarint(b, n);
    if (!rc)
        rc = buf_append(b, p, n);
    return rc;
}

int pb_put_fixed64_field(buf *b, uint32_t num, uint64_t v)
{
    int rc = pb_put_tag(b, num, PB_FIXED64);
    return rc ? rc : buf_append(b, &v, 8);
}

int pb_put_double_field(buf *b, uint32_t num, double v)
{
    uint64_t u;
    __builtin_memcpy(&u, &v, 8);
    return pb_put_fixed64_field(b, num, u);
}
