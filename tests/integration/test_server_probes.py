"""The server's probes for what sits between client and server (issue 3,
README "Probing what sits in between"): --trailer with the client's
--expect-trailer, --delay-after-eof against a proxy that cuts connections
a fixed time after the client's FIN, and the --fault modes."""

import json
import selectors
import socket
import threading
import time

from harness import check, run_client, start_server

LOCAL = ['--port', '0', '--bind', '127.0.0.1']


def _client_json(ctx, args, timeout=30):
    res = run_client(ctx, ['--json'] + list(args), timeout=timeout)
    try:
        report = json.loads(res.out)
    except ValueError:
        raise AssertionError('client --json output does not parse: %s'
                             % res.describe())
    check(report.get('exit_code') == res.rc, 'exit code %s but JSON says %r',
          res.rc, report.get('exit_code'))
    return res, report


def _verdict(ctx, server, args, want, what, also=()):
    res, report = _client_json(ctx, list(args) + ['127.0.0.1', server.port])
    check(res.rc == want or res.rc in also, '%s: expected exit %d, got %s '
          '(%s)', what, want, res.rc, res.describe())
    return res, report


# ---------------------------------------------------------------------------
# --trailer


def test_trailer(ctx):
    server = start_server(ctx, LOCAL + ['--trailer', '1000'])
    with server:
        _, report = _verdict(ctx, server, ['--expect-trailer', '1000',
                                           '--size', '64K'], 0,
                             '--expect-trailer 1000 against --trailer 1000')
        check(report['verdict'] == 'complete', 'report %r', report)
        _, report = _verdict(ctx, server, [], 7, 'no --expect-trailer '
                             'against --trailer 1000 (excess)')
        check(report['verdict'] == 'excess', 'report %r', report)
        _, report = _verdict(ctx, server, ['--expect-trailer', '2000'], 6,
                             '--expect-trailer 2000 against --trailer 1000 '
                             '(truncated)')
        check(report['verdict'] == 'truncated', 'report %r', report)
        check(server.alive(), 'server exited')


# ---------------------------------------------------------------------------
# --delay-after-eof, and a proxy that cuts connections after the FIN


class CuttingProxy:
    """A TCP relay 127.0.0.1:port -> 127.0.0.1:TARGET. It forwards both
    ways; when the client half-closes it passes the FIN on and, with
    CUT_AFTER seconds, closes both connections that long after (what socat
    does 0.5 s after the first FIN); without CUT_AFTER it passes half-close
    through correctly (the server's FIN reaches the client)."""

    def __init__(self, target, cut_after=None):
        self.target = target
        self.cut_after = cut_after
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.errors = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.sock.settimeout(0.1)
            while not self.stop.is_set():
                try:
                    client, _ = self.sock.accept()
                except socket.timeout:
                    continue
                threading.Thread(target=self._relay, args=(client,),
                                 daemon=True).start()
        except OSError as exc:
            if not self.stop.is_set():
                self.errors.append(exc)

    def _relay(self, client):
        server = socket.create_connection(('127.0.0.1', self.target), 5)
        peer = {client: server, server: client}
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ)
        sel.register(server, selectors.EVENT_READ)
        cut_at = None
        try:
            while sel.get_map() and not self.stop.is_set():
                if cut_at is not None and time.monotonic() >= cut_at:
                    return  # close both ways (finally)
                for key, _ in sel.select(timeout=0.02):
                    src = key.fileobj
                    try:
                        data = src.recv(65536)
                    except OSError:
                        return
                    if data:
                        peer[src].sendall(data)
                        continue
                    sel.unregister(src)
                    try:
                        peer[src].shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    if src is client and self.cut_after is not None:
                        cut_at = time.monotonic() + self.cut_after
        except OSError as exc:
            self.errors.append(exc)
        finally:
            sel.close()
            client.close()
            server.close()

    def close(self):
        self.stop.set()
        self.thread.join(timeout=2)
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def test_delay_after_eof(ctx):
    server = start_server(ctx, LOCAL + ['--delay-after-eof', '500ms'])
    with server:
        _, report = _verdict(ctx, server, ['--size', '100K'], 0,
                             '--delay-after-eof 500ms, direct')
        check(report['close_ms'] >= 450, 'close phase %.1f ms with '
              '--delay-after-eof 500ms (expected >= ~500 ms)',
              report['close_ms'])
        check(report['close_ms'] < ctx.t(2000), 'close phase %.1f ms',
              report['close_ms'])
        # Through a correct relay: still complete.
        with CuttingProxy(server.port) as proxy:
            res, report = _client_json(ctx, ['127.0.0.1', proxy.port])
            check(res.rc == 0, 'through a relay that passes half-close: %s',
                  res.describe())
        # Through a relay that closes both ways 200 ms after the client's
        # FIN: the held echo never arrives, the client sees truncated.
        with CuttingProxy(server.port, cut_after=0.2) as proxy:
            res, report = _client_json(ctx, ['127.0.0.1', proxy.port])
            check(res.rc == 6 and report['verdict'] == 'truncated',
                  'through a relay that cuts 200 ms after the FIN: expected '
                  'truncated (6), got %s', res.describe())
            check(report['bytes_received'] == 0, 'report %r', report)
        check(server.alive(), 'server exited')


