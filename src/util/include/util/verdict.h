/* How a verified echo session ended: one vocabulary for the client, the
 * load generator and the library. */
#ifndef SOCKECHO_UTIL_VERDICT_H
#define SOCKECHO_UTIL_VERDICT_H

/* Verdicts, in the order of their exit codes (se_verdict_exit_code). */
typedef enum {
    SE_VERDICT_COMPLETE,
    SE_VERDICT_ERROR,
    SE_VERDICT_USAGE,
    SE_VERDICT_RESOLVE,
    SE_VERDICT_REFUSED,
    SE_VERDICT_UNREACHABLE,
    SE_VERDICT_TRUNCATED,
    SE_VERDICT_EXCESS,
    SE_VERDICT_MISMATCH,
    SE_VERDICT_RESET,
    SE_VERDICT_TIMEOUT,
    SE_VERDICT_INTERRUPTED /* the owner stopped the session (Ctrl-C): exit 130 */
} se_verdict;

/* "complete", "mismatch", ...: static. */
const char *se_verdict_name(se_verdict v);

/* The process exit code documented for V. */
int se_verdict_exit_code(se_verdict v);

#endif
