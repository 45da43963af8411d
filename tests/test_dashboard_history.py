"""GET /dashboard/history: checkouts per minute and the backlog at each minute's end."""
from dataclasses import replace

import pytest

from server.edge_app.factory import create_app
from tests.conftest import heartbeat, sale

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core


async def _points(client, minutes=60):
    response = await client.get(f"/dashboard/history?minutes={minutes}")
    assert response.status == 200
    return (await response.json())["points"]


async def test_minutes_count_sales_and_rebuild_the_backlog(make_client, settings, clock):
    """Sales in three minutes, a drain in the third: each minute's count and the backlog at
    its end, and the last point's backlog equals the overview's pending count."""
    # Minutes pass between heartbeats: a kiosk silent that long would count as offline and
    # drain by the edge's own view of central, so the timeout is longer than the test.
    client = await make_client(create_app(replace(settings, heartbeat_timeout_s=600), clock=clock))
    await heartbeat(client, "k1", link_up=False)
    clock.now = clock().replace(second=5, microsecond=0)
    for _ in range(2):
        assert (await client.post("/edge/checkout", json=sale())).status == 201
    clock.advance(60)
    assert (await client.post("/edge/checkout", json=sale())).status == 201
    clock.advance(60)
    await heartbeat(client, "k1", link_up=True)
    assert (await client.post("/edge/sync", json={"kiosk_id": "k1"})).status == 200
    await heartbeat(client, "k1", link_up=False)
    assert (await client.post("/edge/checkout", json=sale())).status == 201

    points = await _points(client, minutes=4)
    assert [p["checkouts"] for p in points] == [0, 2, 1, 1]
    assert [p["pending"] for p in points] == [0, 2, 3, 1]
    overview = await (await client.get("/dashboard/overview")).json()
    assert points[-1]["pending"] == overview["pending_count"] == 1


async def test_the_window_is_whole_minutes_ending_now(client, clock):
    points = await _points(client)
    assert len(points) == 60
    assert points[-1]["minute"].startswith(clock().strftime("%Y-%m-%dT%H:%M"))
    assert all(p == {"minute": p["minute"], "checkouts": 0, "pending": 0} for p in points)


async def test_a_window_outside_the_bounds_is_refused(client):
    for minutes in ("0", "1441", "ten", "1.5", "１０", "+10"):
        response = await client.get(f"/dashboard/history?minutes={minutes}")
        assert response.status == 422, minutes
        assert (await response.json())["error"]["code"] == "invalid_fields"
