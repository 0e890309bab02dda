/* Bench reports; see report.h and docs/bench.md for the formats. */
#include "bench/report.h"

#include "platform/platform.h"
#include "util/json.h"

#include <stdlib.h>

#include <string.h>

#define MIB (1024.0 * 1024.0)

static const struct {
    se_fault fault;
    se_verdict verdict;
} fault_verdicts[SE_FAULT_KINDS] = {
    {SE_FAULT_MISMATCH, SE_VERDICT_MISMATCH},
    {SE_FAULT_EXCESS, SE_VERDICT_EXCESS},
    {SE_FAULT_TRUNCATED, SE_VERDICT_TRUNCATED},
    {SE_FAULT_RESET, SE_VERDICT_RESET},
    {SE_FAULT_TIMEOUT, SE_VERDICT_TIMEOUT},
    {SE_FAULT_REFUSED, SE_VERDICT_REFUSED},
    {SE_FAULT_CONNECT_FAILED, SE_VERDICT_UNREACHABLE},
    {SE_FAULT_OTHER, SE_VERDICT_ERROR},
};

se_verdict se_bench_verdict(const se_bench_stats *stats)
{
    for (int i = 0; i < SE_FAULT_KINDS; i++)
        if (stats->faults[fault_verdicts[i].fault])
            return fault_verdicts[i].verdict;
    return SE_VERDICT_COMPLETE;
}

static int counts_requests(se_bench_mode m)
{
    return m == SE_BENCH_RR || m == SE_BENCH_RATE;
}

