/* IOCP backend (Windows): one I/O completion port per loop, and one
 * GetQueuedCompletionStatusEx per round, which waits up to the next timer
 * and takes a batch of completions.
 *
 * Completion I/O (iocp_ops.c) carries the connections' bytes. Watchers are served
 * without readiness from the kernel, which IOCP does not give:
 * - a listener accepts ahead: a few AcceptEx requests stay posted while it
 *   is watched, their sockets wait in a small queue, and the watcher is
 *   readable while the queue holds one (se_io_accept takes it);
 * - any other stream socket watched for reading parks a zero-byte read,
 *   which completes when data or the peer's FIN arrives and consumes
 *   nothing;
 * - a connect is a ConnectEx request (iocp_connect.c), reported to its
 *   watcher as writability;
 * - other writability, and what the port cannot serve
 *   (a listener AcceptEx refuses; datagram sockets, whose zero-byte peek
 *   never completes under Wine), is asked of WSAPoll each round, without
 *   waiting; while such a watcher waits, the round's wait lasts at most
 *   POLL_SLICE_MS.
 * Wake-ups (se_async_send) are completions posted to the port with no
 * request (PostQueuedCompletionStatus): no socket pair on this backend.
 * A listener shared by several loops is associated with the first loop's
 * port, so that port receives every loop's accepts: it sends each back to
 * its own loop's port. */
#include "iocp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 256
#define ACCEPT_AHEAD 16
#define ACCEPT_ADDR_LEN (sizeof(struct sockaddr_storage) + 16)
#define POLL_SLICE_MS 10
/* At loop free: how long to wait for cancelled requests to come back. */
#define DRAIN_MS 500

struct iocp_listener {
    iocp_listener *next;
    se_socket sock;
    int family;
    int foreign;                     /* associated with another loop's port */
    se_io *io;                       /* its watcher, while one watches */
    iocp_req *accepts[ACCEPT_AHEAD]; /* posted AcceptEx requests */
    int pending;
    se_socket queue[ACCEPT_AHEAD]; /* accepted, not yet taken */
    int q_head, q_len;
    int error; /* why the last accept could not be posted */
};

/* ---- requests ---- */

int iocp_req_new(iocp_state *st, int kind, se_socket sock, iocp_req **out)
{
    iocp_req *r = calloc(1, sizeof *r);
    if (!r)
        return SE_ENOMEM;
    uint32_t i;
    if (st->free_len) {
        i = st->free_idx[--st->free_len];
    } else {
        if (st->table_len == st->table_cap) {
            uint32_t cap = st->table_cap ? st->table_cap * 2 : 256;
            iocp_req **table = realloc(st->table, cap * sizeof *table);
            uint32_t *idx = table ? realloc(st->free_idx, cap * sizeof *idx) : NULL;
            if (table)
                st->table = table;
            if (!idx) {
                free(r);
                return SE_ENOMEM;
            }
            st->free_idx = idx;
            st->table_cap = cap;
        }
        i = st->table_len++;
    }
    st->table[i] = r;
    r->index = i;
    r->kind = (uint8_t)kind;
    r->sock = sock;
    r->port = st->port;
    *out = r;
    return 0;
}

void iocp_req_free(iocp_state *st, iocp_req *r)
{
    if (r->index != UINT32_MAX) {
        st->table[r->index] = NULL;
        st->free_idx[st->free_len++] = r->index;
    }
    free(r->orphan);
    free(r);
}

int iocp_associate(iocp_state *st, se_socket sock)
{
    if (CreateIoCompletionPort((HANDLE)sock, st->port, 0, 0))
        return 0;
    return 1; /* ERROR_INVALID_PARAMETER: associated already */
}

