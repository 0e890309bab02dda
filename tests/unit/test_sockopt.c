/* Socket options set and read back on every OS; DSCP names. The options
 * only some OSes have are tested in posix/ and win/. */
#include "platform/sockopt.h"
#include "test.h"

#include <string.h>

TEST(sockopt_nodelay)
{
    se_socket s;
    CHECK_EQ_INT(se_socket_open(AF_INET, &s), 0);
    int on = -1;
    CHECK_EQ_INT(se_sockopt_get_nodelay(s, &on), 0);
    CHECK_EQ_INT(on, 0);
    CHECK_EQ_INT(se_sockopt_set_nodelay(s, 1), 0);
    CHECK_EQ_INT(se_sockopt_get_nodelay(s, &on), 0);
    CHECK_EQ_INT(on, 1);
    CHECK_EQ_INT(se_sockopt_set_nodelay(s, 0), 0);
    CHECK_EQ_INT(se_sockopt_get_nodelay(s, &on), 0);
    CHECK_EQ_INT(on, 0);
    se_socket_close(s);
}

TEST(sockopt_keepalive)
{
    se_socket s;
    CHECK_EQ_INT(se_socket_open(AF_INET6, &s), 0);
    int enabled = -1;
    se_keepalive ka;
    CHECK_EQ_INT(se_sockopt_get_keepalive(s, &enabled, &ka), 0);
    CHECK_EQ_INT(enabled, 0);
    /* Idle time and interval can be set everywhere; the probe count and
     * the read-back of the timing only where the OS allows (see the OS
     * tests, which check them exactly). */
    se_keepalive want = {30, 5, 0};
    CHECK_EQ_INT(se_sockopt_set_keepalive(s, &want), 0);
    CHECK_EQ_INT(se_sockopt_get_keepalive(s, &enabled, &ka), 0);
    CHECK_EQ_INT(enabled, 1);
    CHECK(ka.idle_s == 30 || ka.idle_s == -1);
    CHECK(ka.interval_s == 5 || ka.interval_s == -1);
    CHECK((ka.idle_s == -1) == (ka.interval_s == -1));
    se_socket_close(s);
}

TEST(sockopt_buffers)
{
    se_socket s;
    CHECK_EQ_INT(se_socket_open(AF_INET, &s), 0);
    int n = 0;
    CHECK_EQ_INT(se_sockopt_set_sndbuf(s, 65536), 0);
    CHECK_EQ_INT(se_sockopt_get_sndbuf(s, &n), 0);
    CHECK(n >= 65536 && n <= 2 * 65536);
    CHECK_EQ_INT(se_sockopt_set_rcvbuf(s, 32768), 0);
    CHECK_EQ_INT(se_sockopt_get_rcvbuf(s, &n), 0);
    CHECK(n >= 32768 && n <= 2 * 32768);
    se_socket_close(s);
}

TEST(sockopt_tos)
{
    /* IPv4 everywhere; IPv6's traffic class in the OS tests. */
    se_socket s;
    CHECK_EQ_INT(se_socket_open(AF_INET, &s), 0);
    int tos = -1;
    CHECK_EQ_INT(se_sockopt_get_tos(s, AF_INET, &tos), 0);
    CHECK_EQ_INT(tos, 0);
    CHECK_EQ_INT(se_sockopt_set_tos(s, AF_INET, 46 << 2), 0);
    CHECK_EQ_INT(se_sockopt_get_tos(s, AF_INET, &tos), 0);
    CHECK_EQ_INT(tos, 46 << 2);
    se_socket_close(s);
}

TEST(dscp_names)
{
    static const struct {
        const char *name;
        int value;
    } good[] = {{"ef", 46},   {"EF", 46},   {"af11", 10}, {"af12", 12}, {"af13", 14}, {"af21", 18},
                {"af33", 30}, {"af41", 34}, {"af43", 38}, {"cs0", 0},   {"cs1", 8},   {"cs6", 48},
                {"cs7", 56},  {"le", 1},    {"va", 44},   {"0", 0},     {"46", 46},   {"63", 63}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int v = -1;
        CHECK_EQ_INT(se_dscp_parse(good[i].name, &v), 0);
        CHECK_EQ_INT(v, good[i].value);
    }
    static const char *bad[] = {"",     "64",  "046", "-1",  "af10", "af14",
                                "af51", "cs8", "e",   "efx", "best", "4a"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int v = -1;
        if (se_dscp_parse(bad[i], &v) != -1)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK_EQ_INT(se_dscp_parse(bad[i], &v), -1);
    }
}
