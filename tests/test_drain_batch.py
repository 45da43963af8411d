"""The drain's batches: the edge writes a kiosk's pending sales as one JSON array of rows, and
central inserts from that text, both inside SQLite, with the same values either way."""
import json
import sqlite3

import pytest

from server.central.sqlite_ledger import REFUSAL, SqliteLedger
from server.config import CENTRAL_DB, EDGE_DB
from server.edge_app.keys import EDGE_STORE, SYNC_WORKER
from server.orders import BATCH_COLUMNS, order_view
from tests.conftest import batch_of, heartbeat, sale
from tests.store_files import open_file, plant_conflicting_row

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core

# A row from before the compact spelling, with a name that is not ASCII.
SPACED_ITEMS = '[ {"sku": "7310865004703", "qty": 2, "name": "Mj\\u00f6lk", "line_ore": 3390} ]'
STRIP = ("sync_state", "synced_at", "cursor")


async def sell_offline(client, count: int) -> list[str]:
    """`count` sales of k1 that stay pending (no sync worker, link down); their uuids."""
    await client.app[SYNC_WORKER].stop()
    await heartbeat(client, "k1", link_up=False)
    answers = [await (await client.post("/edge/checkout", json=sale())).json()
               for _ in range(count)]
    return [answer["order_uuid"] for answer in answers]


def edge_views(settings) -> list[dict]:
    """Every edge row as order_view shows it, in seq order."""
    with open_file(settings, EDGE_DB, named_rows=True) as conn:
        rows = conn.execute("SELECT * FROM edge_orders ORDER BY seq").fetchall()
    return [order_view(row, "pending", None) for row in rows]


def without(keys, orders: list[dict]) -> list[dict]:
    return [{k: v for k, v in order.items() if k not in keys} for order in orders]


async def test_the_batch_is_the_oldest_pending_sales_as_the_edge_stored_them(client, settings):
    uuids = await sell_offline(client, 5)
    with open_file(settings, EDGE_DB) as conn:
        conn.execute("UPDATE edge_orders SET items_json = ? WHERE order_uuid = ?",
                     (SPACED_ITEMS, uuids[1]))
        stored = conn.execute(f"SELECT {', '.join(BATCH_COLUMNS)} FROM edge_orders"
                              " ORDER BY seq").fetchall()
        seqs = [seq for (seq,) in conn.execute("SELECT seq FROM edge_orders ORDER BY seq")]
    store = client.app[EDGE_STORE]

    batch = await store.pending_batch("k1", 3)
    assert [tuple(row) for row in json.loads(batch.text)] == stored[:3]
    assert (batch.count, batch.last_seq) == (3, seqs[2])
    assert json.loads(batch.text)[1][BATCH_COLUMNS.index("items_json")] == SPACED_ITEMS

    empty = await store.pending_batch("nobody", 3)
    assert (empty.count, empty.last_seq, json.loads(empty.text)) == (0, None, [])


def test_a_batch_of_api_orders_carries_their_values():
    order = {"order_uuid": "k1:abcdefgh", "kiosk_id": "k1", "idempotency_key": "abcdefgh",
             "items": [{"name": "Mjölk"}], "vat": [], "total_ore": 7, "payment": {"m": 1},
             "catalog_version": "v", "created_at": "c", "business_day": "d", "prev_hash": "p",
             "entry_hash": "e", "currency": "SEK", "sync_state": "pending"}
    (row,) = json.loads(batch_of([order]))
    sale = dict(zip(BATCH_COLUMNS, row, strict=True))
    assert {name: json.loads(sale.pop(name)) for name in ("items_json", "vat_json",
            "payment_json")} == {"items_json": order["items"], "vat_json": order["vat"],
                                 "payment_json": order["payment"]}
    assert sale == {name: order[name] for name in sale}


async def test_central_holds_the_values_the_edge_holds(client, settings):
    uuids = await sell_offline(client, 4)
    with open_file(settings, EDGE_DB) as conn:
        conn.execute("UPDATE edge_orders SET items_json = ? WHERE order_uuid = ?",
                     (SPACED_ITEMS, uuids[0]))
    batch = await client.app[EDGE_STORE].pending_batch("k1", 100)
    ledger = await SqliteLedger(settings.central_db_path, key=settings.database_key()).open()
    try:
        delivery = await ledger.deliver(batch.text)
        held, _ = await ledger.list_orders("k1", 0, 10)
    finally:
        await ledger.close()
    assert (delivery.inserted, delivery.already_present, delivery.refused) == (4, 0, {})
    assert without(STRIP, held) == without(STRIP, edge_views(settings))
    assert [order["order_uuid"] for order in held] == uuids  # arrival order is seq order
    with open_file(settings, CENTRAL_DB) as conn:
        types = conn.execute("SELECT DISTINCT typeof(total_ore), typeof(entry_hash),"
                             " typeof(items_json) FROM central_orders").fetchall()
    assert types == [("integer", "text", "text")]


async def test_a_batch_counts_new_held_and_refused_orders(client, settings):
    uuids = await sell_offline(client, 4)
    batch = await client.app[EDGE_STORE].pending_batch("k1", 100)
    ledger = await SqliteLedger(settings.central_db_path, key=settings.database_key()).open()
    try:
        await ledger.deliver(json.dumps(json.loads(batch.text)[:1]))
        plant_conflicting_row(settings, uuids[1])
        delivery = await ledger.deliver(batch.text)
    finally:
        await ledger.close()
    assert (delivery.inserted, delivery.already_present) == (2, 1)
    assert delivery.refused == {uuids[1]: REFUSAL}


async def test_orders_from_before_the_journal_count_as_held_not_refused(tmp_path):
    order = {"order_uuid": "k1:abcdefgh", "kiosk_id": "k1", "idempotency_key": "abcdefgh",
             "items": [], "vat": [], "total_ore": 0, "payment": {"method": "card"},
             "catalog_version": "v", "created_at": "2026-01-01T00:00:00.000000+00:00",
             "business_day": "2026-01-01"}  # no prev_hash, no entry_hash
    ledger = await SqliteLedger(tmp_path / "central.db").open()
    try:
        assert (await ledger.deliver(batch_of([order]))).inserted == 1
        again = await ledger.deliver(batch_of([order]))
        assert (again.inserted, again.already_present, again.refused) == (0, 1, {})
    finally:
        await ledger.close()


async def test_a_batch_with_a_broken_order_is_kept_whole_or_not_at_all(tmp_path):
    good = {"order_uuid": "k1:abcdefgh", "kiosk_id": "k1", "idempotency_key": "abcdefgh",
            "items": [], "vat": [], "total_ore": 0, "payment": {"method": "card"},
            "catalog_version": "v", "created_at": "2026-01-01T00:00:00.000000+00:00",
            "business_day": "2026-01-01"}
    broken = {**good, "order_uuid": "k1:broken12"}
    del broken["kiosk_id"]
    ledger = await SqliteLedger(tmp_path / "central.db").open()
    try:
        with pytest.raises(sqlite3.IntegrityError):
            await ledger.deliver(batch_of([good, broken]))
        assert await ledger.order_count() == 0
    finally:
        await ledger.close()
