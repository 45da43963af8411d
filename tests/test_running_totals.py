"""The running totals the edge store's triggers keep (schema/edge/0006) always equal a full
aggregate over edge_orders: after sales, syncs and set-asides across kiosks, days and
minutes, and after the migration back-fills a file written before them."""
import random
import sqlite3

import pytest

from server.config import EDGE_DB
from server.edge_app.keys import SYNC_WORKER
from server.schema import SCHEMA_ROOT, migrations
from server.sqlite import SqliteDatabase
from server.sqlite_open import open_connection
from tests.conftest import DETERGENT, MILK, NEWSPAPER, heartbeat, sale
from tests.store_files import plant_conflicting_row

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core

# What the totals must equal: the aggregates the dashboard ran before it had them.
KIOSK_DAY_AGGREGATE = """
SELECT kiosk_id, business_day, COUNT(*), SUM(total_ore),
       SUM(sync_state = 'pending'), SUM(CASE WHEN sync_state = 'pending' THEN total_ore ELSE 0 END),
       SUM(sync_state = 'synced'),
       SUM(sync_state = 'attention'),
       SUM(CASE WHEN sync_state = 'attention' THEN total_ore ELSE 0 END)
FROM edge_orders_now GROUP BY kiosk_id, business_day ORDER BY kiosk_id, business_day
"""
KIOSK_DAY_TOTALS = """
SELECT kiosk_id, business_day, orders, total_ore, pending, pending_ore, synced, set_aside,
       set_aside_ore
FROM kiosk_day_totals ORDER BY kiosk_id, business_day
"""
MINUTE_AGGREGATE = """
SELECT minute, SUM(created), SUM(cleared) FROM (
    SELECT substr(created_at, 1, 16) AS minute, 1 AS created, 0 AS cleared FROM edge_orders
    UNION ALL
    SELECT substr(COALESCE(synced_at, set_aside_at), 1, 16), 0, 1 FROM edge_orders_now
    WHERE sync_state <> 'pending'
) GROUP BY minute ORDER BY minute
"""
MINUTE_TOTALS = "SELECT minute, created, cleared FROM minute_totals ORDER BY minute"


def assert_totals_match(path, key=None) -> tuple[list, list]:
    with open_connection(path, key) as conn:
        by_day = conn.execute(KIOSK_DAY_TOTALS).fetchall()
        by_minute = conn.execute(MINUTE_TOTALS).fetchall()
        assert by_day == conn.execute(KIOSK_DAY_AGGREGATE).fetchall()
        assert by_minute == conn.execute(MINUTE_AGGREGATE).fetchall()
    return by_day, by_minute


async def test_totals_follow_sales_syncs_and_set_asides(client, settings, clock):
    """Three kiosks over two business days and several minutes; some sales drain, one is
    set aside, some stay pending: the totals, and every figure read from them, agree with
    the rows."""
    clock.now = clock().replace(hour=10, minute=0)  # the minutes stay in one business day
    await client.app[SYNC_WORKER].stop()  # drain by hand, at chosen moments
    kiosks, rng = ["k1", "k2", "k3"], random.Random(6)
    for kiosk in kiosks:
        await heartbeat(client, kiosk, link_up=False)
    made = []
    for day in range(2):
        for _minute in range(3):
            for _ in range(4):
                sku = rng.choice([MILK, DETERGENT, NEWSPAPER])
                items = [{"sku": sku, "qty": rng.randint(1, 3)}]
                response = await client.post(
                    "/edge/checkout", json=sale(rng.choice(kiosks), items=items))
                assert response.status == 201
                made.append(await response.json())
            clock.advance(60)
        if day == 0:  # central refuses one of k1's sales for good; k1 and k2 drain
            plant_conflicting_row(
                settings, next(o["order_uuid"] for o in made if o["kiosk_id"] == "k1"))
            for kiosk in ("k1", "k2"):
                await heartbeat(client, kiosk, link_up=True)
                assert (await client.post("/edge/sync", json={"kiosk_id": kiosk})).status == 200
                await heartbeat(client, kiosk, link_up=False)
        clock.advance(24 * 3600)

    by_day, by_minute = assert_totals_match(settings.edge_db_path, settings.database_key())
    assert len({day for _, day, *_ in by_day}) == 2 and len(by_minute) >= 7
    assert sum(row[7] for row in by_day) == 1  # the one set aside
    assert 0 < sum(row[6] for row in by_day) < len(made)  # synced, with more still pending

    overview = await (await client.get("/dashboard/overview")).json()
    assert overview["orders_total"] == len(made)
    assert overview["revenue_total_ore"] == sum(o["total_ore"] for o in made)
    assert overview["pending_count"] == sum(row[4] for row in by_day)
    assert overview["oldest_pending_at"] == min(
        o["created_at"] for o in made if o["kiosk_id"] == "k3")  # k3 never drained
    rows = (await (await client.get("/dashboard/kiosks")).json())["kiosks"]
    for row in rows:
        mine = [o for o in made if o["kiosk_id"] == row["kiosk_id"]]
        assert row["orders_count"] == len(mine)
        assert row["last_checkout_at"] == max(o["created_at"] for o in mine)


async def test_the_migration_back_fills_a_file_written_before_it(tmp_path):
    """A store at version 5 with sales in every state gets totals equal to its rows."""
    path = tmp_path / EDGE_DB
    before = [m for m in migrations(SCHEMA_ROOT / "edge") if m[0] <= 5]
    with sqlite3.connect(path, isolation_level=None) as conn:
        for version, sql in before:
            conn.executescript(f"BEGIN;\n{sql.read_text()}\nPRAGMA user_version={version};COMMIT;")
        conn.execute("INSERT INTO kiosks (kiosk_id, first_seen_at) VALUES ('k1', 't'), ('k2', 't')")
        pending, synced = ("pending", None, None), ("synced", "2026-11-02T10:00:01.000000Z", None)
        set_aside = ("attention", None, "2026-11-02T10:07:00.000000Z")
        states = [pending, pending, pending, synced, synced, set_aside]  # 15, 10 and 5
        for i in range(30):
            state, synced_at, set_aside_at = states[i % 6]
            conn.execute(
                "INSERT INTO edge_orders (order_uuid, kiosk_id, idempotency_key, request_hash,"
                " items_json, vat_json, total_ore, payment_json, catalog_version, created_at,"
                " business_day, sync_state, synced_at, set_aside_at) VALUES"
                " (?, ?, ?, 'h', '[]', '[]', ?, '{}', 'v', ?, ?, ?, ?, ?)",
                (f"u{i}", f"k{1 + i % 2}", f"key{i}", 100 + i,
                 f"2026-11-0{1 + i % 2}T09:{i % 4:02d}:00.000000Z", f"2026-11-0{1 + i % 2}",
                 state, synced_at, set_aside_at))
    db = await SqliteDatabase(path, SCHEMA_ROOT / "edge").open()
    try:
        assert await db.user_version() >= 6
    finally:
        await db.close()
    by_day, by_minute = assert_totals_match(path)
    assert sum(row[2] for row in by_day) == 30
    assert sum(created for _, created, _ in by_minute) == 30
    assert sum(cleared for _, _, cleared in by_minute) == 15
