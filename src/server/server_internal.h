/* The server's private structures, shared by its files:
 *   server.c   setup, worker threads, the supervisor (signals, statistics)
 *   listen.c   listening sockets (bind, socket activation) and accepting
 *   admission.c  who may connect: address policy, per-source caps
 *   echo.c     one client connection: echo, backpressure, the closing rules
 *   idle.c     the worker's connections by last activity; idle eviction
 *   fault.c    the opt-in fault modes, as a filter on each connection
 *   udp.c      the UDP echo
 *   stats.c    counters and their snapshot
 *   events.c   what the server reports (se_server_events), under one lock
 *   policy.c   address ranges and per-source counts
 *   metrics.c  --metrics (metrics.h; the responder is src/metrics/)
 * Each worker owns one event loop and everything registered on it; the
 * server (options, counters, per-source table) is shared and read-only but
 * for its atomics and the table's own lock. */
#ifndef SOCKECHO_SERVER_INTERNAL_H
#define SOCKECHO_SERVER_INTERNAL_H

#include "conn/conn.h"
#include "server/server.h"
#include "server/stats.h"

#define SE_MAX_LISTENERS 16

typedef struct worker worker;
typedef struct client_conn client_conn;

/* A listening address: resolved once, bound by one or more workers. */
typedef struct listen_addr {
    struct sockaddr_storage addr;
    int flags; /* SE_LISTEN_* */
} listen_addr;

typedef struct server {
    const se_server_options *opt;
    se_stats stats;
    se_source_table *sources;
    uint64_t start_ns;
    worker *workers;
    int worker_count;
    /* Listening sockets watched by every worker (no SO_REUSEPORT). */
    se_socket shared[SE_MAX_LISTENERS];
    size_t shared_count;
    se_socket udp[SE_MAX_LISTENERS];
    size_t udp_count;
    listen_addr addrs[SE_MAX_LISTENERS];
    size_t addr_count;
    se_loop *loop;        /* the supervisor's */
    se_async stop_signal; /* Ctrl-C, SIGTERM */
    se_async worker_done; /* a worker's loop ended */
    se_timer stats_timer; /* --stats-interval */
    int signals_relayed;
    atomic_int workers_done;
    const se_server_events *events; /* opt->events, or one with no member set */
    se_mutex *output_lock;          /* held while an event runs (events.c) */
    const char *sockopt_failed;     /* the socket option a listener refused */
    struct se_metrics *metrics;     /* --metrics (metrics.h); NULL without */
} server;

/* How a connection's start is read under --proxy-protocol. */
enum { SE_PROXY_MODE_NONE, SE_PROXY_MODE_UNTRUSTED, SE_PROXY_MODE_TRUSTED };

/* One client connection: the owner bytes of its se_conn (one allocation).
 * Kept small (32 bytes): an idle server holds one per client. */
struct client_conn {
    client_conn *prev, *next; /* the worker's list, by last activity (idle.c) */
    /* Low 32 bits of the bytes out already added to the statistics: they
     * are added at every read, drain and close, and what is sent in between
     * (the send queue under --max-buffer, a --trailer: 1 GiB at most each)
     * stays below 4 GiB. */
    uint32_t counted_out;
    uint32_t listed_ms; /* loop time (low 32 bits) of its list position */
    uint32_t start_ms;
    int16_t error;           /* SE_E* */
    uint8_t result : 3;      /* se_server_outcome */
    uint8_t paused : 1;      /* reading stopped by backpressure */
    uint8_t source_held : 1; /* counted in the per-source table */
    uint8_t proxied : 1;     /* under --proxy-protocol: an se_proxy_rx follows */
};

struct worker {
    server *srv;
    int index;
    se_loop *loop;
    se_thread *thread;
    se_io listeners[SE_MAX_LISTENERS];
    size_t listener_count;
    int owns_listeners; /* per-worker SO_REUSEPORT sockets, closed by it */
    int accepting;
    int pause_logged;
    se_timer resume_timer;
    client_conn *conns, *conns_tail; /* least recently active first */
    size_t open;
    se_timer idle_timer; /* --idle-timeout sweep */
    se_async stop;       /* the supervisor asks the worker to stop */
    int stop_requests;   /* how many it has asked (a second one aborts) */
    atomic_int stop_asked;
    int stopping;
    se_timer drain_timer;
    se_io udp_io[SE_MAX_LISTENERS];
    size_t udp_count;
    struct udp_limiter *udp_limiter;
};

