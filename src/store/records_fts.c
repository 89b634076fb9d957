/* records_fts.c - full-text search pieces of the records store: the
 * tokenizer (words, and character bigrams for unspaced scripts) registered
 * with FTS5, parsing the user's plain-text q, checking a text against it and
 * cutting snippets with highlight ranges.  Pure but for the registration. */
#include "util/mem.h"
#include "util/utf8.h"
#include "store/records_int.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ characters */

enum { C_SEP, C_WORD, C_GRAM };

/* Scripts written without spaces between words: indexed as bigrams. */
static const int32_t gram_ranges[][2] = {
    { 0x0e00, 0x0eff },   /* Thai, Lao */
    { 0x1000, 0x109f },   /* Myanmar */
    { 0x1100, 0x11ff },   /* Hangul Jamo */
    { 0x1780, 0x17ff },   /* Khmer */
    { 0x3005, 0x3007 },   /* iteration mark, ideographic zero */
    { 0x3021, 0x3029 },   /* Hangzhou numerals */
    { 0x3040, 0x30ff },   /* Hiragana, Katakana */
    { 0x3100, 0x312f },   /* Bopomofo */
    { 0x3130, 0x318f },   /* Hangul compatibility Jamo */
    { 0x31f0, 0x31ff },   /* Katakana extensions */
    { 0x3400, 0x4dbf },   /* CJK extension A */
    { 0x4e00, 0x9fff },   /* CJK unified */
    { 0xa000, 0xa4cf },   /* Yi */
    { 0xa960, 0xa97f },   /* Hangul Jamo extended A */
    { 0xac00, 0xd7ff },   /* Hangul syllables, Jamo extended B */
    { 0xf900, 0xfaff },   /* CJK compatibility */
    { 0xff66, 0xff9f },   /* half-width Katakana */
    { 0x20000, 0x3134f }, /* CJK extensions B.. */
};

/* Punctuation and symbol blocks: separators. */
static const int32_t sep_ranges[][2] = {
    { 0x00a0, 0x00bf }, { 0x00d7, 0x00d7 }, { 0x00f7, 0x00f7 }, { 0x2000, 0x2bff }, { 0x2e00, 0x2e7f },
    { 0x3000, 0x3004 }, { 0x3008, 0x3020 }, { 0x3030, 0x303f }, { 0xfe00, 0xfe6f }, { 0xff00, 0xff0f },
    { 0xff1a, 0xff20 }, { 0xff3b, 0xff40 }, { 0xff5b, 0xff65 }, { 0xffe0, 0xffff }, { 0x1f000, 0x1faff },
    { 0xe0000, 0xe007f },
};

static int in_ranges(int32_t cp, const int32_t (*r)[2], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cp >= r[i][0] && cp <= r[i][1])
            return 1;
    return 0;
}

/* Lower case where it is a simple offset (Latin-1, Latin Extended-A,
 * Greek, Cyrillic); full-width ASCII letters and digits become ASCII. */
static int32_t fold(int32_t cp)
{
    if (cp >= 0xff10 && cp <= 0xff5a)
        cp -= 0xfee0;
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
        return cp + 32;
    if (cp >= 0x100 && cp <= 0x17f) {
        if ((cp <= 0x137 || (cp >= 0x14a && cp <= 0x177)) && !(cp & 1))
            return cp + 1;
        if (((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e)) && (cp & 1))
            return cp + 1;
        if (cp == 0x178)
            return 0xff;
        return cp;
    }
    if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)
        return cp + 32;
    if (cp >= 0x410 && cp <= 0x42f)
        return cp + 32;
    if (cp >= 0x400 && cp <= 0x40f)
        return cp + 80;
    return cp;
}

static int cclass(int32_t cp)
{
    if (cp < 0)
        return C_SEP;
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ? C_WORD : C_SEP;
    if (in_ranges(cp, gram_ranges, sizeof gram_ranges / sizeof *gram_ranges))
        return C_GRAM;
    if (cp >= 0xff10 && cp <= 0xff5a) /* full-width ASCII: letters and digits only */
        return cclass(cp - 0xfee0);
    if (in_ranges(cp, sep_ranges, sizeof sep_ranges / sizeof *sep_ranges))
        return C_SEP;
    return C_WORD;
}

