/* sort.h - qsort that accepts an empty array: the C library's qsort
 * requires a non-null base even for zero elements (UBSan enforces it). */
#ifndef LOUPE_SORT_H
#define LOUPE_SORT_H

#include <stdlib.h>

static inline void sort_array(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

#endif
