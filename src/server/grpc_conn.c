/* grpc_conn.c - one gRPC connection: its thread, its nghttp2 session and
 * streams, and the hand-off of complete requests to the workers (grpc.c).
 *
 * Ownership: an nghttp2 session and its streams are touched only by their
 * connection's thread.  A complete request moves into a job (its body and
 * the stream id, never a stream pointer); a worker runs it and pushes it back
 * onto the connection's done list, waking the thread through an eventfd.  The
 * thread looks the stream up again by id (ids are never reused in a session),
 * so a stream the client reset meanwhile simply drops the result.  A
 * connection does not free itself before every job it dispatched has come
 * back. */
#include "util/mem.h"
#include "server/grpc_int.h"
#include "util/log.h"
#include "util/metrics.h"

#include <nghttp2/nghttp2.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define STOP_GRACE_MS 10000        /* after GOAWAY at stop: time for clients to finish sending */
#define TERM_GRACE_MS 1000         /* after an idle GOAWAY: time to flush it */
#define INITIAL_WINDOW (1 << 20)   /* per stream: a 4 MiB message needs a few round trips */
#define CONN_WINDOW (16 << 20)     /* per connection, so concurrent streams do not starve */
#define MAX_HEADER_BYTES 65536     /* per request header block, as counted by RFC 7541 (+32 a field) */
#define READ_CHUNK 65536
#define CONN_STACK (256 << 10)     /* connection threads only parse; handlers run on workers */

typedef enum { SS_RECV, SS_DISPATCHED, SS_DONE } stream_state;

typedef struct gstream {
    struct gstream *next, *prev;
    int32_t id;
    stream_state state;
    const grpc_method *m; /* NULL: unknown :path */
    char path[160];       /* for the UNIMPLEMENTED message, truncated */
    size_t max_message;
    int is_post, ct_grpc;
    grpc_enc enc;
    size_t hdr_bytes;
    buf body;
    size_t accounted;
    uint8_t prefix[5];    /* the response: prefix, then resp, read by read_resp */
    buf resp;
    size_t resp_off;
    int64_t t0_ns;
} gstream;

struct grpc_conn {
    grpc_server *s;
    grpc_conn *next, *prev; /* s->conns, under s->mu */
    int fd, evfd;
    nghttp2_session *h2;
    gstream *streams;
    pthread_mutex_t mu; /* guards done and jobs */
    pthread_cond_t cv;
    grpc_job *done;     /* finished by workers, not yet collected */
    int jobs;           /* dispatched, not yet collected */
    size_t preface_seen;
    int64_t last_io_ms;
    int goaway;
    int64_t deadline_ms; /* 0, or when to close whatever the state */
};

static const char H2_MAGIC[] = NGHTTP2_CLIENT_MAGIC;

static int64_t mono_ms(void) { return grpc_mono_ns() / 1000000; }

static void wake(int fd)
{
    uint64_t one = 1;
    ssize_t r = write(fd, &one, sizeof one);
    (void)r; /* a full counter already means "wake up" */
}

static void count(const gstream *g, int code)
{
    char labels[256];
    const char *name = g->m ? g->m->path : "other"; /* never the client's path: cardinality */
    snprintf(labels, sizeof labels, "method=\"%s\",code=\"%s\"", name, grpc_code_name(code));
    metrics_add("loupe_grpc_requests_total", labels, 1);
    snprintf(labels, sizeof labels, "method=\"%s\"", name);
    metrics_add("loupe_grpc_request_duration_seconds_sum", labels, (double)(grpc_mono_ns() - g->t0_ns) / 1e9);
    metrics_add("loupe_grpc_request_duration_seconds_count", labels, 1);
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE }

static void stream_drop_body(grpc_conn *c, gstream *g)
{
    buf_free(&g->body);
    grpc_release(c->s, &g->accounted);
}

