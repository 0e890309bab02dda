/* The server's top: workers (one event loop per thread) and the supervisor
 * that handles stop signals and reports statistics. See server_internal.h
 * for how the files divide the work. */
#include "metrics.h"
#include "server_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- workers ---- */

static void worker_stop_if_done(worker *w)
{
    if (w->open == 0 && (w->stopping || w->srv->opt->once))
        se_loop_stop(w->loop);
}

void se_worker_conn_closed(worker *w)
{
    se_worker_accept_maybe_resume(w);
    worker_stop_if_done(w);
}

static void on_drain_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    se_echo_abort_all(se_timer_data(t));
}

/* The supervisor asks this worker to stop: no new connections; those in
 * flight get --drain-timeout, a second request ends them at once. */
static void on_worker_stop(se_loop *loop, se_async *async)
{
    worker *w = se_async_data(async);
    int asked = atomic_load(&w->stop_asked);
    if (asked == w->stop_requests)
        return;
    int again = w->stop_requests > 0 || asked > 1;
    w->stop_requests = asked;
    w->stopping = 1;
    se_worker_accept_stop(w);
    se_udp_stop(w);
    if (w->open == 0) {
        se_loop_stop(loop);
    } else if (again || w->srv->opt->drain_timeout_ms == 0) {
        se_echo_abort_all(w);
    } else if (!se_timer_active(&w->drain_timer) &&
               se_timer_start(loop, &w->drain_timer, w->srv->opt->drain_timeout_ms)) {
        se_echo_abort_all(w);
    }
}

static int worker_init(server *srv, worker *w, int index)
{
    w->srv = srv;
    w->index = index;
    int err = se_loop_new(&w->loop, srv->opt->backend);
    if (err)
        return err;
    se_loop_set_data(w->loop, w);
    se_timer_init(&w->drain_timer, on_drain_timer, w);
    se_timer_init(&w->idle_timer, se_idle_sweep, w);
    return se_async_init(w->loop, &w->stop, on_worker_stop, w);
}

static void worker_release(worker *w)
{
    if (!w->loop)
        return;
    se_async_close(w->loop, &w->stop);
    se_udp_stop(w);
    if (w->owns_listeners)
        for (size_t i = 0; i < w->listener_count; i++)
            se_socket_close(se_io_socket(&w->listeners[i]));
    se_loop_free(w->loop);
    w->loop = NULL;
}

static void worker_main(void *arg)
{
    worker *w = arg;
    int err = se_loop_run(w->loop);
    if (err)
        se_server_log(w->srv, 0, "event loop failed: %s", se_strerror(err));
    atomic_fetch_add(&w->srv->workers_done, 1);
    se_async_send(&w->srv->worker_done);
}

/* ---- the supervisor ---- */

static void broadcast_stop(server *srv)
{
    for (int i = 0; i < srv->worker_count; i++) {
        atomic_fetch_add(&srv->workers[i].stop_asked, 1);
        se_async_send(&srv->workers[i].stop);
    }
}

/* Ctrl-C, SIGTERM: the workers drain, or end now at the second. */
static void on_stop_signal(se_loop *loop, se_async *async)
{
    (void)loop;
    server *srv = se_async_data(async);
    for (int signals = se_stop_signals_count(); srv->signals_relayed < signals;
         srv->signals_relayed++)
        broadcast_stop(srv);
}

/* Runs in a signal handler (POSIX) or a system thread (Windows). */
static void wake_on_stop_signal(void *arg)
{
    se_async_send(arg);
}

static void on_worker_done(se_loop *loop, se_async *async)
{
    server *srv = se_async_data(async);
    if (atomic_load(&srv->workers_done) >= srv->worker_count)
        se_loop_stop(loop);
}

static void on_stats_timer(se_loop *loop, se_timer *t)
{
    server *srv = se_timer_data(t);
    se_server_emit_stats(srv, 0);
    if (se_timer_start(loop, t, srv->opt->stats_interval_ms))
        se_server_log(srv, 0, "cannot schedule statistics");
}

/* Waits for every worker to finish, relaying stop signals to them and
 * reporting statistics every --stats-interval. */
static void supervise(server *srv)
{
    if (srv->opt->stats_interval_ms && srv->events->stats &&
        se_timer_start(srv->loop, &srv->stats_timer, srv->opt->stats_interval_ms))
        se_server_log(srv, 0, "cannot schedule statistics");
    if (atomic_load(&srv->workers_done) < srv->worker_count) {
        int err = se_loop_run(srv->loop);
        if (err)
            se_server_log(srv, 0, "event loop failed: %s", se_strerror(err));
    }
    se_timer_stop(srv->loop, &srv->stats_timer);
}

