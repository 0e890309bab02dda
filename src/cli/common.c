/* Helpers shared by the subcommands; see commands.h. */
#include "cli/commands.h"
#include "platform/platform.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *se_command_name = "sockecho";

int se_usage_error(const char *fmt, ...)
{
    char message[512], shown[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    /* Arguments are echoed in messages: keep the message on one line. */
    fprintf(stderr, "%s: %s (see '%s --help')\n", se_command_name,
            se_text_escape(shown, sizeof shown, message), se_command_name);
    return EXIT_USAGE;
}

void se_error_line(const char *fmt, ...)
{
    char message[1024], shown[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", se_command_name, se_text_escape(shown, sizeof shown, message));
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
