"""docs/json.md documents one JSON schema for every --json record of the
client, the server and bench. Real output of each record type, and every
example on that page, must match it. The validator below implements the few
JSON Schema keywords the schema uses (Python's json module is all it
needs)."""

import json
import os
import re
import socket

import harness
from harness import check, run_client, run_sockecho, start_server

DOC = os.path.join(os.path.dirname(__file__), '..', '..', 'docs', 'json.md')
TYPES = {'client', 'client_interval', 'client_udp', 'listening', 'connection', 'stats',
         'summary', 'log', 'bench', 'bench_interval', 'bench_merge'}


def load_doc():
    with open(DOC) as f:
        text = f.read()
    match = re.search(r'<!-- sockecho-json-schema -->\n```json\n(.*?)\n```', text, re.S)
    check(match, 'docs/json.md has no schema block')
    schema = json.loads(match.group(1))
    examples_part = text.split('\n## Examples', 1)[1].split('\n## Schema', 1)[0]
    examples = [json.loads(line)
                for block in re.findall(r'```json\n(.*?)\n```', examples_part, re.S)
                for line in block.split('\n') if line.strip()]
    return schema, examples


JSON_TYPES = {'object': dict, 'array': list, 'string': str, 'boolean': bool,
              'null': type(None)}


def type_ok(value, name):
    if name == 'integer':
        return isinstance(value, int) and not isinstance(value, bool)
    if name == 'number':
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, JSON_TYPES[name])


def errors(value, schema, root, path='$'):
    """The list of ways VALUE breaks SCHEMA (empty when it matches)."""
    if '$ref' in schema:
        target = root
        for part in schema['$ref'].lstrip('#/').split('/'):
            target = target[part]
        return errors(value, target, root, path)
    if 'oneOf' in schema:
        results = [errors(value, s, root, path) for s in schema['oneOf']]
        ok = [r for r in results if not r]
        if len(ok) == 1:
            return []
        if not ok:
            best = min(results, key=len)
            return ['%s matches none of oneOf (closest: %s)' % (path, '; '.join(best[:3]))]
        return ['%s matches %d of oneOf' % (path, len(ok))]
    out = []
    if 'type' in schema:
        names = schema['type'] if isinstance(schema['type'], list) else [schema['type']]
        if not any(type_ok(value, n) for n in names):
            return ['%s: %r is not %s' % (path, value, '/'.join(names))]
    if 'const' in schema and value != schema['const']:
        out.append('%s: %r is not %r' % (path, value, schema['const']))
    if 'enum' in schema and value not in schema['enum']:
        out.append('%s: %r is not one of %s' % (path, value, schema['enum']))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 'minimum' in schema and value < schema['minimum']:
            out.append('%s: %r < %r' % (path, value, schema['minimum']))
        if 'maximum' in schema and value > schema['maximum']:
            out.append('%s: %r > %r' % (path, value, schema['maximum']))
    if isinstance(value, str) and 'pattern' in schema and not re.search(schema['pattern'], value):
        out.append('%s: %r does not match %s' % (path, value, schema['pattern']))
    if isinstance(value, dict):
        props = schema.get('properties', {})
        for name in schema.get('required', []):
            if name not in value:
                out.append('%s: missing "%s"' % (path, name))
        for name, item in value.items():
            if name in props:
                out += errors(item, props[name], root, '%s.%s' % (path, name))
            elif schema.get('additionalProperties') is False:
                out.append('%s: unexpected "%s"' % (path, name))
    if isinstance(value, list) and 'items' in schema:
        for i, item in enumerate(value):
            out += errors(item, schema['items'], root, '%s[%d]' % (path, i))
    return out


def validate(records, what):
    schema, _ = load_doc()
    for record in records:
        problems = errors(record, schema, schema)
        check(not problems, '%s: %s record does not match docs/json.md: %s',
              what, record.get('type'), '; '.join(problems[:5]))
    return {r['type'] for r in records}


def test_schema_and_examples_agree(ctx):
    schema, examples = load_doc()
    check(set(schema['$defs']) >= TYPES, 'schema lacks record types %s',
          sorted(TYPES - set(schema['$defs'])))
    types = validate(examples, 'docs/json.md example')
    check(types == TYPES, 'docs/json.md has no example of %s', sorted(TYPES - types))
    # The validator itself rejects what it must.
    bad = dict(examples[0], bytes_sent=-1, extra=1)
    del bad['verdict']
    check(len(errors(bad, schema, schema)) >= 1, 'the validator accepts a broken record')


def test_client_records(ctx):
    with start_server(ctx, ['--bind', '127.0.0.1', '--port', '0', '--udp']) as server:
        tcp = run_client(ctx, ['--json', '--size', '100K', '127.0.0.1', server.port])
        udp = run_client(ctx, ['--json', '--udp', '--count', '2', '127.0.0.1', server.port])
    with harness.PyServer(harness.truncate_handler(10)) as py:
        cut = run_client(ctx, ['--json', '127.0.0.1', py.port])
    records = []
    for result, rc in ((tcp, 0), (udp, 0), (cut, 6)):
        check(result.rc == rc, 'client --json: %s', result.describe())
        records += harness.ndjson(result.out)
    types = validate(records, 'client --json')
    check(types == {'client', 'client_udp'}, 'record types %s', types)
    check(records[2]['verdict'] == 'truncated' and records[2]['error'],
          'truncated session: %r', records[2])


