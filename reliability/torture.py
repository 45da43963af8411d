"""Torture runs: the real edge under load, crashed and cut off on purpose, then checked.

Each scenario runs `python -m server` as a process on a throwaway data dir, drives it with the
fleet simulator (which records a history), does its damage, heals (every link up, the backlog
drained, timed), and hands the history and both SQLite files to the checker:

- `crashes`: SIGKILL the edge at random moments during the load, run `PRAGMA
  integrity_check` on both files, start it again on the same data dir; repeat;
- `link_chaos`: links flap at random while the edge kills itself, now and then, between
  central's commit and its own mark (`crash_after_central_commit`); a watchdog restarts it.

`broken` runs the same scenario against a deliberately wrong edge (see server/faults.py):
the checker must then fail. `encrypted` runs it on SQLCipher files: a fresh key file in the
workdir, the edge started with it, and every check here keyed with it (a cipher integrity
check too). The disk-full scenario lives in reliability/disk_full.py.
"""
import asyncio
import json
import random
import secrets
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from reliability.checker import check
from reliability.edge_process import Edge, EdgeDied
from reliability.history import HistoryWriter
from reliability.simulator import Fleet, FleetOptions
from server.encryption import DatabaseKey, write_key_file
from server.sqlite_open import open_connection

EDGE_DB, CENTRAL_DB = "edge_store.db", "central_hq.db"
KEY_FILE = "store.key"
MAX_STARTS = 100


@dataclass(frozen=True)
class Profile:
    """How hard and how long: `ci` runs in CI within minutes, `long` overnight."""

    crashes: int
    kiosks: int
    rate_per_s: float
    crash_gap_s: tuple[float, float]
    chaos_s: float
    chaos_crash_probability: float
    drain_bound_s: float


PROFILES = {
    "ci": Profile(crashes=50, kiosks=4, rate_per_s=8, crash_gap_s=(0.05, 0.4), chaos_s=20,
                  chaos_crash_probability=0.1, drain_bound_s=30),
    "long": Profile(crashes=1000, kiosks=16, rate_per_s=10, crash_gap_s=(0.05, 1.5),
                    chaos_s=900, chaos_crash_probability=0.05, drain_bound_s=120),
}


@dataclass
class Outcome:
    """What one scenario did and what the checker said."""

    scenario: str
    broken: str | None
    encrypted: bool = False
    crashes: int = 0
    integrity_checks: int = 0
    drain_s: float | None = None
    fleet: dict = field(default_factory=dict)
    check: dict = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """No finding and a drain within its bound (a failed integrity check raises)."""
        return bool(self.check.get("clean")) and self.drain_s is not None

    def as_json(self) -> dict:
        """For --json and the README's table."""
        return {"scenario": self.scenario, "broken": self.broken,
                "encrypted": self.encrypted, "clean": self.clean,
                "crashes": self.crashes, "integrity_checks": self.integrity_checks,
                "drain_s": self.drain_s, "orders": self.fleet.get("orders"),
                "findings": {k: len(v) for k, v in self.check.get("findings", {}).items()},
                "set_aside": len(self.check.get("set_aside", []))}


def integrity_check(data_dir: Path, key: DatabaseKey | None = None) -> None:
    """Both files pass `PRAGMA integrity_check` (opened as the edge would, replaying the WAL,
    keyed when encrypted) and, when encrypted, `PRAGMA cipher_integrity_check` too."""
    for name in (EDGE_DB, CENTRAL_DB):
        path = data_dir / name
        if not path.exists():
            continue
        with closing(open_connection(path, key)) as conn:
            # Every page's HMAC first: it names a torn encrypted page, which the b-tree check
            # would only call "malformed" (or never read).
            cipher = conn.execute("PRAGMA cipher_integrity_check").fetchall() if key else []
            if cipher:
                raise AssertionError(f"{name} failed its cipher integrity check: {cipher[:5]}")
            result = conn.execute("PRAGMA integrity_check").fetchall()
        if [tuple(row) for row in result] != [("ok",)]:
            raise AssertionError(f"{name} failed its integrity check: {result[:5]}")


def say(line: str) -> None:
    """Progress for people, on stderr."""
    print(line, file=sys.stderr, flush=True)


