/* Control characters escaped for one-line messages; see text.h. */
#include "util/text.h"

#include <stdio.h>

char *se_text_escape(char *out, size_t size, const char *in)
{
    size_t n = 0;
    if (size == 0)
        return out;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        char esc[5];
        size_t len;
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            esc[0] = '\\';
            esc[1] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
            len = 2;
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", *p);
            len = 4;
        } else {
            esc[0] = (char)*p;
            len = 1;
        }
        if (n + len >= size)
            break;
        for (size_t i = 0; i < len; i++)
            out[n++] = esc[i];
    }
    out[n] = '\0';
    return out;
}
