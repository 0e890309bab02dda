"""contrib/container/Containerfile (docs/fleet.md): built and run with
podman. No registry is reachable here, so the builder stage cannot run (its
base image cannot be pulled): the test runs the builder stage's own script,
contrib/container/build-static.sh, on the host with musl-gcc, and hands
the tree it makes to the Containerfile's BINARY_FROM stage; the final stage
is the real one. The container runs with runc, lowered limits and host
networking, storage in the test's own directory; the test checks the image
(non-root user, ports, entry point) and that the contained server echoes,
serves metrics and drains on `podman stop`."""
# ctest-builds: native

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request

import buildtree
from harness import Skip, check, run_client

IMAGE = 'localhost/sockecho:test'
BINARY_IMAGE = 'localhost/sockecho-binary:test'
NAME = 'sockecho-test-%d' % os.getpid()
USER = '65532:65532'
CONTAINERS_CONF = '''[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
'''


BUILD_SCRIPT = os.path.join(buildtree.SOURCE, 'contrib', 'container', 'build-static.sh')
CONTAINERFILE = os.path.join(buildtree.SOURCE, 'contrib', 'container', 'Containerfile')


def _builder_runs_the_script():
    """The build stage's last command is build-static.sh, as the test runs it."""
    with open(CONTAINERFILE) as f:
        text = f.read()
    stage = text.split(' AS build\n', 1)[1].split('\nFROM ', 1)[0]
    runs = re.findall(r'^RUN (.*)$', stage, re.M)
    check(runs and 'contrib/container/build-static.sh /src /build /out' in runs[-1],
          'the build stage does not end with build-static.sh: %r', runs)


def _static_tree(ctx, tree):
    """The /out tree of the image, made by the build stage's script with
    musl on the host, in a build tree of its own beside the one under test
    (kept: later runs rebuild incrementally). Returns the tree's path."""
    musl = shutil.which('musl-gcc')
    if not musl:
        raise Skip('musl-gcc is not installed (Debian package musl-tools; scripts/deps.sh)')
    build = os.path.join(tree.build, 'container-static')
    out = ctx.tmp('out')
    proc = subprocess.run(['sh', BUILD_SCRIPT, buildtree.SOURCE, build, out,
                           '-DCMAKE_C_COMPILER=' + musl,
                           # the host's OpenSSL and liburing are glibc builds
                           '-DSOCKECHO_WITH_TLS=OFF', '-DSOCKECHO_IO_URING=OFF'],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=200,
                          env=dict(os.environ, BUILD_JOBS='2'))
    check(proc.returncode == 0, 'build-static.sh: exit %d: %s', proc.returncode,
          proc.stdout.decode(errors='replace')[-800:])
    for name in ('usr/bin/sockecho', 'etc/passwd', 'etc/group'):
        check(os.path.isfile(os.path.join(out, name)), 'build-static.sh made no %s', name)
    return out


class Podman:
    """podman with the settings that work on this kind of machine, its
    storage in DIR."""

    def __init__(self, ctx, exe):
        self.exe = exe
        root = ctx.tmp('podman')
        os.makedirs(root)
        conf = os.path.join(root, 'containers.conf')
        with open(conf, 'w') as f:
            f.write(CONTAINERS_CONF)
        storage = os.path.join(root, 'storage.conf')
        with open(storage, 'w') as f:
            f.write('[storage]\ndriver = "vfs"\ngraphroot = "%s/graph"\nrunroot = "%s/run"\n'
                    % (root, root))
        self.env = dict(os.environ, CONTAINERS_CONF=conf, CONTAINERS_STORAGE_CONF=storage)
        self.cache = '/var/lib/containers/cache'
        self.cache_existed = os.path.exists(self.cache)

    def run(self, args, timeout=60, ok=True):
        proc = subprocess.run([self.exe] + args, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, env=self.env, timeout=timeout)
        out = proc.stdout.decode(errors='replace')
        if ok:
            check(proc.returncode == 0, 'podman %s: exit %d: %s', ' '.join(args[:3]),
                  proc.returncode, out[-800:])
        return proc.returncode, out

    def cleanup(self):
        self.run(['rm', '-f', '-t', '0', NAME], ok=False)
        self.run(['rmi', '-f', IMAGE, BINARY_IMAGE], ok=False)
        # podman writes a cache outside its storage: ours to remove if it
        # was not there before.
        if not self.cache_existed:
            shutil.rmtree(self.cache, ignore_errors=True)


