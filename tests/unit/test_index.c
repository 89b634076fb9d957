/* test_index.c - the in-memory series index (store/index.h): insert, hash
 * lookup, aliases, postings selection with every matcher kind (including
 * matchers that accept the empty string), label names/values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/index.h"
#include "store/labels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Canonical blob of "name=value,name=value" pairs (sorted by the caller). */
static void blob_of(buf *b, const char *spec)
{
    label ls[16];
    size_t n = 0;
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", spec);
    static char keep[16][512];
    char *save = NULL;
    for (char *tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        snprintf(keep[n], sizeof keep[n], "%s", tok);
        char *eq = strchr(keep[n], '=');
        *eq = '\0';
        ls[n].name = slice_cstr(keep[n]);
        ls[n].value = slice_cstr(eq + 1);
        n++;
    }
    size_t cnt = n;
    err_ctx e = { 0 };
    assert_int_equal(labels_canonicalize(ls, &cnt, NULL, &e), 0);
    b->n = 0;
    assert_int_equal(labels_encode(ls, cnt, b), 0);
}

static void insert(sindex *ix, uint32_t id, const char *spec)
{
    buf b = BUF_INIT;
    blob_of(&b, spec);
    sindex_wrlock(ix);
    assert_int_equal(sindex_insert(ix, id, buf_slice(&b), sindex_hash(buf_slice(&b))), 0);
    sindex_unlock(ix);
    buf_free(&b);
}

static uint32_t lookup(sindex *ix, const char *spec)
{
    buf b = BUF_INIT;
    blob_of(&b, spec);
    sindex_rdlock(ix);
    uint32_t id = sindex_lookup(ix, buf_slice(&b), sindex_hash(buf_slice(&b)));
    sindex_unlock(ix);
    buf_free(&b);
    return id;
}

/* The fixture: 6 series. */
static sindex *fixture(void)
{
    sindex *ix = sindex_create();
    assert_non_null(ix);
    insert(ix, 1, "__name__=up,job=api,instance=a");
    insert(ix, 2, "__name__=up,job=db,instance=b");
    insert(ix, 3, "__name__=up,instance=c"); /* no job */
    insert(ix, 5, "__name__=http_requests_total,job=api,code=200"); /* ids may arrive out of order */
    insert(ix, 4, "__name__=http_requests_total,job=api,code=500");
    insert(ix, 6, "__name__=node_load1,job=node,zone=");          /* empty value: dropped */
    return ix;
}

static int op_of(const char *s, match_op *op, size_t *len)
{
    if (!strncmp(s, "=~", 2) || !strncmp(s, "!~", 2) || !strncmp(s, "!=", 2)) {
        *op = s[0] == '=' ? MATCH_RE : s[1] == '~' ? MATCH_NRE : MATCH_NEQ;
        *len = 2;
        return 1;
    }
    if (s[0] == '=') {
        *op = MATCH_EQ;
        *len = 1;
        return 1;
    }
    return 0;
}

/* Selects with matchers given as "name<op>value" strings separated by ';'
 * and compares with the expected ids ("1,2,3" or ""). */
