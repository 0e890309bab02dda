/* The verifying echo client; see client.h. */
#include "client/client.h"

#include "conn/conn.h"
#include "conn/proxy_filter.h"
#include "conn/resolver.h"
#include "conn/pump.h"
#include "conn/tls_filter.h"
#include "conn/tunnel_filter.h"
#include "util/pattern.h"
#include "util/sockopt_text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Bytes handed to the connection per write: a little of each goes to the
 * kernel at once, so the send queue copies little. */
#define SE_SEND_SLICE (64 * 1024)
/* The trailer is generated for comparison in pieces of this size. */
#define SE_TRAILER_PIECE 4096

typedef struct client {
    const se_client_options *opt;
    se_payload *payload;
    se_client_result *res;
    se_loop *loop;
    se_conn *conn;
    se_tls_filter *tls; /* with options.tls */
    se_timer idle_timer, drain_timer, tick_timer;
    se_pump pump;
    int payload_waits; /* a stream's window is full until the echo frees it */
    FILE *out;
    int verdict_set;
    uint64_t connected_ns, shutdown_ns;
    size_t attempts_cap;
    se_tunnel *tunnel;     /* with --proxy: the handshake, for its verdict */
    se_resolver *resolver; /* while the names are looked up */
    struct addrinfo *list; /* the addresses connected to (HOST's or the proxy's) */
    struct addrinfo *dest; /* with socks5://: HOST's, sent to the proxy */
    uint64_t first_attempt_ns;
    const char *sockopt_bad; /* the socket option an attempt could not set */
} client;

/* The client that owns CONN (its owner bytes hold the pointer). */
static client *client_of(const se_conn *conn)
{
    return *(client **)se_conn_owner(conn);
}

static double ms_between(uint64_t from_ns, uint64_t to_ns)
{
    return (double)(to_ns - from_ns) / 1e6;
}

/* Records the first fault; later ones are ignored. */
static void set_verdict(client *c, se_verdict v, const char *fmt, ...)
{
    if (c->verdict_set)
        return;
    c->verdict_set = 1;
    c->res->verdict = v;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->res->detail, sizeof c->res->detail, fmt, ap);
    va_end(ap);
}

static void on_error(se_conn *conn, int err);

/* Hands the owner one line (options.on_log), if it wants them. */
static void log_line(client *c, const char *fmt, ...)
{
    if (!c->opt->on_log)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    c->opt->on_log(c->opt->log_arg, line);
}

static void fail_local(client *c, const char *what, int err)
{
    if (!c->verdict_set)
        c->res->error = err;
    set_verdict(c, SE_VERDICT_ERROR, "%s: %s", what, se_strerror(err));
    se_conn_abort(c->conn);
}

/* ---- sending ---- */

/* The pump's producer: the payload's next bytes, straight from its memory,
 * or the half-close at its end. */
static long send_next(void *arg, size_t max)
{
    client *c = arg;
    if (c->payload->finished)
        return 0;
    const char *data = NULL;
    long n = se_payload_next(c->payload, &data, max < SE_SEND_SLICE ? max : SE_SEND_SLICE);
    c->payload_waits = n == SE_EAGAIN;
    if (c->payload_waits)
        return 0; /* verifying the echo frees the window, then on_read pumps */
    if (n < 0) {
        fail_local(c, "cannot read payload", (int)n);
        return -1;
    }
    if (c->verdict_set)
        se_payload_release(c->payload, c->payload->produced);
    int err = n > 0 ? se_conn_write(c->conn, data, (size_t)n) : se_conn_shutdown(c->conn);
    if (err) {
        on_error(c->conn, err);
        return -1;
    }
    return n;
}

static void pump_failed(void *arg, int err)
{
    fail_local(arg, "cannot schedule sending", err);
}

static void pump(client *c)
{
    se_pump_run(&c->pump, c->conn);
}

static void on_drain(se_conn *conn)
{
    pump(client_of(conn));
}

