/* Event loop core: watcher bookkeeping, timer heap, deferred callbacks,
 * async handles and the run loop. Readiness comes from the backend chosen
 * when the loop is created. */
#include "backend.h"

#include <stdlib.h>
#include <string.h>

/* The backends compiled in, the default first: the same order as
 * SOCKECHO_BACKENDS, which the build writes from the same features. */
static const se_backend *const backends[] = {
#ifdef HAVE_IOCP
    &se_backend_iocp,
#endif
#ifdef HAVE_EPOLL
    &se_backend_epoll,
#endif
#ifdef HAVE_LIBURING
    &se_backend_uring,
#endif
    &se_backend_poll,
};

static uint64_t monotonic_ms(void *arg)
{
    (void)arg;
    return se_now_ns() / 1000000u;
}

static void update_time(se_loop *loop)
{
    loop->now_ms = loop->clock(loop->clock_arg);
}

int se_loop_new(se_loop **out, const char *name)
{
    const se_backend *backend = NULL;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0] && !backend; i++)
        if (!name || strcmp(name, backends[i]->name) == 0)
            backend = backends[i];
    if (!backend)
        return SE_EINVAL;
    se_loop *loop = calloc(1, sizeof *loop);
    if (!loop)
        return SE_ENOMEM;
    loop->backend = backend;
    loop->clock = monotonic_ms;
    int err = backend->create(loop);
    if (err && backend->fallback) {
        loop->backend = backend = backend->fallback;
        err = backend->create(loop);
    }
    if (err) {
        free(loop);
        return err;
    }
    update_time(loop);
    *out = loop;
    return 0;
}

void se_loop_free(se_loop *loop)
{
    if (loop->wakeup)
        se_wakeup_close(loop->wakeup);
    loop->backend->destroy(loop);
    free(loop->dirty);
    free(loop->heap);
    free(loop);
}

const char *se_loop_backend_name(const se_loop *loop)
{
    return loop->backend->name;
}

const char *se_loop_fallback(const se_loop *loop)
{
    return loop->fallback_reason[0] ? loop->fallback_reason : NULL;
}

void se_loop_set_data(se_loop *loop, void *data)
{
    loop->data = data;
}

void *se_loop_data(const se_loop *loop)
{
    return loop->data;
}

uint64_t se_loop_now(const se_loop *loop)
{
    return loop->now_ms;
}

uint64_t se_loop_clock(const se_loop *loop)
{
    return loop->clock(loop->clock_arg);
}

void se_loop_set_clock(se_loop *loop, uint64_t (*now_ms)(void *arg), void *arg)
{
    loop->clock = now_ms ? now_ms : monotonic_ms;
    loop->clock_arg = now_ms ? arg : NULL;
    update_time(loop);
}

void se_loop_stop(se_loop *loop)
{
    loop->stopping = 1;
}

/* ---- watchers ---- */

void se_io_init(se_io *io, se_socket sock, se_io_cb cb, void *data)
{
    memset(io, 0, sizeof *io);
    io->sock_ = sock;
    io->cb_ = cb;
    io->data_ = data;
}

int se_io_accept(se_loop *loop, se_io *io, se_socket *out, struct sockaddr_storage *peer)
{
    if (loop->backend->accept)
        return loop->backend->accept(loop, io, out, peer);
    return se_socket_accept(io->sock_, out, peer);
}

int se_io_connect(se_loop *loop, se_io *io, const struct sockaddr *addr, se_socklen len)
{
    if (loop->backend->connect) {
        /* Watched for writability, as on the readiness path, so that
         * se_io_stop() cancels it and the loop runs while it is pending;
         * the backend's request stands in for the readiness. */
        io->events_ = io->registered_ = SE_WRITABLE;
        loop->watched++;
        int err = loop->backend->connect(loop, io, addr, len);
        if (err == SE_EINPROGRESS)
            return err;
        io->events_ = io->registered_ = 0;
        loop->watched--;
        if (err != SE_ENOSYS)
            return err;
    }
    int err = se_socket_connect(io->sock_, addr, len);
    if (err == SE_EINPROGRESS) {
        int set = se_io_set(loop, io, SE_WRITABLE);
        if (set)
            return set;
    }
    return err;
}

