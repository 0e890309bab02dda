/* Completion I/O on IOCP (loop/completion.h).
 *
 * A receive parks a zero-byte WSARecv, as libuv does: it completes when
 * data or the peer's FIN arrives and holds no buffer meanwhile, so an idle
 * connection costs one small request and no receive memory. Then the data
 * is read with non-blocking recv() calls into the loop's one buffer and
 * handed to the callback, and the zero-byte read is parked again.
 * A send is offered to send() first, and what the kernel does not take at
 * once goes by an overlapped WSASend from the caller's memory. Each
 * operation binds its socket to the loop's port the
 * first time it sees it (op->sock_ remembers which). */
#include "iocp.h"

/* Reads per completion before the zero-byte read is parked again, so that
 * one fast sender cannot hold the loop. */
#define READS_PER_COMPLETION 4

static iocp_req *op_req(se_loop *loop, const se_op *op)
{
    iocp_state *st = loop->backend_state;
    return st->table[op->slot_ - 1];
}

static int op_start(se_loop *loop, se_op *op, int kind, se_socket sock, se_op_cb cb, void *data,
                    iocp_req **out)
{
    iocp_state *st = loop->backend_state;
    if (op->sock_ != sock) {
        (void)iocp_associate(st, sock);
        op->sock_ = sock;
    }
    iocp_req *r;
    int err = iocp_req_new(st, kind, sock, &r);
    if (err)
        return err;
    r->op = op;
    r->cb = cb;
    r->data = data;
    op->slot_ = r->index + 1;
    loop->watched++;
    *out = r;
    return 0;
}

/* Undoes op_start after the first post failed: nothing follows. */
static int op_abandon(se_loop *loop, iocp_req *r, int err)
{
    r->op->slot_ = 0;
    loop->watched--;
    iocp_req_free(loop->backend_state, r);
    return err;
}

/* Ends R's operation and reports RESULT: the last result. */
static void op_end(se_loop *loop, iocp_req *r, long result, const char *buf)
{
    se_op_cb cb = r->cb;
    void *data = r->data;
    r->op->slot_ = 0;
    loop->watched--;
    iocp_req_free(loop->backend_state, r);
    cb(loop, data, result, buf);
}

static int wsa_error(void)
{
    return se_translate_sys_error(WSAGetLastError());
}

static int post_zero_read(iocp_req *r)
{
    memset(&r->ov, 0, sizeof r->ov);
    WSABUF b = {0, NULL};
    DWORD flags = 0;
    if (WSARecv(r->sock, &b, 1, NULL, &flags, &r->ov, NULL) != 0 &&
        WSAGetLastError() != WSA_IO_PENDING)
        return wsa_error();
    r->pending = 1;
    return 0;
}

int iocp_recv(se_loop *loop, se_op *op, se_socket sock, size_t limit, se_op_cb cb, void *data)
{
    iocp_req *r;
    int err = op_start(loop, op, REQ_RECV, sock, cb, data, &r);
    if (err)
        return err;
    r->limit = limit;
    err = post_zero_read(r);
    return err ? op_abandon(loop, r, err) : 0;
}

int iocp_send(se_loop *loop, se_op *op, se_socket sock, const void *buf, size_t len, se_op_cb cb,
              void *data)
{
    iocp_req *r;
    int err = op_start(loop, op, REQ_SEND, sock, cb, data, &r);
    if (err)
        return err;
    /* Offered to the kernel at once, as the readiness transport does: what
     * it takes is reported in the next dispatch, without the port. */
    int n = send(sock, buf, (int)(len > 0x7fffffff ? 0x7fffffff : len), 0);
    if (n > 0) {
        iocp_state *st = loop->backend_state;
        r->got = (size_t)n;
        r->busy = 1;
        if (st->local_tail)
            st->local_tail->next = r;
        else
            st->local = r;
        st->local_tail = r;
        return 0;
    }
    if (n < 0 && WSAGetLastError() != WSAEWOULDBLOCK)
        return op_abandon(loop, r, wsa_error());
    WSABUF b = {(ULONG)(len > 0x7fffffff ? 0x7fffffff : len), (char *)buf};
    if (WSASend(sock, &b, 1, NULL, 0, &r->ov, NULL) != 0 && WSAGetLastError() != WSA_IO_PENDING)
        return op_abandon(loop, r, wsa_error());
    r->pending = 1;
    return 0;
}

void iocp_cancel(se_loop *loop, se_op *op)
{
    iocp_req *r = op_req(loop, op);
    if (r->cancelled)
        return;
    r->cancelled = 1;
    if (r->pending)
        CancelIoEx((HANDLE)r->sock, &r->ov);
}

void iocp_detach(se_loop *loop, se_op *op, void *orphan)
{
    iocp_req *r = op_req(loop, op);
    r->detached = 1;
    r->op = NULL;
    r->orphan = orphan;
    op->slot_ = 0;
    op->sock_ = SE_INVALID_SOCKET; /* the socket is closed next */
    loop->watched--;
    if (r->pending)
        CancelIoEx((HANDLE)r->sock, &r->ov);
    else if (!r->busy)
        iocp_req_free(loop->backend_state, r);
}

/* The zero-byte read completed: read what came, while the owner wants it. */
static void recv_ready(se_loop *loop, iocp_req *r)
{
    iocp_state *st = loop->backend_state;
    r->busy = 1;
    for (int k = 0; k < READS_PER_COMPLETION; k++) {
        size_t want = IOCP_RECV_BUF;
        if (r->limit && r->limit - r->got < want)
            want = r->limit - r->got;
        int n = recv(r->sock, st->buf, (int)want, 0);
        if (n < 0 && WSAGetLastError() == WSAEWOULDBLOCK)
            break;
        if (n <= 0 || (r->limit && r->got + (size_t)n >= r->limit)) {
            /* The FIN, an error, or the limit: the receive ends. */
            r->busy = 0;
            if (r->detached) {
                iocp_req_free(st, r);
                return;
            }
            op_end(loop, r, n < 0 ? wsa_error() : n, n > 0 ? st->buf : NULL);
            return;
        }
        r->got += (size_t)n;
        r->cb(loop, r->data, n, st->buf);
        if (r->detached || r->cancelled || (size_t)n < want)
            break;
    }
    r->busy = 0;
    if (r->detached) {
        iocp_req_free(st, r);
        return;
    }
    if (r->cancelled) {
        op_end(loop, r, SE_EAGAIN, NULL);
        return;
    }
    int err = post_zero_read(r);
    if (err)
        op_end(loop, r, err, NULL);
}

void iocp_local_done(se_loop *loop)
{
    iocp_state *st = loop->backend_state;
    iocp_req *r = st->local;
    st->local = st->local_tail = NULL; /* sends made by the callbacks: next round */
    while (r) {
        iocp_req *next = r->next;
        r->busy = 0;
        if (r->detached)
            iocp_req_free(st, r);
        else
            op_end(loop, r, (long)r->got, NULL);
        r = next;
    }
}

void iocp_op_done(se_loop *loop, iocp_req *r, DWORD bytes)
{
    if (r->detached) {
        iocp_req_free(loop->backend_state, r);
        return;
    }
    int status = iocp_status(r);
    switch (r->kind) {
    case REQ_RECV:
        if (status || r->cancelled)
            op_end(loop, r, status && status != IOCP_CANCELLED ? status : SE_EAGAIN, NULL);
        else
            recv_ready(loop, r);
        break;
    default: /* REQ_SEND */
        op_end(loop, r, status == IOCP_CANCELLED ? SE_EAGAIN : status ? status : (long)bytes, NULL);
        break;
    }
}
