/* tls.h - per-thread scratch memory that is released when the thread exits.
 *
 * Request handlers and query workers reuse a buffer (or an arena) across the
 * requests their thread serves, instead of allocating per request.  A plain
 * __thread variable would leak when the thread ends (civetweb workers at
 * shutdown, query workers after every query): these are held through one
 * pthread key whose destructor frees them all. */
#ifndef LOUPE_TLS_H
#define LOUPE_TLS_H

#include "util/arena.h"
#include "util/buf.h"

#include <stddef.h>

enum { TLS_RW_BODY, TLS_STORE_PART, TLS_EVAL_SAMPLES_T, TLS_EVAL_SAMPLES_V, TLS_EVAL_RESETS, TLS_OTLP_BODY, TLS_SLOTS };

/* The calling thread's buffer for `slot` (created empty on first use), or
 * NULL when out of memory. */
buf *tls_buf(int slot);
/* The calling thread's arena (1 MiB blocks), or NULL when out of memory. */
arena *tls_arena(void);
/* Frees the slot's memory if it grew past max_keep bytes, so one huge
 * request does not pin memory in every thread. */
void tls_trim(int slot, size_t max_keep);
/* Same for the arena: destroys it when it holds more than max_keep. */
void tls_trim_arena(size_t max_keep);

#endif
