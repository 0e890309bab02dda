/* Statistics output; see stats.h. */
#include "server/stats.h"

#include "platform/platform.h"
#include "util/json.h"

#define V(field) ((unsigned long long)SE_STAT_GET(s, field))

void se_stats_print(const se_stats *s, int final, double uptime_s, int json, FILE *out, FILE *err)
{
    char when[40];
    se_utc_timestamp(when, sizeof when);
    if (json) {
        se_json j;
        se_json_record(&j, out, final ? "summary" : "stats");
        se_json_str(&j, "time", when);
        se_json_num(&j, "uptime_s", uptime_s, 3);
        se_json_u64(&j, "open", V(open));
        se_json_u64(&j, "total", V(total));
        se_json_u64(&j, "complete", V(complete));
        se_json_u64(&j, "reset", V(reset));
        se_json_u64(&j, "aborted", V(aborted));
        se_json_u64(&j, "failed", V(failed));
        se_json_u64(&j, "idle_evicted", V(idle_evicted));
        se_json_u64(&j, "refused_policy", V(refused_policy));
        se_json_u64(&j, "refused_source", V(refused_source));
        se_json_u64(&j, "refused_proxy", V(refused_proxy));
        se_json_u64(&j, "bytes_in", V(bytes_in));
        se_json_u64(&j, "bytes_out", V(bytes_out));
        se_json_u64(&j, "udp_in", V(udp_in));
        se_json_u64(&j, "udp_out", V(udp_out));
        se_json_u64(&j, "udp_dropped", V(udp_dropped));
        se_json_end(&j);
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
