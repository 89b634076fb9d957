/* test_derived.c - series derived from LLM calls (ingest/derived.h): exact
 * label sets and values of the counters and histogram buckets for three
 * calls, the out-of-order clamp, the series limit, and seeding the running
 * totals from the store after a restart. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/derived.h"
#include "util/arena.h"
#include "util/timeparse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rec_call call_at(int64_t end_ms, int status, int64_t in, int64_t out, double cost, double latency_ms,
                        double ttft_ms)
{
    rec_call c;
    memset(&c, 0, sizeof c);
    c.service = slice_cstr("chat-api");
    c.provider = slice_cstr("openai");
    c.model = slice_cstr("gpt-4o");
    c.route = slice_cstr("cloud");
    c.status = status;
    c.end_ns = end_ms * 1000000;
    c.start_ns = c.end_ns - (isfinite(latency_ms) ? (int64_t)(latency_ms * 1e6) : 0);
    c.input_tokens = in;
    c.output_tokens = out;
    c.cached_input_tokens = c.cache_write_tokens = c.reasoning_tokens = -1;
    c.cost_usd = cost;
    c.cost_source = isnan(cost) ? 0 : 2;
    c.latency_ms = latency_ms;
    c.ttft_ms = ttft_ms;
    return c;
}

/* The batch as text: one line per series, "labels t:v t:v ...", sorted. */
static int line_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char *dump(series_batch *b, size_t *nseries)
{
    store_series_in *in;
    size_t n;
    err_ctx e = { 0 };
    assert_int_equal(series_batch_finish(b, &in, &n, &e), 0);
    char **lines = calloc(n ? n : 1, sizeof *lines);
    for (size_t i = 0; i < n; i++) {
        buf l = BUF_INIT;
        assert_int_equal(labels_format(in[i].key, &l), 0);
        for (size_t k = 0; k < in[i].n; k++)
            buf_printf(&l, " %lld:%g", (long long)in[i].t[k], in[i].v[k]);
        buf_cstr(&l);
        lines[i] = (char *)buf_detach(&l, NULL);
    }
    qsort(lines, n, sizeof *lines, line_cmp);
    buf all = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        buf_puts(&all, lines[i]);
        buf_putc(&all, '\n');
        free(lines[i]);
    }
    free(lines);
    buf_cstr(&all);
    *nseries = n;
    return (char *)buf_detach(&all, NULL);
}

static void has_line(const char *all, const char *line)
{
    char want[1024];
    snprintf(want, sizeof want, "%s\n", line);
    if (!strstr(all, want))
        fail_msg("missing line:\n%s\nin:\n%s", line, all);
}

static void add(derived *d, const rec_call *c, series_batch *b)
{
    err_ctx e = { 0 };
    int rc = derived_add_call(d, c, b, &e);
    if (rc)
        fail_msg("derived_add_call: %d %s", rc, e.msg);
}

#define CL "model=\"gpt-4o\", provider=\"openai\", route=\"cloud\", service=\"chat-api\""
#define HL(le, status) "{le=\"" le "\", model=\"gpt-4o\", route=\"cloud\", service=\"chat-api\"" status "}"
#define OK ", status=\"ok\""
#define ERR ", status=\"error\""

