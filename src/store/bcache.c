/* bcache.c - LRU with pinning; a chained hash table plus a doubly linked list. */
#include "util/mem.h"
#include "store/bcache.h"
#include "util/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct bcache_entry {
    uint8_t key[16];
    void *value;
    size_t bytes;
    void (*free_fn)(void *);
    int pins;
    bcache_entry *hnext;
    bcache_entry *prev, *next; /* LRU: head = most recent */
};

struct bcache {
    pthread_mutex_t mu;
    bcache_entry **tab;
    size_t cap, n;
    bcache_entry *head, *tail;
    size_t bytes, budget;
    uint64_t hits, misses;
};

bcache *bcache_create(size_t budget)
{
    bcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cap = 1024;
    c->tab = calloc(c->cap, sizeof *c->tab);
    if (!c->tab) {
        free(c);
        return NULL;
    }
    c->budget = budget;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void entry_free(bcache_entry *e)
{
    if (e->free_fn)
        e->free_fn(e->value);
    free(e);
}

void bcache_destroy(bcache *c)
{
    if (!c)
        return;
    bcache_entry *e = c->head;
    while (e) {
        bcache_entry *n = e->next;
        entry_free(e);
        e = n;
    }
    free(c->tab);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static size_t slot(const bcache *c, const uint8_t *key) { return hash_bytes(key, 16, 77) & (c->cap - 1); }

static bcache_entry *find(bcache *c, const uint8_t *key)
{
    for (bcache_entry *e = c->tab[slot(c, key)]; e; e = e->hnext)
        if (!memcmp(e->key, key, 16))
            return e;
    return NULL;
}

static void lru_unlink(bcache *c, bcache_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_front(bcache *c, bcache_entry *e)
{
    e->next = c->head;
    e->prev = NULL;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

static void tab_remove(bcache *c, bcache_entry *e)
{
    bcache_entry **pp = &c->tab[slot(c, e->key)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    c->n--;
}

static void evict(bcache *c)
{
    bcache_entry *e = c->tail;
    while (c->bytes > c->budget && e) {
        bcache_entry *prev = e->prev;
        if (e->pins == 0) {
            lru_unlink(c, e);
            tab_remove(c, e);
            c->bytes -= e->bytes;
            entry_free(e);
        }
        e = prev;
    }
}

static void grow(bcache *c)
{
    size_t cap = c->cap * 2;
    bcache_entry **t = calloc(cap, sizeof *t);
    if (!t)
        return;
    for (size_t i = 0; i < c->cap; i++) {
        bcache_entry *e = c->tab[i];
        while (e) {
            bcache_entry *n = e->hnext;
            size_t s = hash_bytes(e->key, 16, 77) & (cap - 1);
            e->hnext = t[s];
            t[s] = e;
            e = n;
        }
    }
    free(c->tab);
    c->tab = t;
    c->cap = cap;
}

void *bcache_get(bcache *c, const uint8_t key[16], bcache_entry **h)
{
    pthread_mutex_lock(&c->mu);
    bcache_entry *e = find(c, key);
    void *v = NULL;
    if (e) {
        e->pins++;
        lru_unlink(c, e);
        lru_front(c, e);
        v = e->value;
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->mu);
    *h = e;
    return v;
}

void *bcache_put(bcache *c, const uint8_t key[16], void *value, size_t bytes, void (*free_fn)(void *),
                 bcache_entry **h)
{
    pthread_mutex_lock(&c->mu);
    bcache_entry *e = find(c, key);
    if (e) {
        e->pins++;
        pthread_mutex_unlock(&c->mu);
        if (free_fn)
            free_fn(value);
        *h = e;
        return e->value;
    }
    e = calloc(1, sizeof *e);
    if (!e) {
        pthread_mutex_unlock(&c->mu);
        if (free_fn)
            free_fn(value);
        *h = NULL;
        return NULL;
    }
    mem_copy(e->key, key, 16);
    e->value = value;
    e->bytes = bytes;
    e->free_fn = free_fn;
    e->pins = 1;
    if (c->n * 2 >= c->cap)
        grow(c);
    size_t s = slot(c, key);
    e->hnext = c->tab[s];
    c->tab[s] = e;
    c->n++;
    lru_front(c, e);
    c->bytes += bytes;
    evict(c);
    pthread_mutex_unlock(&c->mu);
    *h = e;
    return value;
}

void bcache_release(bcache *c, bcache_entry *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&c->mu);
    e->pins--;
    if (c->bytes > c->budget)
        evict(c);
    pthread_mutex_unlock(&c->mu);
}

size_t bcache_bytes(bcache *c)
{
    pthread_mutex_lock(&c->mu);
    size_t b = c->bytes;
    pthread_mutex_unlock(&c->mu);
    return b;
}
uint64_t bcache_hits(bcache *c) { return __atomic_load_n(&c->hits, __ATOMIC_RELAXED); }
uint64_t bcache_misses(bcache *c) { return __atomic_load_n(&c->misses, __ATOMIC_RELAXED); }
