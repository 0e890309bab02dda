/* The worker's connections in order of last activity, and idle eviction
 * (--idle-timeout).
 *
 * Each connection sits in the list at the time it was last placed there
 * (listed_ms), never later than the time bytes last moved on it, and the
 * list is sorted by that time. A reading or writing connection is not
 * moved on every byte: the sweep looks at the connection layer's own
 * record of the last activity, and only moves a connection that turns out
 * to have been active since. So the timer, armed for the head of the list,
 * never fires after a connection is due, and a connection is evicted
 * --idle-timeout after its last byte moved, not later. */
#include "server_internal.h"

static void unlink_conn(worker *w, client_conn *cc)
{
    if (cc->prev)
        cc->prev->next = cc->next;
    else
        w->conns = cc->next;
    if (cc->next)
        cc->next->prev = cc->prev;
    else
        w->conns_tail = cc->prev;
    cc->prev = cc->next = NULL;
}

/* Inserts CC by its listed_ms, searching from the back (the usual place). */
static void insert_sorted(worker *w, client_conn *cc)
{
    client_conn *after = w->conns_tail;
    while (after && (int32_t)(after->listed_ms - cc->listed_ms) > 0)
        after = after->prev;
    cc->prev = after;
    cc->next = after ? after->next : w->conns;
    if (cc->next)
        cc->next->prev = cc;
    else
        w->conns_tail = cc;
    if (after)
        after->next = cc;
    else
        w->conns = cc;
}

void se_idle_add(worker *w, client_conn *cc)
{
    cc->listed_ms = (uint32_t)se_conn_last_activity(se_conn_of_owner(cc));
    insert_sorted(w, cc);
}

void se_idle_remove(worker *w, client_conn *cc)
{
    unlink_conn(w, cc);
}

void se_idle_arm(worker *w)
{
    uint64_t idle = w->srv->opt->idle_timeout_ms;
    if (!idle || se_timer_active(&w->idle_timer))
        return;
    client_conn *oldest = w->conns;
    while (oldest && se_conn_get_state(se_conn_of_owner(oldest)) == SE_CONN_CLOSED)
        oldest = oldest->next;
    if (!oldest)
        return; /* armed again when a connection arrives */
    int32_t quiet = (int32_t)((uint32_t)se_loop_now(w->loop) - oldest->listed_ms);
    uint64_t wait = quiet <= 0 ? idle : (uint64_t)quiet < idle ? idle - (uint64_t)quiet : 0;
    if (se_timer_start(w->loop, &w->idle_timer, wait))
        se_server_log(w->srv, 0, "cannot arm the idle timer");
}

void se_idle_sweep(se_loop *loop, se_timer *t)
{
    worker *w = se_timer_data(t);
    uint64_t idle = w->srv->opt->idle_timeout_ms, now = se_loop_now(loop);
    client_conn *cc = w->conns;
    while (cc && (int32_t)((uint32_t)now - cc->listed_ms) >= (int32_t)idle) {
        client_conn *next = cc->next;
        const se_conn *conn = se_conn_of_owner(cc);
        if (se_conn_get_state(conn) != SE_CONN_CLOSED) {
            if (se_conn_idle_ms(conn) < idle) {
                /* Active since it was placed: move it to its real time. */
                unlink_conn(w, cc);
                cc->listed_ms = (uint32_t)se_conn_last_activity(conn);
                insert_sorted(w, cc);
            } else {
                se_echo_finish(cc, SE_OUTCOME_IDLE, 0, se_conn_pending(conn) > 0);
            }
        }
        cc = next;
    }
    se_idle_arm(w);
}
