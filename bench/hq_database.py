"""The PostgreSQL side of the head-office benchmark: a throwaway database per measurement,
made on the admin DSN and dropped at the end (sessions and all), and what is read there
directly rather than asked of head office: the connections it holds, the rows it holds
(and how many arrived after a point) and those it holds twice."""
import asyncio
import contextlib

import asyncpg

from reliability.databases import admin_dsn, create_database, drop_database, name_of
from server.central.pg_ledger import PgLedger
from server.postgres import PostgresDatabase

SAMPLE_EVERY_S = 0.1


class BenchDatabases:
    """The databases one run made (reliability.databases), each dropped on close."""

    def __init__(self):
        self.admin: asyncpg.Connection | None = None
        self.made: list[str] = []  # their DSNs

    async def open(self) -> "BenchDatabases":
        """Connect as the admin (for CHECKPOINT), saying how to point at another server."""
        try:
            self.admin = await asyncpg.connect(admin_dsn(), timeout=10)
        except (OSError, asyncpg.PostgresError) as exc:
            raise RuntimeError(f"no PostgreSQL answers at {admin_dsn()} ({exc}); set "
                               "CHECKOUT_TEST_POSTGRES to an admin DSN") from exc
        return self

    async def create(self) -> str:
        """A new, empty database (aoc_bench_<hex>); its DSN."""
        dsn = await create_database(admin_dsn(), "bench")
        self.made.append(dsn)
        return dsn

    async def with_hq_schema(self) -> str:
        """A new database with head office's schema and this month's partitions, fresh, as
        head office makes it at its first start; its DSN."""
        dsn = await self.create()
        ledger = await PgLedger(PostgresDatabase(dsn, "hq_postgresql", 1)).open()
        await ledger.close()
        return dsn

    async def checkpoint(self) -> None:
        """Write out what earlier phases left dirty, so that a timed phase pays for its own
        writes only (skipped when the admin is no superuser)."""
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            await self.admin.execute("CHECKPOINT")

    async def close(self, keep: bool) -> list[str]:
        """Drop every database made (unless `keep`); the names kept."""
        if self.admin is None:
            return []
        await self.admin.close()
        if keep:
            return [name_of(dsn) for dsn in self.made]
        for dsn in self.made:
            await drop_database(admin_dsn(), dsn)
        return []


@contextlib.asynccontextmanager
async def most_connections(dsn: str):
    """While the body runs, count the sessions on `dsn`'s database every 0.1 s (from an
    admin connection of its own, on another database); yields a dict whose "max" is the most
    seen so far."""
    seen = {"max": 0, "samples": 0}
    admin = await asyncpg.connect(admin_dsn(), timeout=10)

    async def sample():
        while True:
            count = await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name_of(dsn))
            seen["max"], seen["samples"] = max(seen["max"], count), seen["samples"] + 1
            await asyncio.sleep(SAMPLE_EVERY_S)

    task = asyncio.create_task(sample())
    try:
        yield seen
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await admin.close()


async def rows_held(dsn: str, after_id: int = 0) -> tuple[int, int]:
    """(rows in central_orders, rows beyond the first of a (store_id, order_uuid)), of the
    rows that arrived after the row `after_id` (0: all)."""
    conn = await asyncpg.connect(dsn)
    try:
        total, distinct = await conn.fetchrow(
            "SELECT count(*), count(DISTINCT (store_id, order_uuid)) FROM central_orders"
            " WHERE id > $1", after_id)
    finally:
        await conn.close()
    return total, total - distinct


async def last_order_id(dsn: str) -> int:
    """The arrival id of the last row central_orders holds (0: none), from its index."""
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT coalesce(max(id), 0) FROM central_orders")
    finally:
        await conn.close()


async def orders_counted(conn: asyncpg.Connection) -> int:
    """The orders head office's running totals count: kept in each batch's own transaction
    and a few rows to read, so cheap to ask often while rows arrive (a count of
    central_orders would read every new row each time)."""
    return await conn.fetchval("SELECT coalesce(sum(orders), 0)::bigint FROM central_totals")


async def bytes_stored(dsn: str) -> dict[str, int]:
    """What the ledger takes on disk, tables with their indexes and TOAST: the orders (every
    month's partition), the batches with their proof, and the running totals."""
    conn = await asyncpg.connect(dsn)
    try:
        return dict(await conn.fetchrow(
            "SELECT (SELECT sum(pg_total_relation_size(inhrelid))::bigint FROM pg_inherits"
            "        WHERE inhparent = 'central_orders'::regclass) AS orders,"
            " pg_total_relation_size('hq_batches') AS batches,"
            " pg_total_relation_size('central_totals') AS totals"))
    finally:
        await conn.close()
