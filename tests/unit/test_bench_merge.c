/* bench merge: results written as JSON, read back and merged, equal the
 * results of the pooled samples; incompatible results are refused. Also the
 * JSON reader and RFC 3339 times it relies on. */
#include "cli/bench_report.h"
#include "bench/result.h"
#include "test.h"
#include "util/json_read.h"
#include "util/rfc3339.h"

#include <stdlib.h>
#include <string.h>

#define T0 UINT64_C(1764354600000000000) /* 2025-11-28T18:30:00Z */

static uint64_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 17;
}

/* Writes STATS as a bench JSON record (mode rr, 64-byte messages) and reads
 * it back into R. Returns 0 on success. */
static int roundtrip(const se_bench_stats *stats, se_bench_mode mode, uint64_t size,
                     se_bench_result *r)
{
    se_bench_options opt;
    memset(&opt, 0, sizeof opt);
    opt.mode = mode;
    opt.host = "127.0.0.1";
    opt.port = "27015";
    opt.threads = 1;
    opt.conns = 4;
    opt.size = size;
    opt.duration_ms = 1000;
    se_bench_summary sum = {&opt, stats, 1.0, T0, T0 + 1000000000u, 4, se_bench_verdict(stats)};
    FILE *f = se_test_tmpfile();
    if (!f)
        return -1;
    se_bench_report_json(f, &sum);
    long len = ftell(f);
    char *text = malloc((size_t)len + 1), err[256];
    rewind(f);
    size_t got = text ? fread(text, 1, (size_t)len, f) : 0;
    fclose(f);
    se_jv *obj = got == (size_t)len ? se_jv_parse(text, got, err, sizeof err) : NULL;
    int rc = obj ? se_bench_result_read(r, obj, err, sizeof err) : -1;
    if (rc)
        fprintf(stderr, "roundtrip: %s\n", obj ? err : "cannot parse");
    se_jv_free(obj);
    free(text);
    return rc;
}

TEST(bench_merge_equals_pooled_histogram)
{
    enum { GENERATORS = 3, N = 20000 };
    se_bench_stats *pooled = se_bench_stats_new(), *one = se_bench_stats_new();
    se_bench_result *total = se_bench_result_new(), *r = se_bench_result_new();
    CHECK(pooled && one && total && r);
    if (!pooled || !one || !total || !r)
        return;
    uint64_t state = 7;
    char err[256];
    for (int g = 0; g < GENERATORS; g++) {
        se_bench_stats_reset(one);
        /* Each generator sees a different latency range (g-th one slower). */
        for (size_t i = 0; i < N + (size_t)g * 1000; i++) {
            uint64_t v = 1000 + next_random(&state) % (50000u << (3 * g));
            se_hist_record(&one->latency[SE_PHASE_RTT], v);
            se_hist_record(&pooled->latency[SE_PHASE_RTT], v);
            one->requests++;
        }
        one->errors[SE_VERDICT_RESET] = (uint64_t)g;
        pooled->requests += one->requests;
        pooled->errors[SE_VERDICT_RESET] += (uint64_t)g;
        CHECK_EQ_INT(roundtrip(one, SE_BENCH_RR, 64, g ? r : total), 0);
        if (g)
            CHECK_EQ_INT(se_bench_result_merge(total, r, err, sizeof err), 0);
    }
    const se_histogram *m = &total->stats.latency[SE_PHASE_RTT];
    const se_histogram *p = &pooled->latency[SE_PHASE_RTT];
    CHECK_EQ_INT(total->inputs, GENERATORS);
    CHECK_EQ_INT(m->count, p->count);
    CHECK_EQ_INT(m->sum, p->sum);
    CHECK_EQ_INT(m->min, p->min);
    CHECK_EQ_INT(m->max, p->max);
    CHECK_EQ_INT(m->lo, p->lo);
    CHECK_EQ_INT(m->hi, p->hi);
    size_t differ = 0;
    for (size_t i = 0; i < SE_HIST_BUCKETS; i++)
        differ += m->buckets[i] != p->buckets[i];
    CHECK_EQ_INT(differ, 0);
    static const double pcts[] = {50, 90, 99, 99.9};
    for (size_t i = 0; i < sizeof pcts / sizeof pcts[0]; i++)
        CHECK_EQ_INT(se_hist_percentile(m, pcts[i]), se_hist_percentile(p, pcts[i]));
    CHECK_EQ_INT(total->stats.requests, pooled->requests);
    CHECK_EQ_INT(total->stats.errors[SE_VERDICT_RESET], 3);
    CHECK_EQ_INT(total->verdict, SE_VERDICT_RESET);
    CHECK_EQ_INT(total->conns, 4 * GENERATORS);
    free(pooled);
    free(one);
    free(total);
    free(r);
}

