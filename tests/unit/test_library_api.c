#include "sockecho.h"
#include "platform/platform.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

TEST(library_port_validation)
{
    CHECK_EQ_INT(sockecho_init(), 0);
    static const char *const bad[] = {"99999", "65536", "0",   "",      "echo",
                                      "+80",   " 80",   "80 ", "123456"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sockecho_session *s = sockecho_session_new(NULL);
        CHECK(s != NULL);
        if (!s)
            return;
        CHECK_EQ_INT(sockecho_session_run(s, "127.0.0.1", bad[i]), SOCKECHO_EINVAL);
        /* The refusal is explained, service names included. */
        CHECK(strstr(sockecho_session_detail(s), "not a number from 1 to 65535") != NULL);
        sockecho_session_free(s);
    }
    sockecho_session *s = sockecho_session_new(NULL);
    CHECK_EQ_INT(sockecho_session_run(s, "127.0.0.1", "echo"), SOCKECHO_EINVAL);
    CHECK(strstr(sockecho_session_detail(s), "service names are not looked up") != NULL);
    CHECK_EQ_INT(sockecho_session_run(s, "", "7"), SOCKECHO_EINVAL);
    CHECK_EQ_STR(sockecho_session_detail(s), "no host");
    sockecho_session_free(s);
    sockecho_cleanup();
}

TEST(library_version_and_verdicts)
{
    char macros[40];
    snprintf(macros, sizeof macros, "%d.%d.%d", SOCKECHO_VERSION_MAJOR, SOCKECHO_VERSION_MINOR,
             SOCKECHO_VERSION_PATCH);
    CHECK_EQ_STR(sockecho_version(), macros);
    /* The public values are `sockecho client`'s exit codes. */
    CHECK_EQ_STR(sockecho_verdict_name(SOCKECHO_COMPLETE), "complete");
    CHECK_EQ_STR(sockecho_verdict_name(SOCKECHO_RESOLVE), "resolve");
    CHECK_EQ_STR(sockecho_verdict_name(SOCKECHO_TIMEOUT), "timeout");
    CHECK_EQ_STR(sockecho_verdict_name(SOCKECHO_INTERRUPTED), "interrupted");
    CHECK_EQ_STR(sockecho_verdict_name(2), "unknown"); /* usage: never a verdict */
    CHECK_EQ_STR(sockecho_verdict_name(11), "unknown");
}

TEST(library_structure_sizes)
{
    sockecho_options opt;
    memset(&opt, 0xff, sizeof opt);
    sockecho_options_init(&opt);
    CHECK(opt.size == sizeof opt);
    CHECK(opt.deadline_ms == 0);
    /* A structure not filled by sockecho_options_init() is refused. */
    opt.size = sizeof(size_t) + sizeof(int);
    CHECK(sockecho_session_new(&opt) == NULL);
    sockecho_result r;
    memset(&r, 0xff, sizeof r);
    sockecho_result_init(&r);
    CHECK(r.size == sizeof r && r.verdict == 0 && r.attempts == 0);
    sockecho_options_init(&opt);
    sockecho_session *s = sockecho_session_new(&opt);
    CHECK(s != NULL);
    CHECK_EQ_INT(sockecho_session_result(s, &r), SOCKECHO_EINVAL); /* not run */
    sockecho_session_free(s);
}

/* A server that never accepts: connections complete in the kernel's
 * backlog, and nothing is ever echoed. Writes its port to PORT. */
static se_socket silent_server(char *port, size_t size)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    se_socket s = SE_INVALID_SOCKET;
    struct sockaddr_storage bound;
    CHECK_EQ_INT(se_socket_listen((struct sockaddr *)&a, sizeof a, 0, 8, &s), 0);
    CHECK_EQ_INT(se_socket_local_address(s, &bound), 0);
    snprintf(port, size, "%d", ntohs(((struct sockaddr_in *)&bound)->sin_port));
    return s;
}

/* Runs a session with OPT against a silent server; returns its verdict,
 * fills *R, and *MS with how long the run took. */
