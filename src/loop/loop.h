/* Event loop (redis ae's shape, libuv's watcher model): socket watchers,
 * one-shot timers and deferred callbacks on one thread.
 *
 * Watchers and timers are owned by the caller and registered by pointer; the
 * loop never indexes anything by socket value. A callback may stop or start
 * any watcher or timer, and may schedule the release of memory with
 * se_loop_defer(): deferred callbacks run after the current round of
 * readiness and timer callbacks, so a watcher freed that way is never touched
 * again while the round that saw it is still running. */
#ifndef SOCKECHO_LOOP_H
#define SOCKECHO_LOOP_H

#include "platform/platform.h"

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
typedef struct se_backend se_backend;

typedef void (*se_io_cb)(se_loop *loop, se_io *io, int events);
typedef void (*se_timer_cb)(se_loop *loop, se_timer *timer);
typedef void (*se_deferred_cb)(se_loop *loop, se_deferred *deferred);

struct se_io {
    se_io_cb cb;
    void *data;
    size_t slot; /* backend's own bookkeeping (poll: array index) */
    se_socket sock;
    uint8_t events;     /* SE_READABLE | SE_WRITABLE wanted now; 0 = stopped */
    uint8_t registered; /* events the backend currently watches */
};

struct se_timer {
    uint64_t due_ms;
    uint64_t seq;      /* start order: breaks ties, and keeps a timer re-armed
                          from its own callback for the next round */
    size_t heap_index; /* position in the loop's heap; SIZE_MAX if idle */
    se_timer_cb cb;
    void *data;
};

struct se_deferred {
    se_deferred *next;
    se_deferred_cb cb;
    void *data;
};

struct se_loop {
    const se_backend *backend;
    void *backend_state;
    uint64_t now_ms;
    size_t watched; /* watchers with events != 0 */
    se_timer **heap;
    size_t heap_len, heap_cap;
    uint64_t timer_seq;
    se_deferred *deferred_head, *deferred_tail;
    int stopping;
    /* One receive buffer shared by every connection of this loop: data is
     * consumed before the callback that received it returns. */
    char *read_buf;
    size_t read_buf_size;
};

/* Returns the space-separated names of the backends compiled in, default
 * first ("epoll poll"). Static string. */
const char *se_loop_backend_names(void);

/* Initialises LOOP with the backend called NAME, or the default when NAME is
 * NULL. Returns 0, SE_EINVAL for an unknown name, or a system error. */
int se_loop_init(se_loop *loop, const char *name);

/* Releases what se_loop_init() allocated. Watchers must be stopped first. */
void se_loop_close(se_loop *loop);

/* Name of LOOP's backend ("epoll", "poll"). */
const char *se_loop_backend_name(const se_loop *loop);

/* Runs until se_loop_stop() or until nothing is left to wait for (no active
 * watcher, timer or deferred callback). Returns 0 or a backend error. */
int se_loop_run(se_loop *loop);

/* Makes se_loop_run() return after the current round. */
void se_loop_stop(se_loop *loop);

/* Initialises IO for SOCK with callback CB; does not start it. */
void se_io_init(se_io *io, se_socket sock, se_io_cb cb, void *data);

/* Sets the events IO waits for (0 stops it). Returns 0 or an error; on error
 * the previous set stays in force. */
int se_io_set(se_loop *loop, se_io *io, int events);

/* Stops IO. Always succeeds; call before closing its socket. */
void se_io_stop(se_loop *loop, se_io *io);

/* Initialises TIMER (idle). */
void se_timer_init(se_timer *timer, se_timer_cb cb, void *data);

/* (Re)arms TIMER to fire once, TIMEOUT_MS from the loop's current time; a
 * timer armed from a timer callback fires in a later round, never the
 * current one (0 means "next round, after polling"). */
int se_timer_start(se_loop *loop, se_timer *timer, uint64_t timeout_ms);

/* Disarms TIMER; harmless if idle. */
void se_timer_stop(se_loop *loop, se_timer *timer);

/* Nonzero while TIMER is armed. */
int se_timer_active(const se_timer *timer);

/* Schedules CB(loop, D) after the current round of callbacks. D is owned by
 * the caller and must stay valid until CB runs. */
void se_loop_defer(se_loop *loop, se_deferred *d, se_deferred_cb cb, void *data);

/* The loop's cached time in milliseconds (updated once per round). */
uint64_t se_loop_now(const se_loop *loop);

/* Refreshes the cached time. */
void se_loop_update_time(se_loop *loop);

#endif
