/* test_records_codec.c - the records store's pure parts (store/records_int.h):
 * the field codec (skeleton + blobs, byte-exact round trips, which literals
 * are cut, dedup across escape styles), previews, the tokenizer, q parsing,
 * text matching and snippets with UTF-16 highlight offsets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/records_int.h"
#include "util/varint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ a blob store in memory */

typedef struct mem {
    buf blobs[64];
    size_t n;
    size_t cuts;           /* cut callbacks of the last split */
    uint64_t refs[64];     /* blob ids of the last split, in order */
    char values[1024];     /* short values reported, '|' separated */
} mem;

static int m_cut(void *ctx, slice text, int stable)
{
    (void)stable;
    mem *m = ctx;
    size_t i;
    for (i = 0; i < m->n; i++) /* content-addressed: same text, same blob */
        if (slice_eq(buf_slice(&m->blobs[i]), text))
            break;
    if (i == m->n) {
        assert_true(m->n < 64);
        memset(&m->blobs[i], 0, sizeof m->blobs[i]);
        assert_int_equal(buf_append(&m->blobs[i], text.p, text.n), 0);
        m->n++;
    }
    m->refs[m->cuts++] = i + 1;
    return 0;
}

static int m_value(void *ctx, slice key, slice text)
{
    mem *m = ctx;
    size_t l = strlen(m->values);
    snprintf(m->values + l, sizeof m->values - l, "%.*s=%.*s|", (int)key.n, key.p ? (const char *)key.p : "",
             (int)text.n, (const char *)text.p);
    return 0;
}

static int m_get(void *ctx, uint64_t id, buf *out)
{
    mem *m = ctx;
    if (id == 0 || id > m->n)
        return LOUPE_EIO;
    return buf_append(out, m->blobs[id - 1].p, m->blobs[id - 1].n);
}

static void mem_free(mem *m)
{
    for (size_t i = 0; i < m->n; i++)
        buf_free(&m->blobs[i]);
}

/* Splits text and builds the stored column the way the writer does. */
static int encode(mem *m, slice text, buf *col)
{
    buf skel = BUF_INIT, scratch = BUF_INIT;
    rec_split_cb cb = { m, m_cut, m_value };
    m->cuts = 0;
    m->values[0] = '\0';
    int kind = rec_field_split(text, &cb, &skel, &scratch);
    assert_true(kind >= 0);
    col->n = 0;
    buf_putc(col, (uint8_t)kind);
    if (kind == REC_FIELD_RAW)
        buf_append(col, text.p, text.n);
    else if (kind == REC_FIELD_BLOB)
        buf_put_uvarint(col, m->refs[0]);
    else {
        buf_put_uvarint(col, m->cuts);
        for (size_t i = 0; i < m->cuts; i++)
            buf_put_uvarint(col, m->refs[i]);
        buf_append(col, skel.p, skel.n);
    }
    buf_free(&skel);
    buf_free(&scratch);
    return kind;
}

/* The column as shape + values (the writer's form for JSON). */
static void shape_column(mem *m, slice text, buf *col)
{
    assert_true(col->n > 0);
    buf skel = BUF_INIT, shape = BUF_INIT, values = BUF_INIT, out = BUF_INIT;
    size_t nv;
    int kind = col->p[0];
    /* the skeleton: the column's tail after the refs, or the raw JSON */
    const uint8_t *p = col->p + 1, *end = col->p + col->n;
    uint64_t n = 0, id = 0;
    if (kind == REC_FIELD_SKEL) {
        varint_get(&p, end, &n);
        for (uint64_t k = 0; k < n; k++)
            varint_get(&p, end, &id);
        buf_append(&skel, p, (size_t)(end - p));
    } else {
        buf_append(&skel, text.p, text.n);
    }
    assert_int_equal(rec_shape_split(buf_slice(&skel), &shape, &values, &nv), 0);
    size_t mcuts = m->cuts;
    m_cut(m, buf_slice(&shape), 0); /* the shape is a blob too */
    uint64_t shape_id = m->refs[mcuts];
    out.n = 0;
    buf_putc(&out, REC_FIELD_SHAPE);
    buf_put_uvarint(&out, n);
    p = col->p + 1;
    if (kind == REC_FIELD_SKEL) {
        varint_get(&p, end, &n);
        buf_append(&out, col->p + 1 + varint_len(n), (size_t)(p - col->p) - 1 - varint_len(n));
        for (uint64_t k = 0; k < n; k++) {
            varint_get(&p, end, &id);
            buf_put_uvarint(&out, id);
        }
    }
    buf_put_uvarint(&out, shape_id);
    buf_append(&out, values.p, values.n);
    col->n = 0;
    buf_append(col, out.p, out.n);
    buf_free(&skel);
    buf_free(&shape);
    buf_free(&values);
    buf_free(&out);
}

