/* block.c - building and reading compressed blocks; see block.h. */
#include "util/mem.h"
#include "util/sort.h"
#include "store/block.h"
#include "store/codec.h"
#include "util/hash.h"
#include "util/varint.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define MAX_SERIES_PER_BLOCK 65535

void block_key(uint8_t out[BLOCK_KEY_LEN], int64_t window, uint32_t gen, uint32_t blk)
{
    be64s_put(out, window);
    be32_put(out + 8, gen);
    be32_put(out + 12, blk);
}

void block_key_parse(const uint8_t *k, int64_t *window, uint32_t *gen, uint32_t *blk)
{
    *window = be64s_get(k);
    *gen = be32_get(k + 8);
    *blk = be32_get(k + 12);
}

/* ---------------------------------------------------------------- writer */

typedef struct colent {
    uint64_t hash;
    uint32_t off, len, n;
} colent;

typedef struct direntry {
    uint32_t id, blk, pos;
} direntry;

struct bw {
    int64_t window;
    uint32_t gen;
    size_t target;
    bw_put_fn put;
    void *ctx;
    ZSTD_CCtx *cc;
    /* current block */
    buf hdr, cols, vals, tmp, out;
    colent *ce;
    size_t nce, cap_ce;
    uint32_t nser;
    uint32_t last_id;
    /* part */
    uint32_t blk;
    direntry *dir;
    size_t ndir, cap_dir;
    part_meta meta;
};

bw *bw_create(int64_t window, uint32_t gen, size_t target_raw, int level, bw_put_fn put, void *ctx)
{
    bw *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->window = window;
    w->gen = gen;
    w->target = target_raw;
    w->put = put;
    w->ctx = ctx;
    w->cc = ZSTD_createCCtx();
    if (!w->cc) {
        free(w);
        return NULL;
    }
    ZSTD_CCtx_setParameter(w->cc, ZSTD_c_compressionLevel, level);
    w->meta.window = window;
    w->meta.gen = gen;
    w->meta.mint = INT64_MAX;
    w->meta.maxt = INT64_MIN;
    return w;
}

void bw_destroy(bw *w)
{
    if (!w)
        return;
    ZSTD_freeCCtx(w->cc);
    buf_free(&w->hdr);
    buf_free(&w->cols);
    buf_free(&w->vals);
    buf_free(&w->tmp);
    buf_free(&w->out);
    free(w->ce);
    free(w->dir);
    free(w);
}

static int compress_put(bw *w, uint32_t blk, slice raw, err_ctx *e)
{
    size_t bound = ZSTD_compressBound(raw.n);
    w->out.n = 0;
    if (buf_reserve(&w->out, bound))
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    size_t zn = ZSTD_compress2(w->cc, w->out.p, bound, raw.p, raw.n);
    if (ZSTD_isError(zn))
        return err_set(e, LOUPE_EINTERNAL, "zstd: %s", ZSTD_getErrorName(zn));
    uint8_t key[BLOCK_KEY_LEN];
    block_key(key, w->window, w->gen, blk);
    w->meta.bytes += zn;
    int rc = w->put(w->ctx, slice_make(key, sizeof key), slice_make(w->out.p, zn));
    return rc ? err_set(e, rc, "storing block failed") : 0;
}

static int flush_block(bw *w, err_ctx *e)
{
    if (w->nser == 0)
        return 0;
    buf *t = &w->tmp;
    t->n = 0;
    int rc = buf_putc(t, 1) || buf_put_uvarint(t, w->nser) || buf_put_uvarint(t, w->nce) ||
             buf_append(t, w->hdr.p, w->hdr.n);
    for (size_t i = 0; i < w->nce && !rc; i++)
        rc = buf_put_uvarint(t, w->ce[i].n) || buf_put_uvarint(t, w->ce[i].len);
    rc = rc || buf_append(t, w->cols.p, w->cols.n) || buf_append(t, w->vals.p, w->vals.n);
    if (rc)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    rc = compress_put(w, w->blk, buf_slice(t), e);
    if (rc)
        return rc;
    w->meta.nblocks++;
    w->blk++;
    w->nser = 0;
    w->nce = 0;
    w->hdr.n = w->cols.n = w->vals.n = 0;
    w->last_id = 0;
    return 0;
}

