/* What the server reports: each event of srv->events runs under the output
 * lock, so that what one callback writes never interleaves with another's,
 * whichever threads they run on (server.h states it to the caller). */
#include "server_internal.h"

#include <stdarg.h>
#include <stdio.h>

static void lock(server *srv)
{
    if (srv->output_lock) /* NULL only when making it failed, before any thread */
        se_mutex_lock(srv->output_lock);
}

static void unlock(server *srv)
{
    if (srv->output_lock)
        se_mutex_unlock(srv->output_lock);
}

void se_server_log(server *srv, int level, const char *fmt, ...)
{
    const se_server_events *ev = srv->events;
    if (srv->opt->verbosity < level || !ev->log)
        return;
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    lock(srv);
    ev->log(ev->arg, level, message);
    unlock(srv);
}

void se_server_emit_listening(server *srv, const se_server_listening *l)
{
    const se_server_events *ev = srv->events;
    if (!ev->listening)
        return;
    lock(srv);
    ev->listening(ev->arg, l);
    unlock(srv);
}

void se_server_emit_connection(server *srv, const se_server_conn_report *c)
{
    const se_server_events *ev = srv->events;
    if (!ev->connection)
        return;
    lock(srv);
    ev->connection(ev->arg, c);
    unlock(srv);
}

void se_server_emit_stats(server *srv, int final)
{
    const se_server_events *ev = srv->events;
    if (!ev->stats)
        return;
    se_server_counts counts;
    lock(srv);
    se_stats_snapshot(&srv->stats, &counts);
    ev->stats(ev->arg, &counts, (double)(se_now_ns() - srv->start_ns) / 1e9, final);
    unlock(srv);
}
