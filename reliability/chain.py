"""A chain on this machine: head office on PostgreSQL and N real store edges, each a process
with its own data dir and its own key enrolled at head office, each sold at by its own fleet
of simulated kiosks, all recorded in one history (every sale tagged with its store).

Head office is started here on the database given, or is one already running (its URL, and
its database so that the stores' keys can be enrolled, as `hq enroll-store` does). Its
outages, when asked for, stop it (SIGKILL or a graceful stop, at random) and start it again
on the same port, while the stores sell on. Progress, once a second: a line per store (its
fleet) and one for head office (up or down, its outages, the rows it holds).

With a bus (`ChainOptions.bus`, the `nats` transport) the stores publish their batches to a
stream of the run's own and two `hq ingest` processes take them (reliability/chain_bus.py);
head office's HTTP service still answers the stores' reads. Progress then has a line for the
bus too, and a heal waits until nothing is in transit.
"""
import asyncio
import dataclasses
import random
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import asyncpg

from reliability.chain_bus import BusOptions, ChainBus
from reliability.edge_process import Edge
from reliability.history import HistoryWriter
from reliability.hq_process import HeadOffice
from reliability.simulator import Fleet, FleetOptions

# Quick to notice and to retry, as a test wants; the same code paths as the defaults.
EDGE_ENV = {"CHECKOUT_RATE_LIMITS": "off", "CHECKOUT_SYNC_SWEEP_INTERVAL_S": "0.5",
            "CHECKOUT_SYNC_BACKOFF_INITIAL_S": "0.5", "CHECKOUT_SYNC_BACKOFF_MAX_S": "4",
            "CHECKOUT_HEARTBEAT_TIMEOUT_S": "5", "CHECKOUT_CENTRAL_TIMEOUT_S": "10",
            "CHECKOUT_CENTRAL_CONNECT_TIMEOUT_S": "2"}


@dataclasses.dataclass
class ChainOptions:
    """How many stores, each store's fleet (the template: its URL and token are each
    store's), and head office's outages."""

    stores: int
    fleet: FleetOptions
    hq_outage_every_s: float | None = None
    hq_outage_for_s: float | None = None
    bus: BusOptions | None = None  # None: the batches go over HTTP

    @property
    def transport(self) -> str:
        return "http" if self.bus is None else "nats"

    def validate(self) -> None:
        """Refuse what cannot run."""
        if self.stores < 1:
            raise ValueError("need stores >= 1")
        outages = (self.hq_outage_every_s, self.hq_outage_for_s)
        if (outages[0] is None) != (outages[1] is None) or any(
                value is not None and value <= 0 for value in outages):
            raise ValueError("--hq-outage-every and --hq-outage-for go together, both > 0")


@dataclasses.dataclass
class Outage:
    """One stop of head office: how, when (seconds into the run) and for how long."""

    how: str  # kill | stop
    at_s: float
    down_s: float = 0.0


