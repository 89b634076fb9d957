/* test_labels.c - label sets (store/labels.h): validation, the canonical
 * encoding (protobuf Label fields sorted by name), iteration, lookup and
 * formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/pb.h"
#include "store/labels.h"

#include <stdlib.h>
#include <string.h>

#define L(n, v) { { (const uint8_t *)(n), sizeof(n) - 1 }, { (const uint8_t *)(v), sizeof(v) - 1 } }

static void canon_ok(label *ls, size_t n, size_t want_n)
{
    err_ctx e = { 0 };
    size_t cnt = n;
    int rc = labels_canonicalize(ls, &cnt, NULL, &e);
    if (rc)
        fail_msg("labels_canonicalize: %d %s", rc, e.msg);
    assert_int_equal(cnt, want_n);
}

static int canon_err(label *ls, size_t n, const labels_limits *lim, const char *msg_part)
{
    err_ctx e = { 0 };
    size_t cnt = n;
    int rc = labels_canonicalize(ls, &cnt, lim, &e);
    assert_true(rc < 0);
    assert_int_equal(e.code, rc);
    if (msg_part && !strstr(e.msg, msg_part))
        fail_msg("message \"%s\" lacks \"%s\"", e.msg, msg_part);
    assert_int_equal(cnt, n); /* the count is left alone on error */
    return rc;
}

static void test_canonicalize(void **state)
{
    (void)state;
    label a[] = { L("__name__", "up"), L("instance", "h:9100"), L("job", "node") };
    canon_ok(a, 3, 3);
    assert_true(slice_eq_cstr(a[2].name, "job"));

    label b[] = { L("job", "node"), L("zone", ""), L("instance", "h:9100"), L("__name__", "up"), L("a", "") };
    canon_ok(b, 5, 3); /* sorted, empty values dropped */
    assert_true(slice_eq_cstr(b[0].name, "__name__"));
    assert_true(slice_eq_cstr(b[1].name, "instance"));
    assert_true(slice_eq_cstr(b[1].value, "h:9100"));
    assert_true(slice_eq_cstr(b[2].name, "job"));

    /* bytewise order: uppercase and digits before '_', '_' before lowercase */
    label c[] = { L("b", "1"), L("_x", "1"), L("B", "1"), L("__name__", "m"), L("0", "1") };
    canon_ok(c, 5, 5);
    assert_true(slice_eq_cstr(c[0].name, "0"));
    assert_true(slice_eq_cstr(c[1].name, "B"));
    assert_true(slice_eq_cstr(c[2].name, "__name__"));
    assert_true(slice_eq_cstr(c[3].name, "_x"));
    assert_true(slice_eq_cstr(c[4].name, "b"));

    /* UTF-8 names and values are fine (Prometheus 3 allows UTF-8 names) */
    label d[] = { L("__name__", "caf\xc3\xa9"), L("r\xc3\xa9gion", "\xf0\x9f\x98\x80") };
    canon_ok(d, 2, 2);
}

