"""Operating the server (issue 3, README "Server"): --threads, graceful stop
with workers, NDJSON (--json, --stats-interval), the logging levels, and
socket activation (--systemd) and inetd mode (--inetd), which Windows lacks
by design: there the server must refuse them clearly."""

import os
import re
import signal
import socket
import sys
import time

from harness import (Skip, SpawnedServer, check, connect_from, echo_many,
                     free_port, json_summary, ndjson, pattern, ping,
                     run_client, run_sockecho, seed_report, start_server,
                     wait_connectable)

LOCAL = ['--port', '0', '--bind', '127.0.0.1']

STAT_FIELDS = ('time', 'uptime_s', 'open', 'total', 'complete', 'reset',
               'aborted', 'failed', 'idle_evicted', 'refused_policy',
               'refused_source', 'refused_proxy', 'bytes_in', 'bytes_out', 'udp_in', 'udp_out',
               'udp_dropped')
CONNECTION_FIELDS = ('time', 'peer', 'port', 'outcome', 'error', 'bytes_in',
                     'bytes_out', 'duration_ms', 'client_fin', 'worker', 'proxy')
TIMESTAMP = r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z'


def _stop(ctx, server, timeout=10):
    rc, out, err = server.stop(timeout=ctx.t(timeout))
    check(rc == 0, 'server exited with %s after SIGINT: %r', rc,
          (err + out)[-300:])
    return out, err


# ---------------------------------------------------------------------------
# --threads


def test_threads_many_clients(ctx):
    server = start_server(ctx, LOCAL + ['--threads', '2', '--json'])
    with server:
        payloads = [pattern(32 * 1024, seed=300 + i) for i in range(50)]
        failures = echo_many('127.0.0.1', server.port, payloads,
                             timeout=ctx.t(20))
        check(not failures, '%d of 50 clients failed with --threads 2, e.g. '
              '%s', len(failures), '; '.join(failures[:3]))
        server.wait_for(lambda out, err: out.count('"type":"connection"')
                        >= 50, ctx.t(5), '50 connection records')
        out, err = _stop(ctx, server)
        summary = json_summary(out)
        check(summary['complete'] == 50 and summary['total'] == 50 and
              summary['open'] == 0 and
              summary['bytes_in'] == 50 * 32 * 1024 ==
              summary['bytes_out'], 'summary %r', summary)
        workers = set(o['worker'] for o in ndjson(out)
                      if o.get('type') == 'connection')
        check(workers <= {0, 1}, 'worker indexes %r with --threads 2',
              workers)
        if not ctx.windows:
            # One SO_REUSEPORT listener per worker: the kernel spreads 50
            # connections over both (all on one: probability 2^-49).
            check(workers == {0, 1}, 'every connection went to worker %r '
                  '(SO_REUSEPORT listeners expected to share the load)',
                  workers)


def test_threads_graceful_stop(ctx):
    # With two workers, Ctrl-C lets an in-flight transfer finish, resets an
    # idle connection at --drain-timeout, and the server exits 0 with its
    # summary.
    server = start_server(ctx, LOCAL + ['--threads', '2', '--json',
                                        '--drain-timeout', '700ms'])
    with server:
        idle = connect_from('127.0.9.1', '127.0.0.1', server.port, ctx.t(5))
        try:
            check(ping(idle, timeout=ctx.t(3)) == 'echo', 'no echo')
            start = time.monotonic()
            server.proc.send_signal(signal.SIGINT)
            rc, out, err = server.wait(ctx.t(6), 'after SIGINT')
            elapsed = time.monotonic() - start
            check(rc == 0, 'server --threads 2 exited with %s after SIGINT: '
                  '%r', rc, (err + out)[-300:])
            check(0.6 <= elapsed < ctx.t(3), 'server exited %.2fs after '
                  'SIGINT with --drain-timeout 700ms', elapsed)
        finally:
            idle.close()
        summary = json_summary(out)
        check(summary['aborted'] == 1 and summary['total'] == 1,
              'summary %r: expected the idle connection aborted', summary)
        check(ndjson(out)[-1]['type'] == 'summary', 'the summary is not the '
              'last object: %r', out[-300:])


# ---------------------------------------------------------------------------
# NDJSON


