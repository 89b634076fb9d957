/* records.c - the records store's lifecycle (open, schema, close), its
 * SQLite connections (the writer's and the pooled readers', with their
 * statement and dictionary caches and blob / field reads) and its stats. */
#include "util/mem.h"
#include "store/records_int.h"
#include "util/hash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SCHEMA_VERSION 7
#define SCHEMA_VERSION_STR "7"

/* Low-cardinality strings (services, models, users, ...) are dictionary
 * ids in the rows and indexes; blobs hold long text once (records_codec.c,
 * zstd with trained dictionaries from zdict: records_zdict.c); fts indexes
 * the searchable blobs (contentless: the text is in blobs), and blobs.link
 * and call_blob map them back to calls (records_apply.c).  A span and its
 * LLM call are one row of spans (records_rows.c).  last_h (hours since the
 * epoch) and last_ns columns drive retention (records_retain.c). */
static const char *const schema_sql =
    "CREATE TABLE meta(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
    "CREATE TABLE stats(id INTEGER PRIMARY KEY CHECK(id = 1), spans INTEGER NOT NULL, calls INTEGER NOT NULL,"
    " logs INTEGER NOT NULL, blobs INTEGER NOT NULL, blob_bytes INTEGER NOT NULL, blob_raw INTEGER NOT NULL);"
    "INSERT INTO stats VALUES(1, 0, 0, 0, 0, 0, 0);"
    "CREATE TABLE dict(id INTEGER PRIMARY KEY, s BLOB NOT NULL UNIQUE, last_h INTEGER NOT NULL);"
    "CREATE TABLE zdict(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, d BLOB NOT NULL);"
    "CREATE TABLE blobs(id INTEGER PRIMARY KEY, hk INTEGER NOT NULL, raw_len INTEGER NOT NULL,"
    " last_h INTEGER NOT NULL, fts INTEGER NOT NULL, link INTEGER, z BLOB NOT NULL);"
    "CREATE INDEX blobs_hk ON blobs(hk);"
    "CREATE INDEX blobs_last ON blobs(last_h);"
    "CREATE VIRTUAL TABLE fts USING fts5(t, content='', detail=none, columnsize=0, tokenize='loupe');"
    /* one row per span, with the call it describes when it is an LLM call
     * (records_rows.c); a call without a span has a row of its own */
    "CREATE TABLE spans(id INTEGER PRIMARY KEY, trace_id BLOB, span_id BLOB, start_ns INTEGER NOT NULL,"
    " dur_ns INTEGER NOT NULL, service INTEGER, user_id INTEGER, session_id INTEGER,"
    " span INTEGER, parent_id BLOB, name INTEGER, kind INTEGER, status INTEGER, status_msg BLOB, attrs BLOB,"
    " events BLOB, links BLOB, resource BLOB, scope_name INTEGER, scope_version INTEGER,"
    " s_service INTEGER, s_user INTEGER, s_session INTEGER, s_ds INTEGER, c_ds INTEGER, c_dur INTEGER,"
    " call INTEGER,"
    " provider INTEGER, model INTEGER, route INTEGER, template INTEGER, c_status INTEGER, error BLOB,"
    " finish INTEGER, in_tok INTEGER, out_tok INTEGER, cached_tok INTEGER, cwrite_tok INTEGER,"
    " reason_tok INTEGER, cost REAL, cost_src INTEGER, latency, ttft, prompt BLOB, completion BLOB,"
    " messages BLOB, sblobs BLOB);"
    /* (trace_id, span_id) is unique: the writer looks a row up before it
     * writes one (records_rows.c), so the index needs no span_id */
    "CREATE INDEX spans_trace ON spans(trace_id);"
    /* by time: calls_time below, the other spans here */
    "CREATE INDEX spans_time ON spans(start_ns) WHERE call IS NULL;"
    "CREATE INDEX spans_service ON spans(service, start_ns);"
    "CREATE INDEX spans_user ON spans(user_id, start_ns) WHERE user_id IS NOT NULL;"
    "CREATE INDEX spans_session ON spans(session_id, start_ns) WHERE session_id IS NOT NULL;"
    "CREATE INDEX calls_time ON spans(start_ns) WHERE call = 1;"
    "CREATE INDEX calls_model ON spans(model, start_ns) WHERE model IS NOT NULL;"
    "CREATE INDEX calls_route ON spans(route, start_ns) WHERE route IS NOT NULL;"
    "CREATE TABLE svc(service INTEGER PRIMARY KEY, last_ns INTEGER NOT NULL);"
    "CREATE TABLE ops(service INTEGER NOT NULL, name INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " last_ns INTEGER NOT NULL, PRIMARY KEY(service, name, kind)) WITHOUT ROWID;"
    "CREATE TABLE call_blob(blob_id INTEGER NOT NULL, call_id INTEGER NOT NULL,"
    " PRIMARY KEY(blob_id, call_id)) WITHOUT ROWID;"
    "CREATE TABLE logs(id INTEGER PRIMARY KEY, t INTEGER NOT NULL, time_ns INTEGER NOT NULL,"
    " observed_ns INTEGER NOT NULL, severity INTEGER NOT NULL, severity_text INTEGER, body BLOB, attrs BLOB,"
    " resource BLOB, service INTEGER, event INTEGER, trace_id BLOB, span_id BLOB);"
    "CREATE INDEX logs_time ON logs(t);"
    "CREATE INDEX logs_trace ON logs(trace_id) WHERE trace_id IS NOT NULL;";

