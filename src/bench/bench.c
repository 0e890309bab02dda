/* Bench orchestration: resolve once, start one worker thread (event loop)
 * per --threads, and on this thread an event loop of its own that waits for
 * them, forwards Ctrl-C, and gathers their stats for interval reports and the
 * progress line, and serves --metrics; at the end, merge and report. */
#include "bench/bench.h"

#include "metrics.h"
#include "conn/proxy_url.h"
#include "window.h"
#include "worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRESS_MS 1000

static const char *const mode_names[] = {
    [SE_BENCH_RR] = "rr",     [SE_BENCH_RATE] = "rate", [SE_BENCH_SESSIONS] = "sessions",
    [SE_BENCH_BULK] = "bulk", [SE_BENCH_IDLE] = "idle",
};

const char *se_bench_mode_name(se_bench_mode mode)
{
    return mode_names[mode];
}

se_verdict se_bench_verdict(const se_bench_stats *stats)
{
    for (int i = 0; i < SE_BENCH_ERROR_KINDS; i++)
        if (stats->errors[se_bench_error_kinds[i]])
            return se_bench_error_kinds[i];
    return SE_VERDICT_COMPLETE;
}

int se_bench_phase_applies(se_bench_mode m, se_phase p)
{
    if (p == SE_PHASE_CONNECT)
        return 1;
    if (p == SE_PHASE_RTT)
        return m == SE_BENCH_RR || m == SE_BENCH_RATE;
    return m == SE_BENCH_SESSIONS;
}

int se_bench_mode_parse(const char *name, se_bench_mode *out)
{
    for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++) {
        if (strcmp(name, mode_names[i]) == 0) {
            *out = (se_bench_mode)i;
            return 0;
        }
    }
    return -1;
}

typedef struct bench_run {
    const se_bench_options *opt;
    se_bench_shared shared;
    se_bench_window window;
    se_source_range sources;
    se_bench_worker *workers;
    se_mutex **locks; /* one per worker while reports need its stats mid-run */
    se_thread **threads;
    unsigned started, done;
    se_loop *loop;
    se_async worker_done, stop_signal; /* a worker ended; Ctrl-C */
    se_timer interval_timer, progress_timer;
    uint64_t last_interval_ns, next_interval_ns;
    se_bench_stats *total, *interval;
    se_http_responder *metrics; /* --metrics; NULL: none */
} bench_run;

/* Says one line through OPT's events (printf-style). */
static void say(const se_bench_options *opt, const char *fmt, ...)
{
    if (!opt->events || !opt->events->log)
        return;
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    opt->events->log(opt->events->arg, line);
}

/* The run ends before it began: VERDICT, because of WHY. */
static void failed_early(const se_bench_options *opt, se_verdict verdict, const char *why)
{
    if (opt->events && opt->events->failed)
        opt->events->failed(opt->events->arg, verdict, why);
}

static void report_interval(bench_run *r, double t_s, double interval_s, uint64_t open)
{
    const se_bench_events *ev = r->opt->events;
    if (ev && ev->interval)
        ev->interval(ev->arg, r->interval, t_s, interval_s, open);
}

static double seconds_between(uint64_t from_ns, uint64_t to_ns)
{
    return to_ns > from_ns ? (double)(to_ns - from_ns) / 1e9 : -(double)(from_ns - to_ns) / 1e9;
}

static uint64_t ms_until(uint64_t due_ns)
{
    uint64_t now = se_now_ns();
    return due_ns > now ? (due_ns - now + 999999) / 1000000 : 0;
}

/* Takes every worker's stats since the last call into the totals (and the
 * interval's); returns the connections open now. Under each worker's lock
 * while it runs (the lock exists whenever reports run mid-run). */
static uint64_t collect(bench_run *r)
{
    uint64_t open = 0;
    for (unsigned i = 0; i < r->started; i++) {
        se_bench_worker *w = &r->workers[i];
        if (r->locks[i]) /* else the thread has ended */
            se_mutex_lock(r->locks[i]);
        se_bench_stats_merge(r->total, w->stats);
        if (r->interval)
            se_bench_stats_merge(r->interval, w->stats);
        se_bench_stats_reset(w->stats);
        open += w->open_now;
        if (r->locks[i])
            se_mutex_unlock(r->locks[i]);
    }
    return open;
}