def test_json_ndjson(ctx):
    server = start_server(ctx, LOCAL + ['--json', '--stats-interval',
                                        '200ms'])
    with server:
        start = time.monotonic()
        res = run_client(ctx, ['--size', '10K', '127.0.0.1', server.port])
        check(res.rc == 0, 'client: %s', res.describe())
        server.wait_for(lambda out, err: out.count('"type":"stats"') >= 2 and
                        time.monotonic() - start >= 0.6, ctx.t(5),
                        'two "stats" objects')
        out, err = _stop(ctx, server)
    objects = ndjson(out)
    types = [o.get('type') for o in objects]
    check(types[0] == 'listening' and types[-1] == 'summary', 'types %r',
          types)
    check(types.count('summary') == 1 and types.count('connection') == 1 and
          types.count('stats') >= 2, 'types %r', types)
    for obj in objects:
        kind = obj['type']
        if kind == 'listening':
            check(obj['address'] == '127.0.0.1' and obj['protocol'] == 'tcp'
                  and obj['port'] == server.port, 'listening %r', obj)
        elif kind == 'connection':
            check(set(CONNECTION_FIELDS) <= set(obj), 'connection %r lacks '
                  '%r', obj, set(CONNECTION_FIELDS) - set(obj))
            check(obj['outcome'] == 'complete' and obj['error'] is None and
                  obj['bytes_in'] == obj['bytes_out'] == 10240 and
                  obj['client_fin'] is True and obj['peer'] == '127.0.0.1',
                  'connection %r', obj)
            check(re.match(TIMESTAMP + '$', obj['time']), 'time %r', obj)
        elif kind in ('stats', 'summary'):
            check(set(STAT_FIELDS) <= set(obj), '%s %r lacks %r', kind, obj,
                  set(STAT_FIELDS) - set(obj))
        elif kind != 'log':
            raise AssertionError('unknown type %r' % kind)
    summary = objects[-1]
    check(summary['total'] == 1 and summary['complete'] == 1 and
          summary['bytes_in'] == 10240 and summary['open'] == 0,
          'summary %r', summary)
    stats = [o for o in objects if o['type'] == 'stats']
    uptimes = [o['uptime_s'] for o in stats]
    check(uptimes == sorted(uptimes), 'stats uptimes not increasing: %r',
          uptimes)
    # Nothing else on stderr but the listening line.
    lines = [line for line in err.split('\n') if line]
    check(all(line.startswith('listening on ') for line in lines),
          'with --json stderr has %r', lines)


# ---------------------------------------------------------------------------
# Logging levels


def _session_then_stop(ctx, args):
    server = start_server(ctx, LOCAL + args)
    with server:
        res = run_client(ctx, ['127.0.0.1', server.port])
        check(res.rc == 0, 'client: %s', res.describe())
        return server, _stop(ctx, server)


def test_logging_default(ctx):
    server, (out, err) = _session_then_stop(ctx, [])
    check(out == '', 'default verbosity printed on stdout: %r', out[:300])
    lines = [line for line in err.split('\n') if line]
    check(len(lines) == 2 and lines[0] == 'listening on 127.0.0.1 %d'
          % server.port, 'default verbosity: expected the listening line '
          'and the summary, got %r', lines)
    check(re.match(TIMESTAMP + r' sockecho server: stopped: 1 connection '
                   r'\(0 open, 1 complete', lines[1]), 'summary line %r',
          lines[1])


def test_logging_verbose(ctx):
    server, (out, err) = _session_then_stop(ctx, ['-v'])
    lines = [line for line in out.split('\n') if line]
    check(lines[:3] == ['Bytes received: 14', 'Bytes sent: 14',
                        'Connection closing...'], '-v: the seed lines, got %r',
          lines)
    check(len(lines) == 4 and re.match(
        TIMESTAMP + r' 127\.0\.0\.1:\d+ complete, 14 bytes in, 14 bytes out, '
        r'[\d.]+ ms$', lines[3]), '-v: per-connection line %r', lines)
    lines = [line for line in err.split('\n') if line]
    check(len(lines) == 3 and lines[0].startswith('listening on ') and
          re.match(TIMESTAMP + r' sockecho server: event backend: [a-z_]+$',
                   lines[1]) and
          ' sockecho server: stopped: ' in lines[2], '-v: stderr should hold '
          'the listening line, the event backend and the summary only, '
          'got %r', lines)


def test_logging_debug(ctx):
    # -vv adds debug lines: refused peers (which -v does not print).
    outputs = {}
    for level in ('-v', '-vv'):
        server = start_server(ctx, LOCAL + [level, '--deny', '127.0.0.2'])
        with server:
            try:
                sock = connect_from('127.0.0.2', '127.0.0.1', server.port,
                                    ctx.t(5))
                check(ping(sock, timeout=ctx.t(3)) != 'echo', 'denied')
                sock.close()
            except (ConnectionResetError, ConnectionAbortedError):
                pass
            res = run_client(ctx, ['127.0.0.1', server.port])
            check(res.rc == 0, 'client: %s', res.describe())
            if level == '-vv':
                server.wait_for(lambda out, err: 'refused' in err, ctx.t(5),
                                'the -vv "refused" line')
            outputs[level] = _stop(ctx, server)
    out, err = outputs['-vv']
    refused = [line for line in err.split('\n') if 'refused 127' in line]
    check(len(refused) == 1 and re.match(
        TIMESTAMP + r' sockecho server: refused 127\.0\.0\.2:\d+: ',
        refused[0]), '-vv: refused line %r', refused)
    check('refused 127.0.0.2' not in ''.join(outputs['-v']), '-v printed the '
          'debug line')


