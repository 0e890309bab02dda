/* The PROXY protocol and tunnel filters on real connections over
 * loopback: a client conn and an accepted conn (or a scripted fake proxy)
 * in one loop. */
#include "conn/filter.h"
#include "conn/proxy_filter.h"
#include "conn/tunnel_filter.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

#define DEADLINE_MS 10000

typedef struct side {
    se_conn *conn;
    int connected, status, eof, error, closed;
    char data[4096];
    size_t len;
} side;

static se_timer deadline;

static void on_deadline(se_loop *loop, se_timer *t)
{
    (void)loop;
    (void)t;
    TEST_FAIL("the loop ran past its deadline");
}

static side *side_of(se_conn *c)
{
    return *(side **)se_conn_owner(c);
}

static void s_connect(se_conn *c, int status)
{
    side *s = side_of(c);
    s->connected = 1;
    s->status = status;
    se_loop_stop(se_conn_loop(c));
}

static void s_read(se_conn *c, const char *data, size_t len)
{
    side *s = side_of(c);
    if (s->len + len > sizeof s->data)
        TEST_FAIL("more data than expected");
    memcpy(s->data + s->len, data, len);
    s->len += len;
    se_loop_stop(se_conn_loop(c));
}

static void s_eof(se_conn *c)
{
    side_of(c)->eof = 1;
    se_loop_stop(se_conn_loop(c));
}

static void s_error(se_conn *c, int err)
{
    side_of(c)->error = err;
    se_loop_stop(se_conn_loop(c));
}

static void s_close(se_conn *c)
{
    side_of(c)->closed = 1;
    se_loop_stop(se_conn_loop(c));
}

static void s_shutdown(se_conn *c)
{
    (void)c;
}

static const se_conn_callbacks side_cb = {.on_connect = s_connect,
                                          .on_shutdown = s_shutdown,
                                          .on_read = s_read,
                                          .on_eof = s_eof,
                                          .on_error = s_error,
                                          .on_close = s_close};

static se_conn *new_side(se_loop *loop, side *s)
{
    memset(s, 0, sizeof *s);
    se_conn *c = se_conn_new(loop, &side_cb, sizeof(side *));
    CHECK(c != NULL);
    *(side **)se_conn_owner(c) = s;
    s->conn = c;
    return c;
}

#define RUN_UNTIL(loop, cond)                                                                      \
    do {                                                                                           \
        while (!(cond))                                                                            \
            CHECK_EQ_INT(se_loop_run(loop), 0);                                                    \
    } while (0)

static se_loop *new_loop(void)
{
    se_loop *loop = NULL;
    CHECK_EQ_INT(se_loop_new(&loop, NULL), 0);
    se_timer_init(&deadline, on_deadline, NULL);
    CHECK_EQ_INT(se_timer_start(loop, &deadline, DEADLINE_MS), 0);
    return loop;
}

static void end_loop(se_loop *loop, side *a, side *b)
{
    if (a && !a->closed)
        se_conn_close(a->conn);
    if (b && !b->closed)
        se_conn_close(b->conn);
    RUN_UNTIL(loop, (!a || a->closed) && (!b || b->closed));
    se_timer_stop(loop, &deadline);
    se_loop_free(loop);
}

static se_socket listen_local(struct sockaddr_storage *addr)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    se_socket s;
    CHECK_EQ_INT(se_socket_listen((struct sockaddr *)&a, sizeof a, 0, 16, &s), 0);
    CHECK_EQ_INT(se_socket_local_address(s, addr), 0);
    return s;
}

static struct addrinfo one_address(struct sockaddr_storage *addr)
{
    struct addrinfo ai;
    memset(&ai, 0, sizeof ai);
    ai.ai_family = addr->ss_family;
    ai.ai_socktype = SOCK_STREAM;
    ai.ai_addr = (struct sockaddr *)addr;
    ai.ai_addrlen = se_addr_len((struct sockaddr *)addr);
    return ai;
}

static void stop_loop(se_loop *loop, se_timer *t)
{
    (void)t;
    se_loop_stop(loop);
}

