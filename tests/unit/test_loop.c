#include "loop/loop.h"
#include "test.h"

#include <string.h>

static int order[8], order_len;

static void record_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    order[order_len++] = (int)(size_t)t->data;
}

TEST(timer_order)
{
    se_loop loop;
    CHECK_EQ_INT(se_loop_init(&loop, "poll"), 0);
    se_timer t[5];
    int delays[5] = {30, 10, 20, 10, 0};
    order_len = 0;
    for (int i = 0; i < 5; i++) {
        se_timer_init(&t[i], record_timer, (void *)(size_t)i);
        CHECK_EQ_INT(se_timer_start(&loop, &t[i], (uint64_t)delays[i]), 0);
    }
    se_timer_stop(&loop, &t[2]);
    CHECK(!se_timer_active(&t[2]));
    CHECK_EQ_INT(se_loop_run(&loop), 0);
    int expected[4] = {4, 1, 3, 0};
    CHECK_EQ_INT(order_len, 4);
    for (int i = 0; i < 4 && i < order_len; i++)
        CHECK_EQ_INT(order[i], expected[i]);
    se_loop_close(&loop);
}

static int rearm_count;

static void rearm_zero(se_loop *loop, se_timer *t)
{
    /* Re-armed with 0 from its own callback: must not spin in one round. */
    if (++rearm_count < 3)
        se_timer_start(loop, t, 0);
}

static int deferred_runs;

static void on_deferred(se_loop *loop, se_deferred *d)
{
    (void)d;
    deferred_runs++;
    se_loop_stop(loop);
}

TEST(loop_defer_and_stop)
{
    se_loop loop;
    CHECK_EQ_INT(se_loop_init(&loop, "nonesuch"), SE_EINVAL);
    CHECK_EQ_INT(se_loop_init(&loop, NULL), 0);
    se_timer t;
    se_timer_init(&t, rearm_zero, NULL);
    rearm_count = 0;
    se_timer_start(&loop, &t, 0);
    CHECK_EQ_INT(se_loop_run(&loop), 0);
    CHECK_EQ_INT(rearm_count, 3);
    se_deferred d;
    deferred_runs = 0;
    se_loop_defer(&loop, &d, on_deferred, NULL);
    CHECK_EQ_INT(se_loop_run(&loop), 0);
    CHECK_EQ_INT(deferred_runs, 1);
    se_loop_close(&loop);
}

static void on_pair_readable(se_loop *loop, se_io *io, int events)
{
    char buf[16];
    CHECK(events & SE_READABLE);
    long n = se_socket_recv(io->sock, buf, sizeof buf);
    CHECK_EQ_INT(n, 5);
    CHECK(n == 5 && memcmp(buf, "hello", 5) == 0);
    se_io_stop(loop, io);
}

TEST(socket_pair_roundtrip)
{
    const char *names[] = {NULL, "poll"};
    for (int b = 0; b < 2; b++) {
        se_loop loop;
        CHECK_EQ_INT(se_loop_init(&loop, names[b]), 0);
        se_socket pair[2];
        CHECK_EQ_INT(se_socket_pair(pair), 0);
        char buf[4];
        CHECK_EQ_INT(se_socket_recv(pair[0], buf, sizeof buf), SE_EAGAIN);
        CHECK_EQ_INT(se_socket_send(pair[1], "hello", 5), 5);
        se_io io;
        se_io_init(&io, pair[0], on_pair_readable, NULL);
        CHECK_EQ_INT(se_io_set(&loop, &io, SE_READABLE), 0);
        CHECK_EQ_INT(se_loop_run(&loop), 0);
        CHECK_EQ_INT(io.events, 0);
        CHECK_EQ_INT(se_socket_shutdown_send(pair[1]), 0);
        CHECK_EQ_INT(se_socket_recv(pair[0], buf, sizeof buf), SE_EOF);
        se_socket_close(pair[0]);
        se_socket_close(pair[1]);
        se_loop_close(&loop);
    }
}

TEST(addr_format)
{
    struct sockaddr_in a4;
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    a4.sin_port = htons(27015);
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char buf[SE_ADDRSTRLEN];
    se_addr_format((struct sockaddr *)&a4, buf, sizeof buf);
    CHECK_EQ_STR(buf, "127.0.0.1:27015");
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons(80);
    a6.sin6_addr = in6addr_loopback;
    se_addr_format((struct sockaddr *)&a6, buf, sizeof buf);
    CHECK_EQ_STR(buf, "[::1]:80");
    se_addr_host((struct sockaddr *)&a6, buf, sizeof buf);
    CHECK_EQ_STR(buf, "::1");
    CHECK_EQ_INT(se_addr_port((struct sockaddr *)&a6), 80);
    /* A dual-stack listener's IPv4 peer prints as IPv4. */
    static const unsigned char mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3};
    memcpy(&a6.sin6_addr, mapped, sizeof mapped);
    se_addr_format((struct sockaddr *)&a6, buf, sizeof buf);
    CHECK_EQ_STR(buf, "10.1.2.3:80");
}
