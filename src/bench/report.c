/* Bench reports; see report.h and docs/bench.md for the formats. */
#include "bench/report.h"

#include "util/json.h"

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
    {SE_FAULT_TLS, SE_VERDICT_TLS},
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

static void json_hist(FILE *out, const se_histogram *h)
{
    if (h->count == 0) {
        fprintf(out, "{\"count\":0,\"min\":null,\"mean\":null,\"p50\":null,\"p90\":null,"
                     "\"p99\":null,\"p999\":null,\"max\":null}");
        return;
    }
    fprintf(out,
            "{\"count\":%llu,\"min\":%.4f,\"mean\":%.4f,\"p50\":%.4f,\"p90\":%.4f,\"p99\":%.4f,"
            "\"p999\":%.4f,\"max\":%.4f}",
            (unsigned long long)h->count, ms(h->min), se_hist_mean(h) / 1e6,
            ms(se_hist_percentile(h, 50)), ms(se_hist_percentile(h, 90)),
            ms(se_hist_percentile(h, 99)), ms(se_hist_percentile(h, 99.9)), ms(h->max));
}

static void json_count(FILE *out, const char *name, uint64_t n, double secs, int applies)
{
    if (applies)
        fprintf(out, ",\"%s\":%llu,\"%s_per_s\":%.1f", name, (unsigned long long)n, name,
                per_s(n, secs));
    else
        fprintf(out, ",\"%s\":null,\"%s_per_s\":null", name, name);
}

static void json_optional(FILE *out, const char *name, uint64_t v, int present)
{
    if (present)
        fprintf(out, ",\"%s\":%llu", name, (unsigned long long)v);
    else
        fprintf(out, ",\"%s\":null", name);
}

/* The fields final and interval objects share. */
static void json_measures(FILE *out, se_bench_mode m, const se_bench_stats *s, double secs)
{
    json_count(out, "requests", s->requests, secs, counts_requests(m));
    json_count(out, "sessions", s->sessions, secs, m == SE_BENCH_SESSIONS);
    fprintf(out,
            ",\"bytes_sent\":%llu,\"bytes_received\":%llu,\"sent_bytes_per_s\":%.1f,"
            "\"received_bytes_per_s\":%.1f,\"latency_ms\":{",
            (unsigned long long)s->bytes_sent, (unsigned long long)s->bytes_received,
            per_s(s->bytes_sent, secs), per_s(s->bytes_received, secs));
    for (int p = 0; p < SE_PHASES; p++) {
        fprintf(out, "%s\"%s\":", p ? "," : "", se_phase_name((se_phase)p));
        if (phase_applies(m, (se_phase)p))
            json_hist(out, &s->latency[p]);
        else
            fprintf(out, "null");
    }
    fprintf(out, "}");
}

static void json_errors(FILE *out, const se_bench_stats *s)
{
    fprintf(out, ",\"errors\":{");
    for (int i = 0; i < SE_FAULT_KINDS; i++)
        fprintf(out, "%s\"%s\":%llu", i ? "," : "", se_fault_name((se_fault)i),
                (unsigned long long)s->faults[i]);
    fprintf(out, "}");
}

