/* Connection state machine: connecting (conn/race.h), the filter chain, the send
 * queue with drain-then-shutdown (libuv's uv__drain), held input while the
 * owner is not reading, deferred notifications. */
#include "conn_internal.h"
#include "conn/race.h"
#include "platform/unix_socket.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Reads per readiness event before yielding to other connections. */
#define SE_READS_PER_EVENT 16

enum {
    PENDING_OPEN = 2,     /* open the filters of an adopted socket */
    PENDING_HELD = 4,     /* deliver held input (reading was restarted) */
    PENDING_SHUTDOWN = 8, /* call on_shutdown */
    PENDING_ERROR = 16,   /* a filter failed outside an op */
    PENDING_CLOSE = 32    /* call on_close, then free (always last) */
};

/* What only a connecting conn needs; allocated by se_conn_connect, freed
 * once connected or failed, so accepted connections never carry it. */
typedef struct se_connecting {
    const struct sockaddr *source; /* bound before connect when its family matches */
    int (*setup)(se_socket sock, int family, void *arg); /* socket options */
    void *setup_arg;
    uint64_t attempt_delay_ms;
    se_race *race;
    const char *unix_path;   /* se_conn_connect_unix's */
    struct addrinfo unix_ai; /* its one "address" */
    struct sockaddr_storage unix_addr;
} se_connecting;

struct se_filter {
    const se_filter_ops *ops;
    void *ctx;
    se_conn *conn;
    se_filter *above, *below;
};

static uint32_t queued(const se_conn *conn)
{
    const se_conn_bufs *b = conn->bufs;
    return b ? b->tail - b->head + (b->flight_len - b->flight_head) + b->kept_len : 0;
}

static uint32_t held_len(const se_conn *conn)
{
    return conn->bufs ? conn->bufs->held_len : 0;
}

static se_conn_bufs *bufs_of(se_conn *conn)
{
    if (!conn->bufs)
        conn->bufs = calloc(1, sizeof *conn->bufs);
    return conn->bufs;
}

static se_filter *bottom_filter(const se_conn *conn)
{
    return conn->bufs ? conn->bufs->bottom : NULL;
}

se_conn_bufs *se_conn_bufs_get(se_conn *conn)
{
    return bufs_of(conn);
}

static se_filter *top_filter(const se_conn *conn)
{
    se_filter *f = bottom_filter(conn);
    while (f && f->above)
        f = f->above;
    return f;
}

/* The owner's bytes follow the conn, aligned for pointers, 64-bit
 * integers and doubles (not max_align_t: 8 bytes less per connection). */
typedef union owner_align {
    void *p;
    uint64_t u;
    double d;
} owner_align;
#define ROUND_UP(n, a) (((n) + (a)-1) / (a) * (a))
#define OWNER_OFFSET ROUND_UP(sizeof(se_conn), alignof(owner_align))
/* The peer address, when kept, comes before the conn. */
#define PEER_SPACE ROUND_UP(sizeof(se_sockaddr), alignof(se_conn))

/* on_close's notification leaves the stopped watcher's last 8 bytes (its
 * event mask among them) as they were (conn_internal.h). */
_Static_assert(sizeof(se_deferred) + 8 <= sizeof(se_io), "the notification fits the watcher");

/* The peer of a conn created without room for one. */
static const se_sockaddr no_peer;

/* Receive buffer of the conn layer, one per thread (one loop per thread):
 * data is consumed before the callback that received it returns. */
static _Thread_local char recv_buffer[SE_CONN_READ_MAX];

static void on_io(se_loop *loop, se_io *io, int events);
static void deliver_held(se_conn *conn);
static void free_conn(se_conn *conn);
static int open_filters(se_conn *conn);

/* ---- deferred notifications ---- */

static void fail(se_conn *conn, int err);

static void run_pending(se_loop *loop, se_deferred *d)
{
    (void)loop;
    se_conn *conn = se_deferred_data(d);
    int pending = conn->notify_pending;
    conn->notify_pending = 0;
    if (conn->state == SE_CONN_CLOSED) {
        if (pending & PENDING_CLOSE) {
            conn->cb->on_close(conn);
            free_conn(conn);
        }
        return;
    }
    if (pending & PENDING_ERROR) {
        fail(conn, conn->bufs->pending_error);
        return;
    }
    if (pending & PENDING_OPEN && conn->state == SE_CONN_OPENING) {
        int err = open_filters(conn);
        if (err) {
            fail(conn, err);
            return;
        }
    }
    if (pending & PENDING_HELD)
        deliver_held(conn);
    if (pending & PENDING_SHUTDOWN && conn->state == SE_CONN_OPEN)
        conn->cb->on_shutdown(conn);
}

