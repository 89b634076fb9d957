/* records_write.c - records_write(): a batch is encoded in its caller's
 * thread (text fields split into skeletons and blobs, blobs hashed and,
 * unless already stored, compressed), then the writer thread commits every
 * queued request in one SQLite transaction (group commit) and wakes the
 * callers.  The writer also runs flushes and retention passes between
 * commits, so SQLite only ever sees one writing connection. */
#include "util/mem.h"
#include "store/records_int.h"
#include "util/arena.h"
#include "util/hash.h"
#include "util/varint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ZLEVEL 5               /* blobs: small texts gain little above this */
#define SKEL_Z_MIN 256         /* skeletons from this size are compressed */
#define RESIDUAL_MAX (64u << 10)
#define RETAIN_EVERY_NS (600LL * 1000000000) /* retention pass interval */

/* ------------------------------------------------------------ request */

typedef struct pblob {
    uint8_t h[16];
    slice text;
    slice z;          /* zstd frame made by the caller (zstate 2) */
    int64_t tmax;     /* latest time of the rows using it */
    int64_t id;       /* set by the writer */
    uint8_t searchable;
    uint8_t zstate;   /* 0 not made (already stored, it seemed), 1 store raw, 2 z */
} pblob;

#define F_NONE 0xff
typedef struct pfield {
    uint8_t kind;     /* REC_FIELD_* or F_NONE (SQL NULL) */
    uint32_t nrefs;
    uint32_t *refs;   /* indexes into the request's blobs */
    slice body;       /* raw text; skeleton; or varint length + zstd skeleton */
} pfield;

typedef struct pspan {
    pfield msg, attrs, events, links, resource;
    int keep;
} pspan;
typedef struct pcall {
    pfield error, prompt, completion, messages;
    uint32_t *sb;     /* searchable blobs, in order */
    uint32_t nsb;
    int keep;
} pcall;
typedef struct plog {
    pfield body, attrs, resource;
    int64_t t;
    int keep;
} plog;

enum { REQ_WRITE, REQ_FLUSH, REQ_RETAIN };

struct rwreq {
    int type;
    const rec_batch *b;
    rec_write_result res;
    err_ctx *e;
    int rc, done;
    size_t bytes;
    int64_t now_ns;   /* REQ_RETAIN: the clock to use */
    arena *a;
    pblob *blobs;
    size_t nblobs, capblobs;
    uint32_t *bt;     /* open addressing over blob indexes + 1 */
    size_t btcap;
    pspan *ps;
    pcall *pc;
    plog *pl;
    pthread_cond_t cv;
    rwreq *next;
};

/* Per-thread zstd compression context (callers compress in parallel). */
static pthread_key_t cc_key;
static pthread_once_t cc_once = PTHREAD_ONCE_INIT;
static void cc_free(void *p) { ZSTD_freeCCtx(p); }
static void cc_init(void) { pthread_key_create(&cc_key, cc_free); }
static ZSTD_CCtx *thread_cctx(void)
{
    pthread_once(&cc_once, cc_init);
    ZSTD_CCtx *c = pthread_getspecific(cc_key);
    if (!c && (c = ZSTD_createCCtx()))
        pthread_setspecific(cc_key, c);
    return c;
}

static inline size_t hc_slot(const uint8_t h[16])
{
    uint64_t v;
    memcpy(&v, h, 8);
    return (size_t)(v & (((size_t)1 << REC_HC_BITS) - 1));
}

void rec_hc_clear(records *r)
{
    pthread_mutex_lock(&r->hc_mu);
    memset(r->hc, 0, ((size_t)1 << REC_HC_BITS) * sizeof *r->hc);
    pthread_mutex_unlock(&r->hc_mu);
}

/* ------------------------------------------------------------ encoding (caller's thread) */

typedef struct fenc {
    records *r;
    rwreq *q;
    int64_t t;
    int searchable;
    buf refs;         /* uint32 blob indexes of the field being split */
    buf sb;           /* uint32 searchable blob indexes of the call */
    buf *resid;       /* short text values of a call's searchable fields */
    buf skel, scratch, ztmp;
} fenc;

static int blob_index(fenc *f, slice text, int stable, uint32_t *out)
{
    rwreq *q = f->q;
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
        pblob *b = &q->blobs[q->bt[j] - 1];
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
        pblob *nb = realloc(q->blobs, cap * sizeof *nb);
        if (!nb)
            return LOUPE_ENOMEM;
        q->blobs = nb;
        q->capblobs = cap;
    }
    pblob *b = &q->blobs[q->nblobs];
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
    hcent *c = &f->r->hc[hc_slot(h)];
    known = c->id && !memcmp(c->h, h, 16) && c->len == text.n;
    pthread_mutex_unlock(&f->r->hc_mu);
    if (!known) {
        b->zstate = 1;
        ZSTD_CCtx *cc = text.n >= 64 ? thread_cctx() : NULL;
        if (cc) {
            size_t cap = ZSTD_compressBound(text.n);
            uint8_t *dst = arena_alloc(q->a, cap);
            if (!dst)
                return LOUPE_ENOMEM;
            size_t zn = ZSTD_compressCCtx(cc, dst, cap, text.p, text.n, ZLEVEL);
            if (!ZSTD_isError(zn) && zn + text.n / 16 < text.n) {
                b->z = slice_make(dst, zn);
                b->zstate = 2;
            }
        }
    }
    q->bt[j] = (uint32_t)++q->nblobs;
    *out = (uint32_t)(q->nblobs - 1);
    return 0;
}

static int push_u32(buf *b, uint32_t v) { return buf_append(b, &v, sizeof v); }

