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
    CHECK_EQ_STR(err, "65536: too large (at most 65535)");
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
    CHECK_EQ_STR(err, "512: too small (at least 1 KiB)");
    CHECK_EQ_INT(se_parse_bytes("99999999999999999999", 0, 1ull << 40, &v, err, sizeof err), -1);
    CHECK_EQ_STR(err, "99999999999999999999: too large (at most 1 TiB)");
    CHECK_EQ_INT(se_parse_bytes("3000", 0, 1000, &v, err, sizeof err), -1);
    CHECK_EQ_STR(err, "3000: too large (at most 1000 bytes)");
    static const char *const same[] = {"2k", "2K", "2kb", "2KB", "2kib", "2KiB", "2KIB"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        v = 0;
        CHECK_EQ_INT(se_parse_bytes(same[i], 0, 1ull << 40, &v, err, sizeof err), 0);
        CHECK_EQ_INT(v, 2048);
    }
    CHECK_EQ_INT(se_parse_bytes("2kibb", 0, 1ull << 40, &v, err, sizeof err), -1);
    CHECK_EQ_INT(se_parse_bytes("2x", 0, 1ull << 40, &v, err, sizeof err), -1);
}

TEST(parse_uint_messages)
{
    char err[128];
    uint64_t v = 0;
    CHECK_EQ_INT(se_parse_uint("99999999999999999999", 0, UINT64_MAX, &v, err, sizeof err), -1);
    CHECK(strstr(err, "too large") != NULL);
    CHECK_EQ_INT(se_parse_uint("0", 1, 10, &v, err, sizeof err), -1);
    CHECK_EQ_STR(err, "0: too small (at least 1)");
    CHECK_EQ_INT(se_parse_uint("12a", 1, 10, &v, err, sizeof err), -1);
    CHECK(strstr(err, "not a whole number") != NULL);
}

TEST(args_long_prefixes)
{
    static const se_optdef defs[] = {{"message", 'm', 1, 1},   {"conns", 'c', 1, 2},
                                     {"concurrency", 0, 1, 2}, {"connect-timeout", 0, 1, 3},
                                     {"port", 'p', 1, 4},      {"ports", 0, 0, 5},
                                     {NULL, 0, 0, 0}};
    char *argv[] = {"--mess", "hi", "--conc=4", "--connect=2", "--port", "1"};
    se_args a;
    char err[160];
    se_args_init(&a, 6, argv);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), 1);
    CHECK_EQ_STR(a.value, "hi");
    CHECK_EQ_STR(a.name, "--message");
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), 2);
    CHECK_EQ_STR(a.value, "4");
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), 3);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), 4); /* exact beats prefix */
    CHECK_EQ_STR(a.value, "1");

    char *ambiguous[] = {"--con", "5"};
    se_args_init(&a, 2, ambiguous);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), SE_ARG_ERROR);
    CHECK_EQ_STR(err,
                 "ambiguous option --con (could be --conns, --concurrency, --connect-timeout)");
    char *empty[] = {"--=1"};
    se_args_init(&a, 1, empty);
    CHECK_EQ_INT(se_args_next(&a, defs, err, sizeof err), SE_ARG_ERROR);
    CHECK(strstr(err, "unknown option") != NULL);
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
