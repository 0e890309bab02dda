/* Bench reports; see bench_report.h and docs/bench.md for the formats. */
#include "cli/bench_report.h"

#include "exit_code.h"

#include "conn/proxy_url.h"
#include "util/json.h"
#include "util/rfc3339.h"

#include <stdlib.h>
#include <string.h>

#define MIB (1024.0 * 1024.0)

static int counts_requests(se_bench_mode m)
{
    return m == SE_BENCH_RR || m == SE_BENCH_RATE;
}

/* Completed messages or sessions, whichever the mode counts (0 for others). */
static uint64_t ops_of(se_bench_mode m, const se_bench_stats *s)
{
    return counts_requests(m) ? s->requests : m == SE_BENCH_SESSIONS ? s->sessions : 0;
}

static const char *ops_unit(se_bench_mode m)
{
    return counts_requests(m) ? "req/s" : m == SE_BENCH_SESSIONS ? "sessions/s" : NULL;
}

static double per_s(uint64_t n, double secs)
{
    return secs > 0 ? (double)n / secs : 0;
}

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

/* Per-second rates of a record's counts. */
typedef struct rates {
    double requests, sessions, sent, received, handshakes;
} rates;

static rates rates_over(const se_bench_stats *s, double secs)
{
    rates r = {per_s(s->requests, secs), per_s(s->sessions, secs), per_s(s->bytes_sent, secs),
               per_s(s->bytes_received, secs), per_s(s->tls_handshakes, secs)};
    return r;
}

/* ---- JSON ---- */