/* A trailers-only response: one HEADERS frame with END_STREAM. */
static void respond_status(grpc_conn *c, gstream *g, int code, const char *msg)
{
    char codestr[16], pct[3 * sizeof ((grpc_status *)0)->message + 1];
    snprintf(codestr, sizeof codestr, "%d", code);
    grpc_pct_encode(msg ? msg : "", pct, sizeof pct);
    nghttp2_nv nv[5] = { NV(":status", "200"), NV("content-type", "application/grpc"),
                         NV("grpc-accept-encoding", GRPC_ACCEPT_ENCODING), NV("grpc-status", codestr),
                         NV("grpc-message", pct) };
    nghttp2_submit_response(c->h2, g->id, nv, pct[0] ? 5 : 4, NULL);
    g->state = SS_DONE;
    stream_drop_body(c, g);
    count(g, code);
}

/* Not gRPC at all (wrong method or content-type): a bare HTTP status, which
 * clients map to UNKNOWN (doc/http-grpc-status-mapping.md). */
static void respond_http(grpc_conn *c, gstream *g, const char *status)
{
    nghttp2_nv nv[2] = { NV(":status", status), NV("content-type", "text/plain") };
    nghttp2_submit_response(c->h2, g->id, nv, 2, NULL);
    g->state = SS_DONE;
    stream_drop_body(c, g);
    count(g, GRPC_UNKNOWN);
}

static ssize_t read_resp(nghttp2_session *h2, int32_t id, uint8_t *dst, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *user)
{
    gstream *g = src->ptr;
    size_t total = 5 + g->resp.n, o = 0;
    while (o < len && g->resp_off < total) {
        if (g->resp_off < 5) {
            dst[o++] = g->prefix[g->resp_off++];
            continue;
        }
        size_t k = total - g->resp_off < len - o ? total - g->resp_off : len - o;
        memcpy(dst + o, g->resp.p + (g->resp_off - 5), k);
        o += k;
        g->resp_off += k;
    }
    if (g->resp_off == total) {
        *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        nghttp2_nv tr[1] = { NV("grpc-status", "0") };
        if (nghttp2_submit_trailer(h2, id, tr, 1) != 0)
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return (ssize_t)o;
}

static void respond_ok(grpc_conn *c, gstream *g, grpc_job *j)
{
    size_t n = j->resp.n;
    g->resp = j->resp;
    j->resp = (buf)BUF_INIT;
    g->prefix[0] = 0;
    g->prefix[1] = (uint8_t)(n >> 24);
    g->prefix[2] = (uint8_t)(n >> 16);
    g->prefix[3] = (uint8_t)(n >> 8);
    g->prefix[4] = (uint8_t)n;
    nghttp2_nv nv[3] = { NV(":status", "200"), NV("content-type", "application/grpc"),
                         NV("grpc-accept-encoding", GRPC_ACCEPT_ENCODING) };
    nghttp2_data_provider dp;
    dp.source.ptr = g;
    dp.read_callback = read_resp;
    nghttp2_submit_response(c->h2, g->id, nv, 3, &dp);
    g->state = SS_DONE;
    count(g, GRPC_OK);
}

/* ------------------------------------------------------------ streams */

static gstream *find_stream(grpc_conn *c, int32_t id)
{
    for (gstream *g = c->streams; g; g = g->next)
        if (g->id == id)
            return g;
    return NULL;
}

static void stream_free(grpc_conn *c, gstream *g)
{
    if (g->prev)
        g->prev->next = g->next;
    else
        c->streams = g->next;
    if (g->next)
        g->next->prev = g->prev;
    stream_drop_body(c, g);
    buf_free(&g->resp);
    free(g);
}

static const grpc_method *find_method(const grpc_server *s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < s->nmethods; i++)
        if (slice_eq_cstr(slice_make(p, n), s->methods[i].path))
            return &s->methods[i];
    return NULL;
}

/* Why a complete request cannot be dispatched: 0 when it can (st untouched). */
static int precheck(gstream *g, int *compressed, grpc_status *st)
{
    slice msg;
    if (grpc_frame_unary(buf_slice(&g->body), g->max_message, &msg, compressed, st))
        return st->code;
    if (*compressed && g->enc == GRPC_ENC_IDENTITY) /* grpc-go answers INTERNAL here too */
        return grpc_fail(st, GRPC_INTERNAL, "grpc: compressed flag set with identity or empty grpc-encoding");
    if (*compressed && g->enc == GRPC_ENC_UNKNOWN)
        return grpc_fail(st, GRPC_UNIMPLEMENTED,
                         "grpc: unsupported grpc-encoding (this server accepts " GRPC_ACCEPT_ENCODING ")");
    return 0;
}

