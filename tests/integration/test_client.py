"""The client (README "Client"): address fallback, payload options, output
options, JSON, and every verdict with its exit code, each against a Python
server that behaves (or misbehaves) in one precise way."""

import hashlib
import json
import os
import re
import resource
import subprocess
import tempfile
import threading

from harness import (SEED_MESSAGE, ClientResult, ClosedPort, FullBacklog, PyServer, Skip,
                     check, echo_handler, excess_handler, flip_handler,
                     localhost_addresses, nofin_handler, noread_handler,
                     refused_port, reset_handler, run_client, hosts_env,
                     seed_report, start_server, truncate_handler)

JSON_KEYS = {'type', 'verdict', 'exit_code', 'host', 'address', 'port',
             'bytes_sent', 'bytes_received', 'mismatch_offset', 'error',
             'connect_ms', 'transfer_ms', 'close_ms', 'attempts'}


def _json(res):
    try:
        obj = json.loads(res.out)
    except ValueError as exc:
        raise AssertionError('--json output is not one JSON object (%s): %r'
                             % (exc, res.out[:300]))
    check(isinstance(obj, dict), '--json printed %r, not an object',
          type(obj).__name__)
    missing = JSON_KEYS - set(obj)
    check(not missing, '--json object lacks %s', sorted(missing))
    check(obj['type'] == 'client', 'JSON type is %r', obj['type'])
    check(obj['exit_code'] == res.rc, 'JSON exit_code %r but the process '
          'exited with %s', obj['exit_code'], res.rc)
    return obj


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _one_error_line(res):
    lines = res.err_lines()
    check(len(lines) == 1, 'expected exactly one line on stderr, got %d: %r',
          len(lines), res.err[:400])
    check(lines[0].startswith('sockecho client: '),
          'stderr line %r is not in the "sockecho client: ..." format',
          lines[0])
    return lines[0]


