/* One TCP connection's state machine, completion-shaped ("data arrived",
 * "your queue drained", "your FIN is out"), opaque to its owner (redis
 * connection.h's accessors).
 *
 *   IDLE --connect--> CONNECTING --(a race of attempts: conn/race.h)--> OPENING
 *   IDLE --adopt (an accepted socket)-------------------------> OPENING
 *   OPENING: the filters' handshakes (TLS, PROXY header, ...) --> OPEN
 *   OPEN: reading on/off; our side half-closed once the send queue is empty
 *         after se_conn_shutdown(); their side half-closed at on_eof
 *   any --close/abort--> CLOSED --(deferred)--> on_close, then freed
 *   CONNECTING --every address failed--> FAILED (on_connect(err)); the owner
 *         closes it like any other
 *
 * Bytes from the peer travel up through the filters (conn/filter.h) to the
 * owner's on_read; the owner's bytes travel down through them to the socket.
 * The connection layer owns the receive buffer and the send queue.
 *
 * Callbacks are never called from inside the se_conn_* call that caused
 * them; a call that fails calls nothing. on_read is never called while
 * reading is stopped (what filters pass up meanwhile is held). */
#ifndef SOCKECHO_CONN_H
#define SOCKECHO_CONN_H

#include "loop/loop.h"

/* The most one on_read delivers. */
#define SE_CONN_READ_MAX (64 * 1024)

typedef struct se_conn se_conn;
typedef struct se_filter se_filter;
typedef struct se_filter_ops se_filter_ops;

typedef struct se_conn_callbacks {
    /* Connected, or the filters' handshakes done (optional for accepted
     * connections): STATUS 0 (OPEN) or the error that ended the attempt
     * (the conn is then FAILED). */
    void (*on_connect)(se_conn *conn, int status);
    /* One connect attempt starts (optional). */
    void (*on_attempt_start)(se_conn *conn, const struct sockaddr *addr);
    /* One connect attempt ended (optional): its address, 0 or the error
     * (SE_ECANCELED: another attempt connected first), and how long it
     * took. The winner's comes last, right before the filters open. */
    void (*on_attempt)(se_conn *conn, const struct sockaddr *addr, int status, uint64_t elapsed_ns);
    /* LEN > 0 bytes arrived; DATA is valid only during the call. */
    void (*on_read)(se_conn *conn, const char *data, size_t len);
    /* The peer's FIN: no more data will arrive. Reading has stopped. */
    void (*on_eof)(se_conn *conn);
    /* The send queue became empty (optional). */
    void (*on_drain)(se_conn *conn);
    /* Our FIN is sent after se_conn_shutdown(): the queue drained and the
     * send side is shut down. */
    void (*on_shutdown)(se_conn *conn);
    /* A fatal error (reset, a filter's error, ...). I/O has stopped; the
     * owner should close. */
    void (*on_error)(se_conn *conn, int err);
    /* The socket is closed; the conn is freed when this returns. */
    void (*on_close)(se_conn *conn);
} se_conn_callbacks;

typedef enum {
    SE_CONN_IDLE,
    SE_CONN_CONNECTING,
    SE_CONN_OPENING,
    SE_CONN_OPEN,
    SE_CONN_FAILED,
    SE_CONN_CLOSED
} se_conn_state;

/* Creates a connection on LOOP with callbacks CB and OWNER_SIZE zeroed bytes
 * for the owner (se_conn_owner, aligned for pointers, 64-bit integers and
 * doubles), in one allocation. Returns NULL when out
 * of memory. The conn frees itself after on_close. */
se_conn *se_conn_new(se_loop *loop, const se_conn_callbacks *cb, size_t owner_size);

/* As se_conn_new, without room for the peer address (32 bytes less, for an
 * owner that never asks for it): se_conn_peer() is then of family
 * AF_UNSPEC, and se_conn_set_peer() and the peer se_conn_adopt() is given
 * are ignored. */
se_conn *se_conn_new_peerless(se_loop *loop, const se_conn_callbacks *cb, size_t owner_size);

/* Frees CONN at once, calling nothing: only while IDLE (never connected or
 * adopted, or its se_conn_connect failed). */
void se_conn_discard(se_conn *conn);

/* The owner's bytes allocated with CONN, and the conn that holds them. */
void *se_conn_owner(const se_conn *conn);
se_conn *se_conn_of_owner(const void *owner);

/* The loop CONN runs on. */
se_loop *se_conn_loop(const se_conn *conn);

/* Connects to one address of LIST, giving each attempt TIMEOUT_MS (0: no
 * limit): one at a time in LIST's order, or raced (Happy Eyeballs, see
 * se_conn_set_attempt_delay). LIST must stay valid until on_connect.
 * Returns 0 (on_connect will follow) or an error (nothing follows). */
int se_conn_connect(se_conn *conn, const struct addrinfo *list, uint64_t timeout_ms);

/* Connects to the Unix domain stream socket at PATH (platform/unix_socket.h:
 * a file, or on Linux "@name"), as se_conn_connect does to an address:
 * PATH stays borrowed until on_connect. The peer is of family AF_UNIX.
 * Returns 0 (on_connect will follow) or an error (SE_EINVAL, SE_ENOSYS:
 * nothing follows). */
