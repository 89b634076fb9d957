/* records_rows.c - the span and call rows of a write request (writer
 * thread, inside the group's transaction).
 *
 * A call and the span it describes are one row of the spans table, found
 * by (trace_id, span_id): the ids, times, service, user and session are
 * stored once and indexed once, and a retried export replaces the span and
 * its call instead of adding a second call.  A call without a span (from a
 * log record) is a row of its own; a span that arrives after its call
 * joins the call's row.  The row's time is the earlier start of the two,
 * its service, user and session the call's; each side's own values are
 * kept where they differ (s_ds / c_ds / c_dur, s_service / s_user /
 * s_session: NULL when equal, 0 for an empty string). */
#include "util/mem.h"
#include "store/records_int.h"
#include "util/hash.h"
#include "util/varint.h"

#include <stdlib.h>
#include <string.h>

/* Row-level columns (?3..?13), span columns (?14..?25), call columns
 * (?26..?46) of the statements below. */
#define ROW_SET "start_ns, dur_ns, service, user_id, session_id, s_service, s_user, s_session, s_ds, c_ds, c_dur"
#define SPAN_SET                                                                                                     \
    "span, parent_id, name, kind, status, status_msg, attrs, events, links, resource, scope_name, scope_version"
#define CALL_SET                                                                                                     \
    "call, provider, model, route, template, c_status, error, finish, in_tok, out_tok, cached_tok, cwrite_tok,"    \
    " reason_tok, cost, cost_src, latency, ttft, prompt, completion, messages, sblobs"
#define P_ROW 3
#define P_SPAN 14
#define P_CALL 26

static const char sql_insert[] =
    "INSERT INTO spans(trace_id, span_id, " ROW_SET ", " SPAN_SET ", " CALL_SET ") VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
    " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28,"
    " ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41, ?42, ?43, ?44, ?45, ?46)";
static const char sql_update_span[] =
    "UPDATE spans SET (" ROW_SET ", " SPAN_SET ") = (?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
    " ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25) WHERE id = ?1";
static const char sql_update_call[] =
    "UPDATE spans SET (" ROW_SET ", " CALL_SET ") = (?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?26, ?27,"
    " ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41, ?42, ?43, ?44, ?45, ?46) WHERE id = ?1";

/* A side's own values: time, and the strings rows are filtered by. */
typedef struct own {
    int64_t start, dur, svc, user, sess;
} own;

/* What a row holds before the write: which sides, and each side's values. */
typedef struct oldrow {
    int64_t id;
    int span, call;
    own s, c;
} oldrow;

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static int find_row(records *r, const uint8_t tid[16], const uint8_t sid[8], oldrow *o, buf *sblobs, err_ctx *e)
{
    memset(o, 0, sizeof *o);
    sqlite3_stmt *st = rconn_stmt(r->wc,
                                  "SELECT id, span, call, sblobs, start_ns + coalesce(s_ds, 0), dur_ns,"
                                  " coalesce(s_service, service),"
                                  " coalesce(s_user, user_id), coalesce(s_session, session_id),"
                                  " start_ns + coalesce(c_ds, 0), coalesce(c_dur, dur_ns), service, user_id, session_id"
                                  " FROM spans WHERE trace_id = ?1 AND span_id = ?2",
                                  e);
    if (!st)
        return e->code;
    sqlite3_bind_blob(st, 1, tid, 16, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, sid, 8, SQLITE_STATIC);
    int src = sqlite3_step(st), rc = 0;
    if (src == SQLITE_ROW) {
        o->id = sqlite3_column_int64(st, 0);
        o->span = sqlite3_column_type(st, 1) != SQLITE_NULL;
        o->call = sqlite3_column_type(st, 2) != SQLITE_NULL;
        sblobs->n = 0;
        if (buf_append(sblobs, sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3)))
            rc = err_set(e, LOUPE_ENOMEM, "out of memory");
        int64_t *v[10] = { &o->s.start, &o->s.dur, &o->s.svc, &o->s.user, &o->s.sess,
                           &o->c.start, &o->c.dur, &o->c.svc, &o->c.user, &o->c.sess };
        for (int k = 0; k < 10; k++)
            *v[k] = sqlite3_column_int64(st, 4 + k);
    } else if (src != SQLITE_DONE) {
        rc = err_set(e, LOUPE_EIO, "records: span lookup: %s", sqlite3_errmsg(r->wc->db));
    }
    sqlite3_reset(st);
    return rc;
}

