/* The echo server: listeners, one event loop per worker thread, one se_conn
 * per client. It echoes every byte in order, pauses reading a connection
 * whose unsent echo exceeds max_buffer, and answers the client's FIN with its
 * own once the echo is flushed. Limits (connections, idle time, per-source
 * caps, address policy), statistics, UDP echo and fault modes for testing
 * what sits in between are options. */
#ifndef SOCKECHO_SERVER_H
#define SOCKECHO_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "platform/sockopt.h"
#include "platform/platform.h"
#include "server/policy.h"

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
    int verbosity;              /* 0: errors only, 1: default, 2: per connection, 3: debug */
    int json;                   /* NDJSON events on stdout instead of text lines */
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
} se_server_options;

/* Runs the server until --once is done or a stop signal has been handled.
 * Prints its own lines (listening, per connection, statistics, errors).
 * Returns 0, or -1 when it could not run (the reason printed). */
int se_server_run(const se_server_options *opt);

#endif
