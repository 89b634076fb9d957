/* test_otlp_metrics.c - OTLP metrics -> Prometheus series
 * (ingest/otlp_metrics.h): names, labels, job/instance/target_info, every
 * shape, delta -> cumulative, staleness, rejections, metadata.  The decoded
 * structs are built by hand; results are compared as text, one line per
 * series: `name{label="value", ...} v@t v@t`. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest/otlp_metrics.h"
#include "ingest/promrw.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ builders */

static otlp_attr sattr(const char *k, const char *v)
{
    otlp_attr a;
    memset(&a, 0, sizeof a);
    a.key = slice_cstr(k);
    a.value.type = OTLP_STRING;
    a.value.u.s = slice_cstr(v);
    return a;
}

static otlp_attrs attrs(otlp_attr *a, size_t n) { return (otlp_attrs){ a, n }; }

/* R1: namespace, name, instance and one other attribute. */
static otlp_attr r1_attrs[4];
static otlp_resource r1;
/* R5: nothing that makes a job or an instance. */
static otlp_attr r5_attrs[1];
static otlp_resource r5;
static otlp_scope lib = { { (const uint8_t *)"lib", 3 }, { (const uint8_t *)"1.0", 3 }, { NULL, 0 } };

static int setup(void **state)
{
    (void)state;
    r1_attrs[0] = sattr("service.name", "svc");
    r1_attrs[1] = sattr("service.namespace", "ns");
    r1_attrs[2] = sattr("service.instance.id", "i1");
    r1_attrs[3] = sattr("host.name", "h1");
    r1.attrs = attrs(r1_attrs, 4);
    r5_attrs[0] = sattr("host.name", "h5");
    r5.attrs = attrs(r5_attrs, 1);
    return 0;
}

static otlp_metric metric(const char *name, const char *unit, otlp_mtype type, int temporality, int mono,
                          otlp_point *pts, size_t n)
{
    otlp_metric m;
    memset(&m, 0, sizeof m);
    m.name = slice_cstr(name);
    m.unit = slice_cstr(unit);
    m.description = slice_cstr("about it");
    m.type = type;
    m.temporality = temporality;
    m.monotonic = mono;
    m.points = pts;
    m.npoints = n;
    m.resource = &r5;
    return m;
}

#define MS 1000000ULL

static otlp_point num(uint64_t start_ms, uint64_t t_ms, double v)
{
    otlp_point p;
    memset(&p, 0, sizeof p);
    p.start_ns = start_ms * MS;
    p.time_ns = t_ms * MS;
    p.value = v;
    return p;
}

static otlp_point hist(uint64_t start_ms, uint64_t t_ms, double *bounds, size_t nb, uint64_t *counts, double sum)
{
    otlp_point p = num(start_ms, t_ms, 0);
    p.bounds = bounds;
    p.nbounds = nb;
    p.bucket_counts = counts;
    p.nbucket_counts = counts ? nb + 1 : 0;
    for (size_t i = 0; counts && i <= nb; i++)
        p.count += counts[i];
    p.sum = sum;
    p.has_sum = 1;
    return p;
}

static otlp_point ehist(uint64_t start_ms, uint64_t t_ms, int32_t scale, int32_t poff, uint64_t *pos, size_t npos,
                        int32_t noff, uint64_t *neg, size_t nneg, uint64_t zero, double zt, double sum)
{
    otlp_point p = num(start_ms, t_ms, 0);
    p.scale = scale;
    p.positive = (otlp_buckets){ poff, pos, npos };
    p.negative = (otlp_buckets){ noff, neg, nneg };
    p.zero_count = zero;
    p.zero_threshold = zt;
    p.count = zero;
    for (size_t i = 0; i < npos; i++)
        p.count += pos[i];
    for (size_t i = 0; i < nneg; i++)
        p.count += neg[i];
    p.sum = sum;
    p.has_sum = 1;
    return p;
}

/* ------------------------------------------------------------ running */

typedef struct run {
    arena *a;
    otlp_metrics_report rep;
    char *dump; /* sorted lines, '\n'-joined */
    size_t nseries;
} run;

static int line_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char *join_sorted(char **lines, size_t n)
{
    qsort(lines, n, sizeof *lines, line_cmp);
    buf b = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(buf_printf(&b, "%s%s", i ? "\n" : "", lines[i]), 0);
    assert_int_equal(buf_cstr(&b), 0);
    return (char *)buf_detach(&b, NULL);
}

static void convert_lim(otlp_metrics_conv *c, otlp_metric *ms, size_t n, const labels_limits *lim, run *r)
{
    memset(r, 0, sizeof *r);
    r->a = arena_create(1 << 16);
    series_batch b;
    series_batch_init(&b, r->a, lim);
    otlp_metrics m = { ms, n, 0 };
    for (size_t i = 0; i < n; i++)
        m.npoints += ms[i].npoints;
    err_ctx e = { 0 };
    int rc = otlp_metrics_convert(c, &m, &b, r->a, &r->rep, &e);
    if (rc)
        fail_msg("convert: %d %s", rc, e.msg);
    store_series_in *in;
    size_t ns;
    assert_int_equal(series_batch_finish(&b, &in, &ns, &e), 0);
    char **lines = calloc(ns + 1, sizeof *lines);
    for (size_t i = 0; i < ns; i++) {
        buf l = BUF_INIT;
        assert_int_equal(labels_format(in[i].key, &l), 0);
        for (size_t k = 0; k < in[i].n; k++) {
            uint64_t bits;
            memcpy(&bits, &in[i].v[k], 8);
            if (bits == OTLP_STALE_NAN_BITS)
                assert_int_equal(buf_printf(&l, " stale@%lld", (long long)in[i].t[k]), 0);
            else
                assert_int_equal(buf_printf(&l, " %.15g@%lld", in[i].v[k], (long long)in[i].t[k]), 0);
        }
        assert_int_equal(buf_cstr(&l), 0);
        lines[i] = (char *)buf_detach(&l, NULL);
    }
    r->dump = join_sorted(lines, ns);
    r->nseries = ns;
    for (size_t i = 0; i < ns; i++)
        free(lines[i]);
    free(lines);
    assert_true(r->rep.samples >= b.nsamples); /* the batch keeps one sample per timestamp */
}

