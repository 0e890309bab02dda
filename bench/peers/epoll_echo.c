/* epoll_echo: a minimal non-blocking epoll echo server (level-triggered).
 *
 * Each connection owns one buffer. While the buffer is empty the connection
 * waits for EPOLLIN; a read fills the buffer and it is written back at once.
 * A short write switches the connection to EPOLLOUT until the buffer is
 * flushed (that is the backpressure: nothing more is read meanwhile). After
 * the peer's EOF and an empty buffer: shutdown(SHUT_WR), then close.
 * SIGINT/SIGTERM arrive on a signalfd and end the loop. */
#include "peer_common.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#define BUF_SIZE 65536
#define ROUNDS_PER_EVENT 8
#define MAX_EVENTS 256

typedef struct conn {
    int fd;
    unsigned events; /* registered interest */
    size_t len, off;
    int eof;
    char buf[BUF_SIZE];
} conn;

static const char *prog = "epoll_echo";
static int ep;
static long open_conns;

static void drop(conn *c)
{
    close(c->fd); /* also removes it from the epoll set */
    free(c);
    open_conns--;
}

static int want(conn *c, unsigned events)
{
    struct epoll_event ev;
    if (c->events == events)
        return 0;
    ev.events = events;
    ev.data.ptr = c;
    c->events = events;
    return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Moves data until the socket would block; returns -1 when c was freed. */
static int serve(conn *c)
{
    int round;
    for (round = 0; round < ROUNDS_PER_EVENT; round++) {
        if (c->len == c->off && !c->eof) {
            ssize_t n = read(c->fd, c->buf, sizeof c->buf);
            if (n > 0) {
                c->len = (size_t)n;
                c->off = 0;
            } else if (n == 0) {
                c->eof = 1;
                c->len = c->off = 0;
            } else if (errno == EAGAIN || errno == EINTR) {
                break;
            } else {
                drop(c);
                return -1;
            }
        }
        while (c->off < c->len) {
            ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
            if (n > 0) {
                c->off += (size_t)n;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && errno == EAGAIN) {
                break;
            } else {
                drop(c);
                return -1;
            }
        }
        if (c->off < c->len)
            break; /* the socket is full: wait for EPOLLOUT */
        if (c->eof) {
            shutdown(c->fd, SHUT_WR);
            drop(c);
            return -1;
        }
        if (c->len < sizeof c->buf)
            break; /* the read did not fill the buffer: likely drained */
    }
    if (want(c, c->off < c->len ? EPOLLOUT : EPOLLIN) < 0) {
        drop(c);
        return -1;
    }
    return 0;
}

static void accept_all(int lfd, long max_conns)
{
    int i;
    for (i = 0; i < 64; i++) {
        struct epoll_event ev;
        conn *c;
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or out of descriptors: try on the next event */
        if (open_conns >= max_conns || (c = malloc(sizeof *c)) == NULL) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->len = c->off = 0;
        c->eof = 0;
        c->events = EPOLLIN;
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
            close(fd);
            free(c);
            continue;
        }
        open_conns++;
    }
}

int main(int argc, char **argv)
{
    peer_options o;
    struct epoll_event ev, events[MAX_EVENTS];
    sigset_t mask;
    int lfd, sfd, running = 1;
    /* Distinct tags for the listener and the signalfd in data.ptr. */
    static char listen_tag, signal_tag;

    peer_parse(argc, argv, &o);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (sfd < 0 || ep < 0) {
        fprintf(stderr, "%s: %s\n", prog, strerror(errno));
        return 1;
    }
    lfd = peer_listen(prog, &o, SOCK_NONBLOCK);
    ev.events = EPOLLIN;
    ev.data.ptr = &listen_tag;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    ev.data.ptr = &signal_tag;
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);

    while (running) {
        int i, n = epoll_wait(ep, events, MAX_EVENTS, -1);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "%s: epoll_wait: %s\n", prog, strerror(errno));
            return 1;
        }
        for (i = 0; i < n; i++) {
            void *p = events[i].data.ptr;
            if (p == &listen_tag)
                accept_all(lfd, o.max_conns);
            else if (p == &signal_tag)
                running = 0;
            else if (events[i].events & (EPOLLERR | EPOLLHUP) &&
                     !(events[i].events & (EPOLLIN | EPOLLOUT)))
                drop(p);
            else
                serve(p);
        }
    }
    /* Connections still open at the signal are simply released with the process. */
    close(lfd);
    return 0;
}
