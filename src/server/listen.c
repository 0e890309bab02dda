/* Listening sockets and accepting: addresses from --bind/--port (dual-stack
 * by default), or sockets inherited from systemd or inetd; one set per
 * worker with SO_REUSEPORT, or one shared set; --max-conns and
 * out-of-descriptor pauses, each logged once per episode. */
#include "server_internal.h"

#include "conn/tls_config.h"
#include "util/sockopt_text.h"
#include "platform/unix_socket.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SE_ACCEPTS_PER_EVENT 64
/* Clients a backend that can may accept ahead per listener (io_uring). */
#define SE_ACCEPT_AHEAD 64
/* Pause after accept() ran out of descriptors or memory... */
#define SE_ACCEPT_BACKOFF_MS 100
/* ...and how often a worker paused by --max-conns looks again. */
#define SE_MAX_CONNS_RECHECK_MS 50

static void on_accept(se_loop *loop, se_io *io, int events);

/* One log line per --max-conns episode, whichever worker sees it. */
static atomic_int max_conns_episode;

/* ---- addresses ---- */

static int add_addr(server *srv, const struct sockaddr *addr, int flags)
{
    if (srv->addr_count == SE_MAX_LISTENERS)
        return SE_ENOBUFS;
    listen_addr *a = &srv->addrs[srv->addr_count++];
    memset(a, 0, sizeof *a);
    memcpy(&a->addr, addr, (size_t)se_addr_len(addr));
    a->flags = flags;
    return 0;
}

static int resolve_bind(server *srv)
{
    const se_server_options *opt = srv->opt;
    struct addrinfo *list = NULL;
    int rc = se_resolve(opt->bind, opt->port, opt->family, SOCK_STREAM, SE_RESOLVE_PASSIVE, &list);
    if (rc)
        return rc;
    int err = 0;
    for (struct addrinfo *ai = list; ai && !err; ai = ai->ai_next)
        err = add_addr(srv, ai->ai_addr, opt->family == AF_INET6 ? SE_LISTEN_V6ONLY : 0);
    freeaddrinfo(list);
    return err;
}

/* Binds one socket per address (for worker W, or shared when W is NULL);
 * with port 0, the first socket's port is written back into every address
 * so that all sockets, TCP and UDP, share it. */
static int bind_all(server *srv, worker *w, int extra_flags)
{
    for (size_t i = 0; i < srv->addr_count; i++) {
        listen_addr *a = &srv->addrs[i];
        struct sockaddr *addr = (struct sockaddr *)&a->addr;
        se_socket sock;
        int err =
            se_socket_listen(addr, se_addr_len(addr), a->flags | extra_flags, SOMAXCONN, &sock);
        if (err)
            return err;
        if ((err = se_sockopts_apply(sock, addr->sa_family, &srv->opt->sockopts,
                                     &srv->sockopt_failed)) != 0) {
            se_socket_close(sock);
            return err;
        }
        if (w)
            se_io_init(&w->listeners[w->listener_count++], sock, on_accept, w);
        else
            srv->shared[srv->shared_count++] = sock;
        if (se_addr_port(addr) == 0) {
            struct sockaddr_storage local;
            se_socket_local_address(sock, &local);
            for (size_t j = 0; j < srv->addr_count; j++)
                se_addr_set_port((struct sockaddr *)&srv->addrs[j].addr,
                                 se_addr_port((struct sockaddr *)&local));
        }
    }
    return 0;
}

static void close_worker_listeners(worker *w)
{
    for (size_t i = 0; i < w->listener_count; i++)
        se_socket_close(se_io_socket(&w->listeners[i]));
    w->listener_count = 0;
}

static int bind_addresses(server *srv)
{
    /* Several workers: SO_REUSEPORT lets the kernel spread connections over
     * one socket per worker. Where it is missing, they share one set. */
    if (srv->worker_count > 1) {
        int err = 0;
        for (int i = 0; i < srv->worker_count && !err; i++)
            err = bind_all(srv, &srv->workers[i], SE_LISTEN_REUSEPORT);
        if (!err) {
            for (int i = 0; i < srv->worker_count; i++)
                srv->workers[i].owns_listeners = 1;
            return 0;
        }
        for (int i = 0; i < srv->worker_count; i++)
            close_worker_listeners(&srv->workers[i]);
        if (err != SE_ENOSYS)
            return err;
        se_server_log(srv, 2, "no SO_REUSEPORT here: the %d workers share one listener",
                      srv->worker_count);
    }
    return bind_all(srv, NULL, 0);
}

