/* sockecho's entry point: dispatches to a subcommand (client, server, bench) or
 * answers --help and --version. */
#include "cli/commands.h"
#include "conn/tls_config.h"
#include "platform/platform.h"

#include <stdio.h>
#include <string.h>

static const char main_usage[] = "usage: sockecho client [options] HOST [PORT]\n"
                                 "       sockecho server [options]\n"
                                 "       sockecho bench [options] HOST [PORT]\n"
                                 "       sockecho --version\n"
                                 "\n"
                                 "A TCP echo client and server that verifies every byte.\n"
                                 "'sockecho COMMAND --help' lists the options of COMMAND.\n";

int main(int argc, char **argv)
{
    if (argc < 2)
        return se_usage_error("missing command: client, server or bench");
    const char *cmd = argv[1];
    if (strcmp(cmd, "client") == 0)
        return se_cmd_client(argc - 2, argv + 2);
    if (strcmp(cmd, "server") == 0)
        return se_cmd_server(argc - 2, argv + 2);
    if (strcmp(cmd, "bench") == 0)
        return se_cmd_bench(argc - 2, argv + 2);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        /* "tls" is listed only in a build that has it. */
        const char *tls = se_tls_backend();
        printf("sockecho %s (backends: %s%s%s)\n", SOCKECHO_VERSION, SOCKECHO_BACKENDS,
               tls ? "; tls: " : "", tls ? tls : "");
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(main_usage, stdout);
        return 0;
    }
    return se_usage_error("unknown command '%.40s'", cmd);
}