/* Queues the notification WHAT. on_close's uses the socket's space, free
 * once the conn is CLOSED; the others the buffers' (there already when
 * filters, held input or an error of a filter are what it is about).
 * Returns 0 or SE_ENOMEM (nothing queued). */
static int schedule(se_conn *conn, int what)
{
    if (conn->notify_pending) {
        conn->notify_pending |= (uint8_t)what;
        return 0;
    }
    se_deferred *d;
    if (conn->state == SE_CONN_CLOSED) {
        d = &conn->closing;
    } else {
        se_conn_bufs *b = bufs_of(conn);
        if (!b)
            return SE_ENOMEM;
        d = &b->notify;
    }
    conn->notify_pending = (uint8_t)what;
    se_loop_defer(conn->loop, d, run_pending, conn);
    return 0;
}

/* ---- creation and accessors ---- */

static se_conn *create(se_loop *loop, const se_conn_callbacks *cb, size_t owner_size, int peer)
{
    size_t before = peer ? PEER_SPACE : 0;
    char *block = calloc(1, before + OWNER_OFFSET + owner_size);
    if (!block)
        return NULL;
    se_conn *conn = (se_conn *)(block + before);
    conn->loop = loop;
    conn->cb = cb;
    conn->has_peer = peer != 0;
    se_io_init(&conn->io, SE_INVALID_SOCKET, on_io, conn);
    return conn;
}

se_conn *se_conn_new(se_loop *loop, const se_conn_callbacks *cb, size_t owner_size)
{
    return create(loop, cb, owner_size, 1);
}

se_conn *se_conn_new_peerless(se_loop *loop, const se_conn_callbacks *cb, size_t owner_size)
{
    return create(loop, cb, owner_size, 0);
}

static se_sockaddr *peer_of(const se_conn *conn)
{
    return conn->has_peer ? (se_sockaddr *)((char *)conn - PEER_SPACE) : NULL;
}

void *se_conn_owner(const se_conn *conn)
{
    return (char *)conn + OWNER_OFFSET;
}

se_conn *se_conn_of_owner(const void *owner)
{
    return (se_conn *)((const char *)owner - OWNER_OFFSET);
}

se_loop *se_conn_loop(const se_conn *conn)
{
    return conn->loop;
}

se_conn_state se_conn_get_state(const se_conn *conn)
{
    return (se_conn_state)conn->state;
}

int se_conn_is_open(const se_conn *conn)
{
    return conn->state == SE_CONN_OPEN || conn->state == SE_CONN_OPENING;
}

uint64_t se_conn_bytes_in(const se_conn *conn)
{
    uint64_t high = conn->bufs ? conn->bufs->bytes_in_high : 0;
    return high << 32 | conn->bytes_in;
}

uint64_t se_conn_bytes_out(const se_conn *conn)
{
    uint64_t high = conn->bufs ? conn->bufs->bytes_out_high : 0;
    return high << 32 | conn->bytes_out;
}

/* Adds N to the counter whose low half is *LOW; its carries go to the high
 * half in the buffers (HIGH_OUT: bytes out's, else bytes in's). Returns 0 or
 * SE_ENOMEM. */
static int count(se_conn *conn, uint32_t *low, int high_out, size_t n)
{
    uint64_t sum = (uint64_t)*low + n;
    if (sum >> 32) {
        se_conn_bufs *b = bufs_of(conn);
        if (!b)
            return SE_ENOMEM;
        *(high_out ? &b->bytes_out_high : &b->bytes_in_high) += (uint32_t)(sum >> 32);
    }
    *low = (uint32_t)sum;
    return 0;
}

int se_conn_count_out(se_conn *conn, size_t n)
{
    return count(conn, &conn->bytes_out, 1, n);
}

uint32_t se_conn_read_limit(const se_conn *conn)
{
    return conn->bufs ? conn->bufs->read_limit : 0;
}

/* Milliseconds from the last activity to the round's time; negative when
 * bytes moved after the round began. Stored as the low 32 bits of the
 * clock: differences are exact for 24 days. */
static int32_t since_activity(const se_conn *conn)
{
    return (int32_t)((uint32_t)se_loop_now(conn->loop) - conn->last_activity_ms);
}

uint64_t se_conn_last_activity(const se_conn *conn)
{
    return (uint64_t)((int64_t)se_loop_now(conn->loop) - since_activity(conn));
}

uint64_t se_conn_idle_ms(const se_conn *conn)
{
    int32_t since = since_activity(conn);
    return since > 0 ? (uint64_t)since : 0;
}