int bw_add(bw *w, uint32_t id, const int64_t *t, const double *v, size_t n, err_ctx *e)
{
    if (n == 0)
        return 0;
    /* timestamp column, deduplicated within the block */
    size_t before = w->cols.n;
    if (codec_ts_encode(t, n, &w->cols))
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    size_t clen = w->cols.n - before;
    uint64_t h = hash_bytes(w->cols.p + before, clen, 0x5eed);
    size_t col = w->nce;
    for (size_t i = 0; i < w->nce; i++) {
        colent *c = &w->ce[i];
        if (c->hash == h && c->len == clen && c->n == n && !memcmp(w->cols.p + c->off, w->cols.p + before, clen)) {
            col = i;
            break;
        }
    }
    if (col == w->nce) {
        if (w->nce == w->cap_ce) {
            size_t cap = w->cap_ce ? w->cap_ce * 2 : 64;
            colent *nc = realloc(w->ce, cap * sizeof *nc);
            if (!nc)
                return err_set(e, LOUPE_ENOMEM, "out of memory");
            w->ce = nc;
            w->cap_ce = cap;
        }
        w->ce[w->nce++] = (colent){ h, (uint32_t)before, (uint32_t)clen, (uint32_t)n };
    } else {
        w->cols.n = before;
    }
    size_t vbefore = w->vals.n;
    if (codec_values_encode(v, n, &w->vals, NULL))
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    if (buf_put_uvarint(&w->hdr, id) || buf_put_uvarint(&w->hdr, n) || buf_put_uvarint(&w->hdr, col) ||
        buf_put_uvarint(&w->hdr, w->vals.n - vbefore))
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    if (w->ndir == w->cap_dir) {
        size_t cap = w->cap_dir ? w->cap_dir * 2 : 1024;
        direntry *nd = realloc(w->dir, cap * sizeof *nd);
        if (!nd)
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        w->dir = nd;
        w->cap_dir = cap;
    }
    w->dir[w->ndir++] = (direntry){ id, w->blk, w->nser };
    w->nser++;
    w->meta.nseries++;
    w->meta.nsamples += n;
    if (t[0] < w->meta.mint)
        w->meta.mint = t[0];
    if (t[n - 1] > w->meta.maxt)
        w->meta.maxt = t[n - 1];
    if (w->hdr.n + w->cols.n + w->vals.n >= w->target || w->nser >= MAX_SERIES_PER_BLOCK)
        return flush_block(w, e);
    return 0;
}

static int cmp_dir(const void *a, const void *b)
{
    uint32_t x = ((const direntry *)a)->id, y = ((const direntry *)b)->id;
    return x < y ? -1 : x > y;
}

int bw_finish(bw *w, part_meta *meta, err_ctx *e)
{
    int rc = flush_block(w, e);
    if (rc)
        return rc;
    sort_array(w->dir, w->ndir, sizeof *w->dir, cmp_dir);
    buf *t = &w->tmp;
    t->n = 0;
    rc = buf_put_uvarint(t, w->ndir);
    uint32_t prev = 0;
    for (size_t i = 0; i < w->ndir && !rc; i++) {
        rc = buf_put_uvarint(t, w->dir[i].id - prev) || buf_put_uvarint(t, w->dir[i].blk) ||
             buf_put_uvarint(t, w->dir[i].pos);
        prev = w->dir[i].id;
    }
    if (rc)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    rc = compress_put(w, BLOCK_DIR, buf_slice(t), e);
    if (rc)
        return rc;
    *meta = w->meta;
    return 0;
}

