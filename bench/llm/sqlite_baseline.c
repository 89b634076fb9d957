/* sqlite_baseline.c - the bare SQLite + FTS5 insert loop loupe's ingest is
 * compared with: the rows gen.mjs wrote (calls.jsonl) go into one table with
 * the call columns + prompt + completion + attributes text, and an FTS5
 * (unicode61) index over prompt + completion (external content, so the text
 * is stored once).  WAL mode, synchronous=NORMAL, one transaction per batch
 * of --batch rows (the sender's batch size).  Secondary indexes on
 * (user_id, start_ns) and (session_id, start_ns), which the call search needs,
 * unless --no-index.
 *
 *   cc -O2 -o sqlite_baseline sqlite_baseline.c -lsqlite3 -lcjson
 *   ./sqlite_baseline --in calls.jsonl --db DIR/baseline.db [--batch 200] [--no-index]
 *                     [--user ID]... [--q TERM]... [--query-runs 100]
 *
 * Prints one JSON line: rows, seconds of the whole loop (read + parse +
 * insert) and of the SQLite calls alone, rows/s for both, the database size
 * after a WAL checkpoint, and (with --user / --q) p50/p95 of the equivalent
 * newest-first searches (LIMIT 50) as a reference (at most --query-runs runs
 * each, fewer when a search takes over 15 s in all). */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <sqlite3.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static sqlite3 *db;

/* busy CPU time of the whole machine in seconds (user nice system irq softirq steal) */
static double machine_busy_s(void)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[8] = { 0 };
    if (!f)
        return 0;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                   &v[7]);
    fclose(f);
    if (n != 8)
        return 0;
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

