/* The UDP echo client (`sockecho client --udp`): sends datagrams one at a
 * time, waits for each one's echo up to a timeout, and reports loss and
 * round-trip times. */
#ifndef SOCKECHO_UDP_CLIENT_H
#define SOCKECHO_UDP_CLIENT_H

#include "client/client.h"

typedef struct se_udp_options {
    const char *message; /* payload of each datagram, or NULL for --size */
    size_t size;         /* --size: bytes of pattern per datagram */
    uint64_t seed;       /* datagram I carries the pattern of SEED + I */
    uint64_t count;      /* datagrams to send */
    uint64_t timeout_ms; /* wait for each echo */
} se_udp_options;

typedef struct se_udp_result {
    se_verdict verdict; /* complete, resolve, error, mismatch or timeout (loss) */
    char detail[256];
    char address[SE_ADDRSTRLEN];
    int port;
    uint64_t sent, received, late;
    double rtt_min_ms, rtt_avg_ms, rtt_max_ms; /* < 0 when nothing came back */
} se_udp_result;

/* Runs the exchange with OPT's host, port and family. Returns the verdict,
 * also in RESULT. */
se_verdict se_udp_client_run(const se_client_options *opt, const se_udp_options *udp,
                             se_udp_result *result);

#endif
