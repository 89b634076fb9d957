/* records_json.h - reading the JSON the records store keeps (attributes,
 * span events and links, chat messages) without re-encoding it, for the
 * Jaeger and LLM APIs.
 *
 * The store hands back JSON text written by ingest.  The APIs copy pieces of
 * it into their responses verbatim (a string attribute keeps its exact
 * escapes, an int64 keeps all its digits, which cJSON's double would not),
 * so every piece is validated here first: a member or value returned by
 * these functions is well-formed JSON that is safe to splice into output.
 * Nesting is bounded (RJSON_MAX_DEPTH) so hostile stored text cannot blow
 * the stack. */
#ifndef LOUPE_RECORDS_JSON_H
#define LOUPE_RECORDS_JSON_H

#include "util/buf.h"

#include <stdint.h>

#define RJSON_MAX_DEPTH 64

typedef enum { RJ_INVALID, RJ_STRING, RJ_INT, RJ_FLOAT, RJ_BOOL, RJ_NULL, RJ_ARRAY, RJ_OBJECT } rjson_kind;

/* Kind of one JSON value (surrounding whitespace allowed); RJ_INVALID unless
 * s holds exactly one well-formed value with valid UTF-8 strings.  RJ_INT
 * is an integer literal that fits int64; larger ones are RJ_FLOAT. */
rjson_kind rjson_kind_of(slice s);

/* Calls fn for every member of the object `obj`, in order: key is the key's
 * JSON string literal (quotes included), val the value's text (trimmed).
 * Both point into obj.  Returns 0, -1 when obj is not a valid object (fn may
 * have been called for the members before the error), or fn's nonzero. */
typedef int (*rjson_member_fn)(void *ctx, slice key, slice val);
int rjson_object_each(slice obj, rjson_member_fn fn, void *ctx);
/* Same for the elements of an array. */
typedef int (*rjson_elem_fn)(void *ctx, slice val);
int rjson_array_each(slice arr, rjson_elem_fn fn, void *ctx);

/* Appends the decoded bytes of a valid JSON string literal (from the
 * functions above) to out.  0 or LOUPE_ENOMEM. */
int rjson_str_decode(slice lit, buf *out);
/* 1 when the string literal lit decodes to exactly s. */
int rjson_str_eq(slice lit, const char *s);
/* The integer value of an RJ_INT literal or of a string literal holding
 * one (OTLP/JSON writes int64 as strings).  0 or -1. */
int rjson_int64(slice val, int64_t *out);

/* Lowercase hex of n bytes into out (2n chars plus a NUL). */
void hex_encode(const uint8_t *p, size_t n, char *out);
/* 1 when all n bytes are zero. */
int bytes_zero(const uint8_t *p, size_t n);
/* Parses up to 2n hex digits into n bytes, left-padding short ids with
 * zeros as Jaeger does ("abc" is 0x...0abc).  0, or -1 when s is empty, too
 * long or not hex. */
int hex_id_parse(slice s, uint8_t *out, size_t n);

#endif
