/* The server's output, formatted by the CLI from its events
 * (se_server_events): listening lines and records, per-connection reports,
 * statistics, log lines. Text goes to ERR, but for the per-connection
 * reports (OUT); JSON records go to OUT. docs/json.md describes the records.
 * The server runs each event under its output lock, so these write without
 * one of their own. */
#ifndef SOCKECHO_CLI_SERVER_REPORT_H
#define SOCKECHO_CLI_SERVER_REPORT_H

#include "server/server.h"

#include <stdio.h>

typedef struct se_server_output {
    FILE *out, *err; /* standard output and error */
    int json;        /* --json: records on OUT */
    int verbosity;   /* 0: -q, 1: default, 2: -v, 3: -vv (the server's option) */
    int port_picked; /* --port 0: the listening lines even with -q */
} se_server_output;

/* Points EVENTS at O (set up first; it must outlive the run), asking the
 * server for what O's settings print: per-connection reports with -v or
 * --json, statistics unless -q. */
void se_server_output_init(se_server_output *o, se_server_events *events);

/* The formats, one event each; WHEN is the RFC 3339 time stamped on text
 * lines and records ("2026-11-24T16:01:40.814Z"). */

/* "listening on ADDR PORT[ udp][ tls sha256=FP]" (or "listening on unix
 * PATH", "metrics on ADDR PORT"), "socket options on ..." with -v, and a
 * "listening" record. */
void se_server_report_listening(const se_server_output *o, const se_server_listening *l);

/* The connection's report: the "Bytes received: ..." block with its
 * summary line, or a "connection" record. */
void se_server_report_connection(const se_server_output *o, const char *when,
                                 const se_server_conn_report *c);

/* One statistics line ("stats: ..." or, when FINAL, "stopped: ..."), or a
 * "stats" / "summary" record. */
void se_server_report_stats(const se_server_output *o, const char *when, const se_server_counts *c,
                            double uptime_s, int final);

/* A "log" record with --json; errors (LEVEL 0) as "sockecho server:
 * MESSAGE" on ERR always, other levels as "WHEN sockecho server: MESSAGE"
 * without --json. */
void se_server_report_log(const se_server_output *o, const char *when, int level,
                          const char *message);

#endif
