/* A bench result as `bench merge` sees it: the "bench" (or "bench_merge")
 * JSON record of one or more generators read back, lossless histograms
 * included, and the merge of several such results into one. Counts and
 * histograms add up; rates add up (each generator's over its own window);
 * percentiles come from the merged histograms, never from averaging. */
#ifndef SOCKECHO_BENCH_RESULT_H
#define SOCKECHO_BENCH_RESULT_H

#include "bench/bench.h"
#include "bench/stats.h"
#include "util/verdict.h"
#include "util/json_read.h"

#include <stddef.h>
#include <stdint.h>

typedef struct se_bench_result {
    uint64_t inputs; /* generator runs in it (1 for a "bench" record) */
    se_bench_mode mode;
    int has_size;
    uint64_t size;
    uint64_t threads, conns, rate; /* rate 0: not rate mode */
    /* Wall clock, ns since the epoch: the earliest start and latest end of
     * the measured windows, and the window they all share. */
    uint64_t first_start_ns, last_start_ns, first_end_ns, last_end_ns;
    double requests_per_s, sessions_per_s, sent_per_s, received_per_s;
    uint64_t open_peak;
    se_verdict verdict;
    se_bench_stats stats;
} se_bench_result;

/* Allocates an empty result (NULL when out of memory); free() it. */
se_bench_result *se_bench_result_new(void);

/* Fills R from OBJ, one "bench" or "bench_merge" record. Returns 0, or -1
 * with a one-line reason in ERR (a missing or malformed field, no
 * histograms, an unknown histogram layout). */
int se_bench_result_read(se_bench_result *r, const se_jv *obj, char *err, size_t err_size);

/* Adds FROM to INTO when they can be combined: same mode, same message size.
 * Returns 0, or -1 with a one-line reason in ERR (INTO unchanged). */
int se_bench_result_merge(se_bench_result *into, const se_bench_result *from, char *err,
                          size_t err_size);

/* Length of the window every input measured (seconds; 0 when the windows
 * do not overlap). */
double se_bench_result_common_s(const se_bench_result *r);

#endif
