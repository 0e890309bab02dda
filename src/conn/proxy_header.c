/* PROXY protocol headers, versions 1 and 2 (haproxy's proxy-protocol.txt). */
#include "conn/proxy_header.h"

#include <string.h>

static const unsigned char v2_signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                               0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
static const char v1_signature[6] = "PROXY ";

static int invalid(const char **reason, const char *text)
{
    *reason = text;
    return SE_PROXY_INVALID;
}

/* A decimal port without leading zeros, 0..65535. */
static int parse_port(const char *text, int *port)
{
    size_t n = strlen(text);
    if (n == 0 || n > 5 || (n > 1 && text[0] == '0'))
        return -1;
    long value = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    if (value > 65535)
        return -1;
    *port = (int)value;
    return 0;
}

static int parse_v1_address(int family, const char *host, const char *port, se_sockaddr *out)
{
    int p;
    memset(out, 0, sizeof *out);
    if (parse_port(port, &p) != 0)
        return -1;
    if (family == AF_INET) {
        out->v4.sin_family = AF_INET;
        if (inet_pton(AF_INET, host, &out->v4.sin_addr) != 1)
            return -1;
    } else {
        out->v6.sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, host, &out->v6.sin6_addr) != 1)
            return -1;
    }
    se_addr_set_port(&out->sa, p);
    return 0;
}

/* "PROXY TCP4 1.2.3.4 5.6.7.8 1234 80\r\n" / "PROXY UNKNOWN ...\r\n". */
static int parse_v1(const unsigned char *data, size_t len, se_proxy_header *out,
                    const char **reason)
{
    size_t limit = len < SE_PROXY_V1_MAX ? len : SE_PROXY_V1_MAX;
    size_t end = 0;
    for (size_t i = sizeof v1_signature; i < limit; i++) {
        if (data[i] == '\n') {
            if (data[i - 1] != '\r')
                return invalid(reason, "version 1 header: line feed without carriage return");
            end = i - 1;
            break;
        }
        if (data[i] != '\r' && (data[i] < 0x20 || data[i] > 0x7E))
            return invalid(reason, "version 1 header: a byte that is not printable text");
    }
    if (end == 0) {
        if (len >= SE_PROXY_V1_MAX)
            return invalid(reason, "version 1 header: no CRLF within 107 bytes");
        return SE_PROXY_NEED_MORE;
    }
    char line[SE_PROXY_V1_MAX];
    size_t n = end - sizeof v1_signature;
    memcpy(line, data + sizeof v1_signature, n);
    line[n] = '\0';

    memset(out, 0, sizeof *out);
    out->version = 1;
    out->length = end + 2;
    if (strncmp(line, "UNKNOWN", 7) == 0 && (line[7] == '\0' || line[7] == ' ')) {
        out->local = 1;
        return SE_PROXY_DONE;
    }
    /* Exactly five fields separated by single spaces. */
    char *field[5];
    size_t count = 0;
    char *p = line;
    for (;;) {
        if (count == 5)
            return invalid(reason, "version 1 header: too many fields");
        field[count++] = p;
        char *space = strchr(p, ' ');
        if (!space)
            break;
        *space = '\0';
        p = space + 1;
    }
    if (count != 5)
        return invalid(reason, "version 1 header: too few fields");
    int family;
    if (strcmp(field[0], "TCP4") == 0)
        family = AF_INET;
    else if (strcmp(field[0], "TCP6") == 0)
        family = AF_INET6;
    else
        return invalid(reason, "version 1 header: protocol is not TCP4, TCP6 or UNKNOWN");
    if (parse_v1_address(family, field[1], field[3], &out->src) != 0)
        return invalid(reason, "version 1 header: bad source address or port");
    if (parse_v1_address(family, field[2], field[4], &out->dst) != 0)
        return invalid(reason, "version 1 header: bad destination address or port");
    return SE_PROXY_DONE;
}

