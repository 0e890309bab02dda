"""`sockecho bench` (docs/bench.md): a short run of each mode against our own
server with every JSON count checked, the verdicts a misbehaving server
earns (mismatch, truncated), a closed port, NDJSON intervals, and bad command
lines. Runs are about a second with a few connections (fewer under Wine)."""

import json

from harness import (ClosedPort, PyServer, check, flip_handler,
                     run_sockecho, start_server, truncate_handler)

FAULTS = ('mismatch', 'excess', 'truncated', 'reset', 'timeout', 'refused',
          'connect_failed', 'tls', 'other')
PHASES = ('rtt', 'connect', 'first_byte', 'close', 'session')


def _server(ctx):
    return start_server(ctx, ['--port', '0', '--bind', '127.0.0.1'])


def _bench(ctx, port, args, timeout=30):
    return run_sockecho(ctx, ['bench', '--json'] + [str(a) for a in args] +
                        ['127.0.0.1', port], timeout=timeout)


def _objects(res):
    objs = []
    for line in res.out.split('\n'):
        if not line:
            continue
        try:
            objs.append(json.loads(line))
        except ValueError as exc:
            raise AssertionError('bench printed a line that is not JSON (%s): '
                                 '%r' % (exc, line[:200]))
    check(objs and objs[-1].get('type') == 'bench',
          'the last JSON object is not of type "bench": %s', res.describe())
    return objs


def _final(res):
    obj = _objects(res)[-1]
    check(obj['exit_code'] == res.rc, 'JSON exit_code %r, process exit %s',
          obj['exit_code'], res.rc)
    check(set(obj['errors']) == set(FAULTS), 'errors keys %r',
          sorted(obj['errors']))
    check(set(obj['latency_ms']) == set(PHASES), 'latency_ms keys %r',
          sorted(obj['latency_ms']))
    return obj


def _clean(res, obj):
    """A run that must have verified everything."""
    check(res.rc == 0, 'bench exited %s: %s', res.rc, res.describe())
    check(obj['verdict'] == 'complete', 'verdict %r', obj['verdict'])
    check(not any(obj['errors'].values()), 'errors %r (first: %r)',
          obj['errors'], obj['first_error'])
    check(obj['first_error'] is None, 'first_error %r', obj['first_error'])
    # Without a warm-up, echoes that come back after the window are the only
    # difference between the two counts.
    check(obj['bytes_received'] <= obj['bytes_sent'],
          'received %d bytes of %d sent', obj['bytes_received'],
          obj['bytes_sent'])
    conns = obj['connections']
    check(conns['failed'] == 0 and conns['complete'] == conns['opened'],
          'connections %r', conns)
    check(obj['elapsed_s'] > 0, 'elapsed_s %r', obj['elapsed_s'])


def _conns(ctx, native, wine):
    return wine if ctx.windows else native


def test_rr(ctx):
    with _server(ctx) as server:
        conns = _conns(ctx, 8, 4)
        res = _bench(ctx, server.port, ['--mode', 'rr', '-c', conns, '-s',
                                        512, '-d', '1s'])
        obj = _final(res)
        _clean(res, obj)
        check(obj['connections']['opened'] == conns, 'opened %r',
              obj['connections'])
        rtt = obj['latency_ms']['rtt']
        check(obj['requests'] > 50 and rtt['count'] == obj['requests'],
              'requests %r, rtt count %r', obj['requests'], rtt['count'])
        check(0 < rtt['min'] <= rtt['p50'] <= rtt['p99'] <= rtt['max'],
              'rtt percentiles out of order: %r', rtt)
        check(obj['bytes_sent'] >= obj['requests'] * 512, 'bytes_sent %r',
              obj['bytes_sent'])
        check(obj['sessions'] is None and obj['latency_ms']['session'] is None,
              'sessions fields set in rr mode: %r', obj['sessions'])


def test_rate(ctx):
    with _server(ctx) as server:
        res = _bench(ctx, server.port, ['--mode', 'rate', '-r', 400, '-c', 4,
                                        '-d', '1s', '-t', 2])
        obj = _final(res)
        _clean(res, obj)
        # 400/s for one second: the schedule, give or take the messages in
        # flight when it ends.
        check(300 <= obj['requests'] <= 410, 'requests %r at 400/s for 1 s',
              obj['requests'])
        check(obj['latency_ms']['rtt']['count'] == obj['requests'],
              'rtt count %r', obj['latency_ms']['rtt'])
        check(obj['threads'] == 2 and obj['rate'] == 400, 'settings %r',
              (obj['threads'], obj['rate']))


def test_sessions(ctx):
    with _server(ctx) as server:
        count = _conns(ctx, 60, 20)
        res = _bench(ctx, server.port, ['--mode', 'sessions', '--concurrency',
                                        4, '-s', 14, '-n', count, '-d', '10s'])
        obj = _final(res)
        _clean(res, obj)
        check(obj['sessions'] == count, 'sessions %r, --count %d',
              obj['sessions'], count)
        check(obj['elapsed_s'] < 10, '--count did not end the run: %r',
              obj['elapsed_s'])
        lat = obj['latency_ms']
        for phase in ('connect', 'first_byte', 'close', 'session'):
            check(lat[phase] and lat[phase]['count'] >= count,
                  '%s latency %r', phase, lat[phase])
        check(lat['rtt'] is None, 'rtt in sessions mode: %r', lat['rtt'])
        check(obj['bytes_received'] >= count * 14, 'bytes_received %r',
              obj['bytes_received'])


