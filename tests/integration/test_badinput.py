"""Bad command lines: exit 2, nothing on stdout, exactly one line on stderr
naming the offending option or value (README "Errors"); an unreadable
--file is a local failure (exit 1).

Client cases aim at a port held closed, so a client that ignored the error
and went on would end with 4 (refused), not 2."""

from harness import ClosedPort, PyServer, check, echo_handler, run_sockecho


def _usage_cases(ctx, cases):
    """CASES: (args, [words the error line may name]). Every failure is
    collected and reported at once."""
    failures = []
    with ClosedPort() as closed:
        for args, words in cases:
            args = [str(closed.port) if a == 'PORT' else a for a in args]
            res = run_sockecho(ctx, args, timeout=5)
            shown = ' '.join(repr(a) if a == '' else a for a in args)
            lines = res.err_lines()
            problem = None
            if res.rc != 2:
                problem = 'exit %s, expected 2' % res.rc
            elif res.out:
                problem = 'printed on stdout: %r' % res.out[:100]
            elif len(lines) != 1:
                problem = '%d lines on stderr: %r' % (len(lines),
                                                      res.err[:200])
            elif not lines[0].startswith('sockecho'):
                problem = 'error line %r does not start with "sockecho"' % (
                    lines[0])
            elif not any(w and w in lines[0] for w in words):
                problem = 'error line %r names none of %r' % (lines[0],
                                                             words)
            if problem:
                failures.append('[%s] %s' % (shown, problem))
    check(not failures, '%d of %d bad command lines mishandled: %s',
          len(failures), len(cases), ' | '.join(failures))


HOST = ['127.0.0.1', 'PORT']


def test_bad_ports(ctx):
    server = ['server', '--bind', '127.0.0.1', '--port']
    _usage_cases(ctx, [
        (server + ['70000'], ['--port', '70000']),
        (server + ['65536'], ['--port', '65536']),
        (server + ['-1'], ['--port', '-1']),
        (server + ['abc'], ['--port', 'abc']),
        (server + [''], ['--port']),
        (['server', '--bind', '127.0.0.1', '-p', '99999'],
         ['-p', '--port', '99999']),
        (['client', '127.0.0.1', '70000'], ['70000']),
        (['client', '127.0.0.1', 'abc'], ['abc']),
    ])


def test_bad_sizes(ctx):
    client = ['client', '--size']
    _usage_cases(ctx, [
        (client + ['12Q'] + HOST, ['--size', '12Q']),
        (client + ['99999999999G'] + HOST, ['--size', '99999999999G']),
        (client + ['18446744073709551616'] + HOST,
         ['--size', '18446744073709551616']),
        (client + ['-5'] + HOST, ['--size', '-5']),
        (client + ['K'] + HOST, ['--size', 'K']),
        (client + [''] + HOST, ['--size']),
        (['client', '--seed', 'abc'] + HOST, ['--seed', 'abc']),
        (['server', '--bind', '127.0.0.1', '--port', '0', '--max-buffer',
          '12Q'], ['--max-buffer', '12Q']),
    ])


def test_bad_durations(ctx):
    _usage_cases(ctx, [
        (['client', '--connect-timeout', '5x'] + HOST,
         ['--connect-timeout', '5x']),
        (['client', '--idle-timeout', 'abc'] + HOST,
         ['--idle-timeout', 'abc']),
        (['client', '--drain-timeout', '-1s'] + HOST,
         ['--drain-timeout', '-1s']),
        (['client', '--idle-timeout', ''] + HOST, ['--idle-timeout']),
        (['client', '--connect-timeout', '200h'] + HOST,
         ['--connect-timeout', '200h']),
        (['server', '--bind', '127.0.0.1', '--port', '0', '--drain-timeout',
          '10q'], ['--drain-timeout', '10q']),
    ])


def test_unknown_options(ctx):
    _usage_cases(ctx, [
        (['client', '--bogus'] + HOST, ['--bogus', 'bogus']),
        (['client', '-Z'] + HOST, ['-Z', 'Z']),
        (['server', '--bind', '127.0.0.1', '--port', '0', '--bogus'],
         ['--bogus', 'bogus']),
    ])


def test_missing_and_extra_arguments(ctx):
    _usage_cases(ctx, [
        (['client'], ['HOST', 'host']),
        (['client', '-v'], ['HOST', 'host']),
        (['client', '127.0.0.1', 'PORT', 'extra'], ['extra']),
        (['client', '127.0.0.1', '--message'], ['--message']),
        (['server', '--bind', '127.0.0.1', '--port'], ['--port']),
    ])


def test_conflicting_payloads(ctx):
    _usage_cases(ctx, [
        (['client', '--message', 'hi', '--size', '1K'] + HOST,
         ['--message', '--size']),
        (['client', '--file', '-', '--message', 'hi'] + HOST,
         ['--file', '--message']),
        (['client', '--size', '1K', '--file', '-'] + HOST,
         ['--size', '--file']),
    ])


def test_unknown_backend(ctx):
    _usage_cases(ctx, [
        (['client', '--backend', 'kqueue'] + HOST, ['--backend', 'kqueue']),
        (['server', '--bind', '127.0.0.1', '--port', '0', '--backend',
          'kqueue'], ['--backend', 'kqueue']),
    ])


def test_bad_subcommand(ctx):
    _usage_cases(ctx, [
        ([], ['client', 'server', 'usage', 'command']),
        (['frobnicate'], ['frobnicate']),
    ])


