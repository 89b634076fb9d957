/* hash.c - word-at-a-time multiply-xor hash; see hash.h. */
#include "util/mem.h"
#include "util/hash.h"

#include <pthread.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define K1 0x9e3779b97f4a7c15ULL
#define K2 0xc2b2ae3d27d4eb4fULL

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    mem_copy(&v, p, 8);
    return v;
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)(a ^ K1) * (b ^ K2);
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t hash_bytes(const void *data, size_t n, uint64_t seed)
{
    const uint8_t *p = data;
    uint64_t h = seed ^ (n * K1);
    while (n >= 16) {
        h = mix(h ^ rd64(p), rd64(p + 8) ^ K2) + h;
        p += 16;
        n -= 16;
    }
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        a = rd64(p);
        b = rd64(p + n - 8);
    } else if (n >= 4) {
        uint32_t x, y;
        mem_copy(&x, p, 4);
        mem_copy(&y, p + n - 4, 4);
        a = x;
        b = y;
    } else if (n > 0) {
        a = (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
    }
    h = mix(h ^ a, b ^ K1 ^ n);
    return hash_u64(h);
}

static uint64_t g_seed;
static pthread_once_t g_seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s)
        s = (uint64_t)time(NULL) * K1;
    g_seed = s | 1;
}

uint64_t hash_seed(void)
{
    pthread_once(&g_seed_once, seed_init);
    return g_seed;
}
