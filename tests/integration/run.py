#!/usr/bin/env python3
"""Run one end-to-end test of sockecho (one ctest entry).

    run.py --exe PATH [--wrapper "EMULATOR WORDS"] [--peer-exe PATH] \\
           MODULE.TEST_NAME

Exit 0: pass; 77: skipped (reason printed); anything else: fail, with a
one-line reason. MODULE alone runs every test of the module in turn (for
working on the suite by hand; ctest always names one test).
"""

import argparse
import importlib
import os
import re
import shutil
import subprocess
import sys
import threading
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# Keep the source tree clean (ctest runs the sources in place).
sys.dont_write_bytecode = True

import harness  # noqa: E402

SKIP = 77
# ctest's TIMEOUT is 120 s: give up a little earlier with a clear message and
# no process left behind.
WATCHDOG_SECONDS = 110


def _watchdog_seconds(module):
    """WATCHDOG_SECONDS, or 10 s less than the module's own ctest timeout
    (a "# ctest-timeout: SECONDS" line, tests/CMakeLists.txt)."""
    with open(module.__file__) as f:
        m = re.search(r'^# ctest-timeout: (\d+)$', f.read(), re.M)
    return int(m.group(1)) - 10 if m else WATCHDOG_SECONDS


def _watchdog():
    print('FAIL: test still running after the watchdog\'s time', flush=True)
    harness.kill_all()
    os._exit(1)


def run_one(module, name, args):
    func = getattr(module, name, None)
    if func is None or not name.startswith('test_'):
        print('FAIL: no test %s in %s' % (name, module.__name__))
        return 1
    ctx = harness.Context(args.exe, args.wrapper, args.peer_exe)
    try:
        func(ctx)
    except harness.Skip as exc:
        print('SKIP: %s' % exc)
        return SKIP
    except AssertionError as exc:
        reason = str(exc).replace('\n', ' ') or 'assertion failed'
        tb = traceback.extract_tb(exc.__traceback__)
        where = next((f for f in reversed(tb)
                      if os.path.basename(f.filename).startswith('test_')),
                     tb[-1] if tb else None)
        if where is not None:
            reason += ' [%s:%d]' % (os.path.basename(where.filename),
                                    where.lineno)
        print('FAIL: %s' % reason)
        return 1
    except Exception as exc:  # a bug in the test or an unexpected error
        traceback.print_exc()
        print('FAIL: %s: %s' % (type(exc).__name__, exc))
        return 1
    finally:
        harness.kill_all()
        ctx.cleanup()
    print('PASS')
    return 0


NETNS_MARK = 'SOCKECHO_TEST_NETNS'


def _own_network_namespace(wrapper):
    """Re-runs this test in a network namespace of its own (Linux, as root,
    native builds), with only its loopback up: the ports and TIME_WAIT
    sockets of other programs on the machine cannot touch it. Returns only
    where that is not possible (then the test uses the shared loopback).
    SOCKECHO_TEST_NETNS=0 turns it off."""
    if os.environ.get(NETNS_MARK) in ('0', 'inside') or wrapper:
        return
    if not sys.platform.startswith('linux') or os.geteuid() != 0:
        return
    unshare, ip = shutil.which('unshare'), shutil.which('ip')
    if not unshare or not ip:
        return
    try:
        probe = subprocess.run([unshare, '-n', ip, 'link', 'set', 'lo', 'up'],
                               capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return
    if probe.returncode != 0:
        return
    os.environ[NETNS_MARK] = 'inside'
    argv = [unshare, '-n', '--', 'sh', '-c', '"$0" link set lo up && exec "$@"', ip,
            sys.executable] + sys.argv
    os.execv(unshare, argv)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--exe', required=True,
                        help='sockecho (or sockecho.exe) under test')
    parser.add_argument('--wrapper', default='',
                        help='emulator command line prepended to every '
                             'sockecho run (empty natively)')
    parser.add_argument('--peer-exe', default='',
                        help="the other platform's sockecho (cross tests)")
    parser.add_argument('test', help='MODULE.TEST_NAME or MODULE')
    args = parser.parse_args()

    if not os.path.exists(args.exe):
        print('FAIL: %s does not exist' % args.exe)
        return 1
    _own_network_namespace(args.wrapper)
    module_name, _, test_name = args.test.partition('.')
    module = importlib.import_module(module_name)

    if test_name:
        timer = threading.Timer(_watchdog_seconds(module), _watchdog)
        timer.daemon = True
        timer.start()
        return run_one(module, test_name, args)
    worst = 0
    for name in sorted(n for n in dir(module) if n.startswith('test_')):
        print('%s.%s: ' % (module_name, name), end='', flush=True)
        rc = run_one(module, name, args)
        if rc not in (0, SKIP):
            worst = rc
    return worst


if __name__ == '__main__':
    sys.exit(main())
