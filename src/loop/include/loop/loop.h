/* Event loop (redis ae's shape, libuv's handle model): socket watchers,
 * one-shot timers, deferred callbacks and cross-thread wake-ups on one
 * thread.
 *
 * The loop itself is opaque. Watchers, timers, deferred callbacks and async
 * handles are embedded in the caller's structures (so that a connection
 * costs one allocation) and registered by pointer; their fields are the
 * loop's own: code above this layer uses the functions below and reads no
 * field (libuv's public/private split). The loop never indexes anything by
 * socket value.
 *
 * One round: wait for readiness (up to the next timer), refresh the clock,
 * dispatch readiness, run due timers, run deferred callbacks. Every callback
 * of a round sees the time read after the wait, never a time from before it.
 * A callback may stop or start any watcher or timer and may schedule the
 * release of memory with se_loop_defer(): deferred callbacks run after the
 * round's readiness and timer callbacks, so a watcher freed that way is never
 * touched again while the round that saw it is still running. */
#ifndef SOCKECHO_LOOP_H
#define SOCKECHO_LOOP_H

#include "platform/platform.h"

#include <stdatomic.h>

enum {
    SE_READABLE = 1,
    SE_WRITABLE = 2,
    /* Reported, never requested: the backend saw a hangup (POLLHUP,
     * EPOLLHUP) or an error (POLLERR, EPOLLERR). Either is delivered together
     * with every event the watcher wants, so that it goes and reads or writes
     * to learn what happened. */
    SE_HANGUP = 4,
    SE_ERRORED = 8
};

typedef struct se_loop se_loop;
typedef struct se_io se_io;
typedef struct se_timer se_timer;
typedef struct se_deferred se_deferred;
typedef struct se_async se_async;

typedef void (*se_io_cb)(se_loop *loop, se_io *io, int events);
typedef void (*se_timer_cb)(se_loop *loop, se_timer *timer);
typedef void (*se_deferred_cb)(se_loop *loop, se_deferred *deferred);
typedef void (*se_async_cb)(se_loop *loop, se_async *async);

/* ---- embeddable handles: every field is private to the loop ---- */

struct se_io {
    se_io_cb cb_;
    void *data_;
    uint32_t slot_; /* the backend's own bookkeeping (poll: array index) */
    se_socket sock_;
    uint32_t dirty_;     /* 1 + its place in the loop's list of changes; 0: none */
    uint8_t events_;     /* SE_READABLE | SE_WRITABLE wanted now; 0 = stopped */
    uint8_t registered_; /* events the backend watches (flushed lazily) */
};

struct se_timer {
    uint64_t due_ms_;
    uint64_t seq_;      /* start order: breaks ties, and keeps a timer re-armed
                           from its own callback for the next round */
    size_t heap_index_; /* position in the loop's heap; SIZE_MAX if idle */
    se_timer_cb cb_;
    void *data_;
};

struct se_deferred {
    se_deferred *next_;
    se_deferred_cb cb_;
    void *data_;
};

struct se_async {
    se_async *next_;
    se_loop *loop_; /* woken by se_async_send */
    se_async_cb cb_;
    void *data_;
    atomic_int pending_; /* set by se_async_send from any thread */
};

/* ---- the loop ---- */

/* Creates a loop with the backend called NAME (SOCKECHO_BACKENDS lists the
 * names compiled in), or the default when NAME is NULL. A backend that
 * this system cannot run (io_uring disabled or too old, IOCP unavailable) is
 * replaced by its fallback (epoll; poll for IOCP): se_loop_fallback() says
 * why. Returns 0 with *OUT set, SE_EINVAL for an unknown name, or a system
 * error. */
int se_loop_new(se_loop **out, const char *name);

/* Why LOOP does not run the backend it was asked for (one line, no final
 * period), or NULL when it does. */
const char *se_loop_fallback(const se_loop *loop);

/* Releases LOOP. Watchers, timers and async handles must be stopped first. */
void se_loop_free(se_loop *loop);

/* Name of LOOP's backend ("epoll", "io_uring", "iocp", "poll"): the one running. */
const char *se_loop_backend_name(const se_loop *loop);

/* The owner's pointer (NULL until set). */
void se_loop_set_data(se_loop *loop, void *data);
void *se_loop_data(const se_loop *loop);

/* Runs until se_loop_stop() or until nothing is left to wait for (no active
 * watcher, timer, deferred callback or async handle). Returns 0 or a
 * backend error. */
int se_loop_run(se_loop *loop);

/* Makes se_loop_run() return after the current round. */
void se_loop_stop(se_loop *loop);

/* The loop's time in milliseconds: read once per round, right after the
 * wait for readiness returns and before any callback of the round runs. */
uint64_t se_loop_now(const se_loop *loop);

