/* The client's live progress line: bytes, rate and ETA on one line of a
 * terminal, cut to the terminal's width, rewritten in place (carriage return)
 * and erased at the end.
 *
 * The caller decides whether there is a terminal (se_stderr_is_tty) and only
 * then hands a progress to the client; nothing here checks. */
#ifndef SOCKECHO_PROGRESS_H
#define SOCKECHO_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

/* How often the client refreshes the line, and how long a session runs
 * before the line first appears (short sessions never show one). */
#define SE_PROGRESS_INTERVAL_MS 250
#define SE_PROGRESS_DELAY_MS 500

typedef struct se_progress {
    FILE *out;
    uint64_t total;    /* bytes of echo expected; 0: unknown (no ETA) */
    uint64_t start_ns; /* the session's start (se_progress_start) */
    uint64_t last_ns, last_received;
    double rate;  /* smoothed echo rate, bytes per second */
    size_t width; /* length of the line on screen; 0: none shown */
} se_progress;

/* Prepares P to write to OUT (a terminal) for an echo of TOTAL bytes (0:
 * unknown). */
void se_progress_init(se_progress *p, FILE *out, uint64_t total);

/* Marks the start of the transfer at NOW_NS (se_now_ns). */
void se_progress_start(se_progress *p, uint64_t now_ns);

/* Redraws the line for SENT and RECEIVED bytes at NOW_NS (nothing before
 * SE_PROGRESS_DELAY_MS has passed since the start). */
void se_progress_update(se_progress *p, uint64_t sent, uint64_t received, uint64_t now_ns);

/* Erases the line, if one is shown, leaving the cursor at its start. */
void se_progress_clear(se_progress *p);

/* Formats COUNT bytes as "512 B", "1.5 KiB", "12.0 MiB", "3.20 GiB" into
 * BUF. */
void se_progress_bytes(double count, char *buf, size_t size);

#endif
