/* Winsock 2 sockets: non-blocking (FIONBIO), non-inheritable, errors read
 * with WSAGetLastError() right after each call. */
#include "platform/platform.h"

#include <string.h>

static int last_error(void)
{
    return se_translate_sys_error(WSAGetLastError());
}

static int set_nonblocking(SOCKET s)
{
    u_long on = 1;
    return ioctlsocket(s, FIONBIO, &on) == 0 ? 0 : last_error();
}

int se_socket_open(int family, se_socket *out)
{
    SOCKET s = WSASocketW(family, SOCK_STREAM, family == AF_UNIX ? 0 : IPPROTO_TCP, NULL, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET)
        return last_error();
    int err = set_nonblocking(s);
    if (err) {
        closesocket(s);
        return err;
    }
    *out = s;
    return 0;
}

int se_socket_close(se_socket sock)
{
    return closesocket(sock) == 0 ? 0 : last_error();
}

int se_socket_abort(se_socket sock)
{
    struct linger lg = {1, 0};
    setsockopt(sock, SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof lg);
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
    int len = sizeof value;
    if (getsockopt(sock, SOL_SOCKET, SO_ERROR, (char *)&value, &len) != 0)
        return last_error();
    return se_translate_sys_error(value);
}

long se_socket_send(se_socket sock, const void *buf, size_t len)
{
    int chunk = len > 0x7fffffff ? 0x7fffffff : (int)len;
    int n = send(sock, (const char *)buf, chunk, 0);
    return n != SOCKET_ERROR ? (long)n : last_error();
}

long se_socket_recv(se_socket sock, void *buf, size_t len)
{
    int chunk = len > 0x7fffffff ? 0x7fffffff : (int)len;
    int n = recv(sock, (char *)buf, chunk, 0);
    if (n > 0)
        return (long)n;
    if (n == 0)
        return SE_EOF;
    return last_error();
}

int se_socket_shutdown_send(se_socket sock)
{
    return shutdown(sock, SD_SEND) == 0 ? 0 : last_error();
}

int se_socket_bind_source(se_socket sock, const struct sockaddr *addr)
{
    return bind(sock, addr, se_addr_len(addr)) == 0 ? 0 : last_error();
}

int se_socket_listen(const struct sockaddr *addr, se_socklen len, int flags, int backlog,
                     se_socket *out)
{
    if (flags & SE_LISTEN_REUSEPORT)
        return SE_ENOSYS; /* Windows has no load-balancing port sharing */
    se_socket s = SE_INVALID_SOCKET;
    int err = se_socket_open(addr->sa_family, &s);
    if (err)
        return err;
    /* Never SO_REUSEADDR on Windows: it lets another process take the port. */
    BOOL on = TRUE;
    setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&on, sizeof on);
    if (addr->sa_family == AF_INET6) {
        DWORD value = (flags & SE_LISTEN_V6ONLY) ? 1 : 0;
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&value, sizeof value);
    }
    if (bind(s, addr, len) != 0 || listen(s, backlog) != 0) {
        err = last_error();
        closesocket(s);
        return err;
    }
    *out = s;
    return 0;
}

int se_socket_accept(se_socket listener, se_socket *out, struct sockaddr_storage *peer)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    SOCKET s = accept(listener, (struct sockaddr *)&ss, &len);
    if (s == INVALID_SOCKET)
        return last_error();
    /* Accepted sockets inherit non-blocking mode; set it anyway, and make
     * the handle non-inheritable as WSASocket did for the listener. */
    SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
    int err = set_nonblocking(s);
    if (err) {
        closesocket(s);
        return err;
    }
    if (peer)
        *peer = ss;
    *out = s;
    return 0;
}

int se_socket_local_address(se_socket sock, struct sockaddr_storage *addr)
{
    int len = sizeof *addr;
    return getsockname(sock, (struct sockaddr *)addr, &len) == 0 ? 0 : last_error();
}

/* Windows has no socketpair(): connect two loopback TCP sockets. */
int se_socket_pair(se_socket pair[2])
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    se_socket listener = INVALID_SOCKET, a = INVALID_SOCKET, b = INVALID_SOCKET;
    int len = sizeof addr;
    int err = 0;
    listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    a = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
                   WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (listener == INVALID_SOCKET || a == INVALID_SOCKET ||
        bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 1) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &len) != 0 ||
        connect(a, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        (b = accept(listener, NULL, NULL)) == INVALID_SOCKET)
        err = last_error();
    if (!err)
        err = set_nonblocking(a);
    if (!err)
        err = set_nonblocking(b);
    if (listener != INVALID_SOCKET)
        closesocket(listener);
    if (err) {
        if (a != INVALID_SOCKET)
            closesocket(a);
        if (b != INVALID_SOCKET)
            closesocket(b);
        return err ? err : SE_EUNKNOWN;
    }
    SetHandleInformation((HANDLE)b, HANDLE_FLAG_INHERIT, 0);
    pair[0] = a;
    pair[1] = b;
    return 0;
}

int se_poll(se_pollfd *fds, size_t count, int timeout_ms)
{
    if (count == 0) {
        /* WSAPoll rejects an empty set; a loop with only timers sleeps. */
        Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
        return 0;
    }
    int n = WSAPoll(fds, (ULONG)count, timeout_ms);
    return n != SOCKET_ERROR ? n : last_error();
}
