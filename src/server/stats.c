/* Statistics snapshots; see stats.h. */
#include "server/stats.h"

#define V(field) ((uint64_t)SE_STAT_GET(s, field))

void se_stats_snapshot(const se_stats *s, se_server_counts *out)
{
    out->open = V(open);
    out->total = V(total);
    out->complete = V(complete);
    out->reset = V(reset);
    out->aborted = V(aborted);
    out->failed = V(failed);
    out->idle_evicted = V(idle_evicted);
    out->refused_policy = V(refused_policy);
    out->refused_source = V(refused_source);
    out->refused_proxy = V(refused_proxy);
    out->paused_descriptors = V(paused_descriptors);
    out->paused_max_conns = V(paused_max_conns);
    out->bytes_in = V(bytes_in);
    out->bytes_out = V(bytes_out);
    out->udp_in = V(udp_in);
    out->udp_out = V(udp_out);
    out->udp_dropped = V(udp_dropped);
}
