/* span_set.c - bounded set of spans by 64-bit hash; see span_set.h. */
#include "ingest/span_set.h"
#include "util/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct span_set {
    pthread_mutex_t mu;
    uint64_t *slot;  /* open addressing, linear probing; 0 = empty */
    size_t mask, n;
    size_t count;    /* entries present: lock-free fast path when 0 */
};

static uint64_t key_of(const uint8_t trace_id[16], const uint8_t span_id[8])
{
    uint8_t k[24];
    memcpy(k, trace_id, 16);
    memcpy(k + 16, span_id, 8);
    uint64_t h = hash_bytes(k, sizeof k, 0x5350414e53455431ull);
    return h ? h : 1;
}

span_set *span_set_create(size_t cap)
{
    size_t n = 16;
    while (n < cap * 2)
        n <<= 1;
    span_set *s = calloc(1, sizeof *s);
    if (!s || !(s->slot = calloc(n, sizeof *s->slot))) {
        free(s);
        return NULL;
    }
    s->mask = n - 1;
    s->n = n;
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

void span_set_destroy(span_set *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->mu);
    free(s->slot);
    free(s);
}

void span_set_add(span_set *s, const uint8_t trace_id[16], const uint8_t span_id[8])
{
    uint64_t k = key_of(trace_id, span_id);
    pthread_mutex_lock(&s->mu);
    if (s->count * 2 >= s->n) { /* full: forget everything (see the header) */
        memset(s->slot, 0, s->n * sizeof *s->slot);
        __atomic_store_n(&s->count, 0, __ATOMIC_RELAXED);
    }
    size_t i = k & s->mask;
    while (s->slot[i] && s->slot[i] != k)
        i = (i + 1) & s->mask;
    if (!s->slot[i]) {
        s->slot[i] = k;
        __atomic_store_n(&s->count, s->count + 1, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&s->mu);
}

int span_set_take(span_set *s, const uint8_t trace_id[16], const uint8_t span_id[8])
{
    if (!__atomic_load_n(&s->count, __ATOMIC_RELAXED))
        return 0; /* the common case: no log-made calls waiting */
    uint64_t k = key_of(trace_id, span_id);
    int found = 0;
    pthread_mutex_lock(&s->mu);
    size_t i = k & s->mask;
    while (s->slot[i] && s->slot[i] != k)
        i = (i + 1) & s->mask;
    if (s->slot[i] == k) {
        found = 1;
        /* backward-shift deletion keeps every probe chain unbroken */
        size_t j = i;
        for (;;) {
            s->slot[i] = 0;
            for (;;) {
                j = (j + 1) & s->mask;
                if (!s->slot[j])
                    goto done;
                size_t home = s->slot[j] & s->mask;
                /* move slot[j] back to i unless its home lies in (i, j] */
                if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
                    continue;
                break;
            }
            s->slot[i] = s->slot[j];
            i = j;
        }
    done:
        __atomic_store_n(&s->count, s->count - 1, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&s->mu);
    return found;
}
