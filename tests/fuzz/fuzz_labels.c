/* fuzz_labels.c - libFuzzer harness: label validation and canonicalisation
 * (labels_canonicalize), the canonical encoding, iteration, lookup and
 * formatting; and the iterator on arbitrary (corrupt) blobs.
 *
 * Input: byte 0 picks the limits; then records [u8 name_len][name]
 * [u8 value_len][value] until the input ends. */
#include "store/labels.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>

#define MAXL 64

static void blob_checks(slice blob)
{
    labels_iter it = labels_iter_make(blob);
    label l;
    int k, n = 0;
    while ((k = labels_next(&it, &l)) == 1) {
        if (l.name.p < blob.p || l.value.p + l.value.n > blob.p + blob.n)
            abort();
        n++;
    }
    if (labels_count(blob) != (k < 0 ? -1 : n))
        abort();
    buf out = BUF_INIT;
    if (labels_format(blob, &out) != 0)
        abort();
    buf_free(&out);
    (void)labels_get(blob, slice_cstr("__name__"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    blob_checks(slice_make(data, size));
    if (size < 1)
        return 0;
    label ls[MAXL];
    size_t n = 0, i = 1;
    while (n < MAXL && i < size) {
        size_t nl = data[i++];
        if (nl > size - i)
            break;
        ls[n].name = slice_make(data + i, nl);
        i += nl;
        size_t vl = i < size ? data[i++] : 0;
        if (vl > size - i)
            vl = size - i;
        ls[n].value = slice_make(data + i, vl);
        i += vl;
        n++;
    }
    static const labels_limits lims[] = { { 0, 0, 0 }, { 8, 16, 32 }, { 2, 255, 255 }, { 30, 8, 8 } };
    const labels_limits *lim = data[0] & 4 ? NULL : &lims[data[0] & 3];
    size_t cnt = n;
    err_ctx e = { 0 };
    int rc = labels_canonicalize(ls, &cnt, lim, &e);
    if (rc != 0) {
        if ((rc != LOUPE_EINVAL && rc != LOUPE_ETOOBIG) || e.code != rc || !e.msg[0] || cnt != n)
            abort();
        return 0;
    }
    if (cnt > n)
        abort();
    int have_name = 0;
    for (size_t k = 0; k < cnt; k++) {
        if (k && slice_cmp(ls[k - 1].name, ls[k].name) >= 0)
            abort();
        if (!ls[k].name.n || !ls[k].value.n)
            abort();
        if (!utf8_valid(ls[k].name.p, ls[k].name.n) || !utf8_valid(ls[k].value.p, ls[k].value.n))
            abort();
        if (lim && ((lim->max_name_len && ls[k].name.n > lim->max_name_len) ||
                    (lim->max_value_len && ls[k].value.n > lim->max_value_len)))
            abort();
        have_name |= slice_eq_cstr(ls[k].name, "__name__");
    }
    if (!have_name)
        abort();
    buf b = BUF_INIT;
    if (labels_encode(ls, cnt, &b) != 0)
        abort();
    slice blob = buf_slice(&b);
    if (labels_count(blob) != (int)cnt)
        abort();
    labels_iter it = labels_iter_make(blob);
    label l;
    for (size_t k = 0; k < cnt; k++) {
        if (labels_next(&it, &l) != 1 || !slice_eq(l.name, ls[k].name) || !slice_eq(l.value, ls[k].value))
            abort();
        if (!slice_eq(labels_get(blob, ls[k].name), ls[k].value))
            abort();
    }
    if (labels_next(&it, &l) != 0)
        abort();
    blob_checks(blob);
    /* canonicalising canonical labels changes nothing */
    label again[MAXL];
    memcpy(again, ls, cnt * sizeof *ls);
    size_t c2 = cnt;
    if (labels_canonicalize(again, &c2, lim, &e) != 0 || c2 != cnt)
        abort();
    buf b2 = BUF_INIT;
    if (labels_encode(again, c2, &b2) != 0 || !slice_eq(buf_slice(&b2), blob))
        abort();
    buf_free(&b2);
    buf_free(&b);
    return 0;
}
