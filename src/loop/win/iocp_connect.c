/* Connects on IOCP (se_io_connect): a ConnectEx request per attempt, whose
 * completion is reported to the attempt's watcher as writability.
 *
 * ConnectEx wants a bound socket: one not bound to a source address yet is
 * bound to its family's any-address, port 0. After it completes, the socket
 * takes SO_UPDATE_CONNECT_CONTEXT, without which getpeername() and
 * shutdown() fail on it. Stopping the watcher cancels a pending request
 * (CancelIoEx); the request is freed when its cancelled completion comes
 * back. */
#include "iocp.h"

#include <string.h>

static int wsa_error(void)
{
    return se_translate_sys_error(WSAGetLastError());
}

/* Binds SOCK to FAMILY's any-address, port 0, unless it is bound. */
static int bind_any(se_socket sock, int family)
{
    struct sockaddr_storage local;
    int len = sizeof local;
    memset(&local, 0, sizeof local);
    if (getsockname(sock, (struct sockaddr *)&local, &len) == 0 &&
        se_addr_port((struct sockaddr *)&local) != 0)
        return 0;
    memset(&local, 0, sizeof local);
    local.ss_family = (ADDRESS_FAMILY)family; /* any-address, port 0: all zero */
    if (bind(sock, (struct sockaddr *)&local, (int)se_addr_len((struct sockaddr *)&local)) != 0)
        return wsa_error();
    return 0;
}

int iocp_connect(se_loop *loop, se_io *io, const struct sockaddr *addr, se_socklen len)
{
    iocp_state *st = loop->backend_state;
    if (!st->connectex || (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
        return SE_ENOSYS;
    se_socket sock = io->sock_;
    int err = bind_any(sock, addr->sa_family);
    if (err)
        return err;
    (void)iocp_associate(st, sock);
    iocp_req *r;
    if ((err = iocp_req_new(st, REQ_CONNECT, sock, &r)) != 0)
        return err;
    if (!st->connectex(sock, addr, len, NULL, 0, NULL, &r->ov) &&
        WSAGetLastError() != ERROR_IO_PENDING) {
        err = wsa_error();
        iocp_req_free(st, r);
        return err;
    }
    r->io = io;
    r->pending = 1;
    io->slot_ = r->index + 1;
    return SE_EINPROGRESS;
}

int iocp_connected(se_loop *loop, se_io *io)
{
    iocp_state *st = loop->backend_state;
    iocp_req *r = st->table[io->slot_ - 1];
    if (r->kind != REQ_CONNECT)
        return se_socket_error(io->sock_);
    return r->pending ? SE_EINPROGRESS : r->status;
}

void iocp_connect_done(se_loop *loop, iocp_req *r)
{
    iocp_state *st = loop->backend_state;
    if (r->detached) {
        iocp_req_free(st, r);
        return;
    }
    int status = iocp_status(r);
    if (status == IOCP_CANCELLED)
        status = SE_ECANCELED;
    if (status == 0 && setsockopt(r->sock, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, NULL, 0) != 0)
        status = wsa_error();
    r->status = status;
    r->busy = 1;
    se_loop_dispatch(loop, r->io, status ? SE_WRITABLE | SE_ERRORED : SE_WRITABLE);
    r->busy = 0;
    if (r->detached)
        iocp_req_free(st, r);
}

void iocp_connect_release(iocp_state *st, iocp_req *r)
{
    r->io = NULL;
    r->detached = 1;
    if (r->pending)
        CancelIoEx((HANDLE)r->sock, &r->ov);
    else if (!r->busy)
        iocp_req_free(st, r);
}
