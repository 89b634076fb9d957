/* grpc_echo.c - a test program around the gRPC server alone (server/grpc.h),
 * for tests/e2e/grpc_echo.test.mjs: methods that echo, fail, sleep, return a
 * LOUPE_E* code, and a stand-in for the OTLP Export methods that accepts any
 * well-formed protobuf and answers an empty message.
 *
 *   grpc_echo [--listen ADDR] [--max-message N] [--max-decompressed N]
 *             [--threads N] [--streams N] [--connections N] [--idle-ms N]
 *
 * Prints "port N" once listening; SIGTERM/SIGINT stop it gracefully. */
#include "ingest/pb.h"
#include "server/grpc.h"
#include "util/metrics.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int m_echo(void *ctx, slice req, buf *resp, grpc_status *st)
{
    return buf_append(resp, req.p, req.n);
}

static int m_fail(void *ctx, slice req, buf *resp, grpc_status *st)
{
    st->code = GRPC_INVALID_ARGUMENT;
    snprintf(st->message, sizeof st->message, "bad input: 100%% wrong, caf\xc3\xa9\nline 2");
    return 0;
}

static int m_ioerr(void *ctx, slice req, buf *resp, grpc_status *st) { return LOUPE_EIO; }

/* Sleeps for the number of milliseconds the request spells in ASCII, then echoes it. */
static int m_slow(void *ctx, slice req, buf *resp, grpc_status *st)
{
    char tmp[16] = "";
    memcpy(tmp, req.p, req.n < sizeof tmp - 1 ? req.n : sizeof tmp - 1);
    long ms = atol(tmp);
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
    return buf_append(resp, req.p, req.n);
}

/* What the OTLP handlers do first: reject what is not protobuf. */
static int m_export(void *ctx, slice req, buf *resp, grpc_status *st)
{
    pb_reader r = pb_reader_make(req);
    pb_field f;
    int rc;
    while ((rc = pb_next(&r, &f)) == 1)
        ;
    if (rc < 0) {
        st->code = GRPC_INVALID_ARGUMENT;
        snprintf(st->message, sizeof st->message, "malformed protobuf at byte %zu", (size_t)(r.p - req.p));
    }
    return 0;
}

static int m_metrics(void *ctx, slice req, buf *resp, grpc_status *st) { return metrics_expose(resp); }

int main(int argc, char **argv)
{
    grpc_server_opts o = { .listen = "127.0.0.1:0" };
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--listen"))
            o.listen = v;
        else if (!strcmp(k, "--max-message"))
            o.max_message = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--max-decompressed"))
            o.max_decompressed = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--threads"))
            o.threads = atoi(v);
        else if (!strcmp(k, "--streams"))
            o.max_concurrent_streams = atoi(v);
        else if (!strcmp(k, "--connections"))
            o.max_connections = atoi(v);
        else if (!strcmp(k, "--idle-ms"))
            o.idle_timeout_ms = atoi(v);
        else {
            fprintf(stderr, "grpc_echo: unknown flag %s\n", k);
            return 2;
        }
    }
    const grpc_method methods[] = {
        { "/test.Echo/Echo", m_echo, NULL, 0 },
        { "/test.Echo/Fail", m_fail, NULL, 0 },
        { "/test.Echo/IoError", m_ioerr, NULL, 0 },
        { "/test.Echo/Slow", m_slow, NULL, 0 },
        { "/test.Echo/Small", m_echo, NULL, 1024 },
        { "/test.Echo/Metrics", m_metrics, NULL, 0 },
        { "/opentelemetry.proto.collector.trace.v1.TraceService/Export", m_export, NULL, 0 },
        { "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", m_export, NULL, 0 },
        { "/opentelemetry.proto.collector.logs.v1.LogsService/Export", m_export, NULL, 0 },
    };
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any thread starts: they inherit it */
    grpc_server *s;
    err_ctx e = { 0 };
    if (grpc_server_start(&o, methods, sizeof methods / sizeof methods[0], &s, &e)) {
        fprintf(stderr, "grpc_echo: %s\n", e.msg);
        return 1;
    }
    printf("port %d\n", grpc_server_port(s));
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    grpc_server_stop(s);
    metrics_reset();
    fprintf(stderr, "grpc_echo: stopped\n");
    return 0;
}
