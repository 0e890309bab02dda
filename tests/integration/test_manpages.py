"""Man pages and --help agree: every option a command's --help defines is
in its man page (docs/man/sockecho-COMMAND.1.scd), and every option the man
page documents is in the --help. Each --help fits on one screen (40 lines
of at most 80 columns) and shows examples; the built pages exist."""
# ctest-builds: native

import os
import re

import buildtree
from harness import Skip, check, run_sockecho

MAN_DIR = os.path.join(buildtree.SOURCE, 'docs', 'man')
SCREEN_LINES, SCREEN_COLUMNS = 40, 80


def man_options(page):
    """The options documented in the OPTIONS section of PAGE: the words in
    bold (*-x*, *--long*) on its term lines (lines not indented)."""
    with open(os.path.join(MAN_DIR, page + '.1.scd')) as f:
        text = f.read()
    section = re.search(r'^# OPTIONS\n(.*?)(?=^# )', text, re.S | re.M)
    check(section, '%s.1.scd has no OPTIONS section', page)
    opts = set()
    for line in section.group(1).split('\n'):
        if line.startswith('*-'):
            opts.update(re.findall(r'\*(--?[A-Za-z0-9][A-Za-z0-9-]*)\*', line))
    return opts, text


def check_command(ctx, command):
    text = buildtree.help_text(ctx, command)
    in_help = buildtree.help_options(text)
    in_man, page = man_options('sockecho-' + command)
    check(in_help, 'no options parsed from %s --help', command)
    missing = in_help - in_man
    check(not missing, 'sockecho-%s(1) lacks options of its --help: %s', command,
          sorted(missing))
    # The man page may give an option its own entry where the --help
    # mentions it in passing (server: "-v per connection; -vv debug").
    extra = {o for o in in_man - in_help
             if not re.search(r'(^|[\s,(;])%s([\s,;)]|$)' % re.escape(o), text, re.M)}
    check(not extra, 'sockecho-%s(1) documents options its --help lacks: %s', command,
          sorted(extra))
    lines = text.rstrip('\n').split('\n')
    check(len(lines) <= SCREEN_LINES, '%s --help has %d lines (one screen: %d)', command,
          len(lines), SCREEN_LINES)
    wide = [line for line in lines if len(line) > SCREEN_COLUMNS]
    check(not wide, '%s --help has lines over %d columns: %r', command, SCREEN_COLUMNS, wide)
    check(re.search(r'^Examples:\n  sockecho %s\b' % command, text, re.M),
          '%s --help shows no examples', command)


def test_client_help_and_man_page_agree(ctx):
    check_command(ctx, 'client')


def test_server_help_and_man_page_agree(ctx):
    check_command(ctx, 'server')


def test_bench_help_and_man_page_agree(ctx):
    check_command(ctx, 'bench')


def test_overview_page_and_version(ctx):
    result = run_sockecho(ctx, ['--version'])
    check(result.rc == 0 and re.match(r'^sockecho \d+\.\d+\.\d+ \(backends: [a-z_]+( [a-z_]+)*(; tls: [^()]+)?\)\n$',
                                       result.out),
          '--version: %s', result.describe())
    opts, page = man_options('sockecho')
    check({'--version', '--help'} <= opts, 'sockecho(1) lacks --version / --help: %s', opts)
    for word in ('EXIT STATUS', 'JSON OUTPUT', 'sockecho-client', 'sockecho-server',
                 'sockecho-bench'):
        check(word in page, 'sockecho(1) does not mention %s', word)


def test_man_pages_are_built(ctx):
    tree = buildtree.Tree(ctx)
    if not tree.cache.get('SCDOC', '').endswith('scdoc'):
        raise Skip('scdoc was not found when the tree was configured')
    for page in ('sockecho', 'sockecho-client', 'sockecho-server', 'sockecho-bench'):
        path = os.path.join(tree.build, 'man', page + '.1')
        check(os.path.exists(path), '%s was not built', path)
        with open(path) as f:
            roff = f.read()
        check('.TH "%s" "1"' % page in roff and '.SH OPTIONS' in roff,
              '%s is not a man page: %r', path, roff[:200])
