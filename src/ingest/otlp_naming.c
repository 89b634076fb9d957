/* otlp_naming.c - OTLP metric names, units, attribute keys and attribute
 * values -> Prometheus names and label text, following the Collector's
 * translator (prometheus/otlptranslator with suffixes on, UTF-8 escaped). */
#include "util/mem.h"
#include "util/json.h"
#include "util/sort.h"
#include "ingest/otlp_metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ tables */

typedef struct unit_map {
    const char *otel, *prom;
} unit_map;

/* UCUM units as OTel instruments spell them -> Prometheus base-unit words.
 * "1" (dimensionless) maps to nothing; gauges get "_ratio" instead. */
static const unit_map UNITS[] = {
    { "d", "days" },       { "h", "hours" },          { "min", "minutes" },      { "s", "seconds" },
    { "ms", "milliseconds" }, { "us", "microseconds" }, { "ns", "nanoseconds" },
    { "By", "bytes" },     { "KiBy", "kibibytes" },   { "MiBy", "mebibytes" },   { "GiBy", "gibibytes" },
    { "TiBy", "tibibytes" }, { "KBy", "kilobytes" },  { "MBy", "megabytes" },    { "GBy", "gigabytes" },
    { "TBy", "terabytes" },
    { "m", "meters" },     { "V", "volts" },          { "A", "amperes" },        { "J", "joules" },
    { "W", "watts" },      { "g", "grams" },
    { "Cel", "celsius" },  { "Hz", "hertz" },         { "1", "" },               { "%", "percent" },
};

/* The denominator of "x/y" units, singular: "By/s" -> bytes_per_second. */
static const unit_map PER_UNITS[] = {
    { "s", "second" }, { "m", "minute" }, { "h", "hour" }, { "d", "day" },
    { "w", "week" },   { "mo", "month" }, { "y", "year" },
};

static slice map_unit(const unit_map *t, size_t n, slice u)
{
    for (size_t i = 0; i < n; i++)
        if (slice_eq_cstr(u, t[i].otel))
            return slice_cstr(t[i].prom);
    return u;
}

/* ------------------------------------------------------------ characters */

static int is_metric_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':';
}

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Bytes of the UTF-8 sequence at p[0..n) (1 for an invalid byte), so one
 * character becomes one '_' as Go's rune-wise replacement does. */
static size_t rune_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t k = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 1;
    if (k > n)
        return 1;
    for (size_t i = 1; i < k; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 1;
    return k;
}

static slice trim_space(slice s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\n' || s.p[0] == '\r'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\n' || s.p[s.n - 1] == '\r'))
        s.n--;
    return s;
}

static int has_brace(slice s) { return memchr(s.p ? (const void *)s.p : "", '{', s.n) || memchr(s.p ? (const void *)s.p : "", '}', s.n); }

/* Splits s on every character outside [a-zA-Z0-9:]; empty pieces vanish.
 * tok must have room for s.n / 2 + 1 slices.  Returns the count. */
static size_t tokenize(slice s, slice *tok)
{
    size_t n = 0, i = 0;
    while (i < s.n) {
        while (i < s.n && !is_metric_char(s.p[i]))
            i++;
        size_t b = i;
        while (i < s.n && is_metric_char(s.p[i]))
            i++;
        if (i > b)
            tok[n++] = slice_make(s.p + b, i - b);
    }
    return n;
}

/* The translator's cleanUpUnit: invalid characters -> '_', runs of '_'
 * collapsed, leading '_' dropped.  We also drop a trailing '_', which the
 * translator keeps and which would only make a "__" in the joined name. */
static slice clean_unit(slice u, arena *a)
{
    if (!u.n)
        return u;
    char *o = arena_alloc(a, u.n + 1);
    if (!o)
        return slice_make(NULL, SIZE_MAX); /* OOM sentinel */
    size_t n = 0;
    for (size_t i = 0; i < u.n; i++) {
        char c = is_metric_char(u.p[i]) ? (char)u.p[i] : '_';
        if (c == '_' && (n == 0 || o[n - 1] == '_'))
            continue;
        o[n++] = c;
    }
    while (n && o[n - 1] == '_')
        n--;
    return slice_make(o, n);
}

static int is_oom(slice s) { return s.p == NULL && s.n == SIZE_MAX; }

/* The two halves of a unit ("By/s" -> "bytes", "per_second"), before
 * cleaning; either may be empty.  Annotations ("{token}") yield nothing. */
