/* json.h - a minimal JSON writer into a buf (reading JSON uses cJSON).
 * Numbers follow Prometheus: json_float() writes the shortest decimal that
 * round-trips, in Go's strconv 'f' style (no exponent), and the API's quoted
 * sample values use prom_float(): "NaN", "+Inf", "-Inf". */
#ifndef LOUPE_JSON_H
#define LOUPE_JSON_H

#include "util/buf.h"

#include <stdint.h>

/* A JSON string literal, escaping quotes, backslashes and control
 * characters; invalid UTF-8 bytes become U+FFFD. */
int json_str(buf *b, slice s);
int json_cstr(buf *b, const char *s);
int json_int(buf *b, int64_t v);
/* Shortest round-trip decimal, no exponent (Go's FormatFloat(v,'f',-1,64)).
 * cap must be >= 400: 1.8e308 has 309 digits. */
int fmt_float_f(char *out, size_t cap, double v);
/* Prometheus sample value text, as its API writes it: 'f' format, or 'e'
 * format below 1e-6 and from 1e21 in magnitude; NaN / +Inf / -Inf. */
int prom_float(char *out, size_t cap, double v);
/* The shortest round-trip digits of v: d[0..nd), value = 0.d * 10^ex.  The
 * fast path (exact 128-bit arithmetic, 1e-4 <= |v| <= 1e30) returns 0 when
 * it does not apply; the reference path always works.  Exposed for tests. */
int json_shortest_fast(double v, int *neg, char *d, int *nd, int *ex);
void json_shortest_reference(double v, int *neg, char *d, int *nd, int *ex);
/* Appends a JSON number (null for non-finite values). */
int json_float(buf *b, double v);

#endif