def _digest(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------
# Addresses


def _serve_with_refused(ctx, serve_addr, refuse_addrs):
    """Our server on SERVE_ADDR and, on the same port, a bound (refusing)
    socket on each of REFUSE_ADDRS. Returns (server, closed_ports)."""
    if not refuse_addrs:
        return start_server(ctx, ['--port', '0', '--bind', serve_addr]), []
    last = None
    for _ in range(10):
        closed = []
        try:
            closed.append(ClosedPort(refuse_addrs[0]))
            port = closed[0].port
            for addr in refuse_addrs[1:]:
                closed.append(ClosedPort(addr, port))
            server = start_server(ctx, ['--port', port, '--bind',
                                        serve_addr])
            return server, closed
        except (OSError, AssertionError) as exc:
            # That port number was taken on another address: try another.
            last = exc
            for c in closed:
                c.close()
    raise AssertionError('no port free on %s and %s: %s'
                         % (serve_addr, refuse_addrs, last))


def _localhost_session(ctx, addrs, serve_addr, host='localhost', env=None):
    """Client -v and --json to HOST whose addresses ADDRS come in that
    order, only SERVE_ADDR listening: every address before it must be tried
    (and refused) first, then the connection made to SERVE_ADDR."""
    refuse = addrs[:addrs.index(serve_addr)]
    server, closed = _serve_with_refused(ctx, serve_addr, refuse)
    try:
        res = run_client(ctx, ['-v', host, server.port], env=env)
        check(res.rc == 0, 'client -v localhost: %s', res.describe())
        check(seed_report(14, 14) in res.out or
              all(line in res.out.split('\n')
                  for line in seed_report(14, 14).split('\n') if line),
              'seed report missing with -v: %r', res.out)
        log = (res.err + '\n' + res.out).split('\n')
        positions, ends = [], []
        for addr in refuse + [serve_addr]:
            hits = [i for i, line in enumerate(log)
                    if addr in line and str(server.port) in line]
            check(hits, '-v logs no attempt for %s port %d: %r', addr,
                  server.port, res.err[:400])
            positions.append(hits[0])
            ends.append(hits)
        check(positions == sorted(positions), '-v attempts not logged in '
              'getaddrinfo order %s: %r', addrs, res.err[:400])
        check(all(any('refused' in log[i].lower() for i in hits)
                  for hits in ends[:-1]), '-v does not log the refused attempt: %r',
              res.err[:400])

        res = run_client(ctx, ['--json', host, server.port], env=env)
        check(res.rc == 0, 'client --json %s: %s', host, res.describe())
        obj = _json(res)
        check(obj['host'] == host, 'JSON host %r', obj['host'])
        check(obj['address'] == serve_addr, 'JSON address %r, expected %r',
              obj['address'], serve_addr)
        check(obj['port'] == server.port, 'JSON port %r', obj['port'])
        attempts = obj['attempts']
        check([a.get('address') for a in attempts] == refuse + [serve_addr],
              'JSON attempts %r, expected addresses %r', attempts,
              refuse + [serve_addr])
        for attempt in attempts[:-1]:
            check(attempt.get('result') != 'connected' and
                  'refused' in str(attempt.get('result')).lower(),
                  'attempt %r should be refused', attempt)
        check(attempts[-1].get('result') == 'connected',
              'last attempt %r should be connected', attempts[-1])
        check(all(a.get('port') == server.port and _is_number(a.get('ms'))
                  for a in attempts), 'attempt port/ms wrong: %r', attempts)
    finally:
        server.kill()
        for c in closed:
            c.close()


def test_address_fallback(ctx):
    # A name with two addresses, ::1 first: [::1]:PORT is held bound but not
    # listening (surely refused), our server listens on 127.0.0.1:PORT. The
    # client must try ::1, be refused, and connect to 127.0.0.1.
    addrs = ['::1', '127.0.0.1']
    _localhost_session(ctx, addrs, '127.0.0.1', host='dualhost.test',
                       env=hosts_env(ctx, 'dualhost.test', addrs))


def test_localhost_name(ctx):
    # The always-deterministic form: our server on 127.0.0.1 only, the
    # client given `localhost`. Whatever /etc/hosts says, every address
    # getaddrinfo puts before 127.0.0.1 is held refused at the same port,
    # so the client must walk them in order and connect to 127.0.0.1.
    addrs = localhost_addresses()
    if '127.0.0.1' not in addrs:
        raise Skip('localhost does not resolve to 127.0.0.1 here')
    _localhost_session(ctx, addrs, '127.0.0.1')


def test_family_options(ctx):
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['-4', '--json', 'localhost', srv.port])
        check(res.rc == 0, 'client -4 localhost: %s', res.describe())
        obj = _json(res)
        check(obj['address'] == '127.0.0.1', '-4 connected to %r',
              obj['address'])
        check(all(':' not in a['address'] for a in obj['attempts']),
              '-4 tried an IPv6 address: %r', obj['attempts'])
        # A literal of the other family cannot be resolved under -4 / -6.
        res = run_client(ctx, ['-6', '127.0.0.1', srv.port])
        check(res.rc == 3, 'client -6 127.0.0.1: expected exit 3 (resolve), '
              '%s', res.describe())
    with PyServer(echo_handler, host='::1') as srv:
        res = run_client(ctx, ['-4', '::1', srv.port])
        check(res.rc == 3, 'client -4 ::1: expected exit 3 (resolve), %s',
              res.describe())
        res = run_client(ctx, ['-6', '::1', srv.port])
        check(res.rc == 0, 'client -6 ::1: %s', res.describe())


def test_verbose_logs_attempt_and_verdict(ctx):
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['-v', '127.0.0.1', srv.port])
        check(res.rc == 0, 'client -v: %s', res.describe())
        lines = (res.err + '\n' + res.out).split('\n')
        attempt = [line for line in lines
                   if '127.0.0.1' in line and str(srv.port) in line and
                   re.search(r'\d\s*ms\b', line)]
        check(attempt, '-v logs no attempt line with address, port and '
              'milliseconds: %r', res.err[:400])
        check(any('complete' in line for line in lines),
              '-v does not log the verdict "complete": %r', res.err[:400])
        out_lines = res.out.split('\n')
        for line in seed_report(14, 14).split('\n')[:-1]:
            check(line in out_lines, '-v lost report line %r: %r', line,
                  res.out)
    with refused_port() as closed:
        res = run_client(ctx, ['-v', '127.0.0.1', closed.port])
        check(res.rc == 4, 'client -v to a closed port: %s', res.describe())
        lines = (res.err + '\n' + res.out).split('\n')
        check(any('127.0.0.1' in line and 'refused' in line.lower()
                  for line in lines),
              '-v does not log the refused attempt: %r', res.err[:400])


