/* codec.h - lossless encodings of one series' samples, for at-rest chunks.
 *
 * Timestamps: first value, first delta, then delta-of-deltas, as zigzag
 * varints (byte-aligned so zstd, which runs over whole blocks later, can see
 * the repetition across series).
 *
 * Values: the cheapest of
 *   CONST    every value has the same bit pattern;
 *   DECIMAL  every finite value is m / 10^e exactly for one scale e (0..15) and
 *            integers m, |m| < 2^53: the m's are stored as first-order or
 *            second-order deltas (counters, integer gauges, fixed-precision
 *            gauges); non-finite or unrepresentable values (NaN payloads, the
 *            staleness marker, Inf) are kept as exceptions with their raw bits;
 *   XOR      each value XOR the previous, as a byte-aligned header (leading /
 *            trailing zero bytes) plus the middle bytes.
 * Every float64 bit pattern round-trips (NaN payloads, -0.0, subnormals). */
#ifndef LOUPE_CODEC_H
#define LOUPE_CODEC_H

#include "util/buf.h"

#include <stdint.h>
#include <stddef.h>

enum { CODEC_CONST = 1, CODEC_DEC1 = 2, CODEC_DEC2 = 3, CODEC_XOR = 4 };

/* Appends the encoding of ts[0..n) (n >= 1). */
int codec_ts_encode(const int64_t *ts, size_t n, buf *out);
/* Decodes n timestamps from [*pp, end) into ts, advancing *pp.  0 or -1. */
int codec_ts_decode(const uint8_t **pp, const uint8_t *end, int64_t *ts, size_t n);

/* Appends [type byte][payload] for v[0..n) (n >= 1), choosing the cheapest
 * encoding.  Returns 0 or LOUPE_ENOMEM.  If `type_out` is not NULL, stores
 * the chosen type. */
int codec_values_encode(const double *v, size_t n, buf *out, int *type_out);
/* Decodes n values.  0 or -1 on corrupt input. */
int codec_values_decode(const uint8_t **pp, const uint8_t *end, double *v, size_t n);

#endif