static void roundtrip(mem *m, const char *s, int want_kind, size_t want_cuts)
{
    buf col = BUF_INIT, out = BUF_INIT;
    rec_scratch sc = { 0 };
    int kind = encode(m, slice_cstr(s), &col);
    if (kind != want_kind || m->cuts != want_cuts)
        fail_msg("%s: kind %d cuts %zu, want %d / %zu", s, kind, m->cuts, want_kind, want_cuts);
    assert_int_equal(rec_field_decode(buf_slice(&col), m_get, m, &sc, &out), 0);
    if (!slice_eq(buf_slice(&out), slice_cstr(s)))
        fail_msg("round trip differs:\n in:  %s\n out: %.*s", s, (int)out.n, (const char *)out.p);
    if (kind == REC_FIELD_SKEL || (kind == REC_FIELD_RAW && rec_json_like(slice_cstr(s)))) {
        shape_column(m, slice_cstr(s), &col);
        out.n = 0;
        assert_int_equal(rec_field_decode(buf_slice(&col), m_get, m, &sc, &out), 0);
        if (!slice_eq(buf_slice(&out), slice_cstr(s)))
            fail_msg("shape round trip differs:\n in:  %s\n out: %.*s", s, (int)out.n, (const char *)out.p);
    }
    buf_free(&col);
    buf_free(&out);
    buf_free(&sc.skel);
    buf_free(&sc.blob);
    buf_free(&sc.shape);
    ZSTD_freeDCtx(sc.dctx);
}

#define L48 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV" /* 48 bytes */
#define L47 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"  /* 47 bytes */

static void test_roundtrip_cuts(void **state)
{
    (void)state;
    mem m = { 0 };
    assert_int_equal(strlen(L48), 48);
    /* threshold: 48 bytes of content are cut, 47 are not */
    roundtrip(&m, "{\"a\":\"" L48 "\"}", REC_FIELD_SKEL, 1);
    roundtrip(&m, "{\"a\":\"" L47 "\"}", REC_FIELD_RAW, 0);
    /* escapes: decoded length counts (49 raw bytes, 48 decoded) */
    roundtrip(&m, "{\"a\":\"\\n" L47 "\"}", REC_FIELD_SKEL, 1);
    /* quotes, backslashes, control escapes, unicode raw and escaped, emoji pairs */
    roundtrip(&m,
              "[{\"role\":\"system\",\"content\":\"Tu es \\\"utile\\\" \\\\ r\\u00e9ponds en fran\\u00e7ais \\ud83d"
              "\\ude00 line\\nnext\\ttab\"}, {\"role\":\"user\",\"content\":[[\"nested\", \"" L48 "\"], 1, true, "
              "null]}]",
              REC_FIELD_SKEL, 2);
    roundtrip(&m, "{\"k\": \"日本語のテキストです。東京タワーに行きたいのですが、道を教えてください。\"}", REC_FIELD_SKEL,
              1);
    /* JSON with whitespace, numbers and no long strings stays raw */
    roundtrip(&m, "  {\"a\": [1, 2.5e3, -0], \"b\": {\"c\": \"short\"}}\n", REC_FIELD_RAW, 0);
    /* plain text: short raw, long one blob */
    roundtrip(&m, "hello there", REC_FIELD_RAW, 0);
    roundtrip(&m, "Plain text that is long enough to be stored as one blob of its own.", REC_FIELD_BLOB, 1);
    roundtrip(&m, "", REC_FIELD_RAW, 0);
    /* non-canonical escapes stay in the skeleton, exact */
    roundtrip(&m, "{\"a\":\"\\u0041" L48 "\"}", REC_FIELD_RAW, 0);          /* \u0041 for 'A' */
    roundtrip(&m, "{\"a\":\"caf\\u00e9 " L48 "\\u00E9\"}", REC_FIELD_RAW, 0); /* mixed hex case */
    roundtrip(&m, "{\"a\":\"bad \\x escape " L48 "\"}", REC_FIELD_RAW, 0);
    roundtrip(&m, "{\"a\":\"lone \\ud800 surrogate " L48 "\"}", REC_FIELD_RAW, 0);
    /* escape variants that are cut: Python ensure_ascii, Go HTML, PHP slashes, upper hex */
    roundtrip(&m, "{\"a\":\"caf\\u00e9 \\u6771\\u4eac \\ud83d\\ude00 " L48 "\"}", REC_FIELD_SKEL, 1);
    roundtrip(&m, "{\"a\":\"\\u003cb\\u003e \\u0026 " L48 "\"}", REC_FIELD_SKEL, 1);
    roundtrip(&m, "{\"a\":\"http:\\/\\/example.com\\/x caf\\u00e9 " L48 "\"}", REC_FIELD_SKEL, 1);
    roundtrip(&m, "{\"a\":\"\\u001F caf\\u00E9 " L48 "\"}", REC_FIELD_SKEL, 1);
    /* a long key is cut too */
    roundtrip(&m, "{\"" L48 "\": 1}", REC_FIELD_SKEL, 1);
    /* not JSON after all: unterminated string, control bytes */
    roundtrip(&m, "{\"a\":\"" L48, REC_FIELD_BLOB, 1);
    roundtrip(&m, "{\"a\":\"x\x01y\"}", REC_FIELD_RAW, 0);
    roundtrip(&m, "{\"a\":\"x\x01y" L48 "\"}", REC_FIELD_BLOB, 1);
    /* bytes that are not UTF-8 survive */
    roundtrip(&m, "{\"a\":\"\xff\xfe invalid utf-8 " L48 "\"}", REC_FIELD_SKEL, 1);
    mem_free(&m);
}

