/* Portable error names and messages. The OS-specific translation of errno
 * and WSA codes lives in posix/error.c and win/error.c. */
#include "platform/error.h"

const char *se_err_name(int code)
{
    switch (code) {
#define SE_NAME_CASE(name, msg)                                                                    \
    case SE_##name:                                                                                \
        return #name;
        SE_ERRNO_MAP(SE_NAME_CASE)
#undef SE_NAME_CASE
    default:
        return "EUNKNOWN";
    }
}

const char *se_strerror(int code)
{
    switch (code) {
#define SE_MSG_CASE(name, msg)                                                                     \
    case SE_##name:                                                                                \
        return msg;
        SE_ERRNO_MAP(SE_MSG_CASE)
#undef SE_MSG_CASE
    default:
        return "Unknown system error";
    }
}

int se_err_is_local(int code)
{
    return code == SE_EMFILE || code == SE_ENFILE || code == SE_ENOBUFS || code == SE_ENOMEM ||
           code == SE_EADDRNOTAVAIL;
}

int se_err_is_reset(int code)
{
    return code == SE_ECONNRESET || code == SE_ECONNABORTED || code == SE_EPIPE ||
           code == SE_ENOTCONN || code == SE_ESHUTDOWN;
}