static int on_cut(void *ctx, slice text, int stable)
{
    fenc *f = ctx;
    uint32_t idx;
    int rc = blob_index(f, text, stable, &idx);
    if (rc || (rc = push_u32(&f->refs, idx) ? LOUPE_ENOMEM : 0))
        return rc;
    if (f->searchable) {
        const uint32_t *v = (const uint32_t *)f->sb.p;
        for (size_t k = 0; k < f->sb.n / 4; k++)
            if (v[k] == idx)
                return 0;
        return push_u32(&f->sb, idx) ? LOUPE_ENOMEM : 0;
    }
    return 0;
}

/* Short values of searchable fields are indexed through one residual blob
 * per call; roles and type tags would only add noise. */
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

static int enc_field(fenc *f, slice in, int searchable, pfield *out)
{
    rwreq *q = f->q;
    memset(out, 0, sizeof *out);
    if (in.n == 0) {
        out->kind = F_NONE;
        return 0;
    }
    f->searchable = searchable;
    f->refs.n = 0;
    f->skel.n = 0;
    rec_split_cb cb = { f, on_cut, searchable ? on_value : NULL };
    int kind = rec_field_split(in, &cb, &f->skel, &f->scratch);
    if (kind < 0)
        return kind;
    out->kind = (uint8_t)kind;
    out->nrefs = (uint32_t)(f->refs.n / 4);
    if (out->nrefs) {
        out->refs = arena_alloc(q->a, f->refs.n);
        if (!out->refs)
            return LOUPE_ENOMEM;
        memcpy(out->refs, f->refs.p, f->refs.n);
    }
    if (kind == REC_FIELD_RAW) {
        out->body = in;
    } else if (kind == REC_FIELD_SKEL) {
        ZSTD_CCtx *cc = f->skel.n >= SKEL_Z_MIN ? thread_cctx() : NULL;
        if (cc) {
            f->ztmp.n = 0;
            size_t cap = ZSTD_compressBound(f->skel.n);
            if (buf_put_uvarint(&f->ztmp, f->skel.n) || buf_reserve(&f->ztmp, cap))
                return LOUPE_ENOMEM;
            size_t zn = ZSTD_compressCCtx(cc, f->ztmp.p + f->ztmp.n, cap, f->skel.p, f->skel.n, ZLEVEL);
            if (!ZSTD_isError(zn) && f->ztmp.n + zn + f->skel.n / 8 < f->skel.n) {
                f->ztmp.n += zn;
                out->kind = REC_FIELD_SKELZ;
            }
        }
        buf *src = out->kind == REC_FIELD_SKELZ ? &f->ztmp : &f->skel;
        char *copy = arena_strndup(q->a, (const char *)src->p, src->n);
        if (!copy)
            return LOUPE_ENOMEM;
        out->body = slice_make(copy, src->n);
    }
    return 0;
}

static size_t req_bytes(const rec_batch *b)
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

static int encode_req(records *r, rwreq *q)
{
    const rec_batch *b = q->b;
    int64_t cutoff = __atomic_load_n(&r->ret_cutoff, __ATOMIC_RELAXED);
    fenc f = { 0 };
    f.r = r;
    f.q = q;
    buf resid = BUF_INIT;
    int rc = LOUPE_ENOMEM;
    q->a = arena_create(64u << 10);
    q->ps = calloc(b->nspans + 1, sizeof *q->ps);
    q->pc = calloc(b->ncalls + 1, sizeof *q->pc);
    q->pl = calloc(b->nlogs + 1, sizeof *q->pl);
    if (!q->a || !q->ps || !q->pc || !q->pl)
        goto cleanup;
    for (size_t i = 0; i < b->nspans; i++) {
        const rec_span *s = &b->spans[i];
        pspan *p = &q->ps[i];
        if ((p->keep = s->start_ns >= cutoff) == 0)
            continue;
        f.t = s->start_ns;
        f.resid = NULL;
        if ((rc = enc_field(&f, s->status_message, 0, &p->msg)) || (rc = enc_field(&f, s->attrs_json, 0, &p->attrs)) ||
            (rc = enc_field(&f, s->events_json, 0, &p->events)) || (rc = enc_field(&f, s->links_json, 0, &p->links)) ||
            (rc = enc_field(&f, s->resource_json, 0, &p->resource)))
            goto cleanup;
    }
    for (size_t i = 0; i < b->ncalls; i++) {
        const rec_call *c = &b->calls[i];
        pcall *p = &q->pc[i];
        if ((p->keep = c->start_ns >= cutoff) == 0)
            continue;
        f.t = c->start_ns;
        f.resid = &resid;
        f.sb.n = 0;
        resid.n = 0;
        if ((rc = enc_field(&f, c->error, 0, &p->error)) || (rc = enc_field(&f, c->prompt, 1, &p->prompt)) ||
            (rc = enc_field(&f, c->completion, 1, &p->completion)) ||
            (rc = enc_field(&f, c->messages_json, 1, &p->messages)))
            goto cleanup;
        if (resid.n) {
            f.searchable = 1;
            if ((rc = on_cut(&f, buf_slice(&resid), 0)))
                goto cleanup;
        }
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
        plog *p = &q->pl[i];
        p->t = log_time(l);
        if ((p->keep = p->t >= cutoff) == 0)
            continue;
        f.t = p->t;
        f.resid = NULL;
        if ((rc = enc_field(&f, l->body, 0, &p->body)) || (rc = enc_field(&f, l->attrs_json, 0, &p->attrs)) ||
            (rc = enc_field(&f, l->resource_json, 0, &p->resource)))
            goto cleanup;
    }
    rc = 0;
cleanup:
    buf_free(&f.refs);
    buf_free(&f.sb);
    buf_free(&f.skel);
    buf_free(&f.scratch);
    buf_free(&f.ztmp);
    buf_free(&resid);
    return rc;
}

