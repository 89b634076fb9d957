/* app.c - wiring: the route table, the store, the server, loupe's own metrics. */
#include "app.h"
#include "revision.h" /* generated at build time: LOUPE_REVISION */
#include "ingest/otlp_http.h"
#include "ingest/rw_handler.h"
#include "query/jaeger_api.h"
#include "query/llm_api.h"
#include "query/meta_api.h"
#include "query/prom_api.h"
#include "server/assets.h"
#include "server/grpc.h"
#include "server/http.h"
#include "store/records.h"
#include "store/store.h"
#include "util/log.h"
#include "util/metrics.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char loupe_default_pricing[];
extern const size_t loupe_default_pricing_len;

struct app {
    loupe_config cfg;
    store *st;
    records *rec;
    pricing *prices;
    derived *der;
    otlp_metrics_conv *mconv;
    http_server *http;
    grpc_server *grpc;
    int ready;
    rw_handler_ctx rw;
    meta_api_ctx meta;
    prom_api_ctx prom;
    otlp_export_ctx otlp;
    otlp_http_ctx otlp_sig[3]; /* traces, metrics, logs */
    jaeger_api_ctx jaeger;
    llm_api_ctx llm;
    assets_ctx assets;
};

/* A route whose handler needs the stores: 503 until they are open. */
typedef struct gate {
    app *a;
    http_handler fn;
    void *ctx;
} gate;

#define MAX_ROUTES 64
static gate g_gates[MAX_ROUTES];
static size_t g_ngates;

static int gated(void *ctx, http_req *req, http_resp *resp)
{
    gate *g = ctx;
    if (!__atomic_load_n(&g->a->ready, __ATOMIC_ACQUIRE)) {
        http_resp_header(resp, "Retry-After", "1");
        return http_resp_prom_error(resp, 503, "unavailable", "loupe is starting: the stores are not open yet");
    }
    return g->fn(g->ctx, req, resp);
}

static int h_healthz(void *ctx, http_req *req, http_resp *resp)
{
    (void)ctx;
    (void)req;
    return http_resp_text(resp, 200, "ok");
}

static int h_readyz(void *ctx, http_req *req, http_resp *resp)
{
    app *a = ctx;
    (void)req;
    if (!__atomic_load_n(&a->ready, __ATOMIC_ACQUIRE))
        return http_resp_text(resp, 503, "not ready: the stores are opening");
    return http_resp_text(resp, 200, "ready");
}

static int h_metrics(void *ctx, http_req *req, http_resp *resp)
{
    (void)ctx;
    (void)req;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return metrics_expose(&resp->body);
}

static int h_flush(void *ctx, http_req *req, http_resp *resp)
{
    app *a = ctx;
    (void)req;
    err_ctx e = { 0 };
    int rc = store_flush(a->st, &e);
    if (!rc)
        rc = records_flush(a->rec, &e);
    if (rc)
        return http_resp_prom_error(resp, http_status_for(rc), "internal", e.msg);
    resp->content_type = "application/json";
    return buf_puts(&resp->body, "{\"status\":\"success\"}");
}

