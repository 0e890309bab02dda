/* Who may connect: the address policy (--allow, --deny) and the
 * per-source cap (--max-per-source), checked before a connection is
 * served; behind a trusted PROXY protocol proxy (--proxy-protocol), checked
 * on the original client once its header has been read. */
#include "server_internal.h"

static void refuse(worker *w, se_socket sock, const struct sockaddr_storage *peer, const char *why)
{
    char where[SE_ADDRSTRLEN];
    se_socket_abort(sock);
    SE_STAT_SUB(&w->srv->stats, open, 1);
    se_addr_format((const struct sockaddr *)peer, where, sizeof where);
    se_server_log(w->srv, 3, "refused %s: %s", where, why);
}

/* The policy and the per-source cap for ADDR: NULL when admitted (and, with
 * a cap, counted), or why not (counted in the statistics). */
static const char *check(server *srv, const struct sockaddr *addr)
{
    const se_server_options *opt = srv->opt;
    if (!se_policy_allows(&opt->policy, addr)) {
        SE_STAT_ADD(&srv->stats, refused_policy, 1);
        return "address not allowed";
    }
    if (opt->max_per_source && se_source_acquire(srv->sources, addr, opt->max_per_source)) {
        SE_STAT_ADD(&srv->stats, refused_source, 1);
        return "per-source connection cap reached";
    }
    return NULL;
}

void se_admit(worker *w, se_socket sock, const struct sockaddr_storage *peer)
{
    server *srv = w->srv;
    const se_server_options *opt = srv->opt;
    const struct sockaddr *addr = (const struct sockaddr *)peer;
    int mode = SE_PROXY_MODE_NONE;
    if (opt->proxy_protocol)
        mode = se_policy_allows(&opt->proxy_from, addr) ? SE_PROXY_MODE_TRUSTED
                                                        : SE_PROXY_MODE_UNTRUSTED;
    /* A trusted proxy's connections are checked on the client it names. */
    if (mode != SE_PROXY_MODE_TRUSTED) {
        const char *why = check(srv, addr);
        if (why) {
            refuse(w, sock, peer, why);
            return;
        }
    }
    /* Accepted sockets inherit most options from the listener, not all. */
    const char *what = "";
    int err = se_sockopts_apply(sock, addr->sa_family, &opt->sockopts, &what);
    if (err)
        se_server_log(srv, 3, "cannot set %s on an accepted socket: %s", what, se_strerror(err));
    int held = mode != SE_PROXY_MODE_TRUSTED && opt->max_per_source;
    if (se_echo_start(w, sock, peer, mode, held) != 0) {
        if (held)
            se_source_release(srv->sources, addr);
        SE_STAT_SUB(&srv->stats, open, 1);
        se_server_log(srv, 3, "refused a connection: out of memory");
    }
}

int se_admit_proxied(worker *w, client_conn *cc)
{
    server *srv = w->srv;
    const struct sockaddr *addr = se_conn_peer(se_conn_of_owner(cc));
    const char *why = check(srv, addr);
    if (why) {
        char where[SE_ADDRSTRLEN];
        se_addr_format(addr, where, sizeof where);
        se_server_log(srv, 3, "refused %s (named by a PROXY header): %s", where, why);
        return -1;
    }
    cc->source_held = srv->opt->max_per_source != 0;
    return 0;
}
