/* The completion transport (loop/completion.h): the kernel receives into
 * the loop's provided buffers and sends from the connection's queue, and
 * the loop reports each result; no readiness, no system call per read or
 * write. Used on loops that offer it (io_uring).
 *
 * One receive stays armed while the socket should be read, cancelled when
 * it should not; results already under way then go to the held input, as
 * any input the owner is not reading. Each receive takes at most
 * SE_CONN_READ_MAX bytes (the read limit, if set, instead) and is then
 * armed again, so what arrives after the owner stops reading and before
 * the cancel lands is bounded as with readiness reads (--max-buffer holds).
 *
 * One send is in flight at a time, from the queue's buffer, which becomes
 * the buffer in flight (it never moves until its result) while the writes
 * that follow fill the other one; the two trade places while output flows,
 * so a busy connection allocates nothing per send.
 *
 * Bytes written from the receive buffer they arrived in (the echo writes
 * what on_read is given, when no filter transformed it) are not copied:
 * the buffer is kept (se_op_keep) and sent from, several per sendmsg,
 * and goes back to the loop once its bytes are sent. A write is copied when
 * anything copied still waits, so output stays in order. */
#include "conn_internal.h"

#include <stdlib.h>

static void on_recv(se_loop *loop, void *data, long result, const char *buf);
static void on_sent(se_loop *loop, void *data, long result, const char *buf);

static int completion_update(se_conn *conn)
{
    int want = se_conn_socket_reading(conn);
    if (want && !se_op_active(&conn->recv_op)) {
        size_t limit = se_conn_read_limit(conn) ? se_conn_read_limit(conn) : SE_CONN_READ_MAX;
        return se_op_recv(conn->loop, &conn->recv_op, conn->sock, limit, on_recv, conn);
    }
    if (!want)
        se_op_cancel(conn->loop, &conn->recv_op);
    return 0;
}

static void on_recv(se_loop *loop, void *data, long result, const char *buf)
{
    (void)loop;
    se_conn *conn = data;
    if (result > 0) {
        se_conn_touch(conn);
        size_t len = (size_t)result;
        size_t step = se_conn_read_limit(conn) ? se_conn_read_limit(conn) : len;
        /* Stops early only when the conn ended (closed or failed). */
        while (len > 0 && se_conn_is_open(conn)) {
            size_t n = len < step ? len : step;
            int err = se_conn_socket_input(conn, buf, n);
            if (err) {
                se_conn_fail(conn, err);
                return;
            }
            buf += n;
            len -= n;
        }
    } else if (result == 0) {
        se_conn_socket_eof(conn);
        return;
    } else if (result != SE_EAGAIN) {
        se_conn_fail(conn, (int)result);
        return;
    }
    /* A receive that ended (cancelled, out of buffers, one-shot) starts
     * again if the socket should still be read. */
    if (se_conn_is_open(conn) && !se_op_active(&conn->recv_op)) {
        int err = completion_update(conn);
        if (err)
            se_conn_fail(conn, err);
    }
}

/* Output sent from the receive buffers it arrived in (an echo): a ring of
 * spans, each one keep (se_op_keep); [head, head + flight) is in flight,
 * the rest waits. It comes after the buffer in flight and before the
 * queue: a span is taken only while the queue is empty. */
#define KEPT_SPANS 32
/* Shorter writes are copied: for a few bytes a copy and a plain send cost
 * less than keeping a buffer and a sendmsg. */
#define KEPT_MIN 2048

struct se_conn_kept {
    se_op_span span[KEPT_SPANS];
    uint8_t head, len, flight;
};

static int send_next(se_conn *conn);

static int send_flight(se_conn *conn)
{
    se_conn_bufs *b = conn->bufs;
    return se_op_send(conn->loop, &conn->send_op, conn->sock, b->flight + b->flight_head,
                      b->flight_len - b->flight_head, on_sent, conn);
}

/* Sends what is queued: the queue's buffer goes in flight, the spare
 * becomes the queue. */
static int send_queued(se_conn *conn)
{
    se_conn_bufs *b = conn->bufs;
    char *spare = b->flight;
    uint32_t spare_cap = b->flight_cap;
    b->flight = b->queue;
    b->flight_cap = b->cap;
    b->flight_head = b->head;
    b->flight_len = b->tail;
    b->queue = spare;
    b->cap = spare_cap;
    b->head = b->tail = 0;
    return send_flight(conn);
}

/* Takes DATA without copying it when it lies in a receive buffer the loop
 * lets this conn keep and nothing copied waits before it; nonzero: copy
 * it (the caller's own memory, a filter's output, a backend that keeps no
 * buffer, or the loop's pool mostly kept already by slow readers). */
static int kept_take(se_conn *conn, se_conn_bufs *b, const char *data, size_t len)
{
    se_conn_kept *k = b->kept;
    if (len < KEPT_MIN || b->tail != b->head || (k && k->len == KEPT_SPANS) || len > UINT32_MAX)
        return 1;
    if (se_op_keep(conn->loop, data, len) != 0)
        return 1;
    if (!k) {
        k = calloc(1, sizeof *k);
        if (!k) {
            se_op_give_back(conn->loop, data);
            return 1;
        }
        b->kept = k;
    }
    se_op_span *sp = &k->span[(k->head + k->len++) % KEPT_SPANS];
    sp->base = data;
    sp->len = len;
    b->kept_len += (uint32_t)len;
    return 0;
}

