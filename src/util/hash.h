/* hash.h - a fast non-cryptographic 64-bit hash for in-memory hash tables.
 *
 * Not for persistent formats that must never change, and not DoS-resistant
 * by itself: tables that hold keys from the network mix in a per-process
 * random seed (hash_seed()). */
#ifndef LOUPE_HASH_H
#define LOUPE_HASH_H

#include <stdint.h>
#include <stddef.h>

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);
/* A per-process random seed, fixed at first use. */
uint64_t hash_seed(void);
/* Mixes a 64-bit integer (for integer keys). */
static inline uint64_t hash_u64(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

#endif
