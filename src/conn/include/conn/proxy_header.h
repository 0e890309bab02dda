/* The PROXY protocol header (haproxy's version 1 text and version 2 binary
 * forms): a load balancer sends it first on a connection to tell the server
 * the original client's address. Pure functions over bytes: no socket, no
 * allocation, no state between calls.
 *
 * Parsing is incremental over a growing prefix: call se_proxy_header_parse()
 * with every byte received so far; it answers "need more", "done" (with the
 * header's length and content) or "invalid" (with a reason). */
#ifndef SOCKECHO_PROXY_HEADER_H
#define SOCKECHO_PROXY_HEADER_H

#include "platform/platform.h"

#include <stddef.h>

/* Longest version 1 header, CRLF included (the specification's bound). */
#define SE_PROXY_V1_MAX 107
/* Fixed part of a version 2 header: signature, command, family, length. */
#define SE_PROXY_V2_FIXED 16
/* Longest version 2 address-and-TLV block accepted: larger ones are refused
 * as oversized, so a receiver never buffers more than
 * SE_PROXY_V2_FIXED + SE_PROXY_V2_MAX_BODY bytes. */
#define SE_PROXY_V2_MAX_BODY 4096
/* Room enough for any header se_proxy_header_encode() writes. */
#define SE_PROXY_ENCODE_MAX 128

enum {
    SE_PROXY_NEED_MORE = 0, /* a valid prefix so far: read more bytes */
    SE_PROXY_DONE = 1,      /* a complete header: see se_proxy_header */
    SE_PROXY_INVALID = -1   /* not a valid header: refuse the connection */
};

typedef struct se_proxy_header {
    int version; /* 1 or 2 */
    /* Nonzero when the header carries no client address: a version 2 LOCAL
     * command (a health check from the proxy itself), a version 1 UNKNOWN,
     * or a version 2 PROXY of an unspecified or non-IP family. The receiver
     * then uses the connection's own addresses. */
    int local;
    se_sockaddr src; /* the original client (when !local) */
    se_sockaddr dst; /* the address the client connected to (when !local) */
    size_t length;   /* bytes the header takes at the start of the stream */
} se_proxy_header;

/* Parses the start of a stream, DATA[0, LEN), all the bytes received so
 * far. Returns SE_PROXY_DONE and fills *OUT (OUT->length bytes belong to the
 * header; the rest is the client's data), SE_PROXY_NEED_MORE when DATA is a
 * valid but incomplete prefix, or SE_PROXY_INVALID and sets *REASON (a
 * static string) when no valid header can start with these bytes. */
int se_proxy_header_parse(const unsigned char *data, size_t len, se_proxy_header *out,
                          const char **reason);

/* Whether DATA[0, LEN) starts with a PROXY header's signature ("PROXY "
 * or version 2's 12 bytes), whatever follows: 1 yes, 0 no, -1 too few
 * bytes to tell. For refusing headers from sources that are not trusted. */
int se_proxy_header_detect(const unsigned char *data, size_t len);

/* Writes a header of VERSION (1 or 2) into BUF (at least
 * SE_PROXY_ENCODE_MAX bytes) claiming a connection from SRC to DST (IPv4 or
 * IPv6; when their families differ, the IPv4 one is written as an
 * IPv4-mapped IPv6 address). SRC == NULL writes a LOCAL (v2) / UNKNOWN (v1)
 * header. Returns the header's length, or SE_EINVAL (bad version or
 * family). */
int se_proxy_header_encode(int version, const struct sockaddr *src, const struct sockaddr *dst,
                           unsigned char *buf, size_t size);

#endif
