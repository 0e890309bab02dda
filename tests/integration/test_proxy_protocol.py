"""PROXY protocol (README "Behind a load balancer"): the server behind
haproxy's send-proxy-v2 sees and judges the original client; the client's
--send-proxy through haproxy's accept-proxy; headers from sources that are
not trusted, missing headers and LOCAL health checks."""

import json
import socket
import struct
import time

from components import start_haproxy
from harness import (check, connect_from, json_summary, ndjson, pattern,
                     run_client, run_sockecho, start_server)

LOCAL = ['--port', '0', '--bind', '127.0.0.1']
TRUST_LOOPBACK = ['--proxy-protocol', '--proxy-from', '127.0.0.1']
V2_SIGNATURE = b'\r\n\r\n\x00\r\nQUIT\n'


def _connections(out):
    return [o for o in ndjson(out) if o.get('type') == 'connection']


def _echo_from(source, port, payload, timeout):
    """A client bound to SOURCE: send, half-close, read to EOF."""
    sock = connect_from(source, '127.0.0.1', port, timeout=timeout)
    try:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
        return b''.join(chunks)
    except OSError:
        return None
    finally:
        sock.close()


def test_behind_haproxy_send_proxy_v2_the_original_client_is_judged(ctx):
    # A client on 127.0.0.2 through haproxy (on 127.0.0.1): the server
    # reports 127.0.0.2 with haproxy as the proxy, and --deny 127.0.0.2
    # refuses it while 127.0.0.3 is served.
    server = start_server(ctx, LOCAL + TRUST_LOOPBACK +
                          ['--deny', '127.0.0.2', '--json', '-v'])
    with server, start_haproxy(ctx, server.port, send_proxy='v2') as lb:
        got = _echo_from('127.0.0.3', lb.port, b'hello', ctx.t(10))
        check(got == b'hello', 'from 127.0.0.3 through haproxy: %r', got)
        got = _echo_from('127.0.0.2', lb.port, b'hello', ctx.t(10))
        check(not got, 'the denied client got %r back', got)
        rc, out, err = server.stop(timeout=ctx.t(10))
    conns = _connections(out)
    served = [c for c in conns if c['peer'] == '127.0.0.3']
    denied = [c for c in conns if c['peer'] == '127.0.0.2']
    check(len(served) == 1 and served[0]['outcome'] == 'complete',
          'connection events %r', conns)
    check(served[0]['proxy'].startswith('127.0.0.1:'),
          'the proxy is reported as %r', served[0]['proxy'])
    check(len(denied) == 1 and denied[0]['outcome'] == 'refused',
          'the denied client: %r', conns)
    summary = json_summary(out)
    check(summary['refused_policy'] == 1 and summary['complete'] == 1,
          'summary %r', summary)


def test_half_close_and_trailer_through_haproxy_with_header(ctx):
    server = start_server(ctx, LOCAL + TRUST_LOOPBACK + ['--trailer', '1000'])
    with server, start_haproxy(ctx, server.port, send_proxy='v2') as lb:
        res = run_client(ctx, ['--json', '-s', '8M', '--expect-trailer',
                               '1000', '127.0.0.1', lb.port],
                         timeout=ctx.t(60))
        obj = json.loads(res.out)
        check(res.rc == 0 and obj['verdict'] == 'complete',
              'through haproxy with send-proxy-v2: exit %s, %r', res.rc,
              res.out[-300:])
        check(obj['bytes_received'] == 8 * 1024 * 1024 + 1000,
              'received %r', obj['bytes_received'])


def test_client_send_proxy_through_haproxy_accept_proxy(ctx):
    # client --send-proxy v2 --proxy-source 192.0.2.10:4321 -> haproxy
    # (accept-proxy, then send-proxy-v2) -> server: the address the client
    # claimed reaches the server.
    for version in ('v1', 'v2'):
        server = start_server(ctx, LOCAL + TRUST_LOOPBACK + ['--json', '-v'])
        with server, start_haproxy(ctx, server.port, send_proxy='v2',
                                   accept_proxy=True) as lb:
            res = run_client(ctx, ['--json', '-s', '1M', '--send-proxy',
                                   version, '--proxy-source',
                                   '192.0.2.10:4321', '127.0.0.1', lb.port],
                             timeout=ctx.t(30))
            obj = json.loads(res.out)
            check(res.rc == 0 and obj['verdict'] == 'complete',
                  '--send-proxy %s through accept-proxy: exit %s, %r',
                  version, res.rc, res.out[-300:])
            check(obj['send_proxy'] == int(version[1]), 'JSON %r', obj)
            rc, out, err = server.stop(timeout=ctx.t(10))
        conns = _connections(out)
        check(len(conns) == 1 and conns[0]['peer'] == '192.0.2.10' and
              conns[0]['port'] == 4321, 'the server saw %r', conns)
    # Without a header haproxy's accept-proxy drops the connection.
    server = start_server(ctx, LOCAL + TRUST_LOOPBACK)
    with server, start_haproxy(ctx, server.port, send_proxy='v2',
                               accept_proxy=True) as lb:
        res = run_client(ctx, ['--json', '127.0.0.1', lb.port],
                         timeout=ctx.t(30))
        check(res.rc != 0, 'accept-proxy served a client without a header')


