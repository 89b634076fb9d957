/* grpc.c - the gRPC server's lifecycle: the listening socket and its accept
 * thread, the worker pool that inflates requests and runs handlers, start
 * and graceful stop.  Connections live in grpc_conn.c, framing in
 * grpc_frame.c; see grpc.h for the wire behaviour. */
#include "util/mem.h"
#include "server/grpc_int.h"
#include "util/log.h"
#include "util/metrics.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int64_t grpc_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void grpc_release(grpc_server *s, size_t *accounted)
{
    __atomic_sub_fetch(&s->inflight, *accounted, __ATOMIC_RELAXED);
    *accounted = 0;
}

/* ------------------------------------------------------------ workers */

void grpc_job_free(grpc_server *s, grpc_job *j)
{
    buf_free(&j->body);
    grpc_release(s, &j->accounted);
    buf_free(&j->resp);
    free(j);
}

static void run_job(grpc_server *s, grpc_job *j)
{
    buf plain = BUF_INIT;
    slice msg = slice_make(j->body.p + 5, j->body.n - 5);
    if (j->enc != GRPC_ENC_IDENTITY) {
        if (grpc_inflate(msg, j->enc, s->max_decompressed, &plain, &j->st))
            goto cleanup;
        msg = buf_slice(&plain);
    }
    int rc = j->m->fn(j->m->ctx, msg, &j->resp, &j->st);
    if (rc && j->st.code == GRPC_OK)
        grpc_fail(&j->st, grpc_code_for(rc), "%s", loupe_strerror(rc));
    if (j->st.code == GRPC_OK && j->resp.n > UINT32_MAX)
        grpc_fail(&j->st, GRPC_INTERNAL, "response message too large");
cleanup:
    buf_free(&plain);
    buf_free(&j->body);
    grpc_release(s, &j->accounted);
    if (j->st.code != GRPC_OK)
        buf_free(&j->resp);
    grpc_job_done(j);
}

static void *worker_main(void *arg)
{
    grpc_server *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->qmu);
        while (!s->qhead && !s->qstop)
            pthread_cond_wait(&s->qcv, &s->qmu);
        grpc_job *j = s->qhead;
        if (j) {
            s->qhead = j->next;
            if (!s->qhead)
                s->qtail = NULL;
        }
        pthread_mutex_unlock(&s->qmu);
        if (!j)
            return NULL;
        run_job(s, j);
    }
}

void grpc_enqueue(grpc_server *s, grpc_job *j)
{
    j->next = NULL;
    pthread_mutex_lock(&s->qmu);
    if (s->qtail)
        s->qtail->next = j;
    else
        s->qhead = j;
    s->qtail = j;
    pthread_cond_signal(&s->qcv);
    pthread_mutex_unlock(&s->qmu);
}

static void *accept_main(void *arg)
{
    grpc_server *s = arg;
    int64_t last_warn = 0;
    for (;;) {
        struct pollfd pf[2] = { { s->lfd, POLLIN, 0 }, { s->stop_evfd, POLLIN, 0 } };
        if (poll(pf, 2, -1) < 0 && errno != EINTR)
            break;
        if (pf[1].revents)
            break;
        if (!(pf[0].revents & POLLIN))
            continue;
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                int64_t now = grpc_mono_ns();
                if (!last_warn || now - last_warn > 10 * (int64_t)1000000000) {
                    log_warn("grpc: accept: %s", strerror(errno));
                    last_warn = now;
                }
                poll(&pf[1], 1, 100); /* back off instead of spinning on the pending connection */
            }
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        grpc_conn_spawn(s, fd);
    }
    return NULL;
}

/* "host:port", ":port", "[v6]:port" -> host ("" for all interfaces) and port. */
static int split_addr(const char *addr, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon, *h = addr;
    size_t hn;
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':')
            return -1;
        h = addr + 1;
        hn = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon)
            return -1;
        hn = (size_t)(colon - addr);
    }
    const char *p = colon + 1;
    size_t pn = strlen(p);
    if (hn >= hcap || pn == 0 || pn >= pcap || strspn(p, "0123456789") != pn)
        return -1;
    mem_copy(host, h, hn);
    host[hn] = '\0';
    memcpy(port, p, pn + 1);
    if (!strcmp(host, "*"))
        host[0] = '\0';
    return 0;
}

static int bind_one(const struct addrinfo *ai, int dual_stack)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0)
        return -1;
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? &zero : &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 512)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Binds the listening socket; ":port" means every interface, IPv6 and IPv4
 * on one dual-stack socket when the kernel has IPv6, else IPv4 only. */
