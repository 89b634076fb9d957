/* records_calls.c - reading LLM calls: the filtered, full-text searchable,
 * cursor-paged list (records_calls), one call in full (records_call_get)
 * and top-N aggregations (records_top).
 *
 * Full-text plan: each q group (word, CJK run, phrase) gets the set of
 * blobs holding its tokens from FTS5 (detail=none: presence only).  If one
 * group is rare (its blobs are used by fewer than TERM_CALLS calls), the
 * calls using those blobs are the candidates, checked against the filters
 * by id and sorted.  Otherwise the calls are scanned newest first through
 * the filters' index and checked one by one, within a work budget (a page
 * may then come back short, with a cursor to go on).  Either way a call
 * matches when every group is in some blob of the call (groups may be in
 * different blobs); phrases, CJK runs and very common words are verified on
 * the decompressed text. */
#include "util/mem.h"
#include "store/records_int.h"
#include "util/varint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The plan's thresholds (tests lower them to run every path on little data). */
size_t rec_tune_term_calls = 4096;    /* a group used by fewer calls drives the search */
size_t rec_tune_count_blobs = 4096;   /* a group in more blobs is not counted: not rare */
size_t rec_tune_common_blobs = 20000; /* a group in more blobs: its newest are listed, older ones probed */
size_t rec_tune_scan_budget = 60000;  /* work units per page (a row 1, a probe 2, a text check 10) */
#define TERM_CALLS rec_tune_term_calls
#define COUNT_BLOBS rec_tune_count_blobs
#define COMMON_BLOBS rec_tune_common_blobs
#define SCAN_BUDGET rec_tune_scan_budget
#define PREVIEW_CHARS 200

/* A call's own start and duration are the row's unless c_ds / c_dur say
 * otherwise (records_rows.c). */
#define CALL_COLS                                                                                                    \
    "id, start_ns + coalesce(c_ds, 0), coalesce(c_dur, dur_ns), trace_id, span_id, service, user_id, session_id,"  \
    " provider, model, route, template, c_status,"                                                                 \
    " error, finish, in_tok, out_tok, cached_tok, cwrite_tok, reason_tok, cost, cost_src, latency, ttft, prompt,"  \
    " completion, messages, sblobs"
enum { K_ID, K_START, K_DUR, K_TRACE, K_SPAN, K_DICT0, K_STATUS = 12, K_ERROR, K_FINISH, K_TOK0, K_COST = 20,
       K_COST_SRC, K_LATENCY, K_TTFT, K_PROMPT, K_COMPLETION, K_MESSAGES, K_SBLOBS };

/* ------------------------------------------------------------ cursor */

static void cursor_put(buf *out, int64_t start, int64_t id)
{
    out->n = 0;
    buf_printf(out, "%016llx%016llx", (unsigned long long)start, (unsigned long long)id);
}

static int cursor_get(slice s, int64_t *start, int64_t *id)
{
    if (s.n != 32)
        return -1;
    uint64_t v[2] = { 0, 0 };
    for (size_t i = 0; i < 32; i++) {
        uint8_t c = s.p[i];
        int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (h < 0)
            return -1;
        v[i / 16] = v[i / 16] << 4 | (uint64_t)h;
    }
    *start = (int64_t)v[0];
    *id = (int64_t)v[1];
    return *id > 0 ? 0 : -1;
}

/* ------------------------------------------------------------ rows */

typedef struct rowbufs {
    buf err, prompt, completion, messages, attrs, pp, cp, snip, texts;
    uint32_t hl[REC_SNIPPET_HL][2];
} rowbufs;

static void rowbufs_free(rowbufs *b)
{
    buf *all[] = { &b->err, &b->prompt, &b->completion, &b->messages, &b->attrs, &b->pp, &b->cp, &b->snip, &b->texts };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        buf_free(all[i]);
}

static int col_preview(rconn *c, sqlite3_stmt *st, int col, buf *out)
{
    out->n = 0;
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return 0;
    slice v = slice_make(sqlite3_column_blob(st, col), (size_t)sqlite3_column_bytes(st, col));
    int rc = rec_field_preview(v, rconn_blob, c, &c->sc, out);
    if (rc)
        return rc;
    out->n = rec_utf8_prefix(out->p, out->n, PREVIEW_CHARS);
    return 0;
}

