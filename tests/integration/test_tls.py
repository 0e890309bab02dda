"""TLS (--tls): our client and server against each other, against real TLS
programs (socat, ncat, openssl s_client) and through real TLS terminators
(stunnel4, haproxy) in front of the plain server; certificates made by the
test with the openssl command.

The Windows build's client (Schannel) runs against the native server (the
peer build): Wine's Schannel has no server side, so every test of our own
TLS server uses the native build, and the ones that only test the server
skip under Wine."""

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time

from harness import (Skip, check, free_port, pattern, run, run_client, run_sockecho,
                     start_server, wait_connectable)
from tlscerts import Certs

LOCAL = ['--port', '0', '--bind', '127.0.0.1']
TLS_EXIT = 14
FP_RE = re.compile(r'^listening on 127\.0\.0\.1 \d+ tls sha256=([0-9A-F:]{95})$')


def _need(program):
    path = shutil.which(program)
    if not path:
        raise Skip('%s is not installed' % program)
    return path


def _certs(ctx):
    return Certs(ctx.tmp('certs'))


def _tls_server(ctx, args):
    """Our TLS server: the native build (the peer build under Wine)."""
    return start_server(ctx, LOCAL + ['--tls'] + list(args), peer=ctx.windows)


def _client(ctx, certs, port, args, ca='ca', timeout=60.0):
    """Our client over TLS to 127.0.0.1:PORT, verifying 'localhost' against
    CA's certificate (None: the system store)."""
    tls = ['--tls', '--tls-servername', 'localhost']
    if ca:
        tls += ['--tls-ca', ctx.path(certs.pem(ca))]
    return run_client(ctx, tls + list(args) + ['127.0.0.1', str(port)], timeout=timeout)


def _our_lines(ctx, res):
    """RES's lines on standard error, without the lines Wine's GnuTLS prints
    there by itself ("GnuTLS error: ...") under Wine."""
    return [line for line in res.err_lines()
            if not (ctx.windows and line.startswith('GnuTLS '))]


def _json(res):
    for line in reversed(res.out.strip().split('\n')):
        if line.startswith('{'):
            return json.loads(line)
    raise AssertionError('no JSON object in the output: %s' % res.describe())


def _check_rejected(ctx, certs, cert, key, ca, name, reason):
    server = _tls_server(ctx, ['--tls-cert', certs.pem(cert), '--tls-key', certs.key(key)])
    with server:
        res = run_client(ctx, ['--tls', '--tls-servername', name,
                               '--tls-ca', ctx.path(certs.pem(ca)), '--json',
                               '127.0.0.1', str(server.port)])
        check(res.rc == TLS_EXIT, '%s: expected verdict tls (%d): %s', cert, TLS_EXIT,
              res.describe())
        doc = _json(res)
        check(doc['verdict'] == 'tls' and reason in doc['error'],
              '%s: expected "%s": %s', cert, reason, doc['error'])
        check(server.alive(), 'the server died after a rejected handshake')


# ---------------------------------------------------------------------------
# our client and our server


def test_tls_echo_64m_verified_both_close_notify(ctx):
    certs = _certs(ctx)
    server = _tls_server(ctx, ['--tls-cert', certs.pem('leaf'), '--tls-key', certs.key('leaf')])
    with server:
        res = _client(ctx, certs, server.port, ['-s', '64M', '--json'], timeout=90)
        check(res.rc == 0, 'expected complete: %s', res.describe())
        doc = _json(res)
        check(doc['bytes_received'] == 64 << 20, 'bytes received: %s', doc['bytes_received'])
        tls = doc['tls']
        check(tls is not None, 'no tls object: %s', doc)
        check(tls['version'] in ('TLSv1.2', 'TLSv1.3'), 'version: %s', tls['version'])
        check(tls['verified'] is True, 'not verified: %s', tls)
        check(tls['peer_subject'] == 'CN=localhost', 'subject: %s', tls['peer_subject'])
        check(tls['peer_fingerprint_sha256'] == certs.fingerprint('leaf'),
              'fingerprint %s, expected %s', tls['peer_fingerprint_sha256'],
              certs.fingerprint('leaf'))
        check(tls['close_notify_sent'] is True and tls['close_notify_received'] is True,
              'close_notify not both ways: %s', tls)
        check(tls['handshake_ms'] > 0, 'handshake_ms: %s', tls['handshake_ms'])
        rc, out, err = server.stop(timeout=ctx.t(10))
        check(rc == 0, 'server exited with %s: %r', rc, err[-300:])