static void convert(otlp_metrics_conv *c, otlp_metric *ms, size_t n, run *r) { convert_lim(c, ms, n, NULL, r); }

static void run_free(run *r)
{
    arena_destroy(r->a);
    free(r->dump);
}

static void expect(const run *r, const char **want, size_t n)
{
    char **lines = calloc(n + 1, sizeof *lines);
    for (size_t i = 0; i < n; i++)
        lines[i] = strdup(want[i]);
    char *w = join_sorted(lines, n);
    if (strcmp(w, r->dump))
        fail_msg("got:\n%s\nwant:\n%s\n(first error: %s)", r->dump, w, r->rep.first_error);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    free(w);
}
#define EXPECT(r, ...)                                                                                           \
    do {                                                                                                         \
        const char *want_[] = { __VA_ARGS__ };                                                                   \
        expect((r), want_, sizeof want_ / sizeof *want_);                                                        \
    } while (0)

static otlp_metrics_conv *conv(void)
{
    otlp_metrics_conv *c;
    assert_int_equal(otlp_metrics_conv_create(NULL, &c), 0);
    return c;
}

/* ------------------------------------------------------------ names */

static void test_naming_table(void **state)
{
    (void)state;
    static const struct {
        const char *name, *unit;
        otlp_name_kind kind;
        const char *want;
    } cases[] = {
        { "http.server.duration", "ms", OTLP_NAME_OTHER, "http_server_duration_milliseconds" },
        { "gen_ai.client.token.usage", "{token}", OTLP_NAME_OTHER, "gen_ai_client_token_usage" },
        { "requests", "", OTLP_NAME_COUNTER, "requests_total" },
        { "system.cpu.utilization", "1", OTLP_NAME_GAUGE, "system_cpu_utilization_ratio" },
        { "items", "1", OTLP_NAME_COUNTER, "items_total" },
        { "queue.size", "1", OTLP_NAME_OTHER, "queue_size" },
        { "memory.usage", "By", OTLP_NAME_GAUGE, "memory_usage_bytes" },
        { "cache.size", "KiBy", OTLP_NAME_GAUGE, "cache_size_kibibytes" },
        { "throughput", "By/s", OTLP_NAME_GAUGE, "throughput_bytes_per_second" },
        { "requests", "1/s", OTLP_NAME_GAUGE, "requests_per_second" },
        { "metric", " By / s ", OTLP_NAME_GAUGE, "metric_bytes_per_second" },
        { "custom", "By/{custom}", OTLP_NAME_GAUGE, "custom_bytes" },
        { "metric", "/", OTLP_NAME_GAUGE, "metric" },
        { "response_time_seconds", "s", OTLP_NAME_GAUGE, "response_time_seconds" },
        { "bytes_per_second", "By/s", OTLP_NAME_GAUGE, "bytes_per_second" },
        { "system.cpu.time", "s", OTLP_NAME_COUNTER, "system_cpu_time_seconds_total" },
        { "requests_total", "", OTLP_NAME_COUNTER, "requests_total" },
        { "total.requests", "", OTLP_NAME_COUNTER, "requests_total" },
        { "cpu_usage_ratio", "1", OTLP_NAME_GAUGE, "cpu_usage_ratio" },
        { "123metric", "", OTLP_NAME_GAUGE, "_123metric" },
        { "metric@@##name", "", OTLP_NAME_GAUGE, "metric_name" },
        { "metric__with__underscores", "unit__x", OTLP_NAME_GAUGE, "metric_with_underscores_unit_x" },
        { "custom_metric", "unit@with#special/chars", OTLP_NAME_GAUGE, "custom_metric_unit_with_special_per_chars" },
        { "uptime", "d", OTLP_NAME_GAUGE, "uptime_days" },
        { "room.temp", "Cel", OTLP_NAME_GAUGE, "room_temp_celsius" },
        { "disk.usage", "%", OTLP_NAME_GAUGE, "disk_usage_percent" },
        { "r\xc3\xa9quests", "", OTLP_NAME_COUNTER, "r_quests_total" },
        { "ns:sub.metric", "", OTLP_NAME_GAUGE, "ns:sub_metric" },
    };
    arena *a = arena_create(4096);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        slice got;
        int rc = otlp_metrics_name(slice_cstr(cases[i].name), slice_cstr(cases[i].unit), cases[i].kind, a, &got);
        if (rc || !slice_eq_cstr(got, cases[i].want))
            fail_msg("%s [%s]: got \"%.*s\" (rc %d), want \"%s\"", cases[i].name, cases[i].unit, (int)got.n,
                     (const char *)got.p, rc, cases[i].want);
    }
    slice got;
    assert_int_equal(otlp_metrics_name(slice_cstr("@#$%"), slice_cstr(""), OTLP_NAME_GAUGE, a, &got), LOUPE_EINVAL);

    static const struct {
        const char *unit, *want;
    } units[] = { { "ms", "milliseconds" }, { "By/s", "bytes_per_second" }, { "1", "" }, { "{token}", "" },
                  { "1/s", "per_second" }, { "custom_unit", "custom_unit" }, { "TBy", "terabytes" } };
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        assert_int_equal(otlp_metrics_unit(slice_cstr(units[i].unit), a, &got), 0);
        if (!slice_eq_cstr(got, units[i].want))
            fail_msg("unit %s: got \"%.*s\"", units[i].unit, (int)got.n, (const char *)got.p);
    }
    arena_destroy(a);
}

