/* labels.c - validation, canonical encoding and iteration of label sets. */
#include "util/mem.h"
#include "util/sort.h"
#include "store/labels.h"
#include "util/utf8.h"
#include "util/varint.h"

#include <stdlib.h>

static int label_cmp(const void *a, const void *b)
{
    return slice_cmp(((const label *)a)->name, ((const label *)b)->name);
}

static void fmt_name(const label *l, char *out, size_t cap)
{
    size_t n = l->name.n < 64 ? l->name.n : 64;
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < cap; i++) {
        uint8_t c = l->name.p[i];
        out[j++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
    }
    out[j] = '\0';
}

int labels_canonicalize(label *ls, size_t *n, const labels_limits *lim, err_ctx *e)
{
    size_t cnt = *n;
    char nm[72];
    if (lim && lim->max_labels && cnt > lim->max_labels)
        return err_set(e, LOUPE_ETOOBIG, "%zu labels exceed the limit of %zu per series", cnt,
                       lim->max_labels);
    for (size_t i = 0; i < cnt; i++) {
        const label *l = &ls[i];
        if (l->name.n == 0)
            return err_set(e, LOUPE_EINVAL, "empty label name");
        fmt_name(l, nm, sizeof nm);
        if (lim && lim->max_name_len && l->name.n > lim->max_name_len)
            return err_set(e, LOUPE_ETOOBIG, "label name \"%s...\" is %zu bytes, over the limit of %zu",
                           nm, l->name.n, lim->max_name_len);
        if (lim && lim->max_value_len && l->value.n > lim->max_value_len)
            return err_set(e, LOUPE_ETOOBIG, "value of label \"%s\" is %zu bytes, over the limit of %zu",
                           nm, l->value.n, lim->max_value_len);
        if (!utf8_valid(l->name.p, l->name.n))
            return err_set(e, LOUPE_EINVAL, "label name \"%s\" is not valid UTF-8", nm);
        if (!utf8_valid(l->value.p, l->value.n))
            return err_set(e, LOUPE_EINVAL, "value of label \"%s\" is not valid UTF-8", nm);
    }
    /* remote-write senders sort already; only sort when needed */
    int sorted = 1;
    for (size_t i = 1; i < cnt && sorted; i++)
        if (slice_cmp(ls[i - 1].name, ls[i].name) >= 0)
            sorted = 0;
    if (!sorted)
        sort_array(ls, cnt, sizeof *ls, label_cmp);
    int have_name = 0;
    size_t out = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (i > 0 && slice_eq(ls[i].name, ls[i - 1].name)) {
            fmt_name(&ls[i], nm, sizeof nm);
            return err_set(e, LOUPE_EINVAL, "duplicate label name \"%s\"", nm);
        }
        if (slice_eq_cstr(ls[i].name, "__name__"))
            have_name = ls[i].value.n > 0;
        if (ls[i].value.n == 0)
            continue;
        ls[out++] = ls[i];
    }
    if (!have_name)
        return err_set(e, LOUPE_EINVAL, "missing metric name (label __name__)");
    *n = out;
    return 0;
}

int labels_encode(const label *ls, size_t n, buf *out)
{
    size_t need = 0;
    for (size_t i = 0; i < n; i++)
        need += 40 + ls[i].name.n + ls[i].value.n;
    int rc = buf_reserve(out, need);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        size_t nl = ls[i].name.n, vl = ls[i].value.n;
        size_t inner = 1 + varint_len(nl) + nl + 1 + varint_len(vl) + vl;
        uint8_t *p = out->p + out->n;
        *p++ = 0x0a;
        p += varint_put(p, inner);
        *p++ = 0x0a;
        p += varint_put(p, nl);
        mem_copy(p, ls[i].name.p, nl);
        p += nl;
        *p++ = 0x12;
        p += varint_put(p, vl);
        if (vl)
            mem_copy(p, ls[i].value.p, vl);
        p += vl;
        out->n = (size_t)(p - out->p);
    }
    return 0;
}

int labels_next(labels_iter *it, label *l)
{
    if (it->p >= it->end)
        return 0;
    uint64_t n, nl, vl;
    if (*it->p++ != 0x0a || varint_get(&it->p, it->end, &n) || n > (uint64_t)(it->end - it->p))
        return -1;
    const uint8_t *q = it->p, *e = it->p + n;
    if (q >= e || *q++ != 0x0a || varint_get(&q, e, &nl) || nl > (uint64_t)(e - q))
        return -1;
    l->name = slice_make(q, (size_t)nl);
    q += nl;
    if (q >= e || *q++ != 0x12 || varint_get(&q, e, &vl) || vl != (uint64_t)(e - q))
        return -1;
    l->value = slice_make(q, (size_t)vl);
    it->p = e;
    return 1;
}

slice labels_get(slice blob, slice name)
{
    labels_iter it = labels_iter_make(blob);
    label l;
    while (labels_next(&it, &l) == 1) {
        int c = slice_cmp(l.name, name);
        if (c == 0)
            return l.value;
        if (c > 0)
            break;
    }
    return slice_make(NULL, 0);
}

int labels_count(slice blob)
{
    labels_iter it = labels_iter_make(blob);
    label l;
    int n = 0, r;
    while ((r = labels_next(&it, &l)) == 1)
        n++;
    return r < 0 ? -1 : n;
}

static int put_escaped(buf *out, slice s)
{
    for (size_t i = 0; i < s.n; i++) {
        uint8_t c = s.p[i];
        int rc;
        if (c == '"' || c == '\\')
            rc = buf_putc(out, '\\') || buf_putc(out, c);
        else if (c == '\n')
            rc = buf_puts(out, "\\n");
        else
            rc = buf_putc(out, c);
        if (rc)
            return LOUPE_ENOMEM;
    }
    return 0;
}

int labels_format(slice blob, buf *out)
{
    slice name = labels_get(blob, slice_cstr("__name__"));
    if (name.n && buf_append(out, name.p, name.n))
        return LOUPE_ENOMEM;
    if (buf_putc(out, '{'))
        return LOUPE_ENOMEM;
    labels_iter it = labels_iter_make(blob);
    label l;
    int first = 1;
    while (labels_next(&it, &l) == 1) {
        if (slice_eq_cstr(l.name, "__name__"))
            continue;
        if (!first && buf_puts(out, ", "))
            return LOUPE_ENOMEM;
        first = 0;
        if (buf_append(out, l.name.p, l.name.n) || buf_puts(out, "=\"") || put_escaped(out, l.value) ||
            buf_putc(out, '"'))
            return LOUPE_ENOMEM;
    }
    return buf_putc(out, '}');
}

int labels_compare(slice a, slice b)
{
    labels_iter ia = labels_iter_make(a), ib = labels_iter_make(b);
    label la, lb;
    for (;;) {
        int ra = labels_next(&ia, &la) == 1, rb = labels_next(&ib, &lb) == 1;
        if (!ra || !rb)
            return ra - rb;
        int x = slice_cmp(la.name, lb.name);
        if (x)
            return x;
        x = slice_cmp(la.value, lb.value);
        if (x)
            return x;
    }
}
