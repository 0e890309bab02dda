/* The server's top: workers (one event loop per thread), the supervisor
 * that handles stop signals and prints statistics, and the output they
 * share. See server_internal.h for how the files divide the work. */
#include "server/server_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* What a worker sends the supervisor when its loop has ended. */
#define WAKE_WORKER_DONE 'd'
/* The supervisor also looks at the workers' done count and the stop-signal
 * count this often: a wake byte is only a hint (under Wine one was seen
 * lost when two threads sent at once), so no lost byte can keep the server
 * from stopping. */
#define SUPERVISOR_TICK_MS 250

/* ---- output ---- */

void se_server_write(server *srv, FILE *out, const char *text)
{
    se_mutex_lock(srv->output_lock);
    fputs(text, out);
    fflush(out);
    se_mutex_unlock(srv->output_lock);
}

void se_server_log(server *srv, int level, const char *fmt, ...)
{
    if (srv->opt->verbosity < level)
        return;
    char message[512], when[40], line[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    se_utc_timestamp(when, sizeof when);
    if (srv->opt->json) {
        char *p = line;
        p += snprintf(line, sizeof line, "{\"type\":\"log\",\"time\":\"%s\",\"message\":\"", when);
        for (const char *m = message; *m && p < line + sizeof line - 8; m++) {
            if (*m == '"' || *m == '\\')
                *p++ = '\\';
            *p++ = (*m >= 0 && *m < 0x20) ? ' ' : *m;
        }
        snprintf(p, (size_t)(line + sizeof line - p), "\"}\n");
        se_server_write(srv, stdout, line);
    }
    /* Errors (level 0) always reach stderr, in the one error format. */
    if (!srv->opt->json || level == 0) {
        if (level == 0)
            snprintf(line, sizeof line, "sockecho server: %s\n", message);
        else
            snprintf(line, sizeof line, "%s sockecho server: %s\n", when, message);
        se_server_write(srv, stderr, line);
    }
}

/* ---- workers ---- */

static void worker_stop_if_done(worker *w)
{
    if (w->open == 0 && (w->stopping || w->srv->opt->once))
        se_loop_stop(&w->loop);
}

void se_worker_conn_closed(worker *w)
{
    se_worker_accept_maybe_resume(w);
    worker_stop_if_done(w);
}

static void on_drain_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    se_echo_abort_all(t->data);
}

/* The supervisor asks this worker to stop: no new connections; those in
 * flight get --drain-timeout, a second request ends them at once. */
static void on_worker_wake(se_loop *loop, se_io *io, int events)
{
    (void)events;
    worker *w = io->data;
    char buf[16];
    int requests = 0;
    long n;
    while ((n = se_socket_recv(io->sock, buf, sizeof buf)) > 0)
        requests += (int)n;
    if (requests == 0)
        return;
    int again = w->stopping;
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
    w->wake[0] = w->wake[1] = SE_INVALID_SOCKET;
    int err = se_loop_init(&w->loop, srv->opt->backend);
    if (err)
        return err;
    se_timer_init(&w->drain_timer, on_drain_timer, w);
    se_timer_init(&w->idle_timer, se_echo_idle_sweep, w);
    if ((err = se_socket_pair(w->wake)) != 0)
        return err;
    se_io_init(&w->wake_io, w->wake[0], on_worker_wake, w);
    return se_io_set(&w->loop, &w->wake_io, SE_READABLE);
}

static void worker_release(worker *w)
{
    if (!w->loop.backend)
        return;
    se_io_stop(&w->loop, &w->wake_io);
    se_udp_stop(w);
    if (w->owns_listeners)
        for (size_t i = 0; i < w->listener_count; i++)
            se_socket_close(w->listeners[i].sock);
    if (w->wake[0] != SE_INVALID_SOCKET) {
        se_socket_close(w->wake[0]);
        se_socket_close(w->wake[1]);
    }
    se_loop_close(&w->loop);
}

static void worker_main(void *arg)
{
    worker *w = arg;
    int err = se_loop_run(&w->loop);
    if (err)
        se_server_log(w->srv, 0, "event loop failed: %s", se_strerror(err));
    atomic_fetch_add(&w->srv->workers_done, 1);
    char done = WAKE_WORKER_DONE;
    se_socket_send(w->srv->wake[1], &done, 1);
}