static void test_canonicalize_errors(void **state)
{
    (void)state;
    label dup[] = { L("__name__", "up"), L("job", "a"), L("job", "b") };
    assert_int_equal(canon_err(dup, 3, NULL, "duplicate label name \"job\""), LOUPE_EINVAL);
    label dup2[] = { L("job", "a"), L("__name__", "up"), L("job", "a") };
    assert_int_equal(canon_err(dup2, 3, NULL, "duplicate"), LOUPE_EINVAL);
    label dup_empty[] = { L("__name__", "up"), L("job", ""), L("job", "a") }; /* even when one is empty */
    assert_int_equal(canon_err(dup_empty, 3, NULL, "duplicate"), LOUPE_EINVAL);
    label dupname[] = { L("__name__", "up"), L("__name__", "down") };
    assert_int_equal(canon_err(dupname, 2, NULL, "duplicate"), LOUPE_EINVAL);
    label empty[] = { L("__name__", "up"), L("", "x") };
    assert_int_equal(canon_err(empty, 2, NULL, "empty label name"), LOUPE_EINVAL);
    label noname[] = { L("job", "a") };
    assert_int_equal(canon_err(noname, 1, NULL, "__name__"), LOUPE_EINVAL);
    label emptyname[] = { L("__name__", ""), L("job", "a") };
    assert_int_equal(canon_err(emptyname, 2, NULL, "__name__"), LOUPE_EINVAL);
    assert_int_equal(canon_err(NULL, 0, NULL, "__name__"), LOUPE_EINVAL);
    label badname[] = { L("__name__", "up"), L("a\xc0\x80", "x") };
    assert_int_equal(canon_err(badname, 2, NULL, "UTF-8"), LOUPE_EINVAL);
    label badval[] = { L("__name__", "up\xed\xa0\x80") };
    assert_int_equal(canon_err(badval, 1, NULL, "UTF-8"), LOUPE_EINVAL);
    label quote[] = { L("__name__", "up"), L("a\"\n", "\xff") }; /* the name is printed safely */
    assert_int_equal(canon_err(quote, 2, NULL, "label \"a??\""), LOUPE_EINVAL);

    label ok[] = { L("__name__", "up"), L("job", "node") };
    labels_limits lim1 = { 1, 0, 0 };
    assert_int_equal(canon_err(ok, 2, &lim1, "2 labels exceed the limit of 1"), LOUPE_ETOOBIG);
    labels_limits lim2 = { 0, 7, 0 };
    assert_int_equal(canon_err(ok, 2, &lim2, "__name__"), LOUPE_ETOOBIG);
    labels_limits lim3 = { 0, 0, 3 };
    assert_int_equal(canon_err(ok, 2, &lim3, "value of label \"job\" is 4 bytes"), LOUPE_ETOOBIG);
    labels_limits fits = { 2, 8, 4 };
    size_t n = 2;
    err_ctx e = { 0 };
    assert_int_equal(labels_canonicalize(ok, &n, &fits, &e), 0);
    /* a long name is cut in the message */
    char longname[300];
    memset(longname, 'n', sizeof longname);
    label lng[] = { L("__name__", "up"), { { (const uint8_t *)longname, sizeof longname }, { (const uint8_t *)"v", 1 } } };
    labels_limits lim4 = { 0, 100, 0 };
    err_clear(&e);
    n = 2;
    assert_int_equal(labels_canonicalize(lng, &n, &lim4, &e), LOUPE_ETOOBIG);
    assert_true(strlen(e.msg) < 200);
    assert_non_null(strstr(e.msg, "300 bytes"));
}

static void test_encode_exact_bytes(void **state)
{
    (void)state;
    label ls[] = { L("__name__", "up"), L("job", "node") };
    buf b = BUF_INIT;
    assert_int_equal(labels_encode(ls, 2, &b), 0);
    static const uint8_t want[] = { 0x0a, 0x0e, 0x0a, 0x08, '_', '_', 'n', 'a', 'm', 'e', '_', '_', 0x12, 0x02,
                                    'u',  'p',  0x0a, 0x0b, 0x0a, 0x03, 'j', 'o', 'b', 0x12, 0x04, 'n', 'o',
                                    'd',  'e' };
    assert_int_equal(b.n, sizeof want);
    assert_memory_equal(b.p, want, sizeof want);
    /* appends */
    assert_int_equal(labels_encode(ls, 1, &b), 0);
    assert_int_equal(b.n, sizeof want + 16);
    b.n = 0;
    assert_int_equal(labels_encode(ls, 0, &b), 0);
    assert_int_equal(b.n, 0);
    buf_free(&b);
}

/* The canonical form is byte-equal to what a protobuf writer emits for the
 * same (sorted) Label fields, for lengths needing 1-, 2- and 3-byte varints. */
