"""Head office's ingest from the bus (NATS JetStream), measured beside the HTTP route's in the
same run. The steady phase's kind of plan (the same stores and batch size, fresh rows, a
tenth of the batches published twice) is published as the stores' edges publish
(bench/hq_bus_publish.py), `hq_at_once` stores at once, to a stream of the run's own (a
unique name and subject prefix; deleted at the end with its dead-letter stream), and taken
by INGESTS `hq ingest` processes on the run's database, as a chain scales its ingest out.

- bus_rows_per_s: new rows held in head office's ledger per second, from the first publish
  until the ledger holds them all (read in PostgreSQL, from the running totals every 0.1 s,
  then the rows themselves counted once);
- bus_publish_rows_per_s: the rows JetStream acknowledged (repeats included) per second,
  from the first publish to the last PubAck;
- bus_ratio: bus_rows_per_s beside hq_rows_per_s; bus_duplicates: rows held twice (0).
"""
import asyncio
import contextlib
import os
import re
import time
import uuid
from urllib.parse import urlsplit

import asyncpg
import nats
from nats.js.errors import NotFoundError

from bench.hq_bus_publish import BusTally, Publisher, publications
from bench.hq_database import BenchDatabases, last_order_id, orders_counted, rows_held
from bench.hq_ingest import make_plan, stores_at_once
from bench.hq_rows import SalesMaker
from bench.hq_stores import SimulatedStore
from bench.processes import BenchIngest
from bench.progress import percentile, percentile_series, rounded, say, ticking
from bench.session import Session
from server.bus.stream import INGEST_CONSUMER, StreamSpec, dead_letter_stream

DEFAULT_NATS = "nats://127.0.0.1:4222"
INGESTS = 2               # ingest processes sharing the consumer
READY_WITHIN_S = 30.0     # for the ingest processes to start pulling
GIVE_UP_S = 600.0         # for the ledger to hold every row, then for the stream to drain
POLL_S = 0.1
# JetStream reserves a stream's max_bytes on its store when it is made: the full run's
# 1,100,000 rows (~1.1 GB with the repeats) fit four times over, not 10 GiB.
STREAM_BYTES = 4 * 1024 ** 3
SUMMARY = re.compile(r"(\d+) sales inserted, (\d+) already present")
PUBLISH_SERIES = "bus, batch publish to PubAck"


def default_nats_url() -> str:
    """The NATS the hq section uses unless told: CHECKOUT_TEST_NATS, else the local one."""
    return os.environ.get("CHECKOUT_TEST_NATS", DEFAULT_NATS)


class LedgerWatch:
    """New rows in head office's ledger since it was opened, read from the running totals,
    while the ingest processes are checked to be alive."""

    def __init__(self, conn: asyncpg.Connection, before: int, ingests: list[BenchIngest]):
        self.conn, self.before, self.ingests, self.held = conn, before, ingests, 0

    async def seconds_until(self, rows: int, started: float) -> float:
        """Seconds from `started` until the ledger holds `rows` new rows."""
        while True:
            self.held = await orders_counted(self.conn) - self.before
            if self.held >= rows:
                return time.monotonic() - started
            if time.monotonic() - started > GIVE_UP_S:
                raise AssertionError(f"the bus: {self.held:,} of {rows:,} rows held after "
                                     f"{GIVE_UP_S:.0f} s")
            for ingest in self.ingests:
                ingest.check_alive()
            await asyncio.sleep(POLL_S)


