/* Connecting to one of several addresses (Happy Eyeballs v2, RFC 8305):
 * the addresses interleaved by family, IPv6 first; a new attempt every
 * ATTEMPT_DELAY_MS while earlier ones are still pending, or at once when one
 * fails; the first to connect wins and the others are closed. With an
 * attempt delay of 0 the addresses are tried strictly in their given order,
 * one at a time. Each attempt has its own connect timeout. The delays are
 * timers of the loop, so the loop's clock (se_loop_set_clock) drives them.
 *
 * Callbacks run from the loop, never from inside se_race_start. Any of them
 * may call se_race_free (the race then calls nothing more). */
#ifndef SOCKECHO_RACE_H
#define SOCKECHO_RACE_H

#include "loop/loop.h"

typedef struct se_race se_race;

typedef struct se_race_config {
    uint64_t attempt_delay_ms; /* 0: one attempt at a time, in the given order */
    uint64_t timeout_ms;       /* per attempt; 0: no limit */
    /* Opens a socket for ADDR and starts connecting it: returns 0
     * (connected) or SE_EINPROGRESS with *OUT set, or an error with nothing
     * to close. */
    int (*open)(void *arg, const struct sockaddr *addr, se_socklen len, se_socket *out);
    /* An attempt starts (optional). */
    void (*on_start)(void *arg, const struct sockaddr *addr);
    /* An attempt ended: 0 (it won), SE_ECANCELED (another won first) or
     * the error that ended it, after ELAPSED_NS. */
    void (*on_end)(void *arg, const struct sockaddr *addr, int status, uint64_t elapsed_ns);
    /* The race is over: STATUS 0 with the winner's connected socket SOCK
     * (the caller owns it now) and address, or the last attempt's error
     * (SE_EAI_NONAME with no address at all). */
    void (*on_done)(void *arg, int status, se_socket sock, const struct sockaddr *addr,
                    se_socklen len);
    void *arg;
    /* Optional, used instead of OPEN: opens a socket for ADDR ready to
     * connect (options set, bound to a source address if any) without
     * connecting it; the race connects it through the loop
     * (se_io_connect). Returns 0 with *OUT set, or an error with nothing
     * to close. */
    int (*prepare)(void *arg, const struct sockaddr *addr, se_socklen len, se_socket *out);
} se_race_config;

/* Writes at most CAP pointers to LIST's entries into OUT in the order a race
 * with ATTEMPT_DELAY_MS tries them, and returns how many LIST has: with a
 * delay, IPv6 and the other families alternate, IPv6 first, each family
 * keeping its own order; without one, LIST's order. */
size_t se_race_order(const struct addrinfo *list, uint64_t attempt_delay_ms,
                     const struct addrinfo **out, size_t cap);

/* Starts a race over LIST (borrowed until on_done or se_race_free) on LOOP
 * with CFG (copied). Returns 0 with *OUT set (the first attempt starts in
 * the loop's next round) or SE_ENOMEM. */
int se_race_start(se_loop *loop, const struct addrinfo *list, const se_race_config *cfg,
                  se_race **out);

/* Stops RACE: pending attempts are closed, nothing more is called; its
 * memory is released after the loop's round. Safe from its callbacks. */
void se_race_free(se_race *race);

#endif