static void on_shutdown(se_conn *conn)
{
    client *c = client_of(conn);
    c->shutdown_ns = se_now_ns();
    c->res->transfer_ms = ms_between(c->connected_ns, c->shutdown_ns);
    if (c->opt->drain_timeout_ms &&
        se_timer_start(c->loop, &c->drain_timer, c->opt->drain_timeout_ms))
        fail_local(c, "cannot start drain timer", SE_ENOMEM);
}

/* ---- receiving and verifying ---- */

/* Bytes the client expects back in all: the payload, then the trailer once
 * the payload is complete. */
static uint64_t expected_total(const client *c)
{
    const se_payload *p = c->payload;
    return p->finished ? p->produced + c->opt->expect_trailer : p->produced;
}

/* Compares LEN bytes of echoed trailer DATA, from byte FROM of the trailer
 * (stream offset OFFSET), with the trailer's pattern. */
static int verify_trailer(uint64_t from, const char *data, size_t len, uint64_t offset,
                          se_mismatch *m)
{
    char expect[SE_TRAILER_PIECE];
    for (size_t done = 0; done < len;) {
        size_t n = len - done < sizeof expect ? len - done : sizeof expect;
        se_pattern_fill(SE_TRAILER_SEED, from + done, expect, n);
        if (se_mismatch_find(expect, data + done, n, offset + done, m))
            return 1;
        done += n;
    }
    return 0;
}

static void verify(client *c, const char *data, size_t len, uint64_t offset)
{
    se_payload *p = c->payload;
    uint64_t sent = p->produced, total = expected_total(c);
    size_t comparable =
        offset >= total ? 0 : (total - offset < len ? (size_t)(total - offset) : len);
    size_t from_payload =
        offset >= sent ? 0 : (sent - offset < comparable ? (size_t)(sent - offset) : comparable);
    se_mismatch m;
    int bad = se_payload_verify(p, offset, data, from_payload, &m) ||
              verify_trailer(offset + from_payload - sent, data + from_payload,
                             comparable - from_payload, offset + from_payload, &m);
    if (bad) {
        c->res->have_mismatch = 1;
        c->res->fault_offset = m.offset;
        c->res->expected_byte = m.expected;
        c->res->received_byte = m.received;
        set_verdict(c, SE_VERDICT_MISMATCH, "mismatch at byte %llu (%s 0x%02x, received 0x%02x)",
                    (unsigned long long)m.offset, m.offset < sent ? "sent" : "trailer", m.expected,
                    m.received);
    } else if (comparable < len) {
        c->res->fault_offset = offset + comparable;
        set_verdict(c, SE_VERDICT_EXCESS,
                    "excess: received byte %llu when only %llu bytes were expected",
                    (unsigned long long)(offset + comparable), (unsigned long long)total);
    }
    uint64_t verified = offset + from_payload;
    se_payload_release(p, c->verdict_set ? p->produced : verified);
}

static void on_read(se_conn *conn, const char *data, size_t len)
{
    client *c = client_of(conn);
    uint64_t offset = c->res->bytes_received;
    c->res->bytes_received += len;
    if (c->out && fwrite(data, 1, len, c->out) != len) {
        fail_local(c, "cannot write output", se_last_file_error());
        return;
    }
    if (c->opt->on_echo)
        c->opt->on_echo(c->opt->echo_arg, data, len);
    if (c->verdict_set)
        se_payload_release(c->payload, c->payload->produced);
    else
        verify(c, data, len, offset);
    if (c->payload_waits)
        pump(c); /* the echo freed some of the stream's window */
}