int se_io_connected(se_loop *loop, se_io *io)
{
    if (loop->backend->connected && io->slot_)
        return loop->backend->connected(loop, io);
    return se_socket_error(io->sock_);
}

void se_io_accept_ahead(se_loop *loop, se_io *io, unsigned n)
{
    if (loop->backend->accept_ahead)
        loop->backend->accept_ahead(loop, io, n);
}

void *se_io_data(const se_io *io)
{
    return io->data_;
}

se_socket se_io_socket(const se_io *io)
{
    return io->sock_;
}

int se_io_set(se_loop *loop, se_io *io, int events)
{
    int old = io->events_;
    events &= SE_READABLE | SE_WRITABLE;
    if (events == old)
        return 0;
    if (!io->registered_ && events) {
        /* A new registration is handed over at once, so that its errors
         * (a bad socket, no memory) reach the caller. */
        io->events_ = (uint8_t)events;
        int err = loop->backend->update(loop, io);
        if (err) {
            io->events_ = (uint8_t)old;
            return err;
        }
    } else {
        if (!io->dirty_) {
            if (loop->dirty_len == loop->dirty_cap) {
                size_t cap = loop->dirty_cap ? loop->dirty_cap * 2 : 64;
                se_io **dirty = realloc(loop->dirty, cap * sizeof *dirty);
                if (!dirty)
                    return SE_ENOMEM;
                loop->dirty = dirty;
                loop->dirty_cap = cap;
            }
            loop->dirty[loop->dirty_len++] = io;
            io->dirty_ = (uint32_t)loop->dirty_len;
        }
        io->events_ = (uint8_t)events;
    }
    if (!old && events)
        loop->watched++;
    else if (old && !events)
        loop->watched--;
    return 0;
}

void se_io_stop(se_loop *loop, se_io *io)
{
    if (io->events_)
        loop->watched--;
    io->events_ = 0;
    if (io->dirty_) {
        /* Its memory may be freed next: out of the list of changes. */
        loop->dirty[io->dirty_ - 1] = NULL;
        io->dirty_ = 0;
    }
    if (io->registered_) {
        /* Its socket may be closed next: the backend must let go now. */
        (void)loop->backend->update(loop, io);
        io->registered_ = 0;
    }
}

/* Hands every changed watcher to the backend. A change that fails leaves
 * the watcher as the backend had it; its owner hears of it as an error
 * event in this round. */
static void flush_changes(se_loop *loop)
{
    for (size_t i = 0; i < loop->dirty_len; i++) {
        se_io *io = loop->dirty[i];
        if (!io)
            continue; /* stopped since it changed */
        io->dirty_ = 0;
        if (io->events_ != io->registered_ && loop->backend->update(loop, io) != 0)
            se_loop_dispatch(loop, io, SE_ERRORED);
    }
    loop->dirty_len = 0;
}

void se_loop_dispatch(se_loop *loop, se_io *io, int events)
{
    int wanted = io->events_;
    if (!wanted)
        return;
    if (events & (SE_HANGUP | SE_ERRORED))
        events |= wanted;
    events &= wanted | SE_HANGUP | SE_ERRORED;
    if (events & (SE_READABLE | SE_WRITABLE))
        io->cb_(loop, io, events);
}

/* ---- timers: a binary min-heap on due time ---- */

static int timer_before(const se_timer *a, const se_timer *b)
{
    return a->due_ms_ < b->due_ms_ || (a->due_ms_ == b->due_ms_ && a->seq_ < b->seq_);
}

static void heap_place(se_loop *loop, size_t i, se_timer *t)
{
    loop->heap[i] = t;
    t->heap_index_ = i;
}

static void heap_sift_up(se_loop *loop, size_t i)
{
    se_timer *t = loop->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(t, loop->heap[parent]))
            break;
        heap_place(loop, i, loop->heap[parent]);
        i = parent;
    }
    heap_place(loop, i, t);
}

