/* span_set.h - a small, bounded, thread-safe set of spans (trace id + span
 * id, kept as a 64-bit hash).
 *
 * otlp_export uses it to remember the spans whose LLM call was made from a
 * log record (the gen_ai.client.inference.operation.details event) before
 * the span itself arrived, so that the span, when it comes, replaces that
 * call record without counting the call a second time in the derived
 * series.  Such calls are rare; when the set fills up it is cleared (the
 * cost of forgetting is one call counted twice). */
#ifndef LOUPE_SPAN_SET_H
#define LOUPE_SPAN_SET_H

#include <stddef.h>
#include <stdint.h>

typedef struct span_set span_set;

/* A set holding up to `cap` spans (rounded up to a power of two); NULL on OOM. */
span_set *span_set_create(size_t cap);
void span_set_destroy(span_set *s); /* accepts NULL */
void span_set_add(span_set *s, const uint8_t trace_id[16], const uint8_t span_id[8]);
/* 1 (and removes it) when the span was in the set, else 0. */
int span_set_take(span_set *s, const uint8_t trace_id[16], const uint8_t span_id[8]);

#endif