static void test_dedup_across_styles(void **state)
{
    (void)state;
    mem m = { 0 };
    buf col = BUF_INIT;
    const char *sys = "You are a helpful assistant. Réponds toujours poliment, même aux questions difficiles.";
    char a[512], b[512];
    snprintf(a, sizeof a, "[{\"role\":\"system\",\"content\":\"%s\"}]", sys);
    /* the same string as Python's json.dumps writes it */
    snprintf(b, sizeof b, "{\"gen_ai.input.messages\":\"[{\\\"content\\\": \\\"x\\\"}]\", \"s\": \"You are a helpful "
                          "assistant. R\\u00e9ponds toujours poliment, m\\u00eame aux questions difficiles.\"}");
    encode(&m, slice_cstr(a), &col);
    encode(&m, slice_cstr(b), &col);
    encode(&m, slice_cstr(sys), &col); /* as plain text */
    assert_int_equal(m.n, 1);          /* one blob, the decoded string */
    assert_true(slice_eq(buf_slice(&m.blobs[0]), slice_cstr(sys)));
    buf_free(&col);
    mem_free(&m);
}

static void test_nested_json_string(void **state)
{
    (void)state;
    mem m = { 0 };
    buf col = BUF_INIT;
    const char *msgs = "[{\"role\":\"system\",\"content\":\"" L48 "\"},{\"role\":\"user\",\"content\":"
                       "\"caf\u00e9 question that is long enough to be cut out\"}]";
    /* the messages as an attribute: a JSON string holding JSON (escaped twice) */
    const char *attr = "{\"gen_ai.input.messages\":\"[{\\\"role\\\":\\\"system\\\",\\\"content\\\":"
                       "\\\"" L48 "\\\"},{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"caf"
                       "\\\\u00e9 question that is long enough to be cut out\\\"}]\",\"n\":1}";
    roundtrip(&m, msgs, REC_FIELD_SKEL, 2);
    roundtrip(&m, attr, REC_FIELD_SKEL, 2);
    /* the same two strings, found inside the attribute: one blob each (the
     * others are the shapes of the two texts) */
    assert_int_equal(m.n, 4);
    assert_true(slice_eq(buf_slice(&m.blobs[0]), slice_cstr(L48)));
    assert_true(slice_eq(buf_slice(&m.blobs[1]), slice_cstr("caf\xc3\xa9 question that is long enough to be cut out")));
    buf_free(&col);
    mem_free(&m);
}

