/* test_store.c - the series store as a whole (store/store.h): writes through
 * the WAL and head, compaction into parts, reopening (WAL replay and parts),
 * merged reads, retention, label names/values and metadata.  Every value is
 * compared bit-exact.  Each test uses its own mkdtemp directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/labels.h"
#include "store/store.h"
#include "util/timeparse.h"

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define H2 (2 * 3600 * 1000LL)
#define T0 1717200000000LL /* 2024-06-01T00:00:00Z, a 2 h window start */
#define STALE 0x7ff0000000000002ull

static double u2d(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}
static uint64_t d2u(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

/* ------------------------------------------------------------ fixture */

typedef struct fx {
    char dir[64];
    store *s;
} fx;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static store *open_store(const char *dir, int retention_days)
{
    store_opts o;
    store_opts_default(&o);
    o.dir = dir;
    o.retention_days = retention_days;
    o.cache_bytes = 1 << 20;
    store *s = NULL;
    err_ctx e = { 0 };
    int rc = store_open(&o, &s, &e);
    if (rc)
        fail_msg("store_open(%s): %d %s", dir, rc, e.msg);
    return s;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/loupe-test-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->s = open_store(f->dir, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    store_close(f->s);
    nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void reopen(fx *f)
{
    store_close(f->s);
    f->s = open_store(f->dir, 0);
}

static void flush(store *s)
{
    err_ctx e = { 0 };
    int rc = store_flush(s, &e);
    if (rc)
        fail_msg("store_flush: %d %s", rc, e.msg);
}

/* Canonical labels from "a=1,b=2" (any order).  No cmocka asserts: a
 * forked child uses it too. */
static int canon_rc(buf *b, const char *spec)
{
    label ls[16];
    static char keep[16][256];
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", spec);
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(tmp, ",", &save); tok && n < 16; tok = strtok_r(NULL, ",", &save)) {
        snprintf(keep[n], sizeof keep[n], "%s", tok);
        char *eq = strchr(keep[n], '=');
        if (!eq)
            return -1;
        *eq = '\0';
        ls[n].name = slice_cstr(keep[n]);
        ls[n].value = slice_cstr(eq + 1);
        n++;
    }
    err_ctx e = { 0 };
    b->n = 0;
    return labels_canonicalize(ls, &n, NULL, &e) || labels_encode(ls, n, b) ? -1 : 0;
}

static void canon(buf *b, const char *spec) { assert_int_equal(canon_rc(b, spec), 0); }

static store_write_result write1(store *s, const char *spec, const int64_t *t, const double *v, size_t n)
{
    buf key = BUF_INIT;
    canon(&key, spec);
    store_series_in in = { 0 };
    in.key = buf_slice(&key);
    in.hash = store_key_hash(in.key);
    in.t = t;
    in.v = v;
    in.n = n;
    store_write_result res;
    err_ctx e = { 0 };
    int rc = store_write(s, &in, 1, &res, &e);
    if (rc)
        fail_msg("store_write(%s): %d %s", spec, rc, e.msg);
    buf_free(&key);
    return res;
}

/* Ids selected by __name__=name (and optionally one more EQ matcher "l=v"). */
static size_t select_ids(store *s, const char *name, const char *extra, int64_t mint, int64_t maxt, uint32_t **ids)
{
    matcher ms[2];
    size_t n = 0;
    err_ctx e = { 0 };
    assert_int_equal(matcher_init(&ms[n++], MATCH_EQ, slice_cstr("__name__"), slice_cstr(name), &e), 0);
    if (extra) {
        const char *eq = strchr(extra, '=');
        assert_int_equal(matcher_init(&ms[n++], MATCH_EQ, slice_make(extra, (size_t)(eq - extra)), slice_cstr(eq + 1), &e),
                         0);
    }
    store_reader *r;
    assert_int_equal(store_reader_open(s, &r, &e), 0);
    size_t nids = 0;
    assert_int_equal(store_select(r, ms, n, mint, maxt, ids, &nids, &e), 0);
    store_reader_close(r);
    for (size_t i = 0; i < n; i++)
        matcher_free(&ms[i]);
    return nids;
}

/* The samples of the one series matching spec's labels, in [mint, maxt]. */
static samples read1(store *s, const char *spec, int64_t mint, int64_t maxt)
{
    buf key = BUF_INIT;
    canon(&key, spec);
    slice name = labels_get(buf_slice(&key), slice_cstr("__name__"));
    char nm[256];
    snprintf(nm, sizeof nm, "%.*s", (int)name.n, (const char *)name.p);
    matcher m;
    err_ctx e = { 0 };
    assert_int_equal(matcher_init(&m, MATCH_EQ, slice_cstr("__name__"), slice_cstr(nm), &e), 0);
    store_reader *r;
    assert_int_equal(store_reader_open(s, &r, &e), 0);
    uint32_t *ids = NULL;
    size_t nids = 0;
    assert_int_equal(store_select(r, &m, 1, INT64_MIN, INT64_MAX, &ids, &nids, &e), 0);
    samples out = SAMPLES_INIT;
    int found = 0;
    for (size_t i = 0; i < nids; i++) {
        if (!slice_eq(store_labels(r, ids[i]), buf_slice(&key)))
            continue;
        found = 1;
        int rc = store_read(r, ids[i], mint, maxt, &out, &e);
        if (rc)
            fail_msg("store_read: %d %s", rc, e.msg);
    }
    if (!found)
        fail_msg("series %s not found", spec);
    free(ids);
    store_reader_close(r);
    matcher_free(&m);
    buf_free(&key);
    return out;
}

static void expect(const samples *s, const int64_t *t, const double *v, size_t n)
{
    if (s->n != n)
        fail_msg("%zu samples, want %zu", s->n, n);
    for (size_t i = 0; i < n; i++)
        if (s->t[i] != t[i] || d2u(s->v[i]) != d2u(v[i]))
            fail_msg("sample %zu: (%lld, %016llx), want (%lld, %016llx)", i, (long long)s->t[i],
                     (unsigned long long)d2u(s->v[i]), (long long)t[i], (unsigned long long)d2u(v[i]));
}

static void expect_read(store *s, const char *spec, const int64_t *t, const double *v, size_t n)
{
    samples got = read1(s, spec, INT64_MIN, INT64_MAX);
    expect(&got, t, v, n);
    samples_free(&got);
}

/* ------------------------------------------------------------ data */

static const uint64_t SPECIAL[] = {
    STALE,                 0x7ff8000000000001ull, 0xfff8000000000000ull, 0x7ff4000000000000ull,
    0x8000000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull, 0x0000000000000001ull,
    0x7fefffffffffffffull, 0xffefffffffffffffull, 0x3ff0000000000000ull, 0x0000000000000000ull,
};
#define NSPECIAL (sizeof SPECIAL / sizeof SPECIAL[0])

typedef struct data {
    int64_t t[400];
    double v[400];
    size_t n;
} data;

/* Three series: special bit patterns, a counter with stale markers, a gauge
 * of arbitrary bits. */
static void make_data(data *d, int which)
{
    uint64_t x = 0x9e3779b97f4a7c15ull * (uint64_t)(which + 1);
    d->n = which == 0 ? NSPECIAL * 10 : 300;
    for (size_t i = 0; i < d->n; i++) {
        d->t[i] = T0 + (int64_t)i * 15000;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        switch (which) {
        case 0: d->v[i] = u2d(SPECIAL[i % NSPECIAL]); break;
        case 1: d->v[i] = i % 37 == 36 ? u2d(STALE) : (double)(i * 10); break;
        default: d->v[i] = u2d(x); break;
        }
    }
}

static const char *SPECS[] = { "__name__=special,job=t", "__name__=counter_total,job=t,instance=a",
                               "__name__=gauge,job=t,instance=b" };

static void write_all(store *s, data *d)
{
    for (int k = 0; k < 3; k++) {
        make_data(&d[k], k);
        store_write_result res = write1(s, SPECS[k], d[k].t, d[k].v, d[k].n);
        assert_int_equal(res.stored, d[k].n);
        assert_int_equal(res.too_old, 0);
        assert_int_equal(res.new_series, 1);
    }
}

static void check_all(store *s, data *d)
{
    for (int k = 0; k < 3; k++)
        expect_read(s, SPECS[k], d[k].t, d[k].v, d[k].n);
}

/* ------------------------------------------------------------ tests */

static void test_bit_exact_head_parts_reopen(void **state)
{
    fx *f = *state;
    static data d[3];
    write_all(f->s, d);
    check_all(f->s, d); /* (a) from the head */
    store_stats st;
    store_get_stats(f->s, &st);
    assert_int_equal(st.series, 3);
    assert_int_equal(st.parts, 0);
    assert_true(st.head_samples == d[0].n + d[1].n + d[2].n);

    flush(f->s); /* (b) compacted into parts */
    store_get_stats(f->s, &st);
    assert_true(st.parts >= 1);
    assert_int_equal(st.head_samples, 0);
    assert_true(st.part_samples == d[0].n + d[1].n + d[2].n);
    check_all(f->s, d);

    reopen(f); /* (c) parts after a clean restart */
    store_get_stats(f->s, &st);
    assert_int_equal(st.series, 3);
    assert_int_equal(st.head_samples, 0);
    check_all(f->s, d);

    /* sub-ranges come back clipped */
    samples got = read1(f->s, SPECS[1], d[1].t[10], d[1].t[19]);
    expect(&got, d[1].t + 10, d[1].v + 10, 10);
    samples_free(&got);
    got = read1(f->s, SPECS[1], d[1].t[299] + 1, INT64_MAX);
    assert_int_equal(got.n, 0);
    samples_free(&got);
}

static void test_close_without_flush(void **state)
{
    fx *f = *state;
    static data d[3];
    write_all(f->s, d);
    reopen(f); /* close compacts the head itself */
    check_all(f->s, d);
}

/* The child writes, optionally flushes, writes more, and dies without
 * closing: everything acknowledged must come back from parts + WAL. */
static int child_writes(const char *dir, data *d, int flush_between)
{
    store_opts o;
    store_opts_default(&o);
    o.dir = dir;
    o.retention_days = 0;
    store *s;
    err_ctx e = { 0 };
    if (store_open(&o, &s, &e))
        return 10;
    for (int k = 0; k < 3; k++) {
        buf key = BUF_INIT;
        if (canon_rc(&key, SPECS[k]))
            return 13;
        size_t half = d[k].n / 2;
        for (int part = 0; part < 2; part++) {
            store_series_in in = { 0 };
            in.key = buf_slice(&key);
            in.hash = store_key_hash(in.key);
            in.t = d[k].t + (part ? half : 0);
            in.v = d[k].v + (part ? half : 0);
            in.n = part ? d[k].n - half : half;
            store_write_result res;
            if (store_write(s, &in, 1, &res, &e) || res.stored != in.n)
                return 11;
            if (part == 0 && flush_between && k == 2 && store_flush(s, &e))
                return 12;
        }
        buf_free(&key);
    }
    return 0;
}

static void run_child(fx *f, data *d, int flush_between)
{
    store_close(f->s); /* no store (and no store threads) in the parent while forking */
    f->s = NULL;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_writes(f->dir, d, flush_between)); /* like kill -9: no close, no atexit */
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    f->s = open_store(f->dir, 0);
}

static void test_wal_replay_after_crash(void **state)
{
    fx *f = *state;
    static data d[3];
    for (int k = 0; k < 3; k++)
        make_data(&d[k], k);
    run_child(f, d, 0);
    store_stats st;
    store_get_stats(f->s, &st);
    assert_int_equal(st.parts, 0); /* nothing was compacted: it all came from the WAL */
    assert_true(st.head_samples == d[0].n + d[1].n + d[2].n);
    assert_int_equal(st.series, 3);
    check_all(f->s, d);
    /* and survives a second restart (now through parts) */
    reopen(f);
    check_all(f->s, d);
    /* new series after replay get fresh ids */
    int64_t t = T0;
    double v = 1;
    store_write_result res = write1(f->s, "__name__=after_replay", &t, &v, 1);
    assert_int_equal(res.new_series, 1);
    store_get_stats(f->s, &st);
    assert_int_equal(st.series, 4);
    expect_read(f->s, SPECS[0], d[0].t, d[0].v, d[0].n);
    expect_read(f->s, "__name__=after_replay", &t, &v, 1);
}

static void test_parts_and_wal_after_crash(void **state)
{
    fx *f = *state;
    static data d[3];
    for (int k = 0; k < 3; k++)
        make_data(&d[k], k);
    run_child(f, d, 1); /* a flush in the middle: half in parts, the rest in the WAL */
    store_stats st;
    store_get_stats(f->s, &st);
    assert_true(st.parts >= 1);
    assert_true(st.head_samples > 0);
    check_all(f->s, d);
}

static void test_series_across_compactions(void **state)
{
    fx *f = *state;
    const char *spec = "__name__=x,job=j";
    int64_t t1[] = { T0 + 1000, T0 + 2000, T0 + 3000, T0 + 4000, T0 + 5000 };
    double v1[] = { 1, 2, 3, 4, 5 };
    write1(f->s, spec, t1, v1, 5);
    flush(f->s);
    /* later, earlier, and a rewrite of a compacted timestamp */
    int64_t t2[] = { T0 + 7000, T0 + 500, T0 + 3000, T0 + 6000 };
    double v2[] = { 7, 0.5, u2d(STALE), 6 };
    store_write_result res = write1(f->s, spec, t2, v2, 4);
    assert_int_equal(res.stored, 4);
    assert_int_equal(res.new_series, 0);
    int64_t wt[] = { T0 + 500, T0 + 1000, T0 + 2000, T0 + 3000, T0 + 4000, T0 + 5000, T0 + 6000, T0 + 7000 };
    double wv[] = { 0.5, 1, 2, u2d(STALE), 4, 5, 6, 7 };
    expect_read(f->s, spec, wt, wv, 8); /* parts + head, merged */
    flush(f->s);
    expect_read(f->s, spec, wt, wv, 8); /* two compactions merged */
    store_stats st;
    store_get_stats(f->s, &st);
    assert_int_equal(st.parts, 1); /* a flush leaves one part per window */
    /* rewrite again after the second flush; newest wins, in the head and after */
    int64_t t3[] = { T0 + 3000, T0 + 500 };
    double v3[] = { 33, u2d(0x7ff8000000000042ull) };
    write1(f->s, spec, t3, v3, 2);
    wv[3] = 33;
    wv[0] = u2d(0x7ff8000000000042ull);
    expect_read(f->s, spec, wt, wv, 8);
    reopen(f);
    expect_read(f->s, spec, wt, wv, 8);
    flush(f->s);
    expect_read(f->s, spec, wt, wv, 8);
    /* same timestamp twice within one write: the later one wins */
    int64_t t4[] = { T0 + 9000, T0 + 9000 };
    double v4[] = { 1, 2 };
    write1(f->s, spec, t4, v4, 2);
    samples got = read1(f->s, spec, T0 + 9000, T0 + 9000);
    assert_int_equal(got.n, 1);
    assert_true(got.v[0] == 2);
    samples_free(&got);
}

static void test_window_boundaries(void **state)
{
    fx *f = *state;
    const char *spec = "__name__=w";
    const int64_t B = T0 + H2; /* a window boundary */
    int64_t t[] = { T0, B - H2 / 2, B - 1, B, B + 1, B + H2 - 1, B + H2, B + 3 * H2 + 17 };
    double v[8];
    for (int i = 0; i < 8; i++)
        v[i] = i == 3 ? u2d(STALE) : i * 1.5;
    /* written out of order, in two requests */
    int64_t ta[] = { t[3], t[0], t[6] };
    double va[] = { v[3], v[0], v[6] };
    int64_t tb[] = { t[1], t[2], t[4], t[5], t[7] };
    double vb[] = { v[1], v[2], v[4], v[5], v[7] };
    write1(f->s, spec, ta, va, 3);
    write1(f->s, spec, tb, vb, 5);
    /* negative times and the epoch, in a series of their own */
    int64_t tn[] = { -H2 - 1, -H2, -1, 0, 1 };
    double vn[] = { -1, -2, u2d(STALE), 0, 1 };
    write1(f->s, "__name__=neg", tn, vn, 5);
    expect_read(f->s, spec, t, v, 8);
    expect_read(f->s, "__name__=neg", tn, vn, 5);
    flush(f->s);
    store_stats st;
    store_get_stats(f->s, &st);
    assert_int_equal(st.parts, 7); /* one per window with samples: T0, B, B+H2, B+3H2, -2H2, -H2, 0 */
    expect_read(f->s, spec, t, v, 8);
    expect_read(f->s, "__name__=neg", tn, vn, 5);
    /* ranges ending and starting exactly on the boundary */
    samples got = read1(f->s, spec, B - 1, B);
    expect(&got, t + 2, v + 2, 2);
    samples_free(&got);
    got = read1(f->s, spec, B, B + H2 - 1);
    expect(&got, t + 3, v + 3, 3);
    samples_free(&got);
    got = read1(f->s, spec, B + H2 + 1, B + 3 * H2);
    assert_int_equal(got.n, 0);
    samples_free(&got);
    got = read1(f->s, "__name__=neg", -H2, -1);
    expect(&got, tn + 1, vn + 1, 2);
    samples_free(&got);
    reopen(f);
    expect_read(f->s, spec, t, v, 8);
    expect_read(f->s, "__name__=neg", tn, vn, 5);
}

static void test_far_apart_samples(void **state)
{
    fx *f = *state;
    /* one series spanning 1969 to the year 2187: its parts are its windows
     * with samples, not every window in between */
    int64_t t[] = { -1, 0, T0, T0 + 1, 4 * T0 + 5 };
    double v[] = { u2d(STALE), 1, 2, 3, 4 };
    write1(f->s, "__name__=far", t, v, 5);
    flush(f->s);
    store_stats st;
    store_get_stats(f->s, &st);
    assert_int_equal(st.parts, 4); /* windows -2h, 0, T0, 4*T0 */
    expect_read(f->s, "__name__=far", t, v, 5);
    reopen(f);
    expect_read(f->s, "__name__=far", t, v, 5);
}

static void test_select_and_time_filter(void **state)
{
    fx *f = *state;
    int64_t t1 = T0, t2 = T0 + 10 * H2;
    double v = 1;
    write1(f->s, "__name__=up,job=a,instance=1", &t1, &v, 1);
    write1(f->s, "__name__=up,job=a,instance=2", &t2, &v, 1);
    write1(f->s, "__name__=up,job=b,instance=1", &t1, &v, 1);
    write1(f->s, "__name__=down,job=a", &t1, &v, 1);
    uint32_t *ids;
    assert_int_equal(select_ids(f->s, "up", NULL, INT64_MIN, INT64_MAX, &ids), 3);
    for (int i = 1; i < 3; i++)
        assert_true(ids[i - 1] < ids[i]); /* ascending */
    free(ids);
    assert_int_equal(select_ids(f->s, "up", "job=a", INT64_MIN, INT64_MAX, &ids), 2);
    free(ids);
    /* only series with samples in the range */
    assert_int_equal(select_ids(f->s, "up", NULL, T0 + H2, INT64_MAX, &ids), 1);
    free(ids);
    assert_int_equal(select_ids(f->s, "up", NULL, T0, T0, &ids), 2);
    free(ids);
    assert_int_equal(select_ids(f->s, "nope", NULL, INT64_MIN, INT64_MAX, &ids), 0);
    free(ids);
    flush(f->s);
    reopen(f);
    assert_int_equal(select_ids(f->s, "up", NULL, T0 + H2, INT64_MAX, &ids), 1);
    free(ids);
    assert_int_equal(select_ids(f->s, "up", "instance=1", INT64_MIN, INT64_MAX, &ids), 2);
    free(ids);
}

typedef struct strs {
    char v[32][64];
    int n;
} strs;

static int collect(void *ctx, slice s)
{
    strs *c = ctx;
    assert_true(c->n < 32 && s.n < 64);
    memcpy(c->v[c->n], s.p, s.n);
    c->v[c->n][s.n] = '\0';
    c->n++;
    return 0;
}

static int cmpstr(const void *a, const void *b) { return strcmp(a, b); }

static const char *joined(strs *c)
{
    static char out[2048];
    qsort(c->v, (size_t)c->n, sizeof c->v[0], cmpstr);
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < c->n; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", i ? "," : "", c->v[i]);
    return out;
}

static void test_label_names_values(void **state)
{
    fx *f = *state;
    int64_t t1 = T0, t2 = T0 + 10 * H2;
    double v = 1;
    write1(f->s, "__name__=up,job=a,instance=1", &t1, &v, 1);
    write1(f->s, "__name__=up,job=b,zone=eu", &t2, &v, 1);
    write1(f->s, "__name__=other,env=prod", &t1, &v, 1);
    for (int round = 0; round < 2; round++) {
        store_reader *r;
        err_ctx e = { 0 };
        assert_int_equal(store_reader_open(f->s, &r, &e), 0);
        strs c = { .n = 0 };
        assert_int_equal(store_label_names(r, NULL, 0, INT64_MIN, INT64_MAX, collect, &c), 0);
        assert_string_equal(joined(&c), "__name__,env,instance,job,zone");
        c.n = 0;
        assert_int_equal(store_label_names(r, NULL, 0, T0 + H2, INT64_MAX, collect, &c), 0);
        assert_string_equal(joined(&c), "__name__,job,zone");
        c.n = 0;
        assert_int_equal(store_label_values(r, slice_cstr("job"), NULL, 0, INT64_MIN, INT64_MAX, collect, &c), 0);
        assert_string_equal(joined(&c), "a,b");
        c.n = 0;
        assert_int_equal(store_label_values(r, slice_cstr("__name__"), NULL, 0, T0, T0, collect, &c), 0);
        assert_string_equal(joined(&c), "other,up");
        c.n = 0;
        assert_int_equal(store_label_values(r, slice_cstr("nope"), NULL, 0, INT64_MIN, INT64_MAX, collect, &c), 0);
        assert_int_equal(c.n, 0);
        store_reader_close(r);
        /* restricted to selected ids */
        uint32_t *ids;
        size_t n = select_ids(f->s, "up", "job=b", INT64_MIN, INT64_MAX, &ids);
        assert_int_equal(n, 1);
        assert_int_equal(store_reader_open(f->s, &r, &e), 0);
        c.n = 0;
        assert_int_equal(store_label_names(r, ids, n, INT64_MIN, INT64_MAX, collect, &c), 0);
        assert_string_equal(joined(&c), "__name__,job,zone");
        c.n = 0;
        assert_int_equal(store_label_values(r, slice_cstr("job"), ids, n, INT64_MIN, INT64_MAX, collect, &c), 0);
        assert_string_equal(joined(&c), "b");
        store_reader_close(r);
        free(ids);
        flush(f->s);
        reopen(f); /* the same answers from the reloaded index */
    }
}

typedef struct metas {
    char fam[8][64], help[8][64], unit[8][64];
    int type[8];
    int n;
} metas;

static int meta_cb(void *ctx, slice family, int type, slice help, slice unit)
{
    metas *m = ctx;
    assert_true(m->n < 8);
    snprintf(m->fam[m->n], 64, "%.*s", (int)family.n, (const char *)family.p);
    snprintf(m->help[m->n], 64, "%.*s", (int)help.n, (const char *)help.p);
    snprintf(m->unit[m->n], 64, "%.*s", (int)unit.n, (const char *)unit.p);
    m->type[m->n] = type;
    m->n++;
    return 0;
}

static int find_meta(const metas *m, const char *fam)
{
    for (int i = 0; i < m->n; i++)
        if (!strcmp(m->fam[i], fam))
            return i;
    return -1;
}

static void test_metadata(void **state)
{
    fx *f = *state;
    assert_int_equal(store_put_metadata(f->s, slice_cstr("http_requests_total"), 1, slice_cstr("Requests."),
                                        slice_cstr("")),
                     0);
    assert_int_equal(store_put_metadata(f->s, slice_cstr("temp"), 2, slice_cstr("Temperature."), slice_cstr("celsius")),
                     0);
    /* last one wins */
    assert_int_equal(store_put_metadata(f->s, slice_cstr("http_requests_total"), 1, slice_cstr("All requests."),
                                        slice_cstr("requests")),
                     0);
    for (int round = 0; round < 2; round++) {
        metas m = { .n = 0 };
        assert_int_equal(store_each_metadata(f->s, meta_cb, &m), 0);
        assert_int_equal(m.n, 2);
        int i = find_meta(&m, "http_requests_total");
        assert_true(i >= 0);
        assert_string_equal(m.help[i], "All requests.");
        assert_string_equal(m.unit[i], "requests");
        assert_int_equal(m.type[i], 1);
        i = find_meta(&m, "temp");
        assert_true(i >= 0);
        assert_int_equal(m.type[i], 2);
        assert_string_equal(m.unit[i], "celsius");
        /* persisted with a compaction */
        int64_t t = T0;
        double v = 1;
        write1(f->s, "__name__=temp", &t, &v, 1);
        flush(f->s);
        reopen(f);
    }
}

static void test_retention(void **state)
{
    fx *f = *state;
    store_close(f->s);
    f->s = open_store(f->dir, 1);
    int64_t now = now_ms();
    int64_t t[] = { now - 3 * 86400000LL, now - 2 * 86400000LL, now - 3600000, now - 60000, now };
    double v[] = { 1, 2, 3, 4, 5 };
    store_write_result res = write1(f->s, "__name__=r", t, v, 5);
    assert_int_equal(res.too_old, 2);
    assert_int_equal(res.stored, 3);
    expect_read(f->s, "__name__=r", t + 2, v + 2, 3);
    /* a series whose every sample is too old */
    res = write1(f->s, "__name__=ancient", t, v, 2);
    assert_int_equal(res.too_old, 2);
    assert_int_equal(res.stored, 0);
    store_stats st;
    store_get_stats(f->s, &st);
    assert_int_equal(st.samples_too_old, 4);
    flush(f->s);
    expect_read(f->s, "__name__=r", t + 2, v + 2, 3);
    store_close(f->s);
    f->s = open_store(f->dir, 1);
    expect_read(f->s, "__name__=r", t + 2, v + 2, 3);
}

static void test_many_series_many_writes(void **state)
{
    fx *f = *state;
    enum { NS = 2000, NP = 60 };
    static int64_t t[NP];
    static double v[NS][NP];
    static store_series_in in[NS];
    static buf keys[NS];
    char spec[128];
    for (int i = 0; i < NS; i++) {
        snprintf(spec, sizeof spec, "__name__=m%d,i=%d", i % 10, i);
        keys[i] = (buf)BUF_INIT;
        canon(&keys[i], spec);
    }
    for (int k = 0; k < NP; k++)
        t[k] = T0 + k * 15000;
    for (int i = 0; i < NS; i++)
        for (int k = 0; k < NP; k++)
            v[i][k] = i % 3 == 0 ? (double)(i + k) : i % 3 == 1 ? (double)k / 10 : u2d(0x7ff8000000000000ull | (uint64_t)(i * NP + k));
    /* three requests of all series, 20 samples each, with a flush in between */
    for (int chunk = 0; chunk < 3; chunk++) {
        for (int i = 0; i < NS; i++) {
            in[i] = (store_series_in){ 0 };
            in[i].key = buf_slice(&keys[i]);
            in[i].hash = store_key_hash(in[i].key);
            in[i].t = t + chunk * 20;
            in[i].v = v[i] + chunk * 20;
            in[i].n = 20;
        }
        store_write_result res;
        err_ctx e = { 0 };
        assert_int_equal(store_write(f->s, in, NS, &res, &e), 0);
        assert_int_equal(res.stored, NS * 20);
        assert_int_equal(res.new_series, chunk == 0 ? NS : 0);
        if (chunk == 1)
            flush(f->s);
    }
    store_stats st;
    store_get_stats(f->s, &st);
    assert_int_equal(st.series, NS);
    for (int i = 0; i < NS; i += 97) {
        snprintf(spec, sizeof spec, "__name__=m%d,i=%d", i % 10, i);
        expect_read(f->s, spec, t, v[i], NP);
    }
    flush(f->s);
    reopen(f);
    for (int i = 1; i < NS; i += 89) {
        snprintf(spec, sizeof spec, "__name__=m%d,i=%d", i % 10, i);
        expect_read(f->s, spec, t, v[i], NP);
    }
    uint32_t *ids;
    assert_int_equal(select_ids(f->s, "m3", NULL, INT64_MIN, INT64_MAX, &ids), NS / 10);
    free(ids);
    for (int i = 0; i < NS; i++)
        buf_free(&keys[i]);
}

typedef struct wthr {
    store *s;
    int id;
    buf key; /* canonical labels, built by the main thread (canon() is not thread-safe) */
    int errors;
} wthr;

static void *writer(void *arg)
{
    wthr *w = arg;
    for (int k = 0; k < 200; k++) {
        int64_t t = T0 + k * 1000;
        double v = w->id * 1000 + k;
        store_series_in in = { 0 };
        in.key = buf_slice(&w->key);
        in.hash = store_key_hash(in.key);
        in.t = &t;
        in.v = &v;
        in.n = 1;
        store_write_result res;
        err_ctx e = { 0 };
        if (store_write(w->s, &in, 1, &res, &e) || res.stored != 1)
            w->errors++;
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    fx *f = *state;
    pthread_t th[4];
    wthr w[4];
    for (int i = 0; i < 4; i++) {
        char spec[64];
        snprintf(spec, sizeof spec, "__name__=conc,w=%d", i);
        w[i] = (wthr){ f->s, i, BUF_INIT, 0 };
        canon(&w[i].key, spec);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, writer, &w[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].errors, 0);
        buf_free(&w[i].key);
    }
    store_stats st;
    store_get_stats(f->s, &st);
    assert_int_equal(st.series, 4);
    assert_int_equal(st.samples_stored, 800);
    for (int i = 0; i < 4; i++) {
        char spec[64];
        snprintf(spec, sizeof spec, "__name__=conc,w=%d", i);
        samples got = read1(f->s, spec, INT64_MIN, INT64_MAX);
        assert_int_equal(got.n, 200);
        for (int k = 0; k < 200; k++)
            assert_true(got.t[k] == T0 + k * 1000 && got.v[k] == i * 1000 + k);
        samples_free(&got);
    }
}

static void test_noncanonical_keys_and_resolve(void **state)
{
    fx *f = *state;
    /* a sender's own label bytes (unsorted) as the key, canonical labels beside */
    label raw[] = { { slice_cstr("job"), slice_cstr("x") }, { slice_cstr("__name__"), slice_cstr("nc") } };
    buf rawkey = BUF_INIT, canonkey = BUF_INIT;
    assert_int_equal(labels_encode(raw, 2, &rawkey), 0);
    canon(&canonkey, "__name__=nc,job=x");
    assert_false(slice_eq(buf_slice(&rawkey), buf_slice(&canonkey)));
    int64_t t[] = { T0, T0 + 1000, T0 + 2000 };
    double v[] = { 1, 2, 3 };
    store_series_in in = { 0 };
    in.key = buf_slice(&rawkey);
    in.hash = store_key_hash(in.key);
    in.labels = buf_slice(&canonkey);
    in.t = t;
    in.v = v;
    in.n = 1;
    assert_int_equal(store_resolve(f->s, &in, 1), 1); /* unknown yet */
    assert_int_equal(in.id, 0);
    store_write_result res;
    err_ctx e = { 0 };
    assert_int_equal(store_write(f->s, &in, 1, &res, &e), 0);
    assert_int_equal(res.new_series, 1);
    /* the same raw key with the canonical labels again: the same series */
    store_series_in again = { 0 };
    again.key = buf_slice(&rawkey);
    again.hash = store_key_hash(again.key);
    again.labels = buf_slice(&canonkey);
    again.t = t + 1;
    again.v = v + 1;
    again.n = 1;
    assert_int_equal(store_write(f->s, &again, 1, &res, &e), 0);
    assert_int_equal(res.new_series, 0);
    assert_int_equal(again.id, in.id);
    /* and the canonical key finds the same series */
    store_series_in c = { 0 };
    c.key = buf_slice(&canonkey);
    c.hash = store_key_hash(c.key);
    assert_int_equal(store_resolve(f->s, &c, 1), 0);
    assert_int_equal(c.id, again.id);
    c.t = t + 2;
    c.v = v + 2;
    c.n = 1;
    assert_int_equal(store_write(f->s, &c, 1, &res, &e), 0);
    assert_int_equal(res.new_series, 0);
    expect_read(f->s, "__name__=nc,job=x", t, v, 3);
    store_stats st;
    store_get_stats(f->s, &st);
    assert_int_equal(st.series, 1);
    /* a request mixing new and known series, the new one twice */
    store_series_in two[3];
    memset(two, 0, sizeof two);
    buf k2 = BUF_INIT;
    canon(&k2, "__name__=nc2");
    for (int i = 0; i < 3; i++) {
        two[i].key = i == 1 ? buf_slice(&canonkey) : buf_slice(&k2);
        two[i].hash = store_key_hash(two[i].key);
        two[i].t = t + i;
        two[i].v = v + i;
        two[i].n = 1;
    }
    assert_int_equal(store_resolve(f->s, two, 3), 2);
    assert_int_equal(store_write(f->s, two, 3, &res, &e), 0);
    assert_int_equal(res.new_series, 1);
    assert_int_equal(res.stored, 3);
    assert_int_equal(two[0].id, two[2].id);
    int64_t wt[] = { T0, T0 + 2000 };
    double wv[] = { 1, 3 };
    expect_read(f->s, "__name__=nc2", wt, wv, 2);
    reopen(f);
    expect_read(f->s, "__name__=nc,job=x", t, v, 3);
    buf_free(&rawkey);
    buf_free(&canonkey);
    buf_free(&k2);
}

/* A sender whose label bytes are not canonical (unsorted labels) gets an
 * alias: the next store_resolve() on the same raw bytes finds the series
 * without parsing. */
static void test_alias_resolves_raw_key(void **state)
{
    fx *f = *state;
    label raw[] = { { slice_cstr("job"), slice_cstr("x") }, { slice_cstr("__name__"), slice_cstr("nc") } };
    buf rawkey = BUF_INIT, canonkey = BUF_INIT;
    assert_int_equal(labels_encode(raw, 2, &rawkey), 0);
    canon(&canonkey, "__name__=nc,job=x");
    int64_t t = T0;
    double v = 1;
    store_series_in in = { 0 };
    in.key = buf_slice(&rawkey);
    in.hash = store_key_hash(in.key);
    in.labels = buf_slice(&canonkey);
    in.t = &t;
    in.v = &v;
    in.n = 1;
    store_write_result res;
    err_ctx e = { 0 };
    assert_int_equal(store_write(f->s, &in, 1, &res, &e), 0);
    store_series_in again = { 0 };
    again.key = buf_slice(&rawkey);
    again.hash = store_key_hash(again.key);
    assert_int_equal(store_resolve(f->s, &again, 1), 0);
    assert_int_equal(again.id, in.id);
    buf_free(&rawkey);
    buf_free(&canonkey);
}

/* Samples beyond +-2^62 ms cannot be placed in a window without overflow:
 * the store drops and counts them (store_write_result.too_old); the rest of
 * the write is stored and survives compaction. */
static void test_extreme_timestamps_compact(void **state)
{
    fx *f = *state;
    int64_t t[] = { INT64_MIN, T0, INT64_MAX };
    double v[] = { 1, 2, 3 };
    buf key = BUF_INIT;
    canon(&key, "__name__=extreme");
    store_series_in in = { 0 };
    in.key = buf_slice(&key);
    in.hash = store_key_hash(in.key);
    in.t = t;
    in.v = v;
    in.n = 3;
    store_write_result res;
    err_ctx e = { 0 };
    assert_int_equal(store_write(f->s, &in, 1, &res, &e), 0);
    assert_int_equal(res.stored, 1);
    assert_int_equal(res.too_old, 2);
    expect_read(f->s, "__name__=extreme", &t[1], &v[1], 1);
    flush(f->s);
    expect_read(f->s, "__name__=extreme", &t[1], &v[1], 1);
    buf_free(&key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bit_exact_head_parts_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_without_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_replay_after_crash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parts_and_wal_after_crash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_series_across_compactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_far_apart_samples, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_and_time_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_label_names_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_series_many_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_noncanonical_keys_and_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alias_resolves_raw_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extreme_timestamps_compact, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
