"""POST /edge/checkout: edge pricing, VAT, durability and idempotency (DESIGN.md §3-4)."""
import asyncio

import pytest

from server.config import EDGE_DB
from server.edge.checkout import request_fingerprint, spaced_fingerprint
from tests.conftest import DETERGENT, MILK, NEWSPAPER, sale
from tests.store_files import edge_rows, open_file

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core


async def test_checkout_prices_every_line_and_breaks_down_vat(client, settings):
    body = sale(items=[{"sku": MILK, "qty": 2}, {"sku": DETERGENT, "qty": 1},
                       {"sku": NEWSPAPER, "qty": 3}])
    resp = await client.post("/edge/checkout", json=body)
    assert resp.status == 201
    order = await resp.json()
    assert order["order_uuid"] == f"k1:{body['idempotency_key']}"
    assert [(i["sku"], i["unit_price_ore"], i["line_total_ore"]) for i in order["items"]] == [
        (MILK, 1695, 3390), (DETERGENT, 7995, 7995), (NEWSPAPER, 3500, 10500)]
    assert order["total_ore"] == 3390 + 7995 + 10500
    # VAT is contained in the shelf price: amount = gross * rate / (100 + rate), rounded.
    assert order["vat"] == [
        {"rate": 6, "gross_ore": 10500, "amount_ore": 594},
        {"rate": 12, "gross_ore": 3390, "amount_ore": 363},
        {"rate": 25, "gross_ore": 7995, "amount_ore": 1599},
    ]
    assert order["sync_state"] == "pending" and order["synced_at"] is None
    assert order["created_at"].endswith("+00:00")
    # The 201 came after the commit: the row is in the file for any other reader.
    assert edge_rows(settings) == 1


async def test_prices_sent_by_the_kiosk_are_ignored(client):
    body = sale(items=[{"sku": MILK, "qty": 1, "unit_price_ore": 1, "line_total_ore": 1}])
    order = await (await client.post("/edge/checkout", json=body)).json()
    assert order["items"][0]["unit_price_ore"] == 1695
    assert order["total_ore"] == 1695


async def test_expected_total_mismatch_is_refused_with_price_changed(client, settings):
    resp = await client.post("/edge/checkout", json=sale(expected_total_ore=100))
    assert resp.status == 409
    error = (await resp.json())["error"]
    assert error["code"] == "price_changed"
    assert error["details"]["total_ore"] == 3390
    assert edge_rows(settings) == 0
    resp = await client.post("/edge/checkout", json=sale(expected_total_ore=3390))
    assert resp.status == 201


async def test_unknown_sku_is_refused_per_line(client, settings):
    body = sale(items=[{"sku": MILK, "qty": 1}, {"sku": "4006381333931", "qty": 1}])
    resp = await client.post("/edge/checkout", json=body)
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "unknown_sku"
    assert error["details"]["fields"] == {"items.1.sku": "4006381333931"}
    assert edge_rows(settings) == 0


async def test_replay_returns_the_first_answer_and_writes_nothing(client, settings):
    body = sale()
    first = await client.post("/edge/checkout", json=body)
    assert first.status == 201
    again = await client.post("/edge/checkout", json=body)
    assert again.status == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await again.json() == await first.json()
    assert edge_rows(settings) == 1


async def test_replay_answers_as_first_accepted_even_after_sync(client, settings):
    await client.post("/edge/heartbeat", json={"kiosk_id": "k1", "central_link_up": True})
    body = sale()
    first = await (await client.post("/edge/checkout", json=body)).json()
    sync = await client.post("/edge/sync", json={"kiosk_id": "k1"})
    assert sync.status == 200
    replay = await client.post("/edge/checkout", json=body)
    assert await replay.json() == first
    listed = await (await client.get("/edge/orders")).json()
    assert listed["orders"][0]["sync_state"] == "synced"


async def test_same_key_with_another_body_is_refused(client, settings):
    body = sale()
    assert (await client.post("/edge/checkout", json=body)).status == 201
    other = {**body, "items": [{"sku": MILK, "qty": 3}]}
    resp = await client.post("/edge/checkout", json=other)
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "idempotency_key_reused"
    assert edge_rows(settings) == 1
    with open_file(settings, EDGE_DB) as conn:
        assert conn.execute("SELECT total_ore FROM edge_orders").fetchone()[0] == 3390


async def test_a_sale_stored_with_the_spaced_fingerprint_still_replays(client, settings):
    """Sales from before the canonical fingerprint keep the spaced one; their retries replay
    and another body under their key is still refused."""
    body = sale()
    first = await client.post("/edge/checkout", json=body)
    assert spaced_fingerprint(body) != request_fingerprint(body)
    with open_file(settings, EDGE_DB) as conn:
        conn.execute("UPDATE edge_orders SET request_hash = ?", (spaced_fingerprint(body),))
    again = await client.post("/edge/checkout", json=body)
    assert again.status == 200
    assert await again.json() == await first.json()
    other = await client.post("/edge/checkout", json={**body, "expected_total_ore": 1})
    assert (await other.json())["error"]["code"] == "idempotency_key_reused"
    assert edge_rows(settings) == 1


async def test_same_key_on_another_kiosk_is_another_sale(client, settings):
    body = sale()
    assert (await client.post("/edge/checkout", json=body)).status == 201
    resp = await client.post("/edge/checkout", json={**body, "kiosk_id": "k2"})
    assert resp.status == 201
    assert (await resp.json())["order_uuid"] == f"k2:{body['idempotency_key']}"
    assert edge_rows(settings) == 2


async def test_twenty_concurrent_requests_with_one_key_make_one_row(client, settings):
    body = sale(items=[{"sku": MILK, "qty": 1}, {"sku": DETERGENT, "qty": 2}])
    responses = await asyncio.gather(
        *(client.post("/edge/checkout", json=body) for _ in range(20)))
    statuses = sorted(r.status for r in responses)
    assert statuses == [200] * 19 + [201]
    bodies = [await r.json() for r in responses]
    assert all(b == bodies[0] for b in bodies)
    assert edge_rows(settings) == 1


async def test_many_distinct_sales_all_land(client, settings):
    responses = await asyncio.gather(
        *(client.post("/edge/checkout", json=sale(kiosk_id=f"k{i % 4}")) for i in range(40)))
    assert [r.status for r in responses] == [201] * 40
    assert edge_rows(settings) == 40


async def test_a_card_number_is_never_stored(client, settings):
    body = sale(payment={"method": "card", "reference": "4111 1111 1111 1111"})
    resp = await client.post("/edge/checkout", json=body)
    assert resp.status == 422
    assert "payment.reference" in (await resp.json())["error"]["details"]["fields"]
    assert edge_rows(settings) == 0
