/* The mismatch locator; see mismatch.h. */
#include "util/mismatch.h"

#include <string.h>

int se_mismatch_find(const void *expect, const void *got, size_t len, uint64_t offset,
                     se_mismatch *m)
{
    const unsigned char *e = expect, *g = got;
    if (len == 0 || memcmp(e, g, len) == 0)
        return 0;
    size_t i = 0;
    while (e[i] == g[i])
        i++;
    m->offset = offset + i;
    m->expected = e[i];
    m->received = g[i];
    return 1;
}