/* The same rules through the converter: series names per type. */
static void test_naming_through_types(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    otlp_point g = num(0, 1000, 0.25), s = num(0, 1000, 7), q = num(0, 1000, 2);
    double bounds[] = { 1 };
    uint64_t counts[] = { 1, 1 };
    otlp_point h = hist(0, 1000, bounds, 1, counts, 3);
    otlp_quantile qs[] = { { 0.5, 1 } };
    otlp_point sm = num(0, 1000, 0);
    sm.quantiles = qs, sm.nquantiles = 1, sm.count = 4, sm.sum = 8;
    otlp_metric ms[] = {
        metric("http.server.duration", "ms", OTLP_M_HISTOGRAM, OTLP_TEMPORALITY_CUMULATIVE, 0, &h, 1),
        metric("gen_ai.client.token.usage", "{token}", OTLP_M_SUMMARY, 0, 0, &sm, 1),
        metric("requests", "", OTLP_M_SUM, OTLP_TEMPORALITY_CUMULATIVE, 1, &s, 1),
        metric("cpu.utilization", "1", OTLP_M_GAUGE, 0, 0, &g, 1),
        metric("queue.length", "1", OTLP_M_SUM, OTLP_TEMPORALITY_CUMULATIVE, 0, &q, 1),
    };
    run r;
    convert(c, ms, 5, &r);
    EXPECT(&r, "cpu_utilization_ratio{} 0.25@1000", "gen_ai_client_token_usage{quantile=\"0.5\"} 1@1000",
           "gen_ai_client_token_usage_count{} 4@1000", "gen_ai_client_token_usage_sum{} 8@1000",
           "http_server_duration_milliseconds_bucket{le=\"+Inf\"} 2@1000",
           "http_server_duration_milliseconds_bucket{le=\"1\"} 1@1000",
           "http_server_duration_milliseconds_count{} 2@1000", "http_server_duration_milliseconds_sum{} 3@1000",
           "queue_length{} 2@1000", "requests_total{} 7@1000");
    run_free(&r);
    otlp_metrics_conv_destroy(c);
}

static void test_label_names(void **state)
{
    (void)state;
    static const struct {
        const char *key, *want;
    } cases[] = {
        { "http.method", "http_method" }, { "123abc", "key_123abc" },   { "_private", "key_private" },
        { "__reserved__", "__reserved__" }, { "a-b/c", "a_b_c" },       { "valid_name", "valid_name" },
        { "\xc3\xbc" "n" "\xc3\xaf" "code", "key_n_code" }, { ".", "key_" },    { "___", "___" },
        { "Ab:c", "Ab_c" },
    };
    arena *a = arena_create(4096);
    slice got;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(otlp_metrics_label_name(slice_cstr(cases[i].key), a, &got), 0);
        if (!slice_eq_cstr(got, cases[i].want))
            fail_msg("%s: got \"%.*s\", want %s", cases[i].key, (int)got.n, (const char *)got.p, cases[i].want);
    }
    const char *key = "valid_name";
    assert_int_equal(otlp_metrics_label_name(slice_cstr(key), a, &got), 0);
    assert_ptr_equal(got.p, key); /* valid keys are not copied */
    assert_int_equal(otlp_metrics_label_name(slice_cstr("..."), a, &got), LOUPE_EINVAL);
    assert_int_equal(otlp_metrics_label_name(slice_cstr(""), a, &got), LOUPE_EINVAL);
    arena_destroy(a);
}

/* ------------------------------------------------------------ labels */

static void test_job_instance_target_info(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    otlp_attr pa[] = { sattr("room", "a") }, pb[] = { sattr("room", "b") };
    otlp_point p[] = { num(0, 1000, 21.5), num(0, 2000, 19) };
    p[0].attrs = attrs(pa, 1), p[1].attrs = attrs(pb, 1);
    otlp_metric m = metric("temp", "Cel", OTLP_M_GAUGE, 0, 0, p, 2);
    m.resource = &r1;
    m.scope = &lib;
    run r;
    convert(c, &m, 1, &r);
    EXPECT(&r, "target_info{host_name=\"h1\", instance=\"i1\", job=\"ns/svc\"} 1@2000",
           "temp_celsius{instance=\"i1\", job=\"ns/svc\", otel_scope_name=\"lib\", otel_scope_version=\"1.0\", "
           "room=\"a\"} 21.5@1000",
           "temp_celsius{instance=\"i1\", job=\"ns/svc\", otel_scope_name=\"lib\", otel_scope_version=\"1.0\", "
           "room=\"b\"} 19@2000");
    assert_int_equal(r.rep.points, 2);
    assert_int_equal(r.rep.samples, 3);
    assert_int_equal(r.rep.rejected, 0);
    run_free(&r);

    /* service.name alone: job, no instance; a nameless scope adds nothing */
    otlp_attr a2[] = { sattr("service.name", "svc2"), sattr("host.name", "h2") };
    otlp_resource r2 = { attrs(a2, 2), { 0 } };
    /* no service.name: the namespace makes no job, instance still comes */
    otlp_attr a3[] = { sattr("service.namespace", "ns3"), sattr("service.instance.id", "i3"),
                       sattr("k8s.pod.name", "p") };
    otlp_resource r3 = { attrs(a3, 3), { 0 } };
    /* only identifying attributes: no target_info */
    otlp_attr a4[] = { sattr("service.name", "svc4") };
    otlp_resource r4 = { attrs(a4, 1), { 0 } };
    otlp_scope noname = { { 0 }, { (const uint8_t *)"9", 1 }, { NULL, 0 } };
    otlp_attr sa[] = { sattr("tier", "x") };
    otlp_scope lib2 = { { (const uint8_t *)"lib2", 4 }, { 0 }, attrs(sa, 1) };
    otlp_point q[] = { num(0, 1000, 1), num(0, 1000, 2), num(0, 1000, 3), num(0, 1000, 4) };
    otlp_metric ms[] = {
        metric("up", "", OTLP_M_GAUGE, 0, 0, &q[0], 1), metric("up", "", OTLP_M_GAUGE, 0, 0, &q[1], 1),
        metric("up", "", OTLP_M_GAUGE, 0, 0, &q[2], 1), metric("up", "", OTLP_M_GAUGE, 0, 0, &q[3], 1),
    };
    ms[0].resource = &r2, ms[0].scope = &noname;
    ms[1].resource = &r3, ms[1].scope = &lib2;
    ms[2].resource = &r4;
    ms[3].resource = &r5; /* no job, no instance: no target_info either */
    convert(c, ms, 4, &r);
    EXPECT(&r, "target_info{host_name=\"h2\", job=\"svc2\"} 1@1000",
           "target_info{instance=\"i3\", k8s_pod_name=\"p\"} 1@1000", "up{job=\"svc2\"} 1@1000",
           "up{instance=\"i3\", otel_scope_name=\"lib2\", otel_scope_tier=\"x\"} 2@1000", "up{job=\"svc4\"} 3@1000",
           "up{} 4@1000");
    run_free(&r);
    otlp_metrics_conv_destroy(c);
}