static void unit_parts(slice unit, slice *main_u, slice *per_u)
{
    *main_u = *per_u = slice_make(NULL, 0);
    const uint8_t *slash = unit.n ? memchr(unit.p, '/', unit.n) : NULL;
    slice m = slash ? slice_make(unit.p, (size_t)(slash - unit.p)) : unit;
    m = trim_space(m);
    if (m.n && !has_brace(m))
        *main_u = map_unit(UNITS, sizeof UNITS / sizeof *UNITS, m);
    if (slash) {
        slice p = trim_space(slice_make(slash + 1, unit.n - (size_t)(slash - unit.p) - 1));
        if (p.n && !has_brace(p))
            *per_u = map_unit(PER_UNITS, sizeof PER_UNITS / sizeof *PER_UNITS, p);
    }
}

/* ------------------------------------------------------------ metric names */

/* 1 when the tokens of `words` ("per_second", "bytes") appear as consecutive
 * name tokens. */
static int has_token_run(const slice *tok, size_t n, slice words)
{
    slice w[64];
    size_t nw = words.n / 2 + 1 <= 64 ? tokenize(words, w) : 0;
    if (nw == 0 || nw > n)
        return 0;
    for (size_t i = 0; i + nw <= n; i++) {
        size_t k = 0;
        while (k < nw && slice_eq(tok[i + k], w[k]))
            k++;
        if (k == nw)
            return 1;
    }
    return 0;
}

static size_t remove_token(slice *tok, size_t n, const char *word)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (!slice_eq_cstr(tok[i], word))
            tok[o++] = tok[i];
    return o;
}

int otlp_metrics_name(slice name, slice unit, otlp_name_kind kind, arena *a, slice *out)
{
    *out = slice_make(NULL, 0);
    slice *tok = arena_alloc(a, (name.n / 2 + 6) * sizeof *tok);
    if (!tok)
        return LOUPE_ENOMEM;
    size_t n = tokenize(name, tok);

    slice mu, pu;
    unit_parts(unit, &mu, &pu);
    mu = clean_unit(mu, a);
    pu = clean_unit(pu, a);
    if (is_oom(mu) || is_oom(pu))
        return LOUPE_ENOMEM;
    /* A unit already in the name is not appended again.  The translator
     * compares single tokens, so "bytes_per_second" with unit "By/s" would
     * get "_per_second" twice; we compare token runs ("per", "second"). */
    if (mu.n && !has_token_run(tok, n, mu))
        tok[n++] = mu;
    if (pu.n) {
        char *ps = arena_alloc(a, pu.n + 4);
        if (!ps)
            return LOUPE_ENOMEM;
        mem_copy(ps, "per_", 4);
        mem_copy(ps + 4, pu.p, pu.n);
        slice per = slice_make(ps, pu.n + 4);
        if (!has_token_run(tok, n, per))
            tok[n++] = per;
    }
    if (kind == OTLP_NAME_COUNTER) {
        n = remove_token(tok, n, "total");
        tok[n++] = slice_cstr("total");
    }
    if (kind == OTLP_NAME_GAUGE && slice_eq_cstr(unit, "1")) {
        n = remove_token(tok, n, "ratio");
        tok[n++] = slice_cstr("ratio");
    }
    if (n == 0)
        return LOUPE_EINVAL; /* nothing of the name survived ("@#$" without a unit) */
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += tok[i].n + 1;
    char *o = arena_alloc(a, len + 1);
    if (!o)
        return LOUPE_ENOMEM;
    size_t k = 0;
    if (is_digit(tok[0].p[0]))
        o[k++] = '_'; /* a name cannot start with a digit */
    for (size_t i = 0; i < n; i++) {
        if (i)
            o[k++] = '_';
        mem_copy(o + k, tok[i].p, tok[i].n);
        k += tok[i].n;
    }
    *out = slice_make(o, k);
    return 0;
}

int otlp_metrics_unit(slice unit, arena *a, slice *out)
{
    slice mu, pu;
    unit_parts(unit, &mu, &pu);
    mu = clean_unit(mu, a);
    pu = clean_unit(pu, a);
    if (is_oom(mu) || is_oom(pu))
        return LOUPE_ENOMEM;
    char *o = arena_alloc(a, mu.n + pu.n + 6);
    if (!o)
        return LOUPE_ENOMEM;
    size_t k = 0;
    mem_copy(o, mu.p, mu.n);
    k = mu.n;
    if (pu.n) {
        if (k)
            o[k++] = '_';
        mem_copy(o + k, "per_", 4);
        mem_copy(o + k + 4, pu.p, pu.n);
        k += 4 + pu.n;
    }
    *out = slice_make(o, k);
    return 0;
}

/* ------------------------------------------------------------ label names */

