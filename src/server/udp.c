/* UDP echo (RFC 862) on the first worker's loop: each datagram goes back to
 * its sender, unless it comes from a port below 1024 (the echo/chargen
 * loop) or its source is over --udp-rate datagrams per second. */
#include "server_internal.h"

#include <stdlib.h>
#include <string.h>

#define SE_UDP_MAX_DATAGRAM 65536
#define SE_UDP_PER_EVENT 64
#define SE_UDP_LIMITER_SLOTS 4096

/* A fixed-size table of per-source counters over one-second windows. Two
 * sources that hash alike share a slot and the newest takes it over: the
 * cap is approximate under collisions, the memory is bounded always. */
typedef struct udp_slot {
    unsigned char key[18]; /* address and port */
    uint64_t window;       /* the second this count belongs to */
    uint64_t count;
} udp_slot;

struct udp_limiter {
    udp_slot slots[SE_UDP_LIMITER_SLOTS];
    char buf[SE_UDP_MAX_DATAGRAM];
};

static void source_key(const struct sockaddr *from, unsigned char key[18])
{
    memset(key, 0, 18);
    if (from->sa_family == AF_INET6)
        memcpy(key, &((const struct sockaddr_in6 *)from)->sin6_addr, 16);
    else
        memcpy(key, &((const struct sockaddr_in *)from)->sin_addr, 4);
}

/* Nonzero when FROM may have one more datagram echoed this second. */
static int under_rate(struct udp_limiter *lim, const struct sockaddr *from, uint64_t rate,
                      uint64_t now_ms)
{
    unsigned char key[18];
    source_key(from, key);
    uint32_t h = 2166136261u;
    for (int i = 0; i < 18; i++)
        h = (h ^ key[i]) * 16777619u;
    udp_slot *slot = &lim->slots[h % SE_UDP_LIMITER_SLOTS];
    uint64_t window = now_ms / 1000;
    if (memcmp(slot->key, key, sizeof key) != 0 || slot->window != window) {
        memcpy(slot->key, key, sizeof key);
        slot->window = window;
        slot->count = 0;
    }
    return ++slot->count <= rate;
}

static void on_datagram(se_loop *loop, se_io *io, int events)
{
    (void)events;
    worker *w = se_io_data(io);
    server *srv = w->srv;
    struct udp_limiter *lim = w->udp_limiter;
    for (int i = 0; i < SE_UDP_PER_EVENT; i++) {
        struct sockaddr_storage from;
        long n = se_udp_recv(se_io_socket(io), lim->buf, sizeof lim->buf, &from);
        if (n == SE_EAGAIN)
            return;
        if (n < 0) {
            /* ICMP errors for earlier replies land here: not fatal. */
            se_server_log(srv, 3, "udp: %s", se_strerror((int)n));
            continue;
        }
        SE_STAT_ADD(&srv->stats, udp_in, 1);
        const struct sockaddr *src = (const struct sockaddr *)&from;
        if (se_addr_port(src) < 1024 || !se_policy_allows(&srv->opt->policy, src) ||
            (srv->opt->udp_rate && !under_rate(lim, src, srv->opt->udp_rate, se_loop_now(loop)))) {
            SE_STAT_ADD(&srv->stats, udp_dropped, 1);
            continue;
        }
        long sent = se_udp_send(se_io_socket(io), lim->buf, (size_t)n, src);
        if (sent == n)
            SE_STAT_ADD(&srv->stats, udp_out, 1);
        else
            SE_STAT_ADD(&srv->stats, udp_dropped, 1);
    }
}

int se_udp_start(worker *w)
{
    server *srv = w->srv;
    if (srv->udp_count == 0)
        return 0;
    w->udp_limiter = calloc(1, sizeof *w->udp_limiter);
    if (!w->udp_limiter)
        return SE_ENOMEM;
    for (size_t i = 0; i < srv->udp_count; i++) {
        se_io_init(&w->udp_io[i], srv->udp[i], on_datagram, w);
        int err = se_io_set(w->loop, &w->udp_io[i], SE_READABLE);
        if (err)
            return err;
        w->udp_count++;
    }
    return 0;
}

void se_udp_stop(worker *w)
{
    for (size_t i = 0; i < w->udp_count; i++)
        se_io_stop(w->loop, &w->udp_io[i]);
    w->udp_count = 0;
    free(w->udp_limiter);
    w->udp_limiter = NULL;
}