def test_tls_ephemeral_certificate_and_insecure(ctx):
    server = _tls_server(ctx, [])
    with server:
        line = next((l for l in server.err_lines if l.startswith('listening on')), '')
        match = FP_RE.match(line)
        check(match, 'no fingerprint in the listening line: %r', line)
        res = run_client(ctx, ['--tls', '--tls-insecure', '--json', '-v',
                               '127.0.0.1', str(server.port)])
        check(res.rc == 0, 'expected complete: %s', res.describe())
        tls = _json(res)['tls']
        check(tls['verified'] is False, 'verified must be false with --tls-insecure: %s', tls)
        check(tls['peer_fingerprint_sha256'] == match.group(1),
              'fingerprint %s, listening line says %s', tls['peer_fingerprint_sha256'],
              match.group(1))
        check('NOT VERIFIED' in res.err, '-v must say the peer is not verified: %r', res.err)
        # Verified by default: a self-signed certificate is refused.
        res = run_client(ctx, ['--tls', '127.0.0.1', str(server.port)])
        check(res.rc == TLS_EXIT, 'expected verdict tls: %s', res.describe())
        check('self-signed certificate' in res.err, 'reason: %r', res.err)


def test_tls_server_json_listening_fingerprint(ctx):
    if ctx.windows:
        raise Skip("Wine's Schannel has no TLS server: the native server is tested")
    server = start_server(ctx, LOCAL + ['--tls', '--json'])
    with server:
        server.wait_for(lambda out, err: '{' in out, ctx.t(10), 'the listening record')
        doc = json.loads(next(l for l in server.out_lines if l.startswith('{')))
        check(doc['type'] == 'listening', 'first record: %s', doc)
        check(re.match(r'^[0-9A-F:]{95}$', doc['tls']['fingerprint_sha256'] or ''),
              'fingerprint: %s', doc)


