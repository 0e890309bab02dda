/* Connection state machine: address fallback, send queue with
 * drain-then-shutdown (libuv's uv__drain), deferred notifications. */
#include "conn/conn.h"

#include <stdlib.h>
#include <string.h>

/* Reads per readiness event before yielding to other connections. */
#define SE_READS_PER_EVENT 16

enum {
    PENDING_ATTEMPT = 1,  /* start the next connect attempt */
    PENDING_SHUTDOWN = 2, /* call on_shutdown */
    PENDING_CLOSE = 4     /* call on_close (always last) */
};

static void on_io(se_loop *loop, se_io *io, int events);
static void on_connect_timeout(se_loop *loop, se_timer *timer);
static void attempt_next(se_conn *conn);

static void run_pending(se_loop *loop, se_deferred *d)
{
    (void)loop;
    se_conn *conn = d->data;
    int pending = conn->notify_pending;
    conn->notify_pending = 0;
    if (conn->state == SE_CONN_CLOSED) {
        if (pending & PENDING_CLOSE)
            conn->cb->on_close(conn); /* may free conn: nothing after this */
        return;
    }
    if (pending & PENDING_SHUTDOWN)
        conn->cb->on_shutdown(conn);
    if (pending & PENDING_ATTEMPT && conn->state == SE_CONN_CONNECTING)
        attempt_next(conn);
}

static void schedule(se_conn *conn, int what)
{
    int was = conn->notify_pending;
    conn->notify_pending |= what;
    if (!was)
        se_loop_defer(conn->loop, &conn->notify, run_pending, conn);
}

void se_conn_init(se_conn *conn, se_loop *loop, const se_conn_callbacks *cb, void *data)
{
    memset(conn, 0, sizeof *conn);
    conn->loop = loop;
    conn->cb = cb;
    conn->data = data;
    conn->io.sock = SE_INVALID_SOCKET;
}

const struct sockaddr *se_conn_peer(const se_conn *conn)
{
    return &conn->peer.sa;
}

size_t se_conn_pending(const se_conn *conn)
{
    return conn->tail - conn->head;
}

static int update_io(se_conn *conn)
{
    int events = 0;
    if (conn->state == SE_CONN_CONNECTING)
        events = SE_WRITABLE;
    else if (conn->state == SE_CONN_OPEN) {
        if (conn->reading)
            events |= SE_READABLE;
        if (conn->tail > conn->head)
            events |= SE_WRITABLE;
    }
    return se_io_set(conn->loop, &conn->io, events);
}

/* Stops all I/O and reports ERR once; the owner decides how to close. */
static void fail(se_conn *conn, int err)
{
    conn->reading = 0;
    se_io_stop(conn->loop, &conn->io);
    conn->cb->on_error(conn, err);
}

/* ---- connecting ---- */

static void release_socket(se_conn *conn, int abortive)
{
    se_io_stop(conn->loop, &conn->io);
    if (conn->io.sock != SE_INVALID_SOCKET) {
        if (abortive)
            se_socket_abort(conn->io.sock);
        else
            se_socket_close(conn->io.sock);
        conn->io.sock = SE_INVALID_SOCKET;
    }
}

static void end_connecting(se_conn *conn)
{
    if (!conn->connecting)
        return;
    se_timer_stop(conn->loop, &conn->connecting->timer);
    free(conn->connecting);
    conn->connecting = NULL;
}

static void attempt_done(se_conn *conn, int status)
{
    if (conn->cb->on_attempt)
        conn->cb->on_attempt(conn, se_conn_peer(conn), status,
                             se_now_ns() - conn->connecting->attempt_start_ns);
}

static void connected(se_conn *conn)
{
    se_timer_stop(conn->loop, &conn->connecting->timer);
    conn->state = SE_CONN_OPEN;
    attempt_done(conn, 0);
    end_connecting(conn);
    int err = update_io(conn);
    conn->cb->on_connect(conn, err);
}