static void collect_store(void *ctx)
{
    app *a = ctx;
    if (!__atomic_load_n(&a->ready, __ATOMIC_ACQUIRE))
        return;
    store_stats s;
    store_get_stats(a->st, &s);
    metrics_set("loupe_series", NULL, (double)s.series);
    metrics_set("loupe_head_series", NULL, (double)s.head_series);
    metrics_set("loupe_head_samples", NULL, (double)s.head_samples);
    metrics_set("loupe_head_bytes", NULL, (double)s.head_bytes);
    metrics_set("loupe_store_samples_stored_total", NULL, (double)s.samples_stored);
    metrics_set("loupe_store_samples_too_old_total", NULL, (double)s.samples_too_old);
    metrics_set("loupe_series_created_total", NULL, (double)s.series_created);
    metrics_set("loupe_wal_commits_total", NULL, (double)s.commits);
    metrics_set("loupe_wal_commit_duration_seconds_total", NULL, (double)s.commit_ns / 1e9);
    metrics_set("loupe_wal_syncs_total", NULL, (double)s.wal_syncs);
    metrics_set("loupe_compactions_total", NULL, (double)s.compactions);
    metrics_set("loupe_compaction_duration_seconds_total", NULL, (double)s.compaction_ns / 1e9);
    metrics_set("loupe_parts", NULL, (double)s.parts);
    metrics_set("loupe_part_samples", NULL, (double)s.part_samples);
    metrics_set("loupe_part_bytes", NULL, (double)s.part_bytes);
    metrics_set("loupe_store_disk_bytes", "store=\"tsdb\"", (double)s.tsdb_file_bytes);
    metrics_set("loupe_store_disk_bytes", "store=\"wal\"", (double)s.wal_file_bytes);
    metrics_set("loupe_block_cache_bytes", NULL, (double)s.cache_bytes);
    metrics_set("loupe_block_cache_hits_total", NULL, (double)s.cache_hits);
    metrics_set("loupe_block_cache_misses_total", NULL, (double)s.cache_misses);
    metrics_set("loupe_index_bytes", NULL, (double)s.index_bytes);

    records_stats r;
    records_get_stats(a->rec, &r);
    metrics_set("loupe_records", "kind=\"span\"", (double)r.spans);
    metrics_set("loupe_records", "kind=\"llm_call\"", (double)r.calls);
    metrics_set("loupe_records", "kind=\"log\"", (double)r.logs);
    metrics_set("loupe_records", "kind=\"blob\"", (double)r.blobs);
    metrics_set("loupe_records_blob_bytes", "form=\"compressed\"", (double)r.blob_bytes);
    metrics_set("loupe_records_blob_bytes", "form=\"raw\"", (double)r.blob_raw_bytes);
    metrics_set("loupe_store_disk_bytes", "store=\"records\"", (double)r.db_file_bytes);
    metrics_set("loupe_store_disk_bytes", "store=\"records_wal\"", (double)r.wal_file_bytes);
    metrics_set("loupe_records_commits_total", NULL, (double)r.commits);
    metrics_set("loupe_records_commit_duration_seconds_total", NULL, (double)r.commit_ns / 1e9);

    derived_stats d;
    derived_get_stats(a->der, &d);
    metrics_set("loupe_derived_series", NULL, (double)d.series);
    metrics_set("loupe_derived_series_dropped_total", NULL, (double)d.dropped);
}

static void declare_metrics(void)
{
    metrics_declare("loupe_series", METRIC_GAUGE, "Series in the index.");
    metrics_declare("loupe_head_series", METRIC_GAUGE, "Active series: series with samples in the in-memory head.");
    metrics_declare("loupe_head_samples", METRIC_GAUGE, "Samples in the in-memory head.");
    metrics_declare("loupe_head_bytes", METRIC_GAUGE, "Memory held by the head.");
    metrics_declare("loupe_store_samples_stored_total", METRIC_COUNTER, "Samples committed by the series store.");
    metrics_declare("loupe_store_samples_too_old_total", METRIC_COUNTER,
                    "Samples dropped by the store: older than the retention window.");
    metrics_declare("loupe_series_created_total", METRIC_COUNTER, "Series created.");
    metrics_declare("loupe_wal_commits_total", METRIC_COUNTER, "Group commits to the write-ahead log.");
    metrics_declare("loupe_wal_commit_duration_seconds_total", METRIC_COUNTER, "Time spent in group commits.");
    metrics_declare("loupe_wal_syncs_total", METRIC_COUNTER, "fsyncs of the write-ahead log.");
    metrics_declare("loupe_compactions_total", METRIC_COUNTER, "Head compactions.");
    metrics_declare("loupe_compaction_duration_seconds_total", METRIC_COUNTER, "Time spent compacting.");
    metrics_declare("loupe_parts", METRIC_GAUGE, "Compressed parts on disk.");
    metrics_declare("loupe_part_samples", METRIC_GAUGE, "Samples in compressed parts.");
    metrics_declare("loupe_part_bytes", METRIC_GAUGE, "Compressed bytes of parts (blocks + directories).");
    metrics_declare("loupe_store_disk_bytes", METRIC_GAUGE, "Size of each store's data file.");
    metrics_declare("loupe_block_cache_bytes", METRIC_GAUGE, "Decoded blocks cached for queries.");
    metrics_declare("loupe_block_cache_hits_total", METRIC_COUNTER, "Block cache hits.");
    metrics_declare("loupe_block_cache_misses_total", METRIC_COUNTER, "Block cache misses.");
    metrics_declare("loupe_index_bytes", METRIC_GAUGE, "Memory held by the series index.");
    metrics_declare("loupe_records", METRIC_GAUGE, "Rows in the records store, by kind.");
    metrics_declare("loupe_records_blob_bytes", METRIC_GAUGE,
                    "Distinct prompt / completion / attribute texts in the records store, compressed and raw.");
    metrics_declare("loupe_records_commits_total", METRIC_COUNTER, "Group commits of the records store.");
    metrics_declare("loupe_records_commit_duration_seconds_total", METRIC_COUNTER,
                    "Time spent in records store commits.");
    metrics_declare("loupe_derived_series", METRIC_GAUGE, "Series derived from LLM calls, kept in memory.");
    metrics_declare("loupe_derived_series_dropped_total", METRIC_COUNTER,
                    "Derived series not created because the limit of series in memory was reached.");
}

