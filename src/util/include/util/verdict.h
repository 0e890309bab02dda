/* How a verified echo session or connection ended: one vocabulary for the
 * client, the load generator (its error counts are kept per verdict) and
 * the library. The process exit code of each is the CLI's (cli/exit_code.h);
 * usage errors are the CLI's too and never a verdict. */
#ifndef SOCKECHO_UTIL_VERDICT_H
#define SOCKECHO_UTIL_VERDICT_H

typedef enum {
    SE_VERDICT_COMPLETE,
    SE_VERDICT_ERROR, /* a local failure: memory, descriptors, a file */
    SE_VERDICT_RESOLVE,
    SE_VERDICT_REFUSED,
    SE_VERDICT_UNREACHABLE,
    SE_VERDICT_TRUNCATED,
    SE_VERDICT_EXCESS,
    SE_VERDICT_MISMATCH,
    SE_VERDICT_RESET,
    SE_VERDICT_TIMEOUT,
    /* Through a proxy (client --proxy): no connection to it, it refused the
     * tunnel (or does not speak the protocol), or it refused the
     * credentials. */
    SE_VERDICT_PROXY_UNREACHABLE,
    SE_VERDICT_PROXY_REFUSED,
    SE_VERDICT_PROXY_AUTH,
    SE_VERDICT_TLS,         /* the TLS handshake failed or the peer was rejected */
    SE_VERDICT_INTERRUPTED, /* the owner stopped the session (Ctrl-C) */
    SE_VERDICT_COUNT
} se_verdict;

/* "complete", "mismatch", ...: static. */
const char *se_verdict_name(se_verdict v);

#endif
