/* records.h - the records store: spans, LLM calls and log records in SQLite
 * (WAL mode), with full-text search over prompts and completions.
 *
 * Life of a record: ingest fills a rec_batch (spans, calls, logs; every
 * slice borrowed from the caller) and calls records_write(), which hands it
 * to the writer thread.  The writer commits the batches queued by concurrent
 * requests in one SQLite transaction (group commit) and only then lets
 * records_write() return, so an acknowledged record survives kill -9.
 *
 * Prompt storage economy: long text is stored once.  Every text field that
 * holds JSON (attributes, messages, a JSON prompt) has its long string
 * literals cut out into content-addressed, zstd-compressed blobs (decoded
 * text, keyed by its hash) and is kept as a small skeleton with references;
 * plain text longer than a few dozen bytes is one blob.  Reading puts the
 * bytes back exactly as they were written.  A repeated system prompt or
 * template therefore costs one blob and one full-text index entry, however
 * many calls use it.  Full-text search (FTS5, a tokenizer that splits words
 * and indexes CJK / Thai / other unspaced scripts as character bigrams) runs
 * over the distinct blobs of prompts and completions and maps them back to
 * the calls that use them.
 *
 * Thread safety: every function may be called from any thread.  Reads use
 * their own SQLite connections and never wait for the writer. */
#ifndef LOUPE_RECORDS_H
#define LOUPE_RECORDS_H

#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct records records;

typedef struct records_opts {
    const char *dir;            /* data directory; the database is dir/records.db */
    int retention_days;         /* 0 keeps everything; else records older are deleted in the background */
    size_t max_pending_bytes;   /* write queue limit before LOUPE_EBUSY (default 64 MiB) */
    int read_connections;       /* pooled read connections (default 4) */
} records_opts;

void records_opts_default(records_opts *o);

int records_open(const records_opts *o, records **out, err_ctx *e);
/* Finishes queued writes, checkpoints the WAL, closes.  Accepts NULL. */
void records_close(records *r);

/* ------------------------------------------------------------ write shapes */

enum { REC_STATUS_UNSET = 0, REC_STATUS_OK = 1, REC_STATUS_ERROR = 2 }; /* OTLP status codes */

typedef struct rec_span {
    uint8_t trace_id[16], span_id[8], parent_id[8];
    int has_parent;
    slice service;          /* resource service.name ("unknown_service" when absent) */
    slice name;
    int kind;               /* OTLP SpanKind 0..5 */
    int64_t start_ns, end_ns;
    int status_code;        /* REC_STATUS_* */
    slice status_message;
    slice attrs_json;       /* {"key": value, ...}; may be empty */
    slice events_json;      /* [{"time_unix_nano":n,"name":s,"attributes":{...}}, ...]; may be empty */
    slice links_json;       /* [{"trace_id":hex,"span_id":hex,"attributes":{...}}, ...]; may be empty */
    slice resource_json;    /* resource attributes as one JSON object; may be empty */
    slice scope_name, scope_version;
    slice user_id, session_id; /* indexed for trace search; empty when unknown */
} rec_span;

typedef struct rec_call {
    uint8_t trace_id[16], span_id[8];
    int64_t start_ns;
    int64_t end_ns;
    slice service, user_id, session_id, provider, model, route, template_name;
    int status;             /* REC_STATUS_OK or REC_STATUS_ERROR */
    slice error;            /* error class / message when status is error */
    slice finish_reason;
    /* token counts; -1 when unknown */
    int64_t input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens;
    double cost_usd;        /* NaN when unpriced */
    int cost_source;        /* 0 none, 1 span, 2 price table */
    double latency_ms, ttft_ms; /* NaN when unknown */
    slice prompt;           /* byte-exact as sent (plain text or JSON); may be empty */
    slice completion;       /* byte-exact as sent; may be empty */
    slice messages_json;    /* normalised [{"role":r,"content":c}, ...] input then output; may be empty */
    int weak;               /* made from a log event: written unless its span already made the call */
} rec_call;

typedef struct rec_log {
    int64_t time_ns, observed_ns;
    int severity_number;
    slice severity_text;
    slice body;             /* the body as text (strings as they are, other values as JSON) */
    slice attrs_json, resource_json;
    slice service;
    slice event_name;
    uint8_t trace_id[16], span_id[8];
    int has_trace_id, has_span_id;
} rec_log;

typedef struct rec_batch {
    const rec_span *spans;
    size_t nspans;
    const rec_call *calls;
    size_t ncalls;
    const rec_log *logs;
    size_t nlogs;
    uint8_t *calls_skipped; /* optional output, [ncalls]: 1 for a weak call not written (see rec_call.weak) */
} rec_batch;

typedef struct rec_write_result {
    size_t spans, calls, logs; /* committed */
} rec_write_result;

/* Commits the batch in one transaction and returns once it is durable
 * against a process crash.  A span whose (trace_id, span_id) is already
 * stored replaces it (exporters retry).  LOUPE_EBUSY when the queue is full,
 * LOUPE_ECANCELED when closing, LOUPE_EIO on storage failure (nothing of the
 * batch is stored then).  With a retention period, records older than it
 * (spans and calls by start, logs by time) are not stored and not counted
 * in *res.  The batch's slices are only read until the call returns. */
int records_write(records *r, const rec_batch *b, rec_write_result *res, err_ctx *e);

/* Makes everything acknowledged so far part of the main database file
 * (WAL checkpoint); returns when done. */
