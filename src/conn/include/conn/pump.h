/* The send pump: keeps a connection's send queue fed from a producer while
 * less than SE_PUMP_HIGH_WATER waits in it, and after SE_PUMP_BUDGET bytes
 * in one go yields to the loop (a zero timer) so the echo coming back is
 * read in between. The client and the bench's bulk mode send through it;
 * the owner runs it when the connection opens, from on_drain, and whenever
 * its producer has more to give. */
#ifndef SOCKECHO_CONN_PUMP_H
#define SOCKECHO_CONN_PUMP_H

#include "conn/conn.h"

/* No more is produced while this much waits in the send queue... */
#define SE_PUMP_HIGH_WATER (256 * 1024)
/* ...and at most this much per run before letting reads run. */
#define SE_PUMP_BUDGET (1024 * 1024)

/* Writes up to MAX (> 0) next bytes to the connection (se_conn_write) or
 * half-closes it at the end. Returns the count written (> 0); 0 when there is
 * nothing to send for now (the end, or the producer waits: the owner runs
 * the pump again when that changes); a negative value when it failed and
 * has dealt with the failure itself. */
typedef long (*se_pump_fill)(void *arg, size_t max);

/* Told that the pump could not schedule its resumption (SE_ENOMEM). */
typedef void (*se_pump_fail)(void *arg, int err);

/* Embeddable; every field is the pump's own. */
typedef struct se_pump {
    se_conn *conn_;
    se_pump_fill fill_;
    se_pump_fail fail_;
    void *arg_;
    se_timer timer_;
} se_pump;

/* Prepares P to feed with FILL (failures to FAIL), both given ARG. Call
 * before any other se_pump_* function, and again only while stopped. */
void se_pump_init(se_pump *p, se_pump_fill fill, se_pump_fail fail, void *arg);

/* Feeds CONN until the queue reaches the high water, FILL has nothing more,
 * or the budget is spent (then it resumes from a timer). */
void se_pump_run(se_pump *p, se_conn *conn);

/* Cancels a scheduled resumption on LOOP (before the connection goes). */
void se_pump_stop(se_pump *p, se_loop *loop);

#endif