static int listen_on_wildcard(server *srv)
{
    int family = srv->opt->family;
    int port = atoi(srv->opt->port);
    if (family != AF_INET) {
        struct sockaddr_in6 a6;
        memset(&a6, 0, sizeof a6);
        a6.sin6_family = AF_INET6;
        a6.sin6_addr = in6addr_any;
        a6.sin6_port = htons((unsigned short)port);
        add_addr(srv, (struct sockaddr *)&a6, family == AF_INET6 ? SE_LISTEN_V6ONLY : 0);
        int err = bind_addresses(srv);
        if (!err || family == AF_INET6 || (err != SE_EAFNOSUPPORT && err != SE_EADDRNOTAVAIL))
            return err;
        srv->addr_count = 0; /* no IPv6 here: IPv4 alone */
    }
    struct sockaddr_in a4;
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    a4.sin_addr.s_addr = htonl(INADDR_ANY);
    a4.sin_port = htons((unsigned short)port);
    add_addr(srv, (struct sockaddr *)&a4, 0);
    return bind_addresses(srv);
}

static int open_udp(server *srv)
{
    for (size_t i = 0; i < srv->addr_count; i++) {
        const struct sockaddr *addr = (const struct sockaddr *)&srv->addrs[i].addr;
        int err = se_udp_open(addr, srv->addrs[i].flags, &srv->udp[srv->udp_count]);
        if (err)
            return err;
        srv->udp_count++;
    }
    return 0;
}

int se_listen_inherit(server *srv)
{
    se_socket socks[SE_MAX_LISTENERS];
    size_t count = 0;
    char why[256] = "";
    int err;
    if (srv->opt->listen_source == SE_LISTEN_INETD) {
        err = se_inetd_socket(&socks[0], why, sizeof why);
        count = err ? 0 : 1;
    } else {
        err = se_systemd_sockets(socks, SE_MAX_LISTENERS, &count, why, sizeof why);
    }
    if (err) {
        se_server_log(srv, 0, "cannot use %s: %s",
                      srv->opt->listen_source == SE_LISTEN_INETD ? "the inetd socket"
                                                                 : "systemd's sockets",
                      why);
        return 1;
    }
    for (size_t i = 0; i < count; i++) {
        if (se_socket_type(socks[i]) == SOCK_DGRAM)
            srv->udp[srv->udp_count++] = socks[i];
        else
            srv->shared[srv->shared_count++] = socks[i];
    }
    return 0;
}

/* --unix: the one listening socket, shared by the workers. */
static int listen_unix(server *srv)
{
    se_socket sock;
    int err = se_unix_listen(srv->opt->unix_path, SOMAXCONN, &sock);
    if (!err)
        srv->shared[srv->shared_count++] = sock;
    return err;
}

static void report_listening_unix(server *srv)
{
    se_server_listening l = {
        .protocol = SE_SERVE_UNIX,
        .address = srv->opt->unix_path,
        .backend = se_loop_backend_name(srv->workers[0].loop),
    };
    se_server_emit_listening(srv, &l);
}

static void report_listening(server *srv, se_socket sock, se_server_protocol protocol)
{
    struct sockaddr_storage local;
    char host[SE_ADDRSTRLEN];
    if (se_socket_local_address(sock, &local) != 0)
        return;
    se_addr_host((struct sockaddr *)&local, host, sizeof host);
    se_server_listening l = {
        .protocol = protocol,
        .address = host,
        .port = se_addr_port((struct sockaddr *)&local),
        .backend = se_loop_backend_name(srv->workers[0].loop),
    };
    /* Over TLS, the certificate's fingerprint: how a client that cannot
     * verify an ephemeral certificate recognises it. */
    if (srv->opt->tls && protocol == SE_SERVE_TCP)
        l.tls_fingerprint = se_tls_config_fingerprint(srv->opt->tls);
    se_sockopts_state state;
    if (protocol == SE_SERVE_TCP && se_sockopts_given(&srv->opt->sockopts)) {
        se_sockopts_read(sock, local.ss_family, &state);
        l.sockopts = &state;
    }
    se_server_emit_listening(srv, &l);
}

