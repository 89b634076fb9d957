/* fuzz_promrw.c - libFuzzer harness: remote-write decoding (promrw_decode)
 * and label parsing (promrw_series_labels) of every series, under limits. */
#include "ingest/promrw.h"
#include "store/labels.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>

static int inside(slice s, const uint8_t *lo, size_t n) { return s.n == 0 || (s.p >= lo && s.p + s.n <= lo + n); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_create(1 << 16);
    if (!a)
        return 0;
    rw_request r;
    err_ctx e = { 0 };
    const rw_limits lim = { 2000, 50000 };
    int rc = promrw_decode(slice_make(data, size), &lim, a, &r, &e);
    if (rc != 0) {
        if (e.code != rc || !e.msg[0]) /* every error says what went wrong */
            abort();
        arena_destroy(a);
        return 0;
    }
    if (r.nseries > lim.max_series || r.nsamples > lim.max_samples)
        abort();
    size_t total = 0;
    volatile uint64_t sink = 0;
    for (size_t i = 0; i < r.nseries; i++) {
        const rw_series *s = &r.series[i];
        total += s->nsamples;
        if (!inside(s->msg, data, size))
            abort();
        if (s->nsamples && (!s->ts || !s->v))
            abort();
        for (size_t k = 0; k < s->nsamples; k++) { /* every sample is addressable */
            uint64_t u;
            memcpy(&u, &s->v[k], 8);
            sink += u ^ (uint64_t)s->ts[k];
        }
        label *ls;
        size_t n;
        err_ctx le = { 0 };
        const labels_limits ll = { 32, 128, 1024 };
        if (promrw_series_labels(s, &ll, a, &ls, &n, &le) != 0) {
            if (!le.code || !le.msg[0])
                abort();
            continue;
        }
        /* canonical: sorted, unique, non-empty, valid, within limits, with a name */
        int have_name = 0;
        for (size_t k = 0; k < n; k++) {
            if (k && slice_cmp(ls[k - 1].name, ls[k].name) >= 0)
                abort();
            if (!ls[k].name.n || !ls[k].value.n || ls[k].name.n > ll.max_name_len || ls[k].value.n > ll.max_value_len)
                abort();
            if (!utf8_valid(ls[k].name.p, ls[k].name.n) || !utf8_valid(ls[k].value.p, ls[k].value.n))
                abort();
            have_name |= slice_eq_cstr(ls[k].name, "__name__");
        }
        if (!have_name || n > ll.max_labels)
            abort();
        buf b = BUF_INIT;
        if (labels_encode(ls, n, &b) == 0) {
            slice blob = buf_slice(&b);
            if (labels_count(blob) != (int)n)
                abort();
            for (size_t k = 0; k < n; k++)
                if (!slice_eq(labels_get(blob, ls[k].name), ls[k].value))
                    abort();
            /* a sender that sorts already sends the canonical bytes */
            if (slice_eq(s->key, blob) && s->nlabels != n)
                abort();
        }
        buf_free(&b);
    }
    if (total != r.nsamples)
        abort();
    arena_destroy(a);
    return 0;
}
