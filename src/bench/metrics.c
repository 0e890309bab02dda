/* bench --metrics; see metrics.h and docs/metrics.md for the names. */
#include "metrics.h"

#include "metrics/exposition.h"

#include <stdio.h>

int se_bench_metrics_listen(const se_bench_options *opt, se_socket *out)
{
    const struct sockaddr *addr = (const struct sockaddr *)&opt->metrics_addr;
    int err = se_socket_listen(addr, se_addr_len(addr), 0, 16, out);
    if (err)
        return err;
    struct sockaddr_storage local;
    char host[SE_ADDRSTRLEN];
    if (!opt->quiet && opt->events && opt->events->log &&
        se_socket_local_address(*out, &local) == 0) {
        se_addr_host((struct sockaddr *)&local, host, sizeof host);
        char line[SE_ADDRSTRLEN + 32];
        snprintf(line, sizeof line, "metrics on %s %d", host,
                 se_addr_port((struct sockaddr *)&local));
        opt->events->log(opt->events->arg, line);
    }
    return 0;
}

static void counters(se_expo *e, const se_bench_stats *s)
{
    se_expo_family(e, "sockecho_bench_requests_total", "counter",
                   "Messages echoed and verified in the measured window (rr, rate).");
    se_expo_sample(e, "sockecho_bench_requests_total", "", s->requests);
    se_expo_family(e, "sockecho_bench_sessions_total", "counter",
                   "Sessions completed in the measured window (sessions).");
    se_expo_sample(e, "sockecho_bench_sessions_total", "", s->sessions);
    se_expo_family(e, "sockecho_bench_sent_bytes_total", "counter",
                   "Payload bytes sent in the measured window.");
    se_expo_sample(e, "sockecho_bench_sent_bytes_total", "", s->bytes_sent);
    se_expo_family(e, "sockecho_bench_received_bytes_total", "counter",
                   "Echoed payload bytes received and verified in the measured window.");
    se_expo_sample(e, "sockecho_bench_received_bytes_total", "", s->bytes_received);
    se_expo_family(e, "sockecho_bench_connections_opened_total", "counter",
                   "Connections (sessions) opened.");
    se_expo_sample(e, "sockecho_bench_connections_opened_total", "", s->opened);
    se_expo_family(e, "sockecho_bench_connections_ended_total", "counter",
                   "Connections (sessions) that ended, by outcome.");
    se_expo_sample(e, "sockecho_bench_connections_ended_total", "{outcome=\"complete\"}",
                   s->complete);
    se_expo_sample(e, "sockecho_bench_connections_ended_total", "{outcome=\"failed\"}", s->failed);
    se_expo_family(e, "sockecho_bench_errors_total", "counter",
                   "Errors by kind (the names of the JSON report's errors).");
    for (int i = 0; i < SE_BENCH_ERROR_KINDS; i++)
        se_expo_put(e, "sockecho_bench_errors_total{kind=\"%s\"} %llu\n",
                    se_bench_error_name(se_bench_error_kinds[i]),
                    (unsigned long long)s->errors[se_bench_error_kinds[i]]);
    se_expo_family(e, "sockecho_bench_tls_handshakes_total", "counter",
                   "TLS handshakes done in the measured window, by whether the session was "
                   "resumed.");
    se_expo_sample(e, "sockecho_bench_tls_handshakes_total", "{resumed=\"false\"}",
                   s->tls_handshakes - s->tls_resumed);
    se_expo_sample(e, "sockecho_bench_tls_handshakes_total", "{resumed=\"true\"}", s->tls_resumed);
}

static void latency(se_expo *e, const se_bench_live *live)
{
    se_expo_family(e, "sockecho_bench_latency_seconds", "summary",
                   "Latency in the measured window, by phase; quantiles from the lossless "
                   "histogram, as in the report.");
    for (int p = 0; p < SE_PHASES; p++) {
        if (!se_bench_phase_applies(live->opt->mode, (se_phase)p))
            continue;
        char labels[40];
        snprintf(labels, sizeof labels, "phase=\"%s\"", se_phase_name((se_phase)p));
        se_expo_summary(e, "sockecho_bench_latency_seconds", labels, &live->total->latency[p]);
    }
}

static void run_info(se_expo *e, const se_bench_live *live)
{
    const se_bench_options *o = live->opt;
    se_expo_family(e, "sockecho_bench_connections_open", "gauge", "Connections open now.");
    se_expo_sample(e, "sockecho_bench_connections_open", "", live->open_now);
    se_expo_family(e, "sockecho_bench_verdict", "gauge",
                   "The run's verdict so far (its most serious error, or complete); always 1.");
    se_expo_put(e, "sockecho_bench_verdict{verdict=\"%s\"} 1\n",
                se_verdict_name(se_bench_verdict(live->total)));
    se_expo_family(e, "sockecho_bench_window_start_time_seconds", "gauge",
                   "When the measured window starts or started (Unix time).");
    se_expo_put(e, "sockecho_bench_window_start_time_seconds %.3f\n",
                (double)live->window_start_wall_ns / 1e9);
    se_expo_family(e, "sockecho_bench_window_seconds", "gauge",
                   "The measured window's planned length (--duration).");
    se_expo_put(e, "sockecho_bench_window_seconds %.3f\n", (double)o->duration_ms / 1e3);
    se_expo_family(e, "sockecho_bench_info", "gauge",
                   "The run's mode, payload size and connections; always 1.");
    se_expo_put(e, "sockecho_bench_info{mode=\"%s\",size=\"%llu\",conns=\"%llu\"} 1\n",
                se_bench_mode_name(o->mode), (unsigned long long)o->size,
                (unsigned long long)o->conns);
    se_expo_responses(e, live->responder);
    se_expo_family(e, "sockecho_build_info", "gauge",
                   "The version and event loop backend; always 1.");
    se_expo_put(e, "sockecho_build_info{version=\"%s\",backend=\"%s\"} 1\n", SOCKECHO_VERSION,
                live->backend);
}

char *se_bench_metrics_render(const se_bench_live *live, size_t *len)
{
    se_expo e;
    se_expo_init(&e);
    counters(&e, live->total);
    latency(&e, live);
    run_info(&e, live);
    return se_expo_finish(&e, len);
}
