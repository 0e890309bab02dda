/* Helpers shared by the subcommands; see commands.h. */
#include "cli/commands.h"
#include "platform/platform.h"

#include <string.h>

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
    static const char names[] = SOCKECHO_BACKENDS;
    size_t len = strlen(name);
    for (const char *p = names; len && (p = strstr(p, name)) != NULL; p += len) {
        if ((p == names || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return 0;
    }
    return -1;
}
