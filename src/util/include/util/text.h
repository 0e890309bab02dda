/* Text made safe for one line of a terminal or a log. */
#ifndef SOCKECHO_UTIL_TEXT_H
#define SOCKECHO_UTIL_TEXT_H

#include <stddef.h>

/* Copies IN into OUT (SIZE bytes, always NUL-terminated, truncated when it
 * does not fit) with every control character written as an escape: "\n",
 * "\r", "\t", "\\x1b"... Other bytes, UTF-8 included, are copied as they are.
 * Returns OUT. */
char *se_text_escape(char *out, size_t size, const char *in);

#endif
