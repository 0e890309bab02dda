/* Verdict names and exit codes; see verdict.h. */
#include "util/verdict.h"

static const struct {
    const char *name;
    int exit_code;
} verdicts[] = {
    [SE_VERDICT_COMPLETE] = {"complete", 0},
    [SE_VERDICT_ERROR] = {"error", 1},
    [SE_VERDICT_USAGE] = {"usage", 2},
    [SE_VERDICT_RESOLVE] = {"resolve", 3},
    [SE_VERDICT_REFUSED] = {"refused", 4},
    [SE_VERDICT_UNREACHABLE] = {"unreachable", 5},
    [SE_VERDICT_TRUNCATED] = {"truncated", 6},
    [SE_VERDICT_EXCESS] = {"excess", 7},
    [SE_VERDICT_MISMATCH] = {"mismatch", 8},
    [SE_VERDICT_RESET] = {"reset", 9},
    [SE_VERDICT_TIMEOUT] = {"timeout", 10},
    [SE_VERDICT_PROXY_UNREACHABLE] = {"proxy-unreachable", 11},
    [SE_VERDICT_PROXY_REFUSED] = {"proxy-refused", 12},
    [SE_VERDICT_PROXY_AUTH] = {"proxy-auth-failed", 13},
    [SE_VERDICT_TLS] = {"tls", 14},
    [SE_VERDICT_INTERRUPTED] = {"interrupted", 130},
};

const char *se_verdict_name(se_verdict v)
{
    return verdicts[v].name;
}

int se_verdict_exit_code(se_verdict v)
{
    return verdicts[v].exit_code;
}
