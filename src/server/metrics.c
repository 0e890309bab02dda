/* --metrics: the listener, the loop lag probes and the exposition text
 * (Prometheus text format 0.0.4); see metrics.h and docs/metrics.md. */
#include "metrics.h"

#include "loop/loop.h"
#include "metrics/exposition.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* How often each worker's loop lag is sampled. */
#define LAG_PROBE_MS 100

typedef struct lag_probe {
    worker *w;
    se_timer timer;
    uint64_t due_ns;
    atomic_uint_fast64_t lag_ns; /* the last sample */
} lag_probe;

struct se_metrics {
    se_http_responder *http;
    lag_probe *probes; /* one per worker */
    int probe_count;
    uint64_t start_wall_ns;
};

/* ---- loop lag ---- */

static void on_lag_probe(se_loop *loop, se_timer *t)
{
    lag_probe *p = se_timer_data(t);
    uint64_t now = se_now_ns();
    atomic_store_explicit(&p->lag_ns, now > p->due_ns ? now - p->due_ns : 0, memory_order_relaxed);
    p->due_ns = now + LAG_PROBE_MS * 1000000u;
    (void)se_timer_start(loop, t, LAG_PROBE_MS);
}

static int start_probes(se_metrics *m, server *srv)
{
    m->probes = calloc((size_t)srv->worker_count, sizeof *m->probes);
    if (!m->probes)
        return SE_ENOMEM;
    for (int i = 0; i < srv->worker_count; i++) {
        lag_probe *p = &m->probes[i];
        p->w = &srv->workers[i];
        se_timer_init(&p->timer, on_lag_probe, p);
        p->due_ns = se_now_ns() + LAG_PROBE_MS * 1000000u;
        int err = se_timer_start(p->w->loop, &p->timer, LAG_PROBE_MS);
        if (err)
            return err;
        m->probe_count++;
    }
    return 0;
}

/* ---- the listener ---- */

static void report_metrics_address(server *srv, se_socket sock)
{
    struct sockaddr_storage local;
    char host[SE_ADDRSTRLEN];
    if (se_socket_local_address(sock, &local) != 0)
        return;
    se_addr_host((struct sockaddr *)&local, host, sizeof host);
    se_server_listening l = {
        .protocol = SE_SERVE_METRICS,
        .address = host,
        .port = se_addr_port((struct sockaddr *)&local),
        .backend = se_loop_backend_name(srv->workers[0].loop),
    };
    se_server_emit_listening(srv, &l);
}

static char *render(void *srv, size_t *len)
{
    return se_metrics_render(srv, len);
}

int se_metrics_start(server *srv)
{
    const se_server_options *opt = srv->opt;
    if (!opt->metrics)
        return 0;
    se_metrics *m = calloc(1, sizeof *m);
    if (!m) {
        se_server_log(srv, 0, "cannot serve metrics: %s", se_strerror(SE_ENOMEM));
        return 1;
    }
    srv->metrics = m;
    m->start_wall_ns = se_wall_ns();
    const struct sockaddr *addr = (const struct sockaddr *)&opt->metrics_addr;
    se_socket sock;
    int err = se_socket_listen(addr, se_addr_len(addr), 0, 16, &sock);
    if (err) {
        char where[SE_ADDRSTRLEN + 8];
        se_addr_format(addr, where, sizeof where);
        se_server_log(srv, 0, "cannot serve metrics on %s: %s", where, se_strerror(err));
        return 1;
    }
    report_metrics_address(srv, sock);
    if (!(m->http = se_http_responder_start(srv->workers[0].loop, sock, render, srv)) ||
        (err = start_probes(m, srv)) != 0) {
        se_server_log(srv, 0, "cannot serve metrics: %s", se_strerror(m->http ? err : SE_ENOMEM));
        return 1;
    }
    return 0;
}

void se_metrics_stop(server *srv)
{
    se_metrics *m = srv->metrics;
    if (!m)
        return;
    for (int i = 0; i < m->probe_count; i++)
        se_timer_stop(m->probes[i].w->loop, &m->probes[i].timer);
    if (m->http)
        se_http_responder_stop(m->http);
    free(m->probes);
    free(m);
    srv->metrics = NULL;
}

/* ---- exposition ---- */

#define STAT(field) ((uint64_t)SE_STAT_GET(&srv->stats, field))

