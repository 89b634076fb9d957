/* records_encode.c - a batch turned into a write request, in the caller's
 * thread (so concurrent requests encode in parallel): text fields split
 * into skeletons, shapes and blobs (records_codec.c, records_shape.c),
 * blobs deduplicated within the request, hashed, and compressed unless the
 * writer's cache says they are stored already. */
#include "util/mem.h"
#include "store/records_int.h"
#include "util/arena.h"

#include <stdlib.h>
#include <string.h>

#define SKEL_Z_MIN 256         /* skeletons from this size are compressed */
#define RESIDUAL_MAX (64u << 10)

/* Per-thread zstd compression context (callers compress in parallel). */
static pthread_key_t cc_key;
static pthread_once_t cc_once = PTHREAD_ONCE_INIT;
static void cc_free(void *p) { ZSTD_freeCCtx(p); }
static void cc_init(void) { pthread_key_create(&cc_key, cc_free); }
ZSTD_CCtx *rec_thread_cctx(void)
{
    pthread_once(&cc_once, cc_init);
    ZSTD_CCtx *c = pthread_getspecific(cc_key);
    if (!c && (c = ZSTD_createCCtx()))
        pthread_setspecific(cc_key, c);
    return c;
}

typedef struct fenc {
    records *r;
    rec_wreq *q;
    int64_t t;
    int searchable;
    buf refs;         /* uint32 blob indexes of the field being split */
    buf sb;           /* uint32 searchable blob indexes of the call */
    buf *resid;       /* short text values of the searchable field being split */
    buf skel, scratch, ztmp, shape, values;
} fenc;

static int blob_index(fenc *f, slice text, int stable, uint32_t *out)
{
    rec_wreq *q = f->q;
    uint8_t h[16];
    rec_hash128(text.p, text.n, f->r->hkey, h);
    uint64_t hv;
    memcpy(&hv, h, 8);
    if ((q->nblobs + 1) * 2 > q->btcap) {
        size_t cap = q->btcap ? q->btcap * 2 : 64;
        uint32_t *t = calloc(cap, sizeof *t);
        if (!t)
            return LOUPE_ENOMEM;
        for (size_t k = 0; k < q->nblobs; k++) {
            uint64_t v;
            memcpy(&v, q->blobs[k].h, 8);
            size_t j = (size_t)v & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = (uint32_t)k + 1;
        }
        free(q->bt);
        q->bt = t;
        q->btcap = cap;
    }
    size_t j = (size_t)hv & (q->btcap - 1);
    for (; q->bt[j]; j = (j + 1) & (q->btcap - 1)) {
        rec_pblob *b = &q->blobs[q->bt[j] - 1];
        if (!memcmp(b->h, h, 16) && b->text.n == text.n) {
            if (f->t > b->tmax)
                b->tmax = f->t;
            b->searchable |= (uint8_t)f->searchable;
            *out = q->bt[j] - 1;
            return 0;
        }
    }
    if (q->nblobs == q->capblobs) {
        size_t cap = q->capblobs ? q->capblobs * 2 : 32;
        rec_pblob *nb = realloc(q->blobs, cap * sizeof *nb);
        if (!nb)
            return LOUPE_ENOMEM;
        q->blobs = nb;
        q->capblobs = cap;
    }
    rec_pblob *b = &q->blobs[q->nblobs];
    memset(b, 0, sizeof *b);
    memcpy(b->h, h, 16);
    b->tmax = f->t;
    b->searchable = (uint8_t)f->searchable;
    if (!stable) {
        char *copy = arena_strndup(q->a, (const char *)text.p, text.n);
        if (!copy)
            return LOUPE_ENOMEM;
        text = slice_make(copy, text.n);
    }
    b->text = text;
    /* compress here, in parallel with other callers, unless the writer has
     * it already */
    int known = 0;
    pthread_mutex_lock(&f->r->hc_mu);
    hcent *c = &f->r->hc[rec_hc_slot(h)];
    known = c->id && !memcmp(c->h, h, 16) && c->len == text.n;
    pthread_mutex_unlock(&f->r->hc_mu);
    if (!known) {
        f->ztmp.n = 0;
        if (rec_blob_pack(f->r, text, &f->ztmp))
            return LOUPE_ENOMEM;
        char *z = arena_strndup(q->a, (const char *)f->ztmp.p, f->ztmp.n);
        if (!z)
            return LOUPE_ENOMEM;
        b->z = slice_make(z, f->ztmp.n);
        b->zstate = 1;
    }
    q->bt[j] = (uint32_t)++q->nblobs;
    *out = (uint32_t)(q->nblobs - 1);
    return 0;
}

