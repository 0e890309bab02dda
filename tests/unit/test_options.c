#include "cli/options.h"
#include "test.h"

#include <string.h>

TEST(parse_port)
{
    char err[128];
    int port = -1;
    CHECK_EQ_INT(se_parse_port("27015", 0, &port, err, sizeof err), 0);
    CHECK_EQ_INT(port, 27015);
    CHECK_EQ_INT(se_parse_port("0", 1, &port, err, sizeof err), 0);
    CHECK_EQ_INT(port, 0);
    CHECK_EQ_INT(se_parse_port("0", 0, &port, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_port("65536", 1, &port, err, sizeof err), -1);
    CHECK(strstr(err, "out of range") != NULL);
    CHECK_EQ_INT(se_parse_port("-1", 1, &port, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_port("", 1, &port, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_port("80x", 1, &port, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_port("99999999999999999999999", 1, &port, err, sizeof err), -1);
}

TEST(parse_bytes)
{
    char err[128];
    uint64_t v = 0;
    CHECK_EQ_INT(se_parse_bytes("512", 0, 1ull << 40, &v, err, sizeof err), 0);
    CHECK_EQ_INT(v, 512);
    CHECK_EQ_INT(se_parse_bytes("64K", 0, 1ull << 40, &v, err, sizeof err), 0);
    CHECK_EQ_INT(v, 65536);
    CHECK_EQ_INT(se_parse_bytes("1m", 0, 1ull << 40, &v, err, sizeof err), 0);
    CHECK_EQ_INT(v, 1048576);
    CHECK_EQ_INT(se_parse_bytes("2GiB", 0, 1ull << 40, &v, err, sizeof err), 0);
    CHECK_EQ_INT(v, 2147483648ll);
    CHECK_EQ_INT(se_parse_bytes("1T", 0, 1ull << 40, &v, err, sizeof err), 0);
    CHECK_EQ_INT(se_parse_bytes("2T", 0, 1ull << 40, &v, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_bytes("12Q", 0, 1ull << 40, &v, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_bytes("99999999999G", 0, 1ull << 40, &v, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_bytes("18446744073709551615K", 0, UINT64_MAX, &v, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_bytes("K", 0, 100, &v, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_bytes("1KB", 0, 1ull << 40, &v, err, sizeof err), 0);
    CHECK_EQ_INT(v, 1024);
    CHECK_EQ_INT(se_parse_bytes("512", 1024, 2048, &v, err, sizeof err), -1);
}

TEST(parse_duration)
{
    char err[128];
    uint64_t ms = 0;
    CHECK_EQ_INT(se_parse_duration_ms("5", 100000, &ms, err, sizeof err), 0);
    CHECK_EQ_INT(ms, 5000);
    CHECK_EQ_INT(se_parse_duration_ms("1.5s", 100000, &ms, err, sizeof err), 0);
    CHECK_EQ_INT(ms, 1500);
    CHECK_EQ_INT(se_parse_duration_ms("250ms", 100000, &ms, err, sizeof err), 0);
    CHECK_EQ_INT(ms, 250);
    CHECK_EQ_INT(se_parse_duration_ms("0.0005", 100000, &ms, err, sizeof err), 0);
    CHECK_EQ_INT(ms, 1);
    CHECK_EQ_INT(se_parse_duration_ms("1m", 100000, &ms, err, sizeof err), 0);
    CHECK_EQ_INT(ms, 60000);
    CHECK_EQ_INT(se_parse_duration_ms("2m", 100000, &ms, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_duration_ms("1h", 100000, &ms, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_duration_ms("abc", 100000, &ms, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_duration_ms("1.", 100000, &ms, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_duration_ms("-1", 100000, &ms, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_duration_ms("5x", 100000, &ms, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_duration_ms("99999999999999999999", 100000, &ms, err, sizeof err), -1);
}

TEST(args_iterator)
{
    static const se_optdef defs[] = {
        {"port", 'p', 1, 1}, {"verbose", 'v', 0, 2}, {"quiet", 'q', 0, 3}, {NULL, 0, 0, 0}};
    char *argv[] = {"-vq", "--port=1", "-p2", "-p", "3", "host", "--", "-x", "--port"};
    se_args a;
    char err[128];
    se_args_init(&a, 9, argv);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), 2);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), 3);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), 1);
    CHECK_EQ_STR(a.value, "1");
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), 1);
    CHECK_EQ_STR(a.value, "2");
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), 1);
    CHECK_EQ_STR(a.value, "3");
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), SE_ARG_POSITIONAL);
    CHECK_EQ_STR(a.value, "host");
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), SE_ARG_POSITIONAL);
    CHECK_EQ_STR(a.value, "-x");
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), SE_ARG_POSITIONAL);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), SE_ARG_END);

    char *bad1[] = {"--nope"};
    se_args_init(&a, 1, bad1);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), SE_ARG_ERROR);
    CHECK(strstr(err, "--nope") != NULL);
    char *bad2[] = {"--port"};
    se_args_init(&a, 1, bad2);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), SE_ARG_ERROR);
    CHECK(strstr(err, "needs a value") != NULL);
    char *bad3[] = {"--verbose=1"};
    se_args_init(&a, 1, bad3);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), SE_ARG_ERROR);
    char *bad4[] = {"-vz"};
    se_args_init(&a, 1, bad4);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), 2);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), SE_ARG_ERROR);
    CHECK(strstr(err, "-z") != NULL);
}
