/* bulk: each connection streams its pattern while reading the echo (both
 * ways at once), --bytes of it or until the run winds down, then half-closes
 * and reads to the server's FIN. Throughput comes from the worker's byte
 * counts. */
#include "worker.h"

/* Sent in slices of this size. */
#define CHUNK (64 * 1024)

/* The pump's producer: the next slice of the stream, or the half-close
 * after --bytes. */
static long send_next(void *arg, size_t max)
{
    se_bench_conn *bc = arg;
    uint64_t target = bc->w->opt->bytes;
    if (bc->finishing)
        return 0;
    if (target && bc->sent >= target) {
        bc->finishing = 1;
        (void)se_bench_half_close(bc);
        return 0;
    }
    uint64_t n = max < CHUNK ? max : CHUNK;
    if (target && target - bc->sent < n)
        n = target - bc->sent;
    return se_bench_send(bc, n) == 0 ? (long)n : -1;
}

static void pump_failed(void *arg, int err)
{
    (void)err;
    se_bench_conn *bc = arg;
    se_conn_abort(bc->conn);
}

static void pump(se_bench_conn *bc)
{
    se_pump_run(&bc->pump, bc->conn);
}

static void start(se_bench_conn *bc)
{
    se_pump_init(&bc->pump, send_next, pump_failed, bc);
    if (!bc->w->stopping)
        pump(bc);
}

static void finish(se_bench_conn *bc)
{
    se_pump_stop(&bc->pump, bc->w->loop);
    (void)se_bench_half_close(bc);
}

const se_bench_mode_ops se_bench_bulk_ops = {
    .start = start,
    .drained = pump,
    .finish = finish,
};