static size_t put_cp(uint8_t *t, int32_t cp)
{
    if (cp < 0x80) {
        t[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        t[0] = (uint8_t)(0xc0 | cp >> 6), t[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        t[0] = (uint8_t)(0xe0 | cp >> 12), t[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        t[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    t[0] = (uint8_t)(0xf0 | cp >> 18), t[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    t[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), t[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

int rec_tokenize(const uint8_t *p, size_t n, int query, rec_tok_fn fn, void *ctx)
{
    uint8_t w[REC_TOK_MAX + 4];
    size_t wn = 0, wstart = 0, wend = 0;
    int in_word = 0;
    /* the current bigram run: the previous character and the run length */
    size_t g_prev = 0, g_prev_len = 0, g_len = 0;
    uint32_t run = 0;
    rec_tok t;
    int rc;
    size_t i = 0;
    while (i <= n) {
        int32_t cp = -1;
        size_t len = 0;
        int cls = C_SEP;
        if (i < n) {
            len = utf8_decode(p + i, n - i, &cp);
            cls = cclass(cp);
        }
        if (in_word && cls != C_WORD) { /* a word ends */
            t = (rec_tok){ w, wn, wstart, wend, REC_TOK_WORD, run++ };
            if ((rc = fn(ctx, &t)))
                return rc;
            in_word = 0;
        }
        if (g_len && cls != C_GRAM) { /* a run ends */
            if (g_len == 1 || !query) {
                t = (rec_tok){ p + g_prev, g_prev_len, g_prev, g_prev + g_prev_len,
                               g_len == 1 ? REC_TOK_SOLO : REC_TOK_TAIL, run };
                if ((rc = fn(ctx, &t)))
                    return rc;
            }
            run++;
            g_len = 0;
        }
        if (i == n)
            break;
        if (cls == C_WORD) {
            if (!in_word) {
                in_word = 1;
                wn = 0;
                wstart = i;
            }
            uint8_t tmp[4];
            size_t k = put_cp(tmp, fold(cp));
            if (wn + k <= REC_TOK_MAX) {
                memcpy(w + wn, tmp, k);
                wn += k;
                wend = i + len;
            }
        } else if (cls == C_GRAM) {
            if (g_len) {
                t = (rec_tok){ p + g_prev, g_prev_len + len, g_prev, i + len, REC_TOK_GRAM, run };
                if ((rc = fn(ctx, &t)))
                    return rc;
            }
            g_prev = i;
            g_prev_len = len;
            g_len++;
        }
        i += len;
    }
    return 0;
}

/* ------------------------------------------------------------ stopwords */

/* English words in nearly every text: the index leaves them out (about a
 * seventh of its entries); a query still finds them by checking the text
 * (records_calls.c).  Changing this list changes what the index holds: it
 * needs a new schema version (deletes re-tokenize what was inserted). */
static const char *const stopwords[] = {
    "a",    "an",   "and",  "are",   "as",    "at",   "be",   "but",  "by",   "for",  "from", "has",
    "have", "i",    "if",   "in",    "is",    "it",   "its",  "me",   "my",   "no",   "not",  "of",
    "on",   "or",   "our",  "so",    "that",  "the",  "their", "there", "they", "this", "to",  "was",
    "we",   "were", "what", "when",  "which", "will", "with", "you",  "your",
};

int rec_stopword(const uint8_t *p, size_t n)
{
    if (n > 5 || n == 0)
        return 0;
    for (size_t i = 0; i < sizeof stopwords / sizeof *stopwords; i++)
        if (strlen(stopwords[i]) == n && !memcmp(stopwords[i], p, n))
            return 1;
    return 0;
}

/* ------------------------------------------------------------ FTS5 glue */

typedef struct fts_ctx {
    void *pctx;
    int (*xtoken)(void *, int, const char *, int, int, int);
} fts_ctx;

static int fts_emit(void *c, const rec_tok *t)
{
    fts_ctx *f = c;
    if (t->kind == REC_TOK_WORD && rec_stopword(t->p, t->n))
        return 0;
    return f->xtoken(f->pctx, 0, (const char *)t->p, (int)t->n, (int)t->start, (int)t->end);
}

static int fts_create(void *ud, const char **args, int nargs, Fts5Tokenizer **out)
{
    (void)args, (void)nargs;
    *out = (Fts5Tokenizer *)ud;
    return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *t) { (void)t; }

static int fts_tokenize(Fts5Tokenizer *tk, void *pctx, int flags, const char *text, int ntext,
                        int (*xtoken)(void *, int, const char *, int, int, int))
{
    (void)tk;
    fts_ctx f = { pctx, xtoken };
    if (ntext <= 0)
        return SQLITE_OK;
    return rec_tokenize((const uint8_t *)text, (size_t)ntext, (flags & FTS5_TOKENIZE_QUERY) != 0, fts_emit, &f);
}

int rec_fts_register(sqlite3 *db)
{
    static int token_ud; /* any non-NULL pointer: the tokenizer has no state */
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    if (!api || api->iVersion < 2)
        return SQLITE_ERROR;
    fts5_tokenizer tok = { fts_create, fts_delete, fts_tokenize };
    return api->xCreateTokenizer(api, "loupe", &token_ud, &tok, NULL);
}

/* ------------------------------------------------------------ q */

typedef struct qparse {
    rec_query *q;
    int phrase;  /* inside quotes: every token joins the current group */
    int open;    /* the current group takes more tokens */
    uint32_t run;
    int overflow;
} qparse;

static int q_tok(void *c, const rec_tok *t)
{
    qparse *qp = c;
    rec_query *q = qp->q;
    if (q->nt == REC_Q_TOKENS) {
        qp->overflow = 1;
        return 1;
    }
    int join = qp->phrase ? qp->open : (qp->open && t->kind == REC_TOK_GRAM && t->run == qp->run);
    if (!join) {
        if (q->ng == REC_Q_GROUPS) {
            qp->overflow = 1;
            return 1;
        }
        q->g[q->ng++] = (rec_qgroup){ (uint16_t)q->nt, 0, 0, 0 };
        qp->open = 1;
    }
    rec_qgroup *g = &q->g[q->ng - 1];
    memcpy(q->t[q->nt].b, t->p, t->n);
    q->t[q->nt].n = (uint8_t)t->n;
    q->nt++;
    g->n++;
    g->prefix = g->n == 1 && t->kind == REC_TOK_SOLO;
    g->same_run = !qp->phrase && t->kind == REC_TOK_GRAM;
    if (!qp->phrase && t->kind != REC_TOK_GRAM)
        qp->open = 0;
    qp->run = t->run;
    return 0;
}

static int group_eq(const rec_query *q, const rec_qgroup *a, const rec_qgroup *b)
{
    if (a->n != b->n || a->prefix != b->prefix)
        return 0;
    for (size_t k = 0; k < a->n; k++) {
        size_t i = a->first + k, j = b->first + k;
        if (q->t[i].n != q->t[j].n || memcmp(q->t[i].b, q->t[j].b, q->t[i].n))
            return 0;
    }
    return 1;
}

int rec_query_parse(slice s, rec_query *q, err_ctx *e)
{
    memset(q, 0, sizeof *q);
    qparse qp = { q, 0, 0, 0, 0 };
    size_t i = 0;
    while (i < s.n && !qp.overflow) {
        /* segments alternate outside / inside double quotes */
        const uint8_t *qm = memchr(s.p + i, '"', s.n - i);
        size_t end = qm ? (size_t)(qm - s.p) : s.n;
        qp.open = 0;
        rec_tokenize(s.p + i, end - i, 1, q_tok, &qp);
        qp.open = 0;
        i = end + (qm != NULL);
        if (qm && !qp.overflow) { /* a phrase, to the next quote or the end */
            const uint8_t *qe = memchr(s.p + i, '"', s.n - i);
            size_t pend = qe ? (size_t)(qe - s.p) : s.n;
            qp.phrase = 1;
            rec_tokenize(s.p + i, pend - i, 1, q_tok, &qp);
            qp.phrase = 0;
            qp.open = 0;
            i = pend + (qe != NULL);
        }
    }
    if (qp.overflow)
        return err_set(e, LOUPE_EINVAL, "q has too many words (at most %d terms)", REC_Q_GROUPS);
    /* drop repeated groups */
    size_t ng = 0;
    for (size_t k = 0; k < q->ng; k++) {
        int dup = 0;
        for (size_t j = 0; j < ng && !dup; j++)
            dup = group_eq(q, &q->g[j], &q->g[k]);
        if (!dup)
            q->g[ng++] = q->g[k];
    }
    q->ng = ng;
    if (ng == 0)
        return err_set(e, LOUPE_EINVAL, "q has no searchable words");
    return 0;
}

int rec_query_fts(const rec_query *q, size_t gi, buf *out)
{
    const rec_qgroup *g = &q->g[gi];
    out->n = 0;
    for (size_t k = 0; k < g->n; k++) {
        size_t i = g->first + k;
        if (!g->prefix && rec_stopword(q->t[i].b, q->t[i].n))
            continue; /* not in the index */
        if ((out->n && buf_puts(out, " AND ")) || buf_putc(out, '"') || buf_append(out, q->t[i].b, q->t[i].n) ||
            buf_putc(out, '"') || (g->prefix && buf_putc(out, '*')))
            return LOUPE_ENOMEM;
    }
    return buf_cstr(out);
}

/* ------------------------------------------------------------ matching */

/* Finds matches of the groups in a text: the last REC_Q_TOKENS tokens (but
 * run tails) are kept in a ring so a group's token sequence is checked at
 * each new token. */
typedef struct matcher {
    const rec_query *q;
    int only;          /* group to look for, or -1 for all */
    struct {
        uint8_t n;
        uint8_t b[REC_TOK_MAX + 4];
        size_t start, end;
        uint32_t run;
    } ring[REC_Q_TOKENS];
    size_t seen;
    /* result */
    int found;
    size_t mstart, mend;
} matcher;

static int tok_is(const rec_query *q, size_t i, const uint8_t *p, size_t n, int prefix)
{
    if (prefix)
        return n >= q->t[i].n && !memcmp(p, q->t[i].b, q->t[i].n);
    return n == q->t[i].n && !memcmp(p, q->t[i].b, n);
}

/* 1 when group g ends at the newest token of the ring. */
static int group_here(matcher *m, const rec_qgroup *g, size_t *start)
{
    if (m->seen < g->n)
        return 0;
    uint32_t run = 0;
    for (size_t k = 0; k < g->n; k++) {
        size_t slot = (m->seen - g->n + k) % REC_Q_TOKENS;
        if (!tok_is(m->q, g->first + k, m->ring[slot].b, m->ring[slot].n, g->prefix))
            return 0;
        if (g->same_run && k && m->ring[slot].run != run)
            return 0;
        run = m->ring[slot].run;
    }
    *start = m->ring[(m->seen - g->n) % REC_Q_TOKENS].start;
    return 1;
}

static int match_tok(void *c, const rec_tok *t)
{
    matcher *m = c;
    const rec_query *q = m->q;
    if (t->kind == REC_TOK_TAIL) {
        /* a run's last character matters only to a one-character query */
        for (size_t gi = 0; gi < q->ng; gi++) {
            const rec_qgroup *g = &q->g[gi];
            if ((m->only < 0 || (size_t)m->only == gi) && g->prefix && tok_is(q, g->first, t->p, t->n, 1)) {
                m->found = 1, m->mstart = t->start, m->mend = t->end;
                return 1;
            }
        }
        return 0;
    }
    size_t slot = m->seen % REC_Q_TOKENS;
    m->ring[slot].n = (uint8_t)t->n;
    memcpy(m->ring[slot].b, t->p, t->n);
    m->ring[slot].start = t->start;
    m->ring[slot].end = t->end;
    m->ring[slot].run = t->run;
    m->seen++;
    for (size_t gi = 0; gi < q->ng; gi++) {
        if (m->only >= 0 && (size_t)m->only != gi)
            continue;
        size_t start;
        if (group_here(m, &q->g[gi], &start)) {
            m->found = 1, m->mstart = start, m->mend = t->end;
            return 1;
        }
    }
    return 0;
}

int rec_text_has(const rec_query *q, size_t g, slice text)
{
    matcher *m = malloc(sizeof *m);
    if (!m)
        return 1; /* cannot check: do not hide the call */
    m->q = q, m->only = (int)g, m->seen = 0, m->found = 0;
    rec_tokenize(text.p, text.n, 0, match_tok, m);
    int found = m->found;
    free(m);
    return found;
}

/* Highlights: every token of the window equal to a query token. */
typedef struct hlctx {
    const rec_query *q;
    size_t lo, hi;        /* window bytes */
    size_t r[REC_SNIPPET_HL * 2][2];
    size_t nr;
} hlctx;

static int hl_tok(void *c, const rec_tok *t)
{
    hlctx *h = c;
    if (t->start < h->lo || t->end > h->hi)
        return t->start >= h->hi;
    for (size_t gi = 0; gi < h->q->ng; gi++) {
        const rec_qgroup *g = &h->q->g[gi];
        if (t->kind == REC_TOK_TAIL && !g->prefix)
            continue;
        for (size_t k = 0; k < g->n; k++) {
            if (!tok_is(h->q, g->first + k, t->p, t->n, g->prefix))
                continue;
            if (h->nr && t->start <= h->r[h->nr - 1][1]) { /* overlapping bigrams merge */
                if (t->end > h->r[h->nr - 1][1])
                    h->r[h->nr - 1][1] = t->end;
            } else if (h->nr < REC_SNIPPET_HL * 2) {
                h->r[h->nr][0] = t->start;
                h->r[h->nr][1] = t->end;
                h->nr++;
            }
            return 0;
        }
    }
    return 0;
}

/* UTF-16 code units of p[0..n). */
static uint32_t utf16_len(const uint8_t *p, size_t n)
{
    uint32_t u = 0;
    size_t i = 0;
    int32_t cp;
    while (i < n) {
        i += utf8_decode(p + i, n - i, &cp);
        u += cp >= 0x10000 ? 2 : 1;
    }
    return u;
}

int rec_snippet(const rec_query *q, const slice *texts, size_t ntexts, buf *snip, uint32_t (*hl)[2], size_t *nhl)
{
    snip->n = 0;
    *nhl = 0;
    if (ntexts == 0)
        return 0;
    matcher *m = malloc(sizeof *m);
    hlctx *h = malloc(sizeof *h);
    int rc = 0;
    if (!m || !h) {
        rc = LOUPE_ENOMEM;
        goto cleanup;
    }
    size_t ti = 0;
    m->found = 0;
    for (; ti < ntexts; ti++) {
        m->q = q, m->only = -1, m->seen = 0, m->found = 0;
        rec_tokenize(texts[ti].p, texts[ti].n, 0, match_tok, m);
        if (m->found)
            break;
    }
    slice t = m->found ? texts[ti] : texts[0];
    size_t anchor = m->found ? m->mstart : 0;
    /* start ~60 characters before the match, then fill up to the limit */
    size_t lo = anchor, back = 0;
    while (lo > 0 && back < 60) {
        lo--;
        if ((t.p[lo] & 0xc0) != 0x80)
            back++;
    }
    size_t hi = lo + rec_utf8_prefix(t.p + lo, t.n - lo, REC_SNIPPET_CHARS);
    if (hi == t.n) { /* the end of the text: move the start back instead */
        size_t used = 0, i = lo;
        int32_t cp;
        while (i < hi) {
            i += utf8_decode(t.p + i, hi - i, &cp);
            used++;
        }
        while (lo > 0 && used < REC_SNIPPET_CHARS) {
            lo--;
            if ((t.p[lo] & 0xc0) != 0x80)
                used++;
        }
    }
    if (buf_append(snip, t.p + lo, hi - lo)) {
        rc = LOUPE_ENOMEM;
        goto cleanup;
    }
    if (!m->found)
        goto cleanup;
    h->q = q, h->lo = lo, h->hi = hi, h->nr = 0;
    rec_tokenize(t.p, t.n, 0, hl_tok, h);
    for (size_t k = 0; k < h->nr && *nhl < REC_SNIPPET_HL; k++) {
        uint32_t a = utf16_len(t.p + lo, h->r[k][0] - lo);
        uint32_t b = a + utf16_len(t.p + h->r[k][0], h->r[k][1] - h->r[k][0]);
        hl[*nhl][0] = a;
        hl[*nhl][1] = b;
        (*nhl)++;
    }
cleanup:
    free(m);
    free(h);
    return rc;
}
