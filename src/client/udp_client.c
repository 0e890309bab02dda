/* UDP echo client; see udp_client.h. */
#include "client/udp_client.h"

#include "util/pattern.h"

#include <stdlib.h>
#include <string.h>

#define SE_UDP_MAX 65536

static void make_datagram(const se_udp_options *u, uint64_t index, char *buf, size_t *len)
{
    if (u->message) {
        *len = strlen(u->message);
        memcpy(buf, u->message, *len);
    } else {
        *len = u->size;
        se_pattern_fill(u->seed + index, 0, buf, *len);
    }
}

static int same_address(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family || se_addr_port(a) != se_addr_port(b))
        return 0;
    if (a->sa_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
    return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                  &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
}

/* Waits for datagram INDEX's echo. Returns 1 (echoed, *RTT set), 0 (timed
 * out), -1 (a datagram with other contents came from the server), or -2
 * (the server's host answered that nothing listens on the port). */
static int await_echo(se_socket sock, const struct sockaddr *server, const se_udp_options *u,
                      uint64_t index, const char *want, size_t want_len, char *buf,
                      se_udp_result *r, uint64_t sent_ns, double *rtt)
{
    uint64_t deadline = sent_ns + u->timeout_ms * 1000000u;
    for (;;) {
        uint64_t now = se_now_ns();
        if (now >= deadline)
            return 0;
        se_pollfd pfd;
        memset(&pfd, 0, sizeof pfd);
        pfd.fd = sock;
        pfd.events = SE_POLLIN;
        if (se_poll(&pfd, 1, (int)((deadline - now + 999999) / 1000000)) <= 0)
            continue;
        struct sockaddr_storage from;
        long n = se_udp_recv(sock, buf, SE_UDP_MAX, &from);
        /* On a connected UDP socket these report an ICMP port unreachable
         * (there is no connection to reset). */
        if (n == SE_ECONNREFUSED || n == SE_ECONNRESET)
            return -2;
        if (n < 0 || !same_address((struct sockaddr *)&from, server))
            continue; /* ICMP noise, or not from the server */
        if ((size_t)n == want_len && memcmp(buf, want, want_len) == 0) {
            *rtt = (double)(se_now_ns() - sent_ns) / 1e6;
            return 1;
        }
        /* A late echo of an earlier datagram is not a fault. */
        char *earlier = buf + SE_UDP_MAX;
        for (uint64_t i = 0; i < index && !u->message; i++) {
            size_t len;
            make_datagram(u, i, earlier, &len);
            if ((size_t)n == len && memcmp(buf, earlier, len) == 0) {
                r->late++;
                n = -1;
                break;
            }
        }
        if (n >= 0)
            return -1;
    }
}

se_verdict se_udp_client_run(const se_client_options *opt, const se_udp_options *u,
                             se_udp_result *r)
{
    memset(r, 0, sizeof *r);
    r->rtt_min_ms = r->rtt_avg_ms = r->rtt_max_ms = -1;
    struct addrinfo *list = NULL;
    int rc = se_resolve(opt->host, opt->port, opt->family, SOCK_DGRAM, 0, &list);
    if (rc) {
        r->verdict = SE_VERDICT_RESOLVE;
        snprintf(r->detail, sizeof r->detail, "cannot resolve %s: %s", opt->host, se_strerror(rc));
        return r->verdict;
    }
    const struct sockaddr *server = list->ai_addr;
    se_addr_host(server, r->address, sizeof r->address);
    r->port = se_addr_port(server);
    se_socket sock;
    int err = se_udp_open_client(list->ai_family, &sock);
    if (!err && (err = se_udp_connect(sock, server)) != 0)
        se_socket_close(sock);
    char *want = malloc(SE_UDP_MAX), *buf = malloc(2 * SE_UDP_MAX);
    if (err || !want || !buf) {
        r->verdict = SE_VERDICT_ERROR;
        snprintf(r->detail, sizeof r->detail, "cannot open a UDP socket: %s",
                 se_strerror(err ? err : SE_ENOMEM));
        if (!err)
            se_socket_close(sock);
        free(want);
        free(buf);
        freeaddrinfo(list);
        return r->verdict;
    }
    double rtt_sum = 0;
    for (uint64_t i = 0; i < u->count && r->verdict == SE_VERDICT_COMPLETE; i++) {
        size_t len;
        make_datagram(u, i, want, &len);
        uint64_t sent_ns = se_now_ns();
        long n = se_udp_send(sock, want, len, server);
        if (n < 0) {
            r->verdict = SE_VERDICT_ERROR;
            snprintf(r->detail, sizeof r->detail, "cannot send: %s", se_strerror((int)n));
            break;
        }
        r->sent++;
        double rtt = 0;
        int got = await_echo(sock, server, u, i, want, len, buf, r, sent_ns, &rtt);
        if (got == -2) {
            r->verdict = SE_VERDICT_REFUSED;
            snprintf(r->detail, sizeof r->detail,
                     "refused: nothing listens on UDP port %d of %s (ICMP port unreachable)",
                     r->port, r->address);
        } else if (got < 0) {
            r->verdict = SE_VERDICT_MISMATCH;
            snprintf(r->detail, sizeof r->detail, "mismatch: datagram %llu came back changed",
                     (unsigned long long)i);
        } else if (got > 0) {
            r->received++;
            rtt_sum += rtt;
            if (r->rtt_min_ms < 0 || rtt < r->rtt_min_ms)
                r->rtt_min_ms = rtt;
            if (rtt > r->rtt_max_ms)
                r->rtt_max_ms = rtt;
        }
    }
    if (r->received)
        r->rtt_avg_ms = rtt_sum / (double)r->received;
    if (r->verdict == SE_VERDICT_COMPLETE && r->received < r->sent) {
        r->verdict = SE_VERDICT_TIMEOUT;
        snprintf(r->detail, sizeof r->detail,
                 "timeout: %llu of %llu datagrams came back within %.3g s each",
                 (unsigned long long)r->received, (unsigned long long)r->sent,
                 (double)u->timeout_ms / 1000);
    }
    se_socket_close(sock);
    free(want);
    free(buf);
    freeaddrinfo(list);
    return r->verdict;
}
