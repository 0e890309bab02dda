/* Client source addresses spread over a CIDR range (--source-range), so that
 * many short connections do not exhaust one address's ephemeral ports while
 * their TIME_WAIT lasts. */
#ifndef SOCKECHO_BENCH_SOURCE_H
#define SOCKECHO_BENCH_SOURCE_H

#include "platform/platform.h"

typedef struct se_source_range {
    struct sockaddr_storage base; /* the network address, port 0 */
    uint64_t hosts;               /* addresses handed out, cycling */
    uint32_t first;               /* host number of the first one */
} se_source_range;

/* Parses "ADDR/BITS" (IPv4 or IPv6). Every address of the range but the
 * network and broadcast ones (when it has more than two) is used; in IPv6
 * only the last 32 bits vary. Returns 0, or -1 with a reason in ERR. */
int se_source_range_parse(const char *text, se_source_range *r, char *err, size_t err_size);

/* The default range for a target: 127.0.0.0/8 when LIST's first IPv4
 * address is a loopback one. Returns 1 when it filled R, else 0. */
int se_source_range_default(const struct addrinfo *list, se_source_range *r);

/* Writes the range's INDEX-th address (cycling) into OUT. */
void se_source_range_get(const se_source_range *r, uint64_t index, struct sockaddr_storage *out);

#endif