/* Fills and hands out one row of CALL_COLS (full: with prompt, completion,
 * messages and the span's attributes). */
static int emit_row(rconn *c, sqlite3_stmt *st, int full, const rec_query *pq, rowbufs *b, rec_call_fn fn, void *ctx,
                    err_ctx *e)
{
    rec_call_row row;
    memset(&row, 0, sizeof row);
    rec_call *k = &row.c;
    row.id = sqlite3_column_int64(st, K_ID);
    k->start_ns = sqlite3_column_int64(st, K_START);
    k->end_ns = (int64_t)((uint64_t)k->start_ns + (uint64_t)sqlite3_column_int64(st, K_DUR));
    if (sqlite3_column_bytes(st, K_TRACE) == 16)
        memcpy(k->trace_id, sqlite3_column_blob(st, K_TRACE), 16);
    if (sqlite3_column_bytes(st, K_SPAN) == 8)
        memcpy(k->span_id, sqlite3_column_blob(st, K_SPAN), 8);
    slice *names[8] = { &k->service, &k->user_id, &k->session_id, &k->provider, &k->model, &k->route,
                        &k->template_name, &k->finish_reason };
    int rc;
    for (int i = 0; i < 8; i++) {
        int col = i < 7 ? K_DICT0 + i : K_FINISH;
        if (sqlite3_column_type(st, col) != SQLITE_NULL &&
            (rc = rconn_dict_str(c, sqlite3_column_int64(st, col), names[i], e)))
            return rc;
    }
    k->status = sqlite3_column_int(st, K_STATUS);
    int64_t *toks[5] = { &k->input_tokens, &k->output_tokens, &k->cached_input_tokens, &k->cache_write_tokens,
                         &k->reasoning_tokens };
    for (int i = 0; i < 5; i++)
        *toks[i] = sqlite3_column_type(st, K_TOK0 + i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, K_TOK0 + i);
    double *reals[3] = { &k->cost_usd, &k->latency_ms, &k->ttft_ms };
    int rcols[3] = { K_COST, K_LATENCY, K_TTFT };
    for (int i = 0; i < 3; i++) {
        int t = sqlite3_column_type(st, rcols[i]);
        *reals[i] = t == SQLITE_NULL      ? NAN
                    : t == SQLITE_INTEGER && i ? (double)sqlite3_column_int64(st, rcols[i]) / 1000.0 /* µs */
                                               : sqlite3_column_double(st, rcols[i]);
    }
    k->cost_source = sqlite3_column_int(st, K_COST_SRC);
    b->err.n = 0;
    if ((rc = rconn_field(c, st, K_ERROR, &b->err, e)))
        return rc;
    k->error = buf_slice(&b->err);
    if ((rc = col_preview(c, st, K_PROMPT, &b->pp)) || (rc = col_preview(c, st, K_COMPLETION, &b->cp)))
        return err_set(e, rc, "records: reading a preview");
    row.prompt_preview = buf_slice(&b->pp);
    row.completion_preview = buf_slice(&b->cp);
    if (pq) { /* the first searchable text with a match, in prompt-to-completion order */
        size_t nhl = 0;
        slice sb = slice_make(sqlite3_column_blob(st, K_SBLOBS), (size_t)sqlite3_column_bytes(st, K_SBLOBS));
        const uint8_t *p = sb.p, *end = sb.p + sb.n;
        uint64_t id, first = 0;
        while (nhl == 0 && p && p < end && !varint_get(&p, end, &id)) {
            b->texts.n = 0;
            if ((rc = rconn_blob(c, id, &b->texts)))
                return err_set(e, rc, "records: reading call text");
            slice t = buf_slice(&b->texts);
            if ((rc = rec_snippet(pq, &t, 1, &b->snip, b->hl, &nhl)))
                return err_set(e, rc, "records: making a snippet");
            first = first ? first : id;
        }
        if (nhl == 0 && first) { /* no match to show: the start of the first text */
            b->texts.n = 0;
            if ((rc = rconn_blob(c, first, &b->texts)))
                return err_set(e, rc, "records: reading call text");
            slice t = buf_slice(&b->texts);
            if ((rc = rec_snippet(pq, &t, 1, &b->snip, b->hl, &nhl)))
                return err_set(e, rc, "records: making a snippet");
        }
        row.snippet = buf_slice(&b->snip);
        row.highlights = (const uint32_t(*)[2])b->hl;
        row.nhighlights = nhl;
    }
    if (full) {
        b->prompt.n = b->completion.n = b->messages.n = b->attrs.n = 0;
        if ((rc = rconn_field(c, st, K_PROMPT, &b->prompt, e)) ||
            (rc = rconn_field(c, st, K_COMPLETION, &b->completion, e)) ||
            (rc = rconn_field(c, st, K_MESSAGES, &b->messages, e)))
            return rc;
        k->prompt = buf_slice(&b->prompt);
        k->completion = buf_slice(&b->completion);
        k->messages_json = buf_slice(&b->messages);
        /* the call's span is its row */
        sqlite3_stmt *as = rconn_stmt(c, "SELECT attrs FROM spans WHERE id=?1", e);
        if (!as)
            return e->code;
        sqlite3_bind_int64(as, 1, row.id);
        if (sqlite3_step(as) == SQLITE_ROW)
            rc = rconn_field(c, as, 0, &b->attrs, e);
        sqlite3_reset(as);
        if (rc)
            return rc;
        row.attrs_json = buf_slice(&b->attrs);
    }
    return fn(ctx, &row);
}