/* END_STREAM: the request is complete; check it and hand it to a worker. */
static void finish(grpc_conn *c, gstream *g)
{
    grpc_server *s = c->s;
    grpc_status st = { 0 };
    int compressed = 0;
    grpc_job *j = NULL;
    if (precheck(g, &compressed, &st))
        goto fail;
    /* Bounds handlers per connection even when the client resets streams
     * after sending them (which frees nghttp2's concurrency slot). */
    pthread_mutex_lock(&c->mu);
    int busy = c->jobs >= s->max_streams;
    if (!busy)
        c->jobs++;
    pthread_mutex_unlock(&c->mu);
    if (busy) {
        grpc_fail(&st, GRPC_UNAVAILABLE, "too many calls in flight on this connection");
        goto fail;
    }
    j = calloc(1, sizeof *j);
    if (!j) {
        pthread_mutex_lock(&c->mu);
        c->jobs--;
        pthread_mutex_unlock(&c->mu);
        grpc_fail(&st, GRPC_UNAVAILABLE, "out of memory");
        goto fail;
    }
    j->c = c;
    j->stream_id = g->id;
    j->m = g->m;
    j->body = g->body;
    j->accounted = g->accounted;
    j->enc = compressed ? g->enc : GRPC_ENC_IDENTITY;
    g->body = (buf)BUF_INIT;
    g->accounted = 0;
    g->state = SS_DISPATCHED;
    grpc_enqueue(s, j);
    return;
fail:
    respond_status(c, g, st.code, st.message);
}

static void collect(grpc_conn *c)
{
    pthread_mutex_lock(&c->mu);
    grpc_job *list = c->done;
    c->done = NULL;
    for (grpc_job *j = list; j; j = j->next)
        c->jobs--;
    pthread_mutex_unlock(&c->mu);
    while (list) {
        grpc_job *j = list;
        list = j->next;
        gstream *g = find_stream(c, j->stream_id);
        if (g && g->state == SS_DISPATCHED) {
            if (j->st.code != GRPC_OK)
                respond_status(c, g, j->st.code, j->st.message);
            else
                respond_ok(c, g, j);
        }
        grpc_job_free(c->s, j);
    }
}

/* ------------------------------------------------------------ nghttp2 callbacks */

static ssize_t on_send(nghttp2_session *h2, const uint8_t *data, size_t len, int flags, void *user)
{
    grpc_conn *c = user;
    for (;;) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n >= 0) {
            if (n > 0)
                c->last_io_ms = mono_ms();
            return n ? n : NGHTTP2_ERR_WOULDBLOCK;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return NGHTTP2_ERR_WOULDBLOCK;
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
}

static int on_begin_headers(nghttp2_session *h2, const nghttp2_frame *f, void *user)
{
    grpc_conn *c = user;
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    gstream *g = calloc(1, sizeof *g);
    if (!g)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets this stream only */
    g->id = f->hd.stream_id;
    g->max_message = c->s->max_message;
    g->t0_ns = grpc_mono_ns();
    g->next = c->streams;
    if (c->streams)
        c->streams->prev = g;
    c->streams = g;
    nghttp2_session_set_stream_user_data(h2, g->id, g);
    return 0;
}

