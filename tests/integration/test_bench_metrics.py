"""`sockecho bench --metrics ADDR:PORT` (docs/metrics.md): while a run
lasts, its counters so far are served as Prometheus text that passes
`promtool check metrics` and agrees with the final report; garbage sent to
the endpoint (slowloris, oversized, binary, a crowd) is refused without
disturbing the load; bad values are usage errors. A real Prometheus
scraping a running bench: test_metrics_prometheus.py."""

import json
import re
import shutil
import socket
import subprocess
import time

from harness import Server, Skip, check, run_sockecho, start_server
from test_metrics import http, scrape, value

BENCH_METRICS_RE = re.compile(r'^sockecho bench: metrics on (\S+) (\d+)$', re.M)


def start_bench(ctx, port, args):
    """A bench against 127.0.0.1:PORT with --metrics on a free port and
    ARGS; (bench process, metrics port)."""
    bench = Server(ctx.cmd(['bench', '--metrics', '127.0.0.1:0', '--json'] + list(args) +
                           ['127.0.0.1', str(port)]), strip_cr=ctx.is_windows())
    match = bench.wait_for(lambda out, err: BENCH_METRICS_RE.search(err), ctx.t(10),
                           '"metrics on ADDR PORT" line')
    return bench, int(match.group(2))


def final_record(ctx, bench, timeout):
    rc, out, err = bench.wait(ctx.t(timeout))
    check(rc == 0, 'bench exited %s: %s', rc, err[-400:])
    records = [json.loads(line) for line in out.strip().split('\n') if line.strip()]
    check(records and records[-1]['type'] == 'bench', 'no final record in %r', out[-400:])
    return records


def test_bench_metrics_promtool_and_final_counts(ctx):
    promtool = shutil.which('promtool')
    if not promtool:
        raise Skip('promtool is not installed (Debian package prometheus; scripts/deps.sh)')
    with start_server(ctx, ['--port', '0', '--bind', '127.0.0.1']) as server:
        bench, port = start_bench(ctx, server.port, ['-c', '3', '-d', '3s'])
        with bench:
            # The first scrape may land before the first request: wait
            # (bounded) for one that shows the load under way.
            body = ''
            for _ in range(100):
                body = scrape(port)
                if value(body, 'sockecho_bench_requests_total') > 0:
                    break
            lint = subprocess.run([promtool, 'check', 'metrics'], input=body.encode(),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
            check(lint.returncode == 0 and not lint.stdout.strip(),
                  'promtool check metrics: exit %s: %s', lint.returncode,
                  lint.stdout.decode()[-1000:])
            mid = value(body, 'sockecho_bench_requests_total')
            check(mid > 0, 'no request counted mid-run:\n%s', body[:1500])
            check(value(body, 'sockecho_bench_latency_seconds_count', '{phase="rtt"}') == mid,
                  'the rtt summary counts %s, the requests %s', body, mid)
            check(value(body, 'sockecho_bench_connections_open') == 3, 'open connections')
            check(value(body, 'sockecho_bench_connections_opened_total') == 3, 'opened')
            check('sockecho_bench_verdict{verdict="complete"} 1' in body, 'verdict in %s',
                  body[-1500:])
            check('sockecho_bench_info{mode="rr",size="64",conns="3"} 1' in body,
                  'run info in %s', body[-1500:])
            check(re.search(r'^sockecho_build_info\{version="\d+\.\d+\.\d+",backend="\w+"\} 1$',
                            body, re.M), 'build info in %s', body[-600:])
            for kind in ('mismatch', 'reset', 'timeout', 'other'):
                check(value(body, 'sockecho_bench_errors_total', '{kind="%s"}' % kind) == 0,
                      'errors %s', kind)
            final = final_record(ctx, bench, 20)[-1]
    check(final['verdict'] == 'complete', 'final %r', final)
    check(0 < mid <= final['requests'], 'mid-run %s requests, final %s', mid,
          final['requests'])
    check(final['connections']['opened'] == 3, 'final connections %r', final['connections'])


def test_bench_metrics_garbage_does_not_disturb_the_load(ctx):
    with start_server(ctx, ['--port', '0', '--bind', '127.0.0.1']) as server:
        bench, port = start_bench(ctx, server.port,
                                  ['-c', '2', '-d', '7s', '--interval', '500ms'])
        with bench:
            slow = socket.create_connection(('127.0.0.1', port), timeout=10)
            slow.sendall(b'GET /metr')
            crowd = []
            try:
                for request, want in (
                        (b'POST /metrics HTTP/1.1\r\n\r\n', 405),
                        (b'GET / HTTP/1.1\r\n\r\n', 404),
                        (b'GET /metrics HTTP/1.1\r\nX: ' + b'a' * 8000 + b'\r\n\r\n', 431),
                        (b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + bytes(range(256)),
                         400),
                        (b'\x00' * 100, 400)):
                    code, head, _ = http(port, request)
                    check(code == want, '%r...: status %s, expected %s (%r)', request[:20],
                          code, want, head[:100])
                crowd = [socket.create_connection(('127.0.0.1', port), timeout=10)
                         for _ in range(12)]
                # The slowloris client is answered 408 after the 5 s head
                # timeout, while the load goes on.
                slow.settimeout(ctx.t(10))
                data = slow.recv(100)
                check(data.startswith(b'HTTP/1.1 408'), 'slowloris: %r', data[:40])
            finally:
                slow.close()
                for s in crowd:
                    s.close()
            # Once the crowd's connections are seen closed, the endpoint
            # answers again, having counted what it refused.
            deadline = time.monotonic() + ctx.t(5)
            while True:
                try:
                    body = scrape(port)
                    break
                except (OSError, AssertionError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            for code in (400, 404, 405, 408, 431, 503):
                check(value(body, 'sockecho_metrics_responses_total',
                            '{code="%d"}' % code) >= 1, 'no %d counted', code)
            records = final_record(ctx, bench, 30)
    final = records[-1]
    check(final['verdict'] == 'complete' and not any(final['errors'].values()),
          'the load saw errors: %r', final)
    intervals = [r for r in records if r['type'] == 'bench_interval']
    check(len(intervals) >= 12, '%d interval records', len(intervals))
    stalled = [r for r in intervals if r['requests'] == 0]
    check(not stalled, 'intervals without a completed request: %r', stalled)


def test_bench_metrics_bad_values(ctx):
    for value_, reason in (('9100', 'expected ADDR:PORT'),
                           ('localhost:9100', 'not a numeric')):
        res = run_sockecho(ctx, ['bench', '--metrics', value_, '127.0.0.1'])
        check(res.rc == 2 and len(res.err_lines()) == 1 and reason in res.err,
              '--metrics %r: %s', value_, res.describe())
    busy = socket.socket()
    busy.bind(('127.0.0.1', 0))
    busy.listen(1)
    try:
        res = run_sockecho(ctx, ['bench', '-d', '1s', '--json', '--metrics',
                                 '127.0.0.1:%d' % busy.getsockname()[1], '127.0.0.1',
                                 str(busy.getsockname()[1])])
        check(res.rc == 1 and len(res.err_lines()) == 1 and
              'cannot serve metrics on 127.0.0.1:' in res.err, 'busy metrics port: %s',
              res.describe())
        record = json.loads(res.out)
        check(record['verdict'] == 'error' and 'cannot serve metrics' in record['first_error'],
              'JSON record %r', record)
    finally:
        busy.close()