static void sel(sindex *ix, const char *spec, const char *want)
{
    matcher ms[8];
    size_t n = 0;
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", spec);
    char *save = NULL;
    for (char *tok = strtok_r(tmp, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        size_t i = 0;
        while (tok[i] && !strchr("=!", tok[i]))
            i++;
        match_op op = MATCH_EQ;
        size_t ol = 0;
        assert_true(op_of(tok + i, &op, &ol));
        err_ctx e = { 0 };
        assert_int_equal(matcher_init(&ms[n], op, slice_make(tok, i), slice_cstr(tok + i + ol), &e), 0);
        n++;
    }
    idvec out = IDVEC_INIT;
    sindex_rdlock(ix);
    assert_int_equal(sindex_select(ix, ms, n, &out), 0);
    sindex_unlock(ix);
    char got[256] = "";
    size_t gl = 0;
    for (size_t i = 0; i < out.n; i++)
        gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%u", i ? "," : "", out.v[i]);
    if (strcmp(got, want) != 0)
        fail_msg("select %s: got {%s}, want {%s}", spec, got, want);
    idvec_free(&out);
    for (size_t i = 0; i < n; i++)
        matcher_free(&ms[i]);
}

static void test_insert_lookup_labels(void **state)
{
    (void)state;
    sindex *ix = fixture();
    assert_int_equal(lookup(ix, "__name__=up,job=api,instance=a"), 1);
    assert_int_equal(lookup(ix, "instance=a,__name__=up,job=api"), 1); /* canonicalised by blob_of */
    assert_int_equal(lookup(ix, "__name__=http_requests_total,job=api,code=500"), 4);
    assert_int_equal(lookup(ix, "__name__=node_load1,job=node"), 6);
    assert_int_equal(lookup(ix, "__name__=up,job=api"), 0);
    assert_int_equal(lookup(ix, "__name__=up,job=api,instance=a,x=y"), 0);
    assert_int_equal(sindex_max_id(ix), 6);
    assert_int_equal(sindex_count(ix), 6);
    buf b = BUF_INIT;
    blob_of(&b, "__name__=up,job=db,instance=b");
    slice l = sindex_labels(ix, 2);
    assert_true(slice_eq(l, buf_slice(&b)));
    assert_null(sindex_labels(ix, 0).p);
    assert_null(sindex_labels(ix, 7).p);
    assert_null(sindex_labels(ix, 100000).p);
    assert_true(sindex_bytes(ix) > 0);
    /* insertion copies the blob */
    buf tmp = BUF_INIT;
    blob_of(&tmp, "__name__=copied");
    sindex_wrlock(ix);
    assert_int_equal(sindex_insert(ix, 7, buf_slice(&tmp), sindex_hash(buf_slice(&tmp))), 0);
    assert_int_equal(sindex_insert(ix, 0, buf_slice(&tmp), 1), LOUPE_EINTERNAL);
    sindex_unlock(ix);
    memset(tmp.p, 'x', tmp.n);
    assert_true(slice_eq_cstr(labels_get(sindex_labels(ix, 7), slice_cstr("__name__")), "copied"));
    buf_free(&tmp);
    buf_free(&b);
    sindex_destroy(ix);
    sindex_destroy(NULL);
}

static void test_aliases(void **state)
{
    (void)state;
    sindex *ix = fixture();
    /* a sender's non-canonical bytes for series 1 (say, unsorted labels) */
    slice key = slice_cstr("raw-wire-bytes-for-series-1");
    uint64_t h = sindex_hash(key);
    sindex_rdlock(ix);
    assert_int_equal(sindex_lookup(ix, key, h), 0);
    sindex_unlock(ix);
    sindex_wrlock(ix);
    assert_int_equal(sindex_add_alias(ix, key, h, 1), 0);
    sindex_unlock(ix);
    sindex_rdlock(ix);
    assert_int_equal(sindex_lookup(ix, key, h), 1);
    assert_int_equal(sindex_lookup(ix, slice_cstr("raw-wire-bytes-for-series-2"),
                                   sindex_hash(slice_cstr("raw-wire-bytes-for-series-2"))),
                     0);
    sindex_unlock(ix);
    /* many aliases: the table grows and all stay reachable */
    char k[64];
    sindex_wrlock(ix);
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(k, sizeof k, "alias-%d", i);
        assert_int_equal(sindex_add_alias(ix, slice_make(k, (size_t)n), sindex_hash(slice_make(k, (size_t)n)),
                                          (uint32_t)(i % 6) + 1),
                         0);
    }
    sindex_unlock(ix);
    sindex_rdlock(ix);
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(k, sizeof k, "alias-%d", i);
        assert_int_equal(sindex_lookup(ix, slice_make(k, (size_t)n), sindex_hash(slice_make(k, (size_t)n))),
                         (uint32_t)(i % 6) + 1);
    }
    assert_int_equal(sindex_lookup(ix, key, h), 1);
    sindex_unlock(ix);
    assert_int_equal(lookup(ix, "__name__=up,job=db,instance=b"), 2); /* canonical keys unaffected */
    sindex_destroy(ix);
}

