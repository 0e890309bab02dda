/* --metrics: the listener, the loop lag probes and the exposition text
 * (Prometheus text format 0.0.4); see metrics.h and docs/metrics.md. */
#include "metrics.h"

#include "loop/loop.h"

#include <stdarg.h>
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
    se_metrics_http *http;
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

int se_server_parse_metrics_addr(const char *text, struct sockaddr_storage *out, char *err,
                                 size_t err_size)
{
    char host[SE_ADDRSTRLEN + 2];
    const char *colon = strrchr(text, ':'), *port = colon ? colon + 1 : "";
    size_t host_len = colon ? (size_t)(colon - text) : 0;
    int bracketed = colon && text[0] == '[' && host_len >= 2 && text[host_len - 1] == ']';
    if (bracketed) {
        text++;
        host_len -= 2;
    }
    size_t digits = strspn(port, "0123456789");
    if (!colon || digits == 0 || digits > 5 || port[digits] || atoi(port) > 65535 ||
        host_len >= sizeof host || (!bracketed && memchr(text, ':', host_len))) {
        snprintf(err, err_size, "expected ADDR:PORT (127.0.0.1:9100, [::1]:9100, :9100)");
        return -1;
    }
    memcpy(host, text, host_len);
    host[host_len] = '\0';
    struct addrinfo hints, *list;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    if (getaddrinfo(host_len ? host : "0.0.0.0", port, &hints, &list) != 0) {
        snprintf(err, err_size, "'%.40s' is not a numeric IPv4 or IPv6 address", host);
        return -1;
    }
    memset(out, 0, sizeof *out);
    memcpy(out, list->ai_addr, list->ai_addrlen);
    freeaddrinfo(list);
    return 0;
}

static void print_metrics_address(server *srv, se_socket sock)
{
    struct sockaddr_storage local;
    char host[SE_ADDRSTRLEN];
    if (srv->opt->verbosity < 1 || se_socket_local_address(sock, &local) != 0)
        return;
    se_addr_host((struct sockaddr *)&local, host, sizeof host);
    int port = se_addr_port((struct sockaddr *)&local);
    char line[256];
    snprintf(line, sizeof line, "metrics on %s %d\n", host, port);
    se_server_write(srv, stderr, line);
    if (srv->opt->json) {
        snprintf(
            line, sizeof line,
            "{\"type\":\"listening\",\"address\":\"%s\",\"port\":%d,\"protocol\":\"metrics\"}\n",
            host, port);
        se_server_write(srv, stdout, line);
    }
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
    print_metrics_address(srv, sock);
    if (!(m->http = se_metrics_http_start(srv->workers[0].loop, sock, render, srv)) ||
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
        se_metrics_http_stop(m->http);
    free(m->probes);
    free(m);
    srv->metrics = NULL;
}

/* ---- exposition ---- */

typedef struct text {
    char *buf;
    size_t len, cap;
    int failed;
} text;

static void put(text *t, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !t->failed; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
        } else if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        } else {
            size_t cap = (t->cap + (size_t)n) * 2;
            char *bigger = realloc(t->buf, cap);
            if (!bigger)
                t->failed = 1;
            else
                t->buf = bigger, t->cap = cap;
        }
    }
}

static void family(text *t, const char *name, const char *type, const char *help)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(text *t, const char *name, const char *labels, uint64_t v)
{
    put(t, "%s%s %llu\n", name, labels, (unsigned long long)v);
}

#define STAT(field) ((uint64_t)SE_STAT_GET(&srv->stats, field))

