/* sockecho's entry point: dispatches to a subcommand (client, server, bench) or
 * answers --help and --version. */
#include "cli/commands.h"
#include "conn/tls_config.h"
#include "cli/options.h"
#include "platform/platform.h"

#include <stdio.h>
#include <string.h>

static const char main_usage[] = "usage: sockecho client [options] HOST [PORT]\n"
                                 "       sockecho server [options]\n"
                                 "       sockecho bench [options] HOST [PORT]\n"
                                 "       sockecho -V|--version\n"
                                 "\n"
                                 "A TCP echo client and server that verifies every byte.\n"
                                 "'sockecho COMMAND --help' lists the options of COMMAND.\n";

enum { OPT_VERSION = 1, OPT_HELP };

static const se_optdef main_options[] = {
    {"version", 'V', 0, OPT_VERSION},
    {"help", 'h', 0, OPT_HELP},
    {NULL, 0, 0, 0},
};

int main(int argc, char **argv)
{
    /* A closed standard output is an error to report, not a signal. */
    se_sigpipe_ignore();
    if (argc < 2)
        return se_usage_error("missing command: client, server or bench");
    const char *cmd = argv[1];
    if (strcmp(cmd, "client") == 0)
        return se_cmd_client(argc - 2, argv + 2);
    if (strcmp(cmd, "server") == 0)
        return se_cmd_server(argc - 2, argv + 2);
    if (strcmp(cmd, "bench") == 0)
        return se_cmd_bench(argc - 2, argv + 2);
    /* Not a command: one of sockecho's own options, alone. */
    se_args args;
    char err[256];
    se_args_init(&args, argc - 1, argv + 1);
    int id = se_args_next(&args, main_options, err, sizeof err);
    if (id == SE_ARG_ERROR)
        return se_usage_error("%s", err);
    if (id == SE_ARG_POSITIONAL || id == SE_ARG_END)
        return se_usage_error("unknown command '%.40s' (client, server or bench)", cmd);
    if (args.index < argc - 1 || (args.cluster && *args.cluster))
        return se_usage_error("%s takes no arguments", args.name);
    if (id == OPT_VERSION) {
        /* "tls" is listed only in a build that has it. */
        const char *tls = se_tls_backend();
        printf("sockecho %s (backends: %s%s%s)\n", SOCKECHO_VERSION, SOCKECHO_BACKENDS,
               tls ? "; tls: " : "", tls ? tls : "");
        return 0;
    }
    fputs(main_usage, stdout);
    return 0;
}
