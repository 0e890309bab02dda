"""The client through real proxies (README "Through a proxy"): SOCKS5 with
dante-server (64 MiB, half-close, username authentication accepted and
refused, ruleset and destination refusals) and HTTP CONNECT with tinyproxy
(whose half-close is broken: the verdict must say what really came back),
and each proxy verdict with its exit code."""

import json

from components import start_danted, start_tinyproxy, throwaway_user
from harness import check, refused_port, run_client, start_server

LOCAL = ['--port', '0', '--bind', '127.0.0.1']
MIB = 1024 * 1024


def _client(ctx, args, timeout=60):
    res = run_client(ctx, ['--json'] + args, timeout=ctx.t(timeout))
    try:
        obj = json.loads(res.out)
    except ValueError:
        raise AssertionError('--json printed %r (stderr %r)'
                             % (res.out[:300], res.err[:300]))
    check(obj['exit_code'] == res.rc, 'exit %s but JSON says %r', res.rc,
          obj['exit_code'])
    return res, obj


def test_socks5_dante_64_mib_and_half_close(ctx):
    server = start_server(ctx, LOCAL + ['--trailer', '1000'])
    with server, start_danted(ctx) as proxy:
        url = 'socks5://127.0.0.1:%d' % proxy.port
        res, obj = _client(ctx, ['-s', '64M', '--expect-trailer', '1000',
                                 '--proxy', url, '127.0.0.1', server.port],
                           timeout=120)
        check(res.rc == 0 and obj['verdict'] == 'complete',
              'through danted: exit %s, %r', res.rc, obj)
        check(obj['bytes_received'] == 64 * MIB + 1000 and
              obj['fin_received'], 'received %r', obj)
        check(obj['proxy'] == url and obj['port'] == proxy.port,
              'JSON names %r / port %r', obj['proxy'], obj['port'])
        # socks5h://: the proxy resolves the name.
        res, obj = _client(ctx, ['-s', '1M', '--expect-trailer', '1000',
                                 '--proxy',
                                 'socks5h://127.0.0.1:%d' % proxy.port,
                                 'localhost', server.port])
        check(res.rc == 0, 'socks5h through danted: exit %s, %r', res.rc,
              obj)


def test_socks5_username_auth_accepted_and_refused(ctx):
    server = start_server(ctx, LOCAL)
    with server, throwaway_user() as user, \
            start_danted(ctx, username_auth=True) as proxy:
        good = 'socks5://%s:%s@127.0.0.1:%d' % (user.name, user.password,
                                                proxy.port)
        res, obj = _client(ctx, ['-s', '4M', '--proxy', good, '127.0.0.1',
                                 server.port])
        check(res.rc == 0 and obj['bytes_received'] == 4 * MIB,
              'with the right password: exit %s, %r', res.rc, obj)
        check(user.password not in res.out + res.err,
              'the password appears in the output')
        bad = 'socks5://%s:wrong@127.0.0.1:%d' % (user.name, proxy.port)
        res, obj = _client(ctx, ['--proxy', bad, '127.0.0.1', server.port])
        check(res.rc == 13 and obj['verdict'] == 'proxy-auth-failed' and
              'authentication failed' in obj['error'],
              'a wrong password: exit %s, %r', res.rc, obj)
        res, obj = _client(ctx, ['--proxy', 'socks5://127.0.0.1:%d'
                                 % proxy.port, '127.0.0.1', server.port])
        check(res.rc == 13 and 'authentication required' in obj['error'],
              'no credentials: exit %s, %r', res.rc, obj)
        # Plain text for people: one line naming the problem.
        res = run_client(ctx, ['--proxy', bad, '127.0.0.1', server.port],
                         timeout=ctx.t(30))
        lines = res.err_lines()
        check(res.rc == 13 and len(lines) == 1 and
              'authentication failed' in lines[0], 'stderr %r', res.err)


