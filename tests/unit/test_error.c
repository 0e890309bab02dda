#include "platform/platform.h"
#include "test.h"

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
