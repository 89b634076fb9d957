/* records_traces.c - reading spans and logs: a trace's spans and log
 * records, the service and operation lists (side tables kept by the
 * writer) and trace search by service, operation, user, session, tags,
 * errors, time and duration. */
#include "util/mem.h"
#include "store/records_int.h"
#include "util/hash.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A span's own start, service, user and session are the row's unless
 * s_* say otherwise (records_rows.c). */
#define SPAN_COLS                                                                                                    \
    "trace_id, span_id, parent_id, coalesce(s_service, service), name, kind, start_ns + coalesce(s_ds, 0), dur_ns,"\
    " status,"                                                                                                     \
    " status_msg, attrs, events, links, resource, scope_name, scope_version, coalesce(s_user, user_id),"           \
    " coalesce(s_session, session_id)"
#define TAG_SCAN_MAX 500000 /* spans examined by one trace search */

typedef struct spanbufs {
    buf msg, attrs, events, links, resource;
} spanbufs;

static void spanbufs_free(spanbufs *b)
{
    buf_free(&b->msg);
    buf_free(&b->attrs);
    buf_free(&b->events);
    buf_free(&b->links);
    buf_free(&b->resource);
}

static int dict_col(rconn *c, sqlite3_stmt *st, int col, slice *out, err_ctx *e)
{
    *out = slice_make(NULL, 0);
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return 0;
    return rconn_dict_str(c, sqlite3_column_int64(st, col), out, e);
}

static void id_col(sqlite3_stmt *st, int col, uint8_t *out, size_t n, int *has)
{
    int ok = sqlite3_column_bytes(st, col) == (int)n;
    if (ok)
        memcpy(out, sqlite3_column_blob(st, col), n);
    if (has)
        *has = ok;
}

int records_trace_spans(records *r, const uint8_t trace_id[16], rec_span_fn fn, void *ctx, err_ctx *e)
{
    rconn *c = rec_acquire(r);
    spanbufs b;
    memset(&b, 0, sizeof b);
    int rc = 0, src = SQLITE_DONE;
    sqlite3_stmt *st = rconn_stmt(c, "SELECT " SPAN_COLS " FROM spans WHERE trace_id=?1 AND span = 1 ORDER BY start_ns, id", e);
    if (!st) {
        rc = e->code;
        goto cleanup;
    }
    sqlite3_bind_blob(st, 1, trace_id, 16, SQLITE_STATIC);
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        rec_span s;
        memset(&s, 0, sizeof s);
        id_col(st, 0, s.trace_id, 16, NULL);
        id_col(st, 1, s.span_id, 8, NULL);
        id_col(st, 2, s.parent_id, 8, &s.has_parent);
        s.kind = sqlite3_column_int(st, 5);
        s.start_ns = sqlite3_column_int64(st, 6);
        s.end_ns = (int64_t)((uint64_t)s.start_ns + (uint64_t)sqlite3_column_int64(st, 7));
        s.status_code = sqlite3_column_int(st, 8);
        buf *fb[5] = { &b.msg, &b.attrs, &b.events, &b.links, &b.resource };
        slice *fs[5] = { &s.status_message, &s.attrs_json, &s.events_json, &s.links_json, &s.resource_json };
        for (int i = 0; i < 5 && !rc; i++) {
            fb[i]->n = 0;
            rc = rconn_field(c, st, 9 + i, fb[i], e);
            *fs[i] = buf_slice(fb[i]);
        }
        if (rc || (rc = dict_col(c, st, 3, &s.service, e)) || (rc = dict_col(c, st, 4, &s.name, e)) ||
            (rc = dict_col(c, st, 14, &s.scope_name, e)) || (rc = dict_col(c, st, 15, &s.scope_version, e)) ||
            (rc = dict_col(c, st, 16, &s.user_id, e)) || (rc = dict_col(c, st, 17, &s.session_id, e)))
            break;
        rc = fn(ctx, &s);
    }
    if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = err_set(e, LOUPE_EIO, "records: spans: %s", sqlite3_errmsg(c->db));
    sqlite3_reset(st);