/* ---- listen.c ---- */

/* Adopts the sockets inetd or systemd passed (the options say which),
 * checking that each is a listening or datagram socket. Call first, before
 * the process opens a descriptor of its own. Returns 0, or 1 after
 * logging what was passed and what is needed. */
int se_listen_inherit(server *srv);

/* Creates the listening sockets the options ask for (bound addresses or
 * inherited ones) and reports each (se_server_events.listening). With
 * several workers on an OS with SO_REUSEPORT, each worker gets its own
 * sockets; otherwise they are shared. Returns 0, or 1 after logging why. */
int se_listen_setup(server *srv);

/* Closes the shared sockets (the workers have stopped watching them). */
void se_listen_close_shared(server *srv);

/* Starts watching W's listeners. */
void se_worker_accept_start(worker *w);

/* Stops accepting for good (stop signal, --once): closes W's own sockets. */
void se_worker_accept_stop(worker *w);

/* A connection of W closed: accepting may resume (max-conns, descriptors). */
void se_worker_accept_maybe_resume(worker *w);

/* ---- admission.c ---- */

/* Serves an accepted socket on W if the address policy and the per-source
 * cap allow it; otherwise resets it and logs why. Under --proxy-protocol,
 * a trusted proxy's connection is served at once and checked later
 * (se_admit_proxied). */
void se_admit(worker *w, se_socket sock, const struct sockaddr_storage *peer);

/* Checks the client a trusted proxy's header named (now CC's peer) against
 * the policy and the per-source cap. Returns 0, or -1 after counting and
 * logging the refusal (the caller ends CC). */
int se_admit_proxied(worker *w, client_conn *cc);

/* ---- echo.c ---- */

/* Serves an admitted socket on W; PROXY_MODE is an SE_PROXY_MODE_*,
 * SOURCE_HELD whether admission counted it per source. Returns 0, or an
 * error after closing the socket (the caller releases what admission
 * took). */
int se_echo_start(worker *w, se_socket sock, const struct sockaddr_storage *peer, int proxy_mode,
                  int source_held);

/* Ends CC with RESULT and ERR: abortively (RST) when ABORTIVE. */
void se_echo_finish(client_conn *cc, se_server_outcome result, int err, int abortive);

/* Ends every connection of W whose drain time is over: those that have
 * finished (both FINs out, nothing pending) as complete, the others with
 * an RST. */
void se_echo_abort_all(worker *w);

/* The worker a connection runs on. */
worker *se_worker_of(const se_conn *conn);

/* ---- idle.c ---- */

/* Adds CC at the back of W's list (newest activity). */
void se_idle_add(worker *w, client_conn *cc);

/* Removes CC from W's list. */
void se_idle_remove(worker *w, client_conn *cc);

/* W's --idle-timeout timer callback: evicts each connection on which no
 * byte moved either way for --idle-timeout, from the moment the last one
 * moved; arms itself for the next one due. */
void se_idle_sweep(se_loop *loop, se_timer *t);

/* Arms W's sweep for the oldest connection, if it is not armed. */
void se_idle_arm(worker *w);

/* ---- fault.c ---- */

/* Pushes the fault filter the options ask for (--fault, --delay-after-eof)
 * on CONN; does nothing when none is on. Returns 0 or SE_ENOMEM. */
int se_fault_filter_push(se_conn *conn, const se_server_options *opt);

/* ---- udp.c ---- */

/* Starts watching the UDP sockets on W. Returns 0 or an error. */
int se_udp_start(worker *w);

/* Stops watching them and frees W's UDP state. */
void se_udp_stop(worker *w);

/* ---- events.c ---- */

/* Reports a message of LEVEL (se_server_events.log) when the options'
 * verbosity reaches it. */
void se_server_log(server *srv, int level, const char *fmt, ...);

/* Report through srv->events, each under the output lock (if it could be
 * made): a listening socket, a connection that ended, the counters now
 * (the summary when FINAL). */
void se_server_emit_listening(server *srv, const se_server_listening *l);
void se_server_emit_connection(server *srv, const se_server_conn_report *c);
void se_server_emit_stats(server *srv, int final);

/* ---- server.c ---- */

/* A worker finished a connection: stops its loop when it is draining and
 * idle, or when --once has served its client. */
void se_worker_conn_closed(worker *w);

#endif
