"""`sockecho bench merge` and `--start-at` (docs/bench.md, merging results):
three generator processes with one shared start time against one server,
merged into one result whose counts, rates and histogram are those of the
union; results that cannot be combined are refused; bad --start-at values."""

import datetime
import json
import math
import os
import re
import threading
import time

from harness import check, run_sockecho, start_server

MERGE_FAILED = 1


def _rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        '%Y-%m-%dT%H:%M:%S.%fZ')


def _parse_time(text):
    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00')).timestamp()


def _write(ctx, name, text):
    path = ctx.tmp(name)
    with open(path, 'w') as f:
        f.write(text)
    return path


def _bucket_low(index):
    """Lowest value and width of bucket INDEX (docs/json.md, histograms)."""
    shift = 0 if index < 256 else index // 128 - 1
    return (index - shift * 128) << shift, 1 << shift


def _percentile_ms(hist, buckets, pct):
    """se_hist_percentile on BUCKETS ({index: count}), in ms."""
    count = sum(buckets.values())
    rank = max(1, math.ceil(pct / 100 * count))
    seen = 0
    for index in sorted(buckets):
        seen += buckets[index]
        if seen >= rank:
            low, width = _bucket_low(index)
            mid = min(max(low + (width - 1) // 2, hist['min']), hist['max'])
            return mid / 1e6
    return hist['max'] / 1e6


def _generators(ctx, port, start_at, count=3):
    """COUNT bench processes at once with --start-at START_AT; their JSON."""
    conns = 2
    results = [None] * count

    def one(i):
        results[i] = run_sockecho(
            ctx, ['bench', '--json', '--start-at', start_at, '-d', '1s',
                  '-c', str(conns), '--seed', str(i + 1), '127.0.0.1', port],
            timeout=30)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(ctx.t(40))
    outs = []
    for res in results:
        check(res is not None and res.rc == 0, 'a generator failed: %s',
              res.describe() if res else 'did not finish')
        outs.append(res.out)
    return outs


def test_three_generators_merge_to_the_union(ctx):
    with start_server(ctx, ['--port', '0', '--bind', '127.0.0.1']) as server:
        start = time.time() + ctx.t(1.5)
        start_at = _rfc3339(start)
        outs = _generators(ctx, server.port, start_at)
    objs = [json.loads(out.strip().split('\n')[-1]) for out in outs]
    for obj in objs:
        # Each measured the shared window: it began at --start-at.
        check(obj['start_at'] == start_at, 'start_at %r, expected %r',
              obj['start_at'], start_at)
        check(abs(_parse_time(obj['window_start']) - start) < 0.01,
              'window_start %r, --start-at %r', obj['window_start'], start_at)
        check(obj['requests'] > 0, 'a generator completed no request: %r', obj)
    paths = [_write(ctx, 'gen%d.json' % i, out) for i, out in enumerate(outs)]
    res = run_sockecho(ctx, ['bench', 'merge', '--json'] +
                       [ctx.path(p) for p in paths])
    check(res.rc == 0, 'merge exited %s: %s', res.rc, res.describe())
    merged = json.loads(res.out)
    check(merged['type'] == 'bench_merge' and merged['inputs'] == 3,
          'merged record %r', res.out[:300])
    # Counts and rates add up; the rate over the common window agrees.
    for field in ('requests', 'bytes_sent', 'bytes_received'):
        check(merged[field] == sum(o[field] for o in objs), '%s: %r vs %r',
              field, merged[field], [o[field] for o in objs])
    total_rate = sum(o['requests_per_s'] for o in objs)
    check(abs(merged['requests_per_s'] - total_rate) < 1,
          'merged rate %r, sum of rates %r', merged['requests_per_s'],
          total_rate)
    check(0.9 < merged['common_s'] <= 1.01, 'common window %r s',
          merged['common_s'])
    check(abs(merged['requests'] / merged['common_s'] - total_rate) <
          0.05 * total_rate, 'requests %r over %r s, sum of rates %r',
          merged['requests'], merged['common_s'], total_rate)
    check(merged['start_skew_s'] < 0.01, 'start skew %r s on one clock',
          merged['start_skew_s'])
    # The histogram is the union, bucket for bucket; p99 comes from it.
    union = {}
    for obj in objs:
        for index, n in obj['histograms']['rtt']['buckets']:
            union[index] = union.get(index, 0) + n
    got = {index: n for index, n in merged['histograms']['rtt']['buckets']}
    check(got == union, 'merged buckets differ from the union of the inputs')
    hist = merged['histograms']['rtt']
    check(hist['count'] == merged['requests'], 'histogram count %r',
          hist['count'])
    check(hist['min'] == min(o['histograms']['rtt']['min'] for o in objs) and
          hist['max'] == max(o['histograms']['rtt']['max'] for o in objs),
          'min/max %r/%r', hist['min'], hist['max'])
    for key, pct in (('p50', 50), ('p99', 99), ('p999', 99.9)):
        want = round(_percentile_ms(hist, union, pct), 4)
        check(abs(merged['latency_ms']['rtt'][key] - want) < 0.00011,
              '%s %r, from the union %r', key, merged['latency_ms']['rtt'][key],
              want)
    # The text report says the same.
    res = run_sockecho(ctx, ['bench', 'merge'] + [ctx.path(p) for p in paths])
    check(res.rc == 0 and 'sockecho bench merge: 3 results, rr' in res.out and
          'requests      %d ' % merged['requests'] in res.out,
          'text report: %s', res.describe())


def test_late_generator_states_the_skew(ctx):
    """A generator started after --start-at measures from when it could,
    says how late it is, and the merge shows the skew of the starts."""
    with start_server(ctx, ['--port', '0', '--bind', '127.0.0.1']) as server:
        # Time for a (slow, sanitized) process to start before --start-at,
        # and a window that outlasts the late ones' start.
        start = time.time() + ctx.t(2)
        start_at = _rfc3339(start)
        duration = ctx.t(3)
        common = ['--start-at', start_at, '-d', '%dms' % (duration * 1000), '-c', '1',
                  '127.0.0.1', server.port]
        results = {}

        def one(name, args, delay):
            if delay is not None:
                time.sleep(max(0, start + delay - time.time()))
            results[name] = run_sockecho(ctx, ['bench'] + args + common, timeout=60)

        threads = [threading.Thread(target=one, args=a) for a in (
            ('on_time', ['--json'], None), ('late', ['--json'], 0.5), ('late_text', [], 0.5))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(ctx.t(40))
    for name, res in results.items():
        check(res.rc == 0, '%s: %s', name, res.describe())
    check(len(results) == 3, 'generators that finished: %s', sorted(results))
    on_time, late = (json.loads(results[n].out) for n in ('on_time', 'late'))
    lateness = _parse_time(late['window_start']) - start
    # Late by the 0.5 s it was started after --start-at, plus its start-up.
    check(0.45 < lateness < duration - 0.5, 'the late generator started %.3f s after '
          '--start-at', lateness)
    check(abs(_parse_time(on_time['window_start']) - start) < 0.01, 'on time: %r',
          on_time['window_start'])
    # Both windows end --duration after --start-at.
    for obj in (on_time, late):
        check(abs(_parse_time(obj['window_end']) - (start + duration)) < 0.5, 'window_end %r',
              obj['window_end'])
    match = re.search(r'^started +\S+ \(--start-at; ([0-9.]+) s late by this clock\)$',
                      results['late_text'].out, re.M)
    check(match and 0.45 < float(match.group(1)) < duration - 0.5, 'text report: %s',
          results['late_text'].out)
    paths = [_write(ctx, n + '.json', results[n].out) for n in ('on_time', 'late')]
    res = run_sockecho(ctx, ['bench', 'merge', '--json'] + [ctx.path(p) for p in paths])
    check(res.rc == 0, 'merge: %s', res.describe())
    merged = json.loads(res.out)
    check(abs(merged['start_skew_s'] - lateness) < 0.02, 'start skew %r, lateness %.3f',
          merged['start_skew_s'], lateness)
    check(abs(merged['common_s'] - (duration - lateness)) < 0.5, 'common window %r s',
          merged['common_s'])
    res = run_sockecho(ctx, ['bench', 'merge'] + [ctx.path(p) for p in paths])
    match = re.search(r'^skew +starts ([0-9.]+) s apart', res.out, re.M)
    check(res.rc == 0 and match and abs(float(match.group(1)) - merged['start_skew_s']) < 1e-5,
          'merge text: %s', res.describe())


def test_merge_stdin_and_refusals(ctx):
    with start_server(ctx, ['--port', '0', '--bind', '127.0.0.1']) as server:
        runs = {}
        for name, args in (('rr', ['-s', '64']), ('rr512', ['-s', '512']),
                           ('sessions', ['--mode', 'sessions', '-s', '64'])):
            res = run_sockecho(ctx, ['bench', '--json', '-d', '300ms', '-c', '2',
                                     '--interval', '100ms'] + args +
                               ['127.0.0.1', server.port])
            check(res.rc == 0, 'bench %s: %s', name, res.describe())
            runs[name] = res.out
    # NDJSON on stdin: interval records and log lines are skipped.
    stdin = ('log line from a pod\n' + runs['rr'] + runs['rr']).encode()
    res = run_sockecho(ctx, ['bench', 'merge', '--json', '-'], input=stdin)
    check(res.rc == 0, 'merge of stdin: %s', res.describe())
    merged = json.loads(res.out)
    single = json.loads(runs['rr'].strip().split('\n')[-1])
    check(merged['inputs'] == 2 and merged['requests'] == 2 * single['requests'],
          'merged %r of twice %r', merged['requests'], single['requests'])
    check('skipped 1 line that is not JSON' in res.err, 'stderr %r', res.err)
    # A merged result merges again.
    again = _write(ctx, 'merged.json', res.out)
    one = _write(ctx, 'rr.json', runs['rr'])
    res = run_sockecho(ctx, ['bench', 'merge', '--json', ctx.path(again),
                             ctx.path(one)])
    check(res.rc == 0 and json.loads(res.out)['inputs'] == 3,
          'merge of a merge: %s', res.describe())
    # Refusals: one line naming the input and the reason, exit 1.
    for other, reason in (('rr512', 'size 512 differs from 64'),
                          ('sessions', 'mode sessions differs from rr')):
        path = _write(ctx, other + '.json', runs[other])
        res = run_sockecho(ctx, ['bench', 'merge', ctx.path(one), ctx.path(path)])
        check(res.rc == MERGE_FAILED and res.out == '', 'merging %s: %s', other,
              res.describe())
        lines = res.err_lines()
        check(len(lines) == 1 and reason in lines[0] and
              os.path.basename(path) in lines[0], 'merging %s: %r', other, lines)
    broken = _write(ctx, 'broken.json', '{"type":"bench",\n')
    empty = _write(ctx, 'empty.json', 'nothing here\n')
    for path, reason in ((broken, 'not valid JSON'),
                         (empty, 'no bench results'),
                         (ctx.tmp('missing.json'), 'cannot open')):
        res = run_sockecho(ctx, ['bench', 'merge', ctx.path(path)])
        check(res.rc == MERGE_FAILED and len(res.err_lines()) == 1 and
              reason in res.err, '%s: %s', path, res.describe())


def test_start_at_bad_values(ctx):
    past = _rfc3339(time.time() - 3600)
    for args, reason in (
            (['merge'], 'missing FILE'),
            (['--start-at', 'soon', '127.0.0.1'], 'not an RFC 3339 time'),
            (['--start-at', '2026-11-28T18:30:00', '127.0.0.1'],
             'not an RFC 3339 time'),
            (['--start-at', '+2x', '127.0.0.1'], '--start-at'),
            (['--start-at', _rfc3339(time.time() + 2 * 86400), '127.0.0.1'],
             'more than 24 hours ahead'),
            (['--start-at', past, '-d', '1s', '127.0.0.1'], 'is over'),
            (['--start-at', '+1s', '-w', '1s', '127.0.0.1'], 'exclude each other')):
        res = run_sockecho(ctx, ['bench'] + args)
        check(res.rc == 2 and len(res.err_lines()) == 1 and reason in res.err,
              '%r: %s', args, res.describe())