/* ------------------------------------------------------------ list */

typedef struct qgrp {
    int64_t *ids; /* blobs holding the group's tokens, ascending */
    size_t n;
    int common;   /* in too many blobs to list: ids holds the newest ones
                   * (from lo up); older blobs are probed */
    int textonly; /* only stopwords (not indexed): every blob is checked on its text */
    int64_t lo;
    int text;     /* several tokens: a blob holding them all is checked on its text */
    size_t est;   /* calls using those blobs, capped at TERM_CALLS */
    buf expr;     /* the FTS5 expression */
} qgrp;

typedef struct cand {
    int64_t start, id;
} cand;

/* (group, blob) -> match, for the checks that cost a probe or a decode:
 * a system prompt shared by thousands of calls is checked once. */
typedef struct vent {
    uint64_t key; /* blob << 5 | group, + 1; 0 empty */
    int8_t v;
} vent;
#define VCACHE 4096

typedef struct lq {
    records *r;
    rconn *c;
    const rec_call_query *q;
    rec_query pq;
    int has_q;
    qgrp g[REC_Q_GROUPS];
    int64_t dict[7];
    char where[1024];
    rowbufs b;
    vent vc[VCACHE];
    size_t vn;
    size_t work;
    err_ctx *e;
} lq;


static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Binds the filter parameters (numbers fixed, see build_where). */
static void bind_filters(lq *L, sqlite3_stmt *st, int64_t cur_start, int64_t cur_id)
{
    const rec_call_query *q = L->q;
    for (int i = 0; i < 7; i++)
        if (L->dict[i])
            sqlite3_bind_int64(st, 1 + i, L->dict[i]);
    if (q->has_trace_id)
        sqlite3_bind_blob(st, 8, q->trace_id, 16, SQLITE_STATIC);
    sqlite3_bind_int(st, 9, q->status);
    sqlite3_bind_int64(st, 10, q->start_ns);
    sqlite3_bind_int64(st, 11, q->end_ns ? q->end_ns : INT64_MAX);
    if (!isnan(q->min_cost))
        sqlite3_bind_double(st, 12, q->min_cost);
    if (!isnan(q->max_cost))
        sqlite3_bind_double(st, 13, q->max_cost);
    sqlite3_bind_int64(st, 14, cur_start);
    sqlite3_bind_int64(st, 15, cur_id);
}

