/* inflate.h - bounded decompression of gzip / zlib request bodies.
 *
 * Request bodies come from the network: the decompressed size is bounded
 * by the caller's limit, so a small "gzip bomb" fails fast with
 * LOUPE_ETOOBIG instead of filling memory. */
#ifndef LOUPE_INFLATE_H
#define LOUPE_INFLATE_H

#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>

/* Decompresses a gzip (or, with zlib_format, a zlib "deflate") stream
 * `in` and appends it to out.  LOUPE_ETOOBIG once more than max_out bytes
 * would come out, LOUPE_EINVAL for a corrupt or truncated stream (or
 * trailing garbage), LOUPE_ENOMEM; the message in e says which. */
int inflate_bounded(slice in, int zlib_format, size_t max_out, buf *out, err_ctx *e);

#endif
