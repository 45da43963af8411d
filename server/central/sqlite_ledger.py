"""The central ledger on SQLite (central_hq.db): a store's embedded default, and the shape
head office keeps on SQLite too (server/central/sqlite_hq_ledger.py)."""
from server.central.ledger import BatchOrigin, Delivery
from server.encryption import DatabaseKey
from server.orders import BATCH_COLUMNS, order_view
from server.pagination import page
from server.sqlite import SqliteStore

# The batch is taken apart by SQLite itself: no Python object per sale on either side.
# ("WHERE true" tells the parser that the ON CONFLICT is the upsert's.)
_VALUE = {name: f"json_extract(s.value, '$[{i}]')" for i, name in enumerate(BATCH_COLUMNS)}
INSERT_BATCH = f"""
INSERT INTO central_orders ({', '.join(BATCH_COLUMNS)}, store_id, batch_id, received_at)
SELECT {', '.join(_VALUE.values())}, :store, :batch,
       COALESCE(:received, strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'))
FROM json_each(:rows) AS s WHERE true ORDER BY s.key
ON CONFLICT (store_id, order_uuid) DO NOTHING
"""
# The batch's sales central holds with other content (asked after the insert, which skipped
# them): refused for good. A caller from before the journal may send no hashes, stored as
# NULL, as old rows are.
CONFLICTING = f"""
SELECT {_VALUE['order_uuid']} FROM json_each(:rows) AS s
JOIN central_orders AS c ON c.store_id = :store AND c.order_uuid = {_VALUE['order_uuid']}
WHERE c.total_ore IS NOT {_VALUE['total_ore']} OR c.entry_hash IS NOT {_VALUE['entry_hash']}
"""
REFUSAL = "central holds a different sale under this order_uuid"
# What head office says of a row that a store's own view of central leaves out.
HEAD_OFFICE_ONLY = ("store_id", "batch_id", "cursor")


def insert_rows(conn, rows: str, store_id: str, batch_id: int | None = None,
                received_at: str | None = None) -> Delivery:
    """Inside the caller's write: insert a batch's rows (JSON text), skipping those held;
    those held with other content are refused."""
    params = {"rows": rows, "store": store_id, "batch": batch_id, "received": received_at}
    inserted = conn.execute(INSERT_BATCH, params).rowcount
    count = conn.execute("SELECT json_array_length(?)", (rows,)).fetchone()[0]
    if inserted == count:  # nothing was held, so nothing can conflict: the usual case
        return Delivery(inserted, 0)
    refused = {uuid: REFUSAL for (uuid,) in conn.execute(CONFLICTING, params)}
    return Delivery(inserted, count - inserted - len(refused), refused)


class SqliteLedger(SqliteStore):
    """CentralLedger on a local SQLite file, deduplicating on (store_id, order_uuid). At a
    store's edge its store_id is '': the file is the store's own."""

    schema_name = "central"

    def __init__(self, path, busy_timeout_ms: int = 5000, store_id: str = "",
                 key: DatabaseKey | None = None):
        super().__init__(path, busy_timeout_ms, key)
        self.store_id = store_id

    async def deliver(self, batch: str, origin: BatchOrigin | None = None) -> Delivery:
        """Insert the batch (rows of server.orders.BATCH_COLUMNS) in one transaction;
        duplicates are skipped and counted, and a sale conflicting with the one central holds
        under its order_uuid is refused."""
        return await self.db.write(lambda conn: insert_rows(conn, batch, self.store_id))

    async def orders_page(self, store_id: str | None, kiosk_id: str | None, after: int,
                          limit: int) -> list[dict]:
        """A page of orders in arrival order (of one store, or all), each with its
        `store_id`, the `batch_id` that brought it, and `cursor` (the row id)."""
        where, params = ["id > ?"], [after]
        for column, value in (("store_id", store_id), ("kiosk_id", kiosk_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        rows = await self.db.fetchall(
            f"SELECT * FROM central_orders WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
            (*params, limit),
        )
        return [{**order_view(r, "synced", r["received_at"]), "store_id": r["store_id"],
                 "batch_id": r["batch_id"], "cursor": r["id"]} for r in rows]

    async def list_orders(self, kiosk_id: str | None, after: int,
                          limit: int) -> tuple[list[dict], str | None]:
        """A page of the store's orders in arrival order, and the `next` cursor."""
        rows = await self.orders_page(self.store_id, kiosk_id, after, limit + 1)
        rows, next_cursor = page(rows, limit, lambda row: row["cursor"])
        return [{k: v for k, v in row.items() if k not in HEAD_OFFICE_ONLY}
                for row in rows], next_cursor

    async def order_count(self) -> int:
        """How many of the store's orders central holds."""
        return (await self.db.fetchone(
            "SELECT COUNT(*) FROM central_orders WHERE store_id = ?", (self.store_id,)))[0]

    async def totals_of(self, store_id: str) -> list[dict]:
        """Per kiosk and business day of a store: how many orders central holds, their sum."""
        rows = await self.db.fetchall(
            "SELECT kiosk_id, business_day, COUNT(*) AS orders, SUM(total_ore) AS total_ore"
            " FROM central_orders WHERE store_id = ? GROUP BY kiosk_id, business_day",
            (store_id,))
        return [dict(row) for row in rows]

    async def totals_by_kiosk_day(self) -> list[dict]:
        """Per kiosk and business day: how many orders central holds, and their sum."""
        return await self.totals_of(self.store_id)

    async def in_transit(self) -> None:
        """Nothing travels by a bus to the embedded ledger."""
        return None

    async def health(self) -> None:
        """Raise unless the file answers."""
        await self.db.fetchone("SELECT 1 FROM central_orders LIMIT 1")