static void req_free(rwreq *q)
{
    arena_destroy(q->a);
    free(q->blobs);
    free(q->bt);
    free(q->ps);
    free(q->pc);
    free(q->pl);
}

/* Queues a request and waits for the writer to finish it. */
static int submit(records *r, rwreq *q, err_ctx *e)
{
    pthread_cond_init(&q->cv, NULL);
    pthread_mutex_lock(&r->q_mu);
    if (r->stopping) {
        pthread_mutex_unlock(&r->q_mu);
        pthread_cond_destroy(&q->cv);
        return err_set(e, LOUPE_ECANCELED, "the records store is shutting down");
    }
    if (r->q_head && r->q_bytes + q->bytes > r->o.max_pending_bytes) {
        size_t pending = r->q_bytes;
        pthread_mutex_unlock(&r->q_mu);
        pthread_cond_destroy(&q->cv);
        return err_set(e, LOUPE_EBUSY, "records write queue full (%zu bytes pending); retry later", pending);
    }
    if (r->q_tail)
        r->q_tail->next = q;
    else
        r->q_head = q;
    r->q_tail = q;
    r->q_bytes += q->bytes;
    pthread_cond_signal(&r->q_cv);
    while (!q->done)
        pthread_cond_wait(&q->cv, &r->q_mu);
    pthread_mutex_unlock(&r->q_mu);
    pthread_cond_destroy(&q->cv);
    return q->rc;
}

int records_write(records *r, const rec_batch *b, rec_write_result *res, err_ctx *e)
{
    memset(res, 0, sizeof *res);
    if (!b->nspans && !b->ncalls && !b->nlogs)
        return 0;
    rwreq q = { 0 };
    q.type = REQ_WRITE;
    q.b = b;
    q.e = e;
    q.bytes = req_bytes(b);
    /* refuse early when the queue is full, before spending CPU on encoding */
    pthread_mutex_lock(&r->q_mu);
    int full = r->q_head && r->q_bytes + q.bytes > r->o.max_pending_bytes;
    size_t pending = r->q_bytes;
    pthread_mutex_unlock(&r->q_mu);
    if (full)
        return err_set(e, LOUPE_EBUSY, "records write queue full (%zu bytes pending); retry later", pending);
    int rc = encode_req(r, &q);
    if (rc)
        err_set(e, rc, "out of memory encoding records");
    else if ((rc = submit(r, &q, e)) == 0)
        *res = q.res;
    req_free(&q);
    return rc;
}

int records_flush(records *r, err_ctx *e)
{
    rwreq q = { 0 };
    q.type = REQ_FLUSH;
    q.e = e;
    return submit(r, &q, e);
}

int records_retain(records *r, int64_t now_ns, err_ctx *e)
{
    rwreq q = { 0 };
    q.type = REQ_RETAIN;
    q.e = e;
    q.now_ns = now_ns ? now_ns : rec_now_ns();
    return submit(r, &q, e);
}

/* ------------------------------------------------------------ writer state */

typedef struct wdent {
    uint64_t h;
    uint8_t *s;       /* NULL: empty slot */
    uint32_t n;
    int64_t id, last_ns;
} wdent;

typedef struct wop {
    int64_t svc, name; /* name 0: the service's own entry */
    int kind;
    int64_t last_ns;
    int used;
} wop;

typedef struct wstate {
    wdent *d;
    size_t dcap, dn;
    int64_t next_dict;
    wop *ops;
    size_t ocap, on;
    buf col[6], tmp, ids;
    int retaining;     /* a retention pass is under way */
    int64_t pass_cutoff;
} wstate;

static void dict_cache_clear(wstate *w)
{
    for (size_t i = 0; i < w->dcap; i++)
        free(w->d[i].s);
    memset(w->d, 0, w->dcap * sizeof *w->d);
    w->dn = 0;
}

static void caches_clear(records *r)
{
    wstate *w = r->ws;
    dict_cache_clear(w);
    memset(w->ops, 0, w->ocap * sizeof *w->ops);
    w->on = 0;
    rec_hc_clear(r);
}

static int sql_fail(records *r, err_ctx *e, const char *what)
{
    return err_set(e, LOUPE_EIO, "records: %s: %s", what, sqlite3_errmsg(r->wc->db));
}

static int step_done(records *r, sqlite3_stmt *st, err_ctx *e, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sql_fail(r, e, what);
}

/* The id of a dictionary string (0 for empty), inserting it when new; its
 * last_ns covers time t. */
