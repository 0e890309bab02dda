"""The build tree and source tree of the sockecho under test, for the tests
of installing, packaging and the library (issue 5).

The build tree is the directory of the executable under test (ctest passes
build/<preset>/sockecho[.exe]); its CMakeCache.txt says how it was built.
"""

import os
import re
import subprocess

import harness

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
MINGW_CC = 'x86_64-w64-mingw32-gcc'


class Tree:
    def __init__(self, ctx):
        self.ctx = ctx
        self.build = os.path.dirname(ctx.exe)
        self.cache = {}
        path = os.path.join(self.build, 'CMakeCache.txt')
        if not os.path.exists(path):
            raise harness.Skip('%s is not a CMake build tree' % self.build)
        with open(path) as f:
            for line in f:
                name, sep, value = line.rstrip('\n').partition('=')
                if sep and not line.startswith(('#', '//')):
                    self.cache[name.split(':')[0]] = value
        self.windows = ctx.windows
        self.sanitize = self.cache.get('SOCKECHO_SANITIZE', 'OFF').upper() in (
            'ON', '1', 'TRUE', 'YES')
        self.exe_name = 'sockecho.exe' if self.windows else 'sockecho'
        # Where libraries install, relative to the prefix (lib, or the
        # multiarch lib/x86_64-linux-gnu).
        self.libdir = self.cache.get('CMAKE_INSTALL_LIBDIR', 'lib')

    def install(self, prefix, destdir=None, timeout=60):
        """cmake --install of the build tree into PREFIX (under DESTDIR)."""
        env = dict(os.environ)
        if destdir:
            env['DESTDIR'] = destdir
        else:
            env.pop('DESTDIR', None)
        proc = subprocess.run(['cmake', '--install', self.build, '--prefix', prefix],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env=env, timeout=timeout)
        harness.check(proc.returncode == 0, 'cmake --install failed: %s',
                      proc.stdout.decode(errors='replace')[-600:])
        return prefix

    def cpack(self, outdir, timeout=90):
        """Runs the tree's CPack configuration; returns the package paths."""
        proc = subprocess.run(['cpack', '--config',
                               os.path.join(self.build, 'CPackConfig.cmake'),
                               '-B', outdir],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, cwd=outdir)
        out = proc.stdout.decode(errors='replace')
        harness.check(proc.returncode == 0, 'cpack failed: %s', out[-600:])
        return sorted(os.path.join(outdir, n) for n in os.listdir(outdir)
                      if n.endswith(('.deb', '.zip')))

    def run_exe(self, path, args, timeout=30.0, env=None):
        """Runs an installed or unpacked program of this build (under the
        emulator for the Windows build)."""
        argv = self.ctx.wrapper + [path] + [str(a) for a in args]
        return harness.run(self.ctx, argv, timeout=min(self.ctx.t(timeout), 90.0),
                           strip_cr=self.windows, env=env)


def run_cmd(argv, timeout=120, env=None, cwd=None):
    """Runs a host tool; AssertionError with its output when it fails."""
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, env=env, cwd=cwd)
    out = proc.stdout.decode(errors='replace')
    harness.check(proc.returncode == 0, '%s failed (%d): %s',
                  ' '.join(os.path.basename(a) if i == 0 else a
                           for i, a in enumerate(argv[:6])),
                  proc.returncode, out[-800:])
    return out


def loopback_session(ctx, tree, exe):
    """Starts the server EXE (installed or unpacked) on 127.0.0.1 port 0,
    runs EXE's client against it, and checks the seed report."""
    argv = ctx.wrapper + [exe, 'server', '--bind', '127.0.0.1', '--port', '0']
    server = harness.Server(argv, strip_cr=tree.windows)
    try:
        server.wait_listening(ctx.t(20))
        result = tree.run_exe(exe, ['client', '127.0.0.1', server.port])
        harness.check(result.rc == 0 and result.out == harness.seed_report(14, 14),
                      'the installed client against the installed server: %s',
                      result.describe())
    finally:
        server.kill()


OPTION_RE = re.compile(r'^--?[A-Za-z0-9][A-Za-z0-9-]*$')
PLACEHOLDER_RE = re.compile(r'^[A-Z][A-Z0-9_]*$')


def help_text(ctx, *command):
    result = harness.run_sockecho(ctx, list(command) + ['--help'])
    harness.check(result.rc == 0 and result.out, '%s --help: %s', command, result.describe())
    return result.out


def help_options(text):
    """The options a --help TEXT defines: on each line that starts (after
    indentation) with a dash, the option words and argument placeholders of
    the option column, up to the description ("-s, --size BYTES  ...")."""
    opts = set()
    for line in text.split('\n'):
        if not re.match(r'^\s+-', line):
            continue
        for word in line.split():
            word = word.rstrip(',')
            if OPTION_RE.match(word):
                opts.add(word)
            elif not PLACEHOLDER_RE.match(word):
                break
    return opts