static void test_select_positive(void **state)
{
    (void)state;
    sindex *ix = fixture();
    sel(ix, "__name__=up", "1,2,3");
    sel(ix, "__name__=up;job=api", "1");
    sel(ix, "job=api", "1,4,5");
    sel(ix, "job=api;__name__=http_requests_total", "4,5");
    sel(ix, "job=nope", "");
    sel(ix, "nolabel=x", "");
    sel(ix, "__name__=up;job=node", "");
    sel(ix, "job=~a.*|db", "1,2,4,5");
    sel(ix, "job=~a", ""); /* anchored: not a substring match */
    sel(ix, "__name__=~.+", "1,2,3,4,5,6");
    sel(ix, "__name__=~http_.*;code=~5..", "4");
    sel(ix, "job!=api;__name__=up", "2,3");
    sel(ix, "code!=200;__name__=http_requests_total", "4");
    sel(ix, "job!~a.*;__name__=~.+", "2,3,6");
    sel(ix, "job=~.+", "1,2,4,5,6");
    sel(ix, "job!=", "1,2,4,5,6"); /* != "" means "has the label" */
    sel(ix, "instance=~a|b|c;instance!=b", "1,3");
    sindex_destroy(ix);
}

static void test_select_empty_matching(void **state)
{
    (void)state;
    sindex *ix = fixture();
    /* matchers accepting "" also select series lacking the label */
    sel(ix, "__name__=up;job=", "3");
    sel(ix, "job=", "3");                      /* only empty-matchers: start from every series */
    sel(ix, "job!=api", "2,3,6");
    sel(ix, "job!=api;job!=db", "3,6");
    sel(ix, "job=~|api", "1,3,4,5");
    sel(ix, "job=~.*", "1,2,3,4,5,6");
    sel(ix, "job!~.+", "3");
    sel(ix, "zone=", "1,2,3,4,5,6");           /* the dropped empty value is "absent" */
    sel(ix, "zone!=x", "1,2,3,4,5,6");
    sel(ix, "nolabel=", "1,2,3,4,5,6");
    sel(ix, "nolabel!~x", "1,2,3,4,5,6");
    sel(ix, "code=;job=api", "1");
    sel(ix, "code!=500;__name__=~.*", "1,2,3,5,6");
    sindex_destroy(ix);
}

typedef struct strs {
    char v[32][64];
    int n;
} strs;

static int collect(void *ctx, slice s)
{
    strs *c = ctx;
    assert_true(c->n < 32 && s.n < 64);
    for (int i = 0; i < c->n; i++)
        if (strlen(c->v[i]) == s.n && !memcmp(c->v[i], s.p, s.n))
            fail_msg("%.*s reported twice", (int)s.n, (const char *)s.p);
    memcpy(c->v[c->n], s.p, s.n);
    c->v[c->n][s.n] = '\0';
    c->n++;
    return 0;
}

static int cmpstr(const void *a, const void *b) { return strcmp(a, b); }

/* Sorted, comma-joined. */
static const char *joined(strs *c)
{
    static char out[1024];
    qsort(c->v, (size_t)c->n, sizeof c->v[0], cmpstr);
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < c->n; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", i ? "," : "", c->v[i]);
    return out;
}

static void test_names_and_values(void **state)
{
    (void)state;
    sindex *ix = fixture();
    strs c = { .n = 0 };
    sindex_rdlock(ix);
    assert_int_equal(sindex_each_name(ix, NULL, collect, &c), 0);
    assert_string_equal(joined(&c), "__name__,code,instance,job");
    c.n = 0;
    assert_int_equal(sindex_each_value(ix, slice_cstr("job"), NULL, collect, &c), 0);
    assert_string_equal(joined(&c), "api,db,node");
    c.n = 0;
    assert_int_equal(sindex_each_value(ix, slice_cstr("nope"), NULL, collect, &c), 0);
    assert_int_equal(c.n, 0);
    /* within a subset of series */
    uint32_t w1[] = { 3, 6 };
    idvec within = { w1, 2, 2 };
    c.n = 0;
    assert_int_equal(sindex_each_name(ix, &within, collect, &c), 0);
    assert_string_equal(joined(&c), "__name__,instance,job");
    c.n = 0;
    assert_int_equal(sindex_each_value(ix, slice_cstr("__name__"), &within, collect, &c), 0);
    assert_string_equal(joined(&c), "node_load1,up");
    c.n = 0;
    assert_int_equal(sindex_each_value(ix, slice_cstr("job"), &within, collect, &c), 0);
    assert_string_equal(joined(&c), "node");
    idvec none = { NULL, 0, 0 };
    c.n = 0;
    assert_int_equal(sindex_each_name(ix, &none, collect, &c), 0);
    assert_int_equal(c.n, 0);
    sindex_unlock(ix);
    sindex_destroy(ix);
}

