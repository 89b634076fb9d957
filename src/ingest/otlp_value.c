/* otlp_value.c - OTLP attribute values after decoding: lookup, JSON and text
 * rendering, the default limits, and the checks both decoders share
 * (otlp_int.h: error paths, UTF-8, lengths, counts, ids). */
#include "util/mem.h"
#include "ingest/otlp_int.h"
#include "util/json.h"
#include "util/utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ limits */

void otlp_limits_default(otlp_limits *l)
{
    l->max_items = 1000000;
    l->max_attrs = 1024;
    l->max_value_bytes = 1 << 20;
    l->max_key_bytes = 1024;
    l->max_depth = 16;
    l->max_buckets = 1024;
}

/* ------------------------------------------------------------ decoding context */

void otlp_ctx_init(otlp_ctx *c, const otlp_limits *l, arena *a, err_ctx *e, const char *items_what)
{
    if (l)
        c->l = *l;
    else
        otlp_limits_default(&c->l);
    if (c->l.max_depth < 0)
        c->l.max_depth = 0;
    if (c->l.max_depth > OTLP_DEPTH_CAP)
        c->l.max_depth = OTLP_DEPTH_CAP;
    c->a = a;
    c->e = e;
    c->body = slice_make(NULL, 0);
    c->items = 0;
    c->items_what = items_what;
    c->plen = 0;
}

static size_t push(otlp_ctx *c, int kind, const char *name, size_t idx, slice key)
{
    size_t old = c->plen++;
    if (old < OTLP_PATH_STEPS)
        c->path[old] = (otlp_step){ name, key, idx, kind };
    return old;
}

size_t otlp_path_field(otlp_ctx *c, const char *name) { return push(c, 0, name, 0, slice_make(NULL, 0)); }
size_t otlp_path_index(otlp_ctx *c, const char *name, size_t i) { return push(c, 1, name, i, slice_make(NULL, 0)); }
size_t otlp_path_key(otlp_ctx *c, const char *name, slice key) { return push(c, 2, name, 0, key); }

/* An attribute key for a message: shortened (at a character boundary,
 * the key is valid UTF-8 by now) with quotes and control characters
 * replaced, so the message stays one readable line. */
static void key_text(slice key, char *k, size_t cap)
{
    size_t n = 0, max = cap - 4;
    for (size_t i = 0; i < key.n && n < max; i++) {
        uint8_t ch = key.p[i];
        if (ch >= 0x80) {
            size_t len = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
            if (n + len > max || i + len > key.n)
                break;
            mem_copy(k + n, key.p + i, len);
            n += len;
            i += len - 1;
            continue;
        }
        k[n++] = (ch < 0x20 || ch == '"' || ch == '\\' || ch == 0x7f) ? '?' : (char)ch;
    }
    if (n < key.n && n >= max - 3) {
        mem_copy(k + n, "...", 3);
        n += 3;
    }
    k[n] = '\0';
}

/* The path as text, e.g. resourceSpans[0].scopeSpans[1].spans[3]; cut
 * with "..." when it does not fit. */
static void path_text(const otlp_ctx *c, char *out, size_t cap)
{
    size_t o = 0, n = c->plen < OTLP_PATH_STEPS ? c->plen : OTLP_PATH_STEPS;
    int cut = n < c->plen;
    out[0] = '\0';
    for (size_t i = 0; i < n && !cut; i++) {
        const otlp_step *s = &c->path[i];
        const char *dot = i ? "." : "";
        char k[64];
        int w;
        if (s->kind == 1) {
            w = snprintf(out + o, cap - o, "%s%s[%zu]", dot, s->name, s->idx);
        } else if (s->kind == 2) {
            key_text(s->key, k, sizeof k);
            w = snprintf(out + o, cap - o, "%s%s[\"%s\"]", dot, s->name, k);
        } else {
            w = snprintf(out + o, cap - o, "%s%s", dot, s->name);
        }
        if (w < 0 || (size_t)w + 4 > cap - o) /* room for "..." stays */
            cut = 1;
        else
            o += (size_t)w;
    }
    if (cut)
        mem_copy(out + o, "...", 4);
}

