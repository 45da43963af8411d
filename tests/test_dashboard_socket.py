"""The dashboard socket: a snapshot, then coalesced deltas that rebuild the REST view."""
import asyncio
from dataclasses import replace

import aiohttp
import pytest

from server.config import EDGE_DB
from server.edge_app.factory import create_app
from server.edge_app.keys import SYNC_WORKER
from server.hub.messages import validator
from tests.conftest import closed_with, heartbeat, sale
from tests.store_files import open_file

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core


async def connect(client):
    token = await client.token("dashboard")
    return await client.raw.ws_connect("/ws/dashboard",
                                       headers={"Authorization": f"Bearer {token}"})


def merge(state: dict, delta: dict) -> None:
    """What a wallboard does with a delta (a kiosk that left the board comes as None)."""
    for part in ("overview", "kiosks"):
        for key, value in delta[part].items():
            if part == "kiosks" and value is None:
                del state[part][key]
            elif isinstance(value, dict) and isinstance(state[part].get(key), dict):
                state[part][key].update(value)
            else:
                state[part][key] = value


async def next_delta(ws, seq: int, timeout: float = 5.0) -> dict:
    message = await asyncio.wait_for(ws.receive_json(), timeout)
    assert not list(validator("dashboard_delta").iter_errors(message))
    assert message["seq"] == seq + 1, "deltas carry consecutive seq"
    return message


async def wait_for(ws, state, predicate, timeout=5.0):
    """Merge deltas until `predicate(state)` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate(state):
        delta = await next_delta(ws, state["seq"], max(0.1, deadline - loop.time()))
        merge(state, delta)
        state["seq"] = delta["seq"]
    return state


async def rest_view(client) -> dict:
    overview = await (await client.get("/dashboard/overview")).json()
    kiosks = (await (await client.get("/dashboard/kiosks")).json())["kiosks"]
    return {"overview": overview, "kiosks": {k["kiosk_id"]: k for k in kiosks}}


async def test_snapshot_then_deltas_for_sales_flips_batches_and_stale_kiosks(client, clock,
                                                                           settings):
    await heartbeat(client, "k1", link_up=False)
    ws = await connect(client)
    state = await ws.receive_json()
    assert not list(validator("dashboard_snapshot").iter_errors(state))
    assert state["type"] == "snapshot"
    await wait_for(ws, state, lambda s: "k1" in s["kiosks"])  # if published after connecting

    await client.post("/edge/checkout", json=sale("k1"))      # a sale
    await wait_for(ws, state, lambda s: s["overview"]["orders_total"] == 1)
    assert state["kiosks"]["k1"]["pending_count"] == 1
    await heartbeat(client, "k1", link_up=True)              # a flip: the sync drains it
    await wait_for(ws, state, lambda s: s["overview"]["synced_count"] == 1)
    assert state["kiosks"]["k1"]["central_link_up"] is True
    assert state["overview"]["central_order_count"] == 1
    clock.advance(settings.heartbeat_timeout_s + 1)          # the kiosk goes stale
    await wait_for(ws, state, lambda s: s["kiosks"]["k1"]["online"] is False)
    assert state["overview"]["kiosks_online"] == 0

    view = await rest_view(client)
    await wait_for(ws, state, lambda s: s["overview"]["generated_at"] ==
                   view["overview"]["generated_at"], timeout=3)
    assert {k: v for k, v in state.items() if k not in ("type", "seq")} == view
    await ws.close()


async def test_a_burst_of_sales_is_coalesced_and_ends_equal_to_rest(make_client, settings, clock):
    client = await make_client(create_app(replace(settings, dashboard_tick_s=0.5), clock=clock))
    await client.app[SYNC_WORKER].stop()
    await heartbeat(client, "k1", link_up=False)
    ws = await connect(client)
    state = await ws.receive_json()
    for _ in range(20):
        await asyncio.gather(*(client.post("/edge/checkout", json=sale("k1")) for _ in range(50)))
    await wait_for(ws, state, lambda s: s["overview"]["orders_total"] == 1000, timeout=10)
    received = state["seq"]
    assert received < 100, f"{received} deltas for 1000 sales"
    view = await rest_view(client)
    await wait_for(ws, state, lambda s: s["overview"]["generated_at"] ==
                   view["overview"]["generated_at"], timeout=3)
    assert {k: v for k, v in state.items() if k not in ("type", "seq")} == view
    await ws.close()


async def test_a_gap_is_healed_by_asking_for_a_snapshot(client):
    ws = await connect(client)
    first = await ws.receive_json()
    await ws.send_json({"type": "snapshot_request"})
    again = await asyncio.wait_for(ws.receive_json(), 5)
    assert again["type"] == "snapshot" and again["seq"] >= first["seq"]
    await ws.send_json({"type": "please"})
    error = await asyncio.wait_for(ws.receive_json(), 5)
    while error["type"] != "error":
        error = await asyncio.wait_for(ws.receive_json(), 5)
    assert error["code"] == "unknown_type"
    await ws.close()


def plant_kiosks(settings, count: int) -> None:
    """Kiosks the edge has seen, straight into its file: a wallboard's snapshot grows."""
    with open_file(settings, EDGE_DB) as conn:
        conn.executemany("INSERT INTO kiosks (kiosk_id, first_seen_at) VALUES (?, 't')",
                         [(f"kiosk-{i:04d}",) for i in range(count)])


async def test_a_dashboard_that_stops_reading_is_dropped_and_checkouts_go_on(
        make_client, settings, clock):
    client = await make_client(create_app(replace(settings, ws_send_queue=8), clock=clock))
    plant_kiosks(settings, 500)
    ws = await connect(client)
    state = await ws.receive_json()
    await wait_for(ws, state, lambda s: len(s["kiosks"]) == 500)
    # Then it stops reading, and asks for a snapshot (150 KB each) again and again.
    for _ in range(300):
        await ws.send_str('{"type": "snapshot_request"}')
    statuses = [(await client.post("/edge/checkout", json=sale("k1"))).status
                for _ in range(10)]
    assert statuses == [201] * 10
    # Its queue filled while nothing was read: dropped as too slow (1013). An unbounded
    # queue would hold 45 MB for it instead, and never close.
    assert await closed_with(ws, 30) == aiohttp.WSCloseCode.TRY_AGAIN_LATER


async def test_only_dashboards_and_operators_may_watch(client):
    token = await client.token("k1")
    try:
        await client.raw.ws_connect("/ws/dashboard", headers={"Authorization": f"Bearer {token}"})
        raise AssertionError("a kiosk must not watch the wallboard feed")
    except aiohttp.WSServerHandshakeError as refused:
        assert refused.status == 403


async def test_a_sale_and_a_heartbeat_reach_the_wallboard_without_waiting_for_a_tick(
        make_client, settings, clock):
    # The periodic look is an hour away: only the edge's news can move the wallboard.
    client = await make_client(create_app(replace(settings, dashboard_tick_s=3600),
                                          clock=clock))
    await heartbeat(client, "k1", link_up=False)   # the sync leaves its sales alone
    ws = await connect(client)
    state = await ws.receive_json()
    await wait_for(ws, state, lambda s: "k1" in s["kiosks"])
    assert (await client.post("/edge/checkout", json=sale("k1"))).status == 201
    await wait_for(ws, state, lambda s: s["overview"]["orders_total"] == 1)
    await heartbeat(client, "k2", link_up=False)
    await wait_for(ws, state, lambda s: "k2" in s["kiosks"])
    await ws.close()