class Chain:
    """Head office, the stores' edges and their fleets, for one run."""

    def __init__(self, options: ChainOptions, workdir: Path, database: str,
                 hq_url: str | None = None, edge_env: dict | None = None,
                 hq_env: dict | None = None):
        self.options, self.workdir, self.database = options, workdir, database
        self.hq = HeadOffice(workdir, database, hq_env)
        self.own_hq = hq_url is None
        if hq_url is not None:  # already running: enrol there, never start or stop it
            self.hq.url, self.hq.port = hq_url.rstrip("/"), urlsplit(hq_url).port
        self.bus = None if options.bus is None else ChainBus(options.bus, workdir, database)
        self.edge_env = {**EDGE_ENV, **(self.bus.edge_env() if self.bus else {}),
                         **(edge_env or {})}
        self.edges: dict[str, Edge] = {}
        self.fleets: dict[str, Fleet] = {}
        self.sold: dict[str, dict] = {}  # per store, its fleet's summary once it is done
        self.outages: list[Outage] = []
        self.started_at = time.monotonic()
        self._db: asyncpg.Connection | None = None

    @property
    def store_ids(self) -> list[str]:
        return [f"store-{i}" for i in range(1, self.options.stores + 1)]

    async def start(self, say: Callable[[str], None]) -> None:
        """Head office (if it is ours), then every store: key made and enrolled, started."""
        if self.own_hq:
            await asyncio.to_thread(self.hq.start)
            say(f"[hq] up at {self.hq.url} on {self.database.rsplit('/', 1)[1]}")
        if self.bus is not None:  # before the stores: the ingest makes the stream
            await self.bus.start(say)

        def start_store(store_id: str) -> None:
            edge = self.hq.chain_edge(self.workdir / store_id, store_id, self.edge_env)
            self.edges[store_id] = edge  # known before it starts: stop() ends what started
            edge.start()

        # Every start runs to its end before any failure is raised, so that stop() finds
        # each edge that did start (a store that fails to start leaves none behind).
        started = await asyncio.gather(*(asyncio.to_thread(start_store, store_id)
                                         for store_id in self.store_ids),
                                       return_exceptions=True)
        self.edges = {s: self.edges[s] for s in self.store_ids if s in self.edges}
        failed = [outcome for outcome in started if isinstance(outcome, BaseException)]
        if failed:
            raise failed[0]
        say(f"[chain] {len(self.edges)} stores up: "
            + ", ".join(f"{s} {e.url}" for s, e in self.edges.items()))

    async def prepare_fleets(self, session: aiohttp.ClientSession,
                             history: HistoryWriter) -> None:
        """A fleet per store, its kiosks enrolled at its edge."""
        for store_id, edge in self.edges.items():
            options = dataclasses.replace(self.options.fleet, base_url=edge.url,
                                          operator_token=edge.token("operator"))
            self.fleets[store_id] = fleet = Fleet(options, session, history, store_id)
            await fleet.prepare()

    async def sell(self, say: Callable[[str], None], damage=None) -> None:
        """Every fleet sells to its bounds beside head office's outages and `damage(chain)`
        (which ends when it has done its work: it is waited for); then head office is up."""
        self.started_at = time.monotonic()
        background = [asyncio.create_task(self._report(say))]
        if self.options.hq_outage_every_s:
            background.append(asyncio.create_task(self._hq_outages()))
        damaging = asyncio.create_task(damage(self)) if damage is not None else None
        try:
            summaries = await asyncio.gather(*(fleet.run(None) for fleet in
                                               self.fleets.values()))
            if damaging is not None:
                await damaging
        finally:
            for task in [*background, *filter(None, [damaging])]:
                task.cancel()
            await asyncio.gather(*background, *filter(None, [damaging]),
                                 return_exceptions=True)
        self.sold = dict(zip(self.fleets, summaries, strict=True))
        await self.ensure_hq_up()
        await self._report_once(say)

    async def ensure_hq_up(self) -> None:
        """Start head office again if it is ours and down (an outage cut short)."""
        if self.own_hq and not self.hq.running:
            await asyncio.to_thread(self.hq.start)
            if self.outages and not self.outages[-1].down_s:
                self.outages[-1].down_s = round(self.elapsed() - self.outages[-1].at_s, 2)

    async def heal(self, timeout_s: float) -> dict[str, bool]:
        """Every kiosk's link up; per store, whether nothing was left pending in time (nor,
        with a bus, in transit: every message taken by the ingest)."""
        began = time.monotonic()

        async def heal_one(fleet: Fleet) -> bool:
            fleet.options.heal_timeout_s = timeout_s
            return await fleet.heal()
        healed = await asyncio.gather(*map(heal_one, self.fleets.values()))
        if self.bus is not None and not await self.bus.settled(
                max(timeout_s - (time.monotonic() - began), 1.0)):
            healed = [False] * len(healed)
        return dict(zip(self.fleets, healed, strict=True))

    async def stop(self) -> None:
        """Stop the stores, then head office if it is ours (each by its PID)."""
        for edge in self.edges.values():
            if edge.running:
                await asyncio.to_thread(edge.stop)
        if self._db is not None and not self._db.is_closed():
            await self._db.close()
        if self.bus is not None:
            await self.bus.stop()
        if self.own_hq and self.hq.running:
            await asyncio.to_thread(self.hq.stop)

    def elapsed(self) -> float:
        return time.monotonic() - self.started_at

    async def _hq_outages(self) -> None:
        every, down_for = self.options.hq_outage_every_s, self.options.hq_outage_for_s
        while True:
            await asyncio.sleep(every)
            outage = Outage(random.choice(("kill", "stop")), round(self.elapsed(), 2))
            self.outages.append(outage)
            await asyncio.to_thread(self.hq.kill if outage.how == "kill" else self.hq.stop)
            await asyncio.sleep(down_for)
            await asyncio.to_thread(self.hq.start)
            outage.down_s = round(self.elapsed() - outage.at_s, 2)

    async def rows_at_hq(self) -> int | None:
        """How many rows head office's database holds now (None if it cannot say; the
        connection is made again next time, as a torture run may have cut it)."""
        try:
            if self._db is None or self._db.is_closed():
                self._db = await asyncpg.connect(self.database, timeout=2)
            return await self._db.fetchval("SELECT count(*) FROM central_orders")
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return None

    async def _report(self, say: Callable[[str], None]) -> None:
        while True:
            await asyncio.sleep(1.0)
            await self._report_once(say)

    async def _report_once(self, say: Callable[[str], None]) -> None:
        for store_id, fleet in self.fleets.items():
            say(f"[{store_id}] {fleet.progress_line()}")
        state = "up" if (self.hq.running or not self.own_hq) else "DOWN"
        say(f"[hq] [{self.elapsed():6.1f}s] {state} outages={len(self.outages)} "
            f"rows-held={await self.rows_at_hq()}")
        if self.bus is not None:
            say(f"[bus] [{self.elapsed():6.1f}s] {await self.bus.progress_line()}")

    def summary(self, healed: dict[str, bool] | None) -> dict:
        """What the run did, per store and at head office."""
        return {
            "stores": self.sold,
            "hq": {"url": self.hq.url, "database": self.database, "own": self.own_hq,
                   "outages": [dataclasses.asdict(o) for o in self.outages]},
            "transport": self.options.transport,
            "bus": None if self.bus is None else self.bus.summary(),
            "work_dir": str(self.workdir),
            "healed": healed,
        }
