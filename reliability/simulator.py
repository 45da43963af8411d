"""A fleet of simulated kiosks against a real edge on this machine, recorded as a history.

Each kiosk keeps its socket and heartbeats (flipping its central link on a schedule or at
random) and sells at a steady rate, each sale with a fresh idempotency key. A sale the edge
does not answer (connection refused or reset, a timeout, a 5xx, a 429, a 409
request_in_progress) is sent again with the same key, with capped backoff, until it is
answered or the run's deadline passes; it is then recorded `unknown`. So the run rides
through an edge that is killed and started again on the same port. At the end the kiosks
are retired (unless kept), so they leave the wallboard.
"""
import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from reliability.edge_client import EdgeClient
from reliability.history import HistoryWriter
from reliability.sim_kiosk import SimKiosk
from reliability.tool_help import ToolHelp
from server.web.fields import KIOSK_ID

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class FleetOptions:
    """What to simulate; `duration_s` always bounds the run, `max_orders` may end it sooner."""
    base_url: str
    operator_token: str
    kiosks: int = 3
    rate_per_s: float = 1.0  # new sales per second, per kiosk
    duration_s: float = 60.0  # no new sale starts after this
    max_orders: int | None = None  # fleet-wide, started sales
    settle_s: float = 15.0  # after the last new sale, time left to get every answer
    heartbeat_s: float = 5.0
    flip_every_s: float | None = None
    flip_probability: float = 0.0  # per heartbeat
    seed: int | None = None  # carts, arrivals and link flips (keys are always fresh)
    request_timeout_s: float = 5.0
    backoff_max_s: float = 2.0
    max_in_flight: int = 16  # per kiosk: a kiosk serves only so many shoppers at once
    kiosk_prefix: str = "sim"
    heal_timeout_s: float | None = None  # then: every link up, wait until nothing is pending
    retire_when_done: bool = False  # then: retire our kiosks, so they leave the wallboard

    def validate(self) -> None:
        """Refuse options that would talk to another machine or never end."""
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or parts.hostname not in LOCAL_HOSTS:
            raise ValueError(f"the simulator talks only to this machine, not {self.base_url!r}")
        if not (self.kiosks >= 1 and self.rate_per_s > 0 and 0 < self.duration_s < float("inf")):
            raise ValueError("need kiosks >= 1, rate > 0 and a finite duration > 0")
        if self.max_orders is not None and self.max_orders < 1:
            raise ValueError("max_orders must be at least 1")
        if min(self.heartbeat_s, self.request_timeout_s, self.max_in_flight) <= 0 or (
                self.settle_s < 0 or (self.heal_timeout_s or 0) < 0):
            raise ValueError("heartbeat, timeouts and in-flight must be positive")
        if not 0 <= self.flip_probability <= 1 or (self.flip_every_s or 1) <= 0:
            raise ValueError("flip probability is 0..1 and flip-every is positive")
        if not KIOSK_ID.regex.fullmatch(f"{self.kiosk_prefix}-{self.kiosks}"):
            raise ValueError(f"{self.kiosk_prefix!r} does not make valid kiosk ids")


@dataclass
class FleetStats:
    """Counters the progress line and the summary show."""
    started: int = 0
    ok: int = 0
    fail: int = 0
    unknown: int = 0
    replayed: int = 0
    retried_sales: int = 0
    reconnects: int = 0
    heartbeats: int = 0
    acks: int = 0
    link_flips: int = 0
    fail_codes: Counter = field(default_factory=Counter)
    socket_errors: Counter = field(default_factory=Counter)

    @property
    def in_flight(self) -> int:
        """Sales sent but not yet answered (nor given up)."""
        return self.started - self.ok - self.fail - self.unknown


