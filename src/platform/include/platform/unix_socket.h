/* Unix domain stream sockets: a filesystem PATH, or on Linux an abstract
 * name written "@name" (no file; gone with the last socket). Windows 10 has
 * AF_UNIX stream sockets with filesystem paths. The sockets are
 * non-blocking and close-on-exec like se_socket_open()'s, and the other
 * se_socket_* calls (send, recv, shutdown, close) work on them. */
#ifndef SOCKECHO_UNIX_SOCKET_H
#define SOCKECHO_UNIX_SOCKET_H

#include "platform/platform.h"

/* Longest PATH (or "@name", the '@' included): sun_path less its NUL. */
#define SE_UNIX_PATH_MAX 107

/* Fills *OUT and *LEN with PATH's address. Returns 0, SE_EINVAL (empty or
 * longer than SE_UNIX_PATH_MAX) or SE_ENOSYS ("@name" where the OS has no
 * abstract names). */
int se_unix_address(const char *path, struct sockaddr_storage *out, se_socklen *len);

/* Creates a listening socket at PATH. An existing file at PATH is an error
 * (SE_EADDRINUSE): the caller decides whether to remove it. */
int se_unix_listen(const char *path, int backlog, se_socket *out);

/* Opens a socket and starts connecting it to PATH. Returns 0 (connected),
 * SE_EINPROGRESS (finish with se_socket_error once writable), both with
 * *OUT set, or an error (SE_ENOENT: no such socket; SE_ECONNREFUSED:
 * nobody listens) with nothing to close. */
int se_unix_connect(const char *path, se_socket *out);

/* Removes the socket file at PATH (nothing for an abstract name). */
int se_unix_remove(const char *path);

#endif