void records_opts_default(records_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dir = "./data";
    o->retention_days = 0;
    o->max_pending_bytes = 64u << 20;
    o->read_connections = 4;
}

int64_t rec_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int rec_exec(sqlite3 *db, const char *sql, err_ctx *e)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        err_set(e, LOUPE_EIO, "records: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return LOUPE_EIO;
    }
    return 0;
}

/* ------------------------------------------------------------ connections */

typedef struct dent {
    int64_t id; /* 0: empty */
    uint8_t *s;
    uint32_t n;
} dent;

int rconn_open(records *r, rconn **out, const char *path, int readonly, err_ctx *e)
{
    int rc = 0;
    rconn *c = calloc(1, sizeof *c);
    if (!c)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    c->r = r;
    c->sc.ddict = rec_zdict_ddict;
    c->sc.ddict_ctx = r;
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rc = err_set(e, LOUPE_EIO, "records: open %s: %s", path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto cleanup;
    }
    sqlite3_extended_result_codes(c->db, 1);
    /* readers never fail under write load: WAL gives them a snapshot; the
     * timeout covers the short moments (recovery, checkpoint restarts) a
     * lock is held */
    sqlite3_busy_timeout(c->db, 10000);
    if (rec_fts_register(c->db) != SQLITE_OK) {
        rc = err_set(e, LOUPE_EIO, "records: FTS5 is not available in this SQLite");
        goto cleanup;
    }
    if (!readonly) {
        /* page_size only takes effect before the first table exists */
        rc = rec_exec(c->db,
                      "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                      "PRAGMA journal_size_limit=67108864; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;"
                      "PRAGMA mmap_size=2147418112;",
                      e);
    } else {
        /* random reads (calls by id, blobs) go through the map, not pread() */
        rc = rec_exec(c->db, "PRAGMA cache_size=-16384; PRAGMA mmap_size=2147418112; PRAGMA temp_store=MEMORY;", e);
    }
cleanup:
    if (rc) {
        rconn_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void dict_clear(rconn *c)
{
    for (size_t i = 0; i < c->dict_cap; i++)
        free(c->dict[i].s);
    free(c->dict);
    c->dict = NULL;
    c->dict_cap = c->dict_n = 0;
}

void rconn_close(rconn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nstmt; i++) {
        sqlite3_finalize(c->stmt[i].st);
        free(c->stmt[i].sql);
    }
    dict_clear(c);
    ZSTD_freeDCtx(c->sc.dctx);
    buf_free(&c->sc.skel);
    buf_free(&c->sc.blob);
    buf_free(&c->sc.shape);
    buf_free(&c->b1);
    buf_free(&c->b2);
    buf_free(&c->b3);
    sqlite3_close_v2(c->db);
    free(c);
}

sqlite3_stmt *rconn_stmt(rconn *c, const char *sql, err_ctx *e)
{
    for (size_t i = 0; i < c->nstmt; i++) {
        if (!strcmp(c->stmt[i].sql, sql)) {
            sqlite3_reset(c->stmt[i].st);
            sqlite3_clear_bindings(c->stmt[i].st);
            return c->stmt[i].st;
        }
    }
    size_t slot = c->nstmt;
    if (slot == RCONN_STMTS) { /* evict one that is not being stepped */
        size_t k;
        for (k = 0; k < RCONN_STMTS; k++) {
            slot = (c->evict + k) % RCONN_STMTS;
            if (!sqlite3_stmt_busy(c->stmt[slot].st))
                break;
        }
        if (k == RCONN_STMTS) {
            err_set(e, LOUPE_EINTERNAL, "records: statement cache exhausted");
            return NULL;
        }
        c->evict = slot + 1;
        sqlite3_finalize(c->stmt[slot].st);
        free(c->stmt[slot].sql);
        c->stmt[slot].st = NULL;
        c->stmt[slot].sql = NULL;
    }
    sqlite3_stmt *st = NULL;
    char *copy = strdup(sql);
    if (!copy) {
        err_set(e, LOUPE_ENOMEM, "out of memory");
        return NULL;
    }
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        err_set(e, LOUPE_EIO, "records: prepare: %s", sqlite3_errmsg(c->db));
        free(copy);
        return NULL;
    }
    c->stmt[slot].sql = copy;
    c->stmt[slot].st = st;
    if (slot == c->nstmt)
        c->nstmt++;
    return st;
}