static void bind_or_null(sqlite3_stmt *st, int col, int64_t v, int null)
{
    if (!null)
        sqlite3_bind_int64(st, col, v);
}

/* The row-level columns for a row with span values *s and / or call
 * values *c.  Its time is the earlier start of the two (retention deletes
 * by it, and every blob or dictionary entry either side uses carries that
 * side's time, which is not earlier: see records_retain.c); each side's
 * own start is an offset from it (s_ds, c_ds).  Duration from the span;
 * service / user / session from the call (calls are filtered by them).
 * The other side's own values are kept where they differ (NULL when
 * equal, 0 for an empty string). */
static void bind_row(sqlite3_stmt *st, const own *s, const own *c)
{
    const own *t = s ? s : c, *k = c ? c : s;
    int64_t start = s && c && c->start < s->start ? c->start : t->start;
    sqlite3_bind_int64(st, P_ROW, start);
    sqlite3_bind_int64(st, P_ROW + 1, t->dur);
    rec_bind_id(st, P_ROW + 2, k->svc);
    rec_bind_id(st, P_ROW + 3, k->user);
    rec_bind_id(st, P_ROW + 4, k->sess);
    if (s && c) {
        bind_or_null(st, P_ROW + 5, s->svc, s->svc == c->svc);
        bind_or_null(st, P_ROW + 6, s->user, s->user == c->user);
        bind_or_null(st, P_ROW + 7, s->sess, s->sess == c->sess);
        bind_or_null(st, P_ROW + 8, s->start - start, s->start == start);
        bind_or_null(st, P_ROW + 9, c->start - start, c->start == start);
        bind_or_null(st, P_ROW + 10, c->dur, c->dur == s->dur);
    }
}

static int bind_span(records *r, sqlite3_stmt *st, const rec_wreq *q, const rec_span *s, const rec_pspan *p,
                     const int64_t *ids, err_ctx *e)
{
    rec_wstate *w = r->ws;
    int rc;
    sqlite3_bind_int(st, P_SPAN, 1);
    if (s->has_parent)
        sqlite3_bind_blob(st, P_SPAN + 1, s->parent_id, 8, SQLITE_STATIC);
    rec_bind_id(st, P_SPAN + 2, ids[0]);
    sqlite3_bind_int(st, P_SPAN + 3, s->kind);
    sqlite3_bind_int(st, P_SPAN + 4, s->status_code);
    const rec_pfield *f[5] = { &p->msg, &p->attrs, &p->events, &p->links, &p->resource };
    for (int k = 0; k < 5; k++)
        if ((rc = rec_bind_field(r, st, P_SPAN + 5 + k, f[k], q, &w->col[k])))
            return err_set(e, rc, "records: binding a span field");
    rec_bind_id(st, P_SPAN + 10, ids[1]);
    rec_bind_id(st, P_SPAN + 11, ids[2]);
    return 0;
}

static int bind_call(records *r, sqlite3_stmt *st, const rec_wreq *q, const rec_call *c, const rec_pcall *p,
                     const int64_t *ids, err_ctx *e)
{
    rec_wstate *w = r->ws;
    int rc;
    sqlite3_bind_int(st, P_CALL, 1);
    for (int k = 0; k < 4; k++) /* provider, model, route, template */
        rec_bind_id(st, P_CALL + 1 + k, ids[k]);
    sqlite3_bind_int(st, P_CALL + 5, c->status);
    const rec_pfield *f[4] = { &p->error, &p->prompt, &p->completion, &p->messages };
    const int col[4] = { P_CALL + 6, P_CALL + 17, P_CALL + 18, P_CALL + 19 };
    for (int k = 0; k < 4; k++)
        if ((rc = rec_bind_field(r, st, col[k], f[k], q, &w->col[5 + k])))
            return err_set(e, rc, "records: binding a call field");
    rec_bind_id(st, P_CALL + 7, ids[4]);
    rec_bind_tok(st, P_CALL + 8, c->input_tokens);
    rec_bind_tok(st, P_CALL + 9, c->output_tokens);
    rec_bind_tok(st, P_CALL + 10, c->cached_input_tokens);
    rec_bind_tok(st, P_CALL + 11, c->cache_write_tokens);
    rec_bind_tok(st, P_CALL + 12, c->reasoning_tokens);
    rec_bind_real(st, P_CALL + 13, c->cost_usd);
    sqlite3_bind_int(st, P_CALL + 14, c->cost_source);
    rec_bind_ms(st, P_CALL + 15, c->latency_ms);
    rec_bind_ms(st, P_CALL + 16, c->ttft_ms);
    buf *sb = &w->col[9];
    sb->n = 0;
    for (uint32_t k = 0; k < p->nsb; k++)
        if (buf_put_uvarint(sb, (uint64_t)q->blobs[p->sb[k]].id))
            return err_set(e, LOUPE_ENOMEM, "out of memory");
    if (sb->n)
        sqlite3_bind_blob(st, P_CALL + 20, sb->p, (int)sb->n, SQLITE_STATIC);
    return 0;
}

