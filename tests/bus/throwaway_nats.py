"""A NATS server with JetStream of a test's own (Debian's nats-server), for what the shared
one cannot do: listen on a port chosen before it starts (a store pointed at a bus that is
down, then comes up), or take a small max_payload. Its store lives in the test's tmp dir."""
import asyncio
import shutil
import socket
import subprocess
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayNats:
    """One nats-server process on 127.0.0.1:`port`, started and stopped by a test."""

    def __init__(self, folder: Path, port: int, max_payload: int | None = None):
        self.folder, self.port, self.max_payload = folder, port, max_payload
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Where it listens (or will)."""
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> "ThrowawayNats":
        """Start it (a config file: 2.9 takes max_payload only so) and wait until it listens."""
        server = shutil.which("nats-server") or "/usr/sbin/nats-server"
        self.folder.mkdir(parents=True, exist_ok=True)
        limit = f"max_payload: {self.max_payload}\n" if self.max_payload else ""
        config = self.folder / "nats.conf"
        config.write_text(f'host: 127.0.0.1\nport: {self.port}\n{limit}'
                          f'jetstream {{ store_dir: "{self.folder / "store"}" }}\n')
        self.process = subprocess.Popen([server, "-c", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return self
            except OSError:
                await asyncio.sleep(0.05)
        self.stop()
        pytest.fail(f"a throwaway nats-server did not listen on {self.port}")

    def stop(self) -> None:
        """Stop it and wait for it."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
