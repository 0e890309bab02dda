"""Helpers for sockecho's end-to-end tests (Python standard library only).

Rules every helper follows (CONTRIBUTING.md, docs/WINDOWS.md):

* servers bind port 0 on loopback and the port is read back (from the
  ``listening on ADDR PORT`` line for sockecho, from getsockname otherwise);
* nothing sleeps waiting for a server: we wait on the line itself, with a
  deadline;
* every wait is bounded and every process started here is killed when the
  test ends (``kill_all``);
* output of the Windows build (run under Wine) has CRLF line ends: ``\\r`` is
  stripped from it, and only from it, so that a native build that prints
  ``\\r`` still fails.
"""

import hashlib
import os
import random
import re
import selectors
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time


class Skip(Exception):
    """The test cannot run here (run.py exits 77). Only for a difference
    docs/WINDOWS.md records or a missing optional peer program."""


# ---------------------------------------------------------------------------
# Process bookkeeping

_PROCS = []
_PROCS_LOCK = threading.Lock()


def _track(proc):
    with _PROCS_LOCK:
        _PROCS.append(proc)
    return proc


def kill_all():
    """Kill every process the harness started that is still running."""
    with _PROCS_LOCK:
        procs = list(_PROCS)
    for proc in procs:
        if proc.poll() is None:
            try:
                proc.kill()
            except OSError:
                pass
    for proc in procs:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


# ---------------------------------------------------------------------------
# Context


class Context:
    """What run.py knows: the executable under test, the emulator that runs
    it (empty natively) and the other platform's executable (cross tests)."""

    def __init__(self, exe, wrapper='', peer=''):
        self.exe = os.path.abspath(exe)
        self.wrapper = shlex.split(wrapper) if wrapper else []
        self.peer = os.path.abspath(peer) if peer else None
        # A non-empty wrapper means the build under test is the Windows one,
        # run under Wine.
        self.windows = bool(self.wrapper)
        # Deadlines are stretched under Wine (process start, slower I/O).
        self.scale = 3.0 if self.windows else 1.0
        self.tmpdir = tempfile.mkdtemp(prefix='sockecho-it-')
        # SOCKECHO_TEST_BACKEND=NAME runs every server, client and bench of
        # the suite with --backend NAME unless the test names one itself.
        self.backend = os.environ.get('SOCKECHO_TEST_BACKEND') or None

    def cmd(self, args, peer=False):
        """Command line running sockecho with ARGS (the peer build with
        peer=True, never wrapped: it is the native one)."""
        args = [str(a) for a in args]
        if (self.backend and not peer and args and
                args[0] in ('server', 'client', 'bench') and
                args[1:2] != ['merge'] and '--backend' not in args):
            args = [args[0], '--backend', self.backend] + args[1:]
        if peer:
            if not self.peer:
                raise Skip('no --peer-exe given')
            return [self.peer] + args
        return self.wrapper + [self.exe] + args

    def is_windows(self, peer=False):
        return self.windows and not peer

    def path(self, path, peer=False):
        """PATH as the program (Windows build or not) should be given it."""
        path = os.path.abspath(path)
        if self.is_windows(peer):
            # Wine maps Z: to / in every prefix.
            return 'Z:' + path.replace('/', '\\')
        return path

    def tmp(self, name):
        return os.path.join(self.tmpdir, name)

    def t(self, seconds):
        """A deadline of SECONDS natively, stretched under Wine."""
        return seconds * self.scale

    def cleanup(self):
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def _decode(data, strip_cr):
    text = data.decode('utf-8', 'replace')
    if strip_cr:
        text = text.replace('\r', '')
    return text


# ---------------------------------------------------------------------------
# sockecho server


LISTEN_RE = re.compile(r'^listening on (\S+) (\d+)(?: tls sha256=[0-9A-F:]+)?$')


