/* The client's live progress line; see progress.h. */
#include "progress.h"

#include "platform/platform.h"

#include <string.h>

void se_progress_init(se_progress *p, FILE *out, uint64_t total)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->total = total;
}

void se_progress_start(se_progress *p, uint64_t now_ns)
{
    p->start_ns = p->last_ns = now_ns;
    p->last_received = 0;
    p->rate = 0;
}

void se_progress_bytes(double count, char *buf, size_t size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    while (count >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        count /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%.0f B", count);
    else
        snprintf(buf, size, count < 10 ? "%.2f %s" : "%.1f %s", count, units[u]);
}

static void format_eta(double seconds, char *buf, size_t size)
{
    unsigned long s = (unsigned long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(buf, size, "%luh%02lum", s / 3600, s / 60 % 60);
    else if (s >= 60)
        snprintf(buf, size, "%lum%02lus", s / 60, s % 60);
    else
        snprintf(buf, size, "%lus", s);
}

void se_progress_update(se_progress *p, uint64_t sent, uint64_t received, uint64_t now_ns)
{
    if (now_ns - p->start_ns < (uint64_t)SE_PROGRESS_DELAY_MS * 1000000)
        return;
    /* The rate of the last interval, smoothed so the line does not flicker. */
    double dt = (double)(now_ns - p->last_ns) / 1e9;
    if (dt > 0) {
        double now_rate = (double)(received - p->last_received) / dt;
        p->rate = p->rate > 0 ? 0.7 * p->rate + 0.3 * now_rate : now_rate;
        p->last_ns = now_ns;
        p->last_received = received;
    }
    char s[32], r[32], t[32], rate[32], line[160];
    se_progress_bytes((double)sent, s, sizeof s);
    se_progress_bytes((double)received, r, sizeof r);
    se_progress_bytes(p->rate, rate, sizeof rate);
    int n;
    if (p->total) {
        se_progress_bytes((double)p->total, t, sizeof t);
        char eta[32] = "?";
        if (received >= p->total)
            snprintf(eta, sizeof eta, "0s");
        else if (p->rate > 0)
            format_eta((double)(p->total - received) / p->rate, eta, sizeof eta);
        n = snprintf(line, sizeof line, "sent %s, echoed %s of %s (%.0f%%), %s/s, ETA %s", s, r, t,
                     100.0 * (double)received / (double)p->total, rate, eta);
    } else {
        n = snprintf(line, sizeof line, "sent %s, echoed %s, %s/s", s, r, rate);
    }
    size_t len = n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    /* Never reach the last column: a full line wraps on some terminals, and
     * a wrapped line cannot be erased with a carriage return. */
    int columns = se_stderr_columns();
    size_t room = columns > 1 ? (size_t)columns - 1 : 79;
    if (len > room)
        len = room;
    line[len] = '\0';
    if (p->width > room)
        p->width = room;
    /* Overwrite the previous line, padding over what is left of a longer
     * one (no terminal escapes: consoles without them work too). */
    fprintf(p->out, "\r%s%*s", line, p->width > len ? (int)(p->width - len) : 0, "");
    fflush(p->out);
    p->width = len;
}

void se_progress_clear(se_progress *p)
{
    if (!p->width)
        return;
    fprintf(p->out, "\r%*s\r", (int)p->width, "");
    fflush(p->out);
    p->width = 0;
}
