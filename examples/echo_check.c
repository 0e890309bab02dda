/* echo_check: checks an echo server with libsockecho.
 *
 *   echo_check HOST [PORT [BYTES]]
 *
 * Runs two sessions against HOST (port 27015 by default): one sending BYTES
 * (default 1 MiB) of the generated pattern, one sending a text produced by a
 * source callback and collecting the echo with a sink callback. Prints each
 * verdict with byte counts and timings; exits 0 when both are complete,
 * otherwise with the first bad verdict (the codes of `sockecho client`).
 *
 * Build against the installed library:
 *   cc echo_check.c $(pkg-config --cflags --libs sockecho) -o echo_check
 * or with CMake: find_package(sockecho) and link sockecho::sockecho. */
#include <sockecho.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The source callback's state: LINES lines of text, one per call. */
struct lines {
    int next, count;
};

static long produce_line(void *arg, void *buf, size_t cap)
{
    struct lines *l = arg;
    if (l->next == l->count)
        return 0; /* end of payload: the session half-closes */
    char line[64];
    int n = snprintf(line, sizeof line, "line %d of %d\n", l->next + 1, l->count);
    if (n < 0 || (size_t)n > cap)
        return SOCKECHO_EINVAL;
    memcpy(buf, line, (size_t)n);
    l->next++;
    return n;
}

/* The sink callback's state: bytes of echo seen. */
static void count_echo(void *arg, const void *data, size_t len)
{
    (void)data;
    *(unsigned long long *)arg += len;
}

static int report(const char *what, sockecho_session *s, int verdict)
{
    sockecho_result r;
    if (verdict < 0) {
        fprintf(stderr, "echo_check: %s: %s (%s): %s\n", what, sockecho_strerror(verdict),
                sockecho_err_name(verdict), sockecho_session_detail(s));
        return 1;
    }
    sockecho_result_init(&r);
    sockecho_session_result(s, &r);
    printf("%s: %s, %llu bytes sent, %llu received, connect %.3f ms, transfer %.3f ms, "
           "close %.3f ms\n",
           what, sockecho_verdict_name(verdict), (unsigned long long)r.bytes_sent,
           (unsigned long long)r.bytes_received, r.connect_ms, r.transfer_ms, r.close_ms);
    if (verdict != SOCKECHO_COMPLETE)
        fprintf(stderr, "echo_check: %s: %s [%s]\n", what, sockecho_session_detail(s),
                sockecho_err_name(r.error));
    return verdict;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: echo_check HOST [PORT [BYTES]]\n");
        return 2;
    }
    const char *host = argv[1], *port = argc > 2 ? argv[2] : "27015";
    unsigned long long bytes = argc > 3 ? strtoull(argv[3], NULL, 10) : 1u << 20;

    int err = sockecho_init();
    if (err) {
        fprintf(stderr, "echo_check: cannot start: %s\n", sockecho_strerror(err));
        return 1;
    }
    printf("libsockecho %s\n", sockecho_version());

    sockecho_options opt;
    sockecho_options_init(&opt);
    opt.connect_timeout_ms = 2000;
    opt.drain_timeout_ms = 5000;

    /* 1: the generated pattern, verified as it streams. */
    sockecho_session *s = sockecho_session_new(&opt);
    if (!s)
        return 1;
    sockecho_session_set_pattern(s, bytes, 42);
    int first = report("pattern", s, sockecho_session_run(s, host, port));
    sockecho_session_free(s);

    /* 2: bytes from a callback, echo handed to another callback. */
    struct lines lines = {0, 1000};
    unsigned long long echoed = 0;
    s = sockecho_session_new(&opt);
    if (!s)
        return 1;
    sockecho_session_set_source(s, produce_line, &lines);
    sockecho_session_set_sink(s, count_echo, &echoed);
    int second = report("callbacks", s, sockecho_session_run(s, host, port));
    printf("callbacks: the sink saw %llu bytes\n", echoed);
    sockecho_session_free(s);

    sockecho_cleanup();
    return first ? first : second;
}
