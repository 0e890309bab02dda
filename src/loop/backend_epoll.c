/* epoll backend (Linux). Level-triggered; each watcher's pointer is the
 * event's user data. */
#include "backend.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#define MAX_EVENTS 256

typedef struct {
    int epfd;
    int ready; /* events the last wait returned */
    struct epoll_event events[MAX_EVENTS];
} epoll_state;

static int epoll_create_backend(se_loop *loop)
{
    epoll_state *st = malloc(sizeof *st);
    if (!st)
        return SE_ENOMEM;
    st->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (st->epfd < 0) {
        int err = se_translate_sys_error(errno);
        free(st);
        return err;
    }
    loop->backend_state = st;
    return 0;
}

static void epoll_destroy_backend(se_loop *loop)
{
    epoll_state *st = loop->backend_state;
    close(st->epfd);
    free(st);
}

static int epoll_update(se_loop *loop, se_io *io)
{
    epoll_state *st = loop->backend_state;
    struct epoll_event ev = {0};
    ev.data.ptr = io;
    if (io->events_ & SE_READABLE)
        ev.events |= EPOLLIN;
    if (io->events_ & SE_WRITABLE)
        ev.events |= EPOLLOUT;
    int op;
    if (!io->events_)
        op = EPOLL_CTL_DEL;
    else if (!io->registered_)
        op = EPOLL_CTL_ADD;
    else
        op = EPOLL_CTL_MOD;
    if (op == EPOLL_CTL_DEL && !io->registered_)
        return 0;
    if (epoll_ctl(st->epfd, op, io->sock_, &ev) < 0 && op != EPOLL_CTL_DEL)
        return se_translate_sys_error(errno);
    io->registered_ = io->events_;
    return 0;
}

static int epoll_wait_backend(se_loop *loop, int timeout_ms)
{
    epoll_state *st = loop->backend_state;
    st->ready = 0;
    int n = epoll_wait(st->epfd, st->events, MAX_EVENTS, timeout_ms);
    if (n < 0)
        return se_translate_sys_error(errno);
    st->ready = n;
    return 0;
}

static void epoll_dispatch(se_loop *loop)
{
    epoll_state *st = loop->backend_state;
    for (int i = 0; i < st->ready; i++) {
        uint32_t e = st->events[i].events;
        int events = 0;
        if (e & EPOLLIN)
            events |= SE_READABLE;
        if (e & EPOLLOUT)
            events |= SE_WRITABLE;
        if (e & EPOLLHUP)
            events |= SE_HANGUP;
        if (e & EPOLLERR)
            events |= SE_ERRORED;
        se_loop_dispatch(loop, st->events[i].data.ptr, events);
    }
    st->ready = 0;
}

const se_backend se_backend_epoll = {
    .name = "epoll",
    .create = epoll_create_backend,
    .destroy = epoll_destroy_backend,
    .update = epoll_update,
    .wait = epoll_wait_backend,
    .dispatch = epoll_dispatch,
};