int rconn_dict_str(rconn *c, int64_t id, slice *out, err_ctx *e)
{
    if (id == 0) { /* an empty string (records_rows.c) */
        *out = slice_make(NULL, 0);
        return 0;
    }
    if (c->dict_cap) {
        for (size_t i = (size_t)hash_u64((uint64_t)id) & (c->dict_cap - 1);; i = (i + 1) & (c->dict_cap - 1)) {
            if (c->dict[i].id == id) {
                *out = slice_make(c->dict[i].s, c->dict[i].n);
                return 0;
            }
            if (!c->dict[i].id)
                break;
        }
    }
    if ((c->dict_n + 1) * 2 > c->dict_cap) {
        size_t cap = c->dict_cap ? c->dict_cap * 2 : 1024;
        dent *d = calloc(cap, sizeof *d);
        if (!d)
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        for (size_t i = 0; i < c->dict_cap; i++) {
            if (!c->dict[i].id)
                continue;
            size_t j = (size_t)hash_u64((uint64_t)c->dict[i].id) & (cap - 1);
            while (d[j].id)
                j = (j + 1) & (cap - 1);
            d[j] = c->dict[i];
        }
        free(c->dict);
        c->dict = d;
        c->dict_cap = cap;
    }
    sqlite3_stmt *st = rconn_stmt(c, "SELECT s FROM dict WHERE id=?1", e);
    if (!st)
        return e->code;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        if (rc == SQLITE_DONE) { /* not there: an empty string, do not cache */
            *out = slice_make(NULL, 0);
            return 0;
        }
        return err_set(e, LOUPE_EIO, "records: dictionary: %s", sqlite3_errmsg(c->db));
    }
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    const void *p = sqlite3_column_blob(st, 0);
    uint8_t *s = malloc(n + 1);
    if (!s) {
        sqlite3_reset(st);
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    }
    mem_copy(s, p, n);
    sqlite3_reset(st);
    size_t j = (size_t)hash_u64((uint64_t)id) & (c->dict_cap - 1);
    while (c->dict[j].id)
        j = (j + 1) & (c->dict_cap - 1);
    c->dict[j] = (dent){ id, s, (uint32_t)n };
    c->dict_n++;
    *out = slice_make(s, n);
    return 0;
}

