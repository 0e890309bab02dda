/* rr: closed loop. Each connection sends one message of --size bytes, waits
 * for exactly its echo (verified by the worker), records the round trip and
 * sends the next. */
#include "worker.h"

static void send_message(se_bench_conn *bc)
{
    bc->msg_start_ns = se_now_ns();
    (void)se_bench_send(bc, bc->w->opt->size);
}

static void start(se_bench_conn *bc)
{
    if (!bc->w->stopping)
        send_message(bc);
}

static void echoed(se_bench_conn *bc, size_t len)
{
    (void)len;
    if (bc->received < bc->sent)
        return; /* the message is not all back yet */
    uint64_t now = se_now_ns();
    int recorded = se_bench_record(bc, SE_PHASE_RTT, now - bc->msg_start_ns, now);
    se_bench_counted(bc->w, recorded);
    if (!bc->finishing)
        send_message(bc);
}

static void finish(se_bench_conn *bc)
{
    (void)se_bench_half_close(bc);
}

const se_bench_mode_ops se_bench_rr_ops = {
    .start = start,
    .echoed = echoed,
    .finish = finish,
};
