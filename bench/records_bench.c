/* records_bench.c - a by-hand measurement of the records store (not built
 * by CMake): bytes on disk per LLM call against the raw JSON of its prompt,
 * completion and span attributes, and insert throughput against a bare
 * SQLite + FTS5 (unicode61) insert loop of the same rows; then list and
 * full-text query latencies.
 *
 * Build and run from the repository root (after a build in build-records):
 *   cc -O2 -g -std=gnu11 -D_GNU_SOURCE -Isrc bench/records_bench.c build-records/libloupe_ingest.a \
 *      build-records/libloupe_store.a build-records/libloupe_util.a \
 *      $(pkg-config --libs sqlite3 libzstd libcjson lmdb snappy zlib libpcre2-8) -lpthread -lm \
 *      -o /tmp/records_bench
 *   /tmp/records_bench [calls=20000] [batch=50] [threads=1] [attrs_with_messages=1]
 * (SKIP_BARE=1 skips the bare SQLite run; KEEP=1 keeps the directory.)
 *
 *   /tmp/records_bench --replay DIR/batches.bin [raw_json_bytes_per_call]
 * feeds bench/llm's pre-encoded OTLP requests through otlp_export (the
 * ingest path without HTTP) into a fresh store and prints bytes per call
 * and a few query latencies: the disk figure of bench/llm in a minute.
 *   /tmp/records_bench --query DIR     the latencies again, on a kept store
 *
 * Workload: 20 system prompts of ~1.5 KB; per call a unique user message
 * and a unique completion of 300..600 bytes (Zipf-distributed English
 * words), the prompt as chat-messages JSON, messages_json, and a span whose
 * attributes carry the GenAI conventions (model, tokens, and, when
 * attrs_with_messages, gen_ai.input.messages / gen_ai.output.messages as
 * JSON strings, as the OTel GenAI instrumentations record them). */
#include "ingest/otlp_export.h"
#include "store/records.h"
#include "store/store.h"

#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const words[] = {
    "the", "of", "and", "to", "a", "in", "is", "you", "that", "it", "for", "on", "with", "as", "are", "this", "be",
    "your", "or", "have", "from", "can", "not", "by", "we", "please", "order", "account", "refund", "payment",
    "delivery", "customer", "support", "question", "answer", "product", "price", "time", "help", "need", "would",
    "like", "should", "could", "about", "when", "what", "which", "there", "their", "will", "one", "all", "been",
    "more", "if", "some", "my", "any", "also", "into", "only", "other", "new", "use", "make", "than", "then", "them",
    "these", "so", "way", "may", "first", "well", "because", "after", "most", "over", "know", "how", "get", "where",
    "much", "before", "right", "through", "just", "shipping", "address", "invoice", "subscription", "plan",
    "upgrade", "cancel", "return", "policy", "warranty", "issue", "problem", "error", "message", "email", "phone",
    "number", "date", "week", "month", "year", "today", "tomorrow", "yesterday", "available", "possible", "already",
    "still", "again", "never", "always", "often", "sometimes", "really", "very", "quite", "thank", "thanks", "hello",
    "regards", "team", "service", "company", "store", "item", "items", "package", "tracking", "status", "update",
    "change", "details", "information", "confirm", "check", "received", "sent", "waiting", "problematic", "broken",
    "damaged", "replacement", "discount", "coupon", "code", "login", "password", "reset", "security", "privacy",
    "data", "report", "feature", "request", "bug", "crash", "slow", "fast", "quickly", "soon", "later", "assistant",
    "model", "respond", "concise", "polite", "helpful", "accurate", "never", "reveal", "internal", "instructions",
    "tools", "function", "call", "result", "user", "context", "document", "section", "page", "summary", "explain",
    "steps", "example", "following", "format", "json", "table", "list", "markdown", "language", "english", "french",
    "german", "spanish", "translate", "write", "draft", "review", "improve", "grammar", "tone", "style", "length",
};
#define NWORDS (sizeof words / sizeof *words)

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double zipf_cdf[NWORDS];
static void zipf_init(void)
{
    double sum = 0;
    for (size_t i = 0; i < NWORDS; i++)
        sum += 1.0 / pow((double)i + 1, 1.05);
    double acc = 0;
    for (size_t i = 0; i < NWORDS; i++) {
        acc += 1.0 / pow((double)i + 1, 1.05) / sum;
        zipf_cdf[i] = acc;
    }
}