int se_listen_setup(server *srv)
{
    const se_server_options *opt = srv->opt;
    const char *what = "listen";
    int err;
    if (opt->unix_path) {
        err = listen_unix(srv);
    } else if (opt->listen_source != SE_LISTEN_BIND) {
        err = 0; /* adopted by se_listen_inherit */
    } else if (opt->bind) {
        err = resolve_bind(srv);
        if (err)
            what = "resolve";
        else
            err = bind_addresses(srv);
    } else {
        err = listen_on_wildcard(srv);
    }
    if (!err && opt->udp && opt->listen_source == SE_LISTEN_BIND) {
        err = open_udp(srv);
        if (err)
            what = "listen (UDP)";
    }
    if (err && srv->sockopt_failed) {
        se_server_log(srv, 0, "cannot set %s: %s", srv->sockopt_failed,
                      se_sockopt_error_text(srv->sockopt_failed, err));
        return 1;
    }
    if (err) {
        if (err == SE_ENOSYS)
            se_server_log(srv, 0, "cannot %s: not supported on this system", what);
        else if (opt->unix_path)
            se_server_log(srv, 0, "cannot listen on %s: %s%s", opt->unix_path, se_strerror(err),
                          err == SE_EADDRINUSE ? " (remove the file if no server uses it)" : "");
        else
            se_server_log(srv, 0, "cannot %s on %s port %s: %s", what,
                          opt->bind ? opt->bind : "all interfaces", opt->port, se_strerror(err));
        return 1;
    }
    if (opt->unix_path) {
        report_listening_unix(srv);
        return 0;
    }
    worker *first = &srv->workers[0];
    for (size_t i = 0; i < first->listener_count; i++)
        report_listening(srv, se_io_socket(&first->listeners[i]), SE_SERVE_TCP);
    for (size_t i = 0; i < srv->shared_count; i++)
        report_listening(srv, srv->shared[i], SE_SERVE_TCP);
    for (size_t i = 0; i < srv->udp_count; i++)
        report_listening(srv, srv->udp[i], SE_SERVE_UDP);
    return 0;
}

void se_listen_close_shared(server *srv)
{
    for (size_t i = 0; i < srv->shared_count; i++)
        se_socket_close(srv->shared[i]);
    if (srv->opt->unix_path && srv->shared_count)
        se_unix_remove(srv->opt->unix_path);
    srv->shared_count = 0;
    for (size_t i = 0; i < srv->udp_count; i++)
        se_socket_close(srv->udp[i]);
    srv->udp_count = 0;
}

/* ---- accepting ---- */

/* How many clients W's listeners may accept ahead: never more than
 * --max-conns leaves free, so that at the limit the clients wait in the
 * kernel's backlog, as on every backend. */
static void set_accept_ahead(worker *w)
{
    server *srv = w->srv;
    unsigned n = SE_ACCEPT_AHEAD;
    if (srv->opt->max_conns) {
        uint64_t open = SE_STAT_GET(&srv->stats, open);
        uint64_t free_slots = open < srv->opt->max_conns ? srv->opt->max_conns - open : 0;
        if (free_slots < n)
            n = (unsigned)free_slots;
    }
    for (size_t i = 0; i < w->listener_count; i++)
        se_io_accept_ahead(w->loop, &w->listeners[i], n);
}

static void set_accepting(worker *w, int on)
{
    w->accepting = on;
    if (on)
        set_accept_ahead(w);
    for (size_t i = 0; i < w->listener_count; i++)
        if (se_io_set(w->loop, &w->listeners[i], on ? SE_READABLE : 0))
            se_server_log(w->srv, 0, "cannot watch a listening socket");
}

static void pause_accepting(worker *w, uint64_t retry_ms)
{
    set_accepting(w, 0);
    if (se_timer_start(w->loop, &w->resume_timer, retry_ms))
        set_accepting(w, 1);
}

/* Takes one of --max-conns' slots; 0 when none is free. */
static int reserve_slot(server *srv)
{
    uint64_t open = SE_STAT_ADD(&srv->stats, open, 1);
    if (srv->opt->max_conns && open >= srv->opt->max_conns) {
        SE_STAT_SUB(&srv->stats, open, 1);
        return 0;
    }
    return 1;
}

/* An overload episode (--max-conns reached, or out of descriptors) starts
 * when a waiting client cannot be accepted and ends when the backlog is
 * empty again: one log line each way, however many clients come and go. */
static void end_episodes(worker *w)
{
    server *srv = w->srv;
    if (atomic_exchange(&max_conns_episode, 0) == 1)
        se_server_log(srv, 1, "backlog drained: below --max-conns again: accepting");
    if (w->pause_logged) {
        w->pause_logged = 0;
        se_server_log(srv, 1, "backlog drained: accepting again");
    }
}