def test_logging_quiet(ctx):
    # -q: a normal session prints nothing at all (no listening line, no
    # summary), yet errors are still printed.
    for attempt in range(3):
        port = free_port()
        argv = ctx.cmd(['server', '-q', '--port', port, '--bind',
                        '127.0.0.1'])
        server = SpawnedServer(argv, strip_cr=ctx.windows)
        with server:
            try:
                sock = wait_connectable('127.0.0.1', port, ctx.t(10),
                                        server.proc)
            except AssertionError:
                if server.proc.poll() == 1 and attempt < 2:
                    continue  # the port was taken meanwhile
                raise
            sock.close()
            res = run_client(ctx, ['127.0.0.1', port])
            check(res.rc == 0, 'client: %s', res.describe())
            # An error: a second server on the same port.
            second = run_sockecho(ctx, ['server', '-q', '--port', port,
                                        '--bind', '127.0.0.1'], timeout=15)
            check(second.rc == 1 and len(second.err_lines()) == 1 and
                  second.err_lines()[0].startswith('sockecho server: ') and
                  second.out == '', 'server -q on a port in use: %s',
                  second.describe())
            out, err = _stop(ctx, server)
            check(out == '' and err == '', 'server -q printed %r / %r',
                  out[:300], err[:300])
            return


# ---------------------------------------------------------------------------
# systemd socket activation and inetd mode


def _refusal(ctx, option):
    res = run_sockecho(ctx, ['server', option], timeout=15)
    lines = res.err_lines()
    check(res.rc == 1 and len(lines) == 1 and
          lines[0].startswith('sockecho server: ') and
          'not supported' in lines[0], 'server %s on Windows: expected exit '
          '1 and one "not supported" line, got %s', option, res.describe())


def _listening_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(('127.0.0.1', 0))
    sock.listen(64)
    return sock


def _serve_inherited(ctx, server, port, sock):
    with server:
        server.wait_listening(ctx.t(10))
        check(server.port == port, 'server listens on %d, not on the '
              'inherited socket\'s port %d', server.port, port)
        sock.close()  # the server's copy alone now
        res = run_client(ctx, ['127.0.0.1', port])
        check(res.rc == 0 and res.out == seed_report(14, 14),
              'seed session through the inherited socket: %s',
              res.describe())
        failures = echo_many('127.0.0.1', port,
                             [pattern(8192, seed=i) for i in range(10)],
                             timeout=ctx.t(10))
        check(not failures, 'clients through the inherited socket: %r',
              failures[:3])
        out, err = _stop(ctx, server)
        check('stopped: 11 connections' in err, 'summary %r', err[-300:])


def test_systemd(ctx):
    if ctx.windows:
        _refusal(ctx, '--systemd')
        return
    if not sys.platform.startswith('linux'):
        raise Skip('socket activation is tested on Linux')
    sock = _listening_socket()
    port = sock.getsockname()[1]
    fd = sock.fileno()

    def to_fd3():
        os.dup2(fd, 3)

    argv = ['sh', '-c', 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"',
            'sh'] + ctx.cmd(['server', '--systemd'])
    server = SpawnedServer(argv, strip_cr=False, pass_fds=(3,),
                           preexec_fn=to_fd3)
    _serve_inherited(ctx, server, port, sock)


def test_systemd_without_sockets(ctx):
    # No LISTEN_FDS (or another process's LISTEN_PID): one clear line,
    # exit 1 -- on Windows "not supported".
    if ctx.windows:
        _refusal(ctx, '--systemd')
        return
    for env in ({}, {'LISTEN_FDS': '1', 'LISTEN_PID': '1'}):
        res = run_sockecho(ctx, ['server', '--systemd'], timeout=15,
                           env=dict(env, LISTEN_FDS=env.get('LISTEN_FDS',
                                                            '')))
        lines = res.err_lines()
        check(res.rc == 1 and len(lines) == 1 and
              lines[0].startswith('sockecho server: ') and
              'LISTEN_FDS' in lines[0], 'server --systemd without sockets '
              '(env %r): %s', env, res.describe())


def test_inetd(ctx):
    if ctx.windows:
        _refusal(ctx, '--inetd')
        return
    sock = _listening_socket()
    port = sock.getsockname()[1]
    server = SpawnedServer(ctx.cmd(['server', '--inetd']), strip_cr=False,
                           stdin=sock.fileno())
    _serve_inherited(ctx, server, port, sock)


def test_inetd_stdin_not_a_socket(ctx):
    if ctx.windows:
        _refusal(ctx, '--inetd')
        return
    res = run_sockecho(ctx, ['server', '--inetd'], timeout=15)
    lines = res.err_lines()
    check(res.rc == 1 and len(lines) == 1 and
          lines[0].startswith('sockecho server: ') and
          'standard input' in lines[0], 'server --inetd with /dev/null as '
          'stdin: %s', res.describe())
