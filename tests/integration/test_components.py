"""The real proxies the proxy tests rely on (components.py), each checked
on its own first: haproxy in TCP mode between our client and server
(half-close and the trailer pass through it); danted with username
authentication (a throwaway user: accepted with its password, refused with
another); tinyproxy's CONNECT port policy and its known half-close
behaviour, which a verdict through it must report truthfully."""

import json
import socket
import threading

from components import (socks5_connect, start_danted, start_haproxy,
                        start_tinyproxy, throwaway_user)
from harness import check, pattern, run_client, start_server

LOCAL = ['--port', '0', '--bind', '127.0.0.1']


def _echo_session(sock, payload, timeout):
    """Send PAYLOAD while reading, half-close, read to EOF; return what
    came back."""
    sock.settimeout(timeout)
    errors = []

    def sender():
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            errors.append(exc)

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    chunks = []
    try:
        while True:
            data = sock.recv(262144)
            if not data:
                break
            chunks.append(data)
    except OSError as exc:
        errors.append(exc)
    thread.join(timeout)
    sock.close()
    return b''.join(chunks), errors


def test_haproxy_passes_half_close_and_trailer(ctx):
    # Our client -> haproxy (TCP) -> our server: 8 MiB verified, then the
    # server's trailer after the client's FIN still reaches the client.
    server = start_server(ctx, LOCAL + ['--trailer', '1000'])
    with server, start_haproxy(ctx, server.port) as lb:
        res = run_client(ctx, ['--json', '-s', '8M', '--expect-trailer',
                               '1000', '127.0.0.1', lb.port],
                         timeout=ctx.t(60))
        obj = json.loads(res.out)
        check(res.rc == 0 and obj['verdict'] == 'complete',
              'through haproxy: exit %s, %r', res.rc, res.out[-400:])
        check(obj['bytes_received'] == 8 * 1024 * 1024 + 1000,
              'received %r bytes', obj['bytes_received'])


def test_danted_username_auth_with_throwaway_user(ctx):
    server = start_server(ctx, LOCAL)
    with server, throwaway_user() as user, \
            start_danted(ctx, username_auth=True) as proxy:
        sock = socks5_connect(proxy.port, '127.0.0.1', server.port,
                              user.name, user.password, timeout=ctx.t(10))
        payload = pattern(1 << 20, seed=21)
        got, errors = _echo_session(sock, payload, ctx.t(30))
        check(not errors and got == payload,
              'through danted: %d of %d bytes back, errors %r',
              len(got), len(payload), errors)
        try:
            socks5_connect(proxy.port, '127.0.0.1', server.port, user.name,
                           'wrong-' + user.password, timeout=ctx.t(10))
        except AssertionError as exc:
            check('authentication failed' in str(exc) or 'closed' in str(exc),
                  'a wrong password gave %s', exc)
        else:
            raise AssertionError('danted accepted a wrong password')


def _connect_request(proxy_port, target_port, timeout):
    sock = socket.create_connection(('127.0.0.1', proxy_port),
                                    timeout=timeout)
    sock.sendall(b'CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d'
                 b'\r\n\r\n' % (target_port, target_port))
    head = b''
    while b'\r\n\r\n' not in head:
        data = sock.recv(1)
        if not data:
            break
        head += data
    return sock, head.split(b'\r\n', 1)[0]


def test_tinyproxy_connect_policy_and_half_close(ctx):
    server = start_server(ctx, LOCAL)
    with server, start_tinyproxy(ctx, [server.port]) as proxy:
        sock, status = _connect_request(proxy.port, server.port, ctx.t(10))
        check(status.split()[1:2] == [b'200'], 'CONNECT answered %r',
              status)
        payload = pattern(200000, seed=22)
        got, _ = _echo_session(sock, payload, ctx.t(30))
        # tinyproxy closes both directions at the client's FIN: anything
        # from nothing to everything comes back, but never other bytes.
        check(got == payload[:len(got)],
              'through tinyproxy: the %d bytes back are not a prefix',
              len(got))
        sock, status = _connect_request(proxy.port, server.port + 1
                                        if server.port < 65535 else 1,
                                        ctx.t(10))
        sock.close()
        check(status.split()[1:2] == [b'403'],
              'CONNECT to a port not allowed answered %r', status)
