#!/usr/bin/env python3
"""make bench: sockecho's server against other echo servers, on loopback.

Builds the peers (bench/peers/, a libuv echo, a minimal epoll echo, a blocking
thread-per-connection echo) and uses the native sockecho (build/native). Each
measurement starts a fresh server on 127.0.0.1 (port 0 where the server can
print the port it got), runs one workload with `sockecho bench ... --json`,
and stops the server. Runs are interleaved (run 1 of every workload and
server, then run 2, ...) so that the noise of a shared 2-core machine falls on
every server alike; each figure is the median of the runs, and each ratio is
the median of the per-run ratios to the libuv peer measured in the same run.

Writes docs/BENCHMARKS.md (tables, the machine, the exact commands, the
targets of issue 4) and docs/bench-ratios.svg (drawn here, plain SVG), and the
raw results as JSON next to the peers' build (build/bench/results.json).

    python3 bench/run.py --out docs/BENCHMARKS.md          # the full suite (~20 min)
    python3 bench/run.py --quick --out /tmp/BENCHMARKS.md  # 1 short run of everything (<2 min)

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
                 note="", prepare=None):
        self.name, self.label, self.argv, self.prepare = name, label, argv, prepare
        self.port0, self.ready_re, self.forks, self.note = port0, ready_re, forks, note


LISTENING = re.compile(r"listening on 127\.0\.0\.1 (\d+)")


def sockecho_server(*extra):
    return lambda port, tmp: [str(SOCKECHO), "server", "--bind", HOST, "--port", str(port),
                              *extra]


def peer(name):
    return lambda port, tmp: [str(PEER_BUILD / name), "--port", str(port)]


def inetd_prepare(port, tmp):
    # openbsd-inetd's internal services are looked up by their official name
    # (echo = port 7 in /etc/services), so inetd runs in a private mount
    # namespace where /etc/services maps echo to our port.
    text = Path("/etc/services").read_text()
    text = re.sub(r"(?m)^echo\s+7/tcp.*$", f"echo\t\t{port}/tcp", text)
    (Path(tmp) / "services").write_text(text)
    (Path(tmp) / "inetd.conf").write_text(f"{HOST}:echo stream tcp nowait.1000000 root internal\n")


def inetd_argv(port, tmp):
    script = (f"mount --bind {tmp}/services /etc/services && "
              f"exec inetd -d -q 4096 -R 1000000 {tmp}/inetd.conf")
    return ["unshare", "-m", "sh", "-c", script]


def server_specs(threads_ok):
    specs = [
        ServerSpec("sockecho-epoll", "sockecho (epoll)", sockecho_server("--backend", "epoll"),
                   port0=True, ready_re=LISTENING),
        ServerSpec("sockecho-poll", "sockecho (poll)", sockecho_server("--backend", "poll"),
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
                   lambda port, tmp: ["socat", "-d", "-d",
                                      f"TCP-LISTEN:{port},bind={HOST},reuseaddr,fork,backlog=4096",
                                      "PIPE"],
                   ready_re=re.compile(r"listening on AF=2 127\.0\.0\.1:(\d+)"), forks=True),
        ServerSpec("ncat", "ncat --exec /bin/cat",
                   lambda port, tmp: ["ncat", "-v", "-l", "-k", "-m", "2000", "--exec",
                                      "/bin/cat", HOST, str(port)],
                   ready_re=re.compile(r"Listening on 127\.0\.0\.1:(\d+)"), forks=True),
        ServerSpec("inetd", "openbsd-inetd internal echo", inetd_argv, forks=True,
                   prepare=inetd_prepare),
    ]
    return specs


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

    def _drain(self, stream):
        # Reads the server's stderr to the end so that it never blocks on a
        # full pipe (socat -d -d logs every connection).
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            self.tail = (self.tail + [line])[-5:]
            self.lines.put(line)
        self.lines.put(None)

    def start(self):
        for attempt in range(5):  # a fixed port may be taken between probe and bind
            port = 0 if self.spec.port0 else free_port()
            if self.spec.prepare:
                self.spec.prepare(port, self.tmp)
            self.argv = self.spec.argv(port, self.tmp)
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         start_new_session=True)
            self.lines = queue.Queue()
            threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()
            got = self._wait_ready(port)
            if got:
                self.port = got
                return self
            self.stop()
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

    def stop(self):
        """SIGTERM to the server's process group (its forked children too), then SIGKILL."""
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
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------- workloads


