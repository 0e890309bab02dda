/* Bucket I of a value V: with S = max(0, msb(V) - SUB_BITS), I = S * 128 +
 * (V >> S). Values below 256 map to themselves; above, each power of two is
 * cut into 128 buckets of width 2^S. */
#include "util/histogram.h"

#include <string.h>

#define SUB (1u << SE_HIST_SUB_BITS)
#define MAX_VALUE ((UINT64_C(1) << SE_HIST_MAX_BITS) - 1)

static unsigned msb(uint64_t v)
{
    unsigned n = 0;
    while (v >>= 1)
        n++;
    return n;
}

size_t se_hist_bucket_of(uint64_t v)
{
    if (v > MAX_VALUE)
        v = MAX_VALUE;
    unsigned bits = msb(v);
    unsigned shift = bits > SE_HIST_SUB_BITS ? bits - SE_HIST_SUB_BITS : 0;
    return (size_t)shift * SUB + (size_t)(v >> shift);
}

uint64_t se_hist_bucket_low(size_t index, uint64_t *width)
{
    size_t shift = index < 2 * SUB ? 0 : index / SUB - 1;
    *width = UINT64_C(1) << shift;
    return (uint64_t)(index - shift * SUB) << shift;
}

void se_hist_reset(se_histogram *h)
{
    if (h->count)
        memset(h->buckets + h->lo, 0, (h->hi - h->lo + 1) * sizeof h->buckets[0]);
    h->count = h->sum = h->min = h->max = 0;
    h->lo = h->hi = 0;
}

void se_hist_record(se_histogram *h, uint64_t value)
{
    if (value > MAX_VALUE)
        value = MAX_VALUE;
    size_t i = se_hist_bucket_of(value);
    h->buckets[i]++;
    if (h->count == 0) {
        h->min = h->max = value;
        h->lo = h->hi = i;
    } else {
        if (value < h->min)
            h->min = value;
        if (value > h->max)
            h->max = value;
        if (i < h->lo)
            h->lo = i;
        if (i > h->hi)
            h->hi = i;
    }
    h->count++;
    h->sum += value;
}

void se_hist_merge(se_histogram *into, const se_histogram *from)
{
    if (from->count == 0)
        return;
    for (size_t i = from->lo; i <= from->hi; i++)
        into->buckets[i] += from->buckets[i];
    if (into->count == 0) {
        into->min = from->min;
        into->max = from->max;
        into->lo = from->lo;
        into->hi = from->hi;
    } else {
        if (from->min < into->min)
            into->min = from->min;
        if (from->max > into->max)
            into->max = from->max;
        if (from->lo < into->lo)
            into->lo = from->lo;
        if (from->hi > into->hi)
            into->hi = from->hi;
    }
    into->count += from->count;
    into->sum += from->sum;
}

uint64_t se_hist_percentile(const se_histogram *h, double percent)
{
    if (h->count == 0)
        return 0;
    if (percent >= 100)
        return h->max;
    double want = percent / 100 * (double)h->count;
    uint64_t rank = (uint64_t)want;
    if ((double)rank < want || rank == 0)
        rank++;
    uint64_t seen = 0;
    for (size_t i = h->lo; i <= h->hi; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t width, low = se_hist_bucket_low(i, &width);
            uint64_t mid = low + (width - 1) / 2;
            return mid < h->min ? h->min : mid > h->max ? h->max : mid;
        }
    }
    return h->max;
}

double se_hist_mean(const se_histogram *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0;
}

int se_hist_add_bucket(se_histogram *h, size_t index, uint64_t count)
{
    if (index >= SE_HIST_BUCKETS)
        return -1;
    if (count == 0)
        return 0;
    if (h->count == 0) {
        h->lo = h->hi = index;
    } else {
        if (index < h->lo)
            h->lo = index;
        if (index > h->hi)
            h->hi = index;
    }
    h->buckets[index] += count;
    h->count += count;
    return 0;
}
