"""Head office's look at the stream for sales in transit (server.bus.transit and
server.hq.transit_watch), on a real NATS stream of the test's own and head office's real
storage on PostgreSQL: messages the ingest took out of turn (committed, or moved aside as
dead letters) are not in transit, the others are, counted by their Checkout-Rows header;
and head office with its bus away still serves, its board saying why it cannot look."""
from datetime import timedelta

from aiohttp.test_utils import TestServer

from reliability.nats_process import free_port
from server.auth.enrolment import issue_person_token
from server.bus.envelope import batch_message
from server.bus.stream import ConsumerSpec, dead_letter_stream, ensure_consumer, ensure_stream
from server.bus.transit import merged
from server.clock import to_iso, utc_now
from server.config import HqSettings
from server.dashboard.chain_alerts import BoardRules, Refusals, store_alerts
from server.dashboard.chain_reconciliation import on_the_way, verdict
from server.hq.bus_ingest import BusIngest, IngestRules
from server.hq.factory import create_hq_app
from server.hq.storage import open_storage
from server.hq.transit_watch import TransitWatch
from server.web.keys import AUTH_STORE
from server.web.serving import server_options
from tests.bus import ingest_helpers as helpers
from tests.chain.helpers import batch_body, sales_rows, until

store_key = helpers.store_key  # store-a's key, enrolled at head office


def message(key, prefix: str, first: int, rows: int = 2, **changes):
    """store-a's batch of `rows` sales of kiosk k1 from seq `first`, counted in its header."""
    body = batch_body("store-a", sales_rows("k1", count=rows, first=first))
    made = batch_message(key, body, "store-a", "k1", first + 1, first + rows, prefix,
                         rows=rows)
    return type(made)(made.subject, {**made.headers, **changes}, made.body)


async def test_a_look_counts_only_what_the_ingest_has_not_taken(
        js, bus_names, store_key, postgres, tmp_path, nats_url):
    spec = ConsumerSpec(bus_names.spec())
    await ensure_stream(js, spec.stream)
    await ensure_stream(js, dead_letter_stream(spec.stream))
    await ensure_consumer(js, spec)
    sent = [message(store_key, bus_names.prefix, 0), message(store_key, bus_names.prefix, 2),
            message(store_key, bus_names.prefix, 4, Signature="sig1=:AAAA:"),
            message(store_key, bus_names.prefix, 6)]
    for each in sent:
        await js.publish(each.subject, each.body, headers=each.headers)
    settings = HqSettings(database=postgres, data_dir=str(tmp_path / "hq"), hq_nats_url=nats_url,
                          hq_nats_stream=bus_names.stream,
                          hq_nats_subject_prefix=bus_names.prefix)
    storage = await open_storage(settings)
    try:
        taker = BusIngest(js, storage, IngestRules(300, 5000), spec)
        pulled = await (await js.pull_subscribe_bind(
            durable=spec.durable_name, stream=spec.stream.name)).fetch(3, timeout=5)
        assert await taker.take(pulled[1]) and await taker.take(pulled[2])  # out of turn
        assert (taker.counts.inserted, taker.counts.dead_letters) == (2, 1)
        watch = TransitWatch(settings, storage, utc_now)
        try:
            await watch.look()
        finally:
            await watch.stop()  # its connection
        seen = watch.of_store("store-a")
        assert watch.problem is None and seen["complete"]
        assert (seen["sales"], seen["messages"]) == (4, 2)  # the first and the last
        assert seen["kiosks"] == {"k1": {"sales": 4, "seqs": [[1, 2], [7, 8]]}}
        assert watch.chain()["sales"] == 4 and watch.of_store("store-b")["sales"] == 0
    finally:
        await storage.close()
        await js.delete_stream(dead_letter_stream(spec.stream).name)


async def test_head_office_serves_while_its_bus_is_away_and_the_board_says_so(
        postgres, tmp_path, aiohttp_client):
    settings = HqSettings(database=postgres, data_dir=str(tmp_path / "hq"), rate_limits="off",
                          hq_nats_url=f"nats://127.0.0.1:{free_port()}",
                          hq_transit_interval_s=0.2, hq_board_min_interval_s=0.05,
                          hq_board_tick_s=0.2)
    server = TestServer(create_hq_app(settings))
    await server.start_server(**server_options(settings))
    client = await aiohttp_client(server)
    token = (await issue_person_token(client.app[AUTH_STORE], "hq-dashboard", "test", "test",
                                      to_iso(utc_now()))).token
    assert (await client.get("/health")).status == 200

    async def unwatched() -> bool:
        answer = await client.get("/hq/v1/board", headers={"Authorization": f"Bearer {token}"})
        board = await answer.json()
        return "bus_unwatched:chain" in board["alerts"] and board["overview"]["bus"]["problem"]
    await until(unwatched, 10)


def test_the_verdict_on_sales_on_the_bus():
    assert verdict((3, 30), (5, 50), (5, 50), in_transit=2) == "in_transit"
    assert verdict((3, 30), (5, 50), (6, 60), in_transit=9) == "in_transit"
    assert verdict((3, 30), (5, 50), (5, 50), in_transit=1) == "differs"  # one is lost
    assert verdict((3, 30), (5, 50), (5, 50)) == "differs"  # on HTTP: nothing travels so


def test_what_may_be_on_the_way_since_a_report():
    transit = {"looked_at": "2026-12-04T10:00:05+00:00", "kiosks": {"k1": {"sales": 2}}}
    then = [{"kiosk_id": "k1", "business_day": "2026-12-04", "orders": 3}]
    now = [{"kiosk_id": "k1", "business_day": "2026-12-04", "orders": 4}]
    moving = on_the_way(transit, now, then, "2026-12-04T10:00:00+00:00")
    assert moving("k1", "2026-12-04") == 3 and moving("k2", "2026-12-04") == 0
    older = on_the_way(transit, now, then, "2026-12-04T10:00:09+00:00")
    assert older("k2", "2026-12-04") > 10**9  # no look since the report: cannot tell yet
    assert on_the_way(None, now, then, "2026-12-04T10:00:00+00:00")("k1", "2026-12-04") == 0


def test_seq_ranges_that_meet_are_one():
    assert merged([[7, 8], [1, 2], [3, 4], [10, 12], [11, 11]]) == [[1, 4], [7, 8], [10, 12]]
    assert merged([]) == []



def test_a_sale_long_on_the_bus_and_a_recent_dead_letter_are_alerts():
    rules = BoardRules(90, 600, 900, 20, "Europe/Stockholm")
    now = utc_now()
    row = {"store_id": "store-a", "state": "reporting", "last_report_at": to_iso(now),
           "oldest_pending_at": None, "pending": 0, "reconciliation": "in_transit",
           "set_aside": 0, "in_transit": 7,
           "oldest_in_transit_at": to_iso(now - timedelta(seconds=901))}
    dead = Refusals({}, 0, None, {"store-a": (2, now - timedelta(hours=23))})
    kinds = {alert["kind"] for alert in store_alerts(row, None, dead, rules, now)}
    assert kinds == {"in_transit", "dead_letters"}
    row["oldest_in_transit_at"] = to_iso(now - timedelta(seconds=899))
    old = Refusals({}, 0, None, {"store-a": (2, now - timedelta(hours=25))})
    assert store_alerts(row, None, old, rules, now) == []
