/* Helpers shared by the subcommands; see commands.h. */
#include "cli/commands.h"
#include "loop/loop.h"

#include <stdarg.h>
#include <stdio.h>

const char *se_command_name = "sockecho";

int se_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", se_command_name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see '%s --help')\n", se_command_name);
    va_end(ap);
    return EXIT_USAGE;
}

int se_check_backend(const char *name)
{
    se_loop loop;
    if (se_loop_init(&loop, name) != 0)
        return -1;
    se_loop_close(&loop);
    return 0;
}