int se_conn_eof_received(const se_conn *conn)
{
    return conn->eof_delivered;
}

int se_conn_shutdown_requested(const se_conn *conn)
{
    return conn->shutdown_requested;
}

int se_conn_shutdown_done(const se_conn *conn)
{
    return conn->shutdown_done;
}

const struct sockaddr *se_conn_peer(const se_conn *conn)
{
    const se_sockaddr *peer = peer_of(conn);
    return peer ? &peer->sa : &no_peer.sa;
}

se_socket se_conn_socket(const se_conn *conn)
{
    if (conn->state == SE_CONN_CLOSED)
        return SE_INVALID_SOCKET;
    return conn->completion ? conn->sock : se_io_socket(&conn->io);
}

static void set_peer(se_conn *conn, const struct sockaddr *addr, size_t len)
{
    se_sockaddr *peer = peer_of(conn);
    if (!peer)
        return;
    memset(peer, 0, sizeof *peer);
    memcpy(peer, addr, len < sizeof *peer ? len : sizeof *peer);
}

void se_conn_set_peer(se_conn *conn, const struct sockaddr *addr)
{
    set_peer(conn, addr, (size_t)se_addr_len(addr));
}

size_t se_conn_pending(const se_conn *conn)
{
    size_t n = queued(conn);
    for (const se_filter *f = bottom_filter(conn); f; f = f->above)
        if (f->ops->held)
            n += f->ops->held(f);
    return n;
}

/* Bytes moved: stamped with the clock read now, not the round's time, so
 * that a timeout counted from it is never early, however long the round. */
void se_conn_touch(se_conn *conn)
{
    conn->last_activity_ms = (uint32_t)se_loop_clock(conn->loop);
}

/* ---- interest ---- */

/* Socket reads go on while the conn is open or opening, the peer has not
 * ended, no filter paused them, nothing is held for the owner, and either
 * a filter is still handshaking or the owner wants data. */
int se_conn_socket_reading(const se_conn *conn)
{
    if (conn->state != SE_CONN_OPEN && conn->state != SE_CONN_OPENING)
        return 0;
    if (conn->eof_received || conn->filter_paused || held_len(conn))
        return 0;
    if (conn->state == SE_CONN_OPENING)
        return conn->filters_opened;
    return conn->reading;
}

static int readiness_update(se_conn *conn)
{
    int events = 0;
    if (conn->state == SE_CONN_CONNECTING) {
        events = SE_WRITABLE;
    } else if (conn->state == SE_CONN_OPEN || conn->state == SE_CONN_OPENING) {
        if (se_conn_socket_reading(conn))
            events |= SE_READABLE;
        if (queued(conn) || conn->write_armed)
            events |= SE_WRITABLE;
    }
    return se_io_set(conn->loop, &conn->io, events);
}

static int readiness_send(se_conn *conn, const char *data, size_t len);

static void readiness_release(se_conn *conn)
{
    se_io_stop(conn->loop, &conn->io);
}

static const se_transport readiness_transport = {
    readiness_update,
    readiness_send,
    readiness_release,
};

static const se_transport *transport(const se_conn *conn)
{
    return conn->completion ? &se_transport_completion : &readiness_transport;
}

static int update_io(se_conn *conn)
{
    return transport(conn)->update(conn);
}

/* Connected or adopted: the completion transport where the loop offers it
 * (the readiness watcher only saw the connect through). */
static void choose_transport(se_conn *conn)
{
    if (!se_loop_completes(conn->loop))
        return;
    se_socket sock = se_io_socket(&conn->io);
    se_io_stop(conn->loop, &conn->io); /* the loop lets go of its memory */
    conn->recv_op = (se_op){0};
    conn->send_op = (se_op){0};
    conn->sock = sock;
    conn->completion = 1;
}

/* Stops all I/O and reports ERR once; the owner decides how to close. */
static void fail(se_conn *conn, int err)
{
    if (conn->state == SE_CONN_CLOSED || conn->state == SE_CONN_FAILED)
        return;
    conn->reading = 0;
    conn->state = SE_CONN_FAILED;
    transport(conn)->release(conn);
    conn->cb->on_error(conn, err);
}

void se_conn_fail(se_conn *conn, int err)
{
    fail(conn, err);
}

/* ---- filters ---- */

int se_conn_push_filter(se_conn *conn, const se_filter_ops *ops, void *ctx)
{
    se_filter *f = bufs_of(conn) ? calloc(1, sizeof *f) : NULL;
    if (!f) {
        if (ops->destroy)
            ops->destroy(ctx);
        return SE_ENOMEM;
    }
    f->ops = ops;
    f->ctx = ctx;
    f->conn = conn;
    f->below = top_filter(conn);
    if (f->below)
        f->below->above = f;
    else
        conn->bufs->bottom = f;
    return 0;
}

