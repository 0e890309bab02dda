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
 * so a busy connection allocates nothing per send. */
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

static int send_flight(se_conn *conn)
{
    se_conn_bufs *b = conn->bufs;
    return se_op_send(conn->loop, &conn->send_op, conn->sock, b->flight + b->flight_head,
                      b->flight_len - b->flight_head, on_sent, conn);
}

/* Sends what is queued unless a send is in flight: the queue's buffer goes
 * in flight, the spare becomes the queue. */
static int send_queued(se_conn *conn)
{
    se_conn_bufs *b = conn->bufs;
    if (se_op_active(&conn->send_op) || !b || b->tail == b->head)
        return 0;
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

static void on_sent(se_loop *loop, void *data, long result, const char *buf)
{
    (void)loop;
    (void)buf;
    se_conn *conn = data;
    se_conn_bufs *b = conn->bufs;
    if (result < 0) {
        se_conn_fail(conn, (int)result);
        return;
    }
    (void)se_conn_count_out(conn, (size_t)result); /* the buffers exist: cannot fail */
    b->flight_head += (uint32_t)result;
    if (result > 0)
        se_conn_touch(conn);
    int err = 0;
    if (b->flight_head < b->flight_len) {
        err = send_flight(conn);
    } else if (b->tail > b->head) {
        /* Sent, and more queued: the two buffers trade places. */
        b->flight_head = b->flight_len = 0;
        err = send_queued(conn);
    } else {
        /* Drained: one buffer stays as the queue (se_conn_drained frees it
         * when it is larger than SE_QUEUE_KEEP). */
        if (!b->queue) {
            b->queue = b->flight;
            b->cap = b->flight_cap;
        } else {
            free(b->flight);
        }
        b->flight = NULL;
        b->flight_head = b->flight_len = b->flight_cap = 0;
        se_conn_drained(conn);
        return;
    }
    if (err)
        se_conn_fail(conn, err);
}

static int completion_send(se_conn *conn, const char *data, size_t len)
{
    int err = se_conn_enqueue(conn, data, len);
    if (err || se_op_active(&conn->send_op))
        return err;
    /* Handed to the kernel in this round, behind no stalled send: bytes
     * move now, as when a readiness send() takes them at once. */
    se_conn_touch(conn);
    return send_queued(conn);
}

static void completion_release(se_conn *conn)
{
    se_op_detach(conn->loop, &conn->recv_op, NULL);
    if (se_op_active(&conn->send_op)) {
        /* The kernel may still read the buffer in flight: the loop frees
         * it once the send is over. */
        se_conn_bufs *b = conn->bufs;
        se_op_detach(conn->loop, &conn->send_op, b->flight);
        b->flight = NULL;
        b->flight_head = b->flight_len = b->flight_cap = 0;
    }
}

const se_transport se_transport_completion = {
    completion_update,
    completion_send,
    completion_release,
};