static int on_header(nghttp2_session *h2, const nghttp2_frame *f, const uint8_t *name, size_t namelen,
                     const uint8_t *value, size_t valuelen, uint8_t flags, void *user)
{
    grpc_conn *c = user;
    gstream *g = nghttp2_session_get_stream_user_data(h2, f->hd.stream_id);
    if (!g || f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0; /* trailers from the client carry nothing we use */
    g->hdr_bytes += namelen + valuelen + 32;
    if (g->hdr_bytes > MAX_HEADER_BYTES)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    slice n = slice_make(name, namelen), v = slice_make(value, valuelen);
    if (slice_eq_cstr(n, ":path")) {
        g->m = find_method(c->s, value, valuelen);
        if (g->m && g->m->max_message)
            g->max_message = g->m->max_message;
        size_t k = valuelen < sizeof g->path - 1 ? valuelen : sizeof g->path - 1;
        mem_copy(g->path, value, k);
        g->path[k] = '\0';
    } else if (slice_eq_cstr(n, ":method")) {
        g->is_post = slice_eq_cstr(v, "POST");
    } else if (slice_eq_cstr(n, "content-type")) {
        /* "application/grpc", "application/grpc+proto", "application/grpc;..." */
        g->ct_grpc = valuelen >= 16 && !strncasecmp((const char *)value, "application/grpc", 16) &&
                     (valuelen == 16 || value[16] == '+' || value[16] == ';');
    } else if (slice_eq_cstr(n, "grpc-encoding")) {
        g->enc = grpc_enc_parse(v);
    }
    return 0;
}

static int on_data_chunk(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
                         void *user)
{
    grpc_conn *c = user;
    grpc_server *s = c->s;
    gstream *g = nghttp2_session_get_stream_user_data(h2, id);
    if (!g || g->state != SS_RECV)
        return 0; /* already answered: drop the rest */
    /* Never hold more than one byte past the largest valid body. */
    size_t cap = g->max_message + 5 + 1;
    size_t take = len < cap - g->body.n ? len : cap - g->body.n;
    size_t now = __atomic_add_fetch(&s->inflight, take, __ATOMIC_RELAXED);
    g->accounted += take;
    if (now > s->max_inflight) {
        respond_status(c, g, GRPC_UNAVAILABLE, "server overloaded: too many request bytes in flight");
        return 0;
    }
    if (buf_append(&g->body, data, take)) {
        respond_status(c, g, GRPC_UNAVAILABLE, "out of memory");
        return 0;
    }
    grpc_status st = { 0 };
    if (grpc_frame_check(buf_slice(&g->body), g->max_message, &st))
        respond_status(c, g, st.code, st.message);
    return 0;
}

static int on_frame_recv(nghttp2_session *h2, const nghttp2_frame *f, void *user)
{
    grpc_conn *c = user;
    if (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA)
        return 0;
    gstream *g = nghttp2_session_get_stream_user_data(h2, f->hd.stream_id);
    if (!g || g->state != SS_RECV)
        return 0;
    if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST) {
        char msg[sizeof g->path + 32];
        if (!g->is_post) {
            respond_http(c, g, "405");
        } else if (!g->ct_grpc) { /* gRPC spec: 415 for a content-type not starting with application/grpc */
            respond_http(c, g, "415");
        } else if (!g->m) {
            snprintf(msg, sizeof msg, "unknown method %s", g->path);
            respond_status(c, g, GRPC_UNIMPLEMENTED, msg);
        }
        if (g->state != SS_RECV)
            return 0;
    }
    if (f->hd.flags & NGHTTP2_FLAG_END_STREAM)
        finish(c, g);
    return 0;
}

static int on_stream_close(nghttp2_session *h2, int32_t id, uint32_t error_code, void *user)
{
    grpc_conn *c = user;
    gstream *g = nghttp2_session_get_stream_user_data(h2, id);
    if (!g)
        return 0;
    if (g->state != SS_DONE)
        count(g, GRPC_CANCELLED); /* the client reset it, or the connection is going */
    stream_free(c, g);
    return 0;
}

/* ------------------------------------------------------------ connections */

static int session_open(grpc_conn *c)
{
    nghttp2_session_callbacks *cb = NULL;
    int rc = -1;
    if (nghttp2_session_callbacks_new(&cb))
        goto cleanup;
    nghttp2_session_callbacks_set_send_callback(cb, on_send);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    if (nghttp2_session_server_new(&c->h2, cb, c))
        goto cleanup;
    nghttp2_settings_entry iv[] = {
        { NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, (uint32_t)c->s->max_streams },
        { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, INITIAL_WINDOW },
        { NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_BYTES },
    };
    if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]) ||
        nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW))
        goto cleanup;
    rc = 0;
cleanup:
    nghttp2_session_callbacks_del(cb);
    return rc;
}