void se_bench_report_json(FILE *out, const se_bench_summary *sum)
{
    const se_bench_options *o = sum->opt;
    const se_bench_stats *s = sum->stats;
    fprintf(out, "{\"type\":\"bench\",\"mode\":\"%s\",\"host\":", se_bench_mode_name(o->mode));
    se_json_string(out, o->host);
    fprintf(out, ",\"port\":%s,\"threads\":%llu,\"conns\":%llu", o->port,
            (unsigned long long)o->threads, (unsigned long long)o->conns);
    json_optional(out, "size", o->size, counts_requests(o->mode) || o->mode == SE_BENCH_SESSIONS);
    json_optional(out, "rate", o->rate, o->mode == SE_BENCH_RATE);
    json_optional(out, "bytes", o->bytes, o->mode == SE_BENCH_BULK && o->bytes);
    json_optional(out, "count", o->count, o->count != 0);
    fprintf(out, ",\"seed\":%llu,\"duration_s\":%.3f,\"warmup_s\":%.3f,\"elapsed_s\":%.4f",
            (unsigned long long)o->seed, (double)o->duration_ms / 1000, (double)o->warmup_ms / 1000,
            sum->elapsed_s);
    json_measures(out, o->mode, s, sum->elapsed_s);
    fprintf(out,
            ",\"connections\":{\"opened\":%llu,\"complete\":%llu,\"failed\":%llu,"
            "\"open_peak\":%llu}",
            (unsigned long long)s->opened, (unsigned long long)s->complete,
            (unsigned long long)s->failed, (unsigned long long)sum->open_peak);
    if (o->tls)
        fprintf(out, ",\"tls\":{\"handshakes\":%llu,\"resumed\":%llu,\"handshakes_per_s\":%.1f}",
                (unsigned long long)s->tls_handshakes, (unsigned long long)s->tls_resumed,
                per_s(s->tls_handshakes, sum->elapsed_s));
    else
        fprintf(out, ",\"tls\":null");
    json_errors(out, s);
    fprintf(out, ",\"first_error\":");
    if (s->first_error[0])
        se_json_string(out, s->first_error);
    else
        fprintf(out, "null");
    fprintf(out, ",\"verdict\":\"%s\",\"exit_code\":%d}\n", se_verdict_name(sum->verdict),
            se_verdict_exit_code(sum->verdict));
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

void se_bench_report_text(FILE *out, const se_bench_summary *sum)
{
    const se_bench_options *o = sum->opt;
    const se_bench_stats *s = sum->stats;
    double secs = sum->elapsed_s;
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
    if (o->tls)
        fprintf(out, "%-13s %llu handshakes (%.0f/s), %llu resumed\n", "tls",
                (unsigned long long)s->tls_handshakes, per_s(s->tls_handshakes, secs),
                (unsigned long long)s->tls_resumed);
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

/* "246913 req/s  p50 0.198  p99 0.410 ms  120.6 MiB/s  open 50  errors 0" */
static void text_line(FILE *out, se_bench_mode m, uint64_t ops, uint64_t bytes, double secs,
                      const se_histogram *h, uint64_t open, uint64_t errors)
{
    if (ops_unit(m))
        fprintf(out, "%.0f %s  ", per_s(ops, secs), ops_unit(m));
    if (h && h->count)
        fprintf(out, "p50 %.3f  p99 %.3f ms  ", ms(se_hist_percentile(h, 50)),
                ms(se_hist_percentile(h, 99)));
    fprintf(out, "%.1f MiB/s  open %llu  errors %llu", per_s(bytes, secs) / MIB,
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
        fprintf(out,
                "{\"type\":\"bench_interval\",\"mode\":\"%s\",\"t_s\":%.3f,\"interval_s\":%.3f",
                se_bench_mode_name(opt->mode), t_s, interval_s);
        json_measures(out, opt->mode, s, interval_s);
        fprintf(out, ",\"open_conns\":%llu", (unsigned long long)open);
        json_errors(out, s);
        fprintf(out, "}\n");
    } else {
        fprintf(out, "[%7.2fs] ", t_s);
        text_line(out, opt->mode, ops_of(opt->mode, s), s->bytes_received, interval_s,
                  headline(opt->mode, s), open, se_bench_fault_total(s));
        fprintf(out, "\n");
    }
    fflush(out);
}

void se_bench_report_progress(FILE *out, const se_bench_options *opt, const se_bench_stats *total,
                              double t_s, se_bench_progress_mark *mark, uint64_t open)
{
    uint64_t ops = ops_of(opt->mode, total);
    fprintf(out, "\r[%6.1fs] ", t_s);
    text_line(out, opt->mode, ops - mark->ops, total->bytes_received - mark->bytes, t_s - mark->t_s,
              headline(opt->mode, total), open, se_bench_fault_total(total));
    mark->ops = ops;
    mark->bytes = total->bytes_received;
    mark->t_s = t_s;
    fprintf(out, "\033[K");
    fflush(out);
}

void se_bench_progress_clear(FILE *out)
{
    fprintf(out, "\r\033[K");
    fflush(out);
}
