/* The interface each event backend implements (loop-internal). A backend
 * keeps its own registration state and, in poll(), reports each ready watcher
 * through se_loop_dispatch(); it must tolerate watchers being stopped or
 * started by those callbacks while it dispatches. */
#ifndef SOCKECHO_LOOP_BACKEND_H
#define SOCKECHO_LOOP_BACKEND_H

#include "loop/loop.h"

struct se_backend {
    const char *name;
    int (*create)(se_loop *loop);
    void (*destroy)(se_loop *loop);
    /* Makes the backend watch io->events (0: forget IO). */
    int (*update)(se_loop *loop, se_io *io);
    /* Waits up to TIMEOUT_MS (-1: forever) and dispatches what is ready. */
    int (*poll)(se_loop *loop, int timeout_ms);
};

extern const se_backend se_backend_poll;
#ifdef HAVE_EPOLL
extern const se_backend se_backend_epoll;
#endif

/* Calls IO's callback with the ready EVENTS masked by what IO still wants;
 * does nothing for a watcher stopped earlier in the same round. */
void se_loop_dispatch(se_loop *loop, se_io *io, int events);

#endif
