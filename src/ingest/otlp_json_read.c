/* otlp_json_read.c - the OTLP/JSON side that all three requests share:
 * parsing, typed scalars, KeyValue / AnyValue / Resource / scope, and the
 * request -> resource -> scope -> item walk (otlp_int.h).
 *
 * cJSON parses the body; every object is then read member by member
 * through a name table (lowerCamelCase and the proto name), so unknown
 * members are ignored and duplicates resolve to the last one (repeated
 * items, resource->scope->item, are appended).  null means absent, as
 * protojson has it.  Strings are validated (cJSON does not check UTF-8) and
 * copied into the arena; the cJSON tree is freed before returning.
 *
 * cJSON keeps numbers only as doubles, which cannot hold every int64 (a
 * nanosecond timestamp has 19 digits): after parsing, each number node's
 * valueint is replaced by the offset of its literal in the body, found by
 * walking the text in step with the tree, and integers are read from
 * that text. */
#include "util/mem.h"
#include "ingest/otlp_int.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NF(t) (sizeof(t) / sizeof((t)[0]))
#define EACH OTLP_JEACH

int otlp_jfind(const otlp_jf *t, size_t n, const char *key)
{
    if (!key)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(key, t[i].camel) || (t[i].snake && !strcmp(key, t[i].snake)))
            return (int)i;
    return -1;
}

static const char *jtype(const cJSON *it)
{
    if (cJSON_IsString(it))
        return "string";
    if (cJSON_IsNumber(it))
        return "number";
    if (cJSON_IsBool(it))
        return "boolean";
    if (cJSON_IsArray(it))
        return "array";
    if (cJSON_IsObject(it))
        return "object";
    return "null";
}

int otlp_jwrong(otlp_ctx *c, const char *name, const cJSON *it, const char *want)
{
    return otlp_fail(c, name, LOUPE_EINVAL, "want %s, got %s", want, jtype(it));
}

/* ------------------------------------------------------------ number literals */

static int numchar(uint8_t ch) { return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' || ch == 'E'; }

/* Stores in each number node of the list at node (and below) the offset
 * of its literal; *pos walks the text, skipping strings (keys included). */
static int number_offsets(cJSON *node, slice text, size_t *pos)
{
    for (; node; node = node->next) {
        if (cJSON_IsNumber(node)) {
            size_t p = *pos;
            while (p < text.n) {
                uint8_t ch = text.p[p];
                if (ch == '"') {
                    for (p++; p < text.n && text.p[p] != '"'; p++)
                        p += text.p[p] == '\\';
                } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
                    break;
                }
                p++;
            }
            if (p >= text.n)
                return -1;
            node->valueint = (int)p;
            while (p < text.n && numchar(text.p[p]))
                p++;
            *pos = p;
        }
        if (node->child && number_offsets(node->child, text, pos))
            return -1;
    }
    return 0;
}

/* The text of an integer-valued node: a number's literal or a string. */
static slice int_text(otlp_ctx *c, const cJSON *it)
{
    if (cJSON_IsString(it))
        return slice_cstr(it->valuestring);
    size_t p = (size_t)it->valueint, e = p;
    while (e < c->body.n && numchar(c->body.p[e]))
        e++;
    return slice_make(c->body.p + p, e - p);
}

/* An integer as sign and magnitude: digits exactly, or a decimal or
 * exponent form ("1e9", "5.0") whose value is integral. */
