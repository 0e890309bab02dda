/* The exit codes of sockecho's commands (sockecho(1) EXIT STATUS): one per
 * verdict, EXIT_USAGE (commands.h) for usage errors. Lower layers return
 * verdicts; only the CLI turns them into exit codes. */
#ifndef SOCKECHO_CLI_EXIT_CODE_H
#define SOCKECHO_CLI_EXIT_CODE_H

#include "util/verdict.h"

/* A command that could not run (the socket library, a server that could
 * not start): the exit code of the verdict error. */
#define EXIT_ERROR 1

/* The exit code documented for V: 0 complete, 1 error, 3 resolve ... 14
 * tls, 130 interrupted (2 is EXIT_USAGE, never a verdict's). */
int se_exit_code(se_verdict v);

#endif