/* ---------------------------------------------------------------- reader */

static int decompress(slice z, uint8_t **out, size_t *outn)
{
    unsigned long long n = ZSTD_getFrameContentSize(z.p, z.n);
    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > (1ULL << 32))
        return LOUPE_EINTERNAL;
    uint8_t *p = malloc(n ? n : 1);
    if (!p)
        return LOUPE_ENOMEM;
    size_t r = ZSTD_decompress(p, n, z.p, z.n);
    if (ZSTD_isError(r) || r != n) {
        free(p);
        return LOUPE_EINTERNAL;
    }
    *out = p;
    *outn = n;
    return 0;
}

int bdir_decode(slice z, bdir *d)
{
    memset(d, 0, sizeof *d);
    uint8_t *raw;
    size_t rawn;
    int rc = decompress(z, &raw, &rawn);
    if (rc)
        return rc;
    const uint8_t *p = raw, *end = raw + rawn;
    uint64_t n, u, b, q;
    rc = LOUPE_EINTERNAL;
    if (varint_get(&p, end, &n) || n > rawn)
        goto cleanup;
    d->ids = malloc((n ? n : 1) * sizeof *d->ids);
    d->blk = malloc((n ? n : 1) * sizeof *d->blk);
    d->pos = malloc((n ? n : 1) * sizeof *d->pos);
    if (!d->ids || !d->blk || !d->pos) {
        rc = LOUPE_ENOMEM;
        goto cleanup;
    }
    uint32_t id = 0;
    for (size_t i = 0; i < n; i++) {
        if (varint_get(&p, end, &u) || varint_get(&p, end, &b) || varint_get(&p, end, &q))
            goto cleanup;
        id += (uint32_t)u;
        d->ids[i] = id;
        d->blk[i] = (uint32_t)b;
        d->pos[i] = (uint32_t)q;
    }
    d->n = n;
    rc = 0;
cleanup:
    free(raw);
    if (rc)
        bdir_free(d);
    return rc;
}

void bdir_free(bdir *d)
{
    free(d->ids);
    free(d->blk);
    free(d->pos);
    memset(d, 0, sizeof *d);
}

int bdir_find(const bdir *d, uint32_t id, uint32_t *blk, uint32_t *pos)
{
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < d->n && d->ids[lo] == id) {
        *blk = d->blk[lo];
        *pos = d->pos[lo];
        return 1;
    }
    return 0;
}

void bview_free(bview *b)
{
    free(b->raw);
    free(b->id);
    free(b->n);
    free(b->col);
    free(b->voff);
    free(b->vlen);
    free(b->coff);
    free(b->clen);
    free(b->cn);
    memset(b, 0, sizeof *b);
}

size_t bview_bytes(const bview *b)
{
    return b->rawn + (size_t)b->nseries * (12 + 2 * sizeof(size_t)) + (size_t)b->ncols * (4 + 2 * sizeof(size_t));
}

