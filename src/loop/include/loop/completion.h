/* Completion I/O (io_uring's model): the kernel receives into buffers the
 * loop provides and sends from buffers the caller hands it, and the loop
 * reports each operation's result when it completes. Only loops whose
 * backend has it offer it (se_loop_completes); others are readiness-only.
 *
 * An operation (se_op) is embedded in its owner; its fields are the loop's.
 * At most one receive and one send per socket should be in flight: the
 * loop does not order operations on one socket against each other. */
#ifndef SOCKECHO_LOOP_COMPLETION_H
#define SOCKECHO_LOOP_COMPLETION_H

#include "loop/loop.h"

typedef struct se_op {
    uint32_t slot_;  /* 1 + the backend's slot; 0: nothing in flight */
    se_socket sock_; /* the socket it last used (a backend binds it once) */
} se_op;

/* An operation's result, on the loop's thread. For a receive: RESULT > 0
 * bytes in BUF (valid only during the call), 0 the peer's FIN (the receive
 * has ended), SE_EAGAIN: it ended without data (cancelled, or the loop's
 * buffers ran out; start it again if still wanted), another SE_E* error.
 * For a send: the bytes the kernel took (possibly fewer than asked), or an
 * error; BUF is NULL. se_op_active() tells whether more results follow. */
typedef void (*se_op_cb)(se_loop *loop, void *data, long result, const char *buf);

/* Nonzero when LOOP's backend offers completion I/O. */
int se_loop_completes(const se_loop *loop);

/* Nonzero while OP is in flight (more results will come). */
int se_op_active(const se_op *op);

/* Starts receiving on SOCK into the loop's buffers; results keep coming
 * until the FIN, an error, a cancel, or (LIMIT > 0) LIMIT bytes received:
 * start it again then for more. Returns 0 or an error (nothing follows). */
int se_op_recv(se_loop *loop, se_op *op, se_socket sock, size_t limit, se_op_cb cb, void *data);

/* Sends LEN bytes of BUF, which must stay unchanged until the result.
 * Returns 0 or an error (nothing follows). */
int se_op_send(se_loop *loop, se_op *op, se_socket sock, const void *buf, size_t len, se_op_cb cb,
               void *data);

/* Keeping receive buffers, to send received bytes without copying them
 * (an echo): where the backend can (io_uring), a receive's callback may
 * keep the buffer it is given, and the bytes are later sent from there. */

/* Spans of kept buffers one send takes at most. */
#define SE_OP_SPANS_MAX 16

typedef struct se_op_span {
    const char *base;
    size_t len;
} se_op_span;

/* Keeps the receive buffer holding [BUF, BUF + LEN) past the callback: BUF
 * points into the buffer a receive's callback is being given (during that
 * call), or into one kept already. Each keep ends with one se_op_give_back
 * or with the se_op_send_kept that sends the span. Returns 0; SE_ENOSYS
 * where the backend keeps no buffer; SE_EINVAL when the bytes are not in
 * such a buffer (the caller's own memory); SE_ENOBUFS when the loop keeps
 * enough already (its receives need the rest). Then copy the bytes. */
int se_op_keep(se_loop *loop, const char *buf, size_t len);

/* Ends one keep of the buffer holding BUF without sending from it. */
void se_op_give_back(se_loop *loop, const char *buf);

/* Sends N (1 to SE_OP_SPANS_MAX) spans, each one keep of a kept buffer, in
 * order: the result is the bytes the kernel took (possibly fewer), or an
 * error. The keeps stay the caller's to end after the result, unless OP is
 * detached meanwhile: then the send ends them when it ends. SPANS need not
 * outlive the call. Returns 0 or an error (nothing follows). */
int se_op_send_kept(se_loop *loop, se_op *op, se_socket sock, const se_op_span *spans, int n,
                    se_op_cb cb, void *data);

/* Closes SOCK through the loop: the request goes to the kernel with the
 * round's others (at the latest when the loop is freed), and its result is
 * not reported. Returns 0, or an error when it could not be queued (then
 * close directly). */
int se_op_close(se_loop *loop, se_socket sock);

/* Asks OP to end; results already under way are still reported, the last
 * with se_op_active() false. Harmless when OP is idle. */
void se_op_cancel(se_loop *loop, se_op *op);

/* Ends OP at once for its owner: no callback follows, and ORPHAN (may be
 * NULL), memory the kernel may still read, is freed once it is done. Call
 * before closing the socket or freeing OP. Harmless when OP is idle. */
void se_op_detach(se_loop *loop, se_op *op, void *orphan);

#endif