static void json_hist(se_json *j, const char *name, const se_histogram *h)
{
    static const struct {
        const char *name;
        double percentile;
    } points[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p999", 99.9}};
    se_json_object(j, name);
    se_json_u64(j, "count", h->count);
    if (h->count == 0) {
        static const char *const none[] = {"min", "mean", "p50", "p90", "p99", "p999", "max"};
        for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
            se_json_null(j, none[i]);
    } else {
        se_json_num(j, "min", ms(h->min), 4);
        se_json_num(j, "mean", se_hist_mean(h) / 1e6, 4);
        for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
            se_json_num(j, points[i].name, ms(se_hist_percentile(h, points[i].percentile)), 4);
        se_json_num(j, "max", ms(h->max), 4);
    }
    se_json_close(j);
}

/* NAME and NAME_per_s, or both null when the count does not apply. */
static void json_count(se_json *j, const char *name, uint64_t n, double rate, int applies)
{
    char per_s_name[48];
    snprintf(per_s_name, sizeof per_s_name, "%s_per_s", name);
    if (applies) {
        se_json_u64(j, name, n);
        se_json_num(j, per_s_name, rate, 1);
    } else {
        se_json_null(j, name);
        se_json_null(j, per_s_name);
    }
}

static void json_optional(se_json *j, const char *name, uint64_t v, int present)
{
    if (present)
        se_json_u64(j, name, v);
    else
        se_json_null(j, name);
}

/* The fields final and interval objects share. */
static void json_measures(se_json *j, se_bench_mode m, const se_bench_stats *s, rates r)
{
    json_count(j, "requests", s->requests, r.requests, counts_requests(m));
    json_count(j, "sessions", s->sessions, r.sessions, m == SE_BENCH_SESSIONS);
    se_json_u64(j, "bytes_sent", s->bytes_sent);
    se_json_u64(j, "bytes_received", s->bytes_received);
    se_json_num(j, "sent_bytes_per_s", r.sent, 1);
    se_json_num(j, "received_bytes_per_s", r.received, 1);
    se_json_object(j, "latency_ms");
    for (int p = 0; p < SE_PHASES; p++) {
        if (se_bench_phase_applies(m, (se_phase)p))
            json_hist(j, se_phase_name((se_phase)p), &s->latency[p]);
        else
            se_json_null(j, se_phase_name((se_phase)p));
    }
    se_json_close(j);
}

/* The lossless form of H: exact count, sum, min and max (ns), and every
 * non-empty bucket as [index, count] (docs/json.md, histograms). */
static void json_hist_buckets(se_json *j, const char *name, const se_histogram *h)
{
    se_json_object(j, name);
    se_json_u64(j, "count", h->count);
    se_json_u64(j, "sum", h->sum);
    json_optional(j, "min", h->min, h->count != 0);
    json_optional(j, "max", h->max, h->count != 0);
    se_json_array(j, "buckets");
    for (size_t i = h->lo; h->count && i <= h->hi; i++) {
        if (h->buckets[i]) {
            se_json_array(j, NULL);
            se_json_u64(j, NULL, i);
            se_json_u64(j, NULL, h->buckets[i]);
            se_json_close(j);
        }
    }
    se_json_close(j);
    se_json_close(j);
}

static void json_histograms(se_json *j, se_bench_mode m, const se_bench_stats *s)
{
    se_json_object(j, "histograms");
    se_json_object(j, "layout");
    se_json_str(j, "type", "log-linear");
    se_json_str(j, "unit", "ns");
    se_json_int(j, "sub_bucket_bits", SE_HIST_SUB_BITS);
    se_json_int(j, "max_bits", SE_HIST_MAX_BITS);
    se_json_close(j);
    for (int p = 0; p < SE_PHASES; p++) {
        if (se_bench_phase_applies(m, (se_phase)p))
            json_hist_buckets(j, se_phase_name((se_phase)p), &s->latency[p]);
        else
            se_json_null(j, se_phase_name((se_phase)p));
    }
    se_json_close(j);
}

static void json_time(se_json *j, const char *name, uint64_t ns)
{
    char when[40];
    se_rfc3339_format(ns, when, sizeof when);
    se_json_str(j, name, when);
}

static void json_errors(se_json *j, const se_bench_stats *s)
{
    se_json_object(j, "errors");
    for (int i = 0; i < SE_BENCH_ERROR_KINDS; i++)
        se_json_u64(j, se_bench_error_name(se_bench_error_kinds[i]),
                    s->errors[se_bench_error_kinds[i]]);
    se_json_close(j);
}

/* What final and merged records end with; ends the record. */
static void json_tail(se_json *j, se_bench_mode m, const se_bench_stats *s, uint64_t open_peak,
                      se_verdict verdict, int exit_code)
{
    json_histograms(j, m, s);
    se_json_object(j, "connections");
    se_json_u64(j, "opened", s->opened);
    se_json_u64(j, "complete", s->complete);
    se_json_u64(j, "failed", s->failed);
    se_json_u64(j, "open_peak", open_peak);
    se_json_close(j);
    json_errors(j, s);
    se_json_str(j, "first_error", s->first_error[0] ? s->first_error : NULL);
    se_json_str(j, "verdict", se_verdict_name(verdict));
    se_json_int(j, "exit_code", exit_code);
    se_json_end(j);
}

void se_bench_report_json(FILE *out, const se_bench_summary *sum)
{
    const se_bench_options *o = sum->opt;
    const se_bench_stats *s = sum->stats;
    se_json j;
    se_json_record(&j, out, "bench");
    se_json_str(&j, "started", o->started);
    se_json_str(&j, "mode", se_bench_mode_name(o->mode));
    se_json_str(&j, "host", o->host);
    if (o->port)
        se_json_int(&j, "port", atoi(o->port));
    else
        se_json_null(&j, "port");
    if (o->proxy) {
        char url[300];
        se_bench_proxy_text(o, url, sizeof url);
        se_json_str(&j, "proxy", url);
    }
    se_json_u64(&j, "attempt_delay_ms", o->attempt_delay_ms);
    se_json_u64(&j, "threads", o->threads);
    se_json_u64(&j, "conns", o->conns);
    json_optional(&j, "size", o->size, counts_requests(o->mode) || o->mode == SE_BENCH_SESSIONS);
    json_optional(&j, "rate", o->rate, o->mode == SE_BENCH_RATE);
    json_optional(&j, "bytes", o->bytes, o->mode == SE_BENCH_BULK && o->bytes);
    json_optional(&j, "count", o->count, o->count != 0);
    se_json_u64(&j, "seed", o->seed);
    se_json_num(&j, "duration_s", (double)o->duration_ms / 1000, 3);
    se_json_num(&j, "warmup_s", (double)o->warmup_ms / 1000, 3);
    se_json_num(&j, "elapsed_s", sum->elapsed_s, 4);
    if (o->start_at_ns)
        json_time(&j, "start_at", o->start_at_ns);
    else
        se_json_null(&j, "start_at");
    json_time(&j, "window_start", sum->window_start_ns);
    /* A run that ended before its window began has an empty window. */
    json_time(&j, "window_end",
              sum->window_end_ns > sum->window_start_ns ? sum->window_end_ns
                                                        : sum->window_start_ns);
    json_measures(&j, o->mode, s, rates_over(s, sum->elapsed_s));
    if (o->tls) {
        se_json_object(&j, "tls");
        se_json_u64(&j, "handshakes", s->tls_handshakes);
        se_json_u64(&j, "resumed", s->tls_resumed);
        se_json_num(&j, "handshakes_per_s", per_s(s->tls_handshakes, sum->elapsed_s), 1);
        se_json_close(&j);
    } else {
        se_json_null(&j, "tls");
    }
    json_tail(&j, o->mode, s, sum->open_peak, sum->verdict, se_exit_code(sum->verdict));
}

/* ---- text ---- */

static void text_hist(FILE *out, const char *label, const se_histogram *h)
{
    if (h->count == 0) {
        fprintf(out, "%-13s none\n", label);
        return;
    }
    fprintf(out, "%-13s p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms (%llu)\n", label,
            ms(se_hist_percentile(h, 50)), ms(se_hist_percentile(h, 90)),
            ms(se_hist_percentile(h, 99)), ms(se_hist_percentile(h, 99.9)), ms(h->max),
            (unsigned long long)h->count);
}

void se_bench_proxy_text(const se_bench_options *o, char *buf, size_t size)
{
    snprintf(buf, size, strchr(o->proxy->host, ':') ? "%s://[%s]:%s" : "%s://%s:%s",
             se_proxy_scheme_name(o->proxy->scheme), o->proxy->host, o->proxy->port);
}

static void text_header(FILE *out, const se_bench_options *o)
{
    fprintf(out, "sockecho bench: %s %s%s%s%s, %llu %s", se_bench_mode_name(o->mode),
            o->unix_path ? "unix " : "", o->host, o->unix_path ? "" : " port ",
            o->unix_path ? "" : o->port, (unsigned long long)o->conns,
            o->mode == SE_BENCH_SESSIONS ? "sessions in flight" : "connections");
    if (o->proxy) {
        char url[300];
        se_bench_proxy_text(o, url, sizeof url);
        fprintf(out, " through %s", url);
    }
    if (counts_requests(o->mode) || o->mode == SE_BENCH_SESSIONS)
        fprintf(out, ", %llu B %s", (unsigned long long)o->size,
                o->mode == SE_BENCH_SESSIONS ? "payloads" : "messages");
    if (o->mode == SE_BENCH_RATE)
        fprintf(out, ", %llu msg/s", (unsigned long long)o->rate);
    if (o->mode == SE_BENCH_BULK && o->bytes)
        fprintf(out, ", %llu B each way", (unsigned long long)o->bytes);
    fprintf(out, ", %llu thread%s\n", (unsigned long long)o->threads, o->threads == 1 ? "" : "s");
}

/* The lines after the header and the window: counts, rates, latencies,
 * connections, errors, verdict. */
static void text_body(FILE *out, se_bench_mode m, const se_bench_stats *s, rates r,
                      uint64_t open_peak, se_verdict verdict)
{
    static const char *const labels[SE_PHASES] = {"rtt", "connect", "first byte", "close",
                                                  "session"};
    if (ops_unit(m))
        fprintf(out, "%-13s %llu (%.0f/s)\n", counts_requests(m) ? "requests" : "sessions",
                (unsigned long long)ops_of(m, s), counts_requests(m) ? r.requests : r.sessions);
    fprintf(out, "%-13s sent %.1f MiB/s, received and verified %.1f MiB/s\n", "throughput",
            r.sent / MIB, r.received / MIB);
    for (int p = 0; p < SE_PHASES; p++)
        if (se_bench_phase_applies(m, (se_phase)p))
            text_hist(out, labels[p], &s->latency[p]);
    if (s->tls_handshakes)
        fprintf(out, "%-13s %llu handshakes (%.0f/s), %llu resumed\n", "tls",
                (unsigned long long)s->tls_handshakes, r.handshakes,
                (unsigned long long)s->tls_resumed);
    fprintf(out, "%-13s %llu opened, %llu complete, %llu failed, at most %llu open\n",
            "connections", (unsigned long long)s->opened, (unsigned long long)s->complete,
            (unsigned long long)s->failed, (unsigned long long)open_peak);
    fprintf(out, "%-13s", "errors");
    if (se_bench_error_total(s) == 0)
        fprintf(out, " none");
    for (int i = 0, first = 1; i < SE_BENCH_ERROR_KINDS; i++) {
        se_verdict v = se_bench_error_kinds[i];
        if (s->errors[v]) {
            fprintf(out, "%s %s %llu", first ? "" : ",", se_bench_error_name(v),
                    (unsigned long long)s->errors[v]);
            first = 0;
        }
    }
    fprintf(out, "\n");
    if (s->first_error[0])
        fprintf(out, "%-13s %s\n", "first error", s->first_error);
    fprintf(out, "%-13s %s\n", "verdict", se_verdict_name(verdict));
}

void se_bench_report_header(FILE *out, const se_bench_options *o)
{
    text_header(out, o);
    fflush(out);
}

void se_bench_report_text(FILE *out, const se_bench_summary *sum)
{
    const se_bench_options *o = sum->opt;
    if (o->quiet)
        return;
    text_header(out, o);
    fprintf(out, "%-13s %.3f s\n", "measured", sum->elapsed_s);
    if (o->start_at_ns) {
        char when[40];
        se_rfc3339_format(sum->window_start_ns, when, sizeof when);
        double late = sum->window_start_ns > o->start_at_ns
                          ? (double)(sum->window_start_ns - o->start_at_ns) / 1e9
                          : 0;
        fprintf(out, "%-13s %s (--start-at; %.6f s late by this clock)\n", "started", when, late);
    }
    text_body(out, o->mode, sum->stats, rates_over(sum->stats, sum->elapsed_s), sum->open_peak,
              sum->verdict);
}

static double spread_s(uint64_t first_ns, uint64_t last_ns)
{
    return (double)(last_ns - first_ns) / 1e9;
}

static rates merged_rates(const se_bench_result *r)
{
    rates out = {r->requests_per_s, r->sessions_per_s, r->sent_per_s, r->received_per_s,
                 per_s(r->stats.tls_handshakes, se_bench_result_common_s(r))};
    return out;
}

void se_bench_report_merge_text(FILE *out, const se_bench_result *r)
{
    char from[40], to[40];
    fprintf(out, "sockecho bench merge: %llu result%s, %s, %llu %s", (unsigned long long)r->inputs,
            r->inputs == 1 ? "" : "s", se_bench_mode_name(r->mode), (unsigned long long)r->conns,
            r->mode == SE_BENCH_SESSIONS ? "sessions in flight" : "connections");
    if (r->has_size)
        fprintf(out, ", %llu B %s", (unsigned long long)r->size,
                r->mode == SE_BENCH_SESSIONS ? "payloads" : "messages");
    if (r->mode == SE_BENCH_RATE)
        fprintf(out, ", %llu msg/s", (unsigned long long)r->rate);
    fprintf(out, ", %llu thread%s\n", (unsigned long long)r->threads, r->threads == 1 ? "" : "s");
    se_rfc3339_format(r->last_start_ns, from, sizeof from);
    se_rfc3339_format(r->first_end_ns, to, sizeof to);
    fprintf(out, "%-13s %.3f s, %s to %s\n", "common", se_bench_result_common_s(r), from, to);
    fprintf(out, "%-13s starts %.6f s apart, ends %.6f s apart\n", "skew",
            spread_s(r->first_start_ns, r->last_start_ns),
            spread_s(r->first_end_ns, r->last_end_ns));
    text_body(out, r->mode, &r->stats, merged_rates(r), r->open_peak, r->verdict);
}

void se_bench_report_merge_json(FILE *out, const se_bench_result *r, int exit_code)
{
    se_json j;
    se_json_record(&j, out, "bench_merge");
    se_json_u64(&j, "inputs", r->inputs);
    se_json_str(&j, "mode", se_bench_mode_name(r->mode));
    json_optional(&j, "size", r->size, r->has_size);
    se_json_u64(&j, "threads", r->threads);
    se_json_u64(&j, "conns", r->conns);
    json_optional(&j, "rate", r->rate, r->mode == SE_BENCH_RATE);
    json_time(&j, "first_start", r->first_start_ns);
    json_time(&j, "last_start", r->last_start_ns);
    json_time(&j, "first_end", r->first_end_ns);
    json_time(&j, "last_end", r->last_end_ns);
    se_json_num(&j, "common_s", se_bench_result_common_s(r), 6);
    se_json_num(&j, "start_skew_s", spread_s(r->first_start_ns, r->last_start_ns), 6);
    se_json_num(&j, "end_skew_s", spread_s(r->first_end_ns, r->last_end_ns), 6);
    json_measures(&j, r->mode, &r->stats, merged_rates(r));
    json_tail(&j, r->mode, &r->stats, r->open_peak, r->verdict, exit_code);
}

/* "246913 req/s  p50 0.198  p99 0.410 ms  120.6 MiB/s  open 50  errors 0" */
static void text_line(char *buf, size_t size, se_bench_mode m, uint64_t ops, uint64_t bytes,
                      double secs, const se_histogram *h, uint64_t open, uint64_t errors)
{
    size_t n = 0;
    if (ops_unit(m))
        n += (size_t)snprintf(buf + n, size - n, "%.0f %s  ", per_s(ops, secs), ops_unit(m));
    if (h && h->count && n < size)
        n += (size_t)snprintf(buf + n, size - n, "p50 %.3f  p99 %.3f ms  ",
                              ms(se_hist_percentile(h, 50)), ms(se_hist_percentile(h, 99)));
    if (n < size)
        snprintf(buf + n, size - n, "%.1f MiB/s  open %llu  errors %llu", per_s(bytes, secs) / MIB,
                 (unsigned long long)open, (unsigned long long)errors);
}

static const se_histogram *headline(se_bench_mode m, const se_bench_stats *s)
{
    if (counts_requests(m))
        return &s->latency[SE_PHASE_RTT];
    return &s->latency[m == SE_BENCH_SESSIONS ? SE_PHASE_SESSION : SE_PHASE_CONNECT];
}

void se_bench_report_interval(FILE *out, const se_bench_options *opt, const se_bench_stats *s,
                              double t_s, double interval_s, uint64_t open, int json)
{
    if (json) {
        se_json j;
        se_json_record(&j, out, "bench_interval");
        se_json_str(&j, "mode", se_bench_mode_name(opt->mode));
        se_json_num(&j, "t_s", t_s, 3);
        se_json_num(&j, "interval_s", interval_s, 3);
        json_measures(&j, opt->mode, s, rates_over(s, interval_s));
        se_json_u64(&j, "open_conns", open);
        json_errors(&j, s);
        se_json_end(&j);
    } else {
        char line[256];
        text_line(line, sizeof line, opt->mode, ops_of(opt->mode, s), s->bytes_received, interval_s,
                  headline(opt->mode, s), open, se_bench_error_total(s));
        fprintf(out, "[%7.2fs] %s\n", t_s, line);
    }
    fflush(out);
}

/* The room for the progress line: the terminal's width but its last column
 * (a full line wraps on some terminals, and a wrapped line cannot be erased
 * with a carriage return); 79 when the width is unknown. */
static size_t progress_room(void)
{
    int columns = se_stderr_columns();
    return columns > 1 ? (size_t)columns - 1 : 79;
}

void se_bench_report_progress(FILE *out, const se_bench_options *opt, const se_bench_stats *total,
                              double t_s, se_bench_progress_mark *mark, uint64_t open)
{
    uint64_t ops = ops_of(opt->mode, total);
    char rest[256], line[300];
    text_line(rest, sizeof rest, opt->mode, ops - mark->ops, total->bytes_received - mark->bytes,
              t_s - mark->t_s, headline(opt->mode, total), open, se_bench_error_total(total));
    mark->ops = ops;
    mark->bytes = total->bytes_received;
    mark->t_s = t_s;
    size_t room = progress_room();
    int n = snprintf(line, sizeof line, "[%6.1fs] %s", t_s, rest);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (len > room)
        len = room;
    /* Pad over what is left of a longer line: no terminal escapes, so
     * consoles without them (Windows) work too. */
    fprintf(out, "\r%.*s%*s", (int)len, line, (int)(room - len), "");
    fflush(out);
}

void se_bench_progress_clear(FILE *out)
{
    fprintf(out, "\r%*s\r", (int)progress_room(), "");
    fflush(out);
}

void se_bench_report_error_json(FILE *out, const se_bench_options *o, se_verdict verdict,
                                const char *error)
{
    se_bench_stats *none = se_bench_stats_new();
    if (!none)
        return;
    snprintf(none->first_error, sizeof none->first_error, "%s", error);
    uint64_t now = se_wall_ns();
    se_bench_summary sum = {
        .opt = o, .stats = none, .window_start_ns = now, .window_end_ns = now, .verdict = verdict};
    se_bench_report_json(out, &sum);
    free(none);
}

/* ---- the run's events ---- */

static void clear_progress(se_bench_output *o)
{
    if (o->progress_shown)
        se_bench_progress_clear(stderr);
    o->progress_shown = 0;
}

static void on_log(void *arg, const char *line)
{
    se_bench_output *o = arg;
    clear_progress(o);
    fprintf(stderr, "sockecho bench: %s\n", line);
    fflush(stderr);
}

static void on_interval(void *arg, const se_bench_stats *stats, double t_s, double interval_s,
                        uint64_t open)
{
    se_bench_output *o = arg;
    clear_progress(o);
    se_bench_report_interval(stdout, o->opt, stats, t_s, interval_s, open, o->opt->json);
}

static void on_progress(void *arg, const se_bench_stats *total, double t_s, uint64_t open)
{
    se_bench_output *o = arg;
    se_bench_report_progress(stderr, o->opt, total, t_s, &o->mark, open);
    o->progress_shown = 1;
}

static void on_done(void *arg, const se_bench_summary *summary)
{
    se_bench_output *o = arg;
    clear_progress(o);
    if (o->opt->json)
        se_bench_report_json(stdout, summary);
    else
        se_bench_report_text(stdout, summary);
    fflush(stdout);
}

static void on_failed(void *arg, se_verdict verdict, const char *why)
{
    se_bench_output *o = arg;
    on_log(o, why);
    if (o->opt->json)
        se_bench_report_error_json(stdout, o->opt, verdict, why);
}

void se_bench_output_init(se_bench_output *out, se_bench_events *events,
                          const se_bench_options *opt)
{
    memset(out, 0, sizeof *out);
    out->opt = opt;
    memset(events, 0, sizeof *events);
    events->arg = out;
    events->log = on_log;
    events->interval = on_interval;
    events->progress = on_progress;
    events->done = on_done;
    events->failed = on_failed;
}
