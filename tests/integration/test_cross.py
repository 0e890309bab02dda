"""Cross-platform sessions (registered only when --peer-exe is set, i.e. for
the Windows build): the Windows client (run under Wine) against the native
Linux server, and the native Linux client against the Windows server."""

import json

from harness import (Skip, assert_seed_server_lines, check, run_client,
                     seed_report, start_server)

SIZE = 4 << 20


def _need_peer(ctx):
    if not ctx.peer:
        raise Skip('no --peer-exe given (the other platform\'s sockecho)')


def _seed(ctx, server_is_peer):
    _need_peer(ctx)
    server = start_server(ctx, ['--once', '-v', '--port', '0', '--bind',
                                '127.0.0.1'], peer=server_is_peer)
    with server:
        res = run_client(ctx, ['127.0.0.1', server.port],
                         peer=not server_is_peer)
        check(res.rc == 0, 'client: %s', res.describe())
        check(res.out == seed_report(14, 14), 'client stdout %r', res.out)
        check(res.err == '', 'client stderr %r', res.err)
        rc, out, err = server.wait(ctx.t(10))
        check(rc == 0, 'server --once exited with %s: %r', rc, err[-300:])
        try:
            assert_seed_server_lines(out)
        except AssertionError:
            assert_seed_server_lines(err)


def _size(ctx, server_is_peer):
    _need_peer(ctx)
    server = start_server(ctx, ['--port', '0', '--bind', '127.0.0.1'],
                          peer=server_is_peer)
    with server:
        res = run_client(ctx, ['--size', '4M', '--json', '127.0.0.1',
                               server.port], peer=not server_is_peer,
                         timeout=30)
        check(res.rc == 0, 'client --size 4M: %s', res.describe())
        obj = json.loads(res.out)
        check(obj['verdict'] == 'complete' and obj['bytes_sent'] == SIZE and
              obj['bytes_received'] == SIZE, 'client reported %r', obj)
        rc, out, err = server.stop(timeout=ctx.t(10))
        check(rc == 0, 'server exited with %s after SIGINT: %r', rc,
              (err + out)[-300:])


def test_windows_client_linux_server_seed(ctx):
    _seed(ctx, server_is_peer=True)


def test_windows_client_linux_server_4m(ctx):
    _size(ctx, server_is_peer=True)


def test_linux_client_windows_server_seed(ctx):
    _seed(ctx, server_is_peer=False)


def test_linux_client_windows_server_4m(ctx):
    _size(ctx, server_is_peer=False)