void *se_filter_ctx(const se_filter *f)
{
    return f->ctx;
}

se_conn *se_filter_conn(const se_filter *f)
{
    return f->conn;
}

se_loop *se_filter_loop(const se_filter *f)
{
    return f->conn->loop;
}

/* ---- input: socket -> filters -> owner ---- */

/* Appends input for the owner to the held buffer. */
static int hold_input(se_conn *conn, const char *data, size_t len)
{
    se_conn_bufs *b = bufs_of(conn);
    if (!b)
        return SE_ENOMEM;
    if ((uint64_t)b->held_len + len > UINT32_MAX)
        return SE_ENOBUFS;
    char *held = realloc(b->held, b->held_len + len);
    if (!held)
        return SE_ENOMEM;
    memcpy(held + b->held_len, data, len);
    b->held = held;
    b->held_len += (uint32_t)len;
    return 0;
}

static void deliver_eof(se_conn *conn)
{
    conn->eof_held = 0;
    conn->eof_delivered = 1;
    conn->reading = 0;
    (void)update_io(conn);
    conn->cb->on_eof(conn);
}

static int owner_recv(se_conn *conn, const char *data, size_t len)
{
    if (conn->state != SE_CONN_OPEN || !conn->reading || held_len(conn))
        return hold_input(conn, data, len);
    int err = count(conn, &conn->bytes_in, 0, len);
    if (err)
        return err;
    conn->cb->on_read(conn, data, len);
    return 0;
}

static int owner_eof(se_conn *conn)
{
    if (conn->state != SE_CONN_OPEN || held_len(conn))
        conn->eof_held = 1;
    else
        deliver_eof(conn);
    return 0;
}

/* Hands the owner what was held, while it keeps reading. */
static void deliver_held(se_conn *conn)
{
    while (held_len(conn) && conn->reading && conn->state == SE_CONN_OPEN) {
        se_conn_bufs *b = conn->bufs;
        size_t n = b->held_len < SE_CONN_READ_MAX ? b->held_len : SE_CONN_READ_MAX;
        memcpy(recv_buffer, b->held, n);
        memmove(b->held, b->held + n, b->held_len - n);
        b->held_len -= (uint32_t)n;
        if (!b->held_len) {
            free(b->held);
            b->held = NULL;
        }
        (void)count(conn, &conn->bytes_in, 0, n); /* the buffers exist: no carry fails */
        conn->cb->on_read(conn, recv_buffer, n);
    }
    if (conn->state != SE_CONN_OPEN || held_len(conn))
        return;
    if (conn->eof_held)
        deliver_eof(conn);
    else
        (void)update_io(conn);
}

int se_filter_recv_up(se_filter *f, const char *data, size_t len)
{
    se_conn *conn = f->conn;
    if (len == 0)
        return 0;
    for (f = f->above; f; f = f->above)
        if (f->ops->recv)
            return f->ops->recv(f, data, len);
    return owner_recv(conn, data, len);
}

int se_filter_eof_up(se_filter *f)
{
    se_conn *conn = f->conn;
    for (f = f->above; f; f = f->above)
        if (f->ops->eof)
            return f->ops->eof(f);
    return owner_eof(conn);
}

/* Bytes from the socket enter the lowest filter that reads them. */
int se_conn_socket_input(se_conn *conn, const char *data, size_t len)
{
    for (se_filter *f = bottom_filter(conn); f; f = f->above)
        if (f->ops->recv)
            return f->ops->recv(f, data, len);
    return owner_recv(conn, data, len);
}

static int eof_from_socket(se_conn *conn)
{
    for (se_filter *f = bottom_filter(conn); f; f = f->above)
        if (f->ops->eof)
            return f->ops->eof(f);
    return owner_eof(conn);
}

void se_conn_socket_eof(se_conn *conn)
{
    conn->eof_received = 1;
    (void)update_io(conn);
    int err = eof_from_socket(conn);
    if (err)
        fail(conn, err);
}

