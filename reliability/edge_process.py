"""The real service as a process on a free port: for browser tests, screenshots, the fleet
simulator's own tests and the torture runs (which kill it with SIGKILL and start it again)."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from server.auth.demo import FIRST_START_FILE

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class EdgeDied(AssertionError):
    """The process exited before it answered /health."""


def free_port() -> int:
    """A port on this machine that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServiceProcess:
    """One of this package's services as a process on a free port: started, waited for (its
    /health), stopped or killed by its PID, with what it printed in a log file."""

    name = "service"

    def __init__(self, log_path: Path, env: dict | None = None):
        self.env, self.log_path = env or {}, log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def command(self) -> list[str]:
        """The arguments after `python -m server`."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the process and wait for its first /health 200. What it prints goes to a log
        file (a pipe nobody reads would fill and stall the server)."""
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", *self.command()],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True,
                env={**os.environ, "CHECKOUT_LOG_LEVEL": "WARNING", **self.env})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise EdgeDied(f"the {self.name} died on start:\n{self.output[-2000:]}"
                                   ) from None
                time.sleep(0.05)
        self.kill()  # never leave a process behind that cannot serve
        raise AssertionError(f"the {self.name} never answered /health:\n{self.output[-2000:]}")

    @property
    def output(self) -> str:
        """Everything the process printed so far, over all its starts."""
        return self.log_path.read_text() if self.log_path.exists() else ""

    def server_errors(self) -> int:
        """How many requests it answered 500 so far (each is logged with its request id,
        server/web/envelope.py)."""
        return self.output.count(" failed (request id ")

    def stop(self) -> None:
        """Stop the process we started (by its PID) and keep what it printed."""
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=15)

    def kill(self) -> None:
        """SIGKILL the process we started: no shutdown, no flush, as a power cut would."""
        self.proc.kill()
        self.proc.wait(timeout=15)

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the running process has used so far, from /proc."""
        fields = (Path("/proc") / str(self.proc.pid) / "stat").read_text().rsplit(")", 1)[1]
        utime, stime = fields.split()[11:13]
        return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")

    @property
    def running(self) -> bool:
        """Is the process we started still alive?"""
        return self.proc is not None and self.proc.poll() is None


def run_command(*args: str, env: dict | None = None) -> str:
    """`python -m server ARGS...` to its end; what it printed (an error if it failed)."""
    done = subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=60, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise AssertionError(f"server {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


class Edge(ServiceProcess):
    """`python -m server` on a free port and a temp data dir, with its demo fleet's links."""

    name = "edge"

    def __init__(self, data_dir: Path, env: dict | None = None):
        super().__init__(data_dir.parent / f"{data_dir.name}.log", env)
        self.data_dir = data_dir

    def command(self) -> list[str]:
        return ["--port", str(self.port), "--data-dir", str(self.data_dir)]

    def store_key(self) -> str:
        """The store's public key (made on first call), as `store-key` prints it."""
        return run_command("store-key", "--data-dir", str(self.data_dir)).splitlines()[-1]

    @property
    def first_start(self) -> str:
        """What the first start handed over (not on a terminal: a file in the data dir)."""
        return (self.data_dir / FIRST_START_FILE).read_text()

    def signin_link(self, who: str) -> str:
        """The sign-in link the first start made for a demo kiosk, "dashboard" or "operator"."""
        match = re.search(rf"{who} +(http://\S+/signin#token=\S+)", self.first_start)
        return match.group(1)

    def token(self, who: str) -> str:
        """The bearer token the first start made for one of the demo fleet."""
        match = re.search(rf"^  {who} +(aoc_\S+)$", self.first_start, re.MULTILINE)
        return match.group(1)
