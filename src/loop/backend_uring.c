/* io_uring backend (Linux, liburing): one io_uring_submit_and_wait per
 * round submits every request queued since the last one and waits up to the
 * next timer.
 *
 * Watchers are one-shot POLL_ADD requests, armed again after each dispatch
 * while the watcher still wants events (level-triggered, as epoll is here).
 * Completion I/O (loop/completion.h): receives pick buffers from one small
 * ring of provided buffers registered with the kernel, each returned to the
 * ring once its callback has run, so idle sockets hold no buffer; sends go
 * from the caller's memory. A callback may keep its buffer (se_op_keep) to
 * send from it (se_op_send_kept, one sendmsg for several buffers, which
 * returns them to the ring when it ends): an echo then copies nothing;
 * at most KEEP_MAX buffers are kept at once, so a slow reader cannot hold
 * the whole pool (its writer copies instead). Receives are multishot; a byte limit uses the
 * kernel's multishot total cap (Linux 6.17), or, where the kernel refuses
 * it, single receives of at most one buffer.
 *
 * A listener the server asks to accept ahead (se_io_accept_ahead) keeps up
 * to that many ACCEPT requests posted while it is watched, each with its own
 * address buffer, so the peer comes with the completion; accepted sockets
 * wait in a small queue, the watcher is readable while it holds one, and
 * se_io_accept takes them: no accept4 per client. Asked for none (the
 * server at --max-conns), it is watched by a POLL_ADD as any other, and
 * clients wait in the kernel's backlog. A failed accept (out of
 * descriptors) is reported once and not posted again until asked.
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

/* Accepts posted ahead per listener, at most. */
#define ACCEPT_AHEAD 64

/* Buffers that may be kept at once; the rest keeps receives going. */
#define KEEP_MAX (BUF_COUNT * 3 / 4)

enum { SLOT_FREE, SLOT_POLL, SLOT_RECV, SLOT_SEND, SLOT_SEND_KEPT, SLOT_ACCEPT };

/* A send from kept buffers: its message, and the buffers it gives back. */
typedef struct {
    struct msghdr msg;
    void *orphan; /* the detached owner's (se_op_detach) */
    int n;
    uint16_t bids[SE_OP_SPANS_MAX];
    struct iovec iov[SE_OP_SPANS_MAX];
} kept_send;

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
    void *orphan; /* freed with the slot (SLOT_ACCEPT: its accept_req) */
} slot;

typedef struct acceptor acceptor;

/* One posted accept: where the kernel writes the peer's address. */
typedef struct {
    acceptor *a;
    struct io_uring_sqe *sqe; /* while not yet submitted (gen is the ring's) */
    uint64_t gen;
    socklen_t len;
    struct sockaddr_storage addr;
} accept_req;

/* A listener that accepts ahead. Kept until the loop is freed. */
struct acceptor {
    acceptor *next;
    se_io *io;
    se_socket sock;
    unsigned ahead;  /* accepting ahead (else readiness, as other watchers) */
    unsigned budget; /* clients that may still be accepted: posted + queued */
    unsigned posted;
    unsigned armed : 1;           /* the watcher wants clients */
    unsigned broken : 1;          /* an accept failed for good: readiness from now on */
    int error;                    /* a failed accept's error, reported once */
    uint32_t slots[ACCEPT_AHEAD]; /* the posted requests' 1 + slot index */
    unsigned q_head, q_len;
    struct {
        se_socket sock;
        struct sockaddr_storage peer;
    } queue[ACCEPT_AHEAD];
};

typedef struct {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
} completion;

