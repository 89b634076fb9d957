/* otlp_int.h - what the OTLP decoders share, private to ingest/otlp_*.c:
 * the decoding context with its error path and the checks every decoded
 * string, id and count goes through, so both formats enforce the same
 * limits with the same messages (otlp_value.c); the protobuf reading of
 * common.proto and the resource/scope levels (otlp_pb_read.c, used by
 * otlp_pb.c); and the same for OTLP/JSON (otlp_json_read.c, used by
 * otlp_json.c). */
#ifndef LOUPE_OTLP_INT_H
#define LOUPE_OTLP_INT_H

#include "ingest/otlp.h"
#include "ingest/pb.h"

#include <cjson/cJSON.h>

#include <stddef.h>
#include <stdint.h>

/* Nesting is bounded by the limits, and also by this, whatever the
 * configuration says: both decoders recurse once per level of AnyValue. */
#define OTLP_DEPTH_CAP 64

/* One step of the path to the element being decoded.  Steps are only
 * recorded while decoding (a few stores) and formatted when an error
 * needs them, so the happy path never prints. */
typedef struct otlp_step {
    const char *name; /* JSON name: "spans", "attributes", "traceId" */
    slice key;        /* kind 2: an attribute key (valid UTF-8, lives as long as the batch) */
    size_t idx;       /* kind 1: an array index */
    int kind;         /* 0 .name, 1 .name[idx], 2 .name["key"] */
} otlp_step;

#define OTLP_PATH_STEPS 160 /* deeper paths (long AnyValue chains) are shown cut with "..." */

typedef struct otlp_ctx {
    otlp_limits l;  /* a copy; defaults when the caller passed NULL */
    arena *a;
    err_ctx *e;
    slice body;     /* the request (otlp_json.c reads number literals from it) */
    size_t items;   /* counted against l.max_items */
    const char *items_what; /* "spans, events and links", "log records", "data points" */
    size_t plen;    /* steps on the path (may exceed OTLP_PATH_STEPS) */
    otlp_step path[OTLP_PATH_STEPS];
} otlp_ctx;

void otlp_ctx_init(otlp_ctx *c, const otlp_limits *l, arena *a, err_ctx *e, const char *items_what);

/* The path grows by one step (".name", ".name[i]", ".name[\"key\"]"),
 * named as OTLP/JSON names them in both decoders; each push returns the
 * depth to pop back to.  name must be a string literal (or outlive the
 * decoding). */
size_t otlp_path_field(otlp_ctx *c, const char *name);
size_t otlp_path_index(otlp_ctx *c, const char *name, size_t i);
size_t otlp_path_key(otlp_ctx *c, const char *name, slice key);
static inline void otlp_path_pop(otlp_ctx *c, size_t depth) { c->plen = depth; }

