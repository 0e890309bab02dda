"""Interoperability with programs that did not come from this project:
OpenBSD netcat, socat and a plain Python socket client against our server;
our client against socat's echo. A missing program skips its test (77)."""

import re
import shutil
import socket
import subprocess
import threading

from harness import (Server, Skip, check, pattern, run, run_client,
                     seed_report, start_server)

LOCAL = ['--port', '0', '--bind', '127.0.0.1']


def _need(program):
    path = shutil.which(program)
    if not path:
        raise Skip('%s is not installed' % program)
    return path


def _check_same(got, want, what):
    if got == want:
        return
    first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                 min(len(got), len(want)))
    raise AssertionError('%s: got %d of %d bytes back, first difference at %d'
                         % (what, len(got), len(want), first))


def _through(ctx, argv_for_port, what):
    server = start_server(ctx, LOCAL)
    with server:
        payload = pattern(1 << 20, seed=11)
        res = run(ctx, argv_for_port(server.port), input=payload,
                  timeout=ctx.t(30))
        check(res.rc == 0, '%s exited with %s: %r', what, res.rc,
              res.err_bytes[-300:])
        _check_same(res.out_bytes, payload, what)
        rc, out, err = server.stop(timeout=ctx.t(10))
        check(rc == 0, 'server exited with %s after SIGINT: %r', rc,
              (err + out)[-300:])


def test_netcat_client(ctx):
    # nc -N half-closes after stdin's EOF and reads on until our FIN; its
    # output must be exactly its input.
    nc = _need('nc')
    usage = subprocess.run([nc, '-h'], capture_output=True, timeout=10)
    if b'-N' not in usage.stdout + usage.stderr:
        raise Skip('this nc has no -N (netcat-openbsd is needed)')
    _through(ctx, lambda port: [nc, '-N', '127.0.0.1', str(port)],
             'nc -N')


def test_socat_client(ctx):
    # -t 10: after stdin's EOF socat waits up to 10 s (default 0.5 s) for
    # the other direction to end, i.e. for our FIN after the last echo.
    socat = _need('socat')
    _through(ctx, lambda port: [socat, '-t', '10', '-',
                                'TCP:127.0.0.1:%d' % port], 'socat')


def test_python_socket_client(ctx):
    # A plain blocking-socket client: one thread sends everything and
    # half-closes, the main thread reads until FIN.
    server = start_server(ctx, LOCAL)
    with server:
        payload = pattern(4 << 20, seed=12)
        sock = socket.create_connection(('127.0.0.1', server.port),
                                        timeout=ctx.t(20))
        errors = []

        def sender():
            try:
                sock.sendall(payload)
                sock.shutdown(socket.SHUT_WR)
            except OSError as exc:
                errors.append(exc)

        thread = threading.Thread(target=sender, daemon=True)
        thread.start()
        got = bytearray()
        try:
            while True:
                data = sock.recv(262144)
                if not data:
                    break
                got += data
        finally:
            thread.join(timeout=ctx.t(10))
            sock.close()
        check(not errors, 'sending failed: %s', errors[:1])
        _check_same(bytes(got), payload, 'python client')
        rc, out, err = server.stop(timeout=ctx.t(10))
        check(rc == 0, 'server exited with %s: %r', rc, (err + out)[-300:])


SOCAT_LISTEN_RE = re.compile(r'listening on AF=2 127\.0\.0\.1:(\d+)')


def _socat_echo(ctx, socat):
    """socat as an echo server (TCP-LISTEN on port 0, forking, PIPE), its
    port read from its own log line."""
    argv = [socat, '-d', '-d', '-t', '10',
            'TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork', 'PIPE']
    server = Server(argv, strip_cr=False)
    try:
        match = server.wait_for(lambda out, err: SOCAT_LISTEN_RE.search(err),
                                ctx.t(10), 'socat "listening on" line')
    except BaseException:
        server.kill()
        raise
    return server, int(match.group(1))


def test_client_against_socat(ctx):
    # socat's PIPE echoes what it reads; at our half-close it ends the pipe
    # and, with -t 10, waits up to 10 s (default 0.5 s) for what is still
    # in it before closing. With the default a loaded machine could see a
    # FIN before the last bytes (truncated, exit 6); with -t 10 every byte
    # comes back before socat's FIN, which is what we assert: the exact
    # seed report, and a complete 1 MiB --size run.
    socat = _need('socat')
    server, port = _socat_echo(ctx, socat)
    with server:
        res = run_client(ctx, ['127.0.0.1', port])
        check(res.rc == 0, 'client vs socat: %s', res.describe())
        check(res.out == seed_report(14, 14), 'stdout %r', res.out)
        res = run_client(ctx, ['--size', '1M', '127.0.0.1', port])
        check(res.rc == 0, 'client --size 1M vs socat: %s', res.describe())
        check(res.out == seed_report(1 << 20, 1 << 20), 'stdout %r', res.out)
