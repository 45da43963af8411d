"""Staff at the kiosk: their PIN, link drills the edge respects, and age checks at checkout."""
import pytest

from server.config import EDGE_DB
from tests.conftest import MILK, eventually, heartbeat, sale
from tests.store_files import central_rows, edge_rows, open_file

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core

BEER = "7318168610409"   # Folköl 2,8 %: age limit 18
PIN = "1234"             # the default staff_pin


async def audit_actions(client) -> list[tuple[str, str]]:
    events = (await (await client.get("/admin/audit")).json())["events"]
    return [(e["action"], e["target"]) for e in events]


async def test_the_staff_pin_opens_the_panel_and_every_try_is_audited(client):
    assert (await client.post("/edge/staff/verify", json={"pin": PIN})).status == 200
    resp = await client.post("/edge/staff/verify", json={"pin": "9999"})
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "wrong_staff_pin"
    actions = await audit_actions(client)
    assert ("staff_pin_ok", "staff_panel") in actions
    assert ("staff_pin_failed", "staff_panel") in actions


async def test_guessing_the_pin_is_throttled_even_with_load_limits_off(client, settings):
    statuses = [(await client.post("/edge/staff/verify", json={"pin": f"{n:04d}"})).status
                for n in range(2000, 2008)]
    limit = int(settings.staff_pin_attempts_per_min)
    assert statuses == [403] * limit + [429] * (8 - limit)
    # Even the right PIN waits now: once locked, guessing it among the tries is no way out.
    resp = await client.post("/edge/staff/verify", json={"pin": PIN})
    assert resp.status == 429 and int(resp.headers["Retry-After"]) >= 1


async def test_right_pins_never_count_against_the_limit(client, settings):
    # Staff approving a queue of age checks in a minute must not lock themselves out.
    for _ in range(3 * int(settings.staff_pin_attempts_per_min)):
        resp = await client.post("/edge/staff/verify",
                                 json={"pin": PIN, "purpose": "staff_approval"})
        assert resp.status == 200
    resp = await client.post("/edge/staff/verify", json={"pin": "9999"})
    assert resp.status == 403
    assert ("staff_pin_ok", "staff_approval") in await audit_actions(client)


async def test_a_link_drill_keeps_sales_pending_until_staff_release_it(client, settings):
    await heartbeat(client, "k1", link_up=True)
    resp = await client.post("/edge/link-override", json={"pin": PIN, "forced_down": True})
    assert (await resp.json()) == {"kiosk_id": "k1", "link_forced_down": True, "pending_count": 0}
    for _ in range(3):
        assert (await client.post("/edge/checkout", json=sale("k1"))).status == 201
    beat = await heartbeat(client, "k1", link_up=True)  # the kiosk itself still sees central
    assert beat["link_forced_down"] is True and beat["pending_count"] == 3
    resp = await client.post("/edge/sync", json={"kiosk_id": "k1"})
    assert resp.status == 503 and (await resp.json())["error"]["code"] == "central_link_down"
    kiosk = (await (await client.get("/dashboard/kiosks")).json())["kiosks"][0]
    assert kiosk["link_forced_down"] is True and central_rows(settings) == 0

    resp = await client.post("/edge/link-override", json={"pin": PIN, "forced_down": False})
    assert (await resp.json())["link_forced_down"] is False

    async def drained():
        return central_rows(settings) == 3
    await eventually(drained)
    assert ("link_override", "k1") in await audit_actions(client)


async def test_a_drill_needs_the_pin(client, settings):
    resp = await client.post("/edge/link-override", json={"pin": "0000", "forced_down": True})
    assert resp.status == 403
    with open_file(settings, EDGE_DB) as conn:
        assert conn.execute("SELECT COUNT(*) FROM kiosks WHERE link_forced_down = 1"
                            ).fetchone()[0] == 0


async def test_age_restricted_goods_need_staff_approval(client, settings):
    items = [{"sku": BEER, "qty": 2}, {"sku": MILK, "qty": 1}]
    quote = await (await client.post("/edge/quote", json={"items": items})).json()
    assert quote["age_limit"] == 18
    resp = await client.post("/edge/checkout", json=sale(items=items))
    assert resp.status == 403
    error = (await resp.json())["error"]
    assert error["code"] == "age_check_required"
    assert error["details"] == {"age_limit": 18, "label_checks": []}
    resp = await client.post("/edge/checkout", json=sale(items=items, staff_pin="4321"))
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "wrong_staff_pin"
    assert edge_rows(settings) == 0

    body = sale(items=items, staff_pin=PIN)
    resp = await client.post("/edge/checkout", json=body)
    assert resp.status == 201
    order = await resp.json()
    assert ("staff_approval", order["order_uuid"]) in await audit_actions(client)
    # A retry replays the approved sale; the PIN is not part of what makes the sale.
    replay = {k: v for k, v in body.items() if k != "staff_pin"}
    assert (await client.post("/edge/checkout", json=replay)).status == 200
    assert edge_rows(settings) == 1
    # Goods without an age limit need no one.
    quote = await (await client.post("/edge/quote", json={"items": [items[1]]})).json()
    assert quote["age_limit"] is None
