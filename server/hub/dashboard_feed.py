"""The dashboard feed: one computation of the metrics, diffed, pushed to every wallboard.
The store's wallboard (parts "overview" and "kiosks") and head office's chain wallboard
(parts "overview", "stores" and "alerts") are two feeds of this one kind.

A publisher task recomputes the overview and kiosk rows when something changed (a poke)
or every `dashboard_tick_s` (kiosks go stale, backlogs age), at most once per
`dashboard_min_interval_s`, whatever the traffic. It sends only what changed, as one
pre-serialized delta with the next `seq`, to every dashboard without awaiting any of them.
A new dashboard gets the last published state as its snapshot, taken and registered with no
await in between, so it misses nothing; with no dashboard connected nothing is computed.
"""
import asyncio
import json
import logging

from server.hub.connection import Connection
from server.tasks import BackgroundTask

log = logging.getLogger(__name__)


def diff(old: dict, new: dict) -> dict:
    """The fields of `new` that differ from `old`, one level into nested dicts; a key of
    `old` gone from `new` (a kiosk that left the board) as None."""
    changed = {key: None for key in old.keys() - new.keys()}
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            inner = {k: v for k, v in value.items() if before.get(k) != v}
            if inner:
                changed[key] = inner
        elif before != value:
            changed[key] = value
    return changed


class DashboardFeed:
    """Owns the last published state, its seq, the dashboards, and the publisher task."""

    def __init__(self, compute, min_interval_s: float, tick_s: float,
                 parts: tuple[str, ...] = ("overview", "kiosks")):
        self.compute = compute  # async () -> {part: {key: value or row}} for each part
        self.min_interval_s, self.tick_s, self.parts = min_interval_s, tick_s, parts
        self.seq = 0
        self.state: dict = {part: {} for part in parts}
        self.dashboards: set[Connection] = set()
        self._poked = asyncio.Event()
        self._task = BackgroundTask("dashboard-feed")

    def poke(self, *_args) -> None:
        """Something changed: publish soon (cheap; safe to call on every sale)."""
        self._poked.set()

    async def start(self) -> None:
        """Compute the first state, then publish in the background."""
        self.state = await self.compute()
        self._task.start(self._run())

    async def stop(self) -> None:
        """Stop publishing."""
        await self._task.stop()

    def snapshot(self) -> dict:
        """The full state as a `snapshot` message (no await: nothing can slip in between)."""
        return {"type": "snapshot", "seq": self.seq, **self.state}

    def subscribe(self, conn: Connection) -> None:
        """Send the snapshot and register for deltas, in one step; then freshen it soon
        (the state may be old: nobody was watching)."""
        conn.send(self.snapshot())
        self.dashboards.add(conn)
        self.poke()

    def unsubscribe(self, conn: Connection) -> None:
        """Forget a dashboard (from the handler's finally)."""
        self.dashboards.discard(conn)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                async with asyncio.timeout(self.tick_s):
                    await self._poked.wait()
            except TimeoutError:
                pass
            self._poked.clear()
            if not self.dashboards:
                continue  # nobody watches: no aggregates over the sales to compute
            started = loop.time()
            try:
                await self.publish()
            except Exception:
                log.exception("dashboard feed could not compute the metrics")
            await asyncio.sleep(max(0.0, self.min_interval_s - (loop.time() - started)))

    async def publish(self) -> None:
        """Recompute, and send a delta to every dashboard if anything changed."""
        new = await self.compute()
        changed = {part: diff(self.state[part], new[part]) for part in self.parts}
        self.state = new
        if not any(changed.values()):
            return
        self.seq += 1
        text = json.dumps({"type": "delta", "seq": self.seq, **changed}, ensure_ascii=False)
        for conn in list(self.dashboards):
            conn.send_text(text)
