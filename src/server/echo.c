/* One client connection of the server: echo with backpressure, the
 * client's FIN answered after the echo (and an optional trailer), idle
 * eviction, and the opt-in fault modes. */
#include "server/server_internal.h"

#include "util/pattern.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* slow-read refills its budget this often. */
#define SE_SLOW_READ_TICK_MS 100

static const char *const outcome_names[] = {"complete", "reset", "aborted", "failed", "idle"};

/* State of the opt-in behaviours (--fault, --delay-after-eof), allocated
 * only when one is on, so that a plain connection stays small. */
typedef struct fault_state {
    se_timer timer;
    int64_t read_budget; /* slow-read: bytes left in this tick */
    /* --delay-after-eof: the newest echo (at most max_buffer bytes) held
     * back until the delay after the client's FIN. */
    char *hold;
    size_t hold_len;
} fault_state;

/* Kept small (232 bytes, a 240-byte heap chunk): an idle server holds one
 * per client. Fields are ordered so that none needs padding. */
struct client_conn {
    se_conn conn;
    client_conn *prev, *next; /* the worker's list, least recently active first */
    uint64_t counted_out;     /* bytes_out already added to the statistics */
    fault_state *fault;
    /* 32-bit on purpose: times are the loop's milliseconds modulo 2^32,
     * compared by difference; the idle mark is the low half of the bytes
     * moved. */
    uint32_t last_active_ms;
    uint32_t idle_mark; /* bytes moved when last seen active */
    uint32_t start_ms;
    int error;
    uint8_t result;        /* outcome */
    uint8_t paused;        /* reading stopped by backpressure */
    uint8_t stalled;       /* fault: no more reading or writing */
    uint8_t closing_early; /* fault: our FIN is out; input is discarded */
    uint8_t delaying;      /* the client's FIN came; the held echo waits */
};

static worker *worker_of(const client_conn *cc)
{
    return (worker *)((char *)cc->conn.loop - offsetof(worker, loop));
}

static const se_server_options *options(const client_conn *cc)
{
    return worker_of(cc)->srv->opt;
}

static void finish(client_conn *cc, outcome result, int err, int abortive)
{
    if (cc->conn.state == SE_CONN_CLOSED)
        return;
    cc->result = result;
    cc->error = err;
    if (abortive)
        se_conn_abort(&cc->conn);
    else
        se_conn_close(&cc->conn);
}

static void fail(client_conn *cc, int err)
{
    finish(cc, se_err_is_reset(err) ? OUTCOME_RESET : OUTCOME_FAILED, err, 1);
}

/* Queues DATA for the client; pauses reading above --max-buffer. */
static int send_echo(client_conn *cc, const char *data, size_t len)
{
    if (len == 0)
        return 0;
    int err = se_conn_write(&cc->conn, data, len);
    if (err) {
        fail(cc, err);
        return err;
    }
    if (se_conn_pending(&cc->conn) > options(cc)->max_buffer && !cc->paused) {
        cc->paused = 1;
        se_conn_read_stop(&cc->conn);
    }
    return 0;
}

/* --delay-after-eof: keep the newest max_buffer bytes, send what falls out. */
static int hold_echo(client_conn *cc, const char *data, size_t len)
{
    fault_state *f = cc->fault;
    size_t cap = options(cc)->max_buffer;
    if (!f->hold && !(f->hold = malloc(cap))) {
        fail(cc, SE_ENOMEM);
        return SE_ENOMEM;
    }
    if (f->hold_len + len > cap) {
        size_t excess = f->hold_len + len - cap;
        size_t from_hold = excess < f->hold_len ? excess : f->hold_len;
        if (send_echo(cc, f->hold, from_hold))
            return -1;
        memmove(f->hold, f->hold + from_hold, f->hold_len - from_hold);
        f->hold_len -= from_hold;
        if (send_echo(cc, data, excess - from_hold))
            return -1;
        data += excess - from_hold;
        len -= excess - from_hold;
    }
    memcpy(f->hold + f->hold_len, data, len);
    f->hold_len += len;
    return 0;
}

static int echo(client_conn *cc, const char *data, size_t len)
{
    return options(cc)->delay_after_eof_ms ? hold_echo(cc, data, len) : send_echo(cc, data, len);
}

/* ---- the client's FIN and ours ---- */

