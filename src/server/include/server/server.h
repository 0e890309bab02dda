/* The echo server: listeners, one event loop per worker thread, one se_conn
 * per client. It echoes every byte in order, pauses reading a connection
 * whose unsent echo exceeds max_buffer, and answers the client's FIN with its
 * own once the echo is flushed. Limits (connections, idle time, per-source
 * caps, address policy), statistics, UDP echo and fault modes for testing
 * what sits in between are options. It prints nothing: what it has to say
 * goes to the se_server_events its caller passes (the CLI formats them). */
#ifndef SOCKECHO_SERVER_H
#define SOCKECHO_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "platform/sockopt.h"
#include "platform/platform.h"
#include "server/policy.h"

/* How a connection ended, seen from the echo side. A verifying client or
 * the load generator says how a session ended with an se_verdict
 * (util/verdict.h); the faults the server injects on purpose are
 * se_fault_kind. */
typedef enum {
    SE_OUTCOME_COMPLETE, /* both FINs exchanged, the echo flushed */
    SE_OUTCOME_RESET,    /* the client reset it */
    SE_OUTCOME_ABORTED,  /* ended by the server: drain time over, a fault */
    SE_OUTCOME_FAILED,   /* a local error */
    SE_OUTCOME_IDLE,     /* evicted by --idle-timeout */
    SE_OUTCOME_REFUSED   /* after accept: a PROXY header, or the client it named */
} se_server_outcome;

/* What a listening socket serves. */
typedef enum {
    SE_SERVE_TCP,
    SE_SERVE_UDP,
    SE_SERVE_UNIX,   /* --unix */
    SE_SERVE_METRICS /* --metrics */
} se_server_protocol;

/* A socket the server listens on (reported once each, before serving). */
typedef struct se_server_listening {
    se_server_protocol protocol;
    const char *address;         /* numeric host; the path for SE_SERVE_UNIX */
    int port;                    /* 0 for SE_SERVE_UNIX */
    const char *tls_fingerprint; /* TCP under TLS: the certificate's SHA-256
                                  * ("68:8F:..."); else NULL */
    const char *backend;         /* the workers' event backend ("epoll", ...) */
    /* TCP with socket options given: the options in force, read back from
     * the socket; else NULL. */
    const se_sockopts_state *sockopts;
} se_server_listening;

/* One connection that ended. */
typedef struct se_server_conn_report {
    const struct sockaddr *peer; /* the client (behind a trusted proxy: the
                                  * one its PROXY header named) */
    se_server_outcome outcome;
    int error; /* SE_E* behind a reset or failure; 0: none */
    uint64_t bytes_in, bytes_out;
    uint64_t duration_ms; /* from accept to close, whole milliseconds */
    int client_fin;       /* the client's FIN arrived */
    int worker;           /* the index of the worker (event loop) that served it */
    /* Behind --proxy-protocol, when a header was read: the proxy (the
     * connection's real peer), the header's version (1, 2), and whether it
     * was LOCAL (the proxy's own connection). PROXY is NULL otherwise. */
    const struct sockaddr *proxy;
    int proxy_version;
    int proxy_local;
} se_server_conn_report;

/* The server's counters at one moment (running totals since the start,
 * but OPEN: connections open now). */
typedef struct se_server_counts {
    uint64_t open, total;
    uint64_t complete, reset, aborted, failed, idle_evicted;
    uint64_t refused_policy, refused_source, refused_proxy;
    uint64_t paused_descriptors, paused_max_conns; /* times accepting paused */
    uint64_t bytes_in, bytes_out;                  /* TCP payload */
    uint64_t udp_in, udp_out, udp_dropped;         /* datagrams */
} se_server_counts;

/* What the server reports; the caller (the CLI) formats it. Every member
 * but ARG may be NULL, and what a NULL member would report is not gathered
 * (no per-connection reports without CONNECTION, no statistics timer
 * without STATS).
 *
 * Threads: the server calls them one at a time, under a lock of its own,
 * from whichever thread has something to say (the thread that called
 * se_server_run, the worker threads, the supervisor): one callback's output
 * never interleaves with another's. A callback must not call the server. */
