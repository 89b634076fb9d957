/* records_retain.c - retention of the records store: rows older than the
 * cutoff go, then the blobs and dictionary entries nothing uses any more.
 *
 * Why no reference counts: every blob and dictionary entry keeps last_h,
 * the latest time (rounded up to the hour) of any row that ever used it,
 * raised by the writer as it writes rows.  Rows are deleted by the same
 * time (a row of a span and its call by the earlier of their starts, logs
 * by time), so when an entry's last_h
 * is below the cutoff, every row that used it is below the cutoff too and
 * was deleted earlier in the same pass; while a pass runs, the writer drops
 * rows older than its cutoff, so none can start using such an entry
 * meanwhile.  A replaced span or a blob whose users were replaced can
 * outlive its last user by up to one retention period: space, never
 * correctness.
 *
 * A pass runs in steps of one small transaction each (the writer commits
 * waiting writes between steps), table by table. */
#include "util/mem.h"
#include "store/records_int.h"
#include "util/varint.h"

#include <stdlib.h>
#include <string.h>

#define STEP_ROWS 2000

enum { PH_CALLS, PH_SPANS, PH_LOGS, PH_BLOBS, PH_DICT, PH_DONE };

static int sqlfail(records *r, err_ctx *e, const char *what)
{
    return err_set(e, LOUPE_EIO, "records retention: %s: %s", what, sqlite3_errmsg(r->wc->db));
}

/* Collects up to STEP_ROWS (id, extra) pairs of a query bound to cutoff. */
static int collect(records *r, const char *sql, int64_t cutoff, buf *out, err_ctx *e)
{
    sqlite3_stmt *st = rconn_stmt(r->wc, sql, e);
    if (!st)
        return e->code;
    sqlite3_bind_int64(st, 1, cutoff);
    sqlite3_bind_int(st, 2, STEP_ROWS);
    int rc;
    out->n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t v[3] = { sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2) };
        if (buf_append(out, v, sizeof v)) {
            sqlite3_reset(st);
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sqlfail(r, e, "scan");
}

static int exec_id(records *r, const char *sql, int64_t a, int64_t b, err_ctx *e)
{
    sqlite3_stmt *st = rconn_stmt(r->wc, sql, e);
    if (!st)
        return e->code;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sqlfail(r, e, "delete");
}

/* Spans and calls (one table): a call's blob links go first (named by
 * its sblobs). */
static int step_rows(records *r, int calls, int64_t cutoff, rec_delta *d, int *more, err_ctx *e)
{
    buf ids = BUF_INIT, blobs = BUF_INIT;
    /* each through its time index (calls_time, spans_time) */
    int rc = collect(r,
                     calls ? "SELECT id, 0, 0 FROM spans WHERE call = 1 AND start_ns < ?1 LIMIT ?2"
                           : "SELECT id, 0, 0 FROM spans WHERE call IS NULL AND start_ns < ?1 LIMIT ?2",
                     cutoff, &ids, e);
    size_t n = ids.n / (3 * sizeof(int64_t));
    const int64_t *v = (const int64_t *)ids.p;
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_stmt *st = rconn_stmt(r->wc, "SELECT sblobs, span, call FROM spans WHERE id=?1", e);
        if (!st) {
            rc = e->code;
            break;
        }
        sqlite3_bind_int64(st, 1, v[3 * i]);
        blobs.n = 0;
        int span = 0, call = 0;
        if (sqlite3_step(st) == SQLITE_ROW) {
            const uint8_t *p = sqlite3_column_blob(st, 0), *end = p + sqlite3_column_bytes(st, 0);
            uint64_t id;
            while (p && p < end && !varint_get(&p, end, &id))
                if (buf_append(&blobs, &id, sizeof id))
                    rc = err_set(e, LOUPE_ENOMEM, "out of memory");
            span = sqlite3_column_type(st, 1) != SQLITE_NULL;
            call = sqlite3_column_type(st, 2) != SQLITE_NULL;
        }
        sqlite3_reset(st);
        const uint64_t *b = (const uint64_t *)blobs.p;
        for (size_t k = 0; k < blobs.n / 8 && !rc; k++)
            rc = rec_blob_link(r, (int64_t)b[k], v[3 * i], 0, e);
        if (!rc)
            rc = exec_id(r, "DELETE FROM spans WHERE id=?1 AND ?2=?2", v[3 * i], 0, e);
        d->spans -= span;
        d->calls -= call;
    }
    *more = n == STEP_ROWS;
    buf_free(&ids);
    buf_free(&blobs);
    return rc;
}

