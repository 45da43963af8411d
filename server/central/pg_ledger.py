"""Head office's ledger on PostgreSQL (asyncpg): every store's sales, once.

A batch goes in by one transaction: its rows are copied (binary COPY) into a temporary
staging table of the connection's own, then one statement records the batch with its proof,
inserts its rows from the staging table in the order they came, and keeps the running
totals, each step a CTE of the same INSERT; rows already held are skipped (ON CONFLICT DO
NOTHING), and only when some were skipped does a second statement ask which of them the
ledger holds with other content (a content check by entry_hash and total: DO NOTHING alone
never would), to refuse those for good.

COPY rather than arrays taken apart by unnest: asyncpg checks every element of an array
parameter against abstract base classes, which cost head office's one core 6.7 µs a row
where COPY, encoding each value by its column's type, costs 2.5. The staging table is made
once per connection (ON COMMIT DELETE ROWS empties it at each commit), not per batch, which
would write the catalogue twice a batch; its identity column keeps the rows' order, whatever
an aborted transaction left in it. The batch's body (the proof, as large as its rows) is
compressed by lz4 where the server has it: the default pglz took ~5 ms more of the
database's CPU for each 1 MB body, and the bytes read back are the same.

The table is partitioned by month of business_day; a month's partition is made ahead (at
start: this month and the next two) or, for any other month, in a short transaction of its
own before the batch that needs it, under an advisory lock.
"""
import datetime

from server.central.ledger import Delivery, SignedBatch
from server.central.sqlite_ledger import REFUSAL
from server.orders import BATCH_COLUMNS, order_view
from server.postgres import PostgresDatabase

PARTITION_LOCK = 7_390_122
BATCHES_HELD = ("SELECT DISTINCT b.store_id, b.content_digest FROM hq_batches AS b"
                " JOIN unnest($1::text[], $2::text[]) AS asked (store_id, content_digest)"
                " USING (store_id, content_digest)")
DAY = BATCH_COLUMNS.index("business_day")
# The staging table: the batch's columns as received (its day still text), and their order.
STAGED = {name: {"total_ore": "bigint"}.get(name, "text") for name in BATCH_COLUMNS}
STAGING = (f"CREATE TEMP TABLE IF NOT EXISTS hq_staging"
           f" ({', '.join(f'{name} {kind}' for name, kind in STAGED.items())},"
           " arrival bigint GENERATED ALWAYS AS IDENTITY) ON COMMIT DELETE ROWS")
LZ4 = "SET LOCAL default_toast_compression = lz4"
HAS_LZ4 = ("SELECT 'lz4' = ANY(enumvals) FROM pg_settings"
           " WHERE name = 'default_toast_compression'")
_SELECTED = ", ".join("s.business_day::date" if name == "business_day" else f"s.{name}"
                      for name in BATCH_COLUMNS)
_PROOF = ("store_id, key_id, signature_input, signature, content_digest, body, received_at,"
          " rows")