int iocp_status(const iocp_req *r)
{
    if (r->ov.Internal == 0 || r->ov.Internal == (ULONG_PTR)0x80000005L /* BUFFER_OVERFLOW */)
        return 0;
    if (r->ov.Internal == (ULONG_PTR)0xC0000120L /* STATUS_CANCELLED */)
        return IOCP_CANCELLED;
    DWORD bytes, flags;
    if (WSAGetOverlappedResult(r->sock, (OVERLAPPED *)&r->ov, &bytes, FALSE, &flags))
        return 0;
    int e = WSAGetLastError();
    return e == WSA_OPERATION_ABORTED ? IOCP_CANCELLED : se_translate_sys_error(e);
}

/* ---- creation ---- */

static int give_up(se_loop *loop, int err, const char *what, DWORD code)
{
    snprintf(loop->fallback_reason, sizeof loop->fallback_reason,
             "IOCP unavailable: %s (error %lu)", what, (unsigned long)code);
    return err;
}

static int extension(SOCKET s, GUID guid, void *fn, size_t size)
{
    DWORD bytes;
    return WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, fn, (DWORD)size,
                    &bytes, NULL, NULL) == 0;
}

static void iocp_destroy(se_loop *loop);

static int iocp_create(se_loop *loop)
{
    /* A test hook: behave as a system where IOCP cannot be set up. */
    const char *off = getenv("SOCKECHO_IOCP_DISABLE");
    if (off && *off) {
        snprintf(loop->fallback_reason, sizeof loop->fallback_reason,
                 "IOCP disabled by SOCKECHO_IOCP_DISABLE");
        return SE_ENOSYS;
    }
    iocp_state *st = calloc(1, sizeof *st);
    if (!st)
        return SE_ENOMEM;
    loop->backend_state = st;
    st->done = malloc(BATCH * sizeof *st->done);
    st->buf = malloc(IOCP_RECV_BUF);
    if (!st->done || !st->buf) {
        iocp_destroy(loop);
        return SE_ENOMEM;
    }
    st->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    if (!st->port) {
        DWORD e = GetLastError();
        iocp_destroy(loop);
        return give_up(loop, se_translate_sys_error((int)e), "CreateIoCompletionPort failed", e);
    }
    SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
    if (s == INVALID_SOCKET) {
        int e = WSAGetLastError();
        iocp_destroy(loop);
        return give_up(loop, se_translate_sys_error(e), "no socket to look up AcceptEx with",
                       (DWORD)e);
    }
    GUID accept_guid = WSAID_ACCEPTEX, connect_guid = WSAID_CONNECTEX;
    int ok = extension(s, accept_guid, &st->acceptex, sizeof st->acceptex);
    int e = ok ? 0 : WSAGetLastError();
    if (ok && !extension(s, connect_guid, &st->connectex, sizeof st->connectex))
        st->connectex = NULL; /* connects go by connect() and WSAPoll */
    closesocket(s);
    if (!ok) {
        iocp_destroy(loop);
        return give_up(loop, SE_ENOSYS, "AcceptEx missing", (DWORD)e);
    }
    return 0;
}

static void listener_free(iocp_listener *l)
{
    for (int k = 0; k < l->q_len; k++)
        closesocket(l->queue[(l->q_head + k) % ACCEPT_AHEAD]);
    free(l);
}

/* Cancels every request still posted and waits (bounded) for them to come
 * back; accepts that come back through another loop's port are left to
 * that loop, and a request that does not come back in time is leaked
 * rather than freed under the kernel. */
static void drain(iocp_state *st)
{
    size_t own = 0;
    for (uint32_t i = 0; i < st->table_len; i++) {
        iocp_req *r = st->table[i];
        if (r && r->pending) {
            CancelIoEx((HANDLE)r->sock, &r->ov);
            own++;
        }
    }
    for (iocp_listener *l = st->listeners; l; l = l->next) {
        for (int k = 0; k < ACCEPT_AHEAD; k++) {
            iocp_req *r = l->accepts[k];
            if (!r)
                continue;
            if (l->foreign) {
                InterlockedExchange(&r->orphaned, 1);
            } else {
                CancelIoEx((HANDLE)r->sock, &r->ov);
                own++;
            }
        }
    }
    ULONGLONG until = GetTickCount64() + DRAIN_MS;
    while (own > 0) {
        ULONGLONG now = GetTickCount64();
        ULONG n = 0;
        if (now >= until || !GetQueuedCompletionStatusEx(st->port, st->done, BATCH, &n,
                                                         (DWORD)(until - now), FALSE))
            break;
        for (ULONG k = 0; k < n; k++) {
            iocp_req *r = (iocp_req *)st->done[k].lpOverlapped;
            if (!r || r->port != st->port)
                continue;
            r->pending = 0;
            if (r->kind == REQ_ACCEPT) {
                closesocket(r->accepted);
                for (int j = 0; j < ACCEPT_AHEAD; j++)
                    if (r->lst->accepts[j] == r)
                        r->lst->accepts[j] = NULL;
                free(r);
            }
            own--;
        }
    }
}

