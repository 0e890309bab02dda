/* The IOCP backend's private state, shared by its three files:
 * backend_iocp.c (the port, the round, watchers, accepting and wake-ups),
 * iocp_ops.c (completion I/O: receives and sends) and iocp_connect.c
 * (connects with ConnectEx).
 *
 * Every overlapped request is a req whose OVERLAPPED comes first, so a
 * completion entry leads back to it. Requests live in a table; se_op and
 * se_io keep 1 + their index in slot_. A request is freed only when the
 * kernel is done with it (its completion was seen) and no callback of it is
 * running (busy). */
#ifndef SOCKECHO_LOOP_IOCP_H
#define SOCKECHO_LOOP_IOCP_H

#include "../backend.h"

#include <mswsock.h>

/* Each loop's receive buffer: a receive reads into it after its zero-byte
 * read completes, and the callback consumes it at once. */
#define IOCP_RECV_BUF (64 * 1024)

/* A request's status when it was cancelled (errors are negative). */
#define IOCP_CANCELLED 1

enum { REQ_WATCH, REQ_ACCEPT, REQ_RECV, REQ_SEND, REQ_CONNECT };

typedef struct iocp_listener iocp_listener;

typedef struct iocp_req {
    OVERLAPPED ov;          /* first: a completion's lpOverlapped is the req */
    HANDLE port;            /* the owning loop's port (completions that reach another
                               port, on a listener shared between loops, go back) */
    volatile LONG orphaned; /* its loop is gone: whoever sees it frees it */
    uint8_t kind;
    uint8_t pending;   /* posted; its completion is not yet seen */
    uint8_t busy;      /* its callback runs: freed afterwards, not during */
    uint8_t detached;  /* nobody to report to any more */
    uint8_t cancelled; /* asked to end */
    uint8_t polled;    /* REQ_WATCH the port cannot serve: WSAPoll each round */
    uint32_t index;    /* in the table; UINT32_MAX for accept requests */
    se_socket sock;
    struct iocp_req *next, *prev; /* the watchers, or the local sends */
    se_io *io;                    /* REQ_WATCH, REQ_CONNECT */
    iocp_listener *lst;           /* REQ_WATCH on a listener, REQ_ACCEPT */
    se_op *op;                    /* operations */
    se_op_cb cb;
    void *data;
    void *orphan;       /* memory the kernel may still read, freed with the req */
    size_t limit, got;  /* REQ_RECV; REQ_SEND done at once: got is the result */
    se_socket accepted; /* REQ_ACCEPT: the socket AcceptEx fills */
    int status;         /* REQ_CONNECT, once done: 0 or an SE_E* error */
} iocp_req;

typedef struct iocp_state {
    HANDLE port;
    LPFN_ACCEPTEX acceptex;
    LPFN_CONNECTEX connectex; /* NULL: connects use connect() and WSAPoll */
    iocp_req **table;
    uint32_t table_len, table_cap;
    uint32_t *free_idx;
    uint32_t free_len;
    iocp_req *watchers; /* every REQ_WATCH still attached to a watcher */
    iocp_listener *listeners;
    iocp_req *local, *local_tail; /* sends done without the port (busy) */
    OVERLAPPED_ENTRY *done;       /* the last wait's completions */
    ULONG done_len;
    se_io **ready; /* found ready without the port (WSAPoll, queued
                      accepts), dispatched before the completions */
    int *ready_events;
    size_t ready_len, ready_cap;
    char *buf; /* IOCP_RECV_BUF */
} iocp_state;

/* A request with a table index (watchers and operations), zeroed. */
int iocp_req_new(iocp_state *st, int kind, se_socket sock, iocp_req **out);

/* Frees R (and its orphan); R must not be pending. */
void iocp_req_free(iocp_state *st, iocp_req *r);

/* Associates SOCK with the loop's port; nonzero when it is associated
 * with another port already. */
int iocp_associate(iocp_state *st, se_socket sock);

/* R's completion status: 0, IOCP_CANCELLED, or an SE_E* error. */
int iocp_status(const iocp_req *r);

/* Handles the completion of operation R (iocp_ops.c). */
void iocp_op_done(se_loop *loop, iocp_req *r, DWORD bytes);

/* Reports the sends that completed without the port (iocp_ops.c). */
void iocp_local_done(se_loop *loop);

/* Completion I/O entry points (iocp_ops.c). */
int iocp_recv(se_loop *loop, se_op *op, se_socket sock, size_t limit, se_op_cb cb, void *data);
int iocp_send(se_loop *loop, se_op *op, se_socket sock, const void *buf, size_t len, se_op_cb cb,
              void *data);
void iocp_cancel(se_loop *loop, se_op *op);
void iocp_detach(se_loop *loop, se_op *op, void *orphan);

/* se_io_connect's backend part (iocp_connect.c): posts a ConnectEx for
 * IO's socket, bound to the family's any-address first if it is not bound.
 * SE_ENOSYS for a family ConnectEx does not serve. */
int iocp_connect(se_loop *loop, se_io *io, const struct sockaddr *addr, se_socklen len);

/* How IO's connect ended: 0, an SE_E* error, SE_EINPROGRESS while it is
 * pending; SO_ERROR for a watcher that is no ConnectEx request. */
int iocp_connected(se_loop *loop, se_io *io);

/* Handles the completion of connect request R: reports it to its watcher
 * as SE_WRITABLE (| SE_ERRORED). */
void iocp_connect_done(se_loop *loop, iocp_req *r);

/* IO stopped while R, its connect request, is held: the connect is
 * cancelled and R freed once the kernel is done with it. */
void iocp_connect_release(iocp_state *st, iocp_req *r);

#endif