int rconn_dict_id(rconn *c, slice s, int64_t *id, err_ctx *e)
{
    sqlite3_stmt *st = rconn_stmt(c, "SELECT id FROM dict WHERE s=?1", e);
    if (!st)
        return e->code;
    sqlite3_bind_blob(st, 1, s.n ? (const void *)s.p : "", (int)s.n, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return LOUPE_ENOTFOUND;
    return err_set(e, LOUPE_EIO, "records: dictionary: %s", sqlite3_errmsg(c->db));
}

int rconn_blob(void *ctx, uint64_t id, buf *out)
{
    rconn *c = ctx;
    err_ctx e = { 0 };
    sqlite3_stmt *st = rconn_stmt(c, "SELECT z FROM blobs WHERE id=?1", &e);
    if (!st)
        return e.code;
    sqlite3_bind_int64(st, 1, (int64_t)id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return LOUPE_EIO; /* a referenced blob is missing: corrupt */
    }
    const uint8_t *z = sqlite3_column_blob(st, 0);
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    rc = rec_zdecompress(z, n, &c->sc.dctx, rec_zdict_ddict, c->r, out);
    sqlite3_reset(st);
    return rc;
}

int rconn_field(rconn *c, sqlite3_stmt *st, int col, buf *out, err_ctx *e)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return 0;
    slice v = slice_make(sqlite3_column_blob(st, col), (size_t)sqlite3_column_bytes(st, col));
    int rc = rec_field_decode(v, rconn_blob, c, &c->sc, out);
    if (rc)
        return err_set(e, rc, "records: %s reading a stored text", rc == LOUPE_ENOMEM ? "out of memory" : "corruption");
    return 0;
}

/* ------------------------------------------------------------ pool */

rconn *rec_acquire(records *r)
{
    pthread_mutex_lock(&r->pool_mu);
    while (!r->free_readers)
        pthread_cond_wait(&r->pool_cv, &r->pool_mu);
    rconn *c = r->free_readers;
    r->free_readers = c->next_free;
    pthread_mutex_unlock(&r->pool_mu);
    /* dictionary slices handed out earlier are dead now: trim here */
    if (c->dict_n > 65536)
        dict_clear(c);
    return c;
}

void rec_release(records *r, rconn *c)
{
    if (!c)
        return;
    /* a huge reply should not pin its scratch memory */
    buf *bs[] = { &c->b1, &c->b2, &c->b3, &c->sc.skel, &c->sc.blob, &c->sc.shape };
    for (size_t i = 0; i < sizeof bs / sizeof *bs; i++)
        if (bs[i]->cap > (4u << 20))
            buf_free(bs[i]);
    pthread_mutex_lock(&r->pool_mu);
    c->next_free = r->free_readers;
    r->free_readers = c;
    pthread_cond_signal(&r->pool_cv);
    pthread_mutex_unlock(&r->pool_mu);
}

/* ------------------------------------------------------------ open / close */

