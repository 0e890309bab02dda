/* Bench worker slots: each slot's connection from connect to close (the
 * source address, filters, the race of attempts), verification of every
 * echoed byte, and how it ended; see worker.h. */
#include "worker.h"

#include "conn/proxy_filter.h"
#include "conn/tunnel_filter.h"
#include "util/mismatch.h"

#include <stdlib.h>
#include <string.h>

/* Connects in progress per worker at most (ramp-up of many connections). */
#define MAX_CONNECTING 256

static const se_conn_callbacks conn_callbacks;

void se_bench_check_done(se_bench_worker *w)
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

void se_bench_finish_slot(se_bench_conn *bc)
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
        se_bench_fault(bc, SE_VERDICT_ERROR, "cannot connect: %s", se_strerror(SE_ENOMEM));
        w->error = SE_ENOMEM;
        bc->in_use = 0;
        w->active--;
        se_bench_wind_down(w);
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
        se_bench_fault(bc, SE_VERDICT_ERROR, "cannot connect: %s", se_strerror(err));
        w->error = err;
        bc->in_use = 0;
        w->active--;
        se_bench_wind_down(w);
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
    return w->ops->reconnect && w->count_limit && se_bench_in_window(w, se_now_ns()) &&
           w->count_done + in_flight >= w->count_limit;
}

void se_bench_open_more(se_bench_worker *w)
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
        se_bench_check_done(w);
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
    se_bench_open_more(w);
    se_bench_check_done(w);
}

/* ---- connection callbacks ---- */

static void on_connect(se_conn *conn, int status)
{
    se_bench_conn *bc = se_bench_slot_of(conn);
    se_bench_worker *w = bc->w;
    bc->connecting = 0;
    w->connecting--;
    if (status == SE_ETLS && bc->tls) {
        se_bench_fault(bc, SE_VERDICT_TLS, "tls: %s", se_tls_filter_error(bc->tls));
        se_conn_abort(conn);
        return;
    }
    if (status) {
        se_verdict f = status == SE_ECONNREFUSED ? SE_VERDICT_REFUSED : SE_VERDICT_UNREACHABLE;
        char where[SE_ADDRSTRLEN];
        se_addr_format(se_conn_peer(conn), where, sizeof where);
        se_bench_fault(bc, f, "cannot connect to %s%s %s: %s", w->opt->proxy ? "the proxy " : "",
                       w->opt->proxy ? w->opt->proxy->host : w->opt->host, where,
                       se_strerror(status));
        if (!w->ever_connected)
            se_bench_wind_down(w); /* nobody is there: do not hammer */
        se_conn_abort(conn);       /* on_close ends the slot */
        return;
    }
    uint64_t now = se_now_ns();
    bc->connected_ns = now;
    bc->open = 1;
    w->ever_connected = 1;
    se_tls_info tls;
    if (bc->tls)
        se_tls_filter_info(bc->tls, &tls);
    se_bench_stats_lock(w);
    w->stats->opened++;
    if (++w->open_now > w->open_peak)
        w->open_peak = w->open_now;
    if (bc->tls && se_bench_in_window(w, now)) {
        w->stats->tls_handshakes++;
        w->stats->tls_resumed += tls.resumed != 0;
    }
    se_bench_stats_unlock(w);
    se_bench_record(bc, SE_PHASE_CONNECT, now - bc->start_ns, now);
    bc->last_progress_ms = se_loop_now(w->loop);
    int err = se_conn_read_start(conn);
    if (err) {
        se_bench_fail(bc, err, "read");
        return;
    }
    if (w->ops->start)
        w->ops->start(bc);
    if (w->stopping)
        se_bench_finish_slot(bc);
    se_bench_open_more(w);
}