cleanup:
    spanbufs_free(&b);
    rec_release(r, c);
    return rc;
}

int records_trace_logs(records *r, const uint8_t trace_id[16], rec_log_fn fn, void *ctx, err_ctx *e)
{
    rconn *c = rec_acquire(r);
    spanbufs b;
    memset(&b, 0, sizeof b);
    int rc = 0, src = SQLITE_DONE;
    sqlite3_stmt *st = rconn_stmt(c,
                                  "SELECT time_ns, observed_ns, severity, severity_text, body, attrs, resource,"
                                  " service, event, trace_id, span_id FROM logs WHERE trace_id=?1 ORDER BY t, id",
                                  e);
    if (!st) {
        rc = e->code;
        goto cleanup;
    }
    sqlite3_bind_blob(st, 1, trace_id, 16, SQLITE_STATIC);
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        rec_log l;
        memset(&l, 0, sizeof l);
        l.time_ns = sqlite3_column_int64(st, 0);
        l.observed_ns = sqlite3_column_int64(st, 1);
        l.severity_number = sqlite3_column_int(st, 2);
        buf *fb[3] = { &b.msg, &b.attrs, &b.resource };
        slice *fs[3] = { &l.body, &l.attrs_json, &l.resource_json };
        for (int i = 0; i < 3 && !rc; i++) {
            fb[i]->n = 0;
            rc = rconn_field(c, st, 4 + i, fb[i], e);
            *fs[i] = buf_slice(fb[i]);
        }
        if (rc || (rc = dict_col(c, st, 3, &l.severity_text, e)) || (rc = dict_col(c, st, 7, &l.service, e)) ||
            (rc = dict_col(c, st, 8, &l.event_name, e)))
            break;
        id_col(st, 9, l.trace_id, 16, &l.has_trace_id);
        id_col(st, 10, l.span_id, 8, &l.has_span_id);
        rc = fn(ctx, &l);
    }
    if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = err_set(e, LOUPE_EIO, "records: logs: %s", sqlite3_errmsg(c->db));
    sqlite3_reset(st);
cleanup:
    spanbufs_free(&b);
    rec_release(r, c);
    return rc;
}

int records_services(records *r, rec_str_fn fn, void *ctx, err_ctx *e)
{
    rconn *c = rec_acquire(r);
    int rc = 0, src = SQLITE_DONE;
    sqlite3_stmt *st = rconn_stmt(c, "SELECT d.s FROM svc JOIN dict d ON d.id = svc.service ORDER BY d.s", e);
    if (!st) {
        rc = e->code;
        goto cleanup;
    }
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(ctx, slice_make(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0)));
    if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = err_set(e, LOUPE_EIO, "records: services: %s", sqlite3_errmsg(c->db));
    sqlite3_reset(st);
cleanup:
    rec_release(r, c);
    return rc;
}

int records_operations(records *r, slice service, rec_op_fn fn, void *ctx, err_ctx *e)
{
    rconn *c = rec_acquire(r);
    int64_t sid = 0;
    int rc = rconn_dict_id(c, service, &sid, e), src = SQLITE_DONE;
    if (rc) {
        if (rc == LOUPE_ENOTFOUND)
            rc = 0;
        goto cleanup;
    }
    sqlite3_stmt *st = rconn_stmt(c,
                                  "SELECT d.s, ops.kind FROM ops JOIN dict d ON d.id = ops.name"
                                  " WHERE ops.service = ?1 ORDER BY d.s, ops.kind",
                                  e);
    if (!st) {
        rc = e->code;
        goto cleanup;
    }
    sqlite3_bind_int64(st, 1, sid);
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(ctx, slice_make(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0)),
                sqlite3_column_int(st, 1));
    if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = err_set(e, LOUPE_EIO, "records: operations: %s", sqlite3_errmsg(c->db));
    sqlite3_reset(st);
