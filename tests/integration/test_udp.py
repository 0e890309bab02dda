"""UDP echo (issue 3, RFC 862): `sockecho server --udp` echoes datagrams,
drops those from source ports below 1024, caps each source with
--udp-rate; `sockecho client --udp` reports loss and RTT with the verdicts
of README "UDP"."""

import errno
import json
import re
import socket
import threading
import time

import harness
from harness import (Skip, check, json_summary, run_client, start_server)

LOCAL = ['--port', '0', '--bind', '127.0.0.1']


def _udp_server(ctx, extra=()):
    server = start_server(ctx, LOCAL + ['--udp', '--json'] + list(extra))
    want = 'listening on 127.0.0.1 %d udp' % server.port
    server.wait_for(lambda out, err: want in err.split('\n') and
                    '"protocol":"udp"' in out, ctx.t(5),
                    'the line %r and a UDP "listening" object' % want)
    return server


def _udp_socket(source='127.0.0.1', port=0):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((source, port))
    return sock


def _collect(sock, timeout):
    """Datagrams received on SOCK until TIMEOUT passes without one."""
    got = []
    sock.settimeout(timeout)
    while True:
        try:
            got.append(sock.recvfrom(65536))
        except socket.timeout:
            return got


def _stop_summary(ctx, server):
    rc, out, err = server.stop(timeout=ctx.t(10))
    check(rc == 0, 'server exited with %s: %r', rc, (err + out)[-300:])
    return json_summary(out)


# ---------------------------------------------------------------------------
# The server


def test_udp_echo(ctx):
    server = _udp_server(ctx)
    with server:
        sock = _udp_socket()
        try:
            for i, size in enumerate((1, 100, 1400, 8000, 60000)):
                data = bytes((i * 7 + j) & 0xFF for j in range(size))
                sock.sendto(data, ('127.0.0.1', server.port))
                sock.settimeout(ctx.t(2))
                echo, src = sock.recvfrom(65536)
                check(echo == data, 'datagram %d (%d bytes): echo of %d '
                      'bytes differs', i, size, len(echo))
                check(src == ('127.0.0.1', server.port), 'echo from %r', src)
        finally:
            sock.close()
        # TCP on the same port still works.
        res = run_client(ctx, ['127.0.0.1', server.port])
        check(res.rc == 0, 'TCP client next to --udp: %s', res.describe())
        summary = _stop_summary(ctx, server)
        check(summary['udp_in'] == 5 and summary['udp_out'] == 5 and
              summary['udp_dropped'] == 0, 'summary %r', summary)


def test_udp_low_source_port_dropped(ctx):
    server = _udp_server(ctx)
    with server:
        low = None
        for port in range(1023, 900, -1):
            try:
                low = _udp_socket(port=port)
                break
            except PermissionError:
                raise Skip('binding a source port below 1024 needs '
                           'privileges (EACCES)')
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
        check(low is not None, 'no free port below 1024')
        high = _udp_socket()
        try:
            low.sendto(b'from a low port', ('127.0.0.1', server.port))
            high.sendto(b'from a high port', ('127.0.0.1', server.port))
            high.settimeout(ctx.t(2))
            check(high.recvfrom(100)[0] == b'from a high port', 'high port')
            got = _collect(low, 0.3 * ctx.scale)
            check(not got, 'a datagram from source port %d was echoed: %r',
                  low.getsockname()[1], got)
        finally:
            low.close()
            high.close()
        summary = _stop_summary(ctx, server)
        check(summary['udp_in'] == 2 and summary['udp_out'] == 1 and
              summary['udp_dropped'] == 1, 'summary %r', summary)


