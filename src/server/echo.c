/* One client connection of the server: echo with backpressure, the
 * client's FIN answered after the echo (and an optional trailer), the
 * per-connection report. Faults are a filter (fault.c), idle eviction is
 * idle.c's, admission is admission.c's. */
#include "server_internal.h"

#include "conn/proxy_filter.h"
#include "conn/tls_filter.h"
#include "util/pattern.h"

#include <stdlib.h>
#include <string.h>

/* Under --proxy-protocol the owner bytes hold what the PROXY filter found
 * after the client_conn (other servers do not pay for it). */
typedef struct proxied_conn {
    client_conn cc;
    se_proxy_rx rx;
} proxied_conn;

static client_conn *cc_of(const se_conn *conn)
{
    return se_conn_owner(conn);
}

static se_proxy_rx *rx_of(client_conn *cc)
{
    return cc->proxied ? &((proxied_conn *)cc)->rx : NULL;
}

worker *se_worker_of(const se_conn *conn)
{
    return se_loop_data(se_conn_loop(conn));
}

static const se_server_options *options(const client_conn *cc)
{
    return se_worker_of(se_conn_of_owner(cc))->srv->opt;
}

void se_echo_finish(client_conn *cc, se_server_outcome result, int err, int abortive)
{
    se_conn *conn = se_conn_of_owner(cc);
    if (se_conn_get_state(conn) == SE_CONN_CLOSED)
        return;
    /* The source may connect again as soon as the client can see this
     * connection end (our FIN), not a loop round later. */
    if (cc->source_held) {
        se_source_release(se_worker_of(conn)->srv->sources, se_conn_peer(conn));
        cc->source_held = 0;
    }
    cc->result = (uint8_t)result;
    cc->error = (int16_t)err;
    if (abortive)
        se_conn_abort(conn);
    else
        se_conn_close(conn);
}

static void fail(client_conn *cc, int err)
{
    se_server_outcome result = SE_OUTCOME_FAILED;
    if (se_err_is_reset(err))
        result = SE_OUTCOME_RESET;
    else if (err == SE_EINJECTED)
        result = SE_OUTCOME_ABORTED, err = 0;
    se_echo_finish(cc, result, err, 1);
}

/* ---- echo and backpressure ---- */

/* Adds the bytes CONN sent since the last count to the statistics. */
static void count_out(se_conn *conn, client_conn *cc, server *srv)
{
    uint32_t out = (uint32_t)se_conn_bytes_out(conn);
    SE_STAT_ADD(&srv->stats, bytes_out, (uint32_t)(out - cc->counted_out));
    cc->counted_out = out;
}

static void on_read(se_conn *conn, const char *data, size_t len)
{
    client_conn *cc = cc_of(conn);
    server *srv = se_worker_of(conn)->srv;
    SE_STAT_ADD(&srv->stats, bytes_in, len);
    count_out(conn, cc, srv);
    int err = se_conn_write(conn, data, len);
    if (err) {
        fail(cc, err);
        return;
    }
    if (se_conn_pending(conn) > srv->opt->max_buffer && !cc->paused) {
        cc->paused = 1;
        se_conn_read_stop(conn);
    }
}

static void on_drain(se_conn *conn)
{
    client_conn *cc = cc_of(conn);
    count_out(conn, cc, se_worker_of(conn)->srv);
    if (!cc->paused || se_conn_pending(conn) > options(cc)->max_buffer)
        return;
    cc->paused = 0;
    int err = se_conn_read_start(conn);
    if (err && err != SE_ENOTCONN)
        fail(cc, err);
}

/* ---- the client's FIN and ours ---- */

static void on_eof(se_conn *conn)
{
    client_conn *cc = cc_of(conn);
    char chunk[4096];
    uint64_t total = options(cc)->trailer;
    for (uint64_t off = 0; off < total;) {
        size_t n = total - off < sizeof chunk ? (size_t)(total - off) : sizeof chunk;
        se_pattern_fill(SE_TRAILER_SEED, off, chunk, n);
        int err = se_conn_write(conn, chunk, n);
        if (err) {
            fail(cc, err);
            return;
        }
        off += n;
    }
    int err = se_conn_shutdown(conn);
    if (err)
        fail(cc, err);
}

static void on_shutdown(se_conn *conn)
{
    se_echo_finish(cc_of(conn), SE_OUTCOME_COMPLETE, 0, 0);
}

static void on_error(se_conn *conn, int err)
{
    client_conn *cc = cc_of(conn);
    se_proxy_rx *rx = rx_of(cc);
    if (rx && rx->status == SE_PROXY_RX_REFUSED) {
        server *srv = se_worker_of(conn)->srv;
        char where[SE_ADDRSTRLEN];
        SE_STAT_ADD(&srv->stats, refused_proxy, 1);
        se_addr_format(se_conn_peer(conn), where, sizeof where);
        se_server_log(srv, 3, "refused %s: %s", where, rx->reason);
        se_echo_finish(cc, SE_OUTCOME_REFUSED, err, 1);
        return;
    }
    fail(cc, err);
}

/* The filters are done: behind a trusted proxy, the header has named the
 * client, which the policy now judges. */
