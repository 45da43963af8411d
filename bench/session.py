"""One benchmark run's shared state: its sizes, its edge and data dir, its tokens, and what
every section measured so far."""
import asyncio
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.fleet import enrol_kiosks, force_links_down, issue_wallboard_tokens, kiosk_names
from bench.processes import BenchEdge
from bench.progress import say


@dataclass(frozen=True)
class Sizes:
    """How big and how long: the full run, or --quick for CI."""

    wrk_s: float             # one wrk measurement
    warmup_s: float          # a wrk run thrown away before each measured one
    backlog: int             # pending sales to drain
    drain_kiosks: int
    drain_cap_s: float       # give up on a drain after this long
    sockets: int
    sockets_per_worker: int  # kiosk sockets per client process (its fd limit is 20,000)
    beat_interval_s: float
    beat_hold_s: float       # how long every socket heartbeats
    dashboards: int
    load_kiosks: int         # the kiosks wrk sells from, in turn
    settle_s: float          # quiet time before reading a process's memory
    hq_stores: int           # simulated stores delivering to head office
    hq_rows: int             # new rows they deliver, in batches of hq_batch_rows
    hq_batch_rows: int
    hq_at_once: int          # stores delivering at the same time
    hq_herd_stores: int      # stores reconnecting at once, each with hq_herd_rows pending
    hq_herd_rows: int
    hq_single_sales: int     # one-sale batches, as stores send while their links are up
    encryption_rounds: int   # plain and encrypted edges in turn, this many times each
    encryption_wrk_s: float  # one checkout measurement of each in a round
    encryption_backlog: int  # pending sales each drains in a round


FULL = Sizes(wrk_s=20, warmup_s=3, backlog=100_000, drain_kiosks=50, drain_cap_s=300,
             sockets=10_000, sockets_per_worker=2_500, beat_interval_s=5, beat_hold_s=30,
             dashboards=100, load_kiosks=8, settle_s=2, hq_stores=500, hq_rows=1_000_000,
             hq_batch_rows=1000, hq_at_once=64, hq_herd_stores=500, hq_herd_rows=2000,
             hq_single_sales=10_000, encryption_rounds=3, encryption_wrk_s=10,
             encryption_backlog=100_000)
QUICK = Sizes(wrk_s=4, warmup_s=1, backlog=2_000, drain_kiosks=50, drain_cap_s=60,
              sockets=200, sockets_per_worker=100, beat_interval_s=5, beat_hold_s=6,
              dashboards=10, load_kiosks=4, settle_s=1, hq_stores=16, hq_rows=16_000,
              hq_batch_rows=1000, hq_at_once=8, hq_herd_stores=16, hq_herd_rows=2000,
              hq_single_sales=400, encryption_rounds=1, encryption_wrk_s=1,
              encryption_backlog=500)
PROBE_KIOSK = "bench-probe"


@dataclass
class Session:
    """The edge under test (one data dir for the whole run) and everything measured."""

    sizes: Sizes
    keep: bool = False       # --keep: the data dir, the logs and head office's databases
    nats_url: str = ""       # --nats: the NATS server with JetStream of the hq section's bus
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="aoc-bench-")))
    key_file: Path | None = None  # the edge's files encrypted with this key (None: plain)
    figures: dict = field(default_factory=dict)   # the --json keys
    details: dict = field(default_factory=dict)   # per section: what stands behind them
    series: dict = field(default_factory=dict)    # label -> [[percentile, ms], ...]
    load_tokens: list = field(default_factory=list)
    wallboard_tokens: list = field(default_factory=list)  # one per wallboard, as in a store
    probe_token: str = ""
    http: aiohttp.ClientSession | None = None
    first_start_s: float | None = None
    idle_rss_kb: int | None = None

    def __post_init__(self):
        self.edge = BenchEdge(self.work / "data", self.key_file)

    async def begin(self) -> None:
        """First start on an empty data dir (the footprint's start), then the load kiosks
        (in a staff drill: no sync beside the sale) and the probe kiosk."""
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        say(f"starting the edge on an empty data dir in {self.work}")
        self.edge.start()
        self.first_start_s = round(self.edge.start_s, 3)
        await asyncio.sleep(self.sizes.settle_s)
        self.idle_rss_kb = self.edge.rss_kb()  # the footprint's: asked nothing but /health
        self.operator = self.edge.token("operator")
        load = kiosk_names("bench-load", self.sizes.load_kiosks)

        data_dir, key = self.edge.data_dir, self.edge.key

        async def enrol():
            tokens = await enrol_kiosks(data_dir, key, [*load, PROBE_KIOSK], "setup")
            await force_links_down(data_dir, key, load)
            self.wallboard_tokens = await issue_wallboard_tokens(data_dir, key,
                                                                 self.sizes.dashboards)
            return tokens
        tokens = await self.offline(enrol, measure_start=False)
        self.load_tokens = [tokens[k] for k in load]
        self.probe_token = tokens[PROBE_KIOSK]

    async def offline(self, work, measure_start: bool = True):
        """Stop the edge, run `work()` on its data dir, start it again; `work`'s result."""
        say("stopping the edge to work on its data dir")
        self.edge.stop()
        result = await work()
        self.edge.start()
        say(f"edge started again in {self.edge.start_s:.2f} s")
        if measure_start:
            self.details.setdefault("restarts_s", []).append(round(self.edge.start_s, 3))
        return result

    async def api(self, method: str, path: str, token: str, body=None) -> dict:
        """One JSON call to the edge; an error status raises."""
        async with self.http.request(method, self.edge.url + path, json=body,
                                     headers={"Authorization": f"Bearer {token}"}) as answer:
            answer.raise_for_status()
            return await answer.json()

    async def overview(self) -> dict:
        """GET /dashboard/overview as the operator."""
        return await self.api("GET", "/dashboard/overview", self.operator)

    async def close(self, keep: bool) -> None:
        """Stop what we started; remove the work dir unless asked to keep it."""
        if self.edge.proc is not None:
            self.edge.stop()
        if self.http is not None:
            await self.http.close()
        if keep:
            say(f"kept the data dir and logs in {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)
