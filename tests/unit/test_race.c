/* The connect race (conn/race.h): the order of the addresses, and when each
 * attempt starts, on a fake clock. The attempts are fakes chosen by port:
 * a listening socket stands for an address that never answers (it never
 * becomes writable), one end of a socket pair for one that connects, and
 * an immediate error for one that refuses. */
#include "conn/race.h"
#include "test.h"

#include <string.h>

enum { SILENT = 1, LIVE = 2, REFUSES = 3 };

typedef struct fake_list {
    struct addrinfo ai[6];
    se_sockaddr addr[6];
    size_t n;
} fake_list;

/* Appends an address of FAMILY whose port says how it behaves, and whose
 * last byte numbers it. */
static void add(fake_list *l, int family, int port, int id)
{
    se_sockaddr *a = &l->addr[l->n];
    struct addrinfo *ai = &l->ai[l->n];
    memset(a, 0, sizeof *a);
    memset(ai, 0, sizeof *ai);
    if (family == AF_INET6) {
        a->v6.sin6_family = AF_INET6;
        a->v6.sin6_addr.s6_addr[15] = (unsigned char)id;
    } else {
        a->v4.sin_family = AF_INET;
        a->v4.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)id);
    }
    se_addr_set_port(&a->sa, port);
    ai->ai_family = family;
    ai->ai_addr = &a->sa;
    ai->ai_addrlen = se_addr_len(&a->sa);
    if (l->n)
        l->ai[l->n - 1].ai_next = ai;
    l->n++;
}

static int id_of(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET6)
        return ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr[15];
    return (int)(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) & 0xff);
}

TEST(race_order_interleaves_ipv6_first)
{
    fake_list l = {0};
    add(&l, AF_INET, LIVE, 1);
    add(&l, AF_INET, LIVE, 2);
    add(&l, AF_INET6, LIVE, 3);
    add(&l, AF_INET6, LIVE, 4);
    add(&l, AF_INET, LIVE, 5);
    const struct addrinfo *out[6];
    CHECK_EQ_INT(se_race_order(l.ai, 250, out, 6), 5);
    int raced[5] = {3, 1, 4, 2, 5};
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(id_of(out[i]->ai_addr), raced[i]);
    /* Without a delay: the given order. */
    CHECK_EQ_INT(se_race_order(l.ai, 0, out, 6), 5);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(id_of(out[i]->ai_addr), i + 1);
    /* One family only, and a short output array: the count is still all. */
    fake_list v4 = {0};
    add(&v4, AF_INET, LIVE, 7);
    add(&v4, AF_INET, LIVE, 8);
    CHECK_EQ_INT(se_race_order(v4.ai, 250, out, 1), 2);
    CHECK_EQ_INT(id_of(out[0]->ai_addr), 7);
}

/* ---- a race on a fake clock ---- */

typedef struct race_log {
    se_loop *loop;
    se_race *race;
    int starts, ends, done;
    int start_id[6];
    uint64_t start_at[6]; /* the loop's (fake) time */
    int end_id[6], end_status[6];
    int done_status, done_id;
    se_socket peer[6]; /* the other ends of the pairs handed out */
    se_socket listener[6];
    int pairs, listeners;
} race_log;

static uint64_t fake_now;

static uint64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_now += 10; /* each read of the clock: 10 ms later */
}

static int fake_open(void *arg, const struct sockaddr *addr, se_socklen len, se_socket *out)
{
    (void)len;
    race_log *g = arg;
    if (se_addr_port(addr) == REFUSES)
        return SE_ECONNREFUSED;
    if (se_addr_port(addr) == LIVE) {
        se_socket pair[2];
        CHECK_EQ_INT(se_socket_pair(pair), 0);
        g->peer[g->pairs++] = pair[1];
        *out = pair[0];
        return SE_EINPROGRESS;
    }
    se_sockaddr any = {0};
    any.v4.sin_family = AF_INET;
    any.v4.sin_addr.s_addr = htonl(0x7f000001u);
    se_socket s;
    CHECK_EQ_INT(se_socket_listen(&any.sa, se_addr_len(&any.sa), 0, 1, &s), 0);
    g->listener[g->listeners++] = s; /* closed by the race; only counted here */
    *out = s;
    return SE_EINPROGRESS;
}

static void log_start(void *arg, const struct sockaddr *addr)
{
    race_log *g = arg;
    g->start_id[g->starts] = id_of(addr);
    g->start_at[g->starts++] = se_loop_now(g->loop);
}

static void log_end(void *arg, const struct sockaddr *addr, int status, uint64_t ns)
{
    (void)ns;
    race_log *g = arg;
    g->end_id[g->ends] = id_of(addr);
    g->end_status[g->ends++] = status;
}

