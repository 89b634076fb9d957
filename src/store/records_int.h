/* records_int.h - the records store's private state and the helpers its
 * files share.  Reading order, the way a record travels:
 *   records.c         open/close, schema, connections (pool, statement and
 *                     dictionary caches, blob and field reads), stats
 *   records_codec.c   pure: the field codec (JSON skeleton + blob refs), the
 *                     canonical JSON escaper, the blob hash
 *   records_shape.c   pure: skeletons split into shared shapes + values
 *   records_fts.c     pure: the FTS5 tokenizer, q parsing, text matching,
 *                     snippets; plus its registration with SQLite
 *   records_zdict.c   trained zstd dictionaries (texts, attribute values)
 *   records_encode.c  a batch encoded into a write request (caller's thread)
 *   records_write.c   the queue and the writer thread's group commit
 *   records_apply.c   a request's blobs, dictionary ids and logs, in the
 *                     writer's transaction
 *   records_rows.c    its spans and calls: one row per span and its call
 *   records_retain.c  retention passes (run by the writer thread)
 *   records_calls.c   LLM call search, one call, top-N
 *   records_traces.c  spans, logs, services, operations, trace search
 * Nothing outside src/store includes this header. */
#ifndef LOUPE_RECORDS_INT_H
#define LOUPE_RECORDS_INT_H

#include "store/records.h"
#include "util/arena.h"

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
 *   REC_FIELD_SHAPE  kind byte, varint n, n varint blob ids, varint shape blob
 *                    id, values: the skeleton split by records_shape.c
 *   REC_FIELD_SHAPEZ the same with the values compressed (a rec_zcompress
 *                    frame: codec byte, dictionary id, zstd frame)
 * An empty field is SQL NULL.  A skeleton is the JSON text with each cut
 * string literal (quotes included) replaced by one marker byte
 * (REC_MARK | escape flags) and a varint index into the field's id list.
 * Marker bytes (0x01, 0x10..0x1f) are control characters that valid JSON
 * never holds raw, and a text holding any control byte but tab/LF/CR is
 * never skeletonised, so the markers cannot be confused with the text. */
enum { REC_FIELD_RAW = 0, REC_FIELD_BLOB = 1, REC_FIELD_SKEL = 2, REC_FIELD_SKELZ = 3, REC_FIELD_SHAPE = 4,
       REC_FIELD_SHAPEZ = 5 };
#define REC_CUT_MIN 48  /* decoded bytes from which a literal (or a plain text) becomes a blob */
#define REC_MARK 0x10
/* A cut literal whose decoded text is JSON split again: REC_NEST, the
 * escape flags byte, varint length, the nested skeleton (its markers index
 * the same id list). */
#define REC_NEST 0x01
#define NEST_DEPTH 4
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
    buf skel, blob, shape;
    ZSTD_DCtx *dctx;
    /* dictionaries of compressed values (REC_FIELD_SHAPEZ); NULL: none */
    const ZSTD_DDict *(*ddict)(void *ctx, uint64_t id);
    void *ddict_ctx;
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

/* 1 when a text is JSON-like enough to be skeletonised (starts with { or
 * [, strings terminated, no control bytes but tab / LF / CR). */
int rec_json_like(slice in);

/* Shapes (records_shape.c).  A shape is a skeleton whose string values and
 * scalars are replaced by 0x02 (a string: its inside goes to the values)
 * and 0x03 (a scalar: its bytes go to the values); keys, structure,
 * whitespace, markers and the values of "role", "type" and
 * "finish_reason" keys stay.  Values are varint length + bytes each. */
int rec_shape_split(slice skel, buf *shape, buf *values, size_t *nvalues);
/* Appends the skeleton of shape + values.  LOUPE_EIO when they do not fit. */
int rec_shape_join(slice shape, slice values, buf *skel);

/* 128-bit keyed hash of blob content (stable: it is stored). */
void rec_hash128(const void *p, size_t n, const uint64_t key[2], uint8_t out[16]);

/* Number of bytes of the first `nchars` characters of p[0..n) (invalid
 * bytes count as one character each); never splits a UTF-8 sequence. */
size_t rec_utf8_prefix(const uint8_t *p, size_t n, size_t nchars);

/* ------------------------------------------------------------ compression (records_zdict.c)
 *
 * A compressed byte string is a codec byte, then: 0 the bytes as they are;
 * 1 a zstd frame; 2 a varint dictionary id and a zstd frame made with that
 * trained dictionary (texts and attribute values have one each). */
enum { REC_ZK_TEXT = 0, REC_ZK_VALUES = 1, REC_ZK_N = 2 };
#define REC_ZDICT_MAX 16
typedef struct rec_zdicts rec_zdicts;

