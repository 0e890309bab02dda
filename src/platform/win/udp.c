/* Winsock UDP sockets. SIO_UDP_CONNRESET is turned off so that an ICMP
 * port-unreachable reply to one send does not fail the next recvfrom. */
#include "platform/platform.h"

#ifndef SIO_UDP_CONNRESET
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12)
#endif

static int open_udp(int family, se_socket *out)
{
    SOCKET s = WSASocketW(family, SOCK_DGRAM, IPPROTO_UDP, NULL, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET)
        return se_translate_sys_error(WSAGetLastError());
    u_long on = 1;
    BOOL off = FALSE;
    DWORD ignored = 0;
    WSAIoctl(s, SIO_UDP_CONNRESET, &off, sizeof off, NULL, 0, &ignored, NULL, NULL);
    if (ioctlsocket(s, FIONBIO, &on) != 0) {
        int err = se_translate_sys_error(WSAGetLastError());
        closesocket(s);
        return err;
    }
    *out = s;
    return 0;
}

int se_udp_open_client(int family, se_socket *out)
{
    return open_udp(family, out);
}

int se_udp_connect(se_socket sock, const struct sockaddr *addr)
{
    if (connect(sock, addr, se_addr_len(addr)) != 0)
        return se_translate_sys_error(WSAGetLastError());
    /* A client wants to hear of the ICMP reply: turn the report back on. */
    BOOL on = TRUE;
    DWORD ignored = 0;
    WSAIoctl(sock, SIO_UDP_CONNRESET, &on, sizeof on, NULL, 0, &ignored, NULL, NULL);
    return 0;
}

int se_udp_open(const struct sockaddr *addr, int flags, se_socket *out)
{
    se_socket s = SE_INVALID_SOCKET;
    int err = open_udp(addr->sa_family, &s);
    if (err)
        return err;
    if (addr->sa_family == AF_INET6) {
        DWORD v6only = (flags & SE_LISTEN_V6ONLY) ? 1 : 0;
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&v6only, sizeof v6only);
    }
    BOOL on = TRUE;
    setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&on, sizeof on);
    if (bind(s, addr, se_addr_len(addr)) != 0) {
        err = se_translate_sys_error(WSAGetLastError());
        closesocket(s);
        return err;
    }
    *out = s;
    return 0;
}

long se_udp_recv(se_socket sock, void *buf, size_t len, struct sockaddr_storage *from)
{
    int fromlen = sizeof *from;
    int chunk = len > 0x7fffffff ? 0x7fffffff : (int)len;
    int n = recvfrom(sock, (char *)buf, chunk, 0, (struct sockaddr *)from, &fromlen);
    if (n != SOCKET_ERROR)
        return (long)n;
    int err = WSAGetLastError();
    if (err == WSAEMSGSIZE)
        return (long)len; /* cut to LEN, as documented */
    return se_translate_sys_error(err);
}

long se_udp_send(se_socket sock, const void *buf, size_t len, const struct sockaddr *to)
{
    int chunk = len > 0x7fffffff ? 0x7fffffff : (int)len;
    int n = sendto(sock, (const char *)buf, chunk, 0, to, se_addr_len(to));
    return n != SOCKET_ERROR ? (long)n : se_translate_sys_error(WSAGetLastError());
}
