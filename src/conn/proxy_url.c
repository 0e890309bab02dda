/* Proxy URL parsing. */
#include "conn/proxy_url.h"

#include <ctype.h>
#include <string.h>

static int fail(const char **reason, const char *text)
{
    *reason = text;
    return -1;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes TEXT[0, LEN) with %XX escapes into OUT (SE_PROXY_CRED_MAX + 1). */
static int decode(const char *text, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)text[i];
        if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0 || n == SE_PROXY_CRED_MAX)
            return -1;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return 0;
}

static const struct {
    const char *prefix;
    int scheme;
} schemes[] = {
    {"socks5://", SE_PROXY_SOCKS5}, {"socks5h://", SE_PROXY_SOCKS5H}, {"http://", SE_PROXY_HTTP}};

int se_proxy_url_parse(const char *text, se_proxy_url *out, const char **reason)
{
    memset(out, 0, sizeof *out);
    const char *p = NULL;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t n = strlen(schemes[i].prefix);
        size_t k = 0;
        while (k < n && text[k] && tolower((unsigned char)text[k]) == schemes[i].prefix[k])
            k++;
        if (k == n) {
            out->scheme = schemes[i].scheme;
            p = text + n;
            break;
        }
    }
    if (!p)
        return fail(reason, "the proxy URL must start with socks5://, socks5h:// or http://");

    /* The authority ends at the first '/'; only a lone trailing '/' may follow. */
    const char *end = strchr(p, '/');
    if (end && end[1] != '\0')
        return fail(reason, "the proxy URL has a path; only [USER:PASS@]HOST:PORT is allowed");
    if (!end)
        end = p + strlen(p);

    const char *at = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            at = q;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        size_t ulen = colon ? (size_t)(colon - p) : (size_t)(at - p);
        if (ulen == 0)
            return fail(reason, "the proxy URL has an empty user name");
        if (decode(p, ulen, out->user) != 0)
            return fail(reason, "bad user name in the proxy URL (bad %XX escape or too long)");
        if (colon && decode(colon + 1, (size_t)(at - colon - 1), out->pass) != 0)
            return fail(reason, "bad password in the proxy URL (bad %XX escape or too long)");
        out->has_credentials = 1;
        p = at + 1;
    }

    const char *host_end, *port_start;
    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close)
            return fail(reason, "the proxy URL has '[' without ']'");
        if (close[1] != ':')
            return fail(reason, "the proxy URL needs a port: HOST:PORT");
        host_end = close;
        p++;
        port_start = close + 2;
    } else {
        const char *colon = NULL;
        for (const char *q = p; q < end; q++)
            if (*q == ':') {
                if (colon)
                    return fail(reason, "write an IPv6 proxy address in brackets: [ADDR]:PORT");
                colon = q;
            }
        if (!colon)
            return fail(reason, "the proxy URL needs a port: HOST:PORT");
        host_end = colon;
        port_start = colon + 1;
    }
    size_t hlen = (size_t)(host_end - p);
    if (hlen == 0)
        return fail(reason, "the proxy URL has an empty host");
    if (hlen >= sizeof out->host)
        return fail(reason, "the proxy host name is longer than 255 bytes");
    memcpy(out->host, p, hlen);
    out->host[hlen] = '\0';

    size_t plen = (size_t)(end - port_start);
    long port = 0;
    if (plen == 0 || plen > 5)
        return fail(reason, "the proxy port must be a number from 1 to 65535");
    for (size_t i = 0; i < plen; i++) {
        if (port_start[i] < '0' || port_start[i] > '9')
            return fail(reason, "the proxy port must be a number from 1 to 65535");
        port = port * 10 + (port_start[i] - '0');
    }
    if (port < 1 || port > 65535)
        return fail(reason, "the proxy port must be a number from 1 to 65535");
    memcpy(out->port, port_start, plen);
    out->port[plen] = '\0';
    return 0;
}

const char *se_proxy_scheme_name(int scheme)
{
    switch (scheme) {
    case SE_PROXY_SOCKS5:
        return "socks5";
    case SE_PROXY_SOCKS5H:
        return "socks5h";
    case SE_PROXY_HTTP:
        return "http";
    default:
        return "?";
    }
}
