"""Head office's ingest from the bus as a process: `python -m server hq ingest` on a stream
and a PostgreSQL database, started, stopped or SIGKILLed by its PID, with what it printed in
a log file. The bus's tests and the chain's runs (reliability/chain_bus.py) both use it."""
import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from reliability.edge_process import ROOT
from server.bus.stream import RUN_STREAM_BYTES

GIVEN_BACK = re.compile(r"given back for \d+ s")  # one log line a message given back


class IngestProcess:
    """`python -m server hq ingest` on one NATS stream (its name and subject prefix) and one
    head office database."""

    def __init__(self, nats_url: str, database: str, stream: str, prefix: str,
                 log_path: Path, more_args: tuple[str, ...] = (), ack_wait_s: float = 30.0,
                 env: dict | None = None):
        self.args = [sys.executable, "-m", "server", "hq", "ingest", "--nats", nats_url,
                     "--database", database, "--stream", stream, "--prefix", prefix,
                     "--ack-wait", str(ack_wait_s), "--max-bytes", str(RUN_STREAM_BYTES),
                     *more_args]
        self.log_path, self.env, self.process = log_path, env, None
        self.starts = 0
        self._log = None

    def start(self) -> "IngestProcess":
        """Start it (its output appended to its log file)."""
        self._close_log()
        self._log = open(self.log_path, "ab")  # closed when it is stopped or started again
        env = None if self.env is None else {**os.environ, **self.env}
        self.process = subprocess.Popen(self.args, cwd=ROOT, stdout=self._log,
                                        stderr=subprocess.STDOUT, env=env)
        self.starts += 1
        return self

    @property
    def running(self) -> bool:
        """Is the process we started still alive?"""
        return self.process is not None and self.process.poll() is None

    async def stop(self, signum: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Signal it and wait for its end; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        code = await asyncio.to_thread(self.process.wait, timeout)
        self._close_log()
        return code

    def kill(self) -> None:
        """SIGKILL it and wait for it: no ack sent after this, no rollback but the database's."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(15)
        self._close_log()

    def output(self) -> str:
        """What it printed and logged so far, over all its starts."""
        return self.log_path.read_text() if self.log_path.exists() else ""

    def given_back(self) -> int:
        """How many times it gave a message back for later (a failure for now)."""
        return len(GIVEN_BACK.findall(self.output()))

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
