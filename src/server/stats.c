/* Statistics output; see stats.h. */
#include "server/stats.h"

#include "platform/platform.h"

#define V(field) ((unsigned long long)SE_STAT_GET(s, field))

void se_stats_print(const se_stats *s, int final, double uptime_s, int json, FILE *out, FILE *err)
{
    char when[40];
    se_utc_timestamp(when, sizeof when);
    if (json) {
        fprintf(out,
                "{\"type\":\"%s\",\"time\":\"%s\",\"uptime_s\":%.3f,\"open\":%llu,\"total\":%llu,"
                "\"complete\":%llu,\"reset\":%llu,\"aborted\":%llu,\"failed\":%llu,"
                "\"idle_evicted\":%llu,\"refused_policy\":%llu,\"refused_source\":%llu,"
                "\"refused_proxy\":%llu,"
                "\"bytes_in\":%llu,\"bytes_out\":%llu,\"udp_in\":%llu,\"udp_out\":%llu,"
                "\"udp_dropped\":%llu}\n",
                final ? "summary" : "stats", when, uptime_s, V(open), V(total), V(complete),
                V(reset), V(aborted), V(failed), V(idle_evicted), V(refused_policy),
                V(refused_source), V(refused_proxy), V(bytes_in), V(bytes_out), V(udp_in),
                V(udp_out), V(udp_dropped));
        fflush(out);
        return;
    }
    fprintf(err,
            "%s sockecho server: %s: %llu connection%s (%llu open, %llu complete, %llu reset, "
            "%llu aborted, %llu failed, %llu idle-evicted), %llu refused by policy, %llu over "
            "the per-source cap, %llu without a valid PROXY header, %llu bytes in, %llu bytes out, "
            "udp %llu in, %llu out, %llu "
            "dropped\n",
            when, final ? "stopped" : "stats", V(total), V(total) == 1 ? "" : "s", V(open),
            V(complete), V(reset), V(aborted), V(failed), V(idle_evicted), V(refused_policy),
            V(refused_source), V(refused_proxy), V(bytes_in), V(bytes_out), V(udp_in), V(udp_out),
            V(udp_dropped));
    fflush(err);
}
