/* Client report formats; see report.h. */
#include "cli/report.h"
#include "cli/sockopt_args.h"
#include "tls_report.h"
#include "util/json.h"

void se_report_client_text(FILE *out, const se_client_result *r)
{
    fprintf(out, "Bytes Sent: %llu\nBytes received: %llu\n", (unsigned long long)r->bytes_sent,
            (unsigned long long)r->bytes_received);
    if (r->fin_received)
        fprintf(out, "Connection closed\n");
}

static void json_ms(FILE *out, const char *name, double ms)
{
    if (ms < 0)
        fprintf(out, ",\"%s\":null", name);
    else
        fprintf(out, ",\"%s\":%.3f", name, ms);
}

void se_report_client_json(FILE *out, const se_client_result *r, const char *host)
{
    fprintf(out, "{\"type\":\"client\",\"verdict\":\"%s\",\"exit_code\":%d,\"host\":",
            se_verdict_name(r->verdict), se_verdict_exit_code(r->verdict));
    se_json_string(out, host);
    if (r->address[0]) {
        fprintf(out, ",\"address\":");
        se_json_string(out, r->address);
        fprintf(out, ",\"port\":%d", r->port);
    } else {
        fprintf(out, ",\"address\":null,\"port\":null");
    }
    fprintf(out, ",\"bytes_sent\":%llu,\"bytes_received\":%llu,\"fin_received\":%s",
            (unsigned long long)r->bytes_sent, (unsigned long long)r->bytes_received,
            r->fin_received ? "true" : "false");
    if (r->have_mismatch)
        fprintf(out, ",\"mismatch_offset\":%llu", (unsigned long long)r->fault_offset);
    else
        fprintf(out, ",\"mismatch_offset\":null");
    fprintf(out, ",\"error\":");
    if (r->verdict == SE_VERDICT_COMPLETE)
        fprintf(out, "null");
    else
        se_json_string(out, r->detail);
    json_ms(out, "connect_ms", r->connect_ms);
    json_ms(out, "transfer_ms", r->transfer_ms);
    json_ms(out, "close_ms", r->close_ms);
    fprintf(out, ",\"attempts\":[");
    for (size_t i = 0; i < r->attempt_count; i++) {
        const se_attempt *a = &r->attempts[i];
        fprintf(out, "%s{\"address\":", i ? "," : "");
        se_json_string(out, a->address);
        fprintf(out, ",\"port\":%d,\"result\":", a->port);
        se_json_string(out, a->status ? se_err_name(a->status) : "connected");
        fprintf(out, ",\"ms\":%.3f}", a->ms);
    }
    fprintf(out, "]");
    if (r->proxy[0]) {
        fprintf(out, ",\"proxy\":");
        se_json_string(out, r->proxy);
    }
    if (r->send_proxy)
        fprintf(out, ",\"send_proxy\":%d", r->send_proxy);
    if (r->have_sockopts)
        se_sockopts_json(out, &r->sockopts);
    se_report_tls_json(out, r);
    fprintf(out, "}\n");
}

static double loss_pct(const se_udp_result *r)
{
    return r->sent ? 100.0 * (double)(r->sent - r->received) / (double)r->sent : 0.0;
}

void se_report_udp_text(FILE *out, const se_udp_result *r)
{
    fprintf(out, "Datagrams sent: %llu\nDatagrams received: %llu\nLost: %llu (%.1f%%)\n",
            (unsigned long long)r->sent, (unsigned long long)r->received,
            (unsigned long long)(r->sent - r->received), loss_pct(r));
    if (r->received)
        fprintf(out, "RTT min/avg/max: %.3f/%.3f/%.3f ms\n", r->rtt_min_ms, r->rtt_avg_ms,
                r->rtt_max_ms);
}

void se_report_udp_json(FILE *out, const se_udp_result *r, const char *host)
{
    fprintf(out, "{\"type\":\"client_udp\",\"verdict\":\"%s\",\"exit_code\":%d,\"host\":",
            se_verdict_name(r->verdict), se_verdict_exit_code(r->verdict));
    se_json_string(out, host);
    fprintf(out, ",\"address\":");
    if (r->address[0])
        se_json_string(out, r->address);
    else
        fprintf(out, "null");
    fprintf(out,
            ",\"port\":%d,\"sent\":%llu,\"received\":%llu,\"lost\":%llu,\"late\":%llu,"
            "\"loss_pct\":%.1f,\"rtt_ms\":",
            r->port, (unsigned long long)r->sent, (unsigned long long)r->received,
            (unsigned long long)(r->sent - r->received), (unsigned long long)r->late, loss_pct(r));
    if (r->received)
        fprintf(out, "{\"min\":%.3f,\"avg\":%.3f,\"max\":%.3f}", r->rtt_min_ms, r->rtt_avg_ms,
                r->rtt_max_ms);
    else
        fprintf(out, "null");
    fprintf(out, ",\"error\":");
    if (r->verdict == SE_VERDICT_COMPLETE)
        fprintf(out, "null");
    else
        se_json_string(out, r->detail);
    fprintf(out, "}\n");
}