static int push_u32(buf *b, uint32_t v) { return buf_append(b, &v, sizeof v); }

/* Adds a blob to the call's searchable list (once). */
static int add_sb(fenc *f, uint32_t idx)
{
    const uint32_t *v = (const uint32_t *)f->sb.p;
    for (size_t k = 0; k < f->sb.n / 4; k++)
        if (v[k] == idx)
            return 0;
    return push_u32(&f->sb, idx) ? LOUPE_ENOMEM : 0;
}

static int on_cut(void *ctx, slice text, int stable)
{
    fenc *f = ctx;
    uint32_t idx;
    int rc = blob_index(f, text, stable, &idx);
    if (rc || (rc = push_u32(&f->refs, idx) ? LOUPE_ENOMEM : 0))
        return rc;
    return f->searchable ? add_sb(f, idx) : 0;
}

/* Short values of a searchable field (left in its skeleton) are indexed
 * through one more blob per field; roles and type tags would only add
 * noise. */
static int on_value(void *ctx, slice key, slice text)
{
    fenc *f = ctx;
    static const char *const skip[] = { "role", "type", "id", "tool_call_id", "finish_reason", "object" };
    for (size_t i = 0; i < sizeof skip / sizeof *skip; i++)
        if (slice_eq_cstr(key, skip[i]))
            return 0;
    int word = 0;
    for (size_t i = 0; i < text.n && !word; i++)
        word = text.p[i] >= 0x80 || (unsigned)((text.p[i] | 0x20) - 'a') < 26u || (unsigned)(text.p[i] - '0') < 10u;
    if (!word || f->resid->n + text.n + 1 > RESIDUAL_MAX)
        return 0;
    if ((f->resid->n && buf_putc(f->resid, '\n')) || buf_append(f->resid, text.p, text.n))
        return LOUPE_ENOMEM;
    return 0;
}

enum { ENC_PLAIN = 0, ENC_SEARCH = 1, ENC_WHOLE = 2 };
#define WHOLE_MIN 32 /* resources are stored whole, as one shared blob, from this size */
#define SHAPE_MIN 32 /* JSON from this size is stored as shape + values */

/* Encodes one text field.  ENC_SEARCH: prompt / completion / messages
 * (their blobs are indexed); ENC_WHOLE: a text that repeats as a whole
 * (resource attributes: the same on every record of a process). */
