/* mem.h - memcpy/memmove that accept (NULL, 0): the C library declares
 * their pointers nonnull even for zero bytes, and empty arrays here are
 * often NULL (UBSan checks this in the sanitizer build). */
#ifndef LOUPE_MEM_H
#define LOUPE_MEM_H

#include <string.h>

static inline void *mem_copy(void *dst, const void *src, size_t n) { return n ? memcpy(dst, src, n) : dst; }
static inline void *mem_move(void *dst, const void *src, size_t n) { return n ? memmove(dst, src, n) : dst; }

#endif
