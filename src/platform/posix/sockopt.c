/* POSIX socket options (Linux names; other systems where they differ). */
#include "platform/sockopt.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>

static int sys_error(void)
{
    if (errno == ENOPROTOOPT)
        return SE_ENOSYS;
    if (errno == ENODEV)
        return SE_ENOENT;
    return se_translate_sys_error(errno);
}

static int set_int(se_socket sock, int level, int name, int value)
{
    return setsockopt(sock, level, name, &value, sizeof value) == 0 ? 0 : sys_error();
}

static int get_int(se_socket sock, int level, int name, int *value)
{
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(sock, level, name, &v, &len) != 0)
        return sys_error();
    *value = v;
    return 0;
}

int se_sockopt_set_nodelay(se_socket sock, int on)
{
    return set_int(sock, IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0);
}

int se_sockopt_get_nodelay(se_socket sock, int *on)
{
    int err = get_int(sock, IPPROTO_TCP, TCP_NODELAY, on);
    if (!err)
        *on = *on != 0;
    return err;
}

#if defined(TCP_KEEPIDLE)
#define SE_TCP_KEEPIDLE TCP_KEEPIDLE
#elif defined(TCP_KEEPALIVE)
#define SE_TCP_KEEPIDLE TCP_KEEPALIVE /* macOS */
#endif

int se_sockopt_set_keepalive(se_socket sock, const se_keepalive *ka)
{
    int err = set_int(sock, SOL_SOCKET, SO_KEEPALIVE, 1);
#ifdef SE_TCP_KEEPIDLE
    if (!err && ka->idle_s > 0)
        err = set_int(sock, IPPROTO_TCP, SE_TCP_KEEPIDLE, ka->idle_s);
#else
    if (!err && ka->idle_s > 0)
        err = SE_ENOSYS;
#endif
#ifdef TCP_KEEPINTVL
    if (!err && ka->interval_s > 0)
        err = set_int(sock, IPPROTO_TCP, TCP_KEEPINTVL, ka->interval_s);
    if (!err && ka->count > 0)
        err = set_int(sock, IPPROTO_TCP, TCP_KEEPCNT, ka->count);
#else
    if (!err && (ka->interval_s > 0 || ka->count > 0))
        err = SE_ENOSYS;
#endif
    return err;
}

int se_sockopt_get_keepalive(se_socket sock, int *enabled, se_keepalive *ka)
{
    memset(ka, 0, sizeof *ka);
    int err = get_int(sock, SOL_SOCKET, SO_KEEPALIVE, enabled);
    if (err)
        return err;
    *enabled = *enabled != 0;
#ifdef SE_TCP_KEEPIDLE
    err = get_int(sock, IPPROTO_TCP, SE_TCP_KEEPIDLE, &ka->idle_s);
#endif
#ifdef TCP_KEEPINTVL
    if (!err)
        err = get_int(sock, IPPROTO_TCP, TCP_KEEPINTVL, &ka->interval_s);
    if (!err)
        err = get_int(sock, IPPROTO_TCP, TCP_KEEPCNT, &ka->count);
#endif
    return err;
}

int se_sockopt_set_mss(se_socket sock, int mss)
{
    return set_int(sock, IPPROTO_TCP, TCP_MAXSEG, mss);
}

int se_sockopt_get_mss(se_socket sock, int *mss)
{
    return get_int(sock, IPPROTO_TCP, TCP_MAXSEG, mss);
}

int se_sockopt_set_tos(se_socket sock, int family, int tos)
{
    if (family != AF_INET6)
        return set_int(sock, IPPROTO_IP, IP_TOS, tos);
    int err = set_int(sock, IPPROTO_IPV6, IPV6_TCLASS, tos);
    /* A dual-stack socket's IPv4 traffic takes IP_TOS (Linux applies it to
     * IPv6 sockets); where the OS refuses it, IPv6 traffic is still marked. */
    if (!err)
        (void)set_int(sock, IPPROTO_IP, IP_TOS, tos);
    return err;
}

int se_sockopt_get_tos(se_socket sock, int family, int *tos)
{
    if (family == AF_INET6)
        return get_int(sock, IPPROTO_IPV6, IPV6_TCLASS, tos);
    return get_int(sock, IPPROTO_IP, IP_TOS, tos);
}

int se_sockopt_set_sndbuf(se_socket sock, int bytes)
{
    return set_int(sock, SOL_SOCKET, SO_SNDBUF, bytes);
}

int se_sockopt_get_sndbuf(se_socket sock, int *bytes)
{
    return get_int(sock, SOL_SOCKET, SO_SNDBUF, bytes);
}

int se_sockopt_set_rcvbuf(se_socket sock, int bytes)
{
    return set_int(sock, SOL_SOCKET, SO_RCVBUF, bytes);
}

int se_sockopt_get_rcvbuf(se_socket sock, int *bytes)
{
    return get_int(sock, SOL_SOCKET, SO_RCVBUF, bytes);
}

int se_sockopt_bind_device(se_socket sock, const char *ifname)
{
#ifdef SO_BINDTODEVICE
    if (setsockopt(sock, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) != 0)
        return sys_error();
    return 0;
#else
    (void)sock;
    (void)ifname;
    return SE_ENOSYS;
#endif
}

int se_sockopt_get_device(se_socket sock, char *buf, size_t size)
{
#ifdef SO_BINDTODEVICE
    char name[64] = "";
    socklen_t len = sizeof name - 1;
    if (getsockopt(sock, SOL_SOCKET, SO_BINDTODEVICE, name, &len) != 0)
        return sys_error();
    name[len < sizeof name ? len : sizeof name - 1] = '\0';
    snprintf(buf, size, "%s", name);
    return 0;
#else
    (void)sock;
    if (size)
        buf[0] = '\0';
    return SE_ENOSYS;
#endif
}
