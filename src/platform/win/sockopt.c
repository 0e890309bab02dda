/* Windows socket options.
 *
 * Keepalive timing: TCP_KEEPALIVE / TCP_KEEPINTVL / TCP_KEEPCNT (Windows 10
 * 1709 and later) where they exist; otherwise SIO_KEEPALIVE_VALS sets the
 * idle time and interval (every Windows version, and Wine 8, which lacks
 * the options), the probe count cannot be set (SE_ENOSYS) and the timing
 * cannot be read back (-1). TCP_MAXSEG, IPV6_TCLASS: SE_ENOSYS where the
 * stack refuses them (Wine 8 refuses both). IP_TOS is accepted, but Windows
 * itself may ignore it outside its QoS policy. No binding to a device. */
#include "platform/sockopt.h"

#include <mstcpip.h>

#include <string.h>

/* Values of Microsoft's ws2ipdef.h, missing from older mingw-w64 headers. */
#ifndef TCP_KEEPALIVE
#define TCP_KEEPALIVE 3
#endif
#ifndef TCP_MAXSEG
#define TCP_MAXSEG 4
#endif
#ifndef TCP_KEEPCNT
#define TCP_KEEPCNT 16
#endif
#ifndef TCP_KEEPINTVL
#define TCP_KEEPINTVL 17
#endif

static int sys_error(void)
{
    int e = WSAGetLastError();
    if (e == WSAENOPROTOOPT)
        return SE_ENOSYS;
    return se_translate_sys_error(e);
}

static int set_int(se_socket sock, int level, int name, int value)
{
    DWORD v = (DWORD)value;
    return setsockopt(sock, level, name, (const char *)&v, sizeof v) == 0 ? 0 : sys_error();
}

/* Some options are written as one byte (BOOL-like ones under Wine): start
 * from zero so the rest of the int is not garbage. */
static int get_int(se_socket sock, int level, int name, int *value)
{
    DWORD v = 0;
    int len = sizeof v;
    if (getsockopt(sock, level, name, (char *)&v, &len) != 0)
        return sys_error();
    *value = (int)v;
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
        *on = (*on & 0xFF) != 0;
    return err;
}

/* The older way: idle time and interval in milliseconds, both at once
 * (an unset one takes the Windows default: 2 hours idle, 1 s interval). */
static int set_keepalive_vals(se_socket sock, const se_keepalive *ka)
{
    struct tcp_keepalive vals;
    vals.onoff = 1;
    vals.keepalivetime = (ULONG)(ka->idle_s > 0 ? ka->idle_s : 7200) * 1000u;
    vals.keepaliveinterval = (ULONG)(ka->interval_s > 0 ? ka->interval_s : 1) * 1000u;
    DWORD returned = 0;
    if (WSAIoctl(sock, SIO_KEEPALIVE_VALS, &vals, sizeof vals, NULL, 0, &returned, NULL, NULL) != 0)
        return sys_error();
    return 0;
}

int se_sockopt_set_keepalive(se_socket sock, const se_keepalive *ka)
{
    int err = set_int(sock, SOL_SOCKET, SO_KEEPALIVE, 1);
    if (!err && ka->idle_s > 0)
        err = set_int(sock, IPPROTO_TCP, TCP_KEEPALIVE, ka->idle_s);
    if (err == SE_ENOSYS)
        return ka->count > 0 ? SE_ENOSYS : set_keepalive_vals(sock, ka);
    if (!err && ka->interval_s > 0)
        err = set_int(sock, IPPROTO_TCP, TCP_KEEPINTVL, ka->interval_s);
    if (!err && ka->count > 0)
        err = set_int(sock, IPPROTO_TCP, TCP_KEEPCNT, ka->count);
    return err;
}

int se_sockopt_get_keepalive(se_socket sock, int *enabled, se_keepalive *ka)
{
    memset(ka, 0, sizeof *ka);
    int err = get_int(sock, SOL_SOCKET, SO_KEEPALIVE, enabled);
    if (err)
        return err;
    *enabled = (*enabled & 0xFF) != 0;
    err = get_int(sock, IPPROTO_TCP, TCP_KEEPALIVE, &ka->idle_s);
    if (err == SE_ENOSYS) { /* set with SIO_KEEPALIVE_VALS: not readable */
        ka->idle_s = ka->interval_s = ka->count = -1;
        return 0;
    }
    if (!err)
        err = get_int(sock, IPPROTO_TCP, TCP_KEEPINTVL, &ka->interval_s);
    if (!err)
        err = get_int(sock, IPPROTO_TCP, TCP_KEEPCNT, &ka->count);
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
    if (family == AF_INET6)
        return set_int(sock, IPPROTO_IPV6, IPV6_TCLASS, tos);
    return set_int(sock, IPPROTO_IP, IP_TOS, tos);
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
    (void)sock;
    (void)ifname;
    return SE_ENOSYS;
}

int se_sockopt_get_device(se_socket sock, char *buf, size_t size)
{
    (void)sock;
    if (size)
        buf[0] = '\0';
    return SE_ENOSYS;
}