static int step_delete(records *r, const char *sql, int64_t cutoff, int64_t *count, int *more, err_ctx *e)
{
    sqlite3_stmt *st = rconn_stmt(r->wc, sql, e);
    if (!st)
        return e->code;
    sqlite3_bind_int64(st, 1, cutoff);
    sqlite3_bind_int(st, 2, STEP_ROWS);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sqlfail(r, e, "delete");
    int n = sqlite3_changes(r->wc->db);
    *count -= n;
    *more = n == STEP_ROWS;
    return 0;
}

/* Blobs: searchable ones leave the contentless FTS index first, which needs
 * the text they were indexed with. */
static int step_blobs(records *r, int64_t cutoff, rec_delta *d, int *more, err_ctx *e)
{
    buf ids = BUF_INIT, text = BUF_INIT;
    int rc = collect(r, "SELECT id, fts, raw_len FROM blobs WHERE last_h < ?1 LIMIT ?2", cutoff / REC_HOUR_NS, &ids, e);
    size_t n = ids.n / (3 * sizeof(int64_t));
    const int64_t *v = (const int64_t *)ids.p;
    for (size_t i = 0; i < n && !rc; i++) {
        int64_t id = v[3 * i];
        if (v[3 * i + 1]) {
            text.n = 0;
            if ((rc = rconn_blob(r->wc, (uint64_t)id, &text))) {
                err_set(e, rc, "records retention: reading blob %lld", (long long)id);
                break;
            }
            sqlite3_stmt *st = rconn_stmt(r->wc, "INSERT INTO fts(fts, rowid, t) VALUES('delete', ?1, ?2)", e);
            if (!st) {
                rc = e->code;
                break;
            }
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_text(st, 2, text.n ? (const char *)text.p : "", (int)text.n, SQLITE_STATIC);
            int src = sqlite3_step(st);
            sqlite3_reset(st);
            if (src != SQLITE_DONE) {
                rc = sqlfail(r, e, "full-text delete");
                break;
            }
        }
        sqlite3_stmt *st = rconn_stmt(r->wc, "SELECT length(z) FROM blobs WHERE id=?1", e);
        if (!st) {
            rc = e->code;
            break;
        }
        sqlite3_bind_int64(st, 1, id);
        int64_t zlen = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if ((rc = exec_id(r, "DELETE FROM blobs WHERE id=?1 AND ?2=?2", id, 0, e)))
            break;
        d->blobs--;
        d->blob_bytes -= zlen;
        d->blob_raw -= v[3 * i + 2];
    }
    *more = n == STEP_ROWS;
    buf_free(&ids);
    buf_free(&text);
    return rc;
}

int rec_retain_step(records *r, int64_t cutoff, err_ctx *e)
{
    sqlite3 *db = r->wc->db;
    rec_delta d = { 0 };
    int more = 0, rc = rec_exec(db, "BEGIN IMMEDIATE", e);
    if (rc)
        return rc;
    int64_t unused = 0;
    switch (r->ret_phase) {
    case PH_CALLS: rc = step_rows(r, 1, cutoff, &d, &more, e); break;
    case PH_SPANS: rc = step_rows(r, 0, cutoff, &d, &more, e); break;
    case PH_LOGS:
        rc = step_delete(r, "DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE t < ?1 LIMIT ?2)", cutoff,
                         &d.logs, &more, e);
        break;
    case PH_BLOBS: rc = step_blobs(r, cutoff, &d, &more, e); break;
    case PH_DICT:
        /* small tables: one statement each */
        if (!(rc = step_delete(r, "DELETE FROM svc WHERE last_ns < ?1 AND ?2=?2", cutoff, &unused, &more, e)) &&
            !(rc = step_delete(r, "DELETE FROM ops WHERE last_ns < ?1 AND ?2=?2", cutoff, &unused, &more, e)))
            rc = step_delete(r, "DELETE FROM dict WHERE last_h < ?1 AND ?2=?2", cutoff / REC_HOUR_NS, &unused, &more, e);
        more = 0;
        break;
    default: break;
    }
    if (!rc)
        rc = rec_stats_save(r, &d, e);
    if (!rc)
        rc = rec_exec(db, "COMMIT", e);
    if (rc) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        r->ret_phase = PH_DONE;
        return rc;
    }
    rec_stats_apply(r, &d);
    if (!more)
        r->ret_phase++;
    return r->ret_phase < PH_DONE;
}
