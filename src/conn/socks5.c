/* SOCKS5 client handshake (RFC 1928), with username/password (RFC 1929). */
#include "tunnel_internal.h"

#include <string.h>

enum { S_METHOD = 1, S_AUTH, S_REPLY, S_DONE };

static const char *reply_text(unsigned rep)
{
    static const char *const text[] = {
        "succeeded",           "general failure",       "connection not allowed by ruleset",
        "network unreachable", "host unreachable",      "connection refused by the destination",
        "TTL expired",         "command not supported", "address type not supported"};
    return rep < sizeof text / sizeof text[0] ? text[rep] : "unknown error";
}

void se_socks5_start(se_tunnel *t)
{
    unsigned char *o = t->out;
    o[0] = 5;
    if (t->proxy->has_credentials) {
        o[1] = 2; /* no authentication, or username/password */
        o[2] = 0;
        o[3] = 2;
        t->out_len = 4;
    } else {
        o[1] = 1;
        o[2] = 0;
        t->out_len = 3;
    }
    t->state = S_METHOD;
    t->want = 2;
}

static void put_auth(se_tunnel *t)
{
    size_t ulen = strlen(t->proxy->user), plen = strlen(t->proxy->pass);
    unsigned char *o = t->out;
    o[0] = 1;
    o[1] = (unsigned char)ulen;
    memcpy(o + 2, t->proxy->user, ulen);
    o[2 + ulen] = (unsigned char)plen;
    memcpy(o + 3 + ulen, t->proxy->pass, plen);
    t->out_len = 3 + ulen + plen;
}

static void put_request(se_tunnel *t)
{
    unsigned char *o = t->out;
    size_t n = 4;
    o[0] = 5;
    o[1] = 1; /* CONNECT */
    o[2] = 0;
    unsigned char a[16];
    if (t->scheme == SE_PROXY_SOCKS5 && t->addr.sa.sa_family == AF_INET) {
        o[3] = 1;
        memcpy(o + 4, &t->addr.v4.sin_addr, 4);
        n += 4;
    } else if (t->scheme == SE_PROXY_SOCKS5) {
        o[3] = 4;
        memcpy(o + 4, &t->addr.v6.sin6_addr, 16);
        n += 16;
    } else if (inet_pton(AF_INET, t->host, a) == 1) {
        o[3] = 1;
        memcpy(o + 4, a, 4);
        n += 4;
    } else if (inet_pton(AF_INET6, t->host, a) == 1) {
        o[3] = 4;
        memcpy(o + 4, a, 16);
        n += 16;
    } else { /* a name the proxy resolves (socks5h) */
        size_t len = strlen(t->host);
        o[3] = 3;
        o[4] = (unsigned char)len;
        memcpy(o + 5, t->host, len);
        n += 1 + len;
    }
    o[n++] = (unsigned char)(t->port >> 8);
    o[n++] = (unsigned char)t->port;
    t->out_len = n;
    t->state = S_REPLY;
    t->want = 2; /* version and reply code first, then the bound address */
}

/* A complete message of T->want bytes is in T->in. */
static int step(se_tunnel *t)
{
    const unsigned char *m = t->in;
    switch (t->state) {
    case S_METHOD:
        if (m[0] != 5)
            return se_tunnel_fail(t, SE_TUNNEL_BAD_REPLY,
                                  "SOCKS5 proxy: the reply is not SOCKS version 5 (first byte %u)",
                                  m[0]);
        if (m[1] == 0xFF)
            return se_tunnel_fail(t, SE_TUNNEL_AUTH_FAILED,
                                  t->proxy->has_credentials
                                      ? "SOCKS5 proxy: no acceptable authentication method"
                                      : "SOCKS5 proxy: authentication required (give USER:PASS@)");
        if (m[1] == 2 && t->proxy->has_credentials) {
            put_auth(t);
            t->state = S_AUTH;
            t->want = 2;
            return SE_TUNNEL_NEED_MORE;
        }
        if (m[1] != 0)
            return se_tunnel_fail(t, SE_TUNNEL_BAD_REPLY,
                                  "SOCKS5 proxy: chose method %u, which was not offered", m[1]);
        put_request(t);
        return SE_TUNNEL_NEED_MORE;
    case S_AUTH:
        if (m[0] != 1)
            return se_tunnel_fail(t, SE_TUNNEL_BAD_REPLY,
                                  "SOCKS5 proxy: bad authentication reply version %u", m[0]);
        if (m[1] != 0)
            return se_tunnel_fail(t, SE_TUNNEL_AUTH_FAILED,
                                  "SOCKS5 proxy: authentication failed for user '%s'",
                                  t->proxy->user);
        put_request(t);
        return SE_TUNNEL_NEED_MORE;
    case S_REPLY:
        if (t->want == 2) {
            if (m[0] != 5)
                return se_tunnel_fail(
                    t, SE_TUNNEL_BAD_REPLY,
                    "SOCKS5 proxy: the reply is not SOCKS version 5 (first byte %u)", m[0]);
            if (m[1] != 0)
                return se_tunnel_fail(t, SE_TUNNEL_REFUSED, "SOCKS5 proxy: %s (reply %u)",
                                      reply_text(m[1]), m[1]);
            t->want = 5; /* up to the address type and its first byte */
            return SE_TUNNEL_NEED_MORE;
        }
        if (t->want == 5) {
            size_t addr_len;
            if (m[3] == 1)
                addr_len = 4;
            else if (m[3] == 4)
                addr_len = 16;
            else if (m[3] == 3)
                addr_len = 1 + (size_t)m[4];
            else
                return se_tunnel_fail(t, SE_TUNNEL_BAD_REPLY,
                                      "SOCKS5 proxy: unknown address type %u in the reply", m[3]);
            t->want = 4 + addr_len + 2;
            return SE_TUNNEL_NEED_MORE;
        }
        t->state = S_DONE;
        return SE_TUNNEL_DONE;
    default:
        return SE_TUNNEL_DONE;
    }
}

int se_socks5_input(se_tunnel *t, const unsigned char *data, size_t len, size_t *consumed)
{
    size_t used = 0;
    int rc = t->state == S_DONE ? SE_TUNNEL_DONE : SE_TUNNEL_NEED_MORE;
    while (rc == SE_TUNNEL_NEED_MORE && used < len) {
        size_t take = t->want - t->in_len;
        if (take > len - used)
            take = len - used;
        memcpy(t->in + t->in_len, data + used, take);
        t->in_len += take;
        used += take;
        if (t->in_len < t->want)
            break;
        size_t want_before = t->want;
        int state_before = t->state;
        rc = step(t);
        /* A new message starts empty; a longer read of the same one keeps
         * what it has. */
        if (t->state != state_before || t->want < want_before)
            t->in_len = 0;
    }
    *consumed = used;
    return rc;
}
