/* Unix domain socket addresses on Windows 10 (afunix.h): filesystem paths;
 * abstract names are refused (Windows documents no such namespace). */
#include "platform/unix_socket.h"

#include <afunix.h>
#include <stddef.h>
#include <string.h>

int se_unix_address(const char *path, struct sockaddr_storage *out, se_socklen *len)
{
    struct sockaddr_un *un = (struct sockaddr_un *)out;
    size_t n = strlen(path);
    if (n == 0 || n > SE_UNIX_PATH_MAX || n >= sizeof un->sun_path)
        return SE_EINVAL;
    if (path[0] == '@')
        return SE_ENOSYS;
    memset(out, 0, sizeof *out);
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path, n);
    *len = (se_socklen)sizeof *un;
    return 0;
}

int se_unix_remove(const char *path)
{
    if (DeleteFileA(path))
        return 0;
    return se_translate_sys_error((int)GetLastError());
}
