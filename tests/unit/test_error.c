#include "platform/platform.h"
#include "test.h"

#include <errno.h>
#include <string.h>

TEST(error_names_and_messages)
{
    CHECK_EQ_STR(se_err_name(SE_ECONNREFUSED), "ECONNREFUSED");
    CHECK_EQ_STR(se_strerror(SE_ECONNREFUSED), "Connection refused");
    CHECK_EQ_STR(se_err_name(SE_EOF), "EOF");
    CHECK_EQ_STR(se_strerror(SE_ECONNRESET), "Connection reset by peer");
    CHECK_EQ_STR(se_err_name(12345), "EUNKNOWN");
    CHECK_EQ_STR(se_err_name(0), "EUNKNOWN");
    /* Every code in the table has a distinct name and a non-empty message. */
    for (int code = SE_ERROR_BASE + 1; code < SE_ERROR_END; code++) {
        CHECK(strcmp(se_err_name(code), "EUNKNOWN") != 0 || code == SE_EUNKNOWN);
        CHECK(se_strerror(code)[0] != '\0');
        for (int other = code + 1; other < SE_ERROR_END; other++)
            CHECK(strcmp(se_err_name(code), se_err_name(other)) != 0);
    }
    CHECK(SE_ERROR_END < 0);
}

TEST(error_translation)
{
    CHECK_EQ_INT(se_translate_sys_error(0), 0);
#ifdef _WIN32
    CHECK_EQ_INT(se_translate_sys_error(WSAECONNREFUSED), SE_ECONNREFUSED);
    CHECK_EQ_INT(se_translate_sys_error(WSAECONNRESET), SE_ECONNRESET);
    CHECK_EQ_INT(se_translate_sys_error(WSAEWOULDBLOCK), SE_EAGAIN);
    CHECK_EQ_INT(se_translate_sys_error(WSAEADDRINUSE), SE_EADDRINUSE);
    CHECK_EQ_INT(se_translate_sys_error(WSAETIMEDOUT), SE_ETIMEDOUT);
    CHECK_EQ_INT(se_translate_sys_error(WSAENOTSOCK), SE_ENOTSOCK);
    CHECK_EQ_INT(se_translate_sys_error(WSAEADDRNOTAVAIL), SE_EADDRNOTAVAIL);
    CHECK_EQ_INT(se_translate_sys_error(WSAESHUTDOWN), SE_ESHUTDOWN);
    CHECK_EQ_INT(se_translate_sys_error(WSAHOST_NOT_FOUND), SE_EAI_NONAME);
#else
    CHECK_EQ_INT(se_translate_sys_error(ECONNREFUSED), SE_ECONNREFUSED);
    CHECK_EQ_INT(se_translate_sys_error(ECONNRESET), SE_ECONNRESET);
    CHECK_EQ_INT(se_translate_sys_error(EAGAIN), SE_EAGAIN);
    CHECK_EQ_INT(se_translate_sys_error(EWOULDBLOCK), SE_EAGAIN);
    CHECK_EQ_INT(se_translate_sys_error(EADDRINUSE), SE_EADDRINUSE);
    CHECK_EQ_INT(se_translate_sys_error(EPIPE), SE_EPIPE);
    CHECK_EQ_INT(se_translate_sys_error(EMFILE), SE_EMFILE);
    CHECK_EQ_INT(se_translate_gai_error(EAI_NONAME), SE_EAI_NONAME);
#endif
    CHECK_EQ_INT(se_translate_sys_error(999999), SE_EUNKNOWN);
}
