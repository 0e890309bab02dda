"""contrib/kubernetes/ (docs/fleet.md), checked offline: kubectl parses the
manifests (`kubectl label --local`; creating them needs a cluster), this
test checks the fields they rely on (kinds, image and its tag, ports,
probes, the Job's completion mode and parallelism, the metrics ports and
annotations of servers and generators), and the
command lines in them run: the probe against a local server, the
generator's arguments (with a short duration) against it too."""
# ctest-builds: native

import datetime
import json
import os
import re
import shutil
import subprocess
import time

import buildtree
from harness import Skip, check, run_sockecho, start_server

DIR = os.path.join(buildtree.SOURCE, 'contrib', 'kubernetes')
CONTAINERFILE = os.path.join(buildtree.SOURCE, 'contrib', 'container', 'Containerfile')


def _kubectl(args):
    exe = shutil.which('kubectl')
    if not exe:
        raise Skip('kubectl is not installed (scripts/deps.sh installs kubernetes-client)')
    # --local never talks to a cluster; an empty KUBECONFIG makes sure.
    env = dict(os.environ, KUBECONFIG=os.devnull)
    proc = subprocess.run([exe] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=60, env=env)
    check(proc.returncode == 0, 'kubectl %s: %s', ' '.join(args[:4]),
          proc.stderr.decode(errors='replace')[-500:])
    return proc.stdout.decode()


