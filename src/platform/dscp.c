/* DSCP names (RFC 2474, 2597, 3246, 5865, 8622), shared by every OS. */
#include "platform/sockopt.h"

#include <ctype.h>
#include <string.h>

int se_dscp_parse(const char *text, int *dscp)
{
    char name[8];
    size_t n = strlen(text);
    if (n == 0 || n >= sizeof name)
        return -1;
    for (size_t i = 0; i <= n; i++)
        name[i] = (char)tolower((unsigned char)text[i]);
    if (isdigit((unsigned char)name[0])) {
        int value = 0;
        for (size_t i = 0; i < n; i++) {
            if (!isdigit((unsigned char)name[i]))
                return -1;
            value = value * 10 + (name[i] - '0');
        }
        if (value > 63 || (n > 1 && name[0] == '0'))
            return -1;
        *dscp = value;
        return 0;
    }
    if (strcmp(name, "ef") == 0) {
        *dscp = 46;
        return 0;
    }
    if (strcmp(name, "va") == 0) {
        *dscp = 44;
        return 0;
    }
    if (strcmp(name, "le") == 0) {
        *dscp = 1;
        return 0;
    }
    /* csN: class selector N (0..7) = N << 3. */
    if (n == 3 && name[0] == 'c' && name[1] == 's' && name[2] >= '0' && name[2] <= '7') {
        *dscp = (name[2] - '0') << 3;
        return 0;
    }
    /* afXY: assured forwarding class X (1..4), drop precedence Y (1..3). */
    if (n == 4 && name[0] == 'a' && name[1] == 'f' && name[2] >= '1' && name[2] <= '4' &&
        name[3] >= '1' && name[3] <= '3') {
        *dscp = ((name[2] - '0') << 3) | ((name[3] - '0') << 1);
        return 0;
    }
    return -1;
}