static int load_state(records *r, err_ctx *e)
{
    sqlite3 *db = r->wc->db;
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k='hkey'", -1, &st, NULL) != SQLITE_OK) {
        rc = err_set(e, LOUPE_EIO, "records: %s", sqlite3_errmsg(db));
        goto cleanup;
    }
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 16) {
        memcpy(r->hkey, sqlite3_column_blob(st, 0), 16);
    } else {
        sqlite3_finalize(st);
        st = NULL;
        if (getrandom(r->hkey, sizeof r->hkey, 0) != (ssize_t)sizeof r->hkey)
            r->hkey[0] = (uint64_t)rec_now_ns(), r->hkey[1] = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL;
        if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(k, v) VALUES('hkey', ?1)", -1, &st, NULL) !=
            SQLITE_OK) {
            rc = err_set(e, LOUPE_EIO, "records: %s", sqlite3_errmsg(db));
            goto cleanup;
        }
        sqlite3_bind_blob(st, 1, r->hkey, 16, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = err_set(e, LOUPE_EIO, "records: %s", sqlite3_errmsg(db));
            goto cleanup;
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT spans, calls, logs, blobs, blob_bytes, blob_raw FROM stats WHERE id=1", -1,
                           &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = err_set(e, LOUPE_EIO, "records: stats: %s", sqlite3_errmsg(db));
        goto cleanup;
    }
    r->st_spans = (uint64_t)sqlite3_column_int64(st, 0);
    r->st_calls = (uint64_t)sqlite3_column_int64(st, 1);
    r->st_logs = (uint64_t)sqlite3_column_int64(st, 2);
    r->st_blobs = (uint64_t)sqlite3_column_int64(st, 3);
    r->st_blob_bytes = (uint64_t)sqlite3_column_int64(st, 4);
    r->st_blob_raw = (uint64_t)sqlite3_column_int64(st, 5);
cleanup:
    sqlite3_finalize(st);
    return rc;
}

static int init_schema(records *r, err_ctx *e)
{
    sqlite3 *db = r->wc->db;
    sqlite3_stmt *st = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version == SCHEMA_VERSION)
        return 0;
    if (version != 0)
        return err_set(e, LOUPE_EIO, "records: %s has schema version %d, this build reads %d", r->path, version,
                       SCHEMA_VERSION);
    int rc = rec_exec(db, "BEGIN IMMEDIATE", e);
    if (rc)
        return rc;
    if ((rc = rec_exec(db, schema_sql, e)) || (rc = rec_exec(db, "PRAGMA user_version=" SCHEMA_VERSION_STR "; COMMIT", e))) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return 0;
}

