/* Prometheus text built by the metrics layer: families and samples, and
 * summaries whose quantiles are the histogram's own percentiles. */
#include "metrics/exposition.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(exposition_summary_from_histogram)
{
    se_histogram h;
    se_hist_reset(&h);
    for (uint64_t v = 1; v <= 1000; v++)
        se_hist_record(&h, v * 1000); /* 1 us .. 1 ms */
    se_expo e;
    se_expo_init(&e);
    se_expo_family(&e, "x_seconds", "summary", "Latency.");
    se_expo_summary(&e, "x_seconds", "phase=\"rtt\"", &h);
    se_histogram empty;
    se_hist_reset(&empty);
    se_expo_summary(&e, "y_seconds", "", &empty);
    size_t len = 0;
    char *text = se_expo_finish(&e, &len);
    CHECK(text != NULL);
    if (!text)
        return;
    CHECK(len == strlen(text));
    CHECK(strstr(text, "# HELP x_seconds Latency.\n# TYPE x_seconds summary\n") == text);
    static const struct {
        const char *label;
        double percent;
    } q[] = {{"0.5", 50}, {"0.9", 90}, {"0.99", 99}, {"0.999", 99.9}};
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "x_seconds{phase=\"rtt\",quantile=\"%s\"} %.9f\n", q[i].label,
                 (double)se_hist_percentile(&h, q[i].percent) / 1e9);
        CHECK(strstr(text, want) != NULL);
        snprintf(want, sizeof want, "y_seconds{quantile=\"%s\"} NaN\n", q[i].label);
        CHECK(strstr(text, want) != NULL);
    }
    CHECK(strstr(text, "x_seconds_sum{phase=\"rtt\"} 0.500500000\n") != NULL);
    CHECK(strstr(text, "x_seconds_count{phase=\"rtt\"} 1000\n") != NULL);
    CHECK(strstr(text, "y_seconds_sum 0.000000000\ny_seconds_count 0\n") != NULL);
    free(text);
}

TEST(exposition_grows_and_counts_responses)
{
    se_expo e;
    se_expo_init(&e);
    for (int i = 0; i < 2000; i++) /* well past the first allocation */
        se_expo_sample(&e, "a_total", "{k=\"v\"}", (uint64_t)i);
    se_expo_responses(&e, NULL);
    size_t len = 0;
    char *text = se_expo_finish(&e, &len);
    CHECK(text != NULL);
    if (!text)
        return;
    CHECK(len == strlen(text) && len > 4096);
    CHECK(strncmp(text, "a_total{k=\"v\"} 0\na_total{k=\"v\"} 1\n", 34) == 0);
    CHECK(strstr(text, "a_total{k=\"v\"} 1999\n") != NULL);
    CHECK(strstr(text, "sockecho_metrics_responses_total{code=\"200\"} 0\n") != NULL);
    CHECK(strstr(text, "sockecho_metrics_responses_total{code=\"503\"} 0\n") != NULL);
    free(text);
}