static void on_eof(se_conn *conn)
{
    client *c = client_of(conn);
    c->res->fin_received = 1;
    if (c->shutdown_ns)
        c->res->close_ms = ms_between(c->shutdown_ns, se_now_ns());
    uint64_t total = expected_total(c);
    /* Over TLS the end of the echo is the server's close_notify: a FIN
     * without it may have cut the stream anywhere. */
    int cut = c->tls && !se_tls_filter_close_received(c->tls);
    /* A short echo ended by close_notify: TLS carried every byte it was
     * given, so they were lost before encryption (the server, or a TLS
     * terminator and what is behind it). */
    const char *tls_note =
        cut      ? ", without TLS close_notify (a truncation attack, or something in "
                   "between that cut the stream)"
        : c->tls ? ", with TLS close_notify (the TLS stream ended cleanly: the bytes were "
                   "lost before encryption)"
                 : "";
    if (!c->payload->finished || c->res->bytes_received < total || cut)
        set_verdict(c, SE_VERDICT_TRUNCATED,
                    "truncated: the server closed after %llu of %llu bytes%s%s",
                    (unsigned long long)c->res->bytes_received, (unsigned long long)total,
                    !c->payload->finished    ? " sent so far"
                    : c->opt->expect_trailer ? " (echo and trailer)"
                                             : "",
                    tls_note);
    se_conn_close(conn);
}

/* ---- faults and timers ---- */

/* A failure before the proxy's tunnel was open: the proxy's verdict. */
static void tunnel_failed(client *c, int err)
{
    int rc = se_tunnel_result(c->tunnel);
    const char *proxy = c->opt->proxy->host;
    if (rc == SE_TUNNEL_AUTH_FAILED)
        set_verdict(c, SE_VERDICT_PROXY_AUTH, "%s", se_tunnel_reason(c->tunnel));
    else if (rc < 0)
        set_verdict(c, SE_VERDICT_PROXY_REFUSED, "%s", se_tunnel_reason(c->tunnel));
    else
        set_verdict(c, SE_VERDICT_PROXY_REFUSED, "proxy %s: %s during the handshake", proxy,
                    se_strerror(err));
}

static void on_error(se_conn *conn, int err)
{
    client *c = client_of(conn);
    if (!c->verdict_set)
        c->res->error = err;
    if (c->tunnel && se_tunnel_result(c->tunnel) != SE_TUNNEL_DONE)
        tunnel_failed(c, err);
    else if (err == SE_ETLS && c->tls)
        set_verdict(c, SE_VERDICT_TLS, "tls: %s", se_tls_filter_error(c->tls));
    else if (se_err_is_reset(err))
        set_verdict(c, SE_VERDICT_RESET, "reset: %s after %llu bytes sent, %llu received",
                    se_strerror(err), (unsigned long long)se_conn_bytes_out(conn),
                    (unsigned long long)c->res->bytes_received);
    else if (err == SE_ETIMEDOUT)
        set_verdict(c, SE_VERDICT_TIMEOUT, "timeout: %s", se_strerror(err));
    else
        set_verdict(c, SE_VERDICT_ERROR, "connection error: %s", se_strerror(err));
    se_conn_abort(conn);
}

static void on_idle_timer(se_loop *loop, se_timer *t)
{
    client *c = se_timer_data(t);
    /* The connection records when bytes last moved either way, so the
     * timeout acts T after that moment, not when it is next looked at. */
    uint64_t quiet = se_conn_idle_ms(c->conn);
    if (quiet < c->opt->idle_timeout_ms) {
        if (se_timer_start(loop, t, c->opt->idle_timeout_ms - quiet))
            fail_local(c, "cannot start idle timer", SE_ENOMEM);
        return;
    }
    if (!c->verdict_set)
        c->res->error = SE_ETIMEDOUT;
    set_verdict(c, SE_VERDICT_TIMEOUT, "timeout: nothing moved for %.3g s",
                (double)c->opt->idle_timeout_ms / 1000);
    se_conn_abort(c->conn);
}

static void on_drain_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    client *c = se_timer_data(t);
    if (!c->verdict_set)
        c->res->error = SE_ETIMEDOUT;
    set_verdict(c, SE_VERDICT_TIMEOUT,
                "timeout: no FIN from the server %.3g s after the half-close",
                (double)c->opt->drain_timeout_ms / 1000);
    se_conn_abort(c->conn);
}

