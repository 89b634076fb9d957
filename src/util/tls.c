/* tls.c - per-thread scratch behind one pthread key; see tls.h. */
#include "util/tls.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct scratch {
    buf bufs[TLS_SLOTS];
    arena *a;
} scratch;

static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void destroy(void *p)
{
    scratch *s = p;
    for (int i = 0; i < TLS_SLOTS; i++)
        buf_free(&s->bufs[i]);
    arena_destroy(s->a);
    free(s);
}

static void make_key(void) { pthread_key_create(&g_key, destroy); }

static scratch *get(void)
{
    pthread_once(&g_once, make_key);
    scratch *s = pthread_getspecific(g_key);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s || pthread_setspecific(g_key, s)) {
            free(s);
            return NULL;
        }
    }
    return s;
}

buf *tls_buf(int slot)
{
    scratch *s = get();
    return s && slot >= 0 && slot < TLS_SLOTS ? &s->bufs[slot] : NULL;
}

arena *tls_arena(void)
{
    scratch *s = get();
    if (s && !s->a)
        s->a = arena_create(1u << 20);
    return s ? s->a : NULL;
}

void tls_trim(int slot, size_t max_keep)
{
    buf *b = tls_buf(slot);
    if (b && b->cap > max_keep)
        buf_free(b);
}

void tls_trim_arena(size_t max_keep)
{
    scratch *s = get();
    if (s && s->a && arena_used(s->a) > max_keep) {
        arena_destroy(s->a);
        s->a = NULL;
    }
}
