/* idvec.h - sorted vectors of series ids and the set operations on them
 * (postings lists).  Private to store. */
#ifndef LOUPE_IDVEC_H
#define LOUPE_IDVEC_H

#include <stddef.h>
#include <stdint.h>

typedef struct idvec {
    uint32_t *v;
    size_t n, cap;
} idvec;

#define IDVEC_INIT { NULL, 0, 0 }

int idvec_push(idvec *a, uint32_t id);
int idvec_reserve(idvec *a, size_t n);
void idvec_free(idvec *a);
/* Sorts and removes duplicates. */
void idvec_sort_unique(idvec *a);
/* a = a AND b, a = a MINUS b (both sorted). */
void idvec_intersect(idvec *a, const idvec *b);
void idvec_subtract(idvec *a, const idvec *b);
/* 1 if sorted a contains id. */
int idvec_contains(const idvec *a, uint32_t id);

#endif