int otlp_fail(otlp_ctx *c, const char *field, int code, const char *fmt, ...)
{
    char msg[384], path[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    path_text(c, path, sizeof path);
    const char *sep1 = path[0] && field ? "." : "";
    const char *sep2 = path[0] || field ? ": " : "";
    return err_set(c->e, code, "%s%s%s%s%s", path, sep1, field ? field : "", sep2, msg);
}

int otlp_oom(otlp_ctx *c) { return err_set(c->e, LOUPE_ENOMEM, "out of memory"); }

void *otlp_calloc(otlp_ctx *c, size_t n, size_t size)
{
    if (!n)
        return NULL;
    if (n > SIZE_MAX / size) {
        otlp_oom(c);
        return NULL;
    }
    void *p = arena_calloc(c->a, n * size);
    if (!p)
        otlp_oom(c);
    return p;
}

/* ------------------------------------------------------------ checks */

int otlp_check_bytes(otlp_ctx *c, const char *field, slice s)
{
    if (s.n > c->l.max_value_bytes)
        return otlp_fail(c, field, LOUPE_ETOOBIG, "%zu bytes exceed the limit of %zu", s.n, c->l.max_value_bytes);
    return 0;
}

int otlp_check_str(otlp_ctx *c, const char *field, slice s)
{
    int rc = otlp_check_bytes(c, field, s);
    if (rc)
        return rc;
    if (!utf8_valid(s.p, s.n))
        return otlp_fail(c, field, LOUPE_EINVAL, "invalid UTF-8");
    return 0;
}

int otlp_check_key(otlp_ctx *c, slice key)
{
    if (key.n > c->l.max_key_bytes)
        return otlp_fail(c, "key", LOUPE_ETOOBIG, "%zu bytes exceed the limit of %zu", key.n, c->l.max_key_bytes);
    if (!utf8_valid(key.p, key.n))
        return otlp_fail(c, "key", LOUPE_EINVAL, "invalid UTF-8");
    return 0;
}

int otlp_check_count(otlp_ctx *c, const char *field, size_t n, size_t max, const char *what)
{
    if (n > max)
        return otlp_fail(c, field, LOUPE_ETOOBIG, "%zu %s exceed the limit of %zu", n, what, max);
    return 0;
}

int otlp_add_items(otlp_ctx *c, const char *field, size_t n)
{
    if (n > c->l.max_items || c->items > c->l.max_items - n)
        return otlp_fail(c, field, LOUPE_ETOOBIG, "more than %zu %s in one request", c->l.max_items, c->items_what);
    c->items += n;
    return 0;
}

int otlp_set_id(otlp_ctx *c, const char *field, const uint8_t *p, size_t n, uint8_t *dst, size_t want, int *has)
{
    if (n == 0) {
        memset(dst, 0, want);
        if (has)
            *has = 0;
        return 0;
    }
    if (n != want)
        return otlp_fail(c, field, LOUPE_EINVAL, "%zu bytes, want %zu", n, want);
    mem_copy(dst, p, want);
    if (has)
        *has = 1;
    return 0;
}

int otlp_check_depth(otlp_ctx *c, const char *field, int depth)
{
    if (depth > c->l.max_depth)
        return otlp_fail(c, field, LOUPE_ETOOBIG, "arrays and kvlists nested deeper than %d", c->l.max_depth);
    return 0;
}

/* ------------------------------------------------------------ lookup */

const otlp_value *otlp_attrs_get(const otlp_attrs *as, const char *key)
{
    if (!as || !key)
        return NULL;
    slice k = slice_cstr(key);
    for (size_t i = as->n; i-- > 0;)
        if (slice_eq(as->a[i].key, k))
            return &as->a[i].value;
    return NULL;
}

/* ------------------------------------------------------------ rendering */

static int base64_json(buf *b, slice s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (buf_reserve(b, (s.n + 2) / 3 * 4 + 2))
        return LOUPE_ENOMEM;
    uint8_t *o = b->p + b->n;
    *o++ = '"';
    size_t i = 0;
    for (; i + 3 <= s.n; i += 3) {
        uint32_t v = (uint32_t)s.p[i] << 16 | (uint32_t)s.p[i + 1] << 8 | s.p[i + 2];
        *o++ = (uint8_t)tab[v >> 18];
        *o++ = (uint8_t)tab[(v >> 12) & 63];
        *o++ = (uint8_t)tab[(v >> 6) & 63];
        *o++ = (uint8_t)tab[v & 63];
    }
    if (s.n - i == 1) {
        uint32_t v = (uint32_t)s.p[i] << 16;
        *o++ = (uint8_t)tab[v >> 18];
        *o++ = (uint8_t)tab[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (s.n - i == 2) {
        uint32_t v = (uint32_t)s.p[i] << 16 | (uint32_t)s.p[i + 1] << 8;
        *o++ = (uint8_t)tab[v >> 18];
        *o++ = (uint8_t)tab[(v >> 12) & 63];
        *o++ = (uint8_t)tab[(v >> 6) & 63];
        *o++ = '=';
    }
    *o++ = '"';
    b->n = (size_t)(o - b->p);
    return 0;
}

static int double_json(buf *b, double d)
{
    if (isnan(d))
        return buf_puts(b, "\"NaN\"");
    if (isinf(d))
        return buf_puts(b, d > 0 ? "\"Inf\"" : "\"-Inf\"");
    return json_float(b, d);
}

/* 1 when a later attribute of as[0..n) has the key of as[i]. */
static int shadowed(const otlp_attr *as, size_t n, size_t i)
{
    for (size_t j = i + 1; j < n; j++)
        if (slice_eq(as[j].key, as[i].key))
            return 1;
    return 0;
}

typedef struct kidx {
    slice key;
    size_t i;
} kidx;

static int kidx_cmp(const void *x, const void *y)
{
    const kidx *a = x, *b = y;
    int c = slice_cmp(a->key, b->key);
    return c ? c : (a->i < b->i ? -1 : a->i > b->i);
}

/* Marks in skip[] the attributes that a later one with the same key
 * replaces: quadratic for the usual handful, sorted beyond that. */
static int mark_shadowed(const otlp_attr *as, size_t n, uint8_t *skip)
{
    if (n <= 32) {
        for (size_t i = 0; i < n; i++)
            skip[i] = (uint8_t)shadowed(as, n, i);
        return 0;
    }
    kidx *k = malloc(n * sizeof *k);
    if (!k)
        return LOUPE_ENOMEM;
    for (size_t i = 0; i < n; i++)
        k[i] = (kidx){ as[i].key, i };
    qsort(k, n, sizeof *k, kidx_cmp);
    for (size_t i = 0; i < n; i++)
        skip[k[i].i] = (uint8_t)(i + 1 < n && slice_eq(k[i].key, k[i + 1].key));
    free(k);
    return 0;
}

static int attrs_json(const otlp_attr *as, size_t n, buf *out)
{
    uint8_t small[32];
    uint8_t *skip = n <= sizeof small ? small : malloc(n);
    int rc = LOUPE_ENOMEM;
    if (!skip)
        return rc;
    rc = mark_shadowed(as, n, skip);
    if (!rc)
        rc = buf_putc(out, '{');
    int first = 1;
    for (size_t i = 0; i < n && !rc; i++) {
        if (skip[i])
            continue;
        if (!first)
            rc = buf_putc(out, ',');
        first = 0;
        if (!rc)
            rc = json_str(out, as[i].key);
        if (!rc)
            rc = buf_putc(out, ':');
        if (!rc)
            rc = otlp_value_json(&as[i].value, out);
    }
    if (!rc)
        rc = buf_putc(out, '}');
    if (skip != small)
        free(skip);
    return rc;
}

int otlp_value_json(const otlp_value *v, buf *out)
{
    int rc = 0;
    switch (v ? v->type : OTLP_EMPTY) {
    case OTLP_EMPTY:
        return buf_puts(out, "null");
    case OTLP_STRING:
        return json_str(out, v->u.s);
    case OTLP_BOOL:
        return buf_puts(out, v->u.b ? "true" : "false");
    case OTLP_INT:
        return json_int(out, v->u.i);
    case OTLP_DOUBLE:
        return double_json(out, v->u.d);
    case OTLP_BYTES:
        return base64_json(out, v->u.s);
    case OTLP_ARRAY:
        rc = buf_putc(out, '[');
        for (size_t i = 0; i < v->u.arr.n && !rc; i++) {
            if (i)
                rc = buf_putc(out, ',');
            if (!rc)
                rc = otlp_value_json(&v->u.arr.v[i], out);
        }
        return rc ? rc : buf_putc(out, ']');
    case OTLP_KVLIST:
        return attrs_json(v->u.kv.a, v->u.kv.n, out);
    }
    return buf_puts(out, "null");
}

int otlp_attrs_json(const otlp_attrs *as, buf *out)
{
    return as ? attrs_json(as->a, as->n, out) : buf_puts(out, "{}");
}

int otlp_value_text(const otlp_value *v, buf *out)
{
    if (v && v->type == OTLP_STRING)
        return buf_append(out, v->u.s.p, v->u.s.n);
    return otlp_value_json(v, out);
}
