/* What the client command watches while a session runs, on the client's
 * tick (se_client_options.on_tick): Ctrl-C, the --time limit, --interval
 * progress records and the live progress line. */
#ifndef SOCKECHO_CLIENT_WATCH_H
#define SOCKECHO_CLIENT_WATCH_H

#include "progress.h"
#include "client/payload.h"

#include <stdint.h>
#include <stdio.h>

/* How often the client calls the watch. */
#define SE_WATCH_TICK_MS 50

typedef struct se_client_watch {
    se_payload *payload;    /* ended when the time limit is reached */
    uint64_t time_limit_ms; /* 0: none */
    uint64_t interval_ms;   /* 0: no progress records */
    int json;               /* records as JSON ("client_interval") on RECORDS */
    FILE *records;          /* stdout for JSON, stderr for text lines */
    se_progress *progress;  /* the terminal line; NULL: none */
    uint64_t start_ns, last_draw_ns, last_record_ns;
    uint64_t last_sent, last_received;
    int time_up;
} se_client_watch;

/* Prepares W; the session starts now. */
void se_client_watch_start(se_client_watch *w);

/* The client's on_tick callback (ARG: a se_client_watch). Returns
 * SE_CLIENT_INTERRUPT once Ctrl-C (or SIGTERM) was received. */
int se_client_watch_tick(void *arg, uint64_t sent, uint64_t received);

/* Erases the progress line, if any: call before printing the report. */
void se_client_watch_finish(se_client_watch *w);

#endif
