/* Bench counters and histograms; see stats.h. */
#include "bench/stats.h"

#include <stdlib.h>
#include <string.h>

static const char *const fault_names[SE_FAULT_KINDS] = {
    "mismatch", "excess",         "truncated", "reset", "timeout",
    "refused",  "connect_failed", "tls",       "other",
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
    for (int i = 0; i < SE_FAULT_KINDS; i++)
        into->faults[i] += from->faults[i];
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
    memset(s->faults, 0, sizeof s->faults);
    s->first_error[0] = '\0';
    for (int i = 0; i < SE_PHASES; i++)
        se_hist_reset(&s->latency[i]);
}

uint64_t se_bench_fault_total(const se_bench_stats *s)
{
    uint64_t total = 0;
    for (int i = 0; i < SE_FAULT_KINDS; i++)
        total += s->faults[i];
    return total;
}

const char *se_fault_name(se_fault f)
{
    return fault_names[f];
}

const char *se_phase_name(se_phase p)
{
    return phase_names[p];
}
