"""/metrics: Prometheus text that parses, and figures that agree with the overview."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.config import CENTRAL_DB
from server.edge_app.keys import SYNC_WORKER
from tests.conftest import eventually, heartbeat, sale
from tests.store_files import open_file

# The edge's core: scripts/test runs it again with encrypted files (--encrypted-stores).
pytestmark = pytest.mark.edge_core


async def scrape(client) -> dict[str, float]:
    resp = await client.get("/metrics", headers={"Authorization":
                                                 f"Bearer {await client.token('dashboard')}"})
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(await resp.text()):
        for sample in family.samples:
            key = sample.name + ("" if not sample.labels else str(sorted(sample.labels.items())))
            samples[key] = sample.value
    return samples


async def test_metrics_parse_and_agree_with_the_overview(client, settings, clock):
    await heartbeat(client, "k1", link_up=False)
    await heartbeat(client, "k2", link_up=True)
    body = sale("k1")
    for request in (body, body, sale("k1"), sale("k2")):  # one replay among them
        assert (await client.post("/edge/checkout", json=request)).status in (200, 201)

    async def k2_synced():
        return (await (await client.get("/dashboard/overview")).json())["pending_count"] == 2
    await eventually(k2_synced)
    clock.advance(3)
    samples = await scrape(client)
    overview = await (await client.get("/dashboard/overview")).json()
    assert samples["checkout_sales_total"] == 3
    assert samples["checkout_replays_total"] == 1
    assert samples["checkout_latency_seconds_count"] == 4
    assert samples["pending_orders"] == overview["pending_count"] == 2
    assert samples["oldest_pending_age_seconds"] == overview["oldest_pending_age_s"]
    assert samples["kiosks_online"] == overview["kiosks_online"] == 2
    assert samples["central_orders"] == overview["central_order_count"] == 1
    assert samples["sync_batches_total"] >= 1


async def test_duplicates_and_sync_errors_are_counted(client, settings):
    await client.app[SYNC_WORKER].stop()
    await heartbeat(client, "k1", link_up=True)
    for _ in range(3):
        await client.post("/edge/checkout", json=sale("k1"))
    orders = (await (await client.get("/edge/orders")).json())["orders"]
    first = orders[0]
    with open_file(settings, CENTRAL_DB) as conn:  # as if a crash replayed
        conn.execute("INSERT INTO central_orders (order_uuid, kiosk_id, idempotency_key,"
                     " items_json, vat_json, total_ore, payment_json, catalog_version,"
                     " created_at, business_day, received_at, entry_hash) SELECT ?, 'k1', 'x',"
                     " '[]', '[]', ?, '{}', 'v', 't', 'd', 't', ?",
                     (first["order_uuid"], first["total_ore"], first["entry_hash"]))
    blocker = open_file(settings, CENTRAL_DB, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        assert (await client.post("/edge/sync", json={"kiosk_id": "k1"})).status == 503
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert (await client.post("/edge/sync", json={"kiosk_id": "k1"})).status == 200
    samples = await scrape(client)
    assert samples["sync_errors_total"] == 1
    assert samples["central_duplicates_absorbed_total"] == 1
    assert samples["sync_batches_total"] == 1


async def test_metrics_need_a_dashboard_or_operator_credential(client):
    assert (await client.raw.get("/metrics")).status == 401
    kiosk = await client.token("k1")
    assert (await client.raw.get("/metrics", headers={
        "Authorization": f"Bearer {kiosk}"})).status == 403
