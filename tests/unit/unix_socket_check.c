/* The Unix domain socket round trip of unix_socket_check.h. */
#include "unix_socket_check.h"
#include "platform/unix_socket.h"
#include "test.h"

#include <string.h>

/* Waits (at most 5 s) until SOCK is readable (or writable). */
static int wait_for(se_socket sock, int writable)
{
    se_pollfd p;
    memset(&p, 0, sizeof p);
    p.fd = sock;
    p.events = writable ? SE_POLLOUT : SE_POLLIN;
    return se_poll(&p, 1, 5000);
}

static long recv_wait(se_socket sock, char *buf, size_t len)
{
    long n = se_socket_recv(sock, buf, len);
    if (n == SE_EAGAIN && wait_for(sock, 0) == 1)
        n = se_socket_recv(sock, buf, len);
    return n;
}

void check_unix_roundtrip(const char *path)
{
    se_socket listener, client, server;
    CHECK_EQ_INT(se_unix_listen(path, 8, &listener), 0);
    if (test_failures)
        return;
    /* A second listener on the same name is refused. */
    se_socket other;
    CHECK_EQ_INT(se_unix_listen(path, 8, &other), SE_EADDRINUSE);

    int rc = se_unix_connect(path, &client);
    CHECK(rc == 0 || rc == SE_EINPROGRESS);
    if (rc == SE_EINPROGRESS) {
        CHECK_EQ_INT(wait_for(client, 1), 1);
        CHECK_EQ_INT(se_socket_error(client), 0);
    }
    CHECK_EQ_INT(wait_for(listener, 0), 1);
    struct sockaddr_storage peer;
    CHECK_EQ_INT(se_socket_accept(listener, &server, &peer), 0);
    if (test_failures)
        return;

    char buf[64];
    CHECK_EQ_INT(se_socket_send(client, "ping", 4), 4);
    CHECK_EQ_INT(recv_wait(server, buf, sizeof buf), 4);
    CHECK_EQ_INT(se_socket_shutdown_send(client), 0);
    CHECK_EQ_INT(recv_wait(server, buf, sizeof buf), SE_EOF);
    /* After the client's FIN the server can still answer. */
    CHECK_EQ_INT(se_socket_send(server, "pong", 4), 4);
    CHECK_EQ_INT(se_socket_shutdown_send(server), 0);
    CHECK_EQ_INT(recv_wait(client, buf, sizeof buf), 4);
    CHECK(memcmp(buf, "pong", 4) == 0);
    CHECK_EQ_INT(recv_wait(client, buf, sizeof buf), SE_EOF);

    se_socket_close(client);
    se_socket_close(server);
    se_socket_close(listener);
    CHECK_EQ_INT(se_unix_remove(path), 0);
    /* Nobody there any more. */
    rc = se_unix_connect(path, &client);
    CHECK(rc == SE_ENOENT || rc == SE_ECONNREFUSED);
    if (rc == 0 || rc == SE_EINPROGRESS)
        se_socket_close(client);
}

void unix_test_path(char *buf, size_t size)
{
    snprintf(buf, size, "se-unit-%llu.sock", (unsigned long long)(se_now_ns() % 1000000007u));
}
