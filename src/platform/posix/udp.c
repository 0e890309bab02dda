/* POSIX UDP sockets. */
#include "platform/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static int open_udp(int family, se_socket *out)
{
#ifdef HAVE_SOCK_NONBLOCK
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0)
        return se_translate_sys_error(errno);
#else
    int fd = socket(family, SOCK_DGRAM, IPPROTO_UDP);
    if (fd < 0)
        return se_translate_sys_error(errno);
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        int err = se_translate_sys_error(errno);
        close(fd);
        return err;
    }
#endif
    *out = fd;
    return 0;
}

int se_udp_open_client(int family, se_socket *out)
{
    return open_udp(family, out);
}

int se_udp_connect(se_socket sock, const struct sockaddr *addr)
{
    if (connect(sock, addr, se_addr_len(addr)) < 0)
        return se_translate_sys_error(errno);
    return 0;
}

int se_udp_open(const struct sockaddr *addr, int flags, se_socket *out)
{
    se_socket fd = SE_INVALID_SOCKET;
    int err = open_udp(addr->sa_family, &fd);
    if (err)
        return err;
    if (addr->sa_family == AF_INET6) {
        int v6only = (flags & SE_LISTEN_V6ONLY) != 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (bind(fd, addr, se_addr_len(addr)) < 0) {
        err = se_translate_sys_error(errno);
        close(fd);
        return err;
    }
    *out = fd;
    return 0;
}

long se_udp_recv(se_socket sock, void *buf, size_t len, struct sockaddr_storage *from)
{
    socklen_t fromlen = sizeof *from;
    for (;;) {
        ssize_t n = recvfrom(sock, buf, len, 0, (struct sockaddr *)from, &fromlen);
        if (n >= 0)
            return (long)n;
        if (errno != EINTR)
            return se_translate_sys_error(errno);
    }
}

long se_udp_send(se_socket sock, const void *buf, size_t len, const struct sockaddr *to)
{
    for (;;) {
        ssize_t n = sendto(sock, buf, len, 0, to, se_addr_len(to));
        if (n >= 0)
            return (long)n;
        if (errno != EINTR)
            return se_translate_sys_error(errno);
    }
}
