/* config.c - the option table and its three sources; see config.h. */
#include "util/mem.h"
#include "config.h"
#include "revision.h" /* generated at build time: LOUPE_REVISION */
#include "util/buf.h"
#include "util/timeparse.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { OPT_STR, OPT_INT, OPT_BYTES, OPT_DURATION } opt_type;

typedef struct opt_def {
    const char *name; /* config key; the flag is --name with '_' -> '-'; the env LOUPE_NAME */
    opt_type type;
    const char *def;
    size_t offset;
    const char *help;
} opt_def;

#define O(f) offsetof(loupe_config, f)

static const opt_def OPTS[] = {
    { "data", OPT_STR, "./data", O(data), "data directory (created if missing)" },
    { "http", OPT_STR, ":9090", O(http), "address of the UI and APIs (host:port, :port, or off)" },
    { "otlp_http", OPT_STR, ":4318", O(otlp_http), "address of the OTLP/HTTP receiver (or off)" },
    { "otlp_grpc", OPT_STR, ":4317", O(otlp_grpc), "address of the OTLP/gRPC receiver (or off)" },
    { "config", OPT_STR, "", O(config), "JSON config file (pricing, retention, limits, ...)" },
    { "log_level", OPT_STR, "info", O(log_level), "debug, info, warn or error" },
    { "retention_days", OPT_INT, "30", O(retention_days),
      "keep samples this many days; older ones are dropped (0 keeps everything)" },
    { "sync_interval", OPT_DURATION, "1s", O(sync_interval_ms),
      "fsync the write-ahead log at least this often (power loss loses at most this)" },
    { "head_max_bytes", OPT_BYTES, "128MiB", O(head_max_bytes), "compact the in-memory head past this size" },
    { "cache_bytes", OPT_BYTES, "64MiB", O(cache_bytes), "decoded block cache for queries" },
    { "max_request_bytes", OPT_BYTES, "32MiB", O(max_request_bytes), "largest request body accepted" },
    { "max_decompressed_bytes", OPT_BYTES, "128MiB", O(max_decompressed_bytes),
      "largest decompressed request body (snappy, gzip)" },
    { "max_series_per_request", OPT_INT, "1000000", O(max_series_per_request), "series in one write request" },
    { "max_labels_per_series", OPT_INT, "128", O(max_labels_per_series), "labels of one series" },
    { "max_label_name_length", OPT_INT, "1024", O(max_label_name_length), "bytes of a label name" },
    { "max_label_value_length", OPT_INT, "16384", O(max_label_value_length), "bytes of a label value" },
    { "http_threads", OPT_INT, "64", O(http_threads),
      "HTTP worker threads (an open connection holds one; idle keep-alive connections close after 5 s)" },
    { "query_timeout", OPT_DURATION, "2m", O(query_timeout_ms), "longest a query may run" },
    { "web_dir", OPT_STR, "", O(web_dir),
      "serve the web UI from this directory instead of the copy built into the binary (development)" },
    { "route_attribute", OPT_STR, "llm.route", O(route_attribute),
      "span attribute naming an LLM call's route (cloud, local, ...); else derived from the provider" },
    { "pricing_file", OPT_STR, "", O(pricing_file),
      "JSON price table replacing the built-in one (the config file's \"pricing\" section extends either)" },
    { "max_attribute_value_length", OPT_BYTES, "1MiB", O(max_attr_value_bytes),
      "bytes of one OTLP attribute value (prompts included)" },
    { "query_max_samples", OPT_INT, "50000000", O(query_max_samples),
      "samples a query may hold in memory at once" },
};
#define NOPTS (sizeof OPTS / sizeof OPTS[0])

static int parse_bytes(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0)
        return -1;
    while (*end == ' ')
        end++;
    double mul = 1;
    if (!*end || !strcmp(end, "B"))
        mul = 1;
    else if (!strcasecmp(end, "KiB") || !strcasecmp(end, "K") || !strcasecmp(end, "KB"))
        mul = 1024;
    else if (!strcasecmp(end, "MiB") || !strcasecmp(end, "M") || !strcasecmp(end, "MB"))
        mul = 1024.0 * 1024;
    else if (!strcasecmp(end, "GiB") || !strcasecmp(end, "G") || !strcasecmp(end, "GB"))
        mul = 1024.0 * 1024 * 1024;
    else
        return -1;
    *out = (int64_t)(v * mul);
    return 0;
}

static int set_opt(loupe_config *cfg, const opt_def *o, const char *val, const char *src, err_ctx *e)
{
    void *p = (char *)cfg + o->offset;
    int64_t v = 0;
    switch (o->type) {
    case OPT_STR: {
        char *d = strdup(val);
        if (!d)
            return err_set(e, LOUPE_ENOMEM, "out of memory");
        free(*(char **)p);
        *(char **)p = d;
        return 0;
    }
    case OPT_INT: {
        char *end;
        errno = 0;
        long long x = strtoll(val, &end, 10);
        if (end == val || *end || errno)
            return err_set(e, LOUPE_EINVAL, "%s: %s: \"%s\" is not an integer", src, o->name, val);
        v = x;
        break;
    }
    case OPT_BYTES:
        if (parse_bytes(val, &v))
            return err_set(e, LOUPE_EINVAL, "%s: %s: \"%s\" is not a size (e.g. 64MiB)", src, o->name, val);
        break;
    case OPT_DURATION:
        if (parse_duration_ms(slice_cstr(val), &v))
            return err_set(e, LOUPE_EINVAL, "%s: %s: \"%s\" is not a duration (e.g. 1s, 5m)", src, o->name, val);
        break;
    }
    if (v < 0)
        return err_set(e, LOUPE_EINVAL, "%s: %s must not be negative", src, o->name);
    *(int64_t *)p = v;
    return 0;
}