static int dict_id(records *r, slice s, int64_t t, int64_t *id, err_ctx *e)
{
    wstate *w = r->ws;
    *id = 0;
    if (s.n == 0)
        return 0;
    int64_t need = rec_hour_up(t);
    uint64_t h = hash_bytes(s.p, s.n, 0x6c6f757065ULL);
    size_t j = (size_t)h & (w->dcap - 1);
    for (; w->d[j].s; j = (j + 1) & (w->dcap - 1))
        if (w->d[j].h == h && w->d[j].n == s.n && !memcmp(w->d[j].s, s.p, s.n))
            break;
    wdent *d = &w->d[j];
    if (!d->s) {
        int64_t found = 0, last = 0;
        sqlite3_stmt *st = rconn_stmt(r->wc, "SELECT id, last_ns FROM dict WHERE s=?1", e);
        if (!st)
            return e->code;
        sqlite3_bind_blob(st, 1, s.p, (int)s.n, SQLITE_STATIC);
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW)
            found = sqlite3_column_int64(st, 0), last = sqlite3_column_int64(st, 1);
        sqlite3_reset(st);
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            return sql_fail(r, e, "dictionary");
        if (!found) {
            found = w->next_dict++;
            last = need;
            if (!(st = rconn_stmt(r->wc, "INSERT INTO dict(id, s, last_ns) VALUES(?1, ?2, ?3)", e)))
                return e->code;
            sqlite3_bind_int64(st, 1, found);
            sqlite3_bind_blob(st, 2, s.p, (int)s.n, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, need);
            if (step_done(r, st, e, "dictionary insert"))
                return e->code;
        }
        if ((w->dn + 1) * 2 > w->dcap) { /* bounded: start over */
            dict_cache_clear(w);
            j = (size_t)h & (w->dcap - 1);
        }
        d = &w->d[j];
        if (!(d->s = malloc(s.n)))
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        memcpy(d->s, s.p, s.n);
        d->n = (uint32_t)s.n;
        d->h = h;
        d->id = found;
        d->last_ns = last;
        w->dn++;
    }
    if (d->last_ns < need) {
        sqlite3_stmt *st = rconn_stmt(r->wc, "UPDATE dict SET last_ns=?1 WHERE id=?2", e);
        if (!st)
            return e->code;
        sqlite3_bind_int64(st, 1, need);
        sqlite3_bind_int64(st, 2, d->id);
        if (step_done(r, st, e, "dictionary update"))
            return e->code;
        d->last_ns = need;
    }
    *id = d->id;
    return 0;
}

/* Keeps svc / ops rows (what /api/services reads) current. */
static int touch_op(records *r, int64_t svc, int64_t name, int kind, int64_t t, err_ctx *e)
{
    wstate *w = r->ws;
    int64_t need = rec_hour_up(t);
    uint64_t h = hash_u64((uint64_t)svc * 0x9e3779b97f4a7c15ULL ^ (uint64_t)name * 31 ^ (uint64_t)(kind + 7));
    size_t j = (size_t)h & (w->ocap - 1);
    for (; w->ops[j].used; j = (j + 1) & (w->ocap - 1))
        if (w->ops[j].svc == svc && w->ops[j].name == name && w->ops[j].kind == kind)
            break;
    if (w->ops[j].used && w->ops[j].last_ns >= need)
        return 0;
    sqlite3_stmt *st = name ? rconn_stmt(r->wc,
                                         "INSERT INTO ops(service, name, kind, last_ns) VALUES(?1, ?2, ?3, ?4) "
                                         "ON CONFLICT DO UPDATE SET last_ns=max(last_ns, excluded.last_ns)",
                                         e)
                            : rconn_stmt(r->wc,
                                         "INSERT INTO svc(service, last_ns) VALUES(?1, ?4) "
                                         "ON CONFLICT DO UPDATE SET last_ns=max(last_ns, excluded.last_ns)",
                                         e);
    if (!st)
        return e->code;
    sqlite3_bind_int64(st, 1, svc);
    if (name) {
        sqlite3_bind_int64(st, 2, name);
        sqlite3_bind_int(st, 3, kind);
    }
    sqlite3_bind_int64(st, 4, need);
    if (step_done(r, st, e, "operations"))
        return e->code;
    if (!w->ops[j].used) {
        if ((w->on + 1) * 2 > w->ocap) {
            memset(w->ops, 0, w->ocap * sizeof *w->ops);
            w->on = 0;
            j = (size_t)h & (w->ocap - 1);
        }
        w->on++;
    }
    w->ops[j] = (wop){ svc, name, kind, need, 1 };
    return 0;
}

/* Finds or stores one blob of a request; indexes it for search when a
 * searchable field uses it. */