static void handle_readable(se_conn *conn, int events)
{
    for (int i = 0; i < SE_READS_PER_EVENT; i++) {
        if (!se_conn_socket_reading(conn))
            return;
        size_t want = SE_CONN_READ_MAX, limit = se_conn_read_limit(conn);
        if (limit && limit < want)
            want = limit;
        long n = se_socket_recv(se_io_socket(&conn->io), recv_buffer, want);
        if (n > 0) {
            se_conn_touch(conn);
            int err = se_conn_socket_input(conn, recv_buffer, (size_t)n);
            if (err) {
                fail(conn, err);
                return;
            }
            if ((size_t)n < want)
                return;
            continue;
        }
        if (n == SE_EAGAIN)
            return;
        if (n == SE_EOF && (events & SE_ERRORED)) {
            /* WSAPoll flags an RST as POLLERR while recv() may return 0:
             * the error bit, not recv, tells a reset from a FIN. */
            int err = se_socket_error(se_io_socket(&conn->io));
            fail(conn, err ? err : SE_ECONNRESET);
            return;
        }
        if (n == SE_EOF) {
            se_conn_socket_eof(conn);
            return;
        }
        fail(conn, (int)n);
        return;
    }
}

int se_conn_read_start(se_conn *conn)
{
    if (!se_conn_is_open(conn) || conn->eof_delivered)
        return SE_ENOTCONN;
    conn->reading = 1;
    if (held_len(conn) || conn->eof_held)
        return schedule(conn, PENDING_HELD);
    return update_io(conn);
}

void se_conn_read_stop(se_conn *conn)
{
    if (!conn->reading)
        return;
    conn->reading = 0;
    if (se_conn_is_open(conn))
        (void)update_io(conn); /* only ever removes an event */
}

int se_conn_set_read_limit(se_conn *conn, size_t limit)
{
    if (!limit && !conn->bufs)
        return 0;
    se_conn_bufs *b = bufs_of(conn);
    if (!b)
        return SE_ENOMEM;
    b->read_limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
    return 0;
}

void se_filter_pause_reading(se_filter *f, int paused)
{
    se_conn *conn = f->conn;
    conn->filter_paused = paused != 0;
    if (se_conn_is_open(conn))
        (void)update_io(conn);
}

void se_filter_fail(se_filter *f, int err)
{
    se_conn *conn = f->conn;
    if (!se_conn_is_open(conn))
        return;
    conn->bufs->pending_error = (int16_t)err; /* a filter: the buffers exist */
    (void)schedule(conn, PENDING_ERROR);
}

/* ---- output: owner -> filters -> socket ---- */

static void release_queue(se_conn *conn, int keep)
{
    se_conn_bufs *b = conn->bufs;
    if (!b)
        return;
    b->head = b->tail = 0;
    if (keep && b->cap <= SE_QUEUE_KEEP)
        return;
    free(b->queue);
    b->queue = NULL;
    b->cap = 0;
}

int se_conn_enqueue(se_conn *conn, const char *data, size_t len)
{
    se_conn_bufs *b = bufs_of(conn);
    if (!b)
        return SE_ENOMEM;
    if (b->tail + len > b->cap && b->head > 0) {
        memmove(b->queue, b->queue + b->head, b->tail - b->head);
        b->tail -= b->head;
        b->head = 0;
    }
    if ((size_t)b->tail + len > b->cap) {
        /* Small first writes start small: with completion I/O every echo
         * passes through here, and a 16 KiB block per short connection
         * grows and trims the heap on every connection. */
        size_t cap = b->cap ? b->cap : len <= 2048 ? 2048 : 16 * 1024;
        while (cap < (size_t)b->tail + len)
            cap *= 2;
        if (cap > UINT32_MAX)
            return SE_ENOBUFS; /* a send queue is bounded well below 4 GiB */
        char *queue = realloc(b->queue, cap);
        if (!queue)
            return SE_ENOMEM;
        b->queue = queue;
        b->cap = (uint32_t)cap;
    }
    memcpy(b->queue + b->tail, data, len);
    b->tail += (uint32_t)len;
    return 0;
}

static int do_shutdown(se_conn *conn)
{
    int err = se_socket_shutdown_send(se_conn_socket(conn));
    if (!err)
        conn->shutdown_done = 1;
    return err;
}

/* The bottom of the chain. */
static int socket_send(se_conn *conn, const char *data, size_t len)
{
    if (conn->shutdown_down)
        return SE_ESHUTDOWN;
    return transport(conn)->send(conn, data, len);
}

/* Readiness: the kernel, then the send queue. */
static int readiness_send(se_conn *conn, const char *data, size_t len)
{
    if (!queued(conn)) {
        while (len > 0) {
            long n = se_socket_send(se_io_socket(&conn->io), data, len);
            if (n == SE_EAGAIN)
                break;
            if (n < 0)
                return (int)n;
            int err = se_conn_count_out(conn, (size_t)n);
            if (err)
                return err;
            se_conn_touch(conn);
            data += n;
            len -= (size_t)n;
        }
        if (len == 0)
            return 0;
    }
    int err = se_conn_enqueue(conn, data, len);
    if (!err)
        err = update_io(conn);
    return err;
}