TEST(bench_merge_refuses_other_mode_or_size)
{
    se_bench_stats *s = se_bench_stats_new();
    se_bench_result *a = se_bench_result_new(), *b = se_bench_result_new();
    char err[256];
    CHECK(s && a && b);
    if (!s || !a || !b)
        return;
    se_hist_record(&s->latency[SE_PHASE_RTT], 12345);
    CHECK_EQ_INT(roundtrip(s, SE_BENCH_RR, 64, a), 0);
    CHECK_EQ_INT(roundtrip(s, SE_BENCH_SESSIONS, 64, b), 0);
    CHECK_EQ_INT(se_bench_result_merge(a, b, err, sizeof err), -1);
    CHECK(strstr(err, "mode sessions differs from rr") != NULL);
    CHECK_EQ_INT(roundtrip(s, SE_BENCH_RR, 512, b), 0);
    CHECK_EQ_INT(se_bench_result_merge(a, b, err, sizeof err), -1);
    CHECK(strstr(err, "size 512 differs from 64") != NULL);
    CHECK_EQ_INT(a->inputs, 1);
    free(s);
    free(a);
    free(b);
}

/* A record with another histogram layout, or none, is refused on reading. */
TEST(bench_merge_refuses_other_layout)
{
#define RECORD(HISTOGRAMS)                                                                         \
    "{\"type\":\"bench\",\"mode\":\"rr\",\"size\":64,\"threads\":1,\"conns\":1,\"rate\":null,"     \
    "\"window_start\":\"2026-11-28T18:30:00Z\",\"window_end\":\"2026-11-28T18:30:01Z\","           \
    "\"requests\":0,\"sessions\":null,\"bytes_sent\":0,\"bytes_received\":0,"                      \
    "\"requests_per_s\":0,\"sessions_per_s\":null,\"sent_bytes_per_s\":0,"                         \
    "\"received_bytes_per_s\":0,\"connections\":{\"opened\":0,\"complete\":0,\"failed\":0,"        \
    "\"open_peak\":0},\"errors\":{\"mismatch\":0,\"excess\":0,\"truncated\":0,\"reset\":0,"        \
    "\"timeout\":0,\"refused\":0,\"connect_failed\":0,\"tls\":0,\"other\":0}" HISTOGRAMS           \
    ",\"verdict\":\"complete\"}"
    static const char *const records[] = {
        RECORD(",\"histograms\":{\"layout\":{\"type\":\"log-linear\",\"unit\":\"ns\","
               "\"sub_bucket_bits\":5,\"max_bits\":48}}"),
        RECORD(""),
        RECORD(",\"histograms\":{\"layout\":{\"type\":\"log-linear\",\"unit\":\"ns\","
               "\"sub_bucket_bits\":7,\"max_bits\":48},\"rtt\":{\"count\":2,\"sum\":10,\"min\":4,"
               "\"max\":6,\"buckets\":[[4,1],[6,2]]},\"connect\":null,\"first_byte\":null,"
               "\"close\":null,\"session\":null}"),
    };
#undef RECORD
    static const char *const reasons[] = {"histogram layout log-linear/ns/5/48 differs",
                                          "no 'histograms'", "histogram 'rtt' is malformed"};
    se_bench_result *r = se_bench_result_new();
    CHECK(r != NULL);
    for (size_t i = 0; r && i < sizeof records / sizeof records[0]; i++) {
        char err[256];
        se_jv *obj = se_jv_parse(records[i], strlen(records[i]), err, sizeof err);
        CHECK(obj != NULL);
        if (!obj)
            continue;
        CHECK_EQ_INT(se_bench_result_read(r, obj, err, sizeof err), -1);
        if (!strstr(err, reasons[i]))
            fprintf(stderr, "record %zu: %s\n", i, err);
        CHECK(strstr(err, reasons[i]) != NULL);
        se_jv_free(obj);
    }
    free(r);
}

