/* The loop's private structure and the interface each backend implements.
 *
 * A round: the loop hands the backend every watcher whose events changed
 * since the last round (flush), then waits (wait), refreshes its clock, and
 * lets the backend report what is ready (dispatch) through
 * se_loop_dispatch(). A backend must tolerate watchers being stopped or
 * started by those callbacks while it dispatches. */
#ifndef SOCKECHO_LOOP_BACKEND_H
#define SOCKECHO_LOOP_BACKEND_H

#include "loop/completion.h"

typedef struct se_backend se_backend;

struct se_backend {
    const char *name;
    int (*create)(se_loop *loop);
    void (*destroy)(se_loop *loop);
    /* Makes the backend watch io->events_ (0: forget IO). Sets
     * io->registered_ to what it now watches. */
    int (*update)(se_loop *loop, se_io *io);
    /* Waits up to TIMEOUT_MS (-1: forever) and keeps what is ready. */
    int (*wait)(se_loop *loop, int timeout_ms);
    /* Reports what the last wait found. */
    void (*dispatch)(se_loop *loop);
    /* Completion I/O (loop/completion.h); NULL for a readiness backend. */
    int (*recv)(se_loop *loop, se_op *op, se_socket sock, size_t limit, se_op_cb cb, void *data);
    int (*send)(se_loop *loop, se_op *op, se_socket sock, const void *buf, size_t len, se_op_cb cb,
                void *data);
    void (*cancel)(se_loop *loop, se_op *op);
    void (*detach)(se_loop *loop, se_op *op, void *orphan);
    int (*close)(se_loop *loop, se_socket sock);
    /* Optional: receive buffers kept to be sent from (NULL: none kept). */
    int (*keep)(se_loop *loop, const char *buf, size_t len);
    void (*give_back)(se_loop *loop, const char *buf);
    int (*send_kept)(se_loop *loop, se_op *op, se_socket sock, const se_op_span *spans, int n,
                     se_op_cb cb, void *data);
    /* Optional: takes a client of the listener IO watches, for a backend
     * that accepts ahead (NULL: accept()). */
    int (*accept)(se_loop *loop, se_io *io, se_socket *out, struct sockaddr_storage *peer);
    /* Optional: starts connecting IO's socket to ADDR (se_io_connect; the
     * loop has set IO's events to SE_WRITABLE). Returns SE_EINPROGRESS and
     * reports the end as IO's SE_WRITABLE (| SE_ERRORED), an error, or
     * SE_ENOSYS for an address it leaves to connect() and readiness.
     * Stopping IO cancels the request. */
    int (*connect)(se_loop *loop, se_io *io, const struct sockaddr *addr, se_socklen len);
    /* How IO's connect ended (se_io_connected); with connect. */
    int (*connected)(se_loop *loop, se_io *io);
    /* Optional: wakes the loop from any thread (se_async_send), and then
     * calls se_loop_woken() from dispatch. NULL: the loop's socket-pair
     * wake-up channel, which it watches for reading. */
    void (*wake)(se_loop *loop);
    /* Optional: how many clients the listener IO may accept ahead
     * (se_io_accept_ahead); NULL where the backend does not. */
    void (*accept_ahead)(se_loop *loop, se_io *io, unsigned n);
    /* Used instead when create() fails; create() then says why in the
     * loop's fallback_reason. */
    const se_backend *fallback;
};

extern const se_backend se_backend_poll;
#ifdef HAVE_EPOLL
extern const se_backend se_backend_epoll;
#endif
#ifdef HAVE_LIBURING
extern const se_backend se_backend_uring;
#endif
#ifdef HAVE_IOCP
extern const se_backend se_backend_iocp;
#endif

struct se_loop {
    const se_backend *backend;
    void *backend_state;
    void *data;
    uint64_t now_ms;
    uint64_t (*clock)(void *arg);
    void *clock_arg;
    size_t watched; /* watchers with events != 0, and operations in flight */
    se_io **dirty;  /* watchers to hand to the backend before the next wait */
    size_t dirty_len, dirty_cap;
    se_timer **heap;
    size_t heap_len, heap_cap;
    uint64_t timer_seq;
    se_deferred *deferred_head, *deferred_tail;
    se_async *asyncs;
    se_wakeup *wakeup; /* created with the first async handle */
    se_io wakeup_io;
    int stopping;
    char fallback_reason[160]; /* why the backend asked for is not running */
};

/* Runs the async handles sent since the last call; for a backend's wake. */
void se_loop_woken(se_loop *loop);

/* Calls IO's callback with the ready EVENTS masked by what IO still wants;
 * does nothing for a watcher stopped earlier in the same round. */
void se_loop_dispatch(se_loop *loop, se_io *io, int events);

#endif
