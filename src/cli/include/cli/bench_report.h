/* The bench's output, formatted by the CLI from the run's events: the final
 * report (human or one JSON object), interval reports (a line or one JSON
 * object each), the live progress line and log lines. */
#ifndef SOCKECHO_CLI_BENCH_REPORT_H
#define SOCKECHO_CLI_BENCH_REPORT_H

#include "bench/bench.h"
#include "bench/result.h"
#include "bench/stats.h"
#include "util/verdict.h"

#include <stdio.h>

/* Writes the run's one-line description ("sockecho bench: rr HOST port P,
 * N connections, ...") to OUT. */
void se_bench_report_header(FILE *out, const se_bench_options *opt);

/* Writes the human report of S to OUT; nothing with OPT->quiet. */
void se_bench_report_text(FILE *out, const se_bench_summary *s);

/* Writes S as one JSON object of type "bench" (one line) to OUT. */
void se_bench_report_json(FILE *out, const se_bench_summary *s);

/* "socks5h://HOST:PORT" for --proxy (no credentials) into BUF. */
void se_bench_proxy_text(const se_bench_options *o, char *buf, size_t size);

/* Writes the merge R of several results as text to OUT. */
void se_bench_report_merge_text(FILE *out, const se_bench_result *r);

/* Writes the merge R as one JSON object of type "bench_merge" to OUT,
 * stating EXIT_CODE as its verdict's. */
void se_bench_report_merge_json(FILE *out, const se_bench_result *r, int exit_code);

/* Writes the "bench" record of a run that ended before it started (for
 * example HOST did not resolve): its settings, ERROR and VERDICT. */
void se_bench_report_error_json(FILE *out, const se_bench_options *opt, se_verdict verdict,
                                const char *error);

/* Writes one interval report: STATS of the interval that ended T_S seconds
 * into the measured window and lasted INTERVAL_S, with OPEN connections
 * open at its end; a line, or with JSON one "bench_interval" object. */
void se_bench_report_interval(FILE *out, const se_bench_options *opt, const se_bench_stats *stats,
                              double t_s, double interval_s, uint64_t open, int json);

/* Where the previous progress line left off (zeroed before the first). */
typedef struct se_bench_progress_mark {
    uint64_t ops, bytes;
    double t_s;
} se_bench_progress_mark;

/* Rewrites the progress line on OUT (a terminal), cut to the terminal's
 * width: TOTAL so far, T_S seconds into the measured window, rates since
 * MARK (then moved to now), OPEN connections. */
void se_bench_report_progress(FILE *out, const se_bench_options *opt, const se_bench_stats *total,
                              double t_s, se_bench_progress_mark *mark, uint64_t open);

/* Erases the progress line. */
void se_bench_progress_clear(FILE *out);

/* The CLI's side of a run's events: reports on stdout, log lines and the
 * progress line on stderr. */
typedef struct se_bench_output {
    const se_bench_options *opt;
    se_bench_progress_mark mark;
    int progress_shown; /* a progress line is on the terminal */
} se_bench_output;

/* Points EVENTS at OUT, which prints what a run of OPT reports. */
void se_bench_output_init(se_bench_output *out, se_bench_events *events,
                          const se_bench_options *opt);

#endif