class Workload:
    def __init__(self, name, title, args, metric, unit, scale=1.0, timed=True, skip_forks=False,
                 target=None, short=None):
        self.name, self.title, self.args, self.short = name, title, args, short or name
        self.metric, self.unit, self.scale = metric, unit, scale
        self.timed, self.skip_forks, self.target = timed, skip_forks, target


def workloads(quick):
    d, w = ("1s", "0.3s") if quick else ("3s", "1s")
    bulk, bulk_title = ("128M", "128 MiB") if quick else ("1G", "1 GiB")
    idle = 5000 if quick else 20000
    return [
        Workload("rr50", "rr, 50 connections × 512 B",
                 ["--mode", "rr", "--conns", "50", "--size", "512", "-d", d, "-w", w],
                 "requests_per_s", "req/s", target=("libuv", 1.3), short="rr 50 × 512 B"),
        Workload("rr1000", "rr, 1000 connections × 64 B",
                 ["--mode", "rr", "--conns", "1000", "--size", "64", "-d", d, "-w", w],
                 "requests_per_s", "req/s", target=("libuv", 1.3), short="rr 1000 × 64 B"),
        Workload("sessions", "sessions, 14 B × 32 in flight",
                 ["--mode", "sessions", "--concurrency", "32", "--size", "14", "-d", d, "-w", w],
                 "sessions_per_s", "sessions/s", target=("libuv", 1.2),
                 short="sessions 14 B × 32"),
        Workload("bulk", f"bulk, {bulk_title} each way, 1 connection",
                 ["--mode", "bulk", "--conns", "1", "--bytes", bulk, "-d", "120s"],
                 "received_bytes_per_s", "MiB/s", scale=1 / 1048576,
                 target=("thread", 0.9), short=f"bulk {bulk_title}"),
        Workload("idle", f"idle, {idle:,} connections",
                 ["--mode", "idle", "--conns", str(idle), "-d", "120s", "--interval", "200ms"],
                 "bytes_per_conn", "B/conn", timed=False, skip_forks=True,
                 target=("bytes", 256)),
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
    cpu0, t0 = cpu_seconds(srv.pid), time.monotonic()
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
    cpu1 = cpu_seconds(srv.pid)
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
    if res is None:
        return None
    v = res.get(wl.metric)
    return None if v is None else v * wl.scale


def run_suite(args, specs, wls):
    results = {wl.name: {s.name: [] for s in specs} for wl in wls}
    t_start = time.monotonic()
    # Measurement order: libuv right after sockecho's default, so that the pair
    # behind the headline ratio is measured seconds apart; every other run goes
    # backwards, so that a slow drift of the machine does not favour a slot.
    order = [s for s in specs if s.name == "sockecho-epoll"] + \
        [s for s in specs if s.name == BASELINE] + \
        [s for s in specs if s.name not in ("sockecho-epoll", BASELINE)]
    for run in range(args.runs):
        for wl in wls:
            for spec in (order if run % 2 == 0 else order[::-1]):
                if wl.skip_forks and spec.forks:
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


# ---------------------------------------------------------------- figures


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarize(wls, specs, results):
    """Per workload and server: median, min, max, paired ratio to libuv (and to
    thread_echo), server CPU, error totals, bytes lost."""
    summary = {}
    for wl in wls:
        base_by_run = {m["run"]: m["value"] for m in results[wl.name].get(BASELINE, [])}
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

            base_cost = {m["run"]: cost(m) for m in results[wl.name].get(BASELINE, [])}
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
            rss = {k: median([m["info"].get(k) for m in ms])
                   for k in ("rss_before_kb", "rss_open_kb", "rss_after_kb")}
            summary[(wl.name, spec.name)] = {
                "n": len(ms), "ok": len(vals), "median": median(vals),
                "min": min(vals) if vals else None, "max": max(vals) if vals else None,
                "ratio": paired(base_by_run), "ratio_ref": paired(ref_by_run), "cpu": cpu,
                "cost": median([cost(m) for m in ms]), "eff": eff,
                "errors": errors, "failed_conns": conns_bad, "bulk_lost": lost,
                "bulk_sent": sent, "rss": rss,
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
    tput = [wl for wl in wls if wl.timed]
    idle = [wl for wl in wls if not wl.timed]
    servers = [s for s in specs if any((wl.name, s.name) in summary for wl in tput)]
    color = {s.name: PALETTE[i % len(PALETTE)] for i, s in enumerate(specs)}
    W, top, plot_h, left, right = 1240, 78, 340, 64, 20
    group_w = (W - left - right) / max(1, len(tput))
    bar_w = min(26.0, (group_w - 20) / max(1, len(servers)))
    lo, hi = 0.01, 4.0

    def y(r):
        r = min(max(r, lo), hi)
        return top + plot_h * (math.log(hi) - math.log(r)) / (math.log(hi) - math.log(lo))

    out = []
    add = out.append
    idle_rows = [s for s in specs if idle and (idle[0].name, s.name) in summary]
    legend_cols = 5
    legend_rows = (len(servers) + legend_cols - 1) // legend_cols
    legend_y = top + plot_h + 62
    idle_y = legend_y + 22 * legend_rows + 28
    H = idle_y + (60 + 24 * len(idle_rows) + 30 if idle_rows else 0)
    add(f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">')
    add(f'<rect width="{W}" height="{H}" fill="white"/>')
    add(f'<text x="{W / 2}" y="30" font-size="20" text-anchor="middle" font-weight="bold">'
        'Echo servers on loopback: throughput relative to libuv</text>')
    add(f'<text x="{W / 2}" y="54" font-size="13.5" text-anchor="middle" fill="#444">'
        'median of the per-run ratios to uv_echo · higher is better · log scale · '
        'dashed: the target of issue 4 for sockecho</text>')
    for r in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 4):
        yy = y(r)
        one = r == 1
        add(f'<line x1="{left}" x2="{W - right}" y1="{yy:.1f}" y2="{yy:.1f}" '
            f'stroke="{"#555" if one else "#e2e2e2"}" stroke-width="{1.5 if one else 1}"/>')
        add(f'<text x="{left - 8}" y="{yy + 4:.1f}" font-size="12" text-anchor="end">{r:g}×</text>')
    for gi, wl in enumerate(tput):
        gx0 = left + gi * group_w
        gx = gx0 + (group_w - bar_w * len(servers)) / 2
        if gi:
            add(f'<line x1="{gx0:.1f}" x2="{gx0:.1f}" y1="{top}" y2="{top + plot_h + 40}" '
                'stroke="#ccc"/>')
        tgt = None
        if wl.target and wl.target[0] == "libuv":
            tgt, why = wl.target[1], f"target ≥ {wl.target[1]}× libuv"
        elif wl.target and wl.target[0] == "thread":
            ref = summary.get((wl.name, BULK_REFERENCE))
            why = f"target ≥ {wl.target[1]}× thread-per-connection"
            if ref and ref["ratio"]:
                tgt = wl.target[1] * ref["ratio"]
        if tgt:
            add(f'<line x1="{gx - 4:.1f}" x2="{gx + bar_w * len(servers):.1f}" '
                f'y1="{y(tgt):.1f}" y2="{y(tgt):.1f}" stroke="black" stroke-width="2" '
                'stroke-dasharray="7,4"/>')
        for si, s in enumerate(servers):
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
        add(f'<text x="{cx:.1f}" y="{top + plot_h + 20}" font-size="14.5" '
            f'text-anchor="middle" font-weight="bold">{esc(wl.short)}</text>')
        if wl.target:
            add(f'<text x="{cx:.1f}" y="{top + plot_h + 37}" font-size="12" '
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
            'scale · dashed: the 256 B target</text>')
        bx0, bx1 = 260, W - 110
        blo, bhi = 16.0, 65536.0

        def bx(v):
            v = min(max(v, blo), bhi)
            return bx0 + (bx1 - bx0) * (math.log(v) - math.log(blo)) / (math.log(bhi) -
                                                                         math.log(blo))

        py = idle_y + 36
        yb = py + 24 * len(idle_rows)
        for v in (16, 64, 256, 1024, 4096, 16384, 65536):
            tgt = v == 256
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
        "versions": {p: version(p) for p in ("libuv1-dev", "socat", "ncat", "openbsd-inetd")},
        "python": platform.python_version(),
    }


def targets(wls, specs, summary):
    """Rows (target, server, figure, met) for the sockecho variants."""
    rows = []
    mine = [s for s in specs if s.name.startswith("sockecho")]
    for wl in wls:
        if not wl.target:
            continue
        kind, goal = wl.target
        for s in mine:
            st = summary.get((wl.name, s.name))
            if not st:
                continue
            if kind == "libuv":
                fig, met = st["ratio"], st["ratio"] is not None and st["ratio"] >= goal
                text, want = fmt_ratio(fig, 3) + " libuv", f"≥ {goal}× libuv"
            elif kind == "thread":
                fig = st["ratio_ref"]
                met = fig is not None and fig >= goal
                text, want = fmt_ratio(fig, 3) + " thread-per-connection", \
                    f"≥ {goal}× thread-per-connection"
            else:
                fig = st["median"]
                met = fig is not None and fig <= goal
                text, want = (fmt(fig, 1) + " B/conn") if fig is not None else "—", \
                    f"≤ {goal} B/conn"
            rows.append((wl.title, want, s.label, text, "met" if met else "**missed**",
                         fmt_ratio(st.get("eff")) if wl.timed else "—"))
    return rows


def write_report(path, svg_rel, args, meta, specs, wls, summary, notes):
    facts, elapsed, threads_ok = meta["facts"], meta["elapsed_s"], meta["threads_ok"]
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
    add(f"![ratios to libuv]({svg_rel})")
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
        "thread) and the server under test share its CPUs, over loopback (127.0.0.1; the "
        "sessions workload spreads client source addresses over 127.0.0.0/8).")
    add("")
    add("## Method")
    add("")
    add(f"- Every measurement starts a fresh server on 127.0.0.1 (port 0 where the server "
        f"prints the port it got, else a free port), runs one `sockecho bench` and stops the "
        f"server (SIGTERM to its process group). {args.runs} run(s); a run measures every "
        f"workload on every server, the libuv peer right after sockecho's default server, "
        f"and every other run in the reverse order, so that the machine's noise falls on "
        f"all alike.")
    add("- A figure is the **median** of the runs, with min–max. A **ratio** is the median of "
        "the per-run ratios to the libuv peer (`uv_echo`) measured in the same run.")
    add("- Every echoed byte is verified by `sockecho bench`; errors are counted over the "
        "whole run, warm-up included.")
    add("- *server CPU*: the server process's CPU time (user + system, all threads) divided by "
        "the wall time of the bench run, warm-up included; 100 % is one core. Not measured "
        "for servers that fork per connection. *CPU µs per request* (per session, per MiB) "
        "is that share ÷ the measured rate, and *CPU efficiency ÷ libuv* the median of the "
        "per-run ratios libuv's cost ÷ this server's (above 1: less server CPU per unit of "
        "work than libuv). On a 2-core machine whose other core runs the load generator, "
        "throughput can be bounded by the client; the CPU cost is not.")
    add("- idle: the server's VmRSS (/proc/PID/status) before the connections, once it has "
        "accepted all of them (its descriptor count), and after they closed; per connection "
        "= (open − before) / connections. That is user-space memory only: kernel socket "
        "buffers are not in it. Servers that fork per connection are not measured (a process "
        "per connection).")
    if not threads_ok:
        add("- `sockecho server --threads` was not supported by this build "
            "(`sockecho server --help`), so the `--threads 1` and `--threads 2` rows are "
            "missing.")
    add("")
    add("### Commands")
    add("")
    add("Servers (PORT: 0, or a free port picked by run.py):")
    add("")
    add("```sh")
    for s in specs:
        argv = s.argv("PORT", "$TMP")
        cmd = " ".join(a if " " not in a else f"'{a}'" for a in argv)
        cmd = cmd.replace(str(ROOT) + "/", "")
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
    add("Workloads:")
    add("")
    add("```sh")
    for wl in wls:
        add(" ".join(bench_cmd(wl, "PORT")).replace(str(ROOT) + "/", ""))
    add("```")
    add("")
    add("## Targets (issue 4)")
    add("")
    add("The verdicts count throughput (or memory) as issue 4 states them. The last column "
        "is the server's CPU efficiency against libuv's in the same runs (libuv's CPU per "
        "unit of work ÷ sockecho's), which the load generator sharing the machine does not "
        "cap.")
    add("")
    add("| workload | target | server | measured | | CPU efficiency ÷ libuv |")
    add("| --- | --- | --- | --- | --- | ---: |")
    for row in targets(wls, specs, summary):
        add("| " + " | ".join(row) + " |")
    add("")
    for wl in wls:
        add(f"## {wl.title}")
        add("")
        add("`" + " ".join(bench_cmd(wl, "PORT")).replace(str(ROOT) + "/", "") + "`")
        add("")
        if wl.timed:
            extra = " | ÷ thread-per-conn" if wl.name == "bulk" else ""
            per = "MiB" if wl.name == "bulk" else wl.unit.split("/")[0].rstrip("s")
            add(f"| server | median {wl.unit} | min–max | ÷ libuv{extra} | server CPU | "
                f"CPU µs per {per} | CPU efficiency ÷ libuv | errors |")
            add("| --- | ---: | ---: | ---: |" + (" ---: |" if extra else "") +
                " ---: | ---: | ---: | --- |")
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
                add(f"| {s.label} | {fmt(st['median'])} | {mm} | {fmt_ratio(st['ratio'])}{ref} | "
                    f"{cpu} | {fmt(st['cost'], 2)} | {fmt_ratio(st['eff'])} | {errs} |")
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
                    help="1 run, short durations, smaller bulk and idle: a smoke test (<2 min)")
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
        except KeyboardInterrupt:
            log("bench: interrupted; every server started was stopped, no report written")
            sys.exit(130)
        meta = {"runs": args.runs, "quick": args.quick, "elapsed_s": elapsed,
                "threads_ok": threads_ok, "nofile": nofile, "sockecho": str(SOCKECHO),
                "commit": git_commit(), "facts": machine_facts()}
        PEER_BUILD.mkdir(parents=True, exist_ok=True)
        results_file.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    summary = summarize(wls, specs, results)
    notes_file = BENCH_DIR / "NOTES.md"
    notes = notes_file.read_text() if notes_file.exists() else ""
    draw_svg(svg, wls, specs, summary)
    write_report(out, os.path.relpath(svg, out.parent), args, meta, specs, wls, summary, notes)
    log(f"bench: wrote {out} and {svg} ({meta['elapsed_s'] / 60:.1f} min of measurements; "
        f"raw results in {os.path.relpath(results_file, ROOT)})")
    for row in targets(wls, specs, summary):
        log("  " + " | ".join(row).replace("**", ""))


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
        if not any(s.name == BASELINE for s in specs):
            specs = [s for s in server_specs(threads_ok) if s.name == BASELINE] + specs
    return specs, wls


def git_commit():
    try:
        r = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                           capture_output=True, text=True, timeout=30)
        return r.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


if __name__ == "__main__":
    main()
