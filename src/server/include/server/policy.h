/* Who may connect: --allow/--deny address ranges, and the per-source
 * connection count behind --max-per-source. */
#ifndef SOCKECHO_POLICY_H
#define SOCKECHO_POLICY_H

#include "platform/platform.h"

#define SE_POLICY_MAX_RANGES 64

/* An address range; IPv4 is kept as IPv4-mapped IPv6, so one comparison
 * serves both families and dual-stack peers. */
typedef struct se_cidr {
    unsigned char addr[16];
    int prefix; /* 0-128 */
} se_cidr;

typedef struct se_policy {
    se_cidr allow[SE_POLICY_MAX_RANGES], deny[SE_POLICY_MAX_RANGES];
    size_t allow_count, deny_count;
} se_policy;

/* Parses "192.0.2.0/24", "2001:db8::/32" or a single address. Returns 0, or
 * -1 with a reason in ERR. */
int se_cidr_parse(const char *text, se_cidr *out, char *err, size_t err_size);

/* Nonzero when PEER may connect: it matches no --deny range and, if any
 * --allow range is given, at least one of those. */
int se_policy_allows(const se_policy *p, const struct sockaddr *peer);

/* Connection counts per source address, shared by every worker thread. */
typedef struct se_source_table se_source_table;

/* Returns a table, or NULL when out of memory. */
se_source_table *se_source_table_create(void);
void se_source_table_destroy(se_source_table *t);

/* Counts one more connection from PEER unless it already has MAX (0: no
 * cap). Returns 0 when counted, -1 when over the cap (or out of memory). */
int se_source_acquire(se_source_table *t, const struct sockaddr *peer, uint64_t max);

/* Forgets one connection from PEER, counted earlier by se_source_acquire. */
void se_source_release(se_source_table *t, const struct sockaddr *peer);

#endif
