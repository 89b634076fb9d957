/* grpc_frame.c - gRPC message framing, inflation, status names and
 * grpc-message encoding: the pure half of the gRPC server. */
#include "util/mem.h"
#include "server/grpc_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <zlib.h>

static const char *const CODE_NAMES[] = {
    "OK",        "CANCELLED",          "UNKNOWN",        "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
};

const char *grpc_code_name(int code)
{
    if (code < 0 || code >= (int)(sizeof CODE_NAMES / sizeof CODE_NAMES[0]))
        return "UNKNOWN";
    return CODE_NAMES[code];
}

/* OTLP clients retry UNAVAILABLE (spec: "Failures" in otlp.md) and drop the
 * data on INVALID_ARGUMENT or INTERNAL, so what is not the client's fault
 * and may pass (disk trouble, memory, overload, shutdown) is UNAVAILABLE. */
int grpc_code_for(int rc)
{
    switch (rc) {
    case LOUPE_OK: return GRPC_OK;
    case LOUPE_EINVAL: return GRPC_INVALID_ARGUMENT;
    case LOUPE_EEXEC: return GRPC_INVALID_ARGUMENT;
    case LOUPE_ETOOBIG: return GRPC_RESOURCE_EXHAUSTED;
    case LOUPE_ELIMIT: return GRPC_RESOURCE_EXHAUSTED;
    case LOUPE_ENOTFOUND: return GRPC_NOT_FOUND;
    case LOUPE_ETIMEOUT: return GRPC_DEADLINE_EXCEEDED;
    case LOUPE_ENOMEM:
    case LOUPE_EIO:
    case LOUPE_EBUSY:
    case LOUPE_ECANCELED: return GRPC_UNAVAILABLE;
    default: return GRPC_INTERNAL;
    }
}

int grpc_fail(grpc_status *st, int code, const char *fmt, ...)
{
    st->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->message, sizeof st->message, fmt, ap);
    va_end(ap);
    return code;
}

grpc_enc grpc_enc_parse(slice v)
{
    if (v.n == 0 || (v.n == 8 && !strncasecmp((const char *)v.p, "identity", 8)))
        return GRPC_ENC_IDENTITY;
    if (v.n == 4 && !strncasecmp((const char *)v.p, "gzip", 4))
        return GRPC_ENC_GZIP;
    if (v.n == 7 && !strncasecmp((const char *)v.p, "deflate", 7))
        return GRPC_ENC_DEFLATE;
    return GRPC_ENC_UNKNOWN;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int grpc_frame_check(slice sofar, size_t max_message, grpc_status *st)
{
    if (sofar.n < 5)
        return 0;
    uint32_t len = be32(sofar.p + 1);
    if (len > max_message)
        return grpc_fail(st, GRPC_RESOURCE_EXHAUSTED, "grpc: received message larger than max (%u vs. %zu)",
                         (unsigned)len, max_message);
    if (sofar.n - 5 > len)
        return grpc_fail(st, GRPC_INTERNAL, "grpc: more than one request message in a unary call");
    return 0;
}

int grpc_frame_unary(slice body, size_t max_message, slice *msg, int *compressed, grpc_status *st)
{
    if (body.n == 0)
        return grpc_fail(st, GRPC_INTERNAL, "grpc: no request message in a unary call");
    if (body.n < 5)
        return grpc_fail(st, GRPC_INTERNAL, "grpc: truncated message prefix (%zu of 5 bytes)", body.n);
    int rc = grpc_frame_check(body, max_message, st);
    if (rc)
        return rc;
    uint32_t len = be32(body.p + 1);
    if (body.n - 5 < len)
        return grpc_fail(st, GRPC_INTERNAL, "grpc: truncated message (%zu of %u bytes)", body.n - 5, (unsigned)len);
    if (body.p[0] > 1)
        return grpc_fail(st, GRPC_INTERNAL, "grpc: invalid compressed flag %u", body.p[0]);
    *compressed = body.p[0];
    *msg = slice_make(body.p + 5, len);
    return 0;
}

int grpc_frame_prefix(buf *out, size_t len)
{
    if (len > UINT32_MAX)
        return LOUPE_ETOOBIG;
    uint8_t flag = 0;
    int rc = buf_append(out, &flag, 1);
    return rc ? rc : buf_put_be32(out, (uint32_t)len);
}

int grpc_inflate(slice in, grpc_enc enc, size_t max_out, buf *out, grpc_status *st)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (in.n > UINT32_MAX) /* the prefix's length is 32-bit: cannot happen */
        return grpc_fail(st, GRPC_INTERNAL, "grpc: compressed message too large");
    if (inflateInit2(&zs, enc == GRPC_ENC_GZIP ? 15 + 16 : 15) != Z_OK)
        return grpc_fail(st, GRPC_INTERNAL, "grpc: cannot start the decompressor");
    int rc = 0;
    zs.next_in = (Bytef *)in.p;
    zs.avail_in = (uInt)in.n;
    for (;;) {
        /* Room for one byte past the limit, so crossing it is visible. */
        size_t left = max_out + 1 - out->n;
        if (out->cap - out->n < 4096) {
            size_t grow = out->n < 65536 ? 65536 : out->n;
            if (buf_reserve(out, grow < left ? grow : left)) {
                rc = grpc_fail(st, GRPC_INTERNAL, "grpc: out of memory decompressing the message");
                goto cleanup;
            }
        }
        size_t want = out->cap - out->n;
        if (want > left)
            want = left;
        if (want > (1u << 30))
            want = 1u << 30;
        zs.next_out = out->p + out->n;
        zs.avail_out = (uInt)want;
        int zr = inflate(&zs, Z_NO_FLUSH);
        out->n += want - zs.avail_out;
        if (out->n > max_out) {
            rc = grpc_fail(st, GRPC_RESOURCE_EXHAUSTED, "grpc: decompressed message larger than %zu bytes", max_out);
            goto cleanup;
        }
        if (zr == Z_STREAM_END)
            break;
        if (zr == Z_BUF_ERROR && zs.avail_in == 0) {
            rc = grpc_fail(st, GRPC_INTERNAL, "grpc: truncated %s data", enc == GRPC_ENC_GZIP ? "gzip" : "deflate");
            goto cleanup;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = grpc_fail(st, GRPC_INTERNAL, "grpc: invalid %s data: %s", enc == GRPC_ENC_GZIP ? "gzip" : "deflate",
                           zs.msg ? zs.msg : "corrupt stream");
            goto cleanup;
        }
    }
    if (zs.avail_in != 0)
        rc = grpc_fail(st, GRPC_INTERNAL, "grpc: %u bytes after the end of the compressed message",
                       (unsigned)zs.avail_in);
cleanup:
    inflateEnd(&zs);
    return rc;
}

void grpc_pct_encode(const char *msg, char *out, size_t cap)
{
    static const char HEX[] = "0123456789ABCDEF";
    size_t o = 0;
    if (cap == 0)
        return;
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        int plain = *p >= 0x20 && *p <= 0x7e && *p != '%';
        size_t need = plain ? 1 : 3;
        if (o + need >= cap)
            break;
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = HEX[*p >> 4];
            out[o++] = HEX[*p & 15];
        }
    }
    out[o] = '\0';
}
