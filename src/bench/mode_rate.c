/* rate: open loop. Connection i of N sends message k at its intended time
 * origin + k * period (period = N / rate seconds, origins staggered over one
 * period), whether or not earlier echoes came back. Echoes come back in
 * order, so the k-th whole echo is message k; its latency runs from
 * min(intended time, actual send time): a send the server held up (full
 * queue, too many messages outstanding) is measured from when it was due
 * (coordinated omission corrected), while the loop's millisecond timers may
 * send a message a little early without shortening its latency. */
#include "worker.h"

#include <stdlib.h>

/* No more messages are queued while SE_PUMP_HIGH_WATER waits to be sent, or
 * while this many are unanswered (the size of the send-time ring). */
#define MAX_OUTSTANDING 64
/* The loop's timers are whole milliseconds and may wake up to a millisecond
 * late: they are armed a millisecond early, and a message due within SLACK_NS
 * goes at once. */
#define SLACK_NS 2000000

static uint64_t period_ns(const se_bench_conn *bc)
{
    const se_bench_options *opt = bc->w->opt;
    return opt->conns * UINT64_C(1000000000) / opt->rate;
}

static uint64_t intended_ns(const se_bench_conn *bc, uint64_t k)
{
    return bc->rate_origin_ns + k * period_ns(bc);
}

/* Sends every message due by now + SLACK_NS that may go, then arms the timer
 * for the next one, or leaves bc->rate_blocked for echoed/drained. */
static void send_due(se_bench_conn *bc)
{
    if (bc->finishing)
        return;
    uint64_t *sent_at = bc->mode_buf;
    uint64_t now = se_now_ns(), horizon = now + SLACK_NS, size = bc->w->opt->size;
    uint64_t done = bc->received / size, k = bc->msgs_sent;
    size_t pending = se_conn_pending(bc->conn);
    /* At least one message when nothing waits, however large. */
    while (k - done < MAX_OUTSTANDING && intended_ns(bc, k) <= horizon &&
           (pending + (k - bc->msgs_sent) * size < SE_PUMP_HIGH_WATER ||
            (k == bc->msgs_sent && pending == 0))) {
        uint64_t due = intended_ns(bc, k);
        sent_at[k % MAX_OUTSTANDING] = due < now ? due : now;
        k++;
    }
    if (k > bc->msgs_sent) {
        uint64_t n = k - bc->msgs_sent;
        bc->msgs_sent = k;
        if (se_bench_send(bc, n * size) != 0)
            return;
    }
    uint64_t next = intended_ns(bc, bc->msgs_sent);
    bc->rate_blocked = next <= horizon;
    if (!bc->rate_blocked &&
        se_timer_start(bc->w->loop, &bc->timer, (next - now) / 1000000 - 1) != 0)
        se_conn_abort(bc->conn);
}

static void on_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    send_due(se_timer_data(t));
}

static void start(se_bench_conn *bc)
{
    const se_bench_options *opt = bc->w->opt;
    if (bc->w->stopping)
        return;
    if (!bc->mode_buf && !(bc->mode_buf = malloc(MAX_OUTSTANDING * sizeof(uint64_t)))) {
        se_conn_abort(bc->conn);
        return;
    }
    bc->rate_origin_ns = bc->connected_ns + bc->id % opt->conns * period_ns(bc) / opt->conns;
    se_timer_init(&bc->timer, on_timer, bc);
    send_due(bc);
}

static void echoed(se_bench_conn *bc, size_t len)
{
    const uint64_t *sent_at = bc->mode_buf;
    uint64_t size = bc->w->opt->size;
    uint64_t before = (bc->received - len) / size, after = bc->received / size;
    uint64_t now = se_now_ns();
    for (uint64_t k = before; k < after; k++) {
        int recorded = se_bench_record(bc, SE_PHASE_RTT, now - sent_at[k % MAX_OUTSTANDING], now);
        se_bench_counted(bc->w, recorded);
    }
    if (bc->rate_blocked && after > before)
        send_due(bc);
}

static void drained(se_bench_conn *bc)
{
    if (bc->rate_blocked)
        send_due(bc);
}

static void finish(se_bench_conn *bc)
{
    se_timer_stop(bc->w->loop, &bc->timer);
    (void)se_bench_half_close(bc);
}

const se_bench_mode_ops se_bench_rate_ops = {
    .start = start,
    .echoed = echoed,
    .drained = drained,
    .finish = finish,
};
