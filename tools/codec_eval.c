/* codec_eval.c - dev tool: decode an anchors workload and measure at-rest
 * encodings (bytes/sample) of store/codec.c with block-level zstd.
 * usage: codec_eval WORKLOAD_DIR [zstd_level] [series_per_block] */
#include "ingest/promrw.h"
#include "store/codec.h"
#include "store/labels.h"
#include "util/arena.h"
#include "util/hash.h"

#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

typedef struct ser {
    uint8_t *lab; size_t labn;
    int64_t *ts; double *v; size_t n, cap;
} ser;
static ser *S; static size_t NS, CAPS;
static int64_t *HT; static size_t HCAP = 1 << 18;

static size_t find_or_add(const uint8_t *lab, size_t n)
{
    uint64_t h = hash_bytes(lab, n, 1);
    size_t i = h & (HCAP - 1);
    while (HT[i] >= 0) {
        ser *s = &S[HT[i]];
        if (s->labn == n && !memcmp(s->lab, lab, n)) return (size_t)HT[i];
        i = (i + 1) & (HCAP - 1);
    }
    if (NS == CAPS) { CAPS = CAPS ? CAPS * 2 : 1024; S = realloc(S, CAPS * sizeof *S); }
    ser *s = &S[NS]; memset(s, 0, sizeof *s);
    s->lab = malloc(n); memcpy(s->lab, lab, n); s->labn = n;
    HT[i] = (int64_t)NS;
    return NS++;
}

static int cmp_lab(const void *a, const void *b)
{
    const ser *x = &S[*(const size_t *)a], *y = &S[*(const size_t *)b];
    int c = slice_cmp(labels_get(slice_make(x->lab, x->labn), slice_cstr("__name__")),
                      labels_get(slice_make(y->lab, y->labn), slice_cstr("__name__")));
    if (c) return c;
    return slice_cmp(slice_make(x->lab, x->labn), slice_make(y->lab, y->labn));
}