static int is_label_char(uint8_t c) { return is_metric_char(c) ? c != ':' : c == '_'; }

int otlp_metrics_label_name(slice key, arena *a, slice *out)
{
    *out = slice_make(NULL, 0);
    if (key.n == 0)
        return LOUPE_EINVAL;
    int valid = !is_digit(key.p[0]) && !(key.p[0] == '_' && (key.n < 2 || key.p[1] != '_'));
    for (size_t i = 0; i < key.n && valid; i++)
        valid = is_label_char(key.p[i]);
    if (valid) {
        *out = key; /* the common case: no copy */
        return 0;
    }
    char *o = arena_alloc(a, key.n + 5);
    if (!o)
        return LOUPE_ENOMEM;
    size_t n = 4; /* room for a "key_" prefix */
    for (size_t i = 0; i < key.n;) {
        size_t r = rune_len(key.p + i, key.n - i);
        o[n++] = (r == 1 && is_label_char(key.p[i])) ? (char)key.p[i] : '_';
        i += r;
    }
    const char *s = o + 4;
    size_t len = n - 4;
    if (is_digit((uint8_t)s[0])) {
        mem_copy(o, "key_", 4); /* "0x" -> "key_0x" */
        s = o, len += 4;
    } else if (s[0] == '_' && (len < 2 || s[1] != '_')) {
        mem_copy(o + 1, "key", 3); /* "_x" -> "key_x"; "__x" is kept */
        s = o + 1, len += 3;
    }
    /* changed into nothing but underscores ("..." -> "___"): the translator
     * refuses the label rather than invent a name */
    size_t i = 0;
    while (i < len && s[i] == '_')
        i++;
    if (i == len)
        return LOUPE_EINVAL;
    *out = slice_make(s, len);
    return 0;
}

/* ------------------------------------------------------------ values */

static int put_base64(buf *b, slice s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (buf_reserve(b, (s.n + 2) / 3 * 4))
        return LOUPE_ENOMEM;
    size_t i = 0;
    for (; i + 3 <= s.n; i += 3) {
        uint32_t v = (uint32_t)s.p[i] << 16 | (uint32_t)s.p[i + 1] << 8 | s.p[i + 2];
        b->p[b->n++] = tab[v >> 18];
        b->p[b->n++] = tab[(v >> 12) & 63];
        b->p[b->n++] = tab[(v >> 6) & 63];
        b->p[b->n++] = tab[v & 63];
    }
    if (i < s.n) {
        uint32_t v = (uint32_t)s.p[i] << 16 | (i + 1 < s.n ? (uint32_t)s.p[i + 1] << 8 : 0);
        b->p[b->n++] = tab[v >> 18];
        b->p[b->n++] = tab[(v >> 12) & 63];
        b->p[b->n++] = i + 1 < s.n ? tab[(v >> 6) & 63] : '=';
        b->p[b->n++] = '=';
    }
    return 0;
}

/* pcommon's AsString for doubles: shortest round-trip, 'f' style, 'e' below
 * 1e-6 and from 1e21 with an unpadded exponent ("1e-7", as JavaScript). */
static int put_double(buf *b, double v)
{
    char tmp[420];
    int n = prom_float(tmp, sizeof tmp, v);
    if (n < 0)
        return LOUPE_ENOMEM;
    char *e = memchr(tmp, 'e', (size_t)n);
    if (e && e[2] == '0' && e[3]) { /* "e-07" -> "e-7" */
        memmove(e + 2, e + 3, (size_t)(tmp + n - (e + 3)));
        n--;
    }
    return buf_append(b, tmp, (size_t)n);
}

static int put_json(buf *b, const otlp_value *v)
{
    switch (v->type) {
    case OTLP_STRING: return json_str(b, v->u.s);
    case OTLP_BOOL: return buf_puts(b, v->u.b ? "true" : "false");
    case OTLP_INT: return json_int(b, v->u.i);
    case OTLP_DOUBLE: return isfinite(v->u.d) ? put_double(b, v->u.d) : json_str(b, slice_cstr(isnan(v->u.d) ? "NaN" : v->u.d > 0 ? "Inf" : "-Inf"));
    case OTLP_BYTES:
        if (buf_putc(b, '"') || put_base64(b, v->u.s))
            return LOUPE_ENOMEM;
        return buf_putc(b, '"');
    case OTLP_ARRAY:
        if (buf_putc(b, '['))
            return LOUPE_ENOMEM;
        for (size_t i = 0; i < v->u.arr.n; i++)
            if ((i && buf_putc(b, ',')) || put_json(b, &v->u.arr.v[i]))
                return LOUPE_ENOMEM;
        return buf_putc(b, ']');
    case OTLP_KVLIST:
        if (buf_putc(b, '{'))
            return LOUPE_ENOMEM;
        for (size_t i = 0; i < v->u.kv.n; i++)
            if ((i && buf_putc(b, ',')) || json_str(b, v->u.kv.a[i].key) || buf_putc(b, ':') ||
                put_json(b, &v->u.kv.a[i].value))
                return LOUPE_ENOMEM;
        return buf_putc(b, '}');
    case OTLP_EMPTY:
    default: return buf_puts(b, "null");
    }
}

