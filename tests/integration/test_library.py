"""libsockecho as its users get it: installed with cmake --install, the
example examples/echo_check.c builds against it with pkg-config and with
CMake's find_package, and runs sessions against a server (natively, or
cross-compiled with mingw-w64 and run under Wine for the Windows build)."""

import os
import shutil

import buildtree
import harness
from harness import Skip, check

EXAMPLE = os.path.join(buildtree.SOURCE, 'examples', 'echo_check.c')
EXAMPLES_DIR = os.path.join(buildtree.SOURCE, 'examples')


def compiler(tree):
    cc = buildtree.MINGW_CC if tree.windows else 'gcc'
    if not shutil.which(cc):
        raise Skip('%s is not installed' % cc)
    return cc


def extra_flags(tree):
    # An ASan-built library needs the sanitizer runtime in the program too.
    if tree.sanitize:
        return ['-fsanitize=address,undefined', '-fno-omit-frame-pointer']
    if tree.windows:
        return ['-static-libgcc']
    return []


def ready_to_run(ctx, tree, prefix, exe):
    """Puts the DLL beside a Windows exe; returns the environment to run it
    with (the library path natively)."""
    if tree.windows:
        shutil.copy(os.path.join(prefix, 'bin', 'libsockecho.dll'), os.path.dirname(exe))
        return None
    return {'LD_LIBRARY_PATH': os.path.join(prefix, tree.libdir)}


def run_example(ctx, tree, prefix, exe):
    env = ready_to_run(ctx, tree, prefix, exe)
    with harness.start_server(ctx, ['--bind', '127.0.0.1', '--port', '0']) as server:
        result = tree.run_exe(exe, ['127.0.0.1', server.port, 3 << 20], env=env)
    check(result.rc == 0, 'echo_check against sockecho server: %s', result.describe())
    lines = result.out.split('\n')
    check(lines[0].startswith('libsockecho 0.'), 'no version line: %r', result.out[:200])
    check(any(l.startswith('pattern: complete, 3145728 bytes sent, 3145728 received')
              for l in lines), 'pattern session: %r', result.out[:400])
    check(any(l.startswith('callbacks: complete') for l in lines) and
          'callbacks: the sink saw 16893 bytes' in lines,
          'callback session: %r', result.out[:600])
    # A server that stops echoing after 100 bytes: the verdict, its exit
    # code and the detail come through the library.
    with harness.PyServer(harness.truncate_handler(100)) as py:
        result = tree.run_exe(exe, ['127.0.0.1', py.port, 4096], env=env)
    check(result.rc == 6 and 'pattern: truncated, 4096 bytes sent, 100 received' in result.out
          and 'truncated: the server closed after 100 of 4096 bytes' in result.err,
          'echo_check against a truncating server: %s', result.describe())


def test_example_builds_with_pkg_config(ctx):
    tree = buildtree.Tree(ctx)
    cc = compiler(tree)
    if not shutil.which('pkg-config'):
        raise Skip('pkg-config is not installed')
    prefix = tree.install(ctx.tmp('prefix'))
    env = dict(os.environ, PKG_CONFIG_LIBDIR=os.path.join(prefix, tree.libdir, 'pkgconfig'))
    env.pop('PKG_CONFIG_PATH', None)
    flags = buildtree.run_cmd(['pkg-config', '--cflags', '--libs', 'sockecho'], env=env).split()
    check('-lsockecho' in flags, 'pkg-config --libs sockecho: %r', flags)
    exe = ctx.tmp('echo_check.exe' if tree.windows else 'echo_check')
    buildtree.run_cmd([cc, '-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', EXAMPLE,
                       '-o', exe] + flags + extra_flags(tree))
    run_example(ctx, tree, prefix, exe)


def test_example_builds_with_find_package(ctx):
    tree = buildtree.Tree(ctx)
    compiler(tree)
    prefix = tree.install(ctx.tmp('prefix'))
    build = ctx.tmp('example-build')
    args = ['cmake', '-S', EXAMPLES_DIR, '-B', build, '-DCMAKE_BUILD_TYPE=Release',
            '-Dsockecho_DIR=' + os.path.join(prefix, tree.libdir, 'cmake', 'sockecho'),
            '-DCMAKE_C_FLAGS=' + ' '.join(['-Wall', '-Wextra', '-Werror'] + extra_flags(tree)),
            '-DCMAKE_EXE_LINKER_FLAGS=' + ' '.join(extra_flags(tree))]
    if tree.windows:
        args.append('-DCMAKE_TOOLCHAIN_FILE=' +
                    os.path.join(buildtree.SOURCE, 'cmake', 'mingw-w64.cmake'))
    buildtree.run_cmd(args)
    buildtree.run_cmd(['cmake', '--build', build])
    exe = os.path.join(build, 'echo_check.exe' if tree.windows else 'echo_check')
    check(os.path.exists(exe), 'the CMake build made no %s', exe)
    run_example(ctx, tree, prefix, exe)


def test_static_library_links_alone(ctx):
    """The static library with find_package's sockecho::sockecho_static:
    the program needs no libsockecho at run time."""
    tree = buildtree.Tree(ctx)
    compiler(tree)
    prefix = tree.install(ctx.tmp('prefix'))
    build = ctx.tmp('example-static')
    args = ['cmake', '-S', EXAMPLES_DIR, '-B', build, '-DSOCKECHO_LINK=static',
            '-Dsockecho_DIR=' + os.path.join(prefix, tree.libdir, 'cmake', 'sockecho'),
            '-DCMAKE_C_FLAGS=' + ' '.join(extra_flags(tree)),
            '-DCMAKE_EXE_LINKER_FLAGS=' + ' '.join(extra_flags(tree) +
                                                   (['-static'] if tree.windows else []))]
    if tree.windows:
        args.append('-DCMAKE_TOOLCHAIN_FILE=' +
                    os.path.join(buildtree.SOURCE, 'cmake', 'mingw-w64.cmake'))
    buildtree.run_cmd(args)
    buildtree.run_cmd(['cmake', '--build', build])
    exe = os.path.join(build, 'echo_check.exe' if tree.windows else 'echo_check')
    with harness.start_server(ctx, ['--bind', '127.0.0.1', '--port', '0']) as server:
        result = tree.run_exe(exe, ['127.0.0.1', server.port, 1000])
    check(result.rc == 0 and 'pattern: complete, 1000 bytes sent, 1000 received' in result.out,
          'statically linked echo_check: %s', result.describe())
