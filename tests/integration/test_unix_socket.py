"""Unix domain stream sockets (--unix PATH) for server, client and bench:
64 MiB verified with the half-close (the server's trailer after the
client's FIN), Linux abstract names, the load generator's modes, the
listening record, and the errors: no such socket, a file in the way, and
the options --unix excludes. Under Wine, which has no AF_UNIX sockets
(docs/WINDOWS.md), the Windows build says so in one line and the tests
that need a socket are skipped."""

import json
import os
import sys

from harness import Server, Skip, check, run_client, run_sockecho

MIB = 1024 * 1024


NO_AF_UNIX = 'Address family not supported'


def _start(ctx, path, extra=()):
    server = Server(ctx.cmd(['server', '--unix', path] + list(extra)),
                    strip_cr=ctx.is_windows())
    try:
        server.wait_for(lambda out, err: 'listening on unix ' + path in err or
                        '"protocol":"unix"' in out, ctx.t(20), 'the listening line')
    except AssertionError as exc:
        server.kill()
        if ctx.is_windows() and NO_AF_UNIX in str(exc):
            raise Skip('this Windows (Wine) has no AF_UNIX sockets: %s' % exc)
        raise
    except BaseException:
        server.kill()
        raise
    return server


def _json(res):
    try:
        return json.loads(res.out)
    except ValueError:
        raise AssertionError('--json printed %r (stderr %r)' % (res.out[:300], res.err[:300]))


def test_unix_64_mib_half_close_and_cleanup(ctx):
    path = ctx.tmp('echo.sock')
    server = _start(ctx, path, ['--trailer', '1000'])
    with server:
        res = run_client(ctx, ['--json', '-s', '64M', '--expect-trailer', '1000',
                               '--unix', path], timeout=120)
        obj = _json(res)
        check(res.rc == 0 and obj['verdict'] == 'complete', 'client --unix: %s', res.describe())
        check(obj['bytes_received'] == 64 * MIB + 1000 and obj['fin_received'],
              'received %r', obj)
        check(obj['address'] == path, 'JSON address %r', obj['address'])
        rc, _, _ = server.stop()
        check(rc == 0, 'server exit %s', rc)
    check(not os.path.exists(path), 'the socket file %s is left behind', path)


def test_unix_abstract_name(ctx):
    if ctx.is_windows() or not sys.platform.startswith('linux'):
        raise Skip('abstract names are Linux only')
    name = '@sockecho-test-%d' % os.getpid()
    server = _start(ctx, name)
    with server:
        res = run_client(ctx, ['-s', '1M', '--unix', name])
        check(res.rc == 0, 'client --unix %s: %s', name, res.describe())


def test_unix_bench_rr_and_sessions(ctx):
    path = ctx.tmp('bench.sock')
    server = _start(ctx, path)
    with server:
        res = run_sockecho(ctx, ['bench', '--json', '-c', '4', '-n', '400', '--unix', path],
                           timeout=60)
        obj = _json(res)
        check(res.rc == 0 and obj['requests'] == 400, 'bench rr --unix: %s', res.describe())
        res = run_sockecho(ctx, ['bench', '--json', '--mode', 'sessions', '--concurrency', '4',
                                 '-n', '40', '-s', '100k', '--unix', path], timeout=60)
        obj = _json(res)
        check(res.rc == 0 and obj['sessions'] == 40 and obj['verdict'] == 'complete',
              'bench sessions --unix: %s', res.describe())


def test_unix_listening_record(ctx):
    path = ctx.tmp('json.sock')
    server = _start(ctx, path, ['--json'])
    with server:
        out = server.wait_for(lambda out, err: out, ctx.t(10), 'the listening record')
        rec = json.loads(out.split('\n')[0])
        check(rec['type'] == 'listening' and rec['protocol'] == 'unix' and
              rec['address'] == path and rec['port'] is None, 'listening record %r', rec)


def test_unix_errors(ctx):
    path = ctx.tmp('in-the-way')
    with open(path, 'w') as f:
        f.write('x')
    missing = ctx.tmp('missing.sock')
    res = run_client(ctx, ['--unix', missing])
    no_af_unix = ctx.is_windows() and NO_AF_UNIX in res.err
    check(len(res.err_lines()) == 1 and missing in res.err and
          (res.rc == 5 or (no_af_unix and res.rc == 1)),
          'client to a missing socket: %s', res.describe())
    if not no_af_unix:
        # A file in the way: the server does not remove what it did not create.
        res = run_sockecho(ctx, ['server', '--unix', path])
        check(res.rc == 1 and 'remove the file' in res.err and os.path.exists(path),
              'server on an existing file: %s', res.describe())
    for args in (['client', '--unix', path, '127.0.0.1'], ['client', '-4', '--unix', path],
                 ['client', '--proxy', 'socks5://127.0.0.1:1', '--unix', path],
                 ['bench', '--unix', path, '127.0.0.1'], ['bench', '--nodelay', '--unix', path],
                 ['server', '--unix', path, '--bind', '127.0.0.1'],
                 ['server', '--unix', path, '--allow', '127.0.0.1/32']):
        res = run_sockecho(ctx, args)
        check(res.rc == 2 and len(res.err_lines()) == 1 and '--unix' in res.err,
              '%s: %s', ' '.join(args), res.describe())
