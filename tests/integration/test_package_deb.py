"""`make package`: CPack builds three Debian packages (sockecho, the program
and its documentation; libsockecho0, the shared library; libsockecho-dev,
what building with it needs); the sockecho they unpack runs, and lintian
finds no error in them."""
# ctest-builds: native
# ctest-timeout: 400

import os
import re
import shutil
import subprocess

import buildtree
from harness import Skip, check

PACKAGES = ('sockecho', 'libsockecho0', 'libsockecho-dev')


def build_debs(ctx, tree):
    """Runs CPack; returns {package name: .deb path}."""
    if not shutil.which('dpkg-deb'):
        raise Skip('dpkg-deb is not installed')
    out = ctx.tmp('packages')
    os.makedirs(out)
    debs = {}
    for path in tree.cpack(out, timeout=ctx.t(240)):
        if path.endswith('.deb'):
            debs[buildtree.run_cmd(['dpkg-deb', '--field', path, 'Package']).strip()] = path
    check(sorted(debs) == sorted(PACKAGES), 'cpack made %r, not the packages %r',
          sorted(debs), PACKAGES)
    return debs


def fields(deb):
    out = buildtree.run_cmd(['dpkg-deb', '--field', deb])
    return dict(re.findall(r'^([A-Za-z-]+): (.*)$', out, re.M))


def contents(deb):
    """The paths a .deb installs, without the leading "./"."""
    out = buildtree.run_cmd(['dpkg-deb', '--contents', deb])
    return {line.split()[5][2:].split(' -> ')[0] for line in out.splitlines()}


def test_deb_unpacks_and_runs(ctx):
    tree = buildtree.Tree(ctx)
    debs = build_debs(ctx, tree)
    libdir = 'usr/' + tree.cache['CMAKE_INSTALL_LIBDIR']
    check(re.match(r'^usr/lib/[a-z0-9_]+-linux-gnu[a-z0-9_]*$', libdir),
          'the library directory %s is not the multiarch one', libdir)
    want = {
        'sockecho': ['usr/bin/sockecho', 'usr/share/man/man1/sockecho-client.1.gz',
                     'usr/share/doc/sockecho/contrib/systemd/sockecho.service',
                     'usr/share/doc/sockecho/changelog.gz',
                     'usr/share/bash-completion/completions/sockecho'],
        'libsockecho0': [libdir + '/libsockecho.so.0'],
        'libsockecho-dev': ['usr/include/sockecho.h', libdir + '/pkgconfig/sockecho.pc',
                            libdir + '/libsockecho.so', libdir + '/libsockecho.a',
                            libdir + '/cmake/sockecho/sockechoConfig.cmake'],
    }
    maintainer = tree.cache['SOCKECHO_PACKAGE_MAINTAINER']
    for name, deb in debs.items():
        files = contents(deb)
        want[name] += ['usr/share/doc/%s/copyright' % name,
                       'usr/share/doc/%s/changelog.Debian.gz' % name]
        missing = [f for f in want[name] if f not in files]
        check(not missing, '%s lacks %s', name, missing)
        f = fields(deb)
        check(f.get('Maintainer') == maintainer, '%s: Maintainer %r, configured %r', name,
              f.get('Maintainer'), maintainer)
    # The program and the library's files are in their own packages.
    check(not any('libsockecho' in f or f.startswith('usr/include')
                  for f in contents(debs['sockecho'])),
          'the sockecho package carries library files')
    check(not any(f.endswith(('.a', '.h', '.so')) for f in contents(debs['libsockecho0'])),
          'the runtime library package carries development files')
    main = fields(debs['sockecho'])
    check(main.get('Recommends') == 'bash-completion' and
          main.get('Depends', '').startswith('libc6'), 'sockecho fields: %r', main)
    dev = fields(debs['libsockecho-dev'])
    check(re.match(r'^libsockecho0 \(= %s-\d+\)$' % re.escape(tree.cache['CMAKE_PROJECT_VERSION']),
                   dev.get('Depends', '')), 'libsockecho-dev Depends: %r', dev.get('Depends'))

    root = ctx.tmp('root')
    buildtree.run_cmd(['dpkg-deb', '-x', debs['sockecho'], root])
    exe = os.path.join(root, 'usr', 'bin', 'sockecho')
    result = tree.run_exe(exe, ['--version'])
    check(result.rc == 0 and result.out.startswith('sockecho '),
          'unpacked sockecho --version: %s', result.describe())
    buildtree.loopback_session(ctx, tree, exe)


def test_deb_passes_lintian(ctx):
    """lintian reports no error (E:) for any of the three packages; its
    warnings are printed for the reader."""
    if not shutil.which('lintian'):
        raise Skip('lintian is not installed')
    tree = buildtree.Tree(ctx)
    debs = build_debs(ctx, tree)
    proc = subprocess.run(['lintian', '--no-cfg', '--fail-on', 'none'] + sorted(debs.values()),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=ctx.t(300))
    out = proc.stdout.decode(errors='replace')
    check(proc.returncode == 0, 'lintian failed (%d): %s', proc.returncode, out[-800:])
    errors = [line for line in out.splitlines() if line.startswith('E:')]
    check(not errors, 'lintian errors:\n%s', '\n'.join(errors))
    for line in out.splitlines():
        if line.startswith('W:'):
            print(line)
