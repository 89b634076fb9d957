/* grpc_int.h - the gRPC server's private half: the pure helpers of
 * grpc_frame.c (framing, inflation, grpc-message encoding: no sockets, no
 * nghttp2, no globals, so tests/unit/test_grpc.c calls them directly), and
 * the types grpc.c (server, workers) and grpc_conn.c (connections) share. */
#ifndef LOUPE_GRPC_INT_H
#define LOUPE_GRPC_INT_H

#include "server/grpc.h"

#include <pthread.h>
#include <stdint.h>

/* What the server accepts in grpc-encoding (and says in grpc-accept-encoding). */
#define GRPC_ACCEPT_ENCODING "identity,deflate,gzip"

typedef enum grpc_enc { GRPC_ENC_IDENTITY, GRPC_ENC_GZIP, GRPC_ENC_DEFLATE, GRPC_ENC_UNKNOWN } grpc_enc;

/* A grpc-encoding header value; absent or empty is identity. */
grpc_enc grpc_enc_parse(slice v);

/* Sets st and returns code (for `return grpc_fail(st, ...)`). */
int grpc_fail(grpc_status *st, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Checks the first bytes of a unary request body as they arrive: fails
 * (RESOURCE_EXHAUSTED) once the declared length exceeds max_message, and
 * (INTERNAL) once more bytes arrived than one message holds.  0 while the
 * body may still be a valid single message. */
int grpc_frame_check(slice sofar, size_t max_message, grpc_status *st);

/* Splits a complete unary request body into its one message: 0 with *msg
 * (borrowed from body) and *compressed, or a GRPC_* code with st set. */
int grpc_frame_unary(slice body, size_t max_message, slice *msg, int *compressed, grpc_status *st);

/* Appends the 5-byte uncompressed prefix for a message of len bytes. */
int grpc_frame_prefix(buf *out, size_t len);

/* Inflates a gzip or deflate (zlib) message into out, at most max_out bytes:
 * 0, or RESOURCE_EXHAUSTED past max_out, INTERNAL for corrupt data or no
 * memory, with st set. */
int grpc_inflate(slice in, grpc_enc enc, size_t max_out, buf *out, grpc_status *st);

/* Percent-encodes a grpc-message value (bytes outside 0x20..0x7e, and '%')
 * into out, NUL-terminated, never splitting an escape when truncating. */
void grpc_pct_encode(const char *msg, char *out, size_t cap);

/* ------------------------------------------------------------ grpc.c <-> grpc_conn.c */

typedef struct grpc_conn grpc_conn;

/* A call handed to the workers; owns the request body, later the response. */
typedef struct grpc_job {
    struct grpc_job *next;
    grpc_conn *c;
    int32_t stream_id;
    const grpc_method *m;
    buf body;          /* prefix + message, validated by grpc_frame_unary */
    size_t accounted;  /* bytes of body counted in the server's inflight */
    grpc_enc enc;      /* IDENTITY unless the message is compressed */
    buf resp;          /* the response message (when st.code == 0) */
    grpc_status st;
} grpc_job;

struct grpc_server {
    grpc_method *methods;
    size_t nmethods;
    size_t max_message, max_decompressed, max_inflight;
    int max_streams, max_conns, idle_ms;
    int lfd, port, stop_evfd;
    pthread_t acceptor;
    int acceptor_started;
    pthread_t *workers;
    int nworkers;
    pthread_mutex_t mu; /* conns, nconns, stopping */
    pthread_cond_t cv;  /* a connection ended */
    grpc_conn *conns;
    int nconns;
    int stopping;
    pthread_mutex_t qmu; /* the job queue */
    pthread_cond_t qcv;
    grpc_job *qhead, *qtail;
    int qstop;
    size_t inflight; /* request body bytes buffered, atomic */
};


/* grpc.c: a monotonic clock; returning bytes to s->inflight (zeroes
 * *accounted); the worker queue (takes j); freeing a job. */
int64_t grpc_mono_ns(void);
void grpc_release(grpc_server *s, size_t *accounted);
void grpc_enqueue(grpc_server *s, grpc_job *j);
void grpc_job_free(grpc_server *s, grpc_job *j);

/* grpc_conn.c: serves an accepted socket on a new thread (takes fd, closes it
 * when refused); wakes every connection (caller holds s->mu); hands a
 * finished job back to its connection (takes j; a worker must not touch it
 * or its connection afterwards). */
void grpc_conn_spawn(grpc_server *s, int fd);
void grpc_conn_wake_all(grpc_server *s);
void grpc_job_done(grpc_job *j);

#endif
