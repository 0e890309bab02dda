#include "platform/platform.h"
#include "test.h"

#include <string.h>

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
