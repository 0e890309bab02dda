/* Bench worker accounting: the measured window, the stats under the
 * worker's lock, the errors that end a connection, and what the modes call
 * to send and measure; see worker.h. */
#include "worker.h"

#include <stdarg.h>

se_bench_conn *se_bench_slot_of(const se_conn *conn)
{
    return *(se_bench_conn **)se_conn_owner(conn);
}

void se_bench_stats_lock(se_bench_worker *w)
{
    if (w->lock)
        se_mutex_lock(w->lock);
}

void se_bench_stats_unlock(se_bench_worker *w)
{
    if (w->lock)
        se_mutex_unlock(w->lock);
}

int se_bench_in_window(const se_bench_worker *w, uint64_t now_ns)
{
    return now_ns >= w->shared->measure_start_ns && now_ns <= w->window_end_ns;
}

/* Counts a connection that ended with the verdict FAULT (a failed one),
 * describes the first one. */
void se_bench_fault(se_bench_conn *bc, se_verdict fault, const char *fmt, ...)
{
    se_bench_worker *w = bc->w;
    bc->faulted = 1;
    se_bench_stats_lock(w);
    w->stats->errors[fault]++;
    w->stats->failed++;
    if (!w->stats->first_error[0]) {
        int n = snprintf(w->stats->first_error, sizeof w->stats->first_error,
                         "connection %llu: ", (unsigned long long)bc->id);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->stats->first_error + n, sizeof w->stats->first_error - (size_t)n, fmt, ap);
        va_end(ap);
    }
    se_bench_stats_unlock(w);
    if (w->ops->reconnect) /* a failed session counts toward --count too */
        se_bench_counted(w, se_bench_in_window(w, se_now_ns()));
}

void se_bench_fail(se_bench_conn *bc, int err, const char *what)
{
    se_verdict fault = SE_VERDICT_ERROR;
    if (se_err_is_reset(err))
        fault = SE_VERDICT_RESET;
    else if (err == SE_ETIMEDOUT)
        fault = SE_VERDICT_TIMEOUT;
    se_bench_fault(bc, fault, "%s: %s after %llu bytes sent, %llu received", what, se_strerror(err),
                   (unsigned long long)bc->sent, (unsigned long long)bc->received);
    se_conn_abort(bc->conn);
}

/* ---- for the modes ---- */

int se_bench_send(se_bench_conn *bc, uint64_t len)
{
    const se_stream_window *win = &bc->w->shared->window;
    uint64_t now = se_now_ns();
    if (bc->sent == bc->received)
        bc->last_progress_ms = se_loop_now(bc->w->loop); /* the wait starts now */
    while (len > 0) {
        size_t n = len < SE_STREAM_SLICE ? (size_t)len : SE_STREAM_SLICE;
        int err = se_conn_write(bc->conn, se_stream_at(win, bc->origin, bc->sent), n);
        if (err) {
            se_bench_fail(bc, err, "send");
            return -1;
        }
        bc->sent += n;
        len -= n;
        if (se_bench_in_window(bc->w, now)) {
            se_bench_stats_lock(bc->w);
            bc->w->stats->bytes_sent += n;
            se_bench_stats_unlock(bc->w);
        }
    }
    return 0;
}

int se_bench_half_close(se_bench_conn *bc)
{
    int err = se_conn_shutdown(bc->conn);
    if (err) {
        se_bench_fail(bc, err, "half-close");
        return -1;
    }
    bc->last_progress_ms = se_loop_now(bc->w->loop);
    return 0;
}

int se_bench_record(se_bench_conn *bc, se_phase phase, uint64_t latency_ns, uint64_t now_ns)
{
    se_bench_worker *w = bc->w;
    if (!se_bench_in_window(w, now_ns))
        return 0;
    se_bench_stats_lock(w);
    se_hist_record(&w->stats->latency[phase], latency_ns);
    if (phase == SE_PHASE_RTT)
        w->stats->requests++;
    else if (phase == SE_PHASE_SESSION)
        w->stats->sessions++;
    se_bench_stats_unlock(w);
    return 1;
}

void se_bench_counted(se_bench_worker *w, int recorded)
{
    if (recorded && w->count_limit && ++w->count_done >= w->count_limit)
        se_bench_wind_down(w);
}