static int jint(otlp_ctx *c, const cJSON *it, const char *name, int *neg, uint64_t *mag)
{
    if (!cJSON_IsNumber(it) && !cJSON_IsString(it))
        return otlp_jwrong(c, name, it, "an integer");
    slice t = int_text(c, it);
    size_t i = 0;
    uint64_t v = 0;
    *neg = t.n > 0 && t.p[0] == '-';
    i = (size_t)*neg;
    int digits = i < t.n;
    for (size_t j = i; j < t.n && digits; j++)
        digits = t.p[j] >= '0' && t.p[j] <= '9';
    if (digits) {
        for (; i < t.n; i++) {
            if (v > (UINT64_MAX - (uint64_t)(t.p[i] - '0')) / 10)
                return otlp_fail(c, name, LOUPE_EINVAL, "%.*s is out of range", (int)(t.n > 40 ? 40 : t.n), t.p);
            v = v * 10 + (uint64_t)(t.p[i] - '0');
        }
        *mag = v;
        return 0;
    }
    char tmp[64];
    int ok = t.n > 0 && t.n < sizeof tmp;
    for (size_t j = 0; j < t.n && ok; j++)
        ok = numchar(t.p[j]);
    double d = 0;
    if (ok) {
        mem_copy(tmp, t.p, t.n);
        tmp[t.n] = '\0';
        char *end;
        d = strtod(tmp, &end);
        ok = *end == '\0' && isfinite(d) && floor(d) == d && fabs(d) < 18446744073709551616.0;
    }
    if (!ok)
        return otlp_fail(c, name, LOUPE_EINVAL, "want an integer, got \"%.*s\"", (int)(t.n > 40 ? 40 : t.n), t.p);
    *neg = d < 0;
    *mag = (uint64_t)fabs(d);
    return 0;
}

int otlp_ju64(otlp_ctx *c, const cJSON *it, const char *name, uint64_t *out)
{
    int neg;
    uint64_t m;
    int k = jint(c, it, name, &neg, &m);
    if (!k && neg && m)
        k = otlp_fail(c, name, LOUPE_EINVAL, "negative value for an unsigned field");
    if (!k)
        *out = m;
    return k;
}

/* A signed integer in [lo, hi]. */
int otlp_jsigned(otlp_ctx *c, const cJSON *it, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
    int neg;
    uint64_t m;
    int k = jint(c, it, name, &neg, &m);
    if (k)
        return k;
    if ((neg && m > (uint64_t)-(lo + 1) + 1) || (!neg && m > (uint64_t)hi))
        return otlp_fail(c, name, LOUPE_EINVAL, "value out of range");
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return 0;
}

int otlp_ju32(otlp_ctx *c, const cJSON *it, const char *name, uint32_t *out)
{
    uint64_t v = 0;
    int k = otlp_ju64(c, it, name, &v);
    if (!k && v > UINT32_MAX)
        k = otlp_fail(c, name, LOUPE_EINVAL, "value out of range");
    if (!k)
        *out = (uint32_t)v;
    return k;
}

int otlp_ji32(otlp_ctx *c, const cJSON *it, const char *name, int32_t *out)
{
    int64_t v = 0;
    int k = otlp_jsigned(c, it, name, INT32_MIN, INT32_MAX, &v);
    if (!k)
        *out = (int32_t)v;
    return k;
}

/* A double: a number, "NaN", "Infinity", "-Infinity" or a decimal string. */
int otlp_jdouble(otlp_ctx *c, const cJSON *it, const char *name, double *out)
{
    if (cJSON_IsNumber(it)) {
        *out = it->valuedouble;
        return 0;
    }
    if (!cJSON_IsString(it))
        return otlp_jwrong(c, name, it, "a number");
    const char *s = it->valuestring;
    if (!strcmp(s, "NaN"))
        *out = NAN;
    else if (!strcmp(s, "Infinity"))
        *out = INFINITY;
    else if (!strcmp(s, "-Infinity"))
        *out = -INFINITY;
    else {
        size_t n = strlen(s);
        int ok = n > 0 && n < 64;
        for (size_t j = 0; j < n && ok; j++)
            ok = numchar((uint8_t)s[j]);
        char *end = NULL;
        if (ok)
            *out = strtod(s, &end);
        if (!ok || *end)
            return otlp_fail(c, name, LOUPE_EINVAL, "want a number, got \"%.*s\"", (int)(n > 40 ? 40 : n), s);
    }
    return 0;
}

int otlp_jbool(otlp_ctx *c, const cJSON *it, const char *name, int *out)
{
    if (!cJSON_IsBool(it))
        return otlp_jwrong(c, name, it, "a boolean");
    *out = cJSON_IsTrue(it);
    return 0;
}