# ---------------------------------------------------------------------------
# Payloads


def test_message(ctx):
    message = 'hello, echo world'
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['--message', message, '127.0.0.1', srv.port])
        check(res.rc == 0, 'client --message: %s', res.describe())
        n = len(message)
        check(res.out == seed_report(n, n), 'stdout %r', res.out)
        check(srv.session(0).data == message.encode(),
              'server received %r', srv.session(0).data)
        res = run_client(ctx, ['-m', 'x', '127.0.0.1', srv.port])
        check(res.rc == 0 and res.out == seed_report(1, 1),
              'client -m x: %s', res.describe())
        check(srv.session(1).data == b'x', 'server received %r',
              srv.session(1).data)


# Bytes a text-mode stream would change on Windows (CR LF, ^Z, NUL).
BINARY = bytes(range(256)) * 64 + b'\r\n\x1a\r\r\n\n\x00' * 100


def test_file(ctx):
    path = ctx.tmp('payload.bin')
    with open(path, 'wb') as f:
        f.write(BINARY)
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['--file', ctx.path(path), '127.0.0.1',
                               srv.port])
        check(res.rc == 0, 'client --file: %s', res.describe())
        n = len(BINARY)
        check(res.out == seed_report(n, n), 'stdout %r (file of %d bytes)',
              res.out, n)
        got = srv.session(0).data
        check(got == BINARY, 'server received %d bytes, not the file\'s '
              '%d (first difference at %s)', len(got), n,
              next((i for i, (a, b) in enumerate(zip(got, BINARY))
                    if a != b), min(len(got), n)))


def test_file_stdin(ctx):
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['-f', '-', '127.0.0.1', srv.port],
                         input=BINARY)
        check(res.rc == 0, 'client --file -: %s', res.describe())
        n = len(BINARY)
        check(res.out == seed_report(n, n), 'stdout %r (stdin of %d bytes)',
              res.out, n)
        check(srv.session(0).data == BINARY,
              'server received %d bytes that differ from stdin\'s %d',
              srv.session(0).nbytes, n)


def test_file_empty(ctx):
    path = ctx.tmp('empty')
    open(path, 'wb').close()
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['--file', ctx.path(path), '127.0.0.1',
                               srv.port])
        check(res.rc == 0, 'client --file EMPTY: %s', res.describe())
        check(res.out == seed_report(0, 0), 'stdout %r', res.out)
        session = srv.session(0)
        check(session.nbytes == 0 and session.eof,
              'server got %d bytes, eof=%s', session.nbytes, session.eof)


