"""Reconciliation: the edge beside central, per kiosk and business day."""

import pytest

from server.config import CENTRAL_DB
from server.edge_app.keys import CENTRAL_LEDGER, SYNC_WORKER
from tests.conftest import MILK, batch_of, heartbeat, sale
from tests.store_files import open_file

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core


async def reconciliation(client) -> dict:
    resp = await client.get("/dashboard/reconciliation")
    assert resp.status == 200
    return await resp.json()


async def test_pending_then_matches_then_a_row_removed_behind_our_back(client, settings):
    await client.app[SYNC_WORKER].stop()  # drain by hand, to see each state
    await heartbeat(client, "k1", link_up=True)
    await heartbeat(client, "k2", link_up=True)
    for kiosk, qty in (("k1", 1), ("k1", 2), ("k2", 3)):
        await client.post("/edge/checkout", json=sale(kiosk, items=[{"sku": MILK, "qty": qty}]))

    report = await reconciliation(client)
    assert report["all_match"] is False
    assert [(r["kiosk_id"], r["status"], r["edge"]["pending"]) for r in report["rows"]] == [
        ("k1", "pending", 2), ("k2", "pending", 1)]

    await client.post("/edge/sync", json={})
    report = await reconciliation(client)
    assert report["all_match"] is True
    k1 = report["rows"][0]
    assert k1["edge"] == {"orders": 2, "total_ore": 3 * 1695, "pending": 0, "set_aside": 0,
                          "in_transit": 0}
    assert k1["central"] == {"orders": 2, "total_ore": 3 * 1695}
    assert k1["difference"] == {"orders": 0, "total_ore": 0}

    with open_file(settings, CENTRAL_DB) as conn:  # someone deletes a row
        conn.execute("DELETE FROM central_orders WHERE kiosk_id = 'k1'"
                     " AND id = (SELECT MIN(id) FROM central_orders WHERE kiosk_id = 'k1')")
    report = await reconciliation(client)
    assert report["all_match"] is False
    k1 = report["rows"][0]
    assert k1["status"] == "differs"
    assert k1["difference"] == {"orders": 1, "total_ore": 1695}
    assert report["rows"][1]["status"] == "matches"


async def test_duplicates_absorbed_are_shown(client, settings):
    await client.app[SYNC_WORKER].stop()
    await heartbeat(client, "k1", link_up=True)
    await client.post("/edge/checkout", json=sale("k1"))
    order = (await (await client.get("/edge/orders")).json())["orders"][0]
    await client.app[CENTRAL_LEDGER].deliver(batch_of([order]))  # central got it before a crash
    await client.post("/edge/sync", json={"kiosk_id": "k1"})
    report = await reconciliation(client)
    assert report["duplicates_absorbed"] == 1 and report["all_match"] is True