class Server:
    """A running sockecho server. Its stdout and stderr are drained by two
    threads for as long as it runs, so it never blocks on a full pipe."""

    def __init__(self, argv, strip_cr, **popen_kwargs):
        """POPEN_KWARGS (stdin, pass_fds, preexec_fn, env) go to Popen, for
        socket activation and inetd mode; stdin is /dev/null by default."""
        popen_kwargs.setdefault('stdin', subprocess.DEVNULL)
        self.argv = argv
        self.strip_cr = strip_cr
        self.proc = _track(subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            **popen_kwargs))
        self.out_lines = []
        self.err_lines = []
        self.listening = []
        self._cond = threading.Condition()
        self._eof = {'out': False, 'err': False}
        self._threads = [
            threading.Thread(target=self._reader,
                             args=(self.proc.stdout, self.out_lines, 'out'),
                             daemon=True),
            threading.Thread(target=self._reader,
                             args=(self.proc.stderr, self.err_lines, 'err'),
                             daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self.result = None

    def _reader(self, stream, lines, key):
        try:
            for raw in iter(stream.readline, b''):
                line = _decode(raw, self.strip_cr).rstrip('\n')
                with self._cond:
                    lines.append(line)
                    if key == 'err':
                        match = LISTEN_RE.match(line)
                        if match:
                            self.listening.append(
                                (match.group(1), int(match.group(2))))
                    self._cond.notify_all()
        except (OSError, ValueError):
            pass
        finally:
            with self._cond:
                self._eof[key] = True
                self._cond.notify_all()

    def wait_listening(self, timeout):
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.listening:
                if self.proc.poll() is not None:
                    # Give the reader a moment to collect what was printed.
                    self._cond.wait(0.2)
                    if self.listening:
                        break
                    raise AssertionError(
                        'server exited with %s before printing "listening '
                        'on ADDR PORT": %s' % (self.proc.returncode,
                                               self._tail()))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        'no "listening on ADDR PORT" line on stderr within '
                        '%.0fs: %s' % (timeout, self._tail()))
                self._cond.wait(min(remaining, 0.1))
        return self

    def wait_for(self, predicate, timeout, what):
        """Wait (bounded) until PREDICATE(stdout, stderr) is true; return
        its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate('\n'.join(self.out_lines),
                                  '\n'.join(self.err_lines))
                if value:
                    return value
                if self.proc.poll() is not None and all(self._eof.values()):
                    raise AssertionError('%s exited with %s before %s: %s'
                                         % (os.path.basename(self.argv[0]),
                                            self.proc.returncode, what,
                                            self._tail()))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError('no %s within %.0fs: %s'
                                         % (what, timeout, self._tail()))
                self._cond.wait(min(remaining, 0.1))

    def _tail(self):
        lines = (self.err_lines + self.out_lines)[-5:]
        return ' | '.join(lines) if lines else '(no output)'

    @property
    def port(self):
        return self.listening[0][1]

    @property
    def addr(self):
        return self.listening[0][0]

    def alive(self):
        return self.proc.poll() is None

    def output(self):
        """Snapshot of (stdout, stderr) so far."""
        with self._cond:
            return ('\n'.join(self.out_lines), '\n'.join(self.err_lines))

    def wait(self, timeout, what='by itself'):
        """Wait (bounded) for the server to exit; return (rc, out, err)."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            for thread in self._threads:
                thread.join(timeout=2)
            raise AssertionError('server did not exit %s within %.1fs: %s'
                                 % (what, timeout, self._tail()))
        for thread in self._threads:
            thread.join(timeout=5)
        out, err = self.output()
        self.result = (self.proc.returncode, out, err)
        return self.result

    def stop(self, sig=signal.SIGINT, timeout=10.0):
        """Send SIG (Ctrl-C by default) and wait, bounded, for the exit.
        Returns (rc, stdout, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait(timeout, 'after %s' % signal.Signals(sig).name)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        return False


def start_server(ctx, args, peer=False, timeout=20.0, env=None):
    """Start ``sockecho server ARGS`` and wait for its listening line.

    ARGS should hold ``--port 0`` and a loopback ``--bind``. With peer=True
    the other platform's build is started (natively). ENV: variables added
    to the environment."""
    argv = ctx.cmd(['server'] + list(args), peer=peer)
    server = Server(argv, strip_cr=ctx.is_windows(peer),
                    env=dict(os.environ, **env) if env else None)
    try:
        server.wait_listening(ctx.t(timeout))
    except BaseException:
        server.kill()
        raise
    return server


# ---------------------------------------------------------------------------
# sockecho client


class ClientResult:
    """rc, out, err (text) of one client run; unpacks as (rc, out, err)."""

    def __init__(self, rc, out_bytes, err_bytes, strip_cr, elapsed, argv):
        self.rc = rc
        self.out_bytes = out_bytes
        self.err_bytes = err_bytes
        self.out = _decode(out_bytes, strip_cr)
        self.err = _decode(err_bytes, strip_cr)
        self.elapsed = elapsed
        self.argv = argv

    def __iter__(self):
        return iter((self.rc, self.out, self.err))

    def err_lines(self):
        return [line for line in self.err.split('\n') if line]

    def describe(self):
        return 'rc=%s stdout=%r stderr=%r' % (self.rc, self.out[:300],
                                              self.err[:300])


def run(ctx, argv, input=None, timeout=30.0, strip_cr=False, env=None, stdin=None):
    """Run ARGV to completion (bounded). Output goes through files, not pipes,
    so helper processes that inherit them (Wine) cannot hold us up. STDIN (a
    descriptor) replaces INPUT as standard input."""
    with tempfile.TemporaryFile() as out_f, \
            tempfile.TemporaryFile() as err_f, \
            tempfile.TemporaryFile() as in_f:
        if input is not None:
            in_f.write(input)
            in_f.seek(0)
            stdin = in_f
        elif stdin is None:
            stdin = subprocess.DEVNULL
        start = time.monotonic()
        full_env = dict(os.environ, **env) if env else None
        proc = _track(subprocess.Popen(argv, stdin=stdin, stdout=out_f,
                                       stderr=err_f, env=full_env))
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
            err_f.seek(0)
            raise AssertionError('%s did not finish within %.0fs (stderr: %r)'
                                 % (' '.join(argv[-6:]), timeout,
                                    err_f.read()[-300:]))
        elapsed = time.monotonic() - start
        out_f.seek(0)
        err_f.seek(0)
        return ClientResult(rc, out_f.read(), err_f.read(), strip_cr, elapsed,
                            argv)


def run_client(ctx, args, input=None, timeout=30.0, peer=False, env=None):
    """Run ``sockecho client ARGS``; returns a ClientResult that unpacks as
    (rc, stdout, stderr), with \\r stripped for the Windows build. ENV adds
    environment variables."""
    return run_sockecho(ctx, ['client'] + list(args), input=input,
                        timeout=timeout, peer=peer, env=env)


def run_sockecho(ctx, args, input=None, timeout=30.0, peer=False, env=None):
    # Stay under run.py's watchdog even when stretched for Wine.
    return run(ctx, ctx.cmd(args, peer=peer), input=input,
               timeout=min(ctx.t(timeout), 90.0),
               strip_cr=ctx.is_windows(peer), env=env)


NSS_WRAPPER = '/usr/lib/x86_64-linux-gnu/libnss_wrapper.so'


def hosts_env(ctx, name, addrs):
    """Environment that makes NAME resolve to ADDRS, in that order, for the
    process started with it (nss_wrapper from Debian's libnss-wrapper; Wine's
    getaddrinfo goes through the host's glibc, so it works there too)."""
    if not os.path.exists(NSS_WRAPPER):
        raise Skip('libnss-wrapper is not installed (scripts/deps.sh '
                   'installs it)')
    path = ctx.tmp('hosts')
    with open(path, 'w') as f:
        for addr in addrs:
            f.write('%s %s\n' % (addr, name))
    # ASan must come first in the library list; a preload comes before it.
    return {'LD_PRELOAD': NSS_WRAPPER, 'NSS_WRAPPER_HOSTS': path,
            'ASAN_OPTIONS': 'verify_asan_link_order=0:' +
            os.environ.get('ASAN_OPTIONS', '')}


SEED_MESSAGE = b'this is a test'


def seed_report(sent, received, closed=True):
    text = 'Bytes Sent: %d\nBytes received: %d\n' % (sent, received)
    if closed:
        text += 'Connection closed\n'
    return text


def assert_seed_server_lines(text, size=14):
    """The seed server's per-connection lines, in order, in TEXT."""
    lines = text.split('\n')
    want = ['Bytes received: %d' % size, 'Bytes sent: %d' % size,
            'Connection closing...']
    pos = 0
    for line in want:
        try:
            pos = lines.index(line, pos) + 1
        except ValueError:
            raise AssertionError('server output lacks %r (in order after '
                                 'the previous seed line): %r'
                                 % (line, text[:400]))


# ---------------------------------------------------------------------------
# Python servers: a correct echo server and misbehaving ones


def family_of(host):
    return socket.AF_INET6 if ':' in host else socket.AF_INET


def set_linger0(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack('ii', 1, 0))


class Session:
    """One accepted connection of a PyServer; records what it received."""

    HEAD_MAX = 4 << 20

    def __init__(self, conn):
        self.conn = conn
        self.nbytes = 0
        self.sha = hashlib.sha256()
        self.head = bytearray()
        self.eof = False
        self.error = None
        self.info = {}
        self.done = threading.Event()

    def recv(self, size=262144):
        data = self.conn.recv(size)
        if data:
            self.nbytes += len(data)
            self.sha.update(data)
            if len(self.head) < self.HEAD_MAX:
                self.head += data[:self.HEAD_MAX - len(self.head)]
        else:
            self.eof = True
        return data

    def drain(self):
        """Read and discard until the peer's FIN (or an error)."""
        while self.recv():
            pass

    @property
    def data(self):
        if self.nbytes > self.HEAD_MAX:
            raise AssertionError('session data too large to keep')
        return bytes(self.head)


class PyServer:
    """Threaded TCP server on HOST port 0 running HANDLER(session, stop_event)
    for each connection in its own thread."""

    def __init__(self, handler, host='127.0.0.1', backlog=64):
        self.handler = handler
        self.host = host
        self.sock = socket.socket(family_of(host), socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(backlog)
        self.port = self.sock.getsockname()[1]
        self.stop_event = threading.Event()
        self.sessions = []
        self._threads = []
        self._lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._serve, daemon=True)
        self._acceptor.start()

    def _serve(self):
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        try:
            while not self.stop_event.is_set():
                if not sel.select(timeout=0.05):
                    continue
                try:
                    conn, _ = self.sock.accept()
                except OSError:
                    continue
                session = Session(conn)
                thread = threading.Thread(target=self._handle,
                                          args=(session,), daemon=True)
                with self._lock:
                    self.sessions.append(session)
                    self._threads.append(thread)
                thread.start()
        finally:
            sel.close()

    def _handle(self, session):
        try:
            self.handler(session, self.stop_event)
        except OSError as exc:
            # The client under test may abort once it has seen a fault.
            session.error = exc
        finally:
            try:
                session.conn.close()
            except OSError:
                pass
            session.done.set()

    def session(self, index=0, timeout=10.0):
        """The INDEX-th session, once its handler has finished."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if len(self.sessions) > index:
                    session = self.sessions[index]
                    break
            if time.monotonic() >= deadline:
                raise AssertionError('the client never connected to the '
                                     'Python server')
            time.sleep(0.01)
        if not session.done.wait(max(0.0, deadline - time.monotonic())):
            raise AssertionError('Python server session did not finish')
        return session

    def close(self):
        self.stop_event.set()
        self._acceptor.join(timeout=2)
        try:
            self.sock.close()
        except OSError:
            pass
        with self._lock:
            sessions = list(self.sessions)
            threads = list(self._threads)
        for session in sessions:
            try:
                session.conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join(timeout=2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _finish(session):
    session.conn.shutdown(socket.SHUT_WR)
    session.drain()


def echo_handler(session, stop):
    """A correct echo: every byte back, then FIN after the client's FIN."""
    while True:
        data = session.recv()
        if not data:
            break
        session.conn.sendall(data)
    session.conn.shutdown(socket.SHUT_WR)


def _echo_up_to(session, limit):
    """Echo what arrives until LIMIT bytes were echoed (or the client's
    FIN)."""
    echoed = 0
    while echoed < limit:
        data = session.recv()
        if not data:
            break
        chunk = data[:limit - echoed]
        session.conn.sendall(chunk)
        echoed += len(chunk)


def truncate_handler(limit):
    """Echo the first LIMIT bytes, then FIN (and read the rest, so that the
    close is graceful: closing with unread input would send an RST)."""
    def handler(session, stop):
        _echo_up_to(session, limit)
        _finish(session)
    return handler


def reset_handler(limit):
    """Echo the first LIMIT bytes, then close abortively (SO_LINGER {1,0}:
    RST)."""
    def handler(session, stop):
        _echo_up_to(session, limit)
        set_linger0(session.conn)
    return handler


def excess_handler(extra=b'EXTRA'):
    """Echo everything, then send EXTRA bytes nobody sent, then FIN."""
    def handler(session, stop):
        while True:
            data = session.recv()
            if not data:
                break
            session.conn.sendall(data)
        session.conn.sendall(extra)
        session.conn.shutdown(socket.SHUT_WR)
    return handler


def flip_handler(offset, reset_after=None):
    """Echo everything with the byte at OFFSET (counted from the start of the
    stream) XORed with 0xFF; the original and flipped values are recorded in
    session.info. With RESET_AFTER, stop after echoing that many bytes, wait
    for the client's half-close and reset the connection."""
    def handler(session, stop):
        pos = 0
        limit = reset_after if reset_after is not None else float('inf')
        while pos < limit:
            data = session.recv()
            if not data:
                break
            chunk = bytearray(data[:int(min(len(data), limit - pos))])
            if pos <= offset < pos + len(chunk):
                i = offset - pos
                session.info['orig'] = chunk[i]
                chunk[i] ^= 0xFF
                session.info['flipped'] = chunk[i]
            session.conn.sendall(chunk)
            pos += len(chunk)
        if reset_after is None:
            session.conn.shutdown(socket.SHUT_WR)
            return
        # Let the client read the flipped byte before the RST arrives: its
        # half-close comes after it queued its last byte.
        session.conn.settimeout(5)
        try:
            session.drain()
        except OSError:
            pass
        time.sleep(0.2)
        set_linger0(session.conn)
    return handler


def nofin_handler(session, stop):
    """Echo everything but never send FIN (until the test ends)."""
    while True:
        data = session.recv()
        if not data:
            break
        session.conn.sendall(data)
    stop.wait(60)
    set_linger0(session.conn)


def noread_handler(session, stop):
    """Accept, then never read nor write (until the test ends)."""
    stop.wait(60)
    set_linger0(session.conn)


# ---------------------------------------------------------------------------
# Ports nobody listens on


class ClosedPort:
    """A port bound (not listening) for as long as this object lives: a
    connection to it is surely refused, and no client can pick it as its own
    source port and connect to itself (docs/WINDOWS.md, pitfalls)."""

    def __init__(self, host='127.0.0.1', port=0):
        self.host = host
        self.sock = socket.socket(family_of(host), socket.SOCK_STREAM)
        self.sock.bind((host, port))
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def refused_port(host='127.0.0.1'):
    return ClosedPort(host)


class FullBacklog:
    """A listener with backlog 0 whose accept queue is full: Linux drops
    further SYNs, so a connect to it neither succeeds nor is refused and only
    a connect timeout ends it."""

    def __init__(self, host='127.0.0.1'):
        self.sock = socket.socket(family_of(host), socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.fillers = []
        for _ in range(2):
            filler = socket.socket(family_of(host), socket.SOCK_STREAM)
            filler.setblocking(False)
            filler.connect_ex((host, self.port))
            self.fillers.append(filler)
        sel = selectors.DefaultSelector()
        sel.register(self.fillers[0], selectors.EVENT_WRITE)
        ready = sel.select(timeout=5)
        sel.close()
        if not ready:
            raise AssertionError('could not fill the accept queue')

    def close(self):
        for sock in self.fillers + [self.sock]:
            sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


# ---------------------------------------------------------------------------
# Python clients


def pattern(size, seed):
    """SIZE reproducible pseudo-random bytes."""
    return random.Random(seed).randbytes(size)


def echo_many(host, port, payloads, timeout, spread_sources=True):
    """Run one echo session per payload, all at once, on one selectors loop:
    connect, send while reading, half-close, read until FIN. Returns a list
    of failure descriptions (empty when every session got its exact echo
    followed by FIN)."""
    sel = selectors.DefaultSelector()
    failures = []
    pending = 0
    family = family_of(host)
    for index, payload in enumerate(payloads):
        sock = socket.socket(family, socket.SOCK_STREAM)
        if spread_sources and family == socket.AF_INET:
            # Spread source addresses over 127/8 so that many short sessions
            # do not exhaust one address's ephemeral ports (TIME_WAIT).
            try:
                sock.bind(('127.0.%d.%d' % (index // 250, 2 + index % 250),
                           0))
            except OSError:
                pass
        sock.setblocking(False)
        sock.connect_ex((host, port))
        state = {'i': index, 'payload': payload, 'sent': 0,
                 'got': bytearray(), 'sock': sock}
        sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE,
                     state)
        pending += 1
    deadline = time.monotonic() + timeout

    def finish(state, reason=None):
        nonlocal pending
        sel.unregister(state['sock'])
        state['sock'].close()
        pending -= 1
        if reason:
            failures.append('client %d: %s' % (state['i'], reason))

    try:
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                for key in list(sel.get_map().values()):
                    st = key.data
                    finish(st, 'timed out (sent %d/%d, received %d)'
                           % (st['sent'], len(st['payload']), len(st['got'])))
                break
            for key, events in sel.select(timeout=min(remaining, 0.5)):
                st = key.data
                sock = st['sock']
                payload = st['payload']
                try:
                    if events & selectors.EVENT_WRITE:
                        if st['sent'] < len(payload):
                            try:
                                st['sent'] += sock.send(
                                    payload[st['sent']:st['sent'] + 65536])
                            except BlockingIOError:
                                pass
                        if st['sent'] == len(payload):
                            sock.shutdown(socket.SHUT_WR)
                            sel.modify(sock, selectors.EVENT_READ, st)
                    if events & selectors.EVENT_READ:
                        try:
                            data = sock.recv(65536)
                        except BlockingIOError:
                            continue
                        if data:
                            st['got'] += data
                            if len(st['got']) > len(payload):
                                finish(st, 'received %d bytes, more than '
                                       'the %d sent' % (len(st['got']),
                                                        len(payload)))
                            continue
                        if st['sent'] < len(payload) or \
                                len(st['got']) != len(payload):
                            finish(st, 'FIN after %d of %d bytes (sent %d)'
                                   % (len(st['got']), len(payload),
                                      st['sent']))
                        elif st['got'] != payload:
                            finish(st, 'echo differs from what was sent')
                        else:
                            finish(st)
                except OSError as exc:
                    finish(st, 'socket error %s (sent %d, received %d)'
                           % (exc, st['sent'], len(st['got'])))
    finally:
        for key in list(sel.get_map().values()):
            key.data['sock'].close()
        sel.close()
    return failures


def echo_once(host, port, payload, timeout=30.0):
    """One full-duplex echo session; raises AssertionError unless the exact
    echo and then FIN came back."""
    failures = echo_many(host, port, [payload], timeout, spread_sources=False)
    if failures:
        raise AssertionError(failures[0])


def tcp_queues(local_port, remote_port):
    """(tx_queue, rx_queue) of the IPv4 TCP socket LOCAL_PORT -> REMOTE_PORT
    from Linux's /proc/net/tcp (bytes not yet acknowledged by the peer /
    received but not yet read by the program), or None when unknown."""
    try:
        with open('/proc/net/tcp') as f:
            rows = f.read().split('\n')[1:]
    except OSError:
        return None
    for row in rows:
        fields = row.split()
        if len(fields) < 5:
            continue
        local, remote = fields[1], fields[2]
        if (int(local.split(':')[1], 16) == local_port and
                int(remote.split(':')[1], 16) == remote_port):
            tx, rx = fields[4].split(':')
            return int(tx, 16), int(rx, 16)
    return None


def localhost_addresses():
    """The addresses getaddrinfo gives for localhost, in its order."""
    seen = []
    for info in socket.getaddrinfo('localhost', 0, socket.AF_UNSPEC,
                                   socket.SOCK_STREAM):
        addr = info[4][0]
        if addr not in seen:
            seen.append(addr)
    return seen


def check(cond, message, *args):
    """assert that survives python -O."""
    if not cond:
        raise AssertionError(message % args if args else message)


# ---------------------------------------------------------------------------
# Helpers of the server-limits, operations, probes and UDP tests (issue 3)


def ndjson(text):
    """Every non-empty line of TEXT parsed as JSON (AssertionError naming the
    first line that does not parse)."""
    import json
    objects = []
    for number, line in enumerate(text.split('\n'), 1):
        if not line.strip():
            continue
        try:
            objects.append(json.loads(line))
        except ValueError as exc:
            raise AssertionError('stdout line %d is not JSON (%s): %r'
                                 % (number, exc, line[:200]))
    return objects


def json_summary(out):
    """The "summary" object of a sockecho server --json run's stdout."""
    summaries = [o for o in ndjson(out) if o.get('type') == 'summary']
    if len(summaries) != 1:
        raise AssertionError('expected one "summary" object on stdout, got '
                             '%d: %r' % (len(summaries), out[-400:]))
    return summaries[0]


# Servers started with extra Popen arguments: Server takes them itself.
SpawnedServer = Server


def proc_cpu_seconds(pid):
    """User + system CPU time of process PID (Linux /proc), in seconds."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    # fields[0] is the state (field 3): utime and stime are fields 14, 15.
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf('SC_CLK_TCK')


def proc_rss_kib(pid):
    """VmRSS of process PID (Linux /proc), in KiB."""
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise AssertionError('no VmRSS in /proc/%d/status' % pid)


def raise_nofile(want):
    """Raise this process's RLIMIT_NOFILE soft limit towards WANT (and the
    hard one when allowed); returns the soft limit now in force."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= want:
        return soft
    if hard != resource.RLIM_INFINITY and hard < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return want
        except (ValueError, OSError):
            want = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def connect_from(source, host, port, timeout=5.0):
    """A blocking TCP connection to HOST:PORT from address SOURCE (any port),
    with TIMEOUT on every operation."""
    sock = socket.socket(family_of(host), socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        if source:
            sock.bind((source, 0))
        sock.connect((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def ping(sock, data=b'ping', timeout=2.0):
    """Send DATA and wait (bounded) for its echo. Returns 'echo' when it
    came back whole, else 'eof', 'reset' or 'timeout' (what ended the wait)
    -- bytes received short of the echo are dropped."""
    sock.settimeout(timeout)
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        return 'reset'
    got = b''
    deadline = time.monotonic() + timeout
    while len(got) < len(data):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return 'timeout'
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return 'timeout'
        except (ConnectionResetError, ConnectionAbortedError):
            return 'reset'
        if not chunk:
            return 'eof'
        got += chunk
    if got != data:
        raise AssertionError('echo %r differs from %r' % (got[:40], data[:40]))
    return 'echo'


def close_gracefully(sock, timeout=5.0):
    """Half-close SOCK, read (and drop) until the peer's FIN, close.
    Returns 'eof', 'reset' or 'timeout'."""
    result = 'eof'
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(timeout)
        while sock.recv(65536):
            pass
    except socket.timeout:
        result = 'timeout'
    except OSError:
        result = 'reset'
    finally:
        sock.close()
    return result


def free_port(host='127.0.0.1', kind=socket.SOCK_STREAM):
    """A port that was free a moment ago (for a program that cannot report
    the port it bound, e.g. a -q server). Racy: retry on a bind failure."""
    sock = socket.socket(family_of(host), kind)
    try:
        sock.bind((host, 0))
        return sock.getsockname()[1]
    finally:
        sock.close()


def wait_connectable(host, port, timeout, proc=None):
    """Retry a connect (bounded) until HOST:PORT accepts; for servers that
    print nothing (-q). Returns the connected socket."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection((host, port), timeout=1.0)
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise AssertionError('server exited with %s before accepting'
                                     % proc.returncode)
            if time.monotonic() >= deadline:
                raise AssertionError('nothing accepted on %s:%d within %.0fs'
                                     % (host, port, timeout))
            time.sleep(0.02)