def _client_max_rss_kib(ctx, args, timeout):
    """Run ``sockecho client ARGS``; return its ClientResult and its peak
    resident size in KiB. getrusage's ru_maxrss of a waited-for child counts
    the forked test process's size before the exec too (the floor of every
    child is this Python's size), so the client's own peak, VmHWM of its
    /proc status (Linux), is sampled while it runs, and the larger of the two
    readings taken when ru_maxrss says more than that floor."""
    argv = ctx.cmd(['client'] + list(args))
    # A sanitizer build keeps freed blocks in quarantine (256 MiB by
    # default), which would count as resident; other builds ignore this.
    env = dict(os.environ, ASAN_OPTIONS=':'.join(filter(None, [
        os.environ.get('ASAN_OPTIONS'), 'quarantine_size_mb=1'])))
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = [0]
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out_f,
                                stderr=err_f, env=env)
        done = threading.Event()

        def sample():
            while not done.wait(0.02):
                try:
                    with open('/proc/%d/status' % proc.pid) as f:
                        for line in f:
                            if line.startswith('VmHWM:'):
                                peak[0] = max(peak[0], int(line.split()[1]))
                except (OSError, ValueError):
                    pass

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        killer = threading.Timer(ctx.t(timeout), proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
            done.set()
            sampler.join(5)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_f.seek(0)
        err_f.seek(0)
        res = ClientResult(proc.returncode, out_f.read(), err_f.read(), False,
                           0.0, argv)
    if usage.ru_maxrss > floor:
        peak[0] = max(peak[0], usage.ru_maxrss)
    return res, peak[0]


def test_file_verified_in_bounded_memory(ctx):
    # A file payload is kept only while its echo is outstanding, in a window
    # of 1 MiB: a 256 MiB file costs the client no more memory than a
    # message does, give or take that window and the send queue.
    if ctx.is_windows():
        raise Skip('maximum resident size is measured on the native build')
    path = ctx.tmp('large.bin')
    size = 256 << 20
    with open(path, 'wb') as f:
        f.truncate(size)  # sparse; a marked block every 16 MiB
        for at in range(0, size, 16 << 20):
            f.seek(at + 12345)
            f.write(hashlib.sha256(b'%d' % at).digest() * 128)
    with start_server(ctx, ['--port', '0', '--bind', '127.0.0.1']) as server:
        res, base = _client_max_rss_kib(ctx, ['127.0.0.1', server.port], 30)
        check(res.rc == 0, 'client with a message: %s', res.describe())
        res, rss = _client_max_rss_kib(
            ctx, ['--file', path, '127.0.0.1', server.port], 60)
        check(res.rc == 0, 'client --file (256 MiB): %s', res.describe())
        check(res.out == seed_report(size, size), 'stdout %r', res.out)
    # 8 MiB: the window, the send queue and its buffer in flight, and with
    # io_uring the 1 MiB receive ring the kernel fills (a message touches
    # little of it); a whole-file buffer would be 256 MiB.
    check(rss - base <= 8 * 1024, 'verifying a 256 MiB file took %d KiB, a '
          'message %d KiB: more than the 1 MiB window and the send queue '
          'explain', rss, base)


def test_size_64m(ctx):
    # Send-while-reading: 64 MiB far exceeds both socket buffers, a client
    # that sends everything before reading deadlocks against a plain echo.
    size = 64 << 20
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['--size', '64M', '127.0.0.1', srv.port],
                         timeout=60)
        check(res.rc == 0, 'client --size 64M: %s', res.describe())
        check(res.out == seed_report(size, size), 'stdout %r', res.out)
        check(srv.session(0).nbytes == size, 'server received %d bytes',
              srv.session(0).nbytes)


def test_size_suffixes(ctx):
    cases = [('1', 1), ('1000', 1000), ('1K', 1024), ('3M', 3 << 20)]
    with PyServer(echo_handler) as srv:
        for index, (text, size) in enumerate(cases):
            res = run_client(ctx, ['-s', text, '127.0.0.1', srv.port])
            check(res.rc == 0, '--size %s: %s', text, res.describe())
            check(res.out == seed_report(size, size), '--size %s: stdout %r',
                  text, res.out)
            check(srv.session(index).nbytes == size,
                  '--size %s: server received %d bytes', text,
                  srv.session(index).nbytes)


def test_seed_option(ctx):
    runs = [['--seed', '1'], ['--seed', '1'], ['--seed', '2'], []]
    with PyServer(echo_handler) as srv:
        digests = []
        for index, extra in enumerate(runs):
            res = run_client(ctx, ['--size', '64K'] + extra +
                             ['127.0.0.1', srv.port])
            check(res.rc == 0, '--seed %s: %s', extra, res.describe())
            session = srv.session(index)
            check(session.nbytes == 65536, 'server received %d bytes',
                  session.nbytes)
            digests.append(session.sha.hexdigest())
            if index == 0:
                check(len(set(session.data)) > 16,
                      '--size pattern is not varied: %r',
                      session.data[:32])
        check(digests[0] == digests[1], 'the same --seed gave different '
              'payloads')
        check(digests[0] != digests[2], '--seed 1 and --seed 2 gave the '
              'same payload')
        check(digests[3] == digests[0], 'the default seed is not 1')


# ---------------------------------------------------------------------------
# Output


def test_output_file(ctx):
    path = ctx.tmp('echo.out')
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['--size', '1M', '--seed', '7', '--output',
                               ctx.path(path), '127.0.0.1', srv.port])
        check(res.rc == 0, 'client --output FILE: %s', res.describe())
        check(res.out == seed_report(1 << 20, 1 << 20), 'stdout %r',
              res.out)
        with open(path, 'rb') as f:
            written = f.read()
        session = srv.session(0)
        check(len(written) == 1 << 20, '--output file has %d bytes',
              len(written))
        check(_digest(written) == session.sha.hexdigest(),
              '--output file differs from what was sent')


