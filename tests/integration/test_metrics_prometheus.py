"""A real Prometheus scrapes `sockecho server --metrics` and a running
`sockecho bench --metrics` (docs/metrics.md): the test writes a scrape
configuration, starts Prometheus on loopback with a fresh data directory,
and its query API must return the sockecho_connections_total that the
server's own summary reports, and bench counters consistent with the
bench's final JSON report."""
# ctest-builds: native

import json
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request

from harness import Skip, check, free_port, run_client, start_server
from test_bench_metrics import final_record, start_bench
from test_metrics import start_with_metrics, summary_total

CLIENTS = 5


def _query(port, expr):
    """The instant vector of EXPR as {job: value}; None while unreachable."""
    url = 'http://127.0.0.1:%d/api/v1/query?%s' % (
        port, urllib.parse.urlencode({'query': expr}))
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            doc = json.load(resp)
    except OSError:
        return None
    check(doc.get('status') == 'success', 'query %r: %r', expr, doc)
    return {r['metric'].get('job'): float(r['value'][1]) for r in doc['data']['result']}


def _start_prometheus(ctx, exe, target_port):
    """Prometheus scraping 127.0.0.1:TARGET_PORT every second; (proc, port,
    log path). A few tries: its web port is picked free, then bound by it."""
    config = ctx.tmp('prometheus.yml')
    with open(config, 'w') as f:
        f.write('global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n'
                'scrape_configs:\n  - job_name: sockecho\n    static_configs:\n'
                '      - targets: ["127.0.0.1:%d"]\n' % target_port)
    for attempt in range(3):
        port = free_port()
        data = ctx.tmp('tsdb%d' % attempt)
        log = ctx.tmp('prometheus%d.log' % attempt)
        with open(log, 'wb') as out:
            proc = subprocess.Popen(
                [exe, '--config.file=' + config, '--storage.tsdb.path=' + data,
                 '--web.listen-address=127.0.0.1:%d' % port],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and proc.poll() is None:
            if _query(port, 'up') is not None:
                return proc, port, log
            time.sleep(0.2)
        _stop(proc)
    with open(log, errors='replace') as f:
        raise AssertionError('prometheus did not start: %s' % f.read()[-1000:])


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _prometheus(ctx):
    exe = shutil.which('prometheus')
    if not exe:
        raise Skip('prometheus is not installed (Debian package prometheus; scripts/deps.sh)')
    return exe


def test_prometheus_scrapes_connections_total(ctx):
    exe = _prometheus(ctx)
    server, metrics_port = start_with_metrics(ctx)
    with server:
        for _ in range(CLIENTS):
            rc, _, err = run_client(ctx, ['127.0.0.1', str(server.port)])
            check(rc == 0, 'client exited %s: %r', rc, err)
        prom, port, log = _start_prometheus(ctx, exe, metrics_port)
        try:
            # The first scrape lands about 5 s after the start.
            deadline = time.monotonic() + 30
            seen = None
            while time.monotonic() < deadline:
                seen = _query(port, 'sockecho_connections_total')
                if seen and seen.get('sockecho') == CLIENTS:
                    break
                time.sleep(0.25)
            up = _query(port, 'up')
        finally:
            _stop(prom)
        if not seen or seen.get('sockecho') != CLIENTS:
            with open(log, errors='replace') as f:
                tail = f.read()[-800:]
            raise AssertionError('prometheus query gave %r (up: %r), expected %d: %s'
                                 % (seen, up, CLIENTS, tail))
        check(up == {'sockecho': 1.0}, 'up %r', up)
        rc, out, err = server.stop()
    total, complete = summary_total(err)
    check(total == CLIENTS == seen['sockecho'],
          'server summary %d connections, prometheus %r', total, seen)
    check(complete == CLIENTS, 'summary: %d complete', complete)


def test_prometheus_scrapes_a_running_bench(ctx):
    exe = _prometheus(ctx)
    conns = 3
    with start_server(ctx, ['--port', '0', '--bind', '127.0.0.1']) as server:
        # Long enough for the first scrapes; Ctrl-C ends it once seen.
        bench, metrics_port = start_bench(ctx, server.port, ['-c', str(conns), '-d', '2m'])
        with bench:
            prom, port, log = _start_prometheus(ctx, exe, metrics_port)
            try:
                deadline = time.monotonic() + 30
                requests = opened = None
                while time.monotonic() < deadline:
                    requests = _query(port, 'sockecho_bench_requests_total')
                    opened = _query(port, 'sockecho_bench_connections_opened_total')
                    if requests and requests.get('sockecho', 0) > 0 and opened:
                        break
                    time.sleep(0.25)
                verdict = _query(port, 'sockecho_bench_verdict')
            finally:
                _stop(prom)
            bench.proc.send_signal(signal.SIGINT)
            final = final_record(ctx, bench, 20)[-1]
        if not requests or not requests.get('sockecho') or not opened:
            with open(log, errors='replace') as f:
                tail = f.read()[-800:]
            raise AssertionError('prometheus query gave %r / %r: %s' % (requests, opened, tail))
    # What Prometheus stored is the run so far: at most the final count,
    # and the connections opened at the start are all of them.
    check(0 < requests['sockecho'] <= final['requests'],
          'prometheus %r requests, the final report %d', requests, final['requests'])
    check(opened == {'sockecho': conns} and final['connections']['opened'] == conns,
          'opened: prometheus %r, the final report %r', opened, final['connections'])
    check(verdict == {'sockecho': 1.0} and final['verdict'] == 'complete',
          'verdict: prometheus %r, final %r', verdict, final['verdict'])
