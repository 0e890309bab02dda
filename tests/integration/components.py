"""Real proxies started by the tests: haproxy (TCP mode, PROXY protocol),
dante-server (SOCKS5) and tinyproxy (HTTP CONNECT).

Each runs in the foreground as a child of the test, on 127.0.0.1, with a
configuration written into the test's temporary directory, logging into a
file there; it is stopped by its PID (its process group for danted, which
forks helpers) and waited for. Every wait is bounded.

haproxy listens on a socket the test binds on port 0 and passes to it
(``bind fd@N``), so its port is known without a race, and it retries no
failed backend connection (``retries 0``), so each client makes one
backend connection. danted and tinyproxy
cannot take port 0 or an inherited socket: they get a port that was free a
moment ago, and are started again on another one if that bind fails.

Known behaviour (checked on Debian 12): haproxy passes half-close through;
danted passes half-close; tinyproxy does not (a client's FIN makes it close
both directions), so a session through it may end truncated.
"""

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import time

from harness import Skip, _track, free_port

LOOPBACK = '127.0.0.1'


def need(program):
    """The path of PROGRAM, or Skip when it is not installed
    (scripts/deps.sh installs haproxy, dante-server and tinyproxy)."""
    path = shutil.which(program) or shutil.which(program, path='/usr/sbin')
    if not path:
        raise Skip('%s is not installed (scripts/deps.sh installs it)'
                   % program)
    return path