static void die(const char *what)
{
    fprintf(stderr, "sqlite_baseline: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}

static void exec(const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sqlite_baseline: %s: %s\n", sql, err);
        exit(1);
    }
}

static int hexval(int c)
{
    return c <= '9' ? c - '0' : (c | 32) - 'a' + 10;
}

/* binds a hex string as a blob (scratch is big enough for 16 bytes) */
static void bind_hex(sqlite3_stmt *st, int i, const cJSON *v, unsigned char *scratch)
{
    if (!cJSON_IsString(v)) {
        sqlite3_bind_null(st, i);
        return;
    }
    size_t n = strlen(v->valuestring) / 2;
    if (n > 16)
        n = 16;
    for (size_t k = 0; k < n; k++)
        scratch[k] = (unsigned char)(hexval(v->valuestring[2 * k]) << 4 | hexval(v->valuestring[2 * k + 1]));
    sqlite3_bind_blob(st, i, scratch, (int)n, SQLITE_TRANSIENT);
}

static void bind_text(sqlite3_stmt *st, int i, const cJSON *v)
{
    if (cJSON_IsString(v))
        sqlite3_bind_text(st, i, v->valuestring, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_num(sqlite3_stmt *st, int i, const cJSON *v, int integer)
{
    if (cJSON_IsNumber(v)) {
        if (integer)
            sqlite3_bind_int64(st, i, (sqlite3_int64)v->valuedouble);
        else
            sqlite3_bind_double(st, i, v->valuedouble);
    } else if (cJSON_IsString(v)) /* ns timestamps come as strings (beyond 2^53) */
        sqlite3_bind_int64(st, i, strtoll(v->valuestring, NULL, 10));
    else
        sqlite3_bind_null(st, i);
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* runs sql with one text parameter for each of the params, `runs` times in
 * rounds over them after one warm-up round; prints "name":{p50,p95,rows} */
static void time_query(const char *name, const char *sql, char **params, int nparams, int runs, int *first)
{
    if (!nparams)
        return;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        die(sql);
    double *lat = calloc((size_t)runs, sizeof *lat);
    long rows = 0;
    double budget_end = now_s() + 15; /* a slow search stops after 15 s (warm-up included; >= 1 timed run) */
    int done = 0;
    for (int k = -nparams; k < runs; k++) {
        if (done >= 1 && now_s() > budget_end)
            break;
        const char *p = params[(k + nparams) % nparams];
        double t = now_s();
        sqlite3_bind_text(st, 1, p, -1, SQLITE_STATIC);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (k >= 0)
                rows++;
            for (int c = 0; c < sqlite3_column_count(st); c++)
                (void)sqlite3_column_text(st, c);
        }
        if (rc != SQLITE_DONE)
            die(sql);
        sqlite3_reset(st);
        if (k >= 0)
            lat[done++] = (now_s() - t) * 1e3;
    }
    qsort(lat, (size_t)done, sizeof *lat, cmpd);
    printf("%s\"%s\":{\"runs\":%d,\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"avg_rows\":%.1f}", *first ? "" : ",", name, done,
           lat[done / 2], lat[(int)(done * 0.95)], (double)rows / done);
    *first = 0;
    fflush(stdout);
    free(lat);
    sqlite3_finalize(st);
}

int main(int argc, char **argv)
{
    const char *in = NULL, *dbpath = NULL;
    int batch = 200, index = 1, runs = 100;
    char *users[64], *qs[64];
    int nusers = 0, nqs = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--in") && i + 1 < argc)
            in = argv[++i];
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            dbpath = argv[++i];
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-index"))
            index = 0;
        else if (!strcmp(argv[i], "--user") && i + 1 < argc && nusers < 64)
            users[nusers++] = argv[++i];
        else if (!strcmp(argv[i], "--q") && i + 1 < argc && nqs < 64)
            qs[nqs++] = argv[++i];
        else if (!strcmp(argv[i], "--query-runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s --in calls.jsonl --db FILE [--batch N] [--no-index] [--user ID]... [--q TERM]...\n",
                    argv[0]);
            return 2;
        }
    }
    if (!in || !dbpath || batch < 1 || runs < 1) {
        fprintf(stderr, "sqlite_baseline: --in and --db are required\n");
        return 2;
    }
    FILE *f = fopen(in, "r");
    if (!f) {
        perror(in);
        return 1;
    }
    if (sqlite3_open(dbpath, &db) != SQLITE_OK)
        die("open");
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    exec("CREATE TABLE calls(id INTEGER PRIMARY KEY, trace_id BLOB, span_id BLOB, start_ns INTEGER, end_ns INTEGER,"
         " service TEXT, user_id TEXT, session_id TEXT, provider TEXT, model TEXT, response_model TEXT, route TEXT,"
         " template TEXT, status TEXT, error TEXT, finish_reason TEXT, input_tokens INTEGER, output_tokens INTEGER,"
         " cached_input_tokens INTEGER, latency_ms REAL, prompt TEXT, completion TEXT, attributes TEXT)");
    if (index)
        exec("CREATE INDEX calls_user ON calls(user_id, start_ns); CREATE INDEX calls_session ON calls(session_id, start_ns);");
    exec("CREATE VIRTUAL TABLE calls_fts USING fts5(prompt, completion, content='calls', content_rowid='id',"
         " tokenize='unicode61')");
    static const char *const cols[] = { "id", "trace_id", "span_id", "start_ns", "end_ns", "service", "user_id",
                                        "session_id", "provider", "model", "response_model", "route", "template",
                                        "status", "error", "finish_reason", "input_tokens", "output_tokens",
                                        "cached_input_tokens", "latency_ms", "prompt", "completion", "attributes" };
    enum { NCOLS = sizeof cols / sizeof cols[0] };
    sqlite3_stmt *ins, *fts, *begin, *commit;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO calls VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &ins,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO calls_fts(rowid, prompt, completion) VALUES(?,?,?)", -1, &fts, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "BEGIN", -1, &begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK)
        die("prepare");

    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long rows = 0, inbatch = 0;
    double sql_s = 0, t0 = now_s(), busy0 = machine_busy_s();
    unsigned char scratch[16];
    while ((len = getline(&line, &cap, f)) > 0) {
        cJSON *o = cJSON_ParseWithLength(line, (size_t)len);
        if (!o) {
            fprintf(stderr, "sqlite_baseline: bad JSON at row %ld\n", rows + 1);
            return 1;
        }
        double t = now_s();
        if (!inbatch && sqlite3_step(begin) != SQLITE_DONE)
            die("BEGIN");
        sqlite3_reset(begin);
        for (int c = 0; c < NCOLS; c++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, cols[c]);
            if (c == 1 || c == 2)
                bind_hex(ins, c + 1, v, scratch);
            else if (c == 0 || c == 3 || c == 4 || (c >= 16 && c <= 18))
                bind_num(ins, c + 1, v, 1);
            else if (c == 19)
                bind_num(ins, c + 1, v, 0);
            else
                bind_text(ins, c + 1, v);
        }
        if (sqlite3_step(ins) != SQLITE_DONE)
            die("INSERT calls");
        sqlite3_reset(ins);
        sqlite3_bind_int64(fts, 1, sqlite3_last_insert_rowid(db));
        bind_text(fts, 2, cJSON_GetObjectItemCaseSensitive(o, "prompt"));
        bind_text(fts, 3, cJSON_GetObjectItemCaseSensitive(o, "completion"));
        if (sqlite3_step(fts) != SQLITE_DONE)
            die("INSERT calls_fts");
        sqlite3_reset(fts);
        rows++;
        if (++inbatch == batch) {
            if (sqlite3_step(commit) != SQLITE_DONE)
                die("COMMIT");
            sqlite3_reset(commit);
            inbatch = 0;
        }
        sql_s += now_s() - t;
        cJSON_Delete(o);
        if (rows % 100000 == 0)
            fprintf(stderr, "baseline: %ld rows, %.0f rows/s\n", rows, rows / (now_s() - t0));
    }
    if (inbatch) {
        double t = now_s();
        if (sqlite3_step(commit) != SQLITE_DONE)
            die("COMMIT");
        sql_s += now_s() - t;
    }
    double total_s = now_s() - t0, busy_s = machine_busy_s() - busy0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    free(line);
    fclose(f);
    sqlite3_finalize(ins);
    sqlite3_finalize(fts);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    /* the figure for disk: after a full checkpoint, as loupe's after its flush */
    double tc = now_s();
    exec("PRAGMA wal_checkpoint(TRUNCATE)");
    double ckpt_s = now_s() - tc;
    struct stat sb;
    long long dbbytes = stat(dbpath, &sb) ? -1 : (long long)sb.st_size;
    char walpath[4096];
    snprintf(walpath, sizeof walpath, "%s-wal", dbpath);
    long long walbytes = stat(walpath, &sb) ? 0 : (long long)sb.st_size;

    printf("{\"rows\":%ld,\"batch\":%d,\"indexes\":%s,\"seconds_total\":%.3f,\"seconds_sqlite\":%.3f,"
           "\"cpu_s\":%.3f,\"other_cores_during\":%.2f,\"rows_per_s_total\":%.1f,\"rows_per_s_sqlite\":%.1f,\"checkpoint_s\":%.3f,\"db_bytes\":%lld,"
           "\"wal_bytes\":%lld,\"bytes_per_row\":%.1f,\"queries\":{",
           rows, batch, index ? "true" : "false", total_s, sql_s, cpu_s,
           busy_s > cpu_s ? (busy_s - cpu_s) / total_s : 0.0, rows / total_s, rows / sql_s, ckpt_s, dbbytes,
           walbytes, rows ? (double)(dbbytes + walbytes) / rows : 0.0);
    fflush(stdout);
    int first = 1;
    if (index)
        time_query("user_id",
                   "SELECT id, start_ns, user_id, model, substr(prompt, 1, 200), substr(completion, 1, 200) FROM calls"
                   " WHERE user_id = ?1 ORDER BY start_ns DESC LIMIT 50",
                   users, nusers, runs, &first);
    for (int k = 0; k < nqs; k++) {
        char name[128];
        snprintf(name, sizeof name, "q:%s", qs[k]);
        time_query(name,
                   "SELECT c.id, c.start_ns, c.user_id, c.model, snippet(calls_fts, -1, '[', ']', '...', 24) FROM"
                   " calls_fts JOIN calls c ON c.id = calls_fts.rowid WHERE calls_fts MATCH ?1"
                   " ORDER BY c.start_ns DESC LIMIT 50",
                   &qs[k], 1, runs, &first);
    }
    printf("}}\n");
    sqlite3_close(db);
    return 0;
}
