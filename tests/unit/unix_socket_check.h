/* A round trip over a Unix domain stream socket at PATH, shared by the
 * POSIX and Windows tests: connect, echo, half-close both ways. */
#ifndef SOCKECHO_UNIX_SOCKET_CHECK_H
#define SOCKECHO_UNIX_SOCKET_CHECK_H

void check_unix_roundtrip(const char *path);

#endif
