/* Unix domain socket addresses on POSIX; abstract names where the OS has
 * them (Linux). */
#include "platform/unix_socket.h"

#include <errno.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef __linux__
#define SE_HAVE_ABSTRACT 1
#else
#define SE_HAVE_ABSTRACT 0
#endif

int se_unix_address(const char *path, struct sockaddr_storage *out, se_socklen *len)
{
    struct sockaddr_un *un = (struct sockaddr_un *)out;
    size_t n = strlen(path);
    if (n == 0 || n > SE_UNIX_PATH_MAX || n >= sizeof un->sun_path || (path[0] == '@' && n == 1))
        return SE_EINVAL;
    if (path[0] == '@' && !SE_HAVE_ABSTRACT)
        return SE_ENOSYS;
    memset(out, 0, sizeof *out);
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path, n);
    if (path[0] == '@') {
        /* Abstract: a leading NUL, and the length says where the name ends. */
        un->sun_path[0] = '\0';
        *len = (se_socklen)(offsetof(struct sockaddr_un, sun_path) + n);
    } else {
        *len = (se_socklen)sizeof *un;
    }
    return 0;
}

int se_unix_remove(const char *path)
{
    if (path[0] == '@')
        return 0;
    return unlink(path) == 0 ? 0 : se_translate_sys_error(errno);
}
