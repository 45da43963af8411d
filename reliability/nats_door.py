"""Who knocks while the bus is down: a listener on the NATS server's port that counts each
connection by the process that made it, and answers none.

reliability/door_counter.py counts HTTP requests by the key that signed them; NATS cannot be
counted so: a client sends nothing before the server's INFO line, and its CONNECT names no
store. So each accepted connection is traced to the process that holds its other end, by
the socket's inode (/proc/net/tcp, then /proc/<pid>/fd): a store's edge is a process of its
own. The connection is then held, unanswered, until the client gives up, as a port with a
dead server behind a load balancer would. A connection its client closed before it could be
traced (a store's edge probes the port with a plain connect first) counts under None.
"""
import asyncio
import os
from collections import Counter
from pathlib import Path


def socket_owner(server_port: int, peer_port: int, pids: list[int]) -> int | None:
    """Which of `pids` holds the client end of the connection 127.0.0.1:peer_port ->
    :server_port (None if none does, or it is closed already)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":"), fields[2].split(":")
        if int(local[1], 16) == peer_port and int(remote[1], 16) == server_port:
            inode = fields[9]
    if inode in (None, "0"):
        return None
    wanted = f"socket:[{inode}]"
    for pid in pids:
        try:
            with os.scandir(f"/proc/{pid}/fd") as fds:
                if any(_link(fd.path) == wanted for fd in fds):
                    return pid
        except OSError:
            continue  # the process went
    return None


def _link(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:  # the fd closed while we looked
        return ""


class NatsDoorCounter:
    """Counts connections to 127.0.0.1:`port` per name of the process that made them."""

    def __init__(self, port: int, processes: dict[str, int]):
        self.port, self.processes = port, processes  # name -> pid
        self.knocks: Counter = Counter()
        self._held: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Listen on the port (the NATS server must have let go of it)."""
        self._server = await asyncio.start_server(self._knock, "127.0.0.1", self.port,
                                                  reuse_address=True)

    async def stop(self) -> None:
        """Drop every held connection and stop listening, so that NATS may bind again."""
        for writer in list(self._held):
            writer.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def by_process(self) -> dict[str, int]:
        """The knocks of each process named, none left out (0 if it never knocked)."""
        return {name: self.knocks.get(name, 0) for name in self.processes}

    async def _knock(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer_port = writer.get_extra_info("peername")[1]
        pid = socket_owner(self.port, peer_port, list(self.processes.values()))
        self.knocks[next((n for n, p in self.processes.items() if p == pid), None)] += 1
        self._held.add(writer)
        try:
            while await reader.read(4096):
                pass  # nothing is answered: the client times out and closes
        except ConnectionError:
            pass
        finally:
            self._held.discard(writer)
            writer.transport.abort()
