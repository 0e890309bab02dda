#include "test.h"
#include "util/histogram.h"

#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The exact percentile of sorted samples, with se_hist_percentile's rank. */
static uint64_t exact(const uint64_t *sorted, size_t n, double pct)
{
    double want = pct / 100 * (double)n;
    size_t rank = (size_t)want;
    if ((double)rank < want || rank == 0)
        rank++;
    return sorted[rank - 1];
}

static uint64_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 17;
}

TEST(histogram_percentiles_within_one_percent)
{
    enum { N = 100000 };
    static const double pcts[] = {1, 10, 50, 90, 99, 99.9, 99.99};
    uint64_t *v = malloc(N * sizeof *v);
    se_histogram *h = calloc(1, sizeof *h);
    CHECK(v && h);
    if (!v || !h)
        return;
    uint64_t state = 42;
    for (size_t i = 0; i < N; i++) {
        /* Log-uniform from 1 ns to about 1 s: every bucket scale is hit. */
        uint64_t r = next_random(&state);
        v[i] = (r % 1000000000u) >> (r % 30);
        se_hist_record(h, v[i]);
    }
    qsort(v, N, sizeof *v, cmp_u64);
    CHECK_EQ_INT(h->count, N);
    CHECK_EQ_INT(h->min, v[0]);
    CHECK_EQ_INT(h->max, v[N - 1]);
    CHECK_EQ_INT(se_hist_percentile(h, 100), v[N - 1]);
    for (size_t i = 0; i < sizeof pcts / sizeof pcts[0]; i++) {
        double want = (double)exact(v, N, pcts[i]);
        double got = (double)se_hist_percentile(h, pcts[i]);
        double err = want > 0 ? (got - want) / want : got;
        if (err < -0.01 || err > 0.01)
            fprintf(stderr, "p%g: got %.0f, exact %.0f\n", pcts[i], got, want);
        CHECK(err >= -0.01 && err <= 0.01);
    }
    free(v);
    free(h);
}

TEST(histogram_small_values_exact_and_large_clamped)
{
    se_histogram *h = calloc(1, sizeof *h);
    CHECK(h != NULL);
    if (!h)
        return;
    for (uint64_t i = 0; i < 256; i++)
        se_hist_record(h, i);
    for (int p = 1; p <= 100; p++)
        CHECK_EQ_INT(se_hist_percentile(h, p), (uint64_t)(p * 256 + 99) / 100 - 1);
    se_hist_reset(h);
    CHECK_EQ_INT(h->count, 0);
    CHECK_EQ_INT(se_hist_percentile(h, 50), 0);
    se_hist_record(h, UINT64_MAX);
    CHECK_EQ_INT(h->count, 1);
    CHECK(h->max == (UINT64_C(1) << SE_HIST_MAX_BITS) - 1);
    free(h);
}

TEST(histogram_merge_equals_one_histogram)
{
    se_histogram *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b),
                 *all = calloc(1, sizeof *all);
    CHECK(a && b && all);
    if (!a || !b || !all)
        return;
    uint64_t state = 7;
    for (int i = 0; i < 50000; i++) {
        uint64_t x = next_random(&state) % 10000000u;
        se_hist_record(i % 3 ? a : b, x);
        se_hist_record(all, x);
    }
    se_hist_merge(a, b);
    CHECK_EQ_INT(a->count, all->count);
    CHECK_EQ_INT(a->sum, all->sum);
    CHECK_EQ_INT(a->min, all->min);
    CHECK_EQ_INT(a->max, all->max);
    CHECK(memcmp(a->buckets, all->buckets, sizeof a->buckets) == 0);
    CHECK_EQ_INT(se_hist_percentile(a, 99), se_hist_percentile(all, 99));
    se_histogram *empty = calloc(1, sizeof *empty);
    if (empty) {
        se_hist_merge(empty, all); /* into an empty one takes min/max */
        CHECK_EQ_INT(empty->min, all->min);
        CHECK_EQ_INT(se_hist_percentile(empty, 50), se_hist_percentile(all, 50));
        free(empty);
    }
    free(a);
    free(b);
    free(all);
}