static unsigned read_be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static int parse_v2(const unsigned char *data, size_t len, se_proxy_header *out,
                    const char **reason)
{
    if (len < SE_PROXY_V2_FIXED)
        return SE_PROXY_NEED_MORE;
    unsigned version = data[12] >> 4, command = data[12] & 0x0F;
    unsigned family = data[13] >> 4, transport = data[13] & 0x0F;
    size_t body = read_be16(data + 14);
    if (version != 2)
        return invalid(reason, "version 2 header: unsupported version");
    if (command > 1)
        return invalid(reason, "version 2 header: unknown command");
    if (body > SE_PROXY_V2_MAX_BODY)
        return invalid(reason, "version 2 header: oversized (more than 4096 bytes of addresses)");
    if (len < SE_PROXY_V2_FIXED + body)
        return SE_PROXY_NEED_MORE;

    memset(out, 0, sizeof *out);
    out->version = 2;
    out->length = SE_PROXY_V2_FIXED + body;
    if (command == 0) { /* LOCAL: the proxy's own connection */
        out->local = 1;
        return SE_PROXY_DONE;
    }
    if (family > 3)
        return invalid(reason, "version 2 header: unknown address family");
    if (transport > 2)
        return invalid(reason, "version 2 header: unknown transport protocol");
    if (family != 0 && transport == 2)
        return invalid(reason, "version 2 header: a datagram transport on a stream connection");
    if (family != 0 && transport == 0)
        return invalid(reason, "version 2 header: unspecified transport with an address family");
    const unsigned char *a = data + SE_PROXY_V2_FIXED;
    switch (family) {
    case 1: /* AF_INET: 4 + 4 + 2 + 2 */
        if (body < 12)
            return invalid(reason, "version 2 header: address block too short for IPv4");
        out->src.v4.sin_family = AF_INET;
        out->dst.v4.sin_family = AF_INET;
        memcpy(&out->src.v4.sin_addr, a, 4);
        memcpy(&out->dst.v4.sin_addr, a + 4, 4);
        se_addr_set_port(&out->src.sa, (int)read_be16(a + 8));
        se_addr_set_port(&out->dst.sa, (int)read_be16(a + 10));
        return SE_PROXY_DONE;
    case 2: /* AF_INET6: 16 + 16 + 2 + 2 */
        if (body < 36)
            return invalid(reason, "version 2 header: address block too short for IPv6");
        out->src.v6.sin6_family = AF_INET6;
        out->dst.v6.sin6_family = AF_INET6;
        memcpy(&out->src.v6.sin6_addr, a, 16);
        memcpy(&out->dst.v6.sin6_addr, a + 16, 16);
        se_addr_set_port(&out->src.sa, (int)read_be16(a + 32));
        se_addr_set_port(&out->dst.sa, (int)read_be16(a + 34));
        return SE_PROXY_DONE;
    case 3: /* AF_UNIX: two 108-byte paths; no IP address to report */
        if (body < 216)
            return invalid(reason, "version 2 header: address block too short for UNIX");
        out->local = 1;
        return SE_PROXY_DONE;
    default: /* AF_UNSPEC */
        out->local = 1;
        return SE_PROXY_DONE;
    }
}

int se_proxy_header_parse(const unsigned char *data, size_t len, se_proxy_header *out,
                          const char **reason)
{
    *reason = NULL;
    if (len == 0)
        return SE_PROXY_NEED_MORE;
    if (data[0] == (unsigned char)v1_signature[0]) {
        size_t n = len < sizeof v1_signature ? len : sizeof v1_signature;
        if (memcmp(data, v1_signature, n) != 0)
            return invalid(reason, "no PROXY protocol header (bad signature)");
        return len < sizeof v1_signature ? SE_PROXY_NEED_MORE : parse_v1(data, len, out, reason);
    }
    size_t n = len < sizeof v2_signature ? len : sizeof v2_signature;
    if (memcmp(data, v2_signature, n) != 0)
        return invalid(reason, "no PROXY protocol header (bad signature)");
    return len < sizeof v2_signature ? SE_PROXY_NEED_MORE : parse_v2(data, len, out, reason);
}

