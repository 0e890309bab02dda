/* WSA and Win32 error codes to portable SE_E* codes. Messages come from our
 * own table (error.c), not FormatMessage, which lacks text for several WSA
 * codes. */
#include "platform/platform.h"

#include <errno.h>

int se_translate_sys_error(int sys_error)
{
    switch (sys_error) {
    case 0:
        return 0;
    case WSAEWOULDBLOCK:
        return SE_EAGAIN;
    case WSAEINPROGRESS:
    case WSAEALREADY:
        return SE_EINPROGRESS;
    case WSAEINTR:
        return SE_EINTR;
    case WSAECONNREFUSED:
    case ERROR_CONNECTION_REFUSED: /* an overlapped connect's Win32 code */
        return SE_ECONNREFUSED;
    case WSAECONNRESET:
    case WSAENETRESET:
        return SE_ECONNRESET;
    case WSAECONNABORTED:
        return SE_ECONNABORTED;
    case WSAETIMEDOUT:
    case ERROR_SEM_TIMEOUT:
        return SE_ETIMEDOUT;
    case WSAENETUNREACH:
    case ERROR_NETWORK_UNREACHABLE:
        return SE_ENETUNREACH;
    case WSAEHOSTUNREACH:
    case ERROR_HOST_UNREACHABLE:
        return SE_EHOSTUNREACH;
    case WSAENETDOWN:
        return SE_ENETDOWN;
    case WSAEADDRINUSE:
        return SE_EADDRINUSE;
    case WSAEADDRNOTAVAIL:
        return SE_EADDRNOTAVAIL;
    case WSAEAFNOSUPPORT:
    case WSAEPFNOSUPPORT:
        return SE_EAFNOSUPPORT;
    case WSAENOTCONN:
        return SE_ENOTCONN;
    case WSAESHUTDOWN:
        return SE_ESHUTDOWN;
    case WSAEMFILE:
    case ERROR_TOO_MANY_OPEN_FILES:
        return SE_EMFILE;
    case WSAENOBUFS:
        return SE_ENOBUFS;
    case WSA_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return SE_ENOMEM;
    case WSAEACCES:
    case ERROR_ACCESS_DENIED:
        return SE_EACCES;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        return SE_ENOENT;
    case WSAEINVAL:
    case WSAEFAULT:
    case ERROR_INVALID_PARAMETER:
        return SE_EINVAL;
    case WSAENOTSOCK:
        return SE_ENOTSOCK;
    case WSAHOST_NOT_FOUND:
        return SE_EAI_NONAME;
    case WSATRY_AGAIN:
        return SE_EAI_AGAIN;
    case WSANO_RECOVERY:
        return SE_EAI_FAIL;
    case WSANO_DATA:
        return SE_EAI_FAMILY;
    default:
        return SE_EUNKNOWN;
    }
}

int se_translate_gai_error(int gai_error)
{
    switch (gai_error) {
    case 0:
        return 0;
    case EAI_AGAIN:
        return SE_EAI_AGAIN;
    case EAI_FAIL:
        return SE_EAI_FAIL;
    case EAI_FAMILY:
    case WSANO_DATA:
        return SE_EAI_FAMILY;
    case EAI_MEMORY:
        return SE_ENOMEM;
    default:
        return SE_EAI_NONAME;
    }
}

/* The C runtime's errno, for stdio failures. */
int se_last_file_error(void)
{
    switch (errno) {
    case ENOENT:
        return SE_ENOENT;
    case EACCES:
        return SE_EACCES;
    case EISDIR:
        return SE_EISDIR;
    case ENOSPC:
        return SE_ENOSPC;
    case ENOMEM:
        return SE_ENOMEM;
    case EINVAL:
        return SE_EINVAL;
    case EMFILE:
        return SE_EMFILE;
    default:
        return SE_EIO;
    }
}