static void test_label_keys_and_values(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    otlp_attr pa[] = {
        sattr("http.method", "GET"), sattr("123abc", "1"), sattr("_private", "2"), sattr("__reserved__", "3"),
        sattr("a_b", "y"), sattr("a.b", "x"), sattr("dup", "1"), sattr("dup", "2"), sattr("le", "attr-le"),
        sattr("__name__", "ignored"), sattr("int.val", ""), sattr("dbl", ""), sattr("flag", ""), sattr("tiny", ""),
        sattr("raw", ""),
    };
    pa[10].value = (otlp_value){ .type = OTLP_INT, .u.i = -42 };
    pa[11].value = (otlp_value){ .type = OTLP_DOUBLE, .u.d = 0.5 };
    pa[12].value = (otlp_value){ .type = OTLP_BOOL, .u.b = 1 };
    pa[13].value = (otlp_value){ .type = OTLP_DOUBLE, .u.d = 1e-7 };
    pa[14].value = (otlp_value){ .type = OTLP_BYTES, .u.s = { (const uint8_t *)"hi!?", 4 } };
    otlp_point p = num(0, 1000, 1);
    p.attrs = attrs(pa, sizeof pa / sizeof *pa);
    otlp_metric m = metric("g", "", OTLP_M_GAUGE, 0, 0, &p, 1);
    run r;
    convert(c, &m, 1, &r);
    EXPECT(&r, "g{__reserved__=\"3\", a_b=\"x;y\", dbl=\"0.5\", dup=\"2\", flag=\"true\", http_method=\"GET\", "
               "int_val=\"-42\", key_123abc=\"1\", key_private=\"2\", le=\"attr-le\", raw=\"aGkhPw==\", "
               "tiny=\"1e-7\"} 1@1000");
    run_free(&r);

    /* a point attribute "job" gives way to the resource's job */
    otlp_attr pj[] = { sattr("job", "mine"), sattr("x", "1") };
    p.attrs = attrs(pj, 2);
    m.resource = &r1;
    convert(c, &m, 1, &r);
    EXPECT(&r, "g{instance=\"i1\", job=\"ns/svc\", x=\"1\"} 1@1000",
           "target_info{host_name=\"h1\", instance=\"i1\", job=\"ns/svc\"} 1@1000");
    run_free(&r);

    /* a key with no label name rejects its point, not the request */
    otlp_attr bad[] = { sattr("...", "v") };
    otlp_point pp[] = { num(0, 1000, 1), num(0, 1000, 2) };
    pp[0].attrs = attrs(bad, 1);
    otlp_metric m2 = metric("g", "", OTLP_M_GAUGE, 0, 0, pp, 2);
    convert(c, &m2, 1, &r);
    EXPECT(&r, "g{} 2@1000");
    assert_int_equal(r.rep.rejected, 1);
    assert_non_null(strstr(r.rep.first_error, "\"...\""));
    assert_non_null(strstr(r.rep.first_error, "metric \"g\""));
    run_free(&r);
    otlp_metrics_conv_destroy(c);
}

/* ------------------------------------------------------------ shapes */

static void test_histogram(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    double bounds[] = { 0.5, 1, 2.5 };
    uint64_t counts[] = { 1, 2, 3, 4 };
    otlp_point p = hist(0, 1000, bounds, 3, counts, 12.5);
    otlp_metric m = metric("http.server.duration", "ms", OTLP_M_HISTOGRAM, OTLP_TEMPORALITY_CUMULATIVE, 0, &p, 1);
    m.resource = &r1;
    run r;
    convert(c, &m, 1, &r);
#define HL "instance=\"i1\", job=\"ns/svc\""
    EXPECT(&r, "http_server_duration_milliseconds_bucket{" HL ", le=\"+Inf\"} 10@1000",
           "http_server_duration_milliseconds_bucket{" HL ", le=\"0.5\"} 1@1000",
           "http_server_duration_milliseconds_bucket{" HL ", le=\"1\"} 3@1000",
           "http_server_duration_milliseconds_bucket{" HL ", le=\"2.5\"} 6@1000",
           "http_server_duration_milliseconds_count{" HL "} 10@1000",
           "http_server_duration_milliseconds_sum{" HL "} 12.5@1000",
           "target_info{host_name=\"h1\", " HL "} 1@1000");
    run_free(&r);
    /* no sum: no _sum series; no buckets: only +Inf */
    p = hist(0, 2000, NULL, 0, NULL, 0);
    p.has_sum = 0;
    p.count = 3;
    m.resource = &r5;
    convert(c, &m, 1, &r);
    EXPECT(&r, "http_server_duration_milliseconds_bucket{le=\"+Inf\"} 3@2000",
           "http_server_duration_milliseconds_count{} 3@2000");
    run_free(&r);
    otlp_metrics_conv_destroy(c);
}