static const char *word(void)
{
    double u = (double)(rnd() % 1000000) / 1e6;
    size_t lo = 0, hi = NWORDS - 1;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (zipf_cdf[m] < u)
            lo = m + 1;
        else
            hi = m;
    }
    return words[lo];
}

/* Text of about n bytes: sentences of words, some numbers. */
static void text(buf *b, size_t n)
{
    b->n = 0;
    int cap = 1;
    while (b->n < n) {
        const char *w = word();
        if (cap) {
            buf_putc(b, (uint8_t)(w[0] - 32));
            buf_puts(b, w + 1);
        } else {
            buf_puts(b, w);
        }
        cap = 0;
        uint64_t r = rnd() % 100;
        if (r < 3)
            buf_printf(b, " #%u", (unsigned)(rnd() % 100000));
        if (r < 8) {
            buf_puts(b, ". ");
            cap = 1;
        } else if (r < 11) {
            buf_puts(b, ", ");
        } else {
            buf_putc(b, ' ');
        }
    }
    buf_putc(b, '.');
}

static void jesc(buf *out, slice s)
{
    for (size_t i = 0; i < s.n; i++) {
        uint8_t c = s.p[i];
        if (c == '"' || c == '\\')
            buf_putc(out, '\\'), buf_putc(out, c);
        else if (c == '\n')
            buf_puts(out, "\\n");
        else
            buf_putc(out, c);
    }
}

typedef struct gen {
    buf prompt, completion, messages, attrs, user, resource;
    char user_id[32], session_id[32], model[32], route[32];
} gen;

static buf sys_prompts[20];
static int attrs_with_messages = 1;

