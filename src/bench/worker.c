/* Bench worker: connection lifecycle, verification and accounting; see
 * worker.h. */
#include "worker.h"

#include "conn/proxy_filter.h"
#include "conn/tunnel_filter.h"
#include "util/mismatch.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Connects in progress per worker at most (ramp-up of many connections). */
#define MAX_CONNECTING 256
/* How often timeouts and Ctrl-C are checked. */
#define TICK_MS 100

static const se_conn_callbacks conn_callbacks;

/* The slot whose session CONN is (its owner bytes hold the pointer). */
static se_bench_conn *slot_of(const se_conn *conn)
{
    return *(se_bench_conn **)se_conn_owner(conn);
}

static void stats_lock(se_bench_worker *w)
{
    if (w->lock)
        se_mutex_lock(w->lock);
}

static void stats_unlock(se_bench_worker *w)
{
    if (w->lock)
        se_mutex_unlock(w->lock);
}

static int in_window(const se_bench_worker *w, uint64_t now_ns)
{
    return now_ns >= w->shared->measure_start_ns && now_ns <= w->window_end_ns;
}

/* Counts a connection that ended with the verdict FAULT (a failed one),
 * describes the first one. */
static void record_fault(se_bench_conn *bc, se_verdict fault, const char *fmt, ...)
{
    se_bench_worker *w = bc->w;
    bc->faulted = 1;
    stats_lock(w);
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
    stats_unlock(w);
    if (w->ops->reconnect) /* a failed session counts toward --count too */
        se_bench_counted(w, in_window(w, se_now_ns()));
}

static void fail_with(se_bench_conn *bc, int err, const char *what)
{
    se_verdict fault = SE_VERDICT_ERROR;
    if (se_err_is_reset(err))
        fault = SE_VERDICT_RESET;
    else if (err == SE_ETIMEDOUT)
        fault = SE_VERDICT_TIMEOUT;
    record_fault(bc, fault, "%s: %s after %llu bytes sent, %llu received", what, se_strerror(err),
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
            fail_with(bc, err, "send");
            return -1;
        }
        bc->sent += n;
        len -= n;
        if (in_window(bc->w, now)) {
            stats_lock(bc->w);
            bc->w->stats->bytes_sent += n;
            stats_unlock(bc->w);
        }
    }
    return 0;
}

int se_bench_half_close(se_bench_conn *bc)
{
    int err = se_conn_shutdown(bc->conn);
    if (err) {
        fail_with(bc, err, "half-close");
        return -1;
    }
    bc->last_progress_ms = se_loop_now(bc->w->loop);
    return 0;
}

int se_bench_record(se_bench_conn *bc, se_phase phase, uint64_t latency_ns, uint64_t now_ns)
{
    se_bench_worker *w = bc->w;
    if (!in_window(w, now_ns))
        return 0;
    stats_lock(w);
    se_hist_record(&w->stats->latency[phase], latency_ns);
    if (phase == SE_PHASE_RTT)
        w->stats->requests++;
    else if (phase == SE_PHASE_SESSION)
        w->stats->sessions++;
    stats_unlock(w);
    return 1;
}

static void wind_down(se_bench_worker *w);

void se_bench_counted(se_bench_worker *w, int recorded)
{
    if (recorded && w->count_limit && ++w->count_done >= w->count_limit)
        wind_down(w);
}

/* ---- slots ---- */

static void check_done(se_bench_worker *w)
{
    if (w->active > 0 || (w->unstarted > 0 && !w->stopping))
        return;
    uint64_t now = se_now_ns();
    if (now < w->window_end_ns)
        w->window_end_ns = now;
    w->stopping = 1;
    se_timer_stop(w->loop, &w->end_timer);
    se_timer_stop(w->loop, &w->tick_timer);
    se_loop_stop(w->loop);
}

static void finish_conn(se_bench_conn *bc)
{
    if (bc->finishing || !bc->open || se_conn_get_state(bc->conn) != SE_CONN_OPEN)
        return;
    bc->finishing = 1;
    if (bc->w->ops->finish)
        bc->w->ops->finish(bc);
}

