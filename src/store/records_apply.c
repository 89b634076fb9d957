/* records_apply.c - the writer thread's half of a write: a request's
 * blobs found or stored (and indexed for search once), dictionary ids,
 * the service / operation side tables, and the span, call and log rows,
 * inside the transaction records_write.c holds. */
#include "util/mem.h"
#include "store/records_int.h"
#include "util/hash.h"
#include "util/varint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void dict_cache_clear(rec_wstate *w)
{
    for (size_t i = 0; i < w->dcap; i++)
        free(w->d[i].s);
    memset(w->d, 0, w->dcap * sizeof *w->d);
    w->dn = 0;
}

void rec_caches_clear(records *r)
{
    rec_wstate *w = r->ws;
    dict_cache_clear(w);
    memset(w->ops, 0, w->ocap * sizeof *w->ops);
    w->on = 0;
    rec_hc_clear(r);
}

static int sql_fail(records *r, err_ctx *e, const char *what)
{
    return err_set(e, LOUPE_EIO, "records: %s: %s", what, sqlite3_errmsg(r->wc->db));
}

int rec_step(records *r, sqlite3_stmt *st, err_ctx *e, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sql_fail(r, e, what);
}

/* The id of a dictionary string (0 for empty), inserting it when new; its
 * last_ns covers time t. */
int rec_dict_id(records *r, slice s, int64_t t, int64_t *id, err_ctx *e)
{
    rec_wstate *w = r->ws;
    *id = 0;
    if (s.n == 0)
        return 0;
    int64_t need = rec_hour_up(t);
    uint64_t h = hash_bytes(s.p, s.n, 0x6c6f757065ULL);
    size_t j = (size_t)h & (w->dcap - 1);
    for (; w->d[j].s; j = (j + 1) & (w->dcap - 1))
        if (w->d[j].h == h && w->d[j].n == s.n && !memcmp(w->d[j].s, s.p, s.n))
            break;
    rec_wdent *d = &w->d[j];
    if (!d->s) {
        int64_t found = 0, last = 0;
        sqlite3_stmt *st = rconn_stmt(r->wc, "SELECT id, last_h FROM dict WHERE s=?1", e);
        if (!st)
            return e->code;
        sqlite3_bind_blob(st, 1, s.p, (int)s.n, SQLITE_STATIC);
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW)
            found = sqlite3_column_int64(st, 0), last = sqlite3_column_int64(st, 1) * REC_HOUR_NS;
        sqlite3_reset(st);
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            return sql_fail(r, e, "dictionary");
        if (!found) {
            found = w->next_dict++;
            last = need;
            if (!(st = rconn_stmt(r->wc, "INSERT INTO dict(id, s, last_h) VALUES(?1, ?2, ?3)", e)))
                return e->code;
            sqlite3_bind_int64(st, 1, found);
            sqlite3_bind_blob(st, 2, s.p, (int)s.n, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, need / REC_HOUR_NS);
            if (rec_step(r, st, e, "dictionary insert"))
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
        sqlite3_stmt *st = rconn_stmt(r->wc, "UPDATE dict SET last_h=?1 WHERE id=?2", e);
        if (!st)
            return e->code;
        sqlite3_bind_int64(st, 1, need / REC_HOUR_NS);
        sqlite3_bind_int64(st, 2, d->id);
        if (rec_step(r, st, e, "dictionary update"))
            return e->code;
        d->last_ns = need;
    }
    *id = d->id;
    return 0;
}

/* Keeps svc / ops rows (what /api/services reads) current. */
int rec_touch_op(records *r, int64_t svc, int64_t name, int kind, int64_t t, err_ctx *e)
{
    rec_wstate *w = r->ws;
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
    if (rec_step(r, st, e, "operations"))
        return e->code;
    if (!w->ops[j].used) {
        if ((w->on + 1) * 2 > w->ocap) {
            memset(w->ops, 0, w->ocap * sizeof *w->ops);
            w->on = 0;
            j = (size_t)h & (w->ocap - 1);
        }
        w->on++;
    }
    w->ops[j] = (rec_wop){ svc, name, kind, need, 1 };
    return 0;
}

/* Finds or stores one blob of a request; indexes it for search when a
 * searchable field uses it.  The cache trusts the 128-bit hash; the table
 * keeps 32 bits of it (blobs_hk) and a candidate found there is compared
 * byte for byte. */
