/* metrics.h - loupe's own metrics, exposed on GET /metrics in the
 * Prometheus text format.
 *
 * Counters and gauges are identified by a family name plus a label string
 * ("route=\"/api/v1/write\",code=\"204\""); each family is declared once
 * with its type and help (metrics_declare).  Values are doubles under one
 * mutex: they change per request, not per sample.  Gauges that other modules
 * own (store sizes) are filled at scrape time by registered collectors. */
#ifndef LOUPE_METRICS_H
#define LOUPE_METRICS_H

#include "util/buf.h"

typedef enum { METRIC_COUNTER, METRIC_GAUGE } metric_type;

/* Declares a family (idempotent). */
void metrics_declare(const char *family, metric_type type, const char *help);
/* Adds v to family{labels} (labels may be "" or NULL). */
void metrics_add(const char *family, const char *labels, double v);
void metrics_set(const char *family, const char *labels, double v);

/* A collector sets gauges right before exposition. */
typedef void (*metrics_collector)(void *ctx);
void metrics_register_collector(metrics_collector fn, void *ctx);

/* Appends the text exposition of everything. */
int metrics_expose(buf *out);
/* Value of family{labels}, 0 if absent (tests, internal checks). */
double metrics_get(const char *family, const char *labels);
/* Frees everything (at exit, for leak checkers). */
void metrics_reset(void);

#endif
