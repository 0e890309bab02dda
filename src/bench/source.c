/* Source address ranges; see source.h. */
#include "bench/source.h"

#include <stdlib.h>
#include <string.h>

static uint32_t host_mask(unsigned host_bits)
{
    return host_bits >= 32 ? 0xffffffffu : (1u << host_bits) - 1;
}

/* The 32 bits that vary: the whole IPv4 address, the last word of IPv6. */
static unsigned char *low_word(struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (unsigned char *)&((struct sockaddr_in *)ss)->sin_addr;
    return ((struct sockaddr_in6 *)ss)->sin6_addr.s6_addr + 12;
}

static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void set_range(se_source_range *r, unsigned host_bits)
{
    uint64_t size = UINT64_C(1) << (host_bits > 32 ? 32 : host_bits);
    r->hosts = size > 2 ? size - 2 : size;
    r->first = size > 2 ? 1 : 0;
    unsigned char *w = low_word(&r->base);
    store_be32(w, load_be32(w) & ~host_mask(host_bits));
}

int se_source_range_parse(const char *text, se_source_range *r, char *err, size_t err_size)
{
    const char *slash = strchr(text, '/');
    char host[64];
    size_t len = slash ? (size_t)(slash - text) : 0;
    char *end = NULL;
    long bits = slash ? strtol(slash + 1, &end, 10) : -1;
    struct addrinfo *ai = NULL;
    if (!slash || len == 0 || len >= sizeof host || end == slash + 1 || *end != '\0') {
        snprintf(err, err_size, "'%.60s' is not ADDRESS/BITS (e.g. 127.0.0.0/8)", text);
        return -1;
    }
    memcpy(host, text, len);
    host[len] = '\0';
    if (se_resolve(host, NULL, AF_UNSPEC, SOCK_STREAM, SE_RESOLVE_NUMERIC, &ai) != 0) {
        snprintf(err, err_size, "'%.60s' is not a numeric IPv4 or IPv6 address", host);
        return -1;
    }
    memset(r, 0, sizeof *r);
    memcpy(&r->base, ai->ai_addr, (size_t)ai->ai_addrlen);
    freeaddrinfo(ai);
    long max_bits = r->base.ss_family == AF_INET ? 32 : 128;
    if (bits < 0 || bits > max_bits) {
        snprintf(err, err_size, "prefix length %.20s is out of range (0-%ld)", slash + 1, max_bits);
        return -1;
    }
    set_range(r, (unsigned)(max_bits - bits));
    return 0;
}

int se_source_range_default(const struct addrinfo *list, se_source_range *r)
{
    for (; list; list = list->ai_next) {
        if (list->ai_family != AF_INET)
            continue;
        const struct sockaddr_in *sin = (const struct sockaddr_in *)list->ai_addr;
        if (((const unsigned char *)&sin->sin_addr)[0] != 127)
            return 0;
        memset(r, 0, sizeof *r);
        struct sockaddr_in *base = (struct sockaddr_in *)&r->base;
        base->sin_family = AF_INET;
        store_be32((unsigned char *)&base->sin_addr, 0x7f000000u);
        set_range(r, 24);
        return 1;
    }
    return 0;
}

void se_source_range_get(const se_source_range *r, uint64_t index, struct sockaddr_storage *out)
{
    *out = r->base;
    unsigned char *w = low_word(out);
    store_be32(w, load_be32(w) + r->first + (uint32_t)(index % r->hosts));
}