int se_proxy_header_detect(const unsigned char *data, size_t len)
{
    if (len == 0)
        return -1;
    const unsigned char *sig = data[0] == (unsigned char)v1_signature[0]
                                   ? (const unsigned char *)v1_signature
                                   : v2_signature;
    size_t sig_len = sig == v2_signature ? sizeof v2_signature : sizeof v1_signature;
    size_t n = len < sig_len ? len : sig_len;
    if (memcmp(data, sig, n) != 0)
        return 0;
    return len < sig_len ? -1 : 1;
}

/* ADDR as IPv6 (an IPv4 address becomes ::ffff:a.b.c.d). */
static void to_v6(const struct sockaddr *addr, struct sockaddr_in6 *out)
{
    if (addr->sa_family == AF_INET6) {
        memcpy(out, addr, sizeof *out);
        return;
    }
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)addr;
    memset(out, 0, sizeof *out);
    out->sin6_family = AF_INET6;
    out->sin6_port = v4->sin_port;
    out->sin6_addr.s6_addr[10] = 0xFF;
    out->sin6_addr.s6_addr[11] = 0xFF;
    memcpy(out->sin6_addr.s6_addr + 12, &v4->sin_addr, 4);
}

static void put_be16(unsigned char *p, unsigned value)
{
    p[0] = (unsigned char)(value >> 8);
    p[1] = (unsigned char)value;
}

int se_proxy_header_encode(int version, const struct sockaddr *src, const struct sockaddr *dst,
                           unsigned char *buf, size_t size)
{
    if ((version != 1 && version != 2) || size < SE_PROXY_ENCODE_MAX)
        return SE_EINVAL;
    int family = AF_UNSPEC;
    struct sockaddr_in6 s6, d6;
    if (src) {
        if (!dst || (src->sa_family != AF_INET && src->sa_family != AF_INET6) ||
            (dst->sa_family != AF_INET && dst->sa_family != AF_INET6))
            return SE_EINVAL;
        family = src->sa_family == dst->sa_family ? src->sa_family : AF_INET6;
        to_v6(src, &s6);
        to_v6(dst, &d6);
    }
    if (version == 1) {
        if (family == AF_UNSPEC) {
            memcpy(buf, "PROXY UNKNOWN\r\n", 15);
            return 15;
        }
        char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
        if (family == AF_INET) {
            inet_ntop(AF_INET, &((const struct sockaddr_in *)src)->sin_addr, s, sizeof s);
            inet_ntop(AF_INET, &((const struct sockaddr_in *)dst)->sin_addr, d, sizeof d);
        } else {
            inet_ntop(AF_INET6, &s6.sin6_addr, s, sizeof s);
            inet_ntop(AF_INET6, &d6.sin6_addr, d, sizeof d);
        }
        int n = snprintf((char *)buf, size, "PROXY %s %s %s %d %d\r\n",
                         family == AF_INET ? "TCP4" : "TCP6", s, d, se_addr_port(src),
                         se_addr_port(dst));
        return n;
    }
    memcpy(buf, v2_signature, sizeof v2_signature);
    unsigned char *a = buf + SE_PROXY_V2_FIXED;
    if (family == AF_UNSPEC) {
        buf[12] = 0x20; /* version 2, LOCAL */
        buf[13] = 0x00;
        put_be16(buf + 14, 0);
        return SE_PROXY_V2_FIXED;
    }
    buf[12] = 0x21; /* version 2, PROXY */
    if (family == AF_INET) {
        buf[13] = 0x11; /* INET, STREAM */
        put_be16(buf + 14, 12);
        memcpy(a, &((const struct sockaddr_in *)src)->sin_addr, 4);
        memcpy(a + 4, &((const struct sockaddr_in *)dst)->sin_addr, 4);
        put_be16(a + 8, (unsigned)se_addr_port(src));
        put_be16(a + 10, (unsigned)se_addr_port(dst));
        return SE_PROXY_V2_FIXED + 12;
    }
    buf[13] = 0x21; /* INET6, STREAM */
    put_be16(buf + 14, 36);
    memcpy(a, &s6.sin6_addr, 16);
    memcpy(a + 16, &d6.sin6_addr, 16);
    put_be16(a + 32, ntohs(s6.sin6_port));
    put_be16(a + 34, ntohs(d6.sin6_port));
    return SE_PROXY_V2_FIXED + 36;
}
