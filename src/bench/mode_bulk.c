/* bulk: each connection streams its pattern while reading the echo (both
 * ways at once), --bytes of it or until the run winds down, then half-closes
 * and reads to the server's FIN. Throughput comes from the worker's byte
 * counts. */
#include "worker.h"

/* Generated in slices of this size... */
#define CHUNK (64 * 1024)
/* ...while no more than this waits in the send queue... */
#define SEND_HIGH_WATER (256 * 1024)
/* ...and at most this much per call before letting reads run. */
#define PUMP_BUDGET (1024 * 1024)

static void pump(se_bench_conn *bc)
{
    uint64_t target = bc->w->opt->bytes;
    uint64_t budget = PUMP_BUDGET;
    while (!bc->finishing && se_conn_pending(bc->conn) < SEND_HIGH_WATER) {
        if (target && bc->sent >= target) {
            bc->finishing = 1;
            (void)se_bench_half_close(bc);
            return;
        }
        if (budget == 0) {
            if (se_timer_start(bc->w->loop, &bc->timer, 0) != 0)
                se_conn_abort(bc->conn);
            return;
        }
        uint64_t n = target && target - bc->sent < CHUNK ? target - bc->sent : CHUNK;
        if (se_bench_send(bc, n) != 0)
            return;
        budget = n < budget ? budget - n : 0;
    }
}

static void on_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    pump(se_timer_data(t));
}

static void start(se_bench_conn *bc)
{
    se_timer_init(&bc->timer, on_timer, bc);
    if (!bc->w->stopping)
        pump(bc);
}

static void finish(se_bench_conn *bc)
{
    se_timer_stop(bc->w->loop, &bc->timer);
    (void)se_bench_half_close(bc);
}

const se_bench_mode_ops se_bench_bulk_ops = {
    .start = start,
    .drained = pump,
    .finish = finish,
};