static void attempt_next(se_conn *conn)
{
    se_connecting *c = conn->connecting;
    while (c->next_addr) {
        const struct addrinfo *ai = c->next_addr;
        c->next_addr = ai->ai_next;
        memset(&conn->peer, 0, sizeof conn->peer);
        size_t len =
            (size_t)ai->ai_addrlen < sizeof conn->peer ? (size_t)ai->ai_addrlen : sizeof conn->peer;
        memcpy(&conn->peer, ai->ai_addr, len);
        c->attempt_start_ns = se_now_ns();
        se_socket sock;
        int err = se_socket_open(ai->ai_family, &sock);
        if (!err) {
            se_io_init(&conn->io, sock, on_io, conn);
            if (conn->source && conn->source->sa_family == ai->ai_family)
                err = se_socket_bind_source(sock, conn->source);
            if (!err)
                err = se_socket_connect(sock, ai->ai_addr, (se_socklen)ai->ai_addrlen);
            if (err == 0) {
                connected(conn);
                return;
            }
            if (err == SE_EINPROGRESS) {
                err = update_io(conn);
                if (!err && c->timeout_ms)
                    err = se_timer_start(conn->loop, &c->timer, c->timeout_ms);
                if (!err)
                    return;
            }
            release_socket(conn, 0);
        }
        c->last_error = err;
        attempt_done(conn, err);
        if (conn->state != SE_CONN_CONNECTING)
            return; /* closed by on_attempt */
    }
    int err = c->last_error ? c->last_error : SE_EAI_NONAME;
    end_connecting(conn);
    conn->state = SE_CONN_IDLE;
    conn->cb->on_connect(conn, err);
}

static void attempt_failed(se_conn *conn, int err)
{
    se_timer_stop(conn->loop, &conn->connecting->timer);
    release_socket(conn, 0);
    conn->connecting->last_error = err;
    attempt_done(conn, err);
    if (conn->state == SE_CONN_CONNECTING)
        attempt_next(conn);
}

static void on_connect_timeout(se_loop *loop, se_timer *timer)
{
    (void)loop;
    attempt_failed(timer->data, SE_ETIMEDOUT);
}

int se_conn_connect(se_conn *conn, const struct addrinfo *list, uint64_t timeout_ms)
{
    if (conn->state != SE_CONN_IDLE)
        return SE_EINVAL;
    if (!list)
        return SE_EAI_NONAME;
    se_connecting *c = calloc(1, sizeof *c);
    if (!c)
        return SE_ENOMEM;
    c->next_addr = list;
    c->timeout_ms = timeout_ms;
    se_timer_init(&c->timer, on_connect_timeout, conn);
    conn->connecting = c;
    conn->state = SE_CONN_CONNECTING;
    schedule(conn, PENDING_ATTEMPT);
    return 0;
}

void se_conn_set_source(se_conn *conn, const struct sockaddr *source)
{
    conn->source = source;
}

void se_conn_adopt(se_conn *conn, se_socket sock, const struct sockaddr_storage *peer)
{
    se_io_init(&conn->io, sock, on_io, conn);
    if (peer) {
        const struct sockaddr *sa = (const struct sockaddr *)peer;
        size_t len = (size_t)se_addr_len(sa);
        memcpy(&conn->peer, peer, len < sizeof conn->peer ? len : sizeof conn->peer);
    }
    conn->state = SE_CONN_OPEN;
}

void se_conn_set_read_limit(se_conn *conn, size_t limit)
{
    conn->read_limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
}

/* ---- reading ---- */

int se_conn_read_start(se_conn *conn)
{
    if (conn->state != SE_CONN_OPEN || conn->eof_received)
        return SE_ENOTCONN;
    conn->reading = 1;
    return update_io(conn);
}

void se_conn_read_stop(se_conn *conn)
{
    if (!conn->reading)
        return;
    conn->reading = 0;
    if (conn->state == SE_CONN_OPEN)
        (void)update_io(conn); /* only ever removes an event */
}

static void handle_readable(se_conn *conn, int events)
{
    se_loop *loop = conn->loop;
    for (int i = 0; i < SE_READS_PER_EVENT; i++) {
        if (!conn->reading || conn->state != SE_CONN_OPEN)
            return;
        size_t want = loop->read_buf_size;
        if (conn->read_limit && conn->read_limit < want)
            want = conn->read_limit;
        long n = se_socket_recv(conn->io.sock, loop->read_buf, want);
        if (n > 0) {
            conn->bytes_in += (uint64_t)n;
            conn->cb->on_read(conn, loop->read_buf, (size_t)n);
            if ((size_t)n < want)
                return;
            continue;
        }
        if (n == SE_EAGAIN)
            return;
        if (n == SE_EOF && (events & SE_ERRORED)) {
            /* WSAPoll flags an RST as POLLERR while recv() may return 0:
             * the error bit, not recv, tells a reset from a FIN. */
            int err = se_socket_error(conn->io.sock);
            fail(conn, err ? err : SE_ECONNRESET);
            return;
        }
        if (n == SE_EOF) {
            conn->eof_received = 1;
            conn->reading = 0;
            (void)update_io(conn);
            conn->cb->on_eof(conn);
            return;
        }
        fail(conn, (int)n);
        return;
    }
}