typedef struct {
    struct io_uring ring;
    struct io_uring_buf_ring *buf_ring;
    char *bufs;
    unsigned bufs_returned;  /* added to the ring since the last advance */
    uint8_t refs[BUF_COUNT]; /* keeps of each buffer (se_op_keep) */
    unsigned kept;           /* buffers kept */
    int reporting;           /* the buffer a receive's callback reports, or -1 */
    slot *slots;
    uint32_t slots_len, slots_cap, free_head; /* free_head: 1 + index, 0: none */
    completion done[CQE_BATCH];
    int no_recv_cap; /* the kernel refused a multishot receive's byte cap */
    acceptor *acceptors;
    uint64_t gen; /* submissions so far: a request prepared since is not submitted */
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
        st->gen++;
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
        {IORING_OP_SENDMSG, "IORING_OP_SENDMSG"},
        {IORING_OP_CLOSE, "IORING_OP_CLOSE"},
        {IORING_OP_ACCEPT, "IORING_OP_ACCEPT"},
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
    st->reporting = -1;
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
    for (uint32_t i = 0; i < st->slots_len; i++) {
        if (st->slots[i].kind == SLOT_SEND_KEPT)
            free(((kept_send *)st->slots[i].orphan)->orphan);
        if (st->slots[i].kind != SLOT_FREE)
            free(st->slots[i].orphan);
    }
    while (st->acceptors) {
        acceptor *a = st->acceptors;
        st->acceptors = a->next;
        for (unsigned k = 0; k < a->q_len; k++)
            se_socket_close(a->queue[(a->q_head + k) % ACCEPT_AHEAD].sock);
        free(a);
    }
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

/* Lets go of IO's POLL_ADD request, if one is posted. */
static void poll_release(uring_state *st, se_io *io)
{
    if (io->slot_) {
        uint32_t i = io->slot_ - 1;
        st->slots[i].io = NULL;
        st->slots[i].detached = 1;
        slot_cancel(st, i);
        io->slot_ = 0;
    }
}

/* ---- accepting ahead ---- */

static acceptor *acceptor_of(uring_state *st, const se_io *io)
{
    for (acceptor *a = st->acceptors; a; a = a->next)
        if (a->io == io && a->sock == io->sock_)
            return a;
    return NULL;
}

/* Accepting ahead rather than watching readiness. */
static int accepting_ahead(const acceptor *a)
{
    return a && a->ahead && !a->broken;
}

/* Posts accepts until posted + queued reach the budget. */
static void accept_fill(uring_state *st, acceptor *a)
{
    while (a->armed && !a->error && a->posted + a->q_len < a->budget) {
        accept_req *r = malloc(sizeof *r);
        uint32_t i;
        if (!r)
            return;
        if (slot_new(st, &i) != 0) {
            free(r);
            return;
        }
        struct io_uring_sqe *sqe = sqe_get(st);
        if (!sqe) {
            free(r);
            slot_free(st, i);
            return;
        }
        r->a = a;
        r->sqe = sqe;
        r->gen = st->gen;
        r->len = sizeof r->addr;
        io_uring_prep_accept(sqe, a->sock, (struct sockaddr *)&r->addr, &r->len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
        io_uring_sqe_set_data64(sqe, (uint64_t)i + 1);
        st->slots[i].kind = SLOT_ACCEPT;
        st->slots[i].orphan = r;
        for (unsigned k = 0; k < ACCEPT_AHEAD; k++) {
            if (!a->slots[k]) {
                a->slots[k] = i + 1;
                break;
            }
        }
        a->posted++;
    }
}

/* Cancels posted accepts until at most KEEP remain; one not submitted yet
 * becomes a no-op at once, so that it takes no client. A client accepted
 * before a cancel lands still joins the queue. */
static void accept_trim(uring_state *st, acceptor *a, unsigned keep)
{
    unsigned live = 0;
    for (unsigned k = 0; k < ACCEPT_AHEAD; k++)
        if (a->slots[k] && !st->slots[a->slots[k] - 1].cancelled)
            live++;
    for (unsigned k = ACCEPT_AHEAD; k-- > 0 && live > keep;) {
        uint32_t i = a->slots[k];
        if (!i || st->slots[i - 1].cancelled)
            continue;
        live--;
        accept_req *r = st->slots[i - 1].orphan;
        if (r->gen == st->gen) {
            io_uring_prep_nop(r->sqe);
            io_uring_sqe_set_data64(r->sqe, 0);
            a->slots[k] = 0;
            a->posted--;
            slot_free(st, i - 1);
        } else {
            slot_cancel(st, i - 1);
        }
    }
}

/* Nonzero when a submitted accept waits for a client: then a client that
 * comes is this listener's, and none is left waiting in the backlog. */
static int accept_waiting(const uring_state *st, const acceptor *a)
{
    for (unsigned k = 0; k < ACCEPT_AHEAD; k++) {
        uint32_t i = a->slots[k];
        if (i && !st->slots[i - 1].cancelled &&
            ((const accept_req *)st->slots[i - 1].orphan)->gen != st->gen)
            return 1;
    }
    return 0;
}

static int accept_apply(se_loop *loop, acceptor *a, se_io *io);

static void accept_done(se_loop *loop, uint32_t i, const completion *c)
{
    uring_state *st = loop->backend_state;
    accept_req *r = st->slots[i].orphan;
    acceptor *a = r->a;
    for (unsigned k = 0; k < ACCEPT_AHEAD; k++)
        if (a->slots[k] == i + 1)
            a->slots[k] = 0;
    a->posted--;
    if (c->res >= 0) {
        if (a->q_len < ACCEPT_AHEAD) {
            unsigned at = (a->q_head + a->q_len++) % ACCEPT_AHEAD;
            a->queue[at].sock = c->res;
            memcpy(&a->queue[at].peer, &r->addr, sizeof r->addr);
        } else {
            se_socket_close(c->res);
        }
    } else if (c->res == -EMFILE || c->res == -ENFILE || c->res == -ENOBUFS || c->res == -ENOMEM) {
        /* Out of descriptors or memory: reported once, and nothing is
         * posted again until the watcher is armed anew (no spinning). */
        a->error = se_translate_sys_error(-c->res);
    } else if (c->res != -ECANCELED && c->res != -ECONNABORTED && c->res != -EPROTO &&
               c->res != -ECONNRESET) {
        /* The listener itself failed: readiness from now on, which
         * reports it as on the other backends. */
        a->broken = 1;
    }
    slot_free(st, i);
    if (a->broken) {
        if (a->io->sock_ == a->sock && a->io->registered_ && accept_apply(loop, a, a->io) != 0)
            se_loop_dispatch(loop, a->io, SE_ERRORED);
        return;
    }
    accept_fill(st, a); /* a client that gave up, or a cancel: post another */
}

/* Makes A's listener, watched or not, accept ahead or not as asked. */
static int accept_apply(se_loop *loop, acceptor *a, se_io *io)
{
    uring_state *st = loop->backend_state;
    int want = (io->events_ & SE_READABLE) != 0;
    if (!accepting_ahead(a)) {
        a->armed = 0;
        accept_trim(st, a, 0);
        if (want && !io->slot_)
            return poll_arm(loop, io);
        return 0;
    }
    poll_release(st, io);
    if (want && !a->armed)
        a->error = 0; /* armed anew: try again */
    a->armed = want;
    accept_trim(st, a, want ? a->budget : 0);
    accept_fill(st, a);
    return 0;
}

static void uring_accept_ahead(se_loop *loop, se_io *io, unsigned n)
{
    uring_state *st = loop->backend_state;
    acceptor *a = acceptor_of(st, io);
    if (!a && n == 0)
        return;
    if (!a) {
        a = calloc(1, sizeof *a);
        if (!a)
            return; /* readiness, as before */
        a->io = io;
        a->sock = io->sock_;
        a->next = st->acceptors;
        st->acceptors = a;
    }
    if (n > ACCEPT_AHEAD)
        n = ACCEPT_AHEAD;
    a->ahead = n > 0;
    a->budget = n;
    if (io->registered_ && accept_apply(loop, a, io) != 0)
        se_loop_dispatch(loop, io, SE_ERRORED);
}

static int uring_accept(se_loop *loop, se_io *io, se_socket *out, struct sockaddr_storage *peer)
{
    uring_state *st = loop->backend_state;
    acceptor *a = acceptor_of(st, io);
    if (a && a->q_len) {
        /* Accepted ahead (possibly before the server stopped accepting
         * ahead): served first. Not posted again here: the caller says
         * how many more it takes (se_io_accept_ahead). */
        *out = a->queue[a->q_head].sock;
        if (peer)
            memcpy(peer, &a->queue[a->q_head].peer, sizeof *peer);
        a->q_head = (a->q_head + 1) % ACCEPT_AHEAD;
        a->q_len--;
        if (a->budget)
            a->budget--;
        return 0;
    }
    if (!accepting_ahead(a))
        return se_socket_accept(io->sock_, out, peer);
    if (a->error) {
        int err = a->error;
        a->error = 0;
        return err;
    }
    if (!accept_waiting(st, a))
        /* Nothing submitted waits for a client (just armed, or all taken):
         * only the kernel knows whether one waits in the backlog (and,
         * after a pause for descriptors, whether it is over). */
        return se_socket_accept(io->sock_, out, peer);
    return SE_EAGAIN;
}

/* Reports listeners whose queue holds a client (or an error) as readable;
 * nonzero when one was found. DISPATCH 0 only looks. */
static int accept_ready(se_loop *loop, int dispatch)
{
    uring_state *st = loop->backend_state;
    for (acceptor *a = st->acceptors; a; a = a->next) {
        if (!a->armed || !(a->q_len || a->error) || a->io->sock_ != a->sock ||
            !(a->io->events_ & SE_READABLE))
            continue;
        if (!dispatch)
            return 1;
        se_loop_dispatch(loop, a->io, SE_READABLE);
    }
    return 0;
}

static int uring_update(se_loop *loop, se_io *io)
{
    uring_state *st = loop->backend_state;
    acceptor *a = st->acceptors ? acceptor_of(st, io) : NULL;
    if (a) {
        int err = accept_apply(loop, a, io);
        io->registered_ = err ? 0 : io->events_;
        return err;
    }
    poll_release(st, io);
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
    acceptor *a = st->acceptors ? acceptor_of(st, io) : NULL;
    if (accepting_ahead(a)) {
        /* The callback asked for accepting ahead: no readiness needed. */
        io->registered_ = io->events_;
        return;
    }
    if (io->events_) {
        if (poll_arm(loop, io) != 0)
            se_loop_dispatch(loop, io, SE_ERRORED);
        else
            io->registered_ = io->events_;
    }
}

/* ---- completion I/O ---- */

/* Returns buffer BID to the kernel (seen at the next advance). */
static void buf_add(uring_state *st, int bid)
{
    io_uring_buf_ring_add(st->buf_ring, st->bufs + (size_t)bid * BUF_SIZE, BUF_SIZE,
                          (unsigned short)bid, io_uring_buf_ring_mask(BUF_COUNT),
                          (int)st->bufs_returned++);
}

static void bufs_advance(uring_state *st)
{
    if (st->bufs_returned) {
        io_uring_buf_ring_advance(st->buf_ring, (int)st->bufs_returned);
        st->bufs_returned = 0;
    }
}

/* Ends one keep of buffer BID; the last returns it to the ring (after the
 * callback reporting it, when that is where it is given back). */
static void buf_give_back(uring_state *st, int bid)
{
    if (--st->refs[bid])
        return;
    st->kept--;
    if (bid != st->reporting)
        buf_add(st, bid);
}

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
    if (s->kind == SLOT_SEND_KEPT)
        ((kept_send *)s->orphan)->orphan = orphan; /* S's own stays for its end */
    else
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
    if (s->kind == SLOT_SEND_KEPT && detached) {
        /* Nobody to end the keeps: the send does. */
        kept_send *ks = s->orphan;
        for (int k = 0; k < ks->n; k++)
            buf_give_back(st, ks->bids[k]);
        free(ks->orphan);
        ks->orphan = NULL;
    }
    const char *buf = NULL;
    int bid = -1;
    if (c->flags & IORING_CQE_F_BUFFER) {
        bid = (int)(c->flags >> IORING_CQE_BUFFER_SHIFT);
        buf = st->bufs + (size_t)bid * BUF_SIZE;
    }
    if (!(c->flags & IORING_CQE_F_MORE)) {
        if (!detached) {
            s->op->slot_ = 0;
            loop->watched--;
        }
        slot_free(st, i); /* S is stale from here */
    }
    st->reporting = bid;
    if (!detached)
        cb(loop, data, result, buf);
    st->reporting = -1;
    /* Back to the kernel once the callback has consumed it, unless kept. */
    if (buf && !st->refs[bid])
        buf_add(st, bid);
}

/* The buffer holding [BUF, BUF + LEN), or -1. */
static int buf_index(const uring_state *st, const char *buf, size_t len)
{
    if (buf < st->bufs || buf >= st->bufs + (size_t)BUF_COUNT * BUF_SIZE)
        return -1;
    size_t at = (size_t)(buf - st->bufs);
    if (at % BUF_SIZE + len > BUF_SIZE)
        return -1;
    return (int)(at / BUF_SIZE);
}

static int uring_keep(se_loop *loop, const char *buf, size_t len)
{
    uring_state *st = loop->backend_state;
    int bid = buf_index(st, buf, len);
    if (bid < 0 || (bid != st->reporting && !st->refs[bid]))
        return SE_EINVAL; /* not a buffer being reported or kept */
    if (st->refs[bid] == UINT8_MAX || (!st->refs[bid] && st->kept >= KEEP_MAX))
        return SE_ENOBUFS;
    if (!st->refs[bid]++)
        st->kept++;
    return 0;
}

static void uring_give_back(se_loop *loop, const char *buf)
{
    uring_state *st = loop->backend_state;
    int bid = buf_index(st, buf, 0);
    if (bid >= 0 && st->refs[bid])
        buf_give_back(st, bid);
}

static int uring_send_kept(se_loop *loop, se_op *op, se_socket sock, const se_op_span *spans, int n,
                           se_op_cb cb, void *data)
{
    uring_state *st = loop->backend_state;
    if (n < 1 || n > SE_OP_SPANS_MAX)
        return SE_EINVAL;
    kept_send *ks = malloc(sizeof *ks);
    if (!ks)
        return SE_ENOMEM;
    memset(&ks->msg, 0, sizeof ks->msg);
    ks->orphan = NULL;
    ks->n = n;
    for (int k = 0; k < n; k++) {
        int bid = buf_index(st, spans[k].base, spans[k].len);
        if (bid < 0 || !st->refs[bid]) {
            free(ks);
            return SE_EINVAL;
        }
        ks->bids[k] = (uint16_t)bid;
        ks->iov[k].iov_base = (void *)spans[k].base;
        ks->iov[k].iov_len = spans[k].len;
    }
    ks->msg.msg_iov = ks->iov;
    ks->msg.msg_iovlen = (size_t)n;
    struct io_uring_sqe *sqe;
    int err = op_start(loop, op, SLOT_SEND_KEPT, cb, data, &sqe);
    if (err) {
        free(ks);
        return err;
    }
    st->slots[op->slot_ - 1].orphan = ks;
    /* Not MSG_WAITALL: a send that waits long for a slow reader is handed
     * to a kernel worker thread, where a non-blocking socket says EAGAIN;
     * a short send is sent on from where it stopped instead. */
    io_uring_prep_sendmsg(sqe, sock, &ks->msg, MSG_NOSIGNAL);
    return 0;
}

/* ---- the round ---- */

static int uring_wait(se_loop *loop, int timeout_ms)
{
    uring_state *st = loop->backend_state;
    struct io_uring_cqe *cqe;
    int r;
    if (st->acceptors && accept_ready(loop, 0))
        timeout_ms = 0; /* clients wait in a queue: level-triggered */
    bufs_advance(st);   /* given back since the last dispatch */
    st->gen++;
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
        else if (st->slots[i].kind == SLOT_ACCEPT)
            accept_done(loop, i, c);
        else
            op_done(loop, i, c);
    }
    if (st->acceptors)
        (void)accept_ready(loop, 1);
    bufs_advance(st);
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
    .keep = uring_keep,
    .give_back = uring_give_back,
    .send_kept = uring_send_kept,
    .accept = uring_accept,
    .accept_ahead = uring_accept_ahead,
    .fallback = &se_backend_epoll,
};