def test_udp_rate(ctx):
    # --udp-rate 5: a burst of 20 from one source gets 5 echoes (counted
    # per one-second window: a burst that straddles a window boundary may
    # get up to 10; then it is tried once more from another source).
    server = _udp_server(ctx, ['--udp-rate', '5'])
    with server:
        counts = []
        for source in ('127.0.11.1', '127.0.11.2'):
            sock = _udp_socket(source)
            try:
                for i in range(20):
                    sock.sendto(b'burst %d' % i, ('127.0.0.1', server.port))
                counts.append(len(_collect(sock, 0.3 * ctx.scale)))
            finally:
                sock.close()
            if counts[-1] <= 6:
                break
        check(counts[-1] <= 6 and counts[-1] >= 4, '--udp-rate 5: a burst of '
              '20 datagrams got %r echoes', counts)
        summary = _stop_summary(ctx, server)
        check(summary['udp_in'] == 20 * len(counts) and
              summary['udp_out'] == sum(counts) and
              summary['udp_dropped'] == summary['udp_in'] - sum(counts),
              'summary %r for echoes %r', summary, counts)


# ---------------------------------------------------------------------------
# The client


RTT_RE = re.compile(r'^RTT min/avg/max: (\d+\.\d+)/(\d+\.\d+)/(\d+\.\d+) ms$')


def test_udp_client(ctx):
    server = _udp_server(ctx)
    with server:
        res = run_client(ctx, ['--udp', '--count', '5', '127.0.0.1',
                               server.port])
        lines = [line for line in res.out.split('\n') if line]
        check(res.rc == 0 and lines[:3] == ['Datagrams sent: 5',
                                            'Datagrams received: 5',
                                            'Lost: 0 (0.0%)'],
              'client --udp --count 5: %s', res.describe())
        match = len(lines) == 4 and RTT_RE.match(lines[3])
        check(match, 'RTT line: %r', lines)
        lo, avg, hi = (float(x) for x in match.groups())
        check(lo <= avg <= hi, 'RTT min/avg/max %r', lines[3])
        res = run_client(ctx, ['--udp', '--count', '3', '--size', '1000',
                               '--json', '127.0.0.1', server.port])
        report = json.loads(res.out)
        check(res.rc == 0 and report['type'] == 'client_udp' and
              report['sent'] == 3 and report['received'] == 3 and
              report['lost'] == 0 and report['loss_pct'] == 0 and
              report['verdict'] == 'complete' and report['exit_code'] == 0,
              'client --udp --json: %s', res.describe())
        rtt = report['rtt_ms']
        check(0 <= rtt['min'] <= rtt['avg'] <= rtt['max'], 'rtt %r', rtt)
        summary = _stop_summary(ctx, server)
        check(summary['udp_in'] == 8 and summary['udp_out'] == 8,
              'summary %r', summary)


def test_udp_client_mismatch(ctx):
    # A UDP "echo" that changes a byte: verdict mismatch (8).
    sock = _udp_socket()
    stop = threading.Event()

    def serve():
        sock.settimeout(0.05)
        while not stop.is_set():
            try:
                data, src = sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            sock.sendto(bytes([data[0] ^ 0xFF]) + data[1:], src)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        res = run_client(ctx, ['--udp', '--count', '3', '--timeout', '1s',
                               '127.0.0.1', sock.getsockname()[1]])
        check(res.rc == 8, 'client --udp against a corrupting echo: %s',
              res.describe())
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()


def test_udp_port_unreachable_is_refused_at_once(ctx):
    # Nothing listens on the port: the ICMP port-unreachable reply ends the
    # exchange at once with verdict refused, not after --timeout.
    if ctx.is_windows():
        raise Skip('Wine 8 does not report ICMP port unreachable on UDP '
                   '(docs/WINDOWS.md)')
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    start = time.monotonic()
    result = run_client(ctx, ['--udp', '--json', '--timeout', '5s', '--count', '3',
                              '127.0.0.1', port], timeout=30)
    elapsed = time.monotonic() - start
    check(result.rc == 4, 'expected exit 4 (refused): %s', result.describe())
    record = harness.ndjson(result.out)[-1]
    check(record['verdict'] == 'refused' and record['received'] == 0,
          'record %r', record)
    check(elapsed < ctx.t(4), 'refused after %.1fs: it waited for --timeout', elapsed)
