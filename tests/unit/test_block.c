/* test_block.c - at-rest blocks (store/block.h): write a part with bw_* into
 * an in-memory key/value map, read it back through bdir/bview, bit-exact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/block.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

/* ------------------------------------------------------------ a tiny KV map */

typedef struct kv {
    uint8_t key[BLOCK_KEY_LEN];
    uint8_t *val;
    size_t n;
} kv;

typedef struct kvmap {
    kv *e;
    size_t n, cap;
    int fail_after; /* put returns an error after this many calls (0 = never) */
    int calls;
} kvmap;

static int put(void *ctx, slice key, slice val)
{
    kvmap *m = ctx;
    m->calls++;
    if (m->fail_after && m->calls > m->fail_after)
        return LOUPE_EIO;
    assert_int_equal(key.n, BLOCK_KEY_LEN);
    for (size_t i = 0; i < m->n; i++)
        assert_true(memcmp(m->e[i].key, key.p, BLOCK_KEY_LEN) != 0); /* each key once */
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->e = realloc(m->e, m->cap * sizeof *m->e);
    }
    kv *e = &m->e[m->n++];
    memcpy(e->key, key.p, BLOCK_KEY_LEN);
    e->val = malloc(val.n);
    memcpy(e->val, val.p, val.n);
    e->n = val.n;
    return 0;
}

static slice get(const kvmap *m, int64_t window, uint32_t gen, uint32_t blk)
{
    uint8_t k[BLOCK_KEY_LEN];
    block_key(k, window, gen, blk);
    for (size_t i = 0; i < m->n; i++)
        if (!memcmp(m->e[i].key, k, BLOCK_KEY_LEN))
            return slice_make(m->e[i].val, m->e[i].n);
    return slice_make(NULL, 0);
}

static void kv_free(kvmap *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->e[i].val);
    free(m->e);
}

/* ------------------------------------------------------------ the data */

static uint64_t g_rng = 0x1234567887654321ull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 0x2545f4914f6cdd1dull;
}

