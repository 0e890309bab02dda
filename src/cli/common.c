/* Helpers shared by the subcommands; see commands.h. */
#include "cli/commands.h"
#include "platform/platform.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *se_command_name = "sockecho";

/* Writes TEXT with its control characters escaped (\n, \t, \xNN), so
 * that an argument cannot break the one-line error or drive the terminal. */
static void put_escaped(FILE *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

int se_usage_error(const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: ", se_command_name);
    put_escaped(stderr, message);
    fprintf(stderr, " (see '%s --help')\n", se_command_name);
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
