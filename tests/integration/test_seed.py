"""The seed session (README "The seed session"), --version and --help."""

import os
import re

from harness import (SEED_MESSAGE, PyServer, assert_seed_server_lines,
                     check, echo_handler, run_client, run_sockecho,
                     seed_report, start_server)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def _seed_session(ctx, bind):
    server = start_server(ctx, ['--once', '-v', '--port', '0',
                                '--bind', bind])
    with server:
        check(server.addr == bind, 'listening line names %r, expected %r',
              server.addr, bind)
        check(server.port != 0, 'listening line gives port 0, not the port '
              'picked by the system')
        res = run_client(ctx, [bind, server.port])
        check(res.rc == 0, 'client: %s', res.describe())
        check(res.out == seed_report(14, 14),
              'client stdout %r is not the seed report', res.out)
        check(res.err == '', 'client printed on stderr: %r', res.err)
        # --once: the server exits by itself once its client is done.
        rc, out, err = server.wait(ctx.t(10))
        check(rc == 0, 'server --once exited with %s: %r', rc, err[-300:])
        # The per-connection lines may go to stdout (as in the sample) or
        # stderr; each stream keeps its own order.
        try:
            assert_seed_server_lines(out)
        except AssertionError:
            assert_seed_server_lines(err)


def test_seed_session_ipv4(ctx):
    _seed_session(ctx, '127.0.0.1')


def test_seed_session_ipv6(ctx):
    _seed_session(ctx, '::1')


def test_seed_payload_on_the_wire(ctx):
    # Without a payload option the client sends the sample's 14 bytes, and
    # the report counts what really went over the wire.
    with PyServer(echo_handler) as srv:
        res = run_client(ctx, ['127.0.0.1', srv.port])
        check(res.rc == 0, 'client: %s', res.describe())
        check(res.out == seed_report(14, 14), 'client stdout %r', res.out)
        session = srv.session(0)
        check(session.data == SEED_MESSAGE, 'server received %r, expected %r',
              session.data, SEED_MESSAGE)
        check(session.eof, 'the client did not half-close')


def _project_version():
    with open(os.path.join(ROOT, 'CMakeLists.txt')) as f:
        match = re.search(r'project\(\s*sockecho\s+VERSION\s+([0-9.]+)',
                          f.read())
    return match.group(1) if match else None


def test_version(ctx):
    res = run_sockecho(ctx, ['--version'], timeout=10)
    check(res.rc == 0, '--version: %s', res.describe())
    lines = [line for line in res.out.split('\n') if line]
    check(len(lines) >= 1, '--version printed nothing on stdout')
    check('sockecho' in lines[0], '--version line %r lacks "sockecho"',
          lines[0])
    version = _project_version()
    if version:
        check(version in lines[0], '--version line %r lacks the project '
              'version %s', lines[0], version)
    check(res.err == '', '--version printed on stderr: %r', res.err)


def _help(ctx, sub, options):
    res = run_sockecho(ctx, [sub, '--help'], timeout=10)
    check(res.rc == 0, '%s --help: %s', sub, res.describe())
    check(res.err == '', '%s --help printed on stderr: %r', sub, res.err)
    for option in options:
        check(option in res.out, '%s --help does not mention %s', sub, option)


def test_help_client(ctx):
    _help(ctx, 'client', ['HOST', '--message', '--file', '--size', '--seed',
                          '--output', '--connect-timeout', '--idle-timeout',
                          '--drain-timeout', '--backend', '--json'])


def test_help_server(ctx):
    _help(ctx, 'server', ['--port', '--bind', '--backend', '--max-buffer',
                          '--drain-timeout', '--once'])
