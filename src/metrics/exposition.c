/* Prometheus text exposition; see exposition.h. */
#include "metrics/exposition.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define FIRST_CAP 4096

void se_expo_init(se_expo *e)
{
    e->buf = malloc(FIRST_CAP);
    e->len = 0;
    e->cap = FIRST_CAP;
    e->failed = e->buf == NULL;
}

void se_expo_put(se_expo *e, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !e->failed; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(e->buf + e->len, e->cap - e->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            e->failed = 1;
        } else if ((size_t)n < e->cap - e->len) {
            e->len += (size_t)n;
            return;
        } else {
            size_t cap = (e->cap + (size_t)n) * 2;
            char *bigger = realloc(e->buf, cap);
            if (!bigger)
                e->failed = 1;
            else
                e->buf = bigger, e->cap = cap;
        }
    }
}

void se_expo_family(se_expo *e, const char *name, const char *type, const char *help)
{
    se_expo_put(e, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void se_expo_sample(se_expo *e, const char *name, const char *labels, uint64_t v)
{
    se_expo_put(e, "%s%s %llu\n", name, labels, (unsigned long long)v);
}

void se_expo_summary(se_expo *e, const char *name, const char *labels, const se_histogram *h)
{
    static const struct {
        const char *label;
        double percent;
    } quantiles[] = {{"0.5", 50}, {"0.9", 90}, {"0.99", 99}, {"0.999", 99.9}};
    const char *sep = labels[0] ? "," : "";
    for (size_t i = 0; i < sizeof quantiles / sizeof quantiles[0]; i++) {
        if (h->count)
            se_expo_put(e, "%s{%s%squantile=\"%s\"} %.9f\n", name, labels, sep, quantiles[i].label,
                        (double)se_hist_percentile(h, quantiles[i].percent) / 1e9);
        else
            se_expo_put(e, "%s{%s%squantile=\"%s\"} NaN\n", name, labels, sep, quantiles[i].label);
    }
    const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";
    se_expo_put(e, "%s_sum%s%s%s %.9f\n", name, open, labels, close, (double)h->sum / 1e9);
    se_expo_put(e, "%s_count%s%s%s %llu\n", name, open, labels, close,
                (unsigned long long)h->count);
}

void se_expo_responses(se_expo *e, const se_http_responder *responder)
{
    se_expo_family(e, "sockecho_metrics_responses_total", "counter",
                   "Responses of this metrics endpoint, by HTTP status code.");
    for (int i = 0; i < SE_HTTP_RESPONDER_CODES; i++)
        se_expo_put(
            e, "sockecho_metrics_responses_total{code=\"%d\"} %llu\n", se_http_responder_codes[i],
            (unsigned long long)se_http_responder_responses(responder, se_http_responder_codes[i]));
}

char *se_expo_finish(se_expo *e, size_t *len)
{
    if (e->failed) {
        free(e->buf);
        return NULL;
    }
    *len = e->len;
    return e->buf;
}
