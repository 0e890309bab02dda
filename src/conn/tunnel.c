/* Proxy tunnels: the protocol-independent part. */
#include "conn/tunnel.h"
#include "tunnel_internal.h"

#include <stdarg.h>
#include <string.h>

int se_tunnel_fail(se_tunnel *t, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->reason, sizeof t->reason, fmt, ap);
    va_end(ap);
    t->state = -1;
    t->result = rc;
    return rc;
}

int se_tunnel_start(se_tunnel *t, const se_proxy_url *proxy, const char *host,
                    const struct sockaddr *addr, int port)
{
    memset(t, 0, sizeof *t);
    t->scheme = proxy->scheme;
    t->proxy = proxy;
    t->port = port;
    if (port < 0 || port > 65535)
        return SE_EINVAL;
    if (proxy->scheme == SE_PROXY_SOCKS5) {
        if (!addr || (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
            return SE_EINVAL;
        memcpy(&t->addr, addr, se_addr_len(addr));
    } else {
        if (!host || strlen(host) == 0 || strlen(host) >= sizeof t->host)
            return SE_EINVAL;
        strcpy(t->host, host);
    }
    if (proxy->scheme == SE_PROXY_HTTP)
        se_http_connect_start(t);
    else
        se_socks5_start(t);
    return 0;
}

const unsigned char *se_tunnel_output(const se_tunnel *t, size_t *len)
{
    *len = t->out_len;
    return t->out;
}

void se_tunnel_output_taken(se_tunnel *t)
{
    t->out_len = 0;
}

int se_tunnel_input(se_tunnel *t, const unsigned char *data, size_t len, size_t *consumed)
{
    *consumed = 0;
    if (t->state < 0)
        return SE_TUNNEL_BAD_REPLY;
    int rc = t->scheme == SE_PROXY_HTTP ? se_http_connect_input(t, data, len, consumed)
                                        : se_socks5_input(t, data, len, consumed);
    t->result = rc;
    return rc;
}

int se_tunnel_result(const se_tunnel *t)
{
    return t->result;
}

int se_tunnel_eof(se_tunnel *t)
{
    return se_tunnel_fail(t, SE_TUNNEL_REFUSED,
                          "%s proxy closed the connection during the handshake",
                          t->scheme == SE_PROXY_HTTP ? "HTTP" : "SOCKS5");
}

const char *se_tunnel_reason(const se_tunnel *t)
{
    return t->reason;
}

const char *se_tunnel_error_name(int rc)
{
    switch (rc) {
    case SE_TUNNEL_REFUSED:
        return "proxy-refused";
    case SE_TUNNEL_AUTH_FAILED:
        return "proxy-auth-failed";
    case SE_TUNNEL_BAD_REPLY:
        return "proxy-bad-reply";
    default:
        return "?";
    }
}
