/* se_test_mkdtemp for Windows: _mktemp_s, then _mkdir. */
#include "test.h"

#include <direct.h>
#include <io.h>
#include <string.h>

char *se_test_mkdtemp(char *template_path)
{
    if (_mktemp_s(template_path, strlen(template_path) + 1) != 0)
        return NULL;
    return _mkdir(template_path) == 0 ? template_path : NULL;
}