/* call_blob: the old call's links out, the new call's in. */
static int link_blobs(records *r, const rec_wreq *q, const rec_pcall *p, int64_t row, slice old, err_ctx *e)
{
    const uint8_t *o = old.p, *end = old.p + old.n;
    uint64_t id;
    int rc;
    while (o && o < end && !varint_get(&o, end, &id))
        if ((rc = rec_blob_link(r, (int64_t)id, row, 0, e)))
            return rc;
    for (uint32_t k = 0; k < p->nsb; k++)
        if ((rc = rec_blob_link(r, q->blobs[p->sb[k]].id, row, 1, e)))
            return rc;
    return 0;
}

/* Writes a span, a call, or a span with its call.  Returns 0, a negative
 * code, or 1 when c is a weak call its span already made (nothing written). */
static int put_row(records *r, const rec_wreq *q, const rec_span *s, const rec_pspan *ps, const rec_call *c,
                   const rec_pcall *pc, rec_delta *d, err_ctx *e)
{
    rec_wstate *w = r->ws;
    int64_t sids[3] = { 0, 0, 0 }, cids[5] = { 0, 0, 0, 0, 0 };
    own so = { 0 }, co = { 0 };
    int rc;
    if (s) {
        int64_t t = s->start_ns;
        so.start = t;
        so.dur = (int64_t)((uint64_t)s->end_ns - (uint64_t)s->start_ns);
        if ((rc = rec_dict_id(r, s->service, t, &so.svc, e)) || (rc = rec_dict_id(r, s->user_id, t, &so.user, e)) ||
            (rc = rec_dict_id(r, s->session_id, t, &so.sess, e)) || (rc = rec_dict_id(r, s->name, t, &sids[0], e)) ||
            (rc = rec_dict_id(r, s->scope_name, t, &sids[1], e)) ||
            (rc = rec_dict_id(r, s->scope_version, t, &sids[2], e)))
            return rc;
        if (so.svc && ((rc = rec_touch_op(r, so.svc, 0, 0, t, e)) ||
                       (sids[0] && (rc = rec_touch_op(r, so.svc, sids[0], s->kind, t, e)))))
            return rc;
    }
    if (c) {
        int64_t t = c->start_ns;
        co.start = t;
        co.dur = (int64_t)((uint64_t)c->end_ns - (uint64_t)c->start_ns);
        const slice names[5] = { c->provider, c->model, c->route, c->template_name, c->finish_reason };
        if ((rc = rec_dict_id(r, c->service, t, &co.svc, e)) || (rc = rec_dict_id(r, c->user_id, t, &co.user, e)) ||
            (rc = rec_dict_id(r, c->session_id, t, &co.sess, e)))
            return rc;
        for (int k = 0; k < 5; k++)
            if ((rc = rec_dict_id(r, names[k], t, &cids[k], e)))
                return rc;
    }
    const uint8_t *tid = s ? s->trace_id : c->trace_id, *sid = s ? s->span_id : c->span_id;
    int has_ids = s || (!all_zero(tid, 16) && !all_zero(sid, 8));
    oldrow o = { 0 };
    if (has_ids && (rc = find_row(r, tid, sid, &o, &w->tmp, e)))
        return rc;
    /* a call made from a log event never replaces the call its span made
     * (they race: spans and logs are exported independently) */
    if (c && c->weak && !s && o.span && o.call)
        return 1;
    /* both sides' values after the write */
    const own *sv = s ? &so : o.span ? &o.s : NULL, *cv = c ? &co : o.call ? &o.c : NULL;
    sqlite3_stmt *st;
    if (!o.id) {
        if (!(st = rconn_stmt(r->wc, sql_insert, e)))
            return e->code;
        if (has_ids) {
            sqlite3_bind_blob(st, 1, tid, 16, SQLITE_STATIC);
            sqlite3_bind_blob(st, 2, sid, 8, SQLITE_STATIC);
        }
        bind_row(st, sv, cv);
        if ((s && (rc = bind_span(r, st, q, s, ps, sids, e))) || (c && (rc = bind_call(r, st, q, c, pc, cids, e))))
            return rc;
        if (rec_step(r, st, e, "row insert"))
            return e->code;
        o.id = sqlite3_last_insert_rowid(r->wc->db);
        d->spans += s != NULL;
        d->calls += c != NULL;
        return c ? link_blobs(r, q, pc, o.id, slice_make(NULL, 0), e) : 0;
    }
    if (s) { /* a retried export: the span replaces the row's span */
        if (!(st = rconn_stmt(r->wc, sql_update_span, e)))
            return e->code;
        sqlite3_bind_int64(st, 1, o.id);
        bind_row(st, sv, cv);
        if ((rc = bind_span(r, st, q, s, ps, sids, e)))
            return rc;
        if (rec_step(r, st, e, "span update"))
            return e->code;
        d->spans += !o.span;
    }
    if (c) { /* its call, or the call of a span stored earlier */
        if (!(st = rconn_stmt(r->wc, sql_update_call, e)))
            return e->code;
        sqlite3_bind_int64(st, 1, o.id);
        bind_row(st, sv, cv);
        if ((rc = bind_call(r, st, q, c, pc, cids, e)))
            return rc;
        if (rec_step(r, st, e, "call update"))
            return e->code;
        d->calls += !o.call;
        return link_blobs(r, q, pc, o.id, o.call ? buf_slice(&w->tmp) : slice_make(NULL, 0), e);
    }
    return 0;
}

