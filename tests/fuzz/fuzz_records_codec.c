/* fuzz_records_codec.c - libFuzzer harness: the records store's field codec
 * and tokenizer (store/records_int.h).  Every text must come back
 * byte-exact from its skeleton and blobs; arbitrary bytes read as a stored
 * field must fail cleanly; tokens must lie inside the text, in order; q
 * parsing, matching and snippets must stay within their bounds (abort()
 * otherwise). */
#include "store/records_int.h"
#include "util/varint.h"

#include <stdlib.h>
#include <string.h>

#define MAXBLOBS 256

typedef struct store {
    slice b[MAXBLOBS];
    uint8_t *own[MAXBLOBS];
    size_t n, cuts;
    uint64_t refs[MAXBLOBS * 4];
    int full;
} store;

static int s_cut(void *ctx, slice text, int stable)
{
    store *s = ctx;
    (void)stable;
    if (s->n == MAXBLOBS || s->cuts == MAXBLOBS * 4) {
        s->full = 1;
        return LOUPE_ELIMIT;
    }
    uint8_t *copy = malloc(text.n + 1);
    if (!copy)
        abort();
    memcpy(copy, text.p, text.n);
    s->own[s->n] = copy;
    s->b[s->n] = slice_make(copy, text.n);
    s->refs[s->cuts++] = ++s->n;
    return 0;
}

static int s_value(void *ctx, slice key, slice text)
{
    (void)ctx;
    if ((key.n && !key.p) || (text.n && !text.p))
        abort();
    return 0;
}

static int s_get(void *ctx, uint64_t id, buf *out)
{
    store *s = ctx;
    if (id == 0 || id > s->n)
        return LOUPE_EIO;
    return buf_append(out, s->b[id - 1].p, s->b[id - 1].n);
}

typedef struct tokck {
    size_t n, last_start;
} tokck;

static int t_check(void *ctx, const rec_tok *t)
{
    tokck *k = ctx;
    if (t->end > k->n || t->start >= t->end || t->n == 0 || t->n > REC_TOK_MAX + 4 || t->start < k->last_start)
        abort();
    k->last_start = t->start;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    store s = { 0 };
    buf skel = BUF_INIT, scratch = BUF_INIT, col = BUF_INIT, out = BUF_INIT, snip = BUF_INIT;
    rec_scratch sc = { 0 };
    slice in = slice_make(data, size);
    rec_split_cb cb = { &s, s_cut, s_value };
    int kind = rec_field_split(in, &cb, &skel, &scratch);
    if (kind >= 0) {
        buf_putc(&col, (uint8_t)kind);
        if (kind == REC_FIELD_RAW) {
            buf_append(&col, data, size);
        } else if (kind == REC_FIELD_BLOB) {
            if (s.cuts != 1)
                abort();
            buf_put_uvarint(&col, s.refs[0]);
        } else {
            buf_put_uvarint(&col, s.cuts);
            for (size_t i = 0; i < s.cuts; i++)
                buf_put_uvarint(&col, s.refs[i]);
            buf_append(&col, skel.p, skel.n);
        }
        if (rec_field_decode(buf_slice(&col), s_get, &s, &sc, &out) || !slice_eq(buf_slice(&out), in))
            abort();
        if (kind == REC_FIELD_SKEL || (kind == REC_FIELD_RAW && rec_json_like(in))) {
            /* the same as shape + values */
            buf shape = BUF_INIT, values = BUF_INIT;
            size_t nv, ncut = s.cuts;
            slice src = kind == REC_FIELD_SKEL ? buf_slice(&skel) : in;
            if (rec_shape_split(src, &shape, &values, &nv) || s_cut(&s, buf_slice(&shape), 0))
                abort();
            col.n = 0;
            buf_putc(&col, REC_FIELD_SHAPE);
            buf_put_uvarint(&col, ncut);
            for (size_t i = 0; i < ncut; i++)
                buf_put_uvarint(&col, s.refs[i]);
            buf_put_uvarint(&col, s.refs[ncut]);
            buf_append(&col, values.p, values.n);
            out.n = 0;
            if (rec_field_decode(buf_slice(&col), s_get, &s, &sc, &out) || !slice_eq(buf_slice(&out), in))
                abort();
            buf_free(&shape);
            buf_free(&values);
        }
        out.n = 0;
        if (rec_field_preview(buf_slice(&col), s_get, &s, &sc, &out))
            abort();
    } else if (!s.full) {
        abort();
    }
    /* the input itself as a (corrupt) stored field */
    out.n = 0;
    rec_field_decode(in, s_get, &s, &sc, &out);
    out.n = 0;
    rec_field_preview(in, s_get, &s, &sc, &out);
    buf ids = BUF_INIT;
    rec_field_refs(in, &ids);
    buf_free(&ids);
    /* tokens, and q = first half against text = second half */
    tokck k = { size, 0 };
    rec_tokenize(data, size, 0, t_check, &k);
    k.last_start = 0;
    rec_tokenize(data, size, 1, t_check, &k);
    rec_query q;
    err_ctx e = { 0 };
    size_t half = size / 2;
    if (rec_query_parse(slice_make(data, half), &q, &e) == 0) {
        if (q.ng == 0 || q.ng > REC_Q_GROUPS || q.nt > REC_Q_TOKENS)
            abort();
        slice text = slice_make(data + half, size - half);
        for (size_t g = 0; g < q.ng; g++) {
            rec_text_has(&q, g, text);
            rec_query_fts(&q, g, &out);
        }
        uint32_t hl[REC_SNIPPET_HL][2];
        size_t nhl = 0;
        if (rec_snippet(&q, &text, 1, &snip, hl, &nhl) || snip.n > text.n || nhl > REC_SNIPPET_HL)
            abort();
        for (size_t i = 0; i < nhl; i++)
            if (hl[i][0] >= hl[i][1] || hl[i][1] > snip.n)
                abort();
    }
    for (size_t i = 0; i < s.n; i++)
        free(s.own[i]);
    buf_free(&skel);
    buf_free(&scratch);
    buf_free(&col);
    buf_free(&out);
    buf_free(&snip);
    buf_free(&sc.skel);
    buf_free(&sc.blob);
    buf_free(&sc.shape);
    ZSTD_freeDCtx(sc.dctx);
    return 0;
}