static void test_encode_matches_protobuf(void **state)
{
    (void)state;
    static const size_t lens[] = { 1, 100, 127, 128, 200, 16383, 16384, 20000 };
    char *name = malloc(20001), *val = malloc(20001);
    memset(name, 'n', 20000);
    memset(val, 'v', 20000);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        for (size_t j = 0; j < sizeof lens / sizeof lens[0]; j++) {
            label ls[2] = { L("__name__", "m"), { { (uint8_t *)name, lens[i] }, { (uint8_t *)val, lens[j] } } };
            buf got = BUF_INIT, want = BUF_INIT, one = BUF_INIT;
            assert_int_equal(labels_encode(ls, 2, &got), 0);
            for (int k = 0; k < 2; k++) {
                one.n = 0;
                assert_int_equal(pb_put_bytes_field(&one, 1, ls[k].name.p, ls[k].name.n), 0);
                assert_int_equal(pb_put_bytes_field(&one, 2, ls[k].value.p, ls[k].value.n), 0);
                assert_int_equal(pb_put_bytes_field(&want, 1, one.p, one.n), 0);
            }
            assert_int_equal(got.n, want.n);
            assert_memory_equal(got.p, want.p, got.n);
            /* and it iterates back */
            labels_iter it = labels_iter_make(buf_slice(&got));
            label l;
            assert_int_equal(labels_next(&it, &l), 1);
            assert_int_equal(labels_next(&it, &l), 1);
            assert_int_equal(l.name.n, lens[i]);
            assert_int_equal(l.value.n, lens[j]);
            assert_ptr_equal(l.value.p + l.value.n, got.p + got.n);
            assert_int_equal(labels_next(&it, &l), 0);
            buf_free(&got);
            buf_free(&want);
            buf_free(&one);
        }
    free(name);
    free(val);
}

static slice blob_of(buf *b, label *ls, size_t n)
{
    b->n = 0;
    assert_int_equal(labels_encode(ls, n, b), 0);
    return buf_slice(b);
}

static void test_get_count_iterate(void **state)
{
    (void)state;
    label ls[] = { L("__name__", "up"), L("a", "1"), L("ab", "2"), L("job", "node") };
    buf b = BUF_INIT;
    slice blob = blob_of(&b, ls, 4);
    assert_int_equal(labels_count(blob), 4);
    assert_true(slice_eq_cstr(labels_get(blob, slice_cstr("__name__")), "up"));
    assert_true(slice_eq_cstr(labels_get(blob, slice_cstr("a")), "1"));
    assert_true(slice_eq_cstr(labels_get(blob, slice_cstr("ab")), "2"));
    assert_true(slice_eq_cstr(labels_get(blob, slice_cstr("job")), "node"));
    slice miss = labels_get(blob, slice_cstr("aa"));
    assert_null(miss.p);
    assert_int_equal(miss.n, 0);
    assert_null(labels_get(blob, slice_cstr("zzz")).p);
    assert_null(labels_get(blob, slice_cstr("")).p);
    assert_null(labels_get(slice_make(NULL, 0), slice_cstr("a")).p);
    assert_int_equal(labels_count(slice_make(NULL, 0)), 0);

    labels_iter it = labels_iter_make(blob);
    label l;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(labels_next(&it, &l), 1);
        assert_true(slice_eq(l.name, ls[i].name));
        assert_true(slice_eq(l.value, ls[i].value));
        assert_true(l.name.p >= blob.p && l.value.p + l.value.n <= blob.p + blob.n); /* points into the blob */
    }
    assert_int_equal(labels_next(&it, &l), 0);
    assert_int_equal(labels_next(&it, &l), 0);
    buf_free(&b);
}

