/* timeparse.h - times and durations as the Prometheus HTTP API accepts them. */
#ifndef LOUPE_TIMEPARSE_H
#define LOUPE_TIMEPARSE_H

#include "util/buf.h"

#include <stdint.h>

/* Unix seconds as a decimal float ("1700000000.123") or RFC 3339
 * ("2006-01-02T15:04:05.999Z", "+02:00" offsets).  Result in milliseconds
 * (rounded as Prometheus does: float seconds * 1000).  0 or -1. */
int parse_time_ms(slice s, int64_t *ms);
/* A PromQL duration ("5m", "1h30m", "250ms", "2d", "1y") or float seconds
 * ("15", "0.5").  0 or -1 (negative, overflow, garbage). */
int parse_duration_ms(slice s, int64_t *ms);
/* Only the PromQL duration syntax (no float seconds). */
int parse_promql_duration_ms(slice s, int64_t *ms);
/* RFC 3339 with millisecond precision, UTC ("2024-01-02T03:04:05.678Z"). */
int format_rfc3339_ms(char *out, size_t cap, int64_t ms);
/* Milliseconds since the epoch, now (wall clock). */
int64_t now_ms(void);

#endif
