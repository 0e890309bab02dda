/* Verdicts to exit codes; see exit_code.h. */
#include "exit_code.h"

static const unsigned char codes[SE_VERDICT_COUNT] = {
    [SE_VERDICT_COMPLETE] = 0,
    [SE_VERDICT_ERROR] = EXIT_ERROR,
    [SE_VERDICT_RESOLVE] = 3,
    [SE_VERDICT_REFUSED] = 4,
    [SE_VERDICT_UNREACHABLE] = 5,
    [SE_VERDICT_TRUNCATED] = 6,
    [SE_VERDICT_EXCESS] = 7,
    [SE_VERDICT_MISMATCH] = 8,
    [SE_VERDICT_RESET] = 9,
    [SE_VERDICT_TIMEOUT] = 10,
    [SE_VERDICT_PROXY_UNREACHABLE] = 11,
    [SE_VERDICT_PROXY_REFUSED] = 12,
    [SE_VERDICT_PROXY_AUTH] = 13,
    [SE_VERDICT_TLS] = 14,
    [SE_VERDICT_INTERRUPTED] = 130,
};

int se_exit_code(se_verdict v)
{
    return (unsigned)v < SE_VERDICT_COUNT ? codes[v] : EXIT_ERROR;
}