static int enc_field(fenc *f, slice in, int mode, rec_pfield *out)
{
    rec_wreq *q = f->q;
    int searchable = mode == ENC_SEARCH;
    memset(out, 0, sizeof *out);
    if (in.n == 0) {
        out->kind = F_NONE;
        return 0;
    }
    if (mode == ENC_WHOLE && in.n >= WHOLE_MIN) {
        f->searchable = 0;
        out->kind = REC_FIELD_BLOB;
        out->nrefs = 1;
        if (!(out->refs = arena_alloc(q->a, sizeof *out->refs)))
            return LOUPE_ENOMEM;
        return blob_index(f, in, 1, &out->refs[0]);
    }
    f->searchable = searchable;
    f->refs.n = 0;
    f->skel.n = 0;
    f->resid->n = 0;
    rec_split_cb cb = { f, on_cut, searchable ? on_value : NULL };
    int kind = rec_field_split(in, &cb, &f->skel, &f->scratch);
    if (kind < 0)
        return kind;
    if (f->resid->n) { /* the field's short texts, searchable as one blob */
        uint32_t idx;
        int rc = blob_index(f, buf_slice(f->resid), 0, &idx);
        if (rc || (rc = add_sb(f, idx)))
            return rc;
    }
    out->kind = (uint8_t)kind;
    out->nrefs = (uint32_t)(f->refs.n / 4);
    if (out->nrefs) {
        out->refs = arena_alloc(q->a, f->refs.n);
        if (!out->refs)
            return LOUPE_ENOMEM;
        memcpy(out->refs, f->refs.p, f->refs.n);
    }
    /* JSON: the shape once, as a shared blob; the values in the row */
    slice src = kind == REC_FIELD_SKEL ? buf_slice(&f->skel) : in;
    if ((kind == REC_FIELD_SKEL || (kind == REC_FIELD_RAW && rec_json_like(in))) && src.n >= SHAPE_MIN) {
        size_t nv;
        f->shape.n = f->values.n = 0;
        int rc = rec_shape_split(src, &f->shape, &f->values, &nv);
        if (rc == LOUPE_ENOMEM)
            return rc;
        if (rc == 0) {
            f->searchable = 0;
            if ((rc = blob_index(f, buf_slice(&f->shape), 0, &out->shape)))
                return rc;
            q->blobs[out->shape].shape = 1;
            /* values compress well only with the trained dictionary (before
             * it exists the writer samples them raw) */
            uint32_t did = 0;
            buf *body = &f->values;
            out->kind = REC_FIELD_SHAPE;
            if (f->values.n >= 48 && rec_zdict_cdict(f->r, REC_ZK_VALUES, &did)) {
                f->ztmp.n = 0;
                if ((rc = rec_zcompress(f->r, REC_ZK_VALUES, buf_slice(&f->values), &f->ztmp)) == LOUPE_ENOMEM)
                    return rc;
                if (!rc && f->ztmp.n + 8 < f->values.n) {
                    out->kind = REC_FIELD_SHAPEZ;
                    body = &f->ztmp;
                }
            }
            char *copy = arena_strndup(q->a, (const char *)body->p, body->n);
            if (!copy)
                return LOUPE_ENOMEM;
            out->body = slice_make(copy, body->n);
            return 0;
        }
    }
    if (kind == REC_FIELD_RAW) {
        out->body = in;
    } else if (kind == REC_FIELD_SKEL) {
        ZSTD_CCtx *cc = f->skel.n >= SKEL_Z_MIN ? rec_thread_cctx() : NULL;
        if (cc) {
            f->ztmp.n = 0;
            size_t cap = ZSTD_compressBound(f->skel.n);
            if (buf_put_uvarint(&f->ztmp, f->skel.n) || buf_reserve(&f->ztmp, cap))
                return LOUPE_ENOMEM;
            size_t zn = ZSTD_compressCCtx(cc, f->ztmp.p + f->ztmp.n, cap, f->skel.p, f->skel.n, REC_ZLEVEL);
            if (!ZSTD_isError(zn) && f->ztmp.n + zn + f->skel.n / 8 < f->skel.n) {
                f->ztmp.n += zn;
                out->kind = REC_FIELD_SKELZ;
            }
        }
        buf *from = out->kind == REC_FIELD_SKELZ ? &f->ztmp : &f->skel;
        char *copy = arena_strndup(q->a, (const char *)from->p, from->n);
        if (!copy)
            return LOUPE_ENOMEM;
        out->body = slice_make(copy, from->n);
    }
    return 0;
}

size_t rec_req_bytes(const rec_batch *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->nspans; i++) {
        const rec_span *s = &b->spans[i];
        n += 256 + s->service.n + s->name.n + s->status_message.n + s->attrs_json.n + s->events_json.n +
             s->links_json.n + s->resource_json.n + s->user_id.n + s->session_id.n;
    }
    for (size_t i = 0; i < b->ncalls; i++) {
        const rec_call *c = &b->calls[i];
        n += 256 + c->prompt.n + c->completion.n + c->messages_json.n + c->error.n + c->user_id.n +
             c->session_id.n + c->model.n + c->route.n;
    }
    for (size_t i = 0; i < b->nlogs; i++) {
        const rec_log *l = &b->logs[i];
        n += 256 + l->body.n + l->attrs_json.n + l->resource_json.n;
    }
    return n;
}