static void on_tick_timer(se_loop *loop, se_timer *t)
{
    client *c = se_timer_data(t);
    uint64_t sent = se_conn_bytes_out(c->conn);
    if (c->opt->on_tick(c->opt->tick_arg, sent, c->res->bytes_received) == SE_CLIENT_INTERRUPT) {
        set_verdict(c, SE_VERDICT_INTERRUPTED, "interrupted after %llu bytes sent, %llu received",
                    (unsigned long long)sent, (unsigned long long)c->res->bytes_received);
        se_conn_abort(c->conn);
        return;
    }
    if (c->connected_ns)
        pump(c); /* the owner may have ended the payload */
    if (se_timer_start(loop, t, c->opt->tick_ms))
        fail_local(c, "cannot start tick timer", SE_ENOMEM);
}

static void on_close(se_conn *conn)
{
    client *c = client_of(conn);
    if (c->resolver) {
        se_resolver_cancel(c->resolver);
        c->resolver = NULL;
    }
    se_timer_stop(c->loop, &c->idle_timer);
    se_timer_stop(c->loop, &c->drain_timer);
    se_pump_stop(&c->pump, c->loop);
    se_timer_stop(c->loop, &c->tick_timer);
    c->res->bytes_sent = se_conn_bytes_out(conn);
    if (c->tls) {
        c->res->bytes_sent = se_tls_filter_plain_sent(c->tls);
        c->res->tls_close_notify_sent = se_tls_filter_close_sent(c->tls);
        c->res->tls_close_notify_received = se_tls_filter_close_received(c->tls);
    }
    se_loop_stop(c->loop);
}

/* ---- connecting ---- */

/* An attempt's address as the log shows it: "[::1]:7", or the Unix path. */
static void where_of(const client *c, const struct sockaddr *addr, char *buf, size_t size)
{
    if (c->opt->unix_path)
        snprintf(buf, size, "%s", c->opt->unix_path);
    else
        se_addr_format(addr, buf, size);
}

static void on_attempt_start(se_conn *conn, const struct sockaddr *addr)
{
    client *c = client_of(conn);
    uint64_t now = se_now_ns();
    if (!c->first_attempt_ns)
        c->first_attempt_ns = now;
    if (c->opt->on_log) {
        char where[SE_ADDRSTRLEN];
        where_of(c, addr, where, sizeof where);
        log_line(c, "attempt to %s (+%.3f ms)", where, ms_between(c->first_attempt_ns, now));
    }
}

static void on_attempt(se_conn *conn, const struct sockaddr *addr, int status, uint64_t ns)
{
    client *c = client_of(conn);
    se_client_result *r = c->res;
    if (r->attempt_count == c->attempts_cap) {
        size_t cap = c->attempts_cap ? c->attempts_cap * 2 : 4;
        se_attempt *a = realloc(r->attempts, cap * sizeof *a);
        if (!a)
            return; /* the attempt still happened; only its record is lost */
        r->attempts = a;
        c->attempts_cap = cap;
    }
    /* A proxy that goes quiet during its handshake meets the idle timeout. */
    if (status == 0 && c->opt->proxy && c->opt->idle_timeout_ms &&
        se_timer_start(c->loop, &c->idle_timer, c->opt->idle_timeout_ms))
        fail_local(c, "cannot start idle timer", SE_ENOMEM);
    se_attempt *a = &r->attempts[r->attempt_count++];
    if (c->opt->unix_path)
        snprintf(a->address, sizeof a->address, "%s", c->opt->unix_path);
    else
        se_addr_host(addr, a->address, sizeof a->address);
    a->port = se_addr_port(addr);
    a->status = status;
    a->ms = (double)ns / 1e6;
    a->start_ms = ms_between(c->first_attempt_ns, se_now_ns()) - a->ms;
    if (a->start_ms < 0)
        a->start_ms = 0;
    if (c->opt->on_log) {
        char where[SE_ADDRSTRLEN];
        where_of(c, addr, where, sizeof where);
        log_line(c, "connecting to %s%s %s: %s (%.3f ms)", c->opt->proxy ? "the proxy " : "",
                 c->opt->proxy ? c->opt->proxy->host : c->opt->host, where,
                 status == SE_ECANCELED ? "closed, another address connected first"
                 : status               ? se_strerror(status)
                                        : "connected",
                 a->ms);
        if (status == 0 && r->attempt_count > 1)
            log_line(c, "%s won the race of %zu attempts", where, r->attempt_count);
    }
}

