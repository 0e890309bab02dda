/* The send pump; see pump.h. */
#include "conn/pump.h"

static void on_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    se_pump *p = se_timer_data(t);
    se_pump_run(p, p->conn_);
}

void se_pump_init(se_pump *p, se_pump_fill fill, se_pump_fail fail, void *arg)
{
    p->conn_ = NULL;
    p->fill_ = fill;
    p->fail_ = fail;
    p->arg_ = arg;
    se_timer_init(&p->timer_, on_timer, p);
}

void se_pump_run(se_pump *p, se_conn *conn)
{
    size_t budget = SE_PUMP_BUDGET;
    p->conn_ = conn;
    if (se_timer_active(&p->timer_))
        return; /* a resumption is due: keep to one pass per round */
    for (;;) {
        size_t pending = se_conn_pending(conn);
        if (pending >= SE_PUMP_HIGH_WATER)
            return;
        if (budget == 0) {
            int err = se_timer_start(se_conn_loop(conn), &p->timer_, 0);
            if (err && p->fail_)
                p->fail_(p->arg_, err);
            return;
        }
        long n = p->fill_(p->arg_, SE_PUMP_HIGH_WATER - pending);
        if (n <= 0)
            return;
        budget = (size_t)n < budget ? budget - (size_t)n : 0;
    }
}

void se_pump_stop(se_pump *p, se_loop *loop)
{
    se_timer_stop(loop, &p->timer_);
}
