/* POSIX sockets: non-blocking, close-on-exec, no SIGPIPE. */
#include "platform/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_MSG_NOSIGNAL
#define SE_SEND_FLAGS MSG_NOSIGNAL
#else
#define SE_SEND_FLAGS 0
#endif

static int last_error(void)
{
    return se_translate_sys_error(errno);
}

static int set_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return last_error();
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return last_error();
#ifdef HAVE_SO_NOSIGPIPE
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
    return 0;
}

static int protocol_of(int family)
{
    return family == AF_UNIX ? 0 : IPPROTO_TCP;
}

int se_socket_open(int family, se_socket *out)
{
#ifdef HAVE_SOCK_NONBLOCK
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol_of(family));
    if (fd < 0)
        return last_error();
#else
    int fd = socket(family, SOCK_STREAM, protocol_of(family));
    if (fd < 0)
        return last_error();
    int err = set_flags(fd);
    if (err) {
        close(fd);
        return err;
    }
#endif
    *out = fd;
    return 0;
}

int se_socket_close(se_socket sock)
{
    return close(sock) == 0 ? 0 : last_error();
}

int se_socket_abort(se_socket sock)
{
    struct linger lg = {1, 0};
    setsockopt(sock, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    return se_socket_close(sock);
}

int se_socket_connect(se_socket sock, const struct sockaddr *addr, se_socklen len)
{
    if (connect(sock, addr, len) == 0)
        return 0;
    int err = last_error();
    return err == SE_EAGAIN ? SE_EINPROGRESS : err;
}

int se_socket_error(se_socket sock)
{
    int value = 0;
    socklen_t len = sizeof value;
    if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &value, &len) < 0)
        return last_error();
    return se_translate_sys_error(value);
}

long se_socket_send(se_socket sock, const void *buf, size_t len)
{
    for (;;) {
        ssize_t n = send(sock, buf, len, SE_SEND_FLAGS);
        if (n >= 0)
            return (long)n;
        if (errno != EINTR)
            return last_error();
    }
}

long se_socket_recv(se_socket sock, void *buf, size_t len)
{
    for (;;) {
        ssize_t n = recv(sock, buf, len, 0);
        if (n > 0)
            return (long)n;
        if (n == 0)
            return SE_EOF;
        if (errno != EINTR)
            return last_error();
    }
}

int se_socket_shutdown_send(se_socket sock)
{
    return shutdown(sock, SHUT_WR) == 0 ? 0 : last_error();
}

int se_socket_bind_source(se_socket sock, const struct sockaddr *addr)
{
#ifdef IP_BIND_ADDRESS_NO_PORT
    /* Pick the port at connect(), per destination: one source address then
     * serves far more than 28k connections. */
    int on = 1;
    setsockopt(sock, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
#endif
    return bind(sock, addr, se_addr_len(addr)) == 0 ? 0 : last_error();
}

int se_socket_listen(const struct sockaddr *addr, se_socklen len, int flags, int backlog,
                     se_socket *out)
{
#ifndef SO_REUSEPORT
    if (flags & SE_LISTEN_REUSEPORT)
        return SE_ENOSYS;
#endif
    se_socket fd = SE_INVALID_SOCKET;
    int err = se_socket_open(addr->sa_family, &fd);
    if (err)
        return err;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
#ifdef SO_REUSEPORT
    if (flags & SE_LISTEN_REUSEPORT)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
#endif
    if (addr->sa_family == AF_INET6) {
        int v6only = (flags & SE_LISTEN_V6ONLY) != 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (bind(fd, addr, len) < 0 || listen(fd, backlog) < 0) {
        err = last_error();
        close(fd);
        return err;
    }
    *out = fd;
    return 0;
}

int se_socket_accept(se_socket listener, se_socket *out, struct sockaddr_storage *peer)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    for (;;) {
#ifdef HAVE_ACCEPT4
        int fd = accept4(listener, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
        int fd = accept(listener, (struct sockaddr *)&ss, &len);
#endif
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            return last_error();
        }
#ifndef HAVE_ACCEPT4
        int err = set_flags(fd);
        if (err) {
            close(fd);
            return err;
        }
#endif
        if (peer)
            *peer = ss;
        *out = fd;
        return 0;
    }
}

int se_socket_local_address(se_socket sock, struct sockaddr_storage *addr)
{
    socklen_t len = sizeof *addr;
    return getsockname(sock, (struct sockaddr *)addr, &len) == 0 ? 0 : last_error();
}

int se_socket_pair(se_socket pair[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) < 0)
        return last_error();
    int err = set_flags(pair[0]);
    if (!err)
        err = set_flags(pair[1]);
    if (err) {
        close(pair[0]);
        close(pair[1]);
    }
    return err;
}

int se_poll(se_pollfd *fds, size_t count, int timeout_ms)
{
    int n = poll(fds, (nfds_t)count, timeout_ms);
    return n >= 0 ? n : last_error();
}
