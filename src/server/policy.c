/* Address ranges and per-source counts; see policy.h. */
#include "server/policy.h"

#include <stdlib.h>
#include <string.h>

#define SE_SOURCE_BUCKETS 1024

/* PEER's address as 16 bytes (IPv4 as ::ffff:a.b.c.d). */
static void address_key(const struct sockaddr *peer, unsigned char key[16])
{
    memset(key, 0, 16);
    if (peer->sa_family == AF_INET6) {
        memcpy(key, &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
    } else {
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &((const struct sockaddr_in *)peer)->sin_addr, 4);
    }
}

int se_cidr_parse(const char *text, se_cidr *out, char *err, size_t err_size)
{
    char host[64];
    const char *slash = strchr(text, '/');
    size_t len = slash ? (size_t)(slash - text) : strlen(text);
    if (len == 0 || len >= sizeof host)
        goto bad;
    memcpy(host, text, len);
    host[len] = '\0';
    int max_prefix;
    memset(out->addr, 0, sizeof out->addr);
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1) {
        out->addr[10] = out->addr[11] = 0xff;
        memcpy(out->addr + 12, &a4, 4);
        max_prefix = 32;
    } else if (inet_pton(AF_INET6, host, out->addr) == 1) {
        max_prefix = 128;
    } else {
        goto bad;
    }
    int prefix = max_prefix;
    if (slash) {
        const char *p = slash + 1;
        if (*p < '0' || *p > '9')
            goto bad;
        prefix = 0;
        for (; *p >= '0' && *p <= '9' && prefix <= 128; p++)
            prefix = prefix * 10 + (*p - '0');
        if (*p || prefix > max_prefix)
            goto bad;
    }
    out->prefix = prefix + (128 - max_prefix);
    return 0;
bad:
    snprintf(err, err_size, "'%.60s' is not an address or address/prefix", text);
    return -1;
}

static int cidr_contains(const se_cidr *c, const unsigned char key[16])
{
    int bits = c->prefix;
    for (int i = 0; bits > 0; i++, bits -= 8) {
        unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
        if ((c->addr[i] ^ key[i]) & mask)
            return 0;
    }
    return 1;
}

int se_policy_allows(const se_policy *p, const struct sockaddr *peer)
{
    unsigned char key[16];
    address_key(peer, key);
    for (size_t i = 0; i < p->deny_count; i++)
        if (cidr_contains(&p->deny[i], key))
            return 0;
    if (p->allow_count == 0)
        return 1;
    for (size_t i = 0; i < p->allow_count; i++)
        if (cidr_contains(&p->allow[i], key))
            return 1;
    return 0;
}

/* ---- per-source counts: a chained hash table under one mutex ---- */

typedef struct source_entry {
    unsigned char key[16];
    uint64_t count;
    struct source_entry *next;
} source_entry;

struct se_source_table {
    se_mutex *lock;
    source_entry *buckets[SE_SOURCE_BUCKETS];
};

se_source_table *se_source_table_create(void)
{
    se_source_table *t = calloc(1, sizeof *t);
    if (t && !(t->lock = se_mutex_create())) {
        free(t);
        return NULL;
    }
    return t;
}

void se_source_table_destroy(se_source_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < SE_SOURCE_BUCKETS; i++) {
        source_entry *e = t->buckets[i];
        while (e) {
            source_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    se_mutex_destroy(t->lock);
    free(t);
}

static source_entry **find_slot(se_source_table *t, const unsigned char key[16])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    source_entry **slot = &t->buckets[h % SE_SOURCE_BUCKETS];
    while (*slot && memcmp((*slot)->key, key, 16) != 0)
        slot = &(*slot)->next;
    return slot;
}

int se_source_acquire(se_source_table *t, const struct sockaddr *peer, uint64_t max)
{
    unsigned char key[16];
    address_key(peer, key);
    int rc = 0;
    se_mutex_lock(t->lock);
    source_entry **slot = find_slot(t, key);
    if (!*slot) {
        source_entry *e = calloc(1, sizeof *e);
        if (e)
            memcpy(e->key, key, 16);
        *slot = e;
    }
    if (!*slot || (max && (*slot)->count >= max))
        rc = -1;
    else
        (*slot)->count++;
    se_mutex_unlock(t->lock);
    return rc;
}

void se_source_release(se_source_table *t, const struct sockaddr *peer)
{
    unsigned char key[16];
    address_key(peer, key);
    se_mutex_lock(t->lock);
    source_entry **slot = find_slot(t, key);
    if (*slot && --(*slot)->count == 0) {
        source_entry *e = *slot;
        *slot = e->next;
        free(e);
    }
    se_mutex_unlock(t->lock);
}