static void on_connect(se_conn *conn, int status)
{
    client_conn *cc = cc_of(conn);
    se_proxy_rx *rx = rx_of(cc);
    if (status || !rx || rx->status != SE_PROXY_RX_ACCEPTED)
        return;
    if (se_admit_proxied(se_worker_of(conn), cc) != 0)
        se_echo_finish(cc, SE_OUTCOME_REFUSED, 0, 1);
}

/* ---- reporting and release ---- */

static void report(const client_conn *cc)
{
    const se_conn *conn = se_conn_of_owner(cc);
    worker *w = se_worker_of(conn);
    /* The proxy that named the client, when a header did. */
    const se_proxy_rx *rx = rx_of((client_conn *)cc);
    int proxied = rx && (rx->status == SE_PROXY_RX_ACCEPTED || rx->status == SE_PROXY_RX_LOCAL);
    se_server_conn_report c = {
        .peer = se_conn_peer(conn),
        .outcome = (se_server_outcome)cc->result,
        .error = cc->error,
        .bytes_in = se_conn_bytes_in(conn),
        .bytes_out = se_conn_bytes_out(conn),
        .duration_ms = (uint32_t)((uint32_t)se_loop_now(w->loop) - cc->start_ms),
        .client_fin = se_conn_eof_received(conn),
        .worker = w->index,
        .proxy = proxied ? &rx->proxy.sa : NULL,
        .proxy_version = proxied ? rx->version : 0,
        .proxy_local = proxied && rx->status == SE_PROXY_RX_LOCAL,
    };
    se_server_emit_connection(w->srv, &c);
}

static void on_close(se_conn *conn)
{
    client_conn *cc = cc_of(conn);
    worker *w = se_worker_of(conn);
    server *srv = w->srv;
    if (srv->events->connection)
        report(cc);
    atomic_uint_fast64_t *counters[] = {&srv->stats.complete, &srv->stats.reset,
                                        &srv->stats.aborted, &srv->stats.failed,
                                        &srv->stats.idle_evicted};
    if (cc->result != SE_OUTCOME_REFUSED) /* counted by admission or the PROXY check */
        atomic_fetch_add_explicit(counters[cc->result], 1, memory_order_relaxed);
    count_out(conn, cc, srv);
    se_idle_remove(w, cc);
    w->open--;
    SE_STAT_SUB(&srv->stats, open, 1);
    se_worker_conn_closed(w);
}

static const se_conn_callbacks echo_callbacks = {
    .on_connect = on_connect,
    .on_read = on_read,
    .on_eof = on_eof,
    .on_drain = on_drain,
    .on_shutdown = on_shutdown,
    .on_error = on_error,
    .on_close = on_close,
};

/* ---- start and stop ---- */

int se_echo_start(worker *w, se_socket sock, const struct sockaddr_storage *peer, int proxy_mode,
                  int source_held)
{
    const se_server_options *opt = w->srv->opt;
    int proxied = proxy_mode != SE_PROXY_MODE_NONE;
    size_t size = proxied ? sizeof(proxied_conn) : sizeof(client_conn);
    /* The peer address is kept only when something will ask for it: the
     * report, the per-source table, the PROXY header's checks. */
    se_conn *conn = w->srv->events->connection || opt->max_per_source || proxied
                        ? se_conn_new(w->loop, &echo_callbacks, size)
                        : se_conn_new_peerless(w->loop, &echo_callbacks, size);
    client_conn *cc = conn ? cc_of(conn) : NULL;
    if (cc) {
        cc->proxied = proxied != 0;
        cc->source_held = source_held != 0;
    }
    /* Bottom up: the PROXY header comes first on the wire, then TLS, then
     * the fault modes, which act on the echo. */
    if (!conn ||
        (proxied && se_conn_push_proxy_recv(conn, proxy_mode == SE_PROXY_MODE_TRUSTED,
                                            opt->proxy_timeout_ms, rx_of(cc)) != 0) ||
        (opt->tls && se_tls_filter_push(conn, opt->tls, NULL, NULL) != 0) ||
        se_fault_filter_push(conn, opt) != 0) {
        if (conn)
            se_conn_discard(conn);
        se_socket_abort(sock);
        return SE_ENOMEM;
    }
    SE_STAT_ADD(&w->srv->stats, total, 1);
    se_conn_adopt(conn, sock, peer);
    cc->start_ms = (uint32_t)se_loop_now(w->loop);
    se_idle_add(w, cc);
    w->open++;
    if (opt->idle_timeout_ms)
        se_idle_arm(w);
    int err = se_conn_read_start(conn);
    if (err)
        fail(cc, err);
    return 0;
}

void se_echo_abort_all(worker *w)
{
    for (client_conn *cc = w->conns; cc; cc = cc->next) {
        const se_conn *conn = se_conn_of_owner(cc);
        int finished =
            se_conn_eof_received(conn) && se_conn_shutdown_done(conn) && se_conn_pending(conn) == 0;
        if (finished) /* its on_shutdown is only waiting for its turn */
            se_echo_finish(cc, SE_OUTCOME_COMPLETE, 0, 0);
        else
            se_echo_finish(cc, SE_OUTCOME_ABORTED, 0, 1);
    }
}