static void on_read(se_conn *conn, const char *data, size_t len)
{
    se_bench_conn *bc = se_bench_slot_of(conn);
    se_bench_worker *w = bc->w;
    bc->last_progress_ms = se_loop_now(w->loop);
    uint64_t outstanding = bc->sent - bc->received;
    size_t comparable = len < outstanding ? len : (size_t)outstanding;
    const char *expect = se_stream_at(&w->shared->window, bc->origin, bc->received);
    se_mismatch m;
    if (se_mismatch_find(expect, data, comparable, bc->received, &m)) {
        se_bench_fault(bc, SE_VERDICT_MISMATCH,
                       "mismatch at byte %llu (sent 0x%02x, received 0x%02x)",
                       (unsigned long long)m.offset, m.expected, m.received);
        se_conn_abort(conn);
        return;
    }
    if (comparable < len) {
        se_bench_fault(
            bc, SE_VERDICT_EXCESS, "excess: received byte %llu when only %llu bytes had been sent",
            (unsigned long long)(bc->received + comparable), (unsigned long long)bc->sent);
        se_conn_abort(conn);
        return;
    }
    bc->received += len;
    uint64_t now = se_now_ns();
    if (!bc->first_byte_ns)
        bc->first_byte_ns = now;
    if (se_bench_in_window(w, now)) {
        se_bench_stats_lock(w);
        w->stats->bytes_received += len;
        se_bench_stats_unlock(w);
    }
    if (w->ops->echoed)
        w->ops->echoed(bc, len);
}

static void on_eof(se_conn *conn)
{
    se_bench_conn *bc = se_bench_slot_of(conn);
    se_bench_worker *w = bc->w;
    int cut = bc->tls && !se_tls_filter_close_received(bc->tls);
    if (!se_conn_shutdown_requested(conn) || bc->received < bc->sent || cut) {
        se_bench_fault(bc, SE_VERDICT_TRUNCATED,
                       "truncated: the server's FIN came after %llu of %llu "
                       "bytes%s%s",
                       (unsigned long long)bc->received, (unsigned long long)bc->sent,
                       se_conn_shutdown_requested(conn) ? "" : ", before our half-close",
                       cut ? ", without TLS close_notify" : "");
    } else {
        se_bench_stats_lock(w);
        w->stats->complete++;
        se_bench_stats_unlock(w);
        if (w->ops->completed)
            w->ops->completed(bc);
    }
    se_conn_close(conn);
}

static void on_drain(se_conn *conn)
{
    se_bench_conn *bc = se_bench_slot_of(conn);
    if (bc->w->ops->drained)
        bc->w->ops->drained(bc);
}

static void on_shutdown(se_conn *conn)
{
    se_bench_conn *bc = se_bench_slot_of(conn);
    bc->shutdown_ns = se_now_ns();
    bc->last_progress_ms = se_loop_now(bc->w->loop);
}

static void on_error(se_conn *conn, int err)
{
    se_bench_conn *bc = se_bench_slot_of(conn);
    if (bc->connecting) { /* a filter's handshake failed: no on_connect */
        bc->connecting = 0;
        bc->w->connecting--;
    }
    if (bc->tunnel && se_tunnel_result(bc->tunnel) != SE_TUNNEL_DONE) {
        int rc = se_tunnel_result(bc->tunnel);
        if (rc < 0)
            se_bench_fault(bc, SE_VERDICT_UNREACHABLE, "%s", se_tunnel_reason(bc->tunnel));
        else
            se_bench_fault(bc, SE_VERDICT_UNREACHABLE, "proxy %s: %s during the handshake",
                           bc->w->opt->proxy->host, se_strerror(err));
        if (!bc->w->ever_connected)
            se_bench_wind_down(bc->w); /* the proxy will not let us through: do not hammer */
        se_conn_abort(conn);
        return;
    }
    if (err == SE_ETLS && bc->tls) {
        se_bench_fault(bc, SE_VERDICT_TLS, "tls: %s", se_tls_filter_error(bc->tls));
        se_conn_abort(conn);
        return;
    }
    se_bench_fail(bc, err, "connection error");
}

static void on_close(se_conn *conn)
{
    se_bench_conn *bc = se_bench_slot_of(conn);
    se_bench_worker *w = bc->w;
    bc->conn = NULL;
    bc->tls = NULL; /* freed with the conn */
    bc->tunnel = NULL;
    if (bc->open) {
        se_bench_stats_lock(w);
        w->open_now--;
        se_bench_stats_unlock(w);
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