int records_open(const records_opts *o, records **out, err_ctx *e)
{
    int rc = 0;
    *out = NULL;
    records *r = calloc(1, sizeof *r);
    if (!r)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    r->o = *o;
    if (!r->o.max_pending_bytes)
        r->o.max_pending_bytes = 64u << 20;
    if (r->o.read_connections <= 0)
        r->o.read_connections = 4;
    if (r->o.read_connections > 64)
        r->o.read_connections = 64;
    pthread_mutex_init(&r->pool_mu, NULL);
    pthread_cond_init(&r->pool_cv, NULL);
    pthread_mutex_init(&r->q_mu, NULL);
    pthread_cond_init(&r->q_cv, NULL);
    pthread_mutex_init(&r->hc_mu, NULL);
    const char *dir = o->dir && *o->dir ? o->dir : ".";
    if (mkdir(dir, 0755) && errno != EEXIST) {
        rc = err_set(e, LOUPE_EIO, "records: mkdir %s: %s", dir, strerror(errno));
        goto cleanup;
    }
    if ((size_t)snprintf(r->path, sizeof r->path, "%s/records.db", dir) >= sizeof r->path) {
        rc = err_set(e, LOUPE_EINVAL, "records: data directory path too long");
        goto cleanup;
    }
    r->hc = calloc((size_t)1 << REC_HC_BITS, sizeof *r->hc);
    r->readers = calloc((size_t)r->o.read_connections, sizeof *r->readers);
    if (!r->hc || !r->readers) {
        rc = err_set(e, LOUPE_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = rconn_open(r, &r->wc, r->path, 0, e)) || (rc = init_schema(r, e)) || (rc = load_state(r, e)) ||
        (rc = rec_zdict_open(r, e)))
        goto cleanup;
    for (int i = 0; i < r->o.read_connections; i++) {
        if ((rc = rconn_open(r, &r->readers[i], r->path, 1, e)))
            goto cleanup;
        r->nreaders++;
        r->readers[i]->next_free = r->free_readers;
        r->free_readers = r->readers[i];
    }
    rc = rec_writer_start(r, e);
cleanup:
    if (rc) {
        records_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

void records_close(records *r)
{
    if (!r)
        return;
    rec_writer_stop(r); /* drains the queue, checkpoints, closes r->wc */
    rconn_close(r->wc);
    for (int i = 0; i < r->nreaders; i++)
        rconn_close(r->readers[i]);
    free(r->readers);
    free(r->hc);
    rec_zdict_close(r);
    pthread_mutex_destroy(&r->pool_mu);
    pthread_cond_destroy(&r->pool_cv);
    pthread_mutex_destroy(&r->q_mu);
    pthread_cond_destroy(&r->q_cv);
    pthread_mutex_destroy(&r->hc_mu);
    free(r);
}

/* ------------------------------------------------------------ stats */

int rec_stats_save(records *r, const rec_delta *d, err_ctx *e)
{
    sqlite3_stmt *st = rconn_stmt(r->wc,
                                  "UPDATE stats SET spans=?1, calls=?2, logs=?3, blobs=?4, blob_bytes=?5, "
                                  "blob_raw=?6 WHERE id=1",
                                  e);
    if (!st)
        return e->code;
    uint64_t v[6] = { r->st_spans + (uint64_t)d->spans, r->st_calls + (uint64_t)d->calls,
                      r->st_logs + (uint64_t)d->logs, r->st_blobs + (uint64_t)d->blobs,
                      r->st_blob_bytes + (uint64_t)d->blob_bytes, r->st_blob_raw + (uint64_t)d->blob_raw };
    for (int i = 0; i < 6; i++)
        sqlite3_bind_int64(st, i + 1, (int64_t)v[i]);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : err_set(e, LOUPE_EIO, "records: stats: %s", sqlite3_errmsg(r->wc->db));
}

void rec_stats_apply(records *r, const rec_delta *d)
{
    __atomic_add_fetch(&r->st_spans, (uint64_t)d->spans, __ATOMIC_RELAXED);
    __atomic_add_fetch(&r->st_calls, (uint64_t)d->calls, __ATOMIC_RELAXED);
    __atomic_add_fetch(&r->st_logs, (uint64_t)d->logs, __ATOMIC_RELAXED);
    __atomic_add_fetch(&r->st_blobs, (uint64_t)d->blobs, __ATOMIC_RELAXED);
    __atomic_add_fetch(&r->st_blob_bytes, (uint64_t)d->blob_bytes, __ATOMIC_RELAXED);
    __atomic_add_fetch(&r->st_blob_raw, (uint64_t)d->blob_raw, __ATOMIC_RELAXED);
}

static uint64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) ? 0 : (uint64_t)sb.st_size;
}

void records_get_stats(records *r, records_stats *st)
{
    memset(st, 0, sizeof *st);
#define LD(x) __atomic_load_n(&r->x, __ATOMIC_RELAXED)
    st->spans = LD(st_spans);
    st->calls = LD(st_calls);
    st->logs = LD(st_logs);
    st->blobs = LD(st_blobs);
    st->blob_bytes = LD(st_blob_bytes);
    st->blob_raw_bytes = LD(st_blob_raw);
    st->commits = LD(st_commits);
    st->commit_ns = LD(st_commit_ns);
    st->batches = LD(st_batches);
#undef LD
    char wal[sizeof r->path + 8];
    snprintf(wal, sizeof wal, "%s-wal", r->path);
    st->db_file_bytes = file_size(r->path);
    st->wal_file_bytes = file_size(wal);
}
