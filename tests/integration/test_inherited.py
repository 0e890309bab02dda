"""Sockets handed over by inetd or systemd are checked before they are
used: a connected socket (inetd "nowait", systemd Accept=yes), a closed or
non-socket standard input, or a malformed LISTEN_FDS is exit 1 with one line
saying what was passed and what is needed, never a spinning server."""
# ctest-builds: native asan

import os
import socket

from harness import check, run

NEEDS_LISTENING = 'not a listening socket'


def _server(ctx, args, **kwargs):
    return run(ctx, ctx.cmd(['server'] + args), timeout=ctx.t(10), **kwargs)


def test_inetd_connected_socket_is_refused(ctx):
    a, b = socket.socketpair()
    try:
        r = run(ctx, ctx.cmd(['server', '--inetd']), timeout=ctx.t(10), stdin=a.fileno())
    finally:
        a.close()
        b.close()
    check(r.rc == 1, 'exit %s: %s', r.rc, r.describe())
    lines = r.err_lines()
    check(len(lines) == 1 and NEEDS_LISTENING in lines[0] and 'connected' in lines[0],
          'one line naming the connected socket: %r', lines)


def test_inetd_stdin_not_a_socket_or_closed(ctx):
    r = run(ctx, ctx.cmd(['server', '--inetd']), timeout=ctx.t(10))
    check(r.rc == 1 and 'standard input is not a socket' in r.err, 'not a socket: %s',
          r.describe())
    argv = ['sh', '-c', 'exec 0<&- "$@"', 'sh'] + ctx.cmd(['server', '--inetd'])
    r = run(ctx, argv, timeout=ctx.t(10))
    check(r.rc == 1 and 'standard input is closed' in r.err, 'closed: %s', r.describe())


def test_listen_fds_must_be_a_number(ctx):
    for value in ('1abc', ' 1', '+1', '0', ''):
        argv = ['sh', '-c', 'LISTEN_PID=$$ exec "$@"', 'sh'] + ctx.cmd(['server', '--systemd'])
        env = dict(os.environ, LISTEN_FDS=value)
        r = run(ctx, argv, timeout=ctx.t(10), env=env)
        check(r.rc == 1 and 'LISTEN_FDS' in r.err and len(r.err_lines()) == 1,
              'LISTEN_FDS=%r: %s', value, r.describe())