static double u2d(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

enum { NSER = 1200, W = 7200000 };
static const int64_t WIN = 1699999200000LL; /* a 2 h-aligned window start */

typedef struct ser {
    uint32_t id;
    size_t n;
    int64_t *t;
    double *v;
} ser;

/* Series of several shapes: a third share one scrape grid (one timestamp
 * column), some are irregular, some hold one sample; values of every kind. */
static ser *make_series(void)
{
    ser *s = calloc(NSER, sizeof *s);
    for (int i = 0; i < NSER; i++) {
        s[i].id = (uint32_t)(i * 7 % NSER) + 1; /* ids not in insertion order */
        int kind = i % 6;
        s[i].n = kind == 5 ? 1 : 240;
        s[i].t = malloc(s[i].n * sizeof(int64_t));
        s[i].v = malloc(s[i].n * sizeof(double));
        int64_t t = WIN + (kind == 1 ? (int64_t)(rnd() % 1000) : 0);
        for (size_t k = 0; k < s[i].n; k++) {
            s[i].t[k] = t;
            t += kind < 2 ? 30000 : 1 + (int64_t)(rnd() % 60000);
            switch (kind) {
            case 0: s[i].v[k] = (double)(k * 3 + (size_t)i); break;                  /* counter */
            case 1: s[i].v[k] = k == 17 ? u2d(0x7ff0000000000002ull) : k * 0.1; break; /* with a stale marker */
            case 2: s[i].v[k] = u2d(rnd()); break;                                     /* any bits */
            case 3: s[i].v[k] = 42; break;                                             /* constant */
            case 4: s[i].v[k] = (double)(rnd() % 1000000) / 1e6; break;
            default: s[i].v[k] = u2d(0x7ff8000000000001ull); break;                   /* NaN payload */
            }
        }
    }
    return s;
}

static void free_series(ser *s)
{
    for (int i = 0; i < NSER; i++) {
        free(s[i].t);
        free(s[i].v);
    }
    free(s);
}

static void check_read(const bview *b, uint32_t pos, const ser *x, int64_t mint, int64_t maxt)
{
    samples out = SAMPLES_INIT;
    assert_int_equal(samples_push(&out, -1, -1), 0); /* bview_read appends */
    assert_int_equal(bview_read(b, pos, mint, maxt, &out, NULL, NULL), 0);
    size_t k = 1;
    for (size_t i = 0; i < x->n; i++) {
        if (x->t[i] < mint || x->t[i] > maxt)
            continue;
        assert_true(k < out.n);
        assert_true(out.t[k] == x->t[i]);
        assert_memory_equal(&out.v[k], &x->v[i], 8);
        k++;
    }
    assert_int_equal(out.n, k);
    assert_true(out.t[0] == -1);
    samples_free(&out);
}

static void test_write_read_round_trip(void **state)
{
    (void)state;
    ser *s = make_series();
    kvmap m = { 0 };
    bw *w = bw_create(WIN, 9, 64 * 1024, 3, put, &m);
    assert_non_null(w);
    err_ctx e = { 0 };
    uint64_t total = 0;
    int64_t mint = INT64_MAX, maxt = INT64_MIN;
    for (int i = 0; i < NSER; i++) {
        assert_int_equal(bw_add(w, s[i].id, s[i].t, s[i].v, s[i].n, &e), 0);
        total += s[i].n;
        if (s[i].t[0] < mint)
            mint = s[i].t[0];
        if (s[i].t[s[i].n - 1] > maxt)
            maxt = s[i].t[s[i].n - 1];
    }
    assert_int_equal(bw_add(w, 99999, s[0].t, s[0].v, 0, &e), 0); /* n = 0 adds nothing */
    part_meta pm;
    assert_int_equal(bw_finish(w, &pm, &e), 0);
    bw_destroy(w);
    assert_true(pm.window == WIN);
    assert_int_equal(pm.gen, 9);
    assert_int_equal(pm.nseries, NSER);
    assert_true(pm.nsamples == total);
    assert_true(pm.mint == mint && pm.maxt == maxt);
    assert_true(pm.nblocks >= 2); /* the target forces several blocks */
    assert_int_equal(m.n, pm.nblocks + 1); /* blocks + directory */
    uint64_t bytes = 0;
    for (size_t i = 0; i < m.n; i++) {
        int64_t kw;
        uint32_t kg, kb;
        block_key_parse(m.e[i].key, &kw, &kg, &kb);
        assert_true(kw == WIN && kg == 9);
        assert_true(kb == BLOCK_DIR || kb < pm.nblocks);
        bytes += m.e[i].n;
    }
    assert_true(pm.bytes == bytes);

    bdir d;
    assert_int_equal(bdir_decode(get(&m, WIN, 9, BLOCK_DIR), &d), 0);
    assert_int_equal(d.n, NSER);
    for (size_t i = 1; i < d.n; i++)
        assert_true(d.ids[i - 1] < d.ids[i]);
    uint32_t blk, pos;
    assert_int_equal(bdir_find(&d, 0, &blk, &pos), 0);
    assert_int_equal(bdir_find(&d, NSER + 1, &blk, &pos), 0);
    int shared_seen = 0;
    for (int i = 0; i < NSER; i++) {
        assert_int_equal(bdir_find(&d, s[i].id, &blk, &pos), 1);
        bview b;
        assert_int_equal(bview_decode(get(&m, WIN, 9, blk), &b), 0);
        assert_true(pos < b.nseries);
        assert_int_equal(b.id[pos], s[i].id);
        assert_true(bview_bytes(&b) >= b.rawn);
        shared_seen |= b.ncols < b.nseries;
        check_read(&b, pos, &s[i], INT64_MIN, INT64_MAX);
        /* clipping to a range inside, at the edges, and outside */
        check_read(&b, pos, &s[i], s[i].t[0] + 1, s[i].t[s[i].n - 1] - 1);
        check_read(&b, pos, &s[i], s[i].t[s[i].n / 2], s[i].t[s[i].n / 2]);
        check_read(&b, pos, &s[i], WIN + 3600000, WIN + 5400000);
        check_read(&b, pos, &s[i], s[i].t[s[i].n - 1] + 1, INT64_MAX);
        check_read(&b, pos, &s[i], INT64_MIN, s[i].t[0] - 1);
        samples out = SAMPLES_INIT;
        assert_int_equal(bview_read(&b, b.nseries, INT64_MIN, INT64_MAX, &out, NULL, NULL), LOUPE_EINTERNAL);
        samples_free(&out);
        bview_free(&b);
    }
    assert_true(shared_seen); /* identical timestamp columns were stored once */
    bdir_free(&d);
    kv_free(&m);
    free_series(s);
}

static void test_shared_columns(void **state)
{
    (void)state;
    /* 100 series on one scrape grid: one column, 100 value runs */
    enum { N = 100, P = 50 };
    int64_t t[P];
    double v[P];
    for (int k = 0; k < P; k++) {
        t[k] = WIN + k * 15000;
        v[k] = k;
    }
    kvmap m = { 0 };
    bw *w = bw_create(WIN, 1, 1 << 20, 1, put, &m);
    err_ctx e = { 0 };
    for (uint32_t id = 1; id <= N; id++)
        assert_int_equal(bw_add(w, id, t, v, P, &e), 0);
    int64_t t2[P];
    for (int k = 0; k < P; k++)
        t2[k] = t[k] + 1; /* a different grid */
    assert_int_equal(bw_add(w, N + 1, t2, v, P, &e), 0);
    assert_int_equal(bw_add(w, N + 2, t, v, P - 1, &e), 0); /* a prefix is a different column */
    part_meta pm;
    assert_int_equal(bw_finish(w, &pm, &e), 0);
    bw_destroy(w);
    assert_int_equal(pm.nblocks, 1);
    bview b;
    assert_int_equal(bview_decode(get(&m, WIN, 1, 0), &b), 0);
    assert_int_equal(b.nseries, N + 2);
    assert_int_equal(b.ncols, 3);
    /* twice: without the timestamp memo, then with one shared by all reads
     * (consecutive series reuse the decoded column; a new column replaces it) */
    ts_memo memo = { 0 };
    uint8_t key[BLOCK_KEY_LEN];
    block_key(key, WIN, 1, 0);
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t pos = 0; pos < b.nseries; pos++) {
            samples out = SAMPLES_INIT;
            assert_int_equal(bview_read(&b, pos, INT64_MIN, INT64_MAX, &out, pass ? key : NULL, pass ? &memo : NULL), 0);
            size_t want = pos == N + 1 ? P - 1 : P;
            assert_int_equal(out.n, want);
            for (size_t k = 0; k < want; k++) {
                assert_true(out.t[k] == (pos == N ? t2[k] : t[k]));
                assert_true(out.v[k] == v[k]);
            }
            samples_free(&out);
        }
    }
    assert_true(memo.valid);
    ts_memo_free(&memo);
    bview_free(&b);
    kv_free(&m);
}