int records_flush(records *r, err_ctx *e);

/* Runs a retention pass now, as if the clock read now_ns (0: the real
 * clock), and returns when it is done; a no-op when retention_days is 0.
 * The writer thread also runs one at open and every 10 minutes, in small
 * transactions between writes.  For tests and admin requests. */
int records_retain(records *r, int64_t now_ns, err_ctx *e);

/* ------------------------------------------------------------ LLM calls */

typedef struct rec_call_query {
    slice user_id, session_id, service, model, route, provider, template_name; /* empty = any */
    int has_trace_id;
    uint8_t trace_id[16];
    int status;             /* 0 any, else REC_STATUS_* */
    slice q;                /* full-text query over prompt + completion; empty = none */
    int64_t start_ns, end_ns; /* call start time in [start, end]; 0/INT64_MAX when open */
    double min_cost, max_cost; /* NaN = open */
    size_t limit;           /* 1..1000 */
    slice cursor;           /* from a previous page's next_cursor; empty = first page */
} rec_call_query;

/* One call as read back.  Slices are valid during the callback only. */
typedef struct rec_call_row {
    int64_t id;
    rec_call c;             /* prompt/completion/messages_json are empty in lists */
    slice prompt_preview, completion_preview; /* <= 200 characters each */
    slice snippet;          /* for q: text around the first match, <= 240 characters */
    /* highlighted ranges [from, to) in snippet, in UTF-16 code units (for the UI) */
    const uint32_t (*highlights)[2];
    size_t nhighlights;
    slice attrs_json;       /* only in records_call_get: the span's attributes */
} rec_call_row;

typedef int (*rec_call_fn)(void *ctx, const rec_call_row *row);

/* Calls matching q, newest first (start time, then id), at most q->limit.
 * *next_cursor (caller's buf, cleared first) is set when more may follow.
 * LOUPE_EINVAL for a bad cursor or q syntax. */
int records_calls(records *r, const rec_call_query *q, rec_call_fn fn, void *ctx, buf *next_cursor, err_ctx *e);

/* One call with its full prompt, completion, messages_json and the span's
 * attributes; LOUPE_ENOTFOUND if there is none. */
int records_call_get(records *r, int64_t id, rec_call_fn fn, void *ctx, err_ctx *e);

typedef enum { REC_BY_USER, REC_BY_TEMPLATE, REC_BY_MODEL, REC_BY_ROUTE, REC_BY_PROVIDER, REC_BY_SERVICE } rec_top_by;

typedef struct rec_top_row {
    slice key;              /* empty for calls without one */
    uint64_t calls, errors, unpriced;
    int64_t input_tokens, output_tokens, cached_input_tokens;
    double cost_usd;        /* sum over priced calls */
} rec_top_row;
typedef int (*rec_top_fn)(void *ctx, const rec_top_row *row);

/* Groups calls started in [start, end] by `by`; rows in descending order
 * of metric ("cost", "tokens" = input + output, or "calls"), at most limit.
 * Optional filters on model and route (empty = any). */
int records_top(records *r, rec_top_by by, const char *metric, int64_t start_ns, int64_t end_ns, slice model,
                slice route, size_t limit, rec_top_fn fn, void *ctx, err_ctx *e);

/* ------------------------------------------------------------ traces */

typedef int (*rec_span_fn)(void *ctx, const rec_span *s);
typedef int (*rec_log_fn)(void *ctx, const rec_log *l);
typedef int (*rec_str_fn)(void *ctx, slice s);

/* Every span of a trace (in start order) / every log record of a trace. */
int records_trace_spans(records *r, const uint8_t trace_id[16], rec_span_fn fn, void *ctx, err_ctx *e);
int records_trace_logs(records *r, const uint8_t trace_id[16], rec_log_fn fn, void *ctx, err_ctx *e);

/* Distinct service names, sorted. */
int records_services(records *r, rec_str_fn fn, void *ctx, err_ctx *e);
/* Distinct (span name, kind) of a service, sorted by name. */
typedef int (*rec_op_fn)(void *ctx, slice name, int kind);
int records_operations(records *r, slice service, rec_op_fn fn, void *ctx, err_ctx *e);

typedef struct rec_tag {
    slice key, value;       /* value compared with the attribute's text form */
} rec_tag;

typedef struct rec_trace_query {
    slice service, operation, user_id, session_id; /* empty = any */
    const rec_tag *tags;    /* span (or resource) attributes that must match, all on one span */
    size_t ntags;
    int errors_only;
    int64_t start_ns, end_ns;  /* span start in [start, end] */
    int64_t min_duration_ns, max_duration_ns; /* 0 = open */
    size_t limit;           /* traces */
} rec_trace_query;

/* Ids of the traces with at least one span matching q, newest first (by
 * their latest matching span).  *ids is malloc'd; the caller frees it. */
int records_find_traces(records *r, const rec_trace_query *q, uint8_t (**ids)[16], size_t *nids, err_ctx *e);

/* ------------------------------------------------------------ stats */

typedef struct records_stats {
    uint64_t spans, calls, logs, blobs;      /* rows stored */
    uint64_t blob_bytes, blob_raw_bytes;     /* compressed / original size of the distinct blobs */
    uint64_t db_file_bytes, wal_file_bytes;
    uint64_t commits, commit_ns, batches;
} records_stats;

void records_get_stats(records *r, records_stats *st);

#endif
