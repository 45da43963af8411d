"""One socket: a bounded send queue drained by its own writer task.

Senders never await a client: `send` is put_nowait, and a client whose queue is full has
fallen behind and is dropped (it reconnects and starts afresh). A writer that fails for any
other reason closes its socket rather than leave it open with nobody writing to it.
"""
import asyncio
import json
import logging

from aiohttp import WSCloseCode, web

log = logging.getLogger(__name__)


class Connection:
    """A socket with its writer task; only the handler task reads from it."""

    def __init__(self, ws: web.WebSocketResponse, queue_size: int, name: str):
        self.ws, self.name = ws, name
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

    async def close(self, code: int = WSCloseCode.GOING_AWAY, message: bytes = b"") -> None:
        """Stop the writer and close the socket."""
        self._writer.cancel()
        await asyncio.gather(*filter(None, (self._writer, self._dropping)),
                             return_exceptions=True)
        await self.ws.close(code=code, message=message)