/* Each connection's socket gets the socket options before it connects. */
static int setup_socket(se_socket sock, int family, void *arg)
{
    const se_bench_options *opt = arg;
    const char *what = "";
    return se_sockopts_apply(sock, family, &opt->sockopts, &what);
}

static void connect_slot(se_bench_conn *bc)
{
    se_bench_worker *w = bc->w;
    const se_bench_shared *sh = w->shared;
    se_timer_stop(w->loop, &bc->timer);
    bc->id = w->next_id++ * w->opt->threads + w->index;
    bc->origin = se_stream_origin(bc->id);
    bc->sent = bc->received = 0;
    bc->open = bc->finishing = bc->faulted = 0;
    bc->msgs_sent = 0;
    bc->rate_blocked = 0;
    bc->first_byte_ns = bc->shutdown_ns = 0;
    bc->conn = se_conn_new(w->loop, &conn_callbacks, sizeof bc);
    if (!bc->conn) {
        record_fault(bc, SE_VERDICT_ERROR, "cannot connect: %s", se_strerror(SE_ENOMEM));
        w->error = SE_ENOMEM;
        bc->in_use = 0;
        w->active--;
        wind_down(w);
        return;
    }
    *(se_bench_conn **)se_conn_owner(bc->conn) = bc;
    bc->tls = NULL;
    bc->tunnel = NULL;
    const se_bench_options *opt = w->opt;
    /* Filters bottom up: the proxy's tunnel, then TLS to the destination. */
    int err = se_conn_set_attempt_delay(bc->conn, opt->attempt_delay_ms);
    if (!err && opt->proxy)
        err =
            se_conn_push_tunnel(bc->conn, opt->proxy, opt->host,
                                sh->dest ? sh->dest->ai_addr : NULL, atoi(opt->port), &bc->tunnel);
    if (!err && opt->tls)
        err = se_tls_filter_push(bc->conn, opt->tls,
                                 opt->tls_servername ? opt->tls_servername : opt->host, &bc->tls);
    if (!err && sh->sources) {
        se_source_range_get(sh->sources, bc->id, &bc->source);
        err = se_conn_set_source(bc->conn, (const struct sockaddr *)&bc->source);
    }
    bc->start_ns = se_now_ns();
    if (!err && se_sockopts_given(&w->opt->sockopts))
        err = se_conn_set_socket_setup(bc->conn, setup_socket, (void *)w->opt);
    if (!err && w->opt->send_proxy)
        err = se_conn_push_proxy_send(bc->conn, w->opt->send_proxy,
                                      w->opt->has_proxy_source ? &w->opt->proxy_source.sa : NULL);
    if (!err && opt->unix_path)
        err = se_conn_connect_unix(bc->conn, opt->unix_path, opt->connect_timeout_ms);
    else if (!err)
        err = se_conn_connect(bc->conn, sh->addrs, opt->connect_timeout_ms);
    if (err) {
        se_conn_discard(bc->conn);
        bc->conn = NULL;
        record_fault(bc, SE_VERDICT_ERROR, "cannot connect: %s", se_strerror(err));
        w->error = err;
        bc->in_use = 0;
        w->active--;
        wind_down(w);
        return;
    }
    bc->connecting = 1;
    w->connecting++;
}

/* With --count in a mode that starts a session per slot again and again:
 * nonzero when the IN_FLIGHT sessions already make up what is left to count
 * (outside the measured window nothing counts, so nothing is held back). */
static int count_in_flight(const se_bench_worker *w, size_t in_flight)
{
    return w->ops->reconnect && w->count_limit && in_window(w, se_now_ns()) &&
           w->count_done + in_flight >= w->count_limit;
}

static void open_more(se_bench_worker *w)
{
    while (!w->stopping && w->unstarted > 0 && w->connecting < MAX_CONNECTING &&
           !count_in_flight(w, w->active)) {
        se_bench_conn *bc = &w->slots[w->nslots - w->unstarted--];
        bc->in_use = 1;
        w->active++;
        connect_slot(bc);
    }
}