static const opt_def *find_flag(const char *flag)
{
    for (size_t i = 0; i < NOPTS; i++) {
        const char *n = OPTS[i].name;
        size_t k = 0;
        for (; n[k] && flag[k]; k++)
            if (flag[k] != (n[k] == '_' ? '-' : n[k]) && flag[k] != n[k])
                break;
        if (!n[k] && !flag[k])
            return &OPTS[i];
    }
    return NULL;
}

void config_usage(FILE *out)
{
    fprintf(out, "usage: loupe [flags]\n\nloupe: LLM observability in one binary (OTLP + remote-write in, "
                 "PromQL + Jaeger + LLM call search out).\n\nflags (each also LOUPE_<NAME> in the environment and "
                 "\"<name>\" in the --config JSON file):\n");
    for (size_t i = 0; i < NOPTS; i++) {
        char flag[64], env[64];
        size_t k;
        for (k = 0; OPTS[i].name[k] && k < sizeof flag - 1; k++) {
            flag[k] = OPTS[i].name[k] == '_' ? '-' : OPTS[i].name[k];
            env[k] = (char)toupper((unsigned char)OPTS[i].name[k]);
        }
        flag[k] = env[k] = '\0';
        fprintf(out, "  --%-24s %s (default \"%s\"; env LOUPE_%s)\n", flag, OPTS[i].help, OPTS[i].def, env);
    }
    fprintf(out, "  --%-24s print this help\n  --%-24s print the version\n", "help", "version");
}

static char *read_file(const char *path, size_t max, err_ctx *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_set(e, LOUPE_EINVAL, "config file %s: %s", path, strerror(errno));
        return NULL;
    }
    buf b = BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (b.n + n > max || buf_append(&b, tmp, n)) {
            err_set(e, LOUPE_EINVAL, "config file %s is too large", path);
            fclose(f);
            buf_free(&b);
            return NULL;
        }
    }
    fclose(f);
    if (buf_cstr(&b)) {
        buf_free(&b);
        return NULL;
    }
    return (char *)b.p;
}

static int apply_file(loupe_config *cfg, const char *path, err_ctx *e)
{
    char *txt = read_file(path, 16u << 20, e);
    if (!txt)
        return e->code ? e->code : LOUPE_ENOMEM;
    cJSON *j = cJSON_Parse(txt);
    free(txt);
    if (!j || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return err_set(e, LOUPE_EINVAL, "config file %s is not a JSON object", path);
    }
    cfg->json = j;
    for (size_t i = 0; i < NOPTS; i++) {
        cJSON *it = cJSON_GetObjectItemCaseSensitive(j, OPTS[i].name);
        if (!it || !strcmp(OPTS[i].name, "config"))
            continue;
        char num[64];
        const char *val;
        if (cJSON_IsString(it))
            val = it->valuestring;
        else if (cJSON_IsNumber(it)) {
            snprintf(num, sizeof num, "%.0f", it->valuedouble);
            val = num;
        } else
            return err_set(e, LOUPE_EINVAL, "config file %s: \"%s\" must be a string or a number", path,
                           OPTS[i].name);
        int rc = set_opt(cfg, &OPTS[i], val, path, e);
        if (rc)
            return rc;
    }
    return 0;
}

int config_load(loupe_config *cfg, int argc, char **argv, err_ctx *e)
{
    memset(cfg, 0, sizeof *cfg);
    int rc;
    for (size_t i = 0; i < NOPTS; i++)
        if ((rc = set_opt(cfg, &OPTS[i], OPTS[i].def, "default", e)))
            return rc;
    /* flags first pass: --help, --version, and where the config file is */
    const char *cfgpath = getenv("LOUPE_CONFIG");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            config_usage(stdout);
            return 1;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("loupe %s (revision %s)\n", LOUPE_VERSION, LOUPE_REVISION);
            return 1;
        }
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            cfgpath = argv[i + 1];
        else if (!strncmp(argv[i], "--config=", 9))
            cfgpath = argv[i] + 9;
    }
    if (cfgpath && *cfgpath && (rc = apply_file(cfg, cfgpath, e)))
        return rc;
    for (size_t i = 0; i < NOPTS; i++) {
        char env[80] = "LOUPE_";
        size_t k;
        for (k = 0; OPTS[i].name[k] && k < 60; k++)
            env[6 + k] = (char)toupper((unsigned char)OPTS[i].name[k]);
        env[6 + k] = '\0';
        const char *v = getenv(env);
        if (v && (rc = set_opt(cfg, &OPTS[i], v, env, e)))
            return rc;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2))
            return err_set(e, LOUPE_EINVAL, "unexpected argument \"%s\" (see --help)", a);
        char name[64];
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (nl >= sizeof name)
            return err_set(e, LOUPE_EINVAL, "unknown flag %s (see --help)", a);
        mem_copy(name, a + 2, nl);
        name[nl] = '\0';
        const opt_def *o = find_flag(name);
        if (!o)
            return err_set(e, LOUPE_EINVAL, "unknown flag --%s (see --help)", name);
        const char *val = eq ? eq + 1 : NULL;
        if (!val) {
            if (i + 1 >= argc)
                return err_set(e, LOUPE_EINVAL, "flag --%s needs a value", name);
            val = argv[++i];
        }
        if ((rc = set_opt(cfg, o, val, "flag", e)))
            return rc;
    }
    return 0;
}

void config_free(loupe_config *cfg)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (OPTS[i].type == OPT_STR) {
            char **p = (char **)((char *)cfg + OPTS[i].offset);
            free(*p);
            *p = NULL;
        }
    cJSON_Delete(cfg->json);
    cfg->json = NULL;
}