/* An enum: its value name, or its number (unknown numbers read as 0). */
int otlp_jenum(otlp_ctx *c, const cJSON *it, const char *name, const char *const *names, int n, int *out)
{
    if (cJSON_IsString(it) && !(it->valuestring[0] == '-' || (it->valuestring[0] >= '0' && it->valuestring[0] <= '9'))) {
        for (int i = 0; i < n; i++)
            if (!strcmp(it->valuestring, names[i])) {
                *out = i;
                return 0;
            }
        return otlp_fail(c, name, LOUPE_EINVAL, "unknown value \"%.40s\"", it->valuestring);
    }
    int neg;
    uint64_t m;
    int k = jint(c, it, name, &neg, &m);
    if (!k)
        *out = neg ? 0 : otlp_enum(m, n - 1);
    return k;
}

int otlp_jstr(otlp_ctx *c, const cJSON *it, const char *name, slice *dst)
{
    if (!cJSON_IsString(it))
        return otlp_jwrong(c, name, it, "a string");
    slice s = slice_cstr(it->valuestring);
    int k = otlp_check_str(c, name, s);
    if (k)
        return k;
    if (s.n == 0) {
        *dst = slice_make(NULL, 0);
        return 0;
    }
    char *p = arena_strndup(c->a, it->valuestring, s.n);
    if (!p)
        return otlp_oom(c);
    *dst = slice_make(p, s.n);
    return 0;
}

