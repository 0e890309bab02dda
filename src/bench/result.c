/* Bench results read back from JSON, and their merge; see result.h and
 * docs/bench.md (merging results). */
#include "bench/result.h"

#include "util/rfc3339.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

se_bench_result *se_bench_result_new(void)
{
    return calloc(1, sizeof(se_bench_result));
}

static int fail(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

/* The reader's state: the record and where to say what is wrong. */
typedef struct rd {
    const se_jv *obj;
    char *err;
    size_t size;
} rd;

static int need_u64(rd *d, const se_jv *in, const char *name, uint64_t *out)
{
    if (se_jv_u64(se_jv_get(in, name), out))
        return fail(d->err, d->size, "field '%s' is missing or not a whole number", name);
    return 0;
}

/* A whole number or null (*OUT = 0, *PRESENT = 0). */
static int opt_u64(rd *d, const char *name, uint64_t *out, int *present)
{
    const se_jv *v = se_jv_get(d->obj, name);
    *out = 0;
    if (present)
        *present = 0;
    if (v && v->type == SE_JV_NULL)
        return 0;
    if (se_jv_u64(v, out))
        return fail(d->err, d->size, "field '%s' is missing or not a whole number", name);
    if (present)
        *present = 1;
    return 0;
}

/* A number or null (0). */
static int opt_double(rd *d, const char *name, double *out)
{
    const se_jv *v = se_jv_get(d->obj, name);
    *out = 0;
    if (v && v->type == SE_JV_NULL)
        return 0;
    if (se_jv_double(v, out))
        return fail(d->err, d->size, "field '%s' is missing or not a number", name);
    return 0;
}

static int need_time(rd *d, const char *name, uint64_t *out)
{
    const char *text = se_jv_str(se_jv_get(d->obj, name));
    if (!text || se_rfc3339_parse(text, out))
        return fail(d->err, d->size, "field '%s' is missing or not an RFC 3339 time", name);
    return 0;
}

static int read_verdict(rd *d, se_verdict *out)
{
    const char *name = se_jv_str(se_jv_get(d->obj, "verdict"));
    for (int v = SE_VERDICT_COMPLETE; name && v < SE_VERDICT_COUNT; v++) {
        if (strcmp(name, se_verdict_name((se_verdict)v)) == 0) {
            *out = (se_verdict)v;
            return 0;
        }
    }
    return fail(d->err, d->size, "field 'verdict' is missing or unknown");
}

static int read_layout(rd *d, const se_jv *hists)
{
    const se_jv *layout = se_jv_get(hists, "layout");
    const char *type = se_jv_str(se_jv_get(layout, "type"));
    const char *unit = se_jv_str(se_jv_get(layout, "unit"));
    uint64_t sub, max;
    if (!type || !unit || se_jv_u64(se_jv_get(layout, "sub_bucket_bits"), &sub) ||
        se_jv_u64(se_jv_get(layout, "max_bits"), &max))
        return fail(d->err, d->size, "'histograms' has no valid 'layout'");
    if (strcmp(type, "log-linear") || strcmp(unit, "ns") || sub != SE_HIST_SUB_BITS ||
        max != SE_HIST_MAX_BITS)
        return fail(d->err, d->size,
                    "histogram layout %.20s/%.8s/%llu/%llu differs from this sockecho's "
                    "log-linear/ns/%d/%d: cannot be merged",
                    type, unit, (unsigned long long)sub, (unsigned long long)max, SE_HIST_SUB_BITS,
                    SE_HIST_MAX_BITS);
    return 0;
}

/* One phase's histogram: {"count","sum","min","max","buckets":[[i,n],...]}. */
static int read_hist(rd *d, const se_jv *in, const char *phase, se_histogram *h)
{
    uint64_t count, sum, min = 0, max = 0, index, n;
    if (need_u64(d, in, "count", &count) || need_u64(d, in, "sum", &sum))
        goto bad;
    if (count && (need_u64(d, in, "min", &min) || need_u64(d, in, "max", &max)))
        goto bad;
    const se_jv *buckets = se_jv_get(in, "buckets");
    if (!buckets || buckets->type != SE_JV_ARRAY)
        goto bad;
    for (const se_jv *b = buckets->child; b; b = b->next) {
        if (b->type != SE_JV_ARRAY || !b->child || !b->child->next || b->child->next->next ||
            se_jv_u64(b->child, &index) || se_jv_u64(b->child->next, &n) ||
            se_hist_add_bucket(h, (size_t)index, n))
            goto bad;
    }
    if (h->count != count || (count && (min > max || se_hist_bucket_of(min) != h->lo ||
                                        se_hist_bucket_of(max) != h->hi)))
        goto bad;
    h->sum = sum;
    h->min = min;
    h->max = max;
    return 0;
bad:
    return fail(d->err, d->size, "histogram '%s' is malformed", phase);
}

static int read_histograms(rd *d, se_bench_result *r)
{
    const se_jv *hists = se_jv_get(d->obj, "histograms");
    if (!hists || hists->type != SE_JV_OBJECT)
        return fail(d->err, d->size,
                    "no 'histograms' (written without them, by an older sockecho?): "
                    "percentiles cannot be merged");
    if (read_layout(d, hists))
        return -1;
    for (int p = 0; p < SE_PHASES; p++) {
        const char *name = se_phase_name((se_phase)p);
        const se_jv *h = se_jv_get(hists, name);
        if (!h)
            return fail(d->err, d->size, "histogram '%s' is missing", name);
        if (h->type != SE_JV_NULL && read_hist(d, h, name, &r->stats.latency[p]))
            return -1;
    }
    return 0;
}

static int read_counts(rd *d, se_bench_result *r)
{
    se_bench_stats *s = &r->stats;
    const se_jv *conns = se_jv_get(d->obj, "connections");
    const se_jv *errors = se_jv_get(d->obj, "errors");
    if (opt_u64(d, "requests", &s->requests, NULL) || opt_u64(d, "sessions", &s->sessions, NULL) ||
        opt_u64(d, "bytes_sent", &s->bytes_sent, NULL) ||
        opt_u64(d, "bytes_received", &s->bytes_received, NULL) ||
        opt_double(d, "requests_per_s", &r->requests_per_s) ||
        opt_double(d, "sessions_per_s", &r->sessions_per_s) ||
        opt_double(d, "sent_bytes_per_s", &r->sent_per_s) ||
        opt_double(d, "received_bytes_per_s", &r->received_per_s))
        return -1;
    if (need_u64(d, conns, "opened", &s->opened) || need_u64(d, conns, "complete", &s->complete) ||
        need_u64(d, conns, "failed", &s->failed) || need_u64(d, conns, "open_peak", &r->open_peak))
        return fail(d->err, d->size, "'connections' is missing or malformed");
    for (int i = 0; i < SE_BENCH_ERROR_KINDS; i++)
        if (need_u64(d, errors, se_bench_error_name(se_bench_error_kinds[i]),
                     &s->errors[se_bench_error_kinds[i]]))
            return fail(d->err, d->size, "'errors' is missing or malformed");
    const char *first = se_jv_str(se_jv_get(d->obj, "first_error"));
    if (first)
        snprintf(s->first_error, sizeof s->first_error, "%s", first);
    return 0;
}

int se_bench_result_read(se_bench_result *r, const se_jv *obj, char *err, size_t err_size)
{
    rd d = {obj, err, err_size};
    memset(r, 0, sizeof *r);
    const char *type = se_jv_str(se_jv_get(obj, "type"));
    const char *mode = se_jv_str(se_jv_get(obj, "mode"));
    if (!type || (strcmp(type, "bench") && strcmp(type, "bench_merge")))
        return fail(err, err_size, "not a bench result (type is not 'bench' or 'bench_merge')");
    if (!mode || se_bench_mode_parse(mode, &r->mode))
        return fail(err, err_size, "field 'mode' is missing or unknown");
    int merged = strcmp(type, "bench_merge") == 0;
    if (merged ? need_u64(&d, obj, "inputs", &r->inputs) : (r->inputs = 1, 0))
        return -1;
    if (opt_u64(&d, "size", &r->size, &r->has_size) || need_u64(&d, obj, "threads", &r->threads) ||
        need_u64(&d, obj, "conns", &r->conns) || opt_u64(&d, "rate", &r->rate, NULL))
        return -1;
    if (merged ? need_time(&d, "first_start", &r->first_start_ns) ||
                     need_time(&d, "last_start", &r->last_start_ns) ||
                     need_time(&d, "first_end", &r->first_end_ns) ||
                     need_time(&d, "last_end", &r->last_end_ns)
               : need_time(&d, "window_start", &r->first_start_ns) ||
                     need_time(&d, "window_end", &r->first_end_ns))
        return -1;
    if (!merged) {
        r->last_start_ns = r->first_start_ns;
        r->last_end_ns = r->first_end_ns;
    }
    if (read_counts(&d, r) || read_histograms(&d, r) || read_verdict(&d, &r->verdict))
        return -1;
    return 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* The more serious of two verdicts: the bench's order of errors (see
 * se_bench_error_kinds), then a target that did not resolve, then complete. */
static se_verdict worse(se_verdict a, se_verdict b)
{
    for (int i = 0; i < SE_BENCH_ERROR_KINDS; i++)
        if (a == se_bench_error_kinds[i] || b == se_bench_error_kinds[i])
            return se_bench_error_kinds[i];
    if (a == SE_VERDICT_RESOLVE || b == SE_VERDICT_RESOLVE)
        return SE_VERDICT_RESOLVE;
    return SE_VERDICT_COMPLETE;
}

int se_bench_result_merge(se_bench_result *into, const se_bench_result *from, char *err,
                          size_t err_size)
{
    if (from->mode != into->mode)
        return fail(err, err_size,
                    "mode %s differs from %s: results of different modes cannot be "
                    "merged",
                    se_bench_mode_name(from->mode), se_bench_mode_name(into->mode));
    if (from->has_size != into->has_size || from->size != into->size)
        return fail(err, err_size,
                    "size %llu differs from %llu: results of different message sizes cannot be "
                    "merged",
                    (unsigned long long)from->size, (unsigned long long)into->size);
    into->inputs += from->inputs;
    into->threads += from->threads;
    into->conns += from->conns;
    into->rate += from->rate;
    into->first_start_ns = min_u64(into->first_start_ns, from->first_start_ns);
    into->last_start_ns = max_u64(into->last_start_ns, from->last_start_ns);
    into->first_end_ns = min_u64(into->first_end_ns, from->first_end_ns);
    into->last_end_ns = max_u64(into->last_end_ns, from->last_end_ns);
    into->requests_per_s += from->requests_per_s;
    into->sessions_per_s += from->sessions_per_s;
    into->sent_per_s += from->sent_per_s;
    into->received_per_s += from->received_per_s;
    into->open_peak += from->open_peak;
    into->verdict = worse(into->verdict, from->verdict);
    se_bench_stats_merge(&into->stats, &from->stats);
    return 0;
}

double se_bench_result_common_s(const se_bench_result *r)
{
    return r->first_end_ns > r->last_start_ns ? (double)(r->first_end_ns - r->last_start_ns) / 1e9
                                              : 0;
}