static void on_sent_kept(se_loop *loop, void *data, long result, const char *buf)
{
    (void)buf;
    se_conn *conn = data;
    se_conn_bufs *b = conn->bufs;
    se_conn_kept *k = b->kept;
    if (result == SE_EAGAIN)
        result = 0; /* nothing sent: again */
    if (result < 0) {
        k->flight = 0; /* their keeps end with the release */
        se_conn_fail(conn, (int)result);
        return;
    }
    conn->bytes_out += (uint64_t)result;
    if (result > 0)
        se_conn_touch(conn);
    /* Spans sent go back to the loop; the rest of one sent in part, and
     * those after it, wait for the next send. */
    size_t left = (size_t)result;
    for (; k->flight > 0; k->flight--) {
        se_op_span *sp = &k->span[k->head];
        if (left < sp->len) {
            sp->base += left;
            sp->len -= left;
            b->kept_len -= (uint32_t)left;
            k->flight = 0;
            break;
        }
        left -= sp->len;
        b->kept_len -= (uint32_t)sp->len;
        se_op_give_back(loop, sp->base);
        k->head = (uint8_t)((k->head + 1) % KEPT_SPANS);
        k->len--;
    }
    int err = send_next(conn);
    if (err)
        se_conn_fail(conn, err);
}

static int send_kept(se_conn *conn)
{
    se_conn_kept *k = conn->bufs->kept;
    se_op_span spans[SE_OP_SPANS_MAX];
    int n = k->len < SE_OP_SPANS_MAX ? k->len : SE_OP_SPANS_MAX;
    for (int i = 0; i < n; i++)
        spans[i] = k->span[(k->head + i) % KEPT_SPANS];
    int err = se_op_send_kept(conn->loop, &conn->send_op, se_io_socket(&conn->io), spans, n,
                              on_sent_kept, conn);
    if (!err)
        k->flight = (uint8_t)n;
    return err;
}

/* Nothing waits: one buffer stays as the queue (se_conn_drained frees it
 * when it is larger than SE_QUEUE_KEEP). */
static void drained(se_conn *conn)
{
    se_conn_bufs *b = conn->bufs;
    if (b->flight) {
        if (!b->queue) {
            b->queue = b->flight;
            b->cap = b->flight_cap;
        } else {
            free(b->flight);
        }
        b->flight = NULL;
        b->flight_head = b->flight_len = b->flight_cap = 0;
    }
    free(b->kept);
    b->kept = NULL;
    se_conn_drained(conn);
}

/* With no send in flight: the next one, kept output before the queue. */
static int send_next(se_conn *conn)
{
    se_conn_bufs *b = conn->bufs;
    if (b->kept && b->kept->len)
        return send_kept(conn);
    if (b->tail > b->head)
        return send_queued(conn);
    drained(conn);
    return 0;
}

static void on_sent(se_loop *loop, void *data, long result, const char *buf)
{
    (void)loop;
    (void)buf;
    se_conn *conn = data;
    se_conn_bufs *b = conn->bufs;
    if (result == SE_EAGAIN)
        result = 0; /* a send the kernel gave up waiting on: again */
    if (result < 0) {
        se_conn_fail(conn, (int)result);
        return;
    }
    (void)se_conn_count_out(conn, (size_t)result); /* the buffers exist: cannot fail */
    b->flight_head += (uint32_t)result;
    if (result > 0)
        se_conn_touch(conn);
    int err;
    if (b->flight_head < b->flight_len) {
        err = send_flight(conn);
    } else {
        /* Sent: the buffer becomes the spare. */
        b->flight_head = b->flight_len = 0;
        err = send_next(conn);
    }
    if (err)
        se_conn_fail(conn, err);
}

static int completion_send(se_conn *conn, const char *data, size_t len)
{
    se_conn_bufs *b = se_conn_bufs_get(conn);
    if (!b)
        return SE_ENOMEM;
    if (kept_take(conn, b, data, len) != 0) {
        int err = se_conn_enqueue(conn, data, len);
        if (err)
            return err;
    }
    if (se_op_active(&conn->send_op))
        return 0;
    /* Handed to the kernel in this round, behind no stalled send: bytes
     * move now, as when a readiness send() takes them at once. */
    se_conn_touch(conn);
    return send_next(conn);
}

static void completion_release(se_conn *conn)
{
    se_op_detach(conn->loop, &conn->recv_op, NULL);
    se_conn_bufs *b = conn->bufs;
    if (se_op_active(&conn->send_op)) {
        /* The kernel may still read the buffer in flight: the loop frees
         * it once the send is over (and ends the keeps of the kept spans
         * in flight). */
        se_op_detach(conn->loop, &conn->send_op, b->flight);
        b->flight = NULL;
        b->flight_head = b->flight_len = b->flight_cap = 0;
    }
    if (b && b->kept) {
        se_conn_kept *k = b->kept;
        for (int i = k->flight; i < k->len; i++)
            se_op_give_back(conn->loop, k->span[(k->head + i) % KEPT_SPANS].base);
        free(k);
        b->kept = NULL;
        b->kept_len = 0;
    }
}

const se_transport se_transport_completion = {
    completion_update,
    completion_send,
    completion_release,
};