static void test_exponential_histogram(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    /* scale 0 (base 2): positive bucket i holds (2^i, 2^(i+1)], negative
     * bucket i holds [-2^(i+1), -2^i) */
    uint64_t pos[] = { 1, 2 }, neg[] = { 3 };
    otlp_point p = ehist(0, 1000, 0, 0, pos, 2, 0, neg, 1, 1, 0, 3.5);
    otlp_metric m = metric("latency", "s", OTLP_M_EXP_HISTOGRAM, OTLP_TEMPORALITY_CUMULATIVE, 0, &p, 1);
    run r;
    convert(c, &m, 1, &r);
    EXPECT(&r, "latency_seconds_bucket{le=\"-1\"} 3@1000", "latency_seconds_bucket{le=\"0\"} 4@1000",
           "latency_seconds_bucket{le=\"2\"} 5@1000", "latency_seconds_bucket{le=\"4\"} 7@1000",
           "latency_seconds_bucket{le=\"+Inf\"} 7@1000", "latency_seconds_count{} 7@1000",
           "latency_seconds_sum{} 3.5@1000");
    run_free(&r);

    /* scale -1 (base 4), a zero threshold */
    uint64_t pos2[] = { 2, 3 }, neg2[] = { 5 };
    p = ehist(0, 1000, -1, -1, pos2, 2, 1, neg2, 1, 1, 0.001, 0);
    convert(c, &m, 1, &r);
    EXPECT(&r, "latency_seconds_bucket{le=\"-4\"} 5@1000", "latency_seconds_bucket{le=\"0.001\"} 6@1000",
           "latency_seconds_bucket{le=\"1\"} 8@1000", "latency_seconds_bucket{le=\"4\"} 11@1000",
           "latency_seconds_bucket{le=\"+Inf\"} 11@1000", "latency_seconds_count{} 11@1000",
           "latency_seconds_sum{} 0@1000");
    run_free(&r);

    /* scale 1 (base sqrt 2): exact at powers of two */
    uint64_t pos3[] = { 1, 1 };
    p = ehist(0, 1000, 1, 0, pos3, 2, 0, NULL, 0, 0, 0, 0);
    convert(c, &m, 1, &r);
    EXPECT(&r, "latency_seconds_bucket{le=\"0\"} 0@1000", "latency_seconds_bucket{le=\"1.4142135623730951\"} 1@1000",
           "latency_seconds_bucket{le=\"2\"} 2@1000", "latency_seconds_bucket{le=\"+Inf\"} 2@1000",
           "latency_seconds_count{} 2@1000", "latency_seconds_sum{} 0@1000");
    run_free(&r);

    /* scale -10 (base 2^1024): a bound past DBL_MAX only counts in +Inf */
    uint64_t pos4[] = { 1, 1 };
    p = ehist(0, 1000, -10, -1, pos4, 2, 0, NULL, 0, 0, 0, 0);
    convert(c, &m, 1, &r);
    EXPECT(&r, "latency_seconds_bucket{le=\"0\"} 0@1000", "latency_seconds_bucket{le=\"1\"} 1@1000",
           "latency_seconds_bucket{le=\"+Inf\"} 2@1000", "latency_seconds_count{} 2@1000",
           "latency_seconds_sum{} 0@1000");
    run_free(&r);
    otlp_metrics_conv_destroy(c);
}

static void test_summary(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    otlp_quantile qs[] = { { 0.5, 1.5 }, { 0.99, 9 } };
    otlp_point p = num(0, 1000, 0);
    p.quantiles = qs, p.nquantiles = 2, p.count = 20, p.sum = 100;
    otlp_metric m = metric("rpc.latency", "ms", OTLP_M_SUMMARY, 0, 0, &p, 1);
    run r;
    convert(c, &m, 1, &r);
    EXPECT(&r, "rpc_latency_milliseconds{quantile=\"0.5\"} 1.5@1000",
           "rpc_latency_milliseconds{quantile=\"0.99\"} 9@1000", "rpc_latency_milliseconds_count{} 20@1000",
           "rpc_latency_milliseconds_sum{} 100@1000");
    assert_int_equal(r.rep.nmeta, 1);
    assert_int_equal(r.rep.meta[0].type, RW_META_SUMMARY);
    run_free(&r);
    otlp_metrics_conv_destroy(c);
}

/* ------------------------------------------------------------ delta */

static void test_delta_sum(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    run r;
    double want[] = { 1, 3, 6 };
    for (int i = 0; i < 3; i++) {
        otlp_point p = num(10000 * (uint64_t)i, 10000 * (uint64_t)(i + 1), i + 1);
        otlp_metric m = metric("requests", "", OTLP_M_SUM, OTLP_TEMPORALITY_DELTA, 1, &p, 1);
        convert(c, &m, 1, &r);
        char line[64];
        snprintf(line, sizeof line, "requests_total{} %g@%d", want[i], 10000 * (i + 1));
        EXPECT(&r, line);
        run_free(&r);
    }
    assert_int_equal(otlp_metrics_conv_streams(c), 1);
    /* several points of one stream in one request; int values */
    otlp_point ps[3] = { num(0, 10000, 0), num(10000, 20000, 0), num(20000, 30000, 0) };
    for (int i = 0; i < 3; i++)
        ps[i].is_int = 1, ps[i].ivalue = i + 1, ps[i].value = i + 1;
    otlp_attr at[] = { sattr("path", "/x") };
    for (int i = 0; i < 3; i++)
        ps[i].attrs = attrs(at, 1);
    otlp_metric m = metric("requests", "", OTLP_M_SUM, OTLP_TEMPORALITY_DELTA, 1, ps, 3);
    convert(c, &m, 1, &r);
    EXPECT(&r, "requests_total{path=\"/x\"} 1@10000 3@20000 6@30000");
    run_free(&r);
    /* a non-monotonic delta sum accumulates into a gauge */
    otlp_point nm[2] = { num(0, 1000, 5), num(1000, 2000, -2) };
    m = metric("queue.items", "", OTLP_M_SUM, OTLP_TEMPORALITY_DELTA, 0, nm, 2);
    convert(c, &m, 1, &r);
    EXPECT(&r, "queue_items{} 5@1000 3@2000");
    assert_int_equal(r.rep.meta[0].type, RW_META_GAUGE);
    run_free(&r);
    otlp_metrics_conv_destroy(c);
}

