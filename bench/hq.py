"""Head office's ingest (`--sections hq`): simulated stores (signing HTTP clients, each with
its own enrolled key) deliver to head office as a real process (`python -m server hq`) on a
database made for the run:

- steady: 1,000,000 new rows in 1,000-row batches from 500 stores, 64 at once, a tenth of
  the batches sent twice: hq_rows_per_s (new rows held per second), hq_batch_p99_ms (a
  batch's POST to its 200);
- herd: 500 stores with 2,000 pending rows each reconnect at once, in batches of the edge's
  sync_batch_size, each honouring 503 + Retry-After with the edge's jittered backoff:
  hq_herd_s until head office holds them all, hq_non503_errors meanwhile;
- single sales: the steady phase's stores each send one-sale batches, as a store whose link
  is up sends each sale as it is made (a chain's busiest hour is this shape: many small
  batches, each a signature, a transaction and a commit), 64 at once:
  hq_single_sales_per_s and hq_single_sale_p99_ms;
- then head office's memory (hq_rss_mb), the most PostgreSQL sessions it held during all
  (hq_db_connections_max), the rows it holds twice (hq_duplicates, counted in PostgreSQL),
  and the bytes the ledger takes per row (in the details);
- then, with head office's HTTP process stopped, the bus (bench/hq_bus.py): the steady
  phase's kind of plan published to NATS JetStream, taken by two `hq ingest` processes on
  the same database: bus_rows_per_s, bus_publish_rows_per_s, bus_ratio beside
  hq_rows_per_s, bus_duplicates;
- last, the steady phase's batches by plain COPY into a fresh database (bench/hq_copy.py):
  hq_copy_rows_per_s, the limit, and hq_ratio beside it.
"""
import asyncio

import aiohttp

from bench.hq_bus import BusBench, record_bus
from bench.hq_copy import measure_copy_limit
from bench.hq_database import BenchDatabases, bytes_stored, most_connections, rows_held
from bench.hq_ingest import Plan, deliver_plan, make_plan
from bench.hq_rows import SalesMaker
from bench.hq_stores import Deliverer, Tally, enrol, make_stores
from bench.processes import BenchHeadOffice, cpu_s
from bench.progress import percentile, percentile_series, rounded, say
from bench.session import Session
from server.config import Settings

# Head office's settings for the run, as CHECKOUT_* variables (none: its defaults).
HQ_ENV: dict[str, str] = {}
GIVE_UP_S = 600.0  # a batch not in by then is counted given up (the edge never gives up)
STEADY_SERIES = "head office, batch POST to 200"
DELIVERED_SERIES = "head office, first try to 200"
SINGLE_SERIES = "head office, one-sale batch POST to 200"


async def measure_hq(session: Session) -> None:
    """Every hq_* and bus_* figure (see the module), on databases dropped at the end unless
    --keep, and a stream of the run's own, deleted at the end."""
    bus = await BusBench.connect(session.nats_url)  # no NATS: fail now, not after the rest
    try:
        databases = await BenchDatabases().open()
        try:
            await _measure(session, databases, bus)
        finally:
            kept = await databases.close(session.keep)
            if kept:
                say(f"hq: kept the databases {', '.join(kept)}")
    finally:
        await bus.close()


async def _measure(session: Session, databases: BenchDatabases, bus: BusBench) -> None:
    sizes, folder = session.sizes, session.work / "hq"
    stores = make_stores(folder / "store-keys", max(sizes.hq_stores, sizes.hq_herd_stores))
    dsn = await databases.create()
    await enrol(dsn, stores)
    say(f"hq: {len(stores)} stores enrolled; making their batches")
    maker = SalesMaker("bench")
    steady = await make_plan(stores[:sizes.hq_stores], maker, sizes.hq_rows, sizes.hq_batch_rows)
    herd = await make_plan(stores[:sizes.hq_herd_stores], maker,
                           sizes.hq_herd_stores * sizes.hq_herd_rows,
                           Settings.sync_batch_size, repeat_every=None)
    single = await make_plan(stores[:sizes.hq_stores], maker, sizes.hq_single_sales, 1,
                             repeat_every=None)
    hq = BenchHeadOffice(folder, dsn, HQ_ENV)
    await asyncio.to_thread(hq.start)
    try:
        async with most_connections(dsn) as connections:
            measured = await _deliveries(session, databases, hq, steady, herd, single)
            await asyncio.sleep(sizes.settle_s)
            measured["rss_kb"] = hq.rss_kb()
    finally:
        hq.stop()
    measured["connections"] = connections
    measured["held"], measured["duplicates"] = await rows_held(dsn)
    measured["stored"] = await bytes_stored(dsn)
    bus_measured = await bus.measure(session, databases, dsn, stores[:sizes.hq_stores], maker)
    measured["copy"] = await measure_copy_limit(databases, steady.bodies, steady.rows)
    record_hq(session, steady, herd, single, measured)
    record_bus(session, bus_measured)


