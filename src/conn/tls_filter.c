/* The TLS filter: the engine of tls.h between the socket and the owner. */
#include "conn/tls_filter.h"

#include "conn/filter.h"
#include "tls.h"

#include <stdlib.h>
#include <string.h>

/* Ciphertext is moved down in pieces of this size. */
#define TLS_CHUNK (16 * 1024 + 512)

struct se_tls_filter {
    se_tls_config *cfg;
    char *servername;
    se_tls *tls;        /* from open(): the transport below is there */
    uint64_t plain_out; /* plaintext bytes the owner sent */
    uint8_t ready;      /* se_filter_ready() was called */
    uint8_t eof_up;     /* the end of stream was passed up */
    uint8_t notify_up;  /* our close_notify went down */
};

static char *strdup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static int flush_down(se_filter *f, se_tls_filter *tf)
{
    char buf[TLS_CHUNK];
    size_t n;
    while ((n = se_tls_take(tf->tls, buf, sizeof buf)) > 0) {
        int err = se_filter_send_down(f, buf, n);
        if (err)
            return err;
    }
    return 0;
}

/* Runs the engine over what was fed: handshake replies go down, plaintext
 * and the close_notify go up. */
static int pump_up(se_filter *f, se_tls_filter *tf)
{
    char buf[TLS_CHUNK];
    for (;;) {
        long n = se_tls_read(tf->tls, buf, sizeof buf);
        int err = flush_down(f, tf);
        if (err)
            return err;
        if (!tf->ready && se_tls_handshake_done(tf->tls)) {
            tf->ready = 1;
            se_filter_ready(f);
        }
        if (n > 0) {
            err = se_filter_recv_up(f, buf, (size_t)n);
            if (err)
                return err;
            continue;
        }
        if (n == SE_EAGAIN)
            return 0;
        if (n == SE_EOF) {
            if (tf->eof_up)
                return 0;
            tf->eof_up = 1;
            return se_filter_eof_up(f);
        }
        return (int)n; /* SE_ETLS: the reason is in the engine */
    }
}

static int tls_open(se_filter *f)
{
    se_tls_filter *tf = se_filter_ctx(f);
    int err = se_tls_new(tf->cfg, tf->servername, &tf->tls);
    return err ? err : flush_down(f, tf); /* a client's ClientHello */
}

static int tls_recv(se_filter *f, const char *data, size_t len)
{
    se_tls_filter *tf = se_filter_ctx(f);
    int err = se_tls_feed(tf->tls, data, len);
    return err ? err : pump_up(f, tf);
}

static int tls_eof(se_filter *f)
{
    se_tls_filter *tf = se_filter_ctx(f);
    if (!se_tls_handshake_done(tf->tls)) {
        if (!se_tls_error(tf->tls)[0])
            se_tls_fail(tf->tls, "the peer closed the connection during the TLS handshake");
        return SE_ETLS;
    }
    if (tf->eof_up)
        return 0;
    tf->eof_up = 1;
    return se_filter_eof_up(f);
}

static int tls_send(se_filter *f, const char *data, size_t len)
{
    se_tls_filter *tf = se_filter_ctx(f);
    int err = se_tls_write(tf->tls, data, len);
    if (err)
        return err;
    tf->plain_out += len;
    return flush_down(f, tf);
}

static int tls_shutdown(se_filter *f)
{
    se_tls_filter *tf = se_filter_ctx(f);
    int err = se_tls_close_notify(tf->tls);
    if (!err)
        err = flush_down(f, tf);
    if (err)
        return err;
    tf->notify_up = 1;
    return se_filter_shutdown_down(f);
}

static void tls_destroy(void *ctx)
{
    se_tls_filter *tf = ctx;
    se_tls_free(tf->tls);
    free(tf->servername);
    free(tf);
}

static const se_filter_ops tls_ops = {
    .name = "tls",
    .open = tls_open,
    .recv = tls_recv,
    .eof = tls_eof,
    .send = tls_send,
    .shutdown = tls_shutdown,
    .destroy = tls_destroy,
};

int se_tls_filter_push(se_conn *conn, se_tls_config *cfg, const char *servername,
                       se_tls_filter **out)
{
    se_tls_filter *tf = calloc(1, sizeof *tf);
    if (!tf)
        return SE_ENOMEM;
    tf->cfg = cfg;
    if (servername && !(tf->servername = strdup_text(servername))) {
        free(tf);
        return SE_ENOMEM;
    }
    int err = se_conn_push_filter(conn, &tls_ops, tf); /* destroys TF on failure */
    if (!err && out)
        *out = tf;
    return err;
}

int se_tls_filter_handshake_done(const se_tls_filter *tf)
{
    return tf->tls && se_tls_handshake_done(tf->tls);
}

int se_tls_filter_close_received(const se_tls_filter *tf)
{
    return tf->tls && se_tls_close_received(tf->tls);
}

uint64_t se_tls_filter_plain_sent(const se_tls_filter *tf)
{
    return tf->plain_out;
}

int se_tls_filter_close_sent(const se_tls_filter *tf)
{
    return tf->notify_up;
}

const char *se_tls_filter_error(const se_tls_filter *tf)
{
    return tf->tls ? se_tls_error(tf->tls) : "";
}

void se_tls_filter_info(const se_tls_filter *tf, se_tls_info *info)
{
    if (tf->tls)
        se_tls_get_info(tf->tls, info);
    else
        memset(info, 0, sizeof *info);
}