def test_bench_send_proxy_through_haproxy_accept_proxy(ctx):
    server = start_server(ctx, LOCAL + TRUST_LOOPBACK + ['--json', '-v'])
    with server, start_haproxy(ctx, server.port, send_proxy='v1',
                               accept_proxy=True) as lb:
        res = run_sockecho(ctx, ['bench', '--mode', 'sessions', '-c', '4',
                                 '-n', '40', '-s', '10K', '--send-proxy',
                                 'v2', '--proxy-source', '[2001:db8::7]:9',
                                 '127.0.0.1', lb.port], timeout=ctx.t(60))
        check(res.rc == 0, 'bench --send-proxy through accept-proxy: exit '
              '%s, %r', res.rc, (res.err + res.out)[-400:])
        rc, out, err = server.stop(timeout=ctx.t(10))
    # (-n counts verified sessions; one more may have begun as it ended.)
    conns = _connections(out)
    complete = [c for c in conns if c['outcome'] == 'complete']
    check(len(complete) >= 40 and
          all(c['peer'] == '2001:db8::7' and c['port'] == 9 for c in conns),
          'the server saw %d connections: %r', len(conns), conns[:2])


def test_forged_header_from_untrusted_source_refused(ctx):
    # 127.0.0.1 is not among the trusted proxies: its header is refused,
    # a plain client from it is served as itself.
    server = start_server(ctx, LOCAL + ['--proxy-protocol', '--proxy-from',
                                        '192.0.2.0/24', '--json', '-v'])
    with server:
        forged = run_client(ctx, ['--json', '--send-proxy', 'v1',
                                  '--proxy-source', '10.1.2.3:1000',
                                  '127.0.0.1', server.port], timeout=ctx.t(20))
        check(forged.rc != 0, 'a forged header was served: %r', forged.out)
        plain = run_client(ctx, ['--json', '127.0.0.1', server.port],
                           timeout=ctx.t(20))
        check(plain.rc == 0, 'a plain client from an untrusted source: %r',
              plain.out)
        rc, out, err = server.stop(timeout=ctx.t(10))
    summary = json_summary(out)
    check(summary['refused_proxy'] == 1 and summary['complete'] == 1,
          'summary %r', summary)
    conns = _connections(out)
    check(all(c['peer'] == '127.0.0.1' for c in conns),
          'an untrusted header changed the peer: %r', conns)


def test_trusted_source_without_header_closed_after_deadline(ctx):
    server = start_server(ctx, LOCAL + TRUST_LOOPBACK +
                          ['--proxy-timeout', '400ms', '--json', '-v'])
    with server:
        sock = socket.create_connection(('127.0.0.1', server.port),
                                        timeout=ctx.t(10))
        start = time.monotonic()
        # Quiet: nothing is sent; the server must end the connection.
        try:
            data = sock.recv(100)
        except ConnectionResetError:
            data = b''
        waited = time.monotonic() - start
        sock.close()
        check(data == b'', 'the server sent %r', data)
        check(0.3 <= waited < ctx.t(5), 'closed after %.2fs (deadline 0.4s)',
              waited)
        # A bad header is refused at once, with no deadline to wait for.
        sock = socket.create_connection(('127.0.0.1', server.port),
                                        timeout=ctx.t(10))
        sock.sendall(V2_SIGNATURE + b'\x21\x11\xff\xff')
        try:
            data = sock.recv(100)
        except ConnectionResetError:
            data = b''
        sock.close()
        check(data == b'', 'an oversized header was answered with %r', data)
        rc, out, err = server.stop(timeout=ctx.t(10))
    summary = json_summary(out)
    check(summary['refused_proxy'] == 2 and summary['complete'] == 0,
          'summary %r', summary)


def test_local_header_health_check_served(ctx):
    server = start_server(ctx, LOCAL + TRUST_LOOPBACK + ['--json', '-v'])
    with server:
        header = V2_SIGNATURE + b'\x20\x00' + struct.pack('!H', 0)
        payload = pattern(100000, seed=5)
        got = _echo_from('127.0.0.1', server.port, header + payload,
                         ctx.t(10))
        check(got == payload, 'LOCAL: %d bytes back of %d',
              len(got or b''), len(payload))
        rc, out, err = server.stop(timeout=ctx.t(10))
    conns = _connections(out)
    check(len(conns) == 1 and conns[0]['outcome'] == 'complete' and
          conns[0]['peer'] == '127.0.0.1', 'LOCAL: %r', conns)
