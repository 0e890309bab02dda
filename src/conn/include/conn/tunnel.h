/* A client's handshake with a proxy that opens a tunnel to the destination:
 * SOCKS5 (RFC 1928, username/password per RFC 1929) or HTTP CONNECT. A pure
 * state machine over bytes: it produces the bytes to send to the proxy and
 * consumes the proxy's replies; the caller moves the bytes.
 *
 *   se_tunnel_start()          -> request bytes ready (se_tunnel_output)
 *   loop: send the output, then se_tunnel_input(reply bytes) until it
 *         answers DONE (bytes after CONSUMED belong to the destination) or
 *         an error (se_tunnel_reason says why). */
#ifndef SOCKECHO_TUNNEL_H
#define SOCKECHO_TUNNEL_H

#include "conn/proxy_url.h"
#include "platform/platform.h"

#include <stddef.h>

enum {
    SE_TUNNEL_NEED_MORE = 0,    /* send the output (if any), then read more */
    SE_TUNNEL_DONE = 1,         /* the tunnel is open */
    SE_TUNNEL_REFUSED = -1,     /* the proxy refused: policy, unreachable destination, ... */
    SE_TUNNEL_AUTH_FAILED = -2, /* authentication required, refused or not offered */
    SE_TUNNEL_BAD_REPLY = -3    /* the peer does not speak the protocol */
};

typedef struct se_tunnel {
    int scheme; /* SE_PROXY_* */
    int state;
    const se_proxy_url *proxy; /* borrowed: the proxy and its credentials */
    char host[256];            /* the destination as a name (socks5h, http) */
    se_sockaddr addr;          /* the destination as an address (socks5) */
    int port;
    unsigned char out[1536]; /* bytes waiting to be sent to the proxy */
    size_t out_len;
    unsigned char in[300]; /* the SOCKS5 message being read, or the HTTP status line */
    size_t in_len, want;
    size_t reply_bytes; /* HTTP: reply bytes read so far */
    unsigned tail;      /* HTTP: the last four bytes read, to find CRLF CRLF */
    int result;         /* the last SE_TUNNEL_* answer */
    char reason[200];
} se_tunnel;

/* Prepares T to open a tunnel through PROXY to the destination: HOST and
 * PORT for socks5h:// and http:// (the proxy resolves HOST; a numeric HOST
 * is sent as an address), ADDR (with PORT) for socks5:// (the client
 * resolved it). The first request is then ready in se_tunnel_output().
 * Returns 0, or SE_EINVAL (a HOST longer than 255 bytes, a missing ADDR). */
int se_tunnel_start(se_tunnel *t, const se_proxy_url *proxy, const char *host,
                    const struct sockaddr *addr, int port);

/* The bytes to send to the proxy now (*LEN may be 0). Valid until the next
 * call on T; call se_tunnel_output_taken() once they are queued. */
const unsigned char *se_tunnel_output(const se_tunnel *t, size_t *len);
void se_tunnel_output_taken(se_tunnel *t);

/* Feeds bytes received from the proxy. Sets *CONSUMED to the bytes that
 * belong to the handshake; after DONE, DATA[*CONSUMED, LEN) is the
 * destination's first data. Returns an SE_TUNNEL_* value; after an error
 * (negative) T must not be fed again. */
int se_tunnel_input(se_tunnel *t, const unsigned char *data, size_t len, size_t *consumed);

/* The proxy closed the connection before the tunnel was open. Returns the
 * error to report (SE_TUNNEL_REFUSED) and sets the reason. */
int se_tunnel_eof(se_tunnel *t);

/* The last SE_TUNNEL_* answer of se_tunnel_input / se_tunnel_eof
 * (SE_TUNNEL_NEED_MORE before any). */
int se_tunnel_result(const se_tunnel *t);

/* Why the last error happened ("SOCKS5 proxy: connection refused by the
 * destination (reply 5)"); "" when there was none. */
const char *se_tunnel_reason(const se_tunnel *t);

/* A short name for an SE_TUNNEL_* error: "proxy-refused",
 * "proxy-auth-failed", "proxy-bad-reply". */
const char *se_tunnel_error_name(int rc);

#endif
