/* arena.c - bump allocator over a list of malloc'd blocks. */
#include "util/mem.h"
#include "util/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
} block;

struct arena {
    block *head;
    size_t block_size;
    size_t total;
};

arena *arena_create(size_t block_size)
{
    arena *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->block_size = block_size < 256 ? 256 : block_size;
    return a;
}

void arena_destroy(arena *a)
{
    if (!a)
        return;
    block *b = a->head;
    while (b) {
        block *n = b->next;
        free(b);
        b = n;
    }
    free(a);
}

void arena_reset(arena *a)
{
    block *b = a->head;
    if (!b)
        return;
    /* keep the last block in the chain (the first allocated) */
    while (b->next) {
        block *n = b->next;
        free(b);
        b = n;
    }
    b->used = 0;
    a->head = b;
    a->total = b->cap;
}

void *arena_alloc(arena *a, size_t n)
{
    if (n > SIZE_MAX - 7)
        return NULL; /* rounding up would wrap to a tiny allocation */
    n = (n + 7) & ~(size_t)7;
    if (n == 0)
        n = 8;
    block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > a->block_size ? n : a->block_size;
        if (cap > SIZE_MAX - sizeof(block))
            return NULL;
        block *nb = malloc(sizeof(block) + cap);
        if (!nb)
            return NULL;
        nb->cap = cap;
        nb->used = 0;
        if (b && n > a->block_size) {
            /* big one-off: put it behind the current block so the current
             * block keeps serving small allocations */
            nb->next = b->next;
            b->next = nb;
            nb->used = n;
            a->total += cap;
            return nb->data;
        }
        nb->next = b;
        a->head = nb;
        a->total += cap;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void *arena_calloc(arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    mem_copy(p, s, n);
    p[n] = '\0';
    return p;
}

size_t arena_used(const arena *a) { return a->total; }
