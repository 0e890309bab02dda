/* sessions: the whole lifecycle, again and again, in every slot: connect,
 * send --size bytes, half-close, read the echo to the server's FIN (verified
 * by the worker), close; then a new connection from the next source address.
 * Phases: connect (by the worker), first byte, close (half-close -> FIN),
 * whole session. */
#include "worker.h"

static void start(se_bench_conn *bc)
{
    if (se_bench_send(bc, bc->w->opt->size) == 0)
        (void)se_bench_half_close(bc);
}

static void echoed(se_bench_conn *bc, size_t len)
{
    if (bc->received == len) /* the first bytes */
        (void)se_bench_record(bc, SE_PHASE_FIRST_BYTE, bc->first_byte_ns - bc->connected_ns,
                              bc->first_byte_ns);
}

static void completed(se_bench_conn *bc)
{
    uint64_t now = se_now_ns();
    if (bc->shutdown_ns)
        (void)se_bench_record(bc, SE_PHASE_CLOSE, now - bc->shutdown_ns, now);
    int recorded = se_bench_record(bc, SE_PHASE_SESSION, now - bc->start_ns, now);
    se_bench_counted(bc->w, recorded);
}

const se_bench_mode_ops se_bench_sessions_ops = {
    .start = start,
    .echoed = echoed,
    /* No finish hook: a session in flight ends by itself. */
    .completed = completed,
    .reconnect = 1,
};
