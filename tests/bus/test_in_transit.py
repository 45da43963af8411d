"""Sales in transit, with real processes: a store publishes over the bus while head office's
ingest is stopped, so its sales are synced at the store and held by the stream, not yet in
the ledger. Head office (watching the stream) and the store's wallboard both call them "in
transit" with their count and the oldest, never "differs"; once the ingest runs again they
arrive and everything matches. A message that can never be ingested raises the board's
dead-letter alert."""
import asyncio
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from reliability.hq_process import HeadOffice
from tests.bus import ingest_helpers as helpers
from tests.bus.ingest_helpers import consumer_made, consumer_settled, ingesting, publish, published
from tests.bus.test_bus_story import bus_env
from tests.chain.helpers import acall, beat, sell, until

WAIT_S = 20.0
store_key, ingest = helpers.store_key, helpers.ingest  # store-a enrolled; ingest processes


def watching_env(nats_url: str, names) -> dict:
    """Head office's settings that watch the test's stream, and look often."""
    return {"CHECKOUT_HQ_NATS_URL": nats_url, "CHECKOUT_HQ_NATS_STREAM": names.stream,
            "CHECKOUT_HQ_NATS_SUBJECT_PREFIX": names.prefix,
            "CHECKOUT_HQ_TRANSIT_INTERVAL_S": "0.3"}


async def board(hq) -> dict:
    """Head office's chain wallboard (GET /hq/v1/board)."""
    status, answer = await acall(f"{hq.url}/hq/v1/board", token=hq.token("hq-dashboard"))
    assert status == 200, answer
    return answer


async def edge_read(edge, path: str) -> dict:
    """One of the store's own reads, as its staff's wallboard makes it."""
    status, answer = await acall(f"{edge.url}{path}", token=edge.token("operator"))
    assert status == 200, answer
    return answer


async def hq_gauges(hq) -> dict[str, float]:
    """Head office's /metrics, each sample by name."""
    text = await asyncio.to_thread(_metrics_text, hq.url, hq.token("hq-operator"))
    return {sample.name: sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples}


def _metrics_text(url: str, token: str) -> str:
    request = urllib.request.Request(f"{url}/metrics",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.read().decode()


async def in_transit_at_hq(hq, count: int) -> bool:
    """Whether head office's board shows `count` sales in transit for store-a."""
    row = (await board(hq))["stores"].get("store-a") or {}
    return row.get("in_transit") == count


async def test_sales_on_the_bus_are_in_transit_until_the_ingest_takes_them(
        tmp_path, postgres, nats_url, js, bus_names, ingest):
    first = ingest("first")
    await until(lambda: ingesting(first), WAIT_S)
    assert await first.stop() == 0  # the stream and its consumer stay; nobody ingests
    hq = HeadOffice(tmp_path, postgres, watching_env(nats_url, bus_names))
    await asyncio.to_thread(hq.start)
    edge = hq.chain_edge(tmp_path / "store-a", "store-a", {
        **bus_env(nats_url, bus_names), "CHECKOUT_CENTRAL_CACHE_S": "0.2"})
    try:
        await asyncio.to_thread(edge.start)
        await beat(edge, "kiosk-1", link_up=True)
        await sell(edge, "kiosk-1", 3)
        await sell(edge, "kiosk-2", 2)
        await until(lambda: in_transit_at_hq(hq, 5), WAIT_S)

        shown = await board(hq)
        row, overview = shown["stores"]["store-a"], shown["overview"]
        assert row["status"] == "in_transit" and row["oldest_in_transit_at"]
        assert overview["in_transit"] == 5 and overview["bus"]["problem"] is None
        status, totals = await acall(f"{hq.url}/hq/v1/stores/store-a/totals",
                                     token=hq.token("hq-operator"))
        assert status == 200, totals
        assert totals["totals"] == [] and totals["in_transit"]["sales"] == 5
        assert set(totals["in_transit"]["kiosks"]) == {"kiosk-1", "kiosk-2"}
        gauges = await hq_gauges(hq)
        assert gauges["hq_bus_in_transit_sales"] == 5
        assert gauges["hq_bus_oldest_in_transit_age_seconds"] > 0

        overview = await edge_read(edge, "/dashboard/overview")
        assert overview["in_transit"] == 5 and overview["oldest_in_transit_at"]
        assert overview["pending_count"] == 0  # synced at the store: the stream holds them
        rows = (await edge_read(edge, "/dashboard/reconciliation"))["rows"]
        assert {(r["kiosk_id"], r["status"], r["edge"]["in_transit"]) for r in rows} == {
            ("kiosk-1", "in_transit", 3), ("kiosk-2", "in_transit", 2)}

        ingest("again")
        await until(lambda: consumer_settled(js, bus_names.stream), WAIT_S)
        await until(lambda: in_transit_at_hq(hq, 0), WAIT_S)
        await until(lambda: _all_match(edge), WAIT_S)
        assert (await board(hq))["stores"]["store-a"]["status"] == "reporting"
    finally:
        await asyncio.to_thread(edge.stop)
        await asyncio.to_thread(hq.stop)


async def test_a_dead_letter_raises_the_boards_alert(
        tmp_path, postgres, nats_url, js, bus_names, ingest, store_key):
    process = ingest()
    await until(lambda: consumer_made(js, bus_names.stream), WAIT_S)
    hq = HeadOffice(tmp_path, postgres, watching_env(nats_url, bus_names))
    await asyncio.to_thread(hq.start)
    try:
        message = published(store_key, bus_names.prefix, "k1", 0, 2)
        await publish(js, type(message)(message.subject, {**message.headers,
                                                          "Signature": "sig1=:AAAA:"},
                                        message.body))
        await until(lambda: consumer_settled(js, bus_names.stream), WAIT_S)
        shown = await board(hq)
        assert shown["overview"]["bus_dead_letters"] == 1
        alert = shown["alerts"]["dead_letters:store-a"]
        assert alert["kind"] == "dead_letters" and alert["store_id"] == "store-a"
        assert shown["overview"]["in_transit"] == 0  # a dead letter is taken, not on its way
        assert (await hq_gauges(hq))["hq_bus_dead_letters"] == 1
    finally:
        await process.stop()
        await asyncio.to_thread(hq.stop)


async def _all_match(edge) -> bool:
    report = await edge_read(edge, "/dashboard/reconciliation")
    return report["all_match"] and (await edge_read(edge, "/dashboard/overview"))[
        "in_transit"] == 0

