"""A NATS server with JetStream of a run's own (Debian's nats-server), for what a shared one
cannot do: listen on a port chosen before it starts (a store pointed at a bus that is down,
then comes up), take a small max_payload, or be stopped and started again on the same port
with the same store dir (a regional outage of the bus). Its store lives in the folder given.
"""
import asyncio
import shutil
import subprocess
from pathlib import Path

from reliability.edge_process import free_port

__all__ = ["NatsDidNotStart", "ThrowawayNats", "free_port"]


class NatsDidNotStart(RuntimeError):
    """The nats-server process did not listen on its port in time."""


class ThrowawayNats:
    """One nats-server process on 127.0.0.1:`port`, started, stopped or killed by its PID."""

    def __init__(self, folder: Path, port: int, max_payload: int | None = None):
        self.folder, self.port, self.max_payload = folder, port, max_payload
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Where it listens (or will)."""
        return f"nats://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """Is the process we started still alive?"""
        return self.process is not None and self.process.poll() is None

    async def start(self) -> "ThrowawayNats":
        """Start it (a config file: 2.9 takes max_payload only so) and wait until it listens;
        started again, it keeps the streams of its store dir."""
        server = shutil.which("nats-server") or "/usr/sbin/nats-server"
        self.folder.mkdir(parents=True, exist_ok=True)
        limit = f"max_payload: {self.max_payload}\n" if self.max_payload else ""
        config = self.folder / "nats.conf"
        config.write_text(f'host: 127.0.0.1\nport: {self.port}\n{limit}'
                          f'jetstream {{ store_dir: "{self.folder / "store"}" }}\n')
        with open(self.folder / "nats.log", "ab") as log:
            self.process = subprocess.Popen([server, "-c", str(config)], stdout=log,
                                            stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return self
            except OSError:
                await asyncio.sleep(0.05)
        self.stop()
        raise NatsDidNotStart(f"a throwaway nats-server did not listen on {self.port}")

    def stop(self) -> None:
        """Stop it (SIGTERM) and wait for it."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def kill(self) -> None:
        """SIGKILL it, as a power cut would, and wait for it."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None
