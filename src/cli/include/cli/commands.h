/* The subcommands' entry points and what they share: usage errors in one
 * format, exit codes, option ids, limits. Each subcommand lives in its own
 * file (client_cmd.c, server_cmd.c, bench_cmd.c); main.c dispatches. */
#ifndef SOCKECHO_COMMANDS_H
#define SOCKECHO_COMMANDS_H

#include <stdint.h>

#define EXIT_USAGE 2
#define DEFAULT_PORT "27015"
#define MAX_DURATION_MS (7ull * 24 * 3600 * 1000)

/* The name errors are reported under: "sockecho client", ... */
extern const char *se_command_name;

/* Prints "sockecho CMD: MESSAGE (see 'sockecho CMD --help')" on stderr, one
 * line (control characters in MESSAGE escaped), and returns EXIT_USAGE. */
int se_usage_error(const char *fmt, ...);

/* Prints "sockecho CMD: MESSAGE" on stderr, one line (control characters
 * escaped): a run's error or verdict line. */
void se_error_line(const char *fmt, ...);

/* 0 when NAME is a backend compiled in, -1 otherwise. */
int se_check_backend(const char *name);

/* Each runs one subcommand on the words after its name; returns the exit
 * code. */
int se_cmd_client(int argc, char **argv);
int se_cmd_server(int argc, char **argv);
int se_cmd_bench(int argc, char **argv);
int se_cmd_bench_merge(int argc, char **argv);

#endif