def test_output_stdout(ctx):
    path = ctx.tmp('payload.bin')
    with open(path, 'wb') as f:
        f.write(BINARY)
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['--file', ctx.path(path), '-o', '-',
                               '127.0.0.1', srv.port])
        check(res.rc == 0, 'client -o -: %s', res.describe())
        # Raw bytes, no \r stripping: stdout must be binary even on Windows.
        check(res.out_bytes == BINARY, 'stdout (%d bytes) is not the echo '
              '(%d bytes)', len(res.out_bytes), len(BINARY))
        n = len(BINARY)
        check(res.err == seed_report(n, n), 'with -o - the report goes to '
              'stderr; stderr is %r', res.err[:300])


def test_output_unwritable(ctx):
    path = ctx.tmp('no-such-dir/echo.out')
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['--output', ctx.path(path), '127.0.0.1',
                               srv.port])
        check(res.rc == 1, 'unwritable --output: expected exit 1 (error), '
              '%s', res.describe())
        line = _one_error_line(res)
        check('no-such-dir' in line, 'error line %r does not name the file',
              line)


def test_json_complete(ctx):
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['--json', '127.0.0.1', srv.port])
        check(res.rc == 0, 'client --json: %s', res.describe())
        check(res.err == '', '--json printed on stderr: %r', res.err)
        obj = _json(res)
        want = {'verdict': 'complete', 'exit_code': 0, 'host': '127.0.0.1',
                'address': '127.0.0.1', 'port': srv.port, 'bytes_sent': 14,
                'bytes_received': 14, 'mismatch_offset': None,
                'error': None}
        for key, value in want.items():
            check(obj[key] == value and type(obj[key]) is type(value),
                  'JSON %s is %r, expected %r', key, obj[key], value)
        for key in ('connect_ms', 'transfer_ms', 'close_ms'):
            check(_is_number(obj[key]) and 0 <= obj[key] < 10000,
                  'JSON %s is %r', key, obj[key])
        attempts = obj['attempts']
        check(isinstance(attempts, list) and len(attempts) == 1,
              'JSON attempts %r', attempts)
        check(attempts[0].get('address') == '127.0.0.1' and
              attempts[0].get('port') == srv.port and
              attempts[0].get('result') == 'connected' and
              _is_number(attempts[0].get('ms')),
              'JSON attempt %r', attempts[0])


def test_quiet(ctx):
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['-q', '127.0.0.1', srv.port])
        check(res.rc == 0 and res.out == '' and res.err == '',
              'client -q (complete): %s', res.describe())
    with PyServer(flip_handler(2)) as srv:
        res = run_client(ctx, ['-q', '127.0.0.1', srv.port])
        check(res.rc == 8 and res.out == '' and res.err == '',
              'client -q (mismatch): %s', res.describe())
    with refused_port() as closed:
        res = run_client(ctx, ['-q', '127.0.0.1', closed.port])
        check(res.rc == 4 and res.out == '' and res.err == '',
              'client -q (refused): %s', res.describe())


# ---------------------------------------------------------------------------
# Verdicts


def _verdict_runs(ctx, handler, args=(), timeout=30):
    """Run the client twice against HANDLER (report, then --json)."""
    with PyServer(handler) as srv:
        text = run_client(ctx, list(args) + ['127.0.0.1', srv.port],
                          timeout=timeout)
        js = run_client(ctx, list(args) + ['--json', '127.0.0.1', srv.port],
                        timeout=timeout)
        sessions = (srv.session(0), srv.session(1))
    return text, js, sessions


def test_verdict_truncated(ctx):
    text, js, _ = _verdict_runs(ctx, truncate_handler(5))
    check(text.rc == 6, 'expected exit 6 (truncated): %s', text.describe())
    check(text.out == seed_report(14, 5), 'stdout %r: the FIN came, so '
          '"Connection closed" is expected', text.out)
    _one_error_line(text)
    obj = _json(js)
    check(js.rc == 6 and obj['verdict'] == 'truncated',
          '--json: %s', js.describe())
    check(obj['bytes_sent'] == 14 and obj['bytes_received'] == 5,
          'JSON bytes %r/%r', obj['bytes_sent'], obj['bytes_received'])


