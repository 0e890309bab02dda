#!/usr/bin/env python3
"""make bench: sockecho's server against other echo servers, on loopback.

Builds the peers (bench/peers/, a libuv echo, a minimal epoll echo, a blocking
thread-per-connection echo) and uses the native sockecho (build/native), on
each of its backends, plain and with TLS beside TLS terminators (haproxy,
stunnel4, socat). Each measurement starts a fresh server on 127.0.0.1 (port 0
where the server can print the port it got), runs one workload with
`sockecho bench ... --json`, and stops the server. Runs are interleaved (run 1
of every workload and server, then run 2, ...) so that the noise of a shared
2-core machine falls on every server alike; each figure is the median of the
runs, and each ratio is the median of the per-run ratios to the baseline
(libuv; haproxy for TLS) measured in the same run. After the runs, one
counting run per server and workload counts the server's system calls
(perf stat on syscall tracepoints), and a few perf record profiles are taken.

Writes docs/BENCHMARKS.md (tables, the machine, the exact commands, the
targets met or missed) and docs/bench-ratios.svg (drawn here, plain SVG), and
the raw results as JSON next to the peers' build (build/bench/results.json).

    python3 bench/run.py --out docs/BENCHMARKS.md          # the full suite (~25 min)
    python3 bench/run.py --quick --out /tmp/BENCHMARKS.md  # 1 short run of everything (~4 min)

Python 3 standard library only. Traffic goes to 127.0.0.0/8 only; every
server started here is stopped in a finally block; every wait is bounded.
"""

import argparse
import datetime
import json
import math
import os
import platform
import queue
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
PEER_BUILD = ROOT / "build" / "bench"
SOCKECHO = ROOT / "build" / "native" / "sockecho"
HOST = "127.0.0.1"
BASELINE = "uv_echo"  # every ratio is to the libuv peer of the same run
BULK_REFERENCE = "thread_echo"  # the bulk target is relative to this one
NOFILE_WANTED = 65536
START_TIMEOUT = 10.0  # a server must be listening within this
STOP_TIMEOUT = 8.0  # SIGTERM, then SIGKILL after this


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- dependencies


