/* The head of an HTTP/1.x request (RFC 9112), read from bytes as they come:
 * enough for a tiny responder (the metrics endpoint) that must stay correct
 * and bounded whatever arrives: slow, oversized or binary input. */
#ifndef SOCKECHO_HTTP_REQUEST_H
#define SOCKECHO_HTTP_REQUEST_H

#include <stddef.h>

#define SE_HTTP_METHOD_MAX 16
#define SE_HTTP_TARGET_MAX 256

typedef enum {
    SE_HTTP_INCOMPLETE, /* a valid beginning: more bytes are needed */
    SE_HTTP_COMPLETE,   /* a whole head: method and target are set */
    SE_HTTP_BAD,        /* not HTTP/1.x (answer 400) */
    SE_HTTP_TOO_LARGE   /* a head longer than the limit (answer 431) */
} se_http_status;

typedef struct se_http_request {
    char method[SE_HTTP_METHOD_MAX + 1];
    char target[SE_HTTP_TARGET_MAX + 1]; /* the path and query, as sent */
    size_t head_len;                     /* bytes of the head, blank line included */
} se_http_request;

/* Parses BUF[0..LEN), the first bytes of a connection, as a request head of
 * at most MAX bytes. Returns SE_HTTP_INCOMPLETE while BUF is a valid prefix
 * shorter than MAX, SE_HTTP_COMPLETE (filling REQ) at the blank line, or an
 * error as soon as BUF cannot begin a valid head (a request line that is not
 * METHOD SP /TARGET SP HTTP/1.x, a control byte, a header line without ':').
 * A target longer than SE_HTTP_TARGET_MAX is SE_HTTP_TOO_LARGE. */
se_http_status se_http_parse(const char *buf, size_t len, size_t max, se_http_request *req);

#endif
