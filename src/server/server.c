/* The echo server; see server.h. */
#include "server/server.h"

#include "conn/conn.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SE_MAX_LISTENERS 16
#define SE_ACCEPTS_PER_EVENT 64
/* Pause after accept() ran out of descriptors or memory. */
#define SE_ACCEPT_BACKOFF_MS 100

typedef enum { OUTCOME_COMPLETE, OUTCOME_RESET, OUTCOME_ABORTED, OUTCOME_FAILED } outcome;
static const char *const outcome_names[] = {"complete", "reset", "aborted", "failed"};

typedef struct server server;

typedef struct listener {
    se_io io;
    server *srv;
} listener;

typedef struct client_conn {
    se_conn conn;
    server *srv;
    struct client_conn *prev, *next;
    uint64_t start_ns;
    int paused; /* reading stopped by backpressure */
    outcome result;
    int error;
} client_conn;

struct server {
    const se_server_options *opt;
    se_loop loop;
    listener listeners[SE_MAX_LISTENERS];
    size_t listener_count;
    int accepting;
    client_conn *conns;
    size_t open;
    se_socket wake[2];
    se_io wake_io;
    int stop_requests;
    se_timer drain_timer, backoff_timer;
    uint64_t total, outcomes[4], bytes_in, bytes_out;
};

static void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sockecho server: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- per connection ---- */

static void finish(client_conn *cc, outcome result, int err, int abortive)
{
    if (cc->conn.state == SE_CONN_CLOSED)
        return;
    cc->result = result;
    cc->error = err;
    if (abortive)
        se_conn_abort(&cc->conn);
    else
        se_conn_close(&cc->conn);
}

static void fail_conn(client_conn *cc, int err)
{
    int reset = err == SE_ECONNRESET || err == SE_ECONNABORTED || err == SE_EPIPE ||
                err == SE_ENOTCONN || err == SE_ESHUTDOWN;
    finish(cc, reset ? OUTCOME_RESET : OUTCOME_FAILED, err, 1);
}

static void on_read(se_conn *conn, const char *data, size_t len)
{
    client_conn *cc = conn->data;
    int err = se_conn_write(conn, data, len);
    if (err) {
        fail_conn(cc, err);
        return;
    }
    if (se_conn_pending(conn) > cc->srv->opt->max_buffer) {
        cc->paused = 1;
        se_conn_read_stop(conn);
    }
}

static void on_drain(se_conn *conn)
{
    client_conn *cc = conn->data;
    if (cc->paused) {
        cc->paused = 0;
        int err = se_conn_read_start(conn);
        if (err)
            fail_conn(cc, err);
    }
}

static void on_eof(se_conn *conn)
{
    int err = se_conn_shutdown(conn);
    if (err)
        fail_conn(conn->data, err);
}

static void on_shutdown(se_conn *conn)
{
    finish(conn->data, OUTCOME_COMPLETE, 0, 0);
}

static void on_error(se_conn *conn, int err)
{
    fail_conn(conn->data, err);
}

static void report_conn(const client_conn *cc)
{
    char peer[SE_ADDRSTRLEN];
    se_addr_format(se_conn_peer(&cc->conn), peer, sizeof peer);
    printf("Bytes received: %llu\nBytes sent: %llu\n", (unsigned long long)cc->conn.bytes_in,
           (unsigned long long)cc->conn.bytes_out);
    if (cc->conn.eof_received)
        printf("Connection closing...\n");
    printf("%s: %s%s%s, %llu bytes in, %llu bytes out, %.3f ms\n", peer, outcome_names[cc->result],
           cc->error ? ": " : "", cc->error ? se_strerror(cc->error) : "",
           (unsigned long long)cc->conn.bytes_in, (unsigned long long)cc->conn.bytes_out,
           (double)(se_now_ns() - cc->start_ns) / 1e6);
    fflush(stdout);
}

static void on_close(se_conn *conn)
{
    client_conn *cc = conn->data;
    server *srv = cc->srv;
    if (srv->opt->verbosity >= 2)
        report_conn(cc);
    srv->outcomes[cc->result]++;
    srv->bytes_in += conn->bytes_in;
    srv->bytes_out += conn->bytes_out;
    if (cc->prev)
        cc->prev->next = cc->next;
    else
        srv->conns = cc->next;
    if (cc->next)
        cc->next->prev = cc->prev;
    srv->open--;
    free(cc);
    if (srv->open == 0 && (srv->stop_requests || srv->opt->once))
        se_loop_stop(&srv->loop);
}

static const se_conn_callbacks server_callbacks = {
    .on_read = on_read,
    .on_eof = on_eof,
    .on_drain = on_drain,
    .on_shutdown = on_shutdown,
    .on_error = on_error,
    .on_close = on_close,
};

