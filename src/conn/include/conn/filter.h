/* Connection filters (curl's connection filters, lib/cfilters.h): anything
 * that transforms or inspects a connection's byte stream sits in a chain
 * between the socket (below) and the owner (above): TLS, a PROXY protocol
 * header, a proxy handshake, injected faults. Every backend, timeout and
 * verdict then works with it unchanged.
 *
 * Bytes from the peer enter the bottom filter's recv() and each filter
 * passes what the next one up should see with se_filter_recv_up(); the
 * owner's bytes enter the top filter's send() and go down with
 * se_filter_send_down(). Every op may be NULL: the filter then passes that
 * direction through unchanged. An op returns 0 or an SE_E* error, which
 * fails the connection (on_error).
 *
 * Opening: once the socket is connected (or adopted), filters are opened
 * bottom up. open() may send handshake bytes down and receive the replies
 * in recv(); the filter calls se_filter_ready() when it is done, and the
 * next one up is opened. When the top filter is ready the connection is
 * OPEN and the owner's on_connect runs. Until a filter is ready, what it
 * passes up waits in the connection. */
#ifndef SOCKECHO_CONN_FILTER_H
#define SOCKECHO_CONN_FILTER_H

#include "conn/conn.h"

struct se_filter_ops {
    const char *name;
    /* The transport below is open: start the handshake, or call
     * se_filter_ready() at once. NULL: ready at once. */
    int (*open)(se_filter *f);
    /* LEN > 0 bytes from below. */
    int (*recv)(se_filter *f, const char *data, size_t len);
    /* The peer's end of stream from below: pass it up with
     * se_filter_eof_up(), or return an error (a TLS stream cut without
     * close_notify). */
    int (*eof)(se_filter *f);
    /* LEN > 0 bytes from above, going down. */
    int (*send)(se_filter *f, const char *data, size_t len);
    /* The owner's half-close, going down: send what must precede it, then
     * se_filter_shutdown_down(). */
    int (*shutdown)(se_filter *f);
    /* Bytes from above the filter holds back (counted by
     * se_conn_pending). */
    size_t (*held)(const se_filter *f);
    /* Releases the filter's context; called once when the conn is freed. */
    void (*destroy)(void *ctx);
};

/* F's context, connection and loop. */
void *se_filter_ctx(const se_filter *f);
se_conn *se_filter_conn(const se_filter *f);
se_loop *se_filter_loop(const se_filter *f);

/* Passes LEN bytes up to the next filter or the owner. Returns 0 or the
 * error of a filter above. */
int se_filter_recv_up(se_filter *f, const char *data, size_t len);

/* Passes the end of stream up. */
int se_filter_eof_up(se_filter *f);

/* Passes LEN bytes down to the next filter or the socket. */
int se_filter_send_down(se_filter *f, const char *data, size_t len);

/* Passes the half-close down; the socket's FIN follows once the send queue
 * is empty. */
int se_filter_shutdown_down(se_filter *f);

/* F has finished its handshake: the next filter up opens, or the conn
 * becomes OPEN. */
void se_filter_ready(se_filter *f);

/* Stops (PAUSED nonzero) or resumes reading from the socket on F's behalf,
 * whatever the owner asks (a slow reader, a stalled peer). */
void se_filter_pause_reading(se_filter *f, int paused);

/* Fails F's connection with ERR (on_error follows, deferred). For errors
 * found outside an op, such as in a filter's timer. */
void se_filter_fail(se_filter *f, int err);

#endif