static int64_t log_time(const rec_log *l) { return l->time_ns ? l->time_ns : l->observed_ns; }

int rec_encode(records *r, rec_wreq *q)
{
    const rec_batch *b = q->b;
    int64_t cutoff = __atomic_load_n(&r->ret_cutoff, __ATOMIC_RELAXED);
    fenc f = { 0 };
    buf resid = BUF_INIT;
    f.r = r;
    f.q = q;
    f.resid = &resid;
    int rc = LOUPE_ENOMEM;
    q->a = arena_create(64u << 10);
    q->ps = calloc(b->nspans + 1, sizeof *q->ps);
    q->pc = calloc(b->ncalls + 1, sizeof *q->pc);
    q->pl = calloc(b->nlogs + 1, sizeof *q->pl);
    if (!q->a || !q->ps || !q->pc || !q->pl)
        goto cleanup;
    for (size_t i = 0; i < b->nspans; i++) {
        const rec_span *s = &b->spans[i];
        rec_pspan *p = &q->ps[i];
        if ((p->keep = s->start_ns >= cutoff) == 0)
            continue;
        f.t = s->start_ns;
        if ((rc = enc_field(&f, s->status_message, 0, &p->msg)) || (rc = enc_field(&f, s->attrs_json, 0, &p->attrs)) ||
            (rc = enc_field(&f, s->events_json, 0, &p->events)) || (rc = enc_field(&f, s->links_json, 0, &p->links)) ||
            (rc = enc_field(&f, s->resource_json, ENC_WHOLE, &p->resource)))
            goto cleanup;
    }
    for (size_t i = 0; i < b->ncalls; i++) {
        const rec_call *c = &b->calls[i];
        rec_pcall *p = &q->pc[i];
        if ((p->keep = c->start_ns >= cutoff) == 0)
            continue;
        f.t = c->start_ns;
        f.sb.n = 0;
        if ((rc = enc_field(&f, c->error, 0, &p->error)) || (rc = enc_field(&f, c->prompt, ENC_SEARCH, &p->prompt)) ||
            (rc = enc_field(&f, c->completion, ENC_SEARCH, &p->completion)) ||
            (rc = enc_field(&f, c->messages_json, ENC_SEARCH, &p->messages)))
            goto cleanup;
        p->nsb = (uint32_t)(f.sb.n / 4);
        if (p->nsb) {
            rc = LOUPE_ENOMEM;
            if (!(p->sb = arena_alloc(q->a, f.sb.n)))
                goto cleanup;
            memcpy(p->sb, f.sb.p, f.sb.n);
        }
    }
    for (size_t i = 0; i < b->nlogs; i++) {
        const rec_log *l = &b->logs[i];
        rec_plog *p = &q->pl[i];
        p->t = log_time(l);
        if ((p->keep = p->t >= cutoff) == 0)
            continue;
        f.t = p->t;
        if ((rc = enc_field(&f, l->body, 0, &p->body)) || (rc = enc_field(&f, l->attrs_json, 0, &p->attrs)) ||
            (rc = enc_field(&f, l->resource_json, ENC_WHOLE, &p->resource)))
            goto cleanup;
    }
    rc = 0;
cleanup:
    buf_free(&f.refs);
    buf_free(&f.sb);
    buf_free(&f.skel);
    buf_free(&f.scratch);
    buf_free(&f.ztmp);
    buf_free(&f.shape);
    buf_free(&f.values);
    buf_free(&resid);
    return rc;
}

void rec_req_free(rec_wreq *q)
{
    arena_destroy(q->a);
    free(q->blobs);
    free(q->bt);
    free(q->ps);
    free(q->pc);
    free(q->pl);
}