static int blob_resolve(records *r, rec_pblob *b, rec_delta *d, err_ctx *e)
{
    rec_wstate *w = r->ws;
    int64_t need = rec_hour_up(b->tmax);
    hcent c = { 0 };
    int cached = 0, rc;
    pthread_mutex_lock(&r->hc_mu);
    hcent *slot = &r->hc[rec_hc_slot(b->h)];
    if (slot->id && !memcmp(slot->h, b->h, 16) && slot->len == b->text.n) {
        c = *slot;
        cached = 1;
    }
    pthread_mutex_unlock(&r->hc_mu);
    sqlite3_stmt *st;
    if (!cached) {
        if (!(st = rconn_stmt(r->wc, "SELECT id, raw_len, last_h, fts FROM blobs WHERE hk=?1", e)))
            return e->code;
        sqlite3_bind_int64(st, 1, rec_blob_hk(b->h));
        int src;
        while (!c.id && (src = sqlite3_step(st)) == SQLITE_ROW) {
            if ((size_t)sqlite3_column_int64(st, 1) != b->text.n)
                continue;
            int64_t id = sqlite3_column_int64(st, 0);
            w->tmp.n = 0;
            if ((rc = rconn_blob(r->wc, (uint64_t)id, &w->tmp))) {
                sqlite3_reset(st);
                return err_set(e, rc, "records: reading blob %lld", (long long)id);
            }
            if (w->tmp.n == b->text.n && !memcmp(w->tmp.p, b->text.p, b->text.n)) {
                c.id = id;
                c.len = (uint32_t)b->text.n;
                c.last_ns = sqlite3_column_int64(st, 2) * REC_HOUR_NS;
                c.fts = (uint8_t)sqlite3_column_int(st, 3);
            }
        }
        sqlite3_reset(st);
        if (!c.id && src != SQLITE_DONE)
            return sql_fail(r, e, "blob lookup");
        if (!c.id) {
            /* a new blob; pack it now if the caller thought it stored */
            if (!b->zstate) {
                w->ids.n = 0;
                if (rec_blob_pack(r, b->text, &w->ids))
                    return err_set(e, LOUPE_ENOMEM, "out of memory");
                b->z = buf_slice(&w->ids);
                b->zstate = 1;
            }
            /* a searchable blob gets its first call's row id soon (in this
             * transaction): a placeholder of that size keeps the update in
             * place (a growing row fragments its page) */
            if (!(st = rconn_stmt(r->wc,
                                  "INSERT INTO blobs(hk, raw_len, last_h, fts, link, z) VALUES(?1, ?2, ?3, 0, ?5, ?4)",
                                  e)))
                return e->code;
            if (b->searchable)
                sqlite3_bind_int64(st, 5, REC_LINK_FRESH);
            sqlite3_bind_int64(st, 1, rec_blob_hk(b->h));
            sqlite3_bind_int64(st, 2, (int64_t)b->text.n);
            sqlite3_bind_int64(st, 3, need / REC_HOUR_NS);
            sqlite3_bind_blob(st, 4, b->z.p, (int)b->z.n, SQLITE_STATIC);
            if (rec_step(r, st, e, "blob insert"))
                return e->code;
            c.id = sqlite3_last_insert_rowid(r->wc->db);
            c.len = (uint32_t)b->text.n;
            c.last_ns = need;
            c.fts = 0;
            d->blobs++;
            d->blob_bytes += (int64_t)b->z.n;
            d->blob_raw += (int64_t)b->text.n;
            if (!b->shape)
                rec_zdict_sample(r, REC_ZK_TEXT, b->text);
        }
    }
    b->id = c.id;
    if (c.last_ns < need) {
        if (!(st = rconn_stmt(r->wc, "UPDATE blobs SET last_h=?1 WHERE id=?2", e)))
            return e->code;
        sqlite3_bind_int64(st, 1, need / REC_HOUR_NS);
        sqlite3_bind_int64(st, 2, c.id);
        if (rec_step(r, st, e, "blob update"))
            return e->code;
        c.last_ns = need;
    }
    if (b->searchable && !c.fts) {
        /* indexed once, however many calls share it */
        if (!(st = rconn_stmt(r->wc, "INSERT INTO fts(rowid, t) VALUES(?1, ?2)", e)))
            return e->code;
        sqlite3_bind_int64(st, 1, c.id);
        sqlite3_bind_text(st, 2, b->text.n ? (const char *)b->text.p : "", (int)b->text.n, SQLITE_STATIC);
        if (rec_step(r, st, e, "full-text insert"))
            return e->code;
        if (!(st = rconn_stmt(r->wc, "UPDATE blobs SET fts=1 WHERE id=?1", e)))
            return e->code;
        sqlite3_bind_int64(st, 1, c.id);
        if (rec_step(r, st, e, "blob update"))
            return e->code;
        c.fts = 1;
    }
    memcpy(c.h, b->h, 16);
    pthread_mutex_lock(&r->hc_mu);
    r->hc[rec_hc_slot(b->h)] = c;
    pthread_mutex_unlock(&r->hc_mu);
    return 0;
}