class Component:
    """A running component: its process, port and log."""

    def __init__(self, name, argv, port, log_path, pass_fds=(),
                 own_group=False):
        self.name = name
        self.port = port
        self.log_path = log_path
        self._log = open(log_path, 'ab')
        self.own_group = own_group
        self.proc = _track(subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, pass_fds=pass_fds,
            start_new_session=own_group))

    def log(self):
        with open(self.log_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def alive(self):
        return self.proc.poll() is None

    def wait_ready(self, timeout):
        """Wait (bounded) until the port accepts a connection. Returns
        False if the process exited first (e.g. its bind failed)."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                return False
            try:
                socket.create_connection((LOOPBACK, self.port),
                                         timeout=1.0).close()
                return True
            except OSError:
                if time.monotonic() >= deadline:
                    raise AssertionError(
                        '%s did not accept on port %d within %.0fs: %s'
                        % (self.name, self.port, timeout, self.log()[-400:]))
                time.sleep(0.02)

    def stop(self, timeout=10.0):
        """SIGTERM, a bounded wait, then SIGKILL; also for danted's
        helpers (its process group)."""
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self.own_group:
            # Helpers left behind by the main process.
            self._signal(signal.SIGKILL)
        self._log.close()

    def _signal(self, sig):
        try:
            if self.own_group:
                os.killpg(self.proc.pid, sig)
            else:
                self.proc.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def _start_on_free_port(ctx, name, make_argv, timeout, own_group=False):
    """Start a component that must be told its port, retrying on another
    port when it exits before accepting (a port taken meanwhile)."""
    for attempt in range(5):
        port = free_port()
        argv = make_argv(port)
        comp = Component(name, argv, port, ctx.tmp('%s.log' % name),
                         own_group=own_group)
        if comp.wait_ready(timeout):
            return comp
        comp.stop()
        if 'in use' not in comp.log():
            break
    raise AssertionError('%s did not start: %s' % (name, comp.log()[-600:]))


# ---------------------------------------------------------------------------
# haproxy


def start_haproxy(ctx, backend_port, send_proxy=None, accept_proxy=False,
                  server_timeout=60):
    """haproxy in TCP mode on 127.0.0.1 forwarding to BACKEND_PORT.

    SEND_PROXY 'v1' or 'v2' prepends a PROXY header towards the backend
    (send-proxy / send-proxy-v2); ACCEPT_PROXY requires one from clients.
    SERVER_TIMEOUT (s) bounds the backend's silence, FIN included: keep it
    above the longest delay a test introduces."""
    haproxy = need('haproxy')
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((LOOPBACK, 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    fd = listener.fileno()
    server_opts = {None: '', 'v1': ' send-proxy', 'v2': ' send-proxy-v2'}
    cfg = ctx.tmp('haproxy.cfg')
    with open(cfg, 'w') as f:
        f.write('''global
    maxconn 1000
defaults
    mode tcp
    log stdout format raw local0
    option tcplog
    retries 0
    timeout connect 5s
    timeout client {t}s
    timeout server {t}s
    timeout client-fin {t}s
    timeout server-fin {t}s
frontend fe
    bind fd@{fd}{accept}
    default_backend be
backend be
    server s1 {host}:{backend}{send}
'''.format(t=server_timeout, fd=fd,
           accept=' accept-proxy' if accept_proxy else '',
           host=LOOPBACK, backend=backend_port,
           send=server_opts[send_proxy]))
    check = subprocess.run([haproxy, '-c', '-f', cfg], capture_output=True,
                           pass_fds=[fd], timeout=30)
    if check.returncode != 0:
        listener.close()
        raise AssertionError('haproxy -c refused the config: %s'
                             % check.stdout.decode()[-400:]
                             + check.stderr.decode()[-400:])
    try:
        comp = Component('haproxy', [haproxy, '-db', '-f', cfg], port,
                         ctx.tmp('haproxy.log'), pass_fds=[fd])
    finally:
        listener.close()
    # No probe connection (it would reach the backend): the socket listens
    # already, so clients wait in its backlog until haproxy accepts.
    return comp


# ---------------------------------------------------------------------------
# dante-server


def start_danted(ctx, username_auth=False, timeout=15.0):
    """danted on 127.0.0.1: SOCKS5 CONNECT to loopback destinations, with
    no authentication, or with username/password checked against the
    system's users (see throwaway_user)."""
    danted = need('danted')
    method = 'username' if username_auth else 'none'
    cfg = ctx.tmp('danted.conf')
    pidfile = ctx.tmp('danted.pid')

    def argv(port):
        with open(cfg, 'w') as f:
            f.write('''logoutput: stderr
internal: {host} port = {port}
external: {host}
socksmethod: {method}
clientmethod: none
user.privileged: root
user.unprivileged: nobody
client pass {{
    from: 127.0.0.0/8 to: 0.0.0.0/0
}}
socks pass {{
    from: 127.0.0.0/8 to: 127.0.0.0/8
    command: connect
}}
'''.format(host=LOOPBACK, port=port, method=method))
        return [danted, '-f', cfg, '-p', pidfile]

    return _start_on_free_port(ctx, 'danted', argv, timeout, own_group=True)


class throwaway_user:
    """A system user (no home, no shell) with a random password, for
    danted's username authentication; removed again on exit. Needs root."""

    def __init__(self):
        if os.geteuid() != 0:
            raise Skip('creating a user for SOCKS5 authentication needs root')
        self.name = 'se-it-%s' % secrets.token_hex(4)
        self.password = secrets.token_hex(12)

    def __enter__(self):
        for program in ('useradd', 'chpasswd', 'userdel'):
            need(program)
        subprocess.run(['useradd', '-M', '-N', '-s', '/usr/sbin/nologin',
                        self.name], check=True, timeout=30,
                       capture_output=True)
        try:
            subprocess.run(['chpasswd'], input=('%s:%s\n' % (
                self.name, self.password)).encode(), check=True, timeout=30,
                capture_output=True)
        except BaseException:
            self._remove()
            raise
        return self

    def _remove(self):
        subprocess.run(['userdel', self.name], timeout=30,
                       capture_output=True)

    def __exit__(self, *exc):
        self._remove()
        try:
            pwd.getpwnam(self.name)
        except KeyError:
            return False
        raise AssertionError('user %s was not removed' % self.name)


# ---------------------------------------------------------------------------
# tinyproxy


def start_tinyproxy(ctx, connect_ports, timeout=15.0):
    """tinyproxy on 127.0.0.1 allowing CONNECT to CONNECT_PORTS only (an
    empty list allows none)."""
    tinyproxy = need('tinyproxy')
    cfg = ctx.tmp('tinyproxy.conf')

    def argv(port):
        with open(cfg, 'w') as f:
            f.write('Port %d\nListen %s\nTimeout 60\nAllow %s\n'
                    'PidFile "%s"\nLogLevel Info\nMaxClients 100\n'
                    % (port, LOOPBACK, LOOPBACK, ctx.tmp('tinyproxy.pid')))
            # Without any ConnectPort line tinyproxy allows every port.
            for p in connect_ports or [1]:
                f.write('ConnectPort %d\n' % p)
        return [tinyproxy, '-d', '-c', cfg]

    return _start_on_free_port(ctx, 'tinyproxy', argv, timeout)


# ---------------------------------------------------------------------------
# Minimal Python clients, to check a component apart from sockecho


def socks5_connect(proxy_port, host, port, user=None, password=None,
                   timeout=10.0):
    """A SOCKS5 CONNECT through 127.0.0.1:PROXY_PORT. Returns the socket,
    or raises AssertionError naming the reply."""
    sock = socket.create_connection((LOOPBACK, proxy_port), timeout=timeout)
    try:
        methods = b'\x00\x02' if user else b'\x00'
        sock.sendall(b'\x05' + bytes([len(methods)]) + methods)
        reply = _recv_exact(sock, 2)
        if reply[1] == 2:
            u, p = user.encode(), password.encode()
            sock.sendall(b'\x01' + bytes([len(u)]) + u + bytes([len(p)]) + p)
            status = _recv_exact(sock, 2)
            if status[1] != 0:
                raise AssertionError('SOCKS5 authentication failed')
        elif reply[1] != 0:
            raise AssertionError('SOCKS5 method refused: %r' % reply)
        sock.sendall(b'\x05\x01\x00\x01' + socket.inet_aton(host)
                     + port.to_bytes(2, 'big'))
        head = _recv_exact(sock, 4)
        if head[1] != 0:
            raise AssertionError('SOCKS5 reply %d' % head[1])
        _recv_exact(sock, {1: 4, 4: 16}[head[3]] + 2)
        return sock
    except BaseException:
        sock.close()
        raise


def _recv_exact(sock, n):
    data = b''
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise AssertionError('the proxy closed the connection after %r'
                                 % data)
        data += chunk
    return data