static void test_shapes_shared(void **state)
{
    (void)state;
    buf sh[2] = { BUF_INIT, BUF_INIT }, va[2] = { BUF_INIT, BUF_INIT };
    const char *a[2] = { "{\"model\": \"gpt-4o\", \"tokens\": 523, \"ok\": true, \"tags\": [\"a\", -1.5e3, null]}",
                         "{\"model\": \"llama\", \"tokens\": 7, \"ok\": false, \"tags\": [\"b\\\"c\", 0, null]}" };
    size_t nv;
    for (int i = 0; i < 2; i++)
        assert_int_equal(rec_shape_split(slice_cstr(a[i]), &sh[i], &va[i], &nv), 0);
    assert_int_equal(nv, 6);
    assert_true(slice_eq(buf_slice(&sh[0]), buf_slice(&sh[1]))); /* same keys, same shape */
    assert_true(slice_eq(buf_slice(&sh[0]), slice_cstr("{\"model\": \x02, \"tokens\": \x03, \"ok\": \x03, \"tags\": "
                                                         "[\x02, \x03, \x03]}")));
    /* role / type values are part of the shape */
    buf msh = BUF_INIT, mva = BUF_INIT;
    assert_int_equal(rec_shape_split(slice_cstr("[{\"role\": \"user\", \"parts\": [{\"type\": \"text\", \"content\": "
                                                "\"hi\"}]}]"), &msh, &mva, &nv), 0);
    assert_int_equal(nv, 1);
    assert_true(slice_eq(buf_slice(&msh), slice_cstr("[{\"role\": \"user\", \"parts\": [{\"type\": \"text\", "
                                                      "\"content\": \x02}]}]")));
    buf_free(&msh);
    buf_free(&mva);
    buf out = BUF_INIT;
    assert_int_equal(rec_shape_join(buf_slice(&sh[1]), buf_slice(&va[1]), &out), 0);
    assert_true(slice_eq(buf_slice(&out), slice_cstr(a[1])));
    out.n = 0;
    assert_int_equal(rec_shape_join(buf_slice(&sh[1]), slice_make(va[1].p, va[1].n - 1), &out), LOUPE_EIO);
    out.n = 0;
    assert_int_equal(rec_shape_join(buf_slice(&sh[1]), buf_slice(&va[0]), &out), 0); /* other values, same shape */
    assert_true(slice_eq(buf_slice(&out), slice_cstr(a[0])));
    for (int i = 0; i < 2; i++) {
        buf_free(&sh[i]);
        buf_free(&va[i]);
    }
    buf_free(&out);
}

static void test_values_reported(void **state)
{
    (void)state;
    mem m = { 0 };
    buf col = BUF_INIT;
    encode(&m, slice_cstr("[{\"role\":\"user\",\"content\":\"Hi \\\"there\\\"\"},[\"x\"]]"), &col);
    assert_string_equal(m.values, "role=user|content=Hi \"there\"|=x|");
    encode(&m, slice_cstr("short plain"), &col);
    assert_string_equal(m.values, "=short plain|");
    buf_free(&col);
    mem_free(&m);
}

static void preview_of(mem *m, const char *s, const char *want)
{
    buf col = BUF_INIT, out = BUF_INIT;
    rec_scratch sc = { 0 };
    encode(m, slice_cstr(s), &col);
    assert_int_equal(rec_field_preview(buf_slice(&col), m_get, m, &sc, &out), 0);
    if (!slice_eq(buf_slice(&out), slice_cstr(want)))
        fail_msg("preview of %s: got '%.*s' want '%s'", s, (int)out.n, (const char *)out.p, want);
    buf_free(&col);
    buf_free(&out);
    buf_free(&sc.skel);
    buf_free(&sc.blob);
    buf_free(&sc.shape);
    ZSTD_freeDCtx(sc.dctx);
}

static void test_preview(void **state)
{
    (void)state;
    mem m = { 0 };
    preview_of(&m, "[{\"role\":\"system\",\"content\":\"" L48 "\"},{\"role\":\"user\",\"content\":\"Where is my\\norder?\"}]",
               "Where is my\norder?");
    preview_of(&m, "{\"messages\":[{\"role\":\"user\",\"content\":\"" L48 "x\"}],\"model\":\"gpt-4o\"}", L48 "x");
    preview_of(&m, "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Sure.\"}}]}", "Sure.");
    preview_of(&m, "just text", "just text");
    preview_of(&m, "[1, 2, 3]", "[1, 2, 3]");
    mem_free(&m);
    /* character cut, never inside a sequence */
    const char *t = "aé東😀b";
    assert_int_equal(rec_utf8_prefix((const uint8_t *)t, strlen(t), 3), 1 + 2 + 3);
    assert_int_equal(rec_utf8_prefix((const uint8_t *)t, strlen(t), 4), 1 + 2 + 3 + 4);
    assert_int_equal(rec_utf8_prefix((const uint8_t *)t, strlen(t), 99), strlen(t));
}