def test_cutting_proxy_without_delay(ctx):
    # The same cutting relay in front of a server without the delay lets
    # the session complete: the delay is what exposes it.
    server = start_server(ctx, LOCAL)
    with server:
        with CuttingProxy(server.port, cut_after=0.2) as proxy:
            res, report = _client_json(ctx, ['127.0.0.1', proxy.port])
            check(res.rc == 0, 'relay cutting 200 ms after the FIN, server '
                  'without delay: %s', res.describe())


# ---------------------------------------------------------------------------
# --fault


def test_fault_rst_after(ctx):
    server = start_server(ctx, LOCAL + ['--fault', 'rst-after=1000'])
    with server:
        # Under Wine a reset may read as end of stream (docs/WINDOWS.md): the
        # client then sees truncated.
        _, report = _verdict(ctx, server, ['--size', '100K'], 9,
                             '--fault rst-after=1000',
                             also=(6,) if ctx.windows else ())
        check(report['bytes_received'] <= 100 * 1024, 'report %r', report)
        check(server.alive(), 'server exited')


def test_fault_stall_after(ctx):
    server = start_server(ctx, LOCAL + ['--fault', 'stall-after=1000'])
    with server:
        start = time.monotonic()
        _, report = _verdict(ctx, server, ['--size', '100K',
                                           '--idle-timeout', '1s'], 10,
                             '--fault stall-after=1000 (client idle 1s)')
        elapsed = time.monotonic() - start
        check(report['verdict'] == 'timeout', 'report %r', report)
        check(report['bytes_received'] == 1000, 'stall-after=1000: the '
              'client received %r bytes', report['bytes_received'])
        check(elapsed >= 0.9, 'timed out after %.2fs (idle timeout 1s)',
              elapsed)
        check(server.alive(), 'server exited')


def test_fault_close_early(ctx):
    server = start_server(ctx, LOCAL + ['--fault', 'close-early=1000'])
    with server:
        _, report = _verdict(ctx, server, ['--size', '100K'], 6,
                             '--fault close-early=1000')
        check(report['verdict'] == 'truncated' and
              report['bytes_received'] == 1000, 'close-early=1000: report '
              '%r', report)
        check(server.alive(), 'server exited')


def test_fault_slow_read(ctx):
    server = start_server(ctx, LOCAL + ['--fault', 'slow-read=200K'])
    with server:
        start = time.monotonic()
        _, report = _verdict(ctx, server, ['--size', '300K'], 0,
                             '--fault slow-read=200K, 300K payload')
        elapsed = time.monotonic() - start
        check(report['bytes_received'] == 300 * 1024, 'report %r', report)
        # 300K at 200K/s: at least ~1.4 s once the first tick's budget and
        # rounding are allowed for.
        check(elapsed >= 1.0, 'a 300K echo at slow-read=200K took only '
              '%.2fs', elapsed)
        check(elapsed < ctx.t(6), 'a 300K echo at slow-read=200K took %.2fs',
              elapsed)