static void on_interval(se_loop *loop, se_timer *t)
{
    bench_run *r = se_timer_data(t);
    uint64_t now = se_now_ns();
    uint64_t open = collect(r);
    report_interval(r, seconds_between(r->shared.measure_start_ns, now),
                    seconds_between(r->last_interval_ns, now), open);
    se_bench_stats_reset(r->interval);
    r->last_interval_ns = now;
    r->next_interval_ns += r->opt->interval_ms * 1000000;
    if (r->next_interval_ns <= r->shared.end_ns &&
        se_timer_start(loop, t, ms_until(r->next_interval_ns)) != 0)
        say(r->opt, "cannot schedule the next interval: %s", se_strerror(SE_ENOMEM));
}

static void on_progress(se_loop *loop, se_timer *t)
{
    bench_run *r = se_timer_data(t);
    uint64_t open = collect(r);
    const se_bench_events *ev = r->opt->events;
    if (ev && ev->progress)
        ev->progress(ev->arg, r->total, seconds_between(r->shared.measure_start_ns, se_now_ns()),
                     open);
    (void)se_timer_start(loop, t, PROGRESS_MS);
}

/* A scrape of --metrics: the run so far. */
static char *render_metrics(void *data, size_t *len)
{
    bench_run *r = data;
    se_bench_live live = {r->opt,
                          r->total,
                          collect(r),
                          se_bench_window_wall(&r->window, r->shared.measure_start_ns),
                          se_loop_backend_name(r->loop),
                          r->metrics};
    return se_bench_metrics_render(&live, len);
}

/* Serves --metrics on this thread's loop. Returns 0 (also without
 * --metrics), or an error after saying why. */
static int start_metrics(bench_run *r)
{
    const se_bench_options *opt = r->opt;
    if (!opt->metrics)
        return 0;
    se_socket sock;
    int err = se_bench_metrics_listen(opt, &sock);
    if (!err && !(r->metrics = se_http_responder_start(r->loop, sock, render_metrics, r)))
        err = SE_ENOMEM;
    if (err) {
        char why[300];
        snprintf(why, sizeof why, "cannot serve metrics on %s: %s", opt->metrics, se_strerror(err));
        failed_early(opt, SE_VERDICT_ERROR, why);
    }
    return err;
}

static void stop_waiting(bench_run *r)
{
    se_timer_stop(r->loop, &r->interval_timer);
    se_timer_stop(r->loop, &r->progress_timer);
    se_loop_stop(r->loop);
}

static void on_worker_done(se_loop *loop, se_async *async)
{
    (void)loop;
    bench_run *r = se_async_data(async);
    r->done = atomic_load(&r->shared.workers_done);
    if (r->done >= r->started)
        stop_waiting(r);
}

static void request_stop(bench_run *r)
{
    for (unsigned i = 0; i < r->started; i++)
        se_bench_worker_stop(&r->workers[i]);
}

static void on_stop_signal(se_loop *loop, se_async *async)
{
    (void)loop;
    request_stop(se_async_data(async));
}

/* Ctrl-C: runs in a signal handler (POSIX) or a system thread (Windows). */
static void wake_on_stop_signal(void *arg)
{
    se_async_send(arg);
}

/* Share I of N of TOTAL, the remainder going to the first ones. */
static uint64_t share(uint64_t total, unsigned i, unsigned n)
{
    return total / n + (i < total % n ? 1 : 0);
}

static int start_workers(bench_run *r)
{
    const se_bench_options *opt = r->opt;
    unsigned n = (unsigned)opt->threads;
    int collecting = opt->interval_ms || opt->progress || opt->metrics;
    for (unsigned i = 0; i < n; i++) {
        se_bench_worker *w = &r->workers[i];
        int err = 0;
        if (collecting && !(r->locks[i] = se_mutex_create()))
            err = SE_ENOMEM;
        if (!err)
            err = se_bench_worker_init(w, &r->shared, i, (size_t)share(opt->conns, i, n),
                                       share(opt->count, i, n), r->locks[i]);
        if (!err && (err = se_thread_start(&r->threads[i], se_bench_worker_main, w)) != 0)
            se_bench_worker_free(w);
        if (err) {
            say(r->opt, "cannot start a worker thread: %s", se_strerror(err));
            if (r->locks[i])
                se_mutex_destroy(r->locks[i]);
            r->locks[i] = NULL;
            return err;
        }
        r->started++;
    }
    return 0;
}