static void connection_metrics(se_expo *t, server *srv)
{
    se_expo_family(t, "sockecho_connections_open", "gauge", "Connections open now.");
    se_expo_sample(t, "sockecho_connections_open", "", STAT(open));
    se_expo_family(t, "sockecho_connections_total", "counter",
                   "Connections accepted since the start.");
    se_expo_sample(t, "sockecho_connections_total", "", STAT(total));
    se_expo_family(t, "sockecho_connections_ended_total", "counter",
                   "Connections that ended, by outcome (idle_evicted: --idle-timeout).");
    se_expo_sample(t, "sockecho_connections_ended_total", "{outcome=\"complete\"}", STAT(complete));
    se_expo_sample(t, "sockecho_connections_ended_total", "{outcome=\"reset\"}", STAT(reset));
    se_expo_sample(t, "sockecho_connections_ended_total", "{outcome=\"aborted\"}", STAT(aborted));
    se_expo_sample(t, "sockecho_connections_ended_total", "{outcome=\"failed\"}", STAT(failed));
    se_expo_sample(t, "sockecho_connections_ended_total", "{outcome=\"idle_evicted\"}",
                   STAT(idle_evicted));
    se_expo_family(t, "sockecho_connections_refused_total", "counter",
                   "Connections closed at once, by reason (policy: --allow/--deny; per_source: "
                   "--max-per-source).");
    se_expo_sample(t, "sockecho_connections_refused_total", "{reason=\"policy\"}",
                   STAT(refused_policy));
    se_expo_sample(t, "sockecho_connections_refused_total", "{reason=\"per_source\"}",
                   STAT(refused_source));
    se_expo_family(t, "sockecho_accept_pauses_total", "counter",
                   "Times accepting paused, by reason (descriptors: out of descriptors or memory; "
                   "max_conns: --max-conns reached).");
    se_expo_sample(t, "sockecho_accept_pauses_total", "{reason=\"descriptors\"}",
                   STAT(paused_descriptors));
    se_expo_sample(t, "sockecho_accept_pauses_total", "{reason=\"max_conns\"}",
                   STAT(paused_max_conns));
    se_expo_family(t, "sockecho_received_bytes_total", "counter", "TCP payload bytes received.");
    se_expo_sample(t, "sockecho_received_bytes_total", "", STAT(bytes_in));
    se_expo_family(t, "sockecho_sent_bytes_total", "counter", "TCP payload bytes echoed.");
    se_expo_sample(t, "sockecho_sent_bytes_total", "", STAT(bytes_out));
}

static void udp_metrics(se_expo *t, server *srv)
{
    se_expo_family(t, "sockecho_udp_received_datagrams_total", "counter",
                   "UDP datagrams received.");
    se_expo_sample(t, "sockecho_udp_received_datagrams_total", "", STAT(udp_in));
    se_expo_family(t, "sockecho_udp_sent_datagrams_total", "counter", "UDP datagrams echoed.");
    se_expo_sample(t, "sockecho_udp_sent_datagrams_total", "", STAT(udp_out));
    se_expo_family(t, "sockecho_udp_dropped_datagrams_total", "counter",
                   "UDP datagrams not echoed (--udp-rate, full send buffer).");
    se_expo_sample(t, "sockecho_udp_dropped_datagrams_total", "", STAT(udp_dropped));
}

static void process_metrics(se_expo *t, server *srv, const se_metrics *m)
{
    se_expo_family(t, "sockecho_worker_loop_lag_seconds", "gauge",
                   "How late the worker's event loop ran a timer, sampled every 100 ms.");
    for (int i = 0; i < m->probe_count; i++)
        se_expo_put(t, "sockecho_worker_loop_lag_seconds{worker=\"%d\"} %.6f\n", i,
                    (double)atomic_load_explicit(&m->probes[i].lag_ns, memory_order_relaxed) / 1e9);
    se_expo_responses(t, m->http);
    se_expo_family(t, "sockecho_start_time_seconds", "gauge",
                   "When the server started (Unix time).");
    se_expo_put(t, "sockecho_start_time_seconds %.3f\n", (double)m->start_wall_ns / 1e9);
    se_expo_family(t, "sockecho_build_info", "gauge",
                   "The version and event loop backend; always 1.");
    se_expo_put(t, "sockecho_build_info{version=\"%s\",backend=\"%s\"} 1\n", SOCKECHO_VERSION,
                se_loop_backend_name(srv->workers[0].loop));
}

char *se_metrics_render(server *srv, size_t *len)
{
    se_expo t;
    se_expo_init(&t);
    connection_metrics(&t, srv);
    udp_metrics(&t, srv);
    process_metrics(&t, srv, srv->metrics);
    return se_expo_finish(&t, len);
}
