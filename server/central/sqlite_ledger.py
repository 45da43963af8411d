"""The central ledger on SQLite (central_hq.db): the embedded default."""
from collections.abc import Mapping

from server import json_text
from server.central.ledger import Delivery
from server.orders import StoredOrder, order_view
from server.sqlite import SqliteStore

INSERT_ORDER = (
    "INSERT INTO central_orders (order_uuid, kiosk_id, idempotency_key, items_json, vat_json,"
    " total_ore, payment_json, catalog_version, created_at, business_day, prev_hash,"
    " entry_hash, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'))"
    " ON CONFLICT (order_uuid) DO NOTHING"
)


HELD = "SELECT order_uuid, total_ore, entry_hash FROM central_orders WHERE order_uuid IN ({})"


def _conflict(held, order: Mapping) -> str | None:
    """Why central must refuse `order` given the row it already holds, or None if they agree."""
    if held["total_ore"] != order["total_ore"] or held["entry_hash"] != order.get("entry_hash"):
        return "central holds a different sale under this order_uuid"
    return None


def _json_text(order: Mapping, key: str) -> str:
    """The text of one of the order's JSON values: as the edge stored it, when the order
    comes straight from the edge's store, else encoded here."""
    if isinstance(order, StoredOrder):
        return order.stored_json(key)
    return json_text.dumps_text(order[key])


def _order_params(order: Mapping) -> tuple:
    return (
        order["order_uuid"], order["kiosk_id"], order["idempotency_key"],
        _json_text(order, "items"), _json_text(order, "vat"),
        order["total_ore"], _json_text(order, "payment"), order["catalog_version"],
        order["created_at"],
        order["business_day"],
        # A caller from before the journal may send no hashes: stored as NULL, as old rows are.
        order.get("prev_hash"), order.get("entry_hash"),
    )


class SqliteLedger(SqliteStore):
    """CentralLedger on a local SQLite file, deduplicating on order_uuid."""

    schema_name = "central"

    async def deliver(self, orders: list[Mapping]) -> Delivery:
        """Insert the batch in one transaction; duplicates are skipped and counted, and an
        order conflicting with the one central holds under its order_uuid is refused."""

        def work(conn):
            uuids = [o["order_uuid"] for o in orders]
            cursor = conn.execute(HELD.format(",".join("?" * len(uuids))), uuids)
            held = {row["order_uuid"]: row for row in cursor.fetchall()}
            refused = {o["order_uuid"]: why for o in orders if o["order_uuid"] in held
                       and (why := _conflict(held[o["order_uuid"]], o))}
            new = [_order_params(o) for o in orders if o["order_uuid"] not in held]
            if new:
                conn.executemany(INSERT_ORDER, new)
            return Delivery(len(new), len(held) - len(refused), refused)

        return await self.db.write(work) if orders else Delivery(0, 0)

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