static void send_trailer_and_fin(client_conn *cc)
{
    char chunk[4096];
    uint64_t total = options(cc)->trailer;
    for (uint64_t off = 0; off < total;) {
        size_t n = total - off < sizeof chunk ? (size_t)(total - off) : sizeof chunk;
        se_pattern_fill(SE_TRAILER_SEED, off, chunk, n);
        int err = se_conn_write(&cc->conn, chunk, n);
        if (err) {
            fail(cc, err);
            return;
        }
        off += n;
    }
    int err = se_conn_shutdown(&cc->conn);
    if (err)
        fail(cc, err);
}

static void on_fault_timer(se_loop *loop, se_timer *t);
static void touch(worker *w, client_conn *cc, uint64_t now);

static void on_eof(se_conn *conn)
{
    client_conn *cc = conn->data;
    if (cc->stalled)
        return; /* a stalled server never answers */
    if (cc->closing_early) {
        finish(cc, OUTCOME_COMPLETE, 0, 0);
        return;
    }
    if (options(cc)->delay_after_eof_ms) {
        cc->delaying = 1;
        if (se_timer_start(conn->loop, &cc->fault->timer, options(cc)->delay_after_eof_ms))
            fail(cc, SE_ENOMEM);
        return;
    }
    send_trailer_and_fin(cc);
}

static void on_shutdown(se_conn *conn)
{
    client_conn *cc = conn->data;
    if (cc->closing_early && !conn->eof_received)
        return; /* keep reading (and dropping) until the client's FIN */
    finish(cc, OUTCOME_COMPLETE, 0, 0);
}

/* ---- reading, with the fault modes ---- */

/* Bytes of this read that fall before the fault threshold N. */
static size_t before_threshold(const se_conn *conn, size_t len, uint64_t n)
{
    uint64_t before = conn->bytes_in - len;
    return before >= n ? 0 : (n - before < len ? (size_t)(n - before) : len);
}

static void count_output(client_conn *cc)
{
    SE_STAT_ADD(&worker_of(cc)->srv->stats, bytes_out, cc->conn.bytes_out - cc->counted_out);
    cc->counted_out = cc->conn.bytes_out;
}

static void on_read(se_conn *conn, const char *data, size_t len)
{
    client_conn *cc = conn->data;
    const se_server_options *opt = options(cc);
    worker *w = worker_of(cc);
    SE_STAT_ADD(&w->srv->stats, bytes_in, len);
    count_output(cc);
    if (opt->idle_timeout_ms)
        touch(w, cc, se_loop_now(conn->loop));
    if (cc->closing_early)
        return; /* input after our early FIN is read and dropped */
    switch (opt->fault) {
    case SE_FAULT_RST_AFTER:
        if (conn->bytes_in >= opt->fault_value) {
            finish(cc, OUTCOME_ABORTED, 0, 1);
            return;
        }
        break;
    case SE_FAULT_STALL_AFTER:
    case SE_FAULT_CLOSE_EARLY:
        if (conn->bytes_in >= opt->fault_value) {
            if (echo(cc, data, before_threshold(conn, len, opt->fault_value)))
                return;
            if (opt->fault == SE_FAULT_STALL_AFTER) {
                cc->stalled = 1;
                se_conn_read_stop(conn);
            } else {
                cc->closing_early = 1;
                int err = se_conn_shutdown(conn);
                if (err)
                    fail(cc, err);
            }
            return;
        }
        break;
    case SE_FAULT_SLOW_READ:
        cc->fault->read_budget -= (int64_t)len;
        if (cc->fault->read_budget <= 0) {
            se_conn_read_stop(conn);
            if (se_timer_start(conn->loop, &cc->fault->timer, SE_SLOW_READ_TICK_MS)) {
                fail(cc, SE_ENOMEM);
                return;
            }
        }
        break;
    default:
        break;
    }
    echo(cc, data, len);
}

static void on_drain(se_conn *conn)
{
    client_conn *cc = conn->data;
    if (cc->paused && !cc->stalled) {
        cc->paused = 0;
        if (options(cc)->fault == SE_FAULT_SLOW_READ && se_timer_active(&cc->fault->timer))
            return; /* the slow-read tick resumes reading */
        int err = se_conn_read_start(conn);
        if (err)
            fail(cc, err);
    }
}

static void on_fault_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    client_conn *cc = t->data;
    fault_state *f = cc->fault;
    if (cc->delaying) {
        cc->delaying = 0;
        if (send_echo(cc, f->hold, f->hold_len) == 0) {
            f->hold_len = 0;
            send_trailer_and_fin(cc);
        }
        return;
    }
    /* slow-read: a new tick's budget */
    f->read_budget = (int64_t)(options(cc)->fault_value * SE_SLOW_READ_TICK_MS / 1000);
    if (f->read_budget < 1)
        f->read_budget = 1;
    if (!cc->paused && !cc->conn.eof_received) {
        int err = se_conn_read_start(&cc->conn);
        if (err)
            fail(cc, err);
    }
}