int bview_decode(slice z, bview *b)
{
    memset(b, 0, sizeof *b);
    int rc = decompress(z, &b->raw, &b->rawn);
    if (rc)
        return rc;
    const uint8_t *p = b->raw, *end = b->raw + b->rawn;
    uint64_t ns, nc, u;
    rc = LOUPE_EINTERNAL;
    if (p >= end || *p++ != 1 || varint_get(&p, end, &ns) || varint_get(&p, end, &nc) || ns > b->rawn ||
        nc > b->rawn)
        goto cleanup;
    b->nseries = (uint32_t)ns;
    b->ncols = (uint32_t)nc;
    size_t nsa = ns ? ns : 1, nca = nc ? nc : 1;
    b->id = malloc(nsa * 4);
    b->n = malloc(nsa * 4);
    b->col = malloc(nsa * 4);
    b->voff = malloc(nsa * sizeof(size_t));
    b->vlen = malloc(nsa * sizeof(size_t));
    b->coff = malloc(nca * sizeof(size_t));
    b->clen = malloc(nca * sizeof(size_t));
    b->cn = malloc(nca * 4);
    if (!b->id || !b->n || !b->col || !b->voff || !b->vlen || !b->coff || !b->clen || !b->cn) {
        rc = LOUPE_ENOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < ns; i++) {
        uint64_t id, n, col, vl;
        if (varint_get(&p, end, &id) || varint_get(&p, end, &n) || varint_get(&p, end, &col) ||
            varint_get(&p, end, &vl) || col >= nc)
            goto cleanup;
        b->id[i] = (uint32_t)id;
        b->n[i] = (uint32_t)n;
        b->col[i] = (uint32_t)col;
        b->vlen[i] = vl;
    }
    for (size_t i = 0; i < nc; i++) {
        uint64_t n;
        if (varint_get(&p, end, &n) || varint_get(&p, end, &u))
            goto cleanup;
        b->cn[i] = (uint32_t)n;
        b->clen[i] = u;
    }
    size_t off = (size_t)(p - b->raw);
    for (size_t i = 0; i < nc; i++) {
        b->coff[i] = off;
        off += b->clen[i];
    }
    for (size_t i = 0; i < ns; i++) {
        b->voff[i] = off;
        off += b->vlen[i];
    }
    if (off > b->rawn)
        goto cleanup;
    return 0;
cleanup:
    bview_free(b);
    return rc;
}

void ts_memo_free(ts_memo *m)
{
    free(m->t);
    memset(m, 0, sizeof *m);
}

int bview_read(const bview *b, uint32_t pos, int64_t mint, int64_t maxt, samples *out, const uint8_t *key,
               ts_memo *memo)
{
    if (pos >= b->nseries)
        return LOUPE_EINTERNAL;
    uint32_t n = b->n[pos], col = b->col[pos];
    if (b->cn[col] != n)
        return LOUPE_EINTERNAL;
    size_t start = out->n;
    if (samples_reserve(out, start + n))
        return LOUPE_ENOMEM;
    if (memo && key && memo->valid && memo->col == col && memo->n == n && !memcmp(memo->key, key, BLOCK_KEY_LEN)) {
        mem_copy(out->t + start, memo->t, n * sizeof(int64_t));
    } else {
        const uint8_t *p = b->raw + b->coff[col];
        if (codec_ts_decode(&p, p + b->clen[col], out->t + start, n))
            return LOUPE_EINTERNAL;
        if (memo && key) {
            memo->valid = 0;
            if (memo->cap < n) {
                int64_t *nt = realloc(memo->t, n * sizeof *nt);
                if (nt) {
                    memo->t = nt;
                    memo->cap = n;
                }
            }
            if (memo->cap >= n) {
                mem_copy(memo->t, out->t + start, n * sizeof(int64_t));
                memcpy(memo->key, key, BLOCK_KEY_LEN);
                memo->col = col;
                memo->n = n;
                memo->valid = 1;
            }
        }
    }
    /* skip the value decode when the chunk is outside the range */
    if (n == 0 || out->t[start] > maxt || out->t[start + n - 1] < mint)
        return 0;
    const uint8_t *p = b->raw + b->voff[pos];
    if (codec_values_decode(&p, p + b->vlen[pos], out->v + start, n))
        return LOUPE_EINTERNAL;
    size_t lo = start, hi = start + n;
    while (lo < hi && out->t[lo] < mint)
        lo++;
    while (hi > lo && out->t[hi - 1] > maxt)
        hi--;
    if (lo > start) {
        mem_move(out->t + start, out->t + lo, (hi - lo) * sizeof(int64_t));
        mem_move(out->v + start, out->v + lo, (hi - lo) * sizeof(double));
    }
    out->n = start + (hi - lo);
    return 0;
}
