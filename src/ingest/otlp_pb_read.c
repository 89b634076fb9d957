/* otlp_pb_read.c - the protobuf side of OTLP decoding that all three
 * requests share: field tables with wire-type checks, KeyValue / AnyValue /
 * Resource / InstrumentationScope (common.proto, resource.proto), and the
 * request -> resource -> scope -> item walk (otlp_int.h).
 *
 * Every message is read with a field table {number, wire type, JSON name}:
 * unknown fields are skipped, as protobuf requires; a known field with
 * another wire type is an error named with its JSON name, so both decoders
 * speak of "spans[3].traceId".  Repeated fields are counted first, checked
 * against the limits, then decoded into exact arena arrays.  Strings are
 * borrowed from the body after UTF-8 validation.  The profiles-only
 * *_strindex fields are unknown here. */
#include "util/mem.h"
#include "ingest/otlp_int.h"
#include "util/varint.h"

#include <string.h>

#define NF(t) (sizeof(t) / sizeof((t)[0]))

const char *otlp_pb_wt_name(int wt)
{
    switch (wt) {
    case PB_VARINT: case OTLP_PK_VARINT: return "varint";
    case PB_FIXED64: case OTLP_PK_FIXED64: return "fixed64";
    case PB_LEN: return "length-delimited";
    case PB_FIXED32: return "fixed32";
    }
    return "?";
}

/* The otlp_pb_next field of r: 1 with *d its table entry (NULL when unknown), 0 at
 * the end, or a negative code with the error recorded. */
int otlp_pb_next(otlp_ctx *c, pb_reader *r, pb_field *f, const otlp_pbf *t, size_t nt, const otlp_pbf **d)
{
    int k = pb_next(r, f);
    if (k < 0)
        return otlp_fail(c, NULL, LOUPE_EINVAL, "truncated or malformed protobuf");
    if (k == 0)
        return 0;
    *d = NULL;
    for (size_t i = 0; i < nt; i++) {
        if (t[i].num != f->num)
            continue;
        int want = t[i].wt;
        int ok = f->type == want || (want == OTLP_PK_FIXED64 && (f->type == PB_FIXED64 || f->type == PB_LEN)) ||
                 (want == OTLP_PK_VARINT && (f->type == PB_VARINT || f->type == PB_LEN));
        if (!ok)
            return otlp_fail(c, t[i].name, LOUPE_EINVAL, "wire type %s, want %s", otlp_pb_wt_name(f->type), otlp_pb_wt_name(want));
        *d = &t[i];
        break;
    }
    return 1;
}

/* Counts the fields of m numbered nums[0..k) into ns[]. */
int otlp_pb_count(otlp_ctx *c, slice m, const uint32_t *nums, size_t *ns, int k)
{
    pb_reader r = pb_reader_make(m);
    pb_field f;
    int rc;
    for (int i = 0; i < k; i++)
        ns[i] = 0;
    while ((rc = pb_next(&r, &f)) == 1)
        for (int i = 0; i < k; i++)
            ns[i] += f.num == nums[i];
    return rc < 0 ? otlp_fail(c, NULL, LOUPE_EINVAL, "truncated or malformed protobuf") : 0;
}

int otlp_pb_str(otlp_ctx *c, const char *name, const pb_field *f, slice *dst)
{
    int rc = otlp_check_str(c, name, f->bytes);
    if (!rc)
        *dst = f->bytes;
    return rc;
}

/* ------------------------------------------------------------ common.proto */

int otlp_pb_value(otlp_ctx *c, slice m, int depth, otlp_value *v);

static const otlp_pbf T_KV[] = { { 1, PB_LEN, "key" }, { 2, PB_LEN, "value" } };

/* A length-delimited field with the one-byte tag at *pp, within end. */
static int whole_field(const uint8_t **pp, const uint8_t *end, uint8_t tag, slice *out)
{
    const uint8_t *p = *pp;
    uint64_t n;
    if (p >= end || *p++ != tag || varint_get(&p, end, &n) || n > (uint64_t)(end - p))
        return 0;
    *out = slice_make(p, (size_t)n);
    *pp = p + n;
    return 1;
}

