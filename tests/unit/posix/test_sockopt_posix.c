/* POSIX-only socket options: TCP_MAXSEG exact keepalive timing, IPv6 traffic
 * class, TCP_MAXSEG, (Linux) SO_BINDTODEVICE; Unix domain sockets, Linux
 * abstract names included. */
#include "platform/sockopt.h"
#include "platform/unix_socket.h"
#include "test.h"
#include "unix_socket_check.h"

#include <stddef.h>
#include <string.h>
#include <sys/un.h>

TEST(sockopt_os_specific)
{
    se_socket s;
    CHECK_EQ_INT(se_socket_open(AF_INET6, &s), 0);
    /* Keepalive: every part set and read back exactly. */
    int enabled = -1;
    se_keepalive ka, want = {30, 5, 4};
    CHECK_EQ_INT(se_sockopt_set_keepalive(s, &want), 0);
    CHECK_EQ_INT(se_sockopt_get_keepalive(s, &enabled, &ka), 0);
    CHECK_EQ_INT(enabled, 1);
    CHECK_EQ_INT(ka.idle_s, 30);
    CHECK_EQ_INT(ka.interval_s, 5);
    CHECK_EQ_INT(ka.count, 4);
    se_keepalive idle = {600, 0, 0}; /* the others keep their values */
    CHECK_EQ_INT(se_sockopt_set_keepalive(s, &idle), 0);
    CHECK_EQ_INT(se_sockopt_get_keepalive(s, &enabled, &ka), 0);
    CHECK_EQ_INT(ka.idle_s, 600);
    CHECK_EQ_INT(ka.interval_s, 5);
    CHECK_EQ_INT(ka.count, 4);
    /* IPv6 traffic class. */
    int tos = -1;
    CHECK_EQ_INT(se_sockopt_set_tos(s, AF_INET6, 10 << 2), 0);
    CHECK_EQ_INT(se_sockopt_get_tos(s, AF_INET6, &tos), 0);
    CHECK_EQ_INT(tos, 10 << 2);
    se_socket_close(s);

    CHECK_EQ_INT(se_socket_open(AF_INET, &s), 0);
    int mss = 0;
    CHECK_EQ_INT(se_sockopt_set_mss(s, 1000), 0);
    CHECK_EQ_INT(se_sockopt_get_mss(s, &mss), 0);
    CHECK_EQ_INT(mss, 1000);

    char dev[32] = "x";
    int rc = se_sockopt_bind_device(s, "lo");
    if (rc == SE_ENOSYS) {
        CHECK_EQ_INT(se_sockopt_get_device(s, dev, sizeof dev), SE_ENOSYS);
    } else if (rc == SE_EACCES) {
        fprintf(stderr, "note: binding to a device needs CAP_NET_RAW here\n");
    } else {
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_INT(se_sockopt_get_device(s, dev, sizeof dev), 0);
        CHECK_EQ_STR(dev, "lo");
        CHECK_EQ_INT(se_sockopt_bind_device(s, "no-such-if0"), SE_ENOENT);
    }
    se_socket_close(s);
}

TEST(unix_socket_path)
{
    char path[64];
    unix_test_path(path, sizeof path);
    check_unix_roundtrip(path);
    se_socket s;
    CHECK_EQ_INT(se_unix_connect("se-unit-no-such.sock", &s), SE_ENOENT);
}

TEST(unix_socket_abstract)
{
    char name[64];
    snprintf(name, sizeof name, "@se-unit-%llu", (unsigned long long)(se_now_ns() % 1000000007u));
    struct sockaddr_storage a;
    se_socklen len;
    int rc = se_unix_address(name, &a, &len);
    if (rc == SE_ENOSYS)
        return; /* no abstract names on this OS */
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(len, offsetof(struct sockaddr_un, sun_path) + strlen(name));
    check_unix_roundtrip(name);
    CHECK_EQ_INT(se_unix_address("@", &a, &len), SE_EINVAL);
}
