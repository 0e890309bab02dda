"""Timing after a quiet period: every test waits first, then acts, so that
a clock read before a long wait (and not refreshed) or a timeout sampled at
check time shows. Idle timeouts act within --idle-timeout plus a small slack
after the last byte moved, never early; durations exclude the wait before
the connection."""

import socket
import time

from harness import (PyServer, check, ndjson, run_client, start_server)

LOCAL = ['--port', '0', '--bind', '127.0.0.1']


def test_idle_timeout_after_a_quiet_server(ctx):
    """A server quiet for longer than --idle-timeout serves a new client
    (its first callback used to see the time from before the wait)."""
    with start_server(ctx, LOCAL + ['--idle-timeout', '1s']) as server:
        time.sleep(1.5)  # the quiet period under test, not a wait for the server
        r = run_client(ctx, ['--size', '1M', '127.0.0.1', str(server.port)])
        check(r.rc == 0, 'client after a quiet period: %s', r.describe())


def test_server_idle_eviction_counts_from_the_last_byte(ctx):
    """Evicted --idle-timeout after the last byte moved, within the slack,
    not --idle-timeout after the sweep happened to look."""
    idle = 1.0
    with start_server(ctx, LOCAL + ['--idle-timeout', '1s']) as server:
        s = socket.create_connection(('127.0.0.1', server.port), timeout=10)
        time.sleep(0.6)  # activity in the middle of the first idle period
        s.sendall(b'x')
        check(s.recv(1) == b'x', 'no echo')
        last = time.monotonic()
        s.settimeout(10)
        data = s.recv(10)  # the server's FIN (idle close, nothing pending)
        evicted = time.monotonic() - last
        s.close()
        check(data == b'', 'expected the server to close, got %r', data)
        check(evicted >= idle - 0.02, 'evicted early: %.3f s after the last byte', evicted)
        check(evicted <= idle + max(idle / 8, 0.05) + 0.25,
              'evicted late: %.3f s after the last byte (timeout %.1f s)', evicted, idle)


def test_client_idle_timeout_measures_gaps(ctx):
    """A server that echoes 2 KiB every 0.7 s never leaves a 2 s gap: the
    client's --idle-timeout 2s must not fire (the whole transfer takes longer)."""
    def slow_echo(session, stop):
        data = b''
        while True:
            chunk = session.conn.recv(65536)
            if not chunk:
                break
            data += chunk
        for i in range(0, len(data), 2048):
            if stop.is_set():
                return
            time.sleep(0.7)
            session.conn.sendall(data[i:i + 2048])
        session.conn.shutdown(socket.SHUT_WR)

    with PyServer(slow_echo) as peer:
        r = run_client(ctx, ['--size', '8K', '--idle-timeout', '2s',
                             '127.0.0.1', str(peer.port)], timeout=30)
        check(r.rc == 0, 'gaps of 0.7 s timed out at 2 s: %s', r.describe())


def test_connection_duration_excludes_the_wait_before_it(ctx):
    """--once -v: a client that comes after a quiet period; its connection
    lasts milliseconds, not the quiet period."""
    with start_server(ctx, LOCAL + ['--once', '-v', '--json']) as server:
        time.sleep(1.5)
        r = run_client(ctx, ['127.0.0.1', str(server.port)])
        check(r.rc == 0, 'seed client: %s', r.describe())
        rc, out, err = server.wait(ctx.t(10))
        check(rc == 0, 'server --once: %s %r', rc, err[-300:])
        conns = [o for o in ndjson(out) if o.get('type') == 'connection']
        check(len(conns) == 1, 'one connection record expected: %r', out[-400:])
        check(conns[0]['duration_ms'] < 1000, 'duration includes the wait: %r', conns[0])


def test_drain_timeout_after_a_quiet_connection(ctx):
    """A connection idle for longer than --drain-timeout, then SIGTERM: it
    still gets the whole drain time to finish."""
    with start_server(ctx, LOCAL + ['--drain-timeout', '3s', '-vv', '--json']) as server:
        s = socket.create_connection(('127.0.0.1', server.port), timeout=10)
        time.sleep(3.5)  # quiet for longer than the drain time
        server.proc.send_signal(2)  # the first stop request: drain
        time.sleep(0.5)  # well inside the 3 s the connection is owed
        s.sendall(b'after the stop signal')
        s.shutdown(socket.SHUT_WR)
        data = b''
        s.settimeout(10)
        while True:
            try:
                chunk = s.recv(4096)
            except ConnectionResetError:
                raise AssertionError('reset during its drain time (%r echoed)' % data)
            if not chunk:
                break
            data += chunk
        s.close()
        check(data == b'after the stop signal', 'echo during drain: %r', data)
        rc, out, err = server.wait(ctx.t(10))
        conns = [o for o in ndjson(out) if o.get('type') == 'connection']
        check(conns and conns[0]['outcome'] == 'complete', 'outcome: %r', conns)
