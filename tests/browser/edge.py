"""The real service as a process on a free port, for browser tests and the screenshot script."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Edge:
    """`python -m server` on a free port and a temp data dir, with its demo fleet's links."""

    def __init__(self, data_dir: Path, env: dict | None = None):
        self.data_dir, self.env = data_dir, env or {}
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.output = ""

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server", "--port", str(self.port),
             "--data-dir", str(self.data_dir)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "CHECKOUT_LOG_LEVEL": "WARNING", **self.env})
        if not self.output:  # a first start prints its demo fleet, the operator last
            for line in self.proc.stdout:
                self.output += line
                if re.match(r"^  operator +aoc_", line):
                    break
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1):
                    return
            except OSError:
                assert self.proc.poll() is None, "the edge died on start"
                time.sleep(0.1)
        raise AssertionError("the edge never answered /health")

    def stop(self) -> None:
        """Stop the process we started (by its PID) and keep what it printed."""
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=15)
        self.output += out

    def signin_link(self, who: str) -> str:
        match = re.search(rf"{who} +(http://\S+/signin#token=\S+)", self.output)
        return match.group(1)

    def token(self, who: str) -> str:
        match = re.search(rf"^  {who} +(aoc_\S+)$", self.output, re.MULTILINE)
        return match.group(1)
