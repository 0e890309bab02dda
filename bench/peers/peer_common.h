/* Shared by the bench peers: command line (--port, --bind, --max-conns) and the
 * listening socket. Each peer is a separate program; this header keeps their
 * options identical. */
#ifndef BENCH_PEER_COMMON_H
#define BENCH_PEER_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct peer_options {
    const char *bind;
    int port;
    long max_conns;
} peer_options;

static inline void peer_usage(const char *prog, FILE *out)
{
    fprintf(out,
            "usage: %s [--port PORT] [--bind IPV4] [--max-conns N]\n"
            "  --port PORT     port on the bind address (default 0: any free port)\n"
            "  --bind IPV4     address to listen on (default 127.0.0.1)\n"
            "  --max-conns N   connections served at once; more are closed (default 30000)\n"
            "Prints 'listening on ADDR PORT' on stderr; SIGINT/SIGTERM stop it.\n",
            prog);
}

static inline long peer_number(const char *prog, const char *opt, const char *s, long lo, long hi)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "%s: %s: '%s' is not a number in %ld-%ld\n", prog, opt, s, lo, hi);
        exit(2);
    }
    return v;
}

static inline void peer_parse(int argc, char **argv, peer_options *o)
{
    const char *prog = argv[0];
    int i;
    o->bind = "127.0.0.1";
    o->port = 0;
    o->max_conns = 30000;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            peer_usage(prog, stdout);
            exit(0);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "%s: unknown or incomplete option '%s'\n", prog, a);
            peer_usage(prog, stderr);
            exit(2);
        }
        if (!strcmp(a, "--port") || !strcmp(a, "-p"))
            o->port = (int)peer_number(prog, a, argv[++i], 0, 65535);
        else if (!strcmp(a, "--bind") || !strcmp(a, "-b"))
            o->bind = argv[++i];
        else if (!strcmp(a, "--max-conns"))
            o->max_conns = peer_number(prog, a, argv[++i], 1, 1000000);
        else {
            fprintf(stderr, "%s: unknown option '%s'\n", prog, a);
            peer_usage(prog, stderr);
            exit(2);
        }
    }
}

/* Binds and listens (SO_REUSEADDR, backlog 4096); prints the listening line.
 * Returns the socket, or exits 1. */
static inline int peer_listen(const char *prog, const peer_options *o, int extra_flags)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | extra_flags, 0);
    if (fd < 0) {
        fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
        exit(1);
    }
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)o->port);
    if (inet_pton(AF_INET, o->bind, &sin.sin_addr) != 1) {
        fprintf(stderr, "%s: --bind: '%s' is not an IPv4 address\n", prog, o->bind);
        exit(2);
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, 4096) < 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
        fprintf(stderr, "%s: cannot listen on %s:%d: %s\n", prog, o->bind, o->port,
                strerror(errno));
        exit(1);
    }
    fprintf(stderr, "listening on %s %d\n", o->bind, ntohs(sin.sin_port));
    fflush(stderr);
    return fd;
}

#endif
