"""Connecting well (README "Connecting: Happy Eyeballs"): a name whose first address
silently drops SYNs (an ip6tables DROP rule in the test's own network
namespace) and whose second is a live server. Client and bench race the
addresses and connect after about --attempt-delay, not the connect timeout;
--attempt-delay 0 keeps the one-at-a-time order. IPv6 zone names work.
The client's --source binds each attempt to the address the server sees."""

import json
import shutil
import subprocess
import time

from harness import (PyServer, Skip, check, echo_handler, free_port, hosts_env, run_client,
                     run_sockecho, start_server)

NAME = 'racehost.test'


def _drop_ipv6_syns(port):
    """SYNs to [::1]:PORT vanish (this namespace's own firewall)."""
    if not shutil.which('ip6tables'):
        raise Skip('ip6tables is not installed (scripts/deps.sh installs it)')
    rule = ['INPUT', '-p', 'tcp', '-d', '::1', '--dport', str(port), '-j', 'DROP']
    res = subprocess.run(['ip6tables', '-A'] + rule, capture_output=True, timeout=10)
    if res.returncode != 0:
        raise Skip('ip6tables cannot add a rule here: %s' % res.stderr[:200])


def _race_setup(ctx):
    server = start_server(ctx, ['--port', '0', '--bind', '127.0.0.1'])
    _drop_ipv6_syns(server.port)
    # IPv6 first, as the race orders them anyway.
    env = hosts_env(ctx, NAME, ['::1', '127.0.0.1'])
    time.sleep(0.3)  # a quiet period before the timed action
    return server, env


def test_client_race_wins_after_the_attempt_delay(ctx):
    server, env = _race_setup(ctx)
    with server:
        res = run_client(ctx, ['--json', '-v', '--connect-timeout', '20s', NAME,
                               server.port], env=env, timeout=60)
        check(res.rc == 0, 'client through the race: %s', res.describe())
        obj = json.loads(res.out)
        # About 250 ms; far below the 20 s a connect timeout would take.
        check(res.elapsed < ctx.t(8), 'the race took %.2fs', res.elapsed)
        check(obj['address'] == '127.0.0.1', 'connected to %r', obj['address'])
        results = [(a['address'], a['result']) for a in obj['attempts']]
        check(results == [('::1', 'ECANCELED'), ('127.0.0.1', 'connected')],
              'attempts %r', results)
        check(obj['attempt_delay_ms'] == 250, 'attempt_delay_ms %r', obj['attempt_delay_ms'])
        started = [a['start_ms'] for a in obj['attempts']]
        check(started[0] < 50 and started[1] >= 200, 'attempts started at %r ms', started)
        log = res.err
        check('attempt to [::1]:%d' % server.port in log and
              'attempt to 127.0.0.1:%d' % server.port in log and
              'won the race' in log, '-v does not show the race: %r', log[:800])


def test_client_attempt_delay_0_is_sequential(ctx):
    server, env = _race_setup(ctx)
    with server:
        res = run_client(ctx, ['--json', '--attempt-delay', '0', '--connect-timeout',
                               '1500ms', NAME, server.port], env=env, timeout=60)
        check(res.rc == 0, 'client --attempt-delay 0: %s', res.describe())
        obj = json.loads(res.out)
        results = [(a['address'], a['result']) for a in obj['attempts']]
        check(results == [('::1', 'ETIMEDOUT'), ('127.0.0.1', 'connected')],
              'attempts %r', results)
        check(res.elapsed >= 1.4, 'connected after %.2fs, before the first attempt timed out',
              res.elapsed)


def test_bench_races_too(ctx):
    server, env = _race_setup(ctx)
    with server:
        res = run_sockecho(ctx, ['bench', '--json', '-c', '2', '-n', '20',
                                 '--connect-timeout', '20s', NAME, server.port],
                           env=env, timeout=60)
        check(res.rc == 0, 'bench through the race: %s', res.describe())
        check(res.elapsed < ctx.t(8), 'bench took %.2fs', res.elapsed)


def test_ipv6_zone_name(ctx):
    # A link-local address on lo (this namespace's own), reached by its zone.
    res = subprocess.run(['ip', '-6', 'addr', 'add', 'fe80::1/64', 'dev', 'lo', 'nodad'],
                         capture_output=True, timeout=10)
    if res.returncode != 0 and b'already assigned' not in res.stderr:
        raise Skip('cannot add a link-local address: %s' % res.stderr[:200])
    server = start_server(ctx, ['--port', '0', '--bind', 'fe80::1%lo'])
    with server:
        res = run_client(ctx, ['--json', 'fe80::1%lo', server.port])
        check(res.rc == 0, 'client to fe80::1%%lo: %s', res.describe())
        obj = json.loads(res.out)
        check(obj['address'].startswith('fe80::1'), 'connected to %r', obj['address'])


def test_client_source_address(ctx):
    def handler(session, stop):
        session.info['peer'] = session.conn.getpeername()[:2]
        echo_handler(session, stop)

    with PyServer(handler) as srv:
        res = run_client(ctx, ['--json', '--source', '127.0.0.9', '127.0.0.1', srv.port])
        check(res.rc == 0, 'client --source 127.0.0.9: %s', res.describe())
        check(srv.sessions[-1].info['peer'][0] == '127.0.0.9', 'the server saw %r',
              srv.sessions[-1].info)
        check(json.loads(res.out)['source'] == '127.0.0.9:0', 'JSON source %r',
              json.loads(res.out).get('source'))
        port = free_port()
        res = run_client(ctx, ['--source', '127.0.0.10:%d' % port, '127.0.0.1', srv.port])
        check(res.rc == 0, 'client --source with a port: %s', res.describe())
        check(tuple(srv.sessions[-1].info['peer']) == ('127.0.0.10', port),
              'the server saw %r', srv.sessions[-1].info)
        # The source's family decides which addresses are tried.
        res = run_client(ctx, ['--source', '::1', '127.0.0.1', srv.port])
        check(res.rc == 3, 'an IPv6 source for an IPv4 host: %s', res.describe())
        res = run_client(ctx, ['--source', '127.0.0.1', '-6', '::1', srv.port])
        check(res.rc == 2 and 'excludes -6' in res.err, '--source 127.0.0.1 -6: %s',
              res.describe())
        res = run_client(ctx, ['--source', 'nowhere', '127.0.0.1', srv.port])
        check(res.rc == 2 and len(res.err_lines()) == 1, '--source nowhere: %s',
              res.describe())
