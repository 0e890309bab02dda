"""Connecting well (README "Happy Eyeballs"): a name whose first address
silently drops SYNs (an ip6tables DROP rule in the test's own network
namespace) and whose second is a live server. Client and bench race the
addresses and connect after about --attempt-delay, not the connect timeout;
--attempt-delay 0 keeps the one-at-a-time order. IPv6 zone names work."""

import json
import shutil
import subprocess
import time

from harness import Skip, check, hosts_env, run_client, run_sockecho, start_server

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
    if res.returncode != 0:
        raise Skip('cannot add a link-local address: %s' % res.stderr[:200])
    server = start_server(ctx, ['--port', '0', '--bind', 'fe80::1%lo'])
    with server:
        res = run_client(ctx, ['--json', 'fe80::1%lo', server.port])
        check(res.rc == 0, 'client to fe80::1%%lo: %s', res.describe())
        obj = json.loads(res.out)
        check(obj['address'].startswith('fe80::1'), 'connected to %r', obj['address'])