static void heap_sift_down(se_loop *loop, size_t i)
{
    se_timer *t = loop->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= loop->heap_len)
            break;
        if (child + 1 < loop->heap_len && timer_before(loop->heap[child + 1], loop->heap[child]))
            child++;
        if (!timer_before(loop->heap[child], t))
            break;
        heap_place(loop, i, loop->heap[child]);
        i = child;
    }
    heap_place(loop, i, t);
}

void se_timer_init(se_timer *timer, se_timer_cb cb, void *data)
{
    timer->due_ms_ = 0;
    timer->heap_index_ = SIZE_MAX;
    timer->cb_ = cb;
    timer->data_ = data;
}

int se_timer_active(const se_timer *timer)
{
    return timer->heap_index_ != SIZE_MAX;
}

void *se_timer_data(const se_timer *timer)
{
    return timer->data_;
}

void se_timer_stop(se_loop *loop, se_timer *timer)
{
    size_t i = timer->heap_index_;
    if (i == SIZE_MAX)
        return;
    timer->heap_index_ = SIZE_MAX;
    se_timer *last = loop->heap[--loop->heap_len];
    if (last == timer)
        return;
    heap_place(loop, i, last);
    heap_sift_down(loop, i);
    heap_sift_up(loop, last->heap_index_);
}

int se_timer_start(se_loop *loop, se_timer *timer, uint64_t timeout_ms)
{
    se_timer_stop(loop, timer);
    if (loop->heap_len == loop->heap_cap) {
        size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
        se_timer **heap = realloc(loop->heap, cap * sizeof *heap);
        if (!heap)
            return SE_ENOMEM;
        loop->heap = heap;
        loop->heap_cap = cap;
    }
    timer->due_ms_ = loop->now_ms + timeout_ms;
    timer->seq_ = loop->timer_seq++;
    heap_place(loop, loop->heap_len++, timer);
    heap_sift_up(loop, timer->heap_index_);
    return 0;
}

static void run_timers(se_loop *loop)
{
    uint64_t started_before = loop->timer_seq;
    while (loop->heap_len > 0 && loop->heap[0]->due_ms_ <= loop->now_ms &&
           loop->heap[0]->seq_ < started_before) {
        se_timer *t = loop->heap[0];
        se_timer_stop(loop, t);
        t->cb_(loop, t);
    }
}

/* ---- deferred callbacks ---- */

void se_loop_defer(se_loop *loop, se_deferred *d, se_deferred_cb cb, void *data)
{
    d->next_ = NULL;
    d->cb_ = cb;
    d->data_ = data;
    if (loop->deferred_tail)
        loop->deferred_tail->next_ = d;
    else
        loop->deferred_head = d;
    loop->deferred_tail = d;
}

void *se_deferred_data(const se_deferred *d)
{
    return d->data_;
}

/* Runs the callbacks deferred before this pass started; those they defer
 * wait for the next round. */
static void run_deferred(se_loop *loop)
{
    se_deferred *d = loop->deferred_head, *last = loop->deferred_tail;
    if (!d)
        return;
    for (;;) {
        se_deferred *next = d->next_;
        int was_last = d == last;
        loop->deferred_head = next;
        if (!next)
            loop->deferred_tail = NULL;
        d->cb_(loop, d);
        if (was_last)
            return;
        d = next;
    }
}

/* ---- async handles ---- */

void se_loop_woken(se_loop *loop)
{
    se_async *next;
    for (se_async *a = loop->asyncs; a; a = next) {
        next = a->next_; /* CB may close A */
        if (atomic_exchange(&a->pending_, 0))
            a->cb_(loop, a);
    }
}

static void on_wakeup(se_loop *loop, se_io *io, int events)
{
    (void)io;
    (void)events;
    se_wakeup_drain(loop->wakeup);
    se_loop_woken(loop);
}

/* The first async handle starts what wakes the loop: the backend's own
 * wake-up, counted as a watcher, or the socket-pair channel's watcher. */
static int wake_start(se_loop *loop)
{
    if (loop->backend->wake) {
        loop->watched++;
        return 0;
    }
    if (!loop->wakeup) {
        int err = se_wakeup_open(&loop->wakeup);
        if (err)
            return err;
        se_io_init(&loop->wakeup_io, se_wakeup_socket(loop->wakeup), on_wakeup, NULL);
    }
    return se_io_set(loop, &loop->wakeup_io, SE_READABLE);
}

