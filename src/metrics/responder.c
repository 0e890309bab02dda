/* The metrics endpoint's HTTP responder; see responder.h.
 * Bounded so that no client can hurt the other work of the same loop (the
 * server's echo, the load generator's orchestration): at
 * most MAX_CLIENTS connections (more are answered 503 and closed), a request
 * head of at most HEAD_MAX bytes that must arrive within HEAD_TIMEOUT_MS
 * (slowloris), a bounded wait for the client's FIN after the response, and
 * a fixed buffer per client; out of descriptors, it stops accepting for a
 * moment instead of spinning. */
#include "metrics/responder.h"

#include "metrics/http_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLIENTS 8
#define HEAD_MAX 4096
#define HEAD_TIMEOUT_MS 5000
#define LINGER_MS 1000 /* after the response: wait this long for the client's FIN */
#define ACCEPTS_PER_EVENT 16
#define ACCEPT_BACKOFF_MS 100 /* out of descriptors: stop trying this long */
#define CODES SE_HTTP_RESPONDER_CODES

typedef enum { READING, WRITING, LINGERING } client_state;

typedef struct client {
    se_http_responder *h;
    struct client *prev, *next;
    se_socket sock;
    se_io io;
    se_timer timer;
    se_deferred release;
    client_state state;
    char in[HEAD_MAX];
    size_t in_len;
    char *out; /* the response */
    size_t out_len, out_sent;
} client;

struct se_http_responder {
    se_loop *loop;
    se_http_render_fn render;
    void *render_data;
    se_socket listener;
    se_io listen_io;
    se_timer backoff;
    client *clients;
    int count;
    uint64_t responses[CODES];
};

const int se_http_responder_codes[CODES] = {200, 400, 404, 405, 408, 431, 503};

static int code_index(int code)
{
    for (int i = 0; i < CODES; i++)
        if (se_http_responder_codes[i] == code)
            return i;
    return -1;
}

uint64_t se_http_responder_responses(const se_http_responder *h, int code)
{
    int i = code_index(code);
    return h && i >= 0 ? h->responses[i] : 0;
}

static const char *reason(int code)
{
    switch (code) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Service Unavailable";
    }
}

/* A whole response: status line, headers, BODY. NULL when out of memory. */
static char *response(int code, const char *type, const char *body, size_t body_len, size_t *len)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
                     "Connection: close\r\n\r\n",
                     code, reason(code), type, body_len, code == 405 ? "Allow: GET\r\n" : "");
    char *out = malloc((size_t)n + body_len);
    if (out) {
        memcpy(out, head, (size_t)n);
        memcpy(out + n, body, body_len);
        *len = (size_t)n + body_len;
    }
    return out;
}

/* ---- one client ---- */

static void free_client(se_loop *loop, se_deferred *d)
{
    (void)loop;
    client *c = se_deferred_data(d);
    free(c->out);
    free(c);
}

/* Stops watching C, closes its socket and unlinks it; its memory stays. */
static void detach_client(client *c)
{
    se_http_responder *h = c->h;
    se_io_stop(h->loop, &c->io);
    se_timer_stop(h->loop, &c->timer);
    se_socket_close(c->sock);
    if (c->prev)
        c->prev->next = c->next;
    else
        h->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    h->count--;
}

static void close_client(client *c)
{
    detach_client(c);
    /* The loop may still hold C in this round: free it after. */
    se_loop_defer(c->h->loop, &c->release, free_client, c);
}

/* The response is out: half-close, then read (and drop) until the client's
 * FIN, so that closing does not reset what it has not read yet. */
static void linger(client *c)
{
    se_loop *loop = c->h->loop;
    c->state = LINGERING;
    if (se_socket_shutdown_send(c->sock) != 0 || se_io_set(loop, &c->io, SE_READABLE) != 0 ||
        se_timer_start(loop, &c->timer, LINGER_MS) != 0)
        close_client(c);
}

static void write_some(client *c)
{
    while (c->out_sent < c->out_len) {
        long n = se_socket_send(c->sock, c->out + c->out_sent, c->out_len - c->out_sent);
        if (n == SE_EAGAIN) {
            if (se_io_set(c->h->loop, &c->io, SE_WRITABLE) != 0)
                close_client(c);
            return;
        }
        if (n < 0) {
            close_client(c);
            return;
        }
        c->out_sent += (size_t)n;
    }
    linger(c);
}

static void respond(client *c, int code, const char *type, const char *body, size_t body_len)
{
    c->h->responses[code_index(code)]++;
    c->out = response(code, type, body, body_len, &c->out_len);
    if (!c->out) {
        close_client(c);
        return;
    }
    c->state = WRITING;
    write_some(c);
}

static void respond_text(client *c, int code, const char *body)
{
    respond(c, code, "text/plain; charset=utf-8", body, strlen(body));
}

static int is_metrics_path(const char *target)
{
    size_t n = strlen("/metrics");
    return strncmp(target, "/metrics", n) == 0 && (target[n] == '\0' || target[n] == '?');
}

