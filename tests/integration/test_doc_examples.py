"""Every client and bench example in the README, docs/ (but the generated
BENCHMARKS.md), the man pages and the --help texts runs as shown against a
local sockecho server: it exits 0. Examples aimed at other hosts are only
parsed. The test's changes are the ones a test needs: the server's port is
given after HOST (the examples use the default 27015; tests bind port 0),
bench durations are cut to 300ms, and files named by --file exist. Examples
that need a proxy, a TLS server or a shared start time are only parsed."""
# ctest-builds: native

import glob
import os
import re
import shlex

import buildtree
import harness
from harness import check, run_sockecho, start_server

LOCAL = ('127.0.0.1', '::1')
# Options whose examples need more than a plain local server: only parsed.
NEEDS_MORE = ('--proxy', '--send-proxy', '--tls', '--start-at')
EXAMPLE_RE = re.compile(r'^(?:\$ )?(sockecho (?:client|bench) (?!\[).*?)\s*(?:#.*)?$')


def doc_examples():
    """(where, command words) for each example line in a code block."""
    paths = [os.path.join(buildtree.SOURCE, 'README.md')]
    paths += [p for p in glob.glob(os.path.join(buildtree.SOURCE, 'docs', '*.md'))
              if not p.endswith('BENCHMARKS.md')]
    paths += glob.glob(os.path.join(buildtree.SOURCE, 'docs', 'man', '*.scd'))
    found = []
    for path in sorted(paths):
        with open(path) as f:
            blocks = re.findall(r'^```[a-z]*\n(.*?)^```', f.read(), re.S | re.M)
        for block in blocks:
            for line in block.split('\n'):
                match = EXAMPLE_RE.match(line.strip())
                if match:
                    found.append((os.path.basename(path), shlex.split(match.group(1))))
    return found


def help_examples(ctx):
    found = []
    for command in ('client', 'bench'):
        text = buildtree.help_text(ctx, command)
        for line in text.split('Examples:\n', 1)[1].split('\n'):
            if line.strip().startswith('sockecho '):
                found.append((command + ' --help', shlex.split(line.strip())))
    return found


def as_run(words, port):
    """The example's arguments (after "sockecho"), with the test's port and
    short durations."""
    args = list(words[1:])
    for i in range(1, len(args)):
        if args[i - 1] in ('-d', '--duration'):
            args[i] = '300ms'
    if args[0] == 'bench' and not {'-d', '--duration', '--bytes'} & set(args):
        args[1:1] = ['-d', '300ms']  # the default is 10s
    if args[-1] in LOCAL:
        args.append(str(port))
    elif len(args) > 1 and args[-2] in LOCAL:
        args[-1] = str(port)
    return args


def test_examples_run_as_shown(ctx):
    examples = doc_examples() + help_examples(ctx)
    check(len(examples) >= 15, 'only %d examples found', len(examples))
    os.chdir(ctx.tmp('.'))
    with open('data.bin', 'wb') as f:
        f.write(harness.pattern(100000, 3))
    failures, ran = [], 0
    with start_server(ctx, ['--bind', '::', '--port', '0', '--udp']) as server:
        for where, words in examples:
            if not any(w in LOCAL for w in words):
                continue  # aimed at a host that is not ours to reach
            if any(w.startswith(NEEDS_MORE) for w in words):
                continue  # needs a proxy, a TLS server or another host's clock
            args = as_run(words, server.port)
            result = run_sockecho(ctx, args, timeout=60)
            ran += 1
            if result.rc != 0:
                failures.append('%s: %s -> %s' % (where, ' '.join(words),
                                                  result.describe()[:300]))
    check(not failures, '%d of %d examples failed: %s', len(failures), ran,
          ' | '.join(failures))
    check(ran >= 15, 'only %d local examples ran', ran)