/* Waits on this thread's loop until every worker is done. */
static int wait_for_workers(bench_run *r)
{
    const se_bench_options *opt = r->opt;
    se_timer_init(&r->interval_timer, on_interval, r);
    se_timer_init(&r->progress_timer, on_progress, r);
    int err = 0;
    if (opt->interval_ms) {
        r->last_interval_ns = r->shared.measure_start_ns;
        r->next_interval_ns = r->shared.measure_start_ns + opt->interval_ms * 1000000;
        err = se_timer_start(r->loop, &r->interval_timer, ms_until(r->next_interval_ns));
    }
    if (!err && opt->progress)
        err = se_timer_start(r->loop, &r->progress_timer, PROGRESS_MS);
    r->done = atomic_load(&r->shared.workers_done);
    if (!err && r->done < r->started)
        err = se_loop_run(r->loop);
    if (err) {
        /* Without a loop, still end the workers. */
        request_stop(r);
        say(r->opt, "cannot wait for the workers: %s", se_strerror(err));
    }
    stop_waiting(r);
    return err;
}

/* Joins the workers, merges what they measured and reports; returns the
 * run's verdict. */
static se_verdict finish(bench_run *r, int failed)
{
    uint64_t window_end = r->shared.measure_start_ns;
    uint64_t open_peak = 0;
    for (unsigned i = 0; i < r->started; i++) {
        se_bench_worker *w = &r->workers[i];
        se_thread_join(r->threads[i]);
        if (w->window_end_ns > window_end)
            window_end = w->window_end_ns;
        open_peak += w->open_peak;
        if (w->error) {
            say(r->opt, "thread %u: %s", i, se_strerror(w->error));
            failed = 1;
        }
    }
    collect(r);
    /* The last (possibly partial) interval of the measured window. */
    if (r->interval && window_end > r->last_interval_ns + 1000000)
        report_interval(r, seconds_between(r->shared.measure_start_ns, window_end),
                        seconds_between(r->last_interval_ns, window_end), 0);
    for (unsigned i = 0; i < r->started; i++) {
        se_bench_worker_free(&r->workers[i]);
        if (r->locks[i])
            se_mutex_destroy(r->locks[i]);
    }
    se_bench_summary sum = {r->opt,
                            r->total,
                            seconds_between(r->shared.measure_start_ns, window_end),
                            se_bench_window_wall(&r->window, r->shared.measure_start_ns),
                            se_bench_window_wall(&r->window, window_end),
                            open_peak,
                            se_bench_verdict(r->total)};
    if (failed && sum.verdict == SE_VERDICT_COMPLETE)
        sum.verdict = SE_VERDICT_ERROR;
    if (r->opt->events && r->opt->events->done)
        r->opt->events->done(r->opt->events->arg, &sum);
    return sum.verdict;
}

static se_verdict run_workers(bench_run *r)
{
    const se_bench_options *opt = r->opt;
    int err = se_loop_new(&r->loop, opt->backend);
    if (!err && (err = se_async_init(r->loop, &r->worker_done, on_worker_done, r)) == 0)
        err = se_async_init(r->loop, &r->stop_signal, on_stop_signal, r);
    if (err) {
        say(r->opt, "cannot start the event loop: %s", se_strerror(err));
        if (r->loop)
            se_loop_free(r->loop); /* the handles die with it: nothing was sent yet */
        return SE_VERDICT_ERROR;
    }
    if (se_loop_fallback(r->loop))
        say(opt, "event backend: %s (%s)", se_loop_backend_name(r->loop),
            se_loop_fallback(r->loop));
    r->shared.done = &r->worker_done;
    se_bench_window_plan(&r->window, opt, se_now_ns(), se_wall_ns());
    r->shared.measure_start_ns = r->window.start_ns;
    r->shared.end_ns = r->window.end_ns;
    if (start_metrics(r) != 0) {
        se_async_close(r->loop, &r->stop_signal);
        se_async_close(r->loop, &r->worker_done);
        se_loop_free(r->loop);
        return SE_VERDICT_ERROR;
    }
    int failed = start_workers(r) != 0;
    if (failed)
        request_stop(r);
    int stop_signals = se_stop_signals_install(wake_on_stop_signal, &r->stop_signal) == 0;
    if (r->started && wait_for_workers(r) != 0)
        failed = 1;
    if (stop_signals)
        se_stop_signals_restore();
    se_verdict rc = finish(r, failed);
    if (r->metrics)
        se_http_responder_stop(r->metrics);
    se_async_close(r->loop, &r->stop_signal);
    se_async_close(r->loop, &r->worker_done);
    se_loop_free(r->loop);
    return rc;
}

