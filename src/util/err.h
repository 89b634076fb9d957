/* err.h - loupe's error codes and the sticky per-request error context.
 *
 * Functions return 0 (LOUPE_OK) or a negative LOUPE_E* code.  Deep decoders
 * do not print: they record the first error and a message in an err_ctx
 * (later errors are ignored, like SQLite's sticky mallocFailed) and the HTTP
 * layer turns it into one clear 4xx/5xx response. */
#ifndef LOUPE_ERR_H
#define LOUPE_ERR_H

#include <stddef.h>

enum {
    LOUPE_OK = 0,
    LOUPE_ENOMEM = -1,     /* allocation failed (our fault: 5xx) */
    LOUPE_EINVAL = -2,     /* malformed input from the client (400) */
    LOUPE_ETOOBIG = -3,    /* input exceeds a configured limit (413/400) */
    LOUPE_EIO = -4,        /* disk or storage engine failure (5xx) */
    LOUPE_ENOTFOUND = -5,  /* no such object (404) */
    LOUPE_EBUSY = -6,      /* overloaded, retry later (503/429) */
    LOUPE_EINTERNAL = -7,  /* a bug or an impossible state (500) */
    LOUPE_ETIMEOUT = -8,   /* deadline passed (503) */
    LOUPE_ELIMIT = -9,     /* a query hit a resource limit (422) */
    LOUPE_ECANCELED = -10, /* shutting down (503) */
    LOUPE_EEXEC = -11,     /* query evaluation error, e.g. duplicate labelset (422) */
};

/* Name of a code, e.g. "invalid input".  Static storage. */
const char *loupe_strerror(int rc);

/* First error of a request: code plus a human-readable message. */
typedef struct err_ctx {
    int code;
    char msg[512];
} err_ctx;

/* Records code and message unless an error is already set; returns the code
 * now stored, so callers can write `return err_set(e, LOUPE_EINVAL, ...)`. */
int err_set(err_ctx *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears the context. */
void err_clear(err_ctx *e);

#endif
