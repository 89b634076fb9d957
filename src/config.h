/* config.h - loupe's settings: one option table drives the command line,
 * the LOUPE_* environment variables, the JSON config file and --help.
 * Precedence: built-in default < config file < environment < flag. */
#ifndef LOUPE_CONFIG_H
#define LOUPE_CONFIG_H

#include "util/err.h"

#include <stdio.h>

#include <stdint.h>

typedef struct loupe_config {
    char *data, *http, *otlp_http, *otlp_grpc, *config, *log_level, *route_attribute, *pricing_file, *web_dir;
    int64_t retention_days;
    int64_t sync_interval_ms;
    int64_t head_max_bytes;
    int64_t cache_bytes;
    int64_t max_request_bytes;
    int64_t max_decompressed_bytes;
    int64_t max_series_per_request;
    int64_t max_labels_per_series;
    int64_t max_label_name_length;
    int64_t max_label_value_length;
    int64_t http_threads;
    int64_t query_timeout_ms;
    int64_t query_max_samples;
    int64_t max_attr_value_bytes;
    void *json; /* the parsed config file (cJSON*), or NULL; for sections such as pricing */
} loupe_config;

/* Fills cfg from defaults, the config file, the environment and argv.
 * Returns 0, 1 when --help / --version was handled (exit 0), or a negative
 * code with a message in e. */
int config_load(loupe_config *cfg, int argc, char **argv, err_ctx *e);
void config_free(loupe_config *cfg);
/* Writes --help text (generated from the option table). */
void config_usage(FILE *out);

#endif