size_t rec_tune_crowd = 4096;

/* Which calls use a searchable blob (for the rare-word search plan,
 * records_calls.c), kept in blobs.link: NULL none; > 0 the one call row
 * that uses it (most texts are used once: no call_blob row for them);
 * -n: n calls, listed in call_blob; REC_LINK_CROWDED: more than
 * rec_tune_crowd calls (a system prompt: the plan scans for such words,
 * so call_blob no longer grows).  add: link row to b, else unlink. */
int rec_blob_link(records *r, int64_t b, int64_t row, int add, err_ctx *e)
{
    sqlite3_stmt *st = rconn_stmt(r->wc, "SELECT link FROM blobs WHERE id=?1", e);
    if (!st)
        return e->code;
    sqlite3_bind_int64(st, 1, b);
    int src = sqlite3_step(st);
    int null = src != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL;
    int64_t link = null ? 0 : sqlite3_column_int64(st, 0), next = link;
    if (link == REC_LINK_FRESH) /* inserted, not linked yet */
        null = 1, link = 0;
    sqlite3_reset(st);
    if (src != SQLITE_ROW)
        return src == SQLITE_DONE ? 0 : sql_fail(r, e, "blob link");
    static const char ins[] = "INSERT OR IGNORE INTO call_blob(blob_id, call_id) VALUES(?1, ?2)";
    static const char del[] = "DELETE FROM call_blob WHERE blob_id=?1 AND call_id=?2";
    const char *sql[2] = { NULL, NULL };
    int64_t who[2] = { row, row };
    if (add) {
        if (null)
            next = row;
        else if (link == row || link <= REC_LINK_CROWDED)
            return 0;
        else if (link > 0) /* a second call: both listed */
            sql[0] = ins, sql[1] = ins, who[0] = link, next = -2;
        else if (-link >= (int64_t)rec_tune_crowd)
            next = REC_LINK_CROWDED;
        else
            sql[0] = ins, next = link - 1;
    } else {
        if (null)
            return 0;
        if (link == row)
            next = 0;
        else if (link > 0)
            return 0;
        else
            sql[0] = del, next = link <= REC_LINK_CROWDED ? link : link + 1;
    }
    for (int k = 0; k < 2 && sql[k]; k++) {
        if (!(st = rconn_stmt(r->wc, sql[k], e)))
            return e->code;
        sqlite3_bind_int64(st, 1, b);
        sqlite3_bind_int64(st, 2, who[k]);
        if (rec_step(r, st, e, "call_blob"))
            return e->code;
    }
    if (next == link && !null)
        return 0;
    if (!(st = rconn_stmt(r->wc, "UPDATE blobs SET link=?1 WHERE id=?2", e)))
        return e->code;
    if (next)
        sqlite3_bind_int64(st, 1, next);
    sqlite3_bind_int64(st, 2, b);
    return rec_step(r, st, e, "blob link") ? e->code : 0;
}