/* Before the 24-byte client preface is complete: 0 while the bytes match it.
 * An HTTP/1 request (a curl, a misconfigured OTLP/HTTP exporter) gets a 505
 * that says what this port is, instead of a silent close. */
static int check_preface(grpc_conn *c, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && c->preface_seen < NGHTTP2_CLIENT_MAGIC_LEN; i++, c->preface_seen++) {
        if (p[i] == (uint8_t)H2_MAGIC[c->preface_seen])
            continue;
        int http1 = c->preface_seen > 0 || (p[0] >= 'A' && p[0] <= 'Z');
        if (http1) {
            static const char body[] = "this port serves OTLP/gRPC, which needs HTTP/2 (h2c with prior knowledge); "
                                       "send OTLP/HTTP to the OTLP/HTTP port (4318 by default)\n";
            char msg[512];
            int k = snprintf(msg, sizeof msg,
                             "HTTP/1.1 505 HTTP Version Not Supported\r\nContent-Type: text/plain; charset=utf-8\r\n"
                             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                             sizeof body - 1, body);
            ssize_t w = send(c->fd, msg, (size_t)k, MSG_NOSIGNAL);
            (void)w; /* best effort: the socket buffer is empty, the reply small */
            /* Read what the client still sends before closing, so the
             * kernel does not answer it with a RST that eats the reply. */
            shutdown(c->fd, SHUT_WR);
            struct pollfd pf = { c->fd, POLLIN, 0 };
            uint8_t sink[4096];
            int64_t until = mono_ms() + 500;
            while (mono_ms() < until && poll(&pf, 1, 100) >= 0)
                if ((pf.revents & POLLIN) && recv(c->fd, sink, sizeof sink, 0) <= 0)
                    break;
        }
        return -1;
    }
    return 0;
}

static int jobs_in_flight(grpc_conn *c)
{
    pthread_mutex_lock(&c->mu);
    int n = c->jobs;
    pthread_mutex_unlock(&c->mu);
    return n;
}

/* Reads once: 0 to go on, -1 to close. */
static int conn_read(grpc_conn *c, uint8_t *rbuf)
{
    ssize_t n = recv(c->fd, rbuf, READ_CHUNK, 0);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
    if (n == 0)
        return -1;
    c->last_io_ms = mono_ms();
    if (c->preface_seen < NGHTTP2_CLIENT_MAGIC_LEN && check_preface(c, rbuf, (size_t)n))
        return -1;
    ssize_t r = nghttp2_session_mem_recv(c->h2, rbuf, (size_t)n);
    if (r < 0) {
        log_debug("grpc: closing a connection: %s", nghttp2_strerror((int)r));
        return -1;
    }
    return 0;
}

static void conn_loop(grpc_conn *c, uint8_t *rbuf)
{
    grpc_server *s = c->s;
    for (;;) {
        int64_t now = mono_ms();
        int stopping = __atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE);
        int jobs = jobs_in_flight(c);
        int idle = !jobs && now - c->last_io_ms >= s->idle_ms;
        /* Nothing goes out before the client's preface is whole: an HTTP/1
         * client must see our 505 first, not a SETTINGS frame. */
        int greeted = c->preface_seen >= NGHTTP2_CLIENT_MAGIC_LEN;
        if (!greeted && (stopping || idle))
            return;
        if (stopping && !c->goaway) {
            /* Graceful: streams the client already opened finish, new ones are refused. */
            nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(c->h2),
                                  NGHTTP2_NO_ERROR, NULL, 0);
            c->goaway = 1;
            c->deadline_ms = now + STOP_GRACE_MS;
        }
        if (idle && !c->deadline_ms) {
            /* A call whose body stalled learns why, in a retryable code. */
            for (gstream *g = c->streams; g; g = g->next)
                if (g->state == SS_RECV)
                    respond_status(c, g, GRPC_UNAVAILABLE, "request stalled: closing the idle connection");
            if (nghttp2_session_send(c->h2)) /* those answers first: nothing follows a terminating GOAWAY */
                return;
            nghttp2_session_terminate_session(c->h2, NGHTTP2_NO_ERROR);
            c->deadline_ms = now + TERM_GRACE_MS;
        }
        if (greeted && nghttp2_session_send(c->h2))
            return;
        int want_read = nghttp2_session_want_read(c->h2);
        int want_write = greeted && nghttp2_session_want_write(c->h2);
        if (!want_read && !want_write)
            return; /* GOAWAY done and no streams left, or the peer's GOAWAY */
        if (c->deadline_ms && now >= c->deadline_ms)
            return; /* results of jobs still running are dropped (conn_main waits for them) */
        int64_t wake_at = c->deadline_ms ? c->deadline_ms : jobs ? now + 1000 : c->last_io_ms + s->idle_ms;
        struct pollfd pf[2] = { { c->fd, (short)((want_read ? POLLIN : 0) | (want_write ? POLLOUT : 0)), 0 },
                                { c->evfd, POLLIN, 0 } };
        int timeout = wake_at - now > 60000 ? 60000 : (int)(wake_at - now);
        if (poll(pf, 2, timeout < 0 ? 0 : timeout) < 0 && errno != EINTR)
            return;
        if (pf[1].revents & POLLIN) {
            uint64_t v;
            ssize_t r = read(c->evfd, &v, sizeof v);
            (void)r;
            collect(c);
        }
        if (pf[0].revents & POLLIN) {
            if (conn_read(c, rbuf))
                return;
        } else if (pf[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
            return;
        }
    }
}