static void log_done(void *arg, int status, se_socket sock, const struct sockaddr *addr,
                     se_socklen len)
{
    (void)len;
    race_log *g = arg;
    g->done++;
    g->done_status = status;
    g->done_id = addr ? id_of(addr) : 0;
    if (sock != SE_INVALID_SOCKET)
        se_socket_close(sock);
    se_race_free(g->race);
}

/* Runs a race over L until it is over; the loop then has nothing left. */
static void run_race(race_log *g, const fake_list *l, uint64_t delay_ms, uint64_t timeout_ms)
{
    memset(g, 0, sizeof *g);
    CHECK_EQ_INT(se_loop_new(&g->loop, NULL), 0);
    fake_now = 1000;
    se_loop_set_clock(g->loop, fake_clock, NULL);
    se_race_config cfg = {delay_ms, timeout_ms, fake_open, log_start, log_end, log_done, g, NULL};
    CHECK_EQ_INT(se_race_start(g->loop, l->ai, &cfg, &g->race), 0);
    CHECK_EQ_INT(g->starts, 0); /* nothing from inside se_race_start */
    CHECK_EQ_INT(se_loop_run(g->loop), 0);
    se_loop_free(g->loop);
    for (int i = 0; i < g->pairs; i++)
        se_socket_close(g->peer[i]);
    CHECK_EQ_INT(g->done, 1);
}

TEST(race_new_attempt_each_delay_first_connected_wins)
{
    fake_list l = {0};
    add(&l, AF_INET, SILENT, 1);
    add(&l, AF_INET6, SILENT, 2);
    add(&l, AF_INET, LIVE, 3);
    add(&l, AF_INET6, LIVE, 4);
    race_log g;
    run_race(&g, &l, 40, 0);
    /* IPv6 first, then alternating; a new attempt each 40 ms while the
     * earlier ones stay silent (within the fake clock's 10 ms steps). */
    CHECK_EQ_INT(g.starts, 3);
    int order[3] = {2, 1, 4};
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(g.start_id[i], order[i]);
    for (int i = 1; i < 3; i++) {
        CHECK(g.start_at[i] - g.start_at[i - 1] >= 40);
        CHECK(g.start_at[i] - g.start_at[i - 1] <= 80);
    }
    /* The winner is the third started; the two silent ones are closed
     * (reported cancelled) before it is reported. Address 3 never starts. */
    CHECK_EQ_INT(g.done_status, 0);
    CHECK_EQ_INT(g.done_id, 4);
    CHECK_EQ_INT(g.ends, 3);
    CHECK_EQ_INT(g.end_status[0], SE_ECANCELED);
    CHECK_EQ_INT(g.end_status[1], SE_ECANCELED);
    CHECK_EQ_INT(g.end_id[2], 4);
    CHECK_EQ_INT(g.end_status[2], 0);
}

TEST(race_without_delay_is_sequential)
{
    fake_list l = {0};
    add(&l, AF_INET, SILENT, 1);
    add(&l, AF_INET6, LIVE, 2);
    race_log g;
    run_race(&g, &l, 0, 50);
    /* The given order (no IPv6 first), and the second only after the
     * first's connect timeout. */
    CHECK_EQ_INT(g.starts, 2);
    CHECK_EQ_INT(g.start_id[0], 1);
    CHECK_EQ_INT(g.start_id[1], 2);
    CHECK(g.start_at[1] - g.start_at[0] >= 50);
    CHECK_EQ_INT(g.end_status[0], SE_ETIMEDOUT);
    CHECK_EQ_INT(g.done_status, 0);
    CHECK_EQ_INT(g.done_id, 2);
}

TEST(race_failure_starts_the_next_at_once)
{
    fake_list l = {0};
    add(&l, AF_INET6, REFUSES, 1);
    add(&l, AF_INET, LIVE, 2);
    race_log g;
    run_race(&g, &l, 1000, 0);
    CHECK_EQ_INT(g.starts, 2);
    CHECK(g.start_at[1] - g.start_at[0] < 1000);
    CHECK_EQ_INT(g.end_status[0], SE_ECONNREFUSED);
    CHECK_EQ_INT(g.done_id, 2);

    /* Every attempt failing: the last error. */
    fake_list bad = {0};
    add(&bad, AF_INET6, SILENT, 1);
    add(&bad, AF_INET, REFUSES, 2);
    run_race(&g, &bad, 40, 100);
    CHECK_EQ_INT(g.ends, 2);
    CHECK_EQ_INT(g.end_status[0], SE_ECONNREFUSED);
    CHECK_EQ_INT(g.end_status[1], SE_ETIMEDOUT);
    CHECK_EQ_INT(g.done_status, SE_ETIMEDOUT);
}
