"""The drain's orders: StoredOrder reads as order_view's order, and central keeps the text the
edge stored instead of decoding and encoding every row again."""
import sqlite3

from server.app import CENTRAL_DB, EDGE_DB
from server.central.sqlite_ledger import SqliteLedger
from server.keys import EDGE_STORE, SYNC_WORKER
from server.orders import StoredOrder, order_view
from tests.conftest import heartbeat, sale

SPACED_ITEMS = '[ {"sku": "7310865004703", "qty": 2, "name": "Mj\\u00f6lk"} ]'


async def pending_orders(client, count: int) -> list[StoredOrder]:
    await client.app[SYNC_WORKER].stop()  # the rows stay pending for the test to take
    await heartbeat(client, "k1", link_up=False)
    for _ in range(count):
        assert (await client.post("/edge/checkout", json=sale())).status == 201
    batch = await client.app[EDGE_STORE].pending_batch("k1", 100)
    return [order for _, order in batch]


def edge_row(settings, order_uuid: str) -> sqlite3.Row:
    with sqlite3.connect(settings.data_path / EDGE_DB) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute("SELECT * FROM edge_orders WHERE order_uuid = ?",
                            (order_uuid,)).fetchone()


async def test_a_stored_order_reads_exactly_as_its_order_view(client, settings):
    orders = await pending_orders(client, 3)
    for order in orders:
        row = edge_row(settings, order["order_uuid"])
        view = order_view(row, "pending", None)
        assert dict(order) == view and order == view
        assert list(order) == list(view) and len(order) == len(view)
        assert order.get("entry_hash") == row["entry_hash"] and order.get("nothing") is None
        for key, column in (("items", "items_json"), ("vat", "vat_json"),
                            ("payment", "payment_json")):
            assert order.stored_json(key) == row[column]
            assert order[key] == view[key]


async def test_central_keeps_the_text_the_edge_stored_and_reads_the_same_order(client, settings):
    orders = await pending_orders(client, 2)
    # A row from before the compact spelling: central must keep it as it is, not re-spell it.
    with sqlite3.connect(settings.data_path / EDGE_DB) as conn:
        conn.execute("UPDATE edge_orders SET items_json = ? WHERE order_uuid = ?",
                     (SPACED_ITEMS, orders[0]["order_uuid"]))
    orders = await pending_orders(client, 0)
    ledger = await SqliteLedger(settings.data_path / CENTRAL_DB).open()
    try:
        assert (await ledger.deliver(orders)).inserted == 2
        held = await ledger.list_orders("k1", 0, 10)
    finally:
        await ledger.close()
    with sqlite3.connect(settings.data_path / CENTRAL_DB) as conn:
        stored = dict(conn.execute("SELECT order_uuid, items_json FROM central_orders"))
    assert stored[orders[0]["order_uuid"]] == SPACED_ITEMS
    assert stored[orders[1]["order_uuid"]] == orders[1].stored_json("items")
    strip = ("sync_state", "synced_at", "cursor")
    assert [{k: v for k, v in o.items() if k not in strip} for o in held] == \
           [{k: v for k, v in o.items() if k not in strip} for o in orders]
    assert held[0]["items"] == [{"sku": "7310865004703", "qty": 2, "name": "Mjölk"}]
