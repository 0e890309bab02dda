/* Sockets handed over by systemd (LISTEN_FDS) or inetd (standard input). */
#include "platform/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
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

/* Checks that descriptor FD (called NAME) is a listening stream socket or
 * a datagram socket; otherwise says what it is in WHY. */
static int check_inherited(int fd, const char *name, char *why, size_t why_size)
{
    if (fcntl(fd, F_GETFD) < 0) {
        snprintf(why, why_size, "%s is closed", name);
        return SE_EINVAL;
    }
    int type = se_socket_type(fd);
    if (type < 0) {
        snprintf(why, why_size, "%s is not a socket", name);
        return SE_ENOTSOCK;
    }
    if (type == SOCK_DGRAM)
        return 0;
    int listening = 0;
    socklen_t len = sizeof listening;
    if (type != SOCK_STREAM || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
        !listening) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        int connected = getpeername(fd, (struct sockaddr *)&peer, &plen) == 0;
        snprintf(why, why_size,
                 "%s is %s, not a listening socket (use inetd \"wait\" or systemd Accept=no)", name,
                 type != SOCK_STREAM ? "neither a stream nor a datagram socket"
                 : connected         ? "a connected socket (inetd \"nowait\" or systemd Accept=yes)"
                                     : "a stream socket that is not listening");
        return SE_EINVAL;
    }
    return 0;
}

/* Parses LISTEN_FDS: decimal digits only, 1 or more. */
static long parse_count(const char *text)
{
    long n = 0;
    if (!*text || strlen(text) > 4)
        return -1;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        n = n * 10 + (*p - '0');
    }
    return n;
}

int se_systemd_sockets(se_socket *out, size_t max, size_t *count, char *why, size_t why_size)
{
    *count = 0;
    const char *pid = getenv("LISTEN_PID");
    const char *fds = getenv("LISTEN_FDS");
    if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid()) {
        snprintf(why, why_size, "LISTEN_PID and LISTEN_FDS do not name this process");
        return SE_ENOENT;
    }
    long n = parse_count(fds);
    if (n <= 0) {
        snprintf(why, why_size, "LISTEN_FDS='%.20s' is not a number of descriptors", fds);
        return SE_EINVAL;
    }
    if ((size_t)n > max) {
        snprintf(why, why_size, "LISTEN_FDS=%ld: at most %zu sockets", n, max);
        return SE_EMFILE;
    }
    for (long i = 0; i < n; i++) {
        int fd = SD_LISTEN_FDS_START + (int)i;
        char name[48];
        snprintf(name, sizeof name, "descriptor %d (LISTEN_FDS)", fd);
        int err = check_inherited(fd, name, why, why_size);
        if (!err && (err = adopt(fd)) != 0)
            snprintf(why, why_size, "%s: %s", name, se_strerror(err));
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

int se_inetd_socket(se_socket *out, char *why, size_t why_size)
{
    int err = check_inherited(0, "standard input", why, why_size);
    if (!err && (err = adopt(0)) != 0)
        snprintf(why, why_size, "standard input: %s", se_strerror(err));
    if (err)
        return err;
    *out = 0;
    return 0;
}