static void on_restart(se_loop *loop, se_deferred *d)
{
    (void)loop;
    se_bench_conn *bc = se_deferred_data(d);
    se_bench_worker *w = bc->w;
    if (w->stopping || count_in_flight(w, w->active - 1)) {
        bc->in_use = 0;
        w->active--;
        check_done(w);
        return;
    }
    connect_slot(bc);
}

/* BC's connection is over (closed, or its connect failed). */
static void slot_ended(se_bench_conn *bc)
{
    se_bench_worker *w = bc->w;
    se_timer_stop(w->loop, &bc->timer);
    se_pump_stop(&bc->pump, w->loop);
    if (w->ops->reconnect && !w->stopping) {
        se_loop_defer(w->loop, &bc->restart, on_restart, bc);
        return;
    }
    bc->in_use = 0;
    w->active--;
    open_more(w);
    check_done(w);
}

/* ---- connection callbacks ---- */

static void on_connect(se_conn *conn, int status)
{
    se_bench_conn *bc = slot_of(conn);
    se_bench_worker *w = bc->w;
    bc->connecting = 0;
    w->connecting--;
    if (status == SE_ETLS && bc->tls) {
        record_fault(bc, SE_VERDICT_TLS, "tls: %s", se_tls_filter_error(bc->tls));
        se_conn_abort(conn);
        return;
    }
    if (status) {
        se_verdict f = status == SE_ECONNREFUSED ? SE_VERDICT_REFUSED : SE_VERDICT_UNREACHABLE;
        char where[SE_ADDRSTRLEN];
        se_addr_format(se_conn_peer(conn), where, sizeof where);
        record_fault(bc, f, "cannot connect to %s%s %s: %s", w->opt->proxy ? "the proxy " : "",
                     w->opt->proxy ? w->opt->proxy->host : w->opt->host, where,
                     se_strerror(status));
        if (!w->ever_connected)
            wind_down(w);    /* nobody is there: do not hammer */
        se_conn_abort(conn); /* on_close ends the slot */
        return;
    }
    uint64_t now = se_now_ns();
    bc->connected_ns = now;
    bc->open = 1;
    w->ever_connected = 1;
    se_tls_info tls;
    if (bc->tls)
        se_tls_filter_info(bc->tls, &tls);
    stats_lock(w);
    w->stats->opened++;
    if (++w->open_now > w->open_peak)
        w->open_peak = w->open_now;
    if (bc->tls && in_window(w, now)) {
        w->stats->tls_handshakes++;
        w->stats->tls_resumed += tls.resumed != 0;
    }
    stats_unlock(w);
    se_bench_record(bc, SE_PHASE_CONNECT, now - bc->start_ns, now);
    bc->last_progress_ms = se_loop_now(w->loop);
    int err = se_conn_read_start(conn);
    if (err) {
        fail_with(bc, err, "read");
        return;
    }
    if (w->ops->start)
        w->ops->start(bc);
    if (w->stopping)
        finish_conn(bc);
    open_more(w);
}

static void on_read(se_conn *conn, const char *data, size_t len)
{
    se_bench_conn *bc = slot_of(conn);
    se_bench_worker *w = bc->w;
    bc->last_progress_ms = se_loop_now(w->loop);
    uint64_t outstanding = bc->sent - bc->received;
    size_t comparable = len < outstanding ? len : (size_t)outstanding;
    const char *expect = se_stream_at(&w->shared->window, bc->origin, bc->received);
    se_mismatch m;
    if (se_mismatch_find(expect, data, comparable, bc->received, &m)) {
        record_fault(bc, SE_VERDICT_MISMATCH,
                     "mismatch at byte %llu (sent 0x%02x, received 0x%02x)",
                     (unsigned long long)m.offset, m.expected, m.received);
        se_conn_abort(conn);
        return;
    }
    if (comparable < len) {
        record_fault(bc, SE_VERDICT_EXCESS,
                     "excess: received byte %llu when only %llu bytes had been sent",
                     (unsigned long long)(bc->received + comparable), (unsigned long long)bc->sent);
        se_conn_abort(conn);
        return;
    }
    bc->received += len;
    uint64_t now = se_now_ns();
    if (!bc->first_byte_ns)
        bc->first_byte_ns = now;
    if (in_window(w, now)) {
        stats_lock(w);
        w->stats->bytes_received += len;
        stats_unlock(w);
    }
    if (w->ops->echoed)
        w->ops->echoed(bc, len);
}

