/* libsockecho and signals on Windows: there is no SIGPIPE to leave alone;
 * the library starts and stops Winsock. */
#include "sockecho.h"
#include "test.h"

TEST(library_leaves_sigpipe_alone)
{
    CHECK_EQ_INT(sockecho_init(), 0);
    sockecho_cleanup();
}
