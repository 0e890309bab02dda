/* The TLS filter: a TLS session (client or server side) in a connection's
 * filter chain (conn/filter.h). The owner sees plaintext; the connection's
 * byte counts, backpressure, timeouts and backends work unchanged.
 *
 * The end of the stream: the peer's close_notify is passed up as the end of
 * stream at once; a TCP FIN without it is passed up too, and
 * se_tls_filter_close_received() then says 0 (a truncation: an attacker or
 * a proxy that cut the stream). The owner's se_conn_shutdown() sends
 * close_notify after its last byte, then the FIN. A handshake or record
 * failure fails the connection with SE_ETLS; se_tls_filter_error() says
 * why in one line. */
#ifndef SOCKECHO_CONN_TLS_FILTER_H
#define SOCKECHO_CONN_TLS_FILTER_H

#include "conn/conn.h"
#include "conn/tls_config.h"

typedef struct se_tls_filter se_tls_filter;

/* Pushes a TLS filter of CFG on top of CONN's chain (before se_conn_connect
 * or se_conn_adopt). A client verifies the server against SERVERNAME (also
 * its SNI). *OUT (may be NULL) receives a handle valid until CONN's
 * on_close has returned. CFG must outlive CONN. Returns 0 or an error. */
int se_tls_filter_push(se_conn *conn, se_tls_config *cfg, const char *servername,
                       se_tls_filter **out);

/* 1 once the handshake is done (and the peer verified). */
int se_tls_filter_handshake_done(const se_tls_filter *tf);

/* 1 once the peer's close_notify has arrived. */
int se_tls_filter_close_received(const se_tls_filter *tf);

/* 1 once our close_notify has been sent. */
int se_tls_filter_close_sent(const se_tls_filter *tf);

/* Plaintext bytes the owner sent through the filter (the connection's
 * byte count is the ciphertext's). */
uint64_t se_tls_filter_plain_sent(const se_tls_filter *tf);

/* Why the session failed, one line ("certificate has expired"); "" if it
 * did not. */
const char *se_tls_filter_error(const se_tls_filter *tf);

/* The session's version, cipher, ALPN, peer certificate, handshake time. */
void se_tls_filter_info(const se_tls_filter *tf, se_tls_info *info);

#endif