static void on_eof(se_conn *conn)
{
    se_bench_conn *bc = slot_of(conn);
    se_bench_worker *w = bc->w;
    int cut = bc->tls && !se_tls_filter_close_received(bc->tls);
    if (!se_conn_shutdown_requested(conn) || bc->received < bc->sent || cut) {
        record_fault(bc, SE_VERDICT_TRUNCATED,
                     "truncated: the server's FIN came after %llu of %llu "
                     "bytes%s%s",
                     (unsigned long long)bc->received, (unsigned long long)bc->sent,
                     se_conn_shutdown_requested(conn) ? "" : ", before our half-close",
                     cut ? ", without TLS close_notify" : "");
    } else {
        stats_lock(w);
        w->stats->complete++;
        stats_unlock(w);
        if (w->ops->completed)
            w->ops->completed(bc);
    }
    se_conn_close(conn);
}

static void on_drain(se_conn *conn)
{
    se_bench_conn *bc = slot_of(conn);
    if (bc->w->ops->drained)
        bc->w->ops->drained(bc);
}

static void on_shutdown(se_conn *conn)
{
    se_bench_conn *bc = slot_of(conn);
    bc->shutdown_ns = se_now_ns();
    bc->last_progress_ms = se_loop_now(bc->w->loop);
}

static void on_error(se_conn *conn, int err)
{
    se_bench_conn *bc = slot_of(conn);
    if (bc->connecting) { /* a filter's handshake failed: no on_connect */
        bc->connecting = 0;
        bc->w->connecting--;
    }
    if (bc->tunnel && se_tunnel_result(bc->tunnel) != SE_TUNNEL_DONE) {
        int rc = se_tunnel_result(bc->tunnel);
        if (rc < 0)
            record_fault(bc, SE_VERDICT_UNREACHABLE, "%s", se_tunnel_reason(bc->tunnel));
        else
            record_fault(bc, SE_VERDICT_UNREACHABLE, "proxy %s: %s during the handshake",
                         bc->w->opt->proxy->host, se_strerror(err));
        if (!bc->w->ever_connected)
            wind_down(bc->w); /* the proxy will not let us through: do not hammer */
        se_conn_abort(conn);
        return;
    }
    if (err == SE_ETLS && bc->tls) {
        record_fault(bc, SE_VERDICT_TLS, "tls: %s", se_tls_filter_error(bc->tls));
        se_conn_abort(conn);
        return;
    }
    fail_with(bc, err, "connection error");
}

static void on_close(se_conn *conn)
{
    se_bench_conn *bc = slot_of(conn);
    se_bench_worker *w = bc->w;
    bc->conn = NULL;
    bc->tls = NULL; /* freed with the conn */
    bc->tunnel = NULL;
    if (bc->open) {
        stats_lock(w);
        w->open_now--;
        stats_unlock(w);
        bc->open = 0;
    }
    slot_ended(bc);
}

static const se_conn_callbacks conn_callbacks = {
    .on_connect = on_connect,
    .on_read = on_read,
    .on_eof = on_eof,
    .on_drain = on_drain,
    .on_shutdown = on_shutdown,
    .on_error = on_error,
    .on_close = on_close,
};

/* ---- the worker ---- */

static void wind_down(se_bench_worker *w)
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
            finish_conn(&w->slots[i]);
    check_done(w);
}

static void on_stop(se_loop *loop, se_async *async)
{
    (void)loop;
    wind_down(se_async_data(async));
}

static void on_end_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    wind_down(se_timer_data(t));
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
            record_fault(bc, SE_VERDICT_TIMEOUT,
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
    open_more(w);
    check_done(w);
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