static int socket_shutdown(se_conn *conn)
{
    if (conn->shutdown_down) {
        if (conn->shutdown_done && conn->shutdown_requested)
            return schedule(conn, PENDING_SHUTDOWN);
        return 0;
    }
    conn->shutdown_down = 1;
    if (queued(conn))
        return 0; /* after the queue drains */
    int err = do_shutdown(conn);
    if (!err && conn->shutdown_requested)
        err = schedule(conn, PENDING_SHUTDOWN);
    return err;
}

int se_filter_send_down(se_filter *f, const char *data, size_t len)
{
    se_conn *conn = f->conn;
    for (f = f->below; f; f = f->below)
        if (f->ops->send)
            return f->ops->send(f, data, len);
    return len ? socket_send(conn, data, len) : 0;
}

int se_filter_shutdown_down(se_filter *f)
{
    se_conn *conn = f->conn;
    for (f = f->below; f; f = f->below)
        if (f->ops->shutdown)
            return f->ops->shutdown(f);
    return socket_shutdown(conn);
}

int se_conn_write(se_conn *conn, const void *data, size_t len)
{
    if (conn->state != SE_CONN_OPEN)
        return SE_ENOTCONN;
    if (conn->shutdown_requested)
        return SE_ESHUTDOWN;
    if (len == 0)
        return 0;
    for (se_filter *f = top_filter(conn); f; f = f->below)
        if (f->ops->send)
            return f->ops->send(f, data, len);
    return socket_send(conn, data, len);
}

int se_conn_shutdown(se_conn *conn)
{
    if (conn->state != SE_CONN_OPEN)
        return SE_ENOTCONN;
    if (conn->shutdown_requested)
        return 0;
    conn->shutdown_requested = 1;
    for (se_filter *f = top_filter(conn); f; f = f->below)
        if (f->ops->shutdown)
            return f->ops->shutdown(f);
    return socket_shutdown(conn);
}

static void handle_writable(se_conn *conn)
{
    se_conn_bufs *b = conn->bufs;
    if (!queued(conn)) {
        /* Watched since the last drain and nothing came: stop watching. */
        conn->write_armed = 0;
        (void)update_io(conn);
        return;
    }
    while (b->tail > b->head) {
        long n = se_socket_send(se_io_socket(&conn->io), b->queue + b->head, b->tail - b->head);
        if (n == SE_EAGAIN)
            return;
        if (n < 0) {
            fail(conn, (int)n);
            return;
        }
        b->head += (uint32_t)n;
        (void)se_conn_count_out(conn, (size_t)n); /* the buffers exist: cannot fail */
        se_conn_touch(conn);
    }
    se_conn_drained(conn);
}

void se_conn_drained(se_conn *conn)
{
    release_queue(conn, 1);
    if (conn->shutdown_down && !conn->shutdown_done) {
        conn->write_armed = 0;
        (void)update_io(conn);
        int err = do_shutdown(conn);
        if (err)
            fail(conn, err);
        else if (conn->shutdown_requested)
            conn->cb->on_shutdown(conn);
        return;
    }
    /* Readiness: WRITABLE stays watched, so that an owner that refills the
     * queue from on_drain (a bulk sender) costs no interest change per
     * burst. */
    conn->write_armed = !conn->completion;
    /* A filter's handshake bytes drain before the owner's on_connect (a
     * completion send always ends later): the owner hears only of its own. */
    if (conn->state == SE_CONN_OPEN && conn->cb->on_drain)
        conn->cb->on_drain(conn);
}

/* ---- opening: connect or adopt, then the filters ---- */

static void chain_open(se_conn *conn)
{
    conn->state = SE_CONN_OPEN;
    int err = update_io(conn);
    if (err) {
        fail(conn, err);
        return;
    }
    if (conn->cb->on_connect)
        conn->cb->on_connect(conn, 0);
    if (conn->state == SE_CONN_OPEN && (held_len(conn) || conn->eof_held) && conn->reading) {
        err = schedule(conn, PENDING_HELD);
        if (err)
            fail(conn, err);
    }
}

/* Opens the bottom filter; each one ready opens the next. */
static int open_filters(se_conn *conn)
{
    conn->filters_opened = 1;
    int err = update_io(conn);
    if (err)
        return err;
    se_filter *f = conn->bufs->bottom;
    if (!f->ops->open) {
        se_filter_ready(f);
        return 0;
    }
    return f->ops->open(f);
}

