/* libsockecho leaves the process's SIGPIPE handling alone (POSIX). */
#include "sockecho.h"
#include "test.h"

#include <signal.h>

TEST(library_leaves_sigpipe_alone)
{
    struct sigaction old, now;
    sigaction(SIGPIPE, NULL, &old);
    signal(SIGPIPE, SIG_DFL);
    CHECK_EQ_INT(sockecho_init(), 0);
    sigaction(SIGPIPE, NULL, &now);
    sockecho_cleanup();
    sigaction(SIGPIPE, &old, NULL);
    CHECK(now.sa_handler == SIG_DFL);
}
