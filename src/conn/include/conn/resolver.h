/* Name resolution off the event loop: getaddrinfo (se_resolve) runs on a
 * thread of its own and its answer comes back on the loop's thread through
 * an se_async, so timers and signals keep running while a name server is
 * slow. IPv6 zone names ("fe80::1%lo") work as getaddrinfo reads them. */
#ifndef SOCKECHO_RESOLVER_H
#define SOCKECHO_RESOLVER_H

#include "loop/loop.h"

#define SE_RESOLVER_MAX 2

typedef struct se_resolver se_resolver;

typedef struct se_resolve_query {
    const char *host, *port; /* copied */
    int family;              /* AF_UNSPEC, AF_INET or AF_INET6 */
} se_resolve_query;

/* The answer, on the loop's thread: FAILED is the index of the query that
 * failed with ERR (the later ones were not asked), or -1 with every
 * LISTS[i] set; the callee owns the lists (freeaddrinfo). */
typedef void (*se_resolver_cb)(void *arg, int failed, int err, struct addrinfo **lists);

/* Resolves the N (1..SE_RESOLVER_MAX) queries Q in order on a new thread;
 * CB(ARG, ...) follows on LOOP's thread, after which the resolver is gone.
 * Returns 0 with *OUT set, or an error (nothing follows). */
int se_resolver_start(se_loop *loop, const se_resolve_query *q, size_t n, se_resolver_cb cb,
                      void *arg, se_resolver **out);

/* Gives up on RESOLVER before its callback: waits for the thread's current
 * look-up to end, frees everything, calls nothing. */
void se_resolver_cancel(se_resolver *resolver);

#endif