def check_packages():
    """Installs the Debian packages of bench/packages.txt (as root) or exits 1."""
    wanted = []
    for line in (BENCH_DIR / "packages.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            wanted.append(line)
    if not shutil.which("dpkg-query"):
        log("bench: not a Debian system (no dpkg-query); install by hand: " + " ".join(wanted))
        return
    missing = []
    for pkg in wanted:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0 or "install ok installed" not in r.stdout:
            missing.append(pkg)
    if not missing:
        return
    line = "apt-get install -y --no-install-recommends " + " ".join(missing)
    if os.geteuid() != 0:
        log("bench: missing Debian packages; run as root:\n  apt-get update && " + line)
        sys.exit(1)
    log("bench: installing " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        subprocess.run(["apt-get", "update"], check=True, env=env, timeout=600,
                       stdin=subprocess.DEVNULL)
        subprocess.run(line.split(), check=True, env=env, timeout=1200, stdin=subprocess.DEVNULL)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        log(f"bench: {e}; install them by hand:\n  apt-get update && {line}")
        sys.exit(1)


def build():
    """Builds the peers (always: cheap when up to date) and sockecho if missing."""
    if not SOCKECHO.exists():
        log("bench: building sockecho (cmake --preset native)")
        subprocess.run(["cmake", "--preset", "native"], cwd=ROOT, check=True, timeout=600,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", "--preset", "native", "--parallel", "2"],
                       cwd=ROOT, check=True, timeout=1200, stdout=subprocess.DEVNULL)
    r = subprocess.run([str(SOCKECHO), "bench", "--help"], capture_output=True, text=True,
                       timeout=30)
    if r.returncode != 0:
        log(f"bench: {SOCKECHO} has no 'bench' command; rebuild it (make build)")
        sys.exit(1)
    subprocess.run(["cmake", "-S", str(BENCH_DIR), "-B", str(PEER_BUILD),
                    "-DCMAKE_BUILD_TYPE=RelWithDebInfo"], check=True, timeout=600,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", str(PEER_BUILD), "--parallel", "2"], check=True,
                   timeout=1200, stdout=subprocess.DEVNULL)


def raise_nofile():
    """Raises RLIMIT_NOFILE (inherited by every child) for 20k connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = NOFILE_WANTED
    if hard != resource.RLIM_INFINITY and hard < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))  # needs root
            return want
        except (ValueError, OSError):
            want = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


# ---------------------------------------------------------------- servers


def free_port():
    """A port that was free a moment ago (for servers that cannot take port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class ServerSpec:
    """How to start one server. argv(port, tmpdir) gives the command line; with
    port0 the server takes port 0 and prints it (ready_re's group 1); otherwise
    run.py picks a free port, and readiness is the ready_re line or, without
    one, a successful connect."""

    def __init__(self, name, label, argv, port0=False, ready_re=None, forks=False,
                 note="", prepare=None, behind=None, tls=False, runs=None):
        self.name, self.label, self.argv, self.prepare = name, label, argv, prepare
        self.port0, self.ready_re, self.forks, self.note = port0, ready_re, forks, note
        # behind: the ServerSpec of a plain echo started first, whose port
        # argv and prepare get as their third argument (TLS terminators).
        self.behind, self.tls = behind, tls
        self.runs = runs  # at most this many runs (the slow fork-per-connection peers)


LISTENING = re.compile(r"listening on 127\.0\.0\.1 (\d+)")


def sockecho_server(*extra):
    return lambda port, tmp, bport=None: [str(SOCKECHO), "server", "--bind", HOST, "--port",
                                          str(port), *extra]


def peer(name):
    return lambda port, tmp, bport=None: [str(PEER_BUILD / name), "--port", str(port)]


def inetd_prepare(port, tmp, bport=None):
    # openbsd-inetd's internal services are looked up by their official name
    # (echo = port 7 in /etc/services), so inetd runs in a private mount
    # namespace where /etc/services maps echo to our port.
    text = Path("/etc/services").read_text()
    text = re.sub(r"(?m)^echo\s+7/tcp.*$", f"echo\t\t{port}/tcp", text)
    (Path(tmp) / "services").write_text(text)
    (Path(tmp) / "inetd.conf").write_text(f"{HOST}:echo stream tcp nowait.1000000 root internal\n")


def inetd_argv(port, tmp, bport=None):
    script = (f"mount --bind {tmp}/services /etc/services && "
              f"exec inetd -d -q 4096 -R 1000000 {tmp}/inetd.conf")
    return ["unshare", "-m", "sh", "-c", script]


DEFAULT_BACKEND = "epoll"  # what `sockecho server` runs without --backend (found at start)
CERT_DIR = None  # the suite's certificate (make_cert)


def backend_label(b):
    return f"sockecho ({b}{', the default' if b == DEFAULT_BACKEND else ''})"


def server_specs(threads_ok):
    specs = [
        ServerSpec("sockecho-epoll", backend_label("epoll"), sockecho_server("--backend", "epoll"),
                   port0=True, ready_re=LISTENING),
        ServerSpec("sockecho-io_uring", backend_label("io_uring"),
                   sockecho_server("--backend", "io_uring"), port0=True, ready_re=LISTENING),
        ServerSpec("sockecho-poll", backend_label("poll"), sockecho_server("--backend", "poll"),
                   port0=True, ready_re=LISTENING),
    ]
    if threads_ok:
        for n in (1, 2):
            specs.append(ServerSpec(f"sockecho-t{n}", f"sockecho --threads {n}",
                                    sockecho_server("--threads", str(n)), port0=True,
                                    ready_re=LISTENING))
    specs += [
        ServerSpec("uv_echo", "libuv (uv_echo)", peer("uv_echo"), port0=True, ready_re=LISTENING),
        ServerSpec("epoll_echo", "minimal epoll", peer("epoll_echo"), port0=True,
                   ready_re=LISTENING),
        ServerSpec("thread_echo", "thread per connection", peer("thread_echo"), port0=True,
                   ready_re=LISTENING),
        ServerSpec("socat", "socat PIPE, fork",
                   lambda port, tmp, bport=None: ["socat", "-d", "-d",
                                      f"TCP-LISTEN:{port},bind={HOST},reuseaddr,fork,backlog=4096",
                                      "PIPE"],
                   ready_re=re.compile(r"listening on AF=2 127\.0\.0\.1:(\d+)"), forks=True,
                   runs=PEER_RUNS),
        ServerSpec("ncat", "ncat --exec /bin/cat",
                   lambda port, tmp, bport=None: ["ncat", "-v", "-l", "-k", "-m", "2000",
                                                  "--exec", "/bin/cat", HOST, str(port)],
                   ready_re=re.compile(r"Listening on 127\.0\.0\.1:(\d+)"), forks=True,
                   runs=PEER_RUNS),
        ServerSpec("inetd", "openbsd-inetd internal echo", inetd_argv, forks=True,
                   prepare=inetd_prepare, runs=PEER_RUNS),
    ]
    return specs + tls_specs()


# ---------------------------------------------------------------- TLS servers


def cert_path(name):
    return str(Path(CERT_DIR or "$CERTS") / name)


def make_cert():
    """One RSA 2048 self-signed certificate (CN localhost) for every TLS
    server of the suite: cert.pem, key.pem, and both in combined.pem."""
    global CERT_DIR
    CERT_DIR = tempfile.mkdtemp(prefix="sockecho-bench-cert-")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", cert_path("key.pem"),
                    "-out", cert_path("cert.pem")], check=True, timeout=60,
                   capture_output=True)
    combined = Path(cert_path("cert.pem")).read_text() + Path(cert_path("key.pem")).read_text()
    Path(cert_path("combined.pem")).write_text(combined)
    for f in ("key.pem", "combined.pem"):
        os.chmod(cert_path(f), 0o600)


PLAIN_BEHIND = ServerSpec("plain-echo", "sockecho (plain, behind)",
                          sockecho_server("--backend", "epoll"), port0=True, ready_re=LISTENING)


STUNNEL_CONF = ("foreground = yes\npid =\noutput = /dev/null\ndebug = 0\n"
                "[echo]\naccept = 127.0.0.1:{port}\nconnect = 127.0.0.1:{bport}\n"
                "cert = {cert}\nkey = {key}\n")
HAPROXY_CONF = ("global\n  maxconn 4000\n  nbthread 1\n"
                "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n"
                "  timeout server 60s\n  timeout client-fin 60s\n  timeout server-fin 60s\n"
                "frontend tls\n  bind 127.0.0.1:{port} ssl crt {pem}\n  default_backend echo\n"
                "backend echo\n  server s1 127.0.0.1:{bport}\n")


def stunnel_prepare(port, tmp, bport):
    (Path(tmp) / "stunnel.conf").write_text(STUNNEL_CONF.format(
        port=port, bport=bport, cert=cert_path("cert.pem"), key=cert_path("key.pem")))


def haproxy_prepare(port, tmp, bport):
    (Path(tmp) / "haproxy.cfg").write_text(HAPROXY_CONF.format(
        port=port, bport=bport, pem=cert_path("combined.pem")))


def tls_specs():
    return [
        ServerSpec("tls-sockecho", "sockecho --tls",
                   lambda port, tmp, bport=None: [
                       str(SOCKECHO), "server", "--bind", HOST, "--port", str(port), "--tls",
                       "--tls-cert", cert_path("cert.pem"), "--tls-key", cert_path("key.pem")],
                   port0=True, ready_re=LISTENING, tls=True),
        ServerSpec("tls-haproxy", "haproxy (1 thread) → plain echo",
                   lambda port, tmp, bport=None: ["haproxy", "-db", "-f", f"{tmp}/haproxy.cfg"],
                   prepare=haproxy_prepare, behind=PLAIN_BEHIND, tls=True),
        ServerSpec("tls-stunnel", "stunnel4 → plain echo",
                   lambda port, tmp, bport=None: ["stunnel4", f"{tmp}/stunnel.conf"],
                   prepare=stunnel_prepare, behind=PLAIN_BEHIND, tls=True),
        ServerSpec("tls-socat", "socat OPENSSL-LISTEN PIPE, fork",
                   lambda port, tmp, bport=None: [
                       "socat", "-d", "-d",
                       f"OPENSSL-LISTEN:{port},bind={HOST},reuseaddr,fork,backlog=4096,"
                       f"cert={cert_path('cert.pem')},key={cert_path('key.pem')},verify=0",
                       "PIPE"],
                   ready_re=re.compile(r"listening on AF=2 127\.0\.0\.1:(\d+)"), forks=True,
                   tls=True),
    ]


def read_proc_status(pid, field):
    """A /proc/PID/status field in kB (VmRSS ...), or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_seconds(pid):
    """utime + stime of PID (all its threads), in seconds, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def cpu_of(srv):
    """CPU seconds of the server's processes (with the plain echo behind a
    TLS terminator), or None."""
    cs = [cpu_seconds(p) for p in srv.pids]
    return None if None in cs else sum(cs)


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


class Server:
    """One running server. start() returns once it accepts connections."""

    def __init__(self, spec):
        self.spec = spec
        self.proc = None
        self.port = None
        self.lines = queue.Queue()
        self.tail = []  # the last stderr lines, for error messages
        self.tmp = tempfile.mkdtemp(prefix="sockecho-bench-")
        self.behind = None  # the plain echo behind a TLS terminator

    def _drain(self, stream):
        # Reads the server's stderr to the end so that it never blocks on a
        # full pipe (socat -d -d logs every connection).
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            self.tail = (self.tail + [line])[-5:]
            self.lines.put(line)
        self.lines.put(None)

    def start(self):
        bport = None
        if self.spec.behind:
            self.behind = Server(self.spec.behind).start()
            bport = self.behind.port
        for attempt in range(5):  # a fixed port may be taken between probe and bind
            port = 0 if self.spec.port0 else free_port()
            if self.spec.prepare:
                self.spec.prepare(port, self.tmp, bport)
            self.argv = self.spec.argv(port, self.tmp, bport)
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         start_new_session=True)
            self.lines = queue.Queue()
            threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()
            got = self._wait_ready(port)
            if got:
                self.port = got
                return self
            self._stop()
        raise RuntimeError(f"{self.spec.name} did not start: {' / '.join(self.tail)}")

    def _wait_ready(self, port):
        deadline = time.monotonic() + START_TIMEOUT
        if self.spec.ready_re is not None:
            while time.monotonic() < deadline:
                try:
                    line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    return None
                if line is None:
                    return None  # exited
                m = self.spec.ready_re.search(line)
                if m:
                    return int(m.group(1))
            return None
        # No listening line (inetd): connect until it accepts, bounded.
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return None
            try:
                with socket.create_connection((HOST, port), timeout=1.0):
                    return port
            except OSError:
                time.sleep(0.02)
        return None

    @property
    def pid(self):
        return self.proc.pid

    @property
    def pids(self):
        """The server's process and the plain echo's behind it, if any."""
        return [self.proc.pid] + ([self.behind.pid] if self.behind else [])

    def stop(self):
        """SIGTERM to the server's process group (its forked children too), then
        SIGKILL; then the same for the plain echo behind it."""
        try:
            self._stop()
        finally:
            if self.behind:
                self.behind.stop()
                self.behind = None
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _stop(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # children that outlived it
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            log(f"bench: {self.spec.name} (pid {self.proc.pid}) did not exit")
        self.proc = None


# ---------------------------------------------------------------- workloads


class Workload:
    """One workload: the bench's arguments and what to read from its JSON.

    servers: the spec names it runs against (None: every plain server; tls:
    every TLS server); baseline: the server each ratio is to, in the same
    run; runs: at most this many runs (slow workloads); count: the bench's
    arguments for the syscall-counting run that replace -d/-w (None: not
    counted), with count_unit the JSON figure it is divided by."""

    def __init__(self, name, title, args, metric, unit, scale=1.0, timed=True, skip_forks=False,
                 target=None, short=None, servers=None, tls=False, baseline=None, runs=None,
                 count=None, count_unit=None, chart=True):
        self.name, self.title, self.args, self.short = name, title, args, short or name
        self.metric, self.unit, self.scale = metric, unit, scale
        self.timed, self.skip_forks, self.target = timed, skip_forks, target
        self.servers, self.tls, self.runs, self.chart = servers, tls, runs, chart
        self.baseline = baseline or ("tls-haproxy" if tls else BASELINE)
        self.count, self.count_unit = count, count_unit

    def runs_on(self, spec):
        if self.servers is not None:
            return spec.name in self.servers
        return spec.tls == self.tls and not (self.skip_forks and spec.forks)

    def count_args(self):
        """The workload's arguments for the counting run."""
        out, skip = [], False
        for a in self.args:
            if skip:
                skip = False
            elif a in ("-d", "-w") or (a == "--bytes" and "--bytes" in self.count):
                skip = True
            else:
                out.append(a)
        return out + self.count


TLS_RUNS = 3  # the TLS workloads' runs (each is slow: handshakes, three processes)
IDLE_RUNS = 2  # the idle workload's (its figure moves by less than 1 B between runs)
PEER_RUNS = 3  # socat, ncat and inetd's (a process per connection: slow, far behind)


def workloads(quick):
    d, w = ("1s", "0.3s") if quick else ("2s", "1s")
    # Bulk ends after BULK_S or the bytes, whichever comes first: the time
    # bounds a measurement on a busy machine, the bytes on a fast one.
    bulk, bulk_title = ("128M", "128 MiB") if quick else ("1G", "1 GiB")
    tbulk, tbulk_title = ("64M", "64 MiB") if quick else ("256M", "256 MiB")
    bulk_s = "2s" if quick else "4s"
    idle = 5000 if quick else 20000
    rr50 = ["--mode", "rr", "--conns", "50", "--size", "512", "-d", d, "-w", w]
    n_rr = "20000" if quick else "50000"
    n_sess = "3000" if quick else "5000"
    n_tls = "300" if quick else "1000"
    tls = ["--tls", "--tls-insecure"]
    mine = ["sockecho-io_uring"]
    return [
        Workload("rr50", "rr, 50 connections × 512 B", rr50,
                 "requests_per_s", "req/s", target=("libuv", 1.3), short="rr, 50 × 512 B",
                 count=["-n", n_rr, "-d", "60s"], count_unit="requests"),
        Workload("rr1000", "rr, 1000 connections × 64 B",
                 ["--mode", "rr", "--conns", "1000", "--size", "64", "-d", d, "-w", w],
                 "requests_per_s", "req/s", target=("libuv", 1.3), short="rr, 1000 × 64 B",
                 count=["-n", n_rr, "-d", "60s"], count_unit="requests"),
        Workload("rr50-shared", "rr, 50 connections × 512 B, load generator with 2 threads",
                 rr50 + ["--threads", "2"], "requests_per_s", "req/s", target=("libuv", 1.3),
                 short="rr, 50 × 512 B, bench -t 2",
                 servers=["sockecho-epoll", "sockecho-io_uring", BASELINE]),
        Workload("gen-epoll", "rr, 50 connections × 512 B, generator `--backend epoll`",
                 rr50 + ["--backend", "epoll"], "requests_per_s", "req/s", servers=mine,
                 baseline="sockecho-io_uring", chart=False),  # the ratio is to gen-epoll
        Workload("gen-io_uring", "rr, 50 connections × 512 B, generator `--backend io_uring`",
                 rr50 + ["--backend", "io_uring"], "requests_per_s", "req/s", servers=mine,
                 baseline="sockecho-io_uring", chart=False,
                 count=["-n", n_rr, "-d", "60s"], count_unit="requests"),
        Workload("sessions", "sessions, 14 B × 32 in flight",
                 ["--mode", "sessions", "--concurrency", "32", "--size", "14", "-d", d, "-w", w],
                 "sessions_per_s", "sessions/s", target=("libuv", 1.2),
                 short="sessions, 14 B × 32", count=["-n", n_sess, "-d", "60s"],
                 count_unit="sessions"),
        Workload("bulk", f"bulk, {bulk_s} or {bulk_title} each way, 1 connection",
                 ["--mode", "bulk", "--conns", "1", "--bytes", bulk, "-d", bulk_s],
                 "received_bytes_per_s", "MiB/s", scale=1 / 1048576,
                 target=("thread", 0.9), short="bulk",
                 count=["--bytes", "64M" if quick else "128M", "-d", "120s"], count_unit="MiB"),
        Workload("idle", f"idle, {idle:,} connections",
                 ["--mode", "idle", "--conns", str(idle), "-d", "120s", "--interval", "200ms"],
                 "bytes_per_conn", "B/conn", timed=False, skip_forks=True,
                 target=("bytes", 128), runs=IDLE_RUNS),
        Workload("tls-full", "TLS sessions, full handshakes, 14 B × 32 in flight",
                 ["--mode", "sessions", "--concurrency", "32", "--size", "14", *tls,
                  "-d", d, "-w", w], "tls.handshakes_per_s", "handshakes/s", tls=True,
                 runs=TLS_RUNS, target=("haproxy", 1.0), short="TLS, full handshakes",
                 count=["-n", n_tls, "-d", "60s"], count_unit="sessions"),
        Workload("tls-resume", "TLS sessions, resumed handshakes (`--tls-resume`)",
                 ["--mode", "sessions", "--concurrency", "32", "--size", "14", *tls,
                  "--tls-resume", "-d", d, "-w", w], "tls.handshakes_per_s", "handshakes/s",
                 tls=True, runs=TLS_RUNS, target=("haproxy", 1.0), short="TLS, resumed",
                 count=["-n", n_tls, "-d", "60s"], count_unit="sessions"),
        Workload("tls-bulk", f"TLS bulk, {bulk_s} or {tbulk_title} each way, 1 connection",
                 ["--mode", "bulk", "--conns", "1", "--bytes", tbulk, *tls, "-d", bulk_s],
                 "received_bytes_per_s", "MiB/s", scale=1 / 1048576, tls=True, runs=TLS_RUNS,
                 target=("haproxy", 1.0), short="TLS bulk",
                 count=["--bytes", "32M" if quick else "64M", "-d", "120s"], count_unit="MiB"),
    ]


def bench_cmd(wl, port):
    return [str(SOCKECHO), "bench", *wl.args, "--json", HOST, str(port)]


def parse_json_lines(text):
    objs = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                objs.append(json.loads(line))
            except ValueError:
                pass
    return objs


def run_timed(wl, srv, budget):
    """Runs the bench against srv; returns (final JSON object or None, info)."""
    cmd = bench_cmd(wl, srv.port)
    cpu0, t0 = cpu_of(srv), time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)  # the bench winds down and still reports
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate(timeout=10)
    wall = time.monotonic() - t0
    cpu1 = cpu_of(srv)
    info = {"exit": proc.returncode, "stderr": err.strip()[-400:], "wall_s": wall}
    if cpu0 is not None and cpu1 is not None and not srv.spec.forks:
        info["server_cpu"] = (cpu1 - cpu0) / wall if wall > 0 else None
    finals = [o for o in parse_json_lines(out) if o.get("type") == "bench"]
    return (finals[-1] if finals else None), info


