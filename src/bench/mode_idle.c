/* idle: connections that send nothing and are held open until the run winds
 * down; then each half-closes and must get the server's FIN and no byte (any
 * byte is excess, caught by the worker). */
#include "worker.h"

static void finish(se_bench_conn *bc)
{
    (void)se_bench_half_close(bc);
}

const se_bench_mode_ops se_bench_idle_ops = {
    .finish = finish,
};
