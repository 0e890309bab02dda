#include "sockecho.h"
#include "test.h"

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
        sockecho_session_free(s);
    }
    sockecho_cleanup();
}
