/* TLS session engine over memory buffers (private to the connection layer).
 *
 * No socket code: the caller feeds the ciphertext that arrived with
 * se_tls_feed(), reads plaintext with se_tls_read(), writes plaintext with
 * se_tls_write() and takes the ciphertext to send with se_tls_take(). The
 * backend is chosen by the build: OpenSSL (tls_openssl.c), Schannel
 * (tls_schannel.c) or none (tls_none.c: every constructor fails with
 * SE_ENOSYS and says that TLS is not compiled in). Configs are declared in
 * conn/tls_config.h. A session belongs to one thread. */
#ifndef SOCKECHO_CONN_TLS_H
#define SOCKECHO_CONN_TLS_H

#include "conn/tls_config.h"

#include <stddef.h>
#include <stdint.h>

typedef struct se_tls se_tls;

/* Starts a session of CFG. A client verifies the server against SERVERNAME
 * (a DNS name or an IP literal; also sent as SNI when it is a name) unless
 * the config is insecure; SERVERNAME is ignored by a server. A client's
 * first flight is ready for se_tls_take() at once. Returns 0 or an error. */
int se_tls_new(se_tls_config *cfg, const char *servername, se_tls **out);

/* Frees T. NULL is ignored. */
void se_tls_free(se_tls *t);

/* Hands LEN bytes of ciphertext from the peer to T (copied). Returns 0 or
 * SE_ENOMEM. Nothing is processed until se_tls_read(). */
int se_tls_feed(se_tls *t, const char *data, size_t len);

/* Advances the handshake and decrypts. Returns the count of plaintext bytes
 * put in BUF (> 0), SE_EAGAIN when more ciphertext is needed, SE_EOF once
 * the peer's close_notify arrived, or SE_ETLS when the handshake or a record
 * failed (the reason in se_tls_error()). Call it after every feed, until it
 * stops returning data: it may also produce ciphertext to take. */
long se_tls_read(se_tls *t, char *buf, size_t len);

/* Encrypts LEN bytes of plaintext (all of them, or none on error); before
 * the handshake is done they wait inside T. Returns 0, SE_ESHUTDOWN after
 * se_tls_close_notify(), SE_ETLS after a failure, or SE_ENOMEM. */
int se_tls_write(se_tls *t, const char *data, size_t len);

/* Ciphertext bytes waiting to be sent. */
size_t se_tls_pending(const se_tls *t);

/* Moves up to LEN bytes of ciphertext to send into BUF; returns the count. */
size_t se_tls_take(se_tls *t, char *buf, size_t len);

/* Sends close_notify after everything written so far (our half-close).
 * Returns 0 or an error. A second call does nothing. */
int se_tls_close_notify(se_tls *t);

/* 1 once the handshake has completed (and the peer was verified). */
int se_tls_handshake_done(const se_tls *t);

/* 1 once the peer's close_notify has arrived. */
int se_tls_close_received(const se_tls *t);

/* One line saying why the session failed ("certificate has expired",
 * "hostname mismatch", ...); "" while nothing failed. */
const char *se_tls_error(const se_tls *t);

/* Fails T with REASON (unless it already failed): every later call
 * returns SE_ETLS. For failures the caller finds, such as a stream that
 * ends during the handshake. */
void se_tls_fail(se_tls *t, const char *reason);

/* Fills INFO about a session whose handshake is done. */
void se_tls_get_info(const se_tls *t, se_tls_info *info);

#endif
