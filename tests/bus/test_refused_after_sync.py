"""A sale head office refuses for good after it went by the bus, with real processes: head
office already holds its order_uuid with other content, so its ingest refuses the store's
row; the store, which marked it synced when the stream took it, reads the refusal back and
sets the sale aside for its staff, as an HTTP answer would have made it do at once. Its
wallboard counts it set aside (not synced), its reconciliation shows the kiosk-day
differing by what head office holds in that sale's place."""
import asyncio

from reliability.hq_process import HeadOffice
from server.bus.envelope import batch_message
from server.chain.store_keys import KEY_FILE, load_key
from server.clock import business_day, utc_now
from tests.bus import ingest_helpers as helpers
from tests.bus.ingest_helpers import ingesting, publish, sales_held
from tests.bus.test_bus_story import bus_env
from tests.bus.test_in_transit import edge_read
from tests.chain.helpers import MILK, acall, batch_body, beat, sales_rows, sell, until

WAIT_S = 20.0
ingest = helpers.ingest  # ingest processes on the test's stream, killed after


async def sell_with_key(edge, kiosk: str, key: str) -> str:
    """One sale at the kiosk under this idempotency key; its order_uuid."""
    status, order = await acall(f"{edge.url}/edge/checkout", "POST", edge.token(kiosk), {
        "idempotency_key": key, "items": [{"sku": MILK, "qty": 2}],
        "payment": {"method": "card", "reference": "TERM-9"}})
    assert status == 201, order
    return order["order_uuid"]


async def states(edge) -> dict[str, str]:
    """Each of the store's sales and its sync_state."""
    page = await edge_read(edge, "/edge/orders?limit=100")
    return {order["order_uuid"]: order["sync_state"] for order in page["orders"]}


async def test_a_sale_refused_after_its_sync_is_set_aside_at_the_store(
        tmp_path, postgres, nats_url, js, bus_names, ingest):
    process = ingest()
    await until(lambda: ingesting(process), WAIT_S)
    hq = HeadOffice(tmp_path, postgres)
    await asyncio.to_thread(hq.start)
    edge = hq.chain_edge(tmp_path / "store-a", "store-a", {
        **bus_env(nats_url, bus_names), "CHECKOUT_NATS_REFUSALS_POLL_S": "0.3",
        "CHECKOUT_CENTRAL_CACHE_S": "0.2"})
    try:
        # Head office holds kiosk-1's sale under this key already, with other content.
        today = business_day(utc_now(), "Europe/Stockholm").isoformat()
        [held] = sales_rows("kiosk-1", count=1, day=today)
        key = load_key(edge.data_dir / KEY_FILE)
        await publish(js, batch_message(key, batch_body("store-a", [held]), "store-a",
                                        "kiosk-1", 1, 1, bus_names.prefix, rows=1))
        await until(lambda: _holds(postgres, 1), WAIT_S)

        await asyncio.to_thread(edge.start)
        await beat(edge, "kiosk-1", link_up=True)
        refused = await sell_with_key(edge, "kiosk-1", held[2])
        assert refused == held[0]
        good = await sell(edge, "kiosk-1", 2)
        await until(lambda: _states_are(edge, {refused: "attention", **dict.fromkeys(
            good, "synced")}), WAIT_S)

        status, page = await acall(f"{hq.url}/hq/v1/stores/store-a/refused-rows",
                                   token=hq.token("hq-operator"))
        assert status == 200, page
        assert [row["order_uuid"] for row in page["rows"]] == [refused]
        assert page["next"] is None and page["rows"][0]["cursor"] > 0
        overview = await edge_read(edge, "/dashboard/overview")
        assert (overview["set_aside_count"], overview["synced_count"]) == (1, 2)
        assert overview["pending_count"] == 0
        report = await edge_read(edge, "/dashboard/reconciliation")
        [row] = report["rows"]
        assert report["set_aside"] == 1 and row["edge"]["set_aside"] == 1
        # Head office counts its own sale under that uuid (one milk) where the store's was two.
        assert row["status"] == "differs" and row["difference"] == {"orders": 0,
                                                                   "total_ore": 1695}
        assert len(await sales_held(postgres)) == 3  # head office's own, and the two good
    finally:
        await asyncio.to_thread(edge.stop)
        await asyncio.to_thread(hq.stop)
    assert "1 rows refused" in (await _stopped(process))


async def _holds(postgres: str, count: int) -> bool:
    return len(await sales_held(postgres)) == count


async def _states_are(edge, wanted: dict[str, str]) -> bool:
    return await states(edge) == wanted


async def _stopped(process) -> str:
    assert await process.stop() == 0
    return process.output()