void se_filter_ready(se_filter *f)
{
    se_conn *conn = f->conn;
    if (conn->state != SE_CONN_OPENING)
        return;
    se_filter *next = f->above;
    if (!next) {
        chain_open(conn);
        return;
    }
    int err = next->ops->open ? next->ops->open(next) : (se_filter_ready(next), 0);
    if (err)
        fail(conn, err);
}

/* Closes the socket; the conn is about to be CLOSED, and the socket's
 * space is then free. */
static void release_socket(se_conn *conn, int abortive)
{
    se_socket sock = se_conn_socket(conn);
    transport(conn)->release(conn);
    if (sock != SE_INVALID_SOCKET) {
        if (abortive)
            se_socket_abort(sock);
        else if (!conn->completion || se_op_close(conn->loop, sock) != 0)
            se_socket_close(sock);
    }
}

static se_connecting *connecting_of(const se_conn *conn)
{
    return conn->bufs ? conn->bufs->connecting : NULL;
}

/* The connecting state, allocated the first time it is needed. */
static se_connecting *connecting_new(se_conn *conn)
{
    se_conn_bufs *b = bufs_of(conn);
    if (b && !b->connecting)
        b->connecting = calloc(1, sizeof *b->connecting);
    return b ? b->connecting : NULL;
}

/* Frees the buffers when nothing in them is in use (a conn that has
 * connected and passes bytes straight through). */
static void trim_bufs(se_conn *conn)
{
    se_conn_bufs *b = conn->bufs;
    if (b && !b->queue && !b->held && !b->flight && !b->read_limit && !b->bottom &&
        !b->connecting && !b->bytes_in_high && !b->bytes_out_high && !conn->notify_pending) {
        free(b);
        conn->bufs = NULL;
    }
}

static void end_connecting(se_conn *conn)
{
    se_connecting *c = connecting_of(conn);
    if (!c)
        return;
    if (c->race)
        se_race_free(c->race);
    free(c);
    conn->bufs->connecting = NULL;
    trim_bufs(conn);
}

static void connected(se_conn *conn)
{
    se_conn_touch(conn);
    choose_transport(conn);
    if (!bottom_filter(conn)) {
        chain_open(conn);
        return;
    }
    conn->state = SE_CONN_OPENING;
    int err = open_filters(conn);
    if (err)
        fail(conn, err);
}

/* ---- the race's callbacks (conn/race.h) ---- */

static int open_unix_attempt(void *arg, const struct sockaddr *addr, se_socklen len, se_socket *out)
{
    (void)addr;
    (void)len;
    se_conn *conn = arg;
    return se_unix_connect(conn->bufs->connecting->unix_path, out);
}

/* A socket for ADDR, ready for the race to connect it through the loop. */
static int prepare_attempt(void *arg, const struct sockaddr *addr, se_socklen len, se_socket *out)
{
    (void)len;
    se_conn *conn = arg;
    se_connecting *c = conn->bufs->connecting;
    se_socket sock;
    int err = se_socket_open(addr->sa_family, &sock);
    if (err)
        return err;
    if (c->setup)
        err = c->setup(sock, addr->sa_family, c->setup_arg);
    if (!err && c->source && c->source->sa_family == addr->sa_family)
        err = se_socket_bind_source(sock, c->source);
    if (err) {
        se_socket_close(sock);
        return err;
    }
    *out = sock;
    return 0;
}

static void attempt_started(void *arg, const struct sockaddr *addr)
{
    se_conn *conn = arg;
    set_peer(conn, addr, se_addr_len(addr));
    if (conn->cb->on_attempt_start)
        conn->cb->on_attempt_start(conn, addr);
}

static void attempt_ended(void *arg, const struct sockaddr *addr, int status, uint64_t ns)
{
    se_conn *conn = arg;
    if (conn->cb->on_attempt)
        conn->cb->on_attempt(conn, addr, status, ns);
}

static void race_done(void *arg, int status, se_socket sock, const struct sockaddr *addr,
                      se_socklen len)
{
    se_conn *conn = arg;
    if (!status) {
        set_peer(conn, addr, (size_t)len); /* ADDR may live in the connecting state */
        se_io_init(&conn->io, sock, on_io, conn);
    }
    end_connecting(conn);
    if (status) {
        conn->state = SE_CONN_FAILED;
        conn->cb->on_connect(conn, status);
        return;
    }
    connected(conn);
}

