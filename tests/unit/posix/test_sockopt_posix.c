/* POSIX-only socket options: TCP_MAXSEG and (Linux) SO_BINDTODEVICE; and
 * Linux abstract Unix socket names. */
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
