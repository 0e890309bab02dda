/* PROXY protocol on a connection (conn/proxy_header.h as filters): a client
 * that announces an address to a load balancer, a server behind one. */
#ifndef SOCKECHO_CONN_PROXY_FILTER_H
#define SOCKECHO_CONN_PROXY_FILTER_H

#include "conn/conn.h"
#include "conn/proxy_header.h"

/* Pushes a filter that sends a PROXY header of VERSION (1 or 2) before any
 * other byte on CONN, claiming SOURCE as the client (NULL: the connection's
 * own local address) and the peer as the destination. SOURCE is copied.
 * Returns 0 or SE_ENOMEM / SE_EINVAL. */
int se_conn_push_proxy_send(se_conn *conn, int version, const struct sockaddr *source);

enum {
    SE_PROXY_RX_PENDING,  /* nothing decided yet */
    SE_PROXY_RX_ACCEPTED, /* a header from a trusted proxy: the peer is now its source */
    SE_PROXY_RX_LOCAL,    /* a trusted proxy's own connection (LOCAL, UNKNOWN) */
    SE_PROXY_RX_DIRECT,   /* not from a trusted proxy, and no header: served as is */
    SE_PROXY_RX_REFUSED   /* invalid, missing, late, or from a source not trusted */
};

/* What a receiving filter found; the caller owns it (keep it valid until
 * on_close). */
typedef struct se_proxy_rx {
    int status;         /* SE_PROXY_RX_* */
    int version;        /* of the header, when one was read */
    se_sockaddr proxy;  /* the connection's real peer: the proxy */
    se_sockaddr dst;    /* the destination the header names (ACCEPTED) */
    const char *reason; /* static text, when REFUSED */
} se_proxy_rx;

/* Pushes a filter that reads a PROXY header at the start of an accepted
 * CONN (push it before se_conn_adopt; start reading during OPENING).
 *
 * TRUSTED (the peer is a trusted proxy): the stream must start with a valid
 * header within DEADLINE_MS; its source then replaces the peer
 * (se_conn_set_peer) before the connection is OPEN. A missing, invalid or
 * late header fails the connection (SE_EINVAL, SE_ETIMEDOUT; on_error).
 * Not TRUSTED: the connection is OPEN at once; a stream that starts with a
 * PROXY signature (a forged header) fails it with SE_EACCES, any other
 * stream passes unchanged.
 * RX receives the outcome. Returns 0 or SE_ENOMEM. */
int se_conn_push_proxy_recv(se_conn *conn, int trusted, uint64_t deadline_ms, se_proxy_rx *rx);

#endif