int se_conn_connect_unix(se_conn *conn, const char *path, uint64_t timeout_ms);

/* Races the connect attempts (conn/race.h): a new one every DELAY_MS while
 * earlier ones are pending, IPv6 and IPv4 interleaved; 0 (the default):
 * one at a time in the list's order. Call before se_conn_connect. Returns
 * 0, SE_EINVAL (not IDLE) or SE_ENOMEM. */
int se_conn_set_attempt_delay(se_conn *conn, uint64_t delay_ms);

/* Makes each connect attempt of the same family bind to SOURCE (a local
 * address, port usually 0) first. Call before se_conn_connect. SOURCE is
 * borrowed; NULL clears. Returns 0 or an error (SE_ENOMEM). */
int se_conn_set_source(se_conn *conn, const struct sockaddr *source);

/* Calls SETUP(sock, family, ARG) on each connect attempt's socket before it
 * binds and connects (socket options); an error fails that attempt. Call
 * before se_conn_connect. Returns 0, SE_EINVAL (not IDLE) or SE_ENOMEM. */
int se_conn_set_socket_setup(se_conn *conn, int (*setup)(se_socket sock, int family, void *arg),
                             void *arg);

/* Adopts an accepted, non-blocking socket: CONN owns SOCK and opens its
 * filters (it is OPEN at once when it has none). */
void se_conn_adopt(se_conn *conn, se_socket sock, const struct sockaddr_storage *peer);

/* Pushes a filter (conn/filter.h) on top of CONN's chain, below the owner.
 * Call before se_conn_connect or se_conn_adopt. CTX is the filter's own and
 * is handed to OPS->destroy when the conn is freed. Returns 0 or SE_ENOMEM
 * (OPS->destroy has then been called). */
int se_conn_push_filter(se_conn *conn, const se_filter_ops *ops, void *ctx);

/* Caps each on_read at LIMIT bytes (0: no cap beyond the receive buffer).
 * Returns 0 or SE_ENOMEM. */
int se_conn_set_read_limit(se_conn *conn, size_t limit);

/* Starts / stops delivering on_read. */
int se_conn_read_start(se_conn *conn);
void se_conn_read_stop(se_conn *conn);

/* Sends LEN bytes through the filters: as much as the kernel takes now, the
 * rest is copied to the send queue and flushed as the socket becomes
 * writable. Returns 0, or an error (SE_ENOMEM; a send error such as
 * SE_ECONNRESET; SE_ESHUTDOWN after se_conn_shutdown), in which case nothing
 * is queued. */
int se_conn_write(se_conn *conn, const void *data, size_t len);

/* Bytes sent but not yet handed to the kernel: the send queue and what
 * filters hold back. */
size_t se_conn_pending(const se_conn *conn);

/* Half-closes once the send queue is empty (at once if it is), then calls
 * on_shutdown. Further writes fail. Returns 0 or an error. */
int se_conn_shutdown(se_conn *conn);

/* Closes gracefully: the kernel sends what it holds, then FIN. on_close
 * follows (deferred). Safe from any callback; a second close is ignored. */
void se_conn_close(se_conn *conn);

/* Closes abortively (RST), discarding queued output. on_close follows. */
void se_conn_abort(se_conn *conn);

/* ---- accessors ---- */

se_conn_state se_conn_get_state(const se_conn *conn);

/* Nonzero while data can still flow (OPENING or OPEN). */
int se_conn_is_open(const se_conn *conn);

/* Bytes the peer sent (after the filters: what the owner received) and
 * bytes handed to the kernel (before the filters: what the socket sent). */
uint64_t se_conn_bytes_in(const se_conn *conn);
uint64_t se_conn_bytes_out(const se_conn *conn);

/* The time (ms, the loop's clock) at which bytes last moved either way on
 * the socket: received, or taken by the kernel. Set at connect/adopt. It
 * may be later than se_loop_now() when they moved during this round. */
uint64_t se_conn_last_activity(const se_conn *conn);

/* How long (ms) nothing has moved on CONN, by the round's time: 0 when
 * bytes moved during this round. */
uint64_t se_conn_idle_ms(const se_conn *conn);

/* The peer's FIN arrived; the owner asked for our FIN; our FIN is out. */
int se_conn_eof_received(const se_conn *conn);
int se_conn_shutdown_requested(const se_conn *conn);
int se_conn_shutdown_done(const se_conn *conn);

/* Peer address (valid once OPEN, or of the attempt in progress). */
const struct sockaddr *se_conn_peer(const se_conn *conn);

/* The connection's socket (SE_INVALID_SOCKET before a connect attempt or
 * se_conn_adopt), for socket options and its local address; the conn keeps
 * owning it. */
se_socket se_conn_socket(const se_conn *conn);

/* Replaces the peer address the owner sees (a PROXY header's original
 * client). */
void se_conn_set_peer(se_conn *conn, const struct sockaddr *addr);

#endif
