/* se_test_mkdtemp for POSIX: mkdtemp(3). */
#include "test.h"

#include <stdlib.h>

char *se_test_mkdtemp(char *template_path)
{
    return mkdtemp(template_path);
}