int se_conn_connect(se_conn *conn, const struct addrinfo *list, uint64_t timeout_ms)
{
    if (conn->state != SE_CONN_IDLE)
        return SE_EINVAL;
    if (!list)
        return SE_EAI_NONAME;
    se_connecting *c = connecting_new(conn);
    if (!c)
        return SE_ENOMEM;
    se_race_config cfg = {
        .attempt_delay_ms = c->attempt_delay_ms,
        .timeout_ms = timeout_ms,
        .open = open_unix_attempt,
        .on_start = attempt_started,
        .on_end = attempt_ended,
        .on_done = race_done,
        .arg = conn,
        .prepare = c->unix_path ? NULL : prepare_attempt,
    };
    int err = se_race_start(conn->loop, list, &cfg, &c->race);
    if (err)
        return err;
    conn->state = SE_CONN_CONNECTING;
    return 0;
}

int se_conn_connect_unix(se_conn *conn, const char *path, uint64_t timeout_ms)
{
    if (conn->state != SE_CONN_IDLE)
        return SE_EINVAL;
    se_connecting *c = connecting_new(conn);
    if (!c)
        return SE_ENOMEM;
    se_socklen len;
    int err = se_unix_address(path, &c->unix_addr, &len);
    if (err)
        return err;
    c->unix_path = path;
    c->unix_ai.ai_family = AF_UNIX;
    c->unix_ai.ai_socktype = SOCK_STREAM;
    c->unix_ai.ai_addr = (struct sockaddr *)&c->unix_addr;
    c->unix_ai.ai_addrlen = len;
    return se_conn_connect(conn, &c->unix_ai, timeout_ms);
}

int se_conn_set_attempt_delay(se_conn *conn, uint64_t delay_ms)
{
    if (conn->state != SE_CONN_IDLE)
        return SE_EINVAL;
    se_connecting *c = connecting_new(conn);
    if (!c)
        return SE_ENOMEM;
    c->attempt_delay_ms = delay_ms;
    return 0;
}

int se_conn_set_source(se_conn *conn, const struct sockaddr *source)
{
    if (conn->state != SE_CONN_IDLE)
        return SE_EINVAL;
    se_connecting *c = connecting_new(conn);
    if (!c)
        return SE_ENOMEM;
    c->source = source;
    return 0;
}

int se_conn_set_socket_setup(se_conn *conn, int (*setup)(se_socket sock, int family, void *arg),
                             void *arg)
{
    if (conn->state != SE_CONN_IDLE)
        return SE_EINVAL;
    se_connecting *c = connecting_new(conn);
    if (!c)
        return SE_ENOMEM;
    c->setup = setup;
    c->setup_arg = arg;
    return 0;
}

void se_conn_adopt(se_conn *conn, se_socket sock, const struct sockaddr_storage *peer)
{
    se_io_init(&conn->io, sock, on_io, conn);
    if (peer)
        se_conn_set_peer(conn, (const struct sockaddr *)peer);
    se_conn_touch(conn);
    choose_transport(conn);
    if (!bottom_filter(conn)) {
        conn->state = SE_CONN_OPEN;
        return;
    }
    conn->state = SE_CONN_OPENING;
    (void)schedule(conn, PENDING_OPEN); /* filters: the buffers exist */
}

/* ---- events ---- */

static void on_io(se_loop *loop, se_io *io, int events)
{
    (void)loop;
    se_conn *conn = se_io_data(io);
    if (events & SE_READABLE)
        handle_readable(conn, events);
    if ((events & SE_WRITABLE) && se_conn_is_open(conn))
        handle_writable(conn);
}

/* ---- closing ---- */

static void close_conn(se_conn *conn, int abortive)
{
    if (conn->state == SE_CONN_CLOSED)
        return;
    end_connecting(conn);
    release_socket(conn, abortive);
    release_queue(conn, 0);
    conn->reading = 0;
    conn->state = SE_CONN_CLOSED;
    (void)schedule(conn, PENDING_CLOSE); /* in the socket's space: cannot fail */
}

void se_conn_close(se_conn *conn)
{
    close_conn(conn, 0);
}

void se_conn_abort(se_conn *conn)
{
    close_conn(conn, 1);
}

void se_conn_discard(se_conn *conn)
{
    free_conn(conn);
}

static void free_conn(se_conn *conn)
{
    se_filter *next;
    for (se_filter *f = bottom_filter(conn); f; f = next) {
        next = f->above;
        if (f->ops->destroy)
            f->ops->destroy(f->ctx);
        free(f);
    }
    end_connecting(conn);
    if (conn->bufs) {
        free(conn->bufs->held);
        free(conn->bufs->queue);
        free(conn->bufs->flight);
        free(conn->bufs);
    }
    free(conn->has_peer ? (char *)conn - PEER_SPACE : (char *)conn);
}