def run_idle(wl, srv, budget):
    """Opens N idle connections, reads the server's VmRSS before, while they
    are all accepted, and after they closed."""
    n = int(wl.args[wl.args.index("--conns") + 1])
    rss0 = read_proc_status(srv.pid, "VmRSS")
    fds0 = fd_count(srv.pid) or 0
    cmd = bench_cmd(wl, srv.port)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    out_lines = []
    opened = threading.Event()
    err_buf = []

    def reader():
        for line in proc.stdout:
            out_lines.append(line)
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if o.get("type") == "bench_interval" and (o.get("open_conns") or 0) >= n:
                opened.set()
        opened.set()  # ended: stop waiting

    threading.Thread(target=reader, daemon=True).start()
    threading.Thread(target=lambda: err_buf.append(proc.stderr.read()), daemon=True).start()
    info = {}
    try:
        opened.wait(timeout=budget)
        # The client has N open; wait (bounded) until the server has accepted them all.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and proc.poll() is None:
            fds = fd_count(srv.pid)
            if fds is None or fds - fds0 >= n:
                break
            time.sleep(0.05)
        info["server_fds"] = (fd_count(srv.pid) or 0) - fds0
        info["rss_before_kb"] = rss0
        info["rss_open_kb"] = read_proc_status(srv.pid, "VmRSS")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # ends the hold early; it still reports
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    # After the close: bounded wait for the server to release the connections.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        fds = fd_count(srv.pid)
        if fds is None or fds - fds0 <= 0:
            break
        time.sleep(0.05)
    info["rss_after_kb"] = read_proc_status(srv.pid, "VmRSS")
    info["exit"] = proc.returncode
    info["stderr"] = "".join(err_buf).strip()[-400:]
    finals = [o for o in parse_json_lines("".join(out_lines)) if o.get("type") == "bench"]
    res = finals[-1] if finals else None
    if res is not None and info.get("rss_open_kb") is not None and rss0 is not None:
        accepted = min(info["server_fds"], n)
        if accepted > 0:
            res["bytes_per_conn"] = (info["rss_open_kb"] - rss0) * 1024 / accepted
    return res, info


def budget_for(wl):
    secs = 0.0
    for flag in ("-d", "-w"):
        if flag in wl.args:
            v = wl.args[wl.args.index(flag) + 1]
            secs += float(v[:-2]) / 1000 if v.endswith("ms") else float(v.rstrip("s"))
    return secs + 30 if wl.timed else 60.0


# ---------------------------------------------------------------- the suite


def measure(wl, spec):
    """One measurement: a fresh server, one bench run, the server stopped."""
    srv = Server(spec)
    try:
        srv.start()
        if wl.timed:
            res, info = run_timed(wl, srv, budget_for(wl))
        else:
            res, info = run_idle(wl, srv, budget_for(wl))
        info["server_cmd"] = " ".join(srv.argv)
        return res, info
    finally:
        srv.stop()


def value_of(wl, res):
    v = res
    for key in wl.metric.split("."):
        v = v.get(key) if isinstance(v, dict) else None
    return None if v is None else v * wl.scale


def run_suite(args, specs, wls):
    results = {wl.name: {s.name: [] for s in specs} for wl in wls}
    t_start = time.monotonic()
    # Measurement order: libuv right after sockecho's default, so that the pair
    # behind the headline ratio is measured seconds apart; every other run goes
    # backwards, so that a slow drift of the machine does not favour a slot.
    first = ("sockecho-" + DEFAULT_BACKEND, BASELINE, "tls-sockecho", "tls-haproxy")
    order = [s for n in first for s in specs if s.name == n] + \
        [s for s in specs if s.name not in first]
    for run in range(args.runs):
        for wl in wls:
            if wl.runs is not None and run >= wl.runs:
                continue
            for spec in (order if run % 2 == 0 else order[::-1]):
                if not wl.runs_on(spec) or (spec.runs is not None and run >= spec.runs):
                    continue
                t0 = time.monotonic()
                try:
                    res, info = measure(wl, spec)
                except Exception as e:  # a server that does not start is reported, not fatal
                    res, info = None, {"error": str(e)}
                v = value_of(wl, res)
                results[wl.name][spec.name].append({"run": run, "value": v, "result": res,
                                                    "info": info})
                shown = "failed" if v is None else f"{v:,.0f} {wl.unit}"
                errs = sum((res or {}).get("errors", {}).values()) if res else 0
                log(f"[{run + 1}/{args.runs} {time.monotonic() - t_start:6.0f}s] "
                    f"{wl.name:8} {spec.name:15} {shown:>20}"
                    f"{'' if not errs else f'  errors {errs}'}"
                    f"{'' if res else '  ' + info.get('error', info.get('stderr', ''))[-160:]}"
                    f"  ({time.monotonic() - t0:.1f}s)")
    return results, time.monotonic() - t_start


# ---------------------------------------------------------------- syscalls and profiles

# The servers whose system calls are counted: single-process servers whose
# threads all exist before the load (perf stat -p follows no thread or
# process created later, so thread- or process-per-connection servers are
# left out).
COUNTED = ("sockecho-epoll", "sockecho-io_uring", "uv_echo", "epoll_echo", "tls-sockecho",
           "tls-haproxy")
TRACED = ("io_uring_enter", "accept4", "epoll_wait", "epoll_pwait", "epoll_ctl", "recvfrom",
          "sendto", "read", "write", "writev", "recvmsg", "sendmsg", "shutdown", "close",
          "setsockopt", "madvise", "brk", "mmap", "munmap")
TRACEFS = Path("/sys/kernel/tracing/events/syscalls")
# Profiles taken (server or generator, workload, server spec): perf record
# of one short run each, quoted in the report for the targets they explain.
PROFILED = (("server", "rr50", "sockecho-io_uring"), ("server", "sessions", "sockecho-io_uring"),
            ("server", "bulk", "sockecho-io_uring"), ("server", "bulk", "sockecho-epoll"),
            ("generator", "gen-io_uring", "sockecho-io_uring"),
            ("server", "tls-full", "tls-sockecho"), ("server", "tls-full", "tls-haproxy"),
            ("server", "tls-bulk", "tls-sockecho"), ("server", "tls-bulk", "tls-haproxy"))


def count_units(wl, res):
    if wl.count_unit == "requests":
        return res.get("requests")
    if wl.count_unit == "sessions":
        return (res.get("connections") or {}).get("opened")
    return (res.get("bytes_received") or 0) / 1048576