/* Most attributes are a string key and a string value, encoded in field
 * order: 0a <n> key 12 <m> (0a <k> value).  Read those directly, leaving
 * everything else (and every error) to the general path. */
static int kv_string_fast(slice m, slice *key, slice *sval)
{
    if (!m.n)
        return 0;
    const uint8_t *p = m.p, *end = m.p + m.n;
    slice v;
    if (!whole_field(&p, end, 0x0a, key) || !whole_field(&p, end, 0x12, &v) || p != end)
        return 0;
    p = v.p;
    end = v.p + v.n;
    return v.n && whole_field(&p, end, 0x0a, sval) && p == end;
}

/* One KeyValue: its path is name[i] until the key is known and valid,
 * then name["key"].value (the JSON decoder's too). */
static int pb_kv(otlp_ctx *c, slice m, const char *name, size_t i, int depth, otlp_attr *out)
{
    size_t mark = otlp_path_index(c, name, i);
    slice key = { 0 }, val = { 0 };
    int hasval = 0, k = 0;
    memset(out, 0, sizeof *out);
    if (kv_string_fast(m, &key, &val)) {
        k = otlp_check_key(c, key);
        if (!k) {
            otlp_path_pop(c, mark);
            otlp_path_key(c, name, key);
            otlp_path_field(c, "value");
            k = otlp_check_str(c, "stringValue", val);
        }
        out->key = key;
        out->value.type = OTLP_STRING;
        out->value.u.s = val;
        otlp_path_pop(c, mark);
        return k;
    }
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    while ((k = otlp_pb_next(c, &r, &f, T_KV, NF(T_KV), &d)) == 1) {
        k = 0;
        if (d && f.num == 1)
            key = f.bytes;
        else if (d)
            val = f.bytes, hasval = 1;
    }
    if (k == 0)
        k = otlp_check_key(c, key);
    out->key = key;
    if (k == 0 && hasval) {
        otlp_path_pop(c, mark);
        otlp_path_key(c, name, key);
        otlp_path_field(c, "value");
        k = otlp_pb_value(c, val, depth, &out->value);
    }
    otlp_path_pop(c, mark);
    return k;
}

/* Counts the KeyValue fields numbered num of m and allocates room for them. */
int otlp_pb_attrs_init(otlp_ctx *c, slice m, uint32_t num, const char *name, otlp_attrs *as)
{
    size_t n;
    int rc = otlp_pb_count(c, m, &num, &n, 1);
    if (!rc)
        rc = otlp_check_count(c, name, n, c->l.max_attrs, "attributes");
    as->n = 0;
    as->a = rc ? NULL : otlp_calloc(c, n, sizeof *as->a);
    return rc ? rc : n && !as->a ? LOUPE_ENOMEM : 0;
}

int otlp_pb_attrs_add(otlp_ctx *c, otlp_attrs *as, const char *name, slice kv)
{
    int rc = pb_kv(c, kv, name, as->n, 0, &as->a[as->n]);
    as->n++;
    return rc;
}

static const otlp_pbf T_VALUES[] = { { 1, PB_LEN, "values" } };

