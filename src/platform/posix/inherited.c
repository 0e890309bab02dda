/* Sockets handed over by systemd (LISTEN_FDS) or inetd (standard input). */
#include "platform/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define SD_LISTEN_FDS_START 3

static int adopt(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return se_translate_sys_error(errno);
    return 0;
}

int se_socket_type(se_socket sock)
{
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
        return se_translate_sys_error(errno);
    return type;
}

int se_systemd_sockets(se_socket *out, size_t max, size_t *count)
{
    *count = 0;
    const char *pid = getenv("LISTEN_PID");
    const char *fds = getenv("LISTEN_FDS");
    if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid())
        return 0;
    long n = strtol(fds, NULL, 10);
    if (n <= 0)
        return 0;
    if ((size_t)n > max)
        return SE_EMFILE;
    for (long i = 0; i < n; i++) {
        int fd = SD_LISTEN_FDS_START + (int)i;
        if (se_socket_type(fd) < 0)
            return SE_ENOTSOCK;
        int err = adopt(fd);
        if (err)
            return err;
        out[i] = fd;
    }
    /* Children of ours must not believe they were activated. */
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    *count = (size_t)n;
    return 0;
}

int se_inetd_socket(se_socket *out)
{
    if (se_socket_type(0) < 0)
        return SE_ENOTSOCK;
    int err = adopt(0);
    if (err)
        return err;
    *out = 0;
    return 0;
}
