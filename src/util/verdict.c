/* Verdict names; see verdict.h. */
#include "util/verdict.h"

static const char *const names[SE_VERDICT_COUNT] = {
    [SE_VERDICT_COMPLETE] = "complete",
    [SE_VERDICT_ERROR] = "error",
    [SE_VERDICT_RESOLVE] = "resolve",
    [SE_VERDICT_REFUSED] = "refused",
    [SE_VERDICT_UNREACHABLE] = "unreachable",
    [SE_VERDICT_TRUNCATED] = "truncated",
    [SE_VERDICT_EXCESS] = "excess",
    [SE_VERDICT_MISMATCH] = "mismatch",
    [SE_VERDICT_RESET] = "reset",
    [SE_VERDICT_TIMEOUT] = "timeout",
    [SE_VERDICT_PROXY_UNREACHABLE] = "proxy-unreachable",
    [SE_VERDICT_PROXY_REFUSED] = "proxy-refused",
    [SE_VERDICT_PROXY_AUTH] = "proxy-auth-failed",
    [SE_VERDICT_TLS] = "tls",
    [SE_VERDICT_INTERRUPTED] = "interrupted",
};

const char *se_verdict_name(se_verdict v)
{
    return (unsigned)v < SE_VERDICT_COUNT ? names[v] : "unknown";
}
