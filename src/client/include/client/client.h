/* The verifying echo client: one connection through the whole lifecycle
 * (resolve, connect with address fallback, send while receiving, half-close,
 * read to FIN, close), ending in exactly one verdict. */
#ifndef SOCKECHO_CLIENT_H
#define SOCKECHO_CLIENT_H

#include "client/payload.h"
#include "conn/tls_config.h"
#include "util/verdict.h"
#include "platform/platform.h"
#include "platform/sockopt.h"

struct se_proxy_url;

typedef struct se_client_options {
    const char *host;
    const char *port;
    int family; /* AF_UNSPEC, AF_INET or AF_INET6 */
    const char *backend;
    const char *output_path; /* NULL: discard the echo */
    uint64_t connect_timeout_ms;
    uint64_t attempt_delay_ms;     /* Happy Eyeballs (conn/race.h); 0: one address at a time */
    const struct sockaddr *source; /* each attempt binds to it first; NULL: any */
    const char *unix_path;         /* connect to this Unix domain socket, not HOST (the path) */
    uint64_t idle_timeout_ms;      /* 0: none */
    uint64_t drain_timeout_ms;     /* 0: none */
    uint64_t expect_trailer;       /* bytes of the server's --trailer after the echo */
    /* Optional (-v): each step worth a line (a connect attempt, a tunnel
     * opened, the event backend's fallback), as one line of text without
     * a newline; the owner prints it. */
    void (*on_log)(void *arg, const char *line);
    void *log_arg;
    /* Optional: each chunk of the echo as it arrives (the library's sink). */
    void (*on_echo)(void *arg, const char *data, size_t len);
    void *echo_arg;
    /* Reach HOST through this SOCKS5 or HTTP CONNECT proxy (conn/proxy_url.h;
     * borrowed); NULL: directly. */
    const struct se_proxy_url *proxy;
    int send_proxy; /* 1 or 2: send a PROXY header of that version first; 0: none */
    const struct sockaddr *proxy_source; /* the client that header claims; NULL: our own */
    const se_sockopts *sockopts;         /* applied to each attempt's socket; NULL: none */
    se_tls_config *tls;                  /* TLS over the connection; NULL: plain TCP */
    const char *tls_servername;          /* the name verified and sent as SNI; NULL: HOST */
    /* Optional: called every TICK_MS from the start of the session (while
     * connecting too) with the bytes sent and received so far. It returns
     * SE_CLIENT_CONTINUE, or SE_CLIENT_INTERRUPT to end the session at once
     * (connection aborted, verdict interrupted). It may end the payload
     * (se_payload_end): the client then half-closes as after its last byte. */
    int (*on_tick)(void *arg, uint64_t sent, uint64_t received);
    void *tick_arg;
    uint64_t tick_ms;
} se_client_options;

enum { SE_CLIENT_CONTINUE, SE_CLIENT_INTERRUPT };

typedef struct se_attempt {
    char address[SE_ADDRSTRLEN]; /* numeric host */
    int port;
    int status; /* 0 or SE_E* */
    double ms;
    double start_ms; /* when it started, from the first attempt's start */
} se_attempt;

typedef struct se_client_result {
    se_verdict verdict;
    char detail[512]; /* one line explaining a verdict other than complete */
    int error;        /* the SE_E* code behind the verdict, 0 if none */
    uint64_t bytes_sent, bytes_received;
    int fin_received;
    int have_mismatch;
    uint64_t fault_offset; /* first mismatching or excess byte */
    unsigned char expected_byte, received_byte;
    char address[SE_ADDRSTRLEN]; /* numeric host connected to; "" if none */
    int port;
    double connect_ms, transfer_ms, close_ms; /* < 0: did not happen */
    se_attempt *attempts;                     /* owned; free with se_client_result_free */
    size_t attempt_count;
    uint64_t attempt_delay_ms;  /* the race's delay (options.attempt_delay_ms) */
    char source[SE_ADDRSTRLEN]; /* options.source as "ADDR:PORT"; "" if none */
    char proxy[300];   /* "socks5h://HOST:PORT" (no credentials) with --proxy; "" if none */
    int send_proxy;    /* the PROXY header version sent first; 0 if none */
    int have_sockopts; /* with sockopts, once connected: */
    se_sockopts_state sockopts; /* the options in force, read back */
    /* With TLS (options.tls): the session, once its handshake is done. */
    int tls_used;
    int tls_handshake_done;
    se_tls_info tls;
    int tls_close_notify_sent, tls_close_notify_received;
} se_client_result;

/* Runs one session sending PAYLOAD (owned by the caller) and fills RESULT.
 * Returns RESULT->verdict. */
se_verdict se_client_run(const se_client_options *opt, se_payload *payload,
                         se_client_result *result);

void se_client_result_free(se_client_result *result);

#endif
