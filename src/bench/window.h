/* The measured window of a bench run on both clocks: monotonic (what the
 * workers time with) and wall clock (what results from several machines are
 * lined up by, --start-at). */
#ifndef SOCKECHO_BENCH_WINDOW_H
#define SOCKECHO_BENCH_WINDOW_H

#include "bench/bench.h"

#include <stdint.h>

typedef struct se_bench_window {
    uint64_t mono_origin_ns, wall_origin_ns; /* one instant on both clocks */
    uint64_t start_ns, end_ns;               /* monotonic */
} se_bench_window;

/* Plans the window of a run starting at the instant MONO_NS (monotonic) =
 * WALL_NS (wall clock): it starts after --warmup, or at --start-at (at once
 * when that time has passed; the window still ends --duration after
 * --start-at, and is empty when that too has passed). */
void se_bench_window_plan(se_bench_window *win, const se_bench_options *opt, uint64_t mono_ns,
                          uint64_t wall_ns);

/* The wall-clock time of the monotonic time MONO_NS. */
uint64_t se_bench_window_wall(const se_bench_window *win, uint64_t mono_ns);

#endif
