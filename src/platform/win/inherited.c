/* Windows has neither systemd socket activation nor inetd. */
#include "platform/platform.h"

int se_socket_type(se_socket sock)
{
    int type = 0;
    int len = sizeof type;
    if (getsockopt(sock, SOL_SOCKET, SO_TYPE, (char *)&type, &len) != 0)
        return se_translate_sys_error(WSAGetLastError());
    return type;
}

int se_systemd_sockets(se_socket *out, size_t max, size_t *count)
{
    (void)out;
    (void)max;
    *count = 0;
    return SE_ENOSYS;
}

int se_inetd_socket(se_socket *out)
{
    (void)out;
    return SE_ENOSYS;
}
