/* The tunnel filter: the proxy handshake, then the bytes unchanged. */
#include "conn/tunnel_filter.h"
#include "conn/filter.h"

#include <stdlib.h>

/* The connection error for each handshake failure. */
static int conn_error(int rc)
{
    switch (rc) {
    case SE_TUNNEL_AUTH_FAILED:
        return SE_EACCES;
    case SE_TUNNEL_BAD_REPLY:
        return SE_EINVAL;
    default:
        return SE_ECONNREFUSED;
    }
}

static int flush(se_filter *f, se_tunnel *t)
{
    size_t n;
    const unsigned char *out = se_tunnel_output(t, &n);
    if (!n)
        return 0;
    int err = se_filter_send_down(f, (const char *)out, n);
    se_tunnel_output_taken(t);
    return err;
}

static int tunnel_open(se_filter *f)
{
    return flush(f, se_filter_ctx(f));
}

static int tunnel_recv(se_filter *f, const char *data, size_t len)
{
    se_tunnel *t = se_filter_ctx(f);
    if (se_tunnel_result(t) == SE_TUNNEL_DONE)
        return se_filter_recv_up(f, data, len);
    size_t used = 0;
    int rc = se_tunnel_input(t, (const unsigned char *)data, len, &used);
    if (rc < 0)
        return conn_error(rc);
    int err = flush(f, t);
    if (err || rc != SE_TUNNEL_DONE)
        return err;
    se_filter_ready(f);
    return used < len ? se_filter_recv_up(f, data + used, len - used) : 0;
}

static int tunnel_eof(se_filter *f)
{
    se_tunnel *t = se_filter_ctx(f);
    if (se_tunnel_result(t) == SE_TUNNEL_DONE)
        return se_filter_eof_up(f);
    return conn_error(se_tunnel_eof(t));
}

static void tunnel_destroy(void *ctx)
{
    free(ctx);
}

static const se_filter_ops tunnel_ops = {
    .name = "tunnel",
    .open = tunnel_open,
    .recv = tunnel_recv,
    .eof = tunnel_eof,
    .destroy = tunnel_destroy,
};

int se_conn_push_tunnel(se_conn *conn, const se_proxy_url *proxy, const char *host,
                        const struct sockaddr *addr, int port, se_tunnel **out)
{
    se_tunnel *t = malloc(sizeof *t);
    if (!t)
        return SE_ENOMEM;
    int err = se_tunnel_start(t, proxy, host, addr, port);
    if (err) {
        free(t);
        return err;
    }
    err = se_conn_push_filter(conn, &tunnel_ops, t); /* frees T on failure */
    if (!err && out)
        *out = t;
    return err;
}
