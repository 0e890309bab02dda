"""Socket options (README "Client", "Server"): each set on the client's,
the server's and the bench's sockets and read back with getsockopt, as -v
and the JSON show them; bad values refused before the network. Linux
values (Windows and Wine lack several: see the platform unit tests)."""
# ctest-builds: native asan

import json

from harness import check, ndjson, run_client, run_sockecho, start_server

LOCAL = ['--port', '0', '--bind', '127.0.0.1']
ALL = ['--nodelay', '--keepalive', '30,5s,4', '--mss', '1000', '--dscp',
       'af41', '--sndbuf', '64K', '--rcvbuf', '32K', '--bind-device', 'lo']


def _check_state(sock, what):
    check(sock['nodelay'] is True, '%s nodelay %r', what, sock)
    check(sock['keepalive'] == {'idle_s': 30, 'interval_s': 5, 'count': 4},
          '%s keepalive %r', what, sock['keepalive'])
    check(0 < sock['mss'] <= 1000, '%s mss %r', what, sock['mss'])
    check(sock['tos'] == 34 << 2, '%s tos %r', what, sock['tos'])
    check(65536 <= sock['sndbuf'] <= 2 * 65536, '%s sndbuf %r', what,
          sock['sndbuf'])
    check(32768 <= sock['rcvbuf'] <= 2 * 32768, '%s rcvbuf %r', what,
          sock['rcvbuf'])
    check(sock['device'] == 'lo', '%s device %r', what, sock['device'])


def test_client_options_read_back(ctx):
    server = start_server(ctx, LOCAL)
    with server:
        res = run_client(ctx, ['--json'] + ALL + ['-s', '1M', '127.0.0.1',
                                                  server.port])
        obj = json.loads(res.out)
        check(res.rc == 0, 'exit %s: %r', res.rc, res.out)
        _check_state(obj['socket'], 'client')
        res = run_client(ctx, ['-v', '--no-nodelay', '--tos', '4',
                               '127.0.0.1', server.port])
        line = [l for l in res.err_lines() if 'socket options' in l]
        check(res.rc == 0 and len(line) == 1 and 'nodelay off' in line[0]
              and 'tos 0x04' in line[0], '-v: %r', res.err)
        # Without options, no "socket" member: nothing was changed.
        res = run_client(ctx, ['--json', '127.0.0.1', server.port])
        check('socket' not in json.loads(res.out), 'socket without options')
        # An interface that does not exist fails the session clearly.
        res = run_client(ctx, ['--bind-device', 'nosuch0', '127.0.0.1',
                               server.port])
        check(res.rc == 1 and 'cannot set --bind-device: no such network '
              'interface' in res.err,
              'unknown interface: exit %s, %r', res.rc, res.err)


def test_server_options_read_back(ctx):
    server = start_server(ctx, LOCAL + ALL + ['--json', '-v'])
    with server:
        res = run_client(ctx, ['-s', '1M', '127.0.0.1', server.port])
        check(res.rc == 0, 'client exit %s', res.rc)
        rc, out, err = server.stop(timeout=ctx.t(10))
    listening = [o for o in ndjson(out) if o.get('type') == 'listening']
    check(len(listening) == 1, 'listening events %r', listening)
    _check_state(listening[0]['socket'], 'server listener')
    check('socket options on 127.0.0.1' in err, '-v line missing: %r',
          err[-300:])
    # An option the listener refuses: one line, exit 1.
    res = run_sockecho(ctx, ['server'] + LOCAL + ['--bind-device', 'nosuch0'],
                       timeout=ctx.t(10))
    lines = res.err_lines()
    check(res.rc == 1 and len(lines) == 1 and
          'no such network interface' in lines[0], 'exit %s, %r', res.rc,
          res.err)


def test_bench_options_applied(ctx):
    server = start_server(ctx, LOCAL)
    with server:
        res = run_sockecho(ctx, ['bench', '--mode', 'rr', '-c', '2', '-n',
                                 '200', '--nodelay', '--dscp', 'ef',
                                 '--keepalive', '10', '127.0.0.1',
                                 server.port], timeout=ctx.t(60))
        check(res.rc == 0, 'bench with socket options: exit %s, %r', res.rc,
              (res.err + res.out)[-300:])
        res = run_sockecho(ctx, ['bench', '--mss', '50', '127.0.0.1',
                                 server.port], timeout=ctx.t(30))
        check(res.rc == 2 and '--mss' in res.err, '--mss 50: %r', res.err)


def test_bad_socket_option_values(ctx):
    for args, word in ((['--keepalive', '0'], 'at least 1s'),
                       (['--keepalive', '1,2,3,4'], 'three'),
                       (['--keepalive', '1.5s'], 'whole seconds'),
                       (['--dscp', 'af14'], 'DSCP'),
                       (['--tos', '256'], 'too large'),
                       (['--sndbuf', '10'], 'too small'),
                       (['--bind-device', 'x' * 16], 'interface')):
        for command in (['client'], ['server'], ['bench']):
            extra = ['127.0.0.1', '1'] if command != ['server'] else []
            res = run_sockecho(ctx, command + args + extra, timeout=ctx.t(10))
            lines = res.err_lines()
            check(res.rc == 2 and len(lines) == 1 and word in lines[0],
                  '%s %r: exit %s, %r', command[0], args, res.rc, res.err)
