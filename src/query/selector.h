/* selector.h - series selectors as the Prometheus API's match[] takes them:
 * `name{label="v", other=~"re.*"}`, `{__name__=~"x.*"}` or a bare name.
 * (The PromQL parser uses the same string-literal rules; see strlit.h.) */
#ifndef LOUPE_SELECTOR_H
#define LOUPE_SELECTOR_H

#include "store/matcher.h"
#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>

/* Parses s into a malloc'd array of initialised matchers (free with
 * selector_free).  Requires at least one matcher that does not match the
 * empty string, as Prometheus does.  LOUPE_EINVAL with a message. */
int selector_parse(slice s, matcher **ms, size_t *n, err_ctx *e);
void selector_free(matcher *ms, size_t n);

/* Label and metric name character classes. */
int is_label_name(slice s);
int is_metric_name(slice s);

#endif
