/* Bench counters and histograms; see stats.h. */
#include "bench/stats.h"

#include <stdlib.h>
#include <string.h>

const se_verdict se_bench_error_kinds[SE_BENCH_ERROR_KINDS] = {
    SE_VERDICT_MISMATCH,    SE_VERDICT_EXCESS,  SE_VERDICT_TRUNCATED,
    SE_VERDICT_RESET,       SE_VERDICT_TIMEOUT, SE_VERDICT_REFUSED,
    SE_VERDICT_UNREACHABLE, SE_VERDICT_TLS, /* a handshake failed or a record was refused */
    SE_VERDICT_ERROR,
};

static const char *const phase_names[SE_PHASES] = {
    "rtt", "connect", "first_byte", "close", "session",
};

se_bench_stats *se_bench_stats_new(void)
{
    return calloc(1, sizeof(se_bench_stats));
}

void se_bench_stats_merge(se_bench_stats *into, const se_bench_stats *from)
{
    into->requests += from->requests;
    into->sessions += from->sessions;
    into->bytes_sent += from->bytes_sent;
    into->bytes_received += from->bytes_received;
    into->opened += from->opened;
    into->complete += from->complete;
    into->failed += from->failed;
    into->tls_handshakes += from->tls_handshakes;
    into->tls_resumed += from->tls_resumed;
    for (int i = 0; i < SE_VERDICT_COUNT; i++)
        into->errors[i] += from->errors[i];
    if (!into->first_error[0])
        memcpy(into->first_error, from->first_error, sizeof into->first_error);
    for (int i = 0; i < SE_PHASES; i++)
        se_hist_merge(&into->latency[i], &from->latency[i]);
}

void se_bench_stats_reset(se_bench_stats *s)
{
    s->requests = s->sessions = s->bytes_sent = s->bytes_received = 0;
    s->opened = s->complete = s->failed = 0;
    s->tls_handshakes = s->tls_resumed = 0;
    memset(s->errors, 0, sizeof s->errors);
    s->first_error[0] = '\0';
    for (int i = 0; i < SE_PHASES; i++)
        se_hist_reset(&s->latency[i]);
}

uint64_t se_bench_error_total(const se_bench_stats *s)
{
    uint64_t total = 0;
    for (int i = 0; i < SE_VERDICT_COUNT; i++)
        total += s->errors[i];
    return total;
}

const char *se_bench_error_name(se_verdict v)
{
    if (v == SE_VERDICT_UNREACHABLE)
        return "connect_failed";
    if (v == SE_VERDICT_ERROR)
        return "other";
    return se_verdict_name(v);
}

const char *se_phase_name(se_phase p)
{
    return phase_names[p];
}