class Fleet:
    """One run: its clock and bounds, the edge client, the counters, the history, the kiosks."""

    def __init__(self, options: FleetOptions, session: aiohttp.ClientSession,
                 history: HistoryWriter | None, store_id: str | None = None):
        self.options, self.history, self.store_id = options, history, store_id
        self.stats = FleetStats()
        self.started_at = time.monotonic()
        self.window_end = self.started_at + options.duration_s
        self.deadline = self.window_end + options.settle_s
        self.client = EdgeClient(session, options.base_url, options.request_timeout_s,
                                 options.backoff_max_s)
        self.kiosks: list[SimKiosk] = []

    def record(self, event_type: str, kiosk_id: str, key: str, **fields) -> None:
        """Append to the history, if there is one (in a chain, tagged with the store)."""
        if self.history is not None:
            tag = {"store_id": self.store_id} if self.store_id else {}
            self.history.record(event_type, kiosk_id, key, **tag, **fields)

    async def prepare(self) -> None:
        """Fetch the catalog and enrol the kiosks (enrolling again rotates their tokens)."""
        token = self.options.operator_token
        catalog, _ = await self.client.call("GET", "/catalog", token, self.window_end)
        if catalog is None or catalog.status != 200:
            raise RuntimeError(f"no catalog from {self.options.base_url}: {catalog}")
        for index in range(1, self.options.kiosks + 1):
            kiosk_id = f"{self.options.kiosk_prefix}-{index}"
            issued, _ = await self.client.call("POST", f"/admin/kiosks/{kiosk_id}/enrol",
                                               token, self.window_end)
            if issued is None or issued.status != 200:
                raise RuntimeError(f"could not enrol {kiosk_id}: {issued}")
            self.kiosks.append(SimKiosk(self, kiosk_id, issued.body["token"],
                                        catalog.body["items"]))

    def end_sales_now(self) -> None:
        """Start no new sale from now on (the torture runs end the load when their damage is
        done); sales in flight still get `settle_s` to be answered."""
        self.window_end = min(self.window_end, time.monotonic())
        self.deadline = self.window_end + self.options.settle_s

    def may_start_sale(self) -> bool:
        """Count one more sale if the run's bounds allow it."""
        limit = self.options.max_orders
        if time.monotonic() >= self.window_end or (limit and self.stats.started >= limit):
            return False
        self.stats.started += 1
        return True

    def progress_line(self) -> str:
        """One line about the run so far."""
        stats, elapsed = self.stats, time.monotonic() - self.started_at
        down = sum(not kiosk.link_up for kiosk in self.kiosks)
        return (f"[{elapsed:6.1f}s] ok={stats.ok} fail={stats.fail} unknown={stats.unknown} "
                f"in-flight={stats.in_flight} rate={stats.ok / max(elapsed, 1e-9):.1f}/s "
                f"retries={self.client.retries} reconnects={stats.reconnects} "
                f"links-down={down}/{len(self.kiosks)}")

    async def run(self, progress: Callable[[str], None] | None) -> dict:
        """Sell until the bounds, wait for the answers, stop the sockets, maybe heal."""
        sockets = [asyncio.create_task(kiosk.keep_socket()) for kiosk in self.kiosks]
        reporter = asyncio.create_task(self._report(progress)) if progress else None
        try:
            await asyncio.gather(*(kiosk.sell_at_rate() for kiosk in self.kiosks))
        finally:
            for task in [*sockets, reporter]:
                if task is not None:
                    task.cancel()
            await asyncio.gather(*sockets, *filter(None, [reporter]), return_exceptions=True)
        healed = await self.heal() if self.options.heal_timeout_s is not None else None
        if self.options.retire_when_done:
            await self.retire()
        if progress:
            progress(self.progress_line())
        return self.summary(healed)

    async def _report(self, progress: Callable[[str], None]) -> None:
        while True:
            await asyncio.sleep(1.0)
            progress(self.progress_line())

    async def heal(self) -> bool:
        """Bring every link up and wait until none of our kiosks has a sale pending."""
        deadline = time.monotonic() + self.options.heal_timeout_s
        for kiosk in self.kiosks:
            kiosk.link_up = True
            await self.client.call("POST", "/edge/heartbeat", kiosk.token, deadline,
                                   {"central_link_up": True})
        ours = {kiosk.kiosk_id for kiosk in self.kiosks}
        while time.monotonic() < deadline:
            answer, _ = await self.client.call("GET", "/dashboard/kiosks",
                                               self.options.operator_token, deadline)
            if answer is not None and answer.status == 200 and not sum(
                    row["pending_count"] for row in answer.body["kiosks"]
                    if row["kiosk_id"] in ours):
                return True
            await asyncio.sleep(0.1)
        return False

    async def retire(self) -> None:
        """Retire our kiosks, so they leave the wallboard (their sales stay and still sync)."""
        deadline = time.monotonic() + self.options.request_timeout_s * 2
        for kiosk in self.kiosks:
            answer, _ = await self.client.call("POST", f"/admin/kiosks/{kiosk.kiosk_id}/retire",
                                               self.options.operator_token, deadline)
            if answer is None or answer.status != 200:  # shown in the summary's fail codes
                self.stats.fail_codes["retire_failed"] += 1

    def summary(self, healed: bool | None) -> dict:
        """What the run did, for people and for the torture runner."""
        stats, elapsed = self.stats, time.monotonic() - self.started_at
        return {
            "base_url": self.options.base_url,
            "kiosks": [kiosk.kiosk_id for kiosk in self.kiosks],
            "elapsed_s": round(elapsed, 3),
            "orders": {"started": stats.started, "ok": stats.ok, "fail": stats.fail,
                       "unknown": stats.unknown, "replayed": stats.replayed,
                       "retried": stats.retried_sales},
            "ok_per_s": round(stats.ok / max(elapsed, 1e-9), 2),
            "fail_codes": dict(stats.fail_codes),
            "retries": self.client.retries,
            "reconnects": stats.reconnects,
            "heartbeats": stats.heartbeats,
            "acks": stats.acks,
            "link_flips": stats.link_flips,
            "socket_errors": dict(stats.socket_errors),
            "history": str(self.history.path) if self.history is not None else None,
            "healed": healed,
        }


