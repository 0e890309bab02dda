/* Client report formats; see report.h. */
#include "cli/report.h"
#include "cli/sockopt_args.h"
#include "exit_code.h"
#include "tls_report.h"
#include "util/json.h"

void se_report_client_text(FILE *out, const se_client_result *r)
{
    fprintf(out, "Bytes Sent: %llu\nBytes received: %llu\n", (unsigned long long)r->bytes_sent,
            (unsigned long long)r->bytes_received);
    if (r->fin_received)
        fprintf(out, "Connection closed\n");
}

/* The verdict, its exit code and the error line: every client record. */
static void json_verdict(se_json *j, se_verdict verdict, const char *detail)
{
    se_json_str(j, "verdict", se_verdict_name(verdict));
    se_json_int(j, "exit_code", se_exit_code(verdict));
    se_json_str(j, "error", verdict == SE_VERDICT_COMPLETE ? NULL : detail);
}

void se_report_client_json(FILE *out, const se_client_result *r, const char *host,
                           const char *started)
{
    se_json j;
    se_json_record(&j, out, "client");
    se_json_str(&j, "started", started);
    json_verdict(&j, r->verdict, r->detail);
    se_json_str(&j, "host", host);
    se_json_str(&j, "address", r->address[0] ? r->address : NULL);
    if (r->address[0])
        se_json_int(&j, "port", r->port);
    else
        se_json_null(&j, "port");
    se_json_u64(&j, "bytes_sent", r->bytes_sent);
    se_json_u64(&j, "bytes_received", r->bytes_received);
    se_json_bool(&j, "fin_received", r->fin_received);
    if (r->have_mismatch)
        se_json_u64(&j, "mismatch_offset", r->fault_offset);
    else
        se_json_null(&j, "mismatch_offset");
    se_json_ms(&j, "connect_ms", r->connect_ms);
    se_json_ms(&j, "transfer_ms", r->transfer_ms);
    se_json_ms(&j, "close_ms", r->close_ms);
    se_json_array(&j, "attempts");
    for (size_t i = 0; i < r->attempt_count; i++) {
        const se_attempt *a = &r->attempts[i];
        se_json_object(&j, NULL);
        se_json_str(&j, "address", a->address);
        se_json_int(&j, "port", a->port);
        se_json_str(&j, "result", a->status ? se_err_name(a->status) : "connected");
        se_json_ms(&j, "ms", a->ms);
        se_json_ms(&j, "start_ms", a->start_ms);
        se_json_close(&j);
    }
    se_json_close(&j);
    se_json_u64(&j, "attempt_delay_ms", r->attempt_delay_ms);
    if (r->source[0])
        se_json_str(&j, "source", r->source);
    if (r->proxy[0])
        se_json_str(&j, "proxy", r->proxy);
    if (r->send_proxy)
        se_json_int(&j, "send_proxy", r->send_proxy);
    if (r->have_sockopts)
        se_sockopts_json(&j, &r->sockopts);
    se_report_tls_json(&j, r);
    se_json_end(&j);
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

void se_report_udp_json(FILE *out, const se_udp_result *r, const char *host, const char *started)
{
    se_json j;
    se_json_record(&j, out, "client_udp");
    se_json_str(&j, "started", started);
    json_verdict(&j, r->verdict, r->detail);
    se_json_str(&j, "host", host);
    se_json_str(&j, "address", r->address[0] ? r->address : NULL);
    se_json_int(&j, "port", r->port);
    se_json_u64(&j, "sent", r->sent);
    se_json_u64(&j, "received", r->received);
    se_json_u64(&j, "lost", r->sent - r->received);
    se_json_u64(&j, "late", r->late);
    se_json_num(&j, "loss_pct", loss_pct(r), 1);
    if (r->received) {
        se_json_object(&j, "rtt_ms");
        se_json_ms(&j, "min", r->rtt_min_ms);
        se_json_ms(&j, "avg", r->rtt_avg_ms);
        se_json_ms(&j, "max", r->rtt_max_ms);
        se_json_close(&j);
    } else {
        se_json_null(&j, "rtt_ms");
    }
    se_json_end(&j);
}
