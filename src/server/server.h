/* The echo server: listeners, one event loop, one se_conn per client. It
 * echoes every byte in order, pauses reading a connection whose unsent echo
 * exceeds max_buffer, and answers the client's FIN with its own once the
 * echo is flushed. */
#ifndef SOCKECHO_SERVER_H
#define SOCKECHO_SERVER_H

#include <stddef.h>
#include <stdint.h>

typedef struct se_server_options {
    const char *bind; /* NULL: all interfaces */
    const char *port; /* numeric; "0": any free port */
    int family;       /* AF_UNSPEC, AF_INET or AF_INET6 */
    const char *backend;
    size_t max_buffer;
    uint64_t drain_timeout_ms;
    int once;      /* serve one client, then return */
    int verbosity; /* 0: errors only, 1: default, 2: per connection */
} se_server_options;

/* Runs the server until --once is done or a stop signal has been handled.
 * Prints its own lines (listening, per connection, summary, errors).
 * Returns the process exit code: 0, or 1 when it could not run. */
int se_server_run(const se_server_options *opt);

#endif