static void build_where(lq *L, int cursor)
{
    static const char *const cols[7] = { "user_id", "session_id", "service", "model", "route", "provider", "template" };
    const rec_call_query *q = L->q;
    size_t n = 0;
    char *w = L->where;
    n += (size_t)snprintf(w + n, sizeof L->where - n, "call = 1 AND start_ns >= ?10 AND start_ns <= ?11");
    for (int i = 0; i < 7; i++)
        if (L->dict[i])
            n += (size_t)snprintf(w + n, sizeof L->where - n, " AND %s = ?%d", cols[i], i + 1);
    if (q->has_trace_id)
        n += (size_t)snprintf(w + n, sizeof L->where - n, " AND trace_id = ?8");
    if (q->status)
        n += (size_t)snprintf(w + n, sizeof L->where - n, " AND c_status = ?9");
    if (!isnan(q->min_cost))
        n += (size_t)snprintf(w + n, sizeof L->where - n, " AND cost >= ?12");
    if (!isnan(q->max_cost))
        n += (size_t)snprintf(w + n, sizeof L->where - n, " AND cost <= ?13");
    if (cursor)
        snprintf(w + n, sizeof L->where - n, " AND (start_ns, id) < (?14, ?15)");
}

/* Blob sets of the q groups, and how many calls use them. */
static int load_groups(lq *L)
{
    int rc = 0;
    for (size_t gi = 0; gi < L->pq.ng && !rc; gi++) {
        qgrp *g = &L->g[gi];
        g->text = L->pq.g[gi].n > 1;
        if ((rc = rec_query_fts(&L->pq, gi, &g->expr))) {
            err_set(L->e, rc, "out of memory");
            break;
        }
        if (g->expr.n == 0) { /* stopwords: on the text, newest first */
            g->textonly = g->common = g->text = 1;
            g->lo = INT64_MAX;
            g->est = TERM_CALLS;
            continue;
        }
        /* newest first: a common word's newest blobs are those of the
         * calls a newest-first scan meets first (blob ids grow with time) */
        sqlite3_stmt *st = rconn_stmt(L->c, "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
                                      L->e);
        if (!st) {
            rc = L->e->code;
            break;
        }
        sqlite3_bind_text(st, 1, (const char *)g->expr.p, (int)g->expr.n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (int64_t)COMMON_BLOBS + 1);
        size_t cap = 0;
        int src;
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            if (g->n == cap) {
                cap = cap ? cap * 2 : 64;
                int64_t *v = realloc(g->ids, cap * sizeof *v);
                if (!v) {
                    rc = err_set(L->e, LOUPE_ENOMEM, "out of memory");
                    break;
                }
                g->ids = v;
            }
            g->ids[g->n++] = sqlite3_column_int64(st, 0);
        }
        sqlite3_reset(st);
        L->work += g->n / 64;
        if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
            rc = err_set(L->e, LOUPE_EIO, "records: full-text query: %s", sqlite3_errmsg(L->c->db));
        if (rc)
            break;
        if (g->n == 0)
            continue;
        qsort(g->ids, g->n, sizeof *g->ids, cmp_i64);
        if (g->n > COMMON_BLOBS) {
            g->n = COMMON_BLOBS; /* the extra one only told us there are more */
            memmove(g->ids, g->ids + 1, g->n * sizeof *g->ids);
            g->common = 1;
            g->lo = g->ids[0];
            g->est = TERM_CALLS;
            continue;
        }
        if (g->n >= COUNT_BLOBS) { /* each blob has a call at least: not rare */
            g->est = TERM_CALLS;
            continue;
        }
        /* the calls using them, from the blobs' links (records_apply.c) */
        if (!(st = rconn_stmt(L->c,
                              "SELECT sum(CASE WHEN link IS NULL OR link = ?4 THEN 0 WHEN link > 0 THEN 1 WHEN link <= ?2 THEN ?3"
                              " ELSE -link END) FROM blobs WHERE id IN (SELECT rowid FROM fts WHERE fts MATCH ?1)",
                              L->e))) {
            rc = L->e->code;
            break;
        }
        sqlite3_bind_text(st, 1, (const char *)g->expr.p, (int)g->expr.n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, REC_LINK_CROWDED);
        sqlite3_bind_int64(st, 3, INT32_MAX);
        sqlite3_bind_int64(st, 4, REC_LINK_FRESH);
        if (sqlite3_step(st) == SQLITE_ROW)
            g->est = (size_t)sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc;
}

static int has_id(const qgrp *g, int64_t id)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->n && g->ids[lo] == id;
}

