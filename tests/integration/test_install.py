"""`make install` (cmake --install): the installed tree is complete, the
installed sockecho runs, DESTDIR and the prefix are honoured, and the bash
completion knows every option of every command."""

import os
import re
import subprocess

import buildtree
from harness import check

COMMON = ['bin/{exe}', 'include/sockecho.h', '{lib}/pkgconfig/sockecho.pc',
          '{lib}/cmake/sockecho/sockechoConfig.cmake',
          '{lib}/cmake/sockecho/sockechoConfigVersion.cmake',
          '{lib}/cmake/sockecho/sockechoTargets.cmake',
          'share/doc/sockecho/README.md', 'share/doc/sockecho/LICENSE',
          'share/doc/sockecho/CHANGELOG.md', 'share/doc/sockecho/json.md',
          'share/doc/sockecho/ARCHITECTURE.md',
          'share/doc/sockecho/examples/echo_check.c',
          'share/doc/sockecho/contrib/systemd/sockecho.service',
          'share/doc/sockecho/contrib/systemd/sockecho.socket',
          'share/doc/sockecho/contrib/inetd/inetd.conf',
          'share/bash-completion/completions/sockecho']
# Libraries in the build's LIBDIR (lib/x86_64-linux-gnu on a multiarch
# system); man pages compressed.
POSIX = ['{lib}/libsockecho.a', '{lib}/libsockecho.so',
         'share/man/man1/sockecho.1.gz', 'share/man/man1/sockecho-client.1.gz',
         'share/man/man1/sockecho-server.1.gz', 'share/man/man1/sockecho-bench.1.gz']
WINDOWS = ['bin/libsockecho.dll', '{lib}/libsockecho.dll.a', '{lib}/libsockecho.a']


def expected_files(tree):
    return [f.format(exe=tree.exe_name, lib=tree.libdir)
            for f in COMMON + (WINDOWS if tree.windows else POSIX)]


def test_install_tree_is_complete_and_runs(ctx):
    tree = buildtree.Tree(ctx)
    prefix = tree.install(ctx.tmp('prefix'))
    missing = [f for f in expected_files(tree)
               if not os.path.exists(os.path.join(prefix, f))]
    check(not missing, 'not installed: %s', ', '.join(missing))
    exe = os.path.join(prefix, 'bin', tree.exe_name)
    result = tree.run_exe(exe, ['--version'])
    check(result.rc == 0 and re.match(r'^sockecho \d+\.\d+\.\d+ \(backends: [a-z_ ]+(; tls: [^()]+)?\)\n$',
                                       result.out),
          'installed sockecho --version: %s', result.describe())
    buildtree.loopback_session(ctx, tree, exe)


def test_install_honours_destdir(ctx):
    tree = buildtree.Tree(ctx)
    stage = ctx.tmp('stage')
    tree.install('/opt/sockecho-test', destdir=stage)
    root = stage + '/opt/sockecho-test'
    check(os.path.exists(os.path.join(root, 'bin', tree.exe_name)),
          'DESTDIR=%s PREFIX=/opt/sockecho-test: no %s/bin/%s', stage, root, tree.exe_name)
    check(not os.path.exists('/opt/sockecho-test'),
          'the install wrote outside DESTDIR (/opt/sockecho-test exists)')
    # The pkg-config file finds its prefix from where it lies, so a staged
    # or moved tree still gives right paths.
    with open(os.path.join(root, tree.libdir, 'pkgconfig', 'sockecho.pc')) as f:
        pc = f.read()
    check('prefix=${pcfiledir}/' in pc, 'sockecho.pc is not relocatable: %r', pc[:200])


def completions(script, words, options=None):
    """What the bash completion offers for the command line WORDS (the last
    word being completed). OPTIONS, a list, receives the words it passed to
    compopt."""
    line = ' '.join(words)
    code = ('compopt() { echo "$*" >&2; }; source %s; COMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE=%s; '
            'COMP_POINT=${#COMP_LINE}; _sockecho; printf "%%s\\n" "${COMPREPLY[@]}"'
            % (script, ' '.join("'%s'" % w for w in words), len(words) - 1,
               "'%s'" % line))
    proc = subprocess.run(['bash', '--norc', '--noprofile', '-c', code],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
    check(proc.returncode == 0, 'bash completion failed: %r', proc.stderr[-300:])
    if options is not None:
        options.extend(proc.stderr.decode().split())
    return set(proc.stdout.decode().split())


def test_bash_completion_knows_every_option(ctx):
    script = os.path.join(buildtree.SOURCE, 'completion', 'sockecho.bash')
    check({'client', 'server', 'bench'} <= completions(script, ['sockecho', '']),
          'commands are not completed')
    for command in ('client', 'server', 'bench'):
        want = {o for o in buildtree.help_options(buildtree.help_text(ctx, command))
                if o.startswith('--')}
        got = completions(script, ['sockecho', command, '--'])
        check(want == got, 'completion of "sockecho %s --": missing %s, extra %s',
              command, sorted(want - got), sorted(got - want))
    want = {o for o in buildtree.help_options(buildtree.help_text(ctx, 'bench', 'merge'))
            if o.startswith('--')}
    got = completions(script, ['sockecho', 'bench', 'merge', '--'])
    check(want == got, 'completion of "sockecho bench merge --": %s, --help: %s',
          sorted(got), sorted(want))
    check({'rr', 'rate', 'sessions', 'bulk', 'idle'} <=
          completions(script, ['sockecho', 'bench', '--mode', '']),
          'bench --mode values are not completed')


def test_bash_completion_values(ctx):
    script = os.path.join(buildtree.SOURCE, 'completion', 'sockecho.bash')
    options = []
    got = completions(script, ['sockecho', 'server', '--fault', 'rst'], options)
    check(got == {'rst-after='}, '--fault rst completes to %s', sorted(got))
    check('nospace' in options, '--fault rst-after= is followed by a space '
          '(compopt got %r)', options)
    for words in (['sockecho', 'client', '-s', ''],
                  ['sockecho', 'client', '--size', 'l'],
                  ['sockecho', 'bench', '-c', ''],
                  ['sockecho', 'server', '--port', '']):
        got = completions(script, words)
        check(not got, '%s offers %s', ' '.join(words), sorted(got)[:5])
    check('localhost' in completions(script, ['sockecho', 'client', 'l']),
          'host names are not offered for HOST')