/* Runs LOOP for MS (the connect attempt starts from the loop). */
static void run_for(se_loop *loop, uint64_t ms)
{
    se_timer t;
    se_timer_init(&t, stop_loop, NULL);
    CHECK_EQ_INT(se_timer_start(loop, &t, ms), 0);
    CHECK_EQ_INT(se_loop_run(loop), 0);
    se_timer_stop(loop, &t);
}

static se_socket accept_one(se_socket listener, struct sockaddr_storage *peer)
{
    se_socket s;
    for (int i = 0; i < 500; i++) {
        se_pollfd p;
        memset(&p, 0, sizeof p);
        p.fd = listener;
        p.events = SE_POLLIN;
        se_poll(&p, 1, 10);
        if (se_socket_accept(listener, &s, peer) == 0)
            return s;
    }
    TEST_FAIL("no connection to accept");
}

/* A client conn (with CLIENT_FILTER pushed by the caller) and the server
 * conn it reaches, through a receiving PROXY filter. */
typedef struct pair_case {
    se_loop *loop;
    se_socket listener;
    struct sockaddr_storage addr;
    struct addrinfo ai;
    side client, server;
    se_proxy_rx rx;
} pair_case;

static void pair_start(pair_case *p)
{
    p->loop = new_loop();
    p->listener = listen_local(&p->addr);
    p->ai = one_address(&p->addr);
    new_side(p->loop, &p->client);
}

static void pair_accept(pair_case *p, int trusted, uint64_t deadline_ms)
{
    CHECK_EQ_INT(se_conn_connect(p->client.conn, &p->ai, 0), 0);
    run_for(p->loop, 20);
    struct sockaddr_storage peer;
    se_socket s = accept_one(p->listener, &peer);
    se_conn *c = new_side(p->loop, &p->server);
    CHECK_EQ_INT(se_conn_push_proxy_recv(c, trusted, deadline_ms, &p->rx), 0);
    se_conn_adopt(c, s, &peer);
    CHECK_EQ_INT(se_conn_read_start(c), 0);
}

static void pair_end(pair_case *p)
{
    se_socket_close(p->listener);
    end_loop(p->loop, &p->client, &p->server);
}

static se_sockaddr addr4(const char *host, int port)
{
    se_sockaddr a;
    memset(&a, 0, sizeof a);
    a.v4.sin_family = AF_INET;
    inet_pton(AF_INET, host, &a.v4.sin_addr);
    se_addr_set_port(&a.sa, port);
    return a;
}

TEST(proxy_filter_header_from_trusted_proxy)
{
    for (int version = 1; version <= 2; version++) {
        pair_case p;
        pair_start(&p);
        se_sockaddr claimed = addr4("192.0.2.7", 4000);
        CHECK_EQ_INT(se_conn_push_proxy_send(p.client.conn, version, &claimed.sa), 0);
        pair_accept(&p, 1, 5000);
        RUN_UNTIL(p.loop, p.client.connected);
        CHECK_EQ_INT(p.client.status, 0);
        CHECK_EQ_INT(se_conn_write(p.client.conn, "hello", 5), 0);
        CHECK_EQ_INT(se_conn_shutdown(p.client.conn), 0);
        RUN_UNTIL(p.loop, p.server.eof || p.server.error);
        CHECK_EQ_INT(p.server.error, 0);
        CHECK_EQ_INT(p.server.len, 5);
        CHECK(memcmp(p.server.data, "hello", 5) == 0);
        CHECK_EQ_INT(p.rx.status, SE_PROXY_RX_ACCEPTED);
        CHECK_EQ_INT(p.rx.version, version);
        char text[SE_ADDRSTRLEN];
        se_addr_format(se_conn_peer(p.server.conn), text, sizeof text);
        CHECK_EQ_STR(text, "192.0.2.7:4000");
        se_addr_host(&p.rx.proxy.sa, text, sizeof text);
        CHECK_EQ_STR(text, "127.0.0.1");
        CHECK_EQ_INT(se_addr_port(&p.rx.dst.sa), se_addr_port((struct sockaddr *)&p.addr));
        pair_end(&p);
    }
}

