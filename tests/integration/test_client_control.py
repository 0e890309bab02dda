"""Controlling a running client: Ctrl-C ends it with the report so far
(verdict interrupted, exit 130), --time ends an endless payload after T and
verifies it as usual, --interval prints progress records while it runs."""

import time

import harness
from harness import check, run_client, start_server
from test_json_schema import validate

BIG = '1T'  # far more than a test moves: only Ctrl-C or --time ends it


def _start_client(ctx, args):
    return harness.Server(ctx.cmd(['client'] + args), strip_cr=ctx.is_windows())


def _wait_moving(client, ctx, json):
    """Until the client's first --interval record shows echoed bytes."""
    if json:
        client.wait_for(lambda out, err: '"client_interval"' in out and
                        '"bytes_received":0,' not in out.split('\n')[-1],
                        ctx.t(20), 'a client_interval record')
    else:
        client.wait_for(lambda out, err: 'echoed' in err, ctx.t(20),
                        'an --interval line')


def test_ctrl_c_prints_the_report_so_far(ctx):
    with start_server(ctx, ['--bind', '127.0.0.1', '--port', '0']) as server:
        client = _start_client(ctx, ['--size', BIG, '--interval', '100ms',
                                     '127.0.0.1', server.port])
        with client:
            _wait_moving(client, ctx, json=False)
            rc, out, err = client.stop()
    check(rc == 130, 'Ctrl-C: exit %s, expected 130; stderr %r', rc, err[-300:])
    lines = out.split('\n')
    check(lines[0].startswith('Bytes Sent: ') and lines[1].startswith('Bytes received: '),
          'no report so far on stdout: %r', out)
    check('interrupted' in err.strip().split('\n')[-1],
          'last stderr line does not say interrupted: %r', err[-300:])


def test_ctrl_c_with_json(ctx):
    with start_server(ctx, ['--bind', '127.0.0.1', '--port', '0']) as server:
        client = _start_client(ctx, ['--json', '--size', BIG, '--interval', '100ms',
                                     '127.0.0.1', server.port])
        with client:
            _wait_moving(client, ctx, json=True)
            rc, out, err = client.stop()
    check(rc == 130, 'Ctrl-C: exit %s, expected 130; stderr %r', rc, err[-300:])
    records = harness.ndjson(out)
    validate(records, 'client --json interrupted')
    last = records[-1]
    check(last['type'] == 'client' and last['verdict'] == 'interrupted' and
          last['exit_code'] == 130 and last['bytes_received'] > 0,
          'last record: %r', last)


def test_time_limit_ends_an_endless_payload(ctx):
    with start_server(ctx, ['--bind', '127.0.0.1', '--port', '0']) as server:
        start = time.monotonic()
        result = run_client(ctx, ['--json', '--size', BIG, '--time', '1s',
                                  '--interval', '250ms', '127.0.0.1', server.port],
                            timeout=30)
        elapsed = time.monotonic() - start
    check(result.rc == 0, '--time 1s: %s', result.describe())
    records = harness.ndjson(result.out)
    validate(records, 'client --time --interval')
    final = records[-1]
    check(final['verdict'] == 'complete' and final['fin_received'] and
          0 < final['bytes_sent'] == final['bytes_received'] < 1 << 40,
          'final record: %r', final)
    check(0.9 < elapsed < ctx.t(15), '--time 1s took %.2fs', elapsed)
    intervals = [r for r in records if r['type'] == 'client_interval']
    check(len(intervals) >= 2, 'expected --interval records every 250ms, got %d',
          len(intervals))
    sent = [r['bytes_sent'] for r in intervals]
    check(sent == sorted(sent), 'bytes_sent goes backwards: %r', sent)


def test_ctrl_c_while_connecting(ctx):
    if ctx.is_windows():
        raise harness.Skip('a full accept queue drops SYNs on Linux only')
    with harness.FullBacklog() as backlog:
        client = _start_client(ctx, ['--json', '-v', '--connect-timeout', '60s',
                                     '127.0.0.1', str(backlog.port)])
        with client:
            client.wait_for(lambda out, err: 'attempt to' in err, ctx.t(20),
                            'the connect attempt')
            time.sleep(0.3)  # quiet period: the connect is under way
            start = time.monotonic()
            rc, out, err = client.stop()
            took = time.monotonic() - start
    check(rc == 130 and took < ctx.t(3), 'Ctrl-C while connecting: exit %s after '
          '%.1fs; stderr %r', rc, took, err[-300:])
    record = harness.ndjson(out)[-1]
    check(record['verdict'] == 'interrupted' and record['address'] is None,
          'record %r', record)


def test_out_of_descriptors_is_a_local_error(ctx):
    # A client that cannot open its socket says "error" (exit 1), not that
    # the network is unreachable. The descriptor limit is lowered until the
    # connect attempt itself fails with EMFILE.
    if ctx.is_windows():
        raise harness.Skip('no per-process descriptor limit on Windows')
    import resource
    import subprocess
    with harness.ClosedPort() as closed:
        for limit in range(4, 16):
            def lower(limit=limit):
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
            proc = subprocess.run(ctx.cmd(['client', '--json', '127.0.0.1', str(closed.port)]),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  preexec_fn=lower, timeout=ctx.t(20))
            records = harness.ndjson(proc.stdout.decode())
            if not records or not records[-1]['attempts']:
                continue
            record = records[-1]
            if record['attempts'][0]['result'] != 'EMFILE':
                continue
            check(proc.returncode == 1 and record['verdict'] == 'error',
                  'out of descriptors: exit %s, verdict %s', proc.returncode,
                  record['verdict'])
            return
    check(False, 'no descriptor limit made the connect attempt fail with EMFILE')
