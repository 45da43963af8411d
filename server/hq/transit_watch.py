"""Head office's watch on the sales stream: every `hq_transit_interval_s` it looks for the
sales in transit (server.bus.transit: published by a store, not yet taken by the ingest) and
keeps the last look, for the chain wallboard and for each store's read of its totals. It
asks head office's storage which messages above the ingest's ack floor are taken (their
batch held, or moved aside as a dead letter).

The service never waits for the bus: it starts, serves and answers while the NATS server is
away, and the watch says why it cannot look (`problem`), keeping the last figures it had
with the time of that look. A look that fails is tried again at the next interval; the
connection is made again when nats-py has given up on it.
"""
import asyncio
import logging

from aiohttp import web
from nats.errors import Error as NatsError

from server.bus.connection import connect_bus
from server.bus.stream import ConsumerSpec, StreamSpec
from server.bus.transit import Candidate, TransitLook, look_in_transit
from server.clock import to_iso
from server.hq.keys import STORAGE, TRANSIT_WATCH
from server.tasks import BackgroundTask
from server.web.keys import CLOCK, SETTINGS

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 5.0


class TransitWatch:
    """The last look at the stream's sales in transit, and the task that looks again."""

    def __init__(self, settings, storage, clock):
        self.url, self.storage, self.clock = settings.hq_nats_url, storage, clock
        self.interval_s, self.limit = settings.hq_transit_interval_s, settings.hq_transit_look_limit
        self.spec = ConsumerSpec(StreamSpec(name=settings.hq_nats_stream,
                                            prefix=settings.hq_nats_subject_prefix))
        self.latest: TransitLook | None = None
        self.problem: str | None = None
        self.on_change: list = []  # () -> None: the board may look again
        self.client = None
        self._task = BackgroundTask("transit-watch")

    def start(self) -> None:
        """Look now, and every interval after."""
        self._task.start(self._watch())

    async def stop(self) -> None:
        """Stop looking and close the connection."""
        await self._task.stop()
        if self.client is not None and not self.client.is_closed:
            await self.client.close()

    def of_store(self, store_id: str) -> dict:
        """A store's sales in transit as of the last look (zero before any), and when."""
        figures = self.latest.of(store_id) if self.latest else {
            "sales": 0, "messages": 0, "oldest_at": None, "complete": False, "kiosks": {}}
        return {**figures, **self._when()}

    def chain(self) -> dict:
        """The whole chain's sales in transit as of the last look, and when."""
        stores = self.latest.stores.values() if self.latest else ()
        oldest = min((s.oldest_at for s in stores if s.oldest_at), default=None)
        return {"sales": sum(s.sales for s in stores),
                "messages": sum(s.messages for s in stores),
                "oldest_at": oldest and to_iso(oldest),
                "complete": bool(self.latest and self.latest.complete), **self._when()}

    def _when(self) -> dict:
        return {"looked_at": self.latest and to_iso(self.latest.looked_at),
                "problem": self.problem}

    async def taken(self, candidates: list[Candidate]) -> set[int]:
        """The stream seqs of those the ingest has taken: batch held, or a dead letter."""
        held = await self.storage.ledger.batches_held(
            sorted({(c.store_id, c.content_digest) for c in candidates}))
        aside = await self.storage.dead_letters.recorded_seqs(
            self.spec.stream.name, [c.stream_seq for c in candidates])
        return {c.stream_seq for c in candidates
                if (c.store_id, c.content_digest) in held or c.stream_seq in aside}

    def _shown(self) -> tuple:
        """What the boards show of the last look (not when it was), to tell a change."""
        stores = self.latest and {s: t.as_json(True) for s, t in self.latest.stores.items()}
        return stores, bool(self.latest and self.latest.complete), self.problem

    async def look(self) -> None:
        """One look; its figures kept, or why the bus did not answer (the listeners told
        when what the boards show changed)."""
        before = self._shown()
        try:
            if self.client is None or self.client.is_closed:
                self.client = await connect_bus(self.url, CONNECT_TIMEOUT_S, "checkout-hq",
                                                max_reconnect_attempts=3)
            self.latest = await look_in_transit(self.client.jetstream(), self.spec,
                                                self.taken, self.limit, self.clock())
            self.problem = None
        except (OSError, TimeoutError, NatsError) as exc:
            if self.problem is None:
                log.warning("cannot look at the bus for sales in transit: %r", exc)
            self.problem = f"the bus does not answer: {type(exc).__name__}"
        if self._shown() != before:
            for listener in self.on_change:
                listener()

    async def _watch(self) -> None:
        failing = False
        while True:
            try:
                await self.look()
                failing = False
            except Exception:  # head office's storage away, say: the next look tries again
                if not failing:
                    log.exception("a look for sales in transit failed (logged once until "
                                  "one succeeds)")
                failing = True
            await asyncio.sleep(self.interval_s)


async def transit_watch_ctx(app: web.Application):
    """Watch the stream when head office is given one (after the storage, before the board)."""
    settings = app[SETTINGS]
    watch = TransitWatch(settings, app[STORAGE], app[CLOCK]) if settings.hq_nats_url else None
    app[TRANSIT_WATCH] = watch
    if watch is not None:
        watch.start()
    yield
    if watch is not None:
        await watch.stop()
