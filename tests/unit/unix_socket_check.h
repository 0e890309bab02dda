/* A round trip over a Unix domain stream socket at PATH, shared by the
 * POSIX and Windows tests: connect, echo, half-close both ways. */
#ifndef SOCKECHO_UNIX_SOCKET_CHECK_H
#define SOCKECHO_UNIX_SOCKET_CHECK_H

#include <stddef.h>

void check_unix_roundtrip(const char *path);

/* A fresh relative socket path for this run into BUF. */
void unix_test_path(char *buf, size_t size);

#endif
