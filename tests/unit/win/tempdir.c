/* se_test_mkdtemp and se_test_tmpfile for Windows: _mktemp_s names (they
 * carry the process ID), in %TEMP% for files. */
#include "test.h"

#include <direct.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>

char *se_test_mkdtemp(char *template_path)
{
    if (_mktemp_s(template_path, strlen(template_path) + 1) != 0)
        return NULL;
    return _mkdir(template_path) == 0 ? template_path : NULL;
}

FILE *se_test_tmpfile(void)
{
    const char *dir = getenv("TEMP");
    char name[512];
    snprintf(name, sizeof name, "%s\\se-XXXXXX", dir && *dir ? dir : ".");
    if (_mktemp_s(name, strlen(name) + 1) != 0)
        return NULL;
    /* T: kept in memory where it can be; D: deleted when closed. */
    return fopen(name, "w+bTD");
}
