/* WSA and Win32 codes to SE_E* (Windows builds). */
#include "platform/platform.h"
#include "test.h"

TEST(error_translation)
{
    CHECK_EQ_INT(se_translate_sys_error(0), 0);
    CHECK_EQ_INT(se_translate_sys_error(WSAECONNREFUSED), SE_ECONNREFUSED);
    CHECK_EQ_INT(se_translate_sys_error(WSAECONNRESET), SE_ECONNRESET);
    CHECK_EQ_INT(se_translate_sys_error(WSAEWOULDBLOCK), SE_EAGAIN);
    CHECK_EQ_INT(se_translate_sys_error(WSAEADDRINUSE), SE_EADDRINUSE);
    CHECK_EQ_INT(se_translate_sys_error(WSAETIMEDOUT), SE_ETIMEDOUT);
    CHECK_EQ_INT(se_translate_sys_error(WSAENOTSOCK), SE_ENOTSOCK);
    CHECK_EQ_INT(se_translate_sys_error(WSAEADDRNOTAVAIL), SE_EADDRNOTAVAIL);
    CHECK_EQ_INT(se_translate_sys_error(WSAESHUTDOWN), SE_ESHUTDOWN);
    CHECK_EQ_INT(se_translate_sys_error(WSAHOST_NOT_FOUND), SE_EAI_NONAME);
    CHECK_EQ_INT(se_translate_sys_error(999999), SE_EUNKNOWN);
}