int rec_zdict_open(records *r, err_ctx *e);
void rec_zdict_close(records *r);
/* The current dictionary of a kind (NULL before one is trained). */
const ZSTD_CDict *rec_zdict_cdict(records *r, int kind, uint32_t *id);
/* The dictionary with an id (ctx = records), or NULL. */
const ZSTD_DDict *rec_zdict_ddict(void *ctx, uint64_t id);
/* Appends codec byte, dictionary id and frame of src (codec 1 or 2). */
int rec_zcompress(records *r, int kind, slice src, buf *out);
/* Appends the bytes of a compressed string.  LOUPE_EIO when corrupt. */
int rec_zdecompress(const uint8_t *z, size_t n, ZSTD_DCtx **dctx, const ZSTD_DDict *(*dd)(void *, uint64_t),
                    void *ctx, buf *out);
/* The stored form of a blob: compressed (codec 1 or 2) when that saves,
 * else codec 0 and the text. */
int rec_blob_pack(records *r, slice text, buf *out);
/* The 32-bit key of the blobs_hk index (the stored part of the hash: a
 * match is compared byte for byte, so a collision costs a read). */
static inline int64_t rec_blob_hk(const uint8_t h[16])
{
    return (int64_t)((uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24);
}
/* Writer thread: keep a sample for training; train when there are enough. */
void rec_zdict_sample(records *r, int kind, slice s);
void rec_zdict_train(records *r);

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
/* 1 for an English stopword (not indexed; see records_fts.c). */
int rec_stopword(const uint8_t *p, size_t n);
/* The FTS5 MATCH expression of group g (a NUL-terminated string in *out;
 * empty when the group is only stopwords: check it on the text). */
int rec_query_fts(const rec_query *q, size_t g, buf *out);
/* 1 when text holds group g (tokens in order), else 0. */
int rec_text_has(const rec_query *q, size_t g, slice text);
/* The text around the first match in texts[] (in order), at most
 * REC_SNIPPET_CHARS characters, into *snip; highlighted ranges in UTF-16
 * code units relative to the snippet. */
#define REC_SNIPPET_CHARS 240
#define REC_SNIPPET_HL 32
int rec_snippet(const rec_query *q, const slice *texts, size_t ntexts, buf *snip, uint32_t (*hl)[2], size_t *nhl);

/* records_calls.c: the full-text plan's thresholds (see there); tests
 * lower them to exercise every path on small data. */
extern size_t rec_tune_term_calls, rec_tune_count_blobs, rec_tune_common_blobs, rec_tune_scan_budget;
/* records_apply.c: from how many calls a blob's users are no longer
 * listed (blobs.link crowded).  Stored meaning: tests only lower it. */
extern size_t rec_tune_crowd;

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
    records *r;     /* for the zstd dictionaries */
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

typedef struct rec_wreq rec_wreq;
typedef struct hcent hcent;
typedef struct rec_wstate rec_wstate;

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
    rec_wreq *q_head, *q_tail;
    size_t q_bytes;
    int stopping;
    rec_wstate *ws;         /* writer thread state */

    /* blob hash -> id, last use; the writer fills it, callers probe it to
     * skip compressing blobs that are already stored */
    pthread_mutex_t hc_mu;
    hcent *hc;
    rec_zdicts *zd;

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
int rconn_open(records *r, rconn **out, const char *path, int readonly, err_ctx *e);
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

/* ------------------------------------------------------------ write requests
 *
 * records_encode.c turns a batch into a request in the caller's thread:
 * fields split (rec_pfield), their distinct blobs hashed and compressed
 * (rec_pblob).  records_apply.c writes a request's rows in the writer thread;
 * records_write.c queues requests and runs the writer thread. */

#define REC_ZLEVEL 5 /* zstd level of blobs and skeletons: small texts gain little above it */

typedef struct rec_pblob {
    uint8_t h[16];
    slice text;
    slice z;          /* the stored form made by the caller (zstate 1): codec byte, ... */
    int64_t tmax;     /* latest time of the rows using it */
    int64_t id;       /* set by the writer */
    uint8_t searchable;
    uint8_t shape;    /* a shape (not a text: no dictionary sample) */
    uint8_t zstate;   /* 0 not made (already stored, it seemed), 1 z made (codec byte first) */
} rec_pblob;

#define F_NONE 0xff
typedef struct rec_pfield {
    uint8_t kind;     /* REC_FIELD_* or F_NONE (SQL NULL) */
    uint32_t nrefs;
    uint32_t *refs;   /* indexes into the request's blobs */
    uint32_t shape;   /* REC_FIELD_SHAPE: the shape's blob index */
    slice body;       /* raw text; skeleton; varint length + zstd skeleton; values */
} rec_pfield;

typedef struct rec_pspan {
    rec_pfield msg, attrs, events, links, resource;
    int keep;
} rec_pspan;
typedef struct rec_pcall {
    rec_pfield error, prompt, completion, messages;
    uint32_t *sb;     /* searchable blobs, in order */
    uint32_t nsb;
    int keep;
} rec_pcall;
typedef struct rec_plog {
    rec_pfield body, attrs, resource;
    int64_t t;
    int keep;
} rec_plog;

enum { REQ_WRITE, REQ_FLUSH, REQ_RETAIN };

struct rec_wreq {
    int type;
    const rec_batch *b;
    rec_write_result res;
    err_ctx *e;
    int rc, done;
    size_t bytes;
    int64_t now_ns;   /* REQ_RETAIN: the clock to use */
    arena *a;
    rec_pblob *blobs;
    size_t nblobs, capblobs;
    uint32_t *bt;     /* open addressing over blob indexes + 1 */
    size_t btcap;
    rec_pspan *ps;
    rec_pcall *pc;
    rec_plog *pl;
    pthread_cond_t cv;
    rec_wreq *next;
};

/* records_encode.c */
int rec_encode(records *r, rec_wreq *q);
void rec_req_free(rec_wreq *q);
size_t rec_req_bytes(const rec_batch *b);
/* The calling thread's zstd compression context (freed at thread exit). */
ZSTD_CCtx *rec_thread_cctx(void);

static inline size_t rec_hc_slot(const uint8_t h[16])
{
    uint64_t v;
    memcpy(&v, h, 8);
    return (size_t)(v & (((size_t)1 << REC_HC_BITS) - 1));
}

/* ------------------------------------------------------------ writer state (writer thread only) */

typedef struct rec_wdent {
    uint64_t h;
    uint8_t *s;       /* NULL: empty slot */
    uint32_t n;
    int64_t id, last_ns;
} rec_wdent;

typedef struct rec_wop {
    int64_t svc, name; /* name 0: the service's own entry */
    int kind;
    int64_t last_ns;
    int used;
} rec_wop;

struct rec_wstate {
    rec_wdent *d;
    size_t dcap, dn;
    int64_t next_dict;
    rec_wop *ops;
    size_t ocap, on;
    buf col[10], tmp, ids; /* col: bound column bytes (a span's 0-4, a call's 5-9) */
    int retaining;     /* a retention pass is under way */
    int64_t pass_cutoff;
};

/* records_apply.c: a request's rows into the open transaction; the
 * writer's caches dropped after a rollback or a retention step; the
 * helpers records_rows.c shares. */
int rec_apply(records *r, rec_wreq *q, rec_delta *d, err_ctx *e);
void rec_caches_clear(records *r);
/* The id of a dictionary string (0 for empty), inserted when new; its
 * last use covers time t. */
int rec_dict_id(records *r, slice s, int64_t t, int64_t *id, err_ctx *e);
/* Keeps the svc / ops side tables current (name 0: the service itself). */
int rec_touch_op(records *r, int64_t svc, int64_t name, int kind, int64_t t, err_ctx *e);
/* Binds a field's column bytes (built in *out) or NULL. */
int rec_bind_field(records *r, sqlite3_stmt *st, int col, const rec_pfield *f, const rec_wreq *q, buf *out);
/* Steps a statement that returns no row; LOUPE_EIO with e set otherwise. */
int rec_step(records *r, sqlite3_stmt *st, err_ctx *e, const char *what);
void rec_bind_id(sqlite3_stmt *st, int col, int64_t id);   /* NULL for 0 */
void rec_bind_tok(sqlite3_stmt *st, int col, int64_t v);   /* NULL for -1 */
void rec_bind_real(sqlite3_stmt *st, int col, double v);   /* NULL for NaN */
void rec_bind_ms(sqlite3_stmt *st, int col, double v);     /* integer µs when exact, NULL for NaN */

/* Links (add) or unlinks a call row to a searchable blob: blobs.link and
 * call_blob (see records_apply.c). */
#define REC_LINK_CROWDED (-(INT64_C(1) << 40))
#define REC_LINK_FRESH INT32_MAX /* a new searchable blob, before its call's row is written */
int rec_blob_link(records *r, int64_t b, int64_t row, int add, err_ctx *e);

/* records_rows.c: the span and call rows of a request. */
int rec_put_rows(records *r, rec_wreq *q, int64_t cutoff, rec_delta *d, err_ctx *e);

#endif