/* ------------------------------------------------------------ tokenizer */

typedef struct toks {
    char s[2048];
} toks;

static int t_add(void *ctx, const rec_tok *t)
{
    toks *k = ctx;
    size_t l = strlen(k->s);
    static const char kinds[] = "wgst";
    snprintf(k->s + l, sizeof k->s - l, "%c:%.*s@%zu-%zu ", kinds[t->kind], (int)t->n, (const char *)t->p, t->start,
             t->end);
    return 0;
}

static void expect_toks(const char *text, int query, const char *want)
{
    toks k = { { 0 } };
    rec_tokenize((const uint8_t *)text, strlen(text), query, t_add, &k);
    if (strcmp(k.s, want))
        fail_msg("tokens of '%s':\n got  %s\n want %s", text, k.s, want);
}

static void test_tokenizer(void **state)
{
    (void)state;
    expect_toks("Hello, WORLD_42!", 0, "w:hello@0-5 w:world@7-12 w:42@13-15 ");
    expect_toks("Ünïcode ÉTÉ Ωμέγα Привет", 0, "w:ünïcode@0-9 w:été@10-15 w:ωμέγα@16-26 w:привет@27-39 ");
    expect_toks("我想要退款", 0, "g:我想@0-6 g:想要@3-9 g:要退@6-12 g:退款@9-15 t:款@12-15 ");
    expect_toks("我想要退款", 1, "g:我想@0-6 g:想要@3-9 g:要退@6-12 g:退款@9-15 ");
    expect_toks("東", 0, "s:東@0-3 ");
    expect_toks("GPT4は東京タワー。", 0,
                "w:gpt4@0-4 g:は東@4-10 g:東京@7-13 g:京タ@10-16 g:タワ@13-19 g:ワー@16-22 t:ー@19-22 ");
    expect_toks("ภาษาไทย", 1, "g:ภา@0-6 g:าษ@3-9 g:ษา@6-12 g:าไ@9-15 g:ไท@12-18 g:ทย@15-21 ");
    expect_toks("ＡＢＣ１２", 0, "w:abc12@0-15 ");
    expect_toks("a\xff" "b \xe2\x82", 0, "w:a@0-1 w:b@2-3 ");
    /* long words are cut at REC_TOK_MAX bytes */
    char longw[200];
    memset(longw, 'x', 150);
    longw[150] = '\0';
    toks k = { { 0 } };
    rec_tokenize((const uint8_t *)longw, 150, 0, t_add, &k);
    assert_int_equal(strlen(k.s), 2 + REC_TOK_MAX + strlen("@0-64 "));
}

static void test_query_and_match(void **state)
{
    (void)state;
    rec_query q;
    err_ctx e = { 0 };
    buf expr = BUF_INIT;
    assert_int_equal(rec_query_parse(slice_cstr("Refund  退款 \"order status\" refund 東"), &q, &e), 0);
    assert_int_equal(q.ng, 4); /* refund (once), 退款, the phrase, 東 */
    assert_int_equal(rec_query_fts(&q, 0, &expr), 0);
    assert_string_equal((char *)expr.p, "\"refund\"");
    assert_int_equal(rec_query_fts(&q, 2, &expr), 0);
    assert_string_equal((char *)expr.p, "\"order\" AND \"status\"");
    assert_int_equal(rec_query_fts(&q, 3, &expr), 0);
    assert_string_equal((char *)expr.p, "\"東\"*");
    assert_true(q.g[1].same_run);
    assert_true(q.g[3].prefix);
    slice t1 = slice_cstr("Bonjour, je voudrais un REFUND: 我想要退款。Order status?");
    for (size_t g = 0; g < q.ng - 1; g++)
        assert_true(rec_text_has(&q, g, t1));
    assert_false(rec_text_has(&q, 3, t1));
    assert_true(rec_text_has(&q, 3, slice_cstr("東京")));
    assert_true(rec_text_has(&q, 3, slice_cstr("去东京 or 關東")));  /* run-final character */
    assert_false(rec_text_has(&q, 2, slice_cstr("status of the order")));
    /* stopwords stay out of the FTS expression (not indexed) */
    assert_int_equal(rec_query_parse(slice_cstr("\"reset the password\" the"), &q, &e), 0);
    assert_int_equal(q.ng, 2);
    assert_int_equal(rec_query_fts(&q, 0, &expr), 0);
    assert_string_equal((char *)expr.p, "\"reset\" AND \"password\"");
    assert_int_equal(rec_query_fts(&q, 1, &expr), 0);
    assert_string_equal((char *)expr.p, "");
    assert_true(rec_text_has(&q, 0, slice_cstr("Please reset the password now")));
    assert_false(rec_text_has(&q, 0, slice_cstr("reset your password")));
    assert_int_equal(rec_query_parse(slice_cstr("要退款"), &q, &e), 0);
    assert_int_equal(q.ng, 1);
    assert_int_equal(q.g[0].n, 2);
    assert_true(rec_text_has(&q, 0, slice_cstr("我想要退款")));
    assert_false(rec_text_has(&q, 0, slice_cstr("要退 退款"))); /* bigrams from two runs */
    assert_int_equal(rec_query_parse(slice_cstr(" ?! "), &q, &e), LOUPE_EINVAL);
    err_clear(&e);
    assert_int_equal(rec_query_parse(slice_cstr("a b c d e f g h i j k l m n o p q r"), &q, &e), LOUPE_EINVAL);
    buf_free(&expr);
}

