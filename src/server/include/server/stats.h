/* Server statistics: counters shared by every worker thread (relaxed
 * atomics: each is a running total, read now and then by the supervisor
 * and the metrics responder), and their snapshot for the reports. */
#ifndef SOCKECHO_STATS_H
#define SOCKECHO_STATS_H

#include "server/server.h"

#include <stdatomic.h>
#include <stdint.h>

typedef struct se_stats {
    atomic_uint_fast64_t open, total;
    atomic_uint_fast64_t complete, reset, aborted, failed, idle_evicted;
    atomic_uint_fast64_t refused_policy, refused_source, refused_proxy;
    atomic_uint_fast64_t paused_descriptors, paused_max_conns; /* times accepting paused */
    atomic_uint_fast64_t bytes_in, bytes_out;
    atomic_uint_fast64_t udp_in, udp_out, udp_dropped;
} se_stats;

#define SE_STAT_ADD(stats, field, n)                                                               \
    atomic_fetch_add_explicit(&(stats)->field, (uint_fast64_t)(n), memory_order_relaxed)
#define SE_STAT_SUB(stats, field, n)                                                               \
    atomic_fetch_sub_explicit(&(stats)->field, (uint_fast64_t)(n), memory_order_relaxed)
#define SE_STAT_GET(stats, field) atomic_load_explicit(&(stats)->field, memory_order_relaxed)

/* Reads every counter of S into *OUT (each one atomically; together they
 * are as consistent as running totals read one after another can be). */
void se_stats_snapshot(const se_stats *s, se_server_counts *out);

#endif