/* ArrayValue or KeyValueList (kv set) at nesting level depth. */
static int pb_list(otlp_ctx *c, slice m, int depth, int kv, otlp_value *v)
{
    size_t mark = otlp_path_field(c, kv ? "kvlistValue" : "arrayValue");
    uint32_t num = 1;
    size_t n = 0;
    int k = otlp_check_depth(c, NULL, depth);
    if (!k)
        k = otlp_pb_count(c, m, &num, &n, 1);
    if (!k)
        k = otlp_check_count(c, "values", n, c->l.max_attrs, "values");
    void *arr = k ? NULL : otlp_calloc(c, n, kv ? sizeof(otlp_attr) : sizeof(otlp_value));
    if (!k && n && !arr)
        k = LOUPE_ENOMEM;
    size_t i = 0;
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    while (!k && (k = otlp_pb_next(c, &r, &f, T_VALUES, NF(T_VALUES), &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        if (kv) {
            k = pb_kv(c, f.bytes, "values", i, depth, (otlp_attr *)arr + i);
        } else {
            size_t m2 = otlp_path_index(c, "values", i);
            k = otlp_pb_value(c, f.bytes, depth, (otlp_value *)arr + i);
            otlp_path_pop(c, m2);
        }
        i++;
    }
    if (!k) {
        memset(v, 0, sizeof *v);
        v->type = kv ? OTLP_KVLIST : OTLP_ARRAY;
        if (kv)
            v->u.kv.a = arr, v->u.kv.n = i;
        else
            v->u.arr.v = arr, v->u.arr.n = i;
    }
    otlp_path_pop(c, mark);
    return k;
}

static const otlp_pbf T_ANY[] = {
    { 1, PB_LEN, "stringValue" },  { 2, PB_VARINT, "boolValue" },  { 3, PB_VARINT, "intValue" },
    { 4, PB_FIXED64, "doubleValue" }, { 5, PB_LEN, "arrayValue" }, { 6, PB_LEN, "kvlistValue" },
    { 7, PB_LEN, "bytesValue" },
};

/* AnyValue: a oneof, so the last value field wins. */
int otlp_pb_value(otlp_ctx *c, slice m, int depth, otlp_value *v)
{
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    int k;
    memset(v, 0, sizeof *v);
    while ((k = otlp_pb_next(c, &r, &f, T_ANY, NF(T_ANY), &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        switch (f.num) {
        case 1:
        case 7:
            if ((k = f.num == 1 ? otlp_check_str(c, d->name, f.bytes) : otlp_check_bytes(c, d->name, f.bytes)))
                return k;
            memset(v, 0, sizeof *v);
            v->type = f.num == 1 ? OTLP_STRING : OTLP_BYTES;
            v->u.s = f.bytes;
            break;
        case 2:
            memset(v, 0, sizeof *v);
            v->type = OTLP_BOOL;
            v->u.b = f.u != 0;
            break;
        case 3:
            memset(v, 0, sizeof *v);
            v->type = OTLP_INT;
            v->u.i = (int64_t)f.u;
            break;
        case 4:
            memset(v, 0, sizeof *v);
            v->type = OTLP_DOUBLE;
            v->u.d = pb_double(&f);
            break;
        case 5:
        case 6:
            if ((k = pb_list(c, f.bytes, depth + 1, f.num == 6, v)))
                return k;
            break;
        }
    }
    return k;
}

static const otlp_pbf T_RESOURCE[] = {
    { 1, PB_LEN, "attributes" }, { 2, PB_VARINT, "droppedAttributesCount" }, { 3, PB_LEN, "entityRefs" }
};

static int pb_resource(otlp_ctx *c, slice m, otlp_resource *res)
{
    size_t mark = otlp_path_field(c, "resource");
    int k = otlp_pb_attrs_init(c, m, 1, "attributes", &res->attrs);
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    while (!k && (k = otlp_pb_next(c, &r, &f, T_RESOURCE, NF(T_RESOURCE), &d)) == 1) {
        k = 0;
        if (d && f.num == 1)
            k = otlp_pb_attrs_add(c, &res->attrs, "attributes", f.bytes);
    }
    otlp_path_pop(c, mark);
    return k;
}

static const otlp_pbf T_SCOPE[] = {
    { 1, PB_LEN, "name" }, { 2, PB_LEN, "version" }, { 3, PB_LEN, "attributes" },
    { 4, PB_VARINT, "droppedAttributesCount" },
};

static int pb_scope(otlp_ctx *c, slice m, otlp_scope *s)
{
    size_t mark = otlp_path_field(c, "scope");
    int k = otlp_pb_attrs_init(c, m, 3, "attributes", &s->attrs);
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    while (!k && (k = otlp_pb_next(c, &r, &f, T_SCOPE, NF(T_SCOPE), &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        if (f.num == 1)
            k = otlp_pb_str(c, d->name, &f, &s->name);
        else if (f.num == 2)
            k = otlp_pb_str(c, d->name, &f, &s->version);
        else if (f.num == 3)
            k = otlp_pb_attrs_add(c, &s->attrs, "attributes", f.bytes);
    }
    otlp_path_pop(c, mark);
    return k;
}

/* ------------------------------------------------------------ the resource / scope levels */


/* Items in request -> resource -> scope, all three nested at field 1 / 2 /
 * 2.  Lenient: a malformed part stops the count, and the decoding pass
 * reports it before it could need the room. */
static size_t count_items(slice body)
{
    size_t n = 0;
    pb_reader r1 = pb_reader_make(body);
    pb_field f1, f2, f3;
    while (pb_next(&r1, &f1) == 1) {
        if (f1.num != 1 || f1.type != PB_LEN)
            continue;
        pb_reader r2 = pb_reader_make(f1.bytes);
        while (pb_next(&r2, &f2) == 1) {
            if (f2.num != 2 || f2.type != PB_LEN)
                continue;
            pb_reader r3 = pb_reader_make(f2.bytes);
            while (pb_next(&r3, &f3) == 1)
                n += f3.num == 2 && f3.type == PB_LEN;
        }
    }
    return n;
}

static int pb_scope_level(otlp_ctx *c, slice m, otlp_pb_sig *s, const otlp_resource *res)
{
    const otlp_pbf t[] = { { 1, PB_LEN, "scope" }, { 2, PB_LEN, s->item_name }, { 3, PB_LEN, "schemaUrl" } };
    otlp_scope *scope = otlp_calloc(c, 1, sizeof *scope);
    if (!scope)
        return LOUPE_ENOMEM;
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    slice schema;
    size_t i = 0;
    int k;
    while ((k = otlp_pb_next(c, &r, &f, t, NF(t), &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        if (f.num == 1) {
            k = pb_scope(c, f.bytes, scope);
        } else if (f.num == 2) {
            if (s->n >= s->cap)
                return otlp_fail(c, NULL, LOUPE_EINTERNAL, "item count changed between passes");
            size_t mark = otlp_path_index(c, s->item_name, i++);
            k = s->decode(c, f.bytes, s->items + s->n++ * s->size, res, scope);
            otlp_path_pop(c, mark);
        } else {
            k = otlp_pb_str(c, d->name, &f, &schema); /* the scope's schema_url: checked, not kept */
        }
        if (k)
            return k;
    }
    return k;
}

static int pb_resource_level(otlp_ctx *c, slice m, otlp_pb_sig *s)
{
    const otlp_pbf t[] = { { 1, PB_LEN, "resource" }, { 2, PB_LEN, s->scope_name }, { 3, PB_LEN, "schemaUrl" } };
    otlp_resource *res = otlp_calloc(c, 1, sizeof *res);
    if (!res)
        return LOUPE_ENOMEM;
    pb_reader r = pb_reader_make(m);
    pb_field f;
    const otlp_pbf *d;
    size_t i = 0;
    int k;
    while ((k = otlp_pb_next(c, &r, &f, t, NF(t), &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        if (f.num == 1) {
            k = pb_resource(c, f.bytes, res);
        } else if (f.num == 2) {
            size_t mark = otlp_path_index(c, s->scope_name, i++);
            k = pb_scope_level(c, f.bytes, s, res);
            otlp_path_pop(c, mark);
        } else {
            k = otlp_pb_str(c, d->name, &f, &res->schema_url);
        }
        if (k)
            return k;
    }
    return k;
}

int otlp_pb_request(otlp_ctx *c, slice body, otlp_pb_sig *s)
{
    size_t n = count_items(body);
    int k = s->items_count ? otlp_add_items(c, NULL, n) : otlp_check_count(c, NULL, n, c->l.max_items, s->item_name);
    if (k)
        return k;
    s->items = otlp_calloc(c, n, s->size);
    if (n && !s->items)
        return LOUPE_ENOMEM;
    s->cap = n;
    const otlp_pbf t[] = { { 1, PB_LEN, s->res_name } };
    pb_reader r = pb_reader_make(body);
    pb_field f;
    const otlp_pbf *d;
    size_t i = 0;
    while ((k = otlp_pb_next(c, &r, &f, t, NF(t), &d)) == 1) {
        k = 0;
        if (!d)
            continue;
        size_t mark = otlp_path_index(c, s->res_name, i++);
        k = pb_resource_level(c, f.bytes, s);
        otlp_path_pop(c, mark);
        if (k)
            return k;
    }
    return k;
}