int main(int argc, char **argv)
{
    const char *dir = argv[1];
    int level = argc > 2 ? atoi(argv[2]) : 3;
    size_t per_block = argc > 3 ? (size_t)atol(argv[3]) : 1000;
    int nconf = (argc - 2) / 2; if (nconf < 1) nconf = 1;
    HT = malloc(HCAP * sizeof *HT); memset(HT, 0xff, HCAP * sizeof *HT);
    char path[512];
    snprintf(path, sizeof path, "%s/index.bin", dir);
    FILE *fi = fopen(path, "rb");
    FILE *fb[8] = {0};
    struct { uint32_t file, slot, batch, ns; uint64_t off; uint32_t len, nser; } rec;
    size_t total = 0;
    char *raw = malloc(4 << 20), *cbuf = malloc(4 << 20);
    arena *a = arena_create(1 << 20);
    buf lb = BUF_INIT;
    while (fread(&rec, 32, 1, fi) == 1) {
        if (!fb[rec.file]) { snprintf(path, sizeof path, "%s/bodies-%03u.bin", dir, rec.file); fb[rec.file] = fopen(path, "rb"); }
        fseeko(fb[rec.file], (off_t)rec.off, SEEK_SET);
        if (fread(cbuf, 1, rec.len, fb[rec.file]) != rec.len) return 1;
        size_t rl = 4 << 20;
        if (snappy_uncompress(cbuf, rec.len, raw, &rl) != SNAPPY_OK) return 2;
        rw_request req; err_ctx e = {0};
        arena_reset(a);
        if (promrw_decode(slice_make(raw, rl), NULL, a, &req, &e)) { fprintf(stderr, "%s\n", e.msg); return 3; }
        for (size_t i = 0; i < req.nseries; i++) {
            label *ls; size_t nl;
            if (promrw_series_labels(&req.series[i], NULL, a, &ls, &nl, &e)) { fprintf(stderr, "%s\n", e.msg); return 4; }
            lb.n = 0; labels_encode(ls, nl, &lb);
            size_t id = find_or_add(lb.p, lb.n);
            ser *s = &S[id];
            for (size_t k = 0; k < req.series[i].nsamples; k++) {
                if (s->n == s->cap) { s->cap = s->cap ? s->cap * 2 : 64; s->ts = realloc(s->ts, s->cap * 8); s->v = realloc(s->v, s->cap * 8); }
                s->ts[s->n] = req.series[i].ts[k]; s->v[s->n] = req.series[i].v[k]; s->n++; total++;
            }
        }
    }
    fprintf(stderr, "%zu series, %zu samples\n", NS, total);
    size_t *ord = malloc(NS * sizeof *ord);
    for (size_t i = 0; i < NS; i++) ord[i] = i;
    qsort(ord, NS, sizeof *ord, cmp_lab);
    for (int conf = 0; conf < nconf; conf++) {
    if (argc > 2 + 2 * conf) { level = atoi(argv[2 + 2 * conf]); per_block = (size_t)atol(argv[3 + 2 * conf]); }
    /* per block: [ts columns dedup][value streams] */
    size_t comp_total = 0, raw_total = 0, ts_raw = 0, val_raw = 0, lab_raw = 0;
    size_t type_cnt[8] = {0}, type_bytes[8] = {0};
    buf blk = BUF_INIT, tsb = BUF_INIT, one = BUF_INIT, labs = BUF_INIT;
    size_t comp_cap = ZSTD_compressBound(64 << 20);
    char *comp = malloc(comp_cap);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
    /* metric-level accounting: compressed size attributed proportionally */
    for (size_t b0 = 0; b0 < NS; b0 += per_block) {
        size_t b1 = b0 + per_block < NS ? b0 + per_block : NS;
        blk.n = 0; tsb.n = 0;
        /* dedup ts columns with a small table */
        size_t ncol = 0; uint64_t colh[65536]; size_t coloff[65536];
        for (size_t j = b0; j < b1; j++) {
            ser *s = &S[ord[j]];
            one.n = 0; codec_ts_encode(s->ts, s->n, &one);
            uint64_t h = hash_bytes(one.p, one.n, 7);
            size_t c;
            for (c = 0; c < ncol; c++) if (colh[c] == h) break;
            if (c == ncol) { colh[ncol] = h; coloff[ncol++] = tsb.n; buf_append(&tsb, one.p, one.n); }
            buf_put_uvarint(&blk, c); buf_put_uvarint(&blk, s->n);
        }
        size_t hdr = blk.n;
        ts_raw += tsb.n;
        buf_append(&blk, tsb.p, tsb.n);
        for (size_t j = b0; j < b1; j++) {
            ser *s = &S[ord[j]];
            size_t before = blk.n; int t;
            codec_values_encode(s->v, s->n, &blk, &t);
            type_cnt[t]++; type_bytes[t] += blk.n - before;
            /* verify round trip */
            const uint8_t *p = blk.p + before; double *dv = malloc(s->n * 8);
            if (codec_values_decode(&p, blk.p + blk.n, dv, s->n) || memcmp(dv, s->v, s->n * 8)) { fprintf(stderr, "ROUNDTRIP FAIL series %zu type %d\n", ord[j], t); return 9; }
            free(dv);
        }
        val_raw += blk.n - hdr - tsb.n;
        raw_total += blk.n;
        size_t cn = ZSTD_compress2(cc, comp, comp_cap, blk.p, blk.n);
        comp_total += cn;
        for (size_t j = b0; j < b1; j++) buf_append(&labs, S[ord[j]].lab, S[ord[j]].labn), buf_putc(&labs, 0);
    }
    lab_raw = labs.n;
    size_t labc = ZSTD_compress2(cc, comp, comp_cap, labs.p, labs.n);
    printf("level %d, %zu series/block: raw %.3f B/s (ts %.3f, values %.3f), zstd %.3f B/s; labels raw %zu zstd %zu (%.3f B/s)\n",
           level, per_block, (double)raw_total / total, (double)ts_raw / total, (double)val_raw / total,
           (double)comp_total / total, lab_raw, labc, (double)labc / total);
    for (int t = 1; t <= 4; t++) printf("  type %d: %zu chunks, %zu bytes\n", t, type_cnt[t], type_bytes[t]);
    fflush(stdout);
    }
    /* per metric raw value bytes */
    if (getenv("PER_METRIC")) {
        for (size_t j = 0; j < NS; ) {
            ser *s = &S[ord[j]];
            slice nm = labels_get(slice_make(s->lab, s->labn), slice_cstr("__name__"));
            size_t k = j, bytes = 0, cnt = 0; buf vb = BUF_INIT; int t = 0;
            while (k < NS) { ser *q = &S[ord[k]]; slice n2 = labels_get(slice_make(q->lab, q->labn), slice_cstr("__name__")); if (!slice_eq(n2, nm)) break; vb.n = 0; codec_values_encode(q->v, q->n, &vb, &t); bytes += vb.n; cnt += q->n; k++; }
            printf("  %-45.*s %8zu samples raw %.3f B/s (last type %d)\n", (int)nm.n, nm.p, cnt, (double)bytes / cnt, t);
            buf_free(&vb);
            j = k;
        }
    }
    return 0;
}