def bench_with(argv, srv, tool_argv, out_file):
    """Starts TOOL_ARGV (perf, attached to the server's processes), runs the
    bench ARGV against srv, then stops the tool with SIGINT. Returns the
    bench's final JSON object or None."""
    tool = subprocess.Popen(tool_argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        # perf prints nothing when attached; give it a moment (bounded), so
        # that the run's first requests are counted too.
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and tool.poll() is None:
            time.sleep(0.05)
        if tool.poll() is not None:
            raise RuntimeError(f"{tool_argv[0]}: {tool.stderr.read().strip()[-200:]}")
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=150)
    finally:
        if tool.poll() is None:
            tool.send_signal(signal.SIGINT)
        try:
            tool.wait(timeout=120)
        except subprocess.TimeoutExpired:
            tool.kill()
            tool.wait(timeout=10)
    finals = [o for o in parse_json_lines(r.stdout) if o.get("type") == "bench"]
    if not Path(out_file).exists():
        raise RuntimeError(f"{tool_argv[0]} wrote nothing: {tool.stderr.read().strip()[-200:]}")
    return finals[-1] if finals else None


def count_syscalls(wl, spec):
    """System calls of the server's processes over one counting run of WL
    (perf stat on the raw_syscalls:sys_enter tracepoint, and the calls of
    TRACED one by one). Returns a dict, or one with "error"."""
    srv = Server(spec)
    out_file = os.path.join(srv.tmp, "perf-stat.csv")
    events = ["raw_syscalls:sys_enter"] + [f"syscalls:sys_enter_{c}" for c in TRACED
                                           if (TRACEFS / f"sys_enter_{c}").exists()]
    try:
        srv.start()
        argv = [str(SOCKECHO), "bench", *wl.count_args(), "--json", HOST, str(srv.port)]
        perf = ["perf", "stat", "-x", ",", "-e", ",".join(events), "-o", out_file,
                "-p", ",".join(str(p) for p in srv.pids)]
        res = bench_with(argv, srv, perf, out_file)
        counts = {}
        for line in Path(out_file).read_text().splitlines():
            f = line.split(",")
            if len(f) > 2 and f[0].strip().isdigit():
                counts[f[2].split(":")[-1].replace("sys_enter_", "")] = int(f[0])
        units = count_units(wl, res) if res else None
        total = counts.pop("sys_enter", None)
        if not units or total is None:
            return {"error": "no figure", "argv": argv}
        return {"total": total, "units": units, "per_unit": total / units,
                "calls": {k: v / units for k, v in counts.items() if v},
                "verdict": res.get("verdict"), "argv": argv}
    except Exception as e:  # reported, not fatal
        return {"error": str(e)[-300:]}
    finally:
        srv.stop()


def profile(kind, wl, spec):
    """perf record (99 % of samples at 1999 Hz) of the server's processes, or of
    the bench process (KIND generator), over one counting run of WL; returns
    the top entries of perf report by symbol, or a dict with "error"."""
    srv = Server(spec)
    data = os.path.join(srv.tmp, "perf.data")
    try:
        srv.start()
        argv = [str(SOCKECHO), "bench", *wl.count_args(), "--json", HOST, str(srv.port)]
        if kind == "generator":
            argv = ["perf", "record", "-q", "-F", "1999", "-o", data, "--"] + argv
            r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=150)
            finals = [o for o in parse_json_lines(r.stdout) if o.get("type") == "bench"]
        else:
            perf = ["perf", "record", "-q", "-F", "1999", "-o", data,
                    "-p", ",".join(str(p) for p in srv.pids)]
            finals = [bench_with(argv, srv, perf, data)]
        rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                              "--sort", "comm,dso,sym", "--percent-limit", "1.5"],
                             capture_output=True, text=True, timeout=300)
        rows = []
        for line in rep.stdout.splitlines():
            m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+(\S+)\s+\[[.k]\]\s+(.*)", line)
            if m:
                rows.append((float(m.group(1)), m.group(2), m.group(3), m.group(4).strip()))
        # And by object: where a library has no symbols (libcrypto), its
        # samples spread over many addresses that the rows above leave out.
        rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                              "--sort", "dso", "--percent-limit", "1"],
                             capture_output=True, text=True, timeout=300)
        dsos = []
        for line in rep.stdout.splitlines():
            m = re.match(r"\s*([\d.]+)%\s+(\S+)\s*$", line)
            if m:
                dsos.append((float(m.group(1)), m.group(2)))
        res = finals[-1] if finals and finals[-1] else {}
        return {"rows": rows[:12], "dsos": dsos[:8], "argv": argv,
                "verdict": res.get("verdict")}
    except Exception as e:
        return {"error": str(e)[-300:]}
    finally:
        srv.stop()


def run_counts(specs, wls):
    """Counting runs (every COUNTED server on every counted workload) and the
    PROFILED profiles, once each, after the measured runs."""
    counts, profiles = {}, {}
    if not shutil.which("perf"):
        log("bench: no perf (Debian linux-perf): system calls and profiles not measured")
        return counts, profiles
    names = {s.name for s in specs}
    for wl in wls:
        if not wl.count or wl.name.startswith("gen-"):
            continue  # the generator comparisons are profiled, not counted
        for spec in specs:
            if spec.name not in COUNTED or not wl.runs_on(spec):
                continue
            c = count_syscalls(wl, spec)
            counts.setdefault(wl.name, {})[spec.name] = c
            log(f"[count] {wl.name:10} {spec.name:17} " +
                (c["error"][-120:] if "error" in c else
                 f"{c['per_unit']:.2f} calls per {unit_name(wl)}"))
    for kind, wname, sname in PROFILED:
        wl = next((w for w in wls if w.name == wname), None)
        if wl is None or sname not in names:
            continue
        spec = next(s for s in specs if s.name == sname)
        pr = profile(kind, wl, spec)
        profiles[f"{kind}/{wname}/{sname}"] = pr
        log(f"[profile] {kind} {wname} {sname}: " +
            (pr["error"][-120:] if "error" in pr else
             ", ".join(f"{r[0]:.1f}% {r[3][:40]}" for r in pr["rows"][:3])))
    return counts, profiles


def unit_name(wl):
    return {"requests": "request", "sessions": "session", "MiB": "MiB"}.get(wl.count_unit, "unit")


# ---------------------------------------------------------------- figures


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarize(wls, specs, results):
    """Per workload and server: median, min, max, paired ratio to libuv (and to
    thread_echo), server CPU, error totals, bytes lost."""
    summary = {}
    for wl in wls:
        base_by_run = {m["run"]: m["value"] for m in results[wl.name].get(wl.baseline, [])}
        ref_by_run = {m["run"]: m["value"] for m in results[wl.name].get(BULK_REFERENCE, [])}
        for spec in specs:
            ms = results[wl.name].get(spec.name, [])
            if not ms:
                continue
            vals = [m["value"] for m in ms if m["value"] is not None]

            def paired(ref):
                rs = []
                for m in ms:
                    b = ref.get(m["run"])
                    if m["value"] is not None and b:
                        rs.append(m["value"] / b)
                return median(rs)

            # Server CPU per unit of work (µs per request or session, per MiB
            # in bulk): its CPU share of the bench run ÷ the measured rate.
            def cost(m):
                c = m["info"].get("server_cpu")
                return c / m["value"] * 1e6 if c and m["value"] else None

            base_cost = {m["run"]: cost(m) for m in results[wl.name].get(wl.baseline, [])}
            eff = median([base_cost[m["run"]] / cost(m) for m in ms
                          if cost(m) and base_cost.get(m["run"])])

            errors, lost, conns_bad, sent = {}, 0, 0, 0
            for m in ms:
                r = m["result"]
                if not r:
                    continue
                for k, c in (r.get("errors") or {}).items():
                    errors[k] = errors.get(k, 0) + (c or 0)
                conns_bad += (r.get("connections") or {}).get("failed") or 0
                if wl.name == "bulk":
                    sent += r.get("bytes_sent") or 0
                    lost += max(0, (r.get("bytes_sent") or 0) - (r.get("bytes_received") or 0))
            cpu = median([m["info"].get("server_cpu") for m in ms])
            tls = [(m["result"] or {}).get("tls") or {} for m in ms]
            resumed = median([t["resumed"] / t["handshakes"] for t in tls
                              if t.get("handshakes")])
            rss = {k: median([m["info"].get(k) for m in ms])
                   for k in ("rss_before_kb", "rss_open_kb", "rss_after_kb")}
            summary[(wl.name, spec.name)] = {
                "n": len(ms), "ok": len(vals), "median": median(vals),
                "min": min(vals) if vals else None, "max": max(vals) if vals else None,
                "ratio": paired(base_by_run), "ratio_ref": paired(ref_by_run), "cpu": cpu,
                "cost": median([cost(m) for m in ms]), "eff": eff,
                "errors": errors, "failed_conns": conns_bad, "bulk_lost": lost,
                "bulk_sent": sent, "rss": rss, "resumed": resumed,
                "failures": [m["info"].get("error") or m["info"].get("stderr")
                             for m in ms if m["value"] is None],
            }
    return summary


def fmt(v, digits=0):
    if v is None:
        return "—"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def fmt_ratio(v, digits=2):
    return "—" if v is None else f"{v:.{digits}f}×"


# ---------------------------------------------------------------- the chart

PALETTE = ["#1f5fbf", "#5b8fe0", "#0b3d91", "#9bbcf2", "#e07b39", "#7a7a7a", "#b5b5b5",
           "#3c9d5d", "#c44e52", "#8172b2"]