def test_unreadable_file(ctx):
    path = ctx.tmp('does-not-exist.bin')
    with PyServer(echo_handler) as srv:
        res = run_sockecho(ctx, ['client', '--file', ctx.path(path),
                                 '127.0.0.1', srv.port], timeout=10)
    check(res.rc == 1, 'unreadable --file: expected exit 1 (error), rc=%s '
          'stderr=%r', res.rc, res.err[:300])
    lines = res.err_lines()
    check(len(lines) == 1, 'expected one line on stderr, got %r', lines)
    check('does-not-exist.bin' in lines[0], 'error line %r does not name '
          'the file', lines[0])


def test_control_characters_escaped(ctx):
    # An argument with a newline must not break the one-line error.
    _usage_cases(ctx, [
        (['client', '--seed', '16\n77', '--size', '1K'] + HOST, ['16\\n77']),
        (['client', '--size', '1\x1b[2J'] + HOST, ['1\\x1b[2J']),
        (['server', '--bind', '127.0.0.1', '--port', '8\r0'], ['8\\r0']),
        (['client', '--bo\tgus'] + HOST, ['--bo\\tgus']),
    ])


def test_bad_combinations(ctx):
    data = ctx.tmp('same.bin')
    with open(data, 'wb') as f:
        f.write(b'keep me')
    server = ['server', '--bind', '127.0.0.1', '--port', '0']
    _usage_cases(ctx, [
        (['server', '--systemd', '--inetd'], ['--systemd', '--inetd']),
        (server + ['--fault', 'rst-after=1', '--fault', 'stall-after=2'],
         ['--fault']),
        (['client', '--seed', '7'] + HOST, ['--seed']),
        (['bench', '--source-range', '127.0.0.0/8', '::1', 'PORT'],
         ['--source-range']),
        (['bench', '-6', '--source-range', '127.0.0.0/8'] + HOST,
         ['--source-range']),
        (['bench', '--source-range', 'fd00::/64'] + HOST, ['--source-range']),
        (['client', '-f', ctx.path(data), '-o', ctx.path(data)] + HOST,
         ['same file']),
        (['client', '', 'PORT'], ['HOST']),
        (['bench', '', 'PORT'], ['HOST']),
        (['client', '-p', '1', '127.0.0.1', 'PORT'], ['PORT', '-p']),
        (['client', '--json', '-o', '-'] + HOST, ['--json', '--output']),
        (['bench', '-q', '--json'] + HOST, ['-q', '--json']),
    ])
    with open(data, 'rb') as f:
        check(f.read() == b'keep me', '-f X -o X emptied the input file')


def test_friendly_numbers(ctx):
    res = run_sockecho(ctx, ['client', '--size', '99999999999999999999',
                             '127.0.0.1', '1'], timeout=5)
    check(res.rc == 2 and '99999999999999999999: too large (at most 1 TiB)'
          in res.err, 'expected "too large (at most 1 TiB)", got rc=%s %r',
          res.rc, res.err)
    _usage_cases(ctx, [
        (['client', '--seed', '99999999999999999999', '-s', '1'] + HOST,
         ['too large']),
        (['bench', '-c', '0'] + HOST, ['too small (at least 1)']),
        (['bench', '-s', '17M'] + HOST, ['too large (at most 16 MiB)']),
        (['server', '--port', '70000'], ['too large (at most 65535)']),
    ])
    for args in (['-c', '1'], ['-s', '1'], ['-s', '100000000000000000000']):
        res = run_sockecho(ctx, ['bench'] + args + ['127.0.0.1', '1'],
                           timeout=5)
        check('18446744073709551615' not in res.err and '(1-' not in res.err,
              'a raw range in %r', res.err)


def test_size_suffixes_any_case(ctx):
    with PyServer(echo_handler) as srv:
        for size in ('2k', '2K', '2kb', '2KiB', '2kib', '2048B'):
            res = run_sockecho(ctx, ['client', '--size', size, '127.0.0.1',
                                     srv.port], timeout=10)
            check(res.rc == 0 and 'Bytes received: 2048' in res.out,
                  '--size %s: rc=%s out=%r err=%r', size, res.rc, res.out,
                  res.err)


def test_long_option_prefixes(ctx):
    with PyServer(echo_handler) as srv:
        res = run_sockecho(ctx, ['client', '--mess', 'hi', '--verb',
                                 '127.0.0.1', srv.port], timeout=10)
        check(res.rc == 0 and 'Bytes received: 2' in res.out,
              '--mess: rc=%s out=%r err=%r', res.rc, res.out, res.err)
        res = run_sockecho(ctx, ['client', '-p', str(srv.port), '127.0.0.1'],
                           timeout=10)
        check(res.rc == 0, 'client -p PORT: rc=%s err=%r', res.rc, res.err)
    _usage_cases(ctx, [
        (['bench', '--con', '5'] + HOST,
         ['--conns, --concurrency, --connect-timeout']),
        (['client', '--s', '1K'] + HOST, ['ambiguous']),
    ])


def test_top_level_options(ctx):
    _usage_cases(ctx, [
        (['--bogus'], ['unknown option --bogus']),
        (['-V', 'extra'], ['-V']),
    ])
    for args in (['-V'], ['--version'], ['--vers']):
        res = run_sockecho(ctx, args, timeout=5)
        check(res.rc == 0 and res.out.startswith('sockecho '),
              '%s: rc=%s out=%r', args, res.rc, res.out)