async def _deliveries(session: Session, databases: BenchDatabases, hq: BenchHeadOffice,
                      steady: Plan, herd: Plan, single: Plan) -> dict:
    """The steady phase, the herd, then single sales, on one client session; their
    tallies and times."""
    measured = {"steady": Tally(), "herd": Tally(), "single": Tally()}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        await databases.checkpoint()
        cpu_before = cpu_s(hq.proc.pid)
        measured["steady_s"] = await deliver_plan(
            Deliverer(http, hq.url, measured["steady"], GIVE_UP_S), steady,
            session.sizes.hq_at_once, f"{session.sizes.hq_at_once} stores at once")
        measured["steady_cpu_s"] = cpu_s(hq.proc.pid) - cpu_before
        await databases.checkpoint()
        measured["herd_s"] = await deliver_plan(
            Deliverer(http, hq.url, measured["herd"], GIVE_UP_S), herd, len(herd.sends),
            f"herd of {len(herd.sends)}")
        await databases.checkpoint()
        measured["single_s"] = await deliver_plan(
            Deliverer(http, hq.url, measured["single"], GIVE_UP_S), single,
            session.sizes.hq_at_once, "single sales")
    return measured


def record_hq(session: Session, steady: Plan, herd: Plan, single: Plan,
              measured: dict) -> None:
    """The figures, their details and the plot's series; raises if a row went missing."""
    tally, herd_tally, copy = measured["steady"], measured["herd"], measured["copy"]
    single_tally = measured["single"]
    rate = tally.inserted / measured["steady_s"]
    session.figures.update({
        "hq_rows_per_s": round(rate, 1),
        "hq_copy_rows_per_s": copy["rows_per_s"],
        "hq_ratio": round(rate / copy["rows_per_s"], 4),
        "hq_batch_p99_ms": rounded(percentile(tally.answered_ms, 99)),
        "hq_herd_s": round(measured["herd_s"], 3),
        "hq_non503_errors": herd_tally.non_503_errors,
        "hq_single_sales_per_s": round(single_tally.inserted / measured["single_s"], 1),
        "hq_single_sale_p99_ms": rounded(percentile(single_tally.answered_ms, 99)),
        "hq_duplicates": measured["duplicates"],
        "hq_rss_mb": round(measured["rss_kb"] / 1024, 1),
        "hq_db_connections_max": measured["connections"]["max"],
    })
    expected = steady.rows + herd.rows + single.rows
    most = tally.seconds_to(int(steady.rows * 0.95))
    session.details["hq"] = {
        "settings": dict(HQ_ENV) or "head office's defaults",
        "steady": {"stores": len(steady.sends), "rows": steady.rows, "batches": steady.batches,
                   "repeats": steady.repeats, "seconds": round(measured["steady_s"], 3),
                   "seconds_to_95_percent": rounded(most),
                   "rows_per_s_to_95_percent": rounded(steady.rows * 0.95 / most, 1)
                   if most else None,
                   "hq_cpu_us_per_row": round(measured["steady_cpu_s"] / steady.rows * 1e6, 2),
                   "non_503_errors": tally.non_503_errors,
                   "delivered_p99_ms": rounded(percentile(tally.delivered_ms, 99)),
                   **tally.as_json()},
        "herd": {"stores": len(herd.sends), "rows": herd.rows, "batches": herd.batches,
                 "seconds": round(measured["herd_s"], 3), **herd_tally.as_json()},
        "single_sales": {"batches": single.batches, "seconds": round(measured["single_s"], 3),
                         **single_tally.as_json()},
        "copy_limit": copy, "rows_expected": expected, "rows_held": measured["held"],
        "bytes_stored": measured["stored"],
        "bytes_per_row": {name: round(size / measured["held"]) if measured["held"] else None
                          for name, size in measured["stored"].items()},
        "connection_samples": measured["connections"]["samples"]}
    session.series[STEADY_SERIES] = percentile_series(tally.answered_ms)
    session.series[DELIVERED_SERIES] = percentile_series(tally.delivered_ms)
    session.series[SINGLE_SERIES] = percentile_series(single_tally.answered_ms)
    figures = session.figures
    say(f"hq: {figures['hq_rows_per_s']:,.0f} rows/s beside COPY's "
        f"{figures['hq_copy_rows_per_s']:,.0f} ({figures['hq_ratio']:.1%}); batch p99 "
        f"{figures['hq_batch_p99_ms']} ms; herd {figures['hq_herd_s']:.1f} s, "
        f"{figures['hq_non503_errors']} errors other than 503; single sales "
        f"{figures['hq_single_sales_per_s']:,.0f}/s; {figures['hq_duplicates']} "
        f"duplicates; RSS {figures['hq_rss_mb']} MB; at most "
        f"{figures['hq_db_connections_max']} database sessions")
    if measured["held"] != expected:
        raise AssertionError(f"head office holds {measured['held']:,} rows, not {expected:,}")
