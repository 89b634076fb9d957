/* test_buf.c - slices and growable buffers (util/buf.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/buf.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static void test_slice_cmp_and_eq(void **state)
{
    (void)state;
    assert_int_equal(slice_cmp(slice_cstr("a"), slice_cstr("a")), 0);
    assert_true(slice_cmp(slice_cstr("a"), slice_cstr("b")) < 0);
    assert_true(slice_cmp(slice_cstr("b"), slice_cstr("a")) > 0);
    assert_true(slice_cmp(slice_cstr("ab"), slice_cstr("abc")) < 0); /* prefix first */
    assert_true(slice_cmp(slice_cstr("abc"), slice_cstr("ab")) > 0);
    assert_true(slice_cmp(slice_make("", 0), slice_cstr("a")) < 0);
    assert_int_equal(slice_cmp(slice_make(NULL, 0), slice_make("", 0)), 0);
    /* bytes compare unsigned: 0xff sorts after 0x01 */
    assert_true(slice_cmp(slice_make("\x01", 1), slice_make("\xff", 1)) < 0);
    /* embedded NULs are ordinary bytes */
    assert_true(slice_cmp(slice_make("a\0b", 3), slice_make("a\0c", 3)) < 0);

    assert_true(slice_eq(slice_make(NULL, 0), slice_make("x", 0)));
    assert_true(slice_eq_cstr(slice_make("up", 2), "up"));
    assert_false(slice_eq_cstr(slice_make("up", 2), "upx"));
    assert_false(slice_eq_cstr(slice_make("upx", 3), "up"));
    assert_false(slice_eq(slice_make("a\0b", 3), slice_make("a\0c", 3)));
}

static void test_append_grows_and_keeps_bytes(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    for (int i = 0; i < 10000; i++) {
        uint8_t c = (uint8_t)(i * 7);
        assert_int_equal(buf_append(&b, &c, 1), 0);
    }
    assert_int_equal(b.n, 10000);
    assert_true(b.cap >= b.n);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(b.p[i], (uint8_t)(i * 7));
    /* zero-length appends are no-ops, even with a NULL source */
    assert_int_equal(buf_append(&b, NULL, 0), 0);
    assert_int_equal(b.n, 10000);
    buf_reset(&b);
    assert_int_equal(b.n, 0);
    assert_int_equal(buf_puts(&b, "abc"), 0);
    assert_int_equal(buf_putc(&b, 'd'), 0);
    assert_int_equal(b.n, 4);
    assert_memory_equal(b.p, "abcd", 4);
    buf_free(&b);
    assert_null(b.p);
    assert_int_equal(b.n, 0);
    assert_int_equal(b.cap, 0);
    buf_free(&b); /* twice is fine */
    buf_free(NULL);
}

static void test_reserve_failure_leaves_buffer_unchanged(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(buf_puts(&b, "keep"), 0);
    uint8_t *p = b.p;
    size_t cap = b.cap;
    assert_int_equal(buf_reserve(&b, SIZE_MAX), LOUPE_ENOMEM);
    assert_int_equal(buf_reserve(&b, SIZE_MAX / 2), LOUPE_ENOMEM);
    assert_ptr_equal(b.p, p);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.n, 4);
    assert_memory_equal(b.p, "keep", 4);
    buf_free(&b);
}

static void test_printf_short_and_long(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), 0);
    assert_int_equal(b.n, 4);
    assert_memory_equal(b.p, "42-x", 4);
    /* longer than the 256-byte stack buffer: the second vsnprintf path */
    char big[1000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(buf_printf(&b, "[%s]", big), 0);
    assert_int_equal(b.n, 4 + 1001);
    assert_int_equal(b.p[4], '[');
    assert_int_equal(b.p[5], 'z');
    assert_int_equal(b.p[4 + 999], 'z');
    assert_int_equal(b.p[4 + 1000], ']');
    assert_int_equal(buf_printf(&b, "%s", ""), 0);
    assert_int_equal(b.n, 1005);
    buf_free(&b);
}

static void test_varints_and_fixed(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(buf_put_uvarint(&b, 0), 0);
    assert_int_equal(buf_put_uvarint(&b, 127), 0);
    assert_int_equal(buf_put_uvarint(&b, 300), 0);
    static const uint8_t want1[] = { 0x00, 0x7f, 0xac, 0x02 };
    assert_int_equal(b.n, sizeof want1);
    assert_memory_equal(b.p, want1, sizeof want1);

    b.n = 0;
    assert_int_equal(buf_put_uvarint(&b, UINT64_MAX), 0);
    static const uint8_t want2[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
    assert_int_equal(b.n, 10);
    assert_memory_equal(b.p, want2, 10);

    b.n = 0; /* zigzag: 0->0, -1->1, 1->2, -2->3, INT64_MIN->UINT64_MAX */
    assert_int_equal(buf_put_svarint(&b, 0) || buf_put_svarint(&b, -1) || buf_put_svarint(&b, 1) ||
                         buf_put_svarint(&b, -2) || buf_put_svarint(&b, 63) || buf_put_svarint(&b, -64),
                     0);
    static const uint8_t want3[] = { 0x00, 0x01, 0x02, 0x03, 0x7e, 0x7f };
    assert_int_equal(b.n, sizeof want3);
    assert_memory_equal(b.p, want3, sizeof want3);
    b.n = 0;
    assert_int_equal(buf_put_svarint(&b, INT64_MIN), 0);
    assert_memory_equal(b.p, want2, 10);

    b.n = 0;
    assert_int_equal(buf_put_be32(&b, 0x01020304u), 0);
    assert_int_equal(buf_put_be64(&b, 0x0a0b0c0d0e0f1011ull), 0);
    static const uint8_t want4[] = { 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11 };
    assert_int_equal(b.n, sizeof want4);
    assert_memory_equal(b.p, want4, sizeof want4);
    buf_free(&b);
}

static void test_cstr_detach(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_int_equal(buf_cstr(&b), 0); /* on an empty buffer: "" */
    assert_non_null(b.p);
    assert_string_equal((char *)b.p, "");
    assert_int_equal(b.n, 0);
    assert_int_equal(buf_puts(&b, "hello"), 0);
    assert_int_equal(buf_cstr(&b), 0);
    assert_int_equal(b.n, 5); /* the NUL is not counted */
    assert_string_equal((char *)b.p, "hello");
    assert_int_equal(buf_puts(&b, "!"), 0); /* overwrites the NUL */
    assert_int_equal(buf_cstr(&b), 0);
    assert_string_equal((char *)b.p, "hello!");
    slice s = buf_slice(&b);
    assert_int_equal(s.n, 6);
    assert_ptr_equal(s.p, b.p);

    size_t len = 0;
    uint8_t *p = buf_detach(&b, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(p, "hello!", 6);
    assert_null(b.p);
    assert_int_equal(b.n, 0);
    assert_int_equal(b.cap, 0);
    free(p);
    /* the buffer is usable after detaching */
    assert_int_equal(buf_puts(&b, "again"), 0);
    assert_int_equal(b.n, 5);
    assert_null(buf_detach(&(buf)BUF_INIT, NULL));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slice_cmp_and_eq),
        cmocka_unit_test(test_append_grows_and_keeps_bytes),
        cmocka_unit_test(test_reserve_failure_leaves_buffer_unchanged),
        cmocka_unit_test(test_printf_short_and_long),
        cmocka_unit_test(test_varints_and_fixed),
        cmocka_unit_test(test_cstr_detach),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