async def run_fleet(options: FleetOptions, history_writer: HistoryWriter | None,
                    progress: Callable[[str], None] | None = None) -> dict:
    """Run one bounded fleet simulation in this event loop; return its summary."""
    options.validate()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        fleet = Fleet(options, session, history_writer)
        await fleet.prepare()
        return await fleet.run(progress)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of scripts/simulate."""
    parser = argparse.ArgumentParser(prog="simulate", description=__doc__.splitlines()[0],
                                     formatter_class=ToolHelp)
    add = parser.add_argument
    add("--url", default="http://127.0.0.1:8080", help="the edge (this machine only)")
    add("--token", required=True, help="an operator token (enrols the simulated kiosks)")
    add_fleet_arguments(parser, "how many kiosks: sim-1 .. sim-N", settle_s=15.0,
                        heartbeat_s=5.0, history="history.jsonl")
    add("--max-orders", type=int,
        help="stop starting sales after this many, all kiosks together (default: no limit)")
    add("--kiosk-prefix", default="sim", help="kiosk ids are PREFIX-1 .. PREFIX-N")
    add("--keep-kiosks", action="store_true", help="leave the simulated kiosks enrolled at the "
        "end (default: retired, so they leave the wallboard; their sales stay and still sync)")
    return parser.parse_args(argv)


def add_fleet_arguments(parser: argparse.ArgumentParser, kiosks_help: str, settle_s: float,
                        heartbeat_s: float, history: str) -> None:
    """The options of a fleet of simulated kiosks, one store's or each of a chain's."""
    add = parser.add_argument
    add("--kiosks", type=int, default=3, help=kiosks_help)
    add("--rate", type=float, default=1.0, help="new sales per second per kiosk")
    add("--duration", type=float, default=60.0, help="seconds during which sales start")
    add("--settle", type=float, default=settle_s, help="seconds after that to get every answer")
    add("--heartbeat", type=float, default=heartbeat_s, help="seconds between heartbeats")
    add("--flip-every", type=float, metavar="S",
        help="turn each kiosk's link to head office off and on every S seconds (default: never)")
    add("--flip-probability", type=float, default=0.0, help="chance to flip per heartbeat")
    add("--seed", type=int,
        help="makes carts, arrivals and flips the same from run to run (default: random)")
    add("--history", default=history, help="JSONL file the events are appended to")
    add("--heal", type=float, metavar="S",
        help="at the end: every link up, and wait up to S s for every sale to reach head "
        "office (default: no heal)")
    add("--timeout", type=float, default=5.0, help="seconds per request")


def main(argv: list[str] | None = None) -> int:
    """Run the simulator from the command line: progress on stderr, the summary on stdout."""
    args = parse_args(argv)
    options = FleetOptions(
        base_url=args.url, operator_token=args.token, kiosks=args.kiosks, rate_per_s=args.rate,
        duration_s=args.duration, max_orders=args.max_orders, settle_s=args.settle,
        heartbeat_s=args.heartbeat, flip_every_s=args.flip_every,
        flip_probability=args.flip_probability, seed=args.seed, request_timeout_s=args.timeout,
        kiosk_prefix=args.kiosk_prefix, heal_timeout_s=args.heal,
        retire_when_done=not args.keep_kiosks)
    try:
        options.validate()
        with HistoryWriter(args.history) as history:
            summary = asyncio.run(run_fleet(options, history, progress=_to_stderr))
    except (ValueError, RuntimeError) as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Every line is flushed: sales sent but unanswered read as unknown in the history.
        print(f"simulate: interrupted; the history so far is in {args.history}", file=sys.stderr)
        return 130
    print(json.dumps(summary, indent=2))
    return 0


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)

