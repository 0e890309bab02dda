/* Portable error codes (libuv's UV_E* model): negative values with a name and
 * a message. The OS error files (posix/error.c, win/error.c) translate errno
 * and WSA codes into these; everything above the platform layer sees only
 * these. */
#ifndef SOCKECHO_ERROR_H
#define SOCKECHO_ERROR_H

/* X(name, message) */
#define SE_ERRNO_MAP(X)                                                                            \
    X(EOF, "end of stream")                                                                        \
    X(EAGAIN, "resource temporarily unavailable")                                                  \
    X(EINPROGRESS, "operation in progress")                                                        \
    X(EINTR, "interrupted system call")                                                            \
    X(ECONNREFUSED, "Connection refused")                                                          \
    X(ECONNRESET, "Connection reset by peer")                                                      \
    X(ECONNABORTED, "Software caused connection abort")                                            \
    X(ETIMEDOUT, "Connection timed out")                                                           \
    X(ENETUNREACH, "Network is unreachable")                                                       \
    X(EHOSTUNREACH, "No route to host")                                                            \
    X(ENETDOWN, "Network is down")                                                                 \
    X(EADDRINUSE, "Address already in use")                                                        \
    X(EADDRNOTAVAIL, "Cannot assign requested address")                                            \
    X(EAFNOSUPPORT, "Address family not supported")                                                \
    X(EPIPE, "Broken pipe")                                                                        \
    X(ENOTCONN, "Socket is not connected")                                                         \
    X(ESHUTDOWN, "Cannot send after socket shutdown")                                              \
    X(EMFILE, "Too many open files")                                                               \
    X(ENFILE, "Too many open files in system")                                                     \
    X(ENOBUFS, "No buffer space available")                                                        \
    X(ENOMEM, "Out of memory")                                                                     \
    X(EACCES, "Permission denied")                                                                 \
    X(ENOENT, "No such file or directory")                                                         \
    X(EISDIR, "Is a directory")                                                                    \
    X(EINVAL, "Invalid argument")                                                                  \
    X(ENOTSOCK, "Not a socket")                                                                    \
    X(ENOSYS, "Function not implemented")                                                          \
    X(EIO, "Input/output error")                                                                   \
    X(ENOSPC, "No space left on device")                                                           \
    X(EAI_NONAME, "Name or service not known")                                                     \
    X(EAI_AGAIN, "Temporary failure in name resolution")                                           \
    X(EAI_FAIL, "Non-recoverable failure in name resolution")                                      \
    X(EAI_FAMILY, "No address of the requested family")                                            \
    X(EUNKNOWN, "Unknown system error")                                                            \
    X(EINJECTED, "fault injected on purpose")                                                      \
    X(ETLS, "TLS handshake or record failed")                                                      \
    X(ECANCELED, "operation canceled")

enum {
    SE_ERROR_BASE = -4000,
#define SE_ENUM(name, msg) SE_##name,
    SE_ERRNO_MAP(SE_ENUM)
#undef SE_ENUM
        SE_ERROR_END
};

/* Returns the short name of CODE ("ECONNREFUSED"); "EUNKNOWN" for a code
 * outside the table. Never NULL; the string is static. */
const char *se_err_name(int code);

/* Returns the message of CODE ("Connection refused"); static. */
const char *se_strerror(int code);

/* Nonzero for the errors that mean the peer reset or tore down the
 * connection (ECONNRESET, ECONNABORTED, EPIPE, ENOTCONN, ESHUTDOWN). */
int se_err_is_reset(int code);

/* Nonzero for the errors that are this machine's, not the network's: out
 * of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), or a source
 * address or port that cannot be assigned (EADDRNOTAVAIL). */
int se_err_is_local(int code);

/* Translates an OS error number (errno on POSIX, a WSA or Win32 code on
 * Windows) into an SE_E* code. Implemented per OS. */
int se_translate_sys_error(int sys_error);

/* Translates a getaddrinfo() error into an SE_EAI_* code. Per OS. */
int se_translate_gai_error(int gai_error);

#endif
