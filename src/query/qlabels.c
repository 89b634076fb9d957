/* qlabels.c - label-set operations for the evaluator, on canonical blobs. */
#include "util/mem.h"
#include "query/eval_int.h"
#include "store/labels.h"
#include "util/hash.h"

#define MAX_LABELS 256

/* The canonical encoding of ls[0..n) in the query's arena (empty on OOM). */
static slice encode_in_arena(evalctx *c, const label *ls, size_t n)
{
    buf b = BUF_INIT;
    slice out = slice_make("", 0);
    if (labels_encode(ls, n, &b) == 0 && b.n) {
        uint8_t *p = arena_alloc(c->a, b.n);
        if (p) {
            mem_copy(p, b.p, b.n);
            out = slice_make(p, b.n);
        }
    }
    buf_free(&b);
    return out;
}

/* Copies the labels of blob accepted by keep(ctx, name) into the arena. */
static slice filter(evalctx *c, slice lab, int (*keep)(void *ctx, slice name), void *ctx)
{
    label ls[MAX_LABELS];
    size_t n = 0;
    labels_iter it = labels_iter_make(lab);
    label l;
    int changed = 0;
    while (labels_next(&it, &l) == 1) {
        if (!keep(ctx, l.name)) {
            changed = 1;
            continue;
        }
        if (n < MAX_LABELS)
            ls[n++] = l;
    }
    if (!changed)
        return lab;
    return encode_in_arena(c, ls, n);
}

static int not_name(void *ctx, slice name)
{
    (void)ctx;
    return !slice_eq_cstr(name, "__name__");
}

slice lab_drop_name(evalctx *c, slice lab) { return filter(c, lab, not_name, NULL); }

static int in_list(const name_list *nl, slice name)
{
    for (size_t i = 0; i < nl->n; i++)
        if (slice_eq_cstr(name, nl->names[i]))
            return 1;
    return 0;
}

static int keep_in(void *ctx, slice name) { return in_list(ctx, name); }

slice lab_keep(evalctx *c, slice lab, const name_list *names) { return filter(c, lab, keep_in, (void *)names); }

typedef struct del_ctx {
    const name_list *nl;
    int also_name;
} del_ctx;

static int keep_not_in(void *ctx, slice name)
{
    del_ctx *d = ctx;
    if (d->also_name && slice_eq_cstr(name, "__name__"))
        return 0;
    return !in_list(d->nl, name);
}

slice lab_del(evalctx *c, slice lab, const name_list *names, int also_name)
{
    del_ctx d = { names, also_name };
    return filter(c, lab, keep_not_in, &d);
}

slice lab_set(evalctx *c, slice lab, slice name, slice value)
{
    label ls[MAX_LABELS];
    size_t n = 0;
    labels_iter it = labels_iter_make(lab);
    label l;
    int done = value.n == 0;
    while (labels_next(&it, &l) == 1) {
        int cmp = slice_cmp(l.name, name);
        if (cmp == 0)
            continue;
        if (cmp > 0 && !done && n < MAX_LABELS) {
            ls[n++] = (label){ name, value };
            done = 1;
        }
        if (n < MAX_LABELS)
            ls[n++] = l;
    }
    if (!done && n < MAX_LABELS)
        ls[n++] = (label){ name, value };
    return encode_in_arena(c, ls, n);
}

slice lab_get(slice lab, const char *name) { return labels_get(lab, slice_cstr(name)); }

uint64_t lab_hash(slice lab) { return hash_bytes(lab.p, lab.n, 0x9e37); }

int lab_has_name(slice lab) { return lab_get(lab, "__name__").p != NULL; }

/* Prometheus orders label sets label by label: name, then value. */
int lab_cmp(slice a, slice b) { return labels_compare(a, b); }

int lab_compare(slice a, slice b) { return lab_cmp(a, b); }