static void test_three_calls(void **state)
{
    (void)state;
    derived *d = derived_create(NULL, NULL);
    arena *a = arena_create(4096);
    series_batch b;
    series_batch_init(&b, a, NULL);
    rec_call c1 = call_at(1000000, REC_STATUS_OK, 100, 20, 0.001, 1500, 200);
    c1.cached_input_tokens = 50;
    rec_call c2 = call_at(1001000, REC_STATUS_OK, 200, 2000, 0.02, 700, NAN);
    rec_call c3 = call_at(1002000, REC_STATUS_ERROR, -1, -1, NAN, 30000, NAN);
    add(d, &c1, &b);
    add(d, &c2, &b);
    add(d, &c3, &b);
    size_t n;
    char *all = dump(&b, &n);
    /* counters 2+1+1+1+1+1; durations 2 x (12 buckets + +Inf + sum + count); TTFT 15; output tokens 14; cost 13 */
    assert_int_equal(n, 7 + 30 + 15 + 14 + 13);

    has_line(all, "loupe_llm_requests_total{" CL OK "} 1000000:1 1001000:2");
    has_line(all, "loupe_llm_requests_total{" CL ERR "} 1002000:1");
    has_line(all, "loupe_llm_input_tokens_total{" CL "} 1000000:100 1001000:300");
    has_line(all, "loupe_llm_output_tokens_total{" CL "} 1000000:20 1001000:2020");
    has_line(all, "loupe_llm_cached_input_tokens_total{" CL "} 1000000:50");
    has_line(all, "loupe_llm_cost_usd_total{" CL "} 1000000:0.001 1001000:0.021");
    has_line(all, "loupe_llm_unpriced_requests_total{" CL "} 1002000:1");

    has_line(all, "loupe_llm_request_duration_seconds_bucket" HL("0.1", OK) " 1000000:0 1001000:0");
    has_line(all, "loupe_llm_request_duration_seconds_bucket" HL("0.5", OK) " 1000000:0 1001000:0");
    has_line(all, "loupe_llm_request_duration_seconds_bucket" HL("1", OK) " 1000000:0 1001000:1");
    has_line(all, "loupe_llm_request_duration_seconds_bucket" HL("2", OK) " 1000000:1 1001000:2");
    has_line(all, "loupe_llm_request_duration_seconds_bucket" HL("300", OK) " 1000000:1 1001000:2");
    has_line(all, "loupe_llm_request_duration_seconds_bucket" HL("+Inf", OK) " 1000000:1 1001000:2");
    has_line(all, "loupe_llm_request_duration_seconds_sum{model=\"gpt-4o\", route=\"cloud\", service=\"chat-api\"" OK
                  "} 1000000:1.5 1001000:2.2");
    has_line(all, "loupe_llm_request_duration_seconds_count{model=\"gpt-4o\", route=\"cloud\", service=\"chat-api\"" OK
                  "} 1000000:1 1001000:2");
    has_line(all, "loupe_llm_request_duration_seconds_bucket" HL("20", ERR) " 1002000:0");
    has_line(all, "loupe_llm_request_duration_seconds_bucket" HL("30", ERR) " 1002000:1");
    has_line(all, "loupe_llm_request_duration_seconds_bucket" HL("+Inf", ERR) " 1002000:1");
    has_line(all, "loupe_llm_request_duration_seconds_sum{model=\"gpt-4o\", route=\"cloud\", service=\"chat-api\"" ERR
                  "} 1002000:30");

    has_line(all, "loupe_llm_time_to_first_token_seconds_bucket" HL("0.1", "") " 1000000:0");
    has_line(all, "loupe_llm_time_to_first_token_seconds_bucket" HL("0.25", "") " 1000000:1");
    has_line(all, "loupe_llm_time_to_first_token_seconds_bucket" HL("10", "") " 1000000:1");
    has_line(all, "loupe_llm_time_to_first_token_seconds_sum{model=\"gpt-4o\", route=\"cloud\", service=\"chat-api\"} "
                  "1000000:0.2");
    has_line(all, "loupe_llm_time_to_first_token_seconds_count{model=\"gpt-4o\", route=\"cloud\", service=\"chat-api\"} "
                  "1000000:1");

    has_line(all, "loupe_llm_output_tokens_bucket" HL("16", "") " 1000000:0 1001000:0");
    has_line(all, "loupe_llm_output_tokens_bucket" HL("32", "") " 1000000:1 1001000:1");
    has_line(all, "loupe_llm_output_tokens_bucket" HL("1024", "") " 1000000:1 1001000:1");
    has_line(all, "loupe_llm_output_tokens_bucket" HL("2048", "") " 1000000:1 1001000:2");
    has_line(all, "loupe_llm_output_tokens_sum{model=\"gpt-4o\", route=\"cloud\", service=\"chat-api\"} "
                  "1000000:20 1001000:2020");

    has_line(all, "loupe_llm_cost_per_request_usd_bucket" HL("0.0005", "") " 1000000:0 1001000:0");
    has_line(all, "loupe_llm_cost_per_request_usd_bucket" HL("0.001", "") " 1000000:1 1001000:1");
    has_line(all, "loupe_llm_cost_per_request_usd_bucket" HL("0.01", "") " 1000000:1 1001000:1");
    has_line(all, "loupe_llm_cost_per_request_usd_bucket" HL("0.05", "") " 1000000:1 1001000:2");
    has_line(all, "loupe_llm_cost_per_request_usd_count{model=\"gpt-4o\", route=\"cloud\", service=\"chat-api\"} "
                  "1000000:1 1001000:2");

    derived_stats st;
    derived_get_stats(d, &st);
    assert_int_equal(st.calls, 3);
    assert_int_equal(st.series, 7 + 2 + 1 + 1 + 1); /* counter series + histogram instances */
    free(all);
    arena_destroy(a);
    derived_destroy(d);
    derived_destroy(NULL);
}

/* A call older than the series' last sample is added and emitted at the
 * last time, so the counter never goes back in time. */
