/* inflate.c - bounded gzip / zlib decompression; see inflate.h. */
#include "util/inflate.h"

#include <zlib.h>

int inflate_bounded(slice in, int zlib_format, size_t max_out, buf *out, err_ctx *e)
{
    z_stream zs = { 0 };
    int rc = 0;
    size_t start = out->n;
    /* 16 + 15: gzip header only; 15: zlib header */
    if (inflateInit2(&zs, zlib_format ? 15 : 16 + 15) != Z_OK)
        return err_set(e, LOUPE_ENOMEM, "out of memory (inflate)");
    zs.next_in = (Bytef *)in.p;
    zs.avail_in = (uInt)(in.n > 0xffffffffu ? 0xffffffffu : in.n);
    if (in.n > 0xffffffffu) {
        rc = err_set(e, LOUPE_ETOOBIG, "compressed body larger than 4 GiB");
        goto cleanup;
    }
    for (;;) {
        size_t have = out->n - start;
        if (have >= max_out + 1) {
            rc = err_set(e, LOUPE_ETOOBIG, "decompressed body larger than the limit of %zu bytes", max_out);
            goto cleanup;
        }
        size_t want = max_out + 1 - have;
        if (want > 1u << 20)
            want = 1u << 20;
        if (buf_reserve(out, want)) {
            rc = err_set(e, LOUPE_ENOMEM, "out of memory (inflate)");
            goto cleanup;
        }
        zs.next_out = out->p + out->n;
        zs.avail_out = (uInt)want;
        int z = inflate(&zs, Z_NO_FLUSH);
        out->n += want - zs.avail_out;
        if (z == Z_STREAM_END) {
            if (out->n - start > max_out) {
                rc = err_set(e, LOUPE_ETOOBIG, "decompressed body larger than the limit of %zu bytes", max_out);
                goto cleanup;
            }
            /* gzip allows concatenated members; a single member is what clients send */
            if (zs.avail_in)
                rc = err_set(e, LOUPE_EINVAL, "%s body has %u bytes after the end of the stream",
                             zlib_format ? "deflate" : "gzip", zs.avail_in);
            goto cleanup;
        }
        if (z == Z_BUF_ERROR && zs.avail_in == 0) {
            rc = err_set(e, LOUPE_EINVAL, "%s body is truncated", zlib_format ? "deflate" : "gzip");
            goto cleanup;
        }
        if (z != Z_OK && z != Z_BUF_ERROR) {
            rc = err_set(e, z == Z_MEM_ERROR ? LOUPE_ENOMEM : LOUPE_EINVAL, "%s body is not valid: %s",
                         zlib_format ? "deflate" : "gzip", zs.msg ? zs.msg : "corrupt stream");
            goto cleanup;
        }
    }
cleanup:
    inflateEnd(&zs);
    if (rc)
        out->n = start;
    return rc;
}