def test_verdict_excess(ctx):
    text, js, _ = _verdict_runs(ctx, excess_handler(b'EXTRA'))
    check(text.rc == 7, 'expected exit 7 (excess): %s', text.describe())
    _one_error_line(text)
    obj = _json(js)
    check(js.rc == 7 and obj['verdict'] == 'excess',
          '--json: %s', js.describe())
    check(obj['bytes_sent'] == 14, 'JSON bytes_sent %r', obj['bytes_sent'])
    check(obj['bytes_received'] >= 14, 'JSON bytes_received %r: the 14 '
          'echoed bytes came before the extra ones', obj['bytes_received'])
    check(obj['mismatch_offset'] is None, 'JSON mismatch_offset %r',
          obj['mismatch_offset'])


def _check_mismatch(text, js, offset, orig, flipped):
    check(text.rc == 8, 'expected exit 8 (mismatch): %s', text.describe())
    line = _one_error_line(text)
    want = (r'^sockecho client: mismatch at byte %d \(sent 0x%02x, '
            r'received 0x%02x\)$' % (offset, orig, flipped))
    check(re.match(want, line, re.IGNORECASE),
          'stderr %r, expected "sockecho client: mismatch at byte %d (sent '
          '0x%02x, received 0x%02x)"', line, offset, orig, flipped)
    obj = _json(js)
    check(js.rc == 8 and obj['verdict'] == 'mismatch',
          '--json: %s', js.describe())
    check(obj['mismatch_offset'] == offset and
          type(obj['mismatch_offset']) is int,
          'JSON mismatch_offset %r, expected %d', obj['mismatch_offset'],
          offset)


def test_verdict_mismatch(ctx):
    text, js, sessions = _verdict_runs(ctx, flip_handler(3))
    check(sessions[0].info.get('orig') == SEED_MESSAGE[3],
          'the server did not see the seed message')
    _check_mismatch(text, js, 3, SEED_MESSAGE[3], SEED_MESSAGE[3] ^ 0xFF)


def test_verdict_mismatch_large_offset(ctx):
    # The offset counts from the start of the stream, not from the start of
    # whatever buffer the client happened to be reading.
    offset = 700001
    text, js, sessions = _verdict_runs(ctx, flip_handler(offset),
                                       ['--size', '1M'])
    orig = sessions[0].info.get('orig')
    check(orig is not None, 'the server never reached offset %d', offset)
    _check_mismatch(text, js, offset, orig, orig ^ 0xFF)


def test_first_fault_wins(ctx):
    # A mismatch followed by a reset is a mismatch (README: the first
    # observed fault wins).
    text, js, _ = _verdict_runs(ctx, flip_handler(3, reset_after=10))
    _check_mismatch(text, js, 3, SEED_MESSAGE[3], SEED_MESSAGE[3] ^ 0xFF)


def test_verdict_reset(ctx):
    text, js, _ = _verdict_runs(ctx, reset_handler(5))
    # Either run may meet it (with IOCP, a zero-byte read pending when the
    # RST comes completes without an error as often as not).
    if ctx.windows and 6 in (text.rc, js.rc):
        raise Skip('under Wine a later recv sees the RST as 0 (end of '
                   'stream), so the client reports truncated (docs/WINDOWS.md)')
    check(text.rc == 9, 'expected exit 9 (reset): %s', text.describe())
    check('Connection closed' not in text.out, 'no FIN came, yet stdout '
          'says %r', text.out)
    _one_error_line(text)
    obj = _json(js)
    check(js.rc == 9 and obj['verdict'] == 'reset',
          '--json: %s', js.describe())
    check(obj['bytes_received'] <= 5, 'JSON bytes_received %r',
          obj['bytes_received'])


def test_verdict_timeout_drain(ctx):
    # The echo comes back but the FIN never does: --drain-timeout ends it
    # (well before the 10 s default).
    with PyServer(nofin_handler) as srv:
        res = run_client(ctx, ['--drain-timeout', '300ms', '127.0.0.1',
                               srv.port])
        check(res.rc == 10, 'expected exit 10 (timeout): %s',
              res.describe())
        check(0.25 <= res.elapsed < 8, 'client took %.2fs with '
              '--drain-timeout 300ms', res.elapsed)
        check(res.out == seed_report(14, 14, closed=False), 'stdout %r',
              res.out)
        _one_error_line(res)
        res = run_client(ctx, ['--drain-timeout', '0.3', '--json',
                               '127.0.0.1', srv.port])
        obj = _json(res)
        check(res.rc == 10 and obj['verdict'] == 'timeout',
              '--json: %s', res.describe())