static void on_error(se_conn *conn, int err)
{
    fail(conn->data, err);
}

/* ---- the worker's list, and idle eviction ---- */

static void unlink_conn(worker *w, client_conn *cc)
{
    if (cc->prev)
        cc->prev->next = cc->next;
    else
        w->conns = cc->next;
    if (cc->next)
        cc->next->prev = cc->prev;
    else
        w->conns_tail = cc->prev;
    cc->prev = cc->next = NULL;
}

static void append_conn(worker *w, client_conn *cc)
{
    cc->prev = w->conns_tail;
    cc->next = NULL;
    if (w->conns_tail)
        w->conns_tail->next = cc;
    else
        w->conns = cc;
    w->conns_tail = cc;
}

/* CC moved bytes: it goes to the back of the eviction order. */
static void touch(worker *w, client_conn *cc, uint64_t now)
{
    cc->last_active_ms = (uint32_t)now;
    cc->idle_mark = (uint32_t)(cc->conn.bytes_in + cc->conn.bytes_out);
    if (w->conns_tail != cc) {
        unlink_conn(w, cc);
        append_conn(w, cc);
    }
}

static void arm_idle_sweep(worker *w)
{
    uint64_t idle = w->srv->opt->idle_timeout_ms, now = se_loop_now(&w->loop);
    client_conn *oldest = w->conns;
    while (oldest && oldest->conn.state == SE_CONN_CLOSED)
        oldest = oldest->next;
    if (!oldest)
        return; /* armed again when a connection arrives */
    uint32_t quiet = (uint32_t)now - oldest->last_active_ms;
    if (se_timer_start(&w->loop, &w->idle_timer, quiet < idle ? idle - quiet : 0))
        se_server_log(w->srv, 0, "cannot arm the idle timer");
}

/* Evicts connections with no progress either way for --idle-timeout:
 * gracefully when nothing is pending, abortively otherwise. The list is in
 * order of last activity, so the sweep stops at the first recent one. */
void se_echo_idle_sweep(se_loop *loop, se_timer *t)
{
    worker *w = t->data;
    uint64_t idle = w->srv->opt->idle_timeout_ms, now = se_loop_now(loop);
    client_conn *next;
    for (client_conn *cc = w->conns; cc; cc = next) {
        next = cc->next;
        if (cc->conn.state == SE_CONN_CLOSED)
            continue;
        if ((uint32_t)now - cc->last_active_ms < idle)
            break;
        if ((uint32_t)(cc->conn.bytes_in + cc->conn.bytes_out) != cc->idle_mark) {
            touch(w, cc, now); /* output drained since: still alive */
            continue;
        }
        int pending = se_conn_pending(&cc->conn) > 0 || (cc->fault && cc->fault->hold_len > 0);
        finish(cc, OUTCOME_IDLE, 0, pending);
    }
    arm_idle_sweep(w);
}

/* ---- reporting and release ---- */

static void report(const client_conn *cc)
{
    server *srv = worker_of(cc)->srv;
    const se_conn *conn = &cc->conn;
    char host[SE_ADDRSTRLEN], when[40], text[1024];
    se_addr_host(se_conn_peer(conn), host, sizeof host);
    se_utc_timestamp(when, sizeof when);
    double ms = (double)(uint32_t)((uint32_t)se_loop_now(cc->conn.loop) - cc->start_ms);
    unsigned long long in = conn->bytes_in, out = conn->bytes_out;
    int port = se_addr_port(se_conn_peer(conn));
    if (srv->opt->json) {
        snprintf(text, sizeof text,
                 "{\"type\":\"connection\",\"time\":\"%s\",\"peer\":\"%s\",\"port\":%d,"
                 "\"outcome\":\"%s\",\"error\":%s%s%s,\"bytes_in\":%llu,\"bytes_out\":%llu,"
                 "\"duration_ms\":%.0f,\"client_fin\":%s,\"worker\":%d}\n",
                 when, host, port, outcome_names[cc->result], cc->error ? "\"" : "",
                 cc->error ? se_err_name(cc->error) : "null", cc->error ? "\"" : "", in, out, ms,
                 conn->eof_received ? "true" : "false", worker_of(cc)->index);
    } else {
        int v6 = strchr(host, ':') != NULL;
        snprintf(text, sizeof text,
                 "Bytes received: %llu\nBytes sent: %llu\n%s%s %s%s%s:%d %s%s%s, %llu bytes in, "
                 "%llu bytes out, %.0f ms\n",
                 in, out, conn->eof_received ? "Connection closing...\n" : "", when, v6 ? "[" : "",
                 host, v6 ? "]" : "", port, outcome_names[cc->result], cc->error ? ": " : "",
                 cc->error ? se_strerror(cc->error) : "", in, out, ms);
    }
    se_server_write(srv, stdout, text);
}

