"""The chain's torture runs: many real store edges selling to head office on PostgreSQL while
head office and its database fail, then the chain's checker (reliability/chain_checker.py).

Each scenario makes a throwaway database, starts head office and `profile.stores` edges
(reliability/chain.py), sells, does its damage (reliability/chain_scenarios.py), heals (every
link up; the drain timed against a bound), stops everything, and checks: every acknowledged
sale at head office once, equal to its store's row and vouched for by a verifying batch.

- `hq_crashes`: head office SIGKILLed in the middle of an ingest, again and again;
- `db_faults`: head office's connections terminated mid-batch, then its database refusing
  connections for a while; head office answers 503 meanwhile, never 500, and recovers alone;
- `regional_outage`: head office down while every store sells; each store's knocks on its
  port counted against the bound its backoff implies; then back, every store at once: head
  office sheds the herd with 503 hq_busy and the backlog drains within the bound.

With the `nats` transport the stores publish to a stream and two `hq ingest` processes take
the batches; each scenario then does the bus's version of its fault, and a fourth,
`bus_republish`, publishes the same batches twice outside the duplicate window
(reliability/chain_bus_scenarios.py).

`broken="hq_ack_before_commit"` runs `hq_crashes` against a head office that answers before
it commits: the checker must catch the sales it loses.
"""
import asyncio
import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg

from reliability.chain import Chain, ChainOptions
from reliability.chain_bus import BusOptions
from reliability.chain_checker import check_chain
from reliability.history import HistoryWriter
from reliability.hq_holdings import read_postgres
from reliability.simulator import FleetOptions
from reliability.torture import say
from server.config import Settings
from server.sync.backoff import Backoff

# Small batches and quick retries: many batches in flight for the faults to land in.
BUSY_SYNC = {"CHECKOUT_SYNC_BATCH_SIZE": "20", "CHECKOUT_SYNC_BACKOFF_INITIAL_S": "0.2",
             "CHECKOUT_SYNC_BACKOFF_MAX_S": "1"}
# A short backoff cap: every store comes back within a second of head office, as a herd
# does, and each brings its backlog in many small batches.
HERD_SYNC = {"CHECKOUT_SYNC_BATCH_SIZE": "10", "CHECKOUT_SYNC_BACKOFF_INITIAL_S": "0.5",
             "CHECKOUT_SYNC_BACKOFF_MAX_S": "1"}
# A backend of head office's in the middle of a batch: inside the ingest statement, or
# between its statements (head office holds no other transaction open).
INGESTING = """
SELECT pid FROM pg_stat_activity
WHERE datname = $1 AND pid <> pg_backend_pid()
  AND (state = 'idle in transaction' OR (state = 'active' AND query ILIKE '%hq_batches%'))
"""


async def ingesting(conn: asyncpg.Connection, database: str, within_s: float) -> list[int]:
    """The pids of head office's backends caught mid-batch within the time (maybe none)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        pids = [row["pid"] for row in await conn.fetch(INGESTING, database)]
        if pids:
            return pids
        await asyncio.sleep(0.005)
    return []


# A batch taken twice leaves a "replay" in the ledger: an hq_batches row none of whose rows is
# held under it (every row already present), as a redelivered or republished message does.
REPLAYS = """
SELECT count(*) FROM hq_batches AS b WHERE b.rows > 0 AND NOT EXISTS (
    SELECT 1 FROM central_orders AS o WHERE o.store_id = b.store_id AND o.batch_id = b.batch_id)
