/* arena.h - per-request bump allocator: many small allocations, one free.
 *
 * A decoded batch or a query AST lives in one arena and is released with a
 * single arena_destroy().  Allocations are 8-byte aligned and never freed
 * individually. */
#ifndef LOUPE_ARENA_H
#define LOUPE_ARENA_H

#include <stddef.h>

typedef struct arena arena;

/* Creates an arena whose blocks are at least block_size bytes.  NULL on OOM. */
arena *arena_create(size_t block_size);
/* Frees every allocation and the arena itself.  Accepts NULL. */
void arena_destroy(arena *a);
/* Frees every allocation but keeps the first block for reuse. */
void arena_reset(arena *a);
/* n bytes, 8-aligned, uninitialised; NULL on OOM.  Valid until reset/destroy. */
void *arena_alloc(arena *a, size_t n);
void *arena_calloc(arena *a, size_t n);
/* Copies n bytes (plus a NUL) into the arena. */
char *arena_strndup(arena *a, const char *s, size_t n);
/* Total bytes held (for limits). */
size_t arena_used(const arena *a);

#endif
