/* The sending PROXY filter: one header, then the owner's bytes unchanged. */
#include "conn/filter.h"
#include "conn/proxy_filter.h"

#include <stdlib.h>
#include <string.h>

typedef struct proxy_send {
    int version;
    int has_source;
    se_sockaddr source;
} proxy_send;

static int send_open(se_filter *f)
{
    proxy_send *p = se_filter_ctx(f);
    se_conn *conn = se_filter_conn(f);
    struct sockaddr_storage local;
    const struct sockaddr *src = &p->source.sa;
    if (!p->has_source) {
        int err = se_socket_local_address(se_conn_socket(conn), &local);
        if (err)
            return err;
        src = (const struct sockaddr *)&local;
    }
    unsigned char header[SE_PROXY_ENCODE_MAX];
    int n = se_proxy_header_encode(p->version, src, se_conn_peer(conn), header, sizeof header);
    if (n < 0)
        return n;
    int err = se_filter_send_down(f, (const char *)header, (size_t)n);
    if (err)
        return err;
    se_filter_ready(f);
    return 0;
}

static void send_destroy(void *ctx)
{
    free(ctx);
}

static const se_filter_ops proxy_send_ops = {
    .name = "proxy-send",
    .open = send_open,
    .destroy = send_destroy,
};

int se_conn_push_proxy_send(se_conn *conn, int version, const struct sockaddr *source)
{
    if (version != 1 && version != 2)
        return SE_EINVAL;
    if (source && source->sa_family != AF_INET && source->sa_family != AF_INET6)
        return SE_EINVAL;
    proxy_send *p = calloc(1, sizeof *p);
    if (!p)
        return SE_ENOMEM;
    p->version = version;
    if (source) {
        p->has_source = 1;
        memcpy(&p->source, source, se_addr_len(source));
    }
    return se_conn_push_filter(conn, &proxy_send_ops, p);
}