class BusBench:
    """The run's connection to NATS and its own stream's names; on close, the stream and its
    dead-letter stream (made by the ingest) are deleted."""

    def __init__(self, url: str, client):
        self.url, self.client, self.js = url, client, client.jetstream()
        part = uuid.uuid4().hex[:12]
        self.spec = StreamSpec(name=f"BENCH_SALES_{part}", prefix=f"bench_{part}.sales",
                               max_bytes=STREAM_BYTES)

    @classmethod
    async def connect(cls, url: str) -> "BusBench":
        """Connected to a NATS whose JetStream answers, or a RuntimeError saying where to
        point the hq section instead."""
        where = urlsplit(url)
        try:  # nats-py keeps trying a port where nothing listens: a plain connect first
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(where.hostname, where.port or 4222), 3)
            writer.close()
            client = await asyncio.wait_for(nats.connect(
                url, connect_timeout=3, allow_reconnect=False, max_reconnect_attempts=0), 10)
            await client.jetstream().account_info()
        except Exception as exc:  # whatever the reason, the bus cannot be measured
            raise RuntimeError(
                f"no NATS with JetStream answers at {url} ({exc!r}); the hq section measures "
                "the bus too: start one (scripts/nats-for-tests) or name one with "
                "scripts/bench --nats URL or CHECKOUT_TEST_NATS") from exc
        return cls(url, client)

    async def close(self) -> None:
        """Delete the run's streams, then close the connection."""
        for spec in (self.spec, dead_letter_stream(self.spec)):
            with contextlib.suppress(NotFoundError):
                await self.js.delete_stream(spec.name)
        await self.client.close()

    async def measure(self, session: Session, databases: BenchDatabases, dsn: str,
                      stores: list[SimulatedStore], maker: SalesMaker) -> dict:
        """The bus phase on the run's database (head office's HTTP process stopped): its
        tally, times, the ingest processes' summaries, and the new rows held."""
        sizes = session.sizes
        say(f"hq: bus: making its batches; stream {self.spec.name}")
        plan = await make_plan(stores, maker, sizes.hq_rows, sizes.hq_batch_rows)
        sends = await asyncio.to_thread(publications, plan)
        after_id = await last_order_id(dsn)
        ingests = [BenchIngest(session.work / "hq" / f"ingest-{i}.log", self.url, dsn,
                               self.spec.name, self.spec.prefix, STREAM_BYTES)
                   for i in range(INGESTS)]
        await databases.checkpoint()
        conn = await asyncpg.connect(dsn)
        try:
            for ingest in ingests:
                ingest.start()
            await self.pulling(ingests)
            watch = LedgerWatch(conn, await orders_counted(conn), ingests)
            measured = await self.publish_and_ingest(sends, plan.rows, sizes.hq_at_once, watch)
            measured["drained_s"] = await self.drained(measured["started"])
        finally:
            await conn.close()
            summaries = await asyncio.gather(*(asyncio.to_thread(ingest.stop)
                                               for ingest in ingests))
        held, duplicates = await rows_held(dsn, after_id)
        return {**measured, "plan": plan, "held": held, "duplicates": duplicates,
                "summaries": summaries}

    async def pulling(self, ingests: list[BenchIngest]) -> None:
        """Wait until every ingest process pulls from the consumer it made."""
        started = time.monotonic()
        while time.monotonic() - started < READY_WITHIN_S:
            for ingest in ingests:
                ingest.check_alive()
            with contextlib.suppress(NotFoundError):
                info = await self.js.consumer_info(self.spec.name, INGEST_CONSUMER)
                if info.num_waiting >= len(ingests):
                    say(f"hq: bus: {len(ingests)} ingest processes pulling")
                    return
            await asyncio.sleep(POLL_S)
        raise AssertionError(f"the ingest processes were not pulling after {READY_WITHIN_S} s")

    async def publish_and_ingest(self, sends: list, rows: int, at_once: int,
                                 watch: LedgerWatch) -> dict:
        """Every store's batches published, `at_once` stores at a time, while the ingest
        takes them; seconds to the last PubAck and until the ledger held every row."""
        tally = BusTally()
        publisher = Publisher(self.client, self.spec.prefix, tally)
        started = time.monotonic()

        def progress() -> str:
            elapsed, publishing = time.monotonic() - started, tally.last_ack - started
            return (f"hq: bus: {tally.messages:,} messages acknowledged "
                    f"({tally.rows / max(publishing, 1e-9):,.0f} rows/s to the last), "
                    f"{watch.held:,} of {rows:,} new rows held ({watch.held / elapsed:,.0f}/s)")

        watching = asyncio.create_task(watch.seconds_until(rows, started))
        try:
            async with ticking(progress, 1.0):
                await stores_at_once(sends, at_once, publisher.publish)
                publish_s = time.monotonic() - started
                held_s = await watching
        finally:
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)
        say(progress())
        return {"tally": tally, "started": started, "publish_s": publish_s, "held_s": held_s}

    async def drained(self, started: float) -> float:
        """Seconds from `started` until the consumer has nothing pending or unacknowledged
        (the last repeats taken too), so the ingest processes stop with nothing in hand."""
        while True:
            info = await self.js.consumer_info(self.spec.name, INGEST_CONSUMER)
            if info.num_pending == 0 and info.num_ack_pending == 0:
                return time.monotonic() - started
            if time.monotonic() - started > GIVE_UP_S:
                raise AssertionError(f"the bus: {info.num_pending} messages still pending")
            await asyncio.sleep(POLL_S)


def ingest_counts(summaries: list[str]) -> dict[str, int]:
    """The rows the ingest processes inserted and found already present, from the summary
    lines they printed at their stop."""
    counts = {"inserted": 0, "already_present": 0}
    for line in summaries:
        found = SUMMARY.search(line)
        if found:
            counts["inserted"] += int(found[1])
            counts["already_present"] += int(found[2])
    return counts


def record_bus(session: Session, measured: dict) -> None:
    """The bus's figures (after record_hq's: bus_ratio is beside hq_rows_per_s), details and
    series; raises if a row is missing."""
    plan, tally = measured["plan"], measured["tally"]
    rate = plan.rows / measured["held_s"]
    session.figures.update({
        "bus_rows_per_s": round(rate, 1),
        "bus_publish_rows_per_s": round(tally.rows / measured["publish_s"], 1),
        "bus_ratio": round(rate / session.figures["hq_rows_per_s"], 4),
        "bus_duplicates": measured["duplicates"],
    })
    session.details["hq"]["bus"] = {
        "ingest_processes": INGESTS, "stores": len(plan.sends), "rows": plan.rows,
        "batches": plan.batches, "repeats": plan.repeats, "messages": tally.messages,
        "rows_published": tally.rows, "duplicate_pubacks": tally.duplicates,
        "publish_seconds": round(measured["publish_s"], 3),
        "held_seconds": round(measured["held_s"], 3),
        "drained_seconds": round(measured["drained_s"], 3),
        "puback_p99_ms": rounded(percentile(tally.ack_ms, 99)),
        "rows_held": measured["held"], "ingest": ingest_counts(measured["summaries"]),
        "ingest_summaries": measured["summaries"]}
    session.series[PUBLISH_SERIES] = percentile_series(tally.ack_ms)
    figures = session.figures
    say(f"hq: bus: {figures['bus_rows_per_s']:,.0f} rows/s held ({figures['bus_ratio']:.1%} "
        f"of HTTP's), published at {figures['bus_publish_rows_per_s']:,.0f} rows/s; "
        f"{figures['bus_duplicates']} duplicates")
    if measured["held"] != plan.rows:
        raise AssertionError(f"the bus: head office holds {measured['held']:,} new rows, "
                             f"not {plan.rows:,}")
