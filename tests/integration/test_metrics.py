"""`sockecho server --metrics ADDR:PORT` (docs/metrics.md): the exposition
text passes `promtool check metrics` and its counters match the server's
own summary; the endpoint answers what is not GET /metrics with an error,
and survives slowloris, oversized and binary requests and a crowd of idle
connections without slowing the echo; bad --metrics values are usage
errors. A real Prometheus scraping it: test_metrics_prometheus.py."""

import re
import shutil
import socket
import subprocess
import sys
import time

from harness import (Server, Skip, check, connect_from, proc_cpu_seconds, run_client,
                     run_sockecho, start_server)

METRICS_RE = re.compile(r'^metrics on (\S+) (\d+)$', re.M)


def start_with_metrics(ctx, extra=()):
    """A server on loopback with --metrics on a free port; (server, port)."""
    server = start_server(ctx, ['--port', '0', '--bind', '127.0.0.1',
                                '--metrics', '127.0.0.1:0'] + list(extra))
    match = server.wait_for(lambda out, err: METRICS_RE.search(err),
                            ctx.t(10), '"metrics on ADDR PORT" line')
    return server, int(match.group(2))


def http(port, request, timeout=10.0):
    """Send REQUEST (bytes) to the metrics port, half-close, read the whole
    response; (status code or None, headers text, body)."""
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        s.sendall(request)
        s.shutdown(socket.SHUT_WR)
        data = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b'\r\n\r\n')
    match = re.match(rb'HTTP/1\.1 (\d{3}) ', head)
    return (int(match.group(1)) if match else None, head.decode('latin-1'),
            body.decode('utf-8'))


def scrape(port):
    code, head, body = http(port, b'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')
    check(code == 200, 'GET /metrics: %s %r', code, head)
    check('Content-Type: text/plain; version=0.0.4' in head, 'headers %r', head)
    return body


def value(body, name, labels=''):
    match = re.search(r'^%s%s ([0-9.e+-]+)$' % (re.escape(name), re.escape(labels)),
                      body, re.M)
    check(match, 'no sample %s%s in:\n%s', name, labels, body[:2000])
    return float(match.group(1))


def summary_total(err):
    match = re.search(r'stopped: (\d+) connections? \((\d+) open, (\d+) complete', err)
    check(match, 'no summary line in %r', err[-500:])
    return int(match.group(1)), int(match.group(3))