/* ---- accepting ---- */

static void set_accepting(server *srv, int on)
{
    srv->accepting = on;
    for (size_t i = 0; i < srv->listener_count; i++)
        if (se_io_set(&srv->loop, &srv->listeners[i].io, on ? SE_READABLE : 0))
            log_error("cannot watch a listening socket");
}

static void close_listeners(server *srv)
{
    for (size_t i = 0; i < srv->listener_count; i++) {
        se_io_stop(&srv->loop, &srv->listeners[i].io);
        se_socket_close(srv->listeners[i].io.sock);
    }
    srv->listener_count = 0;
    srv->accepting = 0;
    se_timer_stop(&srv->loop, &srv->backoff_timer);
}

static void on_backoff_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    server *srv = t->data;
    if (srv->listener_count)
        set_accepting(srv, 1);
}

static void add_conn(server *srv, se_socket sock, const struct sockaddr_storage *peer)
{
    client_conn *cc = calloc(1, sizeof *cc);
    if (!cc) {
        se_socket_abort(sock);
        log_error("out of memory: connection dropped");
        return;
    }
    cc->srv = srv;
    cc->start_ns = se_now_ns();
    se_conn_init(&cc->conn, &srv->loop, &server_callbacks, cc);
    se_conn_adopt(&cc->conn, sock, peer);
    cc->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = cc;
    srv->conns = cc;
    srv->open++;
    srv->total++;
    int err = se_conn_read_start(&cc->conn);
    if (err)
        fail_conn(cc, err);
}

static void on_accept(se_loop *loop, se_io *io, int events)
{
    (void)loop;
    (void)events;
    server *srv = ((listener *)io->data)->srv;
    for (int i = 0; i < SE_ACCEPTS_PER_EVENT && srv->accepting; i++) {
        se_socket sock;
        struct sockaddr_storage peer;
        int err = se_socket_accept(io->sock, &sock, &peer);
        if (err == SE_EAGAIN)
            return;
        if (err == SE_EMFILE || err == SE_ENFILE || err == SE_ENOBUFS || err == SE_ENOMEM) {
            /* Not a busy loop: stop accepting for a moment. */
            if (srv->opt->verbosity >= 1)
                log_error("accept: %s; pausing new connections", se_strerror(err));
            set_accepting(srv, 0);
            if (se_timer_start(&srv->loop, &srv->backoff_timer, SE_ACCEPT_BACKOFF_MS))
                set_accepting(srv, 1);
            return;
        }
        if (err) {
            /* The peer gave up before we accepted (ECONNABORTED, ...). */
            if (srv->opt->verbosity >= 2)
                log_error("accept: %s", se_strerror(err));
            continue;
        }
        add_conn(srv, sock, &peer);
        if (srv->opt->once) {
            close_listeners(srv);
            return;
        }
    }
}

/* ---- stopping ---- */

static void abort_all(server *srv)
{
    for (client_conn *cc = srv->conns; cc; cc = cc->next)
        finish(cc, OUTCOME_ABORTED, 0, 1);
}

static void on_drain_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    abort_all(t->data);
}

static void on_wake(se_loop *loop, se_io *io, int events)
{
    (void)events;
    server *srv = io->data;
    char buf[64];
    while (se_socket_recv(io->sock, buf, sizeof buf) > 0)
        srv->stop_requests++;
    close_listeners(srv);
    if (srv->open == 0) {
        se_loop_stop(loop);
    } else if (srv->stop_requests > 1 || srv->opt->drain_timeout_ms == 0) {
        abort_all(srv);
    } else if (!se_timer_active(&srv->drain_timer) &&
               se_timer_start(loop, &srv->drain_timer, srv->opt->drain_timeout_ms)) {
        abort_all(srv);
    }
}

/* ---- setup ---- */

static int add_listener(server *srv, struct sockaddr *addr, int v6only)
{
    if (srv->listener_count == SE_MAX_LISTENERS)
        return 0;
    se_socket sock;
    int err =
        se_socket_listen(addr, se_addr_len(addr), v6only ? SE_LISTEN_V6ONLY : 0, SOMAXCONN, &sock);
    if (err)
        return err;
    listener *l = &srv->listeners[srv->listener_count++];
    l->srv = srv;
    se_io_init(&l->io, sock, on_accept, l);
    return 0;
}