def test_server_records(ctx):
    with start_server(ctx, ['--bind', '127.0.0.1', '--port', '0', '--json',
                            '--stats-interval', '100ms', '--max-conns', '1',
                            '--metrics', '127.0.0.1:0']) as server:
        result = run_client(ctx, ['127.0.0.1', server.port])
        check(result.rc == 0, 'client: %s', result.describe())
        # Hold one connection open, so a second reaches --max-conns: a log
        # record.
        first = socket.create_connection(('127.0.0.1', server.port), timeout=10)
        second = socket.create_connection(('127.0.0.1', server.port), timeout=10)
        server.wait_for(lambda out, err: '"type":"log"' in out, ctx.t(10), 'log record')
        for sock in (first, second):
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(ctx.t(10))
            while sock.recv(4096):
                pass
            sock.close()
        server.wait_for(lambda out, err: out.count('"type":"connection"') >= 3, ctx.t(10),
                        'three connection records')
        server.wait_for(lambda out, err: '"type":"stats"' in out, ctx.t(10), 'stats record')
        rc, out, err = server.stop()
    check(rc == 0, 'server exit %s: %s', rc, err[-300:])
    types = validate(harness.ndjson(out), 'server --json')
    check(types == {'listening', 'connection', 'stats', 'summary', 'log'},
          'server record types: %s', sorted(types))


def test_bench_records(ctx):
    with start_server(ctx, ['--bind', '127.0.0.1', '--port', '0']) as server:
        result = run_sockecho(ctx, ['bench', '--json', '-d', '300ms', '--interval', '100ms',
                                    '-c', '2', '127.0.0.1', server.port])
    check(result.rc == 0, 'bench --json: %s', result.describe())
    types = validate(harness.ndjson(result.out), 'bench --json')
    check(types == {'bench', 'bench_interval'}, 'bench record types: %s', sorted(types))
    merged = run_sockecho(ctx, ['bench', 'merge', '--json', '-'],
                          input=result.out.encode())
    check(merged.rc == 0, 'bench merge --json: %s', merged.describe())
    types = validate(harness.ndjson(merged.out), 'bench merge --json')
    check(types == {'bench_merge'}, 'bench merge record types: %s', sorted(types))


def test_records_of_runs_that_fail_early(ctx):
    missing = ctx.path(ctx.tmp('no-such-file.bin'))
    with harness.ClosedPort() as closed:
        nofile = run_sockecho(ctx, ['client', '--json', '--file', missing,
                                    '127.0.0.1', closed.port])
        noout = run_sockecho(ctx, ['client', '--json', '--output',
                                   ctx.path(ctx.tmp('no-dir/x.bin')),
                                   '127.0.0.1', closed.port])
        bench = run_sockecho(ctx, ['bench', '--json', '-d', '200ms',
                                   'no-such-host.invalid', closed.port])
    expected = ((nofile, 1, 'client', 'error'), (noout, 1, 'client', 'error'),
                (bench, 3, 'bench', 'resolve'))
    for result, rc, rtype, verdict in expected:
        check(result.rc == rc, 'expected exit %d: %s', rc, result.describe())
        records = harness.ndjson(result.out)
        check(len(records) == 1, 'expected one record: %s', result.describe())
        validate(records, '%s that fails early' % rtype)
        check(records[0]['type'] == rtype and records[0]['verdict'] == verdict,
              'record %r', records[0])


def test_strings_stay_valid_json(ctx):
    # A host name that is not UTF-8 and holds a control character: the
    # record must still be valid JSON, the bad byte written as \ufffd.
    host = os.fsdecode(b'h\xffst\x01.invalid') if os.name != 'nt' else 'h\x01.invalid'
    result = run_sockecho(ctx, ['client', '--json', host, '1'])
    check(result.rc == 3, 'expected resolve (3): %s', result.describe())
    check('\ufffd' not in result.out, 'raw bytes that are not UTF-8 in %r',
          result.out)
    records = harness.ndjson(result.out)
    validate(records, 'client --json with a strange host')
    check('\\u0001' in result.out, 'control character not escaped: %r',
          result.out)
    if not ctx.is_windows():
        check('\\ufffd' in result.out, 'invalid UTF-8 not written as \\ufffd: '
              '%r', result.out)


def test_version_and_start_time(ctx):
    with start_server(ctx, ['--bind', '127.0.0.1', '--port', '0', '--json',
                            '--interval', '100ms']) as server:
        client = run_client(ctx, ['--json', '127.0.0.1', server.port])
        bench = run_sockecho(ctx, ['bench', '--json', '-d', '200ms',
                                   '--interval', '100ms', '-c', '1',
                                   '127.0.0.1', server.port])
        version = run_sockecho(ctx, ['--version']).out.split()[1]
        server.wait_for(lambda out, err: '"type":"stats"' in out, ctx.t(10), 'stats record')
        rc, out, err = server.stop()
    records = harness.ndjson(out)
    check({'listening', 'connection', 'stats', 'summary'} <= {r['type'] for r in records},
          'server record types: %s', sorted({r['type'] for r in records}))
    for result in (client, bench):
        records += harness.ndjson(result.out)
    for record in records:
        check(record.get('version') == version, '%s record: version %r, expected %r',
              record['type'], record.get('version'), version)
        if record['type'] in ('client', 'bench'):
            check(re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$',
                           record.get('started') or ''),
                  'started %r', record.get('started'))
