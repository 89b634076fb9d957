/* test_grpc.c - the gRPC server's pure helpers (server/grpc_frame.c):
 * framing, inflation limits, encodings, status codes, grpc-message encoding.
 *
 * Unit tests link the store/ingest/query/util libraries, not loupe_server
 * (civetweb), so the one file under test is compiled in directly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "server/grpc_frame.c"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static slice S(const void *p, size_t n) { return slice_make(p, n); }

static void test_frame_unary(void **state)
{
    (void)state;
    grpc_status st = { 0 };
    slice msg;
    int comp = -1;
    assert_int_equal(grpc_frame_unary(S("\0\0\0\0\3abc", 8), 100, &msg, &comp, &st), 0);
    assert_int_equal(comp, 0);
    assert_true(slice_eq_cstr(msg, "abc"));
    assert_int_equal(grpc_frame_unary(S("\1\0\0\0\0", 5), 100, &msg, &comp, &st), 0); /* empty, compressed */
    assert_int_equal(comp, 1);
    assert_int_equal(msg.n, 0);

    struct {
        const char *body;
        size_t n;
        int code;
        const char *msg;
    } bad[] = {
        { "", 0, GRPC_INTERNAL, "grpc: no request message in a unary call" },
        { "\0\0\0", 3, GRPC_INTERNAL, "grpc: truncated message prefix (3 of 5 bytes)" },
        { "\0\0\0\0\5ab", 7, GRPC_INTERNAL, "grpc: truncated message (2 of 5 bytes)" },
        { "\0\0\0\0\1a\0", 7, GRPC_INTERNAL, "grpc: more than one request message in a unary call" },
        { "\2\0\0\0\1a", 6, GRPC_INTERNAL, "grpc: invalid compressed flag 2" },
        { "\0\0\0\0\145", 5, GRPC_RESOURCE_EXHAUSTED, "grpc: received message larger than max (101 vs. 100)" },
        { "\0\377\377\377\377", 5, GRPC_RESOURCE_EXHAUSTED,
          "grpc: received message larger than max (4294967295 vs. 100)" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&st, 0, sizeof st);
        assert_int_equal(grpc_frame_unary(S(bad[i].body, bad[i].n), 100, &msg, &comp, &st), bad[i].code);
        assert_int_equal(st.code, bad[i].code);
        assert_string_equal(st.message, bad[i].msg);
    }
}

static void test_frame_check_partial(void **state)
{
    (void)state;
    grpc_status st = { 0 };
    /* Too little to tell: fine. */
    assert_int_equal(grpc_frame_check(S("\0\0\0", 3), 10, &st), 0);
    /* The declared length alone refuses the message, before its bytes arrive. */
    assert_int_equal(grpc_frame_check(S("\0\0\0\0\13", 5), 10, &st), GRPC_RESOURCE_EXHAUSTED);
    memset(&st, 0, sizeof st);
    assert_int_equal(grpc_frame_check(S("\0\0\0\0\12abc", 8), 10, &st), 0);
    /* Bytes past the one message. */
    assert_int_equal(grpc_frame_check(S("\0\0\0\0\1ab", 7), 10, &st), GRPC_INTERNAL);
}

static void test_prefix(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(grpc_frame_prefix(&b, 0x01020304), 0);
    assert_int_equal(b.n, 5);
    assert_memory_equal(b.p, "\0\1\2\3\4", 5);
    buf_free(&b);
}

/* Compresses in with zlib: gzip (wbits 31) or zlib format (15). */
static buf compress_with(const void *in, size_t n, int wbits)
{
    buf out = BUF_INIT;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t bound = deflateBound(&zs, n) + 64;
    assert_int_equal(buf_reserve(&out, bound), 0);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out.p;
    zs.avail_out = (uInt)bound;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.n = zs.total_out;
    deflateEnd(&zs);
    return out;
}

static void test_inflate(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    uint8_t *plain = malloc(n);
    for (size_t i = 0; i < n; i++)
        plain[i] = (uint8_t)(i * 31 / 7);
    int wbits[2] = { 31, 15 };
    grpc_enc enc[2] = { GRPC_ENC_GZIP, GRPC_ENC_DEFLATE };
    for (int k = 0; k < 2; k++) {
        buf z = compress_with(plain, n, wbits[k]);
        buf out = BUF_INIT;
        grpc_status st = { 0 };
        assert_int_equal(grpc_inflate(buf_slice(&z), enc[k], n, &out, &st), 0); /* exactly at the limit */
        assert_int_equal(out.n, n);
        assert_memory_equal(out.p, plain, n);
        buf_reset(&out);
        assert_int_equal(grpc_inflate(buf_slice(&z), enc[k], n - 1, &out, &st), GRPC_RESOURCE_EXHAUSTED);
        assert_string_equal(st.message, "grpc: decompressed message larger than 1048575 bytes");
        assert_true(out.n <= n); /* stopped at the limit, not after inflating everything */
        buf_free(&out);
        buf_free(&z);
    }
    free(plain);
}