def _binary_image(ctx, podman, out):
    """An image holding the /out tree the Containerfile's build stage makes."""
    context = ctx.tmp('binary-context')
    shutil.copytree(out, os.path.join(context, 'out'))
    with open(os.path.join(context, 'Containerfile'), 'w') as f:
        f.write('FROM scratch\nCOPY out/ /out/\n')
    podman.run(['build', '-q', '-t', BINARY_IMAGE, context])


def _can_run_containers(podman):
    rc, out = podman.run(['info', '--format', '{{.Host.OCIRuntime.Name}}'], ok=False)
    return rc == 0 and 'runc' in out


def _wait_logs(podman, pattern, timeout):
    deadline = time.monotonic() + timeout
    while True:
        _, out = podman.run(['logs', NAME], ok=False)
        match = re.search(pattern, out, re.M)
        if match:
            return match, out
        check(time.monotonic() < deadline, 'no %r in the container output within %.0fs: %s',
              pattern, timeout, out[-500:])
        time.sleep(0.1)


def test_container_image_builds_and_serves(ctx):
    exe = shutil.which('podman')
    if not exe or not shutil.which('runc'):
        raise Skip('podman or runc is not installed (scripts/deps.sh installs both)')
    _builder_runs_the_script()
    tree = buildtree.Tree(ctx)
    out = _static_tree(ctx, tree)
    podman = Podman(ctx, exe)
    if not _can_run_containers(podman):
        raise Skip('podman cannot run containers here (no runc runtime)')
    try:
        _binary_image(ctx, podman, out)
        _, out = podman.run(['build', '--build-arg', 'BINARY_FROM=' + BINARY_IMAGE,
                             '-f', CONTAINERFILE,
                             '-t', IMAGE, buildtree.SOURCE], timeout=120)
        check('apk add' not in out, 'the builder stage ran although unused: %s', out[-500:])
        _, out = podman.run(['image', 'inspect', IMAGE])
        config = json.loads(out)[0]['Config']
        check(config.get('User') == USER, 'image user %r', config.get('User'))
        check({'27015/tcp', '9100/tcp'} <= set(config.get('ExposedPorts', {})),
              'exposed ports %r', config.get('ExposedPorts'))
        check(config.get('Entrypoint') == ['/usr/bin/sockecho'], 'entry point %r',
              config.get('Entrypoint'))
        check('--metrics' in config.get('Cmd', []), 'default command %r', config.get('Cmd'))

        podman.run(['run', '-d', '--pull=never', '--network', 'host', '--name', NAME, IMAGE,
                    'server', '--bind', '127.0.0.1', '--port', '0',
                    '--metrics', '127.0.0.1:0'])
        match, _ = _wait_logs(podman, r'^listening on 127\.0\.0\.1 (\d+)$', ctx.t(20))
        port = match.group(1)
        match, _ = _wait_logs(podman, r'^metrics on 127\.0\.0\.1 (\d+)$', ctx.t(5))
        with urllib.request.urlopen('http://127.0.0.1:%s/metrics' % match.group(1),
                                    timeout=10) as resp:
            check(b'sockecho_connections_total 0' in resp.read(), 'metrics from the container')
        _, top = podman.run(['top', NAME, 'huser'])
        check(top.split()[1:] == ['65532'], 'the server runs as %r, not 65532', top)
        rc, out, err = run_client(ctx, ['-s', '100K', '127.0.0.1', port])
        check(rc == 0 and 'Bytes received: 102400' in out, 'client: %s %r', rc, err)
        # SIGTERM (podman stop) drains and prints the summary.
        podman.run(['stop', '-t', '10', NAME], timeout=30)
        _, logs = podman.run(['logs', NAME])
        check(re.search(r'stopped: 1 connection \(0 open, 1 complete', logs),
              'no summary after podman stop: %s', logs[-500:])
        _, state = podman.run(['inspect', NAME, '--format', '{{.State.ExitCode}}'])
        check(state.strip() == '0', 'container exit code %r', state)
    finally:
        podman.cleanup()