static int prepare(bench_run *r, const struct addrinfo *list)
{
    const se_bench_options *opt = r->opt;
    int err;
    char why[128];
    r->shared.opt = opt;
    r->shared.addrs = list;
    /* Through a proxy, no spread by default: the proxy may admit its own
     * clients by address. */
    if (opt->source_range
            ? se_source_range_parse(opt->source_range, &r->sources, why, sizeof why) == 0
            : !opt->proxy && se_source_range_default(list, &r->sources))
        r->shared.sources = &r->sources;
    r->workers = calloc((size_t)opt->threads, sizeof *r->workers);
    r->locks = calloc((size_t)opt->threads, sizeof *r->locks);
    r->threads = calloc((size_t)opt->threads, sizeof *r->threads);
    r->total = se_bench_stats_new();
    if (opt->interval_ms)
        r->interval = se_bench_stats_new();
    if (!r->workers || !r->locks || !r->threads || !r->total ||
        (opt->interval_ms && !r->interval)) {
        say(r->opt, "cannot start: %s", se_strerror(SE_ENOMEM));
        return SE_ENOMEM;
    }
    if ((err = se_stream_window_init(&r->shared.window, opt->seed)) != 0) {
        say(r->opt, "cannot start: %s", se_strerror(err));
        return err;
    }
    return 0;
}

static void release(bench_run *r)
{
    se_stream_window_free(&r->shared.window);
    free(r->interval);
    free(r->total);
    free(r->threads);
    free(r->locks);
    free(r->workers);
}

/* Resolves HOST (or, with --proxy, the proxy's) into *OUT: complete, or
 * the verdict after the error is reported. */
static se_verdict resolve(const se_bench_options *opt, const char *what, const char *host,
                          const char *port, struct addrinfo **out)
{
    int err = se_resolve(host, port, opt->family, SOCK_STREAM, 0, out);
    if (!err)
        return SE_VERDICT_COMPLETE;
    char why[300];
    snprintf(why, sizeof why, "cannot resolve %s%s: %s", what, host, se_strerror(err));
    failed_early(opt, SE_VERDICT_RESOLVE, why);
    return SE_VERDICT_RESOLVE;
}

se_verdict se_bench_run(const se_bench_options *opt)
{
    /* Resolved once, before any worker's loop runs. With socks5:// the
     * destination's addresses go to the proxy; socks5h:// and http:// send
     * its name. */
    struct addrinfo *list = NULL, *dest = NULL;
    se_verdict rc = opt->unix_path ? SE_VERDICT_COMPLETE
                    : opt->proxy
                        ? resolve(opt, "the proxy ", opt->proxy->host, opt->proxy->port, &list)
                        : resolve(opt, "", opt->host, opt->port, &list);
    if (rc == SE_VERDICT_COMPLETE && opt->proxy && opt->proxy->scheme == SE_PROXY_SOCKS5)
        rc = resolve(opt, "", opt->host, opt->port, &dest);
    if (rc == SE_VERDICT_COMPLETE) {
        bench_run r;
        memset(&r, 0, sizeof r);
        r.opt = opt;
        r.shared.dest = dest;
        rc = prepare(&r, list) == 0 ? run_workers(&r) : SE_VERDICT_ERROR;
        release(&r);
    }
    if (list)
        freeaddrinfo(list);
    if (dest)
        freeaddrinfo(dest);
    return rc;
}
