/* Unix domain stream sockets on Windows 10 (afunix.h): filesystem paths;
 * abstract names are refused (Windows documents no such namespace). */
#include "platform/unix_socket.h"

#include <afunix.h>
#include <stddef.h>
#include <string.h>

static int last_error(void)
{
    return se_translate_sys_error(WSAGetLastError());
}

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

static int open_unix(se_socket *out)
{
    SOCKET s = WSASocketW(AF_UNIX, SOCK_STREAM, 0, NULL, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET)
        return last_error();
    u_long on = 1;
    if (ioctlsocket(s, FIONBIO, &on) != 0) {
        int err = last_error();
        closesocket(s);
        return err;
    }
    *out = s;
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
        err = last_error();
        closesocket(s);
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
        closesocket(s);
        return err;
    }
    *out = s;
    return err;
}

int se_unix_remove(const char *path)
{
    if (DeleteFileA(path))
        return 0;
    return se_translate_sys_error((int)GetLastError());
}
