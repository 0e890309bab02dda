/* thread_echo: blocking thread-per-connection echo server.
 *
 * Each connection gets a detached thread that reads and writes everything
 * back (write_all), and on EOF shuts down its send side, then closes. This is
 * the kernel's loopback reference for bulk throughput: no event loop, no
 * copies beyond read/write. The main thread waits for SIGINT/SIGTERM with
 * sigwait; an accept thread takes connections (at most --max-conns at once). */
#include "peer_common.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#define BUF_SIZE 65536
#define STACK_SIZE (64 * 1024)

static const char *prog = "thread_echo";
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static long open_conns, max_conns;

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char *buf = malloc(BUF_SIZE);
    for (;;) {
        ssize_t n;
        if (buf == NULL)
            break;
        n = read(fd, buf, BUF_SIZE);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            shutdown(fd, SHUT_WR);
        if (n <= 0 || write_all(fd, buf, (size_t)n) < 0)
            break;
    }
    free(buf);
    close(fd);
    pthread_mutex_lock(&count_lock);
    open_conns--;
    pthread_mutex_unlock(&count_lock);
    return NULL;
}

static void *accept_loop(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, STACK_SIZE);
    for (;;) {
        pthread_t t;
        int full, fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS) {
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL); /* back off, then accept again */
            }
            continue;
        }
        pthread_mutex_lock(&count_lock);
        full = open_conns >= max_conns;
        if (!full)
            open_conns++;
        pthread_mutex_unlock(&count_lock);
        if (full) {
            close(fd);
            continue;
        }
        if (pthread_create(&t, &attr, serve, (void *)(intptr_t)fd) != 0) {
            close(fd);
            pthread_mutex_lock(&count_lock);
            open_conns--;
            pthread_mutex_unlock(&count_lock);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    peer_options o;
    sigset_t mask;
    pthread_t acceptor;
    int lfd, sig;

    peer_parse(argc, argv, &o);
    max_conns = o.max_conns;
    signal(SIGPIPE, SIG_IGN);
    /* Every thread inherits the blocked mask; only sigwait below takes them. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &mask, NULL);
    lfd = peer_listen(prog, &o, 0);
    if (pthread_create(&acceptor, NULL, accept_loop, (void *)(intptr_t)lfd) != 0) {
        fprintf(stderr, "%s: cannot start the accept thread\n", prog);
        return 1;
    }
    sigwait(&mask, &sig);
    /* Exiting the process ends every connection thread. */
    return 0;
}
