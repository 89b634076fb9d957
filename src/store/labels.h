/* labels.h - label sets: the validated, canonical identity of a series.
 *
 * The canonical form is a byte string: the labels sorted by name (bytewise),
 * each written exactly as protobuf writes a remote-write `Label` field of a
 * TimeSeries: 0x0a <len> 0x0a <name_len> name 0x12 <value_len> value (lengths
 * as minimal varints).  Labels with empty values are dropped (an empty value
 * means "no such label", as in Prometheus).  Two series are the same series
 * iff their canonical forms are byte-equal.  Because Prometheus sends sorted
 * labels, a remote-write series' label bytes usually *are* its canonical
 * form, so ingest finds known series with one hash lookup and no parsing. */
#ifndef LOUPE_LABELS_H
#define LOUPE_LABELS_H

#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>

typedef struct label {
    slice name, value;
} label;

typedef struct labels_limits {
    size_t max_labels;      /* per series */
    size_t max_name_len;    /* bytes */
    size_t max_value_len;   /* bytes */
} labels_limits;

/* Validates and canonicalises ls[0..*n) in place: sorts by name, drops empty
 * values, and rejects empty or duplicate names, a missing or empty __name__,
 * invalid UTF-8, and anything over `lim` (NULL = no limits).  On error it
 * returns LOUPE_EINVAL / LOUPE_ETOOBIG with a message in e naming the label;
 * the caller adds which series. */
int labels_canonicalize(label *ls, size_t *n, const labels_limits *lim, err_ctx *e);

/* Appends the canonical encoding of sorted ls[0..n) to out. */
int labels_encode(const label *ls, size_t n, buf *out);

/* Iterates a canonical label set.  The slices point into the blob. */
typedef struct labels_iter {
    const uint8_t *p, *end;
} labels_iter;
static inline labels_iter labels_iter_make(slice blob)
{
    labels_iter it = { blob.p, blob.n ? blob.p + blob.n : blob.p }; /* NULL + 0 is undefined */
    return it;
}
/* 1 and fills l, 0 at the end, -1 if the blob is corrupt. */
int labels_next(labels_iter *it, label *l);

/* The value of `name` in blob, or an empty slice (p == NULL) if absent. */
slice labels_get(slice blob, slice name);
/* Number of labels in blob (-1 if corrupt). */
int labels_count(slice blob);
/* Prometheus's order of label sets: label by label, name then value. */
int labels_compare(slice a, slice b);
/* Appends {__name__ first as a bare name}{a="b", c="d"} text, Prometheus style. */
int labels_format(slice blob, buf *out);

#endif