/* Fast check: every group has one of its listed blobs in the call, or a
 * blob older than a common group's list (probed later, by call_ok). */
static int sblobs_ok(const lq *L, slice sb)
{
    for (size_t gi = 0; gi < L->pq.ng; gi++) {
        const qgrp *g = &L->g[gi];
        const uint8_t *p = sb.p, *end = sb.p + sb.n;
        uint64_t id;
        int found = 0;
        while (!found && p && p < end && !varint_get(&p, end, &id))
            found = (g->common && (int64_t)id < g->lo) || has_id(g, (int64_t)id);
        if (!found && !g->textonly)
            return 0;
    }
    return 1;
}

/* Does blob hold group gi?  1, 0, or a negative error. */
static int blob_has(lq *L, size_t gi, int64_t blob)
{
    qgrp *g = &L->g[gi];
    if (!g->common || blob >= g->lo) { /* listed */
        if (!has_id(g, blob))
            return 0;
        if (!g->text)
            return 1;
    }
    uint64_t key = ((uint64_t)blob << 5 | gi) + 1;
    size_t j = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 52) & (VCACHE - 1);
    for (; L->vc[j].key; j = (j + 1) & (VCACHE - 1))
        if (L->vc[j].key == key)
            return L->vc[j].v;
    int v = 1, rc;
    if (g->common && blob < g->lo && !g->textonly) { /* an older blob: an FTS5 probe at its rowid */
        sqlite3_stmt *st = rconn_stmt(L->c, "SELECT 1 FROM fts WHERE fts MATCH ?1 AND rowid = ?2", L->e);
        if (!st)
            return L->e->code;
        sqlite3_bind_text(st, 1, (const char *)g->expr.p, (int)g->expr.n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, blob);
        v = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_reset(st);
        L->work += 2;
    }
    if (v && g->text) {
        L->b.texts.n = 0;
        if ((rc = rconn_blob(L->c, (uint64_t)blob, &L->b.texts)))
            return err_set(L->e, rc, "records: reading call text");
        v = rec_text_has(&L->pq, gi, buf_slice(&L->b.texts));
        L->work += 10;
    }
    if (L->vn * 2 > VCACHE) { /* bounded: start over */
        memset(L->vc, 0, sizeof L->vc);
        L->vn = 0;
        j = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 52) & (VCACHE - 1);
    }
    L->vc[j].key = key;
    L->vc[j].v = (int8_t)v;
    L->vn++;
    return v;
}

/* The slow checks of a call (probes, texts).  1 match, 0 not, <0 error. */
static int call_ok(lq *L, slice sb)
{
    for (size_t gi = 0; gi < L->pq.ng; gi++) {
        if (!L->g[gi].common && !L->g[gi].text)
            continue; /* sblobs_ok() did it */
        const uint8_t *p = sb.p, *end = sb.p + sb.n;
        uint64_t id;
        int found = 0;
        while (!found && p && p < end && !varint_get(&p, end, &id))
            if ((found = blob_has(L, gi, (int64_t)id)) < 0)
                return found;
        if (!found)
            return 0;
    }
    return 1;
}

/* Candidates from the rarest group: (start, id) of the calls using its
 * blobs that pass the filters and the other listed groups, newest first
 * (one statement: the rows are found by id from the group's blobs). */
static int term_candidates(lq *L, size_t gi, int cursor, int64_t cs, int64_t cid, cand **out, size_t *nout)
{
    qgrp *g = &L->g[gi];
    cand *cv = NULL;
    size_t nc = 0, cap = 0;
    int rc = 0, src;
    build_where(L, cursor);
    char sql[1600];
    snprintf(sql, sizeof sql,
             "SELECT start_ns, id, sblobs FROM spans WHERE id IN (SELECT link FROM blobs WHERE id IN"
             " (SELECT rowid FROM fts WHERE fts MATCH ?16) AND link > 0 AND link < 2147483647 UNION ALL SELECT call_id FROM call_blob"
             " WHERE blob_id IN (SELECT rowid FROM fts WHERE fts MATCH ?16)) AND %s ORDER BY start_ns DESC, id DESC",
             L->where);
    sqlite3_stmt *st = rconn_stmt(L->c, sql, L->e);
    if (!st)
        return L->e->code;
    bind_filters(L, st, cs, cid);
    sqlite3_bind_text(st, 16, (const char *)g->expr.p, (int)g->expr.n, SQLITE_STATIC);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        slice sb = slice_make(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
        if (!sblobs_ok(L, sb))
            continue;
        if (nc == cap) {
            cap = cap ? cap * 2 : 256;
            cand *v = realloc(cv, cap * sizeof *v);
            if (!v) {
                rc = err_set(L->e, LOUPE_ENOMEM, "out of memory");
                break;
            }
            cv = v;
        }
        cv[nc++] = (cand){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1) };
    }
    if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = err_set(L->e, LOUPE_EIO, "records: full-text candidates: %s", sqlite3_errmsg(L->c->db));
    sqlite3_reset(st);
    if (rc) {
        free(cv);
        return rc;
    }
    *out = cv;
    *nout = nc;
    return 0;
}