"""


def herd_tries_bound(kiosks: int, outage_s: float) -> int:
    """At most how many deliveries a store with HERD_SYNC tries while head office (or the
    bus) is away for `outage_s`: the kiosks in flight when it went, then one probe per
    backoff delay."""
    in_flight = min(Settings().sync_parallel_kiosks, kiosks)
    backoff = Backoff(float(HERD_SYNC["CHECKOUT_SYNC_BACKOFF_INITIAL_S"]),
                      float(HERD_SYNC["CHECKOUT_SYNC_BACKOFF_MAX_S"]))
    return in_flight + backoff.most_attempts_within(outage_s)


@dataclass(frozen=True)
class ChainProfile:
    """How many stores, how hard, how long: `ci` within minutes in the suite, `long` a night."""

    stores: int
    kiosks: int               # per store
    rate_per_s: float         # per kiosk
    hq_kills: int             # SIGKILLs that land mid-ingest
    terminations: int         # database connections terminated mid-batch
    refuse_s: float           # the database refusing connections
    outage_s: float           # head office down while every store sells
    drain_bound_s: float
    bus_stores: int = 4       # store edges in a run over the bus (two ingest processes too)
    ingest_kills: int = 10    # SIGKILLs of the ingest: half before a commit, half after
    edge_kills: int = 3       # store edges SIGKILLed while they publish (bus_republish)


def with_(profile: "ChainProfile", **changes) -> "ChainProfile":
    """The profile with the figures given (from the command line) changed."""
    return dataclasses.replace(profile, **{k: v for k, v in changes.items() if v is not None})


CHAIN_PROFILES = {
    "ci": ChainProfile(stores=8, kiosks=2, rate_per_s=3, hq_kills=20, terminations=10,
                       refuse_s=5, outage_s=15, drain_bound_s=60),
    "long": ChainProfile(stores=16, kiosks=4, rate_per_s=4, hq_kills=300, terminations=200,
                         refuse_s=60, outage_s=300, drain_bound_s=300, bus_stores=16,
                         ingest_kills=200, edge_kills=30),
}


@dataclass(frozen=True)
class RiddenOutage:
    """How long a regional outage lasted, how long the herd took to drain after, and whether
    every store drained within the bound."""

    outage_s: float
    drain_s: float
    drained: bool


@dataclass
class ChainOutcome:
    """What one chain scenario did (its measures) and what the checker said."""

    scenario: str
    broken: str | None
    drain_s: float | None = None
    measures: dict = field(default_factory=dict)
    orders: dict = field(default_factory=dict)
    check: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # what the scenario itself saw wrong

    @property
    def clean(self) -> bool:
        """No finding, nothing wrong seen, and a drain within its bound."""
        return bool(self.check.get("clean")) and not self.problems and self.drain_s is not None

    def findings(self) -> dict[str, int]:
        """Each kind of finding, summed over the stores."""
        totals: dict[str, int] = {}
        for report in self.check.get("stores", {}).values():
            for kind, uuids in report["findings"].items():
                totals[kind] = totals.get(kind, 0) + len(uuids)
        return totals

    def as_json(self) -> dict:
        """For --json and the README's table."""
        return {"scenario": self.scenario, "broken": self.broken, "clean": self.clean,
                "drain_s": self.drain_s, "measures": self.measures, "orders": self.orders,
                "findings": self.findings(), "problems": self.problems}


