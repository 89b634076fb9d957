/* records_int.h - the records store's private state and the helpers its
 * files share.  Reading order:
 *   records_codec.c   pure: the field codec (JSON skeleton + blob refs), the
 *                     canonical JSON escaper, the blob hash
 *   records_fts.c     pure: the FTS5 tokenizer, q parsing, text matching,
 *                     snippets; plus its registration with SQLite
 *   records.c         open/close, schema, connections (pool, statement and
 *                     dictionary caches, blob and field reads), stats
 *   records_write.c   records_write(): encoding in the caller's thread, the
 *                     writer thread's group commit
 *   records_retain.c  retention passes (run by the writer thread)
 *   records_calls.c   LLM call search, one call, top-N
 *   records_traces.c  spans, logs, services, operations, trace search
 * Nothing outside src/store includes this header. */
#ifndef LOUPE_RECORDS_INT_H
#define LOUPE_RECORDS_INT_H

#include "store/records.h"

#include <pthread.h>
#include <sqlite3.h>
#include <zstd.h>

/* ------------------------------------------------------------ field codec
 *
 * A stored text field (a column value) is one of:
 *   REC_FIELD_RAW    kind byte, then the text itself (short or no long parts)
 *   REC_FIELD_BLOB   kind byte, varint blob id: the whole text is one blob
 *   REC_FIELD_SKEL   kind byte, varint n, n varint blob ids, skeleton
 *   REC_FIELD_SKELZ  kind byte, varint n, n varint blob ids, varint skeleton
 *                    length, zstd frame of the skeleton
 * An empty field is SQL NULL.  A skeleton is the JSON text with each cut
 * string literal (quotes included) replaced by one marker byte
 * (REC_MARK | escape flags) and a varint index into the field's id list.
 * Marker bytes 0x10..0x1f are control characters that valid JSON never
 * holds raw, and a text holding any control byte but tab/LF/CR is never
 * skeletonised, so the markers cannot be confused with the text. */
enum { REC_FIELD_RAW = 0, REC_FIELD_BLOB = 1, REC_FIELD_SKEL = 2, REC_FIELD_SKELZ = 3 };
#define REC_CUT_MIN 48  /* decoded bytes from which a literal (or a plain text) becomes a blob */
#define REC_MARK 0x10
/* How the writer escaped a string: the canonical escaper's variants.  Each
 * matches a common serializer: JS / Go without HTML escaping (0), Python's
 * ensure_ascii (ASCII), Go's default (HTML: <>& and U+2028/9), PHP (ASCII |
 * SLASH), Java-style upper-case hex (UPPER). */
enum { REC_ESC_ASCII = 1, REC_ESC_HTML = 2, REC_ESC_SLASH = 4, REC_ESC_UPPER = 8 };
#define REC_MAX_TEXT (256u << 20) /* no stored text or blob decodes larger than this */

typedef struct rec_split_cb {
    void *ctx;
    /* A piece to store as a blob (decoded text).  stable: text points into
     * the input (else into scratch reused by the next call).  The pieces of
     * one field are numbered 0, 1, ... in call order. */
    int (*cut)(void *ctx, slice text, int stable);
    /* A string value left in the skeleton (decoded; scratch memory); key is
     * the raw key it belongs to (empty in arrays and for plain text).  NULL
     * when not wanted. */
    int (*value)(void *ctx, slice key, slice text);
} rec_split_cb;

/* Splits a text into a field.  Returns REC_FIELD_RAW (store the input as
 * is), REC_FIELD_BLOB (exactly one cut: the whole input), REC_FIELD_SKEL
 * (skeleton appended to *skel) or a negative LOUPE_E* from a callback. */
int rec_field_split(slice in, const rec_split_cb *cb, buf *skel, buf *scratch);

/* Appends s as the inside of a JSON string literal, escaped with `flags`.
 * 0; 1 when the variant cannot express s (ASCII with invalid UTF-8);
 * LOUPE_ENOMEM. */
int rec_json_escape(buf *b, slice s, int flags);
/* Appends the decoded inside of a JSON string literal.  0; 1 when the
 * escapes are invalid (lone surrogates, bad \u); LOUPE_ENOMEM. */
int rec_json_unescape(buf *b, slice raw);

/* Blob lookups for decoding: append the decoded blob `id` to *out. */
typedef int (*rec_blob_fn)(void *ctx, uint64_t id, buf *out);

