/* The server's reports; see server_report.h and docs/json.md. */
#include "cli/server_report.h"

#include "platform/platform.h"
#include "util/json.h"
#include "util/sockopt_text.h"

#include <string.h>

static const char *const outcome_names[] = {"complete", "reset", "aborted",
                                            "failed",   "idle",  "refused"};

/* ---- listening ---- */

static void listening_unix(const se_server_output *o, const se_server_listening *l)
{
    if (o->verbosity >= 1) {
        fprintf(o->err, "listening on unix %s\n", l->address);
        fflush(o->err);
    }
    if (o->json) {
        se_json j;
        se_json_record(&j, o->out, "listening");
        se_json_str(&j, "address", l->address);
        se_json_null(&j, "port");
        se_json_str(&j, "protocol", "unix");
        se_json_null(&j, "tls");
        se_json_str(&j, "backend", l->backend);
        se_json_end(&j);
    }
}

static void listening_metrics(const se_server_output *o, const se_server_listening *l)
{
    if (o->verbosity < 1)
        return;
    fprintf(o->err, "metrics on %s %d\n", l->address, l->port);
    fflush(o->err);
    if (o->json) {
        se_json j;
        se_json_record(&j, o->out, "listening");
        se_json_str(&j, "address", l->address);
        se_json_int(&j, "port", l->port);
        se_json_str(&j, "protocol", "metrics");
        se_json_null(&j, "tls");
        se_json_str(&j, "backend", l->backend);
        se_json_end(&j);
    }
}

void se_server_report_listening(const se_server_output *o, const se_server_listening *l)
{
    if (l->protocol == SE_SERVE_UNIX) {
        listening_unix(o, l);
        return;
    }
    if (l->protocol == SE_SERVE_METRICS) {
        listening_metrics(o, l);
        return;
    }
    /* -q still names the port the system picked for --port 0. */
    if (o->verbosity < 1 && !o->port_picked)
        return;
    int udp = l->protocol == SE_SERVE_UDP;
    const char *fp = l->tls_fingerprint;
    fprintf(o->err, "listening on %s %d%s%s%s\n", l->address, l->port, udp ? " udp" : "",
            fp ? " tls sha256=" : "", fp ? fp : "");
    fflush(o->err);
    if (l->sockopts && o->verbosity >= 2) {
        char text[300];
        se_sockopts_describe(l->sockopts, text, sizeof text);
        fprintf(o->err, "socket options on %s %d: %s\n", l->address, l->port, text);
    }
    if (o->json) {
        se_json j;
        se_json_record(&j, o->out, "listening");
        se_json_str(&j, "address", l->address);
        se_json_int(&j, "port", l->port);
        se_json_str(&j, "protocol", udp ? "udp" : "tcp");
        if (fp) {
            se_json_object(&j, "tls");
            se_json_str(&j, "fingerprint_sha256", fp);
            se_json_close(&j);
        } else {
            se_json_null(&j, "tls");
        }
        se_json_str(&j, "backend", l->backend);
        if (l->sockopts)
            se_sockopts_json(&j, l->sockopts);
        se_json_end(&j);
    }
}

/* ---- connections ---- */

void se_server_report_connection(const se_server_output *o, const char *when,
                                 const se_server_conn_report *c)
{
    char host[SE_ADDRSTRLEN], proxy[SE_ADDRSTRLEN] = "";
    se_addr_host(c->peer, host, sizeof host);
    int port = se_addr_port(c->peer);
    if (c->proxy)
        se_addr_format(c->proxy, proxy, sizeof proxy);
    const char *outcome = outcome_names[c->outcome];
    double ms = (double)c->duration_ms;
    if (o->json) {
        se_json j;
        se_json_record(&j, o->out, "connection");
        se_json_str(&j, "time", when);
        se_json_str(&j, "peer", host);
        se_json_int(&j, "port", port);
        se_json_str(&j, "outcome", outcome);
        se_json_str(&j, "error", c->error ? se_err_name(c->error) : NULL);
        se_json_u64(&j, "bytes_in", c->bytes_in);
        se_json_u64(&j, "bytes_out", c->bytes_out);
        se_json_num(&j, "duration_ms", ms, 0);
        se_json_bool(&j, "client_fin", c->client_fin);
        se_json_int(&j, "worker", c->worker);
        se_json_str(&j, "proxy", c->proxy ? proxy : NULL);
        se_json_end(&j);
        return;
    }
    char via[SE_ADDRSTRLEN + 40] = "";
    if (c->proxy)
        snprintf(via, sizeof via, " (PROXY v%d from %s%s)", c->proxy_version, proxy,
                 c->proxy_local ? ", LOCAL" : "");
    int v6 = strchr(host, ':') != NULL;
    unsigned long long in = c->bytes_in, out = c->bytes_out;
    fprintf(o->out,
            "Bytes received: %llu\nBytes sent: %llu\n%s%s %s%s%s:%d%s %s%s%s, %llu bytes in, "
            "%llu bytes out, %.0f ms\n",
            in, out, c->client_fin ? "Connection closing...\n" : "", when, v6 ? "[" : "", host,
            v6 ? "]" : "", port, via, outcome, c->error ? ": " : "",
            c->error ? se_strerror(c->error) : "", in, out, ms);
    fflush(o->out);
}