static void test_inflate_bomb_and_corruption(void **state)
{
    (void)state;
    size_t n = 64u << 20;
    uint8_t *zeros = calloc(1, n);
    buf z = compress_with(zeros, n, 31);
    free(zeros);
    assert_true(z.n < 128 * 1024);
    buf out = BUF_INIT;
    grpc_status st = { 0 };
    assert_int_equal(grpc_inflate(buf_slice(&z), GRPC_ENC_GZIP, 1 << 20, &out, &st), GRPC_RESOURCE_EXHAUSTED);
    assert_true(out.cap <= (2u << 20)); /* memory bounded by the limit, not by the bomb */

    /* Truncated, corrupt, trailing bytes, wrong format. */
    memset(&st, 0, sizeof st);
    buf_reset(&out);
    assert_int_equal(grpc_inflate(S(z.p, z.n / 2), GRPC_ENC_GZIP, 128u << 20, &out, &st), GRPC_INTERNAL);
    assert_string_equal(st.message, "grpc: truncated gzip data");
    buf_free(&z);

    z = compress_with("hello", 5, 31);
    uint8_t *bad = malloc(z.n + 3);
    memcpy(bad, z.p, z.n);
    memcpy(bad + z.n, "xyz", 3);
    buf_reset(&out);
    memset(&st, 0, sizeof st);
    assert_int_equal(grpc_inflate(S(bad, z.n + 3), GRPC_ENC_GZIP, 100, &out, &st), GRPC_INTERNAL);
    assert_string_equal(st.message, "grpc: 3 bytes after the end of the compressed message");
    buf_reset(&out);
    memset(&st, 0, sizeof st);
    assert_int_equal(grpc_inflate(buf_slice(&z), GRPC_ENC_DEFLATE, 100, &out, &st), GRPC_INTERNAL);
    assert_non_null(strstr(st.message, "invalid deflate data"));
    buf_reset(&out);
    memset(&st, 0, sizeof st);
    assert_int_equal(grpc_inflate(S("garbage!", 8), GRPC_ENC_GZIP, 100, &out, &st), GRPC_INTERNAL);
    buf_reset(&out);
    memset(&st, 0, sizeof st);
    assert_int_equal(grpc_inflate(S("", 0), GRPC_ENC_GZIP, 100, &out, &st), GRPC_INTERNAL);
    free(bad);
    buf_free(&z);
    buf_free(&out);
}

static void test_encodings(void **state)
{
    (void)state;
    assert_int_equal(grpc_enc_parse(S("", 0)), GRPC_ENC_IDENTITY);
    assert_int_equal(grpc_enc_parse(slice_cstr("identity")), GRPC_ENC_IDENTITY);
    assert_int_equal(grpc_enc_parse(slice_cstr("gzip")), GRPC_ENC_GZIP);
    assert_int_equal(grpc_enc_parse(slice_cstr("GZIP")), GRPC_ENC_GZIP);
    assert_int_equal(grpc_enc_parse(slice_cstr("deflate")), GRPC_ENC_DEFLATE);
    assert_int_equal(grpc_enc_parse(slice_cstr("snappy")), GRPC_ENC_UNKNOWN);
    assert_int_equal(grpc_enc_parse(slice_cstr("gzip2")), GRPC_ENC_UNKNOWN);
}

static void test_codes(void **state)
{
    (void)state;
    assert_string_equal(grpc_code_name(0), "OK");
    assert_string_equal(grpc_code_name(3), "INVALID_ARGUMENT");
    assert_string_equal(grpc_code_name(8), "RESOURCE_EXHAUSTED");
    assert_string_equal(grpc_code_name(12), "UNIMPLEMENTED");
    assert_string_equal(grpc_code_name(16), "UNAUTHENTICATED");
    assert_string_equal(grpc_code_name(17), "UNKNOWN");
    assert_string_equal(grpc_code_name(-1), "UNKNOWN");
    assert_int_equal(grpc_code_for(LOUPE_OK), GRPC_OK);
    assert_int_equal(grpc_code_for(LOUPE_EINVAL), GRPC_INVALID_ARGUMENT);
    assert_int_equal(grpc_code_for(LOUPE_ETOOBIG), GRPC_RESOURCE_EXHAUSTED);
    assert_int_equal(grpc_code_for(LOUPE_EBUSY), GRPC_UNAVAILABLE);
    assert_int_equal(grpc_code_for(LOUPE_EIO), GRPC_UNAVAILABLE);
    assert_int_equal(grpc_code_for(LOUPE_EINTERNAL), GRPC_INTERNAL);
    assert_int_equal(grpc_code_for(-999), GRPC_INTERNAL);
}

static void test_pct_encode(void **state)
{
    (void)state;
    char out[64];
    grpc_pct_encode("plain text: ok", out, sizeof out);
    assert_string_equal(out, "plain text: ok");
    grpc_pct_encode("100% caf\xc3\xa9\nx", out, sizeof out);
    assert_string_equal(out, "100%25 caf%C3%A9%0Ax");
    /* Truncation never splits an escape. */
    char small[6];
    grpc_pct_encode("ab\n", small, sizeof small);
    assert_string_equal(small, "ab%0A");
    grpc_pct_encode("abc\n", small, sizeof small);
    assert_string_equal(small, "abc");
    grpc_pct_encode("", small, sizeof small);
    assert_string_equal(small, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_unary),
        cmocka_unit_test(test_frame_check_partial),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_inflate),
        cmocka_unit_test(test_inflate_bomb_and_corruption),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_pct_encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