static int listen_on_wildcard(server *srv, int port)
{
    int family = srv->opt->family;
    int err = SE_EAFNOSUPPORT;
    if (family != AF_INET) {
        struct sockaddr_in6 a6;
        memset(&a6, 0, sizeof a6);
        a6.sin6_family = AF_INET6;
        a6.sin6_addr = in6addr_any;
        a6.sin6_port = htons((unsigned short)port);
        err = add_listener(srv, (struct sockaddr *)&a6, family == AF_INET6);
        if (!err || family == AF_INET6 || (err != SE_EAFNOSUPPORT && err != SE_EADDRNOTAVAIL))
            return err;
    }
    struct sockaddr_in a4;
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    a4.sin_addr.s_addr = htonl(INADDR_ANY);
    a4.sin_port = htons((unsigned short)port);
    return add_listener(srv, (struct sockaddr *)&a4, 0);
}

/* Listens on every address BIND resolves to; with port 0, the first one's
 * port is reused for the rest so that the server has one port. */
static int listen_on_addresses(server *srv, int port, const char **failed_at)
{
    struct addrinfo hints, *list = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = srv->opt->family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(srv->opt->bind, srv->opt->port, &hints, &list);
    if (rc) {
        *failed_at = "resolve";
        return se_translate_gai_error(rc);
    }
    int err = 0;
    for (struct addrinfo *ai = list; ai && !err; ai = ai->ai_next) {
        if (port == 0 && srv->listener_count > 0) {
            struct sockaddr_storage first;
            se_socket_local_address(srv->listeners[0].io.sock, &first);
            se_addr_set_port(ai->ai_addr, se_addr_port((struct sockaddr *)&first));
        }
        err = add_listener(srv, ai->ai_addr, srv->opt->family == AF_INET6);
    }
    freeaddrinfo(list);
    return err;
}

static int start_listening(server *srv)
{
    int port = atoi(srv->opt->port);
    const char *failed_at = "listen";
    int err =
        srv->opt->bind ? listen_on_addresses(srv, port, &failed_at) : listen_on_wildcard(srv, port);
    if (err) {
        fprintf(stderr, "sockecho server: cannot %s on %s port %s: %s\n", failed_at,
                srv->opt->bind ? srv->opt->bind : "all interfaces", srv->opt->port,
                se_strerror(err));
        return err;
    }
    for (size_t i = 0; i < srv->listener_count; i++) {
        struct sockaddr_storage local;
        char host[SE_ADDRSTRLEN];
        se_socket_local_address(srv->listeners[i].io.sock, &local);
        se_addr_host((struct sockaddr *)&local, host, sizeof host);
        if (srv->opt->verbosity >= 1)
            fprintf(stderr, "listening on %s %d\n", host, se_addr_port((struct sockaddr *)&local));
    }
    fflush(stderr);
    set_accepting(srv, 1);
    return 0;
}

static void print_summary(const server *srv)
{
    fprintf(stderr,
            "sockecho server: stopped: %llu connections (%llu complete, %llu reset, %llu aborted, "
            "%llu failed), %llu bytes in, %llu bytes out\n",
            (unsigned long long)srv->total, (unsigned long long)srv->outcomes[OUTCOME_COMPLETE],
            (unsigned long long)srv->outcomes[OUTCOME_RESET],
            (unsigned long long)srv->outcomes[OUTCOME_ABORTED],
            (unsigned long long)srv->outcomes[OUTCOME_FAILED], (unsigned long long)srv->bytes_in,
            (unsigned long long)srv->bytes_out);
}

int se_server_run(const se_server_options *opt)
{
    server srv;
    memset(&srv, 0, sizeof srv);
    srv.opt = opt;
    int err = se_loop_init(&srv.loop, opt->backend);
    if (err) {
        log_error("cannot start the event loop: %s", se_strerror(err));
        return 1;
    }
    se_timer_init(&srv.drain_timer, on_drain_timer, &srv);
    se_timer_init(&srv.backoff_timer, on_backoff_timer, &srv);
    int rc = 1;
    if ((err = se_socket_pair(srv.wake)) != 0) {
        log_error("cannot create the stop socket: %s", se_strerror(err));
        goto out_loop;
    }
    se_io_init(&srv.wake_io, srv.wake[0], on_wake, &srv);
    if ((err = se_io_set(&srv.loop, &srv.wake_io, SE_READABLE)) != 0 ||
        (err = se_stop_signals_install(srv.wake[1])) != 0) {
        log_error("cannot handle stop signals: %s", se_strerror(err));
        goto out_pair;
    }
    if (start_listening(&srv) == 0) {
        err = se_loop_run(&srv.loop);
        if (err)
            log_error("event loop failed: %s", se_strerror(err));
        else
            rc = 0;
        if (srv.stop_requests && opt->verbosity >= 1)
            print_summary(&srv);
    }
    close_listeners(&srv);
    se_stop_signals_restore();
out_pair:
    se_io_stop(&srv.loop, &srv.wake_io);
    se_socket_close(srv.wake[0]);
    se_socket_close(srv.wake[1]);
out_loop:
    se_loop_close(&srv.loop);
    return rc;
}