static void gen_call(gen *g, int i, rec_call *c, rec_span *s, int64_t t)
{
    buf *sys = &sys_prompts[rnd() % 20];
    text(&g->user, 300 + rnd() % 300);
    text(&g->completion, 300 + rnd() % 300);
    g->prompt.n = 0;
    buf_puts(&g->prompt, "[{\"role\":\"system\",\"content\":\"");
    jesc(&g->prompt, buf_slice(sys));
    buf_puts(&g->prompt, "\"},{\"role\":\"user\",\"content\":\"");
    jesc(&g->prompt, buf_slice(&g->user));
    buf_puts(&g->prompt, "\"}]");
    g->messages.n = 0;
    buf_append(&g->messages, g->prompt.p, g->prompt.n - 1);
    buf_puts(&g->messages, ",{\"role\":\"assistant\",\"content\":\"");
    jesc(&g->messages, buf_slice(&g->completion));
    buf_puts(&g->messages, "\"}]");
    snprintf(g->user_id, sizeof g->user_id, "user-%u", (unsigned)(rnd() % 5000));
    snprintf(g->session_id, sizeof g->session_id, "sess-%u", (unsigned)(i / 4));
    snprintf(g->model, sizeof g->model, "%s", (const char *[]){ "gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet",
                                                                "llama-3.1-70b", "mistral-large" }[rnd() % 5]);
    snprintf(g->route, sizeof g->route, "/api/route%u", (unsigned)(rnd() % 10));
    int64_t in_tok = (int64_t)(g->prompt.n / 4), out_tok = (int64_t)(g->completion.n / 4);
    g->attrs.n = 0;
    buf_printf(&g->attrs,
               "{\"gen_ai.system\":\"openai\",\"gen_ai.operation.name\":\"chat\",\"gen_ai.request.model\":\"%s\","
               "\"gen_ai.response.model\":\"%s-2024-08-06\",\"gen_ai.response.id\":\"chatcmpl-%016llx\","
               "\"gen_ai.usage.input_tokens\":%lld,\"gen_ai.usage.output_tokens\":%lld,"
               "\"gen_ai.response.finish_reasons\":[\"stop\"],\"llm.user_id\":\"%s\",\"session.id\":\"%s\","
               "\"llm.route\":\"%s\",\"gen_ai.request.temperature\":0.7",
               g->model, g->model, (unsigned long long)rnd(), (long long)in_tok, (long long)out_tok, g->user_id,
               g->session_id, g->route);
    if (attrs_with_messages) {
        buf_puts(&g->attrs, ",\"gen_ai.input.messages\":\"");
        jesc(&g->attrs, buf_slice(&g->prompt));
        buf_puts(&g->attrs, "\",\"gen_ai.output.messages\":\"[{\\\"role\\\":\\\"assistant\\\",\\\"content\\\":\\\"");
        buf esc = BUF_INIT;
        jesc(&esc, buf_slice(&g->completion));
        jesc(&g->attrs, buf_slice(&esc));
        buf_free(&esc);
        buf_puts(&g->attrs, "\\\"}]\"");
    }
    buf_putc(&g->attrs, '}');
    g->resource.n = 0;
    buf_puts(&g->resource, "{\"service.name\":\"chat-api\",\"service.version\":\"1.4.2\",\"telemetry.sdk.language\":"
                           "\"python\",\"telemetry.sdk.name\":\"opentelemetry\",\"telemetry.sdk.version\":\"1.27.0\","
                           "\"host.name\":\"chat-api-7d9f8b6c5-x2k4q\"}");
    memset(c, 0, sizeof *c);
    for (int k = 0; k < 16; k++)
        c->trace_id[k] = (uint8_t)rnd();
    for (int k = 0; k < 8; k++)
        c->span_id[k] = (uint8_t)rnd();
    c->start_ns = t;
    c->end_ns = t + 1500000000LL;
    c->service = slice_cstr("chat-api");
    c->user_id = slice_cstr(g->user_id);
    c->session_id = slice_cstr(g->session_id);
    c->provider = slice_cstr("openai");
    c->model = slice_cstr(g->model);
    c->route = slice_cstr(g->route);
    c->status = REC_STATUS_OK;
    c->finish_reason = slice_cstr("stop");
    c->input_tokens = in_tok;
    c->output_tokens = out_tok;
    c->cached_input_tokens = -1;
    c->cache_write_tokens = -1;
    c->reasoning_tokens = -1;
    c->cost_usd = (double)in_tok * 2.5e-6 + (double)out_tok * 1e-5;
    c->cost_source = 2;
    c->latency_ms = 1500;
    c->ttft_ms = 300;
    c->prompt = buf_slice(&g->prompt);
    c->completion = buf_slice(&g->completion);
    c->messages_json = buf_slice(&g->messages);
    memset(s, 0, sizeof *s);
    memcpy(s->trace_id, c->trace_id, 16);
    memcpy(s->span_id, c->span_id, 8);
    s->service = c->service;
    s->name = slice_cstr("chat gpt-4o");
    s->kind = 3;
    s->start_ns = c->start_ns;
    s->end_ns = c->end_ns;
    s->status_code = REC_STATUS_OK;
    s->attrs_json = buf_slice(&g->attrs);
    s->resource_json = buf_slice(&g->resource);
    s->scope_name = slice_cstr("opentelemetry.instrumentation.openai");
    s->scope_version = slice_cstr("0.48b0");
    s->user_id = c->user_id;
    s->session_id = c->session_id;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t dir_bytes(const char *dir, const char *name)
{
    char p[512];
    uint64_t total = 0;
    const char *sfx[] = { "", "-wal", "-shm" };
    for (int i = 0; i < 2; i++) {
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s%s", dir, name, sfx[i]);
        if (!stat(p, &sb))
            total += (uint64_t)sb.st_size;
    }
    return total;
}

/* ------------------------------------------------------------ loupe */

typedef struct job {
    records *r;
    int from, to, batch;
    int64_t t0;
    double write_s; /* time spent in records_write */
} job;

static size_t raw_bytes;
static pthread_mutex_t raw_mu = PTHREAD_MUTEX_INITIALIZER;

static void *writer(void *arg)
{
    job *j = arg;
    gen g[512];
    memset(g, 0, sizeof g);
    rec_call *c = calloc((size_t)j->batch, sizeof *c);
    rec_span *s = calloc((size_t)j->batch, sizeof *s);
    size_t raw = 0;
    for (int i = j->from; i < j->to;) {
        int n = 0;
        pthread_mutex_lock(&raw_mu); /* the generator's rng is shared: keep it deterministic-ish */
        for (; n < j->batch && i < j->to; n++, i++) {
            gen_call(&g[n], i, &c[n], &s[n], j->t0 + (int64_t)i * 4000000LL);
            raw += c[n].prompt.n + c[n].completion.n + s[n].attrs_json.n;
        }
        pthread_mutex_unlock(&raw_mu);
        rec_batch b = { s, (size_t)n, c, (size_t)n, NULL, 0 };
        rec_write_result res;
        err_ctx e = { 0 };
        int rc;
        double t0 = now_s();
        while ((rc = records_write(j->r, &b, &res, &e)) == LOUPE_EBUSY) {
            err_clear(&e);
            usleep(1000);
        }
        j->write_s += now_s() - t0;
        if (rc) {
            fprintf(stderr, "write: %d %s\n", rc, e.msg);
            exit(1);
        }
    }
    pthread_mutex_lock(&raw_mu);
    raw_bytes += raw;
    pthread_mutex_unlock(&raw_mu);
    for (int k = 0; k < 512; k++) {
        buf *bs[] = { &g[k].prompt, &g[k].completion, &g[k].messages, &g[k].attrs, &g[k].user, &g[k].resource };
        for (size_t q = 0; q < 6; q++)
            buf_free(bs[q]);
    }
    free(c);
    free(s);
    return NULL;
}

static int count_cb(void *ctx, const rec_call_row *row)
{
    (void)row;
    (*(size_t *)ctx)++;
    return 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void latency(records *r, const char *what, int kind)
{
    double t[200];
    size_t rows = 0;
    buf cur = BUF_INIT;
    for (int i = 0; i < 200; i++) {
        rec_call_query q;
        memset(&q, 0, sizeof q);
        q.end_ns = INT64_MAX;
        q.min_cost = q.max_cost = NAN;
        q.limit = 50;
        char u[32];
        static const char *qs[] = { "refund", "replacement warranty", "tracking package", "crash login",
                                    "\"reset password\"", "invoice subscription cancel", "damaged item",
                                    "translate french" };
        if (kind == 0) {
            snprintf(u, sizeof u, "user-%d", i * 37 % 5000);
            q.user_id = slice_cstr(u);
        } else {
            q.q = slice_cstr(qs[i % 8]);
        }
        err_ctx e = { 0 };
        double t0 = now_s();
        if (records_calls(r, &q, count_cb, &rows, &cur, &e)) {
            fprintf(stderr, "query: %s\n", e.msg);
            exit(1);
        }
        t[i] = (now_s() - t0) * 1000;
    }
    qsort(t, 200, sizeof *t, cmp_d);
    printf("  %-22s p50 %.2f ms  p95 %.2f ms  max %.2f ms  (%.1f rows/query)\n", what, t[100], t[190], t[199],
           (double)rows / 200);
    buf_free(&cur);
}

static void run_loupe(const char *dir, int n, int batch, int threads)
{
    records_opts o;
    records_opts_default(&o);
    o.dir = dir;
    records *r = NULL;
    err_ctx e = { 0 };
    if (records_open(&o, &r, &e)) {
        fprintf(stderr, "open: %s\n", e.msg);
        exit(1);
    }
    pthread_t th[16];
    job j[16];
    int64_t t0 = 1717200000000000000LL;
    double s0 = now_s();
    for (int k = 0; k < threads; k++) {
        j[k] = (job){ r, n * k / threads, n * (k + 1) / threads, batch, t0, 0.0 };
        pthread_create(&th[k], NULL, writer, &j[k]);
    }
    double wsum = 0;
    for (int k = 0; k < threads; k++) {
        pthread_join(th[k], NULL);
        wsum += j[k].write_s;
    }
    double secs = now_s() - s0;
    if (threads == 1)
        secs = wsum; /* as for the bare loop: without generating the calls */
    records_flush(r, &e);
    records_stats st;
    records_get_stats(r, &st);
    uint64_t disk = dir_bytes(dir, "records.db");
    printf("loupe: %d calls in %.2f s = %.0f calls/s (%d thread(s), %d calls per write, %llu commits)\n", n, secs,
           n / secs, threads, batch, (unsigned long long)st.commits);
    printf("  raw JSON (prompt + completion + attributes) %.0f B/call; on disk %.0f B/call = %.3f x raw\n",
           (double)raw_bytes / n, (double)disk / n, (double)disk / (double)raw_bytes);
    printf("  blobs %llu (%.1f MB raw -> %.1f MB zstd)\n", (unsigned long long)st.blobs, st.blob_raw_bytes / 1e6,
           st.blob_bytes / 1e6);
    latency(r, "?user_id=", 0);
    latency(r, "?q=", 1);
    records_close(r);
}

/* ------------------------------------------------------------ bare SQLite + FTS5 */

static void ck(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void run_bare(const char *dir, int n, int batch)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bare.db", dir);
    sqlite3 *db;
    ck(sqlite3_open(path, &db), db, "open");
    ck(sqlite3_exec(db,
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                    "CREATE TABLE spans(id INTEGER PRIMARY KEY, trace_id BLOB, span_id BLOB, service TEXT, name TEXT,"
                    " start_ns INTEGER, end_ns INTEGER, attrs TEXT, resource TEXT, user_id TEXT, session_id TEXT);"
                    "CREATE UNIQUE INDEX spans_ids ON spans(trace_id, span_id);"
                    "CREATE TABLE calls(id INTEGER PRIMARY KEY, start_ns INTEGER, trace_id BLOB, user_id TEXT,"
                    " session_id TEXT, model TEXT, route TEXT, in_tok INTEGER, out_tok INTEGER, cost REAL,"
                    " prompt TEXT, completion TEXT, messages TEXT);"
                    "CREATE INDEX calls_user ON calls(user_id, start_ns); CREATE INDEX calls_time ON calls(start_ns);"
                    "CREATE VIRTUAL TABLE calls_fts USING fts5(prompt, completion, content='calls',"
                    " content_rowid='id', tokenize='unicode61');",
                    NULL, NULL, NULL),
       db, "schema");
    sqlite3_stmt *ss, *cs, *fs;
    ck(sqlite3_prepare_v2(db, "INSERT INTO spans(trace_id, span_id, service, name, start_ns, end_ns, attrs, resource,"
                              " user_id, session_id) VALUES(?,?,?,?,?,?,?,?,?,?)", -1, &ss, NULL), db, "p1");
    ck(sqlite3_prepare_v2(db, "INSERT INTO calls(start_ns, trace_id, user_id, session_id, model, route, in_tok,"
                              " out_tok, cost, prompt, completion, messages) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                          &cs, NULL), db, "p2");
    ck(sqlite3_prepare_v2(db, "INSERT INTO calls_fts(rowid, prompt, completion) VALUES(?,?,?)", -1, &fs, NULL), db,
       "p3");
    gen g;
    memset(&g, 0, sizeof g);
    rec_call c;
    rec_span s;
    double secs = 0;
    size_t raw = 0;
    for (int i = 0; i < n;) {
        /* generate outside the timing, insert inside */
        static gen gb[512];
        static rec_call cb[512];
        static rec_span sb[512];
        int m = 0;
        for (; m < batch && i < n; m++, i++) {
            gen_call(&gb[m], i, &cb[m], &sb[m], 1717200000000000000LL + (int64_t)i * 4000000LL);
            raw += cb[m].prompt.n + cb[m].completion.n + sb[m].attrs_json.n;
        }
        double t0 = now_s();
        ck(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), db, "begin");
        for (int k = 0; k < m; k++) {
            c = cb[k];
            s = sb[k];
            sqlite3_bind_blob(ss, 1, s.trace_id, 16, SQLITE_STATIC);
            sqlite3_bind_blob(ss, 2, s.span_id, 8, SQLITE_STATIC);
            sqlite3_bind_text(ss, 3, (const char *)s.service.p, (int)s.service.n, SQLITE_STATIC);
            sqlite3_bind_text(ss, 4, (const char *)s.name.p, (int)s.name.n, SQLITE_STATIC);
            sqlite3_bind_int64(ss, 5, s.start_ns);
            sqlite3_bind_int64(ss, 6, s.end_ns);
            sqlite3_bind_text(ss, 7, (const char *)s.attrs_json.p, (int)s.attrs_json.n, SQLITE_STATIC);
            sqlite3_bind_text(ss, 8, (const char *)s.resource_json.p, (int)s.resource_json.n, SQLITE_STATIC);
            sqlite3_bind_text(ss, 9, (const char *)s.user_id.p, (int)s.user_id.n, SQLITE_STATIC);
            sqlite3_bind_text(ss, 10, (const char *)s.session_id.p, (int)s.session_id.n, SQLITE_STATIC);
            ck(sqlite3_step(ss), db, "span");
            sqlite3_reset(ss);
            sqlite3_bind_int64(cs, 1, c.start_ns);
            sqlite3_bind_blob(cs, 2, c.trace_id, 16, SQLITE_STATIC);
            sqlite3_bind_text(cs, 3, (const char *)c.user_id.p, (int)c.user_id.n, SQLITE_STATIC);
            sqlite3_bind_text(cs, 4, (const char *)c.session_id.p, (int)c.session_id.n, SQLITE_STATIC);
            sqlite3_bind_text(cs, 5, (const char *)c.model.p, (int)c.model.n, SQLITE_STATIC);
            sqlite3_bind_text(cs, 6, (const char *)c.route.p, (int)c.route.n, SQLITE_STATIC);
            sqlite3_bind_int64(cs, 7, c.input_tokens);
            sqlite3_bind_int64(cs, 8, c.output_tokens);
            sqlite3_bind_double(cs, 9, c.cost_usd);
            sqlite3_bind_text(cs, 10, (const char *)c.prompt.p, (int)c.prompt.n, SQLITE_STATIC);
            sqlite3_bind_text(cs, 11, (const char *)c.completion.p, (int)c.completion.n, SQLITE_STATIC);
            sqlite3_bind_text(cs, 12, (const char *)c.messages_json.p, (int)c.messages_json.n, SQLITE_STATIC);
            ck(sqlite3_step(cs), db, "call");
            sqlite3_reset(cs);
            sqlite3_bind_int64(fs, 1, sqlite3_last_insert_rowid(db));
            sqlite3_bind_text(fs, 2, (const char *)c.prompt.p, (int)c.prompt.n, SQLITE_STATIC);
            sqlite3_bind_text(fs, 3, (const char *)c.completion.p, (int)c.completion.n, SQLITE_STATIC);
            ck(sqlite3_step(fs), db, "fts");
            sqlite3_reset(fs);
        }
        ck(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), db, "commit");
        secs += now_s() - t0;
    }
    sqlite3_finalize(ss);
    sqlite3_finalize(cs);
    sqlite3_finalize(fs);
    sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_close(db);
    uint64_t disk = dir_bytes(dir, "bare.db");
    printf("bare SQLite+FTS5: %d calls in %.2f s = %.0f calls/s (insert time only); on disk %.0f B/call = %.3f x "
           "raw\n",
           n, secs, n / secs, (double)disk / n, (double)disk / (double)raw);
}

/* ------------------------------------------------------------ replay (bench/llm workload) */

extern const unsigned char loupe_default_pricing[];
extern const size_t loupe_default_pricing_len;

static void lat_q(records *r, const char *name, const char *q, const char *user)
{
    double t[100];
    size_t rows = 0;
    buf cur = BUF_INIT;
    for (int i = 0; i < 100; i++) {
        rec_call_query qq;
        memset(&qq, 0, sizeof qq);
        qq.end_ns = INT64_MAX;
        qq.min_cost = qq.max_cost = NAN;
        qq.limit = 50;
        if (q)
            qq.q = slice_cstr(q);
        if (user)
            qq.user_id = slice_cstr(user);
        err_ctx e = { 0 };
        double t0 = now_s();
        if (records_calls(r, &qq, count_cb, &rows, &cur, &e)) {
            fprintf(stderr, "query: %s\n", e.msg);
            exit(1);
        }
        t[i] = (now_s() - t0) * 1000;
    }
    qsort(t, 100, sizeof *t, cmp_d);
    printf("  %-18s p50 %6.2f ms  p95 %6.2f ms  (%.1f rows)\n", name, t[50], t[95], (double)rows / 100);
    buf_free(&cur);
}

static int replay(const char *in, double raw_per_call)
{
    char dir[64] = "/tmp/records-replay-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    err_ctx e = { 0 };
    store_opts so;
    store_opts_default(&so);
    so.dir = dir;
    store *st = NULL;
    records_opts ro;
    records_opts_default(&ro);
    ro.dir = dir;
    ro.retention_days = 30;
    records *rec = NULL;
    pricing *pr = NULL;
    if (store_open(&so, &st, &e) || records_open(&ro, &rec, &e) ||
        pricing_create(slice_make(loupe_default_pricing, loupe_default_pricing_len), NULL, &pr, &e)) {
        fprintf(stderr, "open: %s\n", e.msg);
        return 1;
    }
    derived_opts dop;
    derived_opts_default(&dop);
    derived *der = derived_create(st, &dop);
    otlp_export_ctx x;
    memset(&x, 0, sizeof x);
    x.st = st;
    x.rec = rec;
    x.prices = pr;
    x.der = der;
    genai_opts_default(&x.genai);
    otlp_limits_default(&x.limits);
    x.label_limits.max_labels = 128;
    x.label_limits.max_name_len = 1024;
    x.label_limits.max_value_len = 16384;
    x.max_decompressed = 64u << 20;
    FILE *f = fopen(in, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", in);
        return 1;
    }
    size_t calls = 0;
    double secs = 0;
    unsigned char h[8];
    while (fread(h, 1, 8, f) == 8) { /* [u32 length][u32 calls][body] */
        uint32_t len, n;
        memcpy(&len, h, 4);
        memcpy(&n, h + 4, 4);
        unsigned char *b = malloc(len);
        if (!b || fread(b, 1, len, f) != len)
            break;
        otlp_result res;
        memset(&res, 0, sizeof res);
        double t0 = now_s();
        otlp_export(&x, OTLP_TRACES, OTLP_FMT_PROTOBUF, slice_make(b, len), &res);
        secs += now_s() - t0;
        free(b);
        if (res.code) {
            fprintf(stderr, "export: %s\n", res.msg);
            return 1;
        }
        size_t before = calls;
        calls += n;
        if (calls / 100000 != before / 100000) {
            records_stats rs;
            records_get_stats(rec, &rs);
            fprintf(stderr, "  %zu calls, %.0f calls/s, %.2f blobs/call, %.0f blob bytes/call, db %.0f B/call\n", calls,
                    calls / secs, (double)rs.blobs / calls, (double)rs.blob_bytes / calls,
                    (double)(rs.db_file_bytes + rs.wal_file_bytes) / calls);
        }
    }
    fclose(f);
    records_flush(rec, &e);
    records_stats rs;
    records_get_stats(rec, &rs);
    uint64_t disk = dir_bytes(dir, "records.db");
    printf("replay: %zu calls, export %.1f s = %.0f calls/s; records.db %.1f B/call", calls, secs, calls / secs,
           (double)disk / calls);
    if (raw_per_call > 0)
        printf(" = %.3f x raw JSON (%.1f B/call)", (double)disk / calls / raw_per_call, raw_per_call);
    printf("\n  blobs %llu (%.1f MB raw -> %.1f MB)\n", (unsigned long long)rs.blobs, rs.blob_raw_bytes / 1e6,
           rs.blob_bytes / 1e6);
    lat_q(rec, "?q=account", "account", NULL);
    lat_q(rec, "?q=warehouse", "warehouse", NULL);
    lat_q(rec, "?q=zephyrine", "zephyrine", NULL);
    lat_q(rec, "?q=退款", "退款", NULL);
    lat_q(rec, "?q=refund invoice", "refund invoice", NULL);
    records_close(rec);
    derived_destroy(der);
    store_close(st);
    pricing_destroy(pr);
    if (!getenv("KEEP")) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd);
    }
    printf("  kept %s\n", dir);
    return 0;
}