INGEST = f"""
WITH batch AS (
    INSERT INTO hq_batches ({_PROOF}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    RETURNING batch_id
), inserted AS (
    INSERT INTO central_orders ({', '.join(BATCH_COLUMNS)}, store_id, batch_id, received_at)
    SELECT {_SELECTED}, $1, batch.batch_id, $7 FROM batch, hq_staging AS s
    ORDER BY s.arrival
    ON CONFLICT DO NOTHING
    RETURNING kiosk_id, business_day, total_ore, order_uuid
), totals AS (
    INSERT INTO central_totals (store_id, kiosk_id, business_day, orders, total_ore)
    SELECT $1, kiosk_id, business_day, count(*), sum(total_ore) FROM inserted
    GROUP BY kiosk_id, business_day
    ON CONFLICT (store_id, kiosk_id, business_day) DO UPDATE SET
        orders = central_totals.orders + excluded.orders,
        total_ore = central_totals.total_ore + excluded.total_ore
)
SELECT (SELECT batch_id FROM batch), (SELECT count(*) FROM inserted)
"""
CONFLICTING = """
SELECT s.order_uuid FROM hq_staging AS s
JOIN central_orders AS c ON c.store_id = $1 AND c.business_day = s.business_day::date
    AND c.order_uuid = s.order_uuid
WHERE c.entry_hash IS DISTINCT FROM s.entry_hash OR c.total_ore <> s.total_ore
"""
# Every column as the edge spelt it (business_day back to its YYYY-MM-DD text).
ORDER_ROW = (f"{', '.join(c for c in BATCH_COLUMNS if c != 'business_day')},"
             " business_day::text AS business_day, store_id, id, batch_id,"
             " to_char(received_at AT TIME ZONE 'UTC',"
             " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"') AS received_at")
ORDERS_PAGE = f"""
SELECT {ORDER_ROW} FROM central_orders
WHERE ($1::text IS NULL OR store_id = $1) AND ($2::text IS NULL OR kiosk_id = $2) AND id > $3
ORDER BY id LIMIT $4
"""
STORE_TOTALS = """
SELECT kiosk_id, business_day::text AS business_day, orders, total_ore FROM central_totals
WHERE store_id = $1 ORDER BY business_day, kiosk_id
"""
DAYS_TOTALS = """
SELECT store_id, kiosk_id, business_day::text AS business_day, orders, total_ore
FROM central_totals WHERE business_day = ANY($1::date[]) AND ($2::text IS NULL OR store_id = $2)
"""
STORE_FIGURES = """
SELECT s.store_id, COALESCE(t.orders, 0) AS orders, COALESCE(t.total_ore, 0) AS total_ore,
       (SELECT received_at FROM hq_batches AS b WHERE b.store_id = s.store_id
        ORDER BY batch_id DESC LIMIT 1) AS last_received_at
FROM stores AS s LEFT JOIN (
    SELECT store_id, sum(orders)::bigint AS orders, sum(total_ore)::bigint AS total_ore
    FROM central_totals
    GROUP BY store_id) AS t USING (store_id)
ORDER BY s.store_id
"""


def month_bounds(month: str) -> tuple[datetime.date, datetime.date]:
    """The first day of a month ('YYYY-MM') and of the next."""
    first = datetime.date(int(month[:4]), int(month[5:7]), 1)
    return first, (first + datetime.timedelta(days=32)).replace(day=1)


class PgLedger:
    """HeadOfficeLedger on PostgreSQL."""

    def __init__(self, db: PostgresDatabase):
        self.db = db
        self._months: set[str] = set()  # partitions known to exist
        self._prepare = STAGING  # what each batch's transaction begins with

    async def open(self) -> "PgLedger":
        """Open the pool, migrate, and make this month's and the next two's partitions."""
        await self.db.open()
        today = datetime.date.today()
        ahead = [(today.replace(day=1) + datetime.timedelta(days=32 * n)).strftime("%Y-%m")
                 for n in range(3)]
        await self.ensure_months(ahead)
        lz4 = await self.db.fetchrow(HAS_LZ4)  # no row before PostgreSQL 14
        if lz4 is not None and lz4[0]:
            self._prepare = f"{LZ4}; {STAGING}"
        return self

    async def close(self) -> None:
        """Close the pool."""
        await self.db.close()

    async def ensure_months(self, months) -> None:
        """Make the partitions of these months ('YYYY-MM', checked digits) if missing."""
        missing = sorted(set(months) - self._months)
        if not missing:
            return
        async with self.db.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", PARTITION_LOCK)
            for month in missing:
                first, after = month_bounds(month)
                # DDL takes no parameters; the name and bounds are made of checked digits.
                await conn.execute(
                    f"CREATE TABLE IF NOT EXISTS central_orders_p{first:%Y%m} PARTITION OF"
                    f" central_orders FOR VALUES FROM ('{first}') TO ('{after}')")
        self._months.update(missing)

    async def ingest(self, batch: SignedBatch) -> Delivery:
        """Record the batch and insert its rows in one transaction (see the module)."""
        await self.ensure_months({row[DAY][:7] for row in batch.rows})
        proof = batch.proof
        received = datetime.datetime.fromisoformat(batch.received_at)
        async with self.db.connection() as conn, conn.transaction():
            await conn.execute(self._prepare)
            await conn.copy_records_to_table("hq_staging", records=batch.rows,
                                             columns=BATCH_COLUMNS)
            _, inserted = await conn.fetchrow(
                INGEST, batch.store_id, proof.key_id, proof.signature_input, proof.signature,
                proof.content_digest, batch.body, received, len(batch.rows))
            refused = {}
            if inserted < len(batch.rows):
                refused = {uuid: REFUSAL for (uuid,) in await conn.fetch(
                    CONFLICTING, batch.store_id)}
        return Delivery(inserted, len(batch.rows) - inserted - len(refused), refused)

    async def store_orders(self, store_id, kiosk_id, after: int, limit: int) -> list[dict]:
        """A page of orders in arrival order, each with its store, its batch and `cursor`."""
        rows = await self.db.fetch(ORDERS_PAGE, store_id, kiosk_id, after, limit)
        return [{**order_view(r, "synced", r["received_at"]), "store_id": r["store_id"],
                 "batch_id": r["batch_id"], "cursor": r["id"]} for r in rows]

    async def store_totals(self, store_id: str) -> list[dict]:
        """A store's orders and their sum per kiosk and business day."""
        return [dict(row) for row in await self.db.fetch(STORE_TOTALS, store_id)]

    async def days_totals(self, days: list[str], store_id: str | None = None) -> list[dict]:
        """Every store's (or one store's) orders and their sum per kiosk on these business
        days (YYYY-MM-DD), from the running totals by day: a few rows a store."""
        dates = [datetime.date.fromisoformat(day) for day in days]
        return [dict(row) for row in await self.db.fetch(DAYS_TOTALS, dates, store_id)]

    async def store_figures(self) -> dict[str, dict]:
        """Per enrolled store: its orders, their sum, and when its last batch came."""
        return {row["store_id"]: {**dict(row), "last_received_at": _iso(row["last_received_at"])}
                for row in await self.db.fetch(STORE_FIGURES)}

    async def store_batches(self, store_id: str, after: int, limit: int) -> list[dict]:
        """A page of a store's batches with their proof, in order."""
        rows = await self.db.fetch(
            "SELECT * FROM hq_batches WHERE store_id = $1 AND batch_id > $2 ORDER BY batch_id"
            " LIMIT $3", store_id, after, limit)
        return [{**dict(row), "body": bytes(row["body"])} for row in rows]

    async def batches_held(self, digests: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (store_id, content digest) batches the ledger holds."""
        rows = await self.db.fetch(BATCHES_HELD, [s for s, _ in digests], [d for _, d in digests])
        return {(row["store_id"], row["content_digest"]) for row in rows}

    async def batch_rows(self, store_id: str, batch_id: int) -> list[dict]:
        """The rows held that name this batch."""
        return [dict(row) for row in await self.db.fetch(
            f"SELECT {ORDER_ROW} FROM central_orders WHERE store_id = $1 AND batch_id = $2",
            store_id, batch_id)]

    async def rows_without_batch(self) -> list[dict]:
        """Rows that name no batch held here."""
        return [dict(row) for row in await self.db.fetch(
            f"SELECT {ORDER_ROW} FROM central_orders AS c WHERE NOT EXISTS (SELECT 1 FROM"
            " hq_batches AS b WHERE b.store_id = c.store_id AND b.batch_id = c.batch_id)"
            " ORDER BY id")]

    async def ledger_stores(self) -> list[str]:
        """Every store the ledger holds batches or rows of."""
        rows = await self.db.fetch("SELECT store_id FROM stores UNION SELECT DISTINCT store_id"
                                   " FROM central_totals ORDER BY 1")
        return [row[0] for row in rows]

    async def kiosk_chains(self, store_id: str):
        """(kiosk_id, its rows in arrival order) for each kiosk of a store, read through a
        cursor: a year of a store's sales need not fit in memory at once, only a kiosk's."""
        async with self.db.connection() as conn, conn.transaction():
            chain, kiosk = [], None
            async for row in conn.cursor(f"SELECT {ORDER_ROW} FROM central_orders"
                                         " WHERE store_id = $1 ORDER BY kiosk_id, id", store_id):
                if row["kiosk_id"] != kiosk and chain:
                    yield kiosk, chain
                    chain = []
                kiosk = row["kiosk_id"]
                chain.append(dict(row))
            if chain:
                yield kiosk, chain

    async def health(self) -> None:
        """Raise unless the database answers."""
        await self.db.fetch("SELECT 1")


def _iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(datetime.UTC).isoformat(
        timespec="microseconds")
