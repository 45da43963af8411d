"""One socket: a bounded send queue drained by its own writer task, and who holds it.

Senders never await a client: `send` is put_nowait, and a client whose queue is full has
fallen behind and is dropped (it reconnects and starts afresh). A writer that fails for any
other reason closes its socket rather than leave it open with nobody writing to it. Closing
sends what is queued first, for at most CLOSE_DRAIN_S.
"""
import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass

from aiohttp import WSCloseCode, web

log = logging.getLogger(__name__)
CLOSE_DRAIN_S = 1.0


@dataclass(frozen=True)
class Holder:
    """Who opened a socket: its credential, its kiosk (a kiosk's socket), and the browser
    session it came by (if any) with when that ends."""

    token_id: str
    kiosk_id: str | None = None
    session_hash: str | None = None
    session_expires_at: str | None = None


class Connection:
    """A socket with its writer task; only the handler task reads from it."""

    def __init__(self, ws: web.WebSocketResponse, queue_size: int, name: str,
                 holder: Holder):
        self.ws, self.name, self.holder = ws, name, holder
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize=queue_size)
        self._writer = asyncio.create_task(self._write(), name=f"ws-writer {name}")
        self._dropping: asyncio.Task | None = None

    def send(self, message: dict) -> None:
        """Queue a message; drop the client if it cannot keep up."""
        self.send_text(json.dumps(message, ensure_ascii=False))

    def send_text(self, text: str) -> None:
        """Queue an already serialized message (one serialization for many sockets)."""
        try:
            self._queue.put_nowait(text)
        except asyncio.QueueFull:
            log.warning("%s fell behind; dropping it", self.name)
            self.drop(WSCloseCode.TRY_AGAIN_LATER, b"too slow")

    def drop(self, code: int, message: bytes) -> None:
        """Close the socket soon, without waiting for it (once; later calls do nothing)."""
        if self._dropping is None:
            self._dropping = asyncio.create_task(self.ws.close(code=code, message=message))

    async def _write(self) -> None:
        while True:
            text = await self._queue.get()
            try:
                await self.ws.send_str(text)
            except ConnectionError:
                return
            except Exception:
                log.exception("%s: its writer failed; closing the socket", self.name)
                self.drop(WSCloseCode.INTERNAL_ERROR, b"internal error")
                return
            finally:
                self._queue.task_done()

    async def close(self, code: int = WSCloseCode.GOING_AWAY, message: bytes = b"") -> None:
        """Send what is queued (for at most CLOSE_DRAIN_S), stop the writer, close."""
        if self._dropping is None and not self._writer.done() and not self.ws.closed:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_DRAIN_S):
                    await self._queue.join()
        self._writer.cancel()
        await asyncio.gather(*filter(None, (self._writer, self._dropping)),
                             return_exceptions=True)
        await self.ws.close(code=code, message=message)
