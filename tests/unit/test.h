/* A minimal unit test harness (libuv's test/task.h model): each test is a
 * function registered in test_list.h; `sockecho_unit NAME [BACKEND]` runs
 * one, `sockecho_unit` runs all. A failed CHECK reports and stops its test
 * at once. Tests of the core (CORE_TEST) run once per event backend. */
#ifndef SOCKECHO_TEST_H
#define SOCKECHO_TEST_H

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

extern int test_failures;
extern int test_skips;
extern jmp_buf test_abort;
/* The event backend a core test runs on (NULL: the default). */
extern const char *test_backend;

#define TEST(name) void test_##name(void)

#define TEST_FAIL(...)                                                                             \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                            \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        test_failures++;                                                                           \
        longjmp(test_abort, 1);                                                                    \
    } while (0)

/* Skips the running test (something it needs is missing here) and stops
 * it; the runner exits 77 (ctest's SKIP_RETURN_CODE) when every test it
 * ran was skipped. */
#define TEST_SKIP(why)                                                                             \
    do {                                                                                           \
        fprintf(stderr, "skipped: %s\n", (why));                                                   \
        test_skips++;                                                                              \
        longjmp(test_abort, 1);                                                                    \
    } while (0)

/* Creates a fresh directory from TEMPLATE (ending in XXXXXX, replaced in
 * place). Returns TEMPLATE, or NULL. Per OS: tests/unit/{posix,win}. */
char *se_test_mkdtemp(char *template_path);

/* Opens a new temporary file for reading and writing, removed when closed;
 * NULL on failure. Unlike the C library's tmpfile() on Windows, which makes
 * its files in the drive's root with names that concurrent test processes
 * can share, each file is unique to this process. Per OS. */
FILE *se_test_tmpfile(void);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            TEST_FAIL("check failed: %s", #cond);                                                  \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            TEST_FAIL("%s == %lld, expected %s == %lld", #a, a_, #b, b_);                          \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (strcmp(a_, b_) != 0)                                                                   \
            TEST_FAIL("%s == \"%s\", expected \"%s\"", #a, a_, b_);                                \
    } while (0)

#endif