class Run:
    """One scenario: its edge process, its fleet, its history, and the crashes it survived."""

    def __init__(self, scenario: str, profile: Profile, workdir: Path, broken: str | None,
                 faults: str = "", encrypted: bool = False):
        self.scenario, self.profile, self.workdir = scenario, profile, workdir
        self.outcome = Outcome(scenario, broken, encrypted)
        spec = ",".join(filter(None, [faults, broken]))
        env = {"CHECKOUT_RATE_LIMITS": "off", "CHECKOUT_FAULT_INJECTION": spec,
               "CHECKOUT_SYNC_SWEEP_INTERVAL_S": "0.2", "CHECKOUT_SYNC_BACKOFF_MAX_S": "1",
               "CHECKOUT_HEARTBEAT_TIMEOUT_S": "5"}
        self.key = None
        if encrypted:  # beside the data dir, not in it: a store keeps its key apart
            self.key = write_key_file(workdir / KEY_FILE, secrets.token_hex(32))
            env["CHECKOUT_STORE_ENCRYPTION_KEY_FILE"] = str(self.key.source)
        self.edge = Edge(workdir / "data", env)
        self.history_path = workdir / "history.jsonl"
        self._restarting = asyncio.Lock()  # the crash loop and the watchdog take turns

    def _restart(self, kill: bool) -> None:
        if kill:
            self.edge.kill()
        for _ in range(MAX_STARTS):
            self.outcome.crashes += 1
            integrity_check(self.edge.data_dir, self.key)
            self.outcome.integrity_checks += 1
            try:
                self.edge.start()
                return
            except EdgeDied:
                pass  # a fault point fired during its first sweep: one more crash survived
        raise AssertionError(f"the edge died on each of {MAX_STARTS} starts in a row")

    async def restart(self, kill: bool) -> None:
        """Kill (or find dead) the edge, check both files, start it again."""
        async with self._restarting:
            if kill or not self.edge.running:
                await asyncio.to_thread(self._restart, kill)

    async def crash_at_random(self, fleet: Fleet) -> None:
        """SIGKILL the edge `profile.crashes` times at random moments, then end the load."""
        low, high = self.profile.crash_gap_s
        while self.outcome.crashes < self.profile.crashes:
            await asyncio.sleep(random.uniform(low, high))
            await self.restart(kill=True)
            if self.outcome.crashes % 10 == 0:
                say(f"[{self.scenario}] crash {self.outcome.crashes}/{self.profile.crashes}: "
                    f"{fleet.progress_line()}")
        fleet.end_sales_now()

    async def restart_when_dead(self, stop: asyncio.Event) -> None:
        """A watchdog: an edge that killed itself (a fault point) is checked and restarted."""
        while not stop.is_set():
            if not self.edge.running:
                await self.restart(kill=False)
            await asyncio.sleep(0.05)

    async def heal_timed(self, fleet: Fleet) -> None:
        """Every link up; time until none of the fleet's sales is pending (within the bound)."""
        fleet.options.heal_timeout_s = self.profile.drain_bound_s
        started = time.monotonic()
        if await fleet.heal():
            self.outcome.drain_s = round(time.monotonic() - started, 2)
        say(f"[{self.scenario}] healed: drain {self.outcome.drain_s} s "
            f"(bound {self.profile.drain_bound_s} s)")


async def _simulate(run: Run, options: FleetOptions, damage) -> None:
    """Run the fleet beside `damage(fleet)`, then heal and check."""
    with HistoryWriter(run.history_path) as history:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            fleet = Fleet(options, session, history)
            await fleet.prepare()
            stop = asyncio.Event()
            watchdog = asyncio.create_task(run.restart_when_dead(stop))
            try:
                damaging = asyncio.create_task(damage(fleet))
                run.outcome.fleet = await fleet.run(lambda line: say(f"[{run.scenario}] {line}"))
                await damaging
                await run.heal_timed(fleet)
            finally:
                stop.set()
                await watchdog
    run.edge.stop()
    integrity_check(run.edge.data_dir, run.key)
    report = check(run.history_path, run.edge.data_dir / EDGE_DB,
                   run.edge.data_dir / CENTRAL_DB, expect_drained=True, key=run.key)
    run.outcome.check = report.as_json()
    say(report.text())


async def crashes(profile: Profile, workdir: Path, broken: str | None = None,
                  encrypted: bool = False) -> Outcome:
    """Kill -9 during checkout load, `profile.crashes` times, then heal and check."""
    run = Run("crashes", profile, workdir, broken, encrypted=encrypted)
    run.edge.start()
    options = FleetOptions(
        base_url=run.edge.url, operator_token=run.edge.token("operator"),
        kiosks=profile.kiosks, rate_per_s=profile.rate_per_s, duration_s=3600, settle_s=20,
        heartbeat_s=1.0, flip_probability=0.2, request_timeout_s=2.0, backoff_max_s=0.5)
    await _simulate(run, options, run.crash_at_random)
    return run.outcome


async def link_chaos(profile: Profile, workdir: Path, broken: str | None = None,
                     encrypted: bool = False) -> Outcome:
    """Links flapping during load while the edge dies between central's commit and its own
    mark now and then; heal; the backlog drains within the bound; check."""
    faults = f"crash_after_central_commit:{profile.chaos_crash_probability}"
    run = Run("link_chaos", profile, workdir, broken, faults, encrypted)
    run.edge.start()
    options = FleetOptions(
        base_url=run.edge.url, operator_token=run.edge.token("operator"),
        kiosks=profile.kiosks, rate_per_s=profile.rate_per_s, duration_s=profile.chaos_s,
        settle_s=20, heartbeat_s=0.5, flip_probability=0.3, request_timeout_s=2.0,
        backoff_max_s=0.5)

    async def nothing_more(fleet):
        """The damage is the flapping links and the fault point."""

    await _simulate(run, options, nothing_more)
    return run.outcome


SCENARIOS = {"crashes": crashes, "link_chaos": link_chaos}


def write_json(path: Path, outcomes: list[Outcome]) -> None:
    """The outcomes as JSON, for tools and for the README's table."""
    path.write_text(json.dumps([o.as_json() for o in outcomes], indent=2) + "\n")