static int blob_resolve(records *r, pblob *b, rec_delta *d, err_ctx *e)
{
    wstate *w = r->ws;
    int64_t need = rec_hour_up(b->tmax);
    hcent c = { 0 };
    int cached = 0, collided = 0;
    pthread_mutex_lock(&r->hc_mu);
    hcent *slot = &r->hc[hc_slot(b->h)];
    if (slot->id && !memcmp(slot->h, b->h, 16) && slot->len == b->text.n) {
        c = *slot;
        cached = 1;
    }
    pthread_mutex_unlock(&r->hc_mu);
    sqlite3_stmt *st;
    if (!cached) {
        if (!(st = rconn_stmt(r->wc, "SELECT id, raw_len, last_ns, fts FROM blobs WHERE h=?1", e)))
            return e->code;
        sqlite3_bind_blob(st, 1, b->h, 16, SQLITE_STATIC);
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            c.id = sqlite3_column_int64(st, 0);
            c.len = (uint32_t)sqlite3_column_int64(st, 1);
            c.last_ns = sqlite3_column_int64(st, 2);
            c.fts = (uint8_t)sqlite3_column_int(st, 3);
        }
        sqlite3_reset(st);
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            return sql_fail(r, e, "blob lookup");
        if (c.id) { /* same hash: the same content, or a collision to keep apart */
            w->tmp.n = 0;
            int rc = rconn_blob(r->wc, (uint64_t)c.id, &w->tmp);
            if (rc)
                return err_set(e, rc, "records: reading blob %lld", (long long)c.id);
            if (c.len != b->text.n || w->tmp.n != b->text.n || memcmp(w->tmp.p, b->text.p, b->text.n)) {
                collided = 1;
                c.id = 0;
            }
        }
        if (!c.id) {
            /* a new blob; compress it now if the caller thought it stored */
            if (b->zstate == 0) {
                b->zstate = 1;
                ZSTD_CCtx *cc = b->text.n >= 64 ? thread_cctx() : NULL;
                w->ids.n = 0;
                size_t cap = ZSTD_compressBound(b->text.n);
                if (cc && !buf_reserve(&w->ids, cap)) {
                    size_t zn = ZSTD_compressCCtx(cc, w->ids.p, cap, b->text.p, b->text.n, ZLEVEL);
                    if (!ZSTD_isError(zn) && zn + b->text.n / 16 < b->text.n) {
                        b->z = slice_make(w->ids.p, zn);
                        b->zstate = 2;
                    }
                }
            }
            slice z = b->zstate == 2 ? b->z : b->text;
            w->tmp.n = 0;
            if (buf_putc(&w->tmp, b->zstate == 2 ? 1 : 0) || buf_append(&w->tmp, z.p, z.n))
                return err_set(e, LOUPE_ENOMEM, "out of memory");
            if (!(st = rconn_stmt(r->wc,
                                  "INSERT INTO blobs(h, raw_len, last_ns, fts, z) VALUES(?1, ?2, ?3, 0, ?4)", e)))
                return e->code;
            if (collided)
                sqlite3_bind_null(st, 1);
            else
                sqlite3_bind_blob(st, 1, b->h, 16, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, (int64_t)b->text.n);
            sqlite3_bind_int64(st, 3, need);
            sqlite3_bind_blob(st, 4, w->tmp.p, (int)w->tmp.n, SQLITE_STATIC);
            if (step_done(r, st, e, "blob insert"))
                return e->code;
            c.id = sqlite3_last_insert_rowid(r->wc->db);
            c.len = (uint32_t)b->text.n;
            c.last_ns = need;
            c.fts = 0;
            d->blobs++;
            d->blob_bytes += (int64_t)w->tmp.n;
            d->blob_raw += (int64_t)b->text.n;
        }
    }
    b->id = c.id;
    if (c.last_ns < need) {
        if (!(st = rconn_stmt(r->wc, "UPDATE blobs SET last_ns=?1 WHERE id=?2", e)))
            return e->code;
        sqlite3_bind_int64(st, 1, need);
        sqlite3_bind_int64(st, 2, c.id);
        if (step_done(r, st, e, "blob update"))
            return e->code;
        c.last_ns = need;
    }
    if (b->searchable && !c.fts) {
        /* indexed once, however many calls share it */
        if (!(st = rconn_stmt(r->wc, "INSERT INTO fts(rowid, t) VALUES(?1, ?2)", e)))
            return e->code;
        sqlite3_bind_int64(st, 1, c.id);
        sqlite3_bind_text(st, 2, b->text.n ? (const char *)b->text.p : "", (int)b->text.n, SQLITE_STATIC);
        if (step_done(r, st, e, "full-text insert"))
            return e->code;
        if (!(st = rconn_stmt(r->wc, "UPDATE blobs SET fts=1 WHERE id=?1", e)))
            return e->code;
        sqlite3_bind_int64(st, 1, c.id);
        if (step_done(r, st, e, "blob update"))
            return e->code;
        c.fts = 1;
    }
    if (!collided) {
        memcpy(c.h, b->h, 16);
        pthread_mutex_lock(&r->hc_mu);
        r->hc[hc_slot(b->h)] = c;
        pthread_mutex_unlock(&r->hc_mu);
    }
    return 0;
}

/* The column bytes of a field (NULL when empty). */
static int bind_field(records *r, sqlite3_stmt *st, int col, const pfield *f, const rwreq *q, buf *out)
{
    if (f->kind == F_NONE)
        return sqlite3_bind_null(st, col) == SQLITE_OK ? 0 : LOUPE_EIO;
    out->n = 0;
    if (buf_putc(out, f->kind))
        return LOUPE_ENOMEM;
    if (f->kind == REC_FIELD_SKEL || f->kind == REC_FIELD_SKELZ)
        if (buf_put_uvarint(out, f->nrefs))
            return LOUPE_ENOMEM;
    for (uint32_t k = 0; k < f->nrefs; k++)
        if (buf_put_uvarint(out, (uint64_t)q->blobs[f->refs[k]].id))
            return LOUPE_ENOMEM;
    if (buf_append(out, f->body.p, f->body.n))
        return LOUPE_ENOMEM;
    (void)r;
    return sqlite3_bind_blob(st, col, out->p, (int)out->n, SQLITE_STATIC) == SQLITE_OK ? 0 : LOUPE_EIO;
}

static void bind_id(sqlite3_stmt *st, int col, int64_t id)
{
    if (id)
        sqlite3_bind_int64(st, col, id);
    else
        sqlite3_bind_null(st, col);
}

static void bind_tok(sqlite3_stmt *st, int col, int64_t v)
{
    if (v >= 0)
        sqlite3_bind_int64(st, col, v);
}

static void bind_real(sqlite3_stmt *st, int col, double v)
{
    if (!isnan(v))
        sqlite3_bind_double(st, col, v);
}

#define BIND_FIELD(n_, fld_, k_)                                                                                     \
    do {                                                                                                             \
        if ((rc = bind_field(r, st, n_, fld_, q, &w->col[k_])))                                                      \
            return err_set(e, rc, "records: binding a field");                                                      \
    } while (0)