/* A whole request head arrived. */
static void answer(client *c, const se_http_request *req)
{
    if (strcmp(req->method, "GET") != 0) {
        respond_text(c, 405, "only GET\n");
    } else if (!is_metrics_path(req->target)) {
        respond_text(c, 404, "not found: the metrics are at /metrics\n");
    } else {
        size_t len;
        char *body = c->h->render(c->h->render_data, &len);
        if (!body) {
            respond_text(c, 503, "out of memory\n");
            return;
        }
        respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", body, len);
        free(body);
    }
}

static void read_head(client *c)
{
    for (;;) {
        long n = se_socket_recv(c->sock, c->in + c->in_len, sizeof c->in - c->in_len);
        if (n == SE_EAGAIN)
            return;
        if (n <= 0) { /* EOF or error before a whole head: nobody to answer */
            close_client(c);
            return;
        }
        c->in_len += (size_t)n;
        se_http_request req;
        switch (se_http_parse(c->in, c->in_len, sizeof c->in, &req)) {
        case SE_HTTP_INCOMPLETE:
            continue;
        case SE_HTTP_COMPLETE:
            se_timer_stop(c->h->loop, &c->timer);
            answer(c, &req);
            return;
        case SE_HTTP_BAD:
            respond_text(c, 400, "bad request\n");
            return;
        case SE_HTTP_TOO_LARGE:
            respond_text(c, 431, "request head too large\n");
            return;
        }
    }
}

static void on_client_io(se_loop *loop, se_io *io, int events)
{
    (void)loop;
    (void)events;
    client *c = se_io_data(io);
    if (c->state == READING) {
        read_head(c);
    } else if (c->state == WRITING) {
        write_some(c);
    } else {
        char drop[512];
        long n;
        while ((n = se_socket_recv(c->sock, drop, sizeof drop)) > 0)
            ;
        if (n != SE_EAGAIN)
            close_client(c);
    }
}

static void on_client_timer(se_loop *loop, se_timer *t)
{
    (void)loop;
    client *c = se_timer_data(t);
    if (c->state == READING)
        respond_text(c, 408, "request head not received in time\n");
    else
        close_client(c); /* a response that cannot be delivered, or no FIN */
}

/* ---- accepting ---- */

/* Over MAX_CLIENTS: one best-effort 503, then close. */
static void turn_away(se_http_responder *h, se_socket sock)
{
    static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                               "Connection: close\r\n\r\n";
    h->responses[code_index(503)]++;
    (void)se_socket_send(sock, busy, sizeof busy - 1);
    se_socket_close(sock);
}

static void on_accept(se_loop *loop, se_io *io, int events)
{
    (void)events;
    se_http_responder *h = se_io_data(io);
    for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
        se_socket sock;
        int err = se_io_accept(loop, io, &sock, NULL);
        if (err == SE_EAGAIN)
            return;
        if (err == SE_EMFILE || err == SE_ENFILE || err == SE_ENOBUFS || err == SE_ENOMEM) {
            /* The listener stays readable: stop watching it for a while
             * rather than spin (the echo needs the descriptors more). */
            se_io_stop(loop, &h->listen_io);
            if (se_timer_start(loop, &h->backoff, ACCEPT_BACKOFF_MS) != 0)
                (void)se_io_set(loop, &h->listen_io, SE_READABLE);
            return;
        }
        if (err)
            continue; /* the client gave up before we accepted it */
        if (h->count >= MAX_CLIENTS) {
            turn_away(h, sock);
            continue;
        }
        client *c = calloc(1, sizeof *c);
        if (!c) {
            se_socket_close(sock);
            continue;
        }
        c->h = h;
        c->sock = sock;
        se_io_init(&c->io, sock, on_client_io, c);
        se_timer_init(&c->timer, on_client_timer, c);
        c->next = h->clients;
        if (h->clients)
            h->clients->prev = c;
        h->clients = c;
        h->count++;
        if (se_io_set(loop, &c->io, SE_READABLE) != 0 ||
            se_timer_start(loop, &c->timer, HEAD_TIMEOUT_MS) != 0)
            close_client(c);
    }
}

static void on_backoff(se_loop *loop, se_timer *t)
{
    se_http_responder *h = se_timer_data(t);
    (void)se_io_set(loop, &h->listen_io, SE_READABLE);
}

se_http_responder *se_http_responder_start(se_loop *loop, se_socket listener,
                                           se_http_render_fn render, void *data)
{
    se_http_responder *h = calloc(1, sizeof *h);
    if (!h) {
        se_socket_close(listener);
        return NULL;
    }
    h->loop = loop;
    h->render = render;
    h->render_data = data;
    h->listener = listener;
    se_io_init(&h->listen_io, listener, on_accept, h);
    se_timer_init(&h->backoff, on_backoff, h);
    if (se_io_set(loop, &h->listen_io, SE_READABLE) != 0) {
        se_socket_close(listener);
        free(h);
        return NULL;
    }
    return h;
}

void se_http_responder_stop(se_http_responder *h)
{
    se_io_stop(h->loop, &h->listen_io);
    se_timer_stop(h->loop, &h->backoff);
    se_socket_close(h->listener);
    while (h->clients) {
        client *c = h->clients;
        detach_client(c); /* the loop no longer runs: nothing holds C */
        free(c->out);
        free(c);
    }
    free(h);
}
