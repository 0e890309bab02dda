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


def test_control_characters_in_arguments_are_escaped(ctx):
    """A usage error quotes the argument, escaped: one line, no terminal
    control sequence passed through."""
    for args, shown in ((['--seed', '16\n77', '--size', '1K'], r"'16\n77'"),
                        (['--size', '1\x1b[31m'], r"'1\x1b[31m'"),
                        (['--bo\tgus'], r'--bo\tgus')):
        r = run_sockecho(ctx, ['client'] + args + ['127.0.0.1'])
        check(r.rc == 2, '%r: exit %s', args, r.rc)
        lines = r.err_lines()
        check(len(lines) == 1 and shown in lines[0] and '\x1b' not in r.err,
              '%r: expected one line showing %s, got %r', args, shown, r.err)