/* "cannot connect to HOST [ADDR]:PORT: ERROR", one clause per attempt; a
 * numeric HOST tried once is not repeated. */
static void describe_connect_failure(client *c)
{
    se_client_result *r = c->res;
    int all_refused = r->attempt_count > 0, local = 0;
    const char *host = c->opt->proxy ? c->opt->proxy->host : c->opt->host;
    int literal = r->attempt_count == 1 && strcmp(r->attempts[0].address, host) == 0;
    size_t used = (size_t)snprintf(r->detail, sizeof r->detail, "cannot connect to%s%s%s%s",
                                   c->opt->proxy ? " the proxy" : "", literal ? "" : " ",
                                   literal ? "" : host, r->attempt_count > 1 ? ":" : "");
    for (size_t i = 0; i < r->attempt_count && used < sizeof r->detail; i++) {
        const se_attempt *a = &r->attempts[i];
        if (a->status != SE_ECONNREFUSED)
            all_refused = 0;
        if (se_err_is_local(a->status))
            local = 1;
        int v6 = strchr(a->address, ':') != NULL;
        if (c->opt->unix_path)
            used += (size_t)snprintf(r->detail + used, sizeof r->detail - used, " %s: %s",
                                     a->address, se_strerror(a->status));
        else
            used += (size_t)snprintf(r->detail + used, sizeof r->detail - used, "%s %s%s%s:%d: %s",
                                     i ? ";" : "", v6 ? "[" : "", a->address, v6 ? "]" : "",
                                     a->port, se_strerror(a->status));
    }
    c->verdict_set = 1;
    /* A failure of this machine's (no descriptor left) says nothing about
     * the network: the verdict is error, not unreachable. */
    r->verdict = local         ? SE_VERDICT_ERROR
                 : all_refused ? SE_VERDICT_REFUSED
                               : SE_VERDICT_UNREACHABLE;
    if (c->opt->proxy && !local)
        r->verdict = SE_VERDICT_PROXY_UNREACHABLE;
    r->error = r->attempt_count ? r->attempts[r->attempt_count - 1].status : 0;
}

static void on_connect(se_conn *conn, int status)
{
    client *c = client_of(conn);
    if (status && c->sockopt_bad) {
        c->res->error = status;
        set_verdict(c, SE_VERDICT_ERROR, "cannot set %s: %s", c->sockopt_bad,
                    se_sockopt_error_text(c->sockopt_bad, status));
        se_conn_abort(conn);
        return;
    }
    int tcp_connected =
        c->res->attempt_count && !c->res->attempts[c->res->attempt_count - 1].status;
    if (status && c->tls && tcp_connected) {
        c->res->error = status;
        if (status == SE_ETLS)
            set_verdict(c, SE_VERDICT_TLS, "tls: %s", se_tls_filter_error(c->tls));
        else
            set_verdict(c, SE_VERDICT_TLS, "tls: the handshake failed: %s", se_strerror(status));
        se_conn_abort(conn);
        return;
    }
    if (status) {
        describe_connect_failure(c);
        se_timer_stop(c->loop, &c->tick_timer);
        se_conn_abort(conn);
        return;
    }
    if (c->tls) {
        c->res->tls_handshake_done = 1;
        se_tls_filter_info(c->tls, &c->res->tls);
    }
    c->connected_ns = se_now_ns();
    if (c->opt->proxy)
        log_line(c, "tunnel to %s port %s open through %s", c->opt->host, c->opt->port,
                 c->res->proxy);
    if (c->opt->send_proxy)
        log_line(c, "sent a PROXY protocol v%d header", c->opt->send_proxy);
    if (c->opt->unix_path)
        snprintf(c->res->address, sizeof c->res->address, "%s", c->opt->unix_path);
    else
        se_addr_host(se_conn_peer(conn), c->res->address, sizeof c->res->address);
    if (c->opt->sockopts) {
        se_sockopts_read(se_conn_socket(conn), se_conn_peer(conn)->sa_family, &c->res->sockopts);
        c->res->have_sockopts = 1;
    }
    c->res->port = se_addr_port(se_conn_peer(conn));
    if (c->res->attempt_count)
        c->res->connect_ms = c->res->attempts[c->res->attempt_count - 1].ms;
    int err = se_conn_read_start(conn);
    if (!err && c->opt->idle_timeout_ms)
        err = se_timer_start(c->loop, &c->idle_timer, c->opt->idle_timeout_ms);
    if (err) {
        fail_local(c, "cannot start", err);
        return;
    }
    pump(c);
}