/* Pairs every call with its span in the request (same trace and span id),
 * then writes the rows. */
int rec_put_rows(records *r, rec_wreq *q, int64_t cutoff, rec_delta *d, err_ctx *e)
{
    const rec_batch *b = q->b;
    size_t cap = 16;
    while (cap < b->ncalls * 2)
        cap *= 2;
    uint32_t *tab = calloc(cap, sizeof *tab); /* call index + 1 by ids */
    uint8_t *used = calloc(b->ncalls + 1, 1);
    int rc = 0;
    if (!tab || !used) {
        rc = err_set(e, LOUPE_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < b->ncalls; i++) {
        const rec_call *c = &b->calls[i];
        if (!q->pc[i].keep || c->start_ns < cutoff || all_zero(c->trace_id, 16))
            continue;
        size_t j = (size_t)hash_bytes(c->trace_id, 16, (uint64_t)c->span_id[0] << 8 | c->span_id[7]) & (cap - 1);
        while (tab[j])
            j = (j + 1) & (cap - 1);
        tab[j] = (uint32_t)i + 1;
    }
    for (size_t i = 0; i < b->nspans && !rc; i++) {
        const rec_span *s = &b->spans[i];
        if (!q->ps[i].keep || s->start_ns < cutoff)
            continue;
        size_t j = (size_t)hash_bytes(s->trace_id, 16, (uint64_t)s->span_id[0] << 8 | s->span_id[7]) & (cap - 1);
        size_t ci = 0;
        for (; tab[j]; j = (j + 1) & (cap - 1)) {
            const rec_call *c = &b->calls[tab[j] - 1];
            if (!used[tab[j] - 1] && !memcmp(c->trace_id, s->trace_id, 16) && !memcmp(c->span_id, s->span_id, 8)) {
                ci = tab[j];
                used[ci - 1] = 1;
                break;
            }
        }
        rc = put_row(r, q, s, &q->ps[i], ci ? &b->calls[ci - 1] : NULL, ci ? &q->pc[ci - 1] : NULL, d, e);
        q->res.spans++;
        q->res.calls += ci != 0;
    }
    for (size_t i = 0; i < b->ncalls && !rc; i++) {
        if (used[i] || !q->pc[i].keep || b->calls[i].start_ns < cutoff)
            continue;
        rc = put_row(r, q, NULL, NULL, &b->calls[i], &q->pc[i], d, e);
        if (rc == 1) { /* a weak call whose span already made it: not written */
            rc = 0;
            if (b->calls_skipped)
                b->calls_skipped[i] = 1;
            continue;
        }
        q->res.calls++;
    }
cleanup:
    free(tab);
    free(used);
    return rc;
}
