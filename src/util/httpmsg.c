/* httpmsg.c - response helpers and parameter parsing. */
#include "util/httpmsg.h"
#include "util/hex.h"
#include "util/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void http_resp_header(http_resp *r, const char *name, const char *value)
{
    int n = snprintf(r->headers + r->nheaders, sizeof r->headers - r->nheaders, "%s: %s\r\n", name, value);
    if (n > 0 && (size_t)n < sizeof r->headers - r->nheaders)
        r->nheaders += (size_t)n;
}

int http_resp_text(http_resp *r, int status, const char *fmt, ...)
{
    r->status = status;
    r->content_type = "text/plain; charset=utf-8";
    r->body.n = 0;
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return LOUPE_EINTERNAL;
    return buf_append(&r->body, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1) || buf_putc(&r->body, '\n');
}

int http_resp_prom_error(http_resp *r, int status, const char *type, const char *msg)
{
    r->status = status;
    r->content_type = "application/json";
    r->body.n = 0;
    return buf_puts(&r->body, "{\"status\":\"error\",\"errorType\":") || json_str(&r->body, slice_cstr(type)) ||
           buf_puts(&r->body, ",\"error\":") || json_str(&r->body, slice_cstr(msg)) || buf_putc(&r->body, '}');
}

int http_status_for(int rc)
{
    switch (rc) {
    case 0: return 200;
    case LOUPE_EINVAL: return 400;
    case LOUPE_ETOOBIG: return 413;
    case LOUPE_ENOTFOUND: return 404;
    case LOUPE_EBUSY: return 503;
    case LOUPE_ECANCELED: return 503;
    case LOUPE_ETIMEOUT: return 503;
    case LOUPE_ELIMIT: return 422;
    case LOUPE_EEXEC: return 422;
    default: return 500;
    }
}

int http_urldecode(slice s, buf *out)
{
    if (buf_reserve(out, s.n + 1))
        return LOUPE_ENOMEM;
    for (size_t i = 0; i < s.n; i++) {
        uint8_t c = s.p[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < s.n + 0 && hex_digit(s.p[i + 1]) >= 0 && hex_digit(s.p[i + 2]) >= 0) {
            c = (uint8_t)(hex_digit(s.p[i + 1]) << 4 | hex_digit(s.p[i + 2]));
            i += 2;
        }
        out->p[out->n++] = c;
    }
    out->p[out->n] = '\0';
    return 0;
}

/* Walks "a=1&b=2" pairs; calls fn for each pair named `name`. */
static int each_in(slice qs, const char *name, http_param_fn fn, void *ctx, int *found)
{
    size_t nl = strlen(name);
    buf key = BUF_INIT, val = BUF_INIT;
    int rc = 0;
    size_t i = 0;
    while (i < qs.n && !rc) {
        size_t j = i;
        while (j < qs.n && qs.p[j] != '&')
            j++;
        slice pair = slice_make(qs.p + i, j - i);
        size_t eq = 0;
        while (eq < pair.n && pair.p[eq] != '=')
            eq++;
        key.n = 0;
        if (http_urldecode(slice_make(pair.p, eq), &key)) {
            rc = LOUPE_ENOMEM;
            break;
        }
        if (key.n == nl && memcmp(key.p, name, nl) == 0) {
            val.n = 0;
            slice raw = eq < pair.n ? slice_make(pair.p + eq + 1, pair.n - eq - 1) : slice_make("", 0);
            if (http_urldecode(raw, &val)) {
                rc = LOUPE_ENOMEM;
                break;
            }
            *found = 1;
            rc = fn(ctx, buf_slice(&val));
        }
        i = j + 1;
    }
    buf_free(&key);
    buf_free(&val);
    return rc;
}

static int is_form(const http_req *r)
{
    const char *ct = http_header(r, "Content-Type");
    return r->method && strcmp(r->method, "POST") == 0 && ct &&
           strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
}

int http_param_each(const http_req *r, const char *name, http_param_fn fn, void *ctx)
{
    int found = 0, rc = 0;
    if (r->query)
        rc = each_in(slice_cstr(r->query), name, fn, ctx, &found);
    if (!rc && is_form(r))
        rc = each_in(r->body, name, fn, ctx, &found);
    return rc;
}

/* Keeps the first value and stops the walk (a positive return is not an error). */
#define TAKE_FIRST_DONE 1
static int take_first(void *ctx, slice v)
{
    buf *out = ctx;
    out->n = 0;
    if (buf_append(out, v.p, v.n) || buf_cstr(out))
        return LOUPE_ENOMEM;
    return TAKE_FIRST_DONE;
}

int http_param(const http_req *r, const char *name, buf *out)
{
    int found = 0;
    out->n = 0;
    /* Go's r.FormValue: the first value, body form values taking precedence
     * over the URL */
    if (is_form(r) && each_in(r->body, name, take_first, out, &found) == TAKE_FIRST_DONE)
        return 1;
    if (r->query && each_in(slice_cstr(r->query), name, take_first, out, &found) == TAKE_FIRST_DONE)
        return 1;
    out->n = 0;
    return 0;
}
