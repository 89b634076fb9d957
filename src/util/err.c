/* err.c - error names and the sticky error context. */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>

const char *loupe_strerror(int rc)
{
    switch (rc) {
    case LOUPE_OK: return "ok";
    case LOUPE_ENOMEM: return "out of memory";
    case LOUPE_EINVAL: return "invalid input";
    case LOUPE_ETOOBIG: return "too large";
    case LOUPE_EIO: return "i/o error";
    case LOUPE_ENOTFOUND: return "not found";
    case LOUPE_EBUSY: return "busy";
    case LOUPE_EINTERNAL: return "internal error";
    case LOUPE_ETIMEOUT: return "timeout";
    case LOUPE_ELIMIT: return "limit exceeded";
    case LOUPE_ECANCELED: return "canceled";
    case LOUPE_EEXEC: return "execution error";
    default: return "unknown error";
    }
}

int err_set(err_ctx *e, int code, const char *fmt, ...)
{
    if (!e)
        return code;
    if (e->code != 0)
        return e->code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

void err_clear(err_ctx *e)
{
    e->code = 0;
    e->msg[0] = '\0';
}
