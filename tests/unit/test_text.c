#include "test.h"
#include "util/text.h"

#include <string.h>

TEST(text_escape)
{
    char out[32];
    CHECK_EQ_STR(se_text_escape(out, sizeof out, "16\n77"), "16\\n77");
    CHECK_EQ_STR(se_text_escape(out, sizeof out, "a\tb\rc"), "a\\tb\\rc");
    CHECK_EQ_STR(se_text_escape(out, sizeof out, "\x1b[2J\x7f"), "\\x1b[2J\\x7f");
    CHECK_EQ_STR(se_text_escape(out, sizeof out, "caf\xc3\xa9"), "caf\xc3\xa9");
    CHECK_EQ_STR(se_text_escape(out, 6, "ab\ncd"), "ab\\nc");
    CHECK_EQ_STR(se_text_escape(out, 4, "ab\x01"), "ab"); /* no half escape */
}