def test_socks5_refusals_and_unreachable_proxy(ctx):
    server = start_server(ctx, LOCAL)
    with server, start_danted(ctx) as proxy:
        url = 'socks5://127.0.0.1:%d' % proxy.port
        # Outside the proxy's rules (it passes 127.0.0.0/8 only).
        res, obj = _client(ctx, ['--connect-timeout', '3s', '--proxy', url,
                                 '192.0.2.1', '7'])
        check(res.rc == 12 and obj['verdict'] == 'proxy-refused',
              'a destination the rules block: exit %s, %r', res.rc, obj)
        # The destination refuses the proxy's connection.
        with refused_port() as closed:
            res, obj = _client(ctx, ['--proxy', url, '127.0.0.1',
                                     closed.port])
        check(res.rc == 12 and 'refused' in obj['error'],
              'a closed destination port: exit %s, %r', res.rc, obj)
        # An HTTP request to a SOCKS5 proxy: not the expected protocol.
        res, obj = _client(ctx, ['--proxy', 'http://127.0.0.1:%d'
                                 % proxy.port, '127.0.0.1', server.port])
        check(res.rc == 12, 'CONNECT to a SOCKS5 proxy: exit %s, %r',
              res.rc, obj)
    with refused_port() as closed:
        res, obj = _client(ctx, ['--proxy', 'socks5://127.0.0.1:%d'
                                 % closed.port, '127.0.0.1', '7'])
    check(res.rc == 11 and obj['verdict'] == 'proxy-unreachable' and
          'the proxy' in obj['error'], 'no proxy listening: exit %s, %r',
          res.rc, obj)


def test_http_connect_tinyproxy_verdict_is_true(ctx):
    server = start_server(ctx, LOCAL)
    with server, start_tinyproxy(ctx, [server.port]) as proxy:
        url = 'http://127.0.0.1:%d' % proxy.port
        size = 2 * MIB
        for _ in range(3):
            res, obj = _client(ctx, ['-s', str(size), '--proxy', url,
                                     '127.0.0.1', server.port])
            # tinyproxy closes both ways at our FIN: either everything came
            # back (complete) or the verdict says it did not (truncated).
            check(obj['verdict'] in ('complete', 'truncated'),
                  'through tinyproxy: %r', obj)
            if obj['verdict'] == 'complete':
                check(obj['bytes_received'] == size, 'complete but %r',
                      obj['bytes_received'])
            else:
                check(res.rc == 6 and obj['bytes_received'] < size,
                      'truncated but %r', obj)
        # A port tinyproxy does not allow: 403.
        res, obj = _client(ctx, ['--proxy', url, '127.0.0.1',
                                 server.port + 1 if server.port < 65535
                                 else 1])
        check(res.rc == 12 and '403' in obj['error'],
              'CONNECT to a port not allowed: exit %s, %r', res.rc, obj)
        # A SOCKS5 greeting to an HTTP proxy, which waits for the rest of
        # a request line: the idle timeout ends the handshake.
        res, obj = _client(ctx, ['--idle-timeout', '1s', '--proxy',
                                 'socks5h://127.0.0.1:%d' % proxy.port,
                                 '127.0.0.1', server.port])
        check(res.rc == 10 and obj['connect_ms'] is None,
              'SOCKS5 to an HTTP proxy: exit %s, %r', res.rc, obj)


def test_proxy_options_refused_before_the_network(ctx):
    for args, word in ((['--proxy', 'socks4://h:1'], 'socks5://'),
                       (['--proxy', 'socks5://h'], 'port'),
                       (['--send-proxy', 'v3'], 'v1 or v2'),
                       (['--proxy-source', '1.2.3.4:5'], '--send-proxy'),
                       (['--send-proxy', 'v2', '--proxy-source', 'x:1'],
                        'numeric'),
                       (['--udp', '--proxy', 'socks5://h:1'], '--udp')):
        res = run_client(ctx, args + ['127.0.0.1', '1'], timeout=ctx.t(10))
        lines = res.err_lines()
        check(res.rc == 2 and len(lines) == 1 and word in lines[0],
              '%r: exit %s, %r', args, res.rc, res.err)
