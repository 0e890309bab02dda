/* Windows: what the platform layer reports as missing there. */
#include "platform/sockopt.h"
#include "platform/unix_socket.h"
#include "test.h"

TEST(sockopt_os_specific)
{
    se_socket s;
    CHECK_EQ_INT(se_socket_open(AF_INET, &s), 0);
    char dev[32] = "x";
    CHECK_EQ_INT(se_sockopt_bind_device(s, "lo"), SE_ENOSYS);
    CHECK_EQ_INT(se_sockopt_get_device(s, dev, sizeof dev), SE_ENOSYS);
    CHECK_EQ_STR(dev, "");
    se_socket_close(s);
}

TEST(unix_socket_abstract)
{
    struct sockaddr_storage a;
    se_socklen len;
    CHECK_EQ_INT(se_unix_address("@name", &a, &len), SE_ENOSYS);
}