static void on_close(se_conn *conn)
{
    client_conn *cc = conn->data;
    worker *w = worker_of(cc);
    server *srv = w->srv;
    if (cc->fault)
        se_timer_stop(&w->loop, &cc->fault->timer);
    if (srv->opt->verbosity >= 2 || (srv->opt->json && srv->opt->verbosity >= 1))
        report(cc);
    atomic_uint_fast64_t *counters[] = {&srv->stats.complete, &srv->stats.reset,
                                        &srv->stats.aborted, &srv->stats.failed,
                                        &srv->stats.idle_evicted};
    atomic_fetch_add_explicit(counters[cc->result], 1, memory_order_relaxed);
    count_output(cc);
    if (srv->opt->max_per_source)
        se_source_release(srv->sources, se_conn_peer(conn));
    unlink_conn(w, cc);
    w->open--;
    SE_STAT_SUB(&srv->stats, open, 1);
    if (cc->fault)
        free(cc->fault->hold);
    free(cc->fault);
    free(cc);
    se_worker_conn_closed(w);
}

static const se_conn_callbacks echo_callbacks = {
    .on_read = on_read,
    .on_eof = on_eof,
    .on_drain = on_drain,
    .on_shutdown = on_shutdown,
    .on_error = on_error,
    .on_close = on_close,
};

/* ---- start ---- */

static void refuse(worker *w, se_socket sock, const struct sockaddr_storage *peer, const char *why)
{
    char where[SE_ADDRSTRLEN];
    se_socket_abort(sock);
    SE_STAT_SUB(&w->srv->stats, open, 1);
    se_addr_format((const struct sockaddr *)peer, where, sizeof where);
    se_server_log(w->srv, 3, "refused %s: %s", where, why);
}

void se_echo_start(worker *w, se_socket sock, const struct sockaddr_storage *peer)
{
    server *srv = w->srv;
    const se_server_options *opt = srv->opt;
    const struct sockaddr *addr = (const struct sockaddr *)peer;
    if (!se_policy_allows(&opt->policy, addr)) {
        SE_STAT_ADD(&srv->stats, refused_policy, 1);
        refuse(w, sock, peer, "address not allowed");
        return;
    }
    if (opt->max_per_source && se_source_acquire(srv->sources, addr, opt->max_per_source)) {
        SE_STAT_ADD(&srv->stats, refused_source, 1);
        refuse(w, sock, peer, "per-source connection cap reached");
        return;
    }
    client_conn *cc = calloc(1, sizeof *cc);
    int with_faults = opt->fault != SE_FAULT_NONE || opt->delay_after_eof_ms;
    if (cc && with_faults && !(cc->fault = calloc(1, sizeof *cc->fault))) {
        free(cc);
        cc = NULL;
    }
    if (!cc) {
        if (opt->max_per_source)
            se_source_release(srv->sources, addr);
        refuse(w, sock, peer, "out of memory");
        return;
    }
    SE_STAT_ADD(&srv->stats, total, 1);
    se_conn_init(&cc->conn, &w->loop, &echo_callbacks, cc);
    se_conn_adopt(&cc->conn, sock, peer);
    cc->start_ms = cc->last_active_ms = (uint32_t)se_loop_now(&w->loop);
    append_conn(w, cc);
    w->open++;
    if (cc->fault)
        se_timer_init(&cc->fault->timer, on_fault_timer, cc);
    if (opt->fault == SE_FAULT_SLOW_READ) {
        cc->fault->read_budget = (int64_t)(opt->fault_value * SE_SLOW_READ_TICK_MS / 1000);
        if (cc->fault->read_budget < 1)
            cc->fault->read_budget = 1;
        se_conn_set_read_limit(&cc->conn, (size_t)cc->fault->read_budget);
    }
    if (opt->idle_timeout_ms && !se_timer_active(&w->idle_timer))
        arm_idle_sweep(w);
    int err = se_conn_read_start(&cc->conn);
    if (err)
        fail(cc, err);
}

void se_echo_abort_all(worker *w)
{
    for (client_conn *cc = w->conns; cc; cc = cc->next)
        finish(cc, OUTCOME_ABORTED, 0, 1);
}