TEST(proxy_filter_own_address_and_local)
{
    /* No source given: the header names the client's own address. */
    pair_case p;
    pair_start(&p);
    CHECK_EQ_INT(se_conn_push_proxy_send(p.client.conn, 2, NULL), 0);
    pair_accept(&p, 1, 5000);
    RUN_UNTIL(p.loop, p.client.connected);
    CHECK_EQ_INT(se_conn_write(p.client.conn, "x", 1), 0);
    RUN_UNTIL(p.loop, p.server.len == 1 || p.server.error);
    CHECK_EQ_INT(p.rx.status, SE_PROXY_RX_ACCEPTED);
    struct sockaddr_storage local;
    CHECK_EQ_INT(se_socket_local_address(se_conn_socket(p.client.conn), &local), 0);
    CHECK_EQ_INT(se_addr_port(se_conn_peer(p.server.conn)),
                 se_addr_port((struct sockaddr *)&local));
    pair_end(&p);

    /* A LOCAL header (a health check): the peer stays the proxy. */
    pair_start(&p);
    pair_accept(&p, 1, 5000);
    RUN_UNTIL(p.loop, p.client.connected);
    unsigned char h[SE_PROXY_ENCODE_MAX];
    int n = se_proxy_header_encode(2, NULL, NULL, h, sizeof h);
    CHECK_EQ_INT(se_conn_write(p.client.conn, h, (size_t)n), 0);
    CHECK_EQ_INT(se_conn_write(p.client.conn, "ok", 2), 0);
    RUN_UNTIL(p.loop, p.server.len == 2 || p.server.error);
    CHECK_EQ_INT(p.rx.status, SE_PROXY_RX_LOCAL);
    CHECK(memcmp(p.server.data, "ok", 2) == 0);
    pair_end(&p);
}

TEST(proxy_filter_trusted_refusals)
{
    /* No header at all: bytes that are not one. */
    pair_case p;
    pair_start(&p);
    pair_accept(&p, 1, 5000);
    RUN_UNTIL(p.loop, p.client.connected);
    CHECK_EQ_INT(se_conn_write(p.client.conn, "GET / HTTP/1.0\r\n\r\n", 18), 0);
    RUN_UNTIL(p.loop, p.server.error);
    CHECK_EQ_INT(p.server.error, SE_EINVAL);
    CHECK_EQ_INT(p.rx.status, SE_PROXY_RX_REFUSED);
    CHECK(p.rx.reason != NULL);
    CHECK_EQ_INT(p.server.len, 0);
    pair_end(&p);

    /* Half a header, then silence past the deadline (after a quiet
     * period of 150 ms, the deadline is 300 ms). */
    pair_start(&p);
    pair_accept(&p, 1, 300);
    RUN_UNTIL(p.loop, p.client.connected);
    CHECK_EQ_INT(se_conn_write(p.client.conn, "PROXY TCP4 1.2.3.4", 18), 0);
    uint64_t start = se_now_ns();
    RUN_UNTIL(p.loop, p.server.error);
    uint64_t waited_ms = (se_now_ns() - start) / 1000000u;
    CHECK_EQ_INT(p.server.error, SE_ETIMEDOUT);
    CHECK(waited_ms >= 200 && waited_ms < 3000);
    CHECK_EQ_INT(p.server.connected, 0);
    pair_end(&p);

    /* The stream ends before the header does. */
    pair_start(&p);
    pair_accept(&p, 1, 5000);
    RUN_UNTIL(p.loop, p.client.connected);
    CHECK_EQ_INT(se_conn_write(p.client.conn, "PROXY TCP4", 10), 0);
    CHECK_EQ_INT(se_conn_shutdown(p.client.conn), 0);
    RUN_UNTIL(p.loop, p.server.error);
    CHECK_EQ_INT(p.server.error, SE_EINVAL);
    pair_end(&p);
}

