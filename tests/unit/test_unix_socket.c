/* Unix domain stream sockets at a filesystem path (every OS); names. */
#include "platform/unix_socket.h"
#include "test.h"
#include "unix_socket_check.h"

#include <string.h>

TEST(unix_socket_path)
{
    char path[64];
    snprintf(path, sizeof path, "se-unit-%llu.sock",
             (unsigned long long)(se_now_ns() % 1000000007u));
    check_unix_roundtrip(path);
}

TEST(unix_socket_address_limits)
{
    struct sockaddr_storage a;
    se_socklen len;
    char longpath[SE_UNIX_PATH_MAX + 2];
    memset(longpath, 'p', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    CHECK_EQ_INT(se_unix_address(longpath, &a, &len), SE_EINVAL);
    longpath[SE_UNIX_PATH_MAX] = '\0';
    CHECK_EQ_INT(se_unix_address(longpath, &a, &len), 0);
    CHECK_EQ_INT(se_unix_address("", &a, &len), SE_EINVAL);
    se_socket s;
    CHECK_EQ_INT(se_unix_connect("se-unit-no-such.sock", &s), SE_ENOENT);
}