static void *conn_main(void *arg)
{
    grpc_conn *c = arg;
    grpc_server *s = c->s;
    uint8_t *rbuf = malloc(READ_CHUNK);
    c->last_io_ms = mono_ms();
    if (rbuf && session_open(c) == 0)
        conn_loop(c, rbuf);
    free(rbuf);
    nghttp2_session_del(c->h2); /* does not call on_stream_close: streams are freed below */
    c->h2 = NULL;
    close(c->fd);
    /* Every dispatched job must come back before c can go. */
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (c->done) {
            grpc_job *j = c->done;
            c->done = j->next;
            c->jobs--;
            grpc_job_free(s, j);
        }
        if (c->jobs == 0)
            break;
        pthread_cond_wait(&c->cv, &c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    while (c->streams) {
        gstream *g = c->streams;
        if (g->state != SS_DONE)
            count(g, GRPC_CANCELLED);
        stream_free(c, g);
    }
    close(c->evfd);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_lock(&s->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
    s->nconns--;
    metrics_set("loupe_grpc_connections", NULL, s->nconns);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu); /* s may be freed from here on: touch nothing */
    return NULL;
}

void grpc_conn_spawn(grpc_server *s, int fd)
{
    grpc_conn *c = calloc(1, sizeof *c);
    int evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!c || evfd < 0)
        goto fail;
    c->s = s;
    c->fd = fd;
    c->evfd = evfd;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    pthread_mutex_lock(&s->mu);
    if (s->stopping || s->nconns >= s->max_conns) {
        int open = s->nconns;
        pthread_mutex_unlock(&s->mu);
        log_debug("grpc: connection refused: %d open (limit %d)", open, s->max_conns);
        goto fail_sync;
    }
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, CONN_STACK);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    int err = pthread_create(&t, &attr, conn_main, c);
    pthread_attr_destroy(&attr);
    if (err) {
        s->conns = c->next;
        if (c->next)
            c->next->prev = NULL;
        s->nconns--;
        pthread_mutex_unlock(&s->mu);
        log_warn("grpc: cannot start a connection thread: %s", strerror(err));
        goto fail_sync;
    }
    metrics_set("loupe_grpc_connections", NULL, s->nconns);
    pthread_mutex_unlock(&s->mu);
    return;
fail_sync:
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
fail:
    if (evfd >= 0)
        close(evfd);
    free(c);
    close(fd);
}


void grpc_conn_wake_all(grpc_server *s)
{
    for (grpc_conn *c = s->conns; c; c = c->next)
        wake(c->evfd);
}

void grpc_job_done(grpc_job *j)
{
    /* The eventfd write stays under the lock: once it is released the
     * connection may collect the job, finish, and close the fd. */
    grpc_conn *c = j->c;
    pthread_mutex_lock(&c->mu);
    j->next = c->done;
    c->done = j;
    wake(c->evfd);
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}
