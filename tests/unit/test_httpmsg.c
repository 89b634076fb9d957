/* test_httpmsg.c - query-string / form parameters, percent-decoding and the
 * response helpers (util/httpmsg.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/httpmsg.h"

#include <string.h>
#include <strings.h>

static const char *g_content_type;

static const char *hdr(const http_req *r, const char *name)
{
    (void)r;
    return strcasecmp(name, "Content-Type") == 0 ? g_content_type : NULL;
}

static http_req mkreq(const char *method, const char *query, const char *ctype, const char *body)
{
    http_req r;
    memset(&r, 0, sizeof r);
    r.method = method;
    r.path = "/api/v1/series";
    r.query = query;
    r.body = body ? slice_cstr(body) : slice_make(NULL, 0);
    r.header = hdr;
    g_content_type = ctype;
    return r;
}

static void decode_is(const char *in, const char *want, size_t want_n)
{
    buf b = BUF_INIT;
    assert_int_equal(http_urldecode(slice_cstr(in), &b), 0);
    if (b.n != want_n || memcmp(b.p, want, want_n) != 0)
        fail_msg("urldecode(%s) = %.*s", in, (int)b.n, (const char *)b.p);
    assert_int_equal(b.p[b.n], '\0'); /* NUL-terminated, not counted */
    buf_free(&b);
}
#define DEC(in, lit) decode_is(in, lit, sizeof(lit) - 1)

static void test_urldecode(void **state)
{
    (void)state;
    DEC("", "");
    DEC("plain", "plain");
    DEC("a%20b+c", "a b c");
    DEC("%41%4a%4A", "AJJ");
    DEC("%7B__name__%3D%22up%22%7D", "{__name__=\"up\"}");
    DEC("%e2%82%ac", "\xe2\x82\xac");
    DEC("%00x", "\0x");
    DEC("%2B", "+");      /* an encoded plus stays a plus */
    /* malformed escapes are kept literally */
    DEC("%", "%");
    DEC("%4", "%4");
    DEC("100%", "100%");
    DEC("%zz", "%zz");
    DEC("%g1", "%g1");
    DEC("%%41", "%A");
    DEC("a%4", "a%4");
    /* appends to what is there */
    buf b = BUF_INIT;
    assert_int_equal(buf_puts(&b, "x="), 0);
    assert_int_equal(http_urldecode(slice_cstr("1+2"), &b), 0);
    assert_int_equal(b.n, 5);
    assert_memory_equal(b.p, "x=1 2", 5);
    buf_free(&b);
}

static void param_is(const http_req *r, const char *name, const char *want)
{
    buf v = BUF_INIT;
    int found = http_param(r, name, &v);
    if (!want) {
        if (found)
            fail_msg("param %s: found %.*s, want absent", name, (int)v.n, (const char *)v.p);
        assert_int_equal(v.n, 0);
    } else {
        if (!found)
            fail_msg("param %s: absent, want %s", name, want);
        if (v.n != strlen(want) || memcmp(v.p, want, v.n) != 0)
            fail_msg("param %s = %.*s, want %s", name, (int)v.n, (const char *)v.p, want);
        assert_int_equal(v.p[v.n], '\0');
    }
    buf_free(&v);
}

static void test_param_query_string(void **state)
{
    (void)state;
    http_req r = mkreq("GET", "query=up&time=1700000000&empty=&flag&q2=a%3Db%26c&sp=a+b%20c", NULL, NULL);
    param_is(&r, "query", "up");
    param_is(&r, "time", "1700000000");
    param_is(&r, "empty", "");
    param_is(&r, "flag", "");          /* a key without '=' is present and empty */
    param_is(&r, "q2", "a=b&c");
    param_is(&r, "sp", "a b c");
    param_is(&r, "missing", NULL);
    param_is(&r, "quer", NULL);        /* no prefix matches */
    param_is(&r, "query=up", NULL);

    /* Go's FormValue returns the first of repeated values */
    r = mkreq("GET", "a=1&a=2&a=3", NULL, NULL);
    param_is(&r, "a", "1");
    /* keys are percent-decoded too */
    r = mkreq("GET", "match%5B%5D=x&%61=y", NULL, NULL);
    param_is(&r, "match[]", "x");
    param_is(&r, "a", "y");
    /* empty pairs and a trailing '&' */
    r = mkreq("GET", "&&a=1&&", NULL, NULL);
    param_is(&r, "a", "1");
    r = mkreq("GET", "", NULL, NULL);
    param_is(&r, "a", NULL);
    r = mkreq("GET", NULL, NULL, NULL);
    param_is(&r, "a", NULL);
}

static void test_param_form_body(void **state)
{
    (void)state;
    http_req r = mkreq("POST", NULL, "application/x-www-form-urlencoded", "query=rate(x%5B5m%5D)&step=15");
    param_is(&r, "query", "rate(x[5m])");
    param_is(&r, "step", "15");
    /* the body wins over the URL, as in Go's Request.FormValue */
    r = mkreq("POST", "a=url&b=url", "application/x-www-form-urlencoded; charset=utf-8", "a=body");
    param_is(&r, "a", "body");
    param_is(&r, "b", "url");
    /* a body that is not a form, or a GET's body, is not read */
    r = mkreq("POST", "a=url", "application/json", "a=body");
    param_is(&r, "a", "url");
    r = mkreq("POST", NULL, NULL, "a=body");
    param_is(&r, "a", NULL);
    r = mkreq("GET", NULL, "application/x-www-form-urlencoded", "a=body");
    param_is(&r, "a", NULL);
    r = mkreq("post", NULL, "application/x-www-form-urlencoded", "a=body");
    param_is(&r, "a", NULL); /* methods are case-sensitive */
    r = mkreq("POST", NULL, "APPLICATION/X-WWW-FORM-URLENCODED", "a=body");
    param_is(&r, "a", "body"); /* media types are not */
}