cleanup:
    rec_release(r, c);
    return rc;
}

/* ------------------------------------------------------------ trace search */

/* 1 when the attribute's text form equals want: strings as they are,
 * numbers by value (so "3" finds 3.0), booleans and null as JSON text,
 * objects and arrays as compact JSON. */
static int value_is(const cJSON *v, slice want)
{
    if (cJSON_IsString(v))
        return slice_eq(slice_cstr(v->valuestring), want);
    if (cJSON_IsBool(v))
        return slice_eq_cstr(want, cJSON_IsTrue(v) ? "true" : "false");
    if (cJSON_IsNull(v))
        return slice_eq_cstr(want, "null");
    if (cJSON_IsNumber(v)) {
        char tmp[64];
        if (want.n == 0 || want.n >= sizeof tmp)
            return 0;
        memcpy(tmp, want.p, want.n);
        tmp[want.n] = '\0';
        char *end;
        double d = strtod(tmp, &end);
        return *end == '\0' && d == v->valuedouble;
    }
    char *s = cJSON_PrintUnformatted(v);
    int eq = s && slice_eq(slice_cstr(s), want);
    cJSON_free(s);
    return eq;
}

static const cJSON *find_key(const cJSON *obj, slice key)
{
    if (!cJSON_IsObject(obj))
        return NULL;
    for (const cJSON *it = obj->child; it; it = it->next)
        if (it->string && slice_eq(slice_cstr(it->string), key))
            return it;
    return NULL;
}

/* All tags on the span: each in its attributes or its resource. */
static int tags_match(rconn *c, sqlite3_stmt *st, const rec_trace_query *q, spanbufs *b, err_ctx *e)
{
    b->attrs.n = b->resource.n = 0;
    int rc;
    if ((rc = rconn_field(c, st, 1, &b->attrs, e)) || (rc = rconn_field(c, st, 2, &b->resource, e)))
        return rc;
    cJSON *a = b->attrs.n ? cJSON_ParseWithLength((const char *)b->attrs.p, b->attrs.n) : NULL;
    cJSON *res = b->resource.n ? cJSON_ParseWithLength((const char *)b->resource.p, b->resource.n) : NULL;
    int ok = 1;
    for (size_t i = 0; i < q->ntags && ok; i++) {
        const cJSON *v = find_key(a, q->tags[i].key);
        if (!v || !value_is(v, q->tags[i].value)) {
            v = find_key(res, q->tags[i].key);
            ok = v && value_is(v, q->tags[i].value);
        }
    }
    cJSON_Delete(a);
    cJSON_Delete(res);
    return ok;
}

