/* errno and getaddrinfo() codes to portable SE_E* codes. */
#include "platform/platform.h"

#include <errno.h>

int se_translate_sys_error(int sys_error)
{
    switch (sys_error) {
    case 0:
        return 0;
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
        return SE_EAGAIN;
    case EINPROGRESS:
        return SE_EINPROGRESS;
    case EINTR:
        return SE_EINTR;
    case ECONNREFUSED:
        return SE_ECONNREFUSED;
    case ECONNRESET:
        return SE_ECONNRESET;
    case ECONNABORTED:
        return SE_ECONNABORTED;
    case ETIMEDOUT:
        return SE_ETIMEDOUT;
    case ENETUNREACH:
        return SE_ENETUNREACH;
    case EHOSTUNREACH:
        return SE_EHOSTUNREACH;
    case ENETDOWN:
        return SE_ENETDOWN;
    case EADDRINUSE:
        return SE_EADDRINUSE;
    case EADDRNOTAVAIL:
        return SE_EADDRNOTAVAIL;
    case EAFNOSUPPORT:
        return SE_EAFNOSUPPORT;
    case EPIPE:
        return SE_EPIPE;
    case ENOTCONN:
        return SE_ENOTCONN;
    case ESHUTDOWN:
        return SE_ESHUTDOWN;
    case EMFILE:
        return SE_EMFILE;
    case ENFILE:
        return SE_ENFILE;
    case ENOBUFS:
        return SE_ENOBUFS;
    case ENOMEM:
        return SE_ENOMEM;
    case EACCES:
    case EPERM:
        return SE_EACCES;
    case ENOENT:
        return SE_ENOENT;
    case EISDIR:
        return SE_EISDIR;
    case EINVAL:
        return SE_EINVAL;
    case ENOTSOCK:
        return SE_ENOTSOCK;
    case ENOSYS:
        return SE_ENOSYS;
    case EIO:
        return SE_EIO;
    case ENOSPC:
        return SE_ENOSPC;
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
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY:
#endif
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
        return SE_EAI_FAMILY;
    case EAI_MEMORY:
        return SE_ENOMEM;
    case EAI_SYSTEM:
        return se_translate_sys_error(errno);
    default:
        return SE_EAI_NONAME;
    }
}

int se_last_file_error(void)
{
    return se_translate_sys_error(errno);
}