/* ---- the supervisor ---- */

static double uptime(const server *srv)
{
    return (double)(se_now_ns() - srv->start_ns) / 1e9;
}

static void broadcast_stop(server *srv)
{
    char stop = 's';
    for (int i = 0; i < srv->worker_count; i++)
        se_socket_send(srv->workers[i].wake[1], &stop, 1);
}

/* Waits for every worker to finish, relaying stop signals to them and
 * printing statistics every --stats-interval. */
static void supervise(server *srv)
{
    const se_server_options *opt = srv->opt;
    uint64_t interval_ns = opt->stats_interval_ms * 1000000u;
    uint64_t next_stats = se_now_ns() + interval_ns;
    int relayed = 0;
    while (atomic_load(&srv->workers_done) < srv->worker_count) {
        int timeout = SUPERVISOR_TICK_MS;
        if (interval_ns) {
            uint64_t now = se_now_ns();
            uint64_t left_ms = now >= next_stats ? 0 : (next_stats - now) / 1000000u + 1;
            if (left_ms < (uint64_t)timeout)
                timeout = (int)left_ms;
        }
        se_pollfd pfd;
        memset(&pfd, 0, sizeof pfd);
        pfd.fd = srv->wake[0];
        pfd.events = SE_POLLIN;
        se_poll(&pfd, 1, timeout);
        char buf[16];
        while (se_socket_recv(srv->wake[0], buf, sizeof buf) > 0)
            ; /* the bytes only woke us: the counts say what happened */
        for (int signals = se_stop_signals_count(); relayed < signals; relayed++)
            broadcast_stop(srv); /* Ctrl-C, SIGTERM: the workers drain, or end now */
        if (interval_ns && se_now_ns() >= next_stats) {
            if (opt->verbosity >= 1) {
                se_mutex_lock(srv->output_lock);
                se_stats_print(&srv->stats, 0, uptime(srv), opt->json, stdout, stderr);
                se_mutex_unlock(srv->output_lock);
            }
            next_stats += interval_ns;
        }
    }
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

int se_server_run(const se_server_options *opt)
{
    server srv;
    memset(&srv, 0, sizeof srv);
    srv.opt = opt;
    srv.start_ns = se_now_ns();
    srv.worker_count = opt->threads > 0 ? opt->threads : 1;
    srv.wake[0] = srv.wake[1] = SE_INVALID_SOCKET;
    se_raise_descriptor_limit();
    srv.output_lock = se_mutex_create();
    srv.sources = se_source_table_create();
    srv.workers = calloc((size_t)srv.worker_count, sizeof *srv.workers);
    if (!srv.output_lock || !srv.sources || !srv.workers) {
        fprintf(stderr, "sockecho server: out of memory\n");
        return 1;
    }
    int rc = 1, err = se_socket_pair(srv.wake);
    for (int i = 0; i < srv.worker_count && !err; i++)
        err = worker_init(&srv, &srv.workers[i], i);
    if (err)
        se_server_log(&srv, 0, "cannot start: %s", se_strerror(err));
    else if ((err = se_stop_signals_install(srv.wake[1])) != 0)
        se_server_log(&srv, 0, "cannot handle stop signals: %s", se_strerror(err));
    else if (se_listen_setup(&srv) == 0) {
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
        if (opt->verbosity >= 1)
            se_stats_print(&srv.stats, 1, uptime(&srv), opt->json, stdout, stderr);
        rc = started ? 1 : 0;
    }
    se_stop_signals_restore();
    se_listen_close_shared(&srv);
    for (int i = 0; i < (opt->threads > 0 ? opt->threads : 1); i++)
        worker_release(&srv.workers[i]);
    if (srv.wake[0] != SE_INVALID_SOCKET) {
        se_socket_close(srv.wake[0]);
        se_socket_close(srv.wake[1]);
    }
    free(srv.workers);
    se_source_table_destroy(srv.sources);
    se_mutex_destroy(srv.output_lock);
    return rc;
}
