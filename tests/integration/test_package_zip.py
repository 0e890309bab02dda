"""`make package-windows`: the zip holds the static sockecho.exe, README and
LICENSE, nothing else, and the exe it unpacks runs under Wine."""
# ctest-builds: windows

import os
import zipfile

import buildtree
from harness import check


def test_windows_zip_unpacks_and_runs(ctx):
    tree = buildtree.Tree(ctx)
    out = ctx.tmp('packages')
    os.makedirs(out)
    zips = [p for p in tree.cpack(out) if p.endswith('.zip')]
    check(len(zips) == 1, 'cpack made %r, not one .zip', zips)
    with zipfile.ZipFile(zips[0]) as z:
        names = sorted(n.split('/', 1)[-1] for n in z.namelist() if not n.endswith('/'))
        check(names == ['LICENSE', 'README.md', 'sockecho.exe'],
              'the zip holds %r', names)
        z.extractall(ctx.tmp('unzipped'))
    exe = [os.path.join(d, 'sockecho.exe')
           for d, _, files in os.walk(ctx.tmp('unzipped')) if 'sockecho.exe' in files][0]
    # Static: the exe needs no DLL beside it but the system's.
    dlls = [n for n in os.listdir(os.path.dirname(exe)) if n.lower().endswith('.dll')]
    check(not dlls, 'DLLs next to the exe: %r', dlls)
    result = tree.run_exe(exe, ['--version'])
    check(result.rc == 0 and result.out.startswith('sockecho '),
          'unzipped sockecho.exe --version: %s', result.describe())
    buildtree.loopback_session(ctx, tree, exe)
