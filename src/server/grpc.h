/* grpc.h - the gRPC server: unary calls over HTTP/2 cleartext (h2c, prior
 * knowledge) on nghttp2, dispatching each call by its :path to a method table.
 *
 * Wire behaviour (PROTOCOL-HTTP2.md in the gRPC repository):
 *   - one length-prefixed message per call (5-byte prefix: compressed flag,
 *     big-endian length); the flag may only be set with grpc-encoding gzip or
 *     deflate, which are inflated here (identity/absent with the flag set is
 *     INTERNAL as in grpc-go; another encoding is UNIMPLEMENTED and the reply
 *     lists grpc-accept-encoding "identity,deflate,gzip");
 *   - a message longer than the method's max_message, or inflating past
 *     max_decompressed, is RESOURCE_EXHAUSTED; framing violations (no message,
 *     two messages, a truncated one) are INTERNAL;
 *   - an unknown :path is UNIMPLEMENTED; a content-type not starting with
 *     application/grpc gets HTTP 415, a method other than POST HTTP 405;
 *   - errors are trailers-only responses (one HEADERS frame with grpc-status
 *     and a percent-encoded grpc-message); success is HEADERS, one DATA with
 *     the uncompressed response message, then trailers with grpc-status 0;
 *   - an HTTP/1.x request gets "HTTP/1.1 505" with a text body and is closed.
 *
 * Threads: one accept thread; one thread per connection (bounded by
 * max_connections) that owns its nghttp2 session and polls its socket; and a
 * pool of `threads` workers that inflate requests and run handlers.  A slow
 * handler (one that commits to disk) therefore holds a worker, never a
 * connection: other streams on the same connection keep flowing.
 *
 * Memory: a stream buffers at most max_message + 5 bytes; all connections
 * together at most max_inflight bytes of request bodies (past it, new data
 * gets UNAVAILABLE, which OTLP clients retry); each worker inflates at most
 * max_decompressed bytes.  A connection runs at most max_concurrent_streams
 * handlers at once (even when its client resets the streams).
 *
 * Metrics: loupe_grpc_requests_total{method,code} (method is the registered
 * path, or "other"; code the gRPC code name, e.g. "OK") and
 * loupe_grpc_request_duration_seconds_{sum,count}{method}. */
#ifndef LOUPE_GRPC_H
#define LOUPE_GRPC_H

#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>

/* gRPC status codes (the ones loupe uses; see grpc/status.h for all). */
enum {
    GRPC_OK = 0,
    GRPC_CANCELLED = 1,
    GRPC_UNKNOWN = 2,
    GRPC_INVALID_ARGUMENT = 3,
    GRPC_DEADLINE_EXCEEDED = 4,
    GRPC_NOT_FOUND = 5,
    GRPC_RESOURCE_EXHAUSTED = 8,
    GRPC_UNIMPLEMENTED = 12,
    GRPC_INTERNAL = 13,
    GRPC_UNAVAILABLE = 14,
};

typedef struct grpc_status {
    int code;          /* GRPC_* */
    char message[512]; /* plain text; the server percent-encodes it */
} grpc_status;

/* A unary handler.  `request` is one decompressed protobuf message, borrowed
 * for the call.  On success leave st->code 0 and append the protobuf
 * response to `response` (owned by the server).  On failure either set
 * st->code/st->message, or return a negative LOUPE_E* code (with st->code
 * left 0), which becomes grpc_code_for(rc) with loupe_strerror(rc) as the
 * message.  Called from worker threads, concurrently: it must be
 * thread-safe. */
typedef int (*grpc_unary_fn)(void *ctx, slice request, buf *response, grpc_status *st);

typedef struct grpc_method {
    const char *path;   /* e.g. "/opentelemetry.proto.collector.trace.v1.TraceService/Export" */
    grpc_unary_fn fn;
    void *ctx;
    size_t max_message; /* request message bytes on the wire; 0 = the server's */
} grpc_method;

typedef struct grpc_server_opts {
    const char *listen;         /* ":4317", "host:4317", "[::]:4317", "127.0.0.1:0" (any port) */
    int threads;                /* handler workers; 0 = 4 */
    size_t max_message;         /* default per-method limit; 0 = 16 MiB */
    size_t max_decompressed;    /* inflated message limit; 0 = 4 x max_message */
    size_t max_inflight;        /* request bytes buffered over all connections; 0 = max(256 MiB, 2 x max_message) */
    int max_concurrent_streams; /* advertised per connection; 0 = 100 */
    int max_connections;        /* 0 = 256; more are closed at accept */
    int idle_timeout_ms;        /* close a connection silent this long with no call running; 0 = 5 min */
} grpc_server_opts;

typedef struct grpc_server grpc_server;

/* Binds, starts the threads and serves; methods are copied (their paths and
 * ctx are borrowed and must outlive the server).  LOUPE_EIO if the address
 * cannot be bound, LOUPE_EINVAL for a malformed one. */
int grpc_server_start(const grpc_server_opts *o, const grpc_method *methods, size_t n, grpc_server **out,
                      err_ctx *e);
/* The bound TCP port (useful with port 0). */
int grpc_server_port(const grpc_server *s);
/* Stops accepting, sends GOAWAY on every connection, lets calls in flight
 * finish (handlers always; clients get a grace period to finish sending),
 * closes the connections and frees.  Accepts NULL. */
void grpc_server_stop(grpc_server *s);

/* The gRPC code for a LOUPE_E* code (EINVAL -> INVALID_ARGUMENT, EBUSY/EIO ->
 * UNAVAILABLE so OTLP clients retry, ...). */
int grpc_code_for(int rc);
/* "OK", "INVALID_ARGUMENT", ...; "UNKNOWN" for codes outside 0..16. */
const char *grpc_code_name(int code);

#endif