static void iocp_destroy(se_loop *loop)
{
    iocp_state *st = loop->backend_state;
    if (st->port) {
        drain(st);
        CloseHandle(st->port);
    }
    for (uint32_t i = 0; i < st->table_len; i++) {
        iocp_req *r = st->table[i];
        if (r && !r->pending)
            iocp_req_free(st, r);
    }
    while (st->listeners) {
        iocp_listener *l = st->listeners;
        st->listeners = l->next;
        listener_free(l);
    }
    free(st->table);
    free(st->free_idx);
    free(st->done);
    free(st->ready);
    free(st->ready_events);
    free(st->buf);
    free(st);
    loop->backend_state = NULL;
}

/* ---- accepting ahead ---- */

static void accept_fill(iocp_state *st, iocp_listener *l)
{
    while (l->pending + l->q_len < ACCEPT_AHEAD) {
        SOCKET s = WSASocketW(l->family, SOCK_STREAM, 0, NULL, 0,
                              WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
        if (s == INVALID_SOCKET) {
            l->error = se_translate_sys_error(WSAGetLastError());
            return;
        }
        iocp_req *r = calloc(1, sizeof *r + 2 * ACCEPT_ADDR_LEN);
        if (!r) {
            closesocket(s);
            l->error = SE_ENOMEM;
            return;
        }
        r->kind = REQ_ACCEPT;
        r->index = UINT32_MAX;
        r->port = st->port;
        r->sock = l->sock;
        r->lst = l;
        r->accepted = s;
        DWORD bytes;
        if (!st->acceptex(l->sock, s, r + 1, 0, ACCEPT_ADDR_LEN, ACCEPT_ADDR_LEN, &bytes, &r->ov) &&
            WSAGetLastError() != ERROR_IO_PENDING) {
            l->error = se_translate_sys_error(WSAGetLastError());
            closesocket(s);
            free(r);
            return;
        }
        r->pending = 1;
        for (int k = 0; k < ACCEPT_AHEAD; k++) {
            if (!l->accepts[k]) {
                l->accepts[k] = r;
                break;
            }
        }
        l->pending++;
        l->error = 0;
    }
}

static void accept_done(se_loop *loop, iocp_state *st, iocp_req *r)
{
    iocp_listener *l = r->lst;
    int status = iocp_status(r);
    SOCKET s = r->accepted;
    for (int k = 0; k < ACCEPT_AHEAD; k++)
        if (l->accepts[k] == r)
            l->accepts[k] = NULL;
    l->pending--;
    free(r);
    u_long on = 1;
    if (status == 0 &&
        (setsockopt(s, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (char *)&l->sock, sizeof l->sock) ||
         ioctlsocket(s, FIONBIO, &on)))
        status = se_translate_sys_error(WSAGetLastError());
    if (status) {
        closesocket(s);
        if (status == IOCP_CANCELLED || !l->io)
            return;
        /* The client gave up before it was accepted: accept the next. */
        accept_fill(st, l);
        return;
    }
    l->queue[(l->q_head + l->q_len++) % ACCEPT_AHEAD] = s;
    if (l->io)
        se_loop_dispatch(loop, l->io, SE_READABLE);
}

static iocp_listener *listener_get(iocp_state *st, se_socket sock)
{
    for (iocp_listener *l = st->listeners; l; l = l->next)
        if (l->sock == sock)
            return l;
    struct sockaddr_storage ss;
    int len = sizeof ss;
    if (getsockname(sock, (struct sockaddr *)&ss, &len) != 0)
        return NULL;
    iocp_listener *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->sock = sock;
    l->family = ss.ss_family;
    l->foreign = iocp_associate(st, sock);
    l->next = st->listeners;
    st->listeners = l;
    return l;
}

static int iocp_accept(se_loop *loop, se_io *io, se_socket *out, struct sockaddr_storage *peer)
{
    iocp_state *st = loop->backend_state;
    iocp_req *w = io->slot_ ? st->table[io->slot_ - 1] : NULL;
    if (!w || !w->lst)
        return se_socket_accept(io->sock_, out, peer);
    iocp_listener *l = w->lst;
    if (l->q_len == 0) {
        if (l->io)
            accept_fill(st, l);
        return l->pending || !l->error ? SE_EAGAIN : l->error;
    }
    SOCKET s = l->queue[l->q_head];
    l->q_head = (l->q_head + 1) % ACCEPT_AHEAD;
    l->q_len--;
    if (l->io)
        accept_fill(st, l);
    if (peer) {
        int len = sizeof *peer;
        memset(peer, 0, sizeof *peer);
        (void)getpeername(s, (struct sockaddr *)peer, &len);
    }
    *out = s;
    return 0;
}

/* ---- watchers ---- */

/* Parks R's zero-byte read unless one is posted. */
static int watch_read(iocp_req *r)
{
    if (r->pending)
        return 0;
    memset(&r->ov, 0, sizeof r->ov);
    WSABUF b = {0, NULL};
    DWORD flags = 0;
    if (WSARecv(r->sock, &b, 1, NULL, &flags, &r->ov, NULL) != 0 &&
        WSAGetLastError() != WSA_IO_PENDING)
        return se_translate_sys_error(WSAGetLastError());
    r->pending = 1;
    return 0;
}

/* What R's watcher wants from the port; the rest is polled in the wait. */
static int watch_arm(iocp_state *st, iocp_req *r)
{
    se_io *io = r->io;
    if (!(io->events_ & SE_READABLE) || r->polled)
        return 0;
    if (r->lst) {
        accept_fill(st, r->lst);
        if (r->lst->pending == 0 && r->lst->q_len == 0 && r->lst->error) {
            /* AcceptEx refused (a socket family it does not serve):
             * readiness from WSAPoll instead. */
            r->lst->io = NULL;
            r->lst = NULL;
            r->polled = 1;
        }
        return 0;
    }
    return watch_read(r);
}

static void watch_release(iocp_state *st, iocp_req *r)
{
    if (r->lst) {
        iocp_listener *l = r->lst;
        l->io = NULL;
        for (int k = 0; k < ACCEPT_AHEAD; k++)
            if (l->accepts[k] && !l->foreign)
                CancelIoEx((HANDLE)l->sock, &l->accepts[k]->ov);
    }
    if (r->prev)
        r->prev->next = r->next;
    else
        st->watchers = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->io = NULL;
    r->lst = NULL;
    r->detached = 1;
    if (r->pending)
        CancelIoEx((HANDLE)r->sock, &r->ov);
    else if (!r->busy)
        iocp_req_free(st, r);
}

static int watch_new(iocp_state *st, se_io *io, iocp_req **out)
{
    iocp_req *r;
    int err = iocp_req_new(st, REQ_WATCH, io->sock_, &r);
    if (err)
        return err;
    int type = 0, listening = 0, len = sizeof type;
    (void)getsockopt(io->sock_, SOL_SOCKET, SO_TYPE, (char *)&type, &len);
    len = sizeof listening;
    (void)getsockopt(io->sock_, SOL_SOCKET, SO_ACCEPTCONN, (char *)&listening, &len);
    r->io = io;
    /* A zero-byte peek on a datagram socket never completes under Wine:
     * datagram sockets take their readiness from WSAPoll in the wait. */
    r->polled = type == SOCK_DGRAM;
    if (listening) {
        r->lst = listener_get(st, io->sock_);
        if (!r->lst) {
            iocp_req_free(st, r);
            return SE_ENOMEM;
        }
        r->lst->io = io;
    } else {
        (void)iocp_associate(st, io->sock_);
    }
    r->next = st->watchers;
    if (st->watchers)
        st->watchers->prev = r;
    st->watchers = r;
    io->slot_ = r->index + 1;
    *out = r;
    return 0;
}

static int iocp_update(se_loop *loop, se_io *io)
{
    iocp_state *st = loop->backend_state;
    iocp_req *r = io->slot_ ? st->table[io->slot_ - 1] : NULL;
    if (r && r->kind == REQ_CONNECT) {
        /* Its connect request stands in for any readiness it wants. */
        io->registered_ = io->events_;
        if (!io->events_) {
            iocp_connect_release(st, r);
            io->slot_ = 0;
        }
        return 0;
    }
    io->registered_ = 0;
    if (!io->events_) {
        if (r)
            watch_release(st, r);
        io->slot_ = 0;
        return 0;
    }
    if (!r) {
        int err = watch_new(st, io, &r);
        if (err)
            return err;
    }
    int err = watch_arm(st, r);
    if (err)
        return err;
    io->registered_ = io->events_;
    return 0;
}

static void watch_done(se_loop *loop, iocp_state *st, iocp_req *r)
{
    int status = iocp_status(r);
    if (r->detached) {
        iocp_req_free(st, r);
        return;
    }
    se_io *io = r->io;
    r->busy = 1;
    if (status != IOCP_CANCELLED)
        se_loop_dispatch(loop, io, status ? SE_READABLE | SE_ERRORED : SE_READABLE);
    r->busy = 0;
    if (r->detached) {
        iocp_req_free(st, r);
        return;
    }
    /* Level-triggered: still wanted, watch on (at once if data remains). */
    if (watch_arm(st, r) != 0)
        se_loop_dispatch(loop, io, SE_ERRORED);
}

/* ---- the round ---- */

static int ready_add(iocp_state *st, se_io *io, int events)
{
    if (st->ready_len == st->ready_cap) {
        size_t cap = st->ready_cap ? st->ready_cap * 2 : 16;
        se_io **ready = realloc(st->ready, cap * sizeof *ready);
        int *ev = ready ? realloc(st->ready_events, cap * sizeof *ev) : NULL;
        if (ready)
            st->ready = ready;
        if (!ev)
            return SE_ENOMEM;
        st->ready_events = ev;
        st->ready_cap = cap;
    }
    st->ready[st->ready_len] = io;
    st->ready_events[st->ready_len++] = events;
    return 0;
}

/* Finds what is ready without the port: accepts waiting in a queue, and
 * what WSAPoll says of the polled watchers. Returns how many are polled. */
static int poll_watchers(iocp_state *st)
{
    se_pollfd fds[64];
    se_io *ios[64];
    int n = 0, polled = 0;
    st->ready_len = 0;
    for (iocp_req *r = st->watchers; r; r = r->next) {
        se_io *io = r->io;
        if (r->lst && r->lst->q_len && (io->events_ & SE_READABLE))
            (void)ready_add(st, io, SE_READABLE);
        int want = io->events_ & SE_WRITABLE;
        if (r->polled)
            want |= io->events_ & SE_READABLE;
        if (!want)
            continue;
        polled++;
        if (n == 64)
            continue; /* the rest next round */
        fds[n].fd = io->sock_;
        fds[n].events =
            (short)((want & SE_READABLE ? SE_POLLIN : 0) | (want & SE_WRITABLE ? SE_POLLOUT : 0));
        fds[n].revents = 0;
        ios[n++] = io;
    }
    if (n > 0 && se_poll(fds, (size_t)n, 0) > 0) {
        for (int k = 0; k < n; k++) {
            int events = 0;
            if (fds[k].revents & SE_POLLIN)
                events |= SE_READABLE;
            if (fds[k].revents & SE_POLLOUT)
                events |= SE_WRITABLE;
            if (fds[k].revents & POLLHUP)
                events |= SE_HANGUP;
            if (fds[k].revents & (POLLERR | POLLNVAL))
                events |= SE_ERRORED;
            if (events)
                (void)ready_add(st, ios[k], events);
        }
    }
    return polled;
}

static int iocp_wait(se_loop *loop, int timeout_ms)
{
    iocp_state *st = loop->backend_state;
    int polled = st->watchers ? poll_watchers(st) : (st->ready_len = 0, 0);
    if (st->ready_len || st->local)
        timeout_ms = 0;
    else if (polled && (timeout_ms < 0 || timeout_ms > POLL_SLICE_MS))
        timeout_ms = POLL_SLICE_MS;
    st->done_len = 0;
    if (!GetQueuedCompletionStatusEx(st->port, st->done, BATCH, &st->done_len,
                                     timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms, FALSE)) {
        DWORD e = GetLastError();
        st->done_len = 0;
        if (e != WAIT_TIMEOUT)
            return se_translate_sys_error((int)e);
    }
    return 0;
}

/* A completion that reached this port for another loop's request (an
 * accept on a shared listener) goes to that loop's port. */
static void forward(iocp_state *st, const OVERLAPPED_ENTRY *e)
{
    iocp_req *r = (iocp_req *)e->lpOverlapped;
    if (!InterlockedCompareExchange(&r->orphaned, 0, 0) &&
        PostQueuedCompletionStatus(r->port, e->dwNumberOfBytesTransferred, e->lpCompletionKey,
                                   e->lpOverlapped))
        return;
    (void)st;
    /* Its loop is gone (it left the request to whoever sees it). */
    if (r->kind == REQ_ACCEPT)
        closesocket(r->accepted);
    free(r);
}

static void iocp_dispatch(se_loop *loop)
{
    iocp_state *st = loop->backend_state;
    for (size_t k = 0; k < st->ready_len; k++) {
        se_io *io = st->ready[k];
        if (io->slot_) /* not stopped by an earlier callback */
            se_loop_dispatch(loop, io, st->ready_events[k]);
    }
    st->ready_len = 0;
    int woken = 0;
    for (ULONG k = 0; k < st->done_len; k++) {
        const OVERLAPPED_ENTRY *e = &st->done[k];
        iocp_req *r = (iocp_req *)e->lpOverlapped;
        if (!r) {
            woken = 1; /* iocp_wake's */
            continue;
        }
        if (r->port != st->port) {
            forward(st, e);
            continue;
        }
        r->pending = 0;
        if (r->kind == REQ_WATCH)
            watch_done(loop, st, r);
        else if (r->kind == REQ_ACCEPT)
            accept_done(loop, st, r);
        else if (r->kind == REQ_CONNECT)
            iocp_connect_done(loop, r);
        else
            iocp_op_done(loop, r, e->dwNumberOfBytesTransferred);
    }
    st->done_len = 0;
    if (woken)
        se_loop_woken(loop);
    iocp_local_done(loop);
}

/* Wakes the loop from any thread: a completion with no request, which the
 * dispatch answers by running the async handles sent. */
static void iocp_wake(se_loop *loop)
{
    iocp_state *st = loop->backend_state;
    (void)PostQueuedCompletionStatus(st->port, 0, 0, NULL);
}

const se_backend se_backend_iocp = {
    .name = "iocp",
    .create = iocp_create,
    .destroy = iocp_destroy,
    .update = iocp_update,
    .wait = iocp_wait,
    .dispatch = iocp_dispatch,
    .recv = iocp_recv,
    .send = iocp_send,
    .cancel = iocp_cancel,
    .detach = iocp_detach,
    .accept = iocp_accept,
    .connect = iocp_connect,
    .connected = iocp_connected,
    .wake = iocp_wake,
    .fallback = &se_backend_poll,
};