static void test_keys(void **state)
{
    (void)state;
    uint8_t a[BLOCK_KEY_LEN], b[BLOCK_KEY_LEN];
    int64_t w;
    uint32_t g, k;
    block_key(a, -7200000, 3, BLOCK_DIR);
    block_key_parse(a, &w, &g, &k);
    assert_true(w == -7200000 && g == 3 && k == BLOCK_DIR);
    /* keys sort by window (signed), then generation, then block */
    static const int64_t wins[] = { INT64_MIN, -7200000, 0, 7200000, INT64_MAX };
    for (int i = 0; i + 1 < 5; i++) {
        block_key(a, wins[i], 100, 100);
        block_key(b, wins[i + 1], 0, 0);
        assert_true(memcmp(a, b, BLOCK_KEY_LEN) < 0);
    }
    block_key(a, 0, 1, 5);
    block_key(b, 0, 2, 0);
    assert_true(memcmp(a, b, BLOCK_KEY_LEN) < 0);
    block_key(a, 0, 1, 5);
    block_key(b, 0, 1, BLOCK_DIR);
    assert_true(memcmp(a, b, BLOCK_KEY_LEN) < 0);
}

static void test_put_failure_and_corruption(void **state)
{
    (void)state;
    int64_t t[3] = { WIN, WIN + 1, WIN + 2 };
    double v[3] = { 1, 2, 3 };
    kvmap m = { 0 };
    m.fail_after = 1;
    bw *w = bw_create(WIN, 1, 16, 1, put, &m); /* every add fills a block */
    err_ctx e = { 0 };
    assert_int_equal(bw_add(w, 1, t, v, 3, &e), 0);
    assert_int_equal(bw_add(w, 2, t, v, 3, &e), LOUPE_EIO);
    assert_true(e.msg[0] != '\0');
    bw_destroy(w);
    kv_free(&m);

    /* decoding garbage fails cleanly */
    bdir d;
    bview b;
    static const uint8_t junk[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    assert_true(bdir_decode(slice_make(junk, sizeof junk), &d) != 0);
    assert_true(bview_decode(slice_make(junk, sizeof junk), &b) != 0);
    assert_true(bdir_decode(slice_make(junk, 0), &d) != 0);

    /* valid zstd frames around bad contents */
    static const uint8_t bad_raw[][10] = {
        { 2, 1, 1 },                     /* version 2 */
        { 1, 1, 1, 1, 1 },               /* truncated series table */
        { 1, 1, 1, 1, 1, 5, 0, 0 },      /* column index 5 of 1 */
        { 1, 1, 1, 1, 3, 0, 0, 3, 100 }, /* column bytes past the end */
    };
    static const size_t bad_len[] = { 3, 5, 8, 9 };
    for (size_t i = 0; i < 4; i++) {
        uint8_t z[64];
        size_t zn = ZSTD_compress(z, sizeof z, bad_raw[i], bad_len[i], 1);
        assert_false(ZSTD_isError(zn));
        assert_true(bview_decode(slice_make(z, zn), &b) != 0);
    }
    static const uint8_t bad_dir[] = { 3, 1, 0 }; /* three entries, data for one */
    uint8_t z[64];
    size_t zn = ZSTD_compress(z, sizeof z, bad_dir, sizeof bad_dir, 1);
    assert_true(bdir_decode(slice_make(z, zn), &d) != 0);
    /* a truncated frame */
    static const uint8_t good_dir[] = { 1, 5, 0, 0 };
    zn = ZSTD_compress(z, sizeof z, good_dir, sizeof good_dir, 1);
    assert_int_equal(bdir_decode(slice_make(z, zn), &d), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.ids[0], 5);
    bdir_free(&d);
    assert_true(bdir_decode(slice_make(z, zn - 1), &d) != 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_read_round_trip),
        cmocka_unit_test(test_shared_columns),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_put_failure_and_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
