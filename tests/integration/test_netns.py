"""Faults only a real link shows, in two network namespaces the test creates
(Linux, root): a client whose link goes down mid-session sends neither FIN
nor RST, and leaves the server a half-open connection. The server must evict
it at --idle-timeout (gracefully when nothing is pending, abortively when its
echo is stuck in the queue), count it, and keep serving everyone else.

Addresses are from 198.18.0.0/15 (RFC 2544, for test networks), inside the
namespaces only."""

import json
import os
import shutil
import subprocess
import sys
import time

from harness import Server, Skip, check

SERVER_IP = '198.18.0.1'
CLIENT_IP = '198.18.0.2'

# Runs in the client namespace: connect, send, read what is echoed, then
# hold the socket open (the parent takes the link away) until killed.
CLIENT = r'''
import socket, sys, time
host, port, size, read = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "read"
s = socket.create_connection((host, port), timeout=5)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
data = bytes(range(256)) * (size // 256)
s.sendall(data[:4096])
print("started", flush=True)
s.sendall(data[4096:])
if read:
    got = b""
    while len(got) < len(data):
        got += s.recv(65536)
    assert got == data
print("sent", flush=True)
time.sleep(60)
'''


def _ip(*args):
    subprocess.run(('ip',) + args, check=True, capture_output=True,
                   timeout=10)


class Namespaces:
    """A server namespace and a client namespace joined by a veth pair."""

    def __init__(self):
        tag = '%d' % os.getpid()
        self.srv, self.cli = 'se-srv-' + tag, 'se-cli-' + tag
        self.veth_s, self.veth_c = 'ses' + tag, 'sec' + tag

    def __enter__(self):
        if os.geteuid() != 0 or not shutil.which('ip'):
            raise Skip('network namespaces need root and iproute2')
        try:
            _ip('netns', 'add', self.srv)
        except subprocess.CalledProcessError as exc:
            raise Skip('cannot create a network namespace here: %s'
                       % exc.stderr.decode(errors='replace').strip())
        _ip('netns', 'add', self.cli)
        _ip('link', 'add', self.veth_s, 'type', 'veth', 'peer', 'name',
            self.veth_c)
        _ip('link', 'set', self.veth_s, 'netns', self.srv)
        _ip('link', 'set', self.veth_c, 'netns', self.cli)
        for ns, dev, ip in ((self.srv, self.veth_s, SERVER_IP),
                            (self.cli, self.veth_c, CLIENT_IP)):
            _ip('-n', ns, 'addr', 'add', ip + '/30', 'dev', dev)
            _ip('-n', ns, 'link', 'set', dev, 'up')
            _ip('-n', ns, 'link', 'set', 'lo', 'up')
        return self

    def cut_client_link(self):
        """The client's side of the wire goes away: no FIN, no RST."""
        _ip('-n', self.cli, 'link', 'set', self.veth_c, 'down')

    def __exit__(self, *exc):
        for ns in (self.cli, self.srv):
            subprocess.run(('ip', 'netns', 'del', ns), capture_output=True,
                           timeout=10)
        return False


def _client(ns, port, size, read):
    return subprocess.Popen(
        ['ip', 'netns', 'exec', ns, sys.executable, '-c', CLIENT, SERVER_IP,
         str(port), str(size), 'read' if read else 'noread'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_line(proc, timeout, word=b'sent'):
    """The client's line WORD, bounded."""
    deadline = time.monotonic() + timeout
    os.set_blocking(proc.stdout.fileno(), False)
    buf = b''
    while time.monotonic() < deadline and word not in buf:
        chunk = proc.stdout.read()
        if chunk:
            buf += chunk
        elif proc.poll() is not None:
            break
        else:
            time.sleep(0.02)
    check(word in buf, 'client in the namespace did not get going: %r %r',
          buf, proc.stderr.read() if proc.poll() is not None else b'')


def test_vanished_clients_are_evicted(ctx):
    with Namespaces() as net:
        server = Server(['ip', 'netns', 'exec', net.srv] + ctx.cmd(
            ['server', '--bind', SERVER_IP, '--port', '0', '--json',
             '--idle-timeout', '1s', '--stats-interval', '100ms']),
            strip_cr=False)
        clients = []
        try:
            server.wait_listening(ctx.t(10))
            # One idle after a complete echo, one whose echo is stuck (it
            # never reads and its receive window is tiny).
            idle = _client(net.cli, server.port, 4096, read=True)
            stuck = _client(net.cli, server.port, 4 << 20, read=False)
            clients = [idle, stuck]
            _wait_line(idle, ctx.t(10))
            _wait_line(stuck, ctx.t(10), b'started')

            def echo_backed_up(out, err):
                stats = [json.loads(line) for line in out.split('\n')
                         if '"stats"' in line]
                return stats and stats[-1]['bytes_in'] - stats[-1]['bytes_out'] >= 65536
            # The link goes only once the server holds echo it cannot send.
            server.wait_for(echo_backed_up, ctx.t(10), 'echo backed up')
            net.cut_client_link()

            def two_evictions(out, err):
                done = [json.loads(line) for line in out.split('\n')
                        if '"connection"' in line]
                return done if len(done) >= 2 else None
            done = server.wait_for(two_evictions, ctx.t(15),
                                   'two evicted connections')
            outcomes = sorted(d['outcome'] for d in done)
            check(outcomes == ['idle', 'idle'],
                  'vanished clients ended %r, expected idle twice', outcomes)
            stuck_rec = max(done, key=lambda d: d['bytes_in'])
            check(stuck_rec['bytes_in'] > stuck_rec['bytes_out'],
                  'the stuck client should have echo pending: %r', stuck_rec)

            # Still serving: a seed session from inside the server's
            # namespace.
            probe = subprocess.run(
                ['ip', 'netns', 'exec', net.srv] + ctx.cmd(
                    ['client', '--json', SERVER_IP, str(server.port)]),
                capture_output=True, timeout=ctx.t(20))
            obj = json.loads(probe.stdout)
            check(obj['verdict'] == 'complete',
                  'after the evictions a new client got %r', obj)
            rc, out, err = server.stop()
            check(rc == 0, 'server exited %s: %s', rc, err[-300:])
            summary = [json.loads(line) for line in out.split('\n')
                       if '"summary"' in line]
            check(summary and summary[-1]['idle_evicted'] == 2,
                  'summary should count 2 idle evictions: %r', summary)
        finally:
            for proc in clients:
                proc.kill()
                proc.wait(timeout=10)
            server.kill()