/* ---- statistics ---- */

void se_server_report_stats(const se_server_output *o, const char *when, const se_server_counts *c,
                            double uptime_s, int final)
{
    if (o->json) {
        se_json j;
        se_json_record(&j, o->out, final ? "summary" : "stats");
        se_json_str(&j, "time", when);
        se_json_num(&j, "uptime_s", uptime_s, 3);
        se_json_u64(&j, "open", c->open);
        se_json_u64(&j, "total", c->total);
        se_json_u64(&j, "complete", c->complete);
        se_json_u64(&j, "reset", c->reset);
        se_json_u64(&j, "aborted", c->aborted);
        se_json_u64(&j, "failed", c->failed);
        se_json_u64(&j, "idle_evicted", c->idle_evicted);
        se_json_u64(&j, "refused_policy", c->refused_policy);
        se_json_u64(&j, "refused_source", c->refused_source);
        se_json_u64(&j, "refused_proxy", c->refused_proxy);
        se_json_u64(&j, "bytes_in", c->bytes_in);
        se_json_u64(&j, "bytes_out", c->bytes_out);
        se_json_u64(&j, "udp_in", c->udp_in);
        se_json_u64(&j, "udp_out", c->udp_out);
        se_json_u64(&j, "udp_dropped", c->udp_dropped);
        se_json_end(&j);
        return;
    }
#define N(field) ((unsigned long long)c->field)
    fprintf(o->err,
            "%s sockecho server: %s: %llu connection%s (%llu open, %llu complete, %llu reset, "
            "%llu aborted, %llu failed, %llu idle-evicted), %llu refused by policy, %llu over "
            "the per-source cap, %llu without a valid PROXY header, %llu bytes in, %llu bytes out, "
            "udp %llu in, %llu out, %llu dropped\n",
            when, final ? "stopped" : "stats", N(total), N(total) == 1 ? "" : "s", N(open),
            N(complete), N(reset), N(aborted), N(failed), N(idle_evicted), N(refused_policy),
            N(refused_source), N(refused_proxy), N(bytes_in), N(bytes_out), N(udp_in), N(udp_out),
            N(udp_dropped));
#undef N
    fflush(o->err);
}

/* ---- log ---- */

void se_server_report_log(const se_server_output *o, const char *when, int level,
                          const char *message)
{
    if (o->json) {
        se_json j;
        se_json_record(&j, o->out, "log");
        se_json_str(&j, "time", when);
        se_json_str(&j, "message", message);
        se_json_end(&j);
    }
    /* Errors (level 0) always reach stderr, in the one error format. */
    if (level == 0)
        fprintf(o->err, "sockecho server: %s\n", message);
    else if (!o->json)
        fprintf(o->err, "%s sockecho server: %s\n", when, message);
    else
        return;
    fflush(o->err);
}

/* ---- the events ---- */

static void on_listening(void *arg, const se_server_listening *l)
{
    se_server_report_listening(arg, l);
}

static void on_connection(void *arg, const se_server_conn_report *c)
{
    char when[40];
    se_utc_timestamp(when, sizeof when);
    se_server_report_connection(arg, when, c);
}

static void on_stats(void *arg, const se_server_counts *c, double uptime_s, int final)
{
    char when[40];
    se_utc_timestamp(when, sizeof when);
    se_server_report_stats(arg, when, c, uptime_s, final);
}

static void on_log(void *arg, int level, const char *message)
{
    char when[40];
    se_utc_timestamp(when, sizeof when);
    se_server_report_log(arg, when, level, message);
}

void se_server_output_init(se_server_output *o, se_server_events *events)
{
    memset(events, 0, sizeof *events);
    events->arg = o;
    events->listening = on_listening;
    if (o->verbosity >= 2 || (o->json && o->verbosity >= 1))
        events->connection = on_connection;
    if (o->verbosity >= 1)
        events->stats = on_stats;
    events->log = on_log;
}
