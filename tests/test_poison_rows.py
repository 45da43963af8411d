"""A sale central refuses for good is set aside for staff; the sales behind it still drain."""
import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.edge_app.keys import SYNC_WORKER
from tests.conftest import heartbeat, sale
from tests.store_files import plant_conflicting_row

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core


async def test_a_poison_row_is_set_aside_and_the_rest_drain(client, settings):
    await client.app[SYNC_WORKER].stop()  # drain by hand, to see the one batch
    await heartbeat(client, "k1", link_up=False)
    orders = [await (await client.post("/edge/checkout", json=sale())).json() for _ in range(5)]
    poison = orders[1]["order_uuid"]
    plant_conflicting_row(settings, poison)
    await heartbeat(client, "k1", link_up=True)

    answer = await (await client.post("/edge/sync", json={"kiosk_id": "k1"})).json()
    assert (answer["synced"], answer["set_aside"]) == (4, 1)
    assert answer["results"][0]["outcome"] == "drained"

    at_edge = (await (await client.get("/edge/orders")).json())["orders"]
    states = {o["order_uuid"]: o["sync_state"] for o in at_edge}
    assert states.pop(poison) == "attention"
    assert set(states.values()) == {"synced"}
    set_aside = (await (await client.get("/edge/orders?sync_state=attention")).json())["orders"]
    assert [o["order_uuid"] for o in set_aside] == [poison]
    assert set_aside[0]["set_aside_reason"] == (
        "central holds a different sale under this order_uuid")

    # A later drain leaves it alone: it is not pending, and nothing is retried for ever.
    again = await (await client.post("/edge/sync", json={"kiosk_id": "k1"})).json()
    assert (again["synced"], again["set_aside"]) == (0, 0)

    overview = await (await client.get("/dashboard/overview")).json()
    assert (overview["pending_count"], overview["set_aside_count"]) == (0, 1)
    kiosk = (await (await client.get("/dashboard/kiosks")).json())["kiosks"][0]
    assert kiosk["set_aside_count"] == 1
    report = await (await client.get("/dashboard/reconciliation")).json()
    assert report["set_aside"] == 1 and report["all_match"] is False
    assert report["rows"][0]["status"] == "attention"
    text = await (await client.get("/metrics")).text()
    gauges = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
    assert gauges["orders_set_aside"] == 1
    history = (await (await client.get("/dashboard/history?minutes=1")).json())["points"]
    assert history[-1]["pending"] == 0  # it left the backlog, into the staff's hands