int otlp_metrics_value_text(const otlp_value *v, arena *a, slice *out)
{
    if (v->type == OTLP_STRING) {
        *out = v->u.s; /* borrowed from the decoded request */
        return 0;
    }
    if (v->type == OTLP_EMPTY) {
        *out = slice_make(NULL, 0);
        return 0;
    }
    buf b = BUF_INIT;
    int rc;
    if (v->type == OTLP_INT)
        rc = json_int(&b, v->u.i);
    else if (v->type == OTLP_BOOL)
        rc = buf_puts(&b, v->u.b ? "true" : "false");
    else if (v->type == OTLP_DOUBLE)
        rc = put_double(&b, v->u.d);
    else if (v->type == OTLP_BYTES)
        rc = put_base64(&b, v->u.s);
    else
        rc = put_json(&b, v);
    char *o = rc ? NULL : arena_alloc(a, b.n ? b.n : 1);
    if (o) {
        mem_copy(o, b.p, b.n);
        *out = slice_make(o, b.n);
    }
    buf_free(&b);
    return o ? 0 : LOUPE_ENOMEM;
}

/* ------------------------------------------------------------ attributes */

typedef struct attr_kv {
    slice key, name, value;
    size_t seq;
} attr_kv;

static int kv_cmp(const void *pa, const void *pb)
{
    const attr_kv *a = pa, *b = pb;
    int c = slice_cmp(a->name, b->name);
    if (!c)
        c = slice_cmp(a->key, b->key);
    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

static int skipped(slice key, const char *const *skip)
{
    for (; skip && *skip; skip++)
        if (slice_eq_cstr(key, *skip))
            return 1;
    return 0;
}

int otlp_metrics_attr_labels(const otlp_attrs *as, const char *const *skip, arena *a, label **out, size_t *n,
                             slice *bad)
{
    *out = NULL;
    *n = 0;
    if (!as || !as->n)
        return 0;
    attr_kv *kv = arena_alloc(a, as->n * sizeof *kv);
    label *ls = arena_alloc(a, as->n * sizeof *ls);
    if (!kv || !ls)
        return LOUPE_ENOMEM;
    size_t nkv = 0;
    for (size_t i = 0; i < as->n; i++) {
        const otlp_attr *at = &as->a[i];
        if (skipped(at->key, skip))
            continue;
        int rc = otlp_metrics_label_name(at->key, a, &kv[nkv].name);
        if (rc == LOUPE_EINVAL)
            *bad = at->key;
        if (rc || (rc = otlp_metrics_value_text(&at->value, a, &kv[nkv].value)) != 0)
            return rc;
        kv[nkv].key = at->key;
        kv[nkv].seq = i;
        nkv++;
    }
    sort_array(kv, nkv, sizeof *kv, kv_cmp);
    size_t o = 0;
    for (size_t i = 0; i < nkv;) {
        /* one label name: its original keys in order, the last of each key */
        slice val = slice_make(NULL, 0);
        size_t j = i;
        for (; j < nkv && slice_eq(kv[j].name, kv[i].name); j++) {
            if (j + 1 < nkv && slice_eq(kv[j + 1].name, kv[j].name) && slice_eq(kv[j + 1].key, kv[j].key))
                continue; /* a later duplicate of this key wins */
            if (!val.n) {
                val = kv[j].value; /* an empty value counts as absent, as Get() == "" does */
                continue;
            }
            char *jv = arena_alloc(a, val.n + 1 + kv[j].value.n);
            if (!jv)
                return LOUPE_ENOMEM;
            mem_copy(jv, val.p, val.n);
            jv[val.n] = ';';
            mem_copy(jv + val.n + 1, kv[j].value.p, kv[j].value.n);
            val = slice_make(jv, val.n + 1 + kv[j].value.n);
        }
        ls[o].name = kv[i].name;
        ls[o].value = val;
        o++;
        i = j;
    }
    *out = ls;
    *n = o;
    return 0;
}
