/* Windows: the options whose support depends on the Windows version (and
 * which Wine 8 lacks), and what the platform layer reports as missing. */
#include "platform/sockopt.h"
#include "platform/unix_socket.h"
#include "test.h"
#include "unix_socket_check.h"

TEST(sockopt_os_specific)
{
    se_socket s;
    CHECK_EQ_INT(se_socket_open(AF_INET6, &s), 0);
    /* The probe count needs TCP_KEEPCNT (Windows 10 1709+; not Wine 8). */
    se_keepalive want = {30, 5, 4}, ka;
    int enabled = -1;
    int rc = se_sockopt_set_keepalive(s, &want);
    CHECK(rc == 0 || rc == SE_ENOSYS);
    if (rc == 0) {
        CHECK_EQ_INT(se_sockopt_get_keepalive(s, &enabled, &ka), 0);
        CHECK_EQ_INT(ka.count, 4);
    } else {
        fprintf(stderr, "note: no TCP_KEEPCNT here: the probe count cannot be set\n");
    }
    /* IPv6 traffic class: IPV6_TCLASS (not Wine 8). */
    int tos = -1;
    rc = se_sockopt_set_tos(s, AF_INET6, 10 << 2);
    CHECK(rc == 0 || rc == SE_ENOSYS);
    if (rc == 0) {
        CHECK_EQ_INT(se_sockopt_get_tos(s, AF_INET6, &tos), 0);
        CHECK_EQ_INT(tos, 10 << 2);
    } else {
        fprintf(stderr, "note: no IPV6_TCLASS here\n");
    }
    se_socket_close(s);

    CHECK_EQ_INT(se_socket_open(AF_INET, &s), 0);
    /* TCP_MAXSEG is refused by Wine 8 and read-only on Windows. */
    int mss = 0;
    rc = se_sockopt_get_mss(s, &mss);
    CHECK(rc == 0 || rc == SE_ENOSYS);
    char dev[32] = "x";
    CHECK_EQ_INT(se_sockopt_bind_device(s, "lo"), SE_ENOSYS);
    CHECK_EQ_INT(se_sockopt_get_device(s, dev, sizeof dev), SE_ENOSYS);
    CHECK_EQ_STR(dev, "");
    se_socket_close(s);
}

TEST(unix_socket_path)
{
    char path[64];
    unix_test_path(path, sizeof path);
    se_socket s;
    int rc = se_unix_listen(path, 8, &s);
    if (rc == SE_EAFNOSUPPORT) { /* Wine 8: no AF_UNIX in its Winsock */
        fprintf(stderr, "note: AF_UNIX is not supported here\n");
        return;
    }
    CHECK_EQ_INT(rc, 0);
    se_socket_close(s);
    se_unix_remove(path);
    check_unix_roundtrip(path);
}

TEST(unix_socket_abstract)
{
    struct sockaddr_storage a;
    se_socklen len;
    CHECK_EQ_INT(se_unix_address("@name", &a, &len), SE_ENOSYS);
}
