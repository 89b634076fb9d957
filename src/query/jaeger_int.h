/* jaeger_int.h - what jaeger_api.c (parameters, envelopes) and
 * jaeger_trace.c (trace JSON) share inside the Jaeger API. */
#ifndef LOUPE_JAEGER_INT_H
#define LOUPE_JAEGER_INT_H

#include "store/records.h"
#include "util/buf.h"
#include "util/err.h"

/* Jaeger's name of an OTLP span kind 0..5 ("" for unspecified). */
const char *jaeger_kind_name(int kind);

/* Appends a JSON array of the traces with these ids that have spans, each
 * at most max_spans spans and max_spans log records (0: 50000; past that the
 * trace carries a warning), starting no new trace once b holds max_bytes
 * (0: no bound; the first trace is always written); *total counts them.  0, a records store
 * error (e set), or LOUPE_ENOMEM. */
int jaeger_write_traces(records *rec, size_t max_spans, size_t max_bytes, buf *b, const uint8_t (*ids)[16],
                        size_t nids, size_t *total, err_ctx *e);

#endif
