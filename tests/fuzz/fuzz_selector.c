/* fuzz_selector.c - libFuzzer harness: series selector parsing (match[]),
 * string literals and regex compilation behind it. */
#include "query/selector.h"

#include <stdlib.h>
#include <string.h>

static const char *SUBJECTS[] = { "", "a", "up", "http_requests_total", "caf\xc3\xa9", "foo\n", "5xx", "\xf0\x9f\x98\x80" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    matcher *ms = NULL;
    size_t n = 0;
    err_ctx e = { 0 };
    int rc = selector_parse(slice_make(data, size), &ms, &n, &e);
    if (rc != 0) {
        if (rc != LOUPE_EINVAL && rc != LOUPE_ENOMEM)
            abort();
        if (e.code != rc || !e.msg[0] || ms)
            abort();
        return 0;
    }
    if (n == 0 || !ms)
        abort();
    int nonempty = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_label_name(matcher_name(&ms[i])))
            abort();
        nonempty |= !matcher_matches_empty(&ms[i]);
        /* subjects are valid UTF-8, as stored label values are */
        for (size_t k = 0; k < sizeof SUBJECTS / sizeof SUBJECTS[0]; k++) {
            int m = matcher_matches(&ms[i], slice_cstr(SUBJECTS[k]));
            if (m != 0 && m != 1)
                abort();
        }
        /* a matcher agrees with its negation */
        if (ms[i].op == MATCH_EQ || ms[i].op == MATCH_NEQ) {
            slice v = matcher_value(&ms[i]);
            if (matcher_matches(&ms[i], v) != (ms[i].op == MATCH_EQ))
                abort();
        }
    }
    if (!nonempty)
        abort(); /* Prometheus requires one matcher that does not match "" */
    selector_free(ms, n);
    return 0;
}