/* The column bytes of a field (NULL when empty). */
int rec_bind_field(records *r, sqlite3_stmt *st, int col, const rec_pfield *f, const rec_wreq *q, buf *out)
{
    if (f->kind == F_NONE)
        return sqlite3_bind_null(st, col) == SQLITE_OK ? 0 : LOUPE_EIO;
    out->n = 0;
    if (buf_putc(out, f->kind))
        return LOUPE_ENOMEM;
    if (f->kind != REC_FIELD_RAW && f->kind != REC_FIELD_BLOB)
        if (buf_put_uvarint(out, f->nrefs))
            return LOUPE_ENOMEM;
    for (uint32_t k = 0; k < f->nrefs; k++)
        if (buf_put_uvarint(out, (uint64_t)q->blobs[f->refs[k]].id))
            return LOUPE_ENOMEM;
    if ((f->kind == REC_FIELD_SHAPE || f->kind == REC_FIELD_SHAPEZ) &&
        buf_put_uvarint(out, (uint64_t)q->blobs[f->shape].id))
        return LOUPE_ENOMEM;
    if (f->kind == REC_FIELD_SHAPE)
        rec_zdict_sample(r, REC_ZK_VALUES, f->body);
    if (buf_append(out, f->body.p, f->body.n))
        return LOUPE_ENOMEM;
    return sqlite3_bind_blob(st, col, out->p, (int)out->n, SQLITE_STATIC) == SQLITE_OK ? 0 : LOUPE_EIO;
}

void rec_bind_id(sqlite3_stmt *st, int col, int64_t id)
{
    if (id)
        sqlite3_bind_int64(st, col, id);
    else
        sqlite3_bind_null(st, col);
}

void rec_bind_tok(sqlite3_stmt *st, int col, int64_t v)
{
    if (v >= 0)
        sqlite3_bind_int64(st, col, v);
}

void rec_bind_real(sqlite3_stmt *st, int col, double v)
{
    if (!isnan(v))
        sqlite3_bind_double(st, col, v);
}

/* Milliseconds as integer microseconds when that is exact (3-4 bytes
 * instead of 8; the column has no type, so SQLite keeps the integer). */
void rec_bind_ms(sqlite3_stmt *st, int col, double v)
{
    if (isnan(v))
        return;
    double us = v * 1000.0;
    if (us >= -9e15 && us <= 9e15 && us == (double)(int64_t)us) {
        double back = (double)(int64_t)us / 1000.0;
        if (!memcmp(&back, &v, sizeof v)) {
            sqlite3_bind_int64(st, col, (int64_t)us);
            return;
        }
    }
    sqlite3_bind_double(st, col, v);
}

#define BIND_FIELD(n_, fld_, k_)                                                                                     \
    do {                                                                                                             \
        if ((rc = rec_bind_field(r, st, n_, fld_, q, &w->col[k_])))                                                      \
            return err_set(e, rc, "records: binding a field");                                                      \
    } while (0)

static int put_log(records *r, rec_wreq *q, size_t i, rec_delta *d, err_ctx *e)
{
    rec_wstate *w = r->ws;
    const rec_log *l = &q->b->logs[i];
    const rec_plog *p = &q->pl[i];
    int64_t svc, sev, ev;
    int rc;
    if ((rc = rec_dict_id(r, l->service, p->t, &svc, e)) || (rc = rec_dict_id(r, l->severity_text, p->t, &sev, e)) ||
        (rc = rec_dict_id(r, l->event_name, p->t, &ev, e)))
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
    rec_bind_id(st, 5, sev);
    BIND_FIELD(6, &p->body, 0);
    BIND_FIELD(7, &p->attrs, 1);
    BIND_FIELD(8, &p->resource, 2);
    rec_bind_id(st, 9, svc);
    rec_bind_id(st, 10, ev);
    if (l->has_trace_id)
        sqlite3_bind_blob(st, 11, l->trace_id, 16, SQLITE_STATIC);
    if (l->has_span_id)
        sqlite3_bind_blob(st, 12, l->span_id, 8, SQLITE_STATIC);
    if (rec_step(r, st, e, "log insert"))
        return e->code;
    d->logs++;
    return 0;
}

/* Writes one request's rows (inside the group's transaction). */
int rec_apply(records *r, rec_wreq *q, rec_delta *d, err_ctx *e)
{
    int rc;
    int64_t cutoff = r->ret_cutoff;
    for (size_t k = 0; k < q->nblobs; k++)
        if ((rc = blob_resolve(r, &q->blobs[k], d, e)))
            return rc;
    const rec_batch *b = q->b;
    memset(&q->res, 0, sizeof q->res);
    if ((rc = rec_put_rows(r, q, cutoff, d, e)))
        return rc;
    for (size_t i = 0; i < b->nlogs; i++) {
        if (!q->pl[i].keep || q->pl[i].t < cutoff)
            continue;
        if ((rc = put_log(r, q, i, d, e)))
            return rc;
        q->res.logs++;
    }
    return 0;
}
