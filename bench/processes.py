"""The processes a benchmark starts: the edge, head office, its ingest from the bus, the bare
reference server, and helpers that make every child stop by itself (it dies with the
benchmark) and read its memory."""
import ctypes
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from reliability.edge_process import ROOT, Edge, EdgeDied
from reliability.hq_process import HeadOffice
from server.encryption import DatabaseKey, read_key_file

PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded here: a forked child must not import
BENCH_ENV = {"CHECKOUT_RATE_LIMITS": "off", "CHECKOUT_LOG_LEVEL": "WARNING"}


def child_setup(death_signal: int = signal.SIGKILL, raise_fd_limit: bool = False):
    """A preexec_fn: the child gets `death_signal` when we die (so nothing outlives a killed
    benchmark) and, for servers holding 10,000 sockets, the highest fd limit allowed."""

    def setup() -> None:
        _LIBC.prctl(PR_SET_PDEATHSIG, death_signal)
        if raise_fd_limit:
            _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    return setup


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kb(pid: int) -> int:
    """Resident memory of a process (VmRSS of /proc/PID/status), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_s(pid: int) -> float:
    """CPU time a process has used so far, user and system, all its threads, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def wait_for_health(proc: subprocess.Popen, url: str, log_path: Path,
                    timeout_s: float = 30) -> float:
    """Seconds from now until `url`/health answers 200 (polled every 10 ms)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
                if answer.status == 200:
                    return time.monotonic() - started
        except OSError:
            if proc.poll() is not None:
                raise EdgeDied(f"{url} died on start:\n{log_path.read_text()[-2000:]}") from None
        time.sleep(0.01)
    proc.kill()
    raise AssertionError(f"{url} never answered /health:\n{log_path.read_text()[-2000:]}")


def stop_process(proc: subprocess.Popen, timeout_s: float = 30) -> None:
    """SIGINT (a clean shutdown), then SIGKILL if it does not go in time."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class BenchEdge(Edge):
    """The edge as `python -m server`, rate limits off, fd limit raised, start timed; its
    files encrypted when it is given a key file."""

    def __init__(self, data_dir: Path, key_file: Path | None = None):
        env = dict(BENCH_ENV)
        if key_file is not None:
            env["CHECKOUT_STORE_ENCRYPTION_KEY_FILE"] = str(key_file)
        super().__init__(data_dir, env)
        self.start_s: float | None = None
        # What the benchmark itself opens on the data dir is keyed as the edge's files are.
        self.key: DatabaseKey | None = None if key_file is None else read_key_file(key_file)

    def start(self) -> None:
        """Start the process; `start_s` is the time from spawn to the first /health 200."""
        with open(self.log_path, "a") as log:
            spawned = time.monotonic()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", "--port", str(self.port),
                 "--data-dir", str(self.data_dir)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True,
                env={**os.environ, **self.env},
                preexec_fn=child_setup(signal.SIGTERM, raise_fd_limit=True))
        wait_for_health(self.proc, self.url, self.log_path)
        self.start_s = time.monotonic() - spawned

    def stop(self) -> None:
        """Stop the process we started, by its PID; kill it if it will not stop."""
        if self.proc is not None:
            stop_process(self.proc)

    def rss_kb(self) -> int:
        """The edge's resident memory now, in KiB."""
        return rss_kb(self.proc.pid)


class ReferenceServer:
    """The framework's ceiling: `python -m bench.reference_server`, started like the edge."""

    def __init__(self, log_path: Path):
        self.port, self.log_path, self.proc = free_port(), log_path, None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start it and wait for its /health."""
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bench.reference_server", "--port", str(self.port)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True,
                env={**os.environ, **BENCH_ENV},
                preexec_fn=child_setup(signal.SIGTERM, raise_fd_limit=True))
        wait_for_health(self.proc, self.url, self.log_path)

    def stop(self) -> None:
        """Stop the process we started."""
        if self.proc is not None:
            stop_process(self.proc)


class BenchHeadOffice(HeadOffice):
    """Head office as `python -m server hq` on a database, started like the edge: it dies
    with the benchmark, its fd limit raised (a herd of stores is hundreds of sockets)."""

    def start(self) -> None:
        """Start the process and wait for its /health."""
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", *self.command()],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True,
                env={**os.environ, **BENCH_ENV, **self.env},
                preexec_fn=child_setup(signal.SIGTERM, raise_fd_limit=True))
        wait_for_health(self.proc, self.url, self.log_path)

    def stop(self) -> None:
        """Stop the process we started, by its PID; kill it if it will not stop."""
        if self.proc is not None:
            stop_process(self.proc)

    def rss_kb(self) -> int:
        """Head office's resident memory now, in KiB."""
        return rss_kb(self.proc.pid)


class BenchIngest:
    """Head office's ingest from the bus as `python -m server hq ingest` on a database and a
    stream, started like head office (it dies with the benchmark); no port, no /health."""

    def __init__(self, log_path: Path, nats_url: str, dsn: str, stream: str, prefix: str,
                 max_bytes: int, env: dict | None = None):
        self.log_path, self.env, self.proc = log_path, env or {}, None
        self.args = ["hq", "ingest", "--nats", nats_url, "--database", dsn,
                     "--stream", stream, "--prefix", prefix, "--max-bytes", str(max_bytes)]

    def start(self) -> None:
        """Start the process (its output to its log); it makes the stream if absent."""
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", *self.args],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True,
                env={**os.environ, **BENCH_ENV, **self.env},
                preexec_fn=child_setup(signal.SIGTERM))

    def check_alive(self) -> None:
        """Raise, with the end of its log, if it has ended."""
        if self.proc.poll() is not None:
            raise RuntimeError(f"hq ingest ended with status {self.proc.returncode}:\n"
                           f"{self.log_path.read_text()[-2000:]}")

    def stop(self) -> str:
        """Stop the process we started, by its PID; the summary line it printed at its stop
        ("hq ingest: N messages: ...", or "" if none)."""
        if self.proc is not None:
            stop_process(self.proc)
        lines = self.log_path.read_text().splitlines() if self.log_path.exists() else []
        return next((line for line in reversed(lines) if line.startswith("hq ingest: ")), "")