static int put_span(records *r, rwreq *q, size_t i, rec_delta *d, err_ctx *e)
{
    wstate *w = r->ws;
    const rec_span *s = &q->b->spans[i];
    const pspan *p = &q->ps[i];
    int64_t t = s->start_ns, svc, name, sn, sv, user, sess;
    int rc;
    if ((rc = dict_id(r, s->service, t, &svc, e)) || (rc = dict_id(r, s->name, t, &name, e)) ||
        (rc = dict_id(r, s->scope_name, t, &sn, e)) || (rc = dict_id(r, s->scope_version, t, &sv, e)) ||
        (rc = dict_id(r, s->user_id, t, &user, e)) || (rc = dict_id(r, s->session_id, t, &sess, e)))
        return rc;
    static const char *const sql[2] = {
        "INSERT OR IGNORE INTO spans(trace_id, span_id, parent_id, service, name, kind, start_ns, dur_ns, status,"
        " status_msg, attrs, events, links, resource, scope_name, scope_version, user_id, session_id)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        /* a retried export replaces the span */
        "UPDATE spans SET parent_id=?3, service=?4, name=?5, kind=?6, start_ns=?7, dur_ns=?8, status=?9,"
        " status_msg=?10, attrs=?11, events=?12, links=?13, resource=?14, scope_name=?15, scope_version=?16,"
        " user_id=?17, session_id=?18 WHERE trace_id=?1 AND span_id=?2",
    };
    for (int pass = 0; pass < 2; pass++) {
        sqlite3_stmt *st = rconn_stmt(r->wc, sql[pass], e);
        if (!st)
            return e->code;
        sqlite3_bind_blob(st, 1, s->trace_id, 16, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, s->span_id, 8, SQLITE_STATIC);
        if (s->has_parent)
            sqlite3_bind_blob(st, 3, s->parent_id, 8, SQLITE_STATIC);
        bind_id(st, 4, svc);
        bind_id(st, 5, name);
        sqlite3_bind_int(st, 6, s->kind);
        sqlite3_bind_int64(st, 7, s->start_ns);
        sqlite3_bind_int64(st, 8, (int64_t)((uint64_t)s->end_ns - (uint64_t)s->start_ns));
        sqlite3_bind_int(st, 9, s->status_code);
        BIND_FIELD(10, &p->msg, 0);
        BIND_FIELD(11, &p->attrs, 1);
        BIND_FIELD(12, &p->events, 2);
        BIND_FIELD(13, &p->links, 3);
        BIND_FIELD(14, &p->resource, 4);
        bind_id(st, 15, sn);
        bind_id(st, 16, sv);
        bind_id(st, 17, user);
        bind_id(st, 18, sess);
        if (step_done(r, st, e, pass ? "span update" : "span insert"))
            return e->code;
        if (pass == 0 && sqlite3_changes(r->wc->db) == 1) {
            d->spans++;
            break;
        }
    }
    if (svc && ((rc = touch_op(r, svc, 0, 0, t, e)) || (name && (rc = touch_op(r, svc, name, s->kind, t, e)))))
        return rc;
    return 0;
}

static int put_call(records *r, rwreq *q, size_t i, rec_delta *d, err_ctx *e)
{
    wstate *w = r->ws;
    const rec_call *c = &q->b->calls[i];
    const pcall *p = &q->pc[i];
    int64_t t = c->start_ns, id[8];
    slice names[8] = { c->service, c->user_id, c->session_id, c->provider, c->model, c->route, c->template_name,
                       c->finish_reason };
    int rc;
    for (int k = 0; k < 8; k++)
        if ((rc = dict_id(r, names[k], t, &id[k], e)))
            return rc;
    sqlite3_stmt *st = rconn_stmt(
        r->wc,
        "INSERT INTO calls(start_ns, dur_ns, trace_id, span_id, service, user_id, session_id, provider, model, route,"
        " template, status, error, finish, in_tok, out_tok, cached_tok, cwrite_tok, reason_tok, cost, cost_src,"
        " latency, ttft, prompt, completion, messages, sblobs) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
        " ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
        e);
    if (!st)
        return e->code;
    sqlite3_bind_int64(st, 1, c->start_ns);
    sqlite3_bind_int64(st, 2, (int64_t)((uint64_t)c->end_ns - (uint64_t)c->start_ns));
    static const uint8_t zero[16];
    if (memcmp(c->trace_id, zero, 16))
        sqlite3_bind_blob(st, 3, c->trace_id, 16, SQLITE_STATIC);
    if (memcmp(c->span_id, zero, 8))
        sqlite3_bind_blob(st, 4, c->span_id, 8, SQLITE_STATIC);
    for (int k = 0; k < 7; k++)
        bind_id(st, 5 + k, id[k]);
    sqlite3_bind_int(st, 12, c->status);
    BIND_FIELD(13, &p->error, 0);
    bind_id(st, 14, id[7]);
    bind_tok(st, 15, c->input_tokens);
    bind_tok(st, 16, c->output_tokens);
    bind_tok(st, 17, c->cached_input_tokens);
    bind_tok(st, 18, c->cache_write_tokens);
    bind_tok(st, 19, c->reasoning_tokens);
    bind_real(st, 20, c->cost_usd);
    sqlite3_bind_int(st, 21, c->cost_source);
    bind_real(st, 22, c->latency_ms);
    bind_real(st, 23, c->ttft_ms);
    BIND_FIELD(24, &p->prompt, 1);
    BIND_FIELD(25, &p->completion, 2);
    BIND_FIELD(26, &p->messages, 3);
    buf *sb = &w->col[4];
    sb->n = 0;
    for (uint32_t k = 0; k < p->nsb; k++)
        if (buf_put_uvarint(sb, (uint64_t)q->blobs[p->sb[k]].id))
            return err_set(e, LOUPE_ENOMEM, "out of memory");
    if (sb->n)
        sqlite3_bind_blob(st, 27, sb->p, (int)sb->n, SQLITE_STATIC);
    if (step_done(r, st, e, "call insert"))
        return e->code;
    int64_t call_id = sqlite3_last_insert_rowid(r->wc->db);
    d->calls++;
    if (!(st = rconn_stmt(r->wc, "INSERT OR IGNORE INTO call_blob(blob_id, call_id) VALUES(?1, ?2)", e)))
        return e->code;
    for (uint32_t k = 0; k < p->nsb; k++) {
        sqlite3_bind_int64(st, 1, q->blobs[p->sb[k]].id);
        sqlite3_bind_int64(st, 2, call_id);
        if (step_done(r, st, e, "call_blob insert"))
            return e->code;
    }
    return 0;
}

