/* The measured window; see window.h. */
#include "window.h"

#define NS_PER_MS UINT64_C(1000000)

void se_bench_window_plan(se_bench_window *win, const se_bench_options *opt, uint64_t mono_ns,
                          uint64_t wall_ns)
{
    uint64_t duration_ns = opt->duration_ms * NS_PER_MS;
    win->mono_origin_ns = mono_ns;
    win->wall_origin_ns = wall_ns;
    if (!opt->start_at_ns) {
        win->start_ns = mono_ns + opt->warmup_ms * NS_PER_MS;
        win->end_ns = win->start_ns + duration_ns;
    } else if (opt->start_at_ns >= wall_ns) {
        win->start_ns = mono_ns + (opt->start_at_ns - wall_ns);
        win->end_ns = win->start_ns + duration_ns;
    } else {
        uint64_t late = wall_ns - opt->start_at_ns;
        win->start_ns = mono_ns;
        win->end_ns = late < duration_ns ? mono_ns + (duration_ns - late) : mono_ns;
    }
}

uint64_t se_bench_window_wall(const se_bench_window *win, uint64_t mono_ns)
{
    return mono_ns >= win->mono_origin_ns ? win->wall_origin_ns + (mono_ns - win->mono_origin_ns)
                                          : win->wall_origin_ns - (win->mono_origin_ns - mono_ns);
}
