/* Unix domain stream sockets, the same on every OS once the address is
 * built (se_unix_address, per OS). */
#include "platform/unix_socket.h"

int se_unix_listen(const char *path, int backlog, se_socket *out)
{
    struct sockaddr_storage addr;
    se_socklen len;
    int err = se_unix_address(path, &addr, &len);
    if (err)
        return err;
    return se_socket_listen((const struct sockaddr *)&addr, len, 0, backlog, out);
}

int se_unix_connect(const char *path, se_socket *out)
{
    struct sockaddr_storage addr;
    se_socklen len;
    int err = se_unix_address(path, &addr, &len);
    if (err)
        return err;
    se_socket s;
    if ((err = se_socket_open(AF_UNIX, &s)) != 0)
        return err;
    err = se_socket_connect(s, (const struct sockaddr *)&addr, len);
    if (err && err != SE_EINPROGRESS) {
        se_socket_close(s);
        return err;
    }
    *out = s;
    return err;
}
