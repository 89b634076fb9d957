/* main.c - flags/env/config -> app_start -> wait for SIGTERM/SIGINT -> app_stop. */
#include "app.h"
#include "config.h"
#include "util/log.h"
#include "util/metrics.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    loupe_config cfg;
    err_ctx e = { 0 };
    int rc = config_load(&cfg, argc, argv, &e);
    if (rc == 1) {
        config_free(&cfg);
        return 0;
    }
    if (rc) {
        fprintf(stderr, "loupe: %s\n", e.msg);
        config_free(&cfg);
        return 2;
    }
    if (!strcmp(cfg.log_level, "debug"))
        log_set_level(LOG_DEBUG);
    else if (!strcmp(cfg.log_level, "warn"))
        log_set_level(LOG_WARN);
    else if (!strcmp(cfg.log_level, "error"))
        log_set_level(LOG_ERROR);

    /* signals go to this thread only: block them before any thread starts */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    app *a;
    if ((rc = app_start(&cfg, &a, &e))) {
        log_error("cannot start: %s", e.msg);
        config_free(&cfg);
        return 1;
    }
    log_info("loupe %s ready: data %s, http %s, otlp-http %s, otlp-grpc %s", LOUPE_VERSION, cfg.data, cfg.http,
             cfg.otlp_http, cfg.otlp_grpc);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("received %s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    app_stop(a);
    log_info("stopped");
    config_free(&cfg);
    metrics_reset();
    return 0;
}
