/* Unit test runner: `sockecho_unit [NAME [BACKEND]]`. Prints "N passed, N
 * failed". */
#include "platform/platform.h"
#include "test.h"

#include <string.h>

int test_failures;
int test_skips;
jmp_buf test_abort;
const char *test_backend;

#define TEST_ENTRY(name) void test_##name(void);
#define CORE_TEST(name) void test_##name(void);
#include "test_list.h"
#undef TEST_ENTRY
#undef CORE_TEST

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
#define TEST_ENTRY(name) {#name, test_##name},
#define CORE_TEST(name) {#name, test_##name},
#include "test_list.h"
#undef TEST_ENTRY
#undef CORE_TEST
};

/* Runs test I; nonzero when it failed. */
static int run_one(size_t i)
{
    int before = test_failures;
    if (setjmp(test_abort) == 0)
        tests[i].fn();
    return test_failures != before;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0, found = 0;
    if (se_platform_init() != 0) {
        fprintf(stderr, "cannot start the socket library\n");
        return 1;
    }
    test_backend = argc > 2 ? argv[2] : NULL;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
            continue;
        found++;
        int skips = test_skips;
        int fail = run_one(i);
        if (!fail && test_skips != skips) {
            skipped++;
        } else if (!fail) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "FAIL %s%s%s\n", tests[i].name, test_backend ? " on " : "",
                    test_backend ? test_backend : "");
        }
    }
    se_platform_cleanup();
    if (!found) {
        fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "(any)");
        return 1;
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    /* 77: ctest's SKIP_RETURN_CODE, when every test that ran was skipped. */
    return failed ? 1 : skipped == found ? 77 : 0;
}