def _rsa_pfx(ctx, certs):
    """A PKCS#12 file of an RSA leaf for localhost signed by CERTS' CA."""
    d = ctx.tmp('rsa')
    os.makedirs(d, exist_ok=True)
    for args in (['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.csr',
                  '-subj', '/CN=localhost'],
                 ['x509', '-req', '-in', 'rsa.csr', '-CA', certs.pem('ca'), '-CAkey',
                  certs.key('ca'), '-set_serial', '9', '-days', '2', '-out', 'rsa.pem'],
                 ['pkcs12', '-export', '-in', 'rsa.pem', '-inkey', 'rsa.key', '-out', 'rsa.pfx',
                  '-passout', 'pass:']):
        subprocess.run(['openssl'] + args, cwd=d, check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return os.path.join(d, 'rsa.pfx')


def test_tls_windows_server_under_wine_says_it_cannot(ctx):
    # Wine's Schannel has no server side: the Windows server finds that out
    # at start (one handshake in memory) and says so in one line, exit 1,
    # rather than failing every client later. Wine imports only RSA keys
    # from a .pfx: one with an EC key is refused as a usage error.
    if not ctx.windows:
        raise Skip('Wine only: the native TLS server is tested everywhere else')
    certs = _certs(ctx)
    for args in ([], ['--tls-cert', ctx.path(_rsa_pfx(ctx, certs))]):
        res = run_sockecho(ctx, ['server', '--tls'] + args + LOCAL)
        lines = _our_lines(ctx, res)
        check(res.rc == 1 and len(lines) == 1 and
              'the TLS server does not work here' in lines[0] and
              'SEC_E_UNSUPPORTED_FUNCTION' in lines[0], 'expected one line and exit 1: %s',
              res.describe())
    res = run_sockecho(ctx, ['server', '--tls', '--tls-cert', ctx.path(certs.pfx('leaf'))] + LOCAL)
    check(res.rc == 2 and 'not a PKCS#12 file with a certificate and its key' in res.err,
          'an EC key in a .pfx under Wine: %s', res.describe())


def test_tls_rejects_expired_wrong_host_untrusted(ctx):
    certs = _certs(ctx)
    _check_rejected(ctx, certs, 'expired', 'expired', 'ca', 'localhost',
                    'certificate has expired')
    _check_rejected(ctx, certs, 'leaf', 'leaf', 'ca', 'example.org', 'hostname mismatch')
    _check_rejected(ctx, certs, 'leaf', 'leaf', 'self_signed', 'localhost',
                    'unable to get local issuer certificate')
    _check_rejected(ctx, certs, 'self_signed', 'self_signed', 'ca', 'localhost',
                    'self-signed certificate')


def test_tls_client_against_plain_server(ctx):
    server = start_server(ctx, LOCAL, peer=ctx.windows)
    with server:
        res = run_client(ctx, ['--tls', '--tls-insecure', '127.0.0.1', str(server.port)],
                         timeout=30)
        check(res.rc == TLS_EXIT, 'a plain echo server must give verdict tls: %s',
              res.describe())
        check(len(_our_lines(ctx, res)) == 1, 'one line expected: %r', res.err)


def test_tls_plain_client_against_tls_server(ctx):
    server = _tls_server(ctx, [])
    with server:
        res = run_client(ctx, ['127.0.0.1', str(server.port)], timeout=30)
        check(res.rc not in (0, TLS_EXIT), 'a plain client cannot complete: %s',
              res.describe())
        check(server.alive(), 'the server died')
        res = run_client(ctx, ['--tls', '--tls-insecure', '127.0.0.1', str(server.port)])
        check(res.rc == 0, 'the next TLS client must complete: %s', res.describe())


def test_tls_options_usage(ctx):
    for args, what in ((['--tls-ca', 'x.pem', '127.0.0.1'], '--tls-ca needs --tls'),
                       (['--tls', '--tls-min', '1.1', '127.0.0.1'], 'not 1.2 or 1.3'),
                       (['--tls', '--tls-insecure', '--tls-ca', 'x', '127.0.0.1'],
                        'excludes')):
        res = run_client(ctx, args)
        check(res.rc == 2, '%s: expected usage (2): %s', args, res.describe())
        check(what in res.err and len(res.err_lines()) == 1, '%s: %r', args, res.err)
    res = run_client(ctx, ['--tls', '--tls-ca', ctx.path(ctx.tmp('missing.pem')), '127.0.0.1',
                           '1'])
    check(res.rc == 2 and 'missing.pem' in res.err, 'a missing CA file: %s', res.describe())
    res = run_sockecho(ctx, ['server', '--tls', '--tls-cert', ctx.path(ctx.tmp('nope.pem')),
                             '--port', '0', '--bind', '127.0.0.1'])
    check(res.rc == 2 and 'nope.pem' in res.err and len(res.err_lines()) == 1,
          'a missing certificate: %s', res.describe())
    res = run_sockecho(ctx, ['--version'])
    check(re.search(r'\btls\b', res.out), '--version must list tls: %r', res.out)


def test_tls_truncation_without_close_notify(ctx):
    # A TLS echo server that answers everything, then ends the TCP stream
    # without close_notify: the client must say truncated, and why.
    certs = _certs(ctx)
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(certs.pem('leaf'), certs.key('leaf'))
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve():
        raw, _ = listener.accept()
        conn = sctx.wrap_socket(raw, server_side=True)
        conn.settimeout(20)
        got = b''
        try:
            while True:
                data = conn.recv(65536)  # ends at the client's close_notify
                if not data:
                    break
                got += data
                conn.sendall(data)
        except (ssl.SSLError, OSError):
            pass
        raw = socket.socket(fileno=conn.detach())  # no close_notify
        raw.shutdown(socket.SHUT_RDWR)
        raw.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        res = _client(ctx, certs, port, ['-s', '100K', '--json'])
        check(res.rc == 6, 'expected truncated (6): %s', res.describe())
        doc = _json(res)
        check('close_notify' in doc['error'], 'the note must name close_notify: %s',
              doc['error'])
        check(doc['tls']['close_notify_received'] is False, 'tls: %s', doc['tls'])
    finally:
        listener.close()
        thread.join(10)


def test_tls_garbage_after_handshake(ctx):
    certs = _certs(ctx)
    # Our client: a server that completes the handshake, then sends junk.
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(certs.pem('leaf'), certs.key('leaf'))
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve():
        raw, _ = listener.accept()
        conn = sctx.wrap_socket(raw, server_side=True)
        raw = socket.socket(fileno=conn.detach())
        raw.sendall(bytes([0x17, 0x03, 0x03, 0x01, 0x00]) + os.urandom(256) +
                    os.urandom(3000))
        time.sleep(0.5)
        raw.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        res = _client(ctx, certs, port, ['-s', '10K'])
        check(res.rc == TLS_EXIT, 'junk records must give verdict tls: %s', res.describe())
        check(len(_our_lines(ctx, res)) == 1, 'one line: %r', res.err)
    finally:
        listener.close()
        thread.join(10)
    if ctx.windows:
        return
    # Our server: a client that completes the handshake, then sends junk;
    # the server drops it and serves the next client.
    server = _tls_server(ctx, ['--tls-cert', certs.pem('leaf'), '--tls-key', certs.key('leaf')])
    with server:
        cctx = ssl.create_default_context(cafile=certs.pem('ca'))
        for junk in (os.urandom(5000), bytes([0x17, 0x03, 0x03, 0x40, 0x00]) + b'x' * 20000,
                     bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])):
            sock = socket.create_connection(('127.0.0.1', server.port), timeout=10)
            conn = cctx.wrap_socket(sock, server_hostname='localhost')
            raw = socket.socket(fileno=conn.detach())
            try:
                raw.sendall(junk)
                raw.settimeout(10)
                while raw.recv(65536):
                    pass
            except OSError:
                pass
            raw.close()
        res = _client(ctx, certs, server.port, ['-s', '1M'])
        check(res.rc == 0, 'after junk, the next client must complete: %s', res.describe())


