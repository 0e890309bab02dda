/* Happy Eyeballs v2 (RFC 8305) connect race; see conn/race.h. */
#include "conn/race.h"

#include <stdlib.h>

typedef struct attempt {
    se_race *race;
    const struct addrinfo *ai;
    se_io io;
    se_timer timeout;
    uint64_t start_ns;
    int pending; /* its socket is connecting */
} attempt;

struct se_race {
    se_loop *loop;
    se_race_config cfg;
    size_t count, next;   /* addresses, and the next one to try */
    size_t pending;       /* attempts in progress */
    int last_error;       /* of the latest attempt that failed */
    int started;          /* the first attempt's deferred call ran */
    int dead;             /* se_race_free ran: call nothing more */
    se_timer delay;       /* starts the next attempt while others are pending */
    se_deferred deferred; /* the first attempt, then the release */
    attempt *att;         /* in the order they are tried */
};

size_t se_race_order(const struct addrinfo *list, uint64_t attempt_delay_ms,
                     const struct addrinfo **out, size_t cap)
{
    size_t n = 0;
    if (!attempt_delay_ms) {
        for (const struct addrinfo *ai = list; ai; ai = ai->ai_next, n++)
            if (n < cap)
                out[n] = ai;
        return n;
    }
    /* Two cursors: the next IPv6 address and the next of another family. */
    const struct addrinfo *v6 = list, *other = list;
    int want_v6 = 1;
    for (;;) {
        while (v6 && v6->ai_family != AF_INET6)
            v6 = v6->ai_next;
        while (other && other->ai_family == AF_INET6)
            other = other->ai_next;
        if (!v6 && !other)
            return n;
        const struct addrinfo **pick = (want_v6 && v6) || !other ? &v6 : &other;
        if (n < cap)
            out[n] = *pick;
        n++;
        *pick = (*pick)->ai_next;
        want_v6 = pick != &v6;
    }
}

static void start_next(se_race *r);

static void close_attempt(se_race *r, attempt *a)
{
    if (!a->pending)
        return;
    a->pending = 0;
    r->pending--;
    se_timer_stop(r->loop, &a->timeout);
    se_io_stop(r->loop, &a->io);
    se_socket_close(se_io_socket(&a->io));
}

static uint64_t elapsed(const attempt *a)
{
    return se_now_ns() - a->start_ns;
}

/* Every address tried and none pending: the race is lost. */
static void maybe_lost(se_race *r)
{
    if (r->dead || r->pending || r->next < r->count)
        return;
    se_timer_stop(r->loop, &r->delay);
    r->cfg.on_done(r->cfg.arg, r->last_error ? r->last_error : SE_EAI_NONAME, SE_INVALID_SOCKET,
                   NULL, 0);
}

/* Attempt A connected: the others are closed (each reported cancelled),
 * then A, then the winner goes to the caller. */
static void won(se_race *r, attempt *a)
{
    se_socket sock = se_io_socket(&a->io);
    se_timer_stop(r->loop, &a->timeout);
    se_io_stop(r->loop, &a->io);
    a->pending = 0;
    r->pending--;
    se_timer_stop(r->loop, &r->delay);
    r->next = r->count; /* nothing more starts */
    for (size_t i = 0; i < r->count && !r->dead; i++) {
        attempt *o = &r->att[i];
        if (!o->pending)
            continue;
        close_attempt(r, o);
        if (r->cfg.on_end)
            r->cfg.on_end(r->cfg.arg, o->ai->ai_addr, SE_ECANCELED, elapsed(o));
    }
    if (!r->dead && r->cfg.on_end)
        r->cfg.on_end(r->cfg.arg, a->ai->ai_addr, 0, elapsed(a));
    if (r->dead) {
        se_socket_close(sock);
        return;
    }
    r->cfg.on_done(r->cfg.arg, 0, sock, a->ai->ai_addr, (se_socklen)a->ai->ai_addrlen);
}

/* Attempt A failed with ERR: the next one starts at once (RFC 8305 5). */
static void failed(se_race *r, attempt *a, int err)
{
    close_attempt(r, a);
    r->last_error = err;
    if (r->cfg.on_end)
        r->cfg.on_end(r->cfg.arg, a->ai->ai_addr, err, elapsed(a));
    if (r->dead)
        return;
    se_timer_stop(r->loop, &r->delay);
    start_next(r);
    maybe_lost(r);
}

static void on_writable(se_loop *loop, se_io *io, int events)
{
    attempt *a = se_io_data(io);
    int err = se_io_connected(loop, io);
    if (err == 0 && (events & SE_ERRORED))
        err = SE_ECONNREFUSED;
    if (err)
        failed(a->race, a, err);
    else
        won(a->race, a);
}

static void on_timeout(se_loop *loop, se_timer *timer)
{
    (void)loop;
    attempt *a = se_timer_data(timer);
    failed(a->race, a, SE_ETIMEDOUT);
}

