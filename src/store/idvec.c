/* idvec.c - sorted id vectors. */
#include "util/sort.h"
#include "store/idvec.h"
#include "util/err.h"

#include <stdlib.h>

int idvec_reserve(idvec *a, size_t n)
{
    if (n <= a->cap)
        return 0;
    size_t cap = a->cap ? a->cap : 8;
    while (cap < n)
        cap *= 2;
    uint32_t *v = realloc(a->v, cap * sizeof *v);
    if (!v)
        return LOUPE_ENOMEM;
    a->v = v;
    a->cap = cap;
    return 0;
}

int idvec_push(idvec *a, uint32_t id)
{
    if (a->n == a->cap && idvec_reserve(a, a->n + 1))
        return LOUPE_ENOMEM;
    a->v[a->n++] = id;
    return 0;
}

void idvec_free(idvec *a)
{
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

void idvec_sort_unique(idvec *a)
{
    int sorted = 1;
    for (size_t i = 1; i < a->n && sorted; i++)
        sorted = a->v[i - 1] < a->v[i];
    if (sorted)
        return;
    sort_array(a->v, a->n, sizeof *a->v, cmp_u32);
    size_t o = 0;
    for (size_t i = 0; i < a->n; i++)
        if (o == 0 || a->v[o - 1] != a->v[i])
            a->v[o++] = a->v[i];
    a->n = o;
}

void idvec_intersect(idvec *a, const idvec *b)
{
    size_t i = 0, j = 0, o = 0;
    while (i < a->n && j < b->n) {
        if (a->v[i] < b->v[j])
            i++;
        else if (a->v[i] > b->v[j])
            j++;
        else {
            a->v[o++] = a->v[i];
            i++;
            j++;
        }
    }
    a->n = o;
}

void idvec_subtract(idvec *a, const idvec *b)
{
    size_t i = 0, j = 0, o = 0;
    while (i < a->n) {
        while (j < b->n && b->v[j] < a->v[i])
            j++;
        if (j < b->n && b->v[j] == a->v[i]) {
            i++;
            continue;
        }
        a->v[o++] = a->v[i++];
    }
    a->n = o;
}

int idvec_contains(const idvec *a, uint32_t id)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->v[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->n && a->v[lo] == id;
}
