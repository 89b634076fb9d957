/* samples.c - sample arrays: growth, sort with last-write-wins, merge, clip. */
#include "util/mem.h"
#include "util/sort.h"
#include "store/samples.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

int samples_reserve(samples *s, size_t n)
{
    if (n <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 16;
    while (cap < n)
        cap *= 2;
    int64_t *t = realloc(s->t, cap * sizeof *t);
    if (!t)
        return LOUPE_ENOMEM;
    s->t = t;
    double *v = realloc(s->v, cap * sizeof *v);
    if (!v)
        return LOUPE_ENOMEM;
    s->v = v;
    s->cap = cap;
    return 0;
}

int samples_push(samples *s, int64_t t, double v)
{
    if (s->n == s->cap && samples_reserve(s, s->n + 1))
        return LOUPE_ENOMEM;
    s->t[s->n] = t;
    s->v[s->n] = v;
    s->n++;
    return 0;
}

void samples_free(samples *s)
{
    free(s->t);
    free(s->v);
    memset(s, 0, sizeof *s);
}

typedef struct tv {
    int64_t t;
    size_t i;
    double v;
} tv;

static int cmp_tv(const void *a, const void *b)
{
    const tv *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

void samples_sort_dedup(samples *s)
{
    int sorted = 1;
    for (size_t i = 1; i < s->n && sorted; i++)
        sorted = s->t[i - 1] < s->t[i];
    if (sorted)
        return;
    tv *a = malloc(s->n * sizeof *a);
    if (a) {
        for (size_t i = 0; i < s->n; i++)
            a[i] = (tv){ s->t[i], i, s->v[i] };
        sort_array(a, s->n, sizeof *a, cmp_tv);
        for (size_t i = 0; i < s->n; i++) {
            s->t[i] = a[i].t;
            s->v[i] = a[i].v;
        }
        free(a);
    } else {
        /* no memory for the fast path: stable insertion sort in place */
        for (size_t i = 1; i < s->n; i++) {
            int64_t t = s->t[i];
            double v = s->v[i];
            size_t j = i;
            while (j > 0 && s->t[j - 1] > t) {
                s->t[j] = s->t[j - 1];
                s->v[j] = s->v[j - 1];
                j--;
            }
            s->t[j] = t;
            s->v[j] = v;
        }
    }
    /* keep the last of equal times */
    size_t o = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (o > 0 && s->t[o - 1] == s->t[i]) {
            s->v[o - 1] = s->v[i];
            continue;
        }
        s->t[o] = s->t[i];
        s->v[o] = s->v[i];
        o++;
    }
    s->n = o;
}

int samples_merge(samples *older, const samples *newer)
{
    if (newer->n == 0)
        return 0;
    if (older->n == 0 || older->t[older->n - 1] < newer->t[0]) {
        if (samples_reserve(older, older->n + newer->n))
            return LOUPE_ENOMEM;
        mem_copy(older->t + older->n, newer->t, newer->n * sizeof(int64_t));
        mem_copy(older->v + older->n, newer->v, newer->n * sizeof(double));
        older->n += newer->n;
        return 0;
    }
    samples out = SAMPLES_INIT;
    if (samples_reserve(&out, older->n + newer->n))
        return LOUPE_ENOMEM;
    size_t i = 0, j = 0;
    while (i < older->n || j < newer->n) {
        if (j >= newer->n || (i < older->n && older->t[i] < newer->t[j])) {
            out.t[out.n] = older->t[i];
            out.v[out.n++] = older->v[i++];
        } else {
            if (i < older->n && older->t[i] == newer->t[j])
                i++;
            out.t[out.n] = newer->t[j];
            out.v[out.n++] = newer->v[j++];
        }
    }
    samples_free(older);
    *older = out;
    return 0;
}

void samples_clip(samples *s, int64_t mint, int64_t maxt)
{
    size_t lo = 0;
    while (lo < s->n && s->t[lo] < mint)
        lo++;
    size_t hi = s->n;
    while (hi > lo && s->t[hi - 1] > maxt)
        hi--;
    if (lo > 0 && hi > lo) {
        mem_move(s->t, s->t + lo, (hi - lo) * sizeof(int64_t));
        mem_move(s->v, s->v + lo, (hi - lo) * sizeof(double));
    }
    s->n = hi > lo ? hi - lo : 0;
}