/* Records "path[.field]: message" in the error context; returns code. */
int otlp_fail(otlp_ctx *c, const char *field, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int otlp_oom(otlp_ctx *c);

/* A zeroed array of n items in the arena (NULL without error when n is 0). */
void *otlp_calloc(otlp_ctx *c, size_t n, size_t size);

/* A protobuf `string`: valid UTF-8, at most max_value_bytes. */
int otlp_check_str(otlp_ctx *c, const char *field, slice s);
/* A `bytes` value: at most max_value_bytes. */
int otlp_check_bytes(otlp_ctx *c, const char *field, slice s);
/* An attribute key ("key" under the current path): UTF-8, max_key_bytes. */
int otlp_check_key(otlp_ctx *c, slice key);
/* n things of one kind under field: at most max ("what" names the limit). */
int otlp_check_count(otlp_ctx *c, const char *field, size_t n, size_t max, const char *what);
/* Counts n more items against max_items. */
int otlp_add_items(otlp_ctx *c, const char *field, size_t n);
/* A trace or span id: empty (absent, *has = 0) or exactly want bytes. */
int otlp_set_id(otlp_ctx *c, const char *field, const uint8_t *p, size_t n, uint8_t *dst, size_t want, int *has);
/* Entering a nested array/kvlist at nesting level depth (1 = an attribute's own array). */
int otlp_check_depth(otlp_ctx *c, const char *field, int depth);

/* Enum values outside [0, max] (proto3 enums are open) read as 0,
 * "unspecified", so consumers can index tables with them. */
static inline int otlp_enum(uint64_t v, int max) { return v <= (uint64_t)max ? (int)v : 0; }

/* ------------------------------------------------------------ protobuf (otlp_pb_read.c) */

/* Repeated scalars may come packed (one LEN field) or one field each. */
enum { OTLP_PK_FIXED64 = 8, OTLP_PK_VARINT = 9 };

/* One field of a message: number, wire type and its OTLP/JSON name (for
 * messages, so both decoders speak of "spans[3].traceId"). */
typedef struct otlp_pbf {
    uint32_t num;
    uint8_t wt;
    const char *name;
} otlp_pbf;

const char *otlp_pb_wt_name(int wt);
/* The next field of r: 1 with *d its entry in t (NULL when unknown, to be
 * skipped), 0 at the end, or a negative code with the error recorded (a
 * malformed message, or a known field with another wire type).  Loops
 * reset k to 0 first thing in their body, which then stores its own result
 * there: `while (!k && (k = otlp_pb_next(...)) == 1) { k = 0; ... }`. */
int otlp_pb_next(otlp_ctx *c, pb_reader *r, pb_field *f, const otlp_pbf *t, size_t nt, const otlp_pbf **d);
/* Counts the fields of m numbered nums[0..k) into ns[], whatever their type. */
int otlp_pb_count(otlp_ctx *c, slice m, const uint32_t *nums, size_t *ns, int k);
/* A `string` field (borrowed from the body once checked). */
int otlp_pb_str(otlp_ctx *c, const char *name, const pb_field *f, slice *dst);
/* Counts the KeyValue fields numbered num of m and allocates room for
 * them; otlp_pb_attrs_add then decodes them one by one. */
int otlp_pb_attrs_init(otlp_ctx *c, slice m, uint32_t num, const char *name, otlp_attrs *as);
int otlp_pb_attrs_add(otlp_ctx *c, otlp_attrs *as, const char *name, slice kv);
/* An AnyValue message at nesting level depth (0 for attribute values and bodies). */
int otlp_pb_value(otlp_ctx *c, slice m, int depth, otlp_value *v);

/* Decodes one item (span, log record, metric) into *item. */
typedef int (*otlp_pb_item_fn)(otlp_ctx *c, slice m, void *item, const otlp_resource *res, const otlp_scope *scope);

/* What differs between the three requests: names, item size and decoder. */
typedef struct otlp_pb_sig {
    const char *res_name, *scope_name, *item_name; /* "resourceSpans", "scopeSpans", "spans" */
    size_t size;
    otlp_pb_item_fn decode;
    int items_count; /* the items themselves count against max_items (spans, logs; not metrics) */
    uint8_t *items;  /* out: n items of size bytes, flattened in request order */
    size_t n, cap;
} otlp_pb_sig;

/* Walks request -> resource -> scope -> items (fields 1 / 2 / 2 in all three). */
int otlp_pb_request(otlp_ctx *c, slice body, otlp_pb_sig *s);

/* ------------------------------------------------------------ JSON (otlp_json_read.c) */

/* A member name: lowerCamelCase and the proto name (NULL when the same). */
typedef struct otlp_jf {
    const char *camel, *snake;
} otlp_jf;

#define OTLP_JEACH(it, o) for (cJSON *it = (o) ? (o)->child : NULL; it; it = it->next)

int otlp_jfind(const otlp_jf *t, size_t n, const char *key); /* index in t, or -1 */
/* "name: want <want>, got <type>" */
int otlp_jwrong(otlp_ctx *c, const char *name, const cJSON *it, const char *want);
/* Scalars: each checks the JSON type and range, and names the field on error. */
int otlp_ju64(otlp_ctx *c, const cJSON *it, const char *name, uint64_t *out);
int otlp_jsigned(otlp_ctx *c, const cJSON *it, const char *name, int64_t lo, int64_t hi, int64_t *out);
int otlp_ju32(otlp_ctx *c, const cJSON *it, const char *name, uint32_t *out);
int otlp_ji32(otlp_ctx *c, const cJSON *it, const char *name, int32_t *out);
int otlp_jdouble(otlp_ctx *c, const cJSON *it, const char *name, double *out);
int otlp_jbool(otlp_ctx *c, const cJSON *it, const char *name, int *out);
/* An enum: one of names[0..n) or a number (out of range reads as 0). */
int otlp_jenum(otlp_ctx *c, const cJSON *it, const char *name, const char *const *names, int n, int *out);
/* A string, checked and copied into the arena. */
int otlp_jstr(otlp_ctx *c, const cJSON *it, const char *name, slice *dst);
/* A hex trace/span id ("" is absent). */
int otlp_jid(otlp_ctx *c, const cJSON *it, const char *name, uint8_t *dst, size_t want, int *has);
/* Element i of array name must be an object. */
int otlp_jelem_obj(otlp_ctx *c, const cJSON *it, const char *name, size_t i);
/* An array of KeyValue objects (name: "attributes", or "values" in a kvlist). */
int otlp_jattrs(otlp_ctx *c, cJSON *arr, const char *name, int depth, otlp_attrs *as);
/* An AnyValue object, at path name (NULL: the current path). */
int otlp_jvalue(otlp_ctx *c, cJSON *o, const char *name, int depth, otlp_value *v);

typedef int (*otlp_jitem_fn)(otlp_ctx *c, cJSON *o, void *item, const otlp_resource *res, const otlp_scope *scope);

typedef struct otlp_jsig {
    otlp_jf res, scope, item; /* resourceSpans, scopeSpans, spans */
    size_t size;
    otlp_jitem_fn decode;
    int items_count; /* the items themselves count against max_items (spans, logs; not metrics) */
    uint8_t *items;
    size_t n, cap;
} otlp_jsig;

/* Parses body, decodes request -> resource -> scope -> items with s, and
 * frees the cJSON tree. */
int otlp_jdecode(otlp_ctx *c, slice body, otlp_jsig *s);

#endif
