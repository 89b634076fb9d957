/* test_metrics.c - loupe's own metrics registry and its text exposition
 * (util/metrics.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/metrics.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

static int reset(void **state)
{
    (void)state;
    metrics_reset();
    return 0;
}

static char *expose(buf *b)
{
    b->n = 0;
    assert_int_equal(metrics_expose(b), 0);
    assert_int_equal(buf_cstr(b), 0);
    return (char *)b->p;
}

static void test_add_set_get(void **state)
{
    (void)state;
    metrics_declare("loupe_requests_total", METRIC_COUNTER, "HTTP requests.");
    metrics_add("loupe_requests_total", "route=\"/a\"", 1);
    metrics_add("loupe_requests_total", "route=\"/a\"", 2.5);
    metrics_add("loupe_requests_total", "route=\"/b\"", 1);
    assert_true(metrics_get("loupe_requests_total", "route=\"/a\"") == 3.5);
    assert_true(metrics_get("loupe_requests_total", "route=\"/b\"") == 1);
    assert_true(metrics_get("loupe_requests_total", "route=\"/c\"") == 0);
    assert_true(metrics_get("nope", NULL) == 0);
    metrics_set("loupe_head_series", NULL, 10);
    metrics_set("loupe_head_series", "", 12); /* NULL and "" are the same series */
    assert_true(metrics_get("loupe_head_series", NULL) == 12);
    assert_true(metrics_get("loupe_head_series", "") == 12);
}

static void test_exposition_format(void **state)
{
    (void)state;
    metrics_declare("loupe_writes_total", METRIC_COUNTER, "Remote-write requests.");
    metrics_declare("loupe_head_bytes", METRIC_GAUGE, "Bytes in the head.");
    metrics_add("loupe_writes_total", "code=\"204\"", 3);
    metrics_add("loupe_writes_total", "code=\"400\"", 1);
    metrics_set("loupe_head_bytes", "", 1e21);
    metrics_declare("loupe_writes_total", METRIC_COUNTER, "Remote-write requests (2)."); /* idempotent, new help */
    buf b = BUF_INIT;
    assert_string_equal(expose(&b), "# HELP loupe_writes_total Remote-write requests (2).\n"
                                    "# TYPE loupe_writes_total counter\n"
                                    "loupe_writes_total{code=\"204\"} 3\n"
                                    "loupe_writes_total{code=\"400\"} 1\n"
                                    "# HELP loupe_head_bytes Bytes in the head.\n"
                                    "# TYPE loupe_head_bytes gauge\n"
                                    "loupe_head_bytes 1e+21\n");
    metrics_set("loupe_head_bytes", "", NAN);
    metrics_add("loupe_writes_total", "code=\"400\"", 0.5);
    assert_non_null(strstr(expose(&b), "loupe_head_bytes NaN\n"));
    assert_non_null(strstr((char *)b.p, "loupe_writes_total{code=\"400\"} 1.5\n"));
    buf_free(&b);
}

static int g_calls;
static void collector(void *ctx)
{
    g_calls++;
    metrics_set("loupe_collected", NULL, *(double *)ctx);
}

static void test_collectors_run_at_scrape(void **state)
{
    (void)state;
    static double value = 42;
    metrics_declare("loupe_collected", METRIC_GAUGE, "Filled by a collector.");
    g_calls = 0;
    metrics_register_collector(collector, &value);
    assert_int_equal(g_calls, 0);
    buf b = BUF_INIT;
    assert_non_null(strstr(expose(&b), "loupe_collected 42\n"));
    assert_int_equal(g_calls, 1);
    value = 43;
    assert_non_null(strstr(expose(&b), "loupe_collected 43\n"));
    assert_int_equal(g_calls, 2);
    metrics_reset(); /* drops collectors too */
    expose(&b);
    assert_int_equal(g_calls, 2);
    assert_int_equal(b.n, 0);
    buf_free(&b);
}

static void *adder(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10000; i++)
        metrics_add("loupe_concurrent_total", "t=\"x\"", 1);
    return NULL;
}

static void test_concurrent_adds_are_not_lost(void **state)
{
    (void)state;
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, adder, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_true(metrics_get("loupe_concurrent_total", "t=\"x\"") == 40000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_set_get, reset, reset),
        cmocka_unit_test_setup_teardown(test_exposition_format, reset, reset),
        cmocka_unit_test_setup_teardown(test_collectors_run_at_scrape, reset, reset),
        cmocka_unit_test_setup_teardown(test_concurrent_adds_are_not_lost, reset, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