static int hexval(uint8_t ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch |= 0x20;
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* A trace or span id in hex (either case); "" is absent. */
int otlp_jid(otlp_ctx *c, const cJSON *it, const char *name, uint8_t *dst, size_t want, int *has)
{
    if (!cJSON_IsString(it))
        return otlp_jwrong(c, name, it, "a hex string");
    const uint8_t *s = (const uint8_t *)it->valuestring;
    size_t n = strlen(it->valuestring);
    for (size_t i = 0; i < n; i++)
        if (hexval(s[i]) < 0)
            return otlp_fail(c, name, LOUPE_EINVAL, "invalid hex digit at offset %zu", i);
    if (n % 2)
        return otlp_fail(c, name, LOUPE_EINVAL, "odd number of hex digits (%zu)", n);
    if (n / 2 != want)
        return otlp_set_id(c, name, s, n / 2, dst, want, has); /* reports the length */
    uint8_t tmp[16];
    for (size_t i = 0; i < want; i++)
        tmp[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
    return otlp_set_id(c, name, tmp, want, dst, want, has);
}

static int b64val(uint8_t ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+' || ch == '-')
        return 62;
    if (ch == '/' || ch == '_')
        return 63;
    return -1;
}

/* bytes: base64, standard or URL-safe alphabet, padding optional. */
static int jbytes(otlp_ctx *c, const cJSON *it, const char *name, slice *dst)
{
    if (!cJSON_IsString(it))
        return otlp_jwrong(c, name, it, "a base64 string");
    const uint8_t *s = (const uint8_t *)it->valuestring;
    size_t n = strlen(it->valuestring);
    while (n && s[n - 1] == '=' && n % 4 != 1)
        n--;
    size_t out_n = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
    int k = n % 4 == 1 ? otlp_fail(c, name, LOUPE_EINVAL, "invalid base64 length") : 0;
    if (!k)
        k = otlp_check_bytes(c, name, slice_make(s, out_n));
    uint8_t *o = k || !out_n ? NULL : arena_alloc(c->a, out_n);
    if (!k && out_n && !o)
        k = otlp_oom(c);
    uint32_t acc = 0;
    size_t j = 0;
    for (size_t i = 0; i < n && !k; i++) {
        int v = b64val(s[i]);
        if (v < 0)
            return otlp_fail(c, name, LOUPE_EINVAL, "invalid base64 at offset %zu", i);
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) {
            o[j++] = (uint8_t)(acc >> 16), o[j++] = (uint8_t)(acc >> 8), o[j++] = (uint8_t)acc;
            acc = 0;
        }
    }
    if (!k && n % 4 == 2)
        o[j++] = (uint8_t)(acc >> 4);
    else if (!k && n % 4 == 3)
        o[j++] = (uint8_t)(acc >> 10), o[j++] = (uint8_t)(acc >> 2);
    if (!k)
        *dst = slice_make(o, j);
    return k;
}

/* An element of an array that must be an object: path name[i]. */
int otlp_jelem_obj(otlp_ctx *c, const cJSON *it, const char *name, size_t i)
{
    if (cJSON_IsObject(it))
        return 0;
    size_t mark = otlp_path_index(c, name, i);
    int k = otlp_jwrong(c, NULL, it, "an object");
    otlp_path_pop(c, mark);
    return k;
}

/* ------------------------------------------------------------ common */

int otlp_jvalue(otlp_ctx *c, cJSON *o, const char *name, int depth, otlp_value *v);

/* One KeyValue: name[i] until its key is known, then name["key"]. */
static int j_kv(otlp_ctx *c, cJSON *o, const char *name, size_t i, int depth, otlp_attr *out)
{
    int k = otlp_jelem_obj(c, o, name, i);
    if (k)
        return k;
    size_t mark = otlp_path_index(c, name, i);
    cJSON *key = NULL, *val = NULL;
    EACH(it, o) {
        if (!strcmp(it->string, "key"))
            key = it;
        else if (!strcmp(it->string, "value"))
            val = it;
    }
    memset(out, 0, sizeof *out);
    if (key && !cJSON_IsNull(key)) {
        if (!cJSON_IsString(key))
            k = otlp_jwrong(c, "key", key, "a string");
        else if (!(k = otlp_check_key(c, slice_cstr(key->valuestring))))
            k = otlp_jstr(c, key, "key", &out->key); /* cannot fail on length: max_key_bytes is checked */
    }
    if (!k && val && !cJSON_IsNull(val)) {
        otlp_path_pop(c, mark);
        otlp_path_key(c, name, out->key);
        k = otlp_jvalue(c, val, "value", depth, &out->value);
    }
    otlp_path_pop(c, mark);
    return k;
}

int otlp_jattrs(otlp_ctx *c, cJSON *arr, const char *name, int depth, otlp_attrs *as)
{
    as->a = NULL;
    as->n = 0;
    if (!cJSON_IsArray(arr))
        return otlp_jwrong(c, name, arr, "an array");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    int k = otlp_check_count(c, name, n, c->l.max_attrs, "attributes");
    if (k)
        return k;
    as->a = otlp_calloc(c, n, sizeof *as->a);
    if (n && !as->a)
        return LOUPE_ENOMEM;
    EACH(it, arr) {
        if ((k = j_kv(c, it, name, as->n, depth, &as->a[as->n])))
            return k;
        as->n++;
    }
    return 0;
}

/* ArrayValue or KeyValueList {"values": [...]} at nesting level depth. */
static int j_list(otlp_ctx *c, cJSON *o, const char *name, int depth, int kv, otlp_value *v)
{
    if (!cJSON_IsObject(o))
        return otlp_jwrong(c, name, o, "an object");
    size_t mark = otlp_path_field(c, name);
    int k = otlp_check_depth(c, NULL, depth);
    cJSON *vals = NULL;
    EACH(it, o)
        if (!strcmp(it->string, "values") && !cJSON_IsNull(it))
            vals = it;
    otlp_value nv = { .type = kv ? OTLP_KVLIST : OTLP_ARRAY };
    if (!k && vals && kv) {
        otlp_attrs as;
        k = otlp_jattrs(c, vals, "values", depth, &as);
        nv.u.kv.a = as.a, nv.u.kv.n = as.n;
    } else if (!k && vals) {
        size_t n = cJSON_IsArray(vals) ? (size_t)cJSON_GetArraySize(vals) : 0;
        k = !cJSON_IsArray(vals) ? otlp_jwrong(c, "values", vals, "an array")
                                 : otlp_check_count(c, "values", n, c->l.max_attrs, "values");
        nv.u.arr.v = k ? NULL : otlp_calloc(c, n, sizeof(otlp_value));
        if (!k && n && !nv.u.arr.v)
            k = LOUPE_ENOMEM;
        EACH(it, k ? NULL : vals) {
            size_t m2 = otlp_path_index(c, "values", nv.u.arr.n);
            k = otlp_jvalue(c, it, NULL, depth, &nv.u.arr.v[nv.u.arr.n++]);
            otlp_path_pop(c, m2);
            if (k)
                break;
        }
    }
    if (!k)
        *v = nv;
    otlp_path_pop(c, mark);
    return k;
}

enum { V_STRING, V_BOOL, V_INT, V_DOUBLE, V_ARRAY, V_KVLIST, V_BYTES };
static const otlp_jf T_ANY[] = {
    { "stringValue", "string_value" }, { "boolValue", "bool_value" },   { "intValue", "int_value" },
    { "doubleValue", "double_value" }, { "arrayValue", "array_value" }, { "kvlistValue", "kvlist_value" },
    { "bytesValue", "bytes_value" },
};

/* AnyValue (a oneof: the last member wins), itself at path name. */
int otlp_jvalue(otlp_ctx *c, cJSON *o, const char *name, int depth, otlp_value *v)
{
    memset(v, 0, sizeof *v);
    if (!cJSON_IsObject(o))
        return otlp_jwrong(c, name, o, "an AnyValue object");
    size_t mark = name ? otlp_path_field(c, name) : c->plen;
    int k = 0;
    EACH(it, o) {
        int i = otlp_jfind(T_ANY, NF(T_ANY), it->string);
        if (i < 0 || cJSON_IsNull(it))
            continue;
        otlp_value nv = { 0 };
        const char *nm = T_ANY[i].camel;
        switch (i) {
        case V_STRING: nv.type = OTLP_STRING, k = otlp_jstr(c, it, nm, &nv.u.s); break;
        case V_BOOL: nv.type = OTLP_BOOL, k = otlp_jbool(c, it, nm, &nv.u.b); break;
        case V_INT: nv.type = OTLP_INT, k = otlp_jsigned(c, it, nm, INT64_MIN, INT64_MAX, &nv.u.i); break;
        case V_DOUBLE: nv.type = OTLP_DOUBLE, k = otlp_jdouble(c, it, nm, &nv.u.d); break;
        case V_ARRAY: k = j_list(c, it, nm, depth + 1, 0, &nv); break;
        case V_KVLIST: k = j_list(c, it, nm, depth + 1, 1, &nv); break;
        case V_BYTES: nv.type = OTLP_BYTES, k = jbytes(c, it, nm, &nv.u.s); break;
        }
        if (k)
            break;
        *v = nv;
    }
    otlp_path_pop(c, mark);
    return k;
}

enum { R_ATTRS, R_DROPPED };
static const otlp_jf T_RESOURCE[] = { { "attributes", NULL }, { "droppedAttributesCount", "dropped_attributes_count" } };

static int j_resource(otlp_ctx *c, cJSON *o, otlp_resource *res)
{
    if (!cJSON_IsObject(o))
        return otlp_jwrong(c, "resource", o, "an object");
    size_t mark = otlp_path_field(c, "resource");
    int k = 0;
    uint32_t dropped;
    EACH(it, o) {
        int i = otlp_jfind(T_RESOURCE, NF(T_RESOURCE), it->string);
        if (i < 0 || cJSON_IsNull(it))
            continue;
        k = i == R_ATTRS ? otlp_jattrs(c, it, "attributes", 0, &res->attrs) : otlp_ju32(c, it, T_RESOURCE[i].camel, &dropped);
        if (k)
            break;
    }
    otlp_path_pop(c, mark);
    return k;
}

enum { SC_NAME, SC_VERSION, SC_ATTRS, SC_DROPPED };
static const otlp_jf T_SCOPE[] = {
    { "name", NULL }, { "version", NULL }, { "attributes", NULL }, { "droppedAttributesCount", "dropped_attributes_count" }
};

static int j_scope(otlp_ctx *c, cJSON *o, otlp_scope *s)
{
    if (!cJSON_IsObject(o))
        return otlp_jwrong(c, "scope", o, "an object");
    size_t mark = otlp_path_field(c, "scope");
    int k = 0;
    uint32_t dropped;
    EACH(it, o) {
        int i = otlp_jfind(T_SCOPE, NF(T_SCOPE), it->string);
        if (i < 0 || cJSON_IsNull(it))
            continue;
        switch (i) {
        case SC_NAME: k = otlp_jstr(c, it, "name", &s->name); break;
        case SC_VERSION: k = otlp_jstr(c, it, "version", &s->version); break;
        case SC_ATTRS: k = otlp_jattrs(c, it, "attributes", 0, &s->attrs); break;
        case SC_DROPPED: k = otlp_ju32(c, it, T_SCOPE[i].camel, &dropped); break;
        }
        if (k)
            break;
    }
    otlp_path_pop(c, mark);
    return k;
}

/* ------------------------------------------------------------ the resource / scope levels */


static int is_key(const cJSON *it, const otlp_jf *f)
{
    return it->string && (!strcmp(it->string, f->camel) || (f->snake && !strcmp(it->string, f->snake)));
}

/* Items in request -> resource -> scope.  Counts every element of the
 * item arrays; the decoding pass rejects what is not an object. */
static size_t count_items(const cJSON *root, const otlp_jsig *s)
{
    size_t n = 0;
    EACH(rs, root) {
        if (!is_key(rs, &s->res) || !cJSON_IsArray(rs))
            continue;
        EACH(r, rs) {
            EACH(ss, cJSON_IsObject(r) ? r : NULL) {
                if (!is_key(ss, &s->scope) || !cJSON_IsArray(ss))
                    continue;
                EACH(sc, ss) {
                    EACH(items, cJSON_IsObject(sc) ? sc : NULL)
                        if (is_key(items, &s->item) && cJSON_IsArray(items))
                            n += (size_t)cJSON_GetArraySize(items);
                }
            }
        }
    }
    return n;
}

static int j_scope_level(otlp_ctx *c, cJSON *o, otlp_jsig *s, const otlp_resource *res)
{
    otlp_scope *scope = otlp_calloc(c, 1, sizeof *scope);
    if (!scope)
        return LOUPE_ENOMEM;
    size_t i = 0;
    slice schema;
    int k = 0;
    EACH(it, o) {
        if (cJSON_IsNull(it))
            continue;
        if (!strcmp(it->string, "scope")) {
            k = j_scope(c, it, scope);
        } else if (is_key(it, &s->item)) {
            if (!cJSON_IsArray(it))
                return otlp_jwrong(c, s->item.camel, it, "an array");
            EACH(e, it) {
                if ((k = otlp_jelem_obj(c, e, s->item.camel, i)))
                    return k;
                if (s->n >= s->cap)
                    return otlp_fail(c, NULL, LOUPE_EINTERNAL, "item count changed between passes");
                size_t mark = otlp_path_index(c, s->item.camel, i++);
                k = s->decode(c, e, s->items + s->n++ * s->size, res, scope);
                otlp_path_pop(c, mark);
                if (k)
                    return k;
            }
        } else if (!strcmp(it->string, "schemaUrl") || !strcmp(it->string, "schema_url")) {
            k = otlp_jstr(c, it, "schemaUrl", &schema); /* the scope's schema_url: checked, not kept */
        }
        if (k)
            return k;
    }
    return 0;
}

static int j_resource_level(otlp_ctx *c, cJSON *o, otlp_jsig *s)
{
    otlp_resource *res = otlp_calloc(c, 1, sizeof *res);
    if (!res)
        return LOUPE_ENOMEM;
    size_t i = 0;
    int k = 0;
    EACH(it, o) {
        if (cJSON_IsNull(it))
            continue;
        if (!strcmp(it->string, "resource")) {
            k = j_resource(c, it, res);
        } else if (is_key(it, &s->scope)) {
            if (!cJSON_IsArray(it))
                return otlp_jwrong(c, s->scope.camel, it, "an array");
            EACH(e, it) {
                if ((k = otlp_jelem_obj(c, e, s->scope.camel, i)))
                    return k;
                size_t mark = otlp_path_index(c, s->scope.camel, i++);
                k = j_scope_level(c, e, s, res);
                otlp_path_pop(c, mark);
                if (k)
                    return k;
            }
        } else if (!strcmp(it->string, "schemaUrl") || !strcmp(it->string, "schema_url")) {
            k = otlp_jstr(c, it, "schemaUrl", &res->schema_url);
        }
        if (k)
            return k;
    }
    return 0;
}

static int j_request(otlp_ctx *c, cJSON *root, otlp_jsig *s)
{
    size_t n = count_items(root, s);
    int k = s->items_count ? otlp_add_items(c, NULL, n) : otlp_check_count(c, NULL, n, c->l.max_items, s->item.camel);
    if (k)
        return k;
    s->items = otlp_calloc(c, n, s->size);
    if (n && !s->items)
        return LOUPE_ENOMEM;
    s->cap = n;
    size_t i = 0;
    EACH(it, root) {
        if (!is_key(it, &s->res) || cJSON_IsNull(it))
            continue;
        if (!cJSON_IsArray(it))
            return otlp_jwrong(c, s->res.camel, it, "an array");
        EACH(e, it) {
            if ((k = otlp_jelem_obj(c, e, s->res.camel, i)))
                return k;
            size_t mark = otlp_path_index(c, s->res.camel, i++);
            k = j_resource_level(c, e, s);
            otlp_path_pop(c, mark);
            if (k)
                return k;
        }
    }
    return 0;
}

/* The offset of the first NUL character in text (a raw 0 byte, or a
 * \u0000 escape in a string), or -1.  cJSON hands strings out
 * NUL-terminated, so such a string would silently lose its tail: it is
 * rejected instead. */
static long find_nul(slice text)
{
    const uint8_t *z = memchr(text.p, 0, text.n);
    if (z)
        return (long)(z - text.p);
    int in_str = 0;
    for (size_t p = 0; p < text.n; p++) {
        if (text.p[p] == '"') {
            in_str = !in_str;
        } else if (in_str && text.p[p] == '\\' && p + 1 < text.n) {
            if (text.p[p + 1] == 'u' && p + 6 <= text.n && !memcmp(text.p + p + 2, "0000", 4))
                return (long)p;
            p++; /* the escaped character, which may be a quote */
        }
    }
    return -1;
}

/* Parses body, decodes it with s, frees the tree.  cJSON reads a copy
 * with a NUL after it: versions before 1.7.18 can read one byte past a
 * buffer that ends inside an object (cJSON issue #800). */
int otlp_jdecode(otlp_ctx *c, slice body, otlp_jsig *s)
{
    if (body.n > INT_MAX)
        return otlp_fail(c, NULL, LOUPE_ETOOBIG, "a JSON body of %zu bytes is too large", body.n);
    cJSON *root = NULL;
    int rc = 0;
    char *text = malloc(body.n + 1);
    if (!text)
        return otlp_oom(c);
    mem_copy(text, body.p, body.n);
    text[body.n] = '\0';
    c->body = slice_make(text, body.n);
    long nul = find_nul(c->body);
    if (nul >= 0) {
        rc = otlp_fail(c, NULL, LOUPE_EINVAL, "invalid JSON: NUL character at byte %ld", nul);
        goto cleanup;
    }
    const char *end = NULL;
    root = body.n ? cJSON_ParseWithLengthOpts(text, body.n, &end, 0) : NULL;
    if (!root) {
        rc = otlp_fail(c, NULL, LOUPE_EINVAL, "invalid JSON at byte %zu", end ? (size_t)(end - text) : 0);
        goto cleanup;
    }
    for (size_t i = (size_t)(end - text); i < body.n; i++) {
        uint8_t ch = (uint8_t)text[i];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
            rc = otlp_fail(c, NULL, LOUPE_EINVAL, "invalid JSON: trailing data at byte %zu", i);
            goto cleanup;
        }
    }
    if (!cJSON_IsObject(root)) {
        rc = otlp_fail(c, NULL, LOUPE_EINVAL, "the request is not a JSON object (got %s)", jtype(root));
        goto cleanup;
    }
    size_t pos = 0;
    if (number_offsets(root, slice_make(text, (size_t)(end - text)), &pos)) {
        rc = otlp_fail(c, NULL, LOUPE_EINTERNAL, "number literals out of step with the parsed tree");
        goto cleanup;
    }
    rc = j_request(c, root, s);
cleanup:
    cJSON_Delete(root);
    free(text);
    c->body = slice_make(NULL, 0);
    return rc;
}

