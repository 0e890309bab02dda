/* uv_echo: the libuv echo server the bench compares against.
 *
 * The idiomatic libuv shape: alloc_cb hands out one loop-wide read buffer,
 * read_cb copies what arrived into a write request and uv_write()s it (libuv
 * tries the write at once and queues the rest). Write requests big enough for
 * a whole read are recycled through a small free list: malloc/free of 64 KiB
 * blocks makes glibc trim and regrow its heap on every read (100k page faults
 * a second in bulk), which would measure the allocator, not libuv. Backpressure: reading stops
 * while the stream's write_queue_size exceeds 256 KiB and resumes when a write
 * completes below it. On UV_EOF: uv_shutdown (libuv runs it after the queued
 * writes), then uv_close in the shutdown callback. SIGINT/SIGTERM close every
 * handle and the loop ends. */
#include "peer_common.h"

#include <uv.h>

#define READ_BUF_SIZE 65536
#define HIGH_WATER (256 * 1024)
#define SMALL_WRITE 4096 /* copies up to this size get an exact-size request */
#define POOL_MAX 64      /* full-size requests kept for reuse */

typedef struct conn {
    uv_tcp_t tcp;
    int reading;
    int eof;
} conn; /* the shutdown request is allocated at EOF: idle connections stay small */

typedef struct write_req {
    uv_write_t req;
    uv_buf_t buf;
    /* data follows */
} write_req;

static const char *prog = "uv_echo";
static uv_tcp_t server;
static uv_signal_t sigint_h, sigterm_h;
static long open_conns, max_conns;
static char read_buf[READ_BUF_SIZE];
static write_req *pool[POOL_MAX];
static int pool_len;

static write_req *req_get(size_t len)
{
    if (len <= SMALL_WRITE)
        return malloc(sizeof(write_req) + len);
    if (pool_len > 0)
        return pool[--pool_len];
    return malloc(sizeof(write_req) + READ_BUF_SIZE);
}

static void req_put(write_req *w)
{
    if (w->buf.len > SMALL_WRITE && pool_len < POOL_MAX)
        pool[pool_len++] = w;
    else
        free(w);
}

static void on_close(uv_handle_t *h)
{
    if (h->data == NULL)
        return; /* the server or a signal handle */
    open_conns--;
    free(h->data);
}

static void close_conn(conn *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    buf->base = read_buf;
    buf->len = sizeof read_buf;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void on_write(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    conn *c = req->handle->data;
    req_put(w);
    if (status < 0) {
        close_conn(c);
        return;
    }
    if (!c->reading && !c->eof && c->tcp.write_queue_size <= HIGH_WATER &&
        !uv_is_closing((uv_handle_t *)&c->tcp)) {
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
            c->reading = 1;
        else
            close_conn(c);
    }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    close_conn(req->handle->data);
    free(req);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    conn *c = s->data;
    write_req *w;
    uv_shutdown_t *sreq;
    if (nread == UV_EOF) {
        c->eof = 1;
        c->reading = 0;
        uv_read_stop(s);
        sreq = malloc(sizeof *sreq);
        if (sreq == NULL || uv_shutdown(sreq, s, on_shutdown) != 0) {
            free(sreq);
            close_conn(c);
        }
        return;
    }
    if (nread < 0) {
        close_conn(c);
        return;
    }
    if (nread == 0)
        return;
    w = req_get((size_t)nread);
    if (w == NULL) {
        close_conn(c);
        return;
    }
    w->buf = uv_buf_init((char *)(w + 1), (unsigned int)nread);
    memcpy(w->buf.base, buf->base, (size_t)nread);
    if (uv_write(&w->req, s, &w->buf, 1, on_write) != 0) {
        req_put(w);
        close_conn(c);
        return;
    }
    if (c->tcp.write_queue_size > HIGH_WATER) {
        uv_read_stop(s);
        c->reading = 0;
    }
}

static void on_connection(uv_stream_t *srv, int status)
{
    conn *c;
    if (status < 0)
        return;
    c = calloc(1, sizeof *c);
    if (c == NULL || uv_tcp_init(srv->loop, &c->tcp) != 0) {
        free(c);
        return;
    }
    c->tcp.data = c;
    open_conns++;
    if (uv_accept(srv, (uv_stream_t *)&c->tcp) != 0 || open_conns > max_conns) {
        close_conn(c);
        return;
    }
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
        close_conn(c);
        return;
    }
    c->reading = 1;
}

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, on_close);
}

static void on_signal(uv_signal_t *h, int signum)
{
    (void)signum;
    uv_walk(h->loop, close_any, NULL);
}

int main(int argc, char **argv)
{
    peer_options o;
    struct sockaddr_in sin;
    struct sockaddr_storage bound;
    int len = sizeof bound, rc;
    uv_loop_t *loop = uv_default_loop();

    peer_parse(argc, argv, &o);
    max_conns = o.max_conns;
    signal(SIGPIPE, SIG_IGN);
    if (uv_ip4_addr(o.bind, o.port, &sin) != 0) {
        fprintf(stderr, "%s: --bind: '%s' is not an IPv4 address\n", prog, o.bind);
        return 2;
    }
    uv_tcp_init(loop, &server);
    if ((rc = uv_tcp_bind(&server, (struct sockaddr *)&sin, 0)) != 0 ||
        (rc = uv_listen((uv_stream_t *)&server, 4096, on_connection)) != 0 ||
        (rc = uv_tcp_getsockname(&server, (struct sockaddr *)&bound, &len)) != 0) {
        fprintf(stderr, "%s: cannot listen on %s:%d: %s\n", prog, o.bind, o.port, uv_strerror(rc));
        return 1;
    }
    uv_signal_init(loop, &sigint_h);
    uv_signal_init(loop, &sigterm_h);
    uv_signal_start(&sigint_h, on_signal, SIGINT);
    uv_signal_start(&sigterm_h, on_signal, SIGTERM);
    fprintf(stderr, "listening on %s %d\n", o.bind,
            ntohs(((struct sockaddr_in *)&bound)->sin_port));
    fflush(stderr);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    return 0;
}
