/* errno and getaddrinfo codes to SE_E* (POSIX builds). */
#include "platform/platform.h"
#include "test.h"

#include <errno.h>

TEST(error_translation)
{
    CHECK_EQ_INT(se_translate_sys_error(0), 0);
    CHECK_EQ_INT(se_translate_sys_error(ECONNREFUSED), SE_ECONNREFUSED);
    CHECK_EQ_INT(se_translate_sys_error(ECONNRESET), SE_ECONNRESET);
    CHECK_EQ_INT(se_translate_sys_error(EAGAIN), SE_EAGAIN);
    CHECK_EQ_INT(se_translate_sys_error(EWOULDBLOCK), SE_EAGAIN);
    CHECK_EQ_INT(se_translate_sys_error(EADDRINUSE), SE_EADDRINUSE);
    CHECK_EQ_INT(se_translate_sys_error(EPIPE), SE_EPIPE);
    CHECK_EQ_INT(se_translate_sys_error(EMFILE), SE_EMFILE);
    CHECK_EQ_INT(se_translate_gai_error(EAI_NONAME), SE_EAI_NONAME);
    CHECK_EQ_INT(se_translate_sys_error(999999), SE_EUNKNOWN);
}