static int supervisor_init(server *srv)
{
    int err = se_loop_new(&srv->loop, NULL);
    if (err)
        return err;
    se_timer_init(&srv->stats_timer, on_stats_timer, srv);
    if ((err = se_async_init(srv->loop, &srv->stop_signal, on_stop_signal, srv)) != 0)
        return err;
    return se_async_init(srv->loop, &srv->worker_done, on_worker_done, srv);
}

static void supervisor_release(server *srv)
{
    if (!srv->loop)
        return;
    se_async_close(srv->loop, &srv->stop_signal);
    se_async_close(srv->loop, &srv->worker_done);
    se_loop_free(srv->loop);
}

static int start_workers(server *srv)
{
    for (int i = 0; i < srv->worker_count; i++) {
        worker *w = &srv->workers[i];
        se_worker_accept_start(w);
        if (i == 0) {
            int err = se_udp_start(w);
            if (err) {
                se_server_log(srv, 0, "cannot start the UDP echo: %s", se_strerror(err));
                return err;
            }
        }
        int err = se_thread_start(&w->thread, worker_main, w);
        if (err) {
            se_server_log(srv, 0, "cannot start a worker thread: %s", se_strerror(err));
            return err;
        }
    }
    return 0;
}

/* -v: the event backend the workers run, and why it is not the one asked
 * for when it fell back. */
static void log_backend(server *srv)
{
    const se_loop *loop = srv->workers[0].loop;
    const char *why = se_loop_fallback(loop);
    if (why)
        se_server_log(srv, 2, "event backend: %s (%s)", se_loop_backend_name(loop), why);
    else
        se_server_log(srv, 2, "event backend: %s", se_loop_backend_name(loop));
}

int se_server_run(const se_server_options *opt)
{
    static const se_server_events silent = {0};
    server srv;
    memset(&srv, 0, sizeof srv);
    srv.opt = opt;
    srv.events = opt->events ? opt->events : &silent;
    srv.start_ns = se_now_ns();
    srv.worker_count = opt->threads > 0 ? opt->threads : 1;
    se_raise_descriptor_limit();
    srv.output_lock = se_mutex_create();
    srv.sources = se_source_table_create();
    srv.workers = calloc((size_t)srv.worker_count, sizeof *srv.workers);
    if (!srv.output_lock || !srv.sources || !srv.workers) {
        se_server_log(&srv, 0, "out of memory");
        free(srv.workers);
        se_source_table_destroy(srv.sources);
        if (srv.output_lock)
            se_mutex_destroy(srv.output_lock);
        return -1;
    }
    if (opt->listen_source != SE_LISTEN_BIND && se_listen_inherit(&srv) != 0) {
        free(srv.workers);
        se_source_table_destroy(srv.sources);
        se_mutex_destroy(srv.output_lock);
        return -1;
    }
    int rc = -1, err = supervisor_init(&srv);
    for (int i = 0; i < srv.worker_count && !err; i++)
        err = worker_init(&srv, &srv.workers[i], i);
    if (err)
        se_server_log(&srv, 0, "cannot start: %s", se_strerror(err));
    else if ((err = se_stop_signals_install(wake_on_stop_signal, &srv.stop_signal)) != 0)
        se_server_log(&srv, 0, "cannot handle stop signals: %s", se_strerror(err));
    else if (se_listen_setup(&srv) == 0 && se_metrics_start(&srv) == 0) {
        log_backend(&srv);
        int started = start_workers(&srv);
        if (started)
            broadcast_stop(&srv);
        /* Workers that did start are waited for, even after a failure. */
        int launched = 0;
        for (int i = 0; i < srv.worker_count; i++)
            launched += srv.workers[i].thread != NULL;
        srv.worker_count = launched;
        supervise(&srv);
        for (int i = 0; i < launched; i++)
            se_thread_join(srv.workers[i].thread);
        se_server_emit_stats(&srv, 1);
        rc = started ? -1 : 0;
    }
    se_metrics_stop(&srv);
    se_stop_signals_restore();
    se_listen_close_shared(&srv);
    for (int i = 0; i < (opt->threads > 0 ? opt->threads : 1); i++)
        worker_release(&srv.workers[i]);
    supervisor_release(&srv);
    free(srv.workers);
    se_source_table_destroy(srv.sources);
    se_mutex_destroy(srv.output_lock);
    return rc;
}
