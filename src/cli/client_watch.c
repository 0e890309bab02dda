/* The client command's watch over a running session; see client_watch.h. */
#include "client_watch.h"

#include "client/client.h"
#include "platform/platform.h"
#include "util/json.h"

void se_client_watch_start(se_client_watch *w)
{
    w->start_ns = w->last_record_ns = se_now_ns();
    w->last_draw_ns = 0;
    w->last_sent = w->last_received = 0;
    w->time_up = 0;
    if (w->progress)
        se_progress_start(w->progress, w->start_ns);
}

static void record(se_client_watch *w, uint64_t sent, uint64_t received, uint64_t now)
{
    double t_s = (double)(now - w->start_ns) / 1e9;
    double span = (double)(now - w->last_record_ns) / 1e9;
    double sent_rate = span > 0 ? (double)(sent - w->last_sent) / span : 0;
    double received_rate = span > 0 ? (double)(received - w->last_received) / span : 0;
    if (w->json) {
        se_json j;
        se_json_record(&j, w->records, "client_interval");
        se_json_num(&j, "t_s", t_s, 3);
        se_json_num(&j, "interval_s", span, 3);
        se_json_u64(&j, "bytes_sent", sent);
        se_json_u64(&j, "bytes_received", received);
        se_json_num(&j, "sent_bytes_per_s", sent_rate, 1);
        se_json_num(&j, "received_bytes_per_s", received_rate, 1);
        se_json_end(&j);
    } else {
        char s[32], r[32], rate[32];
        se_progress_bytes((double)sent, s, sizeof s);
        se_progress_bytes((double)received, r, sizeof r);
        se_progress_bytes(received_rate, rate, sizeof rate);
        fprintf(w->records, "[%7.2fs] sent %s, echoed %s, %s/s\n", t_s, s, r, rate);
        fflush(w->records);
    }
    w->last_record_ns = now;
    w->last_sent = sent;
    w->last_received = received;
}

int se_client_watch_tick(void *arg, uint64_t sent, uint64_t received)
{
    se_client_watch *w = arg;
    if (se_stop_signals_count() > 0)
        return SE_CLIENT_INTERRUPT;
    uint64_t now = se_now_ns();
    if (w->time_limit_ms && !w->time_up && now - w->start_ns >= w->time_limit_ms * 1000000) {
        w->time_up = 1;
        se_payload_end(w->payload);
    }
    if (w->interval_ms && now - w->last_record_ns >= w->interval_ms * 1000000)
        record(w, sent, received, now);
    if (w->progress && now - w->last_draw_ns >= (uint64_t)SE_PROGRESS_INTERVAL_MS * 1000000) {
        se_progress_update(w->progress, sent, received, now);
        w->last_draw_ns = now;
    }
    return SE_CLIENT_CONTINUE;
}

void se_client_watch_finish(se_client_watch *w)
{
    if (w->progress)
        se_progress_clear(w->progress);
}
