/* metrics.c - a small registry of counters/gauges with Prometheus text output. */
#include "util/metrics.h"
#include "util/json.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct series {
    char *labels;
    double v;
} series;

typedef struct family {
    char *name, *help;
    metric_type type;
    series *s;
    size_t n, cap;
} family;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static family *fams;
static size_t nfams, capfams;
static struct {
    metrics_collector fn;
    void *ctx;
} colls[16];
static size_t ncolls;

static family *fam_get(const char *name, int create)
{
    for (size_t i = 0; i < nfams; i++)
        if (!strcmp(fams[i].name, name))
            return &fams[i];
    if (!create)
        return NULL;
    if (nfams == capfams) {
        size_t cap = capfams ? capfams * 2 : 32;
        family *nf = realloc(fams, cap * sizeof *nf);
        if (!nf)
            return NULL;
        fams = nf;
        capfams = cap;
    }
    family *f = &fams[nfams];
    memset(f, 0, sizeof *f);
    f->name = strdup(name);
    f->help = strdup("");
    if (!f->name || !f->help) {
        free(f->name);
        free(f->help);
        return NULL;
    }
    nfams++;
    return f;
}

void metrics_declare(const char *family_name, metric_type type, const char *help)
{
    pthread_mutex_lock(&mu);
    family *f = fam_get(family_name, 1);
    if (f) {
        f->type = type;
        char *h = strdup(help);
        if (h) {
            free(f->help);
            f->help = h;
        }
    }
    pthread_mutex_unlock(&mu);
}

static series *ser_get(family *f, const char *labels)
{
    if (!labels)
        labels = "";
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->s[i].labels, labels))
            return &f->s[i];
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        series *ns = realloc(f->s, cap * sizeof *ns);
        if (!ns)
            return NULL;
        f->s = ns;
        f->cap = cap;
    }
    series *s = &f->s[f->n];
    s->labels = strdup(labels);
    if (!s->labels)
        return NULL;
    s->v = 0;
    f->n++;
    return s;
}

static void update(const char *name, const char *labels, double v, int set)
{
    pthread_mutex_lock(&mu);
    family *f = fam_get(name, 1);
    series *s = f ? ser_get(f, labels) : NULL;
    if (s)
        s->v = set ? v : s->v + v;
    pthread_mutex_unlock(&mu);
}

void metrics_add(const char *name, const char *labels, double v) { update(name, labels, v, 0); }
void metrics_set(const char *name, const char *labels, double v) { update(name, labels, v, 1); }

void metrics_register_collector(metrics_collector fn, void *ctx)
{
    pthread_mutex_lock(&mu);
    if (ncolls < sizeof colls / sizeof colls[0]) {
        colls[ncolls].fn = fn;
        colls[ncolls].ctx = ctx;
        ncolls++;
    }
    pthread_mutex_unlock(&mu);
}

int metrics_expose(buf *out)
{
    pthread_mutex_lock(&mu);
    size_t nc = ncolls;
    pthread_mutex_unlock(&mu);
    for (size_t i = 0; i < nc; i++)
        colls[i].fn(colls[i].ctx);
    int rc = 0;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < nfams && !rc; i++) {
        family *f = &fams[i];
        rc = buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                        f->type == METRIC_COUNTER ? "counter" : "gauge");
        for (size_t k = 0; k < f->n && !rc; k++) {
            char v[400];
            prom_float(v, sizeof v, f->s[k].v);
            if (f->s[k].labels[0])
                rc = buf_printf(out, "%s{%s} %s\n", f->name, f->s[k].labels, v);
            else
                rc = buf_printf(out, "%s %s\n", f->name, v);
        }
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

double metrics_get(const char *name, const char *labels)
{
    double v = 0;
    pthread_mutex_lock(&mu);
    family *f = fam_get(name, 0);
    if (f)
        for (size_t i = 0; i < f->n; i++)
            if (!strcmp(f->s[i].labels, labels ? labels : ""))
                v = f->s[i].v;
    pthread_mutex_unlock(&mu);
    return v;
}

void metrics_reset(void)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < nfams; i++) {
        for (size_t k = 0; k < fams[i].n; k++)
            free(fams[i].s[k].labels);
        free(fams[i].s);
        free(fams[i].name);
        free(fams[i].help);
    }
    free(fams);
    fams = NULL;
    nfams = capfams = 0;
    ncolls = 0;
    pthread_mutex_unlock(&mu);
}
