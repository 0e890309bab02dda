/* What a bench run measures: counters, fault counts and latency histograms.
 * Each worker thread fills its own se_bench_stats; the orchestrator merges
 * them (per interval and at the end). */
#ifndef SOCKECHO_BENCH_STATS_H
#define SOCKECHO_BENCH_STATS_H

#include "util/histogram.h"
#include "util/verdict.h"

#include <stdint.h>

/* The verdicts a connection of the load generator can end with other than
 * complete, in the order of their seriousness (the run's verdict is the
 * first one with a non-zero count) and of the reports' "errors" members. */
#define SE_BENCH_ERROR_KINDS 9
extern const se_verdict se_bench_error_kinds[SE_BENCH_ERROR_KINDS];

/* Latency phases. */
typedef enum {
    SE_PHASE_RTT,        /* rr, rate: message sent (or due) -> its whole echo */
    SE_PHASE_CONNECT,    /* connect started -> connected */
    SE_PHASE_FIRST_BYTE, /* sessions: connected -> first echoed byte */
    SE_PHASE_CLOSE,      /* sessions: our FIN sent -> the server's FIN */
    SE_PHASE_SESSION,    /* sessions: connect started -> the server's FIN */
    SE_PHASES
} se_phase;

typedef struct se_bench_stats {
    uint64_t requests, sessions; /* completed in the measured window */
    uint64_t bytes_sent, bytes_received;
    uint64_t opened, complete, failed;    /* connections (sessions) */
    uint64_t tls_handshakes, tls_resumed; /* done in the measured window */
    uint64_t errors[SE_VERDICT_COUNT];    /* whole run: connections that ended so, by verdict */
    char first_error[256];                /* "" until a fault is described */
    se_histogram latency[SE_PHASES];
} se_bench_stats;

/* Allocates an empty se_bench_stats (NULL when out of memory); the caller
 * frees it with free(). */
se_bench_stats *se_bench_stats_new(void);

/* Adds FROM to INTO (INTO keeps its own first_error if it has one). */
void se_bench_stats_merge(se_bench_stats *into, const se_bench_stats *from);

/* Empties S. */
void se_bench_stats_reset(se_bench_stats *s);

/* Sum of the error counts. */
uint64_t se_bench_error_total(const se_bench_stats *s);

/* The name of verdict V's count in the reports: the verdict's name, but
 * "connect_failed" for unreachable and "other" for error. Static. */
const char *se_bench_error_name(se_verdict v);

/* "rtt", "connect", "first_byte", "close", "session": static. */
const char *se_phase_name(se_phase p);

#endif