typedef struct se_server_events {
    void *arg;
    /* A socket is listening (before any client is served). */
    void (*listening)(void *arg, const se_server_listening *l);
    /* A connection ended. */
    void (*connection)(void *arg, const se_server_conn_report *c);
    /* Every stats_interval_ms, and once at exit (FINAL): COUNTS, UPTIME_S
     * seconds after the start. */
    void (*stats)(void *arg, const se_server_counts *counts, double uptime_s, int final);
    /* A message of LEVEL (0: an error, 1: a notice such as an overload
     * episode, 2: -v detail, 3: -vv debug), without a newline; only levels
     * up to the options' verbosity are reported. */
    void (*log)(void *arg, int level, const char *message);
} se_server_events;

/* Opt-in misbehaviour, for testing clients and proxies. */
typedef enum {
    SE_FAULT_NONE,
    SE_FAULT_RST_AFTER,   /* reset once N bytes were received */
    SE_FAULT_STALL_AFTER, /* stop reading and writing after N bytes */
    SE_FAULT_CLOSE_EARLY, /* send FIN after echoing N bytes, drop the rest */
    SE_FAULT_SLOW_READ    /* read at most N bytes per second */
} se_fault_kind;

/* Where the listening sockets come from. */
typedef enum {
    SE_LISTEN_BIND,    /* --port/--bind */
    SE_LISTEN_SYSTEMD, /* LISTEN_FDS socket activation */
    SE_LISTEN_INETD    /* inetd "wait" mode: the listener is standard input */
} se_listen_source;

typedef struct se_server_options {
    const char *bind; /* NULL: all interfaces */
    const char *port; /* numeric; "0": any free port */
    int family;       /* AF_UNSPEC, AF_INET or AF_INET6 */
    se_listen_source listen_source;
    const char *unix_path; /* SE_LISTEN_BIND on this Unix domain socket (a file, or on
                            * Linux "@name") instead of TCP; NULL: TCP */
    const char *backend;
    size_t max_buffer;
    uint64_t drain_timeout_ms;
    int once;                   /* serve one client, then return */
    int verbosity;              /* the highest log level reported (events->log) */
    int threads;                /* event loops (>= 1) */
    uint64_t max_conns;         /* 0: no limit */
    uint64_t max_per_source;    /* 0: no limit */
    uint64_t idle_timeout_ms;   /* 0: none */
    uint64_t stats_interval_ms; /* 0: only at exit */
    se_policy policy;
    uint64_t trailer;            /* bytes sent after the client's FIN */
    uint64_t delay_after_eof_ms; /* hold the last echo this long after FIN */
    se_fault_kind fault;
    uint64_t fault_value;
    /* PROXY protocol (--proxy-protocol): connections from PROXY_FROM must
     * start with a header within PROXY_TIMEOUT_MS, which names the client
     * the policy and the reports then see; anyone else's header is refused. */
    int proxy_protocol;
    se_policy proxy_from;
    uint64_t proxy_timeout_ms;
    se_sockopts sockopts;                 /* for the listeners and every accepted socket */
    const char *metrics;                  /* --metrics ADDR:PORT as given; NULL: none */
    struct sockaddr_storage metrics_addr; /* ...parsed (se_http_parse_listen_addr) */
    struct se_tls_config *tls; /* TLS on every TCP connection (conn/tls_config.h); NULL: none */
    int udp;                   /* also echo UDP datagrams on the same port */
    uint64_t udp_rate;         /* datagrams per second per source; 0: no cap */
    const se_server_events *events; /* what the server reports; NULL: nothing */
} se_server_options;

/* Runs the server until --once is done or a stop signal has been handled,
 * reporting through OPT->events (listening sockets, connections,
 * statistics, log messages). Returns 0, or -1 when it could not run (the
 * reason logged at level 0). */
int se_server_run(const se_server_options *opt);

#endif
