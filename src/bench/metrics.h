/* `sockecho bench --metrics ADDR:PORT`: the run's counters so far as
 * Prometheus text exposition, served by the metrics responder on the
 * orchestrator's event loop (bench.c) while the run lasts. */
#ifndef SOCKECHO_BENCH_METRICS_H
#define SOCKECHO_BENCH_METRICS_H

#include "bench/bench.h"
#include "bench/stats.h"
#include "metrics/responder.h"

#include <stddef.h>
#include <stdint.h>

/* What one scrape shows. */
typedef struct se_bench_live {
    const se_bench_options *opt;
    const se_bench_stats *total;        /* the run so far */
    uint64_t open_now;                  /* connections open now */
    uint64_t window_start_wall_ns;      /* the measured window's start, wall clock */
    const char *backend;                /* the event loop backend's name */
    const se_http_responder *responder; /* for its own response counts */
} se_bench_live;

/* Opens OPT->metrics_addr, prints "metrics on ADDR PORT" on stderr (unless
 * quiet) and returns 0 with the listener in *OUT, or an error code. */
int se_bench_metrics_listen(const se_bench_options *opt, se_socket *out);

/* The exposition text of LIVE, in a buffer the caller frees; NULL when out
 * of memory. *LEN receives its length. */
char *se_bench_metrics_render(const se_bench_live *live, size_t *len);

#endif