HALO = 'stroke="white" stroke-width="3" paint-order="stroke"'  # labels stay legible over lines


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def draw_svg(path, wls, specs, summary):
    """Grouped bars: ratio to libuv per throughput workload and server (log
    scale, so that 0.05× and 1.3× both read), with the targets as dashed lines;
    and a second panel with idle user-space bytes per connection (log scale)
    and the 256 B target."""
    tput = [wl for wl in wls if wl.timed and wl.chart]
    idle = [wl for wl in wls if not wl.timed]
    servers = [s for s in specs if any((wl.name, s.name) in summary for wl in tput)]
    color = {s.name: PALETTE[i % len(PALETTE)] for i, s in enumerate(specs)}
    W, top, plot_h, left, right = 1400, 78, 340, 64, 20
    # Each group is as wide as its servers (the TLS groups have four).
    per = {wl.name: [s for s in servers if (wl.name, s.name) in summary] for wl in tput}
    slots = sum(max(1, len(v)) for v in per.values())
    bar_w = min(26.0, (W - left - right - 24 * len(tput)) / max(1, slots))
    gx_of, x = {}, left
    for wl in tput:
        gx_of[wl.name] = (x, bar_w * max(1, len(per[wl.name])) + 24)
        x += gx_of[wl.name][1]
    lo, hi = 0.01, 4.0

    def y(r):
        r = min(max(r, lo), hi)
        return top + plot_h * (math.log(hi) - math.log(r)) / (math.log(hi) - math.log(lo))

    out = []
    add = out.append
    idle_rows = [s for s in specs if idle and (idle[0].name, s.name) in summary]
    legend_cols = 5
    legend_rows = (len(servers) + legend_cols - 1) // legend_cols
    legend_y = top + plot_h + 78
    idle_y = legend_y + 22 * legend_rows + 28
    H = idle_y + (60 + 24 * len(idle_rows) + 30 if idle_rows else 0)
    add(f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">')
    add(f'<rect width="{W}" height="{H}" fill="white"/>')
    add(f'<text x="{W / 2}" y="30" font-size="20" text-anchor="middle" font-weight="bold">'
        'Echo servers on loopback: throughput relative to libuv (TLS: to haproxy)</text>')
    add(f'<text x="{W / 2}" y="54" font-size="13.5" text-anchor="middle" fill="#444">'
        'median of the per-run ratios to uv_echo (TLS: haproxy) · higher is better · log scale · '
        'dashed: sockecho\'s target</text>')
    for r in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 4):
        yy = y(r)
        one = r == 1
        add(f'<line x1="{left}" x2="{W - right}" y1="{yy:.1f}" y2="{yy:.1f}" '
            f'stroke="{"#555" if one else "#e2e2e2"}" stroke-width="{1.5 if one else 1}"/>')
        add(f'<text x="{left - 8}" y="{yy + 4:.1f}" font-size="12" text-anchor="end">{r:g}×</text>')
    for gi, wl in enumerate(tput):
        gx0, group_w = gx_of[wl.name]
        gx = gx0 + (group_w - bar_w * len(per[wl.name])) / 2
        if gi:
            add(f'<line x1="{gx0:.1f}" x2="{gx0:.1f}" y1="{top}" y2="{top + plot_h + 52}" '
                'stroke="#ccc"/>')
        tgt, why = None, ""
        if wl.target and wl.target[0] in ("libuv", "haproxy"):
            tgt, why = wl.target[1], f"target ≥ {wl.target[1]}×"
        elif wl.target and wl.target[0] == "thread":
            ref = summary.get((wl.name, BULK_REFERENCE))
            why = f"target ≥ {wl.target[1]}× thread-per-conn."
            if ref and ref["ratio"]:
                tgt = wl.target[1] * ref["ratio"]
        if tgt:
            add(f'<line x1="{gx - 4:.1f}" x2="{gx + bar_w * len(per[wl.name]):.1f}" '
                f'y1="{y(tgt):.1f}" y2="{y(tgt):.1f}" stroke="black" stroke-width="2" '
                'stroke-dasharray="7,4"/>')
        for si, s in enumerate(per[wl.name]):
            st = summary.get((wl.name, s.name))
            x = gx + si * bar_w
            if not st or st["ratio"] is None:
                add(f'<text x="{x + bar_w / 2 - 1:.1f}" y="{top + plot_h - 4}" font-size="10" '
                    'text-anchor="middle" fill="#888">n/a</text>')
                continue
            yy = y(st["ratio"])
            add(f'<rect x="{x:.1f}" y="{yy:.1f}" width="{bar_w - 3:.1f}" '
                f'height="{top + plot_h - yy:.1f}" fill="{color[s.name]}">'
                f'<title>{esc(s.label)}, {esc(wl.title)}: {st["ratio"]:.2f}×</title></rect>')
            label = f'{st["ratio"]:.2f}' if st["ratio"] >= 0.01 else "<.01"
            add(f'<text x="{x + bar_w / 2 - 1.5:.1f}" y="{yy - 4:.1f}" font-size="10" '
                f'text-anchor="middle" {HALO}>{esc(label)}</text>')
        cx = gx0 + group_w / 2
        lines = wl.short.split(", ")
        for li, text in enumerate(lines):
            add(f'<text x="{cx:.1f}" y="{top + plot_h + 18 + 15 * li}" font-size="12.5" '
                f'text-anchor="middle" font-weight="bold">{esc(text)}</text>')
        if wl.target:
            add(f'<text x="{cx:.1f}" y="{top + plot_h + 20 + 15 * len(lines)}" font-size="10.5" '
                f'text-anchor="middle" fill="#333">{esc(why)}</text>')
    for si, s in enumerate(servers):
        lx = left + (si % legend_cols) * ((W - left - right) / legend_cols)
        yy = legend_y + (si // legend_cols) * 22
        add(f'<rect x="{lx:.1f}" y="{yy - 11}" width="14" height="14" fill="{color[s.name]}"/>')
        add(f'<text x="{lx + 20:.1f}" y="{yy + 1}" font-size="13">{esc(s.label)}</text>')
    if idle_rows:
        wl = idle[0]
        add(f'<text x="{W / 2}" y="{idle_y}" font-size="17" text-anchor="middle" '
            f'font-weight="bold">{esc(wl.title)}: server memory per connection</text>')
        add(f'<text x="{W / 2}" y="{idle_y + 20}" font-size="13" text-anchor="middle" '
            'fill="#444">growth of VmRSS (user space) ÷ connections · lower is better · log '
            f'scale · dashed: the {idle[0].target[1]} B target</text>')
        bx0, bx1 = 260, W - 110
        blo, bhi = 16.0, 65536.0

        def bx(v):
            v = min(max(v, blo), bhi)
            return bx0 + (bx1 - bx0) * (math.log(v) - math.log(blo)) / (math.log(bhi) -
                                                                         math.log(blo))

        py = idle_y + 36
        yb = py + 24 * len(idle_rows)
        for v in (16, 64, 128, 256, 1024, 4096, 16384, 65536):
            tgt = v == idle[0].target[1]
            add(f'<line x1="{bx(v):.1f}" x2="{bx(v):.1f}" y1="{py - 4}" y2="{yb}" '
                f'stroke="{"black" if tgt else "#e2e2e2"}" stroke-width="{2 if tgt else 1}" '
                f'stroke-dasharray="{"7,4" if tgt else "none"}"/>')
            add(f'<text x="{bx(v):.1f}" y="{yb + 15}" font-size="11.5" text-anchor="middle">'
                f'{v:,} B</text>')
        for ri, s in enumerate(idle_rows):
            st = summary[(wl.name, s.name)]
            yy = py + ri * 24
            add(f'<text x="{bx0 - 8}" y="{yy + 13}" font-size="13" text-anchor="end">'
                f'{esc(s.label)}</text>')
            if st["median"] is None:
                add(f'<text x="{bx0 + 4}" y="{yy + 13}" font-size="12">no figure</text>')
                continue
            add(f'<rect x="{bx0}" y="{yy}" width="{bx(st["median"]) - bx0:.1f}" height="18" '
                f'fill="{color[s.name]}"/>')
            add(f'<text x="{bx(st["median"]) + 6:.1f}" y="{yy + 13}" font-size="12.5" {HALO}>'
                f'{st["median"]:,.0f} B</text>')
    add("</svg>")
    Path(path).write_text("\n".join(out) + "\n")


# ---------------------------------------------------------------- the report


def machine_facts():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) / 1048576
    except OSError:
        pass
    debian = ""
    try:
        debian = Path("/etc/debian_version").read_text().strip()
    except OSError:
        pass

    def version(pkg):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                           text=True, timeout=30) if shutil.which("dpkg-query") else None
        return r.stdout.strip() if r and r.returncode == 0 else "?"

    return {
        "nproc": os.cpu_count(), "cpu": cpu, "mem_gib": mem, "kernel": platform.release(),
        "debian": debian, "date": datetime.datetime.now().astimezone().strftime(
            "%Y-%m-%d %H:%M %Z"),
        "versions": {p: version(p) for p in ("libuv1-dev", "socat", "ncat", "openbsd-inetd",
                                             "haproxy", "stunnel4", "libssl3", "liburing2",
                                             "linux-perf")},
        "python": platform.python_version(),
    }


def paired(results, wl_a, spec_a, wl_b, spec_b, fn=None):
    """The median over runs of fn(A) ÷ fn(B), A and B measured in the same run
    (fn: the measured value, or the server's CPU per unit of work)."""
    fn = fn or (lambda m: m["value"])
    a = {m["run"]: fn(m) for m in results.get(wl_a, {}).get(spec_a, [])}
    b = {m["run"]: fn(m) for m in results.get(wl_b, {}).get(spec_b, [])}
    return median([a[r] / b[r] for r in a if a[r] and b.get(r)])


def cpu_cost(m):
    c = m["info"].get("server_cpu")
    return c / m["value"] * 1e6 if c and m["value"] else None


def calls_text(c, n=4):
    """The largest system calls of a count, e.g. 'accept4 1.07, shutdown 1.00'."""
    if not c or "calls" not in c:
        return ""
    top = sorted(c["calls"].items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"`{k}` {v:.2f}" for k, v in top)