/* Query latencies on a store kept by --replay (KEEP=1). */
static int query_only(const char *dir)
{
    records_opts ro;
    records_opts_default(&ro);
    ro.dir = dir;
    records *rec = NULL;
    err_ctx e = { 0 };
    if (records_open(&ro, &rec, &e)) {
        fprintf(stderr, "open: %s\n", e.msg);
        return 1;
    }
    records_stats rs;
    records_get_stats(rec, &rs);
    printf("%s: %llu calls\n", dir, (unsigned long long)rs.calls);
    for (int pass = 0; pass < 2; pass++) { /* the first warms the page cache */
        lat_q(rec, "?q=account", "account", NULL);
        lat_q(rec, "?q=warehouse", "warehouse", NULL);
        lat_q(rec, "?q=zephyrine", "zephyrine", NULL);
        lat_q(rec, "?q=退款", "退款", NULL);
        lat_q(rec, "?q=refund invoice", "refund invoice", NULL);
        lat_q(rec, "?user_id=", NULL, "u_aa4ff8d16e");
        lat_q(rec, "?user_id=&q=", "account", "u_aa4ff8d16e");
    }
    records_close(rec);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "--query"))
        return query_only(argv[2]);
    if (argc > 2 && !strcmp(argv[1], "--replay"))
        return replay(argv[2], argc > 3 ? atof(argv[3]) : 3346.4);
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int batch = argc > 2 ? atoi(argv[2]) : 50;
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    attrs_with_messages = argc > 4 ? atoi(argv[4]) : 1;
    if (batch > 512)
        batch = 512;
    zipf_init();
    buf tmp = BUF_INIT;
    for (int i = 0; i < 20; i++) {
        text(&tmp, 1400 + rnd() % 200);
        buf_printf(&sys_prompts[i], "You are the assistant of team %d. ", i);
        buf_append(&sys_prompts[i], tmp.p, tmp.n);
    }
    char dir[64] = "/tmp/records-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    printf("%d calls, batches of %d, %d writer thread(s), attributes %s the messages; dir %s\n", n, batch, threads,
           attrs_with_messages ? "carry" : "without", dir);
    uint64_t save = rng;
    if (!getenv("SKIP_BARE"))
        run_bare(dir, n, batch);
    rng = save;
    raw_bytes = 0;
    run_loupe(dir, n, batch, threads);
    buf_free(&tmp);
    if (getenv("KEEP"))
        return 0;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}