def test_sessions_count_below_concurrency(ctx):
    """--count 5 with 32 sessions in flight: no more sessions are opened
    than are counted (no sessions beyond the count run unmeasured)."""
    with _server(ctx) as server:
        res = _bench(ctx, server.port, ['--mode', 'sessions', '--concurrency', 32,
                                        '-s', 14, '-n', 5, '-d', '10s'])
        obj = _final(res)
        _clean(res, obj)
        conns = obj['connections']
        check(obj['sessions'] == 5 and conns['opened'] == 5 and conns['complete'] == 5,
              'sessions %r, connections %r', obj['sessions'], conns)


def test_bulk(ctx):
    with _server(ctx) as server:
        size = _conns(ctx, 32 << 20, 8 << 20)
        res = _bench(ctx, server.port, ['--mode', 'bulk', '-c', 2, '--bytes',
                                        size, '-d', '20s'])
        obj = _final(res)
        _clean(res, obj)
        check(obj['bytes_sent'] == 2 * size and
              obj['bytes_received'] == 2 * size,
              'bulk moved %r / %r bytes, expected %d each way',
              obj['bytes_sent'], obj['bytes_received'], 2 * size)
        check(obj['received_bytes_per_s'] > 0, 'throughput %r',
              obj['received_bytes_per_s'])


def test_idle(ctx):
    with _server(ctx) as server:
        conns = _conns(ctx, 50, 10)
        res = _bench(ctx, server.port, ['--mode', 'idle', '-c', conns, '-d',
                                        '500ms'])
        obj = _final(res)
        _clean(res, obj)
        check(obj['connections']['open_peak'] == conns and
              obj['connections']['complete'] == conns,
              'connections %r', obj['connections'])
        check(obj['bytes_sent'] == 0 and obj['bytes_received'] == 0,
              'idle moved bytes: %r', (obj['bytes_sent'],
                                       obj['bytes_received']))


def test_interval_ndjson(ctx):
    with _server(ctx) as server:
        res = _bench(ctx, server.port, ['-c', 2, '-d', '1s', '--interval',
                                        '250ms'])
        objs = _objects(res)
        _clean(res, _final(res))
        intervals = objs[:-1]
        check(len(intervals) >= 3 and
              all(o['type'] == 'bench_interval' for o in intervals),
              'expected bench_interval objects before the final one: %r',
              [o.get('type') for o in objs])
        total = sum(o['requests'] for o in intervals)
        check(total == objs[-1]['requests'],
              'interval requests add up to %d, the final object says %d',
              total, objs[-1]['requests'])


def test_detects_corruption(ctx):
    with PyServer(flip_handler(1000)) as server:
        res = _bench(ctx, server.port, ['-c', 1, '-s', 100, '-d', '2s'])
        obj = _final(res)
        check(res.rc == 8, 'a flipped byte gave exit %s, expected 8: %s',
              res.rc, res.describe())
        check(obj['errors']['mismatch'] > 0 and obj['verdict'] == 'mismatch',
              'errors %r, verdict %r', obj['errors'], obj['verdict'])
        check('byte 1000' in (obj['first_error'] or ''),
              'first_error %r does not name byte 1000', obj['first_error'])


def test_detects_truncation(ctx):
    with PyServer(truncate_handler(10)) as server:
        res = _bench(ctx, server.port, ['--mode', 'sessions', '--concurrency',
                                        1, '-s', 100, '-n', 3, '-d', '5s'])
        obj = _final(res)
        check(res.rc == 6, 'a truncated echo gave exit %s, expected 6: %s',
              res.rc, res.describe())
        check(obj['errors']['truncated'] >= 3, 'errors %r', obj['errors'])


def test_refused(ctx):
    with ClosedPort() as closed:
        res = _bench(ctx, closed.port, ['-c', 2, '-d', '10s'])
        obj = _final(res)
        check(res.rc == 4 and obj['errors']['refused'] == 2,
              'a closed port gave exit %s, errors %r', res.rc, obj['errors'])
        check(res.elapsed < ctx.t(5), 'bench kept trying a closed port for '
              '%.1f s', res.elapsed)


def test_bad_input(ctx):
    cases = [
        (['--mode', 'pingpong'], '--mode'),
        (['--mode', 'rate'], '--rate'),
        (['--rate', '10'], '--rate'),
        (['--mode', 'idle', '-s', '10'], '--size'),
        (['--bytes', '1M'], '--bytes'),
        (['-c', '0'], '-c'),
        (['-d', '2h'], '-d'),
        (['-t', '4', '-c', '2'], '--threads'),
        (['--source-range', '127.0.0.1'], '--source-range'),
        (['-4', '-6'], '-6'),
        (['--interval', 'soon'], '--interval'),
    ]
    failures = []
    with ClosedPort() as closed:
        for args, word in cases:
            res = run_sockecho(ctx, ['bench'] + args + ['127.0.0.1',
                                                        closed.port],
                               timeout=10)
            lines = res.err_lines()
            if res.rc != 2 or res.out or len(lines) != 1 or \
                    not lines[0].startswith('sockecho bench: ') or \
                    word not in lines[0]:
                failures.append('%s: %s' % (' '.join(args), res.describe()))
        res = run_sockecho(ctx, ['bench'], timeout=10)
        if res.rc != 2 or 'HOST' not in res.err:
            failures.append('no HOST: %s' % res.describe())
    check(not failures, '%d bad command lines mishandled: %s', len(failures),
          ' | '.join(failures))