static void test_delta_histogram(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    double bounds[] = { 1, 2 };
    uint64_t c1[] = { 1, 0, 1 }, c2[] = { 0, 2, 1 };
    otlp_point p[] = { hist(0, 1000, bounds, 2, c1, 3.5), hist(1000, 2000, bounds, 2, c2, 6) };
    otlp_metric m = metric("d", "s", OTLP_M_HISTOGRAM, OTLP_TEMPORALITY_DELTA, 0, p, 2);
    run r;
    convert(c, &m, 1, &r);
    EXPECT(&r, "d_seconds_bucket{le=\"+Inf\"} 2@1000 5@2000", "d_seconds_bucket{le=\"1\"} 1@1000 1@2000",
           "d_seconds_bucket{le=\"2\"} 1@1000 3@2000", "d_seconds_count{} 2@1000 5@2000",
           "d_seconds_sum{} 3.5@1000 9.5@2000");
    run_free(&r);
    /* new bounds: the stream restarts from this point */
    double b2[] = { 5 };
    uint64_t c3[] = { 4, 0 };
    otlp_point p3 = hist(2000, 3000, b2, 1, c3, 8);
    m.points = &p3, m.npoints = 1;
    convert(c, &m, 1, &r);
    EXPECT(&r, "d_seconds_bucket{le=\"+Inf\"} 4@3000", "d_seconds_bucket{le=\"5\"} 4@3000",
           "d_seconds_count{} 4@3000", "d_seconds_sum{} 8@3000");
    run_free(&r);
    otlp_metrics_conv_destroy(c);
}

/* A delta SDK and a cumulative SDK making the same observations write the
 * same series, request after request. */
static void test_delta_equals_cumulative(void **state)
{
    (void)state;
    otlp_metrics_conv *cd = conv(), *cc = conv();
    double bounds[] = { 0.1, 1, 10 };
    /* per interval: sum delta, histogram buckets, exponential buckets (offset moves) */
    double dsum[] = { 3, 0, 2.5, 7 };
    uint64_t dh[4][4] = { { 1, 0, 2, 0 }, { 0, 0, 0, 0 }, { 0, 3, 0, 1 }, { 2, 2, 2, 2 } };
    int32_t eoff[] = { 2, 0, 3, -1 };
    uint64_t de[4][2] = { { 1, 1 }, { 1, 0 }, { 0, 4 }, { 2, 2 } };
    uint64_t csum_h[4] = { 0 }, cum_e[8] = { 0 }; /* cumulative exponential buckets from offset -1 */
    double csum = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t t0 = 60000 * (uint64_t)i, t1 = t0 + 60000;
        csum += dsum[i];
        for (int k = 0; k < 4; k++)
            csum_h[k] += dh[i][k];
        for (int k = 0; k < 2; k++)
            cum_e[eoff[i] + 1 + k] += de[i][k];
        /* delta */
        otlp_point ds = num(t0, t1, dsum[i]), dhp = hist(t0, t1, bounds, 3, dh[i], (double)i);
        otlp_point de_p = ehist(t0, t1, 0, eoff[i], de[i], 2, 0, NULL, 0, 1, 0, (double)i);
        otlp_metric dm[] = {
            metric("bytes.sent", "By", OTLP_M_SUM, OTLP_TEMPORALITY_DELTA, 1, &ds, 1),
            metric("op.duration", "s", OTLP_M_HISTOGRAM, OTLP_TEMPORALITY_DELTA, 0, &dhp, 1),
            metric("op.size", "By", OTLP_M_EXP_HISTOGRAM, OTLP_TEMPORALITY_DELTA, 0, &de_p, 1),
        };
        /* cumulative, from the start */
        otlp_point cs = num(0, t1, csum), chp = hist(0, t1, bounds, 3, csum_h, 0);
        double esum = 0;
        for (int k = 0; k <= i; k++)
            esum += k;
        chp.sum = esum;
        /* the cumulative SDK's buckets span every index seen so far */
        int dlo = 8, dhi = 0;
        for (int k = 0; k <= i; k++) {
            dlo = eoff[k] + 1 < dlo ? eoff[k] + 1 : dlo;
            dhi = eoff[k] + 3 > dhi ? eoff[k] + 3 : dhi;
        }
        otlp_point ce = ehist(0, t1, 0, dlo - 1, &cum_e[dlo], (size_t)(dhi - dlo), 0, NULL, 0, (uint64_t)i + 1, 0,
                              esum);
        otlp_metric cm[] = {
            metric("bytes.sent", "By", OTLP_M_SUM, OTLP_TEMPORALITY_CUMULATIVE, 1, &cs, 1),
            metric("op.duration", "s", OTLP_M_HISTOGRAM, OTLP_TEMPORALITY_CUMULATIVE, 0, &chp, 1),
            metric("op.size", "By", OTLP_M_EXP_HISTOGRAM, OTLP_TEMPORALITY_CUMULATIVE, 0, &ce, 1),
        };
        for (int k = 0; k < 3; k++)
            dm[k].resource = cm[k].resource = &r1, dm[k].scope = cm[k].scope = &lib;
        run rd, rc;
        convert(cd, dm, 3, &rd);
        convert(cc, cm, 3, &rc);
        if (strcmp(rd.dump, rc.dump))
            fail_msg("interval %d:\ndelta:\n%s\ncumulative:\n%s", i, rd.dump, rc.dump);
        assert_int_equal(rd.rep.rejected, 0);
        assert_non_null(strstr(rd.dump, "bytes_sent_total{")); /* "bytes" is already a name token */
        run_free(&rd);
        run_free(&rc);
    }
    assert_int_equal(otlp_metrics_conv_streams(cd), 3);
    assert_int_equal(otlp_metrics_conv_streams(cc), 0);
    otlp_metrics_conv_destroy(cd);
    otlp_metrics_conv_destroy(cc);
}

static void test_delta_overlap_and_order(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    otlp_point p[] = {
        num(0, 10000, 1),      /* ok: 1 */
        num(5000, 15000, 1),   /* starts before 10000 ended: dropped */
        num(10000, 20000, 1),  /* ok: 2 */
        num(2000, 8000, 1),    /* ends before the last one: dropped */
        num(10000, 20000, 1),  /* the same interval again (a retry): totals again, not added */
        num(25000, 30000, 1),  /* a gap is fine: 3 */
    };
    otlp_metric m = metric("c", "", OTLP_M_SUM, OTLP_TEMPORALITY_DELTA, 1, p, 6);
    run r;
    convert(c, &m, 1, &r);
    EXPECT(&r, "c_total{} 1@10000 2@20000 3@30000");
    assert_int_equal(r.rep.points, 6);
    assert_int_equal(r.rep.delta_dropped, 2);
    assert_int_equal(r.rep.rejected, 2);
    assert_non_null(strstr(r.rep.first_error, "overlaps"));
    run_free(&r);
    otlp_metrics_conv_destroy(c);
}

