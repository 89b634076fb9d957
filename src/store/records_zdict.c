/* records_zdict.c - trained zstd dictionaries of the records store.
 *
 * Texts of a few hundred bytes (user messages, completions) and the values
 * of span attributes compress poorly one by one: most of what zstd would
 * learn is in the other records.  The writer keeps samples of both kinds
 * as it stores them; once it has enough, it trains a dictionary of each
 * kind (ZDICT), stores it in the zdict table in a transaction of its own
 * and only then publishes it, so no row can name a dictionary that is not
 * durable.  Callers compress with the published CDict; readers decompress
 * with the DDict of the id a frame names.  Dictionaries are never dropped
 * while the store is open (a handful of tens of KiB). */
#include "util/mem.h"
#include "store/records_int.h"
#include "util/varint.h"

#include <stdlib.h>
#include <string.h>
#include <zdict.h>

#define SAMPLE_BYTES (1u << 20) /* per kind */
#define SAMPLE_MAX 1024         /* bytes of one sample */
static const size_t dict_size[REC_ZK_N] = { 65536, 16384 };
/* With a dictionary, a higher level pays for texts (about 12% smaller at
 * 15 than at 5, ~0.1 ms per 500-byte text, spent in the caller's thread);
 * not for attribute values. */
static const int dict_level[REC_ZK_N] = { 15, REC_ZLEVEL };
static const size_t min_samples[REC_ZK_N] = { 2000, 1000 };

struct rec_zdicts {
    pthread_mutex_t mu;
    struct {
        uint32_t id;
        ZSTD_DDict *dd;
    } all[REC_ZDICT_MAX];
    size_t n;
    struct {
        uint32_t id;           /* 0: none yet */
        ZSTD_CDict *cd;
    } cur[REC_ZK_N];
    /* writer thread only: samples for training */
    buf samples[REC_ZK_N];
    buf sizes[REC_ZK_N];       /* size_t each */
    int tried[REC_ZK_N];       /* training attempts that failed */
};

static int publish(rec_zdicts *z, int kind, uint32_t id, const void *d, size_t n, int current)
{
    ZSTD_DDict *dd = ZSTD_createDDict(d, n);
    ZSTD_CDict *cd = current ? ZSTD_createCDict(d, n, dict_level[kind]) : NULL;
    if (!dd || (current && !cd) || z->n == REC_ZDICT_MAX) {
        ZSTD_freeDDict(dd);
        ZSTD_freeCDict(cd);
        return LOUPE_ENOMEM;
    }
    pthread_mutex_lock(&z->mu);
    z->all[z->n].id = id;
    z->all[z->n].dd = dd;
    z->n++;
    if (current) { /* one per kind: training stops once there is one */
        z->cur[kind].id = id;
        z->cur[kind].cd = cd;
    }
    pthread_mutex_unlock(&z->mu);
    return 0;
}

int rec_zdict_open(records *r, err_ctx *e)
{
    rec_zdicts *z = calloc(1, sizeof *z);
    if (!z)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    pthread_mutex_init(&z->mu, NULL);
    r->zd = z;
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(r->wc->db, "SELECT id, kind, d FROM zdict ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return err_set(e, LOUPE_EIO, "records: zdict: %s", sqlite3_errmsg(r->wc->db));
    int src;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        uint32_t id = (uint32_t)sqlite3_column_int64(st, 0);
        int kind = sqlite3_column_int(st, 1);
        if (kind < 0 || kind >= REC_ZK_N) {
            rc = err_set(e, LOUPE_EIO, "records: zdict %u has an unknown kind %d", id, kind);
            break;
        }
        /* rows come in id order: the last of a kind is its current one */
        if (z->cur[kind].cd) {
            ZSTD_freeCDict(z->cur[kind].cd);
            z->cur[kind].cd = NULL;
        }
        if (publish(z, kind, id, sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), 1))
            rc = err_set(e, LOUPE_ENOMEM, "records: loading zstd dictionary %u", id);
    }
    sqlite3_finalize(st);
    return rc;
}

void rec_zdict_close(records *r)
{
    rec_zdicts *z = r->zd;
    if (!z)
        return;
    for (size_t i = 0; i < z->n; i++)
        ZSTD_freeDDict(z->all[i].dd);
    for (int k = 0; k < REC_ZK_N; k++) {
        ZSTD_freeCDict(z->cur[k].cd);
        buf_free(&z->samples[k]);
        buf_free(&z->sizes[k]);
    }
    pthread_mutex_destroy(&z->mu);
    free(z);
    r->zd = NULL;
}

const ZSTD_CDict *rec_zdict_cdict(records *r, int kind, uint32_t *id)
{
    rec_zdicts *z = r->zd;
    pthread_mutex_lock(&z->mu);
    const ZSTD_CDict *cd = z->cur[kind].cd;
    *id = z->cur[kind].id;
    pthread_mutex_unlock(&z->mu);
    return cd;
}

const ZSTD_DDict *rec_zdict_ddict(void *ctx, uint64_t id)
{
    records *r = ctx;
    rec_zdicts *z = r->zd;
    const ZSTD_DDict *dd = NULL;
    pthread_mutex_lock(&z->mu);
    for (size_t i = 0; i < z->n && !dd; i++)
        if (z->all[i].id == id)
            dd = z->all[i].dd;
    pthread_mutex_unlock(&z->mu);
    return dd;
}

