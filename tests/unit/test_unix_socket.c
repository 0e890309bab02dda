/* Unix domain socket addresses (every OS); the sockets themselves are
 * tested in posix/ and win/. */
#include "platform/unix_socket.h"
#include "test.h"

#include <string.h>

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
}