static int phase_applies(se_bench_mode m, se_phase p)
{
    if (p == SE_PHASE_CONNECT)
        return 1;
    if (p == SE_PHASE_RTT)
        return counts_requests(m);
    return m == SE_BENCH_SESSIONS;
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

/* ---- JSON ---- */

static void json_hist(se_json *j, const char *name, const se_histogram *h)
{
    static const struct {
        const char *name;
        double pct;
    } points[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p999", 99.9}};
    se_json_object(j, name);
    se_json_u64(j, "count", h->count);
    if (h->count == 0) {
        se_json_null(j, "min");
        se_json_null(j, "mean");
        for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
            se_json_null(j, points[i].name);
        se_json_null(j, "max");
    } else {
        se_json_num(j, "min", ms(h->min), 4);
        se_json_num(j, "mean", se_hist_mean(h) / 1e6, 4);
        for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
            se_json_num(j, points[i].name, ms(se_hist_percentile(h, points[i].pct)), 4);
        se_json_num(j, "max", ms(h->max), 4);
    }
    se_json_close(j);
}

static void json_count(se_json *j, const char *name, uint64_t n, double secs, int applies)
{
    char rate[32];
    snprintf(rate, sizeof rate, "%s_per_s", name);
    if (applies) {
        se_json_u64(j, name, n);
        se_json_num(j, rate, per_s(n, secs), 1);
    } else {
        se_json_null(j, name);
        se_json_null(j, rate);
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
static void json_measures(se_json *j, se_bench_mode m, const se_bench_stats *s, double secs)
{
    json_count(j, "requests", s->requests, secs, counts_requests(m));
    json_count(j, "sessions", s->sessions, secs, m == SE_BENCH_SESSIONS);
    se_json_u64(j, "bytes_sent", s->bytes_sent);
    se_json_u64(j, "bytes_received", s->bytes_received);
    se_json_num(j, "sent_bytes_per_s", per_s(s->bytes_sent, secs), 1);
    se_json_num(j, "received_bytes_per_s", per_s(s->bytes_received, secs), 1);
    se_json_object(j, "latency_ms");
    for (int p = 0; p < SE_PHASES; p++) {
        if (phase_applies(m, (se_phase)p))
            json_hist(j, se_phase_name((se_phase)p), &s->latency[p]);
        else
            se_json_null(j, se_phase_name((se_phase)p));
    }
    se_json_close(j);
}

static void json_errors(se_json *j, const se_bench_stats *s)
{
    se_json_object(j, "errors");
    for (int i = 0; i < SE_FAULT_KINDS; i++)
        se_json_u64(j, se_fault_name((se_fault)i), s->faults[i]);
    se_json_close(j);
}

/* The run's settings, first in every "bench" record. */
static void json_settings(se_json *j, const se_bench_options *o)
{
    se_json_str(j, "started", o->started);
    se_json_str(j, "mode", se_bench_mode_name(o->mode));
    se_json_str(j, "host", o->host);
    se_json_int(j, "port", atoi(o->port));
    se_json_u64(j, "threads", o->threads);
    se_json_u64(j, "conns", o->conns);
    json_optional(j, "size", o->size, counts_requests(o->mode) || o->mode == SE_BENCH_SESSIONS);
    json_optional(j, "rate", o->rate, o->mode == SE_BENCH_RATE);
    json_optional(j, "bytes", o->bytes, o->mode == SE_BENCH_BULK && o->bytes);
    json_optional(j, "count", o->count, o->count != 0);
    se_json_u64(j, "seed", o->seed);
    se_json_num(j, "duration_s", (double)o->duration_ms / 1000, 3);
    se_json_num(j, "warmup_s", (double)o->warmup_ms / 1000, 3);
}

void se_bench_report_json(FILE *out, const se_bench_summary *sum)
{
    const se_bench_options *o = sum->opt;
    const se_bench_stats *s = sum->stats;
    se_json j;
    se_json_record(&j, out, "bench");
    json_settings(&j, o);
    se_json_num(&j, "elapsed_s", sum->elapsed_s, 4);
    json_measures(&j, o->mode, s, sum->elapsed_s);
    se_json_object(&j, "connections");
    se_json_u64(&j, "opened", s->opened);
    se_json_u64(&j, "complete", s->complete);
    se_json_u64(&j, "failed", s->failed);
    se_json_u64(&j, "open_peak", sum->open_peak);
    se_json_close(&j);
    json_errors(&j, s);
    se_json_str(&j, "first_error", s->first_error[0] ? s->first_error : NULL);
    se_json_str(&j, "verdict", se_verdict_name(sum->verdict));
    se_json_int(&j, "exit_code", se_verdict_exit_code(sum->verdict));
    se_json_end(&j);
}

void se_bench_report_error_json(FILE *out, const se_bench_options *o, se_verdict verdict,
                                const char *error)
{
    se_bench_stats *none = se_bench_stats_new();
    if (!none)
        return;
    snprintf(none->first_error, sizeof none->first_error, "%s", error);
    se_bench_summary sum = {o, none, 0.0, 0, verdict};
    se_bench_report_json(out, &sum);
    free(none);
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

static void text_header(FILE *out, const se_bench_options *o)
{
    fprintf(out, "sockecho bench: %s %s port %s, %llu %s", se_bench_mode_name(o->mode), o->host,
            o->port, (unsigned long long)o->conns,
            o->mode == SE_BENCH_SESSIONS ? "sessions in flight" : "connections");
    if (counts_requests(o->mode) || o->mode == SE_BENCH_SESSIONS)
        fprintf(out, ", %llu B %s", (unsigned long long)o->size,
                o->mode == SE_BENCH_SESSIONS ? "payloads" : "messages");
    if (o->mode == SE_BENCH_RATE)
        fprintf(out, ", %llu msg/s", (unsigned long long)o->rate);
    if (o->mode == SE_BENCH_BULK && o->bytes)
        fprintf(out, ", %llu B each way", (unsigned long long)o->bytes);
    fprintf(out, ", %llu thread%s\n", (unsigned long long)o->threads, o->threads == 1 ? "" : "s");
}

void se_bench_report_header(FILE *out, const se_bench_options *o)
{
    text_header(out, o);
    fflush(out);
}

void se_bench_report_text(FILE *out, const se_bench_summary *sum)
{
    const se_bench_options *o = sum->opt;
    const se_bench_stats *s = sum->stats;
    double secs = sum->elapsed_s;
    if (o->quiet)
        return;
    static const char *const labels[SE_PHASES] = {"rtt", "connect", "first byte", "close",
                                                  "session"};
    text_header(out, o);
    fprintf(out, "%-13s %.3f s\n", "measured", secs);
    if (ops_unit(o->mode))
        fprintf(out, "%-13s %llu (%.0f/s)\n", counts_requests(o->mode) ? "requests" : "sessions",
                (unsigned long long)ops_of(o->mode, s), per_s(ops_of(o->mode, s), secs));
    fprintf(out, "%-13s sent %.1f MiB/s, received and verified %.1f MiB/s\n", "throughput",
            per_s(s->bytes_sent, secs) / MIB, per_s(s->bytes_received, secs) / MIB);
    for (int p = 0; p < SE_PHASES; p++)
        if (phase_applies(o->mode, (se_phase)p))
            text_hist(out, labels[p], &s->latency[p]);
    fprintf(out, "%-13s %llu opened, %llu complete, %llu failed, at most %llu open\n",
            "connections", (unsigned long long)s->opened, (unsigned long long)s->complete,
            (unsigned long long)s->failed, (unsigned long long)sum->open_peak);
    fprintf(out, "%-13s", "errors");
    if (se_bench_fault_total(s) == 0)
        fprintf(out, " none");
    for (int i = 0, first = 1; i < SE_FAULT_KINDS; i++) {
        if (s->faults[i]) {
            fprintf(out, "%s %s %llu", first ? "" : ",", se_fault_name((se_fault)i),
                    (unsigned long long)s->faults[i]);
            first = 0;
        }
    }
    fprintf(out, "\n");
    if (s->first_error[0])
        fprintf(out, "%-13s %s\n", "first error", s->first_error);
    fprintf(out, "%-13s %s\n", "verdict", se_verdict_name(sum->verdict));
}

/* "246913 req/s  p50 0.198  p99 0.410 ms  120.6 MiB/s  open 50  errors 0"
 * into BUF (SIZE bytes). */
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
        json_measures(&j, opt->mode, s, interval_s);
        se_json_u64(&j, "open_conns", open);
        json_errors(&j, s);
        se_json_end(&j);
    } else {
        char line[256];
        text_line(line, sizeof line, opt->mode, ops_of(opt->mode, s), s->bytes_received, interval_s,
                  headline(opt->mode, s), open, se_bench_fault_total(s));
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
              t_s - mark->t_s, headline(opt->mode, total), open, se_bench_fault_total(total));
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
