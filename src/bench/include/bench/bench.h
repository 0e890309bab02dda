/* `sockecho bench`: a verifying load generator. se_bench_run() resolves the
 * target, runs the chosen mode on one or more worker threads (one event loop
 * each), reports (human or JSON, per interval and at the end) and returns the
 * run's verdict. */
#ifndef SOCKECHO_BENCH_H
#define SOCKECHO_BENCH_H

#include "platform/platform.h"
#include "platform/sockopt.h"
#include "bench/stats.h"
#include "util/verdict.h"

#include <stdint.h>

struct se_proxy_url;

typedef enum {
    SE_BENCH_RR,       /* closed loop: message, echo, message, ... */
    SE_BENCH_RATE,     /* open loop at a fixed message rate */
    SE_BENCH_SESSIONS, /* connect, send, half-close, read to FIN, close; repeat */
    SE_BENCH_BULK,     /* stream both ways */
    SE_BENCH_IDLE      /* hold connections open */
} se_bench_mode;

typedef struct se_bench_options {
    se_bench_mode mode;
    const char *host, *port; /* borrowed */
    int family;              /* AF_UNSPEC, AF_INET or AF_INET6 */
    const char *backend;     /* NULL: the default */
    uint64_t conns;          /* connections, or sessions in flight */
    uint64_t size;           /* message / session payload bytes */
    uint64_t rate;           /* rate mode: messages per second, all connections */
    uint64_t bytes;          /* bulk: bytes per connection each way; 0: until the end */
    uint64_t count;          /* stop after this many messages / sessions; 0: no limit */
    uint64_t threads;
    uint64_t seed;
    uint64_t duration_ms, warmup_ms, interval_ms; /* interval 0: none */
    uint64_t start_at_ns; /* --start-at: wall clock, ns since the epoch; 0: none */
    uint64_t connect_timeout_ms, timeout_ms;
    uint64_t attempt_delay_ms; /* Happy Eyeballs (conn/race.h); 0: one address at a time */
    /* Reach HOST through this SOCKS5 or HTTP CONNECT proxy (conn/proxy_url.h;
     * borrowed): every connection is a tunnel; NULL: directly. */
    const struct se_proxy_url *proxy;
    const char *unix_path;    /* connect to this Unix domain socket (HOST is the path); NULL: TCP */
    const char *source_range; /* CIDR; NULL: the default for the target */
    int send_proxy;           /* 1 or 2: each connection sends a PROXY header first */
    int has_proxy_source;     /* that header claims PROXY_SOURCE, not our address */
    se_sockaddr proxy_source;
    se_sockopts sockopts; /* for every connection's socket */
    const char *started;  /* RFC 3339 start time for the reports; NULL: none */
    int json;
    int quiet;                            /* no report: the exit code is the verdict */
    int progress;                         /* live progress line on stderr */
    const char *metrics;                  /* --metrics ADDR:PORT as given; NULL: none */
    struct sockaddr_storage metrics_addr; /* ...parsed (the CLI does it) */
    struct se_tls_config *tls;  /* TLS on every connection (conn/tls_config.h); NULL: none */
    const char *tls_servername; /* the name verified and sent as SNI; NULL: host */
    const struct se_bench_events *events; /* what the run reports; NULL: nothing */
} se_bench_options;

/* What a run found, for its final report. */
typedef struct se_bench_summary {
    const se_bench_options *opt;
    const se_bench_stats *stats; /* the whole run */
    double elapsed_s;            /* the measured window */
    uint64_t window_start_ns;    /* wall clock, ns since the epoch */
    uint64_t window_end_ns;
    uint64_t open_peak;
    se_verdict verdict;
} se_bench_summary;

/* What a run reports while it runs and when it ends; the caller (the CLI)
 * formats it. Every member but ARG may be NULL. Called on the thread that
 * called se_bench_run(). */
typedef struct se_bench_events {
    void *arg;
    /* A line worth saying on its own (the event backend's fallback, the
     * metrics address, a local error), without a newline. */
    void (*log)(void *arg, const char *line);
    /* Every --interval: STATS of the interval that ended T_S seconds into
     * the measured window and lasted INTERVAL_S, OPEN connections open. */
    void (*interval)(void *arg, const se_bench_stats *stats, double t_s, double interval_s,
                     uint64_t open);
    /* Every second while OPT->progress: the totals so far. */
    void (*progress)(void *arg, const se_bench_stats *total, double t_s, uint64_t open);
    /* The run ended: its summary. */
    void (*done)(void *arg, const se_bench_summary *summary);
    /* The run ended before it began (HOST did not resolve, ...): VERDICT
     * and WHY. */
    void (*failed)(void *arg, se_verdict verdict, const char *why);
} se_bench_events;

/* The verdict of a run with STATS: its most serious error, or complete. */
se_verdict se_bench_verdict(const se_bench_stats *stats);

/* Whether mode M measures latency phase P (its reports show only those). */
int se_bench_phase_applies(se_bench_mode m, se_phase p);

/* "rr", "rate", ...: static. */
const char *se_bench_mode_name(se_bench_mode mode);

/* Parses a mode name into *OUT. Returns 0, or -1 for an unknown name. */
int se_bench_mode_parse(const char *name, se_bench_mode *out);

/* Runs the benchmark OPT describes (already validated), reports through
 * OPT->events and returns the run's verdict: its most serious error, error
 * when it could not run, resolve when HOST did not resolve. */
se_verdict se_bench_run(const se_bench_options *opt);

#endif
