"""Catalog, order lists with cursors, dashboard metrics and health."""
import json
import logging

import pytest

from server.catalog.catalog import Catalog
from server.catalog.ean import is_valid_ean13
from server.config import CENTRAL_DB
from server.edge_app.keys import SYNC_WORKER
from tests.conftest import DETERGENT, MILK, heartbeat, sale
from tests.store_files import open_file

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core


def test_the_default_catalog_is_a_real_grocery_catalog():
    catalog = Catalog.load()
    products = list(catalog.products.values())
    assert len(products) >= 40
    assert all(is_valid_ean13(p.sku) for p in products)
    assert {p.vat_rate for p in products} == {6, 12, 25}
    assert all(isinstance(p.price_ore, int) and p.price_ore > 0 for p in products)
    assert any(p.age_limit for p in products)


async def test_catalog_is_served_with_a_version_tag_and_etag(client):
    resp = await client.get("/catalog")
    assert resp.status == 200
    body = await resp.json()
    assert body["currency"] == "SEK" and len(body["items"]) >= 40
    assert resp.headers["ETag"] == f'"{body["version"]}"'
    again = await client.get("/catalog", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status == 304


async def test_a_configured_catalog_file_replaces_the_default(make_client, settings, tmp_path):
    from dataclasses import replace

    from server.edge_app.factory import create_app
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"items": [{"sku": MILK, "name": "Mjölk", "price_ore": 1000,
                                           "vat_rate": 12, "category": "Mejeri"}]}))
    client = await make_client(create_app(replace(settings, catalog_file=str(path))))
    body = await (await client.get("/catalog")).json()
    assert [i["name"] for i in body["items"]] == ["Mjölk"]
    order = await (await client.post("/edge/checkout", json=sale())).json()
    assert order["total_ore"] == 2000


async def test_edge_orders_pages_with_a_cursor_and_filters(client):
    await heartbeat(client, "a", link_up=False)
    await heartbeat(client, "b", link_up=False)
    keys = []
    for i in range(5):
        body = sale(kiosk_id="ab"[i % 2])
        keys.append(body["idempotency_key"])
        await client.post("/edge/checkout", json=body)
    first = await (await client.get("/edge/orders", params={"limit": 2})).json()
    assert [o["idempotency_key"] for o in first["orders"]] == keys[:2]
    second = await (await client.get("/edge/orders",
                                     params={"limit": 2, "after": first["next"]})).json()
    assert [o["idempotency_key"] for o in second["orders"]] == keys[2:4]
    last = await (await client.get("/edge/orders",
                                   params={"limit": 2, "after": second["next"]})).json()
    assert [o["idempotency_key"] for o in last["orders"]] == keys[4:]
    assert last["next"] is None
    only_b = await (await client.get("/edge/orders", params={"kiosk_id": "b"})).json()
    assert [o["idempotency_key"] for o in only_b["orders"]] == keys[1::2]
    synced = await (await client.get("/edge/orders", params={"sync_state": "synced"})).json()
    assert synced == {"orders": [], "next": None}


async def test_central_orders_page_and_filter_by_kiosk(client):
    await client.app[SYNC_WORKER].stop()
    for kiosk in ("a", "b", "a"):
        await heartbeat(client, kiosk, link_up=True)
        await client.post("/edge/checkout", json=sale(kiosk_id=kiosk))
    await client.post("/edge/sync", json={})
    page = await (await client.get("/central/orders", params={"limit": 2})).json()
    assert len(page["orders"]) == 2 and page["next"]
    rest = await (await client.get("/central/orders",
                                   params={"limit": 2, "after": page["next"]})).json()
    assert len(rest["orders"]) == 1 and rest["next"] is None
    only_a = await (await client.get("/central/orders", params={"kiosk_id": "a"})).json()
    assert [o["kiosk_id"] for o in only_a["orders"]] == ["a", "a"]
    assert all(o["sync_state"] == "synced" and o["synced_at"] for o in only_a["orders"])
    pending = await (await client.get("/central/orders", params={"sync_state": "pending"})).json()
    assert pending == {"orders": [], "next": None}
    synced = await (await client.get("/central/orders", params={"sync_state": "synced"})).json()
    assert len(synced["orders"]) == 3


async def test_dashboard_figures_add_up(client, settings, clock):
    clock.now = clock().replace(hour=11, minute=0)  # far from the store's midnight: one "today"
    await client.app[SYNC_WORKER].stop()
    await heartbeat(client, "k1", link_up=True)
    await heartbeat(client, "k2", link_up=False)
    await client.post("/edge/checkout", json=sale("k1", items=[{"sku": MILK, "qty": 1}]))
    await client.post("/edge/checkout", json=sale("k2", items=[{"sku": DETERGENT, "qty": 2}]))
    await client.post("/edge/checkout", json=sale("k2", items=[{"sku": MILK, "qty": 3}]))
    await client.post("/edge/sync", json={"kiosk_id": "k1"})
    clock.advance(30)
    await heartbeat(client, "k1", link_up=True)  # k2 has now been silent for 30 s

    overview = await (await client.get("/dashboard/overview")).json()
    assert {k: overview[k] for k in (
        "kiosks_total", "kiosks_online", "kiosks_link_down", "orders_total", "orders_today",
        "revenue_total_ore", "revenue_today_ore", "pending_count", "synced_count",
        "central_order_count", "checkouts_per_minute")} == {
        "kiosks_total": 2, "kiosks_online": 1, "kiosks_link_down": 0, "orders_total": 3,
        "orders_today": 3, "revenue_total_ore": 1695 + 15990 + 5085,
        "revenue_today_ore": 1695 + 15990 + 5085, "pending_count": 2, "synced_count": 1,
        "central_order_count": 1, "checkouts_per_minute": 3}
    assert overview["oldest_pending_age_s"] == 30.0

    kiosks = {k["kiosk_id"]: k for k in
              (await (await client.get("/dashboard/kiosks")).json())["kiosks"]}
    assert (kiosks["k1"]["online"], kiosks["k1"]["pending_count"], kiosks["k1"]["synced_count"]) \
        == (True, 0, 1)
    assert kiosks["k1"]["last_sync_at"] is not None
    assert (kiosks["k2"]["online"], kiosks["k2"]["central_link_up"], kiosks["k2"]["orders_count"],
            kiosks["k2"]["revenue_ore"]) == (False, False, 2, 15990 + 5085)
    assert kiosks["k2"]["last_checkout_at"] is not None
    clock.advance(31)
    later = await (await client.get("/dashboard/overview")).json()
    assert later["checkouts_per_minute"] == 0 and later["kiosks_online"] == 0


async def test_health_is_503_when_a_store_is_unusable(client, settings, caplog):
    assert (await client.get("/health")).status == 200
    with open_file(settings, CENTRAL_DB) as conn:
        conn.execute("DROP TABLE central_orders")
    with caplog.at_level(logging.WARNING):
        resp = await client.get("/health")
    assert resp.status == 503
    assert "no such table" not in await resp.text()   # SQLite's own words: to the log only
    error = (await resp.json())["error"]
    assert error["code"] == "store_unavailable"
    assert error["details"] == {"edge": "ok", "central": "unavailable"}
    assert any("no such table: central_orders" in r.getMessage() for r in caplog.records)