TEST(proxy_filter_untrusted_source)
{
    /* A forged header from a source that is not trusted: refused. */
    pair_case p;
    pair_start(&p);
    se_sockaddr claimed = addr4("10.9.8.7", 1);
    CHECK_EQ_INT(se_conn_push_proxy_send(p.client.conn, 1, &claimed.sa), 0);
    pair_accept(&p, 0, 5000);
    RUN_UNTIL(p.loop, p.server.error);
    CHECK_EQ_INT(p.server.error, SE_EACCES);
    CHECK_EQ_INT(p.rx.status, SE_PROXY_RX_REFUSED);
    CHECK_EQ_INT(p.server.len, 0);
    char text[SE_ADDRSTRLEN];
    se_addr_host(se_conn_peer(p.server.conn), text, sizeof text);
    CHECK_EQ_STR(text, "127.0.0.1");
    pair_end(&p);

    /* Ordinary bytes pass unchanged, even a prefix of a signature that
     * the end of the stream cuts short. */
    const char *streams[] = {"hello, world", "PRO", "\r\n"};
    for (int i = 0; i < 3; i++) {
        pair_start(&p);
        pair_accept(&p, 0, 5000);
        RUN_UNTIL(p.loop, p.client.connected);
        size_t n = strlen(streams[i]);
        for (size_t k = 0; k < n; k++) /* byte by byte: each read is short */
            CHECK_EQ_INT(se_conn_write(p.client.conn, streams[i] + k, 1), 0);
        CHECK_EQ_INT(se_conn_shutdown(p.client.conn), 0);
        RUN_UNTIL(p.loop, p.server.eof || p.server.error);
        CHECK_EQ_INT(p.server.error, 0);
        CHECK_EQ_INT(p.server.len, n);
        CHECK(memcmp(p.server.data, streams[i], n) == 0);
        CHECK_EQ_INT(p.rx.status, SE_PROXY_RX_DIRECT);
        pair_end(&p);
    }
}

/* ---- tunnels, against a scripted fake proxy ---- */

typedef struct fake_proxy {
    se_io io;
    se_socket sock;
    const char *const *replies; /* one per request, NULL-terminated */
    const size_t *request_sizes;
    size_t step, got;
    int echo, done;
} fake_proxy;

static void fake_readable(se_loop *loop, se_io *io, int events)
{
    (void)events;
    fake_proxy *f = se_io_data(io);
    char buf[512];
    long n = se_socket_recv(f->sock, buf, sizeof buf);
    if (n == SE_EAGAIN)
        return;
    if (n <= 0) {
        se_io_stop(loop, io);
        se_socket_shutdown_send(f->sock);
        f->done = 1;
        return;
    }
    if (f->echo) {
        CHECK_EQ_INT(se_socket_send(f->sock, buf, (size_t)n), n);
        return;
    }
    f->got += (size_t)n;
    if (f->got < f->request_sizes[f->step])
        return;
    CHECK_EQ_INT(f->got, f->request_sizes[f->step]);
    f->got = 0;
    /* Each reply starts with its length (replies hold NUL bytes). */
    const char *reply = f->replies[f->step++];
    size_t len = (unsigned char)reply[0];
    CHECK_EQ_INT(se_socket_send(f->sock, reply + 1, len), (long)len);
    if (!f->replies[f->step]) {
        f->echo = 1;
    }
}

TEST(tunnel_filter_socks5)
{
    se_loop *loop = new_loop();
    struct sockaddr_storage addr;
    se_socket listener = listen_local(&addr);
    struct addrinfo ai = one_address(&addr);
    se_proxy_url url;
    const char *reason;
    CHECK_EQ_INT(se_proxy_url_parse("socks5h://u:p@127.0.0.1:1", &url, &reason), 0);

    /* Greeting, authentication, request; the reply carries 2 bytes of the
     * destination's data; then the fake echoes. */
    static const char r1[] = "\x02\x05\x02";
    static const char r2[] = "\x02\x01\x00";
    static const char r3[] = "\x0c\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x07hi";
    static const char *const replies[] = {r1, r2, r3, NULL};
    static const size_t sizes[] = {4, 5, 16};
    side client;
    se_conn *c = new_side(loop, &client);
    se_tunnel *t = NULL;
    CHECK_EQ_INT(se_conn_push_tunnel(c, &url, "echo.test", NULL, 7, &t), 0);
    CHECK_EQ_INT(se_conn_connect(c, &ai, 0), 0);
    run_for(loop, 20);
    fake_proxy f;
    memset(&f, 0, sizeof f);
    f.sock = accept_one(listener, NULL);
    f.replies = replies;
    f.request_sizes = sizes;
    se_io_init(&f.io, f.sock, fake_readable, &f);
    CHECK_EQ_INT(se_io_set(loop, &f.io, SE_READABLE), 0);
    /* Reading starts once the loop has seen the TCP connect complete (the
     * listener has it sooner); on a loaded machine that takes a while. */
    int rc = SE_ENOTCONN;
    for (int i = 0; i < 500 && rc == SE_ENOTCONN; i++) {
        rc = se_conn_read_start(c);
        if (rc == SE_ENOTCONN)
            run_for(loop, 10);
    }
    CHECK_EQ_INT(rc, 0);
    RUN_UNTIL(loop, client.connected || client.error);
    CHECK_EQ_INT(client.status, 0);
    CHECK_EQ_INT(se_tunnel_result(t), SE_TUNNEL_DONE);
    RUN_UNTIL(loop, client.len == 2);
    CHECK(memcmp(client.data, "hi", 2) == 0);
    CHECK_EQ_INT(se_conn_write(c, "ping", 4), 0);
    CHECK_EQ_INT(se_conn_shutdown(c), 0);
    RUN_UNTIL(loop, client.eof || client.error);
    CHECK_EQ_INT(client.len, 6);
    CHECK(memcmp(client.data, "hiping", 6) == 0);
    se_io_stop(loop, &f.io);
    se_socket_close(f.sock);
    se_socket_close(listener);
    end_loop(loop, &client, NULL);
}