static int put_log(records *r, rwreq *q, size_t i, rec_delta *d, err_ctx *e)
{
    wstate *w = r->ws;
    const rec_log *l = &q->b->logs[i];
    const plog *p = &q->pl[i];
    int64_t svc, sev, ev;
    int rc;
    if ((rc = dict_id(r, l->service, p->t, &svc, e)) || (rc = dict_id(r, l->severity_text, p->t, &sev, e)) ||
        (rc = dict_id(r, l->event_name, p->t, &ev, e)))
        return rc;
    sqlite3_stmt *st = rconn_stmt(r->wc,
                                  "INSERT INTO logs(t, time_ns, observed_ns, severity, severity_text, body, attrs,"
                                  " resource, service, event, trace_id, span_id)"
                                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                                  e);
    if (!st)
        return e->code;
    sqlite3_bind_int64(st, 1, p->t);
    sqlite3_bind_int64(st, 2, l->time_ns);
    sqlite3_bind_int64(st, 3, l->observed_ns);
    sqlite3_bind_int(st, 4, l->severity_number);
    bind_id(st, 5, sev);
    BIND_FIELD(6, &p->body, 0);
    BIND_FIELD(7, &p->attrs, 1);
    BIND_FIELD(8, &p->resource, 2);
    bind_id(st, 9, svc);
    bind_id(st, 10, ev);
    if (l->has_trace_id)
        sqlite3_bind_blob(st, 11, l->trace_id, 16, SQLITE_STATIC);
    if (l->has_span_id)
        sqlite3_bind_blob(st, 12, l->span_id, 8, SQLITE_STATIC);
    if (step_done(r, st, e, "log insert"))
        return e->code;
    d->logs++;
    return 0;
}

/* Writes one request's rows (inside the group's transaction). */
static int apply_req(records *r, rwreq *q, rec_delta *d, err_ctx *e)
{
    int rc;
    int64_t cutoff = r->ret_cutoff;
    for (size_t k = 0; k < q->nblobs; k++)
        if ((rc = blob_resolve(r, &q->blobs[k], d, e)))
            return rc;
    const rec_batch *b = q->b;
    memset(&q->res, 0, sizeof q->res);
    for (size_t i = 0; i < b->nspans; i++) {
        if (!q->ps[i].keep || b->spans[i].start_ns < cutoff)
            continue;
        if ((rc = put_span(r, q, i, d, e)))
            return rc;
        q->res.spans++;
    }
    for (size_t i = 0; i < b->ncalls; i++) {
        if (!q->pc[i].keep || b->calls[i].start_ns < cutoff)
            continue;
        if ((rc = put_call(r, q, i, d, e)))
            return rc;
        q->res.calls++;
    }
    for (size_t i = 0; i < b->nlogs; i++) {
        if (!q->pl[i].keep || q->pl[i].t < cutoff)
            continue;
        if ((rc = put_log(r, q, i, d, e)))
            return rc;
        q->res.logs++;
    }
    return 0;
}

/* ------------------------------------------------------------ writer thread */

static void delta_add(rec_delta *a, const rec_delta *b)
{
    a->spans += b->spans, a->calls += b->calls, a->logs += b->logs;
    a->blobs += b->blobs, a->blob_bytes += b->blob_bytes, a->blob_raw += b->blob_raw;
}

/* Commits the write requests of a list in one transaction; each request
 * inside a savepoint, so one bad request does not fail the others. */
static void commit_writes(records *r, rwreq *list)
{
    int64_t t0 = rec_now_ns();
    sqlite3 *db = r->wc->db;
    rec_delta total = { 0 };
    err_ctx e = { 0 };
    size_t n = 0;
    for (rwreq *q = list; q; q = q->next)
        n += q->type == REQ_WRITE;
    if (!n)
        return;
    if (rec_exec(db, "BEGIN IMMEDIATE", &e)) {
        for (rwreq *q = list; q; q = q->next)
            if (q->type == REQ_WRITE)
                q->rc = err_set(q->e, LOUPE_EIO, "%s", e.msg);
        return;
    }
    for (rwreq *q = list; q; q = q->next) {
        if (q->type != REQ_WRITE)
            continue;
        rec_delta d = { 0 };
        err_ctx qe = { 0 };
        int rc = rec_exec(db, "SAVEPOINT w", &qe);
        if (!rc)
            rc = apply_req(r, q, &d, &qe);
        if (rc) {
            sqlite3_exec(db, "ROLLBACK TO w; RELEASE w", NULL, NULL, NULL);
            caches_clear(r); /* they may name rows that are gone */
            q->rc = err_set(q->e, rc == LOUPE_ENOMEM ? rc : LOUPE_EIO, "%s", qe.msg);
            continue;
        }
        rec_exec(db, "RELEASE w", &qe);
        delta_add(&total, &d);
    }
    int rc = rec_stats_save(r, &total, &e);
    if (!rc)
        rc = rec_exec(db, "COMMIT", &e);
    if (rc) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        caches_clear(r);
        for (rwreq *q = list; q; q = q->next)
            if (q->type == REQ_WRITE && !q->rc)
                q->rc = err_set(q->e, LOUPE_EIO, "%s", e.msg);
        return;
    }
    rec_stats_apply(r, &total);
    __atomic_add_fetch(&r->st_commits, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&r->st_batches, n, __ATOMIC_RELAXED);
    __atomic_add_fetch(&r->st_commit_ns, (uint64_t)(rec_now_ns() - t0), __ATOMIC_RELAXED);
}