TEST(json_read_values_and_errors)
{
    static const char doc[] =
        " {\"a\":[1,-2.5e3,true,false,null],\"b\":\"x\\u00e9\\ud83d\\ude00\\n\","
        "\"big\":18446744073709551615,\"over\":18446744073709551616} ";
    char err[128];
    se_jv *v = se_jv_parse(doc, sizeof doc - 1, err, sizeof err);
    CHECK(v != NULL);
    if (v) {
        const se_jv *a = se_jv_get(v, "a");
        uint64_t n;
        double d;
        CHECK(a && a->type == SE_JV_ARRAY);
        CHECK_EQ_INT(se_jv_u64(a->child, &n), 0);
        CHECK_EQ_INT(n, 1);
        CHECK_EQ_INT(se_jv_u64(a->child->next, &n), -1);
        CHECK_EQ_INT(se_jv_double(a->child->next, &d), 0);
        CHECK(d == -2500.0);
        CHECK_EQ_INT(a->child->next->next->type, SE_JV_TRUE);
        CHECK_EQ_STR(se_jv_str(se_jv_get(v, "b")), "x\xc3\xa9\xf0\x9f\x98\x80\n");
        CHECK_EQ_INT(se_jv_u64(se_jv_get(v, "big"), &n), 0);
        CHECK(n == UINT64_MAX);
        CHECK_EQ_INT(se_jv_u64(se_jv_get(v, "over"), &n), -1);
        CHECK(se_jv_get(v, "missing") == NULL);
        se_jv_free(v);
    }
    static const char *const bad[] = {
        "",
        "{",
        "{\"a\" 1}",
        "[1,]",
        "[1 2]",
        "\"\\x\"",
        "\"\\ud800\"",
        "\"a\x01\"",
        "01",
        "1.",
        "{} x",
        "\"\\u00\"",
        "\"\\u0000\"",
        "nul",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        se_jv *b = se_jv_parse(bad[i], strlen(bad[i]), err, sizeof err);
        if (b)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK(b == NULL);
        se_jv_free(b);
    }
}

TEST(rfc3339_times)
{
    char buf[40];
    uint64_t ns;
    se_rfc3339_format(T0 + 123456789, buf, sizeof buf);
    CHECK_EQ_STR(buf, "2025-11-28T18:30:00.123456Z");
    CHECK_EQ_INT(se_rfc3339_parse(buf, &ns), 0);
    CHECK(ns == T0 + 123456000);
    CHECK_EQ_INT(se_rfc3339_parse("2025-11-28T20:30:00+02:00", &ns), 0);
    CHECK(ns == T0);
    CHECK_EQ_INT(se_rfc3339_parse("2025-11-28t18:30:00.5z", &ns), 0);
    CHECK(ns == T0 + 500000000);
    CHECK_EQ_INT(se_rfc3339_parse("1970-01-01T00:00:00Z", &ns), 0);
    CHECK(ns == 0);
    CHECK_EQ_INT(se_rfc3339_parse("2024-02-29T00:00:00Z", &ns), 0);
    static const char *const bad[] = {
        "2025-11-28T18:30:00",  "2025-02-29T00:00:00Z",  "2025-13-01T00:00:00Z",
        "2025-11-28 18:30Z",    "2025-11-28T24:00:00Z",  "2025-11-28T18:30:00.Z",
        "1969-12-31T23:59:59Z", "2025-11-28T18:30:00Zx", "+5s",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(se_rfc3339_parse(bad[i], &ns), -1);
}

TEST(bench_merge_counts_errors_by_verdict)
{
    /* A run whose only errors are TLS failures has the verdict tls, and its
     * record reads back (bench merge); with a reset too, reset is the more
     * serious; every error count is kept. */
    se_bench_stats *s = se_bench_stats_new();
    se_bench_result *r = se_bench_result_new();
    CHECK(s && r);
    if (!s || !r)
        return;
    s->errors[SE_VERDICT_TLS] = 2;
    CHECK_EQ_INT(se_bench_verdict(s), SE_VERDICT_TLS);
    CHECK_EQ_INT(roundtrip(s, SE_BENCH_RR, 64, r), 0);
    CHECK_EQ_INT(r->verdict, SE_VERDICT_TLS);
    CHECK_EQ_INT(r->stats.errors[SE_VERDICT_TLS], 2);
    s->errors[SE_VERDICT_RESET] = 1;
    s->errors[SE_VERDICT_UNREACHABLE] = 5;
    CHECK_EQ_INT(se_bench_verdict(s), SE_VERDICT_RESET);
    CHECK_EQ_INT(roundtrip(s, SE_BENCH_RR, 64, r), 0);
    CHECK_EQ_INT(r->stats.errors[SE_VERDICT_UNREACHABLE], 5);
    CHECK_EQ_INT(se_bench_error_total(&r->stats), 8);
    CHECK_EQ_STR(se_bench_error_name(SE_VERDICT_UNREACHABLE), "connect_failed");
    CHECK_EQ_STR(se_bench_error_name(SE_VERDICT_ERROR), "other");
    free(s);
    free(r);
}
