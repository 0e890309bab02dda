/* A log-linear histogram of non-negative integer samples (latencies in
 * nanoseconds), HdrHistogram's bucket layout: exact below 256, then 128
 * buckets per power of two, so a reported percentile is within 0.4 % of a
 * sample in its bucket. Count, sum, min and max are exact. Histograms of the
 * same layout merge by adding buckets (one per thread, merged for reports). */
#ifndef SOCKECHO_HISTOGRAM_H
#define SOCKECHO_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#define SE_HIST_SUB_BITS 7
#define SE_HIST_MAX_BITS 48 /* samples at or above 2^48 (78 hours in ns) are clamped */
#define SE_HIST_BUCKETS ((SE_HIST_MAX_BITS - SE_HIST_SUB_BITS + 1) << SE_HIST_SUB_BITS)

typedef struct se_histogram {
    uint64_t count, sum, min, max;
    size_t lo, hi; /* lowest and highest bucket in use when count > 0 */
    uint64_t buckets[SE_HIST_BUCKETS];
} se_histogram;

/* Empties H (also its initialiser: a zeroed histogram is empty too). */
void se_hist_reset(se_histogram *h);

/* Adds one sample. */
void se_hist_record(se_histogram *h, uint64_t value);

/* Adds every sample of FROM to INTO; FROM is unchanged. */
void se_hist_merge(se_histogram *into, const se_histogram *from);

/* The value below which PERCENT (0-100) of the samples fall: the middle of
 * the bucket holding that rank, clamped to [min, max]; 0 when empty. */
uint64_t se_hist_percentile(const se_histogram *h, double percent);

/* Mean of the samples; 0 when empty. */
double se_hist_mean(const se_histogram *h);

/* The bucket a sample of VALUE falls in (values above the maximum are
 * clamped into the last bucket). */
size_t se_hist_bucket_of(uint64_t value);

/* The lowest value of bucket INDEX; *WIDTH receives how many values it
 * holds (from that value up). */
uint64_t se_hist_bucket_low(size_t index, uint64_t *width);

/* Adds COUNT samples to bucket INDEX without their values: for a histogram
 * read back from its bucket counts, whose sum, min and max the caller sets.
 * Returns 0, or -1 when INDEX is not a bucket (H unchanged). */
int se_hist_add_bucket(se_histogram *h, size_t index, uint64_t count);

#endif