def _objects(text):
    """The JSON objects kubectl printed one after another."""
    decoder, objs, pos = json.JSONDecoder(), [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return objs
        obj, pos = decoder.raw_decode(text, pos)
        objs.extend(obj['items'] if obj.get('kind') == 'List' else [obj])


def _load(name):
    path = os.path.join(DIR, name)
    return {o['kind']: o for o in _objects(_kubectl(['label', '--local', '-f', path,
                                                     'probe=1', '-o', 'json']))}


def _container_user():
    with open(CONTAINERFILE) as f:
        match = re.search(r'^USER (\d+):(\d+)$', f.read(), re.M)
    check(match, 'no USER line in the Containerfile')
    return int(match.group(1))


def _project_version():
    with open(os.path.join(buildtree.SOURCE, 'CMakeLists.txt')) as f:
        match = re.search(r'^project\(sockecho VERSION (\S+) ', f.read(), re.M)
    check(match, 'no project version in CMakeLists.txt')
    return match.group(1)


SCRAPE = {'prometheus.io/scrape': 'true', 'prometheus.io/port': '9100',
          'prometheus.io/path': '/metrics'}


def _pod_checks(spec, what):
    check(spec['securityContext'].get('runAsNonRoot') is True and
          spec['securityContext'].get('runAsUser') == _container_user(),
          '%s: pod securityContext %r', what, spec['securityContext'])
    (container,) = spec['containers']
    check(container['securityContext'].get('readOnlyRootFilesystem') is True,
          '%s: root file system not read-only', what)
    # The image the Containerfile builds, tagged with this version.
    image = container['image']
    check(image.rsplit('/', 1)[-1] == 'sockecho:' + _project_version(),
          '%s: image %r is not sockecho:%s', what, image, _project_version())
    return container


def test_server_deployment_and_service(ctx):
    objs = _load('server.yaml')
    check(set(objs) == {'Deployment', 'Service'}, 'kinds %s', sorted(objs))
    dep, svc = objs['Deployment'], objs['Service']
    check(dep['apiVersion'] == 'apps/v1' and svc['apiVersion'] == 'v1', 'apiVersions')
    template = dep['spec']['template']
    labels = template['metadata']['labels']
    check(dep['spec']['selector']['matchLabels'].items() <= labels.items(),
          'the Deployment selector does not match its pods')
    check(svc['spec']['selector'].items() <= labels.items(),
          'the Service selector does not match the pods')
    container = _pod_checks(template['spec'], 'server')
    ports = {p['name']: p['containerPort'] for p in container['ports']}
    check(ports == {'echo': 27015, 'metrics': 9100}, 'container ports %r', ports)
    args = container['args']
    check(args[0] == 'server' and args[args.index('--metrics') + 1] == ':9100',
          'server args %r', args)
    notes = template['metadata']['annotations']
    check(notes == SCRAPE, 'scrape annotations %r', notes)
    svc_ports = {p['name']: (p['port'], p['targetPort']) for p in svc['spec']['ports']}
    check(svc_ports == {'echo': (27015, 'echo'), 'metrics': (9100, 'metrics')},
          'service ports %r', svc_ports)
    # The probes are real echo sessions: run them against a local server.
    with start_server(ctx, ['--port', '0', '--bind', '127.0.0.1']) as server:
        for kind in ('readinessProbe', 'livenessProbe'):
            command = container[kind]['exec']['command']
            check(command[:2] == ['/usr/bin/sockecho', 'client'] and
                  command[-2:] == ['127.0.0.1', '27015'], '%s command %r', kind, command)
            res = run_sockecho(ctx, command[1:-1] + [str(server.port)])
            check(res.rc == 0 and res.out == '' and res.err == '',
                  '%s against a server: %s', kind, res.describe())
        rc, out, err = server.stop()
    check(re.search(r'stopped: 2 connections \(0 open, 2 complete', err),
          'the probes were not two complete sessions: %r', err[-300:])


def test_bench_indexed_job(ctx):
    objs = _load('bench-job.yaml')
    check(set(objs) == {'Job'}, 'kinds %s', sorted(objs))
    job = objs['Job']
    spec = job['spec']
    check(job['apiVersion'] == 'batch/v1', 'apiVersion %r', job['apiVersion'])
    check(spec['completionMode'] == 'Indexed', 'completionMode %r', spec.get('completionMode'))
    check(spec['completions'] == spec['parallelism'] >= 2,
          'completions %r, parallelism %r', spec['completions'], spec['parallelism'])
    check(spec['template']['spec']['restartPolicy'] == 'Never', 'restartPolicy')
    container = _pod_checks(spec['template']['spec'], 'bench')
    server = _load('server.yaml')
    check(container['image'] ==
          server['Deployment']['spec']['template']['spec']['containers'][0]['image'],
          'the Job and the Deployment use different images')
    args = container['args']
    check(args[0] == 'bench' and '--json' in args and
          args[args.index('--start-at') + 1] == '$(START_AT)',
          'bench args %r', args)
    check(args[-2:] == [server['Service']['metadata']['name'], '27015'],
          'the generators do not target the Service: %r', args[-2:])
    check([e['name'] for e in container['env']] == ['START_AT'], 'env %r', container['env'])
    # Each generator serves its metrics while it runs, annotated for scraping.
    check(args[args.index('--metrics') + 1] == ':9100', 'bench --metrics in %r', args)
    ports = {p['name']: p['containerPort'] for p in container['ports']}
    check(ports == {'metrics': 9100}, 'bench container ports %r', ports)
    check(spec['template']['metadata'].get('annotations') == SCRAPE,
          'bench scrape annotations %r', spec['template']['metadata'].get('annotations'))
    # The documented way to set the shared start time works offline (a
    # start far enough ahead for kubectl on a loaded machine).
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
    start_at = start.strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    (set_job,) = _objects(_kubectl(['set', 'env', '--local', '-f',
                                    os.path.join(DIR, 'bench-job.yaml'),
                                    'START_AT=' + start_at, '-o', 'json']))
    env = set_job['spec']['template']['spec']['containers'][0]['env']
    check(env == [{'name': 'START_AT', 'value': start_at}], 'env after set env: %r', env)
    # The generator's command line runs (a short window, a local server),
    # its output merges as the documentation says.
    run_args = [start_at if a == '$(START_AT)' else a for a in args[:-2]]
    run_args[run_args.index('--duration') + 1] = '500ms'
    run_args[run_args.index('--metrics') + 1] = '127.0.0.1:0'
    with start_server(ctx, ['--port', '0', '--bind', '127.0.0.1']) as server_proc:
        res = run_sockecho(ctx, run_args + ['127.0.0.1', str(server_proc.port)])
    check(res.rc == 0, 'the Job\'s bench command: %s', res.describe())
    merged = run_sockecho(ctx, ['bench', 'merge', '--json', '-'],
                          input=(res.out + res.out).encode())
    check(merged.rc == 0 and json.loads(merged.out)['inputs'] == 2,
          'merge of the generator output: %s', merged.describe())
    check(time.time() >= start.timestamp(), 'the run ended before --start-at')