/* Accepts what is waiting on IO's listener. EVENTS is 0 for a probe after a
 * pause (nothing says a client waits) and the readiness events otherwise. */
static void accept_batch(se_loop *loop, se_io *io, int events)
{
    worker *w = se_io_data(io);
    server *srv = w->srv;
    for (int i = 0; i < SE_ACCEPTS_PER_EVENT && w->accepting; i++) {
        if (!reserve_slot(srv)) {
            /* On the first round of a readiness event the listener said a
             * client is waiting; a probe or a later round proves nothing. */
            if (i == 0 && events && atomic_exchange(&max_conns_episode, 1) == 0)
                se_server_log(srv, 1, "%llu connections open (--max-conns): not accepting more",
                              (unsigned long long)srv->opt->max_conns);
            /* Clients wait: look again soon (a slot may free on another
             * worker). After a probe, readiness will say when one comes. */
            if (events || i > 0) {
                SE_STAT_ADD(&srv->stats, paused_max_conns, 1);
                pause_accepting(w, SE_MAX_CONNS_RECHECK_MS);
            }
            return;
        }
        se_socket sock;
        struct sockaddr_storage peer;
        int err = se_io_accept(loop, io, &sock, &peer);
        if (err) {
            SE_STAT_SUB(&srv->stats, open, 1);
            if (err == SE_EAGAIN) {
                end_episodes(w);
                return;
            }
            if (err == SE_EMFILE || err == SE_ENFILE || err == SE_ENOBUFS || err == SE_ENOMEM) {
                /* No busy loop: leave clients in the backlog for a moment,
                 * or until one of ours closes and frees a descriptor. */
                if (!w->pause_logged)
                    se_server_log(srv, 1, "accept: %s: pausing new connections", se_strerror(err));
                w->pause_logged = 1;
                SE_STAT_ADD(&srv->stats, paused_descriptors, 1);
                pause_accepting(w, SE_ACCEPT_BACKOFF_MS);
                return;
            }
            /* The peer gave up before we accepted (ECONNABORTED, ...). */
            se_server_log(srv, 3, "accept: %s", se_strerror(err));
            continue;
        }
        se_admit(w, sock, &peer);
        if (srv->opt->once) {
            se_worker_accept_stop(w);
            return;
        }
    }
}

static void on_accept(se_loop *loop, se_io *io, int events)
{
    worker *w = se_io_data(io);
    accept_batch(loop, io, events);
    if (w->accepting && w->listener_count)
        set_accept_ahead(w);
}

/* After a pause, accept at once rather than wait for readiness: out of
 * descriptors, accept() fails before it looks at the backlog, so only an
 * accept with descriptors to spare can tell that the backlog is empty and
 * the episode over. */
static void on_resume_timer(se_loop *loop, se_timer *t)
{
    worker *w = se_timer_data(t);
    if (!w->listener_count || w->stopping)
        return;
    set_accepting(w, 1);
    for (size_t i = 0; i < w->listener_count && w->accepting; i++)
        on_accept(loop, &w->listeners[i], 0);
}

void se_worker_accept_start(worker *w)
{
    server *srv = w->srv;
    if (!w->owns_listeners) {
        for (size_t i = 0; i < srv->shared_count; i++)
            se_io_init(&w->listeners[w->listener_count++], srv->shared[i], on_accept, w);
    }
    for (size_t i = 0; i < w->listener_count; i++) {
    }
    se_timer_init(&w->resume_timer, on_resume_timer, w);
    set_accepting(w, 1);
}

void se_worker_accept_stop(worker *w)
{
    set_accepting(w, 0);
    se_timer_stop(w->loop, &w->resume_timer);
    if (w->owns_listeners)
        close_worker_listeners(w);
    w->listener_count = 0;
}

void se_worker_accept_maybe_resume(worker *w)
{
    /* A connection closed: a descriptor and a --max-conns slot are free.
     * Paused, or in an episode (which ends only when an accept finds the
     * backlog empty), look now. */
    int episode = atomic_load(&max_conns_episode) || w->pause_logged;
    if (w->listener_count && !w->stopping && (!w->accepting || episode)) {
        se_timer_stop(w->loop, &w->resume_timer);
        on_resume_timer(w->loop, &w->resume_timer);
    } else if (w->accepting && w->srv->opt->max_conns) {
        set_accept_ahead(w); /* one more may be accepted ahead */
    }
}
