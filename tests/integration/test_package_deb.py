"""`make package`: the Debian package CPack builds holds sockecho, its
library and its documentation, and the sockecho it unpacks runs."""
# ctest-builds: native

import os
import shutil

import buildtree
from harness import Skip, check


def test_deb_unpacks_and_runs(ctx):
    if not shutil.which('dpkg-deb'):
        raise Skip('dpkg-deb is not installed')
    tree = buildtree.Tree(ctx)
    out = ctx.tmp('packages')
    os.makedirs(out)
    debs = [p for p in tree.cpack(out) if p.endswith('.deb')]
    check(len(debs) == 1, 'cpack made %r, not one .deb', debs)
    info = buildtree.run_cmd(['dpkg-deb', '--field', debs[0], 'Package', 'Version',
                              'Architecture', 'Depends'])
    check('Package: sockecho' in info and 'Depends: libc6' in info,
          'package fields: %r', info)
    root = ctx.tmp('root')
    buildtree.run_cmd(['dpkg-deb', '-x', debs[0], root])
    for f in ('usr/bin/sockecho', 'usr/share/man/man1/sockecho-client.1',
              'usr/include/sockecho.h', 'usr/lib/pkgconfig/sockecho.pc',
              'usr/share/doc/sockecho/contrib/systemd/sockecho.service',
              'usr/share/bash-completion/completions/sockecho'):
        check(os.path.exists(os.path.join(root, f)), 'the package lacks /%s', f)
    exe = os.path.join(root, 'usr', 'bin', 'sockecho')
    result = tree.run_exe(exe, ['--version'])
    check(result.rc == 0 and result.out.startswith('sockecho '),
          'unpacked sockecho --version: %s', result.describe())
    buildtree.loopback_session(ctx, tree, exe)