typedef struct collect {
    char vals[8][32];
    int n;
    int stop_after;
} collect;

static int collect_fn(void *ctx, slice v)
{
    collect *c = ctx;
    assert_true(c->n < 8 && v.n < 32);
    memcpy(c->vals[c->n], v.p, v.n);
    c->vals[c->n][v.n] = '\0';
    c->n++;
    return c->stop_after && c->n >= c->stop_after ? LOUPE_EINVAL : 0;
}

static void test_param_each(void **state)
{
    (void)state;
    http_req r = mkreq("POST", "match[]=up&x=1&match%5B%5D=%7Bjob%3D%22a%22%7D", "application/x-www-form-urlencoded",
                       "match[]=body1&y=2&match[]=body2");
    collect c = { .n = 0 };
    assert_int_equal(http_param_each(&r, "match[]", collect_fn, &c), 0);
    assert_int_equal(c.n, 4);
    /* in order within each source; every occurrence from both */
    int iu = -1, ij = -1, ib1 = -1, ib2 = -1;
    for (int i = 0; i < c.n; i++) {
        if (!strcmp(c.vals[i], "up"))
            iu = i;
        else if (!strcmp(c.vals[i], "{job=\"a\"}"))
            ij = i;
        else if (!strcmp(c.vals[i], "body1"))
            ib1 = i;
        else if (!strcmp(c.vals[i], "body2"))
            ib2 = i;
    }
    assert_true(iu >= 0 && ij > iu);
    assert_true(ib1 >= 0 && ib2 > ib1);

    /* the callback's error stops the walk and is returned */
    collect c2 = { .n = 0, .stop_after = 2 };
    assert_int_equal(http_param_each(&r, "match[]", collect_fn, &c2), LOUPE_EINVAL);
    assert_int_equal(c2.n, 2);

    collect c3 = { .n = 0 };
    assert_int_equal(http_param_each(&r, "nope", collect_fn, &c3), 0);
    assert_int_equal(c3.n, 0);
}

static void test_responses(void **state)
{
    (void)state;
    assert_int_equal(http_status_for(0), 200);
    assert_int_equal(http_status_for(LOUPE_EINVAL), 400);
    assert_int_equal(http_status_for(LOUPE_ETOOBIG), 413);
    assert_int_equal(http_status_for(LOUPE_ENOTFOUND), 404);
    assert_int_equal(http_status_for(LOUPE_EBUSY), 503);
    assert_int_equal(http_status_for(LOUPE_ECANCELED), 503);
    assert_int_equal(http_status_for(LOUPE_ETIMEOUT), 503);
    assert_int_equal(http_status_for(LOUPE_ELIMIT), 422);
    assert_int_equal(http_status_for(LOUPE_EEXEC), 422);
    assert_int_equal(http_status_for(LOUPE_ENOMEM), 500);
    assert_int_equal(http_status_for(LOUPE_EIO), 500);
    assert_int_equal(http_status_for(LOUPE_EINTERNAL), 500);

    http_resp resp;
    memset(&resp, 0, sizeof resp);
    assert_int_equal(http_resp_prom_error(&resp, 400, "bad_data", "invalid \"x\"\n"), 0);
    assert_int_equal(resp.status, 400);
    assert_string_equal(resp.content_type, "application/json");
    assert_int_equal(buf_cstr(&resp.body), 0);
    assert_string_equal((char *)resp.body.p, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid \\\"x\\\"\\n\"}");
    /* replaces the body */
    assert_int_equal(http_resp_text(&resp, 503, "busy %d", 7), 0);
    assert_int_equal(resp.status, 503);
    assert_int_equal(buf_cstr(&resp.body), 0);
    assert_string_equal((char *)resp.body.p, "busy 7\n");
    assert_string_equal(resp.content_type, "text/plain; charset=utf-8");
    buf_free(&resp.body);

    http_resp_header(&resp, "Cache-Control", "no-store");
    http_resp_header(&resp, "X-A", "b");
    assert_string_equal(resp.headers, "Cache-Control: no-store\r\nX-A: b\r\n");
    assert_int_equal(resp.nheaders, strlen(resp.headers));
    /* a header that does not fit is dropped whole */
    char big[600];
    memset(big, 'v', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    size_t before = resp.nheaders;
    http_resp_header(&resp, "X-Big", big);
    assert_int_equal(resp.nheaders, before);
    http_resp_header(&resp, "X-C", "d");
    assert_string_equal(resp.headers, "Cache-Control: no-store\r\nX-A: b\r\nX-C: d\r\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urldecode),
        cmocka_unit_test(test_param_query_string),
        cmocka_unit_test(test_param_form_body),
        cmocka_unit_test(test_param_each),
        cmocka_unit_test(test_responses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