/* OTLP/gRPC Export: the same path as OTLP/HTTP protobuf. */
static int grpc_export(void *ctx, slice request, buf *response, grpc_status *st)
{
    gate *g = ctx;
    otlp_http_ctx *oc = g->ctx;
    if (!__atomic_load_n(&g->a->ready, __ATOMIC_ACQUIRE)) {
        st->code = GRPC_UNAVAILABLE;
        snprintf(st->message, sizeof st->message, "loupe is starting: the stores are not open yet");
        return 0;
    }
    otlp_result r;
    otlp_export(oc->x, oc->signal, OTLP_FMT_PROTOBUF, request, &r);
    if (r.code) {
        st->code = grpc_code_for(r.code);
        snprintf(st->message, sizeof st->message, "%s", r.msg);
        return 0;
    }
    return otlp_response_body(oc->signal, OTLP_FMT_PROTOBUF, &r, response);
}

static int is_off(const char *addr) { return !addr || !*addr || !strcmp(addr, "off"); }

/* Frees whatever app_start got to; the servers must be stopped first. */
static void app_teardown(app *a)
{
    http_server_stop(a->http);
    grpc_server_stop(a->grpc);
    records_close(a->rec);
    derived_destroy(a->der);
    store_close(a->st);
    otlp_metrics_conv_destroy(a->mconv);
    span_set_destroy(a->otlp.log_calls);
    pricing_destroy(a->prices);
    free(a);
}

/* The price table (built-in, or --pricing-file, extended by the config
 * file's "pricing" section), the GenAI options and the OTLP limits. */
static int setup_otlp(app *a, const loupe_config *cfg, err_ctx *e)
{
    int rc = 0;
    buf file = BUF_INIT;
    slice table = slice_make(loupe_default_pricing, loupe_default_pricing_len);
    if (cfg->pricing_file && *cfg->pricing_file) {
        FILE *f = fopen(cfg->pricing_file, "rb");
        if (!f)
            return err_set(e, LOUPE_EINVAL, "cannot open the pricing file %s", cfg->pricing_file);
        char chunk[65536];
        size_t k;
        while ((k = fread(chunk, 1, sizeof chunk, f)) > 0 && !rc)
            rc = buf_append(&file, chunk, k);
        fclose(f);
        if (rc)
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        table = buf_slice(&file);
    }
    const cJSON *override = cfg->json ? cJSON_GetObjectItemCaseSensitive((const cJSON *)cfg->json, "pricing") : NULL;
    rc = pricing_create(table, override, &a->prices, e);
    buf_free(&file);
    if (rc)
        return rc;
    otlp_metrics_conv_opts mo;
    otlp_metrics_conv_opts_default(&mo);
    if (otlp_metrics_conv_create(&mo, &a->mconv) || !(a->otlp.log_calls = span_set_create(65536)))
        return err_set(e, LOUPE_ENOMEM, "out of memory");

    otlp_export_ctx *x = &a->otlp;
    x->prices = a->prices;
    x->mconv = a->mconv;
    genai_opts_default(&x->genai);
    x->genai.route_attr = cfg->route_attribute;
    otlp_limits_default(&x->limits);
    x->limits.max_value_bytes = (size_t)cfg->max_attr_value_bytes;
    x->label_limits.max_labels = (size_t)cfg->max_labels_per_series;
    x->label_limits.max_name_len = (size_t)cfg->max_label_name_length;
    x->label_limits.max_value_len = (size_t)cfg->max_label_value_length;
    x->max_decompressed = (size_t)cfg->max_decompressed_bytes;
    for (int i = 0; i < 3; i++)
        a->otlp_sig[i] = (otlp_http_ctx){ x, i };
    return 0;
}