int se_async_init(se_loop *loop, se_async *async, se_async_cb cb, void *data)
{
    if (!loop->asyncs) {
        int err = wake_start(loop);
        if (err)
            return err;
    }
    async->cb_ = cb;
    async->data_ = data;
    atomic_store(&async->pending_, 0);
    async->loop_ = loop;
    async->next_ = loop->asyncs;
    loop->asyncs = async;
    return 0;
}

void se_async_send(se_async *async)
{
    if (atomic_exchange(&async->pending_, 1) != 0)
        return;
    se_loop *loop = async->loop_;
    if (loop->backend->wake)
        loop->backend->wake(loop);
    else
        se_wakeup_signal(loop->wakeup);
}

void se_async_close(se_loop *loop, se_async *async)
{
    for (se_async **p = &loop->asyncs; *p; p = &(*p)->next_) {
        if (*p == async) {
            *p = async->next_;
            if (!loop->asyncs && loop->backend->wake)
                loop->watched--;
            break;
        }
    }
    if (!loop->asyncs && !loop->backend->wake)
        se_io_stop(loop, &loop->wakeup_io);
}

void *se_async_data(const se_async *async)
{
    return async->data_;
}

/* ---- completion I/O (loop/completion.h): the backend's, counted as
 * watchers so that the loop runs while an operation is in flight ---- */

int se_loop_completes(const se_loop *loop)
{
    return loop->backend->recv != NULL;
}

int se_op_active(const se_op *op)
{
    return op->slot_ != 0;
}

int se_op_recv(se_loop *loop, se_op *op, se_socket sock, size_t limit, se_op_cb cb, void *data)
{
    return loop->backend->recv(loop, op, sock, limit, cb, data);
}

int se_op_send(se_loop *loop, se_op *op, se_socket sock, const void *buf, size_t len, se_op_cb cb,
               void *data)
{
    return loop->backend->send(loop, op, sock, buf, len, cb, data);
}

int se_op_close(se_loop *loop, se_socket sock)
{
    if (!loop->backend->close)
        return SE_ENOSYS;
    return loop->backend->close(loop, sock);
}

int se_op_keep(se_loop *loop, const char *buf, size_t len)
{
    if (!loop->backend->keep)
        return SE_ENOSYS;
    return loop->backend->keep(loop, buf, len);
}

void se_op_give_back(se_loop *loop, const char *buf)
{
    loop->backend->give_back(loop, buf);
}

int se_op_send_kept(se_loop *loop, se_op *op, se_socket sock, const se_op_span *spans, int n,
                    se_op_cb cb, void *data)
{
    return loop->backend->send_kept(loop, op, sock, spans, n, cb, data);
}

void se_op_cancel(se_loop *loop, se_op *op)
{
    if (op->slot_)
        loop->backend->cancel(loop, op);
}

void se_op_detach(se_loop *loop, se_op *op, void *orphan)
{
    if (op->slot_)
        loop->backend->detach(loop, op, orphan);
    else
        free(orphan);
    op->sock_ = SE_INVALID_SOCKET;
}

/* ---- run ---- */

static int next_timeout(const se_loop *loop)
{
    if (loop->deferred_head || loop->stopping)
        return 0;
    if (loop->heap_len == 0)
        return -1;
    uint64_t due = loop->heap[0]->due_ms_;
    if (due <= loop->now_ms)
        return 0;
    uint64_t wait = due - loop->now_ms;
    return wait > 86400000u ? 86400000 : (int)wait;
}

int se_loop_run(se_loop *loop)
{
    loop->stopping = 0;
    while (!loop->stopping) {
        if (loop->watched == 0 && loop->heap_len == 0 && !loop->deferred_head)
            break;
        flush_changes(loop);
        int err = loop->backend->wait(loop, next_timeout(loop));
        if (err && err != SE_EINTR)
            return err;
        update_time(loop); /* before any callback of this round */
        if (!err)
            loop->backend->dispatch(loop);
        run_timers(loop);
        run_deferred(loop);
    }
    return 0;
}
