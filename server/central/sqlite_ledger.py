"""The central ledger on SQLite (central_hq.db): the embedded default."""
from server.central.ledger import Delivery
from server.orders import BATCH_COLUMNS, order_view
from server.sqlite import SqliteStore

# The batch is taken apart by SQLite itself: no Python object per sale on either side.
# ("WHERE true" tells the parser that the ON CONFLICT is the upsert's.)
_VALUE = {name: f"json_extract(s.value, '$[{i}]')" for i, name in enumerate(BATCH_COLUMNS)}
INSERT_BATCH = f"""
INSERT INTO central_orders ({', '.join(BATCH_COLUMNS)}, received_at)
SELECT {', '.join(_VALUE.values())}, strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')
FROM json_each(?) AS s WHERE true ORDER BY s.key
ON CONFLICT (order_uuid) DO NOTHING
"""
# The batch's sales central holds with other content (asked after the insert, which skipped
# them): refused for good. A caller from before the journal may send no hashes, stored as
# NULL, as old rows are.
CONFLICTING = f"""
SELECT {_VALUE['order_uuid']} FROM json_each(?) AS s
JOIN central_orders AS c ON c.order_uuid = {_VALUE['order_uuid']}
WHERE c.total_ore IS NOT {_VALUE['total_ore']} OR c.entry_hash IS NOT {_VALUE['entry_hash']}
"""
REFUSAL = "central holds a different sale under this order_uuid"


class SqliteLedger(SqliteStore):
    """CentralLedger on a local SQLite file, deduplicating on order_uuid."""

    schema_name = "central"

    async def deliver(self, batch: str) -> Delivery:
        """Insert the batch (rows of server.orders.BATCH_COLUMNS) in one transaction;
        duplicates are skipped and counted, and a sale conflicting with the one central holds
        under its order_uuid is refused."""

        def work(conn):
            inserted = conn.execute(INSERT_BATCH, (batch,)).rowcount
            count = conn.execute("SELECT json_array_length(?)", (batch,)).fetchone()[0]
            if inserted == count:  # nothing was held, so nothing can conflict: the usual case
                return Delivery(inserted, 0)
            refused = {uuid: REFUSAL for (uuid,) in conn.execute(CONFLICTING, (batch,))}
            return Delivery(inserted, count - inserted - len(refused), refused)

        return await self.db.write(work)

    async def list_orders(self, kiosk_id: str | None, after: int, limit: int) -> list[dict]:
        """A page of orders in arrival order, each with its `cursor` (the row id)."""
        where, params = ["id > ?"], [after]
        if kiosk_id is not None:
            where.append("kiosk_id = ?")
            params.append(kiosk_id)
        rows = await self.db.fetchall(
            f"SELECT * FROM central_orders WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
            (*params, limit),
        )
        return [{**order_view(r, "synced", r["received_at"]), "cursor": r["id"]} for r in rows]

    async def order_count(self) -> int:
        """How many orders central holds."""
        return (await self.db.fetchone("SELECT COUNT(*) FROM central_orders"))[0]

    async def totals_by_kiosk_day(self) -> list[dict]:
        """Per kiosk and business day: how many orders central holds, and their sum."""
        rows = await self.db.fetchall(
            "SELECT kiosk_id, business_day, COUNT(*) AS orders, SUM(total_ore) AS total_ore"
            " FROM central_orders GROUP BY kiosk_id, business_day")
        return [dict(row) for row in rows]

    async def health(self) -> None:
        """Raise unless the file answers."""
        await self.db.fetchone("SELECT 1 FROM central_orders LIMIT 1")
