/* One TCP connection's state machine, completion-shaped ("data arrived",
 * "your queue drained", "your FIN is out") on top of the readiness loop.
 *
 *   IDLE --connect--> CONNECTING --(each address in turn)--> OPEN
 *   IDLE --accepted--------------------------------------------> OPEN
 *   OPEN: reading on/off; our side half-closed once the send queue is empty
 *         after se_conn_shutdown(); their side half-closed at on_eof
 *   OPEN/CONNECTING --close/abort--> CLOSED --(deferred)--> on_close
 *
 * The owner allocates the se_conn and keeps it valid until on_close has run;
 * on_close is the place to free it. Callbacks are never called from inside
 * the se_conn_* call that caused them; a call that fails calls nothing. */
#ifndef SOCKECHO_CONN_H
#define SOCKECHO_CONN_H

#include "loop/loop.h"

typedef struct se_conn se_conn;

typedef struct se_conn_callbacks {
    /* Connect finished: STATUS 0 (OPEN) or the last attempt's error. */
    void (*on_connect)(se_conn *conn, int status);
    /* One connect attempt ended (optional): its address, 0 or the error,
     * and how long it took. */
    void (*on_attempt)(se_conn *conn, const struct sockaddr *addr, int status, uint64_t elapsed_ns);
    /* LEN > 0 bytes arrived; DATA is valid only during the call. */
    void (*on_read)(se_conn *conn, const char *data, size_t len);
    /* The peer's FIN: no more data will arrive. Reading has stopped. */
    void (*on_eof)(se_conn *conn);
    /* The send queue became empty (optional). */
    void (*on_drain)(se_conn *conn);
    /* Our FIN is sent: the queue drained and the send side is shut down. */
    void (*on_shutdown)(se_conn *conn);
    /* A fatal error (reset, ...). I/O has stopped; the owner should close. */
    void (*on_error)(se_conn *conn, int err);
    /* The socket is closed and the conn is no longer used by the loop. */
    void (*on_close)(se_conn *conn);
} se_conn_callbacks;

enum { SE_CONN_IDLE, SE_CONN_CONNECTING, SE_CONN_OPEN, SE_CONN_CLOSED };

/* What only a connecting conn needs; allocated by se_conn_connect, freed
 * once connected or failed, so accepted connections never carry it. */
typedef struct se_connecting {
    const struct addrinfo *next_addr;
    uint64_t timeout_ms;
    uint64_t attempt_start_ns;
    int last_error;
    se_timer timer;
} se_connecting;

/* Kept small: a server holds one per client, idle ones included. */
struct se_conn {
    se_loop *loop;
    const se_conn_callbacks *cb;
    void *data; /* the owner's */
    se_io io;
    uint64_t bytes_in, bytes_out;
    /* Unsent output: buf[head, tail). Freed whenever it empties, so an idle
     * connection holds no buffer. */
    char *buf;
    uint32_t head, tail, cap;
    uint32_t read_limit; /* bytes per recv; 0: the loop's buffer size */
    se_connecting *connecting;
    const struct sockaddr *source; /* bound before connect when its family matches */
    se_sockaddr peer;
    uint8_t state;
    uint8_t reading;
    uint8_t eof_received;
    uint8_t shutdown_requested;
    uint8_t shutdown_done;
    uint8_t notify_pending;
    se_deferred notify; /* deferred work: next attempt, on_shutdown, on_close */
};

/* Prepares CONN (zeroed) with callbacks CB for LOOP. */
void se_conn_init(se_conn *conn, se_loop *loop, const se_conn_callbacks *cb, void *data);

/* Connects to each address of LIST in order until one accepts, giving each
 * TIMEOUT_MS (0: no limit). LIST must stay valid until on_connect. Returns 0
 * (on_connect will follow) or an error (nothing follows). */
int se_conn_connect(se_conn *conn, const struct addrinfo *list, uint64_t timeout_ms);

/* Makes each later connect attempt of the same family bind to SOURCE (a
 * local address, port usually 0) first. SOURCE is borrowed; NULL clears. */
void se_conn_set_source(se_conn *conn, const struct sockaddr *source);

/* Adopts an accepted, non-blocking socket: CONN becomes OPEN and owns SOCK. */
void se_conn_adopt(se_conn *conn, se_socket sock, const struct sockaddr_storage *peer);

/* Caps each on_read at LIMIT bytes (0: no cap beyond the loop's buffer). */
void se_conn_set_read_limit(se_conn *conn, size_t limit);

/* Starts / stops delivering on_read. */
int se_conn_read_start(se_conn *conn);
void se_conn_read_stop(se_conn *conn);

/* Sends LEN bytes: as much as the kernel takes now, the rest is copied to the
 * send queue and flushed as the socket becomes writable. Returns 0, or an
 * error (SE_ENOMEM; a send error such as SE_ECONNRESET; SE_ESHUTDOWN after
 * se_conn_shutdown), in which case nothing is queued. */
int se_conn_write(se_conn *conn, const void *data, size_t len);

/* Bytes waiting in the send queue. */
size_t se_conn_pending(const se_conn *conn);

/* Half-closes once the send queue is empty (at once if it is), then calls
 * on_shutdown. Further writes fail. Returns 0 or an error. */
int se_conn_shutdown(se_conn *conn);

/* Closes gracefully: the kernel sends what it holds, then FIN. on_close
 * follows (deferred). Safe from any callback; a second close is ignored. */
void se_conn_close(se_conn *conn);

/* Closes abortively (RST), discarding queued output. on_close follows. */
void se_conn_abort(se_conn *conn);

/* Peer address (valid once OPEN, or of the attempt in progress). */
const struct sockaddr *se_conn_peer(const se_conn *conn);

#endif
