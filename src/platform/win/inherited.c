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

int se_systemd_sockets(se_socket *out, size_t max, size_t *count, char *why, size_t why_size)
{
    (void)out;
    (void)max;
    *count = 0;
    snprintf(why, why_size, "not supported on this system");
    return SE_ENOSYS;
}

int se_inetd_socket(se_socket *out, char *why, size_t why_size)
{
    (void)out;
    snprintf(why, why_size, "not supported on this system");
    return SE_ENOSYS;
}