def test_verdict_timeout_idle(ctx):
    # The server reads nothing: the client cannot even finish sending
    # 32 MiB (more than every buffer between them), so only --idle-timeout
    # can end the run (well before the 30 s default).
    with PyServer(noread_handler) as srv:
        res = run_client(ctx, ['--size', '32M', '--idle-timeout', '500ms',
                               '127.0.0.1', srv.port])
        check(res.rc == 10, 'expected exit 10 (timeout): %s',
              res.describe())
        check(0.45 <= res.elapsed < 8, 'client took %.2fs with '
              '--idle-timeout 500ms', res.elapsed)
        check('Connection closed' not in res.out, 'stdout %r', res.out)
        _one_error_line(res)


def test_verdict_refused(ctx):
    with refused_port() as closed:
        res = run_client(ctx, ['127.0.0.1', closed.port])
        check(res.rc == 4, 'expected exit 4 (refused): %s', res.describe())
        line = _one_error_line(res)
        check('127.0.0.1' in line and str(closed.port) in line and
              'refused' in line.lower(), 'error line %r should name '
              '127.0.0.1, port %d and "refused"', line, closed.port)
        check('Connection closed' not in res.out, 'stdout %r', res.out)
        res = run_client(ctx, ['--json', '127.0.0.1', closed.port])
        obj = _json(res)
        check(res.rc == 4 and obj['verdict'] == 'refused',
              '--json: %s', res.describe())
        check(isinstance(obj['error'], str) and obj['error'],
              'JSON error %r', obj['error'])
        check(len(obj['attempts']) == 1 and
              'refused' in str(obj['attempts'][0].get('result')).lower(),
              'JSON attempts %r', obj['attempts'])


def _closed_on_all(addrs):
    """A ClosedPort on each of ADDRS, all at one port number."""
    last = None
    for _ in range(10):
        closed = []
        try:
            closed.append(ClosedPort(addrs[0]))
            for addr in addrs[1:]:
                closed.append(ClosedPort(addr, closed[0].port))
            return closed
        except OSError as exc:
            last = exc
            for c in closed:
                c.close()
    raise AssertionError('no port free on all of %s: %s' % (addrs, last))


def test_refused_error_format(ctx):
    # README "Errors": sockecho client: cannot connect to localhost
    # [::1]:27015: Connection refused -- the name given, the address tried
    # (IPv6 in brackets), the port, the system's message.
    addrs = localhost_addresses()
    closed = _closed_on_all(addrs)
    try:
        port = closed[0].port
        res = run_client(ctx, ['localhost', port])
        check(res.rc == 4, 'expected exit 4 (refused): %s', res.describe())
        line = _one_error_line(res)
        forms = ['%s:%d' % (a, port) if ':' not in a else '[%s]:%d' % (a, port)
                 for a in addrs] + ['[%s]:%d' % (a, port) for a in addrs]
        want = ['sockecho client: cannot connect to localhost %s: '
                'Connection refused' % f for f in forms]
        check(line in want, 'error line %r, expected %r', line, want[0])
    finally:
        for c in closed:
            c.close()


def test_verdict_resolve(ctx):
    host = 'no-such-host.sockecho.invalid'
    res = run_client(ctx, [host, '9'])
    check(res.rc == 3, 'expected exit 3 (resolve): %s', res.describe())
    line = _one_error_line(res)
    check(host in line, 'error line %r does not name the host', line)


def test_verdict_unreachable(ctx):
    # A listener whose accept queue is full drops SYNs: the connect neither
    # succeeds nor is refused, and --connect-timeout (not the 5 s default)
    # ends it.
    with FullBacklog() as port:
        res = run_client(ctx, ['--connect-timeout', '300ms', '127.0.0.1',
                               port.port])
        check(res.rc == 5, 'expected exit 5 (unreachable): %s',
              res.describe())
        check(0.25 <= res.elapsed < 4.5, 'client took %.2fs with '
              '--connect-timeout 300ms', res.elapsed)
        _one_error_line(res)

