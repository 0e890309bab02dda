/* What a bench run measures: counters, fault counts and latency histograms.
 * Each worker thread fills its own se_bench_stats; the orchestrator merges
 * them (per interval and at the end). */
#ifndef SOCKECHO_BENCH_STATS_H
#define SOCKECHO_BENCH_STATS_H

#include "util/histogram.h"

#include <stdint.h>

/* Faults, in the order of their seriousness (the run's verdict is the first
 * one with a non-zero count). */
typedef enum {
    SE_FAULT_MISMATCH,
    SE_FAULT_EXCESS,
    SE_FAULT_TRUNCATED,
    SE_FAULT_RESET,
    SE_FAULT_TIMEOUT,
    SE_FAULT_REFUSED,
    SE_FAULT_CONNECT_FAILED,
    SE_FAULT_TLS, /* a TLS handshake failed or a record was refused */
    SE_FAULT_OTHER,
    SE_FAULT_KINDS
} se_fault;

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
    uint64_t faults[SE_FAULT_KINDS];      /* whole run */
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

/* Sum of the fault counts. */
uint64_t se_bench_fault_total(const se_bench_stats *s);

/* "mismatch", "excess", ..., "connect_failed", "other": static. */
const char *se_fault_name(se_fault f);

/* "rtt", "connect", "first_byte", "close", "session": static. */
const char *se_phase_name(se_phase p);

#endif