static int64_t g_now;
static int64_t fake_now(void *ctx)
{
    (void)ctx;
    return g_now;
}

static void test_delta_limits_and_idle(void **state)
{
    (void)state;
    otlp_metrics_conv_opts o;
    otlp_metrics_conv_opts_default(&o);
    assert_int_equal(o.max_streams, 1000000);
    o.max_streams = 2;
    o.now_ms = fake_now;
    g_now = 1000;
    otlp_metrics_conv *c;
    assert_int_equal(otlp_metrics_conv_create(&o, &c), 0);
    otlp_attr aa[] = { sattr("s", "a") }, ab[] = { sattr("s", "b") }, ac[] = { sattr("s", "c") };
    otlp_point p[] = { num(0, 1000, 1), num(0, 1000, 1), num(0, 1000, 1) };
    p[0].attrs = attrs(aa, 1), p[1].attrs = attrs(ab, 1), p[2].attrs = attrs(ac, 1);
    otlp_metric m = metric("c", "", OTLP_M_SUM, OTLP_TEMPORALITY_DELTA, 1, p, 3);
    run r;
    convert(c, &m, 1, &r);
    assert_int_equal(r.rep.delta_dropped, 1);
    assert_non_null(strstr(r.rep.first_error, "too many delta streams"));
    assert_int_equal(otlp_metrics_conv_streams(c), 2);
    run_free(&r);
    /* an hour and a bit later the idle streams are gone and c gets in */
    g_now += 3600 * 1000 + 1;
    m.points = &p[2], m.npoints = 1;
    p[2].time_ns = 5000 * MS;
    convert(c, &m, 1, &r);
    EXPECT(&r, "c_total{s=\"c\"} 1@5000");
    assert_int_equal(otlp_metrics_conv_streams(c), 1);
    run_free(&r);
    otlp_metrics_conv_destroy(c);
}

typedef struct thr_arg {
    otlp_metrics_conv *c;
    int id;
    double last;
} thr_arg;

static void *thr_main(void *p)
{
    thr_arg *t = p;
    char v[8];
    snprintf(v, sizeof v, "%d", t->id);
    otlp_attr at[] = { sattr("thread", v) };
    for (int i = 0; i < 500; i++) {
        otlp_point pt = num((uint64_t)i * 10, (uint64_t)(i + 1) * 10, 1);
        pt.attrs = attrs(at, 1);
        otlp_metric m = metric("work", "", OTLP_M_SUM, OTLP_TEMPORALITY_DELTA, 1, &pt, 1);
        arena *a = arena_create(4096);
        series_batch b;
        series_batch_init(&b, a, NULL);
        otlp_metrics ms = { &m, 1, 1 };
        otlp_metrics_report rep;
        err_ctx e = { 0 };
        if (otlp_metrics_convert(t->c, &ms, &b, a, &rep, &e) == 0) {
            store_series_in *in;
            size_t n;
            if (series_batch_finish(&b, &in, &n, &e) == 0 && n == 1)
                t->last = in[0].v[0];
        }
        arena_destroy(a);
    }
    return NULL;
}

static void test_delta_threads(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    pthread_t th[4];
    thr_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thr_arg){ c, i, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, thr_main, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(args[i].last == 500);
    }
    assert_int_equal(otlp_metrics_conv_streams(c), 4);
    otlp_metrics_conv_destroy(c);
}

/* ------------------------------------------------------------ staleness, rejections, metadata */

static void test_no_recorded_value(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    otlp_point g = num(0, 1000, 5);
    g.flags = OTLP_FLAG_NO_RECORDED_VALUE;
    double bounds[] = { 1 };
    otlp_point h = hist(0, 1000, bounds, 1, NULL, 0); /* a stale point carries no counts */
    h.flags = OTLP_FLAG_NO_RECORDED_VALUE;
    otlp_metric ms[] = {
        metric("g", "", OTLP_M_GAUGE, 0, 0, &g, 1),
        metric("h", "", OTLP_M_HISTOGRAM, OTLP_TEMPORALITY_CUMULATIVE, 0, &h, 1),
    };
    run r;
    convert(c, ms, 2, &r);
    EXPECT(&r, "g{} stale@1000", "h_bucket{le=\"+Inf\"} stale@1000", "h_bucket{le=\"1\"} stale@1000",
           "h_count{} stale@1000", "h_sum{} stale@1000");
    run_free(&r);

    /* delta: the stream's layout gets the markers, and the stream is forgotten */
    double b2[] = { 1, 2 };
    uint64_t cn[] = { 1, 1, 1 };
    otlp_point d[] = { hist(0, 1000, b2, 2, cn, 3), hist(1000, 2000, NULL, 0, NULL, 0) };
    d[1].flags = OTLP_FLAG_NO_RECORDED_VALUE;
    otlp_metric dm = metric("dh", "", OTLP_M_HISTOGRAM, OTLP_TEMPORALITY_DELTA, 0, d, 2);
    convert(c, &dm, 1, &r);
    EXPECT(&r, "dh_bucket{le=\"+Inf\"} 3@1000 stale@2000", "dh_bucket{le=\"1\"} 1@1000 stale@2000",
           "dh_bucket{le=\"2\"} 2@1000 stale@2000", "dh_count{} 3@1000 stale@2000", "dh_sum{} 3@1000 stale@2000");
    assert_int_equal(otlp_metrics_conv_streams(c), 0);
    run_free(&r);
    otlp_metrics_conv_destroy(c);
}