/* Reads LOOP's clock afresh (the round's cached time stays): to stamp the
 * moment something happened within a round. */
uint64_t se_loop_clock(const se_loop *loop);

/* Replaces the clock LOOP reads (milliseconds; NULL restores the monotonic
 * clock) and reads it at once. For tests of timer logic. */
void se_loop_set_clock(se_loop *loop, uint64_t (*now_ms)(void *arg), void *arg);

/* ---- socket watchers ---- */

/* Initialises IO for SOCK with callback CB; does not start it. */
void se_io_init(se_io *io, se_socket sock, se_io_cb cb, void *data);

/* Sets the events IO waits for (0 stops it). Changes are handed to the
 * backend in one batch before the next wait, so a watcher switched on and
 * off within a round costs no system call. Returns 0 or an error. */
int se_io_set(se_loop *loop, se_io *io, int events);

/* Stops IO. Always succeeds; call before closing its socket. */
void se_io_stop(se_loop *loop, se_io *io);

/* Accepts one client of the listening socket IO watches: accept() on most
 * backends, or a client accepted ahead (IOCP). Returns 0 with *OUT set
 * (non-blocking, and *PEER when PEER is not NULL), SE_EAGAIN when none
 * waits, or an error (SE_EMFILE...). */
int se_io_accept(se_loop *loop, se_io *io, se_socket *out, struct sockaddr_storage *peer);

/* Starts connecting IO's socket (open, non-blocking, bound to a source
 * address or not) to ADDR; IO must be idle. Returns 0 when connected at
 * once, an error, or SE_EINPROGRESS: IO's callback then reports the end
 * (SE_WRITABLE, with SE_ERRORED when it failed), and se_io_connected()
 * tells how it ended. Stopping IO first cancels the connect. Most backends
 * connect() and wait for writability; IOCP posts a ConnectEx. */
int se_io_connect(se_loop *loop, se_io *io, const struct sockaddr *addr, se_socklen len);

/* In IO's callback after se_io_connect: 0 when the socket is connected,
 * or the connect's error (SE_ECONNREFUSED, SE_ETIMEDOUT...). */
int se_io_connected(se_loop *loop, se_io *io);

/* Lets the listener IO watches accept up to N clients ahead of
 * se_io_accept while it is watched for reading, where the backend can
 * (io_uring: accept requests posted in the ring, no accept() per client);
 * each se_io_accept that returns a client uses one of the N, so call again
 * after taking clients. 0: none is accepted ahead, and readability says a
 * client waits in the kernel's backlog, as on other backends (clients
 * accepted ahead earlier are still handed out first). Ignored by backends
 * that do not accept ahead, and by IOCP, which keeps 16 AcceptEx posted on
 * its own. */
void se_io_accept_ahead(se_loop *loop, se_io *io, unsigned n);

/* IO's data pointer and socket. */
void *se_io_data(const se_io *io);
se_socket se_io_socket(const se_io *io);

/* ---- timers ---- */

/* Initialises TIMER (idle). */
void se_timer_init(se_timer *timer, se_timer_cb cb, void *data);

/* (Re)arms TIMER to fire once, TIMEOUT_MS after the loop's current time; a
 * timer armed from a timer callback fires in a later round, never the
 * current one (0 means "next round, after polling"). */
int se_timer_start(se_loop *loop, se_timer *timer, uint64_t timeout_ms);

/* Disarms TIMER; harmless if idle. */
void se_timer_stop(se_loop *loop, se_timer *timer);

/* Nonzero while TIMER is armed. */
int se_timer_active(const se_timer *timer);

/* TIMER's data pointer. */
void *se_timer_data(const se_timer *timer);

/* ---- deferred callbacks ---- */

/* Schedules CB(loop, D) after the current round of callbacks. D is owned by
 * the caller and must stay valid until CB runs. A callback deferred from a
 * deferred callback runs in the next round, after a poll that does not
 * block, so deferring in a loop never starves I/O. */
void se_loop_defer(se_loop *loop, se_deferred *d, se_deferred_cb cb, void *data);

/* D's data pointer. */
void *se_deferred_data(const se_deferred *d);

/* ---- cross-thread wake-ups (libuv's uv_async_t) ---- */

/* Registers ASYNC on LOOP: CB runs on LOOP's thread after se_async_send().
 * Returns 0 or an error. Call on LOOP's thread. */
int se_async_init(se_loop *loop, se_async *async, se_async_cb cb, void *data);

/* Wakes ASYNC's loop. Safe from any thread, and from a POSIX signal
 * handler. Sends made before CB runs are coalesced into one call; a send
 * made while CB runs causes another call. */
void se_async_send(se_async *async);

/* Unregisters ASYNC. Call on its loop's thread. */
void se_async_close(se_loop *loop, se_async *async);

/* ASYNC's data pointer. */
void *se_async_data(const se_async *async);

#endif
