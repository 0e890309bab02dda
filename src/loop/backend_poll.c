/* poll backend: POSIX poll(2), or WSAPoll on Windows (through se_poll). An
 * array of pollfd with a parallel array of watchers; io->slot_ is the index,
 * so removal is a swap with the last entry. */
#include "backend.h"

#include <stdlib.h>

typedef struct {
    se_pollfd *fds;
    se_io **ios;
    size_t len, cap;
    /* Ready entries copied out before dispatch: callbacks may reshuffle the
     * arrays above. As large as the most entries ready at once, not one per
     * watcher: idle connections cost no room here. */
    se_io **ready;
    int *ready_events;
    size_t ready_count, ready_cap;
} poll_state;

static int poll_create(se_loop *loop)
{
    poll_state *st = calloc(1, sizeof *st);
    if (!st)
        return SE_ENOMEM;
    loop->backend_state = st;
    return 0;
}

static void poll_destroy(se_loop *loop)
{
    poll_state *st = loop->backend_state;
    free(st->fds);
    free(st->ios);
    free(st->ready);
    free(st->ready_events);
    free(st);
}

static int poll_grow(poll_state *st)
{
    size_t cap = st->cap ? st->cap * 2 : 64;
    se_pollfd *fds = realloc(st->fds, cap * sizeof *fds);
    if (!fds)
        return SE_ENOMEM;
    st->fds = fds;
    se_io **ios = realloc(st->ios, cap * sizeof *ios);
    if (!ios)
        return SE_ENOMEM;
    st->ios = ios;
    st->cap = cap;
    return 0;
}

/* Makes room for N ready entries, if it can: the entries beyond the room
 * are reported again by the next poll (it is level-triggered). */
static void ready_grow(poll_state *st, size_t n)
{
    if (n <= st->ready_cap)
        return;
    size_t cap = st->ready_cap ? st->ready_cap : 64;
    while (cap < n)
        cap *= 2;
    se_io **ready = realloc(st->ready, cap * sizeof *ready);
    if (!ready)
        return;
    st->ready = ready;
    int *ready_events = realloc(st->ready_events, cap * sizeof *ready_events);
    if (!ready_events)
        return;
    st->ready_events = ready_events;
    st->ready_cap = cap;
}

static short poll_mask(int events)
{
    short mask = 0;
    if (events & SE_READABLE)
        mask |= SE_POLLIN;
    if (events & SE_WRITABLE)
        mask |= SE_POLLOUT;
    return mask;
}

static int poll_update(se_loop *loop, se_io *io)
{
    poll_state *st = loop->backend_state;
    if (!io->events_) {
        if (io->registered_) {
            size_t i = io->slot_, last = --st->len;
            if (i != last) {
                st->fds[i] = st->fds[last];
                st->ios[i] = st->ios[last];
                st->ios[i]->slot_ = i;
            }
            io->registered_ = 0;
        }
        return 0;
    }
    if (!io->registered_) {
        if (st->len == st->cap) {
            int err = poll_grow(st);
            if (err)
                return err;
        }
        io->slot_ = st->len++;
        st->ios[io->slot_] = io;
        st->fds[io->slot_].fd = io->sock_;
    }
    st->fds[io->slot_].events = poll_mask(io->events_);
    st->fds[io->slot_].revents = 0;
    io->registered_ = io->events_;
    return 0;
}

static int poll_wait(se_loop *loop, int timeout_ms)
{
    poll_state *st = loop->backend_state;
    st->ready_count = 0;
    int n = se_poll(st->fds, st->len, timeout_ms);
    if (n <= 0)
        return n;
    ready_grow(st, (size_t)n);
    size_t room = (size_t)n < st->ready_cap ? (size_t)n : st->ready_cap;
    for (size_t i = 0; i < st->len && st->ready_count < room; i++) {
        short re = st->fds[i].revents;
        if (!re)
            continue;
        int events = 0;
        if (re & SE_POLLIN)
            events |= SE_READABLE;
        if (re & SE_POLLOUT)
            events |= SE_WRITABLE;
        /* WSAPoll reports a peer's FIN as POLLHUP alone: treat hangup and
         * error as "go and read/write to learn what happened". */
        if (re & POLLHUP)
            events |= SE_HANGUP;
        if (re & (POLLERR | POLLNVAL))
            events |= SE_ERRORED;
        st->ready[st->ready_count] = st->ios[i];
        st->ready_events[st->ready_count] = events;
        st->ready_count++;
    }
    return 0;
}

/* Watchers were copied out in wait(): callbacks may reshuffle the arrays.
 * A watcher that a callback of this round stopped is skipped by
 * se_loop_dispatch (it wants nothing any more). */
static void poll_dispatch(se_loop *loop)
{
    poll_state *st = loop->backend_state;
    for (size_t i = 0; i < st->ready_count; i++)
        se_loop_dispatch(loop, st->ready[i], st->ready_events[i]);
    st->ready_count = 0;
}

const se_backend se_backend_poll = {
    .name = "poll",
    .create = poll_create,
    .destroy = poll_destroy,
    .update = poll_update,
    .wait = poll_wait,
    .dispatch = poll_dispatch,
};