static void start_pass(records *r, int64_t now)
{
    wstate *w = r->ws;
    w->retaining = 1;
    r->ret_phase = 0;
    w->pass_cutoff = now - (int64_t)r->o.retention_days * 86400 * 1000000000LL;
    /* from now on rows older than the cutoff are not written: a row written
     * during the pass could otherwise use a blob the pass deletes */
    if (w->pass_cutoff > r->ret_cutoff)
        __atomic_store_n(&r->ret_cutoff, w->pass_cutoff, __ATOMIC_RELAXED);
}

static int retain_step(records *r, err_ctx *e)
{
    wstate *w = r->ws;
    int rc = rec_retain_step(r, w->pass_cutoff, e);
    caches_clear(r); /* they may name deleted blobs or entries */
    if (rc != 1) {
        w->retaining = 0;
        r->next_retain_ns = rec_now_ns() + RETAIN_EVERY_NS;
    }
    return rc < 0 ? rc : 0;
}

static void run_special(records *r, rwreq *q)
{
    err_ctx e = { 0 };
    if (q->type == REQ_FLUSH) {
        int log = 0, ck = 0;
        int rc = sqlite3_wal_checkpoint_v2(r->wc->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &ck);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) /* busy: readers hold old pages; the data is durable anyway */
            q->rc = err_set(q->e, LOUPE_EIO, "records: checkpoint: %s", sqlite3_errmsg(r->wc->db));
    } else if (q->type == REQ_RETAIN && r->o.retention_days > 0) {
        start_pass(r, q->now_ns);
        while (r->ws->retaining && !retain_step(r, &e))
            ;
        if (e.code)
            q->rc = err_set(q->e, e.code, "%s", e.msg);
    }
}

static void *writer_main(void *arg)
{
    records *r = arg;
    wstate *w = r->ws;
    pthread_setname_np(pthread_self(), "loupe-records");
    pthread_mutex_lock(&r->q_mu);
    for (;;) {
        while (!r->q_head && !r->stopping) {
            int64_t now = rec_now_ns();
            if (r->o.retention_days > 0 && (w->retaining || now >= r->next_retain_ns))
                break;
            struct timespec ts;
            int64_t wake = r->o.retention_days > 0 ? r->next_retain_ns : now + RETAIN_EVERY_NS;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t at = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (wake - now);
            ts.tv_sec = at / 1000000000;
            ts.tv_nsec = at % 1000000000;
            pthread_cond_timedwait(&r->q_cv, &r->q_mu, &ts);
        }
        if (!r->q_head && r->stopping)
            break;
        if (!r->q_head) { /* idle: one bounded retention step */
            pthread_mutex_unlock(&r->q_mu);
            err_ctx e = { 0 };
            if (!w->retaining)
                start_pass(r, rec_now_ns());
            retain_step(r, &e);
            pthread_mutex_lock(&r->q_mu);
            continue;
        }
        rwreq *list = r->q_head;
        r->q_head = r->q_tail = NULL;
        r->q_bytes = 0;
        pthread_mutex_unlock(&r->q_mu);

        commit_writes(r, list);
        for (rwreq *q = list; q; q = q->next)
            if (q->type != REQ_WRITE)
                run_special(r, q);

        pthread_mutex_lock(&r->q_mu);
        for (rwreq *q = list; q;) {
            rwreq *next = q->next; /* q lives on its caller's stack: read next first */
            q->done = 1;
            pthread_cond_signal(&q->cv);
            q = next;
        }
    }
    pthread_mutex_unlock(&r->q_mu);
    sqlite3_wal_checkpoint_v2(r->wc->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_exec(r->wc->db, "PRAGMA optimize", NULL, NULL, NULL);
    return NULL;
}

static void wstate_free(wstate *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->dcap; i++)
        free(w->d[i].s);
    free(w->d);
    free(w->ops);
    for (size_t i = 0; i < sizeof w->col / sizeof *w->col; i++)
        buf_free(&w->col[i]);
    buf_free(&w->tmp);
    buf_free(&w->ids);
    free(w);
}

int rec_writer_start(records *r, err_ctx *e)
{
    wstate *w = calloc(1, sizeof *w);
    if (!w)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    w->dcap = 1 << 16;
    w->ocap = 1 << 12;
    w->d = calloc(w->dcap, sizeof *w->d);
    w->ops = calloc(w->ocap, sizeof *w->ops);
    if (!w->d || !w->ops) {
        wstate_free(w);
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    }
    r->ws = w;
    sqlite3_stmt *st = NULL;
    w->next_dict = 1;
    if (sqlite3_prepare_v2(r->wc->db, "SELECT max(id) FROM dict", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        w->next_dict = sqlite3_column_int64(st, 0) + 1;
    sqlite3_finalize(st);
    r->ret_cutoff = INT64_MIN;
    r->next_retain_ns = 0; /* a first pass right after open */
    if (pthread_create(&r->writer, NULL, writer_main, r)) {
        r->ws = NULL;
        wstate_free(w);
        return err_set(e, LOUPE_EINTERNAL, "records: cannot start the writer thread");
    }
    r->writer_started = 1;
    return 0;
}

void rec_writer_stop(records *r)
{
    if (r->writer_started) {
        pthread_mutex_lock(&r->q_mu);
        r->stopping = 1;
        pthread_cond_signal(&r->q_cv);
        pthread_mutex_unlock(&r->q_mu);
        pthread_join(r->writer, NULL);
        r->writer_started = 0;
    }
    wstate_free(r->ws);
    r->ws = NULL;
}