# Which profile (run_counts' key) explains which target when it is missed.
TARGET_PROFILE = {
    "calls-rr": "server/rr50/sockecho-io_uring", "calls-sessions":
    "server/sessions/sockecho-io_uring", "cpu-rr": "server/rr50/sockecho-io_uring",
    "cpu-sessions": "server/sessions/sockecho-io_uring",
    "shared": "server/rr50/sockecho-io_uring", "bulk": "server/bulk/sockecho-io_uring", "gen": "generator/gen-io_uring/sockecho-io_uring",
    "tls-full": "server/tls-full/tls-sockecho", "tls-resume": "server/tls-full/tls-sockecho",
    "tls-bulk": "server/tls-bulk/tls-sockecho",
}


def targets(wls, specs, summary, results, counts):
    """Rows (target, server, measured, verdict, key) in the project's words;
    verdict is met, missed or not measured; key names the profile that
    explains a miss (TARGET_PROFILE)."""
    rows = []
    names = {w.name for w in wls}
    have = {s.name for s in specs}

    def row(text, server, fig, ok, shown, key=""):
        verdict = "not measured" if fig is None else ("met" if ok(fig) else "**missed**")
        rows.append((text, server, shown if fig is not None else "—", verdict, key))

    ur, ep = "sockecho-io_uring", "sockecho-" + "epoll"
    lbl = {s.name: s.label for s in specs}
    if ur in have:
        for wname, goal, unit, key in (("rr50", 0.6, "request", "calls-rr"),
                                       ("sessions", 2.0, "session", "calls-sessions")):
            c = (counts.get(wname) or {}).get(ur) or {}
            fig = c.get("per_unit")
            row(f"io_uring server: at most {goal:g} system calls per {unit} "
                f"({'rr 50 × 512 B' if unit == 'request' else 'sessions 14 B'})", lbl[ur], fig,
                lambda v, g=goal: v <= g,
                f"{fig:.2f} per {unit} ({calls_text(c)})" if fig else "", key)
        for wname, goal, what, key in (("rr50", 0.93, "rr request", "cpu-rr"),
                                       ("sessions", 0.88, "session", "cpu-sessions")):
            fig = paired(results, wname, ur, wname, ep, cpu_cost) if wname in names else None
            row(f"io_uring server: CPU per {what} at most {goal}× the epoll backend's",
                lbl[ur], fig, lambda v, g=goal: v <= g, f"{fmt_ratio(fig, 3)} epoll's", key)
        fig = paired(results, "bulk", ur, "bulk", ep) if "bulk" in names else None
        row("io_uring server: bulk at least 1.4× the epoll backend", lbl[ur], fig,
            lambda v: v >= 1.4, f"{fmt_ratio(fig, 3)} epoll", "bulk")
        fig = paired(results, "rr50-shared", ur, "rr50-shared", BASELINE) \
            if "rr50-shared" in names else None
        row("io_uring server: rr at least 1.3× libuv when the server and the load generator "
            "share the cores (generator unpinned, `--threads 2`)", lbl[ur], fig,
            lambda v: v >= 1.3, f"{fmt_ratio(fig, 3)} libuv", "shared")
        fig = paired(results, "gen-io_uring", ur, "gen-epoll", ur) \
            if "gen-io_uring" in names else None
        row("io_uring load generator: `sockecho bench --backend io_uring` drives at least 1.3× "
            "the rr rate of `--backend epoll` against the same server", "against " + lbl[ur],
            fig, lambda v: v >= 1.3, f"{fmt_ratio(fig, 3)} the epoll generator", "gen")
    idle = next((w for w in wls if w.name == "idle"), None)
    if idle:
        for s in specs:
            if s.name.startswith("sockecho") and (idle.name, s.name) in summary:
                fig = summary[(idle.name, s.name)]["median"]
                row("idle memory at most 128 B of user space per connection, on every backend",
                    s.label, fig, lambda v: v <= 128, f"{fmt(fig, 1)} B per connection", "idle")
    rows.append(("Windows: IOCP holds 5,000 concurrent verified clients (and WSAPoll's cost "
                 "per wait grows with the connection count)", "—", "—",
                 "not measured (this suite runs on Linux)", ""))
    for wname, what, key in (("tls-full", "full TLS handshakes per second", "tls-full"),
                             ("tls-resume", "resumed TLS handshakes per second", "tls-resume"),
                             ("tls-bulk", "bulk throughput over TLS", "tls-bulk")):
        st = summary.get((wname, "tls-sockecho"))
        fig = st["ratio"] if st else None
        row(f"`sockecho server --tls`: {what} at least 1.0× haproxy (one thread) in front of a "
            "plain echo", "sockecho --tls", fig, lambda v: v >= 1.0,
            f"{fmt_ratio(fig, 3)} haproxy", key)
    # The throughput targets against libuv and the thread-per-connection server.
    for wl in wls:
        if not wl.target or wl.target[0] not in ("libuv", "thread") or wl.name == "rr50-shared":
            continue
        kind, goal = wl.target
        for s in specs:
            if not s.name.startswith("sockecho") or (wl.name, s.name) not in summary:
                continue
            st = summary[(wl.name, s.name)]
            if kind == "libuv":
                fig, want = st["ratio"], f"{wl.short}: at least {goal}× libuv's throughput"
                shown = f"{fmt_ratio(fig, 3)} libuv"
            else:
                fig = st["ratio_ref"]
                want = f"{wl.short}: at least {goal}× the thread-per-connection server"
                shown = f"{fmt_ratio(fig, 3)} thread-per-connection"
            row(want, s.label, fig, lambda v, g=goal: v >= g, shown, "")
    return rows