static int run_silent(const sockecho_options *opt, sockecho_session **out, sockecho_result *r,
                      double *ms)
{
    char port[8];
    se_socket server = silent_server(port, sizeof port);
    sockecho_session *s = sockecho_session_new(opt);
    CHECK(s != NULL);
    *out = s;
    uint64_t t0 = se_now_ns();
    int verdict = sockecho_session_run(s, "127.0.0.1", port);
    *ms = (double)(se_now_ns() - t0) / 1e6;
    sockecho_result_init(r);
    CHECK_EQ_INT(sockecho_session_result(s, r), 0);
    se_socket_close(server);
    return verdict;
}

TEST(library_timeouts_set_an_error)
{
    CHECK_EQ_INT(sockecho_init(), 0);
    sockecho_options opt;
    sockecho_options_init(&opt);
    opt.idle_timeout_ms = 100;
    sockecho_session *s = NULL;
    sockecho_result r;
    double ms;
    CHECK_EQ_INT(run_silent(&opt, &s, &r, &ms), SOCKECHO_TIMEOUT);
    CHECK_EQ_INT(r.verdict, SOCKECHO_TIMEOUT);
    CHECK_EQ_INT(r.error, SOCKECHO_ETIMEDOUT);
    CHECK(ms >= 90 && ms < 10000); /* the loop keeps whole milliseconds */
    sockecho_session_free(s);
    sockecho_cleanup();
}

TEST(library_deadline_ends_the_session)
{
    CHECK_EQ_INT(sockecho_init(), 0);
    sockecho_options opt;
    sockecho_options_init(&opt);
    opt.idle_timeout_ms = 0; /* only the deadline can end it */
    opt.drain_timeout_ms = 0;
    opt.deadline_ms = 200;
    sockecho_session *s = NULL;
    sockecho_result r;
    double ms;
    CHECK_EQ_INT(run_silent(&opt, &s, &r, &ms), SOCKECHO_TIMEOUT);
    CHECK_EQ_INT(r.error, SOCKECHO_ETIMEDOUT);
    CHECK(strstr(sockecho_session_detail(s), "deadline of 200 ms") != NULL);
    CHECK(ms >= 190 && ms < 10000);
    sockecho_session_free(s);
    sockecho_cleanup();
}

/* Cancels the session ARG after 100 ms, from its own thread. */
static void cancel_later(void *arg)
{
    uint64_t until = se_now_ns() + 100 * 1000000u;
    while (se_now_ns() < until)
        ;
    sockecho_session_cancel(arg);
}

TEST(library_cancel_from_another_thread)
{
    CHECK_EQ_INT(sockecho_init(), 0);
    sockecho_options opt;
    sockecho_options_init(&opt);
    opt.idle_timeout_ms = 0;
    opt.drain_timeout_ms = 0;
    char port[8];
    se_socket server = silent_server(port, sizeof port);
    sockecho_session *s = sockecho_session_new(&opt);
    CHECK(s != NULL);
    se_thread *thread = NULL;
    CHECK_EQ_INT(se_thread_start(&thread, cancel_later, s), 0);
    uint64_t t0 = se_now_ns();
    int verdict = sockecho_session_run(s, "127.0.0.1", port);
    double ms = (double)(se_now_ns() - t0) / 1e6;
    se_thread_join(thread);
    CHECK_EQ_INT(verdict, SOCKECHO_INTERRUPTED);
    CHECK(ms >= 90 && ms < 10000);
    /* Cancelled before it runs: it ends at once. */
    sockecho_session *early = sockecho_session_new(&opt);
    CHECK_EQ_INT(sockecho_session_cancel(early), 0);
    CHECK_EQ_INT(sockecho_session_run(early, "127.0.0.1", port), SOCKECHO_INTERRUPTED);
    sockecho_session_free(early);
    se_socket_close(server);
    sockecho_session_free(s);
    CHECK_EQ_INT(sockecho_session_cancel(NULL), SOCKECHO_EINVAL);
    sockecho_cleanup();
}