static void connection_metrics(text *t, server *srv)
{
    family(t, "sockecho_connections_open", "gauge", "Connections open now.");
    sample(t, "sockecho_connections_open", "", STAT(open));
    family(t, "sockecho_connections_total", "counter", "Connections accepted since the start.");
    sample(t, "sockecho_connections_total", "", STAT(total));
    family(t, "sockecho_connections_ended_total", "counter",
           "Connections that ended, by outcome (idle_evicted: --idle-timeout).");
    sample(t, "sockecho_connections_ended_total", "{outcome=\"complete\"}", STAT(complete));
    sample(t, "sockecho_connections_ended_total", "{outcome=\"reset\"}", STAT(reset));
    sample(t, "sockecho_connections_ended_total", "{outcome=\"aborted\"}", STAT(aborted));
    sample(t, "sockecho_connections_ended_total", "{outcome=\"failed\"}", STAT(failed));
    sample(t, "sockecho_connections_ended_total", "{outcome=\"idle_evicted\"}", STAT(idle_evicted));
    family(t, "sockecho_connections_refused_total", "counter",
           "Connections closed at once, by reason (policy: --allow/--deny; per_source: "
           "--max-per-source).");
    sample(t, "sockecho_connections_refused_total", "{reason=\"policy\"}", STAT(refused_policy));
    sample(t, "sockecho_connections_refused_total", "{reason=\"per_source\"}",
           STAT(refused_source));
    family(t, "sockecho_accept_pauses_total", "counter",
           "Times accepting paused, by reason (descriptors: out of descriptors or memory; "
           "max_conns: --max-conns reached).");
    sample(t, "sockecho_accept_pauses_total", "{reason=\"descriptors\"}", STAT(paused_descriptors));
    sample(t, "sockecho_accept_pauses_total", "{reason=\"max_conns\"}", STAT(paused_max_conns));
    family(t, "sockecho_received_bytes_total", "counter", "TCP payload bytes received.");
    sample(t, "sockecho_received_bytes_total", "", STAT(bytes_in));
    family(t, "sockecho_sent_bytes_total", "counter", "TCP payload bytes echoed.");
    sample(t, "sockecho_sent_bytes_total", "", STAT(bytes_out));
}

static void udp_metrics(text *t, server *srv)
{
    family(t, "sockecho_udp_received_datagrams_total", "counter", "UDP datagrams received.");
    sample(t, "sockecho_udp_received_datagrams_total", "", STAT(udp_in));
    family(t, "sockecho_udp_sent_datagrams_total", "counter", "UDP datagrams echoed.");
    sample(t, "sockecho_udp_sent_datagrams_total", "", STAT(udp_out));
    family(t, "sockecho_udp_dropped_datagrams_total", "counter",
           "UDP datagrams not echoed (--udp-rate, full send buffer).");
    sample(t, "sockecho_udp_dropped_datagrams_total", "", STAT(udp_dropped));
}

static void process_metrics(text *t, server *srv, const se_metrics *m)
{
    static const int codes[] = {200, 400, 404, 405, 408, 431, 503};
    family(t, "sockecho_worker_loop_lag_seconds", "gauge",
           "How late the worker's event loop ran a timer, sampled every 100 ms.");
    for (int i = 0; i < m->probe_count; i++)
        put(t, "sockecho_worker_loop_lag_seconds{worker=\"%d\"} %.6f\n", i,
            (double)atomic_load_explicit(&m->probes[i].lag_ns, memory_order_relaxed) / 1e9);
    family(t, "sockecho_metrics_responses_total", "counter",
           "Responses of this metrics endpoint, by HTTP status code.");
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        put(t, "sockecho_metrics_responses_total{code=\"%d\"} %llu\n", codes[i],
            (unsigned long long)se_metrics_http_responses(m->http, codes[i]));
    family(t, "sockecho_start_time_seconds", "gauge", "When the server started (Unix time).");
    put(t, "sockecho_start_time_seconds %.3f\n", (double)m->start_wall_ns / 1e9);
    family(t, "sockecho_build_info", "gauge", "The version and event loop backend; always 1.");
    put(t, "sockecho_build_info{version=\"%s\",backend=\"%s\"} 1\n", SOCKECHO_VERSION,
        se_loop_backend_name(srv->workers[0].loop));
}

char *se_metrics_render(server *srv, size_t *len)
{
    text t = {malloc(4096), 0, 4096, 0};
    t.failed = t.buf == NULL;
    connection_metrics(&t, srv);
    udp_metrics(&t, srv);
    process_metrics(&t, srv, srv->metrics);
    if (t.failed) {
        free(t.buf);
        return NULL;
    }
    *len = t.len;
    return t.buf;
}
