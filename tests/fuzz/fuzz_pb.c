/* fuzz_pb.c - libFuzzer harness: the protobuf wire reader, walking every
 * length-delimited field as a nested message a few levels deep, and
 * re-encoding what it read with the writer helpers. */
#include "ingest/pb.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 4

/* Re-encodes one field; returns 0 or -1 (allocation). */
static int reencode(buf *out, const pb_field *f)
{
    switch (f->type) {
    case PB_VARINT: return pb_put_varint_field(out, f->num, f->u);
    case PB_FIXED64: return pb_put_fixed64_field(out, f->num, f->u);
    case PB_LEN: return pb_put_bytes_field(out, f->num, f->bytes.p, f->bytes.n);
    case PB_FIXED32: {
        uint32_t v = (uint32_t)f->u;
        return pb_put_tag(out, f->num, PB_FIXED32) || buf_append(out, &v, 4);
    }
    }
    return -1;
}

static void walk(slice m, int depth)
{
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const uint8_t *prev = m.p;
    buf again = BUF_INIT;
    int k, nfields = 0;
    while ((k = pb_next(&r, &f)) == 1) {
        nfields++;
        if (f.num == 0 || f.num > 0x1fffffff)
            abort();
        if (f.start != prev || r.p <= f.start || r.p > m.p + m.n)
            abort(); /* fields are contiguous and inside the message */
        prev = r.p;
        switch (f.type) {
        case PB_LEN:
            if (f.bytes.n && (f.bytes.p <= f.start || f.bytes.p + f.bytes.n != r.p))
                abort();
            if (depth < MAX_DEPTH)
                walk(f.bytes, depth + 1);
            break;
        case PB_FIXED32:
            if (f.u > UINT32_MAX)
                abort();
            (void)pb_float(&f);
            break;
        case PB_VARINT:
        case PB_FIXED64:
            (void)pb_double(&f);
            (void)pb_sint64(&f);
            break;
        default:
            abort();
        }
        if (reencode(&again, &f))
            abort();
    }
    if (k == 0 && r.p != m.p + m.n)
        abort(); /* a clean end consumed everything */
    if (k == 0) {
        /* what the writer produced reads back as the same fields */
        pb_reader r1 = pb_reader_make(m), r2 = pb_reader_make(buf_slice(&again));
        pb_field f1, f2;
        for (int i = 0; i < nfields; i++) {
            if (pb_next(&r1, &f1) != 1 || pb_next(&r2, &f2) != 1)
                abort();
            if (f1.num != f2.num || f1.type != f2.type)
                abort();
            if (f1.type == PB_LEN ? !slice_eq(f1.bytes, f2.bytes) : f1.u != f2.u)
                abort();
        }
        if (pb_next(&r2, &f2) != 0)
            abort();
    }
    buf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walk(slice_make(data, size), 0);
    return 0;
}