/* The ids of the page: up to limit + 1 matching calls (the extra one only
 * says more follow), or fewer and *stop set where the budget ran out. */
static int select_page(lq *L, size_t limit, int cursor, int64_t cs, int64_t cid, cand *page, size_t *npage,
                       cand *stop, int *stopped)
{
    int rc = 0;
    size_t n = 0;
    *stopped = 0;
    size_t best = SIZE_MAX;
    for (size_t gi = 0; gi < L->pq.ng; gi++)
        if (!L->g[gi].common && L->g[gi].est < TERM_CALLS && (best == SIZE_MAX || L->g[gi].est < L->g[best].est))
            best = gi;
    if (best != SIZE_MAX) {
        cand *cv = NULL;
        size_t nc = 0;
        if ((rc = term_candidates(L, best, cursor, cs, cid, &cv, &nc)))
            return rc;
        int slow = 0; /* groups call_ok() checks */
        for (size_t gi = 0; gi < L->pq.ng; gi++)
            slow |= L->g[gi].common || L->g[gi].text;
        sqlite3_stmt *st = rconn_stmt(L->c, "SELECT sblobs FROM spans WHERE id=?1", L->e);
        for (size_t k = 0; k < nc && n <= limit && st; k++) {
            if (!slow) {
                page[n++] = cv[k];
                continue;
            }
            sqlite3_bind_int64(st, 1, cv[k].id);
            int ok = 0;
            if (sqlite3_step(st) == SQLITE_ROW) {
                slice sb = slice_make(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
                ok = call_ok(L, sb);
            }
            sqlite3_reset(st);
            if (ok < 0) {
                rc = ok;
                break;
            }
            if (ok)
                page[n++] = cv[k];
        }
        if (!st)
            rc = L->e->code;
        free(cv);
        *npage = n;
        return rc;
    }
    /* scan newest first */
    build_where(L, cursor);
    char sql[1400];
    snprintf(sql, sizeof sql, "SELECT id, start_ns, sblobs FROM spans WHERE %s ORDER BY start_ns DESC, id DESC",
             L->where);
    sqlite3_stmt *st = rconn_stmt(L->c, sql, L->e);
    if (!st)
        return L->e->code;
    bind_filters(L, st, cs, cid);
    int src;
    while (n <= limit && (src = sqlite3_step(st)) == SQLITE_ROW) {
        cand cd = { sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 0) };
        slice sb = slice_make(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
        L->work++;
        int ok = sblobs_ok(L, sb);
        if (ok && (ok = call_ok(L, sb)) < 0) {
            rc = ok;
            break;
        }
        if (ok)
            page[n++] = cd;
        if (L->work >= SCAN_BUDGET && n <= limit) {
            *stop = cd;
            *stopped = 1;
            break;
        }
    }
    sqlite3_reset(st);
    *npage = n;
    return rc;
}

int records_calls(records *r, const rec_call_query *q, rec_call_fn fn, void *ctx, buf *next_cursor, err_ctx *e)
{
    next_cursor->n = 0;
    size_t limit = q->limit == 0 ? 100 : q->limit > 1000 ? 1000 : q->limit;
    int64_t cs = 0, cid = 0;
    int cursor = q->cursor.n > 0;
    if (cursor && cursor_get(q->cursor, &cs, &cid))
        return err_set(e, LOUPE_EINVAL, "invalid cursor");
    lq *L = calloc(1, sizeof *L);
    if (!L)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    L->r = r;
    L->q = q;
    L->e = e;
    int rc = 0;
    cand *page = NULL;
    if (q->q.n) {
        if ((rc = rec_query_parse(q->q, &L->pq, e)))
            goto cleanup;
        L->has_q = 1;
    }
    L->c = rec_acquire(r);
    const slice names[7] = { q->user_id, q->session_id, q->service, q->model, q->route, q->provider, q->template_name };
    for (int i = 0; i < 7; i++) {
        if (!names[i].n)
            continue;
        rc = rconn_dict_id(L->c, names[i], &L->dict[i], e);
        if (rc == LOUPE_ENOTFOUND) { /* no call has it */
            rc = 0;
            goto cleanup;
        }
        if (rc)
            goto cleanup;
    }
    if (!(page = malloc((limit + 1) * sizeof *page))) {
        rc = err_set(e, LOUPE_ENOMEM, "out of memory");
        goto cleanup;
    }
    size_t n = 0;
    cand stop = { 0, 0 };
    int stopped = 0;
    if (L->has_q) {
        if ((rc = load_groups(L)))
            goto cleanup;
        for (size_t gi = 0; gi < L->pq.ng; gi++)
            if (!L->g[gi].common && L->g[gi].n == 0)
                goto cleanup; /* a word no text has */
        if ((rc = select_page(L, limit, cursor, cs, cid, page, &n, &stop, &stopped)))
            goto cleanup;
    } else {
        build_where(L, cursor);
        char sql[1400];
        snprintf(sql, sizeof sql, "SELECT id, start_ns FROM spans WHERE %s ORDER BY start_ns DESC, id DESC LIMIT ?16",
                 L->where);
        sqlite3_stmt *st = rconn_stmt(L->c, sql, e);
        if (!st) {
            rc = e->code;
            goto cleanup;
        }
        bind_filters(L, st, cs, cid);
        sqlite3_bind_int64(st, 16, (int64_t)limit + 1);
        int src;
        while ((src = sqlite3_step(st)) == SQLITE_ROW)
            page[n++] = (cand){ sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 0) };
        sqlite3_reset(st);
        if (src != SQLITE_DONE) {
            rc = err_set(e, LOUPE_EIO, "records: calls: %s", sqlite3_errmsg(L->c->db));
            goto cleanup;
        }
    }
    if (n > limit)
        cursor_put(next_cursor, page[limit - 1].start, page[limit - 1].id);
    else if (stopped)
        cursor_put(next_cursor, stop.start, stop.id);
    sqlite3_stmt *st = rconn_stmt(L->c, "SELECT " CALL_COLS " FROM spans WHERE id=?1 AND call = 1", e);
    if (!st) {
        rc = e->code;
        goto cleanup;
    }
    for (size_t k = 0; k < n && k < limit && !rc; k++) {
        sqlite3_bind_int64(st, 1, page[k].id);
        if (sqlite3_step(st) == SQLITE_ROW)
            rc = emit_row(L->c, st, 0, L->has_q ? &L->pq : NULL, &L->b, fn, ctx, e);
        sqlite3_reset(st);
    }
cleanup:
    if (L->c)
        rec_release(r, L->c);
    for (size_t gi = 0; gi < REC_Q_GROUPS; gi++) {
        free(L->g[gi].ids);
        buf_free(&L->g[gi].expr);
    }
    rowbufs_free(&L->b);
    free(L);
    free(page);
    return rc;
}