static const se_conn_callbacks client_callbacks = {
    .on_connect = on_connect,
    .on_attempt_start = on_attempt_start,
    .on_attempt = on_attempt,
    .on_read = on_read,
    .on_eof = on_eof,
    .on_drain = on_drain,
    .on_shutdown = on_shutdown,
    .on_error = on_error,
    .on_close = on_close,
};

/* Each attempt's socket gets the socket options before it connects. */
static int setup_socket(se_socket sock, int family, void *arg)
{
    client *c = arg;
    return se_sockopts_apply(sock, family, c->opt->sockopts, &c->sockopt_bad);
}

/* The socket options, then the filters, bottom up: the proxy's tunnel, then
 * the PROXY header (which goes to the destination). */
static int push_filters(client *c, const struct addrinfo *dest)
{
    const se_client_options *opt = c->opt;
    int err = se_conn_set_attempt_delay(c->conn, opt->attempt_delay_ms);
    if (!err && opt->source)
        err = se_conn_set_source(c->conn, opt->source);
    if (!err && opt->sockopts)
        err = se_conn_set_socket_setup(c->conn, setup_socket, c);
    if (!err && opt->proxy)
        err = se_conn_push_tunnel(c->conn, opt->proxy, opt->host, dest ? dest->ai_addr : NULL,
                                  atoi(opt->port), &c->tunnel);
    if (!err && opt->send_proxy)
        err = se_conn_push_proxy_send(c->conn, opt->send_proxy, opt->proxy_source);
    if (!err && opt->tls)
        err = se_tls_filter_push(c->conn, opt->tls,
                                 opt->tls_servername ? opt->tls_servername : opt->host, &c->tls);
    return err;
}

/* The names are resolved (conn/resolver.h): HOST's, or with --proxy the
 * proxy's (and for socks5:// HOST's as well, sent to the proxy). */
static void on_resolved(void *arg, int failed, int err, struct addrinfo **lists)
{
    client *c = arg;
    const se_client_options *opt = c->opt;
    c->resolver = NULL;
    c->list = lists[0];
    c->dest = lists[1];
    if (failed >= 0) {
        int proxy = opt->proxy && failed == 0;
        c->res->error = err;
        set_verdict(c, SE_VERDICT_RESOLVE, "cannot resolve %s%s: %s", proxy ? "the proxy " : "",
                    proxy ? opt->proxy->host : opt->host, se_strerror(err));
        se_timer_stop(c->loop, &c->tick_timer);
        se_conn_close(c->conn);
        return;
    }
    if ((err = push_filters(c, c->dest)) != 0 ||
        (err = se_conn_connect(c->conn, c->list, opt->connect_timeout_ms)) != 0) {
        set_verdict(c, SE_VERDICT_ERROR, "cannot connect: %s", se_strerror(err));
        se_timer_stop(c->loop, &c->tick_timer);
        se_conn_close(c->conn);
    }
}

static int start_resolving(client *c)
{
    const se_client_options *opt = c->opt;
    se_resolve_query q[2] = {{opt->host, opt->port, opt->family}, {NULL, NULL, 0}};
    size_t n = 1;
    if (opt->proxy) {
        q[0] = (se_resolve_query){opt->proxy->host, opt->proxy->port, opt->family};
        if (opt->proxy->scheme == SE_PROXY_SOCKS5)
            q[n++] = (se_resolve_query){opt->host, opt->port, opt->family};
    }
    return se_resolver_start(c->loop, q, n, on_resolved, c, &c->resolver);
}