static void tunnel_failure(const char *url_text, const char *const *replies, const size_t *sizes,
                           int want_error, int want_result)
{
    se_loop *loop = new_loop();
    struct sockaddr_storage addr;
    se_socket listener = listen_local(&addr);
    struct addrinfo ai = one_address(&addr);
    se_proxy_url url;
    const char *reason;
    CHECK_EQ_INT(se_proxy_url_parse(url_text, &url, &reason), 0);
    side client;
    se_conn *c = new_side(loop, &client);
    se_tunnel *t = NULL;
    CHECK_EQ_INT(se_conn_push_tunnel(c, &url, "127.0.0.1", NULL, 7, &t), 0);
    CHECK_EQ_INT(se_conn_connect(c, &ai, 0), 0);
    run_for(loop, 20);
    fake_proxy f;
    memset(&f, 0, sizeof f);
    f.sock = accept_one(listener, NULL);
    f.replies = replies;
    f.request_sizes = sizes;
    se_io_init(&f.io, f.sock, fake_readable, &f);
    CHECK_EQ_INT(se_io_set(loop, &f.io, SE_READABLE), 0);
    RUN_UNTIL(loop, client.error || client.connected);
    CHECK_EQ_INT(client.connected, 0);
    CHECK_EQ_INT(client.error, want_error);
    CHECK_EQ_INT(se_tunnel_result(t), want_result);
    CHECK(strlen(se_tunnel_reason(t)) > 0);
    se_io_stop(loop, &f.io);
    se_socket_close(f.sock);
    se_socket_close(listener);
    end_loop(loop, &client, NULL);
}

TEST(tunnel_filter_failures)
{
    static const char auth_method[] = "\x02\x05\x02", auth_no[] = "\x02\x01\x01";
    static const char *const bad_auth[] = {auth_method, auth_no, NULL};
    static const size_t bad_auth_sizes[] = {4, 5};
    tunnel_failure("socks5h://u:p@127.0.0.1:1", bad_auth, bad_auth_sizes, SE_EACCES,
                   SE_TUNNEL_AUTH_FAILED);

    static const char none[] = "\x02\x05\x00", refused[] = "\x04\x05\x05\x00\x01";
    static const char *const refuse[] = {none, refused, NULL};
    static const size_t refuse_sizes[] = {3, 10};
    tunnel_failure("socks5h://127.0.0.1:1", refuse, refuse_sizes, SE_ECONNREFUSED,
                   SE_TUNNEL_REFUSED);

    static const char forbidden[] = "\x1aHTTP/1.1 403 Forbidden\r\n\r\n";
    static const char *const http[] = {forbidden, NULL};
    static const size_t http_sizes[] = {51};
    tunnel_failure("http://127.0.0.1:1", http, http_sizes, SE_ECONNREFUSED, SE_TUNNEL_REFUSED);
}
