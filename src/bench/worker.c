/* Bench worker: its loop, thread, timers (the end of the run, the
 * --timeout tick) and winding down; see worker.h. */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

/* How often timeouts and Ctrl-C are checked. */
#define TICK_MS 100

void se_bench_wind_down(se_bench_worker *w)
{
    if (w->stopping)
        return;
    w->stopping = 1;
    uint64_t now = se_now_ns();
    if (now < w->window_end_ns)
        w->window_end_ns = now;
    se_timer_stop(w->loop, &w->end_timer);
    for (size_t i = 0; i < w->nslots; i++)
        if (w->slots[i].in_use)
            se_bench_finish_slot(&w->slots[i]);
    se_bench_check_done(w);
}

static void on_stop(se_loop *loop, se_async *async)
{
    (void)loop;
    se_bench_wind_down(se_async_data(async));
}

static void on_end_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    se_bench_wind_down(se_timer_data(t));
}

static uint64_t ms_until(uint64_t due_ns)
{
    uint64_t now = se_now_ns();
    return due_ns > now ? (due_ns - now + 999999) / 1000000 : 0;
}

/* Aborts connections that waited --timeout for anything. */
static void on_tick(se_loop *loop, se_timer *t)
{
    se_bench_worker *w = se_timer_data(t);
    uint64_t now = se_loop_now(loop);
    for (size_t i = 0; i < w->nslots; i++) {
        se_bench_conn *bc = &w->slots[i];
        if (!bc->open || se_conn_get_state(bc->conn) != SE_CONN_OPEN)
            continue;
        int waiting = bc->received < bc->sent || se_conn_shutdown_requested(bc->conn);
        if (waiting && now - bc->last_progress_ms >= w->opt->timeout_ms) {
            se_bench_fault(bc, SE_VERDICT_TIMEOUT,
                           "timeout: nothing received for %.3g s (%llu of %llu bytes echoed%s)",
                           (double)w->opt->timeout_ms / 1000, (unsigned long long)bc->received,
                           (unsigned long long)bc->sent,
                           se_conn_shutdown_requested(bc->conn) ? ", waiting for FIN" : "");
            se_conn_abort(bc->conn);
        }
    }
    if ((!w->stopping || w->active > 0) && se_timer_start(loop, t, TICK_MS) != 0)
        w->error = SE_ENOMEM;
}

int se_bench_worker_init(se_bench_worker *w, se_bench_shared *shared, unsigned index, size_t slots,
                         uint64_t count_limit, se_mutex *lock)
{
    memset(w, 0, sizeof *w);
    w->shared = shared;
    w->opt = shared->opt;
    w->index = index;
    w->nslots = slots;
    w->count_limit = count_limit;
    w->lock = lock;
    w->window_end_ns = shared->end_ns;
    static const se_bench_mode_ops *const ops[] = {
        [SE_BENCH_RR] = &se_bench_rr_ops,
        [SE_BENCH_RATE] = &se_bench_rate_ops,
        [SE_BENCH_SESSIONS] = &se_bench_sessions_ops,
        [SE_BENCH_BULK] = &se_bench_bulk_ops,
        [SE_BENCH_IDLE] = &se_bench_idle_ops,
    };
    w->ops = ops[w->opt->mode];
    w->slots = calloc(slots, sizeof *w->slots);
    w->stats = se_bench_stats_new();
    int err = !w->slots || !w->stats ? SE_ENOMEM : se_loop_new(&w->loop, w->opt->backend);
    if (!err && (err = se_async_init(w->loop, &w->stop, on_stop, w)) != 0) {
        se_loop_free(w->loop);
        w->loop = NULL;
    }
    if (err)
        se_bench_worker_free(w);
    return err;
}

void se_bench_worker_stop(se_bench_worker *w)
{
    se_async_send(&w->stop);
}

void se_bench_worker_free(se_bench_worker *w)
{
    if (w->loop) {
        se_async_close(w->loop, &w->stop);
        se_loop_free(w->loop);
        w->loop = NULL;
    }
    for (size_t i = 0; w->slots && i < w->nslots; i++)
        free(w->slots[i].mode_buf);
    free(w->slots);
    free(w->stats);
    w->slots = NULL;
    w->stats = NULL;
}

static void run(se_bench_worker *w)
{
    se_timer_init(&w->end_timer, on_end_timer, w);
    se_timer_init(&w->tick_timer, on_tick, w);
    for (size_t i = 0; i < w->nslots; i++) {
        w->slots[i].w = w;
        se_timer_init(&w->slots[i].timer, NULL, &w->slots[i]);     /* a mode sets its callback */
        se_pump_init(&w->slots[i].pump, NULL, NULL, &w->slots[i]); /* bulk sets its producer */
    }
    int err = se_timer_start(w->loop, &w->end_timer, ms_until(w->shared->end_ns));
    if (!err)
        err = se_timer_start(w->loop, &w->tick_timer, TICK_MS);
    if (err) {
        w->error = err;
        return;
    }
    w->unstarted = w->nslots;
    se_bench_open_more(w);
    se_bench_check_done(w);
    err = se_loop_run(w->loop);
    if (err)
        w->error = err;
}

void se_bench_worker_main(void *arg)
{
    se_bench_worker *w = arg;
    run(w);
    atomic_fetch_add(&w->shared->workers_done, 1);
    se_async_send(w->shared->done);
}