se_verdict se_client_run(const se_client_options *opt, se_payload *payload,
                         se_client_result *result)
{
    client c;
    memset(&c, 0, sizeof c);
    memset(result, 0, sizeof *result);
    c.opt = opt;
    c.payload = payload;
    c.res = result;
    result->tls_used = opt->tls != NULL;
    result->connect_ms = result->transfer_ms = result->close_ms = -1;
    result->send_proxy = opt->send_proxy;
    result->attempt_delay_ms = opt->attempt_delay_ms;
    if (opt->source)
        se_addr_format(opt->source, result->source, sizeof result->source);
    if (opt->proxy)
        snprintf(result->proxy, sizeof result->proxy,
                 strchr(opt->proxy->host, ':') ? "%s://[%s]:%s" : "%s://%s:%s",
                 se_proxy_scheme_name(opt->proxy->scheme), opt->proxy->host, opt->proxy->port);

    int err = 0;
    if (opt->output_path && !(c.out = se_file_open_write(opt->output_path, &err))) {
        set_verdict(&c, SE_VERDICT_ERROR, "cannot open %s: %s", opt->output_path, se_strerror(err));
        return result->verdict;
    }
    if ((err = se_loop_new(&c.loop, opt->backend)) != 0) {
        set_verdict(&c, SE_VERDICT_ERROR, "cannot start the event loop: %s", se_strerror(err));
    } else {
        if (se_loop_fallback(c.loop))
            log_line(&c, "event backend: %s (%s)", se_loop_backend_name(c.loop),
                     se_loop_fallback(c.loop));
        se_timer_init(&c.idle_timer, on_idle_timer, &c);
        se_timer_init(&c.drain_timer, on_drain_timer, &c);
        se_pump_init(&c.pump, send_next, pump_failed, &c);
        se_timer_init(&c.tick_timer, on_tick_timer, &c);
        c.conn = se_conn_new(c.loop, &client_callbacks, sizeof(client *));
        if (!c.conn) {
            set_verdict(&c, SE_VERDICT_ERROR, "out of memory");
        } else {
            *(client **)se_conn_owner(c.conn) = &c;
            if (opt->on_tick && (err = se_timer_start(c.loop, &c.tick_timer, opt->tick_ms)) != 0) {
                set_verdict(&c, SE_VERDICT_ERROR, "cannot start: %s", se_strerror(err));
                se_conn_close(c.conn); /* freed by the loop below */
            } else if (opt->unix_path) {
                if ((err = push_filters(&c, NULL)) != 0 ||
                    (err = se_conn_connect_unix(c.conn, opt->unix_path, opt->connect_timeout_ms)) !=
                        0) {
                    set_verdict(&c, SE_VERDICT_ERROR, "cannot connect to %s: %s", opt->unix_path,
                                se_strerror(err));
                    se_timer_stop(c.loop, &c.tick_timer);
                    se_conn_close(c.conn);
                }
            } else if ((err = start_resolving(&c)) != 0) {
                set_verdict(&c, SE_VERDICT_ERROR, "cannot resolve: %s", se_strerror(err));
                se_timer_stop(c.loop, &c.tick_timer);
                se_conn_close(c.conn); /* freed by the loop below */
            }
            if ((err = se_loop_run(c.loop)) != 0)
                set_verdict(&c, SE_VERDICT_ERROR, "event loop failed: %s", se_strerror(err));
        }
        se_loop_free(c.loop);
    }
    if (c.list)
        freeaddrinfo(c.list);
    if (c.dest)
        freeaddrinfo(c.dest);
    if (c.out && c.out != stdout && fclose(c.out) != 0)
        set_verdict(&c, SE_VERDICT_ERROR, "cannot write %s: %s", opt->output_path,
                    se_strerror(se_last_file_error()));
    else if (c.out == stdout && fflush(stdout) != 0)
        set_verdict(&c, SE_VERDICT_ERROR, "cannot write standard output");
    return result->verdict;
}

void se_client_result_free(se_client_result *result)
{
    free(result->attempts);
    result->attempts = NULL;
}
