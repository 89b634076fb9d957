/* fuzz_codec.c - libFuzzer harness: the at-rest sample codecs.  Decoding
 * arbitrary bytes must fail cleanly; encoding values and timestamps derived
 * from the input must round-trip bit-exact (abort() otherwise). */
#include "store/codec.h"

#include <stdlib.h>
#include <string.h>

#define MAXN 256

static uint64_t le64(const uint8_t *p)
{
    uint64_t u;
    memcpy(&u, p, 8);
    return u;
}

static double u2d(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* Decodes arbitrary bytes: n from the first byte, timestamps, then values
 * (right after the timestamps, and from the start of the payload). */
static void decode_any(const uint8_t *data, size_t size)
{
    int64_t ts[MAXN];
    double v[MAXN];
    size_t n = data[0];
    const uint8_t *end = data + size, *p = data + 1;
    if (codec_ts_decode(&p, end, ts, n) == 0 && (p < data + 1 || p > end))
        abort();
    if (p < data + 1 || p > end)
        abort();
    const uint8_t *q = p;
    if (codec_values_decode(&q, end, v, n ? n : 1) == 0 && q > end)
        abort();
    q = data + 1;
    if (codec_values_decode(&q, end, v, n ? n : 1) == 0 && q > end)
        abort();
}

static const double POW10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7 };

/* Builds values and timestamps from the input in one of several shapes and
 * checks encode -> decode is the identity on the bits. */
static void round_trip(const uint8_t *data, size_t size)
{
    size_t n = (size - 1) / 8;
    if (n == 0)
        return;
    if (n > MAXN)
        n = MAXN;
    int mode = data[0] & 7;
    int64_t ts[MAXN], ts2[MAXN];
    double v[MAXN], v2[MAXN];
    int64_t t = 1700000000000LL;
    double c = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = le64(data + 1 + 8 * i);
        switch (mode) {
        case 0: v[i] = u2d(u); break;                                         /* any bits */
        case 1: v[i] = (double)(int32_t)u / POW10[(u >> 32) % 8]; break;        /* fixed decimals */
        case 2: v[i] = c += (double)(u & 0xffff); break;                        /* counter */
        case 3: v[i] = (u >> 60) == 0xf ? u2d(0x7ff0000000000002ull) : (double)(int16_t)u; break; /* stale markers */
        case 4: v[i] = (u & 1) ? u2d(le64(data + 1)) : u2d(u | 0x7ff0000000000000ull); break; /* NaN payloads, repeats */
        case 5: v[i] = (u & 3) ? 0.1 * (double)(u % 1000) : -0.0; break;
        case 6: v[i] = u2d(u & 0x800fffffffffffffull); break;                  /* subnormals, signed */
        default: v[i] = (double)(int64_t)(u >> 11) * ((u & 1) ? 1 : -1); break;
        }
        if (mode & 1)
            ts[i] = (int64_t)u; /* any times at all (wrapping deltas) */
        else
            ts[i] = t += (int64_t)(u >> 48) - 100; /* near-regular, some negative steps */
    }
    buf tb = BUF_INIT, vb = BUF_INIT;
    int type;
    if (codec_ts_encode(ts, n, &tb) || codec_values_encode(v, n, &vb, &type))
        abort();
    if (vb.n == 0 || vb.p[0] != type)
        abort();
    /* exact-size copies so reading past the encoding is an ASan error */
    uint8_t *tc = malloc(tb.n), *vc = malloc(vb.n);
    if (!tc || !vc)
        abort();
    memcpy(tc, tb.p, tb.n);
    memcpy(vc, vb.p, vb.n);
    const uint8_t *p = tc;
    if (codec_ts_decode(&p, tc + tb.n, ts2, n) != 0 || p != tc + tb.n)
        abort();
    p = vc;
    if (codec_values_decode(&p, vc + vb.n, v2, n) != 0 || p != vc + vb.n)
        abort();
    if (memcmp(ts, ts2, n * sizeof *ts) != 0 || memcmp(v, v2, n * sizeof *v) != 0)
        abort();
    /* a strict prefix never decodes */
    if (vb.n > 1) {
        p = vc;
        if (codec_values_decode(&p, vc + vb.n - 1, v2, n) != -1)
            abort();
    }
    free(tc);
    free(vc);
    buf_free(&tb);
    buf_free(&vb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    decode_any(data, size);
    round_trip(data, size);
    return 0;
}
