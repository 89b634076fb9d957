/* records_write.c - records_write(), records_flush() and records_retain():
 * requests (encoded by records_encode.c in the caller's thread) wait in a
 * queue bounded by max_pending_bytes; the writer thread commits all queued
 * write requests in one SQLite transaction (group commit, rows written by
 * records_apply.c) and only then wakes their callers, so an acknowledged
 * write survives kill -9 (WAL, synchronous=NORMAL).  Flushes and retention
 * steps run in the same thread between commits: SQLite only ever sees one
 * writing connection. */
#include "util/mem.h"
#include "store/records_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RETAIN_EVERY_NS (600LL * 1000000000) /* retention pass interval */

void rec_hc_clear(records *r)
{
    pthread_mutex_lock(&r->hc_mu);
    memset(r->hc, 0, ((size_t)1 << REC_HC_BITS) * sizeof *r->hc);
    pthread_mutex_unlock(&r->hc_mu);
}

/* Queues a request and waits for the writer to finish it. */
static int submit(records *r, rec_wreq *q, err_ctx *e)
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
    rec_wreq q = { 0 };
    q.type = REQ_WRITE;
    q.b = b;
    q.e = e;
    q.bytes = rec_req_bytes(b);
    /* refuse early when the queue is full, before spending CPU on encoding */
    pthread_mutex_lock(&r->q_mu);
    int full = r->q_head && r->q_bytes + q.bytes > r->o.max_pending_bytes;
    size_t pending = r->q_bytes;
    pthread_mutex_unlock(&r->q_mu);
    if (full)
        return err_set(e, LOUPE_EBUSY, "records write queue full (%zu bytes pending); retry later", pending);
    int rc = rec_encode(r, &q);
    if (rc)
        err_set(e, rc, "out of memory encoding records");
    else if ((rc = submit(r, &q, e)) == 0)
        *res = q.res;
    rec_req_free(&q);
    return rc;
}

int records_flush(records *r, err_ctx *e)
{
    rec_wreq q = { 0 };
    q.type = REQ_FLUSH;
    q.e = e;
    return submit(r, &q, e);
}

int records_retain(records *r, int64_t now_ns, err_ctx *e)
{
    rec_wreq q = { 0 };
    q.type = REQ_RETAIN;
    q.e = e;
    q.now_ns = now_ns ? now_ns : rec_now_ns();
    return submit(r, &q, e);
}

/* ------------------------------------------------------------ writer thread */

static void delta_add(rec_delta *a, const rec_delta *b)
{
    a->spans += b->spans, a->calls += b->calls, a->logs += b->logs;
    a->blobs += b->blobs, a->blob_bytes += b->blob_bytes, a->blob_raw += b->blob_raw;
}

/* Commits the write requests of a list in one transaction; each request
 * inside a savepoint, so one bad request does not fail the others. */
static void commit_writes(records *r, rec_wreq *list)
{
    int64_t t0 = rec_now_ns();
    sqlite3 *db = r->wc->db;
    rec_delta total = { 0 };
    err_ctx e = { 0 };
    size_t n = 0;
    for (rec_wreq *q = list; q; q = q->next)
        n += q->type == REQ_WRITE;
    if (!n)
        return;
    if (rec_exec(db, "BEGIN IMMEDIATE", &e)) {
        for (rec_wreq *q = list; q; q = q->next)
            if (q->type == REQ_WRITE)
                q->rc = err_set(q->e, LOUPE_EIO, "%s", e.msg);
        return;
    }
    for (rec_wreq *q = list; q; q = q->next) {
        if (q->type != REQ_WRITE)
            continue;
        rec_delta d = { 0 };
        err_ctx qe = { 0 };
        int rc = rec_exec(db, "SAVEPOINT w", &qe);
        if (!rc)
            rc = rec_apply(r, q, &d, &qe);
        if (rc) {
            sqlite3_exec(db, "ROLLBACK TO w; RELEASE w", NULL, NULL, NULL);
            rec_caches_clear(r); /* they may name rows that are gone */
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
        rec_caches_clear(r);
        for (rec_wreq *q = list; q; q = q->next)
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
    rec_wstate *w = r->ws;
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
    rec_wstate *w = r->ws;
    int rc = rec_retain_step(r, w->pass_cutoff, e);
    rec_caches_clear(r); /* they may name deleted blobs or entries */
    if (rc != 1) {
        w->retaining = 0;
        r->next_retain_ns = rec_now_ns() + RETAIN_EVERY_NS;
    }
    return rc < 0 ? rc : 0;
}

static void run_special(records *r, rec_wreq *q)
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
    rec_wstate *w = r->ws;
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
        rec_wreq *list = r->q_head;
        r->q_head = r->q_tail = NULL;
        r->q_bytes = 0;
        pthread_mutex_unlock(&r->q_mu);

        commit_writes(r, list);
        for (rec_wreq *q = list; q; q = q->next)
            if (q->type != REQ_WRITE)
                run_special(r, q);
        rec_zdict_train(r); /* once there are enough samples */

        pthread_mutex_lock(&r->q_mu);
        for (rec_wreq *q = list; q;) {
            rec_wreq *next = q->next; /* q lives on its caller's stack: read next first */
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

static void wstate_free(rec_wstate *w)
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
    rec_wstate *w = calloc(1, sizeof *w);
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