static int next_rc(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    memcpy(c, p, n);
    labels_iter it = labels_iter_make(slice_make(c, n));
    label l;
    int rc;
    while ((rc = labels_next(&it, &l)) == 1)
        ;
    int cnt = labels_count(slice_make(c, n));
    assert_int_equal(cnt < 0, rc < 0);
    free(c);
    return rc;
}
#define NEXT(...) next_rc((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void test_corrupt_blobs(void **state)
{
    (void)state;
    assert_int_equal(NEXT(0x0a, 0x05, 0x0a, 0x01, 'a', 0x12, 0x00), 0);  /* valid: a="" */
    assert_int_equal(NEXT(0x0b, 0x05, 0x0a, 0x01, 'a', 0x12, 0x00), -1); /* wrong outer tag */
    assert_int_equal(NEXT(0x0a, 0x06, 0x0a, 0x01, 'a', 0x12, 0x00), -1); /* outer length past the end */
    assert_int_equal(NEXT(0x0a, 0x05, 0x12, 0x01, 'a', 0x0a, 0x00), -1); /* value before name */
    assert_int_equal(NEXT(0x0a, 0x05, 0x0a, 0x04, 'a', 0x12, 0x00), -1); /* name past the label */
    assert_int_equal(NEXT(0x0a, 0x05, 0x0a, 0x01, 'a', 0x12, 0x01), -1); /* value past the label */
    assert_int_equal(NEXT(0x0a, 0x06, 0x0a, 0x01, 'a', 0x12, 0x00, 'x'), -1); /* trailing byte in the label */
    assert_int_equal(NEXT(0x0a, 0x03, 0x0a, 0x01, 'a'), -1);             /* no value field */
    assert_int_equal(NEXT(0x0a, 0x00), -1);                              /* empty label */
    assert_int_equal(NEXT(0x0a), -1);
    assert_int_equal(NEXT(0x0a, 0x80), -1);
    assert_int_equal(NEXT(0x0a, 0x05, 0x0a, 0x01, 'a', 0x12, 0x00, 0x0a), -1); /* good, then truncated */
    /* every strict prefix of a valid two-label blob fails (or stops cleanly on a label boundary) */
    label ls[] = { L("__name__", "up"), L("job", "node") };
    buf b = BUF_INIT;
    slice blob = blob_of(&b, ls, 2);
    for (size_t n = 0; n < blob.n; n++) {
        int rc = next_rc(blob.p, n);
        assert_int_equal(rc, (n == 0 || n == 16) ? 0 : -1);
    }
    buf_free(&b);
}

static void fmt_is(label *ls, size_t n, const char *want)
{
    buf b = BUF_INIT, out = BUF_INIT;
    slice blob = blob_of(&b, ls, n);
    assert_int_equal(labels_format(blob, &out), 0);
    assert_int_equal(buf_cstr(&out), 0);
    assert_string_equal((char *)out.p, want);
    buf_free(&b);
    buf_free(&out);
}

static void test_format(void **state)
{
    (void)state;
    label a[] = { L("__name__", "up"), L("instance", "h:9100"), L("job", "node") };
    fmt_is(a, 3, "up{instance=\"h:9100\", job=\"node\"}");
    label b[] = { L("a", "x"), L("b", "y") };
    fmt_is(b, 2, "{a=\"x\", b=\"y\"}");
    label c[] = { L("__name__", "up") };
    fmt_is(c, 1, "up{}");
    label d[] = { L("__name__", "m"), L("q", "say \"hi\"\\\nbye") };
    fmt_is(d, 2, "m{q=\"say \\\"hi\\\"\\\\\\nbye\"}");
    label e[] = { L("A", "1"), L("__name__", "m"), L("z", "2") };
    fmt_is(e, 3, "m{A=\"1\", z=\"2\"}");
    fmt_is(NULL, 0, "{}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonicalize),
        cmocka_unit_test(test_canonicalize_errors),
        cmocka_unit_test(test_encode_exact_bytes),
        cmocka_unit_test(test_encode_matches_protobuf),
        cmocka_unit_test(test_get_count_iterate),
        cmocka_unit_test(test_corrupt_blobs),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
