/* se_test_mkdtemp and se_test_tmpfile for POSIX: mkdtemp(3), tmpfile(3). */
#include "test.h"

#include <stdlib.h>

char *se_test_mkdtemp(char *template_path)
{
    return mkdtemp(template_path);
}

FILE *se_test_tmpfile(void)
{
    return tmpfile();
}