# ---------------------------------------------------------------------------
# real TLS programs


def test_tls_client_against_socat_openssl_listen(ctx):
    socat = _need('socat')
    certs = _certs(ctx)
    port = free_port()
    proc = subprocess.Popen(
        [socat, '-t', '10', 'OPENSSL-LISTEN:%d,bind=127.0.0.1,fork,reuseaddr,cert=%s,verify=0'
         % (port, certs.combined('leaf')), 'PIPE'],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_connectable('127.0.0.1', port, ctx.t(10), proc).close()
        res = _client(ctx, certs, port, ['-s', '1M', '--json'])
        check(res.rc == 0, 'socat OPENSSL-LISTEN PIPE: %s', res.describe())
        check(_json(res)['tls']['verified'] is True, 'not verified')
    finally:
        proc.kill()
        proc.wait(10)


def test_tls_client_against_ncat_ssl(ctx):
    ncat = _need('ncat')
    certs = _certs(ctx)
    port = free_port()
    proc = subprocess.Popen(
        [ncat, '--ssl', '--ssl-cert', certs.pem('leaf'), '--ssl-key', certs.key('leaf'),
         '-l', '-k', '127.0.0.1', str(port), '--exec', '/bin/cat'],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_connectable('127.0.0.1', port, ctx.t(10), proc).close()
        # ncat --ssl ends the whole connection when the client's
        # close_notify arrives, before cat has echoed everything: a TLS
        # half-close goes no further than ncat. The verdict must say so,
        # never complete.
        res = _client(ctx, certs, port, ['-s', '100K', '--json', '--drain-timeout', '5'])
        doc = _json(res)
        check(doc['tls']['handshake_done'] and doc['tls']['verified'],
              'the handshake with ncat must succeed: %s', doc)
        check(doc['verdict'] in ('truncated', 'timeout') and doc['bytes_received'] < 102400,
              'ncat cuts the echo at the close_notify: %s', res.describe())
    finally:
        proc.kill()
        proc.wait(10)


def test_tls_openssl_s_client_against_server(ctx):
    if ctx.windows:
        raise Skip("Wine's Schannel has no TLS server: the native server is tested")
    openssl = _need('openssl')
    certs = _certs(ctx)
    server = _tls_server(ctx, ['--tls-cert', certs.pem('leaf'), '--tls-key', certs.key('leaf')])
    with server:
        payload = pattern(200000, seed=5)
        proc = subprocess.Popen(
            [openssl, 's_client', '-quiet', '-verify_return_error', '-CAfile', certs.pem('ca'),
             '-servername', 'localhost', '-verify_hostname', 'localhost',
             '-connect', '127.0.0.1:%d' % server.port],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        threading.Thread(target=lambda: (proc.stdin.write(payload), proc.stdin.close()),
                         daemon=True).start()
        got = b''
        deadline = time.monotonic() + ctx.t(30)
        while len(got) < len(payload) and time.monotonic() < deadline:
            chunk = proc.stdout.read1(65536)
            if not chunk:
                break
            got += chunk
        proc.kill()
        proc.wait(10)
        check(got == payload, 'openssl s_client got %d of %d bytes back (equal: %s)',
              len(got), len(payload), got == payload[:len(got)])


def test_tls_ncat_ssl_client_against_server(ctx):
    if ctx.windows:
        raise Skip("Wine's Schannel has no TLS server: the native server is tested")
    ncat = _need('ncat')
    certs = _certs(ctx)
    server = _tls_server(ctx, ['--tls-cert', certs.pem('leaf'), '--tls-key', certs.key('leaf')])
    with server:
        payload = pattern(300000, seed=6)
        res = run(ctx, [ncat, '--ssl', '--ssl-verify', '--ssl-trustfile', certs.pem('ca'),
                        'localhost', str(server.port)], input=payload, timeout=ctx.t(30))
        check(res.out_bytes == payload, 'ncat --ssl got %d of %d bytes back: %s',
              len(res.out_bytes), len(payload), res.describe())


# ---------------------------------------------------------------------------
# TLS terminators in front of the plain server


def _stunnel(ctx, certs, backend_port):
    """stunnel4 in front of the plain server on BACKEND_PORT; its log (at
    the info level: the byte counts and how each side ended) goes to
    stunnel.log in the test's directory."""
    stunnel = _need('stunnel4')
    port = free_port()
    conf = ctx.tmp('stunnel.conf')
    with open(conf, 'w') as f:
        f.write('foreground = yes\npid =\noutput = %s\ndebug = 6\n'
                '[echo]\naccept = 127.0.0.1:%d\nconnect = 127.0.0.1:%d\n'
                'cert = %s\nkey = %s\n'
                % (ctx.tmp('stunnel.log'), port, backend_port, certs.pem('leaf'),
                   certs.key('leaf')))
    proc = subprocess.Popen([stunnel, conf], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_connectable('127.0.0.1', port, ctx.t(10), proc).close()
    return proc, port


STUNNEL_CLOSED_RE = re.compile(r'Connection closed: (\d+) byte\(s\) sent to TLS, '
                               r'(\d+) byte\(s\) sent to socket')


def _stunnel_session_end(ctx):
    """The last session's end in stunnel's log: (bytes it encrypted toward
    the client, bytes it passed to the backend, the log's text). Waits
    (bounded) for the line: stunnel writes it after its close_notify."""
    deadline = time.monotonic() + ctx.t(10)
    while True:
        with open(ctx.tmp('stunnel.log'), errors='replace') as f:
            text = f.read()
        found = STUNNEL_CLOSED_RE.findall(text)
        if found:
            return int(found[-1][0]), int(found[-1][1]), text
        if time.monotonic() > deadline:
            raise AssertionError('no "Connection closed" line in stunnel\'s log:\n%s'
                                 % text[-2000:])
        time.sleep(0.05)


def _haproxy(ctx, certs, backend_port):
    haproxy = _need('haproxy')
    port = free_port()
    conf = ctx.tmp('haproxy.cfg')
    with open(conf, 'w') as f:
        f.write('global\n  maxconn 1000\n  nbthread 1\n'
                'defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n'
                '  timeout server 60s\n  timeout client-fin 60s\n  timeout server-fin 60s\n'
                'frontend tls\n  bind 127.0.0.1:%d ssl crt %s\n  default_backend echo\n'
                'backend echo\n  server s1 127.0.0.1:%d\n'
                % (port, certs.combined('leaf'), backend_port))
    proc = subprocess.Popen([haproxy, '-db', '-f', conf], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_connectable('127.0.0.1', port, ctx.t(10), proc).close()
    return proc, port


def _check_stunnel_accounting(ctx, res, total):
    """Through stunnel4, every byte stunnel encrypted must come back
    verified. stunnel 5.68 may end the stream short: with the client slower
    than the backend (a sanitizer or Wine build), its buffer toward the
    client is full when the backend's FIN arrives, poll() then reports
    POLLHUP on the backend socket (both directions shut) with echo still
    queued there, and stunnel takes the hang-up as the end of stream
    ("Read socket closed (HUP)"), discards that queue and sends
    close_notify. The client must then say truncated, after a clean
    close_notify, with exactly the bytes stunnel sent."""
    doc = _json(res)
    encrypted, to_backend, log = _stunnel_session_end(ctx)
    check(to_backend == 64 << 20, 'stunnel passed %d bytes to the backend', to_backend)
    check(doc['bytes_received'] == encrypted,
          'stunnel encrypted %d bytes toward the client, the client verified %d: %s',
          encrypted, doc['bytes_received'], res.describe())
    if encrypted == total:
        check(res.rc == 0, '64 MiB and the trailer through stunnel: %s', res.describe())
        return
    check('Read socket closed (HUP)' in log,
          'stunnel sent %d of %d bytes without its hang-up line:\n%s', encrypted, total,
          log[-2000:])
    check(res.rc == 6 and doc['verdict'] == 'truncated',
          'stunnel dropped the end of the echo: expected truncated: %s', res.describe())
    check('with TLS close_notify' in doc['error'] and doc['tls']['close_notify_received'],
          'the note must say the TLS end closed cleanly: %s', doc)


def _through_terminator(ctx, start_terminator):
    certs = _certs(ctx)
    backend = start_server(ctx, LOCAL + ['--trailer', '4096'], peer=ctx.windows)
    with backend:
        proc, port = start_terminator(ctx, certs, backend.port)
        try:
            total = (64 << 20) + 4096
            res = _client(ctx, certs, port, ['-s', '64M', '--expect-trailer', '4096', '--json'],
                          timeout=90)
            if start_terminator is _stunnel:
                _check_stunnel_accounting(ctx, res, total)
            else:
                check(res.rc == 0, '64 MiB and the trailer through the terminator: %s',
                      res.describe())
                check(_json(res)['bytes_received'] == total, 'bytes: %s', _json(res))
            # Without the trailer expected, the trailer is excess: the probe
            # tells the two apart through TLS too.
            res = _client(ctx, certs, port, ['-s', '10K'])
            check(res.rc == 7, 'the trailer must show as excess without --expect-trailer: %s',
                  res.describe())
        finally:
            proc.kill()
            proc.wait(10)


def test_tls_through_stunnel(ctx):
    _through_terminator(ctx, _stunnel)


def test_tls_through_haproxy(ctx):
    _through_terminator(ctx, _haproxy)


def _wait_tcp_state(local_port, state, timeout):
    """Wait (bounded) until an IPv4 TCP socket of LOCAL_PORT is in STATE
    (/proc/net/tcp's hex code: '08' is CLOSE_WAIT)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open('/proc/net/tcp') as f:
            for row in f.read().split('\n')[1:]:
                fields = row.split()
                if (len(fields) > 3 and int(fields[1].split(':')[1], 16) == local_port and
                        fields[3] == state):
                    return
        time.sleep(0.02)
    raise AssertionError('no socket of port %d in state %s within %.0fs'
                         % (local_port, state, timeout))


def test_tls_terminator_cut_without_close_notify(ctx):
    # The backend holds the echo; once the terminator has passed the
    # client's close_notify on as a FIN (the backend's socket is in
    # CLOSE_WAIT), the terminator is killed: the kernel ends its TLS
    # connection with a bare FIN. The client must say truncated, and why.
    certs = _certs(ctx)
    for start in (_stunnel, _haproxy):
        # A backend of its own each time: the last one's socket stays in
        # CLOSE_WAIT for the delay.
        backend = start_server(ctx, LOCAL + ['--delay-after-eof', '60s'], peer=ctx.windows)
        with backend:
            proc, port = start(ctx, certs, backend.port)
            result = {}
            thread = threading.Thread(
                target=lambda: result.update(res=_client(ctx, certs, port, ['-s', '100K', '--json'])),
                daemon=True)
            thread.start()
            try:
                _wait_tcp_state(backend.port, '08', ctx.t(20))
                proc.kill()
                proc.wait(10)
                thread.join(ctx.t(60))
                res = result['res']
                doc = _json(res)
                check(res.rc == 6 and doc['verdict'] == 'truncated',
                      '%s killed: expected truncated: %s', start.__name__, res.describe())
                check('without TLS close_notify' in doc['error'], '%s: the note: %s',
                      start.__name__, doc['error'])
                check(doc['tls']['close_notify_received'] is False, '%s: %s', start.__name__,
                      doc['tls'])
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)


def test_tls_terminator_passes_backend_reset_on(ctx):
    # A backend that resets: stunnel turns it into a clean close_notify,
    # haproxy into a reset; either way the verdict is never complete.
    certs = _certs(ctx)
    backend = start_server(ctx, LOCAL + ['--fault', 'rst-after=65536'], peer=ctx.windows)
    with backend:
        for start in (_stunnel, _haproxy):
            proc, port = start(ctx, certs, backend.port)
            try:
                res = _client(ctx, certs, port, ['-s', '1M', '--json'])
                doc = _json(res)
                check(doc['verdict'] in ('truncated', 'reset') and doc['bytes_received'] < 1 << 20,
                      '%s: a reset backend must give truncated or reset: %s', start.__name__,
                      res.describe())
            finally:
                proc.kill()
                proc.wait(10)


# ---------------------------------------------------------------------------
# load


def test_tls_200_concurrent_sessions(ctx):
    certs = _certs(ctx)
    server = _tls_server(ctx, ['--tls-cert', certs.pem('leaf'), '--tls-key', certs.key('leaf')])
    with server:
        # 200 handshakes at once under Wine on a loaded machine: a session
        # may wait more than the default 10 s for its first byte.
        res = run_sockecho(ctx, ['bench', '--mode', 'sessions', '--concurrency', '200',
                                 '--count', '400', '-d', '80s', '--timeout', '30s', '-s', '4K',
                                 '--tls', '--tls-servername',
                                 'localhost', '--tls-ca', ctx.path(certs.pem('ca')),
                                 '--json', '127.0.0.1', str(server.port)], timeout=90)
        check(res.rc == 0, 'bench: %s', res.describe())
        doc = _json(res)
        # Sessions of 4 KiB end quickly: how many overlap at the peak depends
        # on the machine's speed, never above the 200 asked for.
        check(doc['type'] == 'bench' and doc['connections']['complete'] >= 400 and
              100 <= doc['connections']['open_peak'] <= 200, 'sessions: %s',
              doc['connections'])
        check(doc['tls']['handshakes'] >= 400, 'handshakes: %s', doc['tls'])
        check(doc['tls']['handshakes_per_s'] > 0, 'handshakes/s: %s', doc['tls'])


def test_tls_bench_resumption(ctx):
    certs = _certs(ctx)
    server = _tls_server(ctx, ['--tls-cert', certs.pem('leaf'), '--tls-key', certs.key('leaf')])
    with server:
        common = ['bench', '--mode', 'sessions', '--concurrency', '4', '--count', '60',
                  '-s', '100', '--tls', '--tls-servername', 'localhost', '--tls-ca',
                  ctx.path(certs.pem('ca')), '--json', '127.0.0.1', str(server.port)]
        full = run_sockecho(ctx, common)
        check(full.rc == 0, 'bench: %s', full.describe())
        check(_json(full)['tls']['resumed'] == 0, 'resumed without --tls-resume')
        res = run_sockecho(ctx, common + ['--tls-resume'])
        check(res.rc == 0, 'bench --tls-resume: %s', res.describe())
        tls = _json(res)['tls']
        if ctx.windows:
            raise Skip("Wine's Schannel client never offers a session to resume")
        check(tls['resumed'] >= tls['handshakes'] // 2,
              'most handshakes must be resumed: %s', tls)


# ---------------------------------------------------------------------------
# reports and backends

VERBOSE_RE = re.compile(r'^sockecho client: tls: (TLSv1\.[23]) (\S+), ALPN (\S+), '
                        r'handshake ([0-9.]+) ms \((full|resumed)\), peer (.+) '
                        r'SHA-256 ([0-9A-F:]{95}), (verified|NOT VERIFIED \(--tls-insecure\))$')


def test_tls_json_and_verbose_line_as_documented(ctx):
    # Every TLS record matches docs/json.md's schema, and the -v line says
    # what the JSON says: a verified session with ALPN, a rejected one,
    # bench's and the server's.
    from test_json_schema import validate
    certs = _certs(ctx)
    server = start_server(ctx, LOCAL + ['--tls', '--tls-cert', certs.pem('leaf'), '--tls-key',
                                        certs.key('leaf'), '--tls-alpn', 'h2,sockecho',
                                        '--json'], peer=ctx.windows)
    with server:
        server.wait_for(lambda out, err: '{' in out, ctx.t(10), 'the listening record')
        res = _client(ctx, certs, server.port, ['--tls-alpn', 'sockecho', '-s', '1M', '--json',
                                                '-v'])
        check(res.rc == 0, 'expected complete: %s', res.describe())
        doc = _json(res)
        tls = doc['tls']
        check(tls['alpn'] == 'sockecho' and tls['resumed'] is False and tls['handshake_done'],
              'tls object: %s', tls)
        lines = [VERBOSE_RE.match(l) for l in _our_lines(ctx, res)]
        lines = [m for m in lines if m]
        check(len(lines) == 1, 'expected one -v tls line: %r', _our_lines(ctx, res))
        version, cipher, alpn, _, kind, subject, fp, verified = lines[0].groups()
        check((version, cipher, alpn, kind, subject, fp, verified) ==
              (tls['version'], tls['cipher'], tls['alpn'], 'full', tls['peer_subject'],
               tls['peer_fingerprint_sha256'], 'verified'),
              'the -v line %r disagrees with %s', lines[0].group(0), tls)
        rejected = run_client(ctx, ['--tls', '--tls-servername', 'example.org', '--tls-ca',
                                    ctx.path(certs.pem('ca')), '--json', '127.0.0.1',
                                    str(server.port)])
        check(rejected.rc == TLS_EXIT, 'expected verdict tls: %s', rejected.describe())
        check(_json(rejected)['tls']['handshake_done'] is False, 'rejected: %s',
              _json(rejected))
        bench = run_sockecho(ctx, ['bench', '--mode', 'sessions', '--count', '5',
                                   '--concurrency', '1', '-s', '1K', '--tls',
                                   '--tls-servername', 'localhost', '--tls-ca',
                                   ctx.path(certs.pem('ca')), '--json', '127.0.0.1',
                                   str(server.port)])
        check(bench.rc == 0, 'bench: %s', bench.describe())
        check(_json(bench)['tls']['handshakes'] == 5, 'bench tls: %s', _json(bench)['tls'])
        records = [doc, _json(rejected), _json(bench)]
        records.append(json.loads(next(l for l in server.out_lines if l.startswith('{'))))
    validate(records, 'TLS --json')


def _need_io_uring_server(ctx, certs):
    if ctx.windows:
        raise Skip('io_uring is Linux only')
    version = run_sockecho(ctx, ['--version']).out
    if 'io_uring' not in version.split('(backends: ', 1)[-1].split(';', 1)[0]:
        raise Skip('built without the io_uring backend (no liburing)')
    server = start_server(ctx, LOCAL + ['--tls', '--tls-cert', certs.pem('leaf'), '--tls-key',
                                        certs.key('leaf'), '--backend', 'io_uring', '--json'])
    server.wait_for(lambda out, err: '{' in out, ctx.t(10), 'the listening record')
    listening = json.loads(next(l for l in server.out_lines if l.startswith('{')))
    if listening['backend'] != 'io_uring':
        server.stop()
        raise Skip('this system cannot run io_uring (the server fell back to %s)'
                   % listening['backend'])
    return server


def test_tls_io_uring_backend(ctx):
    # TLS over the completion transport: server, client and bench on
    # io_uring, 64 MiB verified each way, close_notify both ways, resumption.
    certs = _certs(ctx)
    server = _need_io_uring_server(ctx, certs)
    with server:
        uring = ['--backend', 'io_uring']
        res = _client(ctx, certs, server.port, uring + ['-s', '64M', '--json'], timeout=90)
        check(res.rc == 0, 'client on io_uring: %s', res.describe())
        doc = _json(res)
        check(doc['bytes_received'] == 64 << 20, 'bytes: %s', doc['bytes_received'])
        check(doc['tls']['close_notify_sent'] and doc['tls']['close_notify_received'],
              'close_notify: %s', doc['tls'])
        tls = ['--tls', '--tls-servername', 'localhost', '--tls-ca', ctx.path(certs.pem('ca'))]
        bench = run_sockecho(ctx, ['bench'] + uring + tls + [
            '--mode', 'bulk', '--bytes', '64M', '-d', '80s', '--json', '127.0.0.1',
            str(server.port)],
            timeout=90)
        check(bench.rc == 0, 'bench bulk on io_uring: %s', bench.describe())
        doc = _json(bench)
        check(doc['bytes_received'] == 64 << 20 and doc['tls']['handshakes'] == 1,
              'bench bulk: %s', doc)
        bench = run_sockecho(ctx, ['bench'] + uring + tls + [
            '--mode', 'sessions', '--count', '40', '--concurrency', '4', '-s', '10K',
            '--tls-resume', '--json', '127.0.0.1', str(server.port)])
        check(bench.rc == 0, 'bench sessions on io_uring: %s', bench.describe())
        doc = _json(bench)
        # Sessions in flight when the count is reached end too: 40 or more.
        check(doc['tls']['handshakes'] >= 40 and
              doc['tls']['resumed'] >= doc['tls']['handshakes'] // 2,
              'bench --tls-resume on io_uring: %s', doc['tls'])
        rc, out, err = server.stop(timeout=ctx.t(10))
        check(rc == 0, 'server exited with %s: %r', rc, err[-300:])