typedef struct rec_scratch {
    buf skel, blob;
    ZSTD_DCtx *dctx;
} rec_scratch;

/* Appends the original text of a stored field.  LOUPE_EIO when the stored
 * bytes are corrupt. */
int rec_field_decode(slice col, rec_blob_fn get, void *ctx, rec_scratch *sc, buf *out);

/* A short view of a field for lists: the decoded text of its last
 * "content-like" string value (or the whole text), appended to *out.  The
 * caller cuts it to length. */
int rec_field_preview(slice col, rec_blob_fn get, void *ctx, rec_scratch *sc, buf *out);

/* The blob ids a field refers to, appended as uint64_t to *ids. */
int rec_field_refs(slice col, buf *ids);

/* 128-bit keyed hash of blob content (stable: it is stored). */
void rec_hash128(const void *p, size_t n, const uint64_t key[2], uint8_t out[16]);

/* Number of bytes of the first `nchars` characters of p[0..n) (invalid
 * bytes count as one character each); never splits a UTF-8 sequence. */
size_t rec_utf8_prefix(const uint8_t *p, size_t n, size_t nchars);

/* ------------------------------------------------------------ tokenizer */

enum { REC_TOK_WORD, REC_TOK_GRAM, REC_TOK_SOLO, REC_TOK_TAIL };
#define REC_TOK_MAX 64 /* token bytes; longer words are cut (at a character) */

typedef struct rec_tok {
    const uint8_t *p; /* token bytes (words case-folded) */
    size_t n;
    size_t start, end; /* its byte range in the text */
    int kind;          /* REC_TOK_*: word; bigram of a run; the only character of a run; last character of a run */
    uint32_t run;      /* ordinal of the run it comes from */
} rec_tok;
typedef int (*rec_tok_fn)(void *ctx, const rec_tok *t);

/* Tokenizes text: words are runs of letters/digits (case-folded); runs of
 * CJK / kana / Hangul / Thai and other unspaced scripts give overlapping
 * bigrams, plus (documents only) the run's last character, so a one
 * character query finds it as a prefix.  A non-zero return of fn stops it
 * and is returned. */
int rec_tokenize(const uint8_t *p, size_t n, int query, rec_tok_fn fn, void *ctx);

/* Registers the "loupe" tokenizer on a connection.  SQLITE_OK or an error. */
int rec_fts_register(sqlite3 *db);

#define REC_Q_GROUPS 16
#define REC_Q_TOKENS 64
/* A parsed q: groups, every one of which a call must match somewhere.  A
 * group is a word, a run of an unspaced script (its bigrams, in order, from
 * one run) or a quoted phrase (its tokens, in order). */
typedef struct rec_qgroup {
    uint16_t first, n;
    uint8_t prefix;   /* one character of an unspaced script: matches as a token prefix */
    uint8_t same_run; /* a run's bigrams: must come from one run of the text */
} rec_qgroup;
typedef struct rec_query {
    rec_qgroup g[REC_Q_GROUPS];
    size_t ng;
    struct {
        uint8_t n;
        uint8_t b[REC_TOK_MAX + 4];
    } t[REC_Q_TOKENS];
    size_t nt;
} rec_query;

/* Parses the user's plain-text q.  LOUPE_EINVAL when it has no searchable
 * word or too many. */
int rec_query_parse(slice q, rec_query *out, err_ctx *e);
/* The FTS5 MATCH expression of group g (a NUL-terminated string in *out). */
int rec_query_fts(const rec_query *q, size_t g, buf *out);
/* 1 when text holds group g (tokens in order), else 0. */
int rec_text_has(const rec_query *q, size_t g, slice text);
/* The text around the first match in texts[] (in order), at most
 * REC_SNIPPET_CHARS characters, into *snip; highlighted ranges in UTF-16
 * code units relative to the snippet. */
#define REC_SNIPPET_CHARS 240
#define REC_SNIPPET_HL 32
int rec_snippet(const rec_query *q, const slice *texts, size_t ntexts, buf *snip, uint32_t (*hl)[2], size_t *nhl);

/* ------------------------------------------------------------ connections */

#define RCONN_STMTS 48

