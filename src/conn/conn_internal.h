/* The connection layer's own view of a connection: the structure, and what
 * conn.c shares with the transports below it (completion.c).
 *
 * A transport moves bytes between the socket and the connection: the
 * readiness transport (conn.c: non-blocking recv/send when the loop says the
 * socket is ready) or the completion transport (completion.c: receives and
 * sends the loop completes, on loops that offer it). conn.c chooses one when
 * the socket is connected or adopted; everything above it is the same. */
#ifndef SOCKECHO_CONN_INTERNAL_H
#define SOCKECHO_CONN_INTERNAL_H

#include "conn/filter.h"
#include "loop/completion.h"

/* A send queue up to this size is kept when it drains (no allocation per
 * burst); a larger one is freed, so a connection that once backed up does
 * not keep its peak. */
#define SE_QUEUE_KEEP (64 * 1024)

typedef struct se_connecting se_connecting;
typedef struct se_conn_kept se_conn_kept; /* completion.c */

/* What a connection needs only now and then, allocated the first time it
 * does, so that an idle connection holds none: the buffers (unsent output
 * queue[head, tail), input passed up while the owner was not reading, the
 * completion transport's buffer in flight), the filter chain, the connect
 * in progress, a read limit, a notification other than on_close, and the
 * byte counters' high halves (past 4 GiB). */
typedef struct se_conn_bufs {
    char *queue;
    uint32_t head, tail, cap;
    uint32_t held_len;
    char *held;
    /* Completion transport: the buffer the kernel is sending from,
     * flight[flight_head, flight_len); it never moves while in flight. */
    char *flight;
    uint32_t flight_head, flight_len, flight_cap;
    uint32_t read_limit; /* bytes per recv; 0: SE_CONN_READ_MAX */
    se_filter *bottom;   /* the chain, bottom up */
    se_connecting *connecting;
    se_deferred notify;
    uint32_t bytes_in_high, bytes_out_high;
    int16_t pending_error;
    /* Completion transport: output sent from the receive buffers it
     * arrived in (kept_len bytes, queued after flight, before queue). */
    uint32_t kept_len;
    se_conn_kept *kept;
} se_conn_bufs;

/* Kept small: a server holds one per client, idle ones included (72 bytes
 * with 64-bit pointers; the owner's bytes follow in the same allocation,
 * and the peer address, when kept, comes before it). */
struct se_conn {
    se_loop *loop;
    const se_conn_callbacks *cb;
    /* The transport's handle on the socket; one at a time. The completion
     * operations replace a watcher that never watched (chosen when the
     * socket is new), and on_close's notification one that stopped; a
     * stopped watcher's event mask, at its end, is still read until the
     * round's events are dispatched, so the notification stays clear of
     * it (conn.c checks the sizes). */
    union {
        se_io io; /* readiness transport (and before it is chosen) */
        struct {
            se_op recv_op, send_op; /* completion transport */
            se_socket sock;
        };
        se_deferred closing; /* CLOSED: on_close, once the socket is gone */
    };
    se_conn_bufs *bufs;
    uint32_t bytes_in, bytes_out; /* low halves */
    uint32_t last_activity_ms;
    uint8_t notify_pending;
    uint8_t state;
    unsigned reading : 1;            /* the owner wants on_read */
    unsigned filter_paused : 1;      /* a filter stopped socket reads */
    unsigned eof_received : 1;       /* the socket saw the peer's FIN */
    unsigned eof_delivered : 1;      /* the owner's on_eof ran */
    unsigned eof_held : 1;           /* on_eof waits behind held input */
    unsigned shutdown_requested : 1; /* by the owner */
    unsigned shutdown_down : 1;      /* reached the socket: FIN once drained */
    unsigned shutdown_done : 1;      /* our FIN is out */
    unsigned write_armed : 1;        /* WRITABLE stays watched after a drain */
    unsigned filters_opened : 1;     /* the bottom filter's open ran: input may flow */
    unsigned completion : 1;         /* the completion transport moves the bytes */
    unsigned has_peer : 1;           /* the peer address precedes the conn */
};

typedef struct se_transport {
    /* Starts or stops socket reads and writes to match the conn's state. */
    int (*update)(se_conn *conn);
    /* Takes LEN > 0 bytes at the bottom of the chain (the send queue and
     * the kernel); not after the send side is shut down. */
    int (*send)(se_conn *conn, const char *data, size_t len);
    /* Lets go of the socket: no more I/O on it; it may be closed next. */
    void (*release)(se_conn *conn);
} se_transport;

extern const se_transport se_transport_completion;

/* ---- conn.c, for the transports ---- */

/* Nonzero when the socket should be read now. */
int se_conn_socket_reading(const se_conn *conn);

/* Bytes from the socket, into the filters and the owner; 0 or an error
 * (the caller fails the conn). */
int se_conn_socket_input(se_conn *conn, const char *data, size_t len);

/* The peer's FIN from the socket. */
void se_conn_socket_eof(se_conn *conn);

/* The conn's buffers, allocated if needed; NULL when out of memory. */
se_conn_bufs *se_conn_bufs_get(se_conn *conn);

/* Appends LEN bytes to the send queue. */
int se_conn_enqueue(se_conn *conn, const char *data, size_t len);

/* The send queue drained: the FIN the owner asked for, or on_drain. */
void se_conn_drained(se_conn *conn);

/* The bytes per receive (0: SE_CONN_READ_MAX). */
uint32_t se_conn_read_limit(const se_conn *conn);

/* Counts N bytes the kernel took. Returns 0, or SE_ENOMEM when the count
 * passed 4 GiB and its high half found no memory. */
int se_conn_count_out(se_conn *conn, size_t n);

/* Records that bytes moved now. */
void se_conn_touch(se_conn *conn);

/* Stops all I/O and reports ERR to the owner once. */
void se_conn_fail(se_conn *conn, int err);

#endif
