#include "test.h"
#include "config.h"
#include "util/json.h"

#include <string.h>

/* What se_json_string writes for S. */
static const char *quoted(const char *s)
{
    static char buf[256];
    FILE *f = se_test_tmpfile();
    if (!f)
        return "";
    se_json_string(f, s);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

TEST(json_string_escapes)
{
    CHECK_EQ_STR(quoted("plain"), "\"plain\"");
    CHECK_EQ_STR(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
    CHECK_EQ_STR(quoted("l1\nl2\r\t"), "\"l1\\nl2\\r\\t\"");
    CHECK_EQ_STR(quoted("\x01\x1b\x7f"), "\"\\u0001\\u001b\\u007f\"");
    /* Valid UTF-8 as it is: 2, 3 and 4 byte forms. */
    CHECK_EQ_STR(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                 "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    /* Invalid: a lone continuation, a truncated sequence, an overlong '/',
     * a surrogate, a code point above U+10FFFF, 0xff. */
    CHECK_EQ_STR(quoted("a\x80z"), "\"a\\ufffdz\"");
    CHECK_EQ_STR(quoted("\xe2\x82"), "\"\\ufffd\\ufffd\"");
    CHECK_EQ_STR(quoted("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
    CHECK_EQ_STR(quoted("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
    CHECK_EQ_STR(quoted("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    CHECK_EQ_STR(quoted("h\xffst"), "\"h\\ufffdst\"");
}

TEST(json_record_nesting)
{
    char buf[512];
    FILE *f = se_test_tmpfile();
    CHECK(f != NULL);
    if (!f)
        return;
    se_json j;
    se_json_record(&j, f, "t");
    se_json_u64(&j, "n", 18446744073709551615ull);
    se_json_int(&j, "i", -3);
    se_json_str(&j, "s", NULL);
    se_json_object(&j, "o");
    se_json_ms(&j, "a", 0.0421);
    se_json_ms(&j, "b", -1);
    se_json_close(&j);
    se_json_array(&j, "l");
    se_json_bool(&j, NULL, 1);
    se_json_object(&j, NULL);
    se_json_num(&j, "x", 1.5, 1);
    se_json_end(&j); /* closes the object, the array and the record */
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    char want[512];
    snprintf(want, sizeof want,
             "{\"type\":\"t\",\"version\":\"%s\",\"n\":18446744073709551615,\"i\":-3,\"s\":null,"
             "\"o\":{\"a\":0.042,\"b\":null},\"l\":[true,{\"x\":1.5}]}\n",
             SOCKECHO_VERSION);
    CHECK_EQ_STR(buf, want);
}

TEST(json_record_into_a_buffer)
{
    char buf[64];
    se_json j;
    se_json_record_buf(&j, buf, sizeof buf, "log");
    se_json_str(&j, "m", "a\nb");
    se_json_end(&j);
    char want[64];
    snprintf(want, sizeof want, "{\"type\":\"log\",\"version\":\"%s\",\"m\":\"a\\nb\"}\n",
             SOCKECHO_VERSION);
    CHECK_EQ_STR(buf, want);
    char small[16];
    se_json_record_buf(&j, small, sizeof small, "log");
    se_json_str(&j, "message", "a long message that does not fit");
    se_json_end(&j);
    CHECK_EQ_INT(strlen(small), sizeof small - 1); /* cut, NUL-terminated */
}
