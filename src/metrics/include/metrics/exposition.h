/* Prometheus text exposition (format 0.0.4) built in memory: families,
 * samples, and summaries whose quantiles come from a lossless histogram. */
#ifndef SOCKECHO_METRICS_EXPOSITION_H
#define SOCKECHO_METRICS_EXPOSITION_H

#include "metrics/responder.h"
#include "util/histogram.h"

#include <stddef.h>
#include <stdint.h>

/* A growing text; every call after a failed allocation does nothing. */
typedef struct se_expo {
    char *buf;
    size_t len, cap;
    int failed;
} se_expo;

/* Starts an empty text (its first allocation may fail: se_expo_finish says). */
void se_expo_init(se_expo *e);

/* Appends printf(FMT, ...). */
void se_expo_put(se_expo *e, const char *fmt, ...);

/* Appends the HELP and TYPE lines of family NAME. */
void se_expo_family(se_expo *e, const char *name, const char *type, const char *help);

/* Appends "NAME LABELS V" (LABELS: "" or "{k=\"v\",...}"). */
void se_expo_sample(se_expo *e, const char *name, const char *labels, uint64_t v);

/* Appends the samples of summary NAME for the nanosecond histogram H, in
 * seconds: quantiles 0.5, 0.9, 0.99 and 0.999 (se_hist_percentile, NaN when
 * H is empty), NAME_sum and NAME_count. LABELS: "" or "k=\"v\",..." (no
 * braces), put before the quantile label. */
void se_expo_summary(se_expo *e, const char *name, const char *labels, const se_histogram *h);

/* Appends the family sockecho_metrics_responses_total: RESPONDER's
 * responses by status code. */
void se_expo_responses(se_expo *e, const se_http_responder *responder);

/* Ends E: returns its text (the caller frees it) with the length in *LEN,
 * or NULL after a failed allocation (E's memory is then freed). */
char *se_expo_finish(se_expo *e, size_t *len);

#endif