static int listen_on(grpc_server *s, const char *addr, err_ctx *e)
{
    char host[256], port[16];
    if (!addr || split_addr(addr, host, sizeof host, port, sizeof port))
        return err_set(e, LOUPE_EINVAL, "bad gRPC listen address \"%s\" (want host:port, :port or [v6]:port)",
                       addr ? addr : "");
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    const char *try_hosts[2] = { host, NULL };
    if (!host[0]) {
        try_hosts[0] = "::";
        try_hosts[1] = "0.0.0.0";
    }
    int gai = 0;
    s->lfd = -1;
    for (int i = 0; i < 2 && try_hosts[i] && s->lfd < 0; i++) {
        gai = getaddrinfo(try_hosts[i], port, &hints, &res);
        for (const struct addrinfo *ai = gai ? NULL : res; ai && s->lfd < 0; ai = ai->ai_next)
            s->lfd = bind_one(ai, !host[0] || !strcmp(host, "::"));
        if (res)
            freeaddrinfo(res);
        res = NULL;
    }
    if (s->lfd < 0)
        return err_set(e, LOUPE_EIO, "cannot listen on %s for gRPC: %s", addr,
                       gai ? gai_strerror(gai) : strerror(errno));
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(s->lfd, (struct sockaddr *)&ss, &len) == 0)
        s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    return 0;
}

int grpc_server_start(const grpc_server_opts *o, const grpc_method *methods, size_t n, grpc_server **out,
                      err_ctx *e)
{
    *out = NULL;
    int rc = 0;
    grpc_server *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, LOUPE_ENOMEM, "out of memory");
    s->lfd = -1;
    s->stop_evfd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->qmu, NULL);
    pthread_cond_init(&s->qcv, NULL);
    s->max_message = o->max_message ? o->max_message : (16u << 20);
    if (s->max_message > UINT32_MAX - 5) /* the prefix's length is 32 bits */
        s->max_message = UINT32_MAX - 5;
    s->max_decompressed = o->max_decompressed ? o->max_decompressed : 4 * s->max_message;
    if (s->max_decompressed > ((size_t)1 << 40))
        s->max_decompressed = (size_t)1 << 40;
    s->max_inflight = o->max_inflight ? o->max_inflight : (256u << 20);
    for (size_t i = 0; i < n; i++) /* one largest message must always fit */
        if (methods[i].max_message + 6 > s->max_inflight)
            s->max_inflight = methods[i].max_message + 6;
    if (s->max_message + 6 > s->max_inflight)
        s->max_inflight = s->max_message + 6;
    s->max_streams = o->max_concurrent_streams > 0 ? o->max_concurrent_streams : 100;
    s->max_conns = o->max_connections > 0 ? o->max_connections : 256;
    s->idle_ms = o->idle_timeout_ms > 0 ? o->idle_timeout_ms : 300000;
    int nthreads = o->threads > 0 ? o->threads : 4;

    metrics_declare("loupe_grpc_requests_total", METRIC_COUNTER, "gRPC calls by method and status code.");
    metrics_declare("loupe_grpc_request_duration_seconds_sum", METRIC_COUNTER,
                    "Total time spent serving gRPC calls, by method.");
    metrics_declare("loupe_grpc_request_duration_seconds_count", METRIC_COUNTER, "gRPC calls served, by method.");
    metrics_declare("loupe_grpc_connections", METRIC_GAUGE, "Open gRPC (HTTP/2) connections.");

    s->methods = calloc(n ? n : 1, sizeof *s->methods);
    s->workers = calloc((size_t)nthreads, sizeof *s->workers);
    if (!s->methods || !s->workers) {
        rc = err_set(e, LOUPE_ENOMEM, "out of memory");
        goto cleanup;
    }
    mem_copy(s->methods, methods, n * sizeof *methods);
    s->nmethods = n;
    rc = listen_on(s, o->listen, e);
    if (rc)
        goto cleanup;
    s->stop_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->stop_evfd < 0) {
        rc = err_set(e, LOUPE_EIO, "eventfd: %s", strerror(errno));
        goto cleanup;
    }
    for (; s->nworkers < nthreads; s->nworkers++)
        if (pthread_create(&s->workers[s->nworkers], NULL, worker_main, s)) {
            rc = err_set(e, LOUPE_ENOMEM, "cannot start gRPC worker threads");
            goto cleanup;
        }
    if (pthread_create(&s->acceptor, NULL, accept_main, s)) {
        rc = err_set(e, LOUPE_ENOMEM, "cannot start the gRPC accept thread");
        goto cleanup;
    }
    s->acceptor_started = 1;
    *out = s;
cleanup:
    if (rc)
        grpc_server_stop(s);
    return rc;
}

int grpc_server_port(const grpc_server *s) { return s ? s->port : 0; }

void grpc_server_stop(grpc_server *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    __atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
    grpc_conn_wake_all(s); /* each sends GOAWAY and finishes its calls */
    pthread_mutex_unlock(&s->mu);
    if (s->acceptor_started) {
        uint64_t one = 1;
        ssize_t w = write(s->stop_evfd, &one, sizeof one);
        (void)w;
        pthread_join(s->acceptor, NULL);
    }
    if (s->lfd >= 0)
        close(s->lfd);
    pthread_mutex_lock(&s->mu);
    while (s->nconns > 0)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    /* No connection is left, so no job is queued or running. */
    pthread_mutex_lock(&s->qmu);
    s->qstop = 1;
    pthread_cond_broadcast(&s->qcv);
    pthread_mutex_unlock(&s->qmu);
    for (int i = 0; i < s->nworkers; i++)
        pthread_join(s->workers[i], NULL);
    if (s->stop_evfd >= 0)
        close(s->stop_evfd);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->qmu);
    pthread_cond_destroy(&s->qcv);
    free(s->workers);
    free(s->methods);
    free(s);
}