static void test_rejections(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    double bounds[] = { 1, 2, 3 };
    uint64_t three[] = { 1, 1, 1, 0 };
    otlp_point bad_h = hist(0, 1000, bounds, 3, three, 0);
    bad_h.nbucket_counts = 3; /* 3 counts for 3 bounds */
    uint64_t pos[] = { 1 };
    otlp_point bad_e = ehist(0, 1000, 25, 0, pos, 1, 0, NULL, 0, 0, 0, 0);
    double nanb[] = { NAN };
    uint64_t two[] = { 1, 1 };
    otlp_point nan_h = hist(0, 1000, nanb, 1, two, 0);
    otlp_point s[] = { num(0, 1000, 1), num(0, 1000, 2) }, ok = num(0, 1000, 9), n1 = num(0, 1000, 1);
    otlp_metric ms[] = {
        metric("h", "", OTLP_M_HISTOGRAM, OTLP_TEMPORALITY_CUMULATIVE, 0, &bad_h, 1),
        metric("e", "", OTLP_M_EXP_HISTOGRAM, OTLP_TEMPORALITY_CUMULATIVE, 0, &bad_e, 1),
        metric("n", "", OTLP_M_HISTOGRAM, OTLP_TEMPORALITY_CUMULATIVE, 0, &nan_h, 1),
        metric("s", "", OTLP_M_SUM, OTLP_TEMPORALITY_UNSPECIFIED, 1, s, 2),
        metric("@#$", "", OTLP_M_GAUGE, 0, 0, &n1, 1),
        metric("empty", "", OTLP_M_NONE, 0, 0, NULL, 0),
        metric("fine", "", OTLP_M_GAUGE, 0, 0, &ok, 1),
    };
    run r;
    convert(c, ms, 7, &r);
    EXPECT(&r, "fine{} 9@1000");
    assert_int_equal(r.rep.points, 7);
    assert_int_equal(r.rep.rejected, 6);
    assert_int_equal(r.rep.empty_metrics, 1);
    assert_int_equal(r.rep.samples, 1);
    assert_non_null(strstr(r.rep.first_error, "3 bucket counts for 3 explicit bounds"));
    run_free(&r);

    /* label limits: a point over them is rejected whole, before any sample */
    labels_limits lim = { 3, 0, 0 };
    otlp_attr two_attrs[] = { sattr("a", "1"), sattr("b", "2") }, one_attr[] = { sattr("a", "1") };
    otlp_point g = num(0, 1000, 1), hp = hist(0, 1000, bounds, 3, (uint64_t[]){ 1, 1, 1, 1 }, 4);
    g.attrs = attrs(two_attrs, 2);  /* __name__ + 2 = 3 labels: fine for a gauge */
    hp.attrs = attrs(two_attrs, 2); /* + le = 4 for its buckets: the whole point goes */
    otlp_point hp2 = hp;
    hp2.attrs = attrs(one_attr, 1);
    otlp_metric lm[] = {
        metric("g", "", OTLP_M_GAUGE, 0, 0, &g, 1),
        metric("h", "", OTLP_M_HISTOGRAM, OTLP_TEMPORALITY_CUMULATIVE, 0, &hp, 1),
        metric("h", "", OTLP_M_HISTOGRAM, OTLP_TEMPORALITY_CUMULATIVE, 0, &hp2, 1),
    };
    convert_lim(c, lm, 3, &lim, &r);
    assert_int_equal(r.rep.rejected, 1);
    assert_int_equal(r.nseries, 1 + 4 + 2);
    assert_non_null(strstr(r.rep.first_error, "limit"));
    assert_null(strstr(r.dump, "b=\"2\", le="));
    run_free(&r);
    otlp_metrics_conv_destroy(c);
}

static void test_metadata(void **state)
{
    (void)state;
    otlp_metrics_conv *c = conv();
    otlp_point p1 = num(0, 1000, 1), p2 = num(0, 1000, 2), p3 = num(0, 1000, 3);
    double bounds[] = { 1 };
    uint64_t cn[] = { 1, 0 };
    otlp_point h = hist(0, 1000, bounds, 1, cn, 1);
    otlp_metric ms[] = {
        metric("requests", "", OTLP_M_SUM, OTLP_TEMPORALITY_CUMULATIVE, 1, &p1, 1),
        metric("http.server.duration", "ms", OTLP_M_HISTOGRAM, OTLP_TEMPORALITY_CUMULATIVE, 0, &h, 1),
        metric("queue.size", "{item}", OTLP_M_SUM, OTLP_TEMPORALITY_CUMULATIVE, 0, &p2, 1),
        metric("requests", "", OTLP_M_SUM, OTLP_TEMPORALITY_CUMULATIVE, 1, &p3, 1), /* same family again */
    };
    ms[0].description = slice_cstr("Number of requests");
    ms[3].description = slice_cstr("Requests served");
    for (int i = 0; i < 4; i++)
        ms[i].resource = &r1;
    run r;
    convert(c, ms, 4, &r);
    assert_int_equal(r.rep.nmeta, 4);
    const otlp_metrics_meta *mm = r.rep.meta;
    assert_true(slice_eq_cstr(mm[0].family, "requests_total"));
    assert_int_equal(mm[0].type, RW_META_COUNTER);
    assert_true(slice_eq_cstr(mm[0].help, "Requests served")); /* the last one wins */
    assert_int_equal(mm[0].unit.n, 0);
    assert_true(slice_eq_cstr(mm[1].family, "http_server_duration_milliseconds"));
    assert_int_equal(mm[1].type, RW_META_HISTOGRAM);
    assert_true(slice_eq_cstr(mm[1].unit, "milliseconds"));
    assert_true(slice_eq_cstr(mm[2].family, "queue_size"));
    assert_int_equal(mm[2].type, RW_META_GAUGE);
    assert_true(slice_eq_cstr(mm[3].family, "target_info"));
    assert_int_equal(mm[3].type, RW_META_GAUGE);
    assert_true(slice_eq_cstr(mm[3].help, "Target metadata"));
    run_free(&r);
    otlp_metrics_conv_destroy(c);
    otlp_metrics_conv_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_naming_table),
        cmocka_unit_test(test_naming_through_types),
        cmocka_unit_test(test_label_names),
        cmocka_unit_test(test_job_instance_target_info),
        cmocka_unit_test(test_label_keys_and_values),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_exponential_histogram),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_delta_sum),
        cmocka_unit_test(test_delta_histogram),
        cmocka_unit_test(test_delta_equals_cumulative),
        cmocka_unit_test(test_delta_overlap_and_order),
        cmocka_unit_test(test_delta_limits_and_idle),
        cmocka_unit_test(test_delta_threads),
        cmocka_unit_test(test_no_recorded_value),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_metadata),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