int records_call_get(records *r, int64_t id, rec_call_fn fn, void *ctx, err_ctx *e)
{
    rconn *c = rec_acquire(r);
    rowbufs b;
    memset(&b, 0, sizeof b);
    int rc;
    sqlite3_stmt *st = rconn_stmt(c, "SELECT " CALL_COLS " FROM spans WHERE id=?1 AND call = 1", e);
    if (!st) {
        rc = e->code;
        goto cleanup;
    }
    sqlite3_bind_int64(st, 1, id);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        rc = emit_row(c, st, 1, NULL, &b, fn, ctx, e);
    else if (src == SQLITE_DONE)
        rc = err_set(e, LOUPE_ENOTFOUND, "no call %lld", (long long)id);
    else
        rc = err_set(e, LOUPE_EIO, "records: call: %s", sqlite3_errmsg(c->db));
    sqlite3_reset(st);
cleanup:
    rowbufs_free(&b);
    rec_release(r, c);
    return rc;
}

/* ------------------------------------------------------------ top */

int records_top(records *r, rec_top_by by, const char *metric, int64_t start_ns, int64_t end_ns, slice model,
                slice route, size_t limit, rec_top_fn fn, void *ctx, err_ctx *e)
{
    static const char *const cols[] = { [REC_BY_USER] = "user_id", [REC_BY_TEMPLATE] = "template",
                                        [REC_BY_MODEL] = "model",  [REC_BY_ROUTE] = "route",
                                        [REC_BY_PROVIDER] = "provider",
                                        [REC_BY_SERVICE] = "service" };
    if ((int)by < 0 || (size_t)by >= sizeof cols / sizeof *cols)
        return err_set(e, LOUPE_EINVAL, "unknown grouping");
    const char *order;
    if (!metric || !strcmp(metric, "cost"))
        order = "cost";
    else if (!strcmp(metric, "tokens"))
        order = "tok";
    else if (!strcmp(metric, "calls"))
        order = "n";
    else
        return err_set(e, LOUPE_EINVAL, "unknown metric '%s' (cost, tokens or calls)", metric);
    if (limit == 0 || limit > 10000)
        limit = limit ? 10000 : 10;
    rconn *c = rec_acquire(r);
    int64_t mid = 0, rid = 0;
    int rc = 0;
    if (model.n && (rc = rconn_dict_id(c, model, &mid, e)))
        goto cleanup;
    if (route.n && (rc = rconn_dict_id(c, route, &rid, e)))
        goto cleanup;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT %s AS k, count(*) AS n, sum(c_status = 2), sum(cost IS NULL), coalesce(sum(in_tok), 0),"
             " coalesce(sum(out_tok), 0), coalesce(sum(cached_tok), 0), total(cost) AS cost,"
             " coalesce(sum(in_tok), 0) + coalesce(sum(out_tok), 0) AS tok"
             " FROM spans WHERE call = 1 AND start_ns >= ?1 AND start_ns <= ?2%s%s GROUP BY k"
             " ORDER BY %s DESC, n DESC, k LIMIT ?5",
             cols[by], mid ? " AND model = ?3" : "", rid ? " AND route = ?4" : "", order);
    sqlite3_stmt *st = rconn_stmt(c, sql, e);
    if (!st) {
        rc = e->code;
        goto cleanup;
    }
    sqlite3_bind_int64(st, 1, start_ns);
    sqlite3_bind_int64(st, 2, end_ns ? end_ns : INT64_MAX);
    sqlite3_bind_int64(st, 3, mid);
    sqlite3_bind_int64(st, 4, rid);
    sqlite3_bind_int64(st, 5, (int64_t)limit);
    int src = SQLITE_DONE;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        rec_top_row row;
        memset(&row, 0, sizeof row);
        if (sqlite3_column_type(st, 0) != SQLITE_NULL &&
            (rc = rconn_dict_str(c, sqlite3_column_int64(st, 0), &row.key, e)))
            break;
        row.calls = (uint64_t)sqlite3_column_int64(st, 1);
        row.errors = (uint64_t)sqlite3_column_int64(st, 2);
        row.unpriced = (uint64_t)sqlite3_column_int64(st, 3);
        row.input_tokens = sqlite3_column_int64(st, 4);
        row.output_tokens = sqlite3_column_int64(st, 5);
        row.cached_input_tokens = sqlite3_column_int64(st, 6);
        row.cost_usd = sqlite3_column_double(st, 7);
        rc = fn(ctx, &row);
    }
    if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = err_set(e, LOUPE_EIO, "records: top: %s", sqlite3_errmsg(c->db));
    sqlite3_reset(st);
cleanup:
    if (rc == LOUPE_ENOTFOUND)
        rc = 0; /* an unknown model or route: no rows */
    rec_release(r, c);
    return rc;
}
