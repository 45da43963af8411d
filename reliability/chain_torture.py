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

`broken="hq_ack_before_commit"` runs `hq_crashes` against a head office that answers before
it commits: the checker must catch the sales it loses.
"""
import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from reliability.chain import Chain, ChainOptions
from reliability.chain_checker import check_chain
from reliability.history import HistoryWriter
from reliability.hq_holdings import read_postgres
from reliability.simulator import FleetOptions
from reliability.torture import say


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


def with_(profile: "ChainProfile", **changes) -> "ChainProfile":
    """The profile with the figures given (from the command line) changed."""
    return dataclasses.replace(profile, **{k: v for k, v in changes.items() if v is not None})


CHAIN_PROFILES = {
    "ci": ChainProfile(stores=8, kiosks=2, rate_per_s=3, hq_kills=20, terminations=10,
                       refuse_s=5, outage_s=15, drain_bound_s=60),
    "long": ChainProfile(stores=16, kiosks=4, rate_per_s=4, hq_kills=300, terminations=200,
                         refuse_s=60, outage_s=300, drain_bound_s=300),
}


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
                 edge_env: dict | None = None, flip_probability: float = 0.1):
        self.scenario, self.profile, self.workdir = scenario, profile, workdir
        self.database = database
        self.outcome = ChainOutcome(scenario, broken)
        fleet = FleetOptions(
            base_url="http://127.0.0.1", operator_token="", kiosks=profile.kiosks,
            rate_per_s=profile.rate_per_s, duration_s=24 * 3600, settle_s=30,
            heartbeat_s=1.0, flip_probability=flip_probability, request_timeout_s=3.0,
            backoff_max_s=0.5)
        hq_env = {**(hq_env or {}), **({"CHECKOUT_FAULT_INJECTION": broken} if broken else {})}
        self.chain = Chain(ChainOptions(profile.stores, fleet), workdir, database,
                           edge_env=edge_env, hq_env=hq_env)
        self.history_path = workdir / "history.jsonl"
        self.drain_from: float | None = None  # when the drain began, if not at the heal

    def say(self, line: str) -> None:
        say(f"[{self.scenario}] {line}")

    def end_sales(self) -> None:
        """No new sale from now on, at any store (those in flight still get answered)."""
        for fleet in self.chain.fleets.values():
            fleet.end_sales_now()

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


def _orders(sold: dict[str, dict]) -> dict[str, int]:
    """The sales of every store, summed by outcome."""
    totals: dict[str, int] = {}
    for summary in sold.values():
        for kind, count in summary["orders"].items():
            totals[kind] = totals.get(kind, 0) + count
    return totals