def write_report(path, svg_rel, args, meta, specs, wls, summary, notes, results):
    facts, elapsed, threads_ok = meta["facts"], meta["elapsed_s"], meta["threads_ok"]
    counts, profiles = meta.get("counts") or {}, meta.get("profiles") or {}
    label = {s.name: s.label for s in specs}
    L = []
    add = L.append
    add("# sockecho benchmarks")
    add("")
    add(f"Written by `make bench` (`python3 bench/run.py{' --quick' if args.quick else ''}"
        f"{'' if args.runs in (1, 5) else f' --runs {args.runs}'}`) on {facts['date']}; the "
        f"suite took {elapsed / 60:.1f} minutes. Do not edit by hand: run `make bench` again.")
    if args.quick:
        add("")
        add("**Quick run** (`--quick`): one short run of each measurement, a smoke test of the "
            "suite; the figures are indicative only.")
    add("")
    add(f"`sockecho server` without `--backend` runs **{meta.get('default_backend', 'epoll')}** "
        "on this machine (its `-v` line `event backend: ...`): the rows marked *the default*.")
    add("")
    add(f"![ratios to libuv and haproxy]({svg_rel})")
    add("")
    add("## Targets")
    add("")
    add("Every ratio is between measurements of the same run, seconds apart (the median of the "
        "per-run ratios); system calls come from the counting runs (see Method). A missed "
        "target names the profile below that shows what bounds it; the Notes say more.")
    add("")
    add("| target | server | measured | verdict | profile |")
    add("| --- | --- | --- | --- | --- |")
    for text, server, shown, verdict, key in targets(wls, specs, summary, results, counts):
        prof = TARGET_PROFILE.get(key, "") if "missed" in verdict else ""
        if prof and prof not in profiles:
            prof = ""
        add(f"| {text} | {server} | {shown} | {verdict} | {prof and f'`{prof}`'} |")
    add("")
    add("## The machine")
    add("")
    add("| | |")
    add("| --- | --- |")
    add(f"| CPU | {facts['cpu']}, {facts['nproc']} logical CPUs (`nproc`) |")
    if facts["mem_gib"]:
        add(f"| memory | {facts['mem_gib']:.1f} GiB |")
    add(f"| kernel | Linux {facts['kernel']} |")
    add(f"| system | Debian {facts['debian']}, Python {facts['python']} |")
    add("| peers | " + ", ".join(f"{k} {v}" for k, v in facts["versions"].items()) + " |")
    add(f"| date | {facts['date']} |")
    binary = os.path.relpath(meta["sockecho"], ROOT) if meta["sockecho"].startswith(
        str(ROOT) + "/") else meta["sockecho"]
    add(f"| sockecho | `{binary}`, built from `{meta.get('commit') or '?'}` "
        "(`git describe --always --dirty` when the suite ran) |")
    add("")
    add("Everything runs on this one machine: the load generator (`sockecho bench`, one "
        "thread unless said otherwise) and the server under test share its CPUs, over "
        "loopback (127.0.0.1; the sessions workloads spread client source addresses over "
        "127.0.0.0/8). Other work on the machine during the suite adds noise to every "
        "figure; the same-run ratios and the medians are what to read.")
    add("")
    add("## Method")
    add("")
    add(f"- Every measurement starts a fresh server on 127.0.0.1 (port 0 where the server "
        f"prints the port it got, else a free port), runs one `sockecho bench` and stops the "
        f"server (SIGTERM to its process group). {args.runs} run(s); the three TLS "
        f"workloads run {min(args.runs, TLS_RUNS)} time(s) (each is slow: handshakes, and "
        f"up to three processes per measurement), idle {min(args.runs, IDLE_RUNS)} (its "
        f"figure moves by less than 1 B between runs), and the servers that fork per "
        f"connection (socat, ncat, inetd) {min(args.runs, PEER_RUNS)}, to keep the suite "
        f"under 25 minutes "
        f"on this machine. Bulk runs end after their time (`-d`) or bytes, whichever comes "
        f"first; the rate is over the measured time either way. A run measures every "
        f"workload on every server, sockecho's default server first and the libuv peer "
        f"(haproxy for TLS) right after it, every other run in the reverse order, so that the "
        f"machine's noise falls on all alike.")
    add("- A figure is the **median** of the runs, with min–max. A **ratio** is the median of "
        "the per-run ratios to the baseline measured in the same run: libuv (`uv_echo`) for "
        "plain TCP, haproxy for TLS, the epoll generator for the generator comparison.")
    add("- Every echoed byte is verified by `sockecho bench`; errors are counted over the "
        "whole run, warm-up included.")
    add("- *server CPU*: the server's CPU time (user + system, all threads; for a TLS "
        "terminator, its own plus the plain echo's behind it) divided by the wall time of the "
        "bench run, warm-up included; 100 % is one core. Not measured for servers that fork "
        "per connection. *CPU µs per request* (per session, per MiB) is that share ÷ the "
        "measured rate, and *CPU efficiency ÷ baseline* the median of the per-run ratios "
        "baseline's cost ÷ this server's (above 1: less server CPU per unit of work). On a "
        "2-core machine whose other core runs the load generator, throughput can be bounded "
        "by the client; the CPU cost is not.")
    add("- *system calls per request* (per session, per MiB echoed): after the measured runs, "
        "one counting run per server and workload with a fixed amount of work (the commands "
        "below: `-n` requests or sessions, a smaller `--bytes` in bulk) while `perf stat -e "
        "raw_syscalls:sys_enter` (and `syscalls:sys_enter_NAME` for the calls named in the "
        "breakdown) counts the server's calls, divided by the requests, the sessions opened, "
        "or the MiB echoed. Counting tracepoints costs the server little, and the counting "
        "run is not one of the measured runs. Counted: single-process servers whose threads "
        "exist before the load (`perf stat -p` does not follow threads or processes created "
        "later: stunnel4 and socat are not counted).")
    add("- *profiles*: `perf record -F 1999` of the server's processes (or of the bench "
        "process, for the generator) over one more such run; the tables list `perf report "
        "--no-children --sort comm,dso,sym` entries of 1.5 % or more. This machine is a "
        "virtual machine: `pvm_irq_enable` is the hypervisor's interrupt re-enable, where "
        "the samples of interrupt and softirq work (the loopback TCP path) land.")
    add("- idle: the server's VmRSS (/proc/PID/status) before the connections, once it has "
        "accepted all of them (its descriptor count), and after they closed; per connection "
        "= (open − before) / connections. That is user-space memory only: kernel socket "
        "buffers are not in it. Servers that fork per connection are not measured (a process "
        "per connection).")
    add("- TLS: one RSA 2048 self-signed certificate (CN localhost), made by the suite with "
        "`openssl req -x509 -newkey rsa:2048`, serves every TLS server; the bench connects "
        "with `--tls --tls-insecure` (no verification: the same client cost for all). "
        "stunnel4 and haproxy (`nbthread 1`) terminate TLS in front of `sockecho server "
        "--backend epoll` (plain); socat echoes through its own `PIPE`. Handshakes per second "
        "are the bench's `tls.handshakes_per_s`; *resumed* is the share of handshakes that "
        "resumed a session.")
    if not threads_ok:
        add("- `sockecho server --threads` was not supported by this build "
            "(`sockecho server --help`), so the `--threads 1` and `--threads 2` rows are "
            "missing.")
    add("")
    add("### Commands")
    add("")
    add("Servers (PORT: 0, or a free port picked by run.py; ECHO_PORT: the plain echo's "
        "behind a TLS terminator; $CERTS: the suite's certificate):")
    add("")
    add("```sh")
    for s in specs:
        argv = s.argv("PORT", "$TMP", "ECHO_PORT")
        cmd = " ".join(a if " " not in a else f"'{a}'" for a in argv)
        cmd = cmd.replace(str(ROOT) + "/", "")
        cmd = re.sub(r"/tmp/sockecho-bench-cert-[^/ ]+", "$CERTS", cmd)
        add(cmd)
    add("```")
    add("")
    add("`uv_echo`, `epoll_echo`, `thread_echo` are bench/peers/ (built by bench/CMakeLists.txt "
        "into build/bench/). inetd runs in a private mount namespace where /etc/services maps "
        "`echo` to PORT (its internal services are named, not numbered), with the config line "
        "`127.0.0.1:echo stream tcp nowait.1000000 root internal`; `-R`/`.max` lift its "
        "rate limit of 256 connections a minute, and ncat's `-m 2000` lifts its default "
        "limit of 100 connections, so that they can take the workloads at all.")
    add("")
    add("stunnel4's configuration:")
    add("")
    add("```")
    add(STUNNEL_CONF.format(port="PORT", bport="ECHO_PORT", cert="$CERTS/cert.pem",
                            key="$CERTS/key.pem").rstrip())
    add("```")
    add("")
    add("haproxy's (`haproxy -db -f haproxy.cfg`; combined.pem is the certificate and its key):")
    add("")
    add("```")
    add(HAPROXY_CONF.format(port="PORT", bport="ECHO_PORT", pem="$CERTS/combined.pem").rstrip())
    add("```")
    add("")
    add("Workloads (the counting runs replace `-d`/`-w` as shown after `#`):")
    add("")
    add("```sh")
    for wl in wls:
        line = " ".join(bench_cmd(wl, "PORT")).replace(str(ROOT) + "/", "")
        if wl.count and not wl.name.startswith("gen-"):
            line += "   # counting: " + " ".join(wl.count)
        add(line)
    add("```")
    add("")
    counted = [wl for wl in wls if wl.name in counts]
    if counted:
        add("## System calls of the server")
        add("")
        add("Per request (rr), per session opened (sessions), per MiB echoed (bulk), in one "
            "counting run each; the breakdown names the largest calls, per the same unit.")
        add("")
        add("| workload | server | calls per unit | largest | verdict of the run |")
        add("| --- | --- | ---: | --- | --- |")
        for wl in counted:
            for sname, c in counts[wl.name].items():
                if "error" in c:
                    add(f"| {wl.short} | {label.get(sname, sname)} | — | "
                        f"{esc(c['error'][-100:])} | — |")
                    continue
                add(f"| {wl.short} | {label.get(sname, sname)} | "
                    f"{c['per_unit']:.2f} per {unit_name(wl)} | {calls_text(c, 5)} | "
                    f"{c.get('verdict')} |")
        add("")
    gen = [w for w in wls if w.name.startswith("gen-")]
    if gen:
        add("## The load generator's backends")
        add("")
        add("The same server (`sockecho server --backend io_uring`), the same rr workload, "
            "`sockecho bench --backend epoll` and then `--backend io_uring`, one after the "
            "other in each run.")
        add("")
        add("| generator | median req/s | min–max | ÷ epoll generator | server CPU | errors |")
        add("| --- | ---: | ---: | ---: | ---: | --- |")
        for wl in gen:
            st = summary.get((wl.name, "sockecho-io_uring"))
            if not st:
                continue
            ratio = paired(results, wl.name, "sockecho-io_uring", "gen-epoll",
                           "sockecho-io_uring")
            errs = ", ".join(f"{k} {v}" for k, v in st["errors"].items() if v) or "none"
            mm = "—" if st["min"] is None else f"{fmt(st['min'])}–{fmt(st['max'])}"
            cpu = "—" if st["cpu"] is None else f"{st['cpu'] * 100:.0f} %"
            add(f"| `--backend {wl.name[4:]}` | {fmt(st['median'])} | {mm} | "
                f"{fmt_ratio(ratio)} | {cpu} | {errs} |")
        add("")
    for wl in wls:
        if wl.name.startswith("gen-"):
            continue
        add(f"## {wl.title}")
        add("")
        add("`" + " ".join(bench_cmd(wl, "PORT")).replace(str(ROOT) + "/", "") + "`")
        add("")
        base = "haproxy" if wl.tls else "libuv"
        wc = counts.get(wl.name) or {}
        if wl.timed:
            extra = " | ÷ thread-per-conn" if wl.name == "bulk" else ""
            res_col = " | resumed" if wl.name == "tls-resume" else ""
            per = "MiB" if wl.unit == "MiB/s" else wl.unit.split("/")[0].rstrip("s")
            add(f"| server | median {wl.unit} | min–max | ÷ {base}{extra} | server CPU | "
                f"CPU µs per {per} | CPU efficiency ÷ {base} | system calls per {per}"
                f"{res_col} | errors |")
            add("| --- | ---: | ---: | ---: |" + (" ---: |" if extra else "") +
                " ---: | ---: | ---: | ---: |" + (" ---: |" if res_col else "") + " --- |")
            for s in specs:
                st = summary.get((wl.name, s.name))
                if not st:
                    continue
                errs = ", ".join(f"{k} {v}" for k, v in st["errors"].items() if v) or "none"
                if st["ok"] < st["n"]:
                    errs += f"; {st['n'] - st['ok']} of {st['n']} runs gave no figure"
                cpu = "—" if st["cpu"] is None else f"{st['cpu'] * 100:.0f} %"
                mm = "—" if st["min"] is None else f"{fmt(st['min'])}–{fmt(st['max'])}"
                ref = f" | {fmt_ratio(st['ratio_ref'])}" if extra else ""
                c = wc.get(s.name) or {}
                calls = f"{c['per_unit']:.2f}" if c.get("per_unit") else "—"
                resumed = ""
                if res_col:
                    resumed = " | —" if st["resumed"] is None else f" | {st['resumed']:.0%}"
                add(f"| {s.label} | {fmt(st['median'])} | {mm} | {fmt_ratio(st['ratio'])}{ref} | "
                    f"{cpu} | {fmt(st['cost'], 2)} | {fmt_ratio(st['eff'])} | {calls}{resumed} | "
                    f"{errs} |")
        else:
            add("| server | bytes per connection (median) | min–max | VmRSS before | "
                "with all open | after close | errors |")
            add("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
            for s in specs:
                st = summary.get((wl.name, s.name))
                if not st:
                    continue
                errs = ", ".join(f"{k} {v}" for k, v in st["errors"].items() if v) or "none"
                if st["ok"] < st["n"]:
                    errs += f"; {st['n'] - st['ok']} of {st['n']} runs gave no figure"
                r = st["rss"]
                kib = lambda v: "—" if v is None else f"{v / 1024:,.1f} MiB"  # noqa: E731
                mm = "—" if st["min"] is None else f"{fmt(st['min'], 1)}–{fmt(st['max'], 1)}"
                add(f"| {s.label} | {fmt(st['median'], 1)} | {mm} | {kib(r['rss_before_kb'])} | "
                    f"{kib(r['rss_open_kb'])} | {kib(r['rss_after_kb'])} | {errs} |")
        add("")
    if profiles:
        add("## Profiles")
        add("")
        add("One run each (see Method): the share of the samples, the process, where the "
            "code is, and the function.")
        add("")
        for key, pr in profiles.items():
            add(f"### `{key}`")
            add("")
            if "error" in pr:
                add(f"No profile: `{pr['error'][-200:]}`")
                add("")
                continue
            cmd = " ".join(pr["argv"]).replace(str(ROOT) + "/", "")
            cmd = re.sub(r"/tmp/sockecho-bench-[^/ ]+/", "", cmd)
            add("`" + re.sub(r"127\.0\.0\.1 \d+$", "127.0.0.1 PORT", cmd) + "`")
            add("")
            add("| samples | process | object | function |")
            add("| ---: | --- | --- | --- |")
            for pct, comm, dso, sym in pr["rows"]:
                add(f"| {pct:.1f} % | {comm} | {dso} | `{sym[:60]}` |")
            add("")
            if pr.get("dsos"):
                add("By object: " + ", ".join(f"{d} {pct:.1f} %" for pct, d in pr["dsos"]) + ".")
                add("")
    add("## Bytes lost or wrong")
    add("")
    add("Under the same verified load, over every run of every workload: connections that "
        "did not end `complete` by verdict, and for bulk the bytes sent but never echoed "
        "(sent − received and verified). `mismatch` and `excess` count connections whose "
        "echo held a wrong byte or bytes never sent.")
    add("")
    add("| server | bulk: bytes lost | mismatch | excess | truncated | reset | timeout | "
        "refused / connect failed | failed connections |")
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for s in specs:
        tot, lost, sent, failed, seen = {}, 0, 0, 0, False
        for wl in wls:
            st = summary.get((wl.name, s.name))
            if not st:
                continue
            seen = True
            for k, v in st["errors"].items():
                tot[k] = tot.get(k, 0) + v
            lost += st["bulk_lost"]
            sent += st["bulk_sent"]
            failed += st["failed_conns"]
        if not seen:
            continue
        lost_s = f"{lost:,} of {sent:,}" if sent else "—"
        add(f"| {s.label} | {lost_s} | {tot.get('mismatch', 0):,} | {tot.get('excess', 0):,} | "
            f"{tot.get('truncated', 0):,} | {tot.get('reset', 0):,} | {tot.get('timeout', 0):,} | "
            f"{tot.get('refused', 0) + tot.get('connect_failed', 0):,} | {failed:,} |")
    add("")
    fails = [(wl.name, s.name, f) for wl in wls for s in specs
             for f in (summary.get((wl.name, s.name)) or {}).get("failures", []) if f]
    if fails:
        add("Runs that gave no figure (the first line of each reason):")
        add("")
        for w, s, f in fails[:20]:
            add(f"- {w}, {s}: `{f.splitlines()[-1][:200] if f.splitlines() else f}`")
        add("")
    if notes:
        add("## Notes")
        add("")
        add(notes.strip())
        add("")
    Path(path).write_text("\n".join(L) + "\n")


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "docs" / "BENCHMARKS.md"),
                    help="the report (default docs/BENCHMARKS.md); the chart goes beside it "
                         "as bench-ratios.svg")
    ap.add_argument("--runs", type=int, default=None, help="runs of each measurement (default 5)")
    ap.add_argument("--quick", action="store_true",
                    help="1 run, short durations, smaller bulk and idle: a smoke test (~4 min)")
    ap.add_argument("--only", default="",
                    help="comma-separated workloads and/or servers to run (e.g. rr50,uv_echo)")
    ap.add_argument("--sockecho", default=None,
                    help="the sockecho binary (default build/native/sockecho, built if missing)")
    ap.add_argument("--no-deps", action="store_true", help="skip the Debian package check")
    ap.add_argument("--from-results", metavar="JSON",
                    help="measure nothing: rewrite the report and chart from the raw results "
                         "of an earlier run (build/bench/results.json)")
    args = ap.parse_args()
    if args.runs is None:
        args.runs = 1 if args.quick else 5
    if not 1 <= args.runs <= 50:
        ap.error("--runs: 1 to 50")

    global SOCKECHO
    if args.sockecho:
        SOCKECHO = Path(args.sockecho).resolve()
    out = Path(args.out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    svg = out.parent / "bench-ratios.svg"
    results_file = PEER_BUILD / "results.json"

    if args.from_results:
        # Only the report and the chart, from the results of an earlier run.
        data = json.loads(Path(args.from_results).read_text())
        meta, results = data["meta"], data["results"]
        args.runs, args.quick = meta["runs"], meta["quick"]
        SOCKECHO = Path(meta["sockecho"])
        global DEFAULT_BACKEND
        DEFAULT_BACKEND = meta.get("default_backend", DEFAULT_BACKEND)
        specs, wls = plan(args, meta["threads_ok"], meta["nofile"], quiet=True)
        specs = [sp for sp in specs if any(sp.name in r for r in results.values())]
        wls = [wl for wl in wls if wl.name in results]
    else:
        if not args.no_deps:
            check_packages()
        build()
        nofile = raise_nofile()
        help_text = subprocess.run([str(SOCKECHO), "server", "--help"], capture_output=True,
                                   text=True, timeout=30).stdout
        threads_ok = "--threads" in help_text
        find_default_backend()
        make_cert()
        if not threads_ok:
            log("bench: 'sockecho server --threads' is not supported by this build; "
                "skipping the --threads rows")
        specs, wls = plan(args, threads_ok, nofile)
        log(f"bench: {args.runs} run(s) of {len(wls)} workloads × {len(specs)} servers")

        def on_term(signum, frame):
            raise KeyboardInterrupt  # unwinds through the finally blocks that stop servers

        signal.signal(signal.SIGTERM, on_term)
        try:
            results, elapsed = run_suite(args, specs, wls)
            t0 = time.monotonic()
            counts, profiles = run_counts(specs, wls)
            elapsed += time.monotonic() - t0
        except KeyboardInterrupt:
            log("bench: interrupted; every server started was stopped, no report written")
            sys.exit(130)
        finally:
            shutil.rmtree(CERT_DIR, ignore_errors=True)
        meta = {"runs": args.runs, "quick": args.quick, "elapsed_s": elapsed,
                "default_backend": DEFAULT_BACKEND, "counts": counts, "profiles": profiles,
                "threads_ok": threads_ok, "nofile": nofile, "sockecho": str(SOCKECHO),
                "commit": git_commit(), "facts": machine_facts()}
        PEER_BUILD.mkdir(parents=True, exist_ok=True)
        results_file.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    summary = summarize(wls, specs, results)
    notes_file = BENCH_DIR / "NOTES.md"
    notes = notes_file.read_text() if notes_file.exists() else ""
    draw_svg(svg, wls, specs, summary)
    write_report(out, os.path.relpath(svg, out.parent), args, meta, specs, wls, summary, notes,
                 results)
    log(f"bench: wrote {out} and {svg} ({meta['elapsed_s'] / 60:.1f} min of measurements; "
        f"raw results in {os.path.relpath(results_file, ROOT)})")
    for row in targets(wls, specs, summary, results, meta.get("counts") or {}):
        log("  " + " | ".join(row[:4]).replace("**", "").replace("`", ""))


def plan(args, threads_ok, nofile, quiet=False):
    """The servers and workloads of this run."""
    specs = server_specs(threads_ok)
    wls = workloads(args.quick)
    for wl in wls:
        # The server and the client each need a descriptor per connection and
        # a few more; where the hard limit cannot be raised (no CAP_SYS_RESOURCE
        # in a container), hold as many as it allows.
        n = int(wl.args[wl.args.index("--conns") + 1]) if wl.name == "idle" else 0
        if n and nofile < n + 100:
            n = max(100, nofile - 100)
            wl.args[wl.args.index("--conns") + 1] = str(n)
            wl.title = f"idle, {n:,} connections (RLIMIT_NOFILE {nofile})"
            if not quiet:
                log(f"bench: RLIMIT_NOFILE is {nofile} and cannot be raised: idle holds {n} "
                    "connections")
    if args.only:
        keep = set(args.only.split(","))
        sel_w = [wl for wl in wls if wl.name in keep]
        sel_s = [s for s in specs if s.name in keep]
        wls = sel_w or wls
        specs = sel_s or specs
        for wl in wls:  # every workload's baseline is measured too
            if not any(s.name == wl.baseline for s in specs):
                specs = [s for s in server_specs(threads_ok) if s.name == wl.baseline] + specs
    return specs, wls


def find_default_backend():
    """Starts `sockecho server -v` without --backend and reads the backend it
    says it runs (DEFAULT_BACKEND)."""
    global DEFAULT_BACKEND
    spec = ServerSpec("default", "default", sockecho_server("-v"), port0=True, ready_re=LISTENING)
    srv = Server(spec)
    try:
        srv.start()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                line = srv.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            m = re.search(r"event backend: (\S+)", line or "")
            if m:
                DEFAULT_BACKEND = m.group(1)
                break
            if line is None:
                break
    finally:
        srv.stop()
    log(f"bench: sockecho server's default backend: {DEFAULT_BACKEND}")


def git_commit():
    try:
        r = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                           capture_output=True, text=True, timeout=30)
        return r.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


if __name__ == "__main__":
    main()