/* ---- writing ---- */

static void free_queue(se_conn *conn)
{
    free(conn->buf);
    conn->buf = NULL;
    conn->head = conn->tail = conn->cap = 0;
}

static int do_shutdown(se_conn *conn)
{
    int err = se_socket_shutdown_send(conn->io.sock);
    if (!err)
        conn->shutdown_done = 1;
    return err;
}

static int enqueue(se_conn *conn, const char *data, size_t len)
{
    if (conn->tail + len > conn->cap && conn->head > 0) {
        memmove(conn->buf, conn->buf + conn->head, conn->tail - conn->head);
        conn->tail -= conn->head;
        conn->head = 0;
    }
    if ((size_t)conn->tail + len > conn->cap) {
        size_t cap = conn->cap ? conn->cap : 16 * 1024;
        while (cap < (size_t)conn->tail + len)
            cap *= 2;
        if (cap > UINT32_MAX)
            return SE_ENOBUFS; /* a send queue is bounded well below 4 GiB */
        char *buf = realloc(conn->buf, cap);
        if (!buf)
            return SE_ENOMEM;
        conn->buf = buf;
        conn->cap = (uint32_t)cap;
    }
    memcpy(conn->buf + conn->tail, data, len);
    conn->tail += (uint32_t)len;
    return 0;
}

int se_conn_write(se_conn *conn, const void *data, size_t len)
{
    if (conn->state != SE_CONN_OPEN)
        return SE_ENOTCONN;
    if (conn->shutdown_requested)
        return SE_ESHUTDOWN;
    const char *p = data;
    if (conn->tail == conn->head) {
        while (len > 0) {
            long n = se_socket_send(conn->io.sock, p, len);
            if (n == SE_EAGAIN)
                break;
            if (n < 0)
                return (int)n;
            conn->bytes_out += (uint64_t)n;
            p += n;
            len -= (size_t)n;
        }
        if (len == 0)
            return 0;
    }
    int err = enqueue(conn, p, len);
    if (!err)
        err = update_io(conn);
    return err;
}

static void handle_writable(se_conn *conn)
{
    while (conn->tail > conn->head) {
        long n = se_socket_send(conn->io.sock, conn->buf + conn->head, conn->tail - conn->head);
        if (n == SE_EAGAIN)
            return;
        if (n < 0) {
            fail(conn, (int)n);
            return;
        }
        conn->head += (uint32_t)n;
        conn->bytes_out += (uint64_t)n;
    }
    free_queue(conn);
    (void)update_io(conn); /* only ever removes an event */
    if (conn->shutdown_requested && !conn->shutdown_done) {
        int err = do_shutdown(conn);
        if (err)
            fail(conn, err);
        else
            conn->cb->on_shutdown(conn);
    } else if (conn->cb->on_drain) {
        conn->cb->on_drain(conn);
    }
}

int se_conn_shutdown(se_conn *conn)
{
    if (conn->state != SE_CONN_OPEN)
        return SE_ENOTCONN;
    if (conn->shutdown_requested)
        return 0;
    conn->shutdown_requested = 1;
    if (conn->tail > conn->head)
        return 0;
    int err = do_shutdown(conn);
    if (err)
        return err;
    schedule(conn, PENDING_SHUTDOWN);
    return 0;
}

/* ---- events ---- */

static void on_io(se_loop *loop, se_io *io, int events)
{
    (void)loop;
    se_conn *conn = io->data;
    if (conn->state == SE_CONN_CONNECTING) {
        int err = se_socket_error(io->sock);
        if (err == 0 && (events & SE_ERRORED))
            err = SE_ECONNREFUSED;
        if (err)
            attempt_failed(conn, err);
        else
            connected(conn);
        return;
    }
    if (events & SE_READABLE)
        handle_readable(conn, events);
    if ((events & SE_WRITABLE) && conn->state == SE_CONN_OPEN && conn->io.events & SE_WRITABLE)
        handle_writable(conn);
}

/* ---- closing ---- */

static void close_conn(se_conn *conn, int abortive)
{
    if (conn->state == SE_CONN_CLOSED)
        return;
    end_connecting(conn);
    release_socket(conn, abortive);
    free_queue(conn);
    conn->reading = 0;
    conn->state = SE_CONN_CLOSED;
    schedule(conn, PENDING_CLOSE);
}

void se_conn_close(se_conn *conn)
{
    close_conn(conn, 0);
}

void se_conn_abort(se_conn *conn)
{
    close_conn(conn, 1);
}