static int stop_at_first(void *ctx, slice s)
{
    (void)s;
    (*(int *)ctx)++;
    return LOUPE_ELIMIT;
}

static void test_callback_error_and_time(void **state)
{
    (void)state;
    sindex *ix = fixture();
    int calls = 0;
    sindex_rdlock(ix);
    assert_int_equal(sindex_each_name(ix, NULL, stop_at_first, &calls), LOUPE_ELIMIT);
    assert_int_equal(calls, 1);
    calls = 0;
    assert_int_equal(sindex_each_value(ix, slice_cstr("job"), NULL, stop_at_first, &calls), LOUPE_ELIMIT);
    assert_int_equal(calls, 1);
    sindex_unlock(ix);

    int64_t lo, hi;
    sindex_time(ix, 1, &lo, &hi);
    assert_true(lo == INT64_MAX && hi == INT64_MIN); /* no samples yet */
    sindex_extend_time(ix, 1, 100, 200);
    sindex_extend_time(ix, 1, 150, 160); /* inside: no change */
    sindex_extend_time(ix, 1, -5, 50);
    sindex_extend_time(ix, 1, 300, 300);
    sindex_prefetch(ix, 1);
    sindex_time(ix, 1, &lo, &hi);
    assert_true(lo == -5 && hi == 300);
    sindex_time(ix, 2, &lo, &hi);
    assert_true(lo == INT64_MAX && hi == INT64_MIN);
    sindex_time(ix, 1u << 30, &lo, &hi); /* no page */
    assert_true(lo == INT64_MAX && hi == INT64_MIN);
    sindex_destroy(ix);
}

static void test_many_series(void **state)
{
    (void)state;
    /* enough series to grow the hash, pair and name tables several times */
    enum { N = 20000 };
    sindex *ix = sindex_create();
    char spec[128];
    for (uint32_t id = 1; id <= N; id++) {
        snprintf(spec, sizeof spec, "__name__=m%u,i=%u,mod7=%u,l%u=x", id % 50, id, id % 7, id % 300);
        insert(ix, id, spec);
    }
    assert_int_equal(sindex_count(ix), N);
    for (uint32_t id = 1; id <= N; id += 13) {
        snprintf(spec, sizeof spec, "__name__=m%u,i=%u,mod7=%u,l%u=x", id % 50, id, id % 7, id % 300);
        assert_int_equal(lookup(ix, spec), id);
    }
    sel(ix, "i=12345", "12345");
    matcher m[2];
    err_ctx e = { 0 };
    assert_int_equal(matcher_init(&m[0], MATCH_EQ, slice_cstr("mod7"), slice_cstr("3"), &e), 0);
    assert_int_equal(matcher_init(&m[1], MATCH_RE, slice_cstr("__name__"), slice_cstr("m1|m2"), &e), 0);
    idvec out = IDVEC_INIT;
    sindex_rdlock(ix);
    assert_int_equal(sindex_select(ix, m, 2, &out), 0);
    sindex_unlock(ix);
    size_t want = 0;
    for (uint32_t id = 1; id <= N; id++)
        want += id % 7 == 3 && (id % 50 == 1 || id % 50 == 2);
    assert_int_equal(out.n, want);
    for (size_t i = 0; i < out.n; i++) {
        assert_true(out.v[i] % 7 == 3);
        if (i)
            assert_true(out.v[i - 1] < out.v[i]);
    }
    idvec_free(&out);
    matcher_free(&m[0]);
    matcher_free(&m[1]);
    sindex_destroy(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_lookup_labels),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_select_positive),
        cmocka_unit_test(test_select_empty_matching),
        cmocka_unit_test(test_names_and_values),
        cmocka_unit_test(test_callback_error_and_time),
        cmocka_unit_test(test_many_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