int records_find_traces(records *r, const rec_trace_query *q, uint8_t (**ids)[16], size_t *nids, err_ctx *e)
{
    *ids = NULL;
    *nids = 0;
    size_t limit = q->limit == 0 ? 20 : q->limit > 10000 ? 10000 : q->limit;
    rconn *c = rec_acquire(r);
    spanbufs b;
    memset(&b, 0, sizeof b);
    uint8_t (*out)[16] = NULL;
    uint32_t *set = NULL; /* open addressing over out[] indexes + 1 */
    size_t n = 0, setcap = 16;
    while (setcap < limit * 2)
        setcap *= 2;
    int64_t dict[4] = { 0, 0, 0, 0 };
    const slice names[4] = { q->service, q->operation, q->user_id, q->session_id };
    static const char *const cols[4] = { "service", "name", "user_id", "session_id" };
    char sql[1024];
    sqlite3_stmt *sts[2] = { NULL, NULL };
    int has[2] = { 0, 0 };
    size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT trace_id, attrs, resource, start_ns FROM spans WHERE"
                                                   " span = 1 AND start_ns >= ?1 AND start_ns <= ?2");
    int rc = 0, src = SQLITE_DONE;
    for (int i = 0; i < 4; i++) {
        if (!names[i].n)
            continue;
        if ((rc = rconn_dict_id(c, names[i], &dict[i], e))) {
            if (rc == LOUPE_ENOTFOUND)
                rc = 0;
            goto cleanup;
        }
        len += (size_t)snprintf(sql + len, sizeof sql - len, " AND %s = ?%d", cols[i], 3 + i);
    }
    if (q->errors_only)
        len += (size_t)snprintf(sql + len, sizeof sql - len, " AND status = 2");
    if (q->min_duration_ns > 0)
        len += (size_t)snprintf(sql + len, sizeof sql - len, " AND dur_ns >= ?7");
    if (q->max_duration_ns > 0)
        len += (size_t)snprintf(sql + len, sizeof sql - len, " AND dur_ns <= ?8");
    /* without a service, user or session the time indexes lead: one for
     * calls, one for the other spans, merged newest first */
    int nst = dict[0] || dict[2] || dict[3] ? 1 : 2;
    char sql2[2][1100];
    out = malloc(limit * sizeof *out);
    set = calloc(setcap, sizeof *set);
    if (!out || !set) {
        rc = err_set(e, LOUPE_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (int k = 0; k < nst; k++) {
        snprintf(sql2[k], sizeof sql2[k], "%s%s ORDER BY start_ns DESC", sql,
                 nst == 1 ? "" : k ? " AND call IS NULL" : " AND call = 1");
        if (!(sts[k] = rconn_stmt(c, sql2[k], e))) {
            rc = e->code;
            goto cleanup;
        }
        sqlite3_stmt *st = sts[k];
        sqlite3_bind_int64(st, 1, q->start_ns);
        sqlite3_bind_int64(st, 2, q->end_ns ? q->end_ns : INT64_MAX);
        for (int i = 0; i < 4; i++)
            if (dict[i])
                sqlite3_bind_int64(st, 3 + i, dict[i]);
        sqlite3_bind_int64(st, 7, q->min_duration_ns);
        sqlite3_bind_int64(st, 8, q->max_duration_ns);
    }
    for (int k = 0; k < nst; k++)
        if (!(has[k] = (src = sqlite3_step(sts[k])) == SQLITE_ROW) && src != SQLITE_DONE)
            break;
    size_t seen = 0;
    while (n < limit && seen++ < TAG_SCAN_MAX && (has[0] || has[1])) {
        int k = !has[0] || (has[1] && sqlite3_column_int64(sts[1], 3) > sqlite3_column_int64(sts[0], 3));
        sqlite3_stmt *st = sts[k];
        if (sqlite3_column_bytes(st, 0) != 16)
            goto next;
        const uint8_t *tid = sqlite3_column_blob(st, 0);
        uint64_t h;
        memcpy(&h, tid, 8);
        size_t j = (size_t)hash_u64(h) & (setcap - 1);
        while (set[j] && memcmp(out[set[j] - 1], tid, 16))
            j = (j + 1) & (setcap - 1);
        if (set[j])
            goto next; /* trace already found */
        if (q->ntags) {
            int ok = tags_match(c, st, q, &b, e);
            if (ok < 0) {
                rc = ok;
                break;
            }
            if (!ok)
                goto next;
        }
        memcpy(out[n], tid, 16);
        set[j] = (uint32_t)++n;
    next:
        if (!(has[k] = (src = sqlite3_step(st)) == SQLITE_ROW) && src != SQLITE_DONE)
            break;
    }
    if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = err_set(e, LOUPE_EIO, "records: trace search: %s", sqlite3_errmsg(c->db));
cleanup:
    for (int k = 0; k < 2; k++)
        if (sts[k])
            sqlite3_reset(sts[k]);
    spanbufs_free(&b);
    free(set);
    rec_release(r, c);
    if (rc) {
        free(out);
        return rc;
    }
    if (n == 0) {
        free(out);
        out = NULL;
    }
    *ids = out;
    *nids = n;
    return 0;
}
