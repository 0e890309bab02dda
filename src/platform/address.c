/* Socket address formatting and resolution, shared by every OS
 * (getaddrinfo and getnameinfo are portable). */
#include "platform/platform.h"

#include <string.h>

se_socklen se_addr_len(const struct sockaddr *addr)
{
    if (addr->sa_family == AF_UNIX)
        return (se_socklen)sizeof(struct sockaddr); /* the family is what is kept */
    return addr->sa_family == AF_INET6 ? (se_socklen)sizeof(struct sockaddr_in6)
                                       : (se_socklen)sizeof(struct sockaddr_in);
}

void se_addr_host(const struct sockaddr *addr, char *buf, size_t size)
{
    const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)addr;
    if (addr->sa_family == AF_UNIX) {
        snprintf(buf, size, "unix");
        return;
    }
    if (addr->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) {
        /* A dual-stack listener's IPv4 peer: show it as IPv4. */
        const unsigned char *b = a6->sin6_addr.s6_addr + 12;
        snprintf(buf, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
        return;
    }
    if (getnameinfo(addr, se_addr_len(addr), buf, (se_socklen)size, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(buf, size, "?");
}

int se_addr_port(const struct sockaddr *addr)
{
    if (addr->sa_family == AF_UNIX)
        return 0;
    if (addr->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)addr)->sin6_port);
    return ntohs(((const struct sockaddr_in *)addr)->sin_port);
}

void se_addr_set_port(struct sockaddr *addr, int port)
{
    if (addr->sa_family == AF_INET6)
        ((struct sockaddr_in6 *)addr)->sin6_port = htons((unsigned short)port);
    else
        ((struct sockaddr_in *)addr)->sin_port = htons((unsigned short)port);
}

void se_addr_format(const struct sockaddr *addr, char *buf, size_t size)
{
    char host[SE_ADDRSTRLEN];
    se_addr_host(addr, host, sizeof host);
    if (addr->sa_family == AF_UNIX)
        snprintf(buf, size, "%s", host);
    else if (strchr(host, ':'))
        snprintf(buf, size, "[%s]:%d", host, se_addr_port(addr));
    else
        snprintf(buf, size, "%s:%d", host, se_addr_port(addr));
}

int se_resolve(const char *host, const char *port, int family, int socktype, int flags,
               struct addrinfo **out)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = socktype;
    hints.ai_protocol = socktype == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV;
    if (flags & SE_RESOLVE_PASSIVE)
        hints.ai_flags |= AI_PASSIVE;
    if (flags & SE_RESOLVE_NUMERIC)
        hints.ai_flags |= AI_NUMERICHOST;
    *out = NULL;
    int rc = getaddrinfo(host, port, &hints, out);
    if (rc == 0 && !*out)
        return SE_EAI_NONAME;
    return rc ? se_translate_gai_error(rc) : 0;
}
