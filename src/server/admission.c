/* Who may connect: the address policy (--allow, --deny) and the
 * per-source cap (--max-per-source), checked before a connection is
 * served. */
#include "server_internal.h"

static void refuse(worker *w, se_socket sock, const struct sockaddr_storage *peer, const char *why)
{
    char where[SE_ADDRSTRLEN];
    se_socket_abort(sock);
    SE_STAT_SUB(&w->srv->stats, open, 1);
    se_addr_format((const struct sockaddr *)peer, where, sizeof where);
    se_server_log(w->srv, 3, "refused %s: %s", where, why);
}

void se_admit(worker *w, se_socket sock, const struct sockaddr_storage *peer)
{
    server *srv = w->srv;
    const se_server_options *opt = srv->opt;
    const struct sockaddr *addr = (const struct sockaddr *)peer;
    if (!se_policy_allows(&opt->policy, addr)) {
        SE_STAT_ADD(&srv->stats, refused_policy, 1);
        refuse(w, sock, peer, "address not allowed");
        return;
    }
    if (opt->max_per_source && se_source_acquire(srv->sources, addr, opt->max_per_source)) {
        SE_STAT_ADD(&srv->stats, refused_source, 1);
        refuse(w, sock, peer, "per-source connection cap reached");
        return;
    }
    if (se_echo_start(w, sock, peer) != 0) {
        if (opt->max_per_source)
            se_source_release(srv->sources, addr);
        SE_STAT_SUB(&srv->stats, open, 1);
        se_server_log(srv, 3, "refused a connection: out of memory");
    }
}
