/* Unix domain stream sockets on POSIX; abstract names where the OS has
 * them (Linux). */
#include "platform/unix_socket.h"

#include <errno.h>
#include <fcntl.h>
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

static int open_unix(se_socket *out)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return se_translate_sys_error(errno);
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        int err = se_translate_sys_error(errno);
        close(fd);
        return err;
    }
    *out = fd;
    return 0;
}

int se_unix_listen(const char *path, int backlog, se_socket *out)
{
    struct sockaddr_storage addr;
    se_socklen len;
    int err = se_unix_address(path, &addr, &len);
    if (err)
        return err;
    se_socket s;
    if ((err = open_unix(&s)) != 0)
        return err;
    if (bind(s, (struct sockaddr *)&addr, len) != 0 || listen(s, backlog) != 0) {
        err = se_translate_sys_error(errno);
        close(s);
        return err;
    }
    *out = s;
    return 0;
}

int se_unix_connect(const char *path, se_socket *out)
{
    struct sockaddr_storage addr;
    se_socklen len;
    int err = se_unix_address(path, &addr, &len);
    if (err)
        return err;
    se_socket s;
    if ((err = open_unix(&s)) != 0)
        return err;
    err = se_socket_connect(s, (struct sockaddr *)&addr, len);
    if (err && err != SE_EINPROGRESS) {
        close(s);
        return err;
    }
    *out = s;
    return err;
}

int se_unix_remove(const char *path)
{
    if (path[0] == '@')
        return 0;
    return unlink(path) == 0 ? 0 : se_translate_sys_error(errno);
}
