"""The load generator through real proxies (bench --proxy): SOCKS5 with
dante-server (no authentication, username authentication accepted and
refused, socks5h) and HTTP CONNECT with tinyproxy (a refused port named in
the first error). Every echoed byte is still verified."""

import json

from components import start_danted, start_tinyproxy, throwaway_user
from harness import check, run_sockecho, start_server

LOCAL = ['--port', '0', '--bind', '127.0.0.1']


def _bench(ctx, args, timeout=90):
    res = run_sockecho(ctx, ['bench', '--json'] + args, timeout=ctx.t(timeout))
    try:
        obj = json.loads(res.out.strip().split('\n')[-1])
    except (ValueError, IndexError):
        raise AssertionError('--json printed %r (stderr %r)' % (res.out[:300], res.err[:300]))
    check(obj['exit_code'] == res.rc, 'exit %s but JSON says %r', res.rc, obj['exit_code'])
    return res, obj


def test_bench_socks5_dante_rr_and_sessions(ctx):
    server = start_server(ctx, LOCAL)
    with server, start_danted(ctx) as proxy:
        url = 'socks5://127.0.0.1:%d' % proxy.port
        res, obj = _bench(ctx, ['-c', '4', '-n', '400', '--proxy', url, '127.0.0.1',
                                server.port])
        check(res.rc == 0 and obj['requests'] == 400 and obj['connections']['opened'] == 4,
              'rr through danted: exit %s, %r', res.rc, obj)
        check(obj['proxy'] == url, 'JSON names the proxy %r', obj.get('proxy'))
        # Sessions half-close through the proxy; danted passes it on.
        res, obj = _bench(ctx, ['--mode', 'sessions', '--concurrency', '4', '-n', '40',
                                '-s', '100k', '--proxy', 'socks5h://127.0.0.1:%d' % proxy.port,
                                'localhost', server.port])
        check(res.rc == 0 and obj['sessions'] == 40 and obj['verdict'] == 'complete',
              'sessions through danted (socks5h): exit %s, %r', res.rc, obj)


def test_bench_socks5_username_auth(ctx):
    server = start_server(ctx, LOCAL)
    with server, throwaway_user() as user, \
            start_danted(ctx, username_auth=True) as proxy:
        good = 'socks5://%s:%s@127.0.0.1:%d' % (user.name, user.password, proxy.port)
        res, obj = _bench(ctx, ['-c', '2', '-n', '100', '--proxy', good, '127.0.0.1',
                                server.port])
        check(res.rc == 0 and obj['requests'] == 100, 'with the right password: exit %s, %r',
              res.rc, obj)
        check(user.password not in res.out + res.err, 'the password appears in the output')
        bad = 'socks5://%s:wrong@127.0.0.1:%d' % (user.name, proxy.port)
        res, obj = _bench(ctx, ['-c', '2', '-n', '100', '--proxy', bad, '127.0.0.1',
                                server.port])
        check(res.rc != 0 and obj['errors']['connect_failed'] >= 1 and
              'authentication failed' in (obj['first_error'] or ''),
              'a wrong password: exit %s, %r', res.rc, obj)


def test_bench_http_connect_tinyproxy(ctx):
    server = start_server(ctx, LOCAL)
    with server, start_tinyproxy(ctx, [server.port]) as proxy:
        url = 'http://127.0.0.1:%d' % proxy.port
        res, obj = _bench(ctx, ['-c', '2', '-n', '200', '--proxy', url, '127.0.0.1',
                                server.port])
        # tinyproxy closes both ways at a connection's FIN: a message still
        # in flight then is lost, and the verdict must say so (truncated).
        errors = dict(obj['errors'])
        truncated = errors.pop('truncated')
        check(obj['requests'] == 200 and not any(errors.values()) and
              (res.rc == 0 or (res.rc == 6 and truncated >= 1)),
              'rr through tinyproxy: exit %s, %r', res.rc, obj)
        # A port tinyproxy does not allow: its refusal is the first error.
        res, obj = _bench(ctx, ['-c', '1', '-n', '10', '--proxy', url, '127.0.0.1', '9'])
        check(res.rc != 0 and obj['errors']['connect_failed'] >= 1 and
              '403' in (obj['first_error'] or ''), 'a refused port: exit %s, %r', res.rc, obj)