def test_promtool_accepts_and_counts_match(ctx):
    promtool = shutil.which('promtool')
    if not promtool:
        raise Skip('promtool is not installed (Debian package prometheus; scripts/deps.sh)')
    server, port = start_with_metrics(ctx, ['--deny', '127.0.0.2/32', '--udp'])
    with server:
        for _ in range(3):
            rc, out, err = run_client(ctx, ['127.0.0.1', str(server.port)])
            check(rc == 0, 'client: %s %r', rc, err)
        rc, _, _ = run_client(ctx, ['--udp', '127.0.0.1', str(server.port)])
        check(rc == 0, 'udp client exited %s', rc)
        body = scrape(port)
        lint = subprocess.run([promtool, 'check', 'metrics'], input=body.encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        check(lint.returncode == 0 and not lint.stdout.strip(),
              'promtool check metrics: exit %s: %s', lint.returncode,
              lint.stdout.decode()[-1000:])
        check(value(body, 'sockecho_connections_total') == 3, 'total in %s', body[:400])
        check(value(body, 'sockecho_connections_ended_total', '{outcome="complete"}') == 3,
              'complete count')
        check(value(body, 'sockecho_received_bytes_total') == 3 * 14 and
              value(body, 'sockecho_sent_bytes_total') == 3 * 14, 'bytes')
        check(value(body, 'sockecho_udp_received_datagrams_total') >= 1, 'udp count')
        check(re.search(r'^sockecho_build_info\{version="\d+\.\d+\.\d+",backend="\w+"\} 1$',
                        body, re.M), 'build info in %s', body[-600:])
        check(0 <= value(body, 'sockecho_worker_loop_lag_seconds', '{worker="0"}') < 5,
              'loop lag')
        rc, out, err = server.stop()
    total, complete = summary_total(err)
    check(total == 3 and complete == 3, 'summary: %d total, %d complete', total, complete)


def _wait_value(ctx, port, name, labels, want):
    """Scrape (bounded) until NAME{LABELS} is WANT; the last scrape's body."""
    deadline = time.monotonic() + ctx.t(10)
    while True:
        body = scrape(port)
        if value(body, name, labels) == want or time.monotonic() > deadline:
            check(value(body, name, labels) == want, '%s%s: %s, expected %s', name, labels,
                  value(body, name, labels), want)
            return body
        time.sleep(0.05)


def test_metrics_count_refusals_evictions_and_pauses(ctx):
    """Refused by policy, idle-evicted and --max-conns pauses are counted."""
    server, port = start_with_metrics(ctx, ['--deny', '127.0.0.2/32', '--max-conns', '1',
                                            '--idle-timeout', '1s'])
    with server:
        time.sleep(0.2)  # quiet period: nothing counted yet
        body = scrape(port)
        for name, labels in (('sockecho_connections_refused_total', '{reason="policy"}'),
                             ('sockecho_connections_ended_total', '{outcome="idle_evicted"}'),
                             ('sockecho_accept_pauses_total', '{reason="max_conns"}')):
            check(value(body, name, labels) == 0, '%s%s before', name, labels)
        # A denied client is closed at once.
        # (closed abortively, maybe before connect() returns here)
        try:
            denied = connect_from('127.0.0.2', '127.0.0.1', server.port, ctx.t(5))
            try:
                check(denied.recv(10) == b'', 'the denied client got data')
            finally:
                denied.close()
        except ConnectionResetError:
            pass
        _wait_value(ctx, port, 'sockecho_connections_refused_total', '{reason="policy"}', 1)
        # One connection holds the only slot: a second one waits in the
        # backlog and accepting pauses.
        held = connect_from('127.0.0.3', '127.0.0.1', server.port, ctx.t(5))
        _wait_value(ctx, port, 'sockecho_connections_open', '', 1)
        waiting = connect_from('127.0.0.4', '127.0.0.1', server.port, ctx.t(5))
        body = scrape(port)
        deadline = time.monotonic() + ctx.t(5)
        while value(body, 'sockecho_accept_pauses_total', '{reason="max_conns"}') < 1:
            check(time.monotonic() < deadline, 'no --max-conns pause counted: %s', body)
            time.sleep(0.05)
            body = scrape(port)
        # The held connection, idle, is evicted after 1 s; the waiting one
        # is then accepted, and evicted in turn.
        held.settimeout(ctx.t(5))
        check(held.recv(10) == b'', 'the idle connection was not closed')
        waiting.settimeout(ctx.t(5))
        check(waiting.recv(10) == b'', 'the waiting connection was not accepted and evicted')
        held.close()
        waiting.close()
        _wait_value(ctx, port, 'sockecho_connections_ended_total', '{outcome="idle_evicted"}', 2)
        rc, out, err = server.stop()
    check(rc == 0, 'server exit %s: %s', rc, err[-300:])


def test_metrics_endpoint_survives_garbage(ctx):
    server, port = start_with_metrics(ctx)
    with server:
        # A slowloris client: half a request line, then nothing.
        slow = socket.create_connection(('127.0.0.1', port), timeout=10)
        slow.sendall(b'GET /metr')
        slow_start = time.monotonic()
        for request, want in (
                (b'POST /metrics HTTP/1.1\r\n\r\n', 405),
                (b'GET / HTTP/1.1\r\n\r\n', 404),
                (b'GET /metrics HTTP/1.1\r\nX: ' + b'a' * 8000 + b'\r\n\r\n', 431),
                (b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + bytes(range(256)), 400),
                (b'\x00' * 100, 400),
                (b'GET /metrics HTTP/1.1\r\nbroken header\r\n\r\n', 400)):
            code, head, _ = http(port, request)
            check(code == want, '%r...: status %s, expected %s (%r)', request[:20], code,
                  want, head[:100])
        # A crowd of idle connections: those over the limit get 503 at
        # once; the echo is unaffected meanwhile.
        crowd = [socket.create_connection(('127.0.0.1', port), timeout=10)
                 for _ in range(12)]
        try:
            start = time.monotonic()
            rc, out, err = run_client(ctx, ['-s', '2M', '127.0.0.1', str(server.port)])
            check(rc == 0 and 'Bytes received: 2097152' in out,
                  'echo beside the crowd: %s %r', rc, err)
            check(time.monotonic() - start < ctx.t(10), 'echo took %.1fs',
                  time.monotonic() - start)
            turned_away = 0
            for s in crowd:
                s.settimeout(0.5)
                try:
                    turned_away += s.recv(100).startswith(b'HTTP/1.1 503')
                except socket.timeout:
                    pass
            check(turned_away >= 12 - 8 - 1, '%d of 12 idle connections turned away',
                  turned_away)
        finally:
            for s in crowd:
                s.close()
        # The slowloris client is answered 408 after the 5 s head timeout.
        slow.settimeout(ctx.t(10))
        data = slow.recv(100)
        waited = time.monotonic() - slow_start
        check(data.startswith(b'HTTP/1.1 408') and 4.5 < waited < ctx.t(8),
              'slowloris: %r after %.1fs', data[:40], waited)
        slow.close()
        # And the endpoint still answers, having counted what it refused.
        body = scrape(port)
        for code in (400, 404, 405, 408, 431, 503):
            check(value(body, 'sockecho_metrics_responses_total', '{code="%d"}' % code) >= 1,
                  'no %d counted', code)
        check(value(body, 'sockecho_connections_total') == 1, 'echo connections counted')
        rc, out, err = server.stop()
    check(rc == 0, 'server exit %s: %s', rc, err[-300:])


def test_metrics_out_of_descriptors(ctx):
    """Out of descriptors, the metrics listener stays unaccepted without a
    busy loop, and answers once descriptors are free again."""
    if ctx.windows or not sys.platform.startswith('linux'):
        raise Skip('descriptor limits (prlimit) and /proc: the native Linux build only')
    argv = ['prlimit', '--nofile=40:40', '--'] + ctx.cmd(
        ['server', '--port', '0', '--bind', '127.0.0.1', '--metrics', '127.0.0.1:0'])
    server = Server(argv, strip_cr=False)
    socks = []
    with server:
        server.wait_listening(ctx.t(10))
        port = int(server.wait_for(lambda out, err: METRICS_RE.search(err), ctx.t(10),
                                   '"metrics on ADDR PORT" line').group(2))
        try:
            for i in range(45):
                socks.append(connect_from('127.0.4.%d' % (i + 2), '127.0.0.1', server.port, 5))
            server.wait_for(lambda out, err: 'pausing new connections' in err, ctx.t(5),
                            'the out-of-descriptors log line')
            waiting = [socket.create_connection(('127.0.0.1', port), timeout=5)
                       for _ in range(3)]
            for sock in waiting:
                sock.sendall(b'GET /metrics HTTP/1.1\r\n\r\n')
            before = proc_cpu_seconds(server.proc.pid)
            time.sleep(1.0)
            used = proc_cpu_seconds(server.proc.pid) - before
            check(used < 0.2, 'the server used %.2fs of CPU in 1s with metrics clients waiting '
                  'while out of descriptors (busy loop on accept?)', used)
            for sock in socks:
                sock.close()
            socks = []
            for sock in waiting:
                sock.settimeout(ctx.t(5))
                check(sock.recv(100).startswith(b'HTTP/1.1 200'), 'a waiting metrics client '
                      'was not answered once descriptors were free')
                sock.close()
            body = scrape(port)
            check(value(body, 'sockecho_accept_pauses_total', '{reason="descriptors"}') >= 1,
                  'no accept pause counted')
        finally:
            for sock in socks:
                sock.close()
        rc, out, err = server.stop(timeout=10)
    check(rc == 0, 'server exited with %s: %r', rc, err[-300:])


def test_metrics_bad_values(ctx):
    for value_, reason in (('9100', 'expected ADDR:PORT'),
                           ('127.0.0.1:', 'expected ADDR:PORT'),
                           ('127.0.0.1:99999', 'expected ADDR:PORT'),
                           ('::1:9100', 'expected ADDR:PORT'),
                           ('localhost:9100', 'not a numeric'),
                           ('[::1]:-1', 'expected ADDR:PORT')):
        res = run_sockecho(ctx, ['server', '--port', '0', '--metrics', value_])
        check(res.rc == 2 and len(res.err_lines()) == 1 and reason in res.err,
              '--metrics %r: %s', value_, res.describe())
    # The port is taken: exit 1, one line.
    busy = socket.socket()
    busy.bind(('127.0.0.1', 0))
    busy.listen(1)
    try:
        res = run_sockecho(ctx, ['server', '--port', '0', '--bind', '127.0.0.1', '--metrics',
                                 '127.0.0.1:%d' % busy.getsockname()[1]])
        check(res.rc == 1 and 'cannot serve metrics on 127.0.0.1:' in res.err,
              'busy metrics port: %s', res.describe())
    finally:
        busy.close()
