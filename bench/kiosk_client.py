"""One kiosk's socket as a benchmark drives it: heartbeats out, acks timed on the way back."""
import asyncio
import itertools
import json
import random
import time

import aiohttp

_IDS = itertools.count(1)


class KioskSocket:
    """A kiosk's `/ws/kiosk`; only the task that calls `heartbeat` reads from it."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str):
        self.session, self.url, self.token = session, url, token
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.link_up = False
        self.latencies_ms: list[float] = []
        self._wake = asyncio.Event()

    async def connect(self) -> None:
        """Open the socket with the kiosk's bearer token."""
        self.ws = await self.session.ws_connect(
            f"{self.url}/ws/kiosk", headers={"Authorization": f"Bearer {self.token}"},
            heartbeat=None, autoping=True)

    async def heartbeat(self, timeout_s: float = 60) -> dict:
        """Send one heartbeat with the current link flag; wait for its ack (sync progress
        pushed meanwhile is read past) and keep the round trip."""
        beat_id = str(next(_IDS))
        sent = time.monotonic()
        await self.ws.send_str(json.dumps(
            {"type": "heartbeat", "central_link_up": self.link_up, "id": beat_id}))
        async with asyncio.timeout(timeout_s):
            while True:
                msg = await self.ws.receive()
                if msg.type != aiohttp.WSMsgType.TEXT:
                    raise ConnectionError(f"socket ended: {msg.type.name} {msg.data!r}")
                answer = json.loads(msg.data)
                if answer.get("type") == "ack" and answer.get("id") == beat_id:
                    self.latencies_ms.append((time.monotonic() - sent) * 1000)
                    return answer
                if answer.get("type") == "error":
                    raise RuntimeError(f"the edge refused a heartbeat: {answer}")

    def flip(self, link_up: bool) -> None:
        """Change the link flag and send a heartbeat saying so at once."""
        self.link_up = link_up
        self._wake.set()

    async def keep_beating(self, interval_s: float) -> None:
        """Heartbeat every `interval_s` (first at a random moment, as real kiosks spread out)
        and at once after a flip, until cancelled."""
        next_at = time.monotonic() + random.uniform(0, interval_s)
        while True:
            try:
                async with asyncio.timeout(max(0.0, next_at - time.monotonic())):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            await self.heartbeat()
            next_at = time.monotonic() + interval_s

    async def close(self) -> None:
        """Close the socket, if it was opened."""
        if self.ws is not None:
            await self.ws.close()