static void test_out_of_order(void **state)
{
    (void)state;
    derived *d = derived_create(NULL, NULL);
    arena *a = arena_create(4096);
    int64_t times[] = { 5000, 3000, 6000 };
    const char *want[] = { " 5000:1", " 5000:2", " 6000:3" };
    const char *want_h[] = { " 5000:1", " 5000:2", " 6000:3" };
    for (int i = 0; i < 3; i++) {
        series_batch b;
        series_batch_init(&b, a, NULL);
        rec_call c = call_at(times[i], REC_STATUS_OK, 10, 10, 0.01, 100, NAN);
        add(d, &c, &b);
        size_t n;
        char *all = dump(&b, &n);
        char line[512];
        snprintf(line, sizeof line, "loupe_llm_requests_total{" CL OK "}%s", want[i]);
        has_line(all, line);
        snprintf(line, sizeof line, "loupe_llm_request_duration_seconds_bucket" HL("0.1", OK) "%s", want_h[i]);
        has_line(all, line);
        free(all);
        arena_reset(a);
    }
    arena_destroy(a);
    derived_destroy(d);
}

static void test_series_limit_and_labels(void **state)
{
    (void)state;
    derived_opts o;
    derived_opts_default(&o);
    o.max_series = 3;
    derived *d = derived_create(NULL, &o);
    arena *a = arena_create(4096);
    series_batch b;
    series_batch_init(&b, a, NULL);
    /* a 300-byte model name is cut to 128 bytes; unknown provider/route are absent */
    char model[301];
    memset(model, 'm', 300);
    model[300] = '\0';
    rec_call c = call_at(1000, REC_STATUS_OK, 1, 1, NAN, NAN, NAN);
    c.model = slice_cstr(model);
    c.provider = slice_make(NULL, 0);
    c.route = slice_make(NULL, 0);
    add(d, &c, &b);
    size_t n;
    char *all = dump(&b, &n);
    assert_int_equal(n, 3); /* requests, input tokens, output tokens; then the limit */
    char line[512];
    snprintf(line, sizeof line, "loupe_llm_requests_total{model=\"%.128s\", service=\"chat-api\", status=\"ok\"} 1000:1",
             model);
    has_line(all, line);
    derived_stats st;
    derived_get_stats(d, &st);
    assert_int_equal(st.series, 3);
    assert_int_equal(st.dropped, 2); /* the unpriced counter and the output-tokens histogram */
    free(all);
    arena_destroy(a);
    derived_destroy(d);
}

/* A restart: a new derived over the same store continues the totals. */
static void test_seed_from_store(void **state)
{
    (void)state;
    char dir[] = "/tmp/loupe_derived_XXXXXX";
    assert_non_null(mkdtemp(dir));
    store_opts so;
    store_opts_default(&so);
    so.dir = dir;
    store *st = NULL;
    err_ctx e = { 0 };
    if (store_open(&so, &st, &e))
        fail_msg("store_open: %s", e.msg);
    int64_t now = now_ms();
    arena *a = arena_create(4096);
    for (int round = 0; round < 2; round++) {
        derived *d = derived_create(st, NULL);
        series_batch b;
        series_batch_init(&b, a, NULL);
        rec_call c = call_at(now - 60000 + round * 1000, REC_STATUS_OK, 100, 10, 0.5, 1500, NAN);
        add(d, &c, &b);
        add(d, &c, &b);
        store_series_in *in;
        size_t n;
        assert_int_equal(series_batch_finish(&b, &in, &n, &e), 0);
        if (round == 1) {
            /* seeded: 2 calls before the restart, 2 after */
            size_t nn;
            series_batch b2;
            series_batch_init(&b2, a, NULL);
            rec_call c2 = call_at(now - 60000 + 5000, REC_STATUS_OK, 100, 10, 0.5, 1500, NAN);
            add(d, &c2, &b2);
            char *all = dump(&b2, &nn);
            char line[512];
            snprintf(line, sizeof line, "loupe_llm_requests_total{" CL OK "} %lld:5", (long long)(now - 55000));
            has_line(all, line);
            snprintf(line, sizeof line, "loupe_llm_input_tokens_total{" CL "} %lld:500", (long long)(now - 55000));
            has_line(all, line);
            snprintf(line, sizeof line, "loupe_llm_cost_usd_total{" CL "} %lld:2.5", (long long)(now - 55000));
            has_line(all, line);
            snprintf(line, sizeof line, "loupe_llm_request_duration_seconds_bucket" HL("2", OK) " %lld:5",
                     (long long)(now - 55000));
            has_line(all, line);
            snprintf(line, sizeof line, "loupe_llm_request_duration_seconds_bucket" HL("1", OK) " %lld:0",
                     (long long)(now - 55000));
            has_line(all, line);
            free(all);
            derived_stats ds;
            derived_get_stats(d, &ds);
            assert_true(ds.seeded >= 4);
        } else {
            store_write_result res;
            if (store_write(st, in, n, &res, &e))
                fail_msg("store_write: %s", e.msg);
            assert_int_equal(res.stored, n);
        }
        derived_destroy(d);
        arena_reset(a);
    }
    arena_destroy(a);
    store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_calls),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_series_limit_and_labels),
        cmocka_unit_test(test_seed_from_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