int app_start(const loupe_config *cfg, app **out, err_ctx *e)
{
    *out = NULL;
    app *a = calloc(1, sizeof *a);
    if (!a)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    a->cfg = *cfg;
    declare_metrics();
    rw_handler_init_metrics();

    a->rw.max_decompressed = (size_t)cfg->max_decompressed_bytes;
    a->rw.limits.max_series = (size_t)cfg->max_series_per_request;
    a->rw.label_limits.max_labels = (size_t)cfg->max_labels_per_series;
    a->rw.label_limits.max_name_len = (size_t)cfg->max_label_name_length;
    a->rw.label_limits.max_value_len = (size_t)cfg->max_label_value_length;
    promql_opts_default(&a->prom.opts);
    a->prom.opts.timeout_ms = cfg->query_timeout_ms;
    a->prom.opts.max_samples = (size_t)cfg->query_max_samples;
    metrics_declare("loupe_promql_queries_total", METRIC_COUNTER, "PromQL queries answered, by kind.");
    metrics_declare("loupe_promql_query_seconds_total", METRIC_COUNTER, "Time spent answering PromQL queries.");
    a->meta.version = LOUPE_VERSION;
    a->meta.revision = LOUPE_REVISION;
    a->assets.web_dir = cfg->web_dir;
    otlp_export_init_metrics();
    int rc = 0;
    if ((rc = setup_otlp(a, cfg, e))) {
        app_teardown(a);
        return rc;
    }

    size_t max_body = (size_t)cfg->max_request_bytes;
    struct {
        const char *methods, *path;
        int prefix, needs_store;
        http_handler fn;
        void *ctx;
        const char *name;
    } table[] = {
        { "GET", "/healthz", 0, 0, h_healthz, a, NULL },
        { "GET", "/readyz", 0, 0, h_readyz, a, NULL },
        { "GET", "/metrics", 0, 0, h_metrics, a, NULL },
        { "POST", "/api/v1/write", 0, 1, rw_handle, &a->rw, NULL },
        { "POST", "/api/v1/admin/flush", 0, 1, h_flush, a, NULL },
        { "GET,POST", "/api/v1/query", 0, 1, api_query, &a->prom, NULL },
        { "GET,POST", "/api/v1/query_range", 0, 1, api_query_range, &a->prom, NULL },
        { "GET,POST", "/api/v1/series", 0, 1, api_series, &a->meta, NULL },
        { "GET,POST", "/api/v1/labels", 0, 1, api_labels, &a->meta, NULL },
        { "GET", "/api/v1/label/", 1, 1, api_label_values, &a->meta, "/api/v1/label/:name/values" },
        { "GET", "/api/v1/metadata", 0, 1, api_metadata, &a->meta, NULL },
        { "GET", "/api/v1/status/buildinfo", 0, 0, api_buildinfo, &a->meta, NULL },
        { "GET,POST", "/api/v1/export", 0, 1, api_export, &a->meta, NULL },
        { "GET,POST", "/api/v1/query_exemplars", 0, 0, api_static, "[]", NULL },
        { "GET", "/api/v1/rules", 0, 0, api_static, "{\"groups\":[]}", NULL },
        { "GET", "/api/v1/alerts", 0, 0, api_static, "{\"alerts\":[]}", NULL },
        { "GET", "/api/v1/targets", 0, 0, api_static, "{\"activeTargets\":[],\"droppedTargets\":[]}", NULL },
        { "GET", "/api/v1/status/flags", 0, 0, api_static, "{\"query.lookback-delta\":\"5m\"}", NULL },
        { "GET", "/api/v1/status/runtimeinfo", 0, 0, api_static, "{\"storageRetention\":\"see loupe --help\"}", NULL },
        /* OTLP/HTTP, and the same under Langfuse's path so Langfuse-configured SDKs work unchanged */
        { "POST", "/v1/traces", 0, 1, otlp_http_handle, &a->otlp_sig[OTLP_TRACES], NULL },
        { "POST", "/v1/metrics", 0, 1, otlp_http_handle, &a->otlp_sig[OTLP_METRICS], NULL },
        { "POST", "/v1/logs", 0, 1, otlp_http_handle, &a->otlp_sig[OTLP_LOGS], NULL },
        { "POST", "/api/public/otel/v1/traces", 0, 1, otlp_http_handle, &a->otlp_sig[OTLP_TRACES], NULL },
        { "POST", "/api/public/otel/v1/metrics", 0, 1, otlp_http_handle, &a->otlp_sig[OTLP_METRICS], NULL },
        { "POST", "/api/public/otel/v1/logs", 0, 1, otlp_http_handle, &a->otlp_sig[OTLP_LOGS], NULL },
        /* Jaeger query API (Grafana's Jaeger data source) */
        { "GET", "/api/services", 0, 1, jaeger_services, &a->jaeger, NULL },
        { "GET", "/api/services/", 1, 1, jaeger_operations, &a->jaeger, "/api/services/:service/operations" },
        { "GET", "/api/operations", 0, 1, jaeger_operations_v2, &a->jaeger, NULL },
        { "GET", "/api/traces", 0, 1, jaeger_find_traces, &a->jaeger, NULL },
        { "GET", "/api/traces/", 1, 1, jaeger_trace, &a->jaeger, "/api/traces/:id" },
        { "GET", "/api/dependencies", 0, 1, jaeger_dependencies, &a->jaeger, NULL },
        /* LLM calls */
        { "GET", "/api/v1/llm/calls", 0, 1, llm_calls, &a->llm, NULL },
        { "GET", "/api/v1/llm/calls/", 1, 1, llm_call, &a->llm, "/api/v1/llm/calls/:id" },
        { "GET", "/api/v1/llm/top", 0, 1, llm_top, &a->llm, NULL },
        /* the web UI: every other path (the longest prefix wins, so this one comes last) */
        { "GET", "/", 1, 0, assets_handle, &a->assets, "/ (web UI)" },
    };
    size_t n = sizeof table / sizeof table[0];
    route routes[MAX_ROUTES];
    g_ngates = 0;
    for (size_t i = 0; i < n; i++) {
        route *r = &routes[i];
        memset(r, 0, sizeof *r);
        r->methods = table[i].methods;
        r->path = table[i].path;
        r->prefix = table[i].prefix;
        r->name = table[i].name;
        r->max_body = max_body;
        if (table[i].needs_store) {
            gate *g = &g_gates[g_ngates++];
            *g = (gate){ a, table[i].fn, table[i].ctx };
            r->fn = gated;
            r->ctx = g;
        } else {
            r->fn = table[i].fn;
            r->ctx = table[i].ctx;
        }
    }

    http_server_opts ho;
    memset(&ho, 0, sizeof ho);
    int nl = 0;
    if (!is_off(cfg->http))
        ho.listen[nl++] = cfg->http;
    if (!is_off(cfg->otlp_http) && (is_off(cfg->http) || strcmp(cfg->otlp_http, cfg->http)))
        ho.listen[nl++] = cfg->otlp_http;
    ho.threads = (int)cfg->http_threads;
    ho.max_body = max_body;
    if (nl && (rc = http_server_start(&ho, routes, n, &a->http, e))) {
        app_teardown(a);
        return rc;
    }
    if (!is_off(cfg->otlp_grpc)) {
        static const char *const paths[3] = {
            "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
            "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
        };
        grpc_method gm[3];
        for (int i = 0; i < 3; i++) {
            gate *g = &g_gates[g_ngates++];
            *g = (gate){ a, NULL, &a->otlp_sig[i] };
            gm[i] = (grpc_method){ paths[i], grpc_export, g, max_body };
        }
        grpc_server_opts go;
        memset(&go, 0, sizeof go);
        go.listen = cfg->otlp_grpc;
        go.max_message = max_body;
        go.max_decompressed = (size_t)cfg->max_decompressed_bytes;
        if ((rc = grpc_server_start(&go, gm, 3, &a->grpc, e))) {
            app_teardown(a);
            return rc;
        }
    }

    store_opts so;
    store_opts_default(&so);
    so.dir = cfg->data;
    so.retention_days = (int)cfg->retention_days;
    so.sync_interval_ms = cfg->sync_interval_ms;
    so.head_max_bytes = (size_t)cfg->head_max_bytes;
    so.cache_bytes = (size_t)cfg->cache_bytes;
    if ((rc = store_open(&so, &a->st, e))) {
        app_teardown(a);
        return rc;
    }
    records_opts ro;
    records_opts_default(&ro);
    ro.dir = cfg->data;
    ro.retention_days = (int)cfg->retention_days;
    if ((rc = records_open(&ro, &a->rec, e))) {
        app_teardown(a);
        return rc;
    }
    derived_opts dop;
    derived_opts_default(&dop);
    if (!(a->der = derived_create(a->st, &dop))) {
        app_teardown(a);
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    }
    a->otlp.st = a->st;
    a->otlp.rec = a->rec;
    a->otlp.der = a->der;
    a->jaeger.rec = a->rec;
    a->llm.rec = a->rec;
    a->rw.st = a->st;
    a->prom.st = a->st;
    a->meta.st = a->st;
    metrics_register_collector(collect_store, a);
    __atomic_store_n(&a->ready, 1, __ATOMIC_RELEASE);
    *out = a;
    return 0;
}

void app_stop(app *a)
{
    if (!a)
        return;
    http_server_stop(a->http);
    grpc_server_stop(a->grpc);
    a->http = NULL;
    a->grpc = NULL;
    __atomic_store_n(&a->ready, 0, __ATOMIC_RELEASE);
    app_teardown(a);
}
