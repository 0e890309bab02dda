/* The receiving PROXY filter: a trusted proxy's header is read (within a
 * deadline) and taken off the stream; anyone else's is refused. */
#include "conn/filter.h"
#include "conn/proxy_filter.h"

#include <stdlib.h>
#include <string.h>

/* Longest prefix kept while a header is incomplete. */
#define HEADER_MAX (SE_PROXY_V2_FIXED + SE_PROXY_V2_MAX_BODY)
/* Bytes enough to tell whether a stream starts with a signature. */
#define SIGNATURE_MAX 12

typedef struct proxy_recv {
    se_proxy_rx *rx;
    se_filter *filter;
    se_loop *loop;
    int trusted;
    int decided; /* header read (or not expected): bytes now pass through */
    uint64_t deadline_ms;
    se_timer timer;
    unsigned char *buf;
    size_t len;
} proxy_recv;

static int refuse(proxy_recv *p, const char *reason, int err)
{
    p->rx->status = SE_PROXY_RX_REFUSED;
    p->rx->reason = reason;
    se_timer_stop(p->loop, &p->timer);
    return err;
}

static void on_deadline(se_loop *loop, se_timer *timer)
{
    (void)loop;
    proxy_recv *p = se_timer_data(timer);
    refuse(p, "no complete PROXY header within the deadline", SE_ETIMEDOUT);
    se_filter_fail(p->filter, SE_ETIMEDOUT);
}

static int recv_open(se_filter *f)
{
    proxy_recv *p = se_filter_ctx(f);
    p->filter = f;
    p->loop = se_filter_loop(f);
    memcpy(&p->rx->proxy, se_conn_peer(se_filter_conn(f)),
           se_addr_len(se_conn_peer(se_filter_conn(f))));
    if (!p->trusted) {
        /* Served at once; only the first bytes are looked at. */
        se_filter_ready(f);
        return 0;
    }
    if (p->deadline_ms)
        return se_timer_start(p->loop, &p->timer, p->deadline_ms);
    return 0;
}

/* Keeps up to LIMIT bytes in all of DATA after what is buffered; returns
 * how many it took. */
static size_t keep(proxy_recv *p, const char *data, size_t len, size_t limit)
{
    size_t n = len < limit - p->len ? len : limit - p->len;
    memcpy(p->buf + p->len, data, n);
    p->len += n;
    return n;
}

static void release(proxy_recv *p)
{
    free(p->buf);
    p->buf = NULL;
    p->len = 0;
}

/* A trusted proxy's stream: the header, then the client's bytes. The
 * longest header fits in HEADER_MAX bytes, so a prefix that long always
 * decides. */
static int trusted_recv(se_filter *f, proxy_recv *p, const char *data, size_t len)
{
    const unsigned char *view = (const unsigned char *)data;
    size_t view_len = len, taken = 0;
    if (p->len) {
        taken = keep(p, data, len, HEADER_MAX);
        view = p->buf;
        view_len = p->len;
    }
    se_proxy_header h;
    const char *reason;
    int rc = se_proxy_header_parse(view, view_len, &h, &reason);
    if (rc == SE_PROXY_INVALID)
        return refuse(p, reason, SE_EINVAL);
    if (rc == SE_PROXY_NEED_MORE) {
        if (!p->buf) {
            p->buf = malloc(HEADER_MAX);
            if (!p->buf)
                return refuse(p, "out of memory", SE_ENOMEM);
            keep(p, data, len, HEADER_MAX);
        }
        return 0;
    }
    se_timer_stop(p->loop, &p->timer);
    p->decided = 1;
    p->rx->version = h.version;
    if (h.local) {
        p->rx->status = SE_PROXY_RX_LOCAL;
    } else {
        p->rx->status = SE_PROXY_RX_ACCEPTED;
        p->rx->dst = h.dst;
        se_conn_set_peer(se_filter_conn(f), &h.src.sa);
    }
    se_filter_ready(f);
    /* The client's first bytes, if they came with the header (frees are
     * deferred: the buffer stays valid while they go up). */
    int err = 0;
    if (view_len > h.length)
        err = se_filter_recv_up(f, (const char *)view + h.length, view_len - h.length);
    if (!err && view == p->buf && len > taken)
        err = se_filter_recv_up(f, data + taken, len - taken);
    release(p);
    return err;
}

/* Anyone else's stream: refused if it starts like a PROXY header. */
static int untrusted_recv(se_filter *f, proxy_recv *p, const char *data, size_t len)
{
    size_t before = p->len;
    if (!p->buf && !(p->buf = malloc(SIGNATURE_MAX)))
        return SE_ENOMEM;
    keep(p, data, len, SIGNATURE_MAX);
    int found = se_proxy_header_detect(p->buf, p->len);
    if (found > 0)
        return refuse(p, "a PROXY header from a source that is not a trusted proxy", SE_EACCES);
    if (found < 0 && p->len == before + len)
        return 0; /* all kept; too few bytes to tell */
    p->decided = 1;
    p->rx->status = SE_PROXY_RX_DIRECT;
    char head[SIGNATURE_MAX];
    memcpy(head, p->buf, before);
    release(p);
    int err = before ? se_filter_recv_up(f, head, before) : 0;
    return err ? err : se_filter_recv_up(f, data, len);
}

static int recv_data(se_filter *f, const char *data, size_t len)
{
    proxy_recv *p = se_filter_ctx(f);
    if (p->rx->status == SE_PROXY_RX_REFUSED)
        return SE_EINVAL;
    if (p->decided)
        return se_filter_recv_up(f, data, len);
    return p->trusted ? trusted_recv(f, p, data, len) : untrusted_recv(f, p, data, len);
}

static int recv_eof(se_filter *f)
{
    proxy_recv *p = se_filter_ctx(f);
    if (p->decided)
        return se_filter_eof_up(f);
    if (p->trusted)
        return refuse(p, "the stream ended before a complete PROXY header", SE_EINVAL);
    /* A few bytes that could have begun a header, then the end. */
    p->decided = 1;
    p->rx->status = SE_PROXY_RX_DIRECT;
    char head[SIGNATURE_MAX];
    size_t n = p->len;
    if (n)
        memcpy(head, p->buf, n);
    release(p);
    int err = n ? se_filter_recv_up(f, head, n) : 0;
    return err ? err : se_filter_eof_up(f);
}

static void recv_destroy(void *ctx)
{
    proxy_recv *p = ctx;
    if (p->loop)
        se_timer_stop(p->loop, &p->timer);
    free(p->buf);
    free(p);
}

static const se_filter_ops proxy_recv_ops = {
    .name = "proxy-recv",
    .open = recv_open,
    .recv = recv_data,
    .eof = recv_eof,
    .destroy = recv_destroy,
};

int se_conn_push_proxy_recv(se_conn *conn, int trusted, uint64_t deadline_ms, se_proxy_rx *rx)
{
    proxy_recv *p = calloc(1, sizeof *p);
    if (!p)
        return SE_ENOMEM;
    memset(rx, 0, sizeof *rx);
    rx->status = SE_PROXY_RX_PENDING;
    p->rx = rx;
    p->trusted = trusted;
    p->deadline_ms = deadline_ms;
    se_timer_init(&p->timer, on_deadline, p);
    return se_conn_push_filter(conn, &proxy_recv_ops, p);
}
