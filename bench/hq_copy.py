"""The limit head office's ingest is measured against: the same batches' rows put into the
same table (central_orders of a fresh database with head office's schema) by the fastest
plain asyncpg path, with no HTTP, no signature, no batch record and no running totals: per
batch, in one transaction, COPY (binary, copy_records_to_table) into a temporary staging
table, then INSERT … SELECT … ON CONFLICT DO NOTHING, the repeated batches included, so that
the database does the same inserts and skips the same duplicates as behind head office.

One transaction per batch, as head office must: a store's answer waits for its batch's
commit, so merging batches into bigger transactions would measure another job. The staging
table is made once per connection (ON COMMIT DELETE ROWS empties it at each commit) rather
than per batch, which spares the catalogue a table per batch. Concurrency is measured, not
guessed: 1, 2 and 4 connections each fill a fresh database and the best counts. On this
2-core machine 2 usually wins: one connection leaves the second core idle while the first
waits for its commit's WAL flush, and beyond 2 the backends only take turns on the cores
and queue on the same flushes."""
import asyncio
import datetime
import time

import asyncpg
import orjson

from bench.hq_database import BenchDatabases
from bench.progress import say, ticking
from server.orders import BATCH_COLUMNS

CONCURRENCIES = (1, 2, 4)
DAY = BATCH_COLUMNS.index("business_day")
COLUMNS = (*BATCH_COLUMNS, "store_id")
_TYPES = {"total_ore": "bigint", "business_day": "date"}
_TYPED = ", ".join(f"{name} {_TYPES.get(name, 'text')}" for name in COLUMNS)
STAGING = f"CREATE TEMP TABLE staging ({_TYPED}) ON COMMIT DELETE ROWS"
MERGE = (f"INSERT INTO central_orders ({', '.join(COLUMNS)}, batch_id, received_at)"
         f" SELECT {', '.join(COLUMNS)}, $1, now() FROM staging ON CONFLICT DO NOTHING")


def as_records(bodies: list[bytes]) -> list[list[tuple]]:
    """Each batch body's rows as COPY records (its store id added, its day a date)."""
    batches = []
    for body in bodies:
        batch = orjson.loads(body)
        store_id = batch["store_id"]
        batches.append([(*row[:DAY], datetime.date.fromisoformat(row[DAY]), *row[DAY + 1:],
                         store_id) for row in batch["rows"]])
    return batches


async def copy_all(dsn: str, batches: list[list[tuple]], connections: int) -> tuple[int, float]:
    """Every batch in, `connections` at a time; (rows inserted, seconds)."""
    pending = iter(enumerate(batches, start=1))
    inserted = 0

    async def worker():
        nonlocal inserted
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(STAGING)
            for batch_id, records in pending:
                async with conn.transaction():
                    await conn.copy_records_to_table("staging", records=records,
                                                     columns=COLUMNS)
                    status = await conn.execute(MERGE, batch_id)
                inserted += int(status.rsplit(" ", 1)[1])
        finally:
            await conn.close()

    started = time.monotonic()
    async with ticking(lambda: f"hq: COPY at {connections}: {inserted:,} rows in so far", 1.0):
        await asyncio.gather(*(worker() for _ in range(connections)))
    return inserted, time.monotonic() - started


async def measure_copy_limit(databases: BenchDatabases, bodies: list[bytes],
                             expected_rows: int) -> dict:
    """Rows per second of the plain path at each concurrency, each on a fresh database;
    {"rows_per_s": the best, "connections": its concurrency, "runs": every one}."""
    say(f"hq: reading {len(bodies)} batch bodies as COPY records")
    batches = await asyncio.to_thread(as_records, bodies)
    runs = {}
    for connections in CONCURRENCIES:
        dsn = await databases.with_hq_schema()
        await databases.checkpoint()
        inserted, seconds = await copy_all(dsn, batches, connections)
        if inserted != expected_rows:
            raise AssertionError(f"COPY at {connections} inserted {inserted} rows, "
                                 f"not {expected_rows}")
        runs[connections] = {"rows_per_s": round(inserted / seconds, 1),
                             "seconds": round(seconds, 3)}
        say(f"hq: COPY at {connections} connection(s): {inserted:,} rows in {seconds:.2f} s "
            f"= {inserted / seconds:,.0f} rows/s")
    best = max(runs, key=lambda c: runs[c]["rows_per_s"])
    return {"rows_per_s": runs[best]["rows_per_s"], "connections": best,
            "runs": {str(c): run for c, run in runs.items()}}