static void test_snippet(void **state)
{
    (void)state;
    rec_query q;
    err_ctx e = { 0 };
    buf snip = BUF_INIT;
    uint32_t hl[REC_SNIPPET_HL][2];
    size_t nhl = 0;
    assert_int_equal(rec_query_parse(slice_cstr("refund 退款"), &q, &e), 0);
    slice texts[2] = { slice_cstr("nothing here"), slice_cstr("😀 I want a refund. 我想要退款 refund") };
    assert_int_equal(rec_snippet(&q, texts, 2, &snip, hl, &nhl), 0);
    assert_true(slice_eq(buf_slice(&snip), texts[1]));
    assert_int_equal(nhl, 3);
    /* 😀 is two UTF-16 units: "😀 I want a " is 12 units */
    assert_int_equal(hl[0][0], 12);
    assert_int_equal(hl[0][1], 18);
    assert_int_equal(hl[1][0], 23); /* 退款 after "refund. 我想要" */
    assert_int_equal(hl[1][1], 25);
    assert_int_equal(hl[2][0], 26);
    assert_int_equal(hl[2][1], 32);
    /* a long text: at most 240 characters, around the match */
    buf big = BUF_INIT;
    for (int i = 0; i < 100; i++)
        buf_puts(&big, "lorem ipsum ");
    buf_puts(&big, "REFUND");
    for (int i = 0; i < 100; i++)
        buf_puts(&big, " dolor sit");
    slice t = buf_slice(&big);
    assert_int_equal(rec_snippet(&q, &t, 1, &snip, hl, &nhl), 0);
    assert_true(snip.n <= 240);
    assert_int_equal(nhl, 1);
    assert_true(hl[0][0] >= 50 && hl[0][0] <= 70);
    assert_int_equal(memcmp(snip.p + hl[0][0], "REFUND", 6), 0);
    buf_free(&big);
    buf_free(&snip);
}

static void test_hash(void **state)
{
    (void)state;
    uint64_t k1[2] = { 1, 2 }, k2[2] = { 1, 3 };
    uint8_t a[16], b[16], c[16];
    rec_hash128("hello world", 11, k1, a);
    rec_hash128("hello world", 11, k1, b);
    assert_memory_equal(a, b, 16);
    rec_hash128("hello worle", 11, k1, c);
    assert_memory_not_equal(a, c, 16);
    rec_hash128("hello world", 11, k2, c);
    assert_memory_not_equal(a, c, 16);
    rec_hash128("", 0, k1, c);
    rec_hash128("\0", 1, k1, b);
    assert_memory_not_equal(b, c, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_cuts),  cmocka_unit_test(test_dedup_across_styles),
        cmocka_unit_test(test_nested_json_string), cmocka_unit_test(test_shapes_shared),
        cmocka_unit_test(test_values_reported), cmocka_unit_test(test_preview),
        cmocka_unit_test(test_tokenizer),       cmocka_unit_test(test_query_and_match),
        cmocka_unit_test(test_snippet),         cmocka_unit_test(test_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