typedef struct rconn {
    sqlite3 *db;
    struct {
        char *sql;
        sqlite3_stmt *st;
    } stmt[RCONN_STMTS];
    size_t nstmt, evict;
    /* dictionary id -> string */
    struct dent *dict;
    size_t dict_cap, dict_n;
    rec_scratch sc;
    buf b1, b2, b3; /* scratch for callers (blob reads, previews) */
    struct rconn *next_free;
} rconn;

/* A cached prepared statement (reset, bindings cleared), or NULL with e set. */
sqlite3_stmt *rconn_stmt(rconn *c, const char *sql, err_ctx *e);
/* The string of a dictionary id.  The slice lives until rconn_release(). */
int rconn_dict_str(rconn *c, int64_t id, slice *out, err_ctx *e);
/* The id of a dictionary string: 0 and *id, or LOUPE_ENOTFOUND. */
int rconn_dict_id(rconn *c, slice s, int64_t *id, err_ctx *e);
/* Blob getter for rec_field_decode (ctx = rconn). */
int rconn_blob(void *ctx, uint64_t id, buf *out);
/* Decodes a column (text of a stored field) of the current row of st. */
int rconn_field(rconn *c, sqlite3_stmt *st, int col, buf *out, err_ctx *e);

/* Pooled read connections: waits for a free one. */
rconn *rec_acquire(records *r);
void rec_release(records *r, rconn *c);

/* ------------------------------------------------------------ the store */

typedef struct rwreq rwreq;
typedef struct hcent hcent;

#define REC_HC_BITS 16 /* entries of the known-blob cache */
#define REC_HOUR_NS 3600000000000LL

struct records {
    records_opts o;
    char path[4096];
    uint64_t hkey[2];   /* blob hash key, random per database */

    rconn *wc;          /* the writer's connection: writer thread only (and open/close) */
    rconn **readers;
    int nreaders;
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    rconn *free_readers;

    pthread_t writer;
    int writer_started;
    pthread_mutex_t q_mu;
    pthread_cond_t q_cv;
    rwreq *q_head, *q_tail;
    size_t q_bytes;
    int stopping;
    struct wstate *ws;  /* writer thread state (records_write.c) */

    /* blob hash -> id, last use; the writer fills it, callers probe it to
     * skip compressing blobs that are already stored */
    pthread_mutex_t hc_mu;
    hcent *hc;

    int64_t ret_cutoff;    /* writer only: rows older than this are not written (retention) */
    int64_t next_retain_ns;
    int ret_phase;         /* writer only: the table a retention pass is at */

    /* stats (atomics); the row counts are also kept in the stats table */
    uint64_t st_spans, st_calls, st_logs, st_blobs, st_blob_bytes, st_blob_raw;
    uint64_t st_commits, st_commit_ns, st_batches;
};

struct hcent {
    uint8_t h[16];
    int64_t id;      /* 0: empty */
    int64_t last_ns;
    uint32_t len;
    uint8_t fts;
};

int64_t rec_now_ns(void);
/* A row time rounded up to the hour: blobs and dictionary entries keep the
 * latest one of the rows that use them (see records_retain.c). */
static inline int64_t rec_hour_up(int64_t t) { return t < 0 ? REC_HOUR_NS : (t / REC_HOUR_NS + 1) * REC_HOUR_NS; }

/* Opens a connection with loupe's settings and the tokenizer. */
int rconn_open(rconn **out, const char *path, int readonly, err_ctx *e);
void rconn_close(rconn *c);
/* Runs SQL without results. */
int rec_exec(sqlite3 *db, const char *sql, err_ctx *e);

/* records_write.c */
int rec_writer_start(records *r, err_ctx *e);
void rec_writer_stop(records *r);
void rec_hc_clear(records *r);

/* records_retain.c: one bounded step of a retention pass with `cutoff`;
 * returns 1 when more remains, 0 when done, or a negative error.  Runs in
 * the writer thread inside no transaction. */
int rec_retain_step(records *r, int64_t cutoff, err_ctx *e);
/* Row count changes of one transaction: saved in it (stats table), applied
 * to the in-memory counters once it commits. */
typedef struct rec_delta {
    int64_t spans, calls, logs, blobs, blob_bytes, blob_raw;
} rec_delta;
int rec_stats_save(records *r, const rec_delta *d, err_ctx *e);
void rec_stats_apply(records *r, const rec_delta *d);

#endif
