/* The opt-in fault modes (--fault, --delay-after-eof) as a filter on each
 * connection, so that the echo itself knows nothing of them:
 *   rst-after=N    reset once N bytes were received
 *   stall-after=N  pass N bytes up, then read nothing more and never answer
 *   close-early=N  pass N bytes up, send our FIN after their echo, then read
 *                  and drop input until the client's FIN
 *   slow-read=R    read at most R bytes per second
 *   delay-after-eof  hold the newest echo (at most --max-buffer bytes) and
 *                  the client's FIN for the delay, then let both through */
#include "server_internal.h"

#include "conn/filter.h"

#include <stdlib.h>
#include <string.h>

/* slow-read refills its budget this often. */
#define SLOW_READ_TICK_MS 100

typedef struct fault {
    const se_server_options *opt;
    se_filter *filter; /* set by open */
    se_timer timer;
    uint64_t received;
    int64_t read_budget; /* slow-read: bytes left in this tick */
    int tripped;         /* stall-after / close-early reached its threshold */
    int eof_waiting;     /* delay-after-eof: the client's FIN is held */
    char *hold;          /* delay-after-eof: the newest echo */
    size_t hold_len;
} fault;

static int64_t slow_read_budget(const se_server_options *opt)
{
    int64_t budget = (int64_t)(opt->fault_value * SLOW_READ_TICK_MS / 1000);
    return budget < 1 ? 1 : budget;
}

static int fault_open(se_filter *f)
{
    fault *ft = se_filter_ctx(f);
    ft->filter = f;
    se_filter_ready(f);
    return 0;
}

static int fault_recv(se_filter *f, const char *data, size_t len)
{
    fault *ft = se_filter_ctx(f);
    const se_server_options *opt = ft->opt;
    if (ft->tripped)
        return 0; /* stalled, or closed early: input is dropped */
    uint64_t before = ft->received;
    ft->received += len;
    switch (opt->fault) {
    case SE_FAULT_RST_AFTER:
        return ft->received >= opt->fault_value ? SE_EINJECTED : se_filter_recv_up(f, data, len);
    case SE_FAULT_STALL_AFTER:
    case SE_FAULT_CLOSE_EARLY:
        if (ft->received < opt->fault_value)
            return se_filter_recv_up(f, data, len);
        size_t keep = before >= opt->fault_value ? 0 : (size_t)(opt->fault_value - before);
        int err = se_filter_recv_up(f, data, keep); /* echoed before the fault trips */
        ft->tripped = 1;
        if (err)
            return err;
        if (opt->fault == SE_FAULT_STALL_AFTER) {
            se_filter_pause_reading(f, 1);
            return 0;
        }
        return se_filter_shutdown_down(f);
    case SE_FAULT_SLOW_READ:
        ft->read_budget -= (int64_t)len;
        if (ft->read_budget <= 0) {
            se_filter_pause_reading(f, 1);
            if (se_timer_start(se_filter_loop(f), &ft->timer, SLOW_READ_TICK_MS))
                return SE_ENOMEM;
        }
        return se_filter_recv_up(f, data, len);
    default:
        return se_filter_recv_up(f, data, len);
    }
}

static int fault_eof(se_filter *f)
{
    fault *ft = se_filter_ctx(f);
    if (ft->tripped && ft->opt->fault == SE_FAULT_STALL_AFTER)
        return 0; /* a stalled server never answers */
    if (ft->opt->delay_after_eof_ms) {
        ft->eof_waiting = 1;
        return se_timer_start(se_filter_loop(f), &ft->timer, ft->opt->delay_after_eof_ms);
    }
    return se_filter_eof_up(f);
}

/* delay-after-eof keeps the newest max_buffer bytes and sends what falls
 * out; after close-early the echo is dropped. */
static int fault_send(se_filter *f, const char *data, size_t len)
{
    fault *ft = se_filter_ctx(f);
    if (ft->tripped)
        return 0;
    if (!ft->opt->delay_after_eof_ms)
        return se_filter_send_down(f, data, len);
    size_t cap = ft->opt->max_buffer;
    if (!ft->hold && !(ft->hold = malloc(cap)))
        return SE_ENOMEM;
    if (ft->hold_len + len > cap) {
        size_t excess = ft->hold_len + len - cap;
        size_t from_hold = excess < ft->hold_len ? excess : ft->hold_len;
        int err = se_filter_send_down(f, ft->hold, from_hold);
        if (err)
            return err;
        memmove(ft->hold, ft->hold + from_hold, ft->hold_len - from_hold);
        ft->hold_len -= from_hold;
        if ((err = se_filter_send_down(f, data, excess - from_hold)) != 0)
            return err;
        data += excess - from_hold;
        len -= excess - from_hold;
    }
    memcpy(ft->hold + ft->hold_len, data, len);
    ft->hold_len += len;
    return 0;
}

static int fault_shutdown(se_filter *f)
{
    return se_filter_shutdown_down(f);
}

static size_t fault_held(const se_filter *f)
{
    const fault *ft = se_filter_ctx(f);
    return ft->hold_len;
}

static void on_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    fault *ft = se_timer_data(t);
    se_filter *f = ft->filter;
    if (ft->eof_waiting) {
        ft->eof_waiting = 0;
        int err = se_filter_send_down(f, ft->hold, ft->hold_len);
        ft->hold_len = 0;
        if (!err)
            err = se_filter_eof_up(f);
        if (err)
            se_filter_fail(f, err);
        return;
    }
    ft->read_budget = slow_read_budget(ft->opt);
    se_filter_pause_reading(f, 0);
}

static void fault_destroy(void *ctx)
{
    fault *ft = ctx;
    if (ft->filter)
        se_timer_stop(se_filter_loop(ft->filter), &ft->timer);
    free(ft->hold);
    free(ft);
}

static const se_filter_ops fault_ops = {
    .name = "fault",
    .open = fault_open,
    .recv = fault_recv,
    .eof = fault_eof,
    .send = fault_send,
    .shutdown = fault_shutdown,
    .held = fault_held,
    .destroy = fault_destroy,
};

int se_fault_filter_push(se_conn *conn, const se_server_options *opt)
{
    if (opt->fault == SE_FAULT_NONE && !opt->delay_after_eof_ms)
        return 0;
    fault *ft = calloc(1, sizeof *ft);
    if (!ft)
        return SE_ENOMEM;
    ft->opt = opt;
    se_timer_init(&ft->timer, on_timer, ft);
    if (opt->fault == SE_FAULT_SLOW_READ) {
        ft->read_budget = slow_read_budget(opt);
        int err = se_conn_set_read_limit(conn, (size_t)ft->read_budget);
        if (err) {
            free(ft);
            return err;
        }
    }
    return se_conn_push_filter(conn, &fault_ops, ft);
}
