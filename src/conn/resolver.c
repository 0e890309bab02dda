/* Resolution on a thread, answered through se_async; see conn/resolver.h. */
#include "conn/resolver.h"

#include <stdlib.h>
#include <string.h>

struct se_resolver {
    se_loop *loop;
    se_async async;
    se_thread *thread;
    se_resolver_cb cb;
    void *arg;
    size_t n;
    char *host[SE_RESOLVER_MAX], *port[SE_RESOLVER_MAX];
    int family[SE_RESOLVER_MAX];
    /* Written by the thread, read after the join. */
    int failed, err;
    struct addrinfo *lists[SE_RESOLVER_MAX];
};

static void resolve_all(void *arg)
{
    se_resolver *r = arg;
    r->failed = -1;
    for (size_t i = 0; i < r->n; i++) {
        r->err = se_resolve(r->host[i], r->port[i], r->family[i], SOCK_STREAM, 0, &r->lists[i]);
        if (r->err) {
            r->failed = (int)i;
            break;
        }
    }
    se_async_send(&r->async);
}

static void release(se_resolver *r, int free_lists)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->host[i]);
        free(r->port[i]);
        if (free_lists && r->lists[i])
            freeaddrinfo(r->lists[i]);
    }
    free(r);
}

static void on_answer(se_loop *loop, se_async *async)
{
    se_resolver *r = se_async_data(async);
    se_thread_join(r->thread); /* the thread's last act was the send */
    se_async_close(loop, &r->async);
    struct addrinfo *lists[SE_RESOLVER_MAX] = {NULL};
    memcpy(lists, r->lists, sizeof lists);
    se_resolver_cb cb = r->cb;
    void *arg = r->arg;
    int failed = r->failed, err = r->err;
    release(r, 0);
    cb(arg, failed, err, lists);
}

int se_resolver_start(se_loop *loop, const se_resolve_query *q, size_t n, se_resolver_cb cb,
                      void *arg, se_resolver **out)
{
    if (n == 0 || n > SE_RESOLVER_MAX)
        return SE_EINVAL;
    se_resolver *r = calloc(1, sizeof *r);
    if (!r)
        return SE_ENOMEM;
    r->loop = loop;
    r->cb = cb;
    r->arg = arg;
    r->n = n;
    int err = 0;
    for (size_t i = 0; i < n; i++) {
        r->host[i] = q[i].host ? strdup(q[i].host) : NULL;
        r->port[i] = q[i].port ? strdup(q[i].port) : NULL;
        r->family[i] = q[i].family;
        if ((q[i].host && !r->host[i]) || (q[i].port && !r->port[i]))
            err = SE_ENOMEM;
    }
    if (!err)
        err = se_async_init(loop, &r->async, on_answer, r);
    if (err) {
        release(r, 0);
        return err;
    }
    if ((err = se_thread_start(&r->thread, resolve_all, r)) != 0) {
        se_async_close(loop, &r->async);
        release(r, 0);
        return err;
    }
    *out = r;
    return 0;
}

void se_resolver_cancel(se_resolver *resolver)
{
    se_thread_join(resolver->thread);
    se_async_close(resolver->loop, &resolver->async);
    release(resolver, 1);
}
