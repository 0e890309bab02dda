/* io_uring backend (Linux, liburing): one io_uring_submit_and_wait per
 * round submits every request queued since the last one and waits up to the
 * next timer.
 *
 * Watchers are one-shot POLL_ADD requests, armed again after each dispatch
 * while the watcher still wants events (level-triggered, as epoll is here).
 * Completion I/O (loop/completion.h): receives pick buffers from one small
 * ring of provided buffers registered with the kernel, each returned to the
 * ring once its callback has run, so idle sockets hold no buffer; sends go
 * from the caller's memory. Receives are multishot; a byte limit uses the
 * kernel's multishot total cap (Linux 6.17), or, where the kernel refuses
 * it, single receives of at most one buffer.
 *
 * Every request's user data is 1 + a slot index (0: a cancel request,
 * whose own result is ignored). A slot is freed only at its request's last
 * completion, so a completion never finds a reused slot: a watcher stopped
 * or an operation detached leaves its slot "detached" until then. */
#include "backend.h"

#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define RING_ENTRIES 256
#define CQ_ENTRIES 4096
#define CQE_BATCH 256
/* The provided buffers: 1 MiB that stays in cache (a large pool was found
 * to cost more in cache misses than it saves). BUF_COUNT is a power of 2. */
#define BUF_COUNT 128
#define BUF_SIZE (8 * 1024)
#define BUF_GROUP 0

enum { SLOT_FREE, SLOT_POLL, SLOT_RECV, SLOT_SEND };

typedef struct {
    uint8_t kind;
    uint8_t detached;  /* nobody to report to: the last completion frees it */
    uint8_t cancelled; /* a cancel request is queued */
    uint8_t capped;    /* a multishot receive with a total byte cap */
    uint32_t next_free;
    se_io *io; /* SLOT_POLL */
    se_op *op; /* SLOT_RECV, SLOT_SEND */
    se_op_cb cb;
    void *data;
    void *orphan; /* freed with the slot */
} slot;

typedef struct {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
} completion;

typedef struct {
    struct io_uring ring;
    struct io_uring_buf_ring *buf_ring;
    char *bufs;
    unsigned bufs_returned; /* added to the ring since the last advance */
    slot *slots;
    uint32_t slots_len, slots_cap, free_head; /* free_head: 1 + index, 0: none */
    completion done[CQE_BATCH];
    int no_recv_cap; /* the kernel refused a multishot receive's byte cap */
} uring_state;

/* ---- slots ---- */

static int slot_new(uring_state *st, uint32_t *out)
{
    uint32_t i;
    if (st->free_head) {
        i = st->free_head - 1;
        st->free_head = st->slots[i].next_free;
    } else {
        if (st->slots_len == st->slots_cap) {
            uint32_t cap = st->slots_cap ? st->slots_cap * 2 : 256;
            slot *slots = realloc(st->slots, cap * sizeof *slots);
            if (!slots)
                return SE_ENOMEM;
            st->slots = slots;
            st->slots_cap = cap;
        }
        i = st->slots_len++;
    }
    memset(&st->slots[i], 0, sizeof st->slots[i]);
    *out = i;
    return 0;
}

static void slot_free(uring_state *st, uint32_t i)
{
    slot *s = &st->slots[i];
    free(s->orphan);
    s->orphan = NULL;
    s->kind = SLOT_FREE;
    s->next_free = st->free_head;
    st->free_head = i + 1;
}

/* A submission entry; when the queue is full, what it holds is submitted
 * first (a system call, only under a burst of requests). */
static struct io_uring_sqe *sqe_get(uring_state *st)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&st->ring);
    if (!sqe) {
        (void)io_uring_submit(&st->ring);
        sqe = io_uring_get_sqe(&st->ring);
    }
    return sqe;
}

