"""The client's live progress line: shown on a terminal (tmux runs the
client in a real pseudo-terminal, capture-pane reads the screen), updated
while the transfer runs and erased at the end; never written when standard
error is a file or a pipe."""
# ctest-builds: native asan

import os
import shlex
import shutil
import socket
import subprocess
import time

import harness
from harness import Skip, check

RATE = 1 << 20  # the slow server echoes about 1 MiB/s
SIZE = 2 << 20  # so the 2 MiB transfer lasts about 2 s


def slow_echo(session, stop):
    """Echoes every byte, at most RATE bytes per second."""
    start = time.monotonic()
    sent = 0
    while True:
        data = session.recv(16384)
        if not data:
            break
        session.conn.sendall(data)
        sent += len(data)
        ahead = sent / RATE - (time.monotonic() - start)
        if ahead > 0 and not stop.wait(ahead):
            continue
    session.conn.shutdown(socket.SHUT_WR)


class Tmux:
    """A private tmux server (its own socket) running one command in a
    window of WIDTH columns and 20 rows."""

    def __init__(self, ctx, command, width=150):
        if not shutil.which('tmux'):
            raise Skip('tmux is not installed (scripts/deps.sh installs it)')
        self.base = ['tmux', '-S', ctx.tmp('tmux-%d.sock' % width), '-f', '/dev/null']
        env = dict(os.environ, TERM='xterm')
        subprocess.run(self.base + ['new-session', '-d', '-x', str(width), '-y', '20',
                                    command + '; echo EXIT=$?; sleep 60'],
                       check=True, env=env, timeout=20)

    def screen(self):
        return subprocess.run(self.base + ['capture-pane', '-p'], stdout=subprocess.PIPE,
                              check=True, timeout=20).stdout.decode(errors='replace')

    def wait_for(self, predicate, timeout, what):
        """Polls the screen (every 50 ms, bounded) until PREDICATE(screen)."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError('no %s on the terminal within %.0fs: %r'
                                     % (what, timeout, screen.strip()[-500:]))
            time.sleep(0.05)

    def close(self):
        subprocess.run(self.base + ['kill-server'], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=20)


def client_command(ctx, port):
    return ' '.join(shlex.quote(a) for a in
                    ctx.cmd(['client', '--size', SIZE, '127.0.0.1', port]))


def test_progress_line_on_a_terminal(ctx):
    with harness.PyServer(slow_echo) as server:
        tmux = Tmux(ctx, client_command(ctx, server.port))
        try:
            # While it runs: bytes, total, percentage, rate and ETA.
            line = tmux.wait_for(lambda s: 'ETA' in s and 'echoed' in s, 20, 'progress line')
            line = next(l for l in line.split('\n') if 'ETA' in l)
            check(line.startswith('sent ') and ' of 2.00 MiB (' in line and '/s, ETA ' in line,
                  'progress line: %r', line)
            # It is rewritten in place: a later screen shows another figure
            # on the same single line.
            later = tmux.wait_for(lambda s: 'EXIT=' in s or
                                  ('ETA' in s and line not in s), 20, 'updated progress line')
            screen = tmux.wait_for(lambda s: 'EXIT=' in s, 30, 'end of the client')
        finally:
            tmux.close()
    check(later.count('ETA') <= 1, 'more than one progress line: %r', later)
    check('EXIT=0' in screen, 'client failed: %r', screen)
    check('echoed' not in screen and 'ETA' not in screen,
          'the progress line was not erased: %r', screen)
    rows = [r.rstrip() for r in screen.split('\n') if r.strip()]
    check(rows[-4:] == ['Bytes Sent: %d' % SIZE, 'Bytes received: %d' % SIZE,
                        'Connection closed', 'EXIT=0'],
          'the report is not intact after the progress line: %r', rows[-6:])


def test_no_progress_when_stderr_is_not_a_terminal(ctx):
    with harness.PyServer(slow_echo) as server:
        result = harness.run_client(ctx, ['--size', SIZE, '127.0.0.1', server.port])
    check(result.rc == 0 and result.err == '' and
          result.out == harness.seed_report(SIZE, SIZE),
          'client with stderr in a file: %s', result.describe())
    check(result.elapsed > 1.0, 'the transfer was too fast (%.2fs) to show anything',
          result.elapsed)


def test_bench_progress_line_on_a_terminal(ctx):
    # sockecho bench shows "[  1.0s] ..." on a terminal while it runs,
    # rewritten in place, and erases it before its report.
    server = harness.start_server(ctx, ['--port', '0', '--bind', '127.0.0.1'])
    with server:
        command = ' '.join(shlex.quote(a) for a in ctx.cmd(
            ['bench', '--mode', 'rr', '-c', '2', '-d', '2s', '127.0.0.1', server.port]))
        tmux = Tmux(ctx, command)
        try:
            first = tmux.wait_for(lambda s: '[' in s and 's] ' in s, 20, 'bench progress line')
            line = next(l for l in first.split('\n') if 's] ' in l)
            screen = tmux.wait_for(lambda s: 'EXIT=' in s, 30, 'end of the bench')
        finally:
            tmux.close()
    check(line.lstrip().startswith('[') and 'req/s' in line, 'bench progress line: %r', line)
    check('EXIT=0' in screen, 'bench failed: %r', screen)
    check('s] ' not in screen, 'the bench progress line was not erased: %r', screen)
    check('verdict' in screen and 'complete' in screen,
          'the bench report is not on the screen: %r', screen.strip()[-600:])


def _check_narrow(screen, width, stale, report_words):
    rows = [r.rstrip() for r in screen.split('\n') if r.strip()]
    check(not any(w in screen for w in stale),
          'a progress line was left on a %d-column screen: %r' % (width, rows))
    for word in report_words:
        check(word in screen, '%r is missing from the screen: %r', word, rows)


def test_progress_line_fits_a_narrow_terminal(ctx):
    # 60 columns: the full line ("sent ..., echoed ... of ... (..%), ...,
    # ETA ...") is longer; it must be cut, never wrapped, and erased.
    for width in (60, 80):
        with harness.PyServer(slow_echo) as server:
            tmux = Tmux(ctx, client_command(ctx, server.port), width=width)
            try:
                running = tmux.wait_for(lambda s: 'echoed' in s, 20, 'progress line')
                screen = tmux.wait_for(lambda s: 'EXIT=' in s, 30, 'end of the client')
            finally:
                tmux.close()
        rows = [r for r in running.split('\n') if 'sent' in r]
        check(len(rows) == 1 and len(rows[0].rstrip()) < width,
              'progress line wider than %d columns or wrapped: %r', width, rows)
        check('EXIT=0' in screen, 'client failed: %r', screen)
        _check_narrow(screen, width, ('echoed', 'ETA', 'MiB/s'),
                      ('Bytes received: %d' % SIZE, 'Connection closed'))


def test_bench_progress_line_fits_a_narrow_terminal(ctx):
    server = harness.start_server(ctx, ['--port', '0', '--bind', '127.0.0.1'])
    with server:
        command = ' '.join(shlex.quote(a) for a in ctx.cmd(
            ['bench', '--mode', 'rr', '-c', '2', '-d', '2s', '127.0.0.1', server.port]))
        for width in (60, 80):
            tmux = Tmux(ctx, command, width=width)
            try:
                running = tmux.wait_for(lambda s: 's] ' in s, 20, 'bench progress line')
                screen = tmux.wait_for(lambda s: 'EXIT=' in s, 30, 'end of the bench')
            finally:
                tmux.close()
            rows = [r for r in running.split('\n') if 's] ' in r or 'req/s' in r]
            check(len(rows) == 1 and len(rows[0].rstrip()) < width,
                  'bench progress wider than %d columns or wrapped: %r', width, rows)
            check('EXIT=0' in screen, 'bench failed: %r', screen)
            _check_narrow(screen, width, ('s] ', 'open 2'), ('verdict',))
