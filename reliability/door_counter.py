"""Who knocks while head office is down: a listener on its port that counts each request by
the key that signed it, and answers none.

While head office is away its port would refuse connections, and nobody could say how often
each store tried. This listener holds the port instead: it accepts a connection, reads the
request head, counts it (by the `keyid` of its Signature-Input, and its method and path),
and closes the connection unanswered, as a load balancer with no head office behind it
would. A store's edge sees what it sees when head office is down: no answer. Every try is a
connection of its own then, as none is answered, so none hides behind another on a kept
connection.
"""
import asyncio
import re
import time
from collections import Counter

KEYID = re.compile(rb'keyid="([^"]+)"')


class DoorCounter:
    """Counts requests per (keyid, method, path) on 127.0.0.1:`port` while it runs."""

    def __init__(self, port: int):
        self.port = port
        self.knocks: Counter = Counter()
        self.times: list[float] = []  # when each request came (monotonic)
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Listen on the port (head office must have let go of it)."""
        self._server = await asyncio.start_server(self._knock, "127.0.0.1", self.port,
                                                  reuse_address=True)

    async def stop(self) -> None:
        """Stop listening, so that head office may bind the port again (each connection was
        closed as soon as its head was read)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def by_key(self, method: str = "POST", path: str = "/hq/v1/batches") -> Counter:
        """Requests to one route, per keyid (unsigned ones under None)."""
        counts = Counter()
        for (keyid, seen_method, seen_path), count in self.knocks.items():
            if (seen_method, seen_path) == (method, path):
                counts[keyid] += count
        return counts

    async def _knock(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5):
                head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                ConnectionError):
            head = b""
        finally:
            writer.transport.abort()  # no answer, and no lingering close
        if head:
            request_line = head.split(b"\r\n", 1)[0].split(b" ")
            method = request_line[0].decode("latin-1")
            path = request_line[1].decode("latin-1").split("?", 1)[0] if len(
                request_line) > 1 else ""
            keyid = KEYID.search(head)
            self.knocks[(keyid.group(1).decode() if keyid else None, method, path)] += 1
            self.times.append(time.monotonic())