class ChainRun:
    """One scenario's chain, its history, its timings and its outcome."""

    def __init__(self, scenario: str, profile: ChainProfile, workdir: Path, database: str,
                 broken: str | None = None, hq_env: dict | None = None,
                 edge_env: dict | None = None, flip_probability: float = 0.1,
                 bus: BusOptions | None = None):
        self.scenario, self.profile, self.workdir = scenario, profile, workdir
        self.database = database
        self.outcome = ChainOutcome(scenario, broken)
        fleet = FleetOptions(
            base_url="http://127.0.0.1", operator_token="", kiosks=profile.kiosks,
            rate_per_s=profile.rate_per_s, duration_s=24 * 3600, settle_s=30,
            heartbeat_s=1.0, flip_probability=flip_probability, request_timeout_s=3.0,
            backoff_max_s=0.5)
        hq_env = {**(hq_env or {}), **({"CHECKOUT_FAULT_INJECTION": broken} if broken else {})}
        self.chain = Chain(ChainOptions(profile.stores, fleet, bus=bus), workdir, database,
                           edge_env=edge_env, hq_env=hq_env)
        self.history_path = workdir / "history.jsonl"
        self.drain_from: float | None = None  # when the drain began, if not at the heal

    def say(self, line: str) -> None:
        say(f"[{self.scenario}] {line}")

    def end_sales(self) -> None:
        """No new sale from now on, at any store (those in flight still get answered)."""
        for fleet in self.chain.fleets.values():
            fleet.end_sales_now()

    async def ride_out_outage(self, take_down, door, bring_back) -> "RiddenOutage":
        """A regional outage: trading as usual a while, then the service taken down
        (`await take_down()`) for the profile's outage_s while `door` counts who knocks, the
        sales ended (the backlog is what the outage left), the service brought back (`await
        bring_back()`) and every store healed, the herd at once."""
        await asyncio.sleep(3)  # trading as usual first
        await take_down()
        await door.start()
        began = time.monotonic()
        await asyncio.sleep(self.profile.outage_s)
        await door.stop()
        outage_s = time.monotonic() - began
        self.end_sales()
        await bring_back()
        self.drain_from = time.monotonic()
        healed = await self.chain.heal(self.profile.drain_bound_s)
        return RiddenOutage(outage_s, time.monotonic() - self.drain_from,
                            all(healed.values()))

    async def run(self, damage) -> ChainOutcome:
        """Start, sell beside `damage(run)`, heal, stop, check."""
        try:
            await self.chain.start(self.say)
            with HistoryWriter(self.history_path) as history:
                async with aiohttp.ClientSession(
                        connector=aiohttp.TCPConnector(limit=0)) as session:
                    await self.chain.prepare_fleets(session, history)
                    await self.chain.sell(self.say, lambda chain: damage(self))
                    await self._heal_timed()
        finally:
            await self.chain.stop()
        self.outcome.orders = _orders(self.chain.sold)
        report = check_chain(self.history_path, self.workdir, await read_postgres(
            self.database), expect_drained=True)
        self.outcome.check = report.as_json()
        self.say(report.text())
        return self.outcome

    async def _heal_timed(self) -> None:
        started = time.monotonic()
        healed = await self.chain.heal(self.profile.drain_bound_s)
        if all(healed.values()):
            self.outcome.drain_s = round(time.monotonic() - (self.drain_from or started), 2)
        self.say(f"healed: drain {self.outcome.drain_s} s (bound {self.profile.drain_bound_s}"
                 f" s); not drained: {[s for s, ok in healed.items() if not ok]}")


async def replays(database: str) -> int:
    """Batches the ledger took again with every row already present."""
    conn = await asyncpg.connect(database)
    try:
        return await conn.fetchval(REPLAYS)
    finally:
        await conn.close()


async def replays_at_least(outcome: ChainOutcome, database: str, expected: int,
                          what: str) -> None:
    """Put the ledger's replays in the outcome's measures; a problem if there are fewer than
    `expected` (each of `what` should have left one)."""
    again = outcome.measures["replays_already_present"] = await replays(database)
    if again < expected:
        outcome.problems.append(f"{expected} {what}, but only {again} batches came back "
                                "already present")


def bus_run(name: str, profile: ChainProfile, workdir: Path, database: str, bus: BusOptions,
            **more) -> ChainRun:
    """A scenario's run over the bus, with the profile's count of stores for the bus."""
    return ChainRun(name, dataclasses.replace(profile, stores=profile.bus_stores), workdir,
                    database, bus=bus, **more)


def _orders(sold: dict[str, dict]) -> dict[str, int]:
    """The sales of every store, summed by outcome."""
    totals: dict[str, int] = {}
    for summary in sold.values():
        for kind, count in summary["orders"].items():
            totals[kind] = totals.get(kind, 0) + count
    return totals
