/* block.h - at-rest blocks: compressed groups of series chunks (private to store).
 *
 * A "part" is what one compaction wrote for one time window (2 h, aligned):
 * blocks of ~target_raw bytes holding one chunk per series (all of the
 * series' samples in the window), series in (metric name, labels) order so
 * zstd sees similar series side by side, plus a directory (series id ->
 * block, position).  Inside a block, identical timestamp columns (series
 * scraped by the same target) are stored once.
 *
 * Block layout before zstd (version 1):
 *   u8 1, uvarint nseries, uvarint ncols,
 *   per series: uvarint id, uvarint nsamples, uvarint column, uvarint value_bytes,
 *   per column: uvarint nsamples, uvarint bytes,
 *   column bytes (codec_ts), value bytes (codec_values).
 * Directory (key block = 0xFFFFFFFF), before zstd:
 *   uvarint n, per series in id order: uvarint id delta, uvarint block, uvarint position.
 * Keys: 16 bytes, window start (sortable signed BE), generation (BE u32), block (BE u32). */
#ifndef LOUPE_BLOCK_H
#define LOUPE_BLOCK_H

#include "store/samples.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdint.h>

#define BLOCK_DIR 0xFFFFFFFFu
#define BLOCK_KEY_LEN 16

typedef struct part_meta {
    int64_t window;   /* window start, ms */
    uint32_t gen;     /* compaction generation: higher = newer data */
    uint32_t nblocks;
    uint32_t nseries;
    uint32_t reserved;
    int64_t mint, maxt;
    uint64_t nsamples;
    uint64_t bytes;   /* compressed bytes of blocks + directory */
} part_meta;

void block_key(uint8_t out[BLOCK_KEY_LEN], int64_t window, uint32_t gen, uint32_t blk);
void block_key_parse(const uint8_t *k, int64_t *window, uint32_t *gen, uint32_t *blk);

/* ---- writing ---- */
typedef int (*bw_put_fn)(void *ctx, slice key, slice val);
typedef struct bw bw;

/* A writer for one part.  put() receives every finished block and the
 * directory (the bytes are only valid during the call). */
bw *bw_create(int64_t window, uint32_t gen, size_t target_raw, int zstd_level, bw_put_fn put, void *ctx);
/* Adds one series' samples: sorted, unique times, n >= 1. */
int bw_add(bw *w, uint32_t id, const int64_t *t, const double *v, size_t n, err_ctx *e);
/* Writes the last block and the directory; fills meta. */
int bw_finish(bw *w, part_meta *meta, err_ctx *e);
void bw_destroy(bw *w);

/* ---- reading ---- */
typedef struct bdir {
    uint32_t *ids, *blk, *pos;
    size_t n;
} bdir;
int bdir_decode(slice zval, bdir *out);
void bdir_free(bdir *d);
/* 1 and the location when id is in the part, else 0. */
int bdir_find(const bdir *d, uint32_t id, uint32_t *blk, uint32_t *pos);

typedef struct bview {
    uint8_t *raw;
    size_t rawn;
    uint32_t nseries, ncols;
    uint32_t *id, *n, *col;
    size_t *voff, *vlen;
    size_t *coff, *clen;
    uint32_t *cn;
} bview;
int bview_decode(slice zval, bview *out);
void bview_free(bview *b);
size_t bview_bytes(const bview *b);
/* The last timestamp column a reader decoded, by block key and column:
 * series of one target sit side by side in a block and share a column. */
typedef struct ts_memo {
    uint8_t key[BLOCK_KEY_LEN];
    uint32_t col;
    int valid;
    int64_t *t;
    size_t n, cap;
} ts_memo;

/* Appends the samples of series at `pos` within [mint, maxt] to out.  key
 * identifies the block for the memo (both may be NULL). */
int bview_read(const bview *b, uint32_t pos, int64_t mint, int64_t maxt, samples *out, const uint8_t *key,
               ts_memo *memo);
void ts_memo_free(ts_memo *m);

#endif