int rec_zcompress(records *r, int kind, slice src, buf *out)
{
    uint32_t id = 0;
    const ZSTD_CDict *cd = r ? rec_zdict_cdict(r, kind, &id) : NULL;
    ZSTD_CCtx *cc = rec_thread_cctx();
    if (!cc)
        return LOUPE_ENOMEM;
    size_t cap = ZSTD_compressBound(src.n);
    if (buf_putc(out, cd ? 2 : 1) || (cd && buf_put_uvarint(out, id)) || buf_reserve(out, cap))
        return LOUPE_ENOMEM;
    size_t zn;
    if (cd) {
        /* no dictionary id in the frame: the codec byte's varint says it */
        ZSTD_CCtx_reset(cc, ZSTD_reset_session_and_parameters);
        if (ZSTD_isError(ZSTD_CCtx_refCDict(cc, cd)) || ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_dictIDFlag, 0)))
            return LOUPE_EINTERNAL;
        zn = ZSTD_compress2(cc, out->p + out->n, cap, src.p, src.n);
        ZSTD_CCtx_reset(cc, ZSTD_reset_session_and_parameters);
    } else {
        zn = ZSTD_compressCCtx(cc, out->p + out->n, cap, src.p, src.n, REC_ZLEVEL);
    }
    if (ZSTD_isError(zn))
        return LOUPE_EINTERNAL;
    out->n += zn;
    return 0;
}

int rec_zdecompress(const uint8_t *z, size_t n, ZSTD_DCtx **dctx, const ZSTD_DDict *(*dd)(void *, uint64_t),
                    void *ctx, buf *out)
{
    const uint8_t *p = z, *end = z + n;
    if (p >= end)
        return LOUPE_EIO;
    int codec = *p++;
    if (codec == 0)
        return buf_append(out, p, (size_t)(end - p)) ? LOUPE_ENOMEM : 0;
    const ZSTD_DDict *d = NULL;
    if (codec == 2) {
        uint64_t id;
        if (varint_get(&p, end, &id) || !dd || !(d = dd(ctx, id)))
            return LOUPE_EIO;
    } else if (codec != 1) {
        return LOUPE_EIO;
    }
    unsigned long long raw = ZSTD_getFrameContentSize(p, (size_t)(end - p));
    if (raw == ZSTD_CONTENTSIZE_ERROR || raw == ZSTD_CONTENTSIZE_UNKNOWN || raw > REC_MAX_TEXT)
        return LOUPE_EIO;
    if (buf_reserve(out, (size_t)raw + 1))
        return LOUPE_ENOMEM;
    if (!*dctx && !(*dctx = ZSTD_createDCtx()))
        return LOUPE_ENOMEM;
    size_t got = d ? ZSTD_decompress_usingDDict(*dctx, out->p + out->n, (size_t)raw, p, (size_t)(end - p), d)
                   : ZSTD_decompressDCtx(*dctx, out->p + out->n, (size_t)raw, p, (size_t)(end - p));
    if (ZSTD_isError(got) || got != raw)
        return LOUPE_EIO;
    out->n += got;
    return 0;
}

int rec_blob_pack(records *r, slice text, buf *out)
{
    size_t mark = out->n;
    if (text.n >= 64) {
        int rc = rec_zcompress(r, REC_ZK_TEXT, text, out);
        if (rc == LOUPE_ENOMEM)
            return rc;
        if (!rc && out->n - mark + text.n / 16 < text.n)
            return 0;
        out->n = mark;
    }
    return buf_putc(out, 0) || buf_append(out, text.p, text.n) ? LOUPE_ENOMEM : 0;
}

void rec_zdict_sample(records *r, int kind, slice s)
{
    rec_zdicts *z = r->zd;
    if (z->cur[kind].id || z->tried[kind] >= 4 || s.n < 16 || z->samples[kind].n + s.n > SAMPLE_BYTES)
        return;
    if (s.n > SAMPLE_MAX)
        s.n = SAMPLE_MAX;
    size_t sz = s.n;
    size_t mark = z->samples[kind].n;
    if (buf_append(&z->samples[kind], s.p, s.n) || buf_append(&z->sizes[kind], &sz, sizeof sz))
        z->samples[kind].n = mark;
}

/* Trains the dictionaries that have enough samples; stores and publishes
 * them.  Writer thread, outside any transaction. */
void rec_zdict_train(records *r)
{
    rec_zdicts *z = r->zd;
    for (int k = 0; k < REC_ZK_N; k++) {
        size_t ns = z->sizes[k].n / sizeof(size_t);
        if (z->cur[k].id || ns < min_samples[k] * (size_t)(1 + z->tried[k]))
            continue;
        void *d = malloc(dict_size[k]);
        if (!d)
            return;
        size_t dn = ZDICT_trainFromBuffer(d, dict_size[k], z->samples[k].p, (const size_t *)z->sizes[k].p,
                                          (unsigned)ns);
        int ok = !ZDICT_isError(dn);
        if (ok) {
            err_ctx e = { 0 };
            sqlite3_stmt *st = rconn_stmt(r->wc, "INSERT INTO zdict(kind, d) VALUES(?1, ?2)", &e);
            ok = st && !rec_exec(r->wc->db, "BEGIN IMMEDIATE", &e);
            if (ok) {
                sqlite3_bind_int(st, 1, k);
                sqlite3_bind_blob(st, 2, d, (int)dn, SQLITE_STATIC);
                ok = sqlite3_step(st) == SQLITE_DONE;
                sqlite3_reset(st);
                uint32_t id = (uint32_t)sqlite3_last_insert_rowid(r->wc->db);
                ok = ok && !rec_exec(r->wc->db, "COMMIT", &e);
                if (!ok)
                    sqlite3_exec(r->wc->db, "ROLLBACK", NULL, NULL, NULL);
                else
                    ok = !publish(z, k, id, d, dn, 1);
            }
        }
        free(d);
        if (ok) {
            buf_free(&z->samples[k]);
            buf_free(&z->sizes[k]);
        } else {
            z->tried[k]++; /* more samples next time */
        }
    }
}