/* Queues a cancel of slot I's request (once). */
static void slot_cancel(uring_state *st, uint32_t i)
{
    if (st->slots[i].cancelled)
        return;
    struct io_uring_sqe *sqe = sqe_get(st);
    if (!sqe)
        return; /* the request ends with its socket */
    st->slots[i].cancelled = 1;
    io_uring_prep_cancel64(sqe, (uint64_t)i + 1, 0);
    io_uring_sqe_set_data64(sqe, 0);
}

/* ---- creation: the probe ---- */

static int give_up(se_loop *loop, int err, const char *fmt, const char *detail)
{
    snprintf(loop->fallback_reason, sizeof loop->fallback_reason, fmt, detail);
    return err;
}

static int setup_buffers(uring_state *st)
{
    size_t ring_size = BUF_COUNT * sizeof(struct io_uring_buf);
    void *mem = mmap(NULL, ring_size, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (mem == MAP_FAILED)
        return -errno;
    st->buf_ring = mem;
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (uint64_t)(uintptr_t)mem;
    reg.ring_entries = BUF_COUNT;
    reg.bgid = BUF_GROUP;
    int r = io_uring_register_buf_ring(&st->ring, &reg, 0);
    if (r < 0)
        return r;
    /* Populated at once: the kernel cycles through every buffer of the
     * ring, so the pool is resident as soon as traffic flows anyway; this
     * way it is so from the start, not growing under the first load. */
    mem = mmap(NULL, (size_t)BUF_COUNT * BUF_SIZE, PROT_READ | PROT_WRITE,
               MAP_ANONYMOUS | MAP_PRIVATE | MAP_POPULATE, -1, 0);
    if (mem == MAP_FAILED)
        return -errno;
    st->bufs = mem;
    io_uring_buf_ring_init(st->buf_ring);
    for (unsigned i = 0; i < BUF_COUNT; i++)
        io_uring_buf_ring_add(st->buf_ring, st->bufs + (size_t)i * BUF_SIZE, BUF_SIZE,
                              (unsigned short)i, io_uring_buf_ring_mask(BUF_COUNT), (int)i);
    io_uring_buf_ring_advance(st->buf_ring, BUF_COUNT);
    return 0;
}

static void uring_destroy(se_loop *loop);

/* Checks what the backend needs, most basic first; says why it cannot run
 * in the loop's fallback_reason. */
static int uring_probe(se_loop *loop, uring_state *st)
{
    /* A test hook: behave as on a system without io_uring. */
    const char *off = getenv("SOCKECHO_IO_URING_DISABLE");
    if (off && *off)
        return give_up(loop, SE_ENOSYS, "io_uring disabled by %s", "SOCKECHO_IO_URING_DISABLE");
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    /* Completions are run when the loop enters the kernel anyway, not by
     * interrupting it (COOP_TASKRUN, Linux 5.19; without it where refused). */
    p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
    p.cq_entries = CQ_ENTRIES;
    int r = io_uring_queue_init_params(RING_ENTRIES, &st->ring, &p);
    if (r == -EINVAL) {
        memset(&p, 0, sizeof p);
        p.flags = IORING_SETUP_CQSIZE;
        p.cq_entries = CQ_ENTRIES;
        r = io_uring_queue_init_params(RING_ENTRIES, &st->ring, &p);
    }
    if (r == -ENOSYS)
        return give_up(loop, SE_ENOSYS, "%s", "this kernel has no io_uring");
    if (r == -EPERM || r == -EACCES)
        return give_up(loop, SE_EACCES, "%s",
                       "io_uring is not permitted here (kernel.io_uring_disabled, or a "
                       "seccomp filter)");
    if (r < 0)
        return give_up(loop, se_translate_sys_error(-r), "io_uring_setup failed: %s", strerror(-r));
    loop->backend_state = st;
    if (!(p.features & IORING_FEAT_EXT_ARG))
        return give_up(loop, SE_ENOSYS, "%s",
                       "this kernel's io_uring cannot wait with a timeout (Linux 5.11)");
    struct io_uring_probe *probe = io_uring_get_probe_ring(&st->ring);
    if (!probe)
        return give_up(loop, SE_ENOSYS, "%s", "this kernel's io_uring cannot be probed");
    static const struct {
        int op;
        const char *name;
    } needed[] = {
        {IORING_OP_POLL_ADD, "IORING_OP_POLL_ADD"},
        {IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL"},
        {IORING_OP_RECV, "IORING_OP_RECV"},
        {IORING_OP_SEND, "IORING_OP_SEND"},
        {IORING_OP_CLOSE, "IORING_OP_CLOSE"},
        /* Multishot receives (Linux 6.0) have no opcode of their own;
         * IORING_OP_SEND_ZC came in the same release. */
        {IORING_OP_SEND_ZC, "multishot receives (Linux 6.0)"},
    };
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
        if (!io_uring_opcode_supported(probe, needed[i].op)) {
            io_uring_free_probe(probe);
            return give_up(loop, SE_ENOSYS, "this kernel's io_uring lacks %s", needed[i].name);
        }
    }
    io_uring_free_probe(probe);
    r = setup_buffers(st);
    if (r < 0)
        return give_up(loop, se_translate_sys_error(-r),
                       "io_uring cannot register a provided-buffer ring: %s", strerror(-r));
    return 0;
}

static int uring_create(se_loop *loop)
{
    uring_state *st = calloc(1, sizeof *st);
    if (!st)
        return SE_ENOMEM;
    st->ring.ring_fd = -1;
    int err = uring_probe(loop, st);
    if (err) {
        if (loop->backend_state)
            uring_destroy(loop);
        else
            free(st);
        loop->backend_state = NULL;
        return err;
    }
    return 0;
}

static void uring_destroy(se_loop *loop)
{
    uring_state *st = loop->backend_state;
    if (st->ring.ring_fd >= 0) {
        (void)io_uring_submit(&st->ring); /* closes queued since the last round */
        io_uring_queue_exit(&st->ring);   /* cancels what is in flight */
    }
    for (uint32_t i = 0; i < st->slots_len; i++)
        if (st->slots[i].kind != SLOT_FREE)
            free(st->slots[i].orphan);
    if (st->buf_ring)
        munmap(st->buf_ring, BUF_COUNT * sizeof(struct io_uring_buf));
    if (st->bufs)
        munmap(st->bufs, (size_t)BUF_COUNT * BUF_SIZE);
    free(st->slots);
    free(st);
}

/* ---- watchers ---- */

static int poll_arm(se_loop *loop, se_io *io)
{
    uring_state *st = loop->backend_state;
    uint32_t i;
    int err = slot_new(st, &i);
    if (err)
        return err;
    struct io_uring_sqe *sqe = sqe_get(st);
    if (!sqe) {
        slot_free(st, i);
        return SE_ENOMEM;
    }
    unsigned mask = 0;
    if (io->events_ & SE_READABLE)
        mask |= POLLIN;
    if (io->events_ & SE_WRITABLE)
        mask |= POLLOUT;
    io_uring_prep_poll_add(sqe, io->sock_, mask);
    io_uring_sqe_set_data64(sqe, (uint64_t)i + 1);
    st->slots[i].kind = SLOT_POLL;
    st->slots[i].io = io;
    io->slot_ = i + 1;
    return 0;
}

static int uring_update(se_loop *loop, se_io *io)
{
    uring_state *st = loop->backend_state;
    if (io->slot_) {
        uint32_t i = io->slot_ - 1;
        st->slots[i].io = NULL;
        st->slots[i].detached = 1;
        slot_cancel(st, i);
        io->slot_ = 0;
    }
    io->registered_ = 0;
    if (io->events_) {
        int err = poll_arm(loop, io);
        if (err)
            return err;
    }
    io->registered_ = io->events_;
    return 0;
}

static void poll_done(se_loop *loop, uint32_t i, const completion *c)
{
    uring_state *st = loop->backend_state;
    se_io *io = st->slots[i].io;
    slot_free(st, i);
    if (!io)
        return; /* stopped since */
    io->slot_ = 0;
    int events = 0;
    if (c->res < 0) {
        events = SE_ERRORED;
    } else {
        if (c->res & POLLIN)
            events |= SE_READABLE;
        if (c->res & POLLOUT)
            events |= SE_WRITABLE;
        if (c->res & POLLHUP)
            events |= SE_HANGUP;
        if (c->res & POLLERR)
            events |= SE_ERRORED;
    }
    se_loop_dispatch(loop, io, events);
    /* Still wanted and not armed again by the callback: watch on. The
     * watcher's memory is valid here: frees are deferred past the round. */
    if (io->slot_)
        return;          /* armed again by the callback */
    io->registered_ = 0; /* what the backend watches: nothing, until armed */
    if (io->events_) {
        if (poll_arm(loop, io) != 0)
            se_loop_dispatch(loop, io, SE_ERRORED);
        else
            io->registered_ = io->events_;
    }
}

/* ---- completion I/O ---- */

static int op_start(se_loop *loop, se_op *op, int kind, se_op_cb cb, void *data,
                    struct io_uring_sqe **sqe_out)
{
    uring_state *st = loop->backend_state;
    uint32_t i;
    int err = slot_new(st, &i);
    if (err)
        return err;
    struct io_uring_sqe *sqe = sqe_get(st);
    if (!sqe) {
        slot_free(st, i);
        return SE_ENOMEM;
    }
    slot *s = &st->slots[i];
    s->kind = (uint8_t)kind;
    s->op = op;
    s->cb = cb;
    s->data = data;
    op->slot_ = i + 1;
    io_uring_sqe_set_data64(sqe, (uint64_t)i + 1);
    loop->watched++;
    *sqe_out = sqe;
    return 0;
}

static int uring_recv(se_loop *loop, se_op *op, se_socket sock, size_t limit, se_op_cb cb,
                      void *data)
{
    struct io_uring_sqe *sqe;
    int err = op_start(loop, op, SLOT_RECV, cb, data, &sqe);
    if (err)
        return err;
    uring_state *st = loop->backend_state;
    if (limit && st->no_recv_cap) {
        io_uring_prep_recv(sqe, sock, NULL, limit < BUF_SIZE ? limit : BUF_SIZE, 0);
    } else {
        io_uring_prep_recv_multishot(sqe, sock, NULL, 0, 0);
        if (limit) {
            /* The total cap is the SQE's optlen, which shares its place
             * with file_index (liburing 2.3 predates the name); kernels
             * before 6.17 refuse it with EINVAL. */
            sqe->file_index = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
            st->slots[op->slot_ - 1].capped = 1;
        }
    }
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = BUF_GROUP;
    return 0;
}

static int uring_send(se_loop *loop, se_op *op, se_socket sock, const void *buf, size_t len,
                      se_op_cb cb, void *data)
{
    struct io_uring_sqe *sqe;
    int err = op_start(loop, op, SLOT_SEND, cb, data, &sqe);
    if (err)
        return err;
    io_uring_prep_send(sqe, sock, buf, len, MSG_NOSIGNAL);
    return 0;
}

static int uring_close(se_loop *loop, se_socket sock)
{
    struct io_uring_sqe *sqe = sqe_get(loop->backend_state);
    if (!sqe)
        return SE_ENOMEM;
    io_uring_prep_close(sqe, sock);
    io_uring_sqe_set_data64(sqe, 0);
    return 0;
}

static void uring_cancel(se_loop *loop, se_op *op)
{
    slot_cancel(loop->backend_state, op->slot_ - 1);
}

static void uring_detach(se_loop *loop, se_op *op, void *orphan)
{
    uring_state *st = loop->backend_state;
    uint32_t i = op->slot_ - 1;
    slot *s = &st->slots[i];
    s->detached = 1;
    s->op = NULL;
    s->orphan = orphan;
    slot_cancel(st, i);
    op->slot_ = 0;
    loop->watched--;
}

static long op_result(int res)
{
    if (res >= 0)
        return res;
    if (res == -ENOBUFS || res == -ECANCELED)
        return SE_EAGAIN;
    return se_translate_sys_error(-res);
}

static void op_done(se_loop *loop, uint32_t i, const completion *c)
{
    uring_state *st = loop->backend_state;
    slot *s = &st->slots[i];
    se_op_cb cb = s->cb;
    void *data = s->data;
    int detached = s->detached;
    long result = op_result(c->res);
    if (s->capped && c->res == -EINVAL) {
        st->no_recv_cap = 1; /* single receives from now on */
        result = SE_EAGAIN;
    }
    const char *buf = NULL;
    if (c->flags & IORING_CQE_F_BUFFER) {
        unsigned bid = c->flags >> IORING_CQE_BUFFER_SHIFT;
        buf = st->bufs + (size_t)bid * BUF_SIZE;
    }
    if (!(c->flags & IORING_CQE_F_MORE)) {
        if (!detached) {
            s->op->slot_ = 0;
            loop->watched--;
        }
        slot_free(st, i); /* S is stale from here */
    }
    if (!detached)
        cb(loop, data, result, buf);
    if (buf) {
        /* Back to the kernel once the callback has consumed it. */
        io_uring_buf_ring_add(st->buf_ring, (void *)buf, BUF_SIZE,
                              (unsigned short)(c->flags >> IORING_CQE_BUFFER_SHIFT),
                              io_uring_buf_ring_mask(BUF_COUNT), (int)st->bufs_returned++);
    }
}

/* ---- the round ---- */

static int uring_wait(se_loop *loop, int timeout_ms)
{
    uring_state *st = loop->backend_state;
    struct io_uring_cqe *cqe;
    int r;
    if (timeout_ms < 0) {
        r = io_uring_submit_and_wait(&st->ring, 1);
    } else if (timeout_ms == 0) {
        r = io_uring_submit(&st->ring);
    } else {
        struct __kernel_timespec ts;
        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = (long long)(timeout_ms % 1000) * 1000000;
        r = io_uring_submit_and_wait_timeout(&st->ring, &cqe, 1, &ts, NULL);
    }
    if (r == -EINTR)
        return SE_EINTR;
    if (r < 0 && r != -ETIME && r != -EBUSY && r != -EAGAIN)
        return se_translate_sys_error(-r);
    return 0;
}

static void uring_dispatch(se_loop *loop)
{
    uring_state *st = loop->backend_state;
    /* Copied out first: callbacks queue requests, and may submit. */
    struct io_uring_cqe *cqes[CQE_BATCH];
    unsigned n = io_uring_peek_batch_cqe(&st->ring, cqes, CQE_BATCH);
    for (unsigned k = 0; k < n; k++) {
        st->done[k].user_data = io_uring_cqe_get_data64(cqes[k]);
        st->done[k].res = cqes[k]->res;
        st->done[k].flags = cqes[k]->flags;
    }
    io_uring_cq_advance(&st->ring, n);
    for (unsigned k = 0; k < n; k++) {
        const completion *c = &st->done[k];
        if (c->user_data == 0)
            continue; /* a cancel request's own result */
        uint32_t i = (uint32_t)(c->user_data - 1);
        if (st->slots[i].kind == SLOT_POLL)
            poll_done(loop, i, c);
        else
            op_done(loop, i, c);
    }
    if (st->bufs_returned) {
        io_uring_buf_ring_advance(st->buf_ring, (int)st->bufs_returned);
        st->bufs_returned = 0;
    }
}

const se_backend se_backend_uring = {
    .name = "io_uring",
    .create = uring_create,
    .destroy = uring_destroy,
    .update = uring_update,
    .wait = uring_wait,
    .dispatch = uring_dispatch,
    .recv = uring_recv,
    .send = uring_send,
    .cancel = uring_cancel,
    .detach = uring_detach,
    .close = uring_close,
    .fallback = &se_backend_epoll,
};