static void on_delay(se_loop *loop, se_timer *timer)
{
    (void)loop;
    se_race *r = se_timer_data(timer);
    start_next(r);
    maybe_lost(r);
}

/* Arms TIMER DELAY_MS after now: the round's time may be well behind the
 * moment the attempt started (slow socket calls earlier in the round). */
static int start_from_now(se_race *r, se_timer *timer, uint64_t delay_ms)
{
    uint64_t behind = se_loop_clock(r->loop) - se_loop_now(r->loop);
    return se_timer_start(r->loop, timer, delay_ms + behind);
}

/* Opens A's socket and starts connecting it: returns 0 (connected) or
 * SE_EINPROGRESS (A's watcher reports the end) with A's watcher set up, or
 * an error with nothing to close. */
static int open_attempt(se_race *r, attempt *a)
{
    const struct sockaddr *addr = a->ai->ai_addr;
    se_socklen len = (se_socklen)a->ai->ai_addrlen;
    se_socket sock;
    int err = r->cfg.prepare ? r->cfg.prepare(r->cfg.arg, addr, len, &sock)
                             : r->cfg.open(r->cfg.arg, addr, len, &sock);
    if (err && err != SE_EINPROGRESS)
        return err;
    se_io_init(&a->io, sock, on_writable, a);
    if (r->cfg.prepare) {
        err = se_io_connect(r->loop, &a->io, addr, len);
    } else if (err == SE_EINPROGRESS) {
        int set = se_io_set(r->loop, &a->io, SE_WRITABLE);
        err = set ? set : err;
    }
    if (err && err != SE_EINPROGRESS)
        se_socket_close(sock);
    return err;
}

/* Starts attempts until one is in progress (then the delay timer runs, when
 * there is a delay and another address), one connects, or none is left. */
static void start_next(se_race *r)
{
    while (!r->dead && r->next < r->count) {
        if (!r->cfg.attempt_delay_ms && r->pending)
            return; /* sequential: the next one waits for this one's end */
        attempt *a = &r->att[r->next++];
        a->start_ns = se_now_ns();
        if (r->cfg.on_start) {
            r->cfg.on_start(r->cfg.arg, a->ai->ai_addr);
            if (r->dead)
                return;
        }
        int err = open_attempt(r, a);
        if (err == 0 || err == SE_EINPROGRESS) {
            a->pending = 1;
            r->pending++;
            if (err == 0) {
                won(r, a);
                return;
            }
            err = 0;
            if (r->cfg.timeout_ms)
                err = start_from_now(r, &a->timeout, r->cfg.timeout_ms);
            if (!err) {
                if (r->cfg.attempt_delay_ms && r->next < r->count)
                    start_from_now(r, &r->delay, r->cfg.attempt_delay_ms);
                return;
            }
            close_attempt(r, a);
        }
        r->last_error = err;
        if (r->cfg.on_end)
            r->cfg.on_end(r->cfg.arg, a->ai->ai_addr, err, elapsed(a));
    }
}

static void release(se_loop *loop, se_deferred *d)
{
    (void)loop;
    se_race *r = se_deferred_data(d);
    free(r->att);
    free(r);
}

static void first_attempt(se_loop *loop, se_deferred *d)
{
    (void)loop;
    se_race *r = se_deferred_data(d);
    r->started = 1;
    if (r->dead) {
        se_loop_defer(r->loop, &r->deferred, release, r);
        return;
    }
    start_next(r);
    maybe_lost(r);
}

int se_race_start(se_loop *loop, const struct addrinfo *list, const se_race_config *cfg,
                  se_race **out)
{
    se_race *r = calloc(1, sizeof *r);
    size_t count = se_race_order(list, cfg->attempt_delay_ms, NULL, 0);
    const struct addrinfo **order = calloc(count ? count : 1, sizeof *order);
    attempt *att = calloc(count ? count : 1, sizeof *att);
    if (!r || !order || !att) {
        free(r);
        free(order);
        free(att);
        return SE_ENOMEM;
    }
    se_race_order(list, cfg->attempt_delay_ms, order, count);
    for (size_t i = 0; i < count; i++) {
        att[i].race = r;
        att[i].ai = order[i];
        se_timer_init(&att[i].timeout, on_timeout, &att[i]);
    }
    free(order);
    r->loop = loop;
    r->cfg = *cfg;
    r->count = count;
    r->att = att;
    se_timer_init(&r->delay, on_delay, r);
    se_loop_defer(loop, &r->deferred, first_attempt, r);
    *out = r;
    return 0;
}

void se_race_free(se_race *race)
{
    if (race->dead)
        return;
    race->dead = 1;
    se_timer_stop(race->loop, &race->delay);
    for (size_t i = 0; i < race->count; i++)
        close_attempt(race, &race->att[i]);
    /* Before its first attempt its deferred call is still queued: that call
     * releases it. */
    if (race->started)
        se_loop_defer(race->loop, &race->deferred, release, race);
}
