/* Event loop core: watcher bookkeeping, timer heap, deferred callbacks and
 * the run loop. Readiness comes from the backend chosen at init. */
#include "loop/loop.h"
#include "loop/backend.h"

#include <stdlib.h>
#include <string.h>

#define SE_READ_BUF_SIZE (64 * 1024)

static const se_backend *const backends[] = {
#ifdef HAVE_EPOLL
    &se_backend_epoll,
#endif
    &se_backend_poll,
};

const char *se_loop_backend_names(void)
{
#ifdef HAVE_EPOLL
    return "epoll poll";
#else
    return "poll";
#endif
}

int se_loop_init(se_loop *loop, const char *name)
{
    memset(loop, 0, sizeof *loop);
    loop->backend = NULL;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        if (!name || strcmp(name, backends[i]->name) == 0) {
            loop->backend = backends[i];
            break;
        }
    }
    if (!loop->backend)
        return SE_EINVAL;
    loop->read_buf_size = SE_READ_BUF_SIZE;
    loop->read_buf = malloc(loop->read_buf_size);
    if (!loop->read_buf)
        return SE_ENOMEM;
    int err = loop->backend->create(loop);
    if (err) {
        free(loop->read_buf);
        return err;
    }
    se_loop_update_time(loop);
    return 0;
}

void se_loop_close(se_loop *loop)
{
    loop->backend->destroy(loop);
    free(loop->heap);
    free(loop->read_buf);
    loop->heap = NULL;
    loop->read_buf = NULL;
}

const char *se_loop_backend_name(const se_loop *loop)
{
    return loop->backend->name;
}

uint64_t se_loop_now(const se_loop *loop)
{
    return loop->now_ms;
}

void se_loop_update_time(se_loop *loop)
{
    loop->now_ms = se_now_ns() / 1000000u;
}

void se_loop_stop(se_loop *loop)
{
    loop->stopping = 1;
}

/* ---- watchers ---- */

void se_io_init(se_io *io, se_socket sock, se_io_cb cb, void *data)
{
    memset(io, 0, sizeof *io);
    io->sock = sock;
    io->cb = cb;
    io->data = data;
}

int se_io_set(se_loop *loop, se_io *io, int events)
{
    int old = io->events;
    events &= SE_READABLE | SE_WRITABLE;
    if (events == old)
        return 0;
    io->events = events;
    int err = loop->backend->update(loop, io);
    if (err) {
        io->events = old;
        return err;
    }
    if (!old && events)
        loop->watched++;
    else if (old && !events)
        loop->watched--;
    return 0;
}

void se_io_stop(se_loop *loop, se_io *io)
{
    /* Removing a registration cannot fail in a way the caller could act on. */
    (void)se_io_set(loop, io, 0);
}

void se_loop_dispatch(se_loop *loop, se_io *io, int events)
{
    int wanted = io->events;
    if (!wanted)
        return;
    if (events & (SE_HANGUP | SE_ERRORED))
        events |= wanted;
    events &= wanted | SE_HANGUP | SE_ERRORED;
    if (events & (SE_READABLE | SE_WRITABLE))
        io->cb(loop, io, events);
}

/* ---- timers: a binary min-heap on due time ---- */

static int timer_before(const se_timer *a, const se_timer *b)
{
    return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void heap_place(se_loop *loop, size_t i, se_timer *t)
{
    loop->heap[i] = t;
    t->heap_index = i;
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
    timer->due_ms = 0;
    timer->heap_index = SIZE_MAX;
    timer->cb = cb;
    timer->data = data;
}

int se_timer_active(const se_timer *timer)
{
    return timer->heap_index != SIZE_MAX;
}

void se_timer_stop(se_loop *loop, se_timer *timer)
{
    size_t i = timer->heap_index;
    if (i == SIZE_MAX)
        return;
    timer->heap_index = SIZE_MAX;
    se_timer *last = loop->heap[--loop->heap_len];
    if (last == timer)
        return;
    heap_place(loop, i, last);
    heap_sift_down(loop, i);
    heap_sift_up(loop, last->heap_index);
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
    timer->due_ms = loop->now_ms + timeout_ms;
    timer->seq = loop->timer_seq++;
    heap_place(loop, loop->heap_len++, timer);
    heap_sift_up(loop, timer->heap_index);
    return 0;
}

static void run_timers(se_loop *loop)
{
    uint64_t started_before = loop->timer_seq;
    while (loop->heap_len > 0 && loop->heap[0]->due_ms <= loop->now_ms &&
           loop->heap[0]->seq < started_before) {
        se_timer *t = loop->heap[0];
        se_timer_stop(loop, t);
        t->cb(loop, t);
    }
}

/* ---- deferred callbacks ---- */

void se_loop_defer(se_loop *loop, se_deferred *d, se_deferred_cb cb, void *data)
{
    d->next = NULL;
    d->cb = cb;
    d->data = data;
    if (loop->deferred_tail)
        loop->deferred_tail->next = d;
    else
        loop->deferred_head = d;
    loop->deferred_tail = d;
}

static void run_deferred(se_loop *loop)
{
    /* Callbacks may defer more work: it runs in this same pass. */
    while (loop->deferred_head) {
        se_deferred *d = loop->deferred_head;
        loop->deferred_head = d->next;
        if (!loop->deferred_head)
            loop->deferred_tail = NULL;
        d->cb(loop, d);
    }
}

/* ---- run ---- */

static int next_timeout(const se_loop *loop)
{
    if (loop->deferred_head)
        return 0;
    if (loop->heap_len == 0)
        return -1;
    uint64_t due = loop->heap[0]->due_ms;
    if (due <= loop->now_ms)
        return 0;
    uint64_t wait = due - loop->now_ms;
    return wait > 86400000u ? 86400000 : (int)wait;
}

int se_loop_run(se_loop *loop)
{
    loop->stopping = 0;
    run_deferred(loop);
    while (!loop->stopping) {
        if (loop->watched == 0 && loop->heap_len == 0 && !loop->deferred_head)
            break;
        int err = loop->backend->poll(loop, next_timeout(loop));
        if (err && err != SE_EINTR)
            return err;
        se_loop_update_time(loop);
        run_timers(loop);
        run_deferred(loop);
    }
    return 0;
}
