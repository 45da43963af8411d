"""A delivered batch is marked by one sync mark (schema/edge/0007), and every reader of a
sale's sync state sees exactly what marking each sale would have shown: the orders list and
its filters, the backlog's head and count, the drain's next batch."""

import pytest

from server.config import EDGE_DB
from server.edge.figures import KIOSK_ROWS, oldest_pending
from server.edge.store import KIOSKS_WITH_PENDING, PENDING_BATCH, SEQS_IN_STATE
from server.edge_app.keys import EDGE_STORE, SYNC_WORKER
from tests.conftest import all_orders, heartbeat, sale
from tests.store_files import open_file

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core

EARLY, LATE = "2026-11-30T10:00:00.000000+00:00", "2026-11-30T10:05:00.000000+00:00"


async def offline_sales(client, kiosk_ids: list[str]) -> list[dict]:
    """One sale per entry of `kiosk_ids`, in that order, every link down, no drain running."""
    await client.app[SYNC_WORKER].stop()
    for kiosk_id in set(kiosk_ids):
        await heartbeat(client, kiosk_id, link_up=False)
    return [await (await client.post("/edge/checkout", json=sale(kiosk_id=k))).json()
            for k in kiosk_ids]


def seq_of(settings, order: dict) -> int:
    with open_file(settings, EDGE_DB) as conn:
        return conn.execute("SELECT seq FROM edge_orders WHERE order_uuid = ?",
                            (order["order_uuid"],)).fetchone()[0]


def shown(orders: list[dict]) -> list[tuple]:
    return [(o["order_uuid"], o["sync_state"], o["synced_at"]) for o in orders]


async def test_each_sale_shows_the_mark_of_its_batch_and_only_its_kiosk_moves(client, settings):
    sales = await offline_sales(client, ["k1", "k2"] * 6)
    k1 = [o for o in sales if o["kiosk_id"] == "k1"]
    store = client.app[EDGE_STORE]
    assert await store.mark_synced("k1", seq_of(settings, k1[1]), EARLY) == 4
    assert await store.mark_synced("k1", seq_of(settings, k1[3]), LATE) == 2

    expected = {o["order_uuid"]: (o["order_uuid"], "pending", None) for o in sales}
    expected.update({o["order_uuid"]: (o["order_uuid"], "synced", EARLY) for o in k1[:2]})
    expected.update({o["order_uuid"]: (o["order_uuid"], "synced", LATE) for o in k1[2:4]})
    assert shown(await all_orders(client, "/edge/orders")) == [expected[o["order_uuid"]]
                                                               for o in sales]
    pending = await all_orders(client, "/edge/orders", sync_state="pending")
    assert [o["order_uuid"] for o in pending] == [
        o["order_uuid"] for o in sales if expected[o["order_uuid"]][1] == "pending"]
    synced = await all_orders(client, "/edge/orders", sync_state="synced", kiosk_id="k1")
    assert [o["order_uuid"] for o in synced] == [o["order_uuid"] for o in k1[:4]]

    assert await store.pending_count("k1") == 2 and await store.pending_count("k2") == 6
    assert await store.kiosks_with_pending() == ["k1", "k2"]
    batch = await store.pending_batch("k1", 10)
    assert (batch.count, batch.last_seq) == (2, seq_of(settings, k1[5]))
    rows = {row["kiosk_id"]: row for row in
            (await (await client.get("/dashboard/kiosks")).json())["kiosks"]}
    assert (rows["k1"]["pending_count"], rows["k1"]["synced_count"]) == (2, 4)

    assert await store.mark_synced("k1", batch.last_seq, LATE) == 0
    assert await store.kiosks_with_pending() == ["k2"]
    assert (await store.pending_batch("k1", 10)).count == 0


async def test_a_mark_never_moves_a_kiosk_back(client, settings):
    sales = await offline_sales(client, ["k1"] * 4)
    store = client.app[EDGE_STORE]
    await store.mark_synced("k1", seq_of(settings, sales[2]), EARLY)
    before = shown(await all_orders(client, "/edge/orders"))
    overview = await (await client.get("/dashboard/overview")).json()

    # A replayed or late mark (a batch already marked, or an older one) changes nothing.
    assert await store.mark_synced("k1", seq_of(settings, sales[2]), LATE) == 1
    assert await store.mark_synced("k1", seq_of(settings, sales[0]), LATE) == 1
    assert shown(await all_orders(client, "/edge/orders")) == before
    assert await (await client.get("/dashboard/overview")).json() == overview
    with open_file(settings, EDGE_DB) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sync_marks").fetchone()[0] == 1


async def test_sales_marked_one_by_one_before_the_marks_keep_their_state(client, settings):
    """A store whose sales were marked row by row (before schema 0007) shows them as they
    were, and a later mark past them does not count them a second time."""
    sales = await offline_sales(client, ["k1"] * 4)
    with open_file(settings, EDGE_DB) as conn:  # as the old mark did
        conn.execute("UPDATE edge_orders SET sync_state = 'synced', synced_at = ?"
                     " WHERE order_uuid = ?", (EARLY, sales[0]["order_uuid"]))
    store = client.app[EDGE_STORE]
    assert await store.pending_count("k1") == 3
    batch = await store.pending_batch("k1", 2)
    assert (batch.count, batch.last_seq) == (2, seq_of(settings, sales[2]))

    assert await store.mark_synced("k1", batch.last_seq, LATE) == 1
    assert shown(await all_orders(client, "/edge/orders")) == [
        (sales[0]["order_uuid"], "synced", EARLY), (sales[1]["order_uuid"], "synced", LATE),
        (sales[2]["order_uuid"], "synced", LATE), (sales[3]["order_uuid"], "pending", None)]
    overview = await (await client.get("/dashboard/overview")).json()
    assert (overview["pending_count"], overview["synced_count"]) == (1, 3)


SEEK_PAST_MARK = "edge_orders_by_state (sync_state=? AND kiosk_id=? AND seq>?)"


async def test_the_backlog_is_found_by_a_seek_past_each_kiosks_mark(client, settings):
    """Every sale stays 'pending' in its column, so a query that walked a kiosk's stored
    'pending' sales would walk all it ever made: each finds the backlog by a seek instead."""
    await offline_sales(client, ["k1", "k2"])
    queries = {
        "the drain's batch": (PENDING_BATCH, {"kiosk": "k1", "limit": 10}),
        "kiosks with pending sales": (KIOSKS_WITH_PENDING, {}),
        "the backlog's head": (f"SELECT {oldest_pending('k.kiosk_id')} FROM kiosks AS k", {}),
        "the wallboard's kiosk rows": (KIOSK_ROWS, {"online_since": ""}),
        "the pending sales' list": (SEQS_IN_STATE["pending"], {}),
    }
    with open_file(settings, EDGE_DB) as conn:
        for name, (sql, params) in queries.items():
            plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            assert SEEK_PAST_MARK in plan, f"{name}: {plan}"
