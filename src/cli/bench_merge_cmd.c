/* `sockecho bench merge FILE...`: combines the JSON results of several bench
 * runs (one file each, or NDJSON on standard input with "-") into one
 * report, with percentiles from the merged histograms. */
#include "cli/bench_report.h"
#include "bench/result.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "exit_code.h"
#include "util/json_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT (256u << 20) /* bytes per file */

enum { OPT_JSON = 1, OPT_HELP };

static const char merge_usage[] =
    "usage: sockecho bench merge [--json] FILE...\n"
    "\n"
    "Combines the results of several 'sockecho bench --json' runs into one report:\n"
    "counts and rates add up, percentiles come from the merged histograms. Each\n"
    "FILE holds NDJSON ('-': standard input); its 'bench' and 'bench_merge'\n"
    "records are merged, other records and lines that are not JSON are skipped.\n"
    "Results of different modes or message sizes are refused.\n"
    "\n"
    "      --json              one JSON object (type bench_merge) instead of text\n"
    "  -h, --help              show this help\n"
    "\n"
    "Exit codes: the merged verdict's (as 'sockecho bench'), 1 when an input\n"
    "cannot be read or merged, 2 usage.\n"
    "\n"
    "Examples:\n"
    "  sockecho bench merge gen1.json gen2.json gen3.json\n"
    "  kubectl logs -l job-name=sockecho-bench --tail=-1 | sockecho bench merge -\n";

static const se_optdef merge_options[] = {
    {"json", 0, 0, OPT_JSON},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

typedef struct merge_state {
    se_bench_result *total; /* NULL until the first result */
    se_bench_result *one;   /* the result being read */
} merge_state;

/* Reads all of NAME ("-": standard input) into a NUL-terminated buffer. */
static char *read_all(const char *name, size_t *len)
{
    FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
    if (!f) {
        fprintf(stderr, "%s: %.200s: cannot open: %s\n", se_command_name, name, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        char *bigger = cap >= MAX_INPUT ? NULL : realloc(buf, cap * 2 + 1);
        if (!bigger) {
            fprintf(stderr, "%s: %.200s: %s\n", se_command_name, name,
                    cap >= MAX_INPUT ? "larger than 256 MiB" : "out of memory");
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        fprintf(stderr, "%s: %.200s: read error\n", se_command_name, name);
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

/* Merges the result in one JSON line; returns 0, or -1 after saying why. */
static int merge_line(merge_state *m, const char *name, size_t line_no, const char *text,
                      size_t len)
{
    char err[256];
    se_jv *obj = se_jv_parse(text, len, err, sizeof err);
    if (!obj) {
        fprintf(stderr, "%s: %.200s:%zu: not valid JSON (%s)\n", se_command_name, name, line_no,
                err);
        return -1;
    }
    const char *type = se_jv_str(se_jv_get(obj, "type"));
    int rc = 0;
    if (type && (strcmp(type, "bench") == 0 || strcmp(type, "bench_merge") == 0)) {
        if (se_bench_result_read(m->one, obj, err, sizeof err) ||
            (m->total && se_bench_result_merge(m->total, m->one, err, sizeof err))) {
            fprintf(stderr, "%s: %.200s:%zu: %s\n", se_command_name, name, line_no, err);
            rc = -1;
        } else if (!m->total) {
            /* The first result becomes the total; read the next one apart. */
            m->total = m->one;
            if (!(m->one = se_bench_result_new())) {
                fprintf(stderr, "%s: out of memory\n", se_command_name);
                rc = -1;
            }
        }
    }
    se_jv_free(obj);
    return rc;
}

/* Merges every result of one input; lines that do not start with '{'
 * (a log line on a pod's output) are counted in *SKIPPED. */
static int merge_input(merge_state *m, const char *name, size_t *skipped)
{
    size_t len;
    char *buf = read_all(name, &len);
    if (!buf)
        return -1;
    int rc = 0;
    size_t line_no = 0;
    for (char *p = buf; p < buf + len && rc == 0;) {
        char *nl = memchr(p, '\n', (size_t)(buf + len - p));
        char *end = nl ? nl : buf + len;
        line_no++;
        const char *q = p;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < end && *q == '{')
            rc = merge_line(m, name, line_no, q, (size_t)(end - q));
        else if (q < end)
            (*skipped)++;
        p = end + 1;
    }
    free(buf);
    return rc;
}

int se_cmd_bench_merge(int argc, char **argv)
{
    se_command_name = "sockecho bench merge";
    int json = 0, files = 0;
    char err[256];
    se_args args;
    se_args_init(&args, argc, argv);
    for (;;) {
        int id = se_args_next(&args, merge_options, err, sizeof err);
        if (id == SE_ARG_END)
            break;
        if (id == SE_ARG_ERROR)
            return se_usage_error("%s", err);
        if (id == OPT_HELP) {
            fputs(merge_usage, stdout);
            return 0;
        }
        if (id == OPT_JSON)
            json = 1;
        if (id == SE_ARG_POSITIONAL)
            files++;
    }
    if (files == 0)
        return se_usage_error("missing FILE (or '-' for standard input)");

    merge_state m = {NULL, se_bench_result_new()};
    size_t skipped = 0;
    int rc = m.one ? 0 : -1;
    if (rc)
        fprintf(stderr, "%s: out of memory\n", se_command_name);
    se_args_init(&args, argc, argv);
    while (rc == 0) {
        int id = se_args_next(&args, merge_options, err, sizeof err);
        if (id == SE_ARG_END)
            break;
        if (id == SE_ARG_POSITIONAL)
            rc = merge_input(&m, args.value, &skipped);
    }
    if (rc == 0 && !m.total) {
        fprintf(stderr, "%s: no bench results in the input (run 'sockecho bench --json')\n",
                se_command_name);
        rc = -1;
    }
    if (rc == 0) {
        if (skipped)
            fprintf(stderr, "%s: skipped %zu line%s that %s not JSON\n", se_command_name, skipped,
                    skipped == 1 ? "" : "s", skipped == 1 ? "is" : "are");
        if (json)
            se_bench_report_merge_json(stdout, m.total, se_exit_code(m.total->verdict));
        else
            se_bench_report_merge_text(stdout, m.total);
        fflush(stdout);
        rc = se_exit_code(m.total->verdict);
    } else {
        rc = 1;
    }
    free(m.one);
    free(m.total);
    return rc;
}
